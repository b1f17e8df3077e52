/* test_determinism.c — the golden rule: the same scenario, overrides and seed give
 * identical content in every result table (runs' wall-clock columns aside), whatever
 * the order of --set overrides; and the seed does matter. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/run/run.h"
#include "sim/rng.h"

static const char scenario[] =
    "name: golden\n"
    "seed: 7\n"
    "duration: 2h\n"
    "l1: {demand: {rate: 250/block, spikes: [{at: 30m, for: 20m, multiplier: 3}]}}\n"
    "workload: {users: 500, transfers: {rate: 1/s}}\n"
    "schemes: [{type: l1}, {type: l1, name: patient, tip: 0.1gwei}]\n";

/* Every column of every table, in a canonical order, as text; runs without
 * started_at and wall_s. */
static char *dump(sqlite3 *db)
{
    static const char *const queries[] = {
        "SELECT run_id, scenario_name, scenario_file, scenario_text, scenario_sha256, overrides,"
        " config, seed, master_seed, replication, l2sim_version, git_rev, crypto_mode,"
        " duration_us, sim_end_us, events, status, status_detail FROM runs ORDER BY run_id",
        "SELECT * FROM schemes ORDER BY run_id, scheme",
        "SELECT * FROM l1_blocks ORDER BY run_id, world, height",
        "SELECT * FROM txs ORDER BY run_id, scheme, tx_id",
        "SELECT * FROM metrics ORDER BY run_id, scheme, name",
    };
    size_t cap = 1 << 20, len = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        sqlite3_stmt *q;
        assert_int_equal(sqlite3_prepare_v2(db, queries[i], -1, &q, NULL), SQLITE_OK);
        while (sqlite3_step(q) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(q); c++) {
                const char *v = (const char *)sqlite3_column_text(q, c);
                size_t vl = v ? strlen(v) : 4;
                while (len + vl + 2 > cap)
                    cap *= 2, out = realloc(out, cap);
                memcpy(out + len, v ? v : "NULL", vl);
                len += vl;
                out[len++] = c + 1 < sqlite3_column_count(q) ? '|' : '\n';
            }
        }
        sqlite3_finalize(q);
    }
    out[len] = '\0';
    return out;
}

/* Load, check and run the scenario into a fresh database; return its dump. */
static char *run_once(const char *const *sets, size_t nset, uint64_t seed_override)
{
    struct scn *s;
    struct err e;
    err_init(&e);
    if (scn_load_text(model_schema(), "golden.yaml", scenario, strlen(scenario), sets, nset,
                      &s, &e) != 0 || run_check(s, &e) != 0)
        fail_msg("%s", e.msg);
    char path[] = "/tmp/l2sim-golden-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    struct store *st;
    assert_int_equal(store_open(path, &st, &e), 0);
    uint64_t seed = seed_override ? seed_override : scn_uint(s, "seed");
    int64_t run_id;
    assert_int_equal(run_begin(st, s, seed, seed, 0, &run_id, &e), 0);
    struct run_opts o = { .seed = seed };
    struct run_result res;
    assert_int_equal(run_execute(s, st, run_id, &o, &res, &e), 0);
    assert_int_equal(res.status, RUN_COMPLETE);
    assert_int_equal(store_end_run(st, run_id, "complete", NULL, res.events, res.sim_end,
                                   0.0, &e), 0);
    char *d = dump(store_db(st));
    store_close(st);
    scn_free(s);
    store_remove(path);
    return d;
}

static void test_same_seed_same_database(void **state)
{
    char *a = run_once(NULL, 0, 0), *b = run_once(NULL, 0, 0);
    assert_true(strlen(a) > 100000);          /* a real run: blocks, transfers, metrics */
    assert_string_equal(a, b);
    free(a), free(b);
}

static void test_set_order_irrelevant(void **state)
{
    const char *x[] = { "l1.slot=6s", "schemes[patient].tip=0.2gwei", "workload.users=300" };
    const char *y[] = { "workload.users=300", "schemes[patient].tip=0.2gwei", "l1.slot=6s" };
    char *a = run_once(x, 3, 0), *b = run_once(y, 3, 0), *c = run_once(NULL, 0, 0);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);            /* the overrides did change the run */
    free(a), free(b), free(c);
}

static void test_seed_matters(void **state)
{
    char *a = run_once(NULL, 0, 0), *b = run_once(NULL, 0, 8);
    assert_string_not_equal(a, b);
    free(a), free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_database),
        cmocka_unit_test(test_set_order_irrelevant),
        cmocka_unit_test(test_seed_matters),
    };
    return cmocka_run_group_tests_name("determinism", tests, NULL, NULL);
}
