/* test_channel_route.c — source routing (models/channel/route.c) against the rules a
 * forwarding node enforces: BOLT-7's fee (fee_base_msat + amount *
 * fee_proportional_millionths / 1e6, rounded down) paid exactly hop by hop, each
 * hop's cltv_expiry = the next one's + the forwarder's cltv_expiry_delta (BOLT-4/7),
 * amounts within capacity and above htlc_minimum_msat, failed edges avoided. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "models/channel/route.h"

static struct graph *parse(const char *nodes, const char *channels, const char *edges)
{
    struct err e;
    err_init(&e);
    struct graph *g = NULL;
    int rc = graph_parse("n", nodes, strlen(nodes), "c", channels, strlen(channels), "e",
                         edges, strlen(edges), &g, &e);
    if (rc)
        print_message("%s\n", e.msg);
    assert_int_equal(rc, 0);
    return g;
}

static const struct route_opts OPTS = {
    .height = 800000, .final_cltv_expiry_delta = 18, .max_total_cltv = 2016,
    .risk_factor_ppb = 15,
};

/* Every rule a route must satisfy, recomputed here from the policies. */
static void check_route(const struct graph *g, uint32_t s, uint32_t d, uint64_t amount,
                        const struct route_opts *o, const struct route *r)
{
    assert_true(r->nhops >= 1 && r->nhops <= ROUTE_MAX_HOPS);
    assert_int_equal(g->edges[r->hop[0].edge].from, s);
    assert_int_equal(g->edges[r->hop[r->nhops - 1].edge].to, d);
    assert_int_equal(r->hop[r->nhops - 1].amount_msat, amount);
    assert_int_equal(r->hop[r->nhops - 1].cltv_expiry, o->height + o->final_cltv_expiry_delta);
    assert_int_equal(r->hop[r->nhops - 1].fee_msat, 0);
    /* the sender knows its own balance */
    assert_true(r->hop[0].amount_msat <= g->edges[r->hop[0].edge].balance_msat);
    uint64_t fees = 0;
    for (size_t i = 0; i < r->nhops; i++) {
        const struct graph_edge *e = &g->edges[r->hop[i].edge];
        assert_true(r->hop[i].amount_msat <= g->channels[e->channel].capacity_msat);
        assert_true(r->hop[i].amount_msat >= e->policy.htlc_minimum_msat);
        if (o->excluded_edge)
            assert_false(o->excluded_edge[r->hop[i].edge]);
        if (i + 1 < r->nhops) {
            const struct graph_edge *next = &g->edges[r->hop[i + 1].edge];
            assert_int_equal(next->from, e->to);
            /* BOLT-7: the forwarder (e->to) charges its policy on the next edge */
            uint64_t fwd = r->hop[i + 1].amount_msat;
            uint64_t fee = next->policy.fee_base_msat +
                           fwd * (uint64_t)next->policy.fee_proportional_millionths / 1000000;
            assert_int_equal(r->hop[i].amount_msat, fwd + fee);
            assert_int_equal(r->hop[i].fee_msat, fee);
            assert_int_equal(r->hop[i].cltv_expiry,
                             r->hop[i + 1].cltv_expiry + next->policy.cltv_expiry_delta);
            fees += fee;
        }
    }
    assert_int_equal(r->fee_msat, fees);
    assert_int_equal(r->hop[0].amount_msat, amount + fees);
    assert_true(r->hop[0].cltv_expiry - o->height <= o->max_total_cltv);
}

