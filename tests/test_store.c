/* test_store.c — schema versions are real: a database written with the previous
 * schema (tests/fixtures/schema_v1.sql, the exact text version 1 applied) is upgraded
 * in place with its rows intact; an upgrade that cannot complete changes nothing; a
 * newer version is refused with what to do. Run from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/store.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf;
    size_t len;
    assert_int_equal(read_bounded(f, 1 << 20, &buf, &len), 0);
    fclose(f);
    return buf;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", msg, sql);
}

/* A version-1 database as l2sim 1 left it: one run, a block, a transfer that paid
 * 9 ETH (INTEGER wei, as version 1 stored fees), one that was dropped, an attack. */
static void make_v1(const char *path, const char *status)
{
    store_remove(path);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *schema = slurp("tests/fixtures/schema_v1.sql");
    exec(db, schema);
    free(schema);
    exec(db, "INSERT INTO meta VALUES('schema_version', '1');"
             "INSERT INTO runs(run_id, scenario_name, scenario_file, scenario_text,"
             " scenario_sha256, overrides, config, seed, master_seed, replication,"
             " l2sim_version, git_rev, crypto_mode, duration_us, started_at, status)"
             " VALUES(1, 's', 's.yaml', 'name: s', 'x', '', '', 1, 1, 0, '0.1', 'r',"
             " 'ed25519', 3600000000, '2026-01-01T00:00:00Z', 'complete');"
             "INSERT INTO schemes VALUES(1, 'l1', 'l1', 'l1');"
             "INSERT INTO l1_blocks VALUES(1, 'l1', 1, 12000000, 30000000, 15000000,"
             " 1000000000, 0, 0, 1, 2, 0, '15000000000000000', '0');"
             "INSERT INTO attacks VALUES(1, 'l1', 'stuffer', 'block_stuffing', 'all', 0, 10,"
             " '20000000000000000000', '0', '0', 0, NULL, NULL, 3, 0, 0, 'filled');"
             "INSERT INTO metrics VALUES(1, 'l1', 'fee_mean_wei', 2.5e14),"
             " (1, 'l1', 'during.fee_p95_wei', 1e15), (1, 'l1', 'l1_base_fee_mean_wei', 1e10);");
    char *sql = sqlite3_mprintf(
        "INSERT INTO txs VALUES(1, 'l1', 1, 4, 5, '50000000000000000', 100, 12000000,"
        " 24000000, 9000000000000000000, 9000000000000000000, 0, 'final'),"
        " (1, 'l1', 2, 5, 4, '7', 200, NULL, NULL, NULL, NULL, NULL, %Q);", status);
    exec(db, sql);
    sqlite3_free(sql);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static char *text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sqlite3_errmsg(db), sql);
    char *out = NULL;
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
        out = xstrdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return out;
}

static void expect(sqlite3 *db, const char *sql, const char *want)
{
    char *got = text(db, sql);
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s: got %s, want %s", sql, got ? got : "NULL", want);
    free(got);
}

