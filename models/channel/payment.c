/* payment.c — multi-hop HTLC payments over the channel network (see payment.h). */
#include "models/channel/payment.h"

#include <stdlib.h>
#include <string.h>

struct payment_net *payment_net_new(const struct graph *g, const struct sig_ctx *sig)
{
    struct payment_net *n = xcalloc(1, sizeof *n);
    n->g = g;
    n->sig = sig;
    n->nchannels = g->nchannels;
    n->ch = xcalloc(g->nchannels ? g->nchannels : 1, sizeof *n->ch);
    struct sig_keypair *kp = xmalloc((g->nnodes ? g->nnodes : 1) * sizeof *kp);
    for (size_t v = 0; v < g->nnodes; v++)
        sig_keypair_derive(sig, PAYMENT_NODE_KEY_KIND, v, &kp[v]);
    for (size_t k = 0; k < g->nchannels; k++) {
        const struct graph_channel *c = &g->channels[k];
        uint8_t msg[18 + 4] = "l2sim/channel/seed";
        for (int i = 0; i < 4; i++)
            msg[18 + i] = (uint8_t)(k >> (8 * i));
        uint8_t seed[2][32], id[32];
        for (int s = 0; s < 2; s++)
            hash_blake2b(seed[s], 32, msg, sizeof msg, kp[c->node[s]].sk, SIG_SEED_BYTES);
        hash_sha256(id, msg, sizeof msg);      /* stands for BOLT-2's funding-derived id */
        channel_open(&n->ch[k], sig, id, &kp[c->node[0]], &kp[c->node[1]], seed[0], seed[1],
                     g->edges[c->edge[0]].balance_msat, g->edges[c->edge[1]].balance_msat);
        n->total_msat += c->capacity_msat;
    }
    free(kp);
    return n;
}

void payment_net_free(struct payment_net *n)
{
    if (!n)
        return;
    for (size_t k = 0; k < n->nchannels; k++)
        channel_free(&n->ch[k]);
    free(n->ch);
    free(n);
}

int payment_side(const struct payment_net *n, uint32_t channel, uint32_t node)
{
    const struct graph_channel *c = &n->g->channels[channel];
    SIM_ASSERT(c->node[0] == node || c->node[1] == node);
    return c->node[0] == node ? 0 : 1;
}

void payment_sender_view(const struct payment_net *n, struct graph *g, uint32_t node)
{
    SIM_ASSERT(g == n->g);
    for (uint32_t k = g->out_start[node]; k < g->out_end[node]; k++) {
        struct graph_edge *e = &g->edges[g->out_edge[k]];
        e->balance_msat = n->ch[e->channel].current.to_side_msat[payment_side(n, e->channel,
                                                                              node)];
    }
}

/* Fail back hops [0, upto) from the last of them to the first, each by its receiver
 * (update_fail_htlc), after the hop `upto` failed or timed out. */
static void fail_back(struct payment_net *n, struct payment *p, size_t upto, uint32_t height)
{
    for (size_t i = upto; i-- > 0;) {
        const struct graph_edge *e = &n->g->edges[p->route.hop[i].edge];
        int offerer = payment_side(n, e->channel, e->from);
        struct channel_update u = { .kind = CHANNEL_FAIL_HTLC, .htlc_id = p->htlc_id[i],
                                    .offerer = (uint8_t)offerer };
        enum channel_result r = channel_update(&n->ch[e->channel], 1 - offerer, &u, height,
                                               NULL);
        /* the receiver giving an HTLC back cannot be refused by the rules */
        if (r != CHANNEL_OK)
            sim_panic("payment: failing back hop %zu refused: %s", i, channel_result_name(r));
    }
    p->nadded = 0;
    p->status = PAYMENT_FAILED;
}

