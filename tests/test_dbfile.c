/* test_dbfile.c — results databases as hostile input (issue 15). Each test builds the
 * hostile file itself, with plain SQLite, as an attacker would: a schema entry edited
 * through PRAGMA writable_schema (several statements, other columns, a view or a
 * virtual table where a table belongs), values of the wrong type or NULL where the
 * declaration forbids them (written with the declaration relaxed, then restored), run
 * ids that are text, rows of no run, another application's file, a trigger. What must
 * hold: no SQL text of the file runs, readers write nothing, and every refusal names
 * the table, the column and the value. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/compare.h"
#include "analysis/report.h"
#include "sim/dbfile.h"
#include "sim/merge.h"

static char *temp_path(const char *tag)
{
    char *p = xasprintf("/tmp/l2sim-dbfile-%s-XXXXXX", tag);
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    close(fd);
    remove(p);
    return p;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
}

/* A valid l2sim database at path with one complete run, its scheme and metrics. */
static void make_db(const char *path)
{
    struct err e;
    err_init(&e);
    struct store *st;
    assert_int_equal(store_open(path, &st, &e), 0);
    struct store_run r = { .scenario_name = "h", .scenario_file = "h.yaml",
                           .scenario_text = "name: h\n", .scenario_sha256 = "abc",
                           .overrides = "", .config = "name = h  # scenario\n"
                           "duration = 1h  # scenario\n", .seed = 7, .master_seed = 7,
                           .crypto_mode = "ed25519", .duration_us = 3600000000LL };
    int64_t id;
    assert_int_equal(store_begin_run(st, &r, &id, &e), 0);
    exec(store_db(st), "INSERT INTO schemes VALUES(1, 'l1', 'l1', 'l1');"
                       "INSERT INTO metrics VALUES(1, 'l1', 'transfers', 10);"
                       "INSERT INTO metrics VALUES(1, 'l1', 'fee_mean_wei', 2.5e14);");
    assert_int_equal(store_end_run(st, id, "complete", NULL, 1, 3600000000LL, 0.1, &e), 0);
    store_close(st);
}

/* Edit the file at path with plain SQLite (the attacker's tool), schema writable. */
static void tamper(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    exec(db, "PRAGMA writable_schema = ON");
    exec(db, sql);
    sqlite3_close(db);
}

/* Read the file's bytes (and its -wal's) to see that a reader changed nothing. */
static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *n = 0;
        return NULL;
    }
    char *buf = NULL;
    assert_int_equal(read_bounded(f, 64 << 20, &buf, n), 0);
    fclose(f);
    return buf;
}

/* report's and compare's verdict on path: 0, or the code with e's message. */
static int read_check(const char *path, struct err *e)
{
    sqlite3 *db;
    int rc = dbfile_open_ro(path, &db, e);
    if (rc == 0)
        rc = dbfile_check(db, "main", path, DBFILE_READ, L2_EINPUT, e);
    if (rc == 0)
        rc = dbfile_check_rows(db, "main", path, NULL, true, L2_EINPUT, e);
    dbfile_close(db);
    return rc;
}

/* ---- SQL from a file never runs ---- */

/* A schema entry edited to hold several statements: merge used to run them. Now the
 * table is unknown to l2sim and refused, nothing is attached, the output keeps its
 * tables, and no file appears. */
static void test_multi_statement_schema_never_runs(void **state)
{
    char *src = temp_path("src"), *out = temp_path("out"), *evil = temp_path("evil");
    make_db(src);
    char *sql = xasprintf("CREATE TABLE rogue(run_id INTEGER, x); UPDATE sqlite_master SET "
                          "sql = 'CREATE TABLE rogue(run_id INTEGER, x); ATTACH ''%s'' AS ev;"
                          " CREATE TABLE ev.t(x); DROP TABLE main.metrics' WHERE name = 'rogue'",
                          evil);
    tamper(src, sql);
    free(sql);
    struct err e;
    err_init(&e);
    struct store *o;
    assert_int_equal(store_open(out, &o, &e), 0);
    struct merge_src *m;
    assert_int_equal(merge_open(o, src, &m, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "rogue this l2sim does not know"));
    assert_int_equal(access(evil, F_OK), -1);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(store_db(o), "SELECT count(*) FROM metrics", -1, &q,
                                        NULL), SQLITE_OK);
    sqlite3_finalize(q);
    store_close(o);
    store_remove(src), store_remove(out);
    free(src), free(out), free(evil);
}

