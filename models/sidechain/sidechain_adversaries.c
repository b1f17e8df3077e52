/* sidechain_adversaries.c — attacks from inside a sidechain's validator set (issue 13
 * §3), acting only through the hooks the `sidechain` scheme publishes (sidechain.h):
 *  - validator_outage: validators go offline for a window; with 1/3 or more of the
 *    stake gone no quorum forms and the chain halts until they return;
 *  - equivocation: validators sign conflicting proposals and votes; with less than
 *    1/3 of the stake they cannot make two blocks commit at one height;
 *  - bridge_takeover: validators sign a withdrawal that was never burned and send it to
 *    the bridge on L1; with more than 2/3 of the stake the contract, which sees only
 *    signatures, pays it out of the escrow (no L1 recourse: the attacks row's value
 *    lost); with less it refuses.
 * The colluding or failing validators are the first `validators` by index (list them
 * first with `stakes` to choose their weight). One attacks row each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/adversary/adversary.h"
#include "models/sidechain/bft.h"
#include "models/sidechain/sidechain.h"

struct side_attack {
    struct scheme *sc;        /* NULL: the target runs in another world */
    size_t   n;               /* validators taking part */
    uint64_t power, total;    /* their stake, the set's */
    sim_time at, until;
    sidechain_stats_fn *stats;
    /* bridge_takeover */
    bool     done;
    enum bridge_verdict verdict;
    u128     at_risk, released, cost;
    uint64_t signed_power;
    sim_time decided;
};

/* The target's hook `name` of type TYPE into *fn, and its validator set. 1: the
 * target is in another world (nothing to do here). */
#define FIND(a, name, TYPE, sc, fn, e) \
    SCHEME_HOOK_FIND((a), scn_str((a)->world->scn, "adversaries[%zu].target", (a)->index), \
                     (name), TYPE, (sc), (fn), (e))

static int attach(struct adversary *a, struct side_attack *x, struct err *e)
{
    scheme_hook_fn *fn;
    int rc = FIND(a, "validators.count", sidechain_validators_fn, &x->sc, &fn, e);
    if (rc != 0) {
        x->sc = NULL;
        return rc == 1 ? 0 : rc;
    }
    const uint64_t *power;
    size_t nv = ((sidechain_validators_fn *)fn)(x->sc, &power);
    const struct scn *s = a->world->scn;
    x->n = (size_t)scn_uint(s, "adversaries[%zu].validators", a->index);
    if (x->n > nv) {
        char path[64];
        snprintf(path, sizeof path, "adversaries[%zu].validators", a->index);
        return scn_error_at(s, e, path, "%zu validators, but the target has %zu", x->n, nv);
    }
    for (size_t i = 0; i < nv; i++) {
        x->total += power[i];
        if (i < x->n)
            x->power += power[i];
    }
    struct scheme *sc2;
    if (FIND(a, "chain.stats", sidechain_stats_fn, &sc2, &fn, e) != 0)
        return L2_EINPUT;
    x->stats = (sidechain_stats_fn *)fn;
    x->at = scn_int(s, "adversaries[%zu].at", a->index);
    return 0;
}

static double share(const struct side_attack *x)
{
    return x->total ? (double)x->power / (double)x->total : 0;
}

static void plain_destroy(struct adversary *a)
{
    free(a->state);
}

/* ---- validator_outage ---- */

static const struct scn_param outage_params[] = {
    { "adversaries[validator_outage].target", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED,
      "name of the sidechain scheme" },
    { "adversaries[validator_outage].validators", SCN_UINT, NULL, "1", "200", NULL, SCN_REQUIRED,
      "how many validators go offline (the first ones by index)" },
    { "adversaries[validator_outage].at", SCN_DURATION, NULL, "0s", NULL, NULL, SCN_REQUIRED,
      "when they go offline" },
    { "adversaries[validator_outage].for", SCN_DURATION, NULL, "1s", NULL, NULL, SCN_OPTIONAL,
      "how long (absent: for good)" },
};

static int outage_init(struct adversary *a, struct err *e)
{
    struct side_attack *x = xcalloc(1, sizeof *x);
    a->state = x;
    int rc = attach(a, x, e);
    if (rc != 0 || !x->sc)
        return rc;
    const struct scn *s = a->world->scn;
    x->until = scn_has(s, "adversaries[%zu].for", a->index)
             ? sim_time_add_sat(x->at, scn_int(s, "adversaries[%zu].for", a->index)) : INT64_MAX;
    scheme_hook_fn *fn;
    struct scheme *sc;
    if (FIND(a, "validators.offline", sidechain_offline_fn, &sc, &fn, e) != 0)
        return L2_EINPUT;
    for (size_t i = 0; i < x->n; i++)
        ((sidechain_offline_fn *)fn)(sc, (uint32_t)i, x->at, x->until);
    return 0;
}

