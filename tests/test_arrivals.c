/* test_arrivals.c — the arrival processes (models/workload/arrivals.c): long-run
 * rates of Poisson, diurnal, spiked, Markov-modulated and batched arrivals, exact
 * integrals, determinism whatever the query order, and the rejected combinations.
 * Statistical checks use a fixed seed and a tolerance of 4 standard errors, derived
 * in each test from the process's own variance (a fresh seed would fail one in
 * ~16000 times; a fixed seed never flickers). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/workload/arrivals.h"
#include "sim/rng.h"

static const struct scn_param rows[] = {
    { "name", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED, "name" },
    ARRIVALS_PARAMS("x", "2/s", "test arrivals"),
};
static const struct scn_schema schema = { rows, ARRAY_LEN(rows), NULL };

enum { KIND = 99, PURPOSE_TIMES = 1, PURPOSE_CHAIN = 2 };

static struct scn *load(const char *x)
{
    char text[16384];
    int n = snprintf(text, sizeof text, "name: t\nx: %s\n", x);
    assert_true(n > 0 && (size_t)n < sizeof text);
    struct scn *s;
    struct err e;
    err_init(&e);
    if (scn_load_text(&schema, "t.yaml", text, strlen(text), NULL, 0, &s, &e) != 0)
        fail_msg("%s", e.msg);
    return s;
}

/* The process described by the YAML mapping `x`, its regime chain seeded by `seed`. */
static struct arrivals *make(const char *x, uint64_t seed, sim_time slot)
{
    struct scn *s = load(x);
    struct arrivals *a;
    struct err e;
    err_init(&e);
    if (arrivals_new(s, "x", seed, KIND, 0, PURPOSE_CHAIN, slot, &a, &e) != 0)
        fail_msg("%s", e.msg);
    scn_free(s);
    return a;
}

/* Arrivals (batch sizes summed) and batches in [t0, t1) by repeated arrivals_next. */
static void simulate(struct arrivals *a, gsl_rng *r, sim_time t0, sim_time t1,
                     uint64_t *arrivals, uint64_t *batches)
{
    uint64_t n = 0, b = 0, size;
    for (sim_time t = arrivals_next(a, r, t0, t1, &size); t != ARRIVALS_NONE;
         t = arrivals_next(a, r, t, t1, &size)) {
        assert_true(t >= t0 && t < t1 && size >= 1);
        n += size, b++;
    }
    *arrivals = n;
    if (batches)
        *batches = b;
}

static void assert_within(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("%s: got %.6f, expected %.6f +- %.6f", what, got, want, tol);
}

/* A constant 2/s over 10^5 s is a Poisson count of mean 2e5 and sd sqrt(2e5) = 447;
 * count / time must lie within 4 sd of 2/s (0.9%). Counting per slot with
 * arrivals_count is the same process. */
static void test_constant_rate(void **state)
{
    struct arrivals *a = make("{rate: 2/s}", 1, 0);
    gsl_rng *r = rng_stream(1, KIND, 0, PURPOSE_TIMES);
    const sim_time T = 100000 * SIM_SEC;
    double mean = 2.0 * 100000;
    assert_within(arrivals_expected(a, 0, T), mean, 1e-9 * mean, "expected count");
    assert_within(arrivals_rate(a, 12345), 2e-6, 1e-18, "rate per microsecond");
    uint64_t n;
    simulate(a, r, 0, T, &n, NULL);
    assert_within((double)n, mean, 4 * sqrt(mean), "arrivals by thinning");
    uint64_t m = 0;
    for (sim_time t = 0; t < T; t += 12 * SIM_SEC)
        m += arrivals_count(a, r, t, t + 12 * SIM_SEC < T ? t + 12 * SIM_SEC : T);
    assert_within((double)m, mean, 4 * sqrt(mean), "arrivals counted per slot");
    gsl_rng_free(r);
    arrivals_free(a);
}

/* A per-block rate means exactly that many per slot on average. */
static void test_per_block_rate(void **state)
{
    struct arrivals *a = make("{rate: 300/block}", 1, 12 * SIM_SEC);
    assert_true(arrivals_expected(a, 36 * SIM_SEC, 48 * SIM_SEC) == 300.0);
    assert_within(arrivals_expected(a, 0, SIM_DAY), 300.0 * 7200, 1e-9 * 300 * 7200, "a day");
    arrivals_free(a);
}

/* lambda = rate (1 + a cos(2pi (t - peak) / 1d)): the cosine integrates to zero over
 * any whole day, the peak is (1 + a) x rate and the trough 12 h later (1 - a) x rate. */