/* BOLT-7's rounding: 1,234,567 msat at 1 ppm is 1.234567 msat -> 1; base added. */
static void test_fee_rounds_down(void **state)
{
    (void)state;
    struct graph_policy p = { .fee_base_msat = 1000, .fee_proportional_millionths = 1 };
    uint64_t fee;
    assert_true(route_fee(&p, 1234567, &fee));
    assert_int_equal(fee, 1001);
    p.fee_proportional_millionths = 999999;
    assert_true(route_fee(&p, 1000001, &fee));
    assert_int_equal(fee, 1000 + 999999);   /* (1e6 + 1)(1e6 - 1) / 1e6 = 999999.999999 */
    p = (struct graph_policy){ .fee_base_msat = UINT32_MAX,
                               .fee_proportional_millionths = UINT32_MAX };
    assert_false(route_fee(&p, UINT64_MAX, &fee));   /* overflow refused, not wrapped */
}

/* A diamond 0 -> {1, 2} -> 3: the path through 2 is cheaper and wins; its exact fee
 * is what node 2 advertises; excluding its edge moves the route to node 1; a too
 * large amount or a min HTLC above the amount leaves no route. */
#define N4 "id\n0\n1\n2\n3\n"
#define C4 "id,edge1_id,edge2_id,node1_id,node2_id,capacity\n" \
           "0,0,1,0,1,10000000\n1,2,3,1,3,10000000\n2,4,5,0,2,10000000\n3,6,7,2,3,3000000\n"
#define E4 "id,channel_id,counter_edge_id,from_node_id,to_node_id,balance,fee_base," \
           "fee_proportional,min_htlc,timelock\n" \
           "0,0,1,0,1,5000000,0,0,1000,40\n1,0,0,1,0,5000000,0,0,1000,40\n" \
           "2,1,3,1,3,5000000,2000,100,1000,40\n3,1,2,3,1,5000000,0,0,1000,40\n" \
           "4,2,5,0,2,5000000,0,0,1000,40\n5,2,4,2,0,5000000,0,0,1000,40\n" \
           "6,3,7,2,3,1500000,1000,10,1000,144\n7,3,6,3,2,1500000,0,0,1000,40\n"

static void test_diamond(void **state)
{
    (void)state;
    struct graph *g = parse(N4, C4, E4);
    struct route_finder *f = route_finder_new(g);
    struct route r;
    /* via 2: 1000 + 1,000,000 * 10 / 1e6 = 1010 msat; via 1: 2000 + 100 = 2100 */
    assert_int_equal(route_find(f, 0, 3, 1000000, &OPTS, &r), 0);
    check_route(g, 0, 3, 1000000, &OPTS, &r);
    assert_int_equal(r.nhops, 2);
    assert_int_equal(r.hop[0].edge, 4);
    assert_int_equal(r.fee_msat, 1010);
    assert_int_equal(r.hop[0].cltv_expiry, 800000 + 18 + 144);
    /* what a failure taught: edge 6 failed, so go via node 1 */
    uint8_t excl[8] = { 0 };
    excl[6] = 1;
    struct route_opts o = OPTS;
    o.excluded_edge = excl;
    assert_int_equal(route_find(f, 0, 3, 1000000, &o, &r), 0);
    check_route(g, 0, 3, 1000000, &o, &r);
    assert_int_equal(r.hop[0].edge, 0);
    assert_int_equal(r.fee_msat, 2100);
    /* 4,000,000 msat exceeds channel 3's capacity (3,000,000): via 1 only */
    assert_int_equal(route_find(f, 0, 3, 4000000, &OPTS, &r), 0);
    check_route(g, 0, 3, 4000000, &OPTS, &r);
    assert_int_equal(r.hop[0].edge, 0);
    /* 6,000,000: above the sender's balance on both its channels: no route */
    assert_int_equal(route_find(f, 0, 3, 6000000, &OPTS, &r), -1);
    /* 999 msat: under every htlc_minimum_msat (1000) */
    assert_int_equal(route_find(f, 0, 3, 999, &OPTS, &r), -1);
    /* a CLTV budget of 100 blocks: 18 + 144 via 2 is over, 18 + 40 via 1 fits */
    o = OPTS;
    o.max_total_cltv = 100;
    assert_int_equal(route_find(f, 0, 3, 1000000, &o, &r), 0);
    assert_int_equal(r.hop[0].edge, 0);
    o.max_total_cltv = 50;
    assert_int_equal(route_find(f, 0, 3, 1000000, &o, &r), -1);
    /* a direct neighbour: one hop, no fee */
    assert_int_equal(route_find(f, 0, 1, 1000000, &OPTS, &r), 0);
    assert_int_equal(r.nhops, 1);
    assert_int_equal(r.fee_msat, 0);
    route_finder_free(f);
    graph_free(g);
}

