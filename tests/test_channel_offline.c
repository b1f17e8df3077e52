/* test_channel_offline.c — faulty nodes' schedules (models/channel/offline.c): an
 * alternating renewal process of exponential up and down periods is down a share
 * E[down] / (E[up] + E[down]) of the time in the long run (renewal-reward theorem),
 * and, started from that split, at any fixed time too; a share of the nodes is
 * faulty; next_up is the end of the down period it is asked in; answers do not depend
 * on the order of the questions, nor on other nodes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "models/channel/offline.h"
#include "sim/util.h"

static gsl_rng *stream(void *ctx, uint64_t id)
{
    (void)ctx;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7919u * (unsigned long)id + 1);
    return r;
}

#define HOUR (3600 * SIM_SEC)

static void test_never_offline(void **state)
{
    (void)state;
    struct offline_params p = { .share = 0, .up = HOUR, .down = HOUR };
    struct offline *o = offline_new(&p, stream, NULL);
    for (uint64_t v = 0; v < 100; v++) {
        assert_false(offline_down(o, v, 5 * HOUR));
        assert_int_equal(offline_next_up(o, v, 5 * HOUR), 5 * HOUR);
    }
    offline_free(o);
}

/* up 3 h, down 1 h on average: down a quarter of the time, over nodes and time. */
static void test_share_of_time_down(void **state)
{
    (void)state;
    struct offline_params p = { .share = 1, .up = 3 * HOUR, .down = HOUR };
    struct offline *o = offline_new(&p, stream, NULL);
    size_t down = 0, asked = 0, down_at0 = 0;
    for (uint64_t v = 0; v < 400; v++) {
        down_at0 += offline_down(o, v, 0);
        for (sim_time t = 0; t < 200 * HOUR; t += HOUR / 2, asked++)
            down += offline_down(o, v, t);
    }
    double f = (double)down / (double)asked;
    print_message("down %.4f of the time, %zu of 400 at t = 0\n", f, down_at0);
    assert_true(f > 0.23 && f < 0.27);
    assert_in_range(down_at0, 70, 130);      /* 100 expected, sd ~8.7 */
    offline_free(o);
}

static void test_share_of_nodes(void **state)
{
    (void)state;
    struct offline_params p = { .share = 0.3, .up = HOUR, .down = HOUR };
    struct offline *o = offline_new(&p, stream, NULL);
    size_t faulty = 0;
    for (uint64_t v = 0; v < 2000; v++) {
        bool f = offline_faulty(o, v);
        faulty += f;
        if (!f)                               /* a sound node is never down */
            for (sim_time t = 0; t < 20 * HOUR; t += HOUR)
                assert_false(offline_down(o, v, t));
    }
    assert_in_range(faulty, 540, 660);        /* 600 expected, sd ~20 */
    offline_free(o);
}

/* next_up: the node is up then, and down at every probe from t until just before. */
static void test_next_up(void **state)
{
    (void)state;
    struct offline_params p = { .share = 1, .up = HOUR, .down = HOUR };
    struct offline *o = offline_new(&p, stream, NULL);
    size_t seen = 0;
    for (uint64_t v = 0; v < 50; v++)
        for (sim_time t = 0; t < 30 * HOUR; t += HOUR / 3) {
            sim_time u = offline_next_up(o, v, t);
            assert_true(u >= t);
            assert_false(offline_down(o, v, u));
            if (u > t) {
                seen++;
                assert_true(offline_down(o, v, t));
                assert_true(offline_down(o, v, u - 1));
                assert_true(offline_down(o, v, t + (u - t) / 2));
            }
        }
    assert_true(seen > 100);
    offline_free(o);
}

/* The same answers whether asked forward, backward or interleaved with others. */
static void test_order_independent(void **state)
{
    (void)state;
    struct offline_params p = { .share = 0.5, .up = HOUR, .down = HOUR / 2 };
    struct offline *a = offline_new(&p, stream, NULL), *b = offline_new(&p, stream, NULL);
    bool fwd[200];
    for (int i = 0; i < 200; i++)
        fwd[i] = offline_down(a, 3, (sim_time)i * HOUR / 4);
    for (int i = 199; i >= 0; i--) {
        (void)offline_down(b, (uint64_t)i, (sim_time)i * HOUR);
        assert_int_equal(offline_down(b, 3, (sim_time)i * HOUR / 4), fwd[i]);
    }
    offline_free(a);
    offline_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_never_offline),
        cmocka_unit_test(test_share_of_time_down),
        cmocka_unit_test(test_share_of_nodes),
        cmocka_unit_test(test_next_up),
        cmocka_unit_test(test_order_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
