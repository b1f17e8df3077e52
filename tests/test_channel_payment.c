/* test_channel_payment.c — multi-hop HTLC payments over the example network
 * (models/channel/payment.c): BOLT-4/BOLT-2 forwarding with decreasing CLTV expiries,
 * fulfilled back with the preimage (the recipient gets the amount, each forwarder its
 * advertised fee, the sender pays both), failed back along the whole route on an
 * insufficient balance or a timeout (everyone back where they started), and money
 * conserved over all channels to the msat: payment_check, shown able to fail by a
 * broken update (L2SIM_FAULT=channel.commit, and balances bent by hand). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "models/channel/payment.h"

static const struct route_opts OPTS = {
    .height = 800000, .final_cltv_expiry_delta = 18, .max_total_cltv = 2016,
    .risk_factor_ppb = 15,
};

struct fixture {
    struct graph *g;
    struct sig_ctx sig;
    struct payment_net *net;
    struct route_finder *f;
    uint8_t preimage[32], hash[32];
};

static void setup(struct fixture *x)
{
    struct err e;
    err_init(&e);
    assert_int_equal(graph_load_dir("scenarios/channels", "example-", &x->g, &e), 0);
    sig_ctx_init(&x->sig, SIG_ED25519, 7);
    x->net = payment_net_new(x->g, &x->sig);
    x->f = route_finder_new(x->g);
    memset(x->preimage, 0x33, 32);
    hash_sha256(x->hash, x->preimage, 32);
}

static void teardown(struct fixture *x)
{
    route_finder_free(x->f);
    payment_net_free(x->net);
    graph_free(x->g);
}

/* What node v holds across all its channels (balances, not HTLCs). */
static u128 holdings(const struct fixture *x, uint32_t v)
{
    u128 t = 0;
    for (size_t k = 0; k < x->g->nchannels; k++)
        for (int s = 0; s < 2; s++)
            if (x->g->channels[k].node[s] == v)
                t += x->net->ch[k].current.to_side_msat[s];
    return t;
}

static void assert_conserved(const struct fixture *x)
{
    char why[256] = "";
    if (payment_check(x->net, why, sizeof why) != 0)
        print_message("%s\n", why);
    assert_int_equal(payment_check(x->net, why, sizeof why), 0);
}

/* Everything as at open: the balances of the CSV, no HTLC anywhere. */
static void assert_as_opened(const struct fixture *x)
{
    for (size_t k = 0; k < x->g->nchannels; k++) {
        const struct graph_channel *c = &x->g->channels[k];
        assert_int_equal(x->net->ch[k].current.nhtlcs, 0);
        for (int s = 0; s < 2; s++)
            assert_int_equal(x->net->ch[k].current.to_side_msat[s],
                             x->g->edges[c->edge[s]].balance_msat);
    }
}

/* First, while the fault is unfired: a commit that bends one msat after every check
 * passed is caught by payment_check, naming the channel. */
static void test_check_catches_fault(void **state)
{
    (void)state;
    setenv("L2SIM_FAULT", "channel.commit", 1);
    struct fixture x;
    setup(&x);
    assert_conserved(&x);
    struct channel_update u = { .kind = CHANNEL_ADD_HTLC, .amount_msat = 5000,
                                .cltv_expiry = 800100 };
    memcpy(u.payment_hash, x.hash, 32);
    assert_int_equal(channel_update(&x.net->ch[4], 0, &u, 800000, NULL), CHANNEL_OK);
    char why[256] = "";
    assert_int_equal(payment_check(x.net, why, sizeof why), -1);
    assert_non_null(strstr(why, "channel 4:"));
    unsetenv("L2SIM_FAULT");
    teardown(&x);
}

/* The same check on balances bent by hand: one msat moved from a channel to another
 * (each channel is checked against its own capacity), and one msat minted. */
static void test_check_catches_bent_books(void **state)
{
    (void)state;
    struct fixture x;
    setup(&x);
    char why[256] = "";
    x.net->ch[2].current.to_side_msat[0] -= 1;
    x.net->ch[9].current.to_side_msat[1] += 1;
    assert_int_equal(payment_check(x.net, why, sizeof why), -1);
    assert_non_null(strstr(why, "channel 2:"));
    x.net->ch[2].current.to_side_msat[0] += 1;
    assert_int_equal(payment_check(x.net, why, sizeof why), -1);
    assert_non_null(strstr(why, "channel 9:"));
    x.net->ch[9].current.to_side_msat[1] -= 1;
    assert_conserved(&x);
    teardown(&x);
}

/* A route with at least two hops between s and d for amount, or fail the test. */
static void find_multihop(struct fixture *x, uint32_t *s, uint32_t *d, uint64_t amount,
                          struct route *r)
{
    for (*s = 0; *s < x->g->nnodes; (*s)++)
        for (*d = 0; *d < x->g->nnodes; (*d)++)
            if (*s != *d && route_find(x->f, *s, *d, amount, &OPTS, r) == 0 && r->nhops >= 3)
                return;
    fail_msg("no route of 3+ hops in the example network");
}

