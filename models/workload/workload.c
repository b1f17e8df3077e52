/* workload.c — transfer arrivals, deposits and withdrawals (see workload.h).
 * Streams of (RNG_WORKLOAD, 0, purpose): ARRIVALS times the batches (arrivals.c),
 * REGIMES runs its regime chain, SENDERS picks each transfer's sender, GRAPH builds
 * the payment graph (users.c). Each user owns (RNG_USER, user, purpose) streams
 * (users.h: transfers, profile, balance, willingness, withdrawal), so a user's
 * draws do not depend on how many other users exist or transact. All are keyed by
 * the run's seed alone: every world of a run sees the same intents, however many
 * schemes it holds. */
#include "models/workload/workload.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/workload/arrivals.h"
#include "models/workload/users.h"
#include "sim/rng.h"

/* (RNG_WORKLOAD, 0, purpose); 4 builds the payment graph (users.c) */
enum { PURPOSE_ARRIVALS = 1, PURPOSE_REGIMES = 2, PURPOSE_SENDERS = 3 };

const struct scn_param workload_params[] = {
    { "workload.users", SCN_UINT, "10000", "2", NULL, NULL, 0,
      "number of users (senders and recipients of transfers); ids are 32-bit, and a count "
      "that would not fit in memory is rejected with the size it needs" },
    ARRIVALS_PARAMS("workload.transfers", "2/s",
                    "user transfers per unit of time, on average (Poisson)"),
    { "workload.transfers.value.median", SCN_AMOUNT, "0.05eth", "1wei", "1000000eth", NULL, 0,
      "median value of a transfer (lognormal)" },
    { "workload.transfers.value.sigma", SCN_REAL, "1.2", "0", "5", NULL, 0,
      "log-scale spread of transfer values" },
    { "workload.recipients", SCN_ENUM, "uniform", NULL, NULL, "uniform|zipf|graph", 0,
      "how a transfer's recipient is chosen: any other user, by Zipf rank, or a contact" },
    { "workload.zipf_exponent", SCN_REAL, "1.1", "0.01", "10", NULL, 0,
      "Zipf exponent s when recipients: zipf (user k is chosen with weight 1/k^s)" },
    { "workload.graph.degree", SCN_UINT, "5", "1", "1000", NULL, 0,
      "recipients graph: contacts each user makes on joining (mean degree about twice this)" },
    { "workload.graph.attachment", SCN_ENUM, "preferential", NULL, NULL,
      "preferential|uniform", 0,
      "recipients graph: joiners pick contacts by degree (Barabasi-Albert, hubs) or uniformly" },
    { "workload.urgent_share", SCN_FRACTION, "10%", "0", "1", NULL, 0,
      "share of users who pay for speed (schemes may bid higher for them)" },
    { "workload.balance.median", SCN_AMOUNT, "2eth", "0wei", "1000000000eth", NULL, 0,
      "median L1 balance a user starts with (lognormal, drawn once per user and run, the "
      "same in every scheme); fees, values, deposits and channel funding come out of it" },
    { "workload.balance.sigma", SCN_REAL, "1", "0", "5", NULL, 0,
      "log-scale spread of users' starting balances" },
    { "workload.willingness.median", SCN_AMOUNT, "0.0005eth", "1wei", "1000eth", NULL, 0,
      "median of the most a user pays in fees for one transfer (lognormal, drawn once per "
      "user, the same in every scheme): priced above it, a transfer waits" },
    { "workload.willingness.sigma", SCN_REAL, "1", "0", "5", NULL, 0,
      "log-scale spread of users' willingness to pay" },
    { "workload.patience", SCN_DURATION, "30m", "0s", "30d", NULL, 0,
      "how long a user waits for a transfer to go through before dropping it (as too "
      "expensive when it was priced above the user's willingness); 0s: forever" },
    { "workload.deposits.share", SCN_FRACTION, "50%", "0", "1", NULL, 0,
      "share of their L1 balance users deposit into the L2 when they join (their first "
      "transfer); 0: no deposits" },
    { "workload.withdrawals.share", SCN_FRACTION, "10%", "0", "1", NULL, 0,
      "share of users who withdraw from the L2 back to L1 some time after joining" },
    { "workload.withdrawals.after", SCN_DURATION, "6h", "1s", "3650d", NULL, 0,
      "mean time from joining to withdrawing (exponential, per user)" },
    { "workload.withdrawals.amount", SCN_FRACTION, "100%", "0", "1", NULL, 0,
      "share of the deposit a withdrawing user asks back" },
};
const size_t workload_params_count = ARRAY_LEN(workload_params);