static void outage_finish(struct adversary *a)
{
    struct side_attack *x = a->state;
    if (!x->sc)
        return;
    struct sidechain_stats st;
    x->stats(x->sc, x->at, x->until, &st);
    char detail[320];
    snprintf(detail, sizeof detail, "%zu validators holding %.1f%% of the stake offline%s: "
             "%llu blocks committed while they were, the longest wait for a block %.1f s "
             "(%s)", x->n, 100 * share(x), x->until == INT64_MAX ? " for good" : "",
             (unsigned long long)st.blocks_in_window, (double)st.longest_gap_in_window / 1e6,
             !bft_quorum(x->total - x->power, x->total)
                 ? "1/3 or more: the rest hold no quorum, the chain halts"
                 : "less than 1/3: the others go on");
    /* the heights the offline validators touched: every one committed without their
     * votes while they were away, and the next (committed on their return, or the one
     * the chain stalls at); analysis/metrics.c measures the transfers it delayed */
    struct attack_row row = {
        .attack_id = 1, .type = "validator_outage",
        .target = x->sc->name, .start = x->at,
        .end = x->until == INT64_MAX ? a->world->duration : x->until,
        .detected = true, .detect = x->at, .resolved = st.resumed,
        .blocks_affected = st.blocks_in_window + 1, .delay_us = st.longest_gap_in_window,
        .detail = detail };
    adversary_record(a, &row);
}

const struct adversary_ops validator_outage_ops = {
    .type = "validator_outage",
    .doc = "sidechain validators go offline for a window: at 1/3 of the stake or more the chain halts",
    .params = outage_params, .nparams = ARRAY_LEN(outage_params),
    .init = outage_init, .finish = outage_finish, .destroy = plain_destroy,
};

/* ---- equivocation ---- */

static const struct scn_param equivocation_params[] = {
    { "adversaries[equivocation].target", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED,
      "name of the sidechain scheme" },
    { "adversaries[equivocation].validators", SCN_UINT, NULL, "1", "200", NULL, SCN_REQUIRED,
      "how many validators equivocate (the first ones by index)" },
    { "adversaries[equivocation].at", SCN_DURATION, NULL, "0s", NULL, NULL, SCN_REQUIRED,
      "when they start" },
};

static int equivocation_init(struct adversary *a, struct err *e)
{
    struct side_attack *x = xcalloc(1, sizeof *x);
    a->state = x;
    int rc = attach(a, x, e);
    if (rc != 0 || !x->sc)
        return rc;
    x->until = INT64_MAX;
    scheme_hook_fn *fn;
    struct scheme *sc;
    if (FIND(a, "validators.equivocate", sidechain_equivocate_fn, &sc, &fn, e) != 0)
        return L2_EINPUT;
    for (size_t i = 0; i < x->n; i++)
        ((sidechain_equivocate_fn *)fn)(sc, (uint32_t)i, x->at);
    return 0;
}

static void equivocation_finish(struct adversary *a)
{
    struct side_attack *x = a->state;
    if (!x->sc)
        return;
    struct sidechain_stats st;
    x->stats(x->sc, x->at, INT64_MAX, &st);
    char detail[320];
    snprintf(detail, sizeof detail, "%zu validators holding %.1f%% of the stake sent %llu "
             "conflicting messages; %llu decisions conflicted with the committed block",
             x->n, 100 * share(x), (unsigned long long)st.equivocations,
             (unsigned long long)st.conflicts);
    struct attack_row row = {
        .attack_id = 1, .type = "equivocation", .target = x->sc->name, .start = x->at,
        .end = a->world->duration, .detected = st.equivocations > 0, .detect = st.first_equivocation,
        .resolved = -1, .blocks_affected = st.conflicts, .detail = detail };
    adversary_record(a, &row);
}

const struct adversary_ops equivocation_ops = {
    .type = "equivocation",
    .doc = "sidechain validators sign conflicting proposals and votes; below 1/3 of the stake no conflicting block commits",
    .params = equivocation_params, .nparams = ARRAY_LEN(equivocation_params),
    .init = equivocation_init, .finish = equivocation_finish, .destroy = plain_destroy,
};

/* ---- bridge_takeover ---- */

