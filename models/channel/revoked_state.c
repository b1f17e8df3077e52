/* revoked_state.c — the adversary `revoked_state`: a channel counterparty who posts an
 * old, revoked state on L1 to be paid more than it is owed (BOLT-5's "revoked
 * transaction close"). It acts inside the scheme `channels` through the scheme's hook
 * "channel.revoked_state": at `at`, the hub of user `victim` posts the revoked state of
 * their channel that pays the hub most; the victim answers with the penalty if it is
 * online, back online within the dispute period, or has a watchtower. Whether the
 * penalty gets in before the period ends is the L1's to decide (a stuffed L1 may keep
 * it out). One attacks row: the cheater's L1 fees, the value at risk, what the victim
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
    { "adversaries[revoked_state].latest", SCN_BOOL, "false", NULL, NULL, NULL, 0,
      "post the latest state instead: an honest unilateral close, nothing to punish" },
};

struct cheat_adv {
    struct channels_cheat x;
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
    int rc = SCHEME_HOOK_FIND(a, scn_str(s, "adversaries[%zu].target", i),
                              "channel.revoked_state", channels_cheat_fn, &sc, &fn, e);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return 0;                 /* its target runs in another world */
    st->active = true;
    st->x.victim = (uint32_t)scn_uint(s, "adversaries[%zu].victim", i);
    st->x.at = scn_int(s, "adversaries[%zu].at", i);
    st->x.victim_offline = scn_int(s, "adversaries[%zu].victim_offline", i);
    st->x.latest = scn_bool(s, "adversaries[%zu].latest", i);
    ((channels_cheat_fn *)fn)(sc, &st->x);
    return 0;
}

static void finish(struct adversary *a)
{
    struct cheat_adv *st = a->state;
    if (!st->active)
        return;
    const struct channels_cheat *x = &st->x;
    static const char *const stage[] = { "planned", "nothing posted", "posted, dispute running",
                                         "penalized", "succeeded", "unilateral close" };
    char detail[320];
    snprintf(detail, sizeof detail, "%s: %s", stage[x->stage],
             x->detail[0] ? x->detail : "not yet acted");
    const struct scn *s = a->world->scn;
    struct attack_row row = {
        .attack_id = 1, .type = "revoked_state",
        .target = scn_str(s, "adversaries[%zu].target", a->index),
        .start = x->at, .end = x->resolved_at >= 0 ? x->resolved_at
                              : x->deadline >= 0 ? x->deadline : x->at,
        .cost = x->cost, .value_at_risk = x->at_risk, .value_lost = x->lost,
        .detected = x->answered_at >= 0, .detect = x->answered_at, .resolved = x->resolved_at,
        .detail = detail,
    };
    adversary_record(a, &row);
}

static void destroy(struct adversary *a) { free(a->state); }

const struct adversary_ops revoked_state_ops = {
    .type = "revoked_state",
    .doc = "a channel hub posts a revoked state of a user's channel on L1 (channels scheme)",
    .params = params, .nparams = ARRAY_LEN(params),
    .init = init, .finish = finish, .destroy = destroy,
};
