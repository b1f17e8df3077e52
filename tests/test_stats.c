/* test_stats.c — the statistics studies rely on: Student-t quantiles, confidence
 * intervals that cover the true mean at their level and shrink like 1/sqrt(n), Welch
 * and Mann-Whitney tests against published reference values (R's t.test, wilcox.test,
 * p.adjust), tests that hold their level under the null, and Holm's correction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_randist.h>
#include <math.h>
#include "analysis/stats.h"
#include "sim/rng.h"

static void test_t_quantiles(void **state)
{
    assert_true(fabs(stats_t_quantile(0.95, 1) - 12.7062047) < 1e-6);
    assert_true(fabs(stats_t_quantile(0.95, 3) - 3.1824463) < 1e-6);
    assert_true(fabs(stats_t_quantile(0.95, 1e6) - 1.959964) < 1e-5);
}

static void test_summary_precision(void **state)
{
    /* fee-sized values: a one-pass sum of squares would lose the variance */
    double x[] = { 2.7e14 + 1, 2.7e14 + 2, 2.7e14 + 3 };
    struct stats_summary s = stats_summarize(x, 3);
    assert_true(fabs(s.mean - (2.7e14 + 2)) < 0.01);
    assert_true(fabs(s.var - 1.0) < 1e-6);
}

/* 95% intervals cover the true mean of a normal population about 95% of the time, for
 * small and large samples, and their width shrinks like t(n-1) / sqrt(n). */
static void test_ci_coverage_and_shrinking(void **state)
{
    gsl_rng *r = rng_stream(11, 99, 0, 0);
    const size_t sizes[] = { 4, 16, 64 };
    double width[3];
    for (size_t k = 0; k < 3; k++) {
        size_t n = sizes[k], covered = 0, trials = 2000;
        double wsum = 0, x[64];
        for (size_t t = 0; t < trials; t++) {
            for (size_t i = 0; i < n; i++)
                x[i] = 10 + gsl_ran_gaussian(r, 2);
            struct stats_summary s = stats_summarize(x, n);
            double h = stats_ci_half_width(&s, 0.95);
            covered += fabs(s.mean - 10) <= h;
            wsum += h;
        }
        double cov = (double)covered / (double)trials;
        assert_true(cov > 0.93 && cov < 0.97);
        width[k] = wsum / (double)trials;
    }
    /* expected half width: t(n-1) * E[s] / sqrt(n), E[s] ~ sigma */
    assert_true(width[1] < 0.45 * width[0]);
    assert_true(width[2] < 0.55 * width[1]);
    gsl_rng_free(r);
}

static void test_welch_reference(void **state)
{
    /* R: t.test(1:5, 6:10) -> t = -5, df = 8, p-value = 0.001053 */
    double a[] = { 1, 2, 3, 4, 5 }, b[] = { 6, 7, 8, 9, 10 };
    struct stats_summary sa = stats_summarize(a, 5), sb = stats_summarize(b, 5);
    struct stats_test t = stats_welch(&sa, &sb);
    assert_true(fabs(t.stat + 5) < 1e-12);
    assert_true(fabs(t.df - 8) < 1e-12);
    assert_true(fabs(t.p - 0.001053) < 5e-6);
    /* by hand: t = -4.5 / sqrt(5/12 + 7/3), df = 2.75^2 / ((5/12)^2/3 + (7/3)^2/5) */
    double c[] = { 1, 2, 3, 4 }, d[] = { 2, 4, 6, 8, 10, 12 };
    struct stats_summary sc = stats_summarize(c, 4), sd = stats_summarize(d, 6);
    t = stats_welch(&sc, &sd);
    assert_true(fabs(t.stat + 4.5 / sqrt(2.75)) < 1e-12);
    assert_true(fabs(t.df - 2.75 * 2.75 / (25.0 / 144 / 3 + 49.0 / 9 / 5)) < 1e-9);
    /* constants: equal means cannot differ, different means certainly do */
    double e[] = { 3, 3, 3 }, f[] = { 4, 4, 4 };
    struct stats_summary se = stats_summarize(e, 3), sf = stats_summarize(f, 3);
    assert_true(stats_welch(&se, &se).p == 1);
    assert_true(stats_welch(&se, &sf).p == 0);
}