/* l2sim's own table with an edited definition (another column, another type): every
 * user refuses it before reading a row, naming the column. */
static void test_edited_table_refused(void **state)
{
    char *p = temp_path("edit");
    make_db(p);
    tamper(p, "UPDATE sqlite_master SET sql = replace(sql, 'run_id          INTEGER PRIMARY KEY',"
              " 'run_id          TEXT PRIMARY KEY') WHERE name = 'runs'");
    struct err e;
    err_init(&e);
    assert_int_equal(read_check(p, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "table runs: column run_id is declared 'TEXT PRIMARY KEY'"));
    /* the writer too, before a byte changes */
    size_t n0, n1;
    char *before = slurp(p, &n0);
    struct store *st;
    err_init(&e);
    assert_int_equal(store_open(p, &st, &e), L2_EIO);
    char *after = slurp(p, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    free(before), free(after);
    store_remove(p);
    free(p);
}

/* runs as a view (an endless recursive one) or a virtual table: refused as not a
 * table; nothing queries it, so nothing hangs. */
static void test_runs_must_be_a_table(void **state)
{
    char *p = temp_path("view");
    make_db(p);
    tamper(p, "UPDATE sqlite_master SET type = 'view', sql = 'CREATE VIEW runs AS WITH "
              "RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS run_id "
              "FROM c' WHERE name = 'runs'");
    struct err e;
    err_init(&e);
    int rc = read_check(p, &e);
    assert_int_equal(rc, L2_EINPUT);
    /* SQLite itself may refuse the edited schema; either way it is named */
    assert_true(strstr(e.msg, "runs is a view") || strstr(e.msg, "malformed"));
    store_remove(p);
    free(p);
}

/* A view of l2sim's name in the file (run_info, endless): the reader's own temporary
 * views shadow it, so the report reads l2sim's definition and finishes. */
static void test_file_views_are_shadowed(void **state)
{
    char *p = temp_path("shadow");
    make_db(p);
    tamper(p, "DROP VIEW run_info; CREATE VIEW run_info AS WITH RECURSIVE c(x) AS "
              "(SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS run_id FROM c");
    sqlite3 *db;
    struct err e;
    err_init(&e);
    assert_int_equal(dbfile_open_ro(p, &db, &e), 0);
    assert_int_equal(dbfile_check(db, "main", p, DBFILE_READ, L2_EINPUT, &e), 0);
    assert_int_equal(dbfile_temp_views(db, p, &e), 0);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), max(scenario_name) FROM run_info",
                                        -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 1);
    assert_string_equal((const char *)sqlite3_column_text(q, 1), "h");
    sqlite3_finalize(q);
    dbfile_close(db);
    store_remove(p);
    free(p);
}

/* The guard: an endless query on a guarded connection stops at the budget, or at once
 * when the stop flag is set, and says why. */