/* Every pair of the example network at three amounts: each route found obeys every
 * rule, and asking again gives the same route (deterministic). */
static void test_example_all_pairs(void **state)
{
    (void)state;
    struct err e;
    err_init(&e);
    struct graph *g = NULL;
    assert_int_equal(graph_load_dir("scenarios/channels", "example-", &g, &e), 0);
    struct route_finder *f = route_finder_new(g);
    static const uint64_t amounts[] = { 100000, 50000000, 900000000 };
    size_t found = 0;
    for (uint32_t s = 0; s < g->nnodes; s++)
        for (uint32_t d = 0; d < g->nnodes; d++)
            for (size_t a = 0; a < ARRAY_LEN(amounts); a++) {
                struct route r, r2;
                if (s == d) {
                    assert_int_equal(route_find(f, s, d, amounts[a], &OPTS, &r), -1);
                    continue;
                }
                if (route_find(f, s, d, amounts[a], &OPTS, &r) != 0)
                    continue;
                found++;
                check_route(g, s, d, amounts[a], &OPTS, &r);
                assert_int_equal(route_find(f, s, d, amounts[a], &OPTS, &r2), 0);
                assert_memory_equal(&r, &r2, sizeof r);
            }
    assert_true(found > 12 * 11 * 2);    /* most pairs at the smaller amounts */
    route_finder_free(f);
    graph_free(g);
}

/* LND's routing (routing/pathfind.go, v0.10; CLoTH's routing.c copies it) weighs a
 * route's fees + risk against PaymentAttemptPenalty (100 sat) over its success
 * probability: 0.95 for the sender's own channel, AprioriHopProbability 0.6 for each
 * other. Two routes 0 -> 4: via node 1 (2 hops, node 1 charges fee_base F) or via
 * 2 and 3 (3 hops, free). Distances: F + 100,000 / 0.57 = F + 175,439 against
 * 100,000 / 0.342 = 292,398, so the short route wins while F < 116,959 msat; with
 * the fees alone the free route always wins. */
static struct graph *two_routes(uint32_t fee_base)
{
    char e[1024];
    snprintf(e, sizeof e,
             "id,channel_id,counter_edge_id,from_node_id,to_node_id,balance,fee_base,"
             "fee_proportional,min_htlc,timelock\n"
             "0,0,1,0,1,5000000,0,0,1,40\n1,0,0,1,0,5000000,0,0,1,40\n"
             "2,1,3,1,4,5000000,%u,0,1,40\n3,1,2,4,1,5000000,0,0,1,40\n"
             "4,2,5,0,2,5000000,0,0,1,40\n5,2,4,2,0,5000000,0,0,1,40\n"
             "6,3,7,2,3,5000000,0,0,1,40\n7,3,6,3,2,5000000,0,0,1,40\n"
             "8,4,9,3,4,5000000,0,0,1,40\n9,4,8,4,3,5000000,0,0,1,40\n", fee_base);
    return parse("id\n0\n1\n2\n3\n4\n",
                 "id,edge1_id,edge2_id,node1_id,node2_id,capacity\n"
                 "0,0,1,0,1,10000000\n1,2,3,1,4,10000000\n2,4,5,0,2,10000000\n"
                 "3,6,7,2,3,10000000\n4,8,9,3,4,10000000\n", e);
}

