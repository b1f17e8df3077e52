/* test_rng.c — per-entity streams: reproducible, independent of other streams'
 * existence and use, distinct across (kind, id, purpose), and usable by GSL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_randist.h>
#include <sodium.h>
#include "sim/rng.h"

static void draws(gsl_rng *r, uint64_t *out, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = gsl_rng_get(r);
}

/* Same triple, same seed: the same sequence, every time. */
static void test_reproducible(void **state)
{
    uint64_t a[64], b[64];
    gsl_rng *r1 = rng_stream(42, 3, 17, 1), *r2 = rng_stream(42, 3, 17, 1);
    draws(r1, a, 64), draws(r2, b, 64);
    assert_memory_equal(a, b, sizeof a);
    gsl_rng_free(r1), gsl_rng_free(r2);
}

/* Adding entities and drawing from them leaves another stream's draws unchanged. */
static void test_stream_independence(void **state)
{
    uint64_t alone[256], crowded[256];
    gsl_rng *r = rng_stream(7, 1, 5, 0);
    draws(r, alone, 256);
    gsl_rng_free(r);

    gsl_rng *others[100];
    for (int i = 0; i < 100; i++) {
        others[i] = rng_stream(7, 1, (uint64_t)i + 1000, 0);   /* new entities */
        gsl_rng_get(others[i]);
    }
    gsl_rng *extra_purpose = rng_stream(7, 1, 5, 1);           /* new purpose, same entity */
    r = rng_stream(7, 1, 5, 0);
    for (int i = 0; i < 256; i++) {
        crowded[i] = gsl_rng_get(r);
        gsl_rng_get(others[i % 100]);                           /* interleaved use */
        gsl_rng_get(extra_purpose);
    }
    assert_memory_equal(alone, crowded, sizeof alone);
    for (int i = 0; i < 100; i++)
        gsl_rng_free(others[i]);
    gsl_rng_free(extra_purpose), gsl_rng_free(r);
}

/* Every component of the triple and the seed matters. */
static void test_distinct(void **state)
{
    const uint64_t seeds[][4] = {
        {42, 3, 17, 1}, {43, 3, 17, 1}, {42, 4, 17, 1}, {42, 3, 18, 1}, {42, 3, 17, 2},
        /* swapped fields must not collide either */
        {42, 17, 3, 1}, {42, 1, 17, 3},
    };
    uint64_t first[7];
    for (int i = 0; i < 7; i++) {
        gsl_rng *r = rng_stream(seeds[i][0], (uint32_t)seeds[i][1], seeds[i][2],
                                (uint32_t)seeds[i][3]);
        first[i] = ((uint64_t)gsl_rng_get(r) << 32) | gsl_rng_get(r);
        gsl_rng_free(r);
    }
    for (int i = 0; i < 7; i++)
        for (int j = i + 1; j < 7; j++)
            assert_true(first[i] != first[j]);
}

/* GSL distributions work on the stream; a crude sanity check of uniformity. */
static void test_gsl_distributions(void **state)
{
    gsl_rng *r = rng_stream(1, 0, 0, 0);
    double sum = 0;
    enum { N = 200000 };
    for (int i = 0; i < N; i++) {
        double u = gsl_rng_uniform(r);
        assert_true(u >= 0.0 && u < 1.0);
        sum += u;
    }
    assert_true(sum / N > 0.495 && sum / N < 0.505);
    double esum = 0;
    for (int i = 0; i < N; i++)
        esum += gsl_ran_exponential(r, 2.0);
    assert_true(esum / N > 1.97 && esum / N < 2.03);
    unsigned long k = gsl_rng_uniform_int(r, 10);
    assert_true(k < 10);
    gsl_rng_free(r);
}

/* Known answer: xoshiro256** from state {1,2,3,4} yields 11520, 0, 1509978240,
 * 1215971899390074240 (the reference implementation, prng.di.unimi.it). */
static void test_known_answer(void **state)
{
    static const uint64_t expect[4] = { 11520u, 0u, 1509978240u, 1215971899390074240u };
    gsl_rng *r = gsl_rng_alloc(rng_xoshiro256ss);
    uint64_t *s = r->state;
    s[0] = 1, s[1] = 2, s[2] = 3, s[3] = 4;
    for (int i = 0; i < 4; i++)
        assert_true(gsl_rng_uniform(r) == (double)(expect[i] >> 11) * 0x1.0p-53);
    gsl_rng_free(r);
}

/* A reseeded stream is the stream a fresh rng_stream gives for the same triple, whatever
 * it was before or how far it had been drawn. */
static void test_reseed_is_fresh(void **state)
{
    (void)state;
    gsl_rng *r = rng_stream(7, 1, 2, 3);
    for (int i = 0; i < 10; i++)
        gsl_rng_get(r);
    for (uint64_t id = 0; id < 50; id++) {
        rng_stream_reseed(r, 42, 5, id, 4);
        gsl_rng *fresh = rng_stream(42, 5, id, 4);
        for (int i = 0; i < 8; i++)
            assert_int_equal(gsl_rng_get(r), gsl_rng_get(fresh));
        assert_true(gsl_rng_uniform(r) == gsl_rng_uniform(fresh));
        gsl_rng_free(fresh);
    }
    gsl_rng_free(r);
}