void payment_send(struct payment_net *n, const struct route *r,
                  const uint8_t payment_hash[HASH_SHA256_BYTES], uint32_t height,
                  struct payment *p)
{
    memset(p, 0, sizeof *p);
    p->route = *r;
    memcpy(p->payment_hash, payment_hash, 32);
    p->failed_edge = UINT32_MAX;
    p->status = PAYMENT_IN_FLIGHT;
    for (size_t i = 0; i < r->nhops; i++) {
        const struct graph_edge *e = &n->g->edges[r->hop[i].edge];
        int offerer = payment_side(n, e->channel, e->from);
        struct channel_update u = { .kind = CHANNEL_ADD_HTLC,
                                    .amount_msat = r->hop[i].amount_msat,
                                    .cltv_expiry = r->hop[i].cltv_expiry };
        memcpy(u.payment_hash, payment_hash, 32);
        enum channel_result cr = channel_update(&n->ch[e->channel], offerer, &u, height,
                                                &p->htlc_id[i]);
        if (cr != CHANNEL_OK) {
            p->failure = PAYMENT_INSUFFICIENT_BALANCE;
            p->refused = cr;
            p->failed_edge = r->hop[i].edge;
            fail_back(n, p, i, height);
            return;
        }
        p->nadded = i + 1;
    }
    /* BOLT-4 final node: the HTLC carries at least the amount and the expiry the
     * sender put in the onion */
    const struct route_hop *last = &r->hop[r->nhops - 1];
    const struct graph_edge *e = &n->g->edges[last->edge];
    const struct channel_state *st = &n->ch[e->channel].current;
    for (size_t k = 0; k < st->nhtlcs; k++) {
        const struct channel_htlc *h = &st->htlc[k];
        if (h->offerer == payment_side(n, e->channel, e->from) &&
            h->id == p->htlc_id[r->nhops - 1]) {
            if (h->amount_msat < r->amount_msat || h->cltv_expiry != last->cltv_expiry) {
                p->failure = PAYMENT_FINAL_INCORRECT;
                p->failed_edge = last->edge;
                fail_back(n, p, r->nhops, height);
            }
            return;
        }
    }
    sim_panic("payment: the last hop's HTLC is not in its channel");
}

int payment_fulfill(struct payment_net *n, struct payment *p, const uint8_t preimage[32],
                    uint32_t height)
{
    uint8_t h[32];
    hash_sha256(h, preimage, 32);
    if (p->status != PAYMENT_IN_FLIGHT || memcmp(h, p->payment_hash, 32) != 0)
        return -1;
    for (size_t i = p->route.nhops; i-- > 0;) {
        const struct graph_edge *e = &n->g->edges[p->route.hop[i].edge];
        int offerer = payment_side(n, e->channel, e->from);
        struct channel_update u = { .kind = CHANNEL_FULFILL_HTLC, .htlc_id = p->htlc_id[i] };
        memcpy(u.payment_preimage, preimage, 32);
        enum channel_result r = channel_update(&n->ch[e->channel], 1 - offerer, &u, height,
                                               NULL);
        if (r != CHANNEL_OK)
            sim_panic("payment: fulfilling hop %zu refused: %s", i, channel_result_name(r));
    }
    p->nadded = 0;
    p->status = PAYMENT_SUCCEEDED;
    return 0;
}

void payment_begin(struct payment *p, const struct route *r,
                   const uint8_t payment_hash[HASH_SHA256_BYTES])
{
    memset(p, 0, sizeof *p);
    p->route = *r;
    memcpy(p->payment_hash, payment_hash, 32);
    p->failed_edge = UINT32_MAX;
    p->status = PAYMENT_IN_FLIGHT;
}