struct user {
    gsl_rng *r;                   /* (RNG_USER, id, USER_RNG_TRANSFERS) */
};

struct workload {
    struct world *w;
    uint32_t  users;
    double    value_median, value_sigma;
    double   *zipf_cdf;           /* recipients: zipf */
    bool      graph;              /* recipients: graph (users_contacts) */
    sim_time  patience;           /* 0: forever */
    double    deposit_share, withdraw_share, withdraw_amount;
    double    withdraw_after;     /* mean, us */
    struct arrivals *arrivals;
    gsl_rng  *r_arrivals;         /* batch times and sizes */
    gsl_rng  *r_senders;
    uint64_t  batch;              /* size of the batch scheduled next */
    struct user **user;           /* lazily created, indexed by user id */
    gsl_rng  *draw;               /* a joiner's withdrawal stream (rng_stream_reseed) */
    uint64_t  next_id;
};

/* ---- users and transfers ---- */

static void on_withdrawal(struct sim *sim, void *ctx, const void *payload);

/* A user joins with its first transfer: it deposits a share of its L1 balance into
 * the L2, and, if it is one of the users who withdraw, asks some of it back after an
 * exponential delay (drawn from its own withdrawal stream) that falls within the
 * run. Every scheme of the world hears of each, in scheme order. */
static void join(struct workload *wl, uint32_t id)
{
    struct world *w = wl->w;
    u128 amount = (u128)((double)users_initial_balance(w->users, id) * wl->deposit_share);
    if (amount == 0)
        return;
    struct deposit d = { .user = id, .amount = amount, .at = sim_now(w->sim) };
    for (size_t i = 0; i < w->nschemes; i++)
        if (w->schemes[i]->ops->on_deposit)
            w->schemes[i]->ops->on_deposit(w->schemes[i], &d);
    gsl_rng *r = wl->draw;
    rng_stream_reseed(r, w->seed, RNG_USER, id, USER_RNG_WITHDRAWAL);
    bool withdraws = gsl_rng_uniform(r) < wl->withdraw_share;
    double after = gsl_ran_exponential(r, wl->withdraw_after);
    if (!withdraws || after >= (double)(w->duration - d.at))
        return;
    struct withdrawal *wd = xmalloc(sizeof *wd);
    *wd = (struct withdrawal){ .user = id, .at = d.at + (sim_time)after,
                               .amount = (u128)((double)amount * wl->withdraw_amount) };
    if (wd->amount == 0) {
        free(wd);
        return;
    }
    /* the scheduler owns it: freed after the event, or at the end if it never runs */
    sim_at_owned(w->sim, wd->at, on_withdrawal, wl, wd, NULL);
}

static void on_withdrawal(struct sim *sim, void *ctx, const void *payload)
{
    struct workload *wl = ctx;
    const struct withdrawal *wd = payload;
    for (size_t i = 0; i < wl->w->nschemes; i++) {
        struct scheme *sc = wl->w->schemes[i];
        if (sc->ops->on_withdrawal)
            sc->ops->on_withdrawal(sc, wd);
    }
}

static struct user *user_get(struct workload *wl, uint32_t id)
{
    if (!wl->user[id]) {
        struct user *u = xcalloc(1, sizeof *u);
        u->r = rng_stream(wl->w->seed, RNG_USER, id, USER_RNG_TRANSFERS);
        wl->user[id] = u;
        join(wl, id);
    }
    return wl->user[id];
}

/* Recipient, drawn from the sender's own stream: uniform over the other users; a
 * contact of the sender's, uniformly; or Zipf by rank (user 0 the most popular)
 * through binary search of the cumulative weights, redrawn if it is the sender. */
static uint32_t draw_recipient(struct workload *wl, struct user *u, uint32_t from)
{
    if (wl->graph) {
        size_t deg;
        const uint32_t *contact = users_contacts(wl->w->users, from, &deg);
        return contact[gsl_rng_uniform_int(u->r, deg)];
    }
    for (;;) {
        uint32_t to;
        if (!wl->zipf_cdf) {
            to = (uint32_t)gsl_rng_uniform_int(u->r, wl->users - 1);
            return to >= from ? to + 1 : to;
        }
        double x = gsl_rng_uniform(u->r) * wl->zipf_cdf[wl->users - 1];
        size_t lo = 0, hi = wl->users - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (wl->zipf_cdf[mid] > x)
                hi = mid;
            else
                lo = mid + 1;
        }
        to = (uint32_t)lo;
        if (to != from)
            return to;
    }
}

static void on_arrival(struct sim *sim, void *ctx, const void *payload);