/* rng_ugaussian and rng_exponential draw what GSL's gsl_ran_ugaussian and
 * gsl_ran_exponential draw, bit for bit and uniform for uniform (the streams stay in
 * step), over a million draws of each from three streams; and on a generator that is
 * not ours, through GSL's uniforms. Results of every scenario depend on it. */
static void test_gsl_bit_for_bit(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        gsl_rng *a = rng_stream(seed, 2, 0, 1), *b = rng_stream(seed, 2, 0, 1);
        for (int i = 0; i < 350000; i++) {
            double x = gsl_ran_ugaussian(a), y = rng_ugaussian(b);
            assert_memory_equal(&x, &y, sizeof x);
            x = gsl_ran_exponential(a, 6e8), y = rng_exponential(b, 6e8);
            assert_memory_equal(&x, &y, sizeof x);
        }
        assert_int_equal(gsl_rng_get(a), gsl_rng_get(b));
        gsl_rng_free(a);
        gsl_rng_free(b);
    }
    gsl_rng *a = gsl_rng_alloc(gsl_rng_mt19937), *b = gsl_rng_alloc(gsl_rng_mt19937);
    for (int i = 0; i < 1000; i++) {
        double x = gsl_ran_ugaussian(a), y = rng_ugaussian(b);
        assert_memory_equal(&x, &y, sizeof x);
        x = gsl_ran_exponential(a, 3), y = rng_exponential(b, 3);
        assert_memory_equal(&x, &y, sizeof x);
    }
    gsl_rng_free(a);
    gsl_rng_free(b);
}

/* The derivation rng.h states, computed by libsodium's BLAKE2b (crypto_generichash):
 * rng.c's own compression with the key block's chaining value kept gives the same
 * state for 20,000 triples (fields' extremes included), fresh and reseeded. */
static void test_derivation_is_blake2b(void **state)
{
    (void)state;
    gsl_rng *pick = rng_stream(3, 1, 4, 1);
    gsl_rng *re = rng_stream(0, 0, 0, 0);
    for (int i = 0; i < 20000; i++) {
        uint64_t seed = i < 4 ? (i & 1 ? RNG_SEED_MAX : 0) : gsl_rng_get(pick) * 7919u + i;
        uint32_t kind = i < 4 ? (i & 2 ? UINT32_MAX : 0) : (uint32_t)gsl_rng_uniform_int(pick, 40);
        uint64_t id = i < 4 ? (i & 1 ? UINT64_MAX : 0)
                            : ((uint64_t)gsl_rng_get(pick) << 32) | gsl_rng_get(pick);
        uint32_t purpose = i < 4 ? UINT32_MAX : (uint32_t)gsl_rng_uniform_int(pick, 16);
        unsigned char msg[24], out[32];
        for (int b = 0; b < 8; b++)
            msg[b] = (unsigned char)(seed >> (8 * b)), msg[12 + b] = (unsigned char)(id >> (8 * b));
        for (int b = 0; b < 4; b++)
            msg[8 + b] = (unsigned char)(kind >> (8 * b)),
            msg[20 + b] = (unsigned char)(purpose >> (8 * b));
        static const unsigned char key[] = "l2sim/rng/v1";
        assert_int_equal(crypto_generichash(out, sizeof out, msg, sizeof msg, key, sizeof key - 1), 0);
        uint64_t want[4] = { 0 };
        for (int w = 0; w < 4; w++)
            for (int b = 7; b >= 0; b--)
                want[w] = want[w] << 8 | out[8 * w + b];
        gsl_rng *r = rng_stream(seed, kind, id, purpose);
        assert_memory_equal(r->state, want, sizeof want);
        gsl_rng_free(r);
        rng_stream_reseed(re, seed, kind, id, purpose);
        assert_memory_equal(re->state, want, sizeof want);
    }
    gsl_rng_free(pick);
    gsl_rng_free(re);
}

static void test_replication_seeds(void **state)
{
    assert_int_equal(rng_replication_seed(42, 0), 42);
    assert_true(rng_replication_seed(42, 1) != rng_replication_seed(42, 2));
    assert_int_equal(rng_replication_seed(42, 5), rng_replication_seed(42, 5));
    /* every derived seed fits SQLite's signed INTEGER and --seed: the one printed form */
    for (uint32_t r = 0; r < 4096; r++)
        assert_true(rng_replication_seed(42, r) <= RNG_SEED_MAX);
    assert_int_equal(rng_replication_seed(UINT64_C(9223372036854775807), 0), INT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_stream_independence),
        cmocka_unit_test(test_distinct),
        cmocka_unit_test(test_gsl_distributions),
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_replication_seeds),
        cmocka_unit_test(test_reseed_is_fresh),
        cmocka_unit_test(test_gsl_bit_for_bit),
        cmocka_unit_test(test_derivation_is_blake2b),
    };
    return cmocka_run_group_tests_name("rng", tests, NULL, NULL);
}
