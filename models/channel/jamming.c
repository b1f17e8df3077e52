/* jamming.c — the adversary `channel_jamming`: an attacker that jams a channel with
 * its own payments (Mizrahi and Zohar, "Congestion attacks in payment channel
 * networks", FC 2021), where `htlc_griefing` is a forwarding node holding other
 * people's HTLCs. It pays its accomplice over routes that cross the target channel
 * again and again, and the accomplice never reveals the preimage, failing the HTLCs
 * back just before they expire: every crossing holds one of the target's
 * max_accepted_htlcs slots (BOLT-2) and the amount, so honest payments through it are
 * refused. It acts inside the scheme `channels` through the hook "channel.jam" (see
 * scheme_channels.h). Its cost: routing fees only for payments that settle (none
 * here: failed payments pay nothing), the L1 fees of its two channels, and its money
 * locked meanwhile. One attacks row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/adversary/adversary.h"
#include "models/channel/route.h"
#include "models/channel/scheme_channels.h"

bool channels_route_along(const struct graph *g, const uint32_t *edges, size_t n,
                          uint64_t amount_msat, uint32_t height, uint32_t final_delta,
                          struct route *r)
{
    memset(r, 0, sizeof *r);
    if (n == 0 || n > ROUTE_MAX_HOPS)
        return false;
    uint64_t amt = amount_msat, cltv = (uint64_t)height + final_delta;
    for (size_t k = n; k-- > 0;) {
        struct route_hop *h = &r->hop[k];
        h->edge = edges[k];
        h->amount_msat = amt;
        h->cltv_expiry = (uint32_t)cltv;
        if (k == 0)
            break;
        /* the forwarder edges[k].from charges its policy on edges[k] (BOLT-7) */
        const struct graph_policy *pol = &g->edges[edges[k]].policy;
        uint64_t fee;
        if (!route_fee(pol, amt, &fee) || fee > GRAPH_MSAT_MAX - amt)
            return false;
        r->hop[k - 1].fee_msat = fee;
        amt += fee;
        cltv += pol->cltv_expiry_delta;
        if (cltv > UINT32_MAX)
            return false;
    }
    r->nhops = n;
    r->amount_msat = amount_msat;
    r->fee_msat = r->hop[0].amount_msat - amount_msat;
    return true;
}

static const struct scn_param params[] = {
    { "adversaries[channel_jamming].target", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED,
      "name of the `channels` scheme to jam (hub topology; csv and generated ones with "
      "`channel`)" },
    { "adversaries[channel_jamming].sender", SCN_UINT, "0", "0", "4294967295", NULL, 0,
      "the attacker's user (it pays)" },
    { "adversaries[channel_jamming].receiver", SCN_UINT, "1", "0", "4294967295", NULL, 0,
      "its accomplice's user, on another hub (the target is the channel between the two "
      "hubs)" },
    { "adversaries[channel_jamming].from", SCN_DURATION, NULL, "0s", NULL, NULL, SCN_REQUIRED,
      "when it starts sending" },
    { "adversaries[channel_jamming].for", SCN_DURATION, NULL, "1s", NULL, NULL, SCN_REQUIRED,
      "how long it keeps the target jammed" },
    { "adversaries[channel_jamming].payments", SCN_UINT, "2", "1", "1000", NULL, 0,
      "jamming payments kept in flight at once" },
    { "adversaries[channel_jamming].crossings", SCN_UINT, "15", "1", "17", NULL, 0,
      "times each route crosses the target channel (odd; a route has at most 20 hops, "
      "BOLT-4): the HTLC slots one payment takes there" },
    { "adversaries[channel_jamming].amount", SCN_AMOUNT, "0.0001eth", "1wei", NULL, NULL, 0,
      "what each jamming payment delivers: small to jam slots, large to lock liquidity" },
    { "adversaries[channel_jamming].hold", SCN_DURATION, "1h", "1s", "30d", NULL, 0,
      "the last hop's timelock the route gives (rounded up to L1 slots): the accomplice "
      "fails the payment back one slot before it expires" },
    { "adversaries[channel_jamming].funding", SCN_AMOUNT, "1eth", "1wei", NULL, NULL, 0,
      "what the attacker and its accomplice each put in their channel at t = 0 (from their "
      "L1 balances)" },
    { "adversaries[channel_jamming].channel", SCN_UINT, NULL, "0", "4294967294", NULL,
      SCN_OPTIONAL, "csv and generated topologies: the channel to jam (its index: the line "
      "of an l2sim graph file, CLoTH's channel id); the attacker is node sender mod nodes, "
      "its accomplice node receiver mod nodes, over the channels they have (no funding), "
      "each route the fewest hops to the target, the crossings, the fewest hops on" },
};

