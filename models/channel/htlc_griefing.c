/* htlc_griefing.c — the adversary `htlc_griefing`: a forwarding node that holds the
 * HTLCs it should pass on (griefing; with enough of them, jamming: each held HTLC
 * keeps its amount and one of max_accepted_htlcs slots locked in every channel of its
 * route, BOLT-2). It acts inside the scheme `channels` through the scheme's hook
 * "channel.hold_htlcs": from `from` for `for`, node `node` (hub topology: that hub)
 * holds every HTLC to be forwarded through it for `hold`, then fails it back, or its
 * offerer takes it back at its cltv_expiry if that comes first (a timeout). Holding
 * costs the node nothing: no fee is paid for a failed payment. One attacks row: cost
 * 0, nothing stolen; how many HTLCs were held and timed out, the liquidity they
 * locked (ETH x hours), and the share of payments that failed during the window
 * beside the same stretch before it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/adversary/adversary.h"
#include "models/channel/graph.h"
#include "models/channel/scheme_channels.h"

static const struct scn_param params[] = {
    { "adversaries[htlc_griefing].target", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED,
      "name of the `channels` scheme to grief" },
    { "adversaries[htlc_griefing].node", SCN_UINT, "0", "0", "4294967295", NULL, 0,
      "the node that holds HTLCs (hub topology: hub `node` mod hubs; csv: node `node` mod "
      "nodes)" },
    { "adversaries[htlc_griefing].from", SCN_DURATION, NULL, "0s", NULL, NULL, SCN_REQUIRED,
      "when it starts holding" },
    { "adversaries[htlc_griefing].for", SCN_DURATION, NULL, "1s", NULL, NULL, SCN_REQUIRED,
      "how long it holds what reaches it" },
    { "adversaries[htlc_griefing].hold", SCN_DURATION, "10m", "0s", NULL, NULL, 0,
      "how long each HTLC is held before it is failed back (at most until its "
      "cltv_expiry, when its offerer takes it back)" },
};

struct griefing {
    struct channels_griefer g;
    bool active;                  /* the target runs in this world */
};

static int init(struct adversary *a, struct err *e)
{
    const struct scn *s = a->world->scn;
    struct griefing *st = xcalloc(1, sizeof *st);
    a->state = st;
    size_t i = a->index;
    struct scheme *sc;
    scheme_hook_fn *fn;
    int rc = SCHEME_HOOK_FIND(a, scn_str(s, "adversaries[%zu].target", i),
                              "channel.hold_htlcs", channels_griefer_fn, &sc, &fn, e);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return 0;                 /* its target runs in another world */
    st->active = true;
    st->g.node = (uint32_t)scn_uint(s, "adversaries[%zu].node", i);
    st->g.from = scn_int(s, "adversaries[%zu].from", i);
    st->g.until = sim_time_add_sat(st->g.from, scn_int(s, "adversaries[%zu].for", i));
    st->g.hold = scn_int(s, "adversaries[%zu].hold", i);
    ((channels_griefer_fn *)fn)(sc, &st->g);
    return 0;
}

static void finish(struct adversary *a)
{
    struct griefing *st = a->state;
    if (!st->active)
        return;
    const struct channels_griefer *g = &st->g;
    double eth_h = (double)g->locked_msat_us * (double)GRAPH_WEI_PER_MSAT / 1e18 / 3.6e9;
    double during = g->tried_during ? 100.0 * (double)g->failed_during / (double)g->tried_during : 0;
    double before = g->tried_before ? 100.0 * (double)g->failed_before / (double)g->tried_before : 0;
    char detail[480];
    snprintf(detail, sizeof detail, "node %u held %llu HTLCs (%llu until their expiry, %llu "
             "of them claimed back on L1 by their offerers' HTLC-timeout, %.0f s after expiry on "
             "average, %.0f s at most; %llu earlier HTLCs of their routes claimed on L1 too): "
             "%.4f ETH x h of liquidity locked along their routes; payments "
             "failed %.1f%% of %llu during the window, %.1f%% of %llu in the stretch before",
             g->node_id, (unsigned long long)g->held, (unsigned long long)g->timed_out,
             (unsigned long long)g->onchain,
             g->onchain ? (double)g->onchain_delay_us / (double)g->onchain / SIM_SEC : 0.0,
             (double)g->onchain_delay_max_us / SIM_SEC,
             (unsigned long long)g->onchain_upstream,
             eth_h, during, (unsigned long long)g->tried_during, before,
             (unsigned long long)g->tried_before);
    const struct scn *s = a->world->scn;
    struct attack_row row = {
        .attack_id = 1, .type = "htlc_griefing",
        .target = scn_str(s, "adversaries[%zu].target", a->index),
        .start = g->from, .end = g->until, .cost = 0, .value_at_risk = 0, .value_lost = 0,
        .detected = false, .detect = -1, .resolved = g->until, .txs_affected = g->held,
        .delay_us = g->held_us, .detail = detail,
    };
    adversary_record(a, &row);
}

static void destroy(struct adversary *a) { free(a->state); }

const struct adversary_ops htlc_griefing_ops = {
    .type = "htlc_griefing",
    .doc = "a channel node holds the HTLCs it should forward until they are failed back "
           "or time out (channels scheme)",
    .params = params, .nparams = ARRAY_LEN(params),
    .init = init, .finish = finish, .destroy = destroy,
};
