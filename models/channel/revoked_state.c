/* revoked_state.c — the adversary `revoked_state`: a channel counterparty who posts an
 * old, revoked state on L1 to be paid more than it is owed (BOLT-5's "revoked
 * transaction close"). It acts inside the scheme `channels` through the scheme's hook
 * "channel.revoked_state": at `at`, the hub of user `victim` posts the revoked state of
 * their channel that pays the hub most; the victim answers with the penalty if it is
 * online, back online within the dispute period, or has a watchtower. Whether the
 * penalty gets in before the period ends is the L1's to decide (a stuffed L1 may keep
 * it out). By probability (`probability`, hook "channel.revoked_states"), each user
 * whose channel opens before `at` is a victim with that chance instead. With the
 * scheme's `penalty: false` the victim answers with the newer signed state instead
 * (eltoo): the cheater keeps its newest balance and loses its fees. With `cheater:
 * user` the roles turn: the user posts the revoked state best for itself and its hub
 * answers (BOLT-5 holds either side to the same rules). With
 * `when_offline` the hub waits from `at` until the victim's node is offline (the
 * scheme's faulty nodes): the cheater who watches for its peer to disconnect. One
 * attacks row per victim: the cheater's L1 fees, the value at risk, what the victim
 * lost, and when it was posted, answered and resolved. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/adversary/adversary.h"
#include "models/channel/scheme_channels.h"

static const struct scn_param params[] = {
    { "adversaries[revoked_state].target", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED,
      "name of the `channels` scheme to cheat in" },
    { "adversaries[revoked_state].victim", SCN_UINT, "0", "0", "4294967295", NULL, 0,
      "the user whose hub cheats it" },
    { "adversaries[revoked_state].at", SCN_DURATION, NULL, "0s", NULL, NULL, SCN_REQUIRED,
      "when the hub posts the revoked state" },
    { "adversaries[revoked_state].victim_offline", SCN_DURATION, "0s", "0s", NULL, NULL, 0,
      "the victim is offline from `at` for this long (its watchtower, if the scheme gives "
      "users one, answers meanwhile)" },
    { "adversaries[revoked_state].probability", SCN_FRACTION, NULL, "0", "100", NULL,
      SCN_OPTIONAL, "instead of one victim: each user whose channel is made before `at` is "
      "cheated by its hub with this probability (drawn from the user's stream)" },
    { "adversaries[revoked_state].when_offline", SCN_BOOL, "false", NULL, NULL, NULL, 0,
      "from `at`, the hub waits until the victim's node is offline (the scheme's "
      "offline.share must make it faulty) and posts then" },
    { "adversaries[revoked_state].latest", SCN_BOOL, "false", NULL, NULL, NULL, 0,
      "post the latest state instead: an honest unilateral close, nothing to punish" },
    { "adversaries[revoked_state].cheater", SCN_ENUM, "hub", NULL, NULL, "hub|user", 0,
      "who cheats: hub (the victim's hub posts the revoked state best for it) or user "
      "(the user `victim` posts the revoked state best for itself and its hub, always "
      "online, answers: the penalty from the hub's capital, or the newer state with the "
      "scheme's penalty off; value lost is then the hub's)" },
};

struct cheat_adv {
    struct channels_cheat x;
    bool by_probability;
    struct channels_cheat_plan plan;   /* by probability: the victims' cheats */
    bool active;                  /* the target runs in this world */
};

