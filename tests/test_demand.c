/* test_demand.c — the L1's background draws made ahead on their own thread
 * (models/l1/demand.c) are the draws made in place: the same count per slot and the
 * same gas, fees and patience per transaction, bit for bit, whether the model takes
 * its slots at once or slowly (the thread then fills the ring and waits), and for an
 * arrival process that draws from its own chain stream too (regimes) or in batches. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "models/l1/demand.h"
#include "sim/rng.h"

static const struct scn_param rows[] = {
    { "name", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED, "name" },
    ARRIVALS_PARAMS("x", "2/s", "test arrivals"),
};
static const struct scn_schema schema = { rows, ARRAY_LEN(rows), NULL };

enum { KIND = 98, PURPOSE_TIMES = 1, PURPOSE_CHAIN = 2 };
#define SLOT (12 * SIM_SEC)

static struct arrivals *make(const char *x, uint64_t seed)
{
    char text[4096];
    snprintf(text, sizeof text, "name: t\nx: %s\n", x);
    struct scn *s;
    struct err e;
    err_init(&e);
    if (scn_load_text(&schema, "t.yaml", text, strlen(text), NULL, 0, &s, &e) != 0)
        fail_msg("%s", e.msg);
    struct arrivals *a;
    if (arrivals_new(s, "x", seed, KIND, 0, PURPOSE_CHAIN, SLOT, &a, &e) != 0)
        fail_msg("%s", e.msg);
    scn_free(s);
    return a;
}

/* What l1.c drew in place before the thread existed: GSL's own samplers. */
static uint64_t lognormal_int(gsl_rng *r, double median, double sigma, double lo, double hi)
{
    double v = median * exp(sigma * gsl_ran_ugaussian(r));
    return (uint64_t)llround(v < lo ? lo : v > hi ? hi : v);
}

static const struct demand_params params = {
    .gas_median = 60000, .gas_sigma = 0.9, .gas_max = 15e6,
    .fee_median = 50e9, .fee_sigma = 0.6, .tip_median = 1.5e9, .tip_sigma = 1.0,
    .patience = 600 * SIM_SEC,
};

/* nslots slots of process x: from demand_slot (pausing pause_ns every 7th slot)
 * against the in-place draws; returns the transactions compared. */
static uint64_t compare(const char *x, uint64_t seed, int nslots, long pause_ns)
{
    struct arrivals *a = make(x, seed), *ref_a = make(x, seed);
    gsl_rng *r = rng_stream(seed, KIND, 0, PURPOSE_TIMES);
    gsl_rng *ref = rng_stream(seed, KIND, 0, PURPOSE_TIMES);
    struct demand *d = demand_new(a, r, &params, SLOT);
    uint64_t total = 0;
    for (int k = 1; k <= nslots; k++) {
        sim_time end = (sim_time)k * SLOT;
        size_t n;
        const struct demand_tx *t = demand_slot(d, end, &n);
        uint64_t want = arrivals_count(ref_a, ref, end - SLOT, end);
        assert_int_equal(n, want);
        for (size_t i = 0; i < n; i++) {
            const struct demand_params *p = &params;
            uint64_t gas = lognormal_int(ref, p->gas_median, p->gas_sigma, 21000, p->gas_max);
            uint64_t fee = lognormal_int(ref, p->fee_median, p->fee_sigma, 1, 1e15);
            uint64_t prio = lognormal_int(ref, p->tip_median, p->tip_sigma, 0, 1e15);
            if (prio > fee)
                prio = fee;
            sim_time pat = (sim_time)gsl_ran_exponential(ref, (double)p->patience);
            assert_int_equal(t[i].gas, gas);
            assert_int_equal(t[i].max_fee, fee);
            assert_int_equal(t[i].max_prio, prio);
            assert_int_equal(t[i].patience, pat);
        }
        total += n;
        if (pause_ns && k % 7 == 0)
            nanosleep(&(struct timespec){ 0, pause_ns }, NULL);
    }
    demand_free(d);
    arrivals_free(a);
    arrivals_free(ref_a);
    gsl_rng_free(r);
    gsl_rng_free(ref);
    return total;
}

static void test_same_draws_fast_consumer(void **state)
{
    (void)state;
    assert_true(compare("{rate: 520/block}", 1, 400, 0) > 400 * 450);
}

/* a slow model: the thread runs the ring full, waits, and is woken to go on */
static void test_same_draws_slow_consumer(void **state)
{
    (void)state;
    assert_true(compare("{rate: 50/block}", 2, 300, 2000000) > 300 * 30);
}

/* regimes draw their chain from the process's own stream, lazily: on the thread */
static void test_same_draws_regimes_and_batches(void **state)
{
    (void)state;
    assert_true(compare("{rate: 30/s, pattern: regimes, regimes: ["
                        "{multiplier: 1, mean_duration: 10m}, "
                        "{multiplier: 4, mean_duration: 5m}]}", 3, 500, 0) > 0);
    assert_true(compare("{rate: 20/s, burst: {mean_size: 4}}", 4, 300, 0) > 0);
}

/* stopped with slots drawn and not taken, or before the first: nothing leaks or hangs */
static void test_free_early(void **state)
{
    (void)state;
    for (int k = 0; k < 3; k++) {
        struct arrivals *a = make("{rate: 520/block}", 5);
        gsl_rng *r = rng_stream(5, KIND, 0, PURPOSE_TIMES);
        struct demand *d = demand_new(a, r, &params, SLOT);
        size_t n;
        for (int i = 1; i <= k; i++)
            demand_slot(d, (sim_time)i * SLOT, &n);
        demand_free(d);
        arrivals_free(a);
        gsl_rng_free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_draws_fast_consumer),
        cmocka_unit_test(test_same_draws_slow_consumer),
        cmocka_unit_test(test_same_draws_regimes_and_batches),
        cmocka_unit_test(test_free_early),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
