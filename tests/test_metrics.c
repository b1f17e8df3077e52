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

#include "analysis/metrics.h"
#include "sim/rng.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_and_short_arrays),
        cmocka_unit_test(test_signed_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