static void test_v1_upgraded_in_place(void **state)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/l2sim-store-v1-%ld.db", (long)getpid());
    make_v1(path, "dropped");
    struct store *st;
    struct err e;
    err_init(&e);
    if (store_open(path, &st, &e) != 0)
        fail_msg("%s", e.msg);
    sqlite3 *db = store_db(st);
    char want[8];
    snprintf(want, sizeof want, "%d", STORE_SCHEMA_VERSION);
    expect(db, "SELECT value FROM meta WHERE key = 'schema_version'", want);
    /* the 9-ETH fee, INTEGER in version 1, is exact text now, and its _eth beside it */
    expect(db, "SELECT fee_wei || ' ' || typeof(fee_wei) || ' ' || l1_fee_wei || ' '"
               " || l2_fee_wei || ' ' || fee_eth FROM txs WHERE tx_id = 1",
           "9000000000000000000 text 9000000000000000000 0 9.0");
    expect(db, "SELECT value_eth FROM txs WHERE tx_id = 1", "0.05");
    /* version 1 held only the L1 baseline: accepted when included */
    expect(db, "SELECT soft_us || ' ' || include_us || ' ' || final_us || ' ' || status"
               " FROM txs WHERE tx_id = 1", "12000000 12000000 24000000 final");
    expect(db, "SELECT coalesce(fee_wei, 'NULL') || ' ' || status FROM txs WHERE tx_id = 2",
           "NULL dropped");
    expect(db, "SELECT burned_wei || ' ' || burned_eth || ' ' || tips_eth FROM l1_blocks",
           "15000000000000000 0.015 0.0");
    expect(db, "SELECT attack_id || ' ' || cost_wei || ' ' || cost_eth FROM attacks",
           "1 20000000000000000000 20.0");
    /* the views are this version's and read the upgraded rows */
    expect(db, "SELECT fee_eth || ' ' || soft_s FROM transfer_outcomes WHERE tx_id = 1",
           "9.0 11.9999");
    expect(db, "SELECT total(total_eth) FROM cost_breakdown", "9.0");   /* base fee + tip */
    expect(db, "SELECT cost_eth || ' ' || outcome FROM fraud_outcomes",
           "20.0 no funds at risk: costs and delays only");
    /* fee statistics are ETH now; the base fee, a price per gas, stays wei */
    expect(db, "SELECT group_concat(name || '=' || value, ' ') FROM (SELECT * FROM metrics"
               " ORDER BY name)", "during.fee_p95_eth=0.001 fee_mean_eth=0.00025 "
               "l1_base_fee_mean_wei=10000000000.0");
    expect(db, "SELECT fee_mean_eth FROM scheme_summary WHERE phase = 'all'", "0.00025");
    expect(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '%\\_old' ESCAPE '\\'", "0");
    store_close(st);
    /* opening again changes nothing */
    err_init(&e);
    assert_int_equal(store_open(path, &st, &e), 0);
    expect(store_db(st), "SELECT count(*) || ' ' || sum(fee_eth) FROM txs", "2 9.0");
    store_close(st);
    store_remove(path);
}

/* A row version 2 cannot hold (a status outside its CHECK) stops the upgrade: the
 * file is left exactly as version 1, with a message. */
/* A version-2 database (tests/fixtures/schema_v2.sql) with an L1 transaction of each
 * side: opened by this l2sim, l1_txs gains payer, 'unknown' in the old rows, and view
 * l1_spend reads their payer from the kind; nothing else changes. */
static void test_v2_upgraded_in_place(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/l2sim-store-v2-%ld.db", (long)getpid());
    store_remove(path);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    char *schema = slurp("tests/fixtures/schema_v2.sql");
    exec(raw, schema);
    free(schema);
    exec(raw, "INSERT INTO meta VALUES('schema_version', '2');"
              "INSERT INTO runs(run_id, scenario_name, scenario_file, scenario_text,"
              " scenario_sha256, overrides, config, seed, master_seed, replication,"
              " l2sim_version, git_rev, crypto_mode, duration_us, started_at, status)"
              " VALUES(1, 's', 's.yaml', 'name: s', 'x', '', '', 1, 1, 0, '0.2', 'r',"
              " 'fast', 3600000000, '2026-01-01T00:00:00Z', 'complete');"
              "INSERT INTO schemes VALUES(1, 'ru', 'optimistic_rollup', 'ru');"
              "INSERT INTO l1_txs(run_id, world, tx_id, origin, kind, status, cancelled,"
              " calldata_bytes, exec_gas, gas, blobs, max_fee_per_gas, max_priority_fee_per_gas,"
              " replacements, height, base_fee_per_gas, priority_fee_per_gas, fee_wei, submit_us,"
              " include_us) VALUES"
              " (1, 'ru', 1, 'ru', 'deposit', 'final', 0, 32, 60000, 81000, 0, 9, 1, 0, 3, 8, 1,"
              "  '729000', 10, 36000000),"
              " (1, 'ru', 2, 'ru', 'blob_batch', 'final', 0, 32, 30000, 51000, 1, 9, 1, 0, 4, 8, 1,"
              "  '590072', 20, 48000000)");
    assert_int_equal(sqlite3_close(raw), SQLITE_OK);
    struct store *st;
    struct err e;
    err_init(&e);
    if (store_open(path, &st, &e) != 0)
        fail_msg("%s", e.msg);
    sqlite3 *db = store_db(st);
    expect(db, "SELECT value FROM meta WHERE key = 'schema_version'", "3");
    expect(db, "SELECT group_concat(tx_id || ':' || payer || ':' || fee_wei, ' ') FROM"
               " (SELECT * FROM l1_txs ORDER BY tx_id)", "1:unknown:729000 2:unknown:590072");
    expect(db, "SELECT group_concat(kind || ':' || payer, ' ') FROM"
               " (SELECT * FROM l1_spend ORDER BY tx_id)", "deposit:user blob_batch:operator");
    store_close(st);
    store_remove(path);
}