static void test_guard_bounds_work(void **state)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    dbfile_guard(db, 1000000);
    sqlite3_stmt *q;
    const char *endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)"
                          " SELECT count(*) FROM c";
    assert_int_equal(sqlite3_prepare_v2(db, endless, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_INTERRUPT);
    assert_non_null(strstr(dbfile_stopped(db), "more work"));
    sqlite3_finalize(q);
    volatile sig_atomic_t stop = 1;
    dbfile_stop = &stop;
    dbfile_guard(db, 0);                    /* a fresh guard, no budget: the flag */
    assert_int_equal(sqlite3_prepare_v2(db, endless, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_INTERRUPT);
    assert_string_equal(dbfile_stopped(db), "interrupted by a signal");
    sqlite3_finalize(q);
    dbfile_stop = NULL;
    dbfile_close(db);
}

/* ---- readers never write; only l2sim's files are touched ---- */

/* Another application's SQLite file: every command refuses it, naming what it holds,
 * and its bytes stay as they were (no view, no journal mode, no table added). */
static void test_foreign_file_untouched(void **state)
{
    char *p = temp_path("foreign");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    exec(db, "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);"
             "INSERT INTO users VALUES(1, 'alice')");
    sqlite3_close(db);
    size_t n0, n1;
    char *before = slurp(p, &n0);
    struct err e;
    err_init(&e);
    assert_int_equal(read_check(p, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "no table meta (its tables: users)"));
    err_init(&e);
    struct store *st;
    assert_int_equal(store_open(p, &st, &e), L2_EIO);
    assert_non_null(strstr(e.msg, "no table meta"));
    char *out = temp_path("fout");
    err_init(&e);
    struct report_opts ro = { .db_path = p, .out_dir = out, .format = PLOT_PNG,
                              .gnuplot = "gnuplot" };
    struct report_result res;
    assert_int_equal(report_write(&ro, &res, &e), L2_EINPUT);
    assert_int_equal(access(out, F_OK), -1);         /* nothing written anywhere */
    char *after = slurp(p, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    char *wal = xasprintf("%s-wal", p);
    assert_int_equal(access(wal, F_OK), -1);
    free(wal), free(before), free(after), free(out);
    store_remove(p);
    free(p);
}

/* A trigger on l2sim's runs table would run the file's SQL on every insert: a writer
 * refuses the file. */
static void test_trigger_refused_by_writers(void **state)
{
    char *p = temp_path("trigger");
    make_db(p);
    tamper(p, "CREATE TRIGGER t AFTER INSERT ON runs BEGIN DELETE FROM metrics; END");
    struct err e;
    err_init(&e);
    struct store *st;
    assert_int_equal(store_open(p, &st, &e), L2_EIO);
    assert_non_null(strstr(e.msg, "has a trigger t"));
    store_remove(p);
    free(p);
}

/* report opens read-only: a results file whose mode forbids writing still reports,
 * and the file (with no -wal, -shm beside it) is unchanged. */
static void test_report_reads_only(void **state)
{
    char *p = temp_path("ro"), *out = temp_path("roout");
    make_db(p);
    size_t n0, n1;
    char *before = slurp(p, &n0);
    struct stat sb0, sb1;
    assert_int_equal(stat(p, &sb0), 0);
    struct report_opts ro = { .db_path = p, .out_dir = out, .format = PLOT_PNG,
                              .gnuplot = "/nonexistent/gnuplot" };
    struct report_result res;
    struct err e;
    err_init(&e);
    report_write(&ro, &res, &e);           /* no gnuplot: report.html alone */
    assert_non_null(strstr(res.html, "report.html"));
    char *after = slurp(p, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    assert_int_equal(stat(p, &sb1), 0);
    assert_int_equal(sb0.st_mtime, sb1.st_mtime);
    char *shm = xasprintf("%s-shm", p);
    assert_int_equal(access(shm, F_OK), -1);
    free(shm), free(before), free(after);
    char *cmd = xasprintf("rm -rf '%s'", out);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    store_remove(p);
    free(p), free(out);
}

/* ---- every value checked ---- */

/* Relax a NOT NULL, write a NULL, restore the declaration: the schema matches l2sim's,
 * the row does not. Readers and merge refuse it with the table, run and column. */
static void test_null_where_not_null(void **state)
{
    char *p = temp_path("null");
    make_db(p);
    tamper(p, "UPDATE sqlite_master SET sql = replace(sql, 'scenario_name   TEXT    NOT NULL',"
              " 'scenario_name   TEXT') WHERE name = 'runs'");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    exec(db, "UPDATE runs SET scenario_name = NULL");
    sqlite3_close(db);
    tamper(p, "UPDATE sqlite_master SET sql = replace(sql, 'scenario_name   TEXT,',"
              " 'scenario_name   TEXT    NOT NULL,') WHERE name = 'runs'");
    struct err e;
    err_init(&e);
    assert_int_equal(read_check(p, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "table runs, run 1: column scenario_name holds null NULL, "
                                  "not TEXT"));
    /* compare and report say the same, and exit as bad input */
    err_init(&e);
    struct cmp_opts co = { .alpha = 0.01, .rel_tol = 0.02, .batches = 20 };
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(cmp_run(p, p, &co, devnull, &e), L2_EINPUT);
    fclose(devnull);
    assert_non_null(strstr(e.msg, "column scenario_name"));
    store_remove(p);
    free(p);
}

/* Text where integers belong (a run_id '1x' in metrics, a metric value 'abc'), decimal
 * wei that is not decimal, a status l2sim never writes: each named. */
static void test_wrong_types(void **state)
{
    static const struct { const char *sql, *want; } cases[] = {
        { "INSERT INTO metrics VALUES('1x', 'l1', 'n', 1)",
          "table metrics: column run_id holds text '1x', not INTEGER" },
        { "UPDATE metrics SET value = 'abc' WHERE name = 'transfers'",
          "table metrics, run 1: column value holds text 'abc', not REAL or NULL" },
        { "INSERT INTO attacks(run_id, world, adversary, attack_id, type, target, start_us,"
          " end_us, cost_wei, value_at_risk_wei, value_lost_wei, detected, blocks_affected,"
          " txs_affected, delay_imposed_us, detail) VALUES(1, 'l1', 'a', 1, 'x', 'all', 0, 1,"
          " '12e3', '0', '0', 0, 0, 0, 0, '')",
          "table attacks, run 1: column cost_wei holds text '12e3', not decimal digits" },
        { "UPDATE runs SET status = 'done'",
          "table runs, run 1: a value out of range" },
        { "UPDATE runs SET replication = -1",
          "table runs, run 1: a value out of range" },
        { "UPDATE runs SET seed = 'x'",
          "table runs, run 1: column seed holds text 'x', not INTEGER" },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *p = temp_path("type");
        make_db(p);
        sqlite3 *db;
        assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
        exec(db, "PRAGMA ignore_check_constraints = ON");
        exec(db, cases[i].sql);
        sqlite3_close(db);
        struct err e;
        err_init(&e);
        assert_int_equal(read_check(p, &e), L2_EINPUT);
        if (!strstr(e.msg, cases[i].want))
            fail_msg("case %zu: '%s' does not say '%s'", i, e.msg, cases[i].want);
        store_remove(p);
        free(p);
    }
}

/* merge validates the source's rows in the one transaction it copies in: a metrics row
 * of a run that is not in runs refuses the source, and nothing of it is copied. */
static void test_merge_refuses_orphans_all_or_nothing(void **state)
{
    char *src = temp_path("osrc"), *out = temp_path("oout");
    make_db(src);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(src, &db), SQLITE_OK);
    exec(db, "INSERT INTO metrics VALUES(99, 'l1', 'transfers', 5)");
    sqlite3_close(db);
    struct err e;
    err_init(&e);
    struct store *o;
    assert_int_equal(store_open(out, &o, &e), 0);
    struct merge_src *m;
    assert_int_equal(merge_open(o, src, &m, &e), 0);
    struct merge_stats ms;
    assert_int_equal(merge_all(m, &ms, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "table metrics has rows of run 99, which is not in runs"));
    assert_int_equal(ms.copied, 0);
    merge_close(m);
    sqlite3_stmt *q;
    sqlite3_prepare_v2(store_db(o), "SELECT (SELECT count(*) FROM runs) + "
                       "(SELECT count(*) FROM metrics)", -1, &q, NULL);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 0);
    sqlite3_finalize(q);
    store_close(o);
    store_remove(src), store_remove(out);
    free(src), free(out);
}

/* ---- what the reader builds ---- */

/* The reader's run_config (parsed in C, linear) holds exactly the rows of the
 * run_config view of views.sql, on a config with every origin and tricky values. */
static void test_run_config_matches_the_view(void **state)
{
    char *p = temp_path("cfg");
    struct err e;
    err_init(&e);
    struct store *st;
    assert_int_equal(store_open(p, &st, &e), 0);
    struct store_run r = { .scenario_name = "c", .scenario_file = "c.yaml",
                           .scenario_text = "", .scenario_sha256 = "0", .overrides = "",
                           .config = "name = c  # scenario\nseed = 1  # --set\n"
                           "description = a = b  # c  # default\nbroken line\n"
                           "x =   # scenario\n= v  # scenario\nl1.slot = 12s  # other\n"
                           "l1.gas_limit = 36M  # preset\n"
                           "last = 1  # scenario", .seed = 1, .master_seed = 1,
                           .crypto_mode = "ed25519", .duration_us = 1 };
    int64_t id;
    assert_int_equal(store_begin_run(st, &r, &id, &e), 0);
    store_close(st);
    sqlite3 *db;
    assert_int_equal(dbfile_open_ro(p, &db, &e), 0);
    assert_int_equal(dbfile_temp_views(db, p, &e), 0);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db,
        "SELECT count(*) FROM (SELECT * FROM temp.run_config EXCEPT SELECT * FROM main.run_config)"
        " UNION ALL SELECT count(*) FROM (SELECT * FROM main.run_config EXCEPT"
        " SELECT * FROM temp.run_config) UNION ALL SELECT count(*) FROM temp.run_config",
        -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 0);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 0);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_true(sqlite3_column_int(q, 0) >= 5);
    sqlite3_finalize(q);
    dbfile_close(db);
    store_remove(p);
    free(p);
}