static void test_diurnal_shape(void **state)
{
    struct arrivals *a = make("{rate: 2/s, pattern: diurnal, diurnal: {amplitude: 0.7, "
                              "peak: 15h}}", 1, 0);
    double day = 2.0 * 86400;
    const sim_time starts[] = { 0, 5 * SIM_HOUR + 17 * SIM_SEC + 3, 40 * SIM_DAY + 1 };
    for (size_t i = 0; i < ARRAY_LEN(starts); i++)
        assert_within(arrivals_expected(a, starts[i], starts[i] + SIM_DAY), day, 1e-9 * day,
                      "a whole day");
    double peak = arrivals_rate(a, 15 * SIM_HOUR), trough = arrivals_rate(a, 27 * SIM_HOUR);
    assert_within(peak, 2e-6 * 1.7, 1e-9 * peak, "peak rate");
    assert_within(peak / trough, 1.7 / 0.3, 1e-9 * 1.7 / 0.3, "peak / trough");
    assert_within(arrivals_rate(a, 3 * SIM_HOUR + 5 * SIM_DAY), trough, 1e-9 * trough,
                  "trough, days later");
    /* between: the cosine, e.g. 6 h after the peak it is exactly the mean */
    assert_within(arrivals_rate(a, 21 * SIM_HOUR), 2e-6, 1e-12, "quarter day off the peak");
    arrivals_free(a);
}

/* Thinning follows the cosine: over 30 days, the counts in the six hours around the
 * peak and around the trough are Poisson with the integral as mean (4 sd). */
static void test_diurnal_thinning(void **state)
{
    struct arrivals *a = make("{rate: 2/s, pattern: diurnal, diurnal: {amplitude: 0.7, "
                              "peak: 15h}}", 1, 0);
    gsl_rng *r = rng_stream(2, KIND, 0, PURPOSE_TIMES);
    uint64_t near_peak = 0, near_trough = 0, size;
    double want_peak = 0, want_trough = 0;
    for (int d = 0; d < 30; d++) {
        sim_time p0 = d * SIM_DAY + 12 * SIM_HOUR, t0 = d * SIM_DAY;
        want_peak += arrivals_expected(a, p0, p0 + 6 * SIM_HOUR);
        want_trough += arrivals_expected(a, t0, t0 + 6 * SIM_HOUR);
    }
    for (sim_time t = arrivals_next(a, r, 0, 30 * SIM_DAY, &size); t != ARRIVALS_NONE;
         t = arrivals_next(a, r, t, 30 * SIM_DAY, &size)) {
        sim_time tod = t % SIM_DAY;
        near_peak += tod >= 12 * SIM_HOUR && tod < 18 * SIM_HOUR;
        near_trough += tod < 6 * SIM_HOUR;
    }
    assert_within((double)near_peak, want_peak, 4 * sqrt(want_peak), "peak quarter");
    assert_within((double)near_trough, want_trough, 4 * sqrt(want_trough), "trough quarter");
    assert_true(want_peak > 3 * want_trough);
    gsl_rng_free(r);
    arrivals_free(a);
}

/* Spikes multiply the rate inside [at, at + for) only, overlapping ones multiply
 * together, and a zero multiplier silences the window completely. */
static void test_spikes(void **state)
{
    struct arrivals *a = make("{rate: 1/s, spikes: [{at: 1h, for: 30m, multiplier: 3}, "
                              "{at: 75m, for: 30m, multiplier: 2}, "
                              "{at: 3h, for: 1h, multiplier: 0}]}", 1, 0);
    const double base = 1e-6;
    struct { sim_time t; double m; } at[] = {
        { SIM_HOUR - 1, 1 }, { SIM_HOUR, 3 }, { 75 * SIM_MIN - 1, 3 }, { 75 * SIM_MIN, 6 },
        { 90 * SIM_MIN - 1, 6 }, { 90 * SIM_MIN, 2 }, { 105 * SIM_MIN - 1, 2 },
        { 105 * SIM_MIN, 1 }, { 3 * SIM_HOUR, 0 }, { 4 * SIM_HOUR - 1, 0 }, { 4 * SIM_HOUR, 1 },
    };
    for (size_t i = 0; i < ARRAY_LEN(at); i++)
        assert_within(arrivals_rate(a, at[i].t), base * at[i].m, 1e-15, "rate at an edge");
    /* 5 h: 1 h of extra (3-1)x15m + (6-1)x15m + (2-1)x15m, minus the silent hour */
    double want = 5 * 3600 + (2 + 5 + 1) * 900 - 3600;
    assert_within(arrivals_expected(a, 0, 5 * SIM_HOUR), want, 1e-9 * want, "integral");
    gsl_rng *r = rng_stream(3, KIND, 0, PURPOSE_TIMES);
    uint64_t size, inside = 0, silent = 0;
    for (int rep = 0; rep < 200; rep++)
        for (sim_time t = arrivals_next(a, r, 0, 5 * SIM_HOUR, &size); t != ARRIVALS_NONE;
             t = arrivals_next(a, r, t, 5 * SIM_HOUR, &size)) {
            silent += t >= 3 * SIM_HOUR && t < 4 * SIM_HOUR;
            inside += t >= 75 * SIM_MIN && t < 90 * SIM_MIN;
        }
    assert_int_equal(silent, 0);
    /* 200 x 15 min at 6/s: Poisson mean 1.08e6 */
    assert_within((double)inside, 200 * 900 * 6.0, 4 * sqrt(200 * 900 * 6.0), "6x window");
    gsl_rng_free(r);
    arrivals_free(a);
}