static const struct route_opts LND = {
    .height = 800000, .final_cltv_expiry_delta = 18, .max_total_cltv = 2016,
    .risk_factor_ppb = 15, .attempt_penalty_msat = ROUTE_LND_ATTEMPT_PENALTY_MSAT,
    .apriori_hop_probability_ppm = ROUTE_LND_APRIORI_PPM,
    .own_hop_probability_ppm = ROUTE_LND_OWN_PPM,
    .min_probability_ppm = ROUTE_LND_MIN_PROBABILITY_PPM,
};

static void test_attempt_penalty(void **state)
{
    (void)state;
    static const struct { uint32_t fee; size_t hops_lnd; } c[] = {
        { 1000, 2 }, { 100000, 2 }, { 116000, 2 }, { 118000, 3 }, { 200000, 3 },
    };
    for (size_t i = 0; i < ARRAY_LEN(c); i++) {
        struct graph *g = two_routes(c[i].fee);
        struct route_finder *f = route_finder_new(g);
        struct route r;
        assert_int_equal(route_find(f, 0, 4, 100000, &LND, &r), 0);
        check_route(g, 0, 4, 100000, &LND, &r);
        assert_int_equal(r.nhops, c[i].hops_lnd);
        assert_int_equal(r.fee_msat, c[i].hops_lnd == 2 ? c[i].fee : 0);
        assert_int_equal(route_find(f, 0, 4, 100000, &OPTS, &r), 0);
        assert_int_equal(r.nhops, 3);          /* fees alone: the free route */
        route_finder_free(f);
        graph_free(g);
    }
}

/* LND's MinRouteProbability (0.01): a chain of n hops succeeds with 0.95 x 0.6^(n-1),
 * 0.0159 for 9 hops, 0.0096 for 10: the 10th node is out of reach. */
static void test_min_probability(void **state)
{
    (void)state;
    char nodes[256], chans[2048], edges[4096];
    size_t a = (size_t)snprintf(nodes, sizeof nodes, "id\n");
    size_t b = (size_t)snprintf(chans, sizeof chans,
                                "id,edge1_id,edge2_id,node1_id,node2_id,capacity\n");
    size_t c = (size_t)snprintf(edges, sizeof edges,
                                "id,channel_id,counter_edge_id,from_node_id,to_node_id,"
                                "balance,fee_base,fee_proportional,min_htlc,timelock\n");
    for (unsigned v = 0; v <= 10; v++)
        a += (size_t)snprintf(nodes + a, sizeof nodes - a, "%u\n", v);
    for (unsigned k = 0; k < 10; k++) {
        b += (size_t)snprintf(chans + b, sizeof chans - b, "%u,%u,%u,%u,%u,2000000\n", k,
                              2 * k, 2 * k + 1, k, k + 1);
        c += (size_t)snprintf(edges + c, sizeof edges - c,
                              "%u,%u,%u,%u,%u,1000000,0,0,1,10\n%u,%u,%u,%u,%u,1000000,0,0,1,10\n",
                              2 * k, k, 2 * k + 1, k, k + 1, 2 * k + 1, k, 2 * k, k + 1, k);
    }
    struct graph *g = parse(nodes, chans, edges);
    struct route_finder *f = route_finder_new(g);
    struct route r;
    assert_int_equal(route_find(f, 0, 9, 1000, &LND, &r), 0);
    assert_int_equal(r.nhops, 9);
    assert_int_equal(route_find(f, 0, 10, 1000, &LND, &r), -1);
    assert_int_equal(route_find(f, 0, 10, 1000, &OPTS, &r), 0);   /* no probability */
    assert_int_equal(r.nhops, 10);
    route_finder_free(f);
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fee_rounds_down),
        cmocka_unit_test(test_diamond),
        cmocka_unit_test(test_example_all_pairs),
        cmocka_unit_test(test_attempt_penalty),
        cmocka_unit_test(test_min_probability),
    };
    return cmocka_run_group_tests_name("channel_route", tests, NULL, NULL);
}