static void test_quote_and_statements(void **state)
{
    char *q = dbfile_quote("a\"b\"\"");
    assert_string_equal(q, "\"a\"\"b\"\"\"\"\"");
    free(q);
    char *u = dbfile_uri("/x/a b?c#d%e.db", "mode=ro");
    assert_string_equal(u, "file:///x/a%20b%3Fc%23d%25e.db?mode=ro");
    free(u);
}

/* ---- text from a file on a terminal ---- */

static void test_text_escape(void **state)
{
    static const struct { const char *in, *out; size_t max; } cases[] = {
        { "plain", "plain", 0 },
        { "\x1b]0;title\x07", "\\x1b]0;title\\x07", 0 },          /* OSC: window title */
        { "\x1b[2J", "\\x1b[2J", 0 },                              /* clear screen */
        { "a\nb\tc\x7f", "a\\nb\\tc\\x7f", 0 },
        { "\xc2\x9b" "31m", "\\u009b31m", 0 },                     /* C1 CSI in UTF-8 */
        { "caf\xc3\xa9", "caf\xc3\xa9", 0 },                       /* UTF-8 kept */
        { "\xff\xc3", "\\xff\\xc3", 0 },                           /* not UTF-8 */
        { "\xed\xa0\x80", "\\xed\\xa0\\x80", 0 },                  /* a surrogate */
        { "abcdef", "abc...", 3 },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *t = text_escape(cases[i].in, cases[i].max);
        assert_string_equal(t, cases[i].out);
        free(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multi_statement_schema_never_runs),
        cmocka_unit_test(test_edited_table_refused),
        cmocka_unit_test(test_runs_must_be_a_table),
        cmocka_unit_test(test_file_views_are_shadowed),
        cmocka_unit_test(test_guard_bounds_work),
        cmocka_unit_test(test_foreign_file_untouched),
        cmocka_unit_test(test_trigger_refused_by_writers),
        cmocka_unit_test(test_report_reads_only),
        cmocka_unit_test(test_null_where_not_null),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_merge_refuses_orphans_all_or_nothing),
        cmocka_unit_test(test_run_config_matches_the_view),
        cmocka_unit_test(test_quote_and_statements),
        cmocka_unit_test(test_text_escape),
    };
    return cmocka_run_group_tests_name("dbfile", tests, NULL, NULL);
}