static int init(struct adversary *a, struct err *e)
{
    const struct scn *s = a->world->scn;
    struct cheat_adv *st = xcalloc(1, sizeof *st);
    a->state = st;
    size_t i = a->index;
    struct scheme *sc;
    scheme_hook_fn *fn;
    st->by_probability = scn_has(s, "adversaries[%zu].probability", i);
    if (st->by_probability) {
        int rc = SCHEME_HOOK_FIND(a, scn_str(s, "adversaries[%zu].target", i),
                                  "channel.revoked_states", channels_cheat_plan_fn, &sc, &fn, e);
        if (rc < 0)
            return rc;
        if (rc == 1)
            return 0;
        st->active = true;
        st->plan = (struct channels_cheat_plan){
            .at = scn_int(s, "adversaries[%zu].at", i),
            .probability = scn_real(s, "adversaries[%zu].probability", i),
            .when_offline = scn_bool(s, "adversaries[%zu].when_offline", i),
            .by_user = strcmp(scn_str(s, "adversaries[%zu].cheater", i), "user") == 0,
            .stream = (uint32_t)(1000 + i),
        };
        ((channels_cheat_plan_fn *)fn)(sc, &st->plan);
        return 0;
    }
    int rc = SCHEME_HOOK_FIND(a, scn_str(s, "adversaries[%zu].target", i),
                              "channel.revoked_state", channels_cheat_fn, &sc, &fn, e);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return 0;                 /* its target runs in another world */
    st->active = true;
    st->x.when_offline = scn_bool(s, "adversaries[%zu].when_offline", i);
    st->x.victim = (uint32_t)scn_uint(s, "adversaries[%zu].victim", i);
    st->x.at = scn_int(s, "adversaries[%zu].at", i);
    st->x.victim_offline = scn_int(s, "adversaries[%zu].victim_offline", i);
    st->x.latest = scn_bool(s, "adversaries[%zu].latest", i);
    st->x.by_user = strcmp(scn_str(s, "adversaries[%zu].cheater", i), "user") == 0;
    ((channels_cheat_fn *)fn)(sc, &st->x);
    return 0;
}

/* One cheat's attacks row. */
static void cheat_row(struct adversary *a, const struct channels_cheat *x, int64_t id)
{
    static const char *const stage[] = { "planned", "nothing posted", "posted, dispute running",
                                         "penalized", "succeeded", "unilateral close",
                                         "replaced by the newer state" };
    char detail[420], back[96] = "";
    if (x->victim_back > x->posted_at && x->posted_at >= 0)
        snprintf(back, sizeof back, " (user %u offline until %.0f s after the post)",
                 x->victim, (double)(x->victim_back - x->posted_at) / SIM_SEC);
    snprintf(detail, sizeof detail, "%s: %s%s%s", stage[x->stage],
             x->detail[0] ? x->detail : "not yet acted", back,
             x->by_user ? " (the user cheated its hub)" : "");
    const struct scn *s = a->world->scn;
    struct attack_row row = {
        .attack_id = id, .type = "revoked_state",
        .target = scn_str(s, "adversaries[%zu].target", a->index),
        .start = x->at, .end = x->resolved_at >= 0 ? x->resolved_at
                              : x->deadline >= 0 ? x->deadline : x->at,
        .cost = x->cost, .value_at_risk = x->at_risk, .value_lost = x->lost,
        .detected = x->answered_at >= 0, .detect = x->answered_at, .resolved = x->resolved_at,
        .detail = detail,
    };
    adversary_record(a, &row);
}

static void finish(struct adversary *a)
{
    struct cheat_adv *st = a->state;
    if (!st->active)
        return;
    if (!st->by_probability) {
        cheat_row(a, &st->x, 1);
        return;
    }
    for (size_t k = 0; k < st->plan.ncheat; k++)
        cheat_row(a, st->plan.cheat[k], (int64_t)k + 1);
}

static void destroy(struct adversary *a)
{
    struct cheat_adv *st = a->state;
    for (size_t k = 0; st && k < st->plan.ncheat; k++)
        free(st->plan.cheat[k]);
    if (st)
        free(st->plan.cheat);
    free(st);
}

const struct adversary_ops revoked_state_ops = {
    .type = "revoked_state",
    .doc = "a channel hub posts a revoked state of a user's channel on L1 (channels scheme)",
    .params = params, .nparams = ARRAY_LEN(params),
    .init = init, .finish = finish, .destroy = destroy,
};