/* Many overlapping spikes: at any time the rate is the base times the product of the
 * multipliers of exactly the spikes whose window contains it. */
static void test_spikes_overlapping(void **state)
{
    enum { K = 60 };
    sim_time at[K], len[K];
    double m[K];
    char x[8192];
    size_t used = (size_t)snprintf(x, sizeof x, "{rate: 1/s, spikes: [");
    gsl_rng *g = rng_stream(7, KIND, 2, 1);
    for (int i = 0; i < K; i++) {
        at[i] = (sim_time)gsl_rng_uniform_int(g, 600) * SIM_SEC;
        len[i] = (1 + (sim_time)gsl_rng_uniform_int(g, 120)) * SIM_SEC;
        m[i] = i % 9 == 0 ? 0 : 0.5 + (double)gsl_rng_uniform_int(g, 8) / 4;
        used += (size_t)snprintf(x + used, sizeof x - used, "%s{at: %llds, for: %llds, "
                                 "multiplier: %g}", i ? ", " : "",
                                 (long long)(at[i] / SIM_SEC), (long long)(len[i] / SIM_SEC), m[i]);
    }
    snprintf(x + used, sizeof x - used, "]}");
    struct arrivals *a = make(x, 1, 0);
    for (int k = 0; k < 3000; k++) {
        sim_time t = (sim_time)gsl_rng_uniform_int(g, 800 * 1000) * SIM_MS + k % 3 - 1;
        double want = 1e-6;
        for (int i = 0; i < K; i++)
            if (t >= at[i] && t < at[i] + len[i])
                want *= m[i];
        assert_within(arrivals_rate(a, t), want, 1e-12 * want, "product of covering spikes");
    }
    gsl_rng_free(g);
    arrivals_free(a);
}

/* The Markov-modulated rate averages, over a long horizon, to the stationary mean of
 * the multipliers. With uniform jumps the embedded chain is uniform over regimes, so
 * time shares are proportional to mean durations: equal durations give the
 * arithmetic mean, (1 x 30m + 4 x 10m) / 40m = 1.75 for the second case.
 * Tolerance: 4 sd of a time average over T, sd^2 = 2 var(m) tau / T with tau the
 * chain's relaxation time. Three regimes of 10 m: var(m) = 14/3, tau = 10m / 1.5,
 * sd = 0.0093; two of 30 m and 10 m: var(m) = 0.75 x 0.25 x 9, tau = 7.5 m,
 * sd = 0.0059 (400 seeds measured 0.0094 and 0.0059). Given the chain, the count is
 * Poisson with the integral as mean (4 sd). */
static void test_regimes_stationary_mean(void **state)
{
    const sim_time T = 500 * SIM_DAY;
    struct arrivals *a = make("{rate: 1/s, pattern: regimes, regimes: ["
                              "{multiplier: 1, mean_duration: 10m}, "
                              "{multiplier: 5, mean_duration: 10m}, "
                              "{multiplier: 0, mean_duration: 10m}]}", 11, 0);
    double avg = arrivals_expected(a, 0, T) / (double)(T / SIM_SEC);
    assert_within(avg, 2.0, 4 * 0.0093, "equal durations: arithmetic mean");
    gsl_rng *r = rng_stream(11, KIND, 0, PURPOSE_TIMES);
    uint64_t n;
    const sim_time T2 = 20 * SIM_DAY;
    double want = arrivals_expected(a, 0, T2);
    simulate(a, r, 0, T2, &n, NULL);
    assert_within((double)n, want, 4 * sqrt(want), "count given the chain");
    gsl_rng_free(r);
    arrivals_free(a);

    a = make("{rate: 1/s, pattern: regimes, regimes: [{multiplier: 1, mean_duration: 30m}, "
             "{multiplier: 4, mean_duration: 10m}]}", 12, 0);
    avg = arrivals_expected(a, 0, T) / (double)(T / SIM_SEC);
    assert_within(avg, 1.75, 4 * 0.0059, "duration-weighted mean");
    arrivals_free(a);
}

