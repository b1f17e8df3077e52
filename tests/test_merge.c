/* test_merge.c — merging results databases: every table with a run_id column is
 * copied (a scheme's declared table too, created in the output from the scheme's own
 * SQL, never from the source file's) under the output's new run_id, runs are matched
 * by content so merging twice adds nothing, a present run whose metrics differ is a
 * conflict, an unfinished run does not hide its finished rerun, and a file that is
 * not an l2sim database, or holds a per-run table no scheme declares, is bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "models/model.h"
#include "sim/merge.h"

/* A scheme defined here, declaring one table, as a scheme in models/ would. */
static const struct store_sql probe_sql = {
    .version = 1,
    .tables = "CREATE TABLE IF NOT EXISTS future (run_id INTEGER NOT NULL,"
              " scheme TEXT NOT NULL, what TEXT);",
};
static const struct scheme_ops probe_ops = {
    .type = "merge_probe", .doc = "a table for test_merge", .sql = &probe_sql,
};

static char *temp_path(void)
{
    char *p = strdup("/tmp/l2sim-merge-XXXXXX");
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    close(fd);
    remove(p);
    return p;
}

static void exec(struct store *st, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(store_db(st), sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
}

static int64_t count(struct store *st, const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

/* A run with a scheme, two metrics and a row in a table only this test knows. */
static int64_t add_run(struct store *st, uint32_t replication, const char *status)
{
    struct err e;
    err_init(&e);
    struct store_run r = { .scenario_name = "m", .scenario_file = "m.yaml",
                           .scenario_text = "name: m\n", .scenario_sha256 = "abc",
                           .overrides = "", .config = "name = m  # scenario\n",
                           .seed = 100 + replication, .master_seed = 100,
                           .replication = replication, .crypto_mode = "ed25519",
                           .duration_us = 60000000 };
    int64_t id;
    assert_int_equal(store_begin_run(st, &r, &id, &e), 0);
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO schemes VALUES(%lld, 'l1', 'l1', 'l1');"
             "INSERT INTO metrics VALUES(%lld, 'l1', 'transfers', %u);"
             "INSERT INTO metrics VALUES(%lld, 'l1', 'fee_mean_eth', 2.5e-4);"
             "INSERT INTO future(run_id, scheme, what) VALUES(%lld, 'l1', 'replication %u');",
             (long long)id, (long long)id, 1000 + replication, (long long)id,
             (long long)id, replication);
    exec(st, sql);
    if (strcmp(status, "running") != 0)
        assert_int_equal(store_end_run(st, id, status, NULL, 1, 60000000, 0.1, &e), 0);
    return id;
}

struct dbs {
    char *src, *out;
    struct store *s, *o;
};

static int setup(void **state)
{
    struct dbs *d = calloc(1, sizeof *d);
    struct err e;
    err_init(&e);
    d->src = temp_path(), d->out = temp_path();
    assert_int_equal(store_open(d->src, &d->s, &e), 0);
    assert_int_equal(model_scheme_sql_apply(d->s, "merge_probe", &e), 0);
    assert_int_equal(store_open(d->out, &d->o, &e), 0);
    /* the output has no table `future` until the schemes' SQL is applied to it (as
     * `l2sim merge` does first), and its run ids differ: it already has a run */
    assert_int_equal(count(d->o, "SELECT count(*) FROM sqlite_master WHERE name = 'future'"), 0);
    assert_int_equal(model_scheme_sql_refresh(d->o, true, &e), 0);
    struct store_run other = { .scenario_name = "other", .scenario_file = "o.yaml",
                               .scenario_text = "", .scenario_sha256 = "zzz",
                               .overrides = "", .config = "", .crypto_mode = "ed25519" };
    int64_t id;
    assert_int_equal(store_begin_run(d->o, &other, &id, &e), 0);
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    struct dbs *d = *state;
    store_close(d->s);
    store_close(d->o);
    store_remove(d->src), store_remove(d->out);
    free(d->src), free(d->out), free(d);
    return 0;
}

static void merge(struct dbs *d, struct merge_stats *ms)
{
    struct err e;
    err_init(&e);
    assert_int_equal(store_commit(d->s, &e), 0);
    struct merge_src *src;
    assert_int_equal(merge_open(d->o, d->src, &src, &e), 0);
    assert_int_equal(merge_all(src, ms, &e), 0);
    merge_close(src);
}

static void test_every_table_under_new_ids(void **state)
{
    struct dbs *d = *state;
    add_run(d->s, 0, "complete");
    add_run(d->s, 1, "complete");
    struct merge_stats ms;
    merge(d, &ms);
    assert_int_equal(ms.copied, 2);
    assert_int_equal(ms.present, 0);
    /* source runs 1 and 2 are output runs 2 and 3, with all their rows */
    assert_int_equal(count(d->o, "SELECT count(*) FROM runs WHERE scenario_name = 'm'"), 2);
    assert_int_equal(count(d->o, "SELECT min(run_id) FROM runs WHERE scenario_name = 'm'"), 2);
    assert_int_equal(count(d->o, "SELECT count(*) FROM metrics m JOIN runs r USING (run_id)"
                                 " WHERE r.scenario_name = 'm'"), 4);
    assert_int_equal(count(d->o, "SELECT value FROM metrics WHERE run_id = 3"
                                 " AND name = 'transfers'"), 1001);
    assert_int_equal(count(d->o, "SELECT count(*) FROM future WHERE run_id = 3"
                                 " AND what = 'replication 1'"), 1);
    assert_int_equal(count(d->o, "SELECT count(*) FROM schemes"), 2);
    /* the interval views can use what was merged */
    assert_int_equal(count(d->o, "SELECT n FROM metric_ci WHERE name = 'transfers'"), 2);
}

static void test_idempotent_and_conflicts(void **state)
{
    struct dbs *d = *state;
    add_run(d->s, 0, "complete");
    struct merge_stats ms;
    merge(d, &ms);
    assert_int_equal(ms.copied, 1);
    merge(d, &ms);
    assert_int_equal(ms.copied, 0);
    assert_int_equal(ms.present, 1);
    assert_int_equal(ms.conflicts, 0);
    assert_int_equal(count(d->o, "SELECT count(*) FROM runs"), 2);
    /* the same run with other numbers: kept out, and reported */
    exec(d->s, "UPDATE metrics SET value = value + 1 WHERE name = 'transfers'");
    merge(d, &ms);
    assert_int_equal(ms.copied, 0);
    assert_int_equal(ms.conflicts, 1);
    assert_int_equal(count(d->o, "SELECT count(*) FROM runs"), 2);
}

static void test_unfinished_runs(void **state)
{
    struct dbs *d = *state;
    int64_t id = add_run(d->s, 0, "running");   /* a shard killed mid-run */
    struct merge_stats ms;
    merge(d, &ms);
    assert_int_equal(ms.copied, 1);
    assert_int_equal(ms.incomplete, 1);
    merge(d, &ms);
    assert_int_equal(ms.copied, 0);
    /* its rerun finished: merged beside it, and the complete one is what counts */
    struct err e;
    err_init(&e);
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM runs WHERE run_id = %lld", (long long)id);
    exec(d->s, "DELETE FROM metrics; DELETE FROM schemes; DELETE FROM future");
    exec(d->s, sql);
    add_run(d->s, 0, "complete");
    merge(d, &ms);
    assert_int_equal(ms.copied, 1);
    assert_int_equal(ms.incomplete, 0);
    assert_int_equal(count(d->o, "SELECT count(*) FROM runs WHERE scenario_name = 'm'"), 2);
    assert_int_equal(count(d->o, "SELECT count(*) FROM replication_runs WHERE"
                                 " scenario_name = 'm'"), 1);
}

static void test_bad_inputs(void **state)
{
    struct dbs *d = *state;
    struct err e;
    err_init(&e);
    struct merge_src *src;
    char *junk = temp_path();
    FILE *f = fopen(junk, "w");
    fputs("not a database at all, but long enough to look like one to someone", f);
    fclose(f);
    assert_int_equal(merge_open(d->o, junk, &src, &e), L2_EINPUT);
    assert_null(src);
    assert_non_null(strstr(e.msg, junk));
    err_init(&e);
    assert_int_equal(merge_open(d->o, "/nonexistent/x.db", &src, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "cannot open"));
    err_init(&e);
    assert_int_equal(merge_open(d->o, d->out, &src, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "is the output database"));
    remove(junk);
    free(junk);
}

/* A per-run table no scheme of this build declares is refused, not created from the
 * source's CREATE text (which a hostile file controls). */
static void test_unknown_table_refused(void **state)
{
    struct dbs *d = *state;
    add_run(d->s, 0, "complete");
    /* a name with a double quote: quoted everywhere, named in the message */
    exec(d->s, "CREATE TABLE \"str\"\"anger\" (run_id INTEGER NOT NULL, x TEXT)");
    struct err e;
    err_init(&e);
    assert_int_equal(store_commit(d->s, &e), 0);
    struct merge_src *src;
    assert_int_equal(merge_open(d->o, d->src, &src, &e), L2_EINPUT);
    assert_null(src);
    assert_non_null(strstr(e.msg, "per-run table str\"anger this l2sim does not know"));
    assert_int_equal(count(d->o, "SELECT count(*) FROM sqlite_master WHERE name = 'str\"anger'"), 0);
    assert_int_equal(count(d->o, "SELECT count(*) FROM runs"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_table_under_new_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotent_and_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unfinished_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_table_refused, setup, teardown),
    };
    model_register_scheme(&probe_ops);
    return cmocka_run_group_tests_name("merge", tests, NULL, NULL);
}