static void test_failed_upgrade_changes_nothing(void **state)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/l2sim-store-v1-bad-%ld.db", (long)getpid());
    make_v1(path, "lost");
    struct store *st;
    struct err e;
    err_init(&e);
    assert_int_equal(store_open(path, &st, &e), L2_EIO);
    assert_non_null(strstr(e.msg, "cannot upgrade the database from schema version 1"));
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    expect(db, "SELECT value FROM meta WHERE key = 'schema_version'", "1");
    expect(db, "SELECT typeof(fee_wei) || ' ' || status FROM txs ORDER BY tx_id",
           "integer final");
    expect(db, "SELECT count(*) FROM pragma_table_info('attacks') WHERE name = 'spent_wei'",
           "1");
    sqlite3_close(db);
    store_remove(path);
}

static void test_newer_refused(void **state)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/l2sim-store-v99-%ld.db", (long)getpid());
    make_v1(path, "dropped");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    exec(db, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    sqlite3_close(db);
    struct store *st;
    struct err e;
    err_init(&e);
    assert_int_equal(store_open(path, &st, &e), L2_EIO);
    assert_non_null(strstr(e.msg, "database schema version 99 is newer than this l2sim's"));
    store_remove(path);
}

/* store_rows: rows reach the table in the order ended, whole groups and the rest
 * alike, with unset columns NULL (whatever the group before held) and text copied at once (the caller's buffer is
 * reused); any query made through the store (store_db) sees every row ended. */
static void test_rows_in_order_and_visible(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/l2sim-store-rows-%ld.db", (long)getpid());
    store_remove(path);
    struct store *st;
    struct err e;
    err_init(&e);
    assert_int_equal(store_open(path, &st, &e), 0);
    sqlite3_exec(store_db(st), "CREATE TABLE t(k INTEGER, s TEXT, w TEXT, n INTEGER)",
                 NULL, NULL, NULL);
    struct store_rows *r = store_rows(st, "t", "k, s, w, n", 4);
    assert_ptr_equal(store_rows(st, "t", "k, s, w, n", 4), r);      /* asked again: the same */
    int total = 2 * STORE_ROWS_GROUP + 5;       /* two full groups and a rest */
    char buf[16];
    for (int i = 0; i < total; i++) {
        snprintf(buf, sizeof buf, "row%d", i);
        store_rows_int(r, 1, total - i);        /* descending: order is the caller's */
        store_rows_text(r, 2, buf);
        strcpy(buf, "overwritten");
        /* 2^64 + i: above what 64-bit arithmetic formats */
        store_rows_u128(r, 3, ((u128)1 << 64) + (u128)i);
        if (i % 3)                              /* NULLs fall elsewhere in each group */
            store_rows_int(r, 4, i);
        store_rows_end(r);
    }
    sqlite3 *db = store_db(st);
    char want[32];
    snprintf(want, sizeof want, "%d", total);
    expect(db, "SELECT COUNT(*) FROM t", want);
    expect(db, "SELECT COUNT(*) FROM t WHERE n IS NULL", "23");
    /* a column not set is NULL even where the group before set it (the writer binds
     * every parameter of a group, leaving none of the last group's) */
    expect(db, "SELECT COUNT(*) FROM t WHERE (n IS NULL) != ((69 - k) % 3 = 0)", "0");
    expect(db, "SELECT s || ' ' || w FROM t WHERE k = 1", "row68 18446744073709551684");
    /* insertion order: rowid follows the rows as ended */
    expect(db, "SELECT COUNT(*) FROM t WHERE k != 70 - rowid", "0");
    expect(db, "SELECT group_concat(s) FROM (SELECT s FROM t WHERE rowid IN (32, 33, 65) "
               "ORDER BY rowid)", "row31,row32,row64");
    assert_int_equal(store_commit(st, &e), 0);
    store_close(st);
    store_remove(path);
}

