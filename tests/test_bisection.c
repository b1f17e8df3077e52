/* test_bisection.c — the dispute bisection (models/rollup/bisection.h). Issue 11,
 * "What it must show": "bisection isolates the first wrong step in at most
 * ceil(log2 n) moves". A claimant's trace that goes wrong at root k stays wrong after
 * it (a diverged state does not come back), and the game must end on transfer k-1,
 * whose pre-state root is right and whose post-state root is not. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include "models/rollup/bisection.h"
#include "sim/rng.h"

/* ceil(log2 n), computed another way: the bit length of n - 1. */
static unsigned ceil_log2(uint64_t n)
{
    unsigned k = 0;
    for (uint64_t v = n - 1; v; v >>= 1)
        k++;
    return k;
}

/* Play the game where the claimant's root i is wrong iff wrong(i): an honest
 * challenger agrees exactly with the right roots. Returns the isolated step. */
static uint64_t play(uint64_t n, bool (*wrong)(void *, uint64_t), void *ctx, unsigned *moves)
{
    struct bisection g;
    bisection_start(&g, n);
    while (!bisection_done(&g)) {
        uint64_t m = bisection_midpoint(&g);
        assert_true(m > g.lo && m < g.hi);                    /* a root in dispute range */
        bisection_answer(&g, !wrong(ctx, m));
        assert_true(g.moves <= 64);
    }
    *moves = g.moves;
    return bisection_step(&g);
}

static bool wrong_from(void *ctx, uint64_t i) { return i >= *(uint64_t *)ctx; }

static void test_max_moves(void **state)
{
    static const struct { uint64_t n; unsigned k; } known[] = {
        { 1, 0 }, { 2, 1 }, { 3, 2 }, { 4, 2 }, { 5, 3 }, { 8, 3 }, { 9, 4 },
        { 1000, 10 }, { 1024, 10 }, { 1025, 11 }, { (uint64_t)1 << 40, 40 },
        { ((uint64_t)1 << 40) + 1, 41 },
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        assert_int_equal(bisection_max_moves(known[i].n), known[i].k);
}

/* Every trace length n up to 600 and every first wrong root k in 1..n: the game ends
 * on step k-1 within ceil(log2 n) moves, and some k needs all of them (the bound is
 * the game's, not slack). */
static void test_isolates_first_wrong_step(void **state)
{
    for (uint64_t n = 1; n <= 600; n++) {
        unsigned worst = 0;
        for (uint64_t k = 1; k <= n; k++) {
            unsigned moves;
            uint64_t step = play(n, wrong_from, &k, &moves);
            assert_int_equal(step, k - 1);
            assert_true(moves <= ceil_log2(n));
            if (moves > worst)
                worst = moves;
        }
        assert_int_equal(worst, ceil_log2(n));
    }
}

/* Long traces (a batch of millions of transfers, or the OP Stack's 2^73-leaf
 * instruction trace cut to 64 bits): the same, at sampled positions. */
static void test_long_traces(void **state)
{
    gsl_rng *r = rng_stream(11, 1, 1, 1);
    for (int t = 0; t < 2000; t++) {
        unsigned bits = 1 + (unsigned)gsl_rng_uniform_int(r, 62);
        uint64_t n = 1 + (((uint64_t)gsl_rng_get(r) << 32 | gsl_rng_get(r)) >> (64 - bits));
        uint64_t k = 1 + (((uint64_t)gsl_rng_get(r) << 32 | gsl_rng_get(r)) % n);
        unsigned moves;
        assert_int_equal(play(n, wrong_from, &k, &moves), k - 1);
        assert_true(moves <= ceil_log2(n));
    }
    gsl_rng_free(r);
}

struct pattern { const uint8_t *wrong; };
static bool wrong_at(void *ctx, uint64_t i) { return ((struct pattern *)ctx)->wrong[i]; }

/* A claimant whose wrong roots come and go (it may re-converge on purpose): the game
 * still ends on a step whose pre-state root is right and whose post-state root is
 * wrong — a step where the claimant's own transition is false, which is all the
 * one-step proof needs. */
static void test_any_pattern_ends_on_a_false_step(void **state)
{
    gsl_rng *r = rng_stream(12, 1, 1, 1);
    for (int t = 0; t < 3000; t++) {
        uint64_t n = 1 + gsl_rng_uniform_int(r, 300);
        uint8_t *wrong = calloc(n + 1, 1);
        for (uint64_t i = 1; i < n; i++)
            wrong[i] = gsl_rng_uniform(r) < 0.5;
        wrong[0] = 0, wrong[n] = 1;   /* agreed start, disputed end */
        struct pattern p = { wrong };
        unsigned moves;
        uint64_t step = play(n, wrong_at, &p, &moves);
        assert_false(wrong[step]);
        assert_true(wrong[step + 1]);
        assert_true(moves <= ceil_log2(n));
        free(wrong);
    }
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_max_moves),
        cmocka_unit_test(test_isolates_first_wrong_step),
        cmocka_unit_test(test_long_traces),
        cmocka_unit_test(test_any_pattern_ends_on_a_false_step),
    };
    return cmocka_run_group_tests_name("bisection", tests, NULL, NULL);
}