/* The chain starts in the first regime and, with a single regime, never leaves it. */
static void test_regimes_start(void **state)
{
    struct arrivals *a = make("{rate: 1/s, pattern: regimes, regimes: ["
                              "{multiplier: 7, mean_duration: 100d}, "
                              "{multiplier: 1, mean_duration: 1s}]}", 5, 0);
    assert_within(arrivals_rate(a, 0), 7e-6, 1e-15, "first regime at t = 0");
    arrivals_free(a);
    a = make("{rate: 1/s, pattern: regimes, regimes: [{multiplier: 3, mean_duration: 1s}]}",
             5, 0);
    assert_within(arrivals_expected(a, 0, SIM_DAY), 3.0 * 86400, 1e-9 * 3 * 86400, "alone");
    arrivals_free(a);
}

/* Batches of geometric size with mean 4; `rate` still counts arrivals. Over 10^5 s at
 * 2/s: 5e4 batches; a geometric(1/4) size has sd sqrt(12), so the mean size is within
 * 4 sqrt(12 / 5e4) = 0.062 of 4; the total, compound Poisson with variance
 * batches x E[K^2] = 0.5/s x 28 x T, within 4 sd of 2T. */
static void test_burst(void **state)
{
    struct arrivals *a = make("{rate: 2/s, burst: {mean_size: 4}}", 1, 0);
    gsl_rng *r = rng_stream(4, KIND, 0, PURPOSE_TIMES);
    const double T = 100000;
    uint64_t n, b;
    simulate(a, r, 0, (sim_time)T * SIM_SEC, &n, &b);
    assert_within((double)n / (double)b, 4.0, 4 * sqrt(12.0 / 5e4), "mean batch size");
    assert_within((double)n, 2 * T, 4 * sqrt(0.5 * 28 * T), "arrivals");
    assert_within(arrivals_expected(a, 0, (sim_time)T * SIM_SEC), 2 * T, 1e-9 * T, "expected");
    uint64_t m = 0;
    for (sim_time t = 0; t < (sim_time)T * SIM_SEC; t += 12 * SIM_SEC)
        m += arrivals_count(a, r, t, t + 12 * SIM_SEC);
    double Tc = ceil(T / 12) * 12;
    assert_within((double)m, 2 * Tc, 4 * sqrt(0.5 * 28 * Tc), "arrivals counted per slot");
    gsl_rng_free(r);
    arrivals_free(a);
}

static const char everything[] =
    "{rate: 3/s, pattern: regimes, burst: {mean_size: 2.5}, "
    "regimes: [{multiplier: 1, mean_duration: 20m}, {multiplier: 3, mean_duration: 5m}, "
    "{multiplier: 0.2, mean_duration: 1h}], spikes: [{at: 2h, for: 10m, multiplier: 4}]}";

/* Same seeds, same arrivals; another seed, other arrivals. */
static void test_same_seed_same_sequence(void **state)
{
    sim_time *seq[3];
    uint64_t sizes[3][5000];
    for (int k = 0; k < 3; k++) {
        uint64_t seed = k < 2 ? 42 : 43;
        struct arrivals *a = make(everything, seed, 0);
        gsl_rng *r = rng_stream(seed, KIND, 0, PURPOSE_TIMES);
        seq[k] = malloc(5000 * sizeof *seq[k]);
        sim_time t = 0;
        for (int i = 0; i < 5000; i++) {
            t = arrivals_next(a, r, t, 100 * SIM_DAY, &sizes[k][i]);
            assert_true(t != ARRIVALS_NONE);
            seq[k][i] = t;
        }
        gsl_rng_free(r);
        arrivals_free(a);
    }
    assert_memory_equal(seq[0], seq[1], 5000 * sizeof *seq[0]);
    assert_memory_equal(sizes[0], sizes[1], sizeof sizes[0]);
    assert_memory_not_equal(seq[0], seq[2], 5000 * sizeof *seq[0]);
    for (int k = 0; k < 3; k++)
        free(seq[k]);
}

/* rate(t) is a function of t and the seed: asking in increasing order, in a
 * scrambled order with repeats, or interleaved with other queries gives the same
 * values bit for bit. */