/* The next batch at or after `after`, if it falls within the run. */
static void schedule_next(struct workload *wl, sim_time after)
{
    sim_time t = arrivals_next(wl->arrivals, wl->r_arrivals, after, wl->w->duration,
                               &wl->batch);
    if (t != ARRIVALS_NONE)
        sim_at(wl->w->sim, t, on_arrival, wl, NULL, 0);
}

/* A batch of wl->batch transfers, all submitted now, each with its own sender. */
static void on_arrival(struct sim *sim, void *ctx, const void *payload)
{
    struct workload *wl = ctx;
    for (uint64_t b = 0; b < wl->batch; b++) {
        struct transfer t = { .id = wl->next_id++, .at = sim_now(sim) };
        t.from = (uint32_t)gsl_rng_uniform_int(wl->r_senders, wl->users);
        struct user *u = user_get(wl, t.from);
        t.to = draw_recipient(wl, u, t.from);
        double v = wl->value_median * exp(wl->value_sigma * gsl_ran_ugaussian(u->r));
        t.value = v < 1.0 ? 1 : v > 1e36 ? (u128)1e36 : (u128)v;
        t.urgent = users_urgent(wl->w->users, t.from);
        t.max_fee = users_willingness(wl->w->users, t.from);
        t.deadline = wl->patience > 0 ? t.at + wl->patience : INT64_MAX;
        for (size_t i = 0; i < wl->w->nschemes; i++) {
            struct scheme *sc = wl->w->schemes[i];
            sc->ops->on_transfer(sc, &t);
        }
    }
    schedule_next(wl, sim_now(sim));
}

int workload_new(struct world *w, struct workload **out, struct err *e)
{
    const struct scn *s = w->scn;
    struct workload *wl = xcalloc(1, sizeof *wl);
    wl->w = w;
    *out = NULL;
    wl->users = (uint32_t)scn_uint(s, "workload.users");
    if (arrivals_new(s, "workload.transfers", w->seed, RNG_WORKLOAD, 0, PURPOSE_REGIMES,
                     0 /* no blocks: per-time rates only */, &wl->arrivals, e) != 0)
        goto fail;
    wl->value_median = (double)scn_amount(s, "workload.transfers.value.median");
    wl->value_sigma = scn_real(s, "workload.transfers.value.sigma");
    wl->patience = scn_int(s, "workload.patience");
    wl->deposit_share = scn_real(s, "workload.deposits.share");
    wl->withdraw_share = scn_real(s, "workload.withdrawals.share");
    wl->withdraw_after = (double)scn_int(s, "workload.withdrawals.after");
    wl->withdraw_amount = scn_real(s, "workload.withdrawals.amount");
    const char *recipients = scn_str(s, "workload.recipients");
    if (strcmp(recipients, "zipf") == 0) {
        double sexp = scn_real(s, "workload.zipf_exponent"), acc = 0;
        wl->zipf_cdf = xmalloc(wl->users * sizeof *wl->zipf_cdf);
        for (uint32_t k = 0; k < wl->users; k++)
            wl->zipf_cdf[k] = (acc += pow((double)k + 1, -sexp));
    } else if (strcmp(recipients, "graph") == 0) {
        wl->graph = true;            /* built with the users (users.c) */
    }
    wl->user = xcalloc(wl->users, sizeof *wl->user);
    wl->r_arrivals = rng_stream(w->seed, RNG_WORKLOAD, 0, PURPOSE_ARRIVALS);
    wl->r_senders = rng_stream(w->seed, RNG_WORKLOAD, 0, PURPOSE_SENDERS);
    wl->draw = rng_stream(w->seed, RNG_USER, 0, USER_RNG_WITHDRAWAL);
    *out = wl;
    schedule_next(wl, 0);
    return 0;
fail:
    workload_free(wl);
    return L2_EINPUT;
}

void workload_free(struct workload *wl)
{
    if (!wl)
        return;
    if (wl->user)
        for (uint32_t i = 0; i < wl->users; i++)
            if (wl->user[i]) {
                gsl_rng_free(wl->user[i]->r);
                free(wl->user[i]);
            }
    free(wl->user);
    free(wl->zipf_cdf);
    arrivals_free(wl->arrivals);
    if (wl->r_arrivals)
        gsl_rng_free(wl->r_arrivals);
    if (wl->r_senders)
        gsl_rng_free(wl->r_senders);
    if (wl->draw)
        gsl_rng_free(wl->draw);
    free(wl);
}

uint64_t workload_transfers(const struct workload *wl) { return wl->next_id; }
