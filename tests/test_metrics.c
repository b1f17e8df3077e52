/* test_metrics.c — metrics_summary's statistics (analysis/metrics.c): the mean, the
 * nearest-rank percentiles p50/p95/p99 (rank ceil(p/100 n), Hyndman & Fan's
 * definition 1) and the max of each window, whatever path its sort takes: long arrays
 * are radix-sorted, short ones and those holding -0 or NaN go to qsort. Checked
 * against a plain qsort of the same values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "analysis/metrics.h"
#include "models/run/run.h"
#include "sim/rng.h"
#include "sim/store.h"

struct got {
    char   name[8][64];
    double value[8];
    int    n;
};

static void sink(void *ctx, const char *scheme, long window, const char *name, double value)
{
    struct got *g = ctx;
    assert_int_equal(window, -1);
    assert_true(g->n < 8);
    snprintf(g->name[g->n], sizeof g->name[g->n], "%s", name);
    g->value[g->n++] = value;
}

static double value_of(const struct got *g, const char *name)
{
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->name[i], name) == 0)
            return g->value[i];
    fail_msg("no %s", name);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* metrics_summary of v[0..n) against the definitions on a qsorted copy, bit for bit */
static void check(const double *v, size_t n)
{
    struct metrics_samples s = { 0 };
    for (size_t i = 0; i < n; i++)
        metrics_samples_add(&s, (sim_time)i, v[i]);
    struct got g = { .n = 0 };
    struct metrics_scope m = { .scheme = "x", .duration = INT64_MAX, .sink = sink, .ctx = &g };
    metrics_summary(&m, &s, "v", "_u", true);
    double *w = malloc(n * sizeof *w);
    memcpy(w, v, n * sizeof *w);
    qsort(w, n, sizeof *w, cmp);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += w[i];
    double want[5] = { sum / (double)n, w[(size_t)ceil(0.50 * (double)n) - 1],
                       w[(size_t)ceil(0.95 * (double)n) - 1],
                       w[(size_t)ceil(0.99 * (double)n) - 1], w[n - 1] };
    const char *names[5] = { "v_mean_u", "v_p50_u", "v_p95_u", "v_p99_u", "v_max_u" };
    for (int i = 0; i < 5; i++) {
        double x = value_of(&g, names[i]);
        if (isnan(want[i]))
            assert_true(isnan(x));
        else
            assert_memory_equal(&x, &want[i], sizeof x);
    }
    free(w);
    metrics_samples_free(&s);
}

static void test_long_and_short_arrays(void **state)
{
    (void)state;
    gsl_rng *r = rng_stream(1, 97, 0, 1);
    enum { N = 200000 };
    double *v = malloc(N * sizeof *v);
    for (size_t n = 1; n <= N; n = n * 7 + 3) {
        for (size_t i = 0; i < n; i++) {
            double u = gsl_rng_uniform(r);
            /* negatives, ties, tiny and huge magnitudes, exact zeros */
            v[i] = u < 0.1 ? 0.0 : u < 0.2 ? (double)(i % 5)
                 : u < 0.6 ? (u - 0.4) * 1e-300 * 1e290 : (u - 0.5) * 1e20 * u;
        }
        check(v, n);
    }
    for (size_t i = 0; i < N; i++)                /* fees in ETH: all positive */
        v[i] = 1e-6 * exp(2 * gsl_rng_uniform(r));
    check(v, N);
    free(v);
    gsl_rng_free(r);
}

/* -0 beside +0 (which a radix sort would order and qsort does not): the qsort path */
static void test_signed_zero(void **state)
{
    (void)state;
    enum { N = 10000 };
    double *v = malloc(N * sizeof *v);
    for (size_t i = 0; i < N; i++)
        v[i] = (double)((i * 7919) % 101) - 50;
    v[17] = -0.0;
    check(v, N);
    free(v);
}

/* metrics_scan's sink calls for the whole run, as "scheme name value" lines. */
struct calls {
    char  *text;
    size_t len, n;
};

