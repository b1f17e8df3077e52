/* plasma_attacks.c — adversaries acting inside a `plasma` scheme through its hooks
 * (scheme_plasma.c): a cheating operator (an invalid transaction; withheld block data,
 * which sets off a mass exit) and a cheating user (an exit of a spent coin). Each makes
 * one attempt at `at` and records one attacks row: what was at risk, what was lost,
 * when a challenge or the users caught it. */
#include <stdlib.h>
#include <string.h>

#include "models/adversary/adversary.h"
#include "models/plasma/plasma.h"

#define TARGET_DOC "the plasma scheme attacked (its name)"

static const struct scn_param invalid_params[] = {
    { "adversaries[plasma_invalid_tx].target", SCN_STR, "plasma", NULL, NULL, NULL, 0, TARGET_DOC },
    { "adversaries[plasma_invalid_tx].at", SCN_DURATION, "1h", "0s", NULL, NULL, 0,
      "when the operator includes the invalid transaction" },
};
static const struct scn_param withhold_params[] = {
    { "adversaries[plasma_withhold].target", SCN_STR, "plasma", NULL, NULL, NULL, 0, TARGET_DOC },
    { "adversaries[plasma_withhold].at", SCN_DURATION, "1h", "0s", NULL, NULL, 0,
      "when the operator withholds its block and stops" },
    { "adversaries[plasma_withhold].claim", SCN_AMOUNT, "0wei", "0wei", NULL, NULL, 0,
      "value the withheld block creates for the operator (0: all the contract holds "
      "beyond bonds)" },
};
static const struct scn_param spent_params[] = {
    { "adversaries[plasma_spent_exit].target", SCN_STR, "plasma", NULL, NULL, NULL, 0, TARGET_DOC },
    { "adversaries[plasma_spent_exit].at", SCN_DURATION, "1h", "0s", NULL, NULL, 0,
      "when the user exits its spent coin" },
};

enum which { INVALID, WITHHOLD, SPENT };

struct attacker {
    enum which     which;
    struct scheme *sc;
    scheme_hook_fn *fn;
    u128           claim;
    bool           fired;
    struct plasma_attack a;
};

static const char *const hook_name[] = { "operator.include_invalid", "operator.withhold",
                                         "user.exit_spent" };

static void fire(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim, (void)payload;
    struct attacker *t = ctx;
    t->fired = true;
    switch (t->which) {
    case INVALID:  ((plasma_include_invalid_fn *)t->fn)(t->sc, &t->a); break;
    case WITHHOLD: ((plasma_withhold_fn *)t->fn)(t->sc, &t->a, t->claim); break;
    case SPENT:    ((plasma_exit_spent_fn *)t->fn)(t->sc, &t->a); break;
    }
}

static int attacker_init(struct adversary *adv, enum which which, struct err *e)
{
    const struct scn *s = adv->world->scn;
    struct attacker *t = xcalloc(1, sizeof *t);
    adv->state = t;
    t->which = which;
    t->a.type = adv->ops->type;
    t->a.detect = t->a.resolved = -1;
    const char *target = scn_str(s, "adversaries[%zu].target", adv->index);
    int rc;
    switch (which) {
    case INVALID:
        rc = SCHEME_HOOK_FIND(adv, target, hook_name[which], plasma_include_invalid_fn,
                              &t->sc, &t->fn, e);
        break;
    case WITHHOLD:
        rc = SCHEME_HOOK_FIND(adv, target, hook_name[which], plasma_withhold_fn, &t->sc,
                              &t->fn, e);
        t->claim = scn_amount(s, "adversaries[%zu].claim", adv->index);
        break;
    default:
        rc = SCHEME_HOOK_FIND(adv, target, hook_name[which], plasma_exit_spent_fn, &t->sc,
                              &t->fn, e);
        break;
    }
    if (rc != 0)
        return rc < 0 ? rc : 0;          /* 1: its target runs in another world */
    t->a.start = scn_int(s, "adversaries[%zu].at", adv->index);
    sim_at(adv->world->sim, t->a.start, fire, t, NULL, 0);
    return 0;
}

static int invalid_init(struct adversary *a, struct err *e) { return attacker_init(a, INVALID, e); }
static int withhold_init(struct adversary *a, struct err *e) { return attacker_init(a, WITHHOLD, e); }
static int spent_init(struct adversary *a, struct err *e) { return attacker_init(a, SPENT, e); }

/* One attacks row: the attempt, whether it found something to attack, what it put at
 * risk and took. */
static void attacker_finish(struct adversary *adv)
{
    struct attacker *t = adv->state;
    if (!t || !t->sc || !t->fired)
        return;
    struct plasma_attack *a = &t->a;
    struct attack_row r = {
        .attack_id = 1, .type = adv->ops->type, .target = t->sc->name,
        .start = a->start, .end = a->resolved >= 0 ? a->resolved : sim_now(adv->world->sim),
        .cost = a->cost, .value_at_risk = a->value_at_risk, .value_lost = a->value_lost,
        .detected = a->detected, .detect = a->detect, .resolved = a->resolved,
        .detail = a->detail[0] ? a->detail : "nothing to attack",
    };
    adversary_record(adv, &r);
}

static void attacker_destroy(struct adversary *adv) { free(adv->state); }

const struct adversary_ops plasma_invalid_tx_ops = {
    .type = "plasma_invalid_tx",
    .doc = "a Plasma operator includes a spend of a user's coin without the owner's signature "
           "and exits it",
    .params = invalid_params, .nparams = ARRAY_LEN(invalid_params),
    .init = invalid_init, .finish = attacker_finish, .destroy = attacker_destroy,
};

const struct adversary_ops plasma_withhold_ops = {
    .type = "plasma_withhold",
    .doc = "a Plasma operator withholds a block's data, stops, and exits value it created: "
           "a mass exit",
    .params = withhold_params, .nparams = ARRAY_LEN(withhold_params),
    .init = withhold_init, .finish = attacker_finish, .destroy = attacker_destroy,
};

const struct adversary_ops plasma_spent_exit_ops = {
    .type = "plasma_spent_exit",
    .doc = "a Plasma user starts an exit of a coin it has already spent",
    .params = spent_params, .nparams = ARRAY_LEN(spent_params),
    .init = spent_init, .finish = attacker_finish, .destroy = attacker_destroy,
};