static void test_query_order_irrelevant(void **state)
{
    enum { N = 4000 };
    static sim_time t[N];
    static double ascending[N], scrambled[N];
    for (int i = 0; i < N; i++)
        t[i] = (sim_time)i * 37 * SIM_SEC + i % 7;
    struct arrivals *a = make(everything, 9, 0), *b = make(everything, 9, 0);
    for (int i = 0; i < N; i++)
        ascending[i] = arrivals_rate(a, t[i]);
    gsl_rng *shuffle = rng_stream(1, KIND, 1, 1), *r = rng_stream(9, KIND, 0, PURPOSE_TIMES);
    uint64_t size;
    for (int i = 0; i < N; i++)
        scrambled[i] = -1;
    for (int k = 0; k < 3 * N; k++) {
        int i = (int)gsl_rng_uniform_int(shuffle, N);
        double v = arrivals_rate(b, t[i]);
        if (scrambled[i] >= 0)
            assert_true(v == scrambled[i]);
        scrambled[i] = v;
        if (k % 5 == 0)
            (void)arrivals_expected(b, t[i] / 2, t[i]);
        if (k % 7 == 0)
            (void)arrivals_next(b, r, t[i], t[i] + SIM_HOUR, &size);
    }
    for (int i = 0; i < N; i++)
        scrambled[i] = arrivals_rate(b, t[i]);
    assert_memory_equal(ascending, scrambled, sizeof ascending);
    double lo = 1e9, hi = 0;
    for (int i = 0; i < N; i++)
        lo = fmin(lo, ascending[i]), hi = fmax(hi, ascending[i]);
    assert_true(hi > 10 * lo);          /* the chain did move through its regimes */
    gsl_rng_free(shuffle), gsl_rng_free(r);
    arrivals_free(a), arrivals_free(b);
}

static void expect_load_error(const char *x, const char *message)
{
    char text[1024];
    snprintf(text, sizeof text, "name: t\nx: %s\n", x);
    struct scn *s;
    struct err e;
    err_init(&e);
    assert_int_equal(scn_load_text(&schema, "t.yaml", text, strlen(text), NULL, 0, &s, &e),
                     L2_EINPUT);
    if (!strstr(e.msg, message))
        fail_msg("expected '%s' in:\n%s", message, e.msg);
}

static void expect_new_error(const char *x, sim_time slot, const char *message)
{
    struct scn *s = load(x);
    struct arrivals *a = (struct arrivals *)&a;
    struct err e;
    err_init(&e);
    assert_int_equal(arrivals_new(s, "x", 1, KIND, 0, PURPOSE_CHAIN, slot, &a, &e), L2_EINPUT);
    assert_null(a);
    if (!strstr(e.msg, message))
        fail_msg("expected '%s' in:\n%s", message, e.msg);
    scn_free(s);
}

static void test_bad_combinations(void **state)
{
    expect_load_error("{pattern: diurnal, diurnal: {amplitude: 1.5}}",
                      "x.diurnal.amplitude: 1.5 is above the maximum 1");
    expect_load_error("{pattern: regimes, regimes: [{multiplier: 2, mean_duration: 0s}]}",
                      "x.regimes[0].mean_duration: 0s is below the minimum 1s");
    expect_load_error("{pattern: regimes, regimes: [{multiplier: 2}]}",
                      "missing required key 'mean_duration'");
    expect_load_error("{spikes: [{at: 1h, for: 1h, multiplier: -1}]}", "x.spikes[0].multiplier");
    expect_load_error("{burst: {mean_size: 0.5}}", "x.burst.mean_size: 0.5 is below the minimum 1");
    expect_load_error("{pattern: weekly}", "x.pattern");
    expect_new_error("{pattern: regimes}", 0,
                     "t.yaml:2:14: x.pattern: pattern regimes needs a non-empty x.regimes list");
    expect_new_error("{rate: 300/block}", 0, "x.rate: this rate is per unit of time");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_rate),
        cmocka_unit_test(test_per_block_rate),
        cmocka_unit_test(test_diurnal_shape),
        cmocka_unit_test(test_diurnal_thinning),
        cmocka_unit_test(test_spikes),
        cmocka_unit_test(test_spikes_overlapping),
        cmocka_unit_test(test_regimes_stationary_mean),
        cmocka_unit_test(test_regimes_start),
        cmocka_unit_test(test_burst),
        cmocka_unit_test(test_same_seed_same_sequence),
        cmocka_unit_test(test_query_order_irrelevant),
        cmocka_unit_test(test_bad_combinations),
    };
    return cmocka_run_group_tests_name("arrivals", tests, NULL, NULL);
}