static void add_line(struct calls *c, const char *scheme, const char *name, double value)
{
    char line[256];
    int k = snprintf(line, sizeof line, "%s %s %a\n", scheme, name, value);
    c->text = realloc(c->text, c->len + (size_t)k + 1);
    memcpy(c->text + c->len, line, (size_t)k + 1);
    c->len += (size_t)k;
    c->n++;
}

static void record(void *ctx, const char *scheme, long window, const char *name, double value)
{
    assert_int_equal(window, -1);
    add_line(ctx, scheme, name, value);
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of c sorted (metrics rows come back in key order). */
static void sort_lines(struct calls *c)
{
    char **v = malloc((c->n ? c->n : 1) * sizeof *v);
    size_t n = 0;
    for (char *p = strtok(c->text, "\n"); p; p = strtok(NULL, "\n"))
        v[n++] = p;
    qsort(v, n, sizeof *v, cmp_line);
    char *out = malloc(c->len + 2);
    size_t at = 0;
    for (size_t i = 0; i < n; i++)
        at += (size_t)sprintf(out + at, "%s\n", v[i]);
    out[at] = '\0';
    free(v);
    free(c->text);
    c->text = out;
}

/* A run's own metrics (metrics_compute: the costs read on a second connection by a
 * thread beside the transfer statistics) are the statistics metrics_scan gives in
 * turn, reading the same database afterwards as a reader does: the same rows, bit for
 * bit, for an L1 baseline and a zk rollup (whose costs read its proofs too). */
static void test_costs_beside_equal_in_turn(void **state)
{
    (void)state;
    static const char yaml[] =
        "name: beside\nseed: 3\nduration: 20m\n"
        "l1: {demand: {rate: 200/block}}\n"
        "workload: {users: 2000, transfers: {rate: 3/s}}\n"
        "schemes: [{type: l1}, {type: zk_rollup, name: zk}]\n";
    struct err e;
    err_init(&e);
    struct scn *s;
    if (scn_load_text(model_schema(), "beside.yaml", yaml, strlen(yaml), NULL, 0, &s, &e) != 0)
        fail_msg("%s", e.msg);
    char path[] = "/tmp/l2sim-test-metrics-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct store *st;
    int64_t run_id;
    if (store_open(path, &st, &e) != 0 || run_begin(st, s, 3, 3, 0, &run_id, &e) != 0)
        fail_msg("%s", e.msg);
    struct run_opts o = { .seed = 3 };
    struct run_result res;
    assert_int_equal(run_execute(s, st, run_id, &o, &res, &e), 0);
    assert_int_equal(res.status, RUN_COMPLETE);
    assert_int_equal(store_commit(st, &e), 0);
    struct calls stored = { 0 }, scanned = { 0 };
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(store_db(st), "SELECT scheme, name, value FROM metrics"
                                        " WHERE run_id = ?", -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_int64(q, 1, run_id);
    while (sqlite3_step(q) == SQLITE_ROW)
        add_line(&stored, (const char *)sqlite3_column_text(q, 0),
                 (const char *)sqlite3_column_text(q, 1), sqlite3_column_double(q, 2));
    sqlite3_finalize(q);
    metrics_scan(store_db(st), run_id, 20 * 60 * SIM_SEC, NULL, 0, record, &scanned);
    assert_true(scanned.n > 40);
    assert_int_equal(stored.n, scanned.n);
    sort_lines(&stored);
    sort_lines(&scanned);
    assert_string_equal(stored.text, scanned.text);
    assert_non_null(strstr(stored.text, "zk all_in_cost_ratio_to_l1"));
    assert_non_null(strstr(stored.text, "l1 users_l1_eth"));
    free(stored.text);
    free(scanned.text);
    store_close(st);
    store_remove(path);
    scn_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_and_short_arrays),
        cmocka_unit_test(test_signed_zero),
        cmocka_unit_test(test_costs_beside_equal_in_turn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