/* The writer thread (store_rows): many groups, a batch commit (STORE_BATCH rows) in
 * the writer's turn between them, and the model's own statements into another table
 * meanwhile: every row arrives, in order, once; a query through the store sees them
 * all; after a close and reopen they are all there (committed). */
static void test_rows_writer_many_groups(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/l2sim-store-many-%ld.db", (long)getpid());
    store_remove(path);
    struct store *st;
    struct err e;
    err_init(&e);
    assert_int_equal(store_open(path, &st, &e), 0);
    sqlite3_exec(store_db(st), "CREATE TABLE t(k INTEGER, s TEXT);"
                 "CREATE TABLE u(k INTEGER PRIMARY KEY)", NULL, NULL, NULL);
    struct store_rows *r = store_rows(st, "t", "k, s", 2);
    sqlite3_stmt *ins = store_prepare(st, "INSERT INTO u VALUES(?)");
    int total = 2 * STORE_BATCH + 7 * STORE_ROWS_GROUP + 3;
    for (int i = 0; i < total; i++) {
        char buf[16];
        snprintf(buf, sizeof buf, "v%d", i);
        store_rows_int(r, 1, i);
        store_rows_text(r, 2, buf);
        store_rows_end(r);
        if (i % 100 == 0) {
            sqlite3_bind_int(ins, 1, i);
            store_step(st, ins);
        }
    }
    sqlite3 *db = store_db(st);
    char want[32];
    snprintf(want, sizeof want, "%d", total);
    expect(db, "SELECT COUNT(*) FROM t", want);
    expect(db, "SELECT COUNT(*) FROM t WHERE k != rowid - 1 OR s != 'v' || k", "0");
    snprintf(want, sizeof want, "%d", (total + 99) / 100);
    expect(db, "SELECT COUNT(*) FROM u", want);
    store_close(st);
    assert_int_equal(store_open(path, &st, &e), 0);
    snprintf(want, sizeof want, "%d", total);
    expect(store_db(st), "SELECT COUNT(*) FROM t", want);
    store_close(st);
    store_remove(path);
}

/* A row that breaks a constraint is a bug the run stops on, in a group as alone: a
 * duplicate key in the middle of a group of STORE_ROWS_GROUP rows panics with SQLite's
 * message and the statement (exit 1, in a child process). */
static void test_rows_constraint_panics(void **state)
{
    (void)state;
    char path[64], errf[64];
    snprintf(path, sizeof path, "/tmp/l2sim-store-dup-%ld.db", (long)getpid());
    snprintf(errf, sizeof errf, "/tmp/l2sim-store-dup-%ld.err", (long)getpid());
    store_remove(path);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen(errf, "w", stderr))
            _exit(3);
        struct store *st;
        struct err e;
        err_init(&e);
        if (store_open(path, &st, &e) != 0)
            _exit(4);
        sqlite3_exec(store_db(st), "CREATE TABLE d(k INTEGER PRIMARY KEY, v TEXT NOT NULL)"
                     " WITHOUT ROWID", NULL, NULL, NULL);
        struct store_rows *r = store_rows(st, "d", "k, v", 2);
        for (int i = 0; i < STORE_ROWS_GROUP; i++) {
            store_rows_int(r, 1, i == STORE_ROWS_GROUP / 2 ? 0 : i);   /* 0 twice */
            store_rows_text(r, 2, "x");
            store_rows_end(r);              /* the last one queues the group */
        }
        /* the writer thread wrote it; its failure reaches this thread at the store's
         * next synchronizing call (a commit, a query, the run's end) */
        store_commit(st, &e);
        _exit(0);                           /* not reached: the group panics */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    FILE *f = fopen(errf, "r");
    assert_non_null(f);
    char msg[512] = "";
    size_t n = fread(msg, 1, sizeof msg - 1, f);
    msg[n] = '\0';
    fclose(f);
    remove(errf);
    store_remove(path);
    if (!strstr(msg, "database constraint violated") || !strstr(msg, "UNIQUE constraint failed"))
        fail_msg("message: %s", msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_constraint_panics),
        cmocka_unit_test(test_rows_writer_many_groups),
        cmocka_unit_test(test_rows_in_order_and_visible),
        cmocka_unit_test(test_v1_upgraded_in_place),
        cmocka_unit_test(test_v2_upgraded_in_place),
        cmocka_unit_test(test_failed_upgrade_changes_nothing),
        cmocka_unit_test(test_newer_refused),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
