/* invalid_proof.c — the invalid_proof adversary: at `at`, a zk rollup's (or a
 * validium's, or a hybrid's) operator sends the L1 verifier a proof claiming a
 * post-state root its batches do not lead to, the root of a state in which it minted
 * `claim` wei for itself (prover.c: "prover.falsify"). The verifier refuses it: the
 * model's soundness assumption is that no valid proof exists for a false transition,
 * so the attempt is stopped at the verifier, at the cost of the proof's L1 fee (and of
 * the proofs sent behind it, which follow a root the contract does not hold and are
 * refused too, then sent again). Its attacks row: the rejected proofs' L1 fees as the
 * cost, `claim` at risk, nothing lost, detected when the verifier rejected it. */
#include <stdio.h>
#include <stdlib.h>

#include "models/adversary/adversary.h"
#include "models/rollup/rollup.h"

static const struct scn_param params[] = {
    { "adversaries[invalid_proof].target", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED,
      "name of the zk rollup, validium or hybrid rollup whose operator tries it" },
    { "adversaries[invalid_proof].at", SCN_DURATION, NULL, "0s", NULL, NULL, SCN_REQUIRED,
      "the first proof sent after this claims the false root" },
    { "adversaries[invalid_proof].claim", SCN_AMOUNT, "100eth", "1wei", NULL, NULL, 0,
      "what the false root would have credited the operator (the value at risk)" },
};

struct invalid_proof {
    struct scheme      *sc;         /* NULL: the target runs in another world */
    prover_falsify_fn  *falsify;
    prover_rejected_fn *rejected;
    sim_time            at;
    u128                claim;
};

static void start(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim, (void)payload;
    struct invalid_proof *v = ctx;
    v->falsify(v->sc);
}

static int init(struct adversary *a, struct err *e)
{
    const struct scn *s = a->world->scn;
    struct invalid_proof *v = xcalloc(1, sizeof *v);
    a->state = v;
    const char *target = scn_str(s, "adversaries[%zu].target", a->index);
    scheme_hook_fn *fn;
    struct scheme *sc;
    int rc = SCHEME_HOOK_FIND(a, target, "prover.falsify", prover_falsify_fn, &sc, &fn, e);
    if (rc != 0)
        return rc < 0 ? rc : 0;    /* 1: the target is in another world */
    v->sc = sc;
    v->falsify = (prover_falsify_fn *)fn;
    if (SCHEME_HOOK_FIND(a, target, "prover.rejected", prover_rejected_fn, &sc, &fn, e) != 0)
        return L2_EINPUT;
    v->rejected = (prover_rejected_fn *)fn;
    v->at = scn_int(s, "adversaries[%zu].at", a->index);
    v->claim = scn_amount(s, "adversaries[%zu].claim", a->index);
    sim_at(a->world->sim, v->at, start, v, NULL, 0);
    return 0;
}

static void finish(struct adversary *a)
{
    struct invalid_proof *v = a->state;
    if (!v->sc)
        return;
    struct prover_rejections r;
    v->rejected(v->sc, &r);
    char detail[240];
    snprintf(detail, sizeof detail, "a proof of a false state root was sent to the L1 "
             "verifier: %s; %llu proof transactions rejected in all (%.6f ETH of L1 fees)",
             r.first >= 0 ? "rejected (no valid proof exists for a false transition)"
                          : "not yet verified at the end",
             (unsigned long long)r.proofs, (double)r.fees / 1e18);
    struct attack_row row = { .attack_id = 1, .type = "invalid_proof", .target = v->sc->name,
                              .start = v->at, .end = r.first >= 0 ? r.first : a->world->duration,
                              .cost = r.fees, .value_at_risk = v->claim, .value_lost = 0,
                              .detected = r.first >= 0, .detect = r.first,
                              .resolved = r.first, .detail = detail };
    adversary_record(a, &row);
}

static void destroy(struct adversary *a) { free(a->state); }

const struct adversary_ops invalid_proof_ops = {
    .type = "invalid_proof",
    .doc = "a zk rollup's operator sends the verifier a proof of a false state root; it is "
           "rejected, at the cost of its L1 fee",
    .params = params, .nparams = ARRAY_LEN(params),
    .init = init, .finish = finish, .destroy = destroy,
};
