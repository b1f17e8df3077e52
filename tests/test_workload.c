/* test_workload.c — the user workload through whole runs: every world of a run sees
 * the same transfers however many schemes there are (common random numbers), graph
 * recipients are contacts in a payment graph grown by attachment, and batches share
 * their submission time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/run/run.h"

/* Run `text` into a fresh database and return it open (the caller closes it). */
static struct store *run_text(const char *text, char path[32])
{
    struct scn *s;
    struct err e;
    err_init(&e);
    if (scn_load_text(model_schema(), "w.yaml", text, strlen(text), NULL, 0, &s, &e) != 0 ||
        run_check(s, &e) != 0)
        fail_msg("%s", e.msg);
    strcpy(path, "/tmp/l2sim-workload-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    struct store *st;
    assert_int_equal(store_open(path, &st, &e), 0);
    uint64_t seed = scn_uint(s, "seed");
    int64_t run_id;
    assert_int_equal(run_begin(st, s, seed, seed, 0, &run_id, &e), 0);
    struct run_opts o = { .seed = seed };
    struct run_result res;
    assert_int_equal(run_execute(s, st, run_id, &o, &res, &e), 0);
    assert_int_equal(res.status, RUN_COMPLETE);
    scn_free(s);
    return st;
}

static void drop(struct store *st, const char *path)
{
    store_close(st);
    store_remove(path);
}

/* The transfers one scheme received, as text: id, sender, recipient, value, time. */
static char *transfers(struct store *st, const char *scheme)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(store_db(st),
        "SELECT tx_id, user_id, to_user_id, value_wei, submit_us FROM txs"
        " WHERE scheme = ? ORDER BY tx_id", -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_text(q, 1, scheme, -1, SQLITE_STATIC);
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    while (sqlite3_step(q) == SQLITE_ROW) {
        char line[160];
        int n = snprintf(line, sizeof line, "%lld %lld %lld %s %lld\n",
                         (long long)sqlite3_column_int64(q, 0),
                         (long long)sqlite3_column_int64(q, 1),
                         (long long)sqlite3_column_int64(q, 2),
                         (const char *)sqlite3_column_text(q, 3),
                         (long long)sqlite3_column_int64(q, 4));
        while (len + (size_t)n + 1 > cap)
            cap *= 2, out = realloc(out, cap);
        memcpy(out + len, line, (size_t)n);
        len += (size_t)n;
    }
    out[len] = '\0';
    sqlite3_finalize(q);
    return out;
}

static double query_real(struct store *st, const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    double v = sqlite3_column_double(q, 0);
    sqlite3_finalize(q);
    return v;
}

#define WORKLOAD \
    "workload: {users: 300, recipients: graph, transfers: {rate: 3/s, pattern: regimes," \
    " burst: {mean_size: 2}, regimes: [{multiplier: 1, mean_duration: 10m}," \
    " {multiplier: 4, mean_duration: 5m}]}}\n"

/* One scheme alone, the same scheme among three in separate worlds, and three in one
 * shared world: identical transfers everywhere. */
static void test_same_transfers_everywhere(void **state)
{
    char p1[32], p3[32], ps[32];
    struct store *one = run_text("name: w\nseed: 5\nduration: 30m\n" WORKLOAD
                                 "schemes: [{type: l1}]\n", p1);
    struct store *three = run_text("name: w\nseed: 5\nduration: 30m\n" WORKLOAD
                                   "schemes: [{type: l1, name: a, tip: 0.1gwei}, {type: l1},"
                                   " {type: l1, name: c, tip: 5gwei}]\n", p3);
    struct store *shared = run_text("name: w\nseed: 5\nduration: 30m\nshared_l1: true\n"
                                    WORKLOAD "schemes: [{type: l1, name: a}, {type: l1}]\n", ps);
    char *ref = transfers(one, "l1");
    assert_true(strlen(ref) > 1000);
    const char *names[] = { "a", "l1", "c" };
    for (size_t i = 0; i < 3; i++) {
        char *t = transfers(three, names[i]);
        assert_string_equal(ref, t);
        free(t);
    }
    for (size_t i = 0; i < 2; i++) {
        char *t = transfers(shared, names[i]);
        assert_string_equal(ref, t);
        free(t);
    }
    free(ref);
    drop(one, p1), drop(three, p3), drop(shared, ps);
}

/* Batches of mean size 4 share a submission time: transfers per distinct time is
 * the mean batch size (about 1800 batches, geometric sd sqrt(12): 4 se = 0.33). */
static void test_batches(void **state)
{
    char p[32];
    struct store *st = run_text("name: w\nseed: 2\nduration: 1h\n"
                                "l1: {demand: {rate: 0/block}}\n"
                                "workload: {users: 100, transfers: {rate: 2/s,"
                                " burst: {mean_size: 4}}}\nschemes: [{type: l1}]\n", p);
    double per_time = query_real(st, "SELECT CAST(COUNT(*) AS REAL) / COUNT(DISTINCT submit_us)"
                                     " FROM txs");
    if (fabs(per_time - 4) > 4 * sqrt(12.0 / 1800))
        fail_msg("mean batch size %.3f", per_time);
    assert_true(query_real(st, "SELECT COUNT(*) FROM txs") > 5000);
    drop(st, p);
}

/* Distinct partners of the user with the most, and of the one with the fewest. */
static void partners(struct store *st, double *max, double *min)
{
    const char *pairs =
        "WITH p AS (SELECT DISTINCT min(user_id, to_user_id) a, max(user_id, to_user_id) b"
        " FROM txs), d AS (SELECT a u, COUNT(*) n FROM (SELECT a, b FROM p UNION ALL"
        " SELECT b, a FROM p) GROUP BY a) ";
    char sql[512];
    snprintf(sql, sizeof sql, "%sSELECT max(n) FROM d", pairs);
    *max = query_real(st, sql);
    snprintf(sql, sizeof sql, "%sSELECT min(n) FROM d", pairs);
    *min = query_real(st, sql);
}

/* Recipients: graph. With degree 1 the graph is a tree: 100 users trade over exactly
 * 99 links (each user sends ~180 transfers, so every link is used), never with
 * themselves. With degree 2 among 2000 users, preferential attachment grows hubs
 * (maximum degree ~ m sqrt(n) = 89) where uniform attachment does not (~ m ln n =
 * 15), and everyone has at least two partners. */
static void test_graph_recipients(void **state)
{
    char p[32];
    struct store *st = run_text("name: w\nseed: 3\nduration: 1h\n"
                                "l1: {demand: {rate: 0/block}}\n"
                                "workload: {users: 100, recipients: graph, graph: {degree: 1},"
                                " transfers: {rate: 5/s}}\nschemes: [{type: l1}]\n", p);
    assert_true(query_real(st, "SELECT COUNT(*) FROM txs WHERE user_id = to_user_id") == 0);
    assert_true(query_real(st, "SELECT COUNT(*) FROM (SELECT DISTINCT min(user_id, to_user_id),"
                               " max(user_id, to_user_id) FROM txs)") == 99);
    drop(st, p);

    double pref_max, pref_min, unif_max, unif_min;
#define GROWN(ATTACHMENT) "name: w\nseed: 3\nduration: 4h\nl1: {demand: {rate: 0/block}}\n" \
    "workload: {users: 2000, recipients: graph, graph: {degree: 2, attachment: " ATTACHMENT \
    "}, transfers: {rate: 10/s}}\nschemes: [{type: l1}]\n"
    st = run_text(GROWN("preferential"), p);
    partners(st, &pref_max, &pref_min);
    drop(st, p);
    st = run_text(GROWN("uniform"), p);
    partners(st, &unif_max, &unif_min);
    drop(st, p);
    if (!(pref_max >= 40 && unif_max <= 30 && pref_min >= 2 && unif_min >= 2))
        fail_msg("partners: preferential %g..%g, uniform %g..%g", pref_min, pref_max,
                 unif_min, unif_max);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_transfers_everywhere),
        cmocka_unit_test(test_batches),
        cmocka_unit_test(test_graph_recipients),
    };
    return cmocka_run_group_tests_name("workload", tests, NULL, NULL);
}