int payment_add_next(struct payment_net *n, struct payment *p, uint32_t height)
{
    const struct route *r = &p->route;
    size_t i = p->nadded;
    SIM_ASSERT(p->status == PAYMENT_IN_FLIGHT && i < r->nhops);
    const struct graph_edge *e = &n->g->edges[r->hop[i].edge];
    int offerer = payment_side(n, e->channel, e->from);
    struct channel_update u = { .kind = CHANNEL_ADD_HTLC, .amount_msat = r->hop[i].amount_msat,
                                .cltv_expiry = r->hop[i].cltv_expiry };
    memcpy(u.payment_hash, p->payment_hash, 32);
    enum channel_result cr = channel_update(&n->ch[e->channel], offerer, &u, height,
                                            &p->htlc_id[i]);
    if (cr != CHANNEL_OK) {
        p->failure = PAYMENT_INSUFFICIENT_BALANCE;
        p->refused = cr;
        p->failed_edge = r->hop[i].edge;
        return -1;
    }
    p->nadded = i + 1;
    if (p->nadded < r->nhops)
        return 0;
    /* BOLT-4 final node: at least the amount and the expiry the onion says */
    const struct route_hop *last = &r->hop[i];
    const struct channel_state *st = &n->ch[e->channel].current;
    for (size_t k = 0; k < st->nhtlcs; k++) {
        const struct channel_htlc *h = &st->htlc[k];
        if (h->offerer == offerer && h->id == p->htlc_id[i]) {
            if (h->amount_msat < r->amount_msat || h->cltv_expiry != last->cltv_expiry) {
                p->failure = PAYMENT_FINAL_INCORRECT;
                p->failed_edge = last->edge;
                return -1;
            }
            return 0;
        }
    }
    sim_panic("payment: the last hop's HTLC is not in its channel");
}

/* Hop i settled one way or the other: the last one back (hop 0) ends the payment. */
static void hop_done(struct payment *p, size_t i, enum payment_status end)
{
    p->nadded = i;
    if (i == 0)
        p->status = end;
}

int payment_fulfill_hop(struct payment_net *n, struct payment *p, size_t i,
                        const uint8_t preimage[32], uint32_t height)
{
    SIM_ASSERT(i + 1 == p->nadded);
    const struct graph_edge *e = &n->g->edges[p->route.hop[i].edge];
    int offerer = payment_side(n, e->channel, e->from);
    struct channel_update u = { .kind = CHANNEL_FULFILL_HTLC, .htlc_id = p->htlc_id[i] };
    memcpy(u.payment_preimage, preimage, 32);
    if (channel_update(&n->ch[e->channel], 1 - offerer, &u, height, NULL) != CHANNEL_OK)
        return -1;
    hop_done(p, i, PAYMENT_SUCCEEDED);
    return 0;
}

int payment_fail_hop(struct payment_net *n, struct payment *p, size_t i, uint32_t height)
{
    SIM_ASSERT(i + 1 == p->nadded);
    const struct graph_edge *e = &n->g->edges[p->route.hop[i].edge];
    int offerer = payment_side(n, e->channel, e->from);
    struct channel_update u = { .kind = CHANNEL_FAIL_HTLC, .htlc_id = p->htlc_id[i],
                                .offerer = (uint8_t)offerer };
    if (channel_update(&n->ch[e->channel], 1 - offerer, &u, height, NULL) != CHANNEL_OK)
        return -1;
    hop_done(p, i, PAYMENT_FAILED);
    return 0;
}

int payment_expire_hop(struct payment_net *n, struct payment *p, size_t i, uint32_t height)
{
    SIM_ASSERT(i + 1 == p->nadded);
    const struct graph_edge *e = &n->g->edges[p->route.hop[i].edge];
    int offerer = payment_side(n, e->channel, e->from);
    struct channel_update u = { .kind = CHANNEL_FAIL_HTLC, .htlc_id = p->htlc_id[i],
                                .offerer = (uint8_t)offerer };
    if (channel_update(&n->ch[e->channel], offerer, &u, height, NULL) != CHANNEL_OK)
        return -1;
    hop_done(p, i, PAYMENT_FAILED);
    return 0;
}