static void test_fulfilled_pays_fees_and_amount(void **state)
{
    (void)state;
    struct fixture x;
    setup(&x);
    uint32_t s, d;
    struct route r;
    find_multihop(&x, &s, &d, 20000000, &r);
    u128 before[12];
    for (uint32_t v = 0; v < 12; v++)
        before[v] = holdings(&x, v);
    struct payment p;
    payment_send(x.net, &r, x.hash, OPTS.height, &p);
    assert_int_equal(p.status, PAYMENT_IN_FLIGHT);
    assert_int_equal(p.nadded, r.nhops);
    assert_conserved(&x);
    /* BOLT-4: each hop's HTLC expires later than the next one's, by the forwarder's
     * cltv_expiry_delta, and all carry the same payment_hash */
    for (size_t i = 0; i < r.nhops; i++) {
        const struct graph_edge *e = &x.g->edges[r.hop[i].edge];
        const struct channel_state *st = &x.net->ch[e->channel].current;
        assert_int_equal(st->nhtlcs, 1);
        assert_memory_equal(st->htlc[0].payment_hash, x.hash, 32);
        assert_int_equal(st->htlc[0].amount_msat, r.hop[i].amount_msat);
        if (i + 1 < r.nhops)
            assert_true(r.hop[i].cltv_expiry > r.hop[i + 1].cltv_expiry);
    }
    uint8_t wrong[32];
    memset(wrong, 0x34, 32);
    assert_int_equal(payment_fulfill(x.net, &p, wrong, OPTS.height + 1), -1);
    assert_int_equal(payment_fulfill(x.net, &p, x.preimage, OPTS.height + 1), 0);
    assert_int_equal(p.status, PAYMENT_SUCCEEDED);
    assert_conserved(&x);
    /* the sender paid amount + fees, the recipient got the amount, each forwarder
     * exactly its fee */
    assert_true(before[s] - holdings(&x, s) == (u128)r.amount_msat + r.fee_msat);
    assert_true(holdings(&x, d) - before[d] == r.amount_msat);
    for (size_t i = 0; i + 1 < r.nhops; i++) {
        uint32_t fwd = x.g->edges[r.hop[i].edge].to;
        assert_true(holdings(&x, fwd) - before[fwd] == r.hop[i].fee_msat);
    }
    for (size_t k = 0; k < x.g->nchannels; k++)
        assert_int_equal(x.net->ch[k].current.nhtlcs, 0);
    teardown(&x);
}

/* Routing knows capacities, not balances: an amount above a forwarder's balance
 * (but within capacity) fails at that hop and unwinds to the sender. */
static void test_insufficient_balance_fails_back(void **state)
{
    (void)state;
    struct fixture x;
    setup(&x);
    struct route r;
    int tried = 0;
    for (uint32_t s = 0; s < 12 && !tried; s++)
        for (uint32_t d = 0; d < 12 && !tried; d++) {
            if (s == d || route_find(x.f, s, d, 900000000, &OPTS, &r) != 0)
                continue;
            size_t bad = 0;
            for (size_t i = 1; i < r.nhops && !bad; i++)
                if (x.g->edges[r.hop[i].edge].balance_msat < r.hop[i].amount_msat)
                    bad = i;
            if (!bad)
                continue;
            tried = 1;
            struct payment p;
            payment_send(x.net, &r, x.hash, OPTS.height, &p);
            assert_int_equal(p.status, PAYMENT_FAILED);
            assert_int_equal(p.failure, PAYMENT_INSUFFICIENT_BALANCE);
            assert_int_equal(p.refused, CHANNEL_INSUFFICIENT_BALANCE);
            assert_int_equal(p.failed_edge, r.hop[bad].edge);
            assert_int_equal(p.nadded, 0);
            assert_conserved(&x);
            assert_as_opened(&x);
            /* what the failure taught: without that edge, another route or none */
            uint8_t *excl = calloc(x.g->nedges, 1);
            excl[p.failed_edge] = 1;
            struct route_opts o = OPTS;
            o.excluded_edge = excl;
            struct route r2;
            if (route_find(x.f, s, d, 900000000, &o, &r2) == 0)
                for (size_t i = 0; i < r2.nhops; i++)
                    assert_int_not_equal(r2.hop[i].edge, p.failed_edge);
            free(excl);
        }
    assert_true(tried);
    teardown(&x);
}

/* The recipient never reveals the preimage: nothing moves before the last hop's
 * expiry; at it, the whole route unwinds (BOLT-2/5 timeout, then update_fail_htlc
 * back to the sender). */
static void test_timeout_fails_back_whole_route(void **state)
{
    (void)state;
    struct fixture x;
    setup(&x);
    uint32_t s, d;
    struct route r;
    find_multihop(&x, &s, &d, 1000000, &r);
    struct payment p;
    payment_send(x.net, &r, x.hash, OPTS.height, &p);
    assert_int_equal(p.status, PAYMENT_IN_FLIGHT);
    uint32_t expiry = r.hop[r.nhops - 1].cltv_expiry;
    assert_int_equal(payment_timeout(x.net, &p, expiry - 1), 0);
    assert_int_equal(p.status, PAYMENT_IN_FLIGHT);
    assert_int_equal(payment_timeout(x.net, &p, expiry), 1);
    assert_int_equal(p.status, PAYMENT_FAILED);
    assert_int_equal(p.failure, PAYMENT_TIMEOUT);
    assert_conserved(&x);
    assert_as_opened(&x);
    assert_int_equal(payment_fulfill(x.net, &p, x.preimage, expiry), -1);
    teardown(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_catches_fault),
        cmocka_unit_test(test_check_catches_bent_books),
        cmocka_unit_test(test_fulfilled_pays_fees_and_amount),
        cmocka_unit_test(test_insufficient_balance_fails_back),
        cmocka_unit_test(test_timeout_fails_back_whole_route),
    };
    return cmocka_run_group_tests_name("channel_payment", tests, NULL, NULL);
}
