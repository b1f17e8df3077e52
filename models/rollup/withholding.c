/* withholding.c — the dac_withholding adversary: at a chosen time, `members` of a
 * validium's data availability committee collude with the operator: they keep signing
 * attestations but serve the data to nobody (committee.c). With at least `threshold`
 * of them, the operator can attest batches with their signatures alone: the data of
 * such a batch is lost to users, no exit proof can be built, and every L2 balance is
 * frozen. Fewer than the threshold, and every attestation carries an honest member who
 * serves the data: nothing happens. Its attacks row: the value frozen as value at
 * risk, detected when the first unavailable batch was attested. */
#include <stdio.h>
#include <stdlib.h>

#include "models/adversary/adversary.h"
#include "models/rollup/rollup.h"

static const struct scn_param params[] = {
    { "adversaries[dac_withholding].target", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED,
      "name of the validium whose committee withholds" },
    { "adversaries[dac_withholding].at", SCN_DURATION, NULL, "0s", NULL, NULL, SCN_REQUIRED,
      "when the members start withholding" },
    { "adversaries[dac_withholding].members", SCN_UINT, NULL, "1", "1000", NULL, SCN_REQUIRED,
      "committee members who withhold (they still sign)" },
};

struct withholding {
    struct scheme *sc;              /* NULL: the target runs in another world */
    validium_withhold_fn *withhold;
    validium_frozen_fn *frozen;
    uint32_t members;
    sim_time at;
};

static void start(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim, (void)payload;
    struct withholding *h = ctx;
    h->withhold(h->sc, h->members);
}

static int init(struct adversary *a, struct err *e)
{
    const struct scn *s = a->world->scn;
    struct withholding *h = xcalloc(1, sizeof *h);
    a->state = h;
    const char *target = scn_str(s, "adversaries[%zu].target", a->index);
    scheme_hook_fn *fn;
    struct scheme *sc;
    int rc = SCHEME_HOOK_FIND(a, target, "committee.withhold", validium_withhold_fn, &sc, &fn, e);
    if (rc != 0)
        return rc < 0 ? rc : 0;    /* 1: the target is in another world */
    h->sc = sc;
    h->withhold = (validium_withhold_fn *)fn;
    if (SCHEME_HOOK_FIND(a, target, "committee.frozen", validium_frozen_fn, &sc, &fn, e) != 0)
        return L2_EINPUT;
    h->frozen = (validium_frozen_fn *)fn;
    h->members = (uint32_t)scn_uint(s, "adversaries[%zu].members", a->index);
    h->at = scn_int(s, "adversaries[%zu].at", a->index);
    sim_at(a->world->sim, h->at, start, h, NULL, 0);
    return 0;
}

static void finish(struct adversary *a)
{
    struct withholding *h = a->state;
    if (!h->sc)
        return;
    sim_time since;
    u128 value = 0;
    bool frozen = h->frozen(h->sc, &since, &value);
    char detail[200];
    snprintf(detail, sizeof detail, "%u committee members signed without serving the data; "
             "%s", h->members, frozen ? "a batch was attested by them alone: every L2 balance "
             "is frozen" : "every attestation had an honest signer: the data stayed available");
    struct attack_row row = { .attack_id = 1, .type = "dac_withholding", .target = h->sc->name,
                              .start = h->at, .end = a->world->duration,
                              .value_at_risk = frozen ? value : 0, .detected = frozen,
                              .detect = frozen ? since : -1, .resolved = -1,
                              .delay_us = 0, .detail = detail };
    adversary_record(a, &row);
}

static void destroy(struct adversary *a) { free(a->state); }

const struct adversary_ops dac_withholding_ops = {
    .type = "dac_withholding",
    .doc = "validium committee members sign attestations but serve the data to nobody",
    .params = params, .nparams = ARRAY_LEN(params),
    .init = init, .finish = finish, .destroy = destroy,
};