int payment_claim_hop(struct payment_net *n, struct payment *p, size_t i, uint32_t height)
{
    SIM_ASSERT(i < p->nadded);
    const struct graph_edge *e = &n->g->edges[p->route.hop[i].edge];
    int offerer = payment_side(n, e->channel, e->from);
    struct channel_update u = { .kind = CHANNEL_FAIL_HTLC, .htlc_id = p->htlc_id[i],
                                .offerer = (uint8_t)offerer };
    return channel_update(&n->ch[e->channel], offerer, &u, height, NULL) == CHANNEL_OK ? 0 : -1;
}

int payment_timeout(struct payment_net *n, struct payment *p, uint32_t height)
{
    if (p->status != PAYMENT_IN_FLIGHT || p->nadded == 0)
        return 0;
    size_t last = p->nadded - 1;
    if (height < p->route.hop[last].cltv_expiry)
        return 0;
    const struct graph_edge *e = &n->g->edges[p->route.hop[last].edge];
    int offerer = payment_side(n, e->channel, e->from);
    struct channel_update u = { .kind = CHANNEL_FAIL_HTLC, .htlc_id = p->htlc_id[last],
                                .offerer = (uint8_t)offerer };
    enum channel_result r = channel_update(&n->ch[e->channel], offerer, &u, height, NULL);
    if (r != CHANNEL_OK)
        sim_panic("payment: timeout of the last hop refused: %s", channel_result_name(r));
    p->failure = PAYMENT_TIMEOUT;
    p->failed_edge = p->route.hop[last].edge;
    fail_back(n, p, last, height);
    return 1;
}

unsigned payment_pay(struct payment_net *n, struct route_finder *f, uint32_t source,
                     uint32_t dest, uint64_t amount_msat, const uint8_t preimage[32],
                     const struct route_opts *o, unsigned max_attempts, uint8_t *excluded,
                     struct payment *p)
{
    uint8_t hash[32];
    hash_sha256(hash, preimage, 32);
    struct route_opts opts = *o;
    opts.excluded_edge = excluded;
    uint32_t taught[64];                /* the edges this payment excluded, to clear */
    size_t ntaught = 0;
    unsigned attempts = 0;
    memset(p, 0, sizeof *p);
    p->status = PAYMENT_FAILED;
    p->failure = PAYMENT_NO_ROUTE;
    p->failed_edge = UINT32_MAX;
    while (attempts < max_attempts) {
        struct route r;
        if (route_find(f, source, dest, amount_msat, &opts, &r) != 0) {
            p->status = PAYMENT_FAILED;
            p->failure = PAYMENT_NO_ROUTE;
            break;
        }
        attempts++;
        payment_send(n, &r, hash, o->height, p);
        if (p->status == PAYMENT_IN_FLIGHT) {
            if (payment_fulfill(n, p, preimage, o->height) != 0)
                sim_panic("payment: the recipient's own preimage refused");
            break;
        }
        if (p->failed_edge == UINT32_MAX || ntaught == ARRAY_LEN(taught))
            break;
        excluded[p->failed_edge] = 1;
        taught[ntaught++] = p->failed_edge;
    }
    for (size_t i = 0; i < ntaught; i++)
        excluded[taught[i]] = 0;
    return attempts;
}

int payment_check(const struct payment_net *n, char *why, size_t whylen)
{
    u128 total = 0;
    char a[41], b[41];
    for (size_t k = 0; k < n->nchannels; k++) {
        u128 t = channel_state_total(&n->ch[k].current);
        if (t != n->ch[k].capacity_msat) {
            snprintf(why, whylen, "channel %zu: balances + HTLCs = %s msat, capacity %s msat",
                     k, u128_str(t, a), u128_str(n->ch[k].capacity_msat, b));
            return -1;
        }
        total += t;
    }
    if (total != n->total_msat) {
        snprintf(why, whylen, "network: %s msat in channels, %s msat at open",
                 u128_str(total, a), u128_str(n->total_msat, b));
        return -1;
    }
    return 0;
}