static const struct scn_param takeover_params[] = {
    { "adversaries[bridge_takeover].target", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED,
      "name of the sidechain scheme" },
    { "adversaries[bridge_takeover].validators", SCN_UINT, NULL, "1", "200", NULL, SCN_REQUIRED,
      "how many validators collude (the first ones by index)" },
    { "adversaries[bridge_takeover].at", SCN_DURATION, NULL, "0s", NULL, NULL, SCN_REQUIRED,
      "when they sign and send the forged withdrawal" },
    { "adversaries[bridge_takeover].amount", SCN_AMOUNT, NULL, "1wei", NULL, NULL, SCN_OPTIONAL,
      "what the forged withdrawal asks (absent: everything the escrow holds then)" },
};

static void takeover_done(void *ctx, enum bridge_verdict v, u128 released, u128 l1_fee,
                          uint64_t signed_power, sim_time at)
{
    struct adversary *a = ctx;
    struct side_attack *x = a->state;
    x->done = true;
    x->verdict = v;
    x->released = released;
    x->cost = l1_fee;
    x->signed_power = signed_power;
    x->decided = at;
}

static void takeover_fire(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim, (void)payload;
    struct adversary *a = ctx;
    struct side_attack *x = a->state;
    const struct scn *s = a->world->scn;
    struct err e;
    err_init(&e);
    scheme_hook_fn *esc, *fg;
    struct scheme *sc;
    if (FIND(a, "bridge.escrow", sidechain_escrow_fn, &sc, &esc, &e) != 0 ||
        FIND(a, "bridge.forge", sidechain_forge_fn, &sc, &fg, &e) != 0)
        sim_panic("bridge_takeover: the target's hooks vanished: %s", e.msg);
    x->at_risk = ((sidechain_escrow_fn *)esc)(sc);
    u128 amount = scn_has(s, "adversaries[%zu].amount", a->index)
                ? scn_amount(s, "adversaries[%zu].amount", a->index) : x->at_risk;
    if (amount == 0)
        amount = 1;                /* an empty escrow: ask for a wei, the contract says no */
    uint32_t *signers = xmalloc((x->n ? x->n : 1) * sizeof *signers);
    for (size_t i = 0; i < x->n; i++)
        signers[i] = (uint32_t)i;
    ((sidechain_forge_fn *)fg)(sc, a->index, signers, x->n, UINT64_C(0xbad) << 32 | a->index,
                               amount, takeover_done, a);
    free(signers);
}

static int takeover_init(struct adversary *a, struct err *e)
{
    struct side_attack *x = xcalloc(1, sizeof *x);
    a->state = x;
    int rc = attach(a, x, e);
    if (rc != 0 || !x->sc)
        return rc;
    scheme_hook_fn *fn;
    struct scheme *sc;
    if (FIND(a, "bridge.forge", sidechain_forge_fn, &sc, &fn, e) != 0 ||
        FIND(a, "bridge.escrow", sidechain_escrow_fn, &sc, &fn, e) != 0)
        return L2_EINPUT;
    sim_at(a->world->sim, x->at, takeover_fire, a, NULL, 0);
    return 0;
}

static void takeover_finish(struct adversary *a)
{
    struct side_attack *x = a->state;
    if (!x->sc)
        return;
    char detail[320];
    if (!x->done)
        snprintf(detail, sizeof detail, "%zu validators holding %.1f%% of the stake signed a "
                 "withdrawal never burned; it was not yet decided on L1 at the end", x->n,
                 100 * share(x));
    else
        snprintf(detail, sizeof detail, "%zu validators holding %.1f%% of the stake signed a "
                 "withdrawal never burned: the bridge %s it (%s); no L1 recourse", x->n,
                 100 * share(x), x->verdict == BRIDGE_RELEASED ? "paid" : "refused",
                 bridge_verdict_name(x->verdict));
    struct attack_row row = {
        .attack_id = 1, .type = "bridge_takeover", .target = x->sc->name, .start = x->at,
        .end = x->done ? x->decided : a->world->duration, .cost = x->cost, .value_at_risk = x->at_risk,
        .value_lost = x->released, .detected = x->done && x->released > 0,
        .detect = x->done && x->released > 0 ? x->decided : -1, .resolved = -1,
        .detail = detail };
    adversary_record(a, &row);
}

const struct adversary_ops bridge_takeover_ops = {
    .type = "bridge_takeover",
    .doc = "sidechain validators sign a withdrawal never burned: above 2/3 of the stake the bridge pays it",
    .params = takeover_params, .nparams = ARRAY_LEN(takeover_params),
    .init = takeover_init, .finish = takeover_finish, .destroy = plain_destroy,
};
