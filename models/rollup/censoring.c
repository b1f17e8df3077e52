/* censoring.c — the censoring_sequencer adversary: from `from` for `for`, the target
 * rollup's sequencer drops the transfers of a share of its users (inbox.c). Each
 * victim's wallet forces its transfer through the L1 inbox after its patience
 * (force_after); the sequencer, still censoring, ignores the inbox until the
 * sequencing window (forced_window) makes derivation include it. Its attacks row:
 * transfers censored (txs_affected) and the waits of those forced in, submission to
 * soft confirmation, summed (delay_imposed_us). */
#include <stdio.h>
#include <stdlib.h>

#include "models/adversary/adversary.h"
#include "models/rollup/rollup_int.h"

static const struct scn_param params[] = {
    { "adversaries[censoring_sequencer].target", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED,
      "name of the rollup whose sequencer censors" },
    { "adversaries[censoring_sequencer].from", SCN_DURATION, NULL, "0s", NULL, NULL, SCN_REQUIRED,
      "when the censoring starts" },
    { "adversaries[censoring_sequencer].for", SCN_DURATION, NULL, "1s", NULL, NULL, SCN_REQUIRED,
      "how long it lasts" },
    { "adversaries[censoring_sequencer].share", SCN_FRACTION, "10%", "0", "1", NULL, 0,
      "share of users whose transfers the sequencer drops" },
};

struct censoring {
    struct scheme *sc;
    sequencer_censor_fn *censor;
    sequencer_censored_fn *stats;
    sim_time from, until;
    double share;
};

static void start(struct sim *sim, void *ctx, const void *payload)
{
    (void)sim, (void)payload;
    struct censoring *c = ctx;
    c->censor(c->sc, c->until, c->share);
}

static int init(struct adversary *a, struct err *e)
{
    const struct scn *s = a->world->scn;
    struct censoring *c = xcalloc(1, sizeof *c);
    a->state = c;
    const char *target = scn_str(s, "adversaries[%zu].target", a->index);
    scheme_hook_fn *fn;
    struct scheme *sc;
    int rc = SCHEME_HOOK_FIND(a, target, "sequencer.censor", sequencer_censor_fn, &sc, &fn, e);
    if (rc != 0)
        return rc < 0 ? rc : 0;    /* 1: the target is in another world */
    c->sc = sc;
    c->censor = (sequencer_censor_fn *)fn;
    if (SCHEME_HOOK_FIND(a, target, "sequencer.censored", sequencer_censored_fn, &sc, &fn, e) != 0)
        return L2_EINPUT;
    c->stats = (sequencer_censored_fn *)fn;
    c->from = scn_int(s, "adversaries[%zu].from", a->index);
    c->until = c->from + scn_int(s, "adversaries[%zu].for", a->index);
    c->share = scn_real(s, "adversaries[%zu].share", a->index);
    sim_at(a->world->sim, c->from, start, c, NULL, 0);
    return 0;
}

static void finish(struct adversary *a)
{
    struct censoring *c = a->state;
    if (!c->sc)
        return;
    struct sequencer_censorship st;
    c->stats(c->sc, &st);
    char detail[300];
    snprintf(detail, sizeof detail, "the sequencer dropped %llu transfers of %.0f%% of users "
             "from %llu L2 blocks; %llu were forced in through the L1 inbox by the end, "
             "waiting %.1f s on average from submission",
             (unsigned long long)st.censored, c->share * 100, (unsigned long long)st.blocks,
             (unsigned long long)st.forced,
             st.forced ? (double)st.wait_sum / 1e6 / (double)st.forced : 0.0);
    /* blocks_affected > 0: analysis/metrics.c measures txs_affected and
     * delay_imposed_us over every transfer of the target the window held up (waits
     * to the first confirmation, never-confirmed ones to the end of the run), as for
     * every adversary; what is written here stands only if it touched no block */
    struct attack_row row = { .attack_id = 1, .type = "censoring_sequencer",
                              .target = c->sc->name, .start = c->from, .end = c->until,
                              .detected = st.censored > 0, .detect = st.censored ? c->from : -1,
                              .resolved = -1, .blocks_affected = st.blocks,
                              .txs_affected = st.censored, .delay_us = st.wait_sum,
                              .detail = detail };
    adversary_record(a, &row);
}

static void destroy(struct adversary *a) { free(a->state); }

const struct adversary_ops censoring_sequencer_ops = {
    .type = "censoring_sequencer",
    .doc = "a rollup's sequencer drops some users' transfers; they force them in through L1",
    .params = params, .nparams = ARRAY_LEN(params),
    .init = init, .finish = finish, .destroy = destroy,
};
