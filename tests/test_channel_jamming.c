/* test_channel_jamming.c — the hand-built routes of the adversary channel_jamming
 * (channels_route_along, jamming.c): priced as a sender prices any route, BOLT-7's
 * fee (fee_base_msat + amount x fee_proportional_millionths / 1e6, rounded down)
 * charged by each forwarder on the amount it forwards and its cltv_expiry_delta added
 * hop by hop from the recipient back (BOLT-4), so the route route_find returns and
 * the same edges priced by hand agree exactly; a route may cross one channel again
 * and again (a loop), each crossing one more HTLC. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "models/channel/route.h"
#include "models/channel/scheme_channels.h"
#include "models/channel/topology.h"

static gsl_rng *stream(void *ctx, uint32_t k)
{
    (void)ctx;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, k + 1);
    return r;
}

/* A line 0 - 1 - 2 - 3 with fees spread per edge (fee_sigma). */
static struct graph *line(void)
{
    static const uint32_t links[][2] = { { 0, 1 }, { 1, 2 }, { 2, 3 } };
    struct topology_params tp = {
        .kind = TOPOLOGY_LINKS, .nodes = 4, .links = links, .nlinks = 3,
        .capacity_median_msat = 10000000000ull, .capacity_sigma = 0,
        .policy = { .fee_base_msat = 1000, .fee_proportional_millionths = 100,
                    .htlc_minimum_msat = 1, .cltv_expiry_delta = 40 },
        .fee_sigma = 0.7,
    };
    return topology_build(&tp, NULL, stream, NULL);
}

static void test_same_as_route_find(void **state)
{
    (void)state;
    struct graph *g = line();
    struct route_finder *f = route_finder_new(g);
    struct route_opts o = { .height = 1000, .final_cltv_expiry_delta = 18,
                            .max_total_cltv = 2016, .risk_factor_ppb = 15 };
    struct route a, b;
    assert_int_equal(route_find(f, 0, 3, 123456789, &o, &a), 0);
    assert_int_equal(a.nhops, 3);
    uint32_t edges[3];
    for (size_t i = 0; i < 3; i++)
        edges[i] = a.hop[i].edge;
    assert_true(channels_route_along(g, edges, 3, 123456789, 1000, 18, &b));
    assert_int_equal(b.nhops, a.nhops);
    assert_int_equal(b.fee_msat, a.fee_msat);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(b.hop[i].edge, a.hop[i].edge);
        assert_int_equal(b.hop[i].amount_msat, a.hop[i].amount_msat);
        assert_int_equal(b.hop[i].cltv_expiry, a.hop[i].cltv_expiry);
        assert_int_equal(b.hop[i].fee_msat, a.hop[i].fee_msat);
    }
    route_finder_free(f);
    graph_free(g);
}

/* 0 -> 1 -> 2 -> 1 -> 2 -> 3: channel 1-2 crossed three times; each forwarder's fee
 * on what it forwards, each delta added, by hand. */
static void test_loop(void **state)
{
    (void)state;
    struct graph *g = line();
    const struct graph_channel *c = g->channels;
    uint32_t e01 = c[0].edge[0], e12 = c[1].edge[0], e21 = c[1].edge[1], e23 = c[2].edge[0];
    uint32_t edges[] = { e01, e12, e21, e12, e23 };
    struct route r;
    uint64_t amt = 5000000;
    assert_true(channels_route_along(g, edges, 5, amt, 800, 300, &r));
    assert_int_equal(r.nhops, 5);
    assert_int_equal(r.hop[4].amount_msat, amt);
    assert_int_equal(r.hop[4].cltv_expiry, 1100);
    for (size_t k = 4; k > 0; k--) {
        const struct graph_policy *p = &g->edges[edges[k]].policy;
        uint64_t fee = p->fee_base_msat + r.hop[k].amount_msat * p->fee_proportional_millionths / 1000000;
        assert_int_equal(r.hop[k - 1].amount_msat, r.hop[k].amount_msat + fee);
        assert_int_equal(r.hop[k - 1].fee_msat, fee);
        assert_int_equal(r.hop[k - 1].cltv_expiry, r.hop[k].cltv_expiry + p->cltv_expiry_delta);
        assert_int_equal(g->edges[edges[k - 1]].to, g->edges[edges[k]].from);
    }
    assert_int_equal(r.fee_msat, r.hop[0].amount_msat - amt);
    assert_false(channels_route_along(g, edges, 0, amt, 800, 300, &r));
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_route_find),
        cmocka_unit_test(test_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