struct jamming {
    struct channels_jammer j;
    bool active;
};

static int init(struct adversary *a, struct err *e)
{
    const struct scn *s = a->world->scn;
    struct jamming *st = xcalloc(1, sizeof *st);
    a->state = st;
    size_t i = a->index;
    struct scheme *sc;
    scheme_hook_fn *fn;
    int rc = SCHEME_HOOK_FIND(a, scn_str(s, "adversaries[%zu].target", i), "channel.jam",
                              channels_jammer_fn, &sc, &fn, e);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return 0;
    st->active = true;
    struct channels_jammer *j = &st->j;
    j->sender = (uint32_t)scn_uint(s, "adversaries[%zu].sender", i);
    j->receiver = (uint32_t)scn_uint(s, "adversaries[%zu].receiver", i);
    j->from = scn_int(s, "adversaries[%zu].from", i);
    j->until = sim_time_add_sat(j->from, scn_int(s, "adversaries[%zu].for", i));
    j->payments = (uint32_t)scn_uint(s, "adversaries[%zu].payments", i);
    j->crossings = (uint32_t)scn_uint(s, "adversaries[%zu].crossings", i);
    j->amount = scn_amount(s, "adversaries[%zu].amount", i);
    j->hold = scn_int(s, "adversaries[%zu].hold", i);
    j->funding = scn_amount(s, "adversaries[%zu].funding", i);
    j->channel = scn_has(s, "adversaries[%zu].channel", i)
               ? (uint32_t)scn_uint(s, "adversaries[%zu].channel", i) : UINT32_MAX;
    char path[64];
    snprintf(path, sizeof path, "adversaries[%zu].crossings", i);
    if (j->crossings % 2 == 0)
        return scn_error_at(s, e, path, "the route must end on the receiver's hub: an odd "
                            "number of crossings");
    snprintf(path, sizeof path, "adversaries[%zu].receiver", i);
    if (j->receiver == j->sender)
        return scn_error_at(s, e, path, "the accomplice must be another user");
    ((channels_jammer_fn *)fn)(sc, j);
    return 0;
}

static void finish(struct adversary *a)
{
    struct jamming *st = a->state;
    if (!st->active)
        return;
    const struct channels_jammer *j = &st->j;
    double eth_h = (double)j->locked_msat_us * (double)GRAPH_WEI_PER_MSAT / 1e18 / 3.6e9;
    double during = j->tried_during ? 100.0 * (double)j->failed_during / (double)j->tried_during : 0;
    double before = j->tried_before ? 100.0 * (double)j->failed_before / (double)j->tried_before : 0;
    char detail[420];
    snprintf(detail, sizeof detail, "users %u -> %u jammed channel %u with %llu payments of "
             "%u crossings each (%llu refused at a hop): %.4f ETH x h of its money locked; "
             "honest payments failed %.1f%% of %llu during the window (%llu for full HTLC "
             "slots), %.1f%% of %llu in the stretch before; it paid %.6f ETH of routing "
             "fees and %.6f ETH of L1 fees for its channels",
             j->sender, j->receiver, j->target, (unsigned long long)j->sent, j->crossings,
             (unsigned long long)j->refused, eth_h, during,
             (unsigned long long)j->tried_during, (unsigned long long)j->slots_during,
             before, (unsigned long long)j->tried_before, (double)j->fees_paid / 1e18,
             (double)j->l1_cost / 1e18);
    const struct scn *s = a->world->scn;
    struct attack_row row = {
        .attack_id = 1, .type = "channel_jamming",
        .target = scn_str(s, "adversaries[%zu].target", a->index),
        .start = j->from, .end = j->until, .cost = j->fees_paid + j->l1_cost,
        .value_at_risk = 0, .value_lost = 0, .detected = false, .detect = -1,
        .resolved = j->until, .txs_affected = j->slots_during, .delay_us = j->held_us,
        .detail = detail,
    };
    adversary_record(a, &row);
}

static void destroy(struct adversary *a) { free(a->state); }

const struct adversary_ops channel_jamming_ops = {
    .type = "channel_jamming",
    .doc = "an attacker pays its accomplice over routes that cross a target channel again "
           "and again and never settles, filling its HTLC slots (channels scheme)",
    .params = params, .nparams = ARRAY_LEN(params),
    .init = init, .finish = finish, .destroy = destroy,
};