static void test_paired_reference(void **state)
{
    /* differences 1, 2, 3, 4: mean 2.5, sd sqrt(5/3), t = 2.5 / sqrt(5/12), df 3 */
    double a[] = { 11, 22, 33, 44 }, b[] = { 10, 20, 30, 40 };
    struct stats_test t = stats_paired_t(a, b, 4, false);
    assert_true(fabs(t.stat - 2.5 / sqrt(5.0 / 12)) < 1e-12);
    assert_true(fabs(t.df - 3) < 1e-12);
    /* Student t with 3 df in closed form: F(t) = 1/2 + (u / (1 + u^2) + atan(u)) / pi,
     * u = t / sqrt(3) */
    double u = t.stat / sqrt(3), p = 2 * (0.5 - (u / (1 + u * u) + atan(u)) / (4 * atan(1)));
    assert_true(fabs(t.p - p) < 1e-9);
    /* a shared trend cancels: a shift of 1 on a steep ramp is certain */
    double x[] = { 1, 100, 1000, 10000 }, y[] = { 2, 101, 1001, 10001 };
    assert_true(stats_paired_t(x, y, 4, true).p == 0);
    assert_true(stats_paired_t(x, x, 4, true).p == 1);
}

static void test_mann_whitney_reference(void **state)
{
    /* R: wilcox.test(1:3, 4:6) -> W = 0, p-value = 0.1 (exact) */
    double a[] = { 1, 2, 3 }, b[] = { 4, 5, 6 };
    struct stats_test t = stats_mann_whitney(a, 3, b, 3);
    assert_string_equal(t.method, "mann-whitney-exact");
    assert_true(t.stat == 0);
    assert_true(fabs(t.p - 0.1) < 1e-12);
    /* R: wilcox.test(1:5, 6:10) -> W = 0, p-value = 0.007937 */
    double c[] = { 1, 2, 3, 4, 5 }, d[] = { 6, 7, 8, 9, 10 };
    t = stats_mann_whitney(c, 5, d, 5);
    assert_true(fabs(t.p - 2.0 / 252) < 1e-12);
    /* U = 7 of 20; P(U <= 7) = 35/126 (partitions of u into at most 4 parts <= 5) */
    double e[] = { 1.1, 2.2, 3.3, 4.4 }, f[] = { 0.5, 2.5, 3.5, 5.5, 6.5 };
    t = stats_mann_whitney(e, 4, f, 5);
    assert_true(t.stat == 7);
    assert_true(fabs(t.p - 70.0 / 126) < 1e-12);
    /* all tied: nothing differs */
    double g[] = { 2, 2, 2 };
    assert_true(stats_mann_whitney(g, 3, g, 3).p == 1);
    /* large samples with ties use the normal approximation; a clear shift is found */
    double x[200], y[200];
    for (int i = 0; i < 200; i++)
        x[i] = i % 50, y[i] = i % 50 + 10;
    t = stats_mann_whitney(x, 200, y, 200);
    assert_string_equal(t.method, "mann-whitney");
    assert_true(t.p < 1e-6);
}

/* Under the null (both samples from one population) each test rejects at level 0.05
 * about 5% of the time. */
static void test_level_under_null(void **state)
{
    gsl_rng *r = rng_stream(5, 99, 1, 0);
    size_t trials = 4000, welch = 0, mwu = 0;
    for (size_t t = 0; t < trials; t++) {
        double a[8], b[8];
        for (int i = 0; i < 8; i++)
            a[i] = gsl_ran_lognormal(r, 0, 1), b[i] = gsl_ran_lognormal(r, 0, 1);
        struct stats_summary sa = stats_summarize(a, 8), sb = stats_summarize(b, 8);
        welch += stats_welch(&sa, &sb).p < 0.05;
        mwu += stats_mann_whitney(a, 8, b, 8).p < 0.05;
    }
    /* Welch is conservative on skewed data; the exact U test holds its level */
    assert_true((double)welch / (double)trials < 0.06);
    assert_true((double)mwu / (double)trials > 0.035 && (double)mwu / (double)trials < 0.06);
    gsl_rng_free(r);
}

static void test_holm(void **state)
{
    /* R: p.adjust(c(.01, .04, .03, .005), "holm") -> 0.03 0.06 0.06 0.02 */
    double p[] = { 0.01, 0.04, 0.03, 0.005 }, adj[4];
    stats_holm(p, adj, 4);
    const double want[] = { 0.03, 0.06, 0.06, 0.02 };
    for (int i = 0; i < 4; i++)
        assert_true(fabs(adj[i] - want[i]) < 1e-12);
    /* NaN (no test) is not counted in the family */
    double q[] = { 0.01, 0.0 / 0.0, 0.02 };
    stats_holm(q, q, 3);
    assert_true(fabs(q[0] - 0.02) < 1e-12 && isnan(q[1]) && fabs(q[2] - 0.02) < 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_t_quantiles),
        cmocka_unit_test(test_summary_precision),
        cmocka_unit_test(test_ci_coverage_and_shrinking),
        cmocka_unit_test(test_welch_reference),
        cmocka_unit_test(test_paired_reference),
        cmocka_unit_test(test_mann_whitney_reference),
        cmocka_unit_test(test_level_under_null),
        cmocka_unit_test(test_holm),
    };
    return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
