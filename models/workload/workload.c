/* workload.c — transfer arrivals and per-user draws (see workload.h).
 * Streams: the arrival process owns (RNG_WORKLOAD, 0, ARRIVALS); each user owns
 * (RNG_USER, user, TRANSFERS), created on first use, so a user's values do not
 * depend on how many other users exist or transact. */
#include "models/workload/workload.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/rng.h"

enum { PURPOSE_ARRIVALS = 1, PURPOSE_TRANSFERS = 1, PURPOSE_PROFILE = 2 };

const struct scn_param workload_params[] = {
    { "workload.users", SCN_UINT, "10000", "2", "10000000", NULL, 0,
      "number of users (senders and recipients of transfers)" },
    { "workload.transfers.rate", SCN_RATE, "2/s", NULL, NULL, NULL, 0,
      "user transfers per unit of time (Poisson)" },
    { "workload.transfers.value.median", SCN_AMOUNT, "0.05eth", "1wei", "1000000eth", NULL, 0,
      "median value of a transfer (lognormal)" },
    { "workload.transfers.value.sigma", SCN_REAL, "1.2", "0", "5", NULL, 0,
      "log-scale spread of transfer values" },
    { "workload.recipients", SCN_ENUM, "uniform", NULL, NULL, "uniform|zipf", 0,
      "how a transfer's recipient is chosen among the other users" },
    { "workload.zipf_exponent", SCN_REAL, "1.1", "0.01", "10", NULL, 0,
      "Zipf exponent s when recipients: zipf (user k is chosen with weight 1/k^s)" },
    { "workload.urgent_share", SCN_FRACTION, "10%", "0", "1", NULL, 0,
      "share of users who pay for speed (schemes may bid higher for them)" },
};
const size_t workload_params_count = ARRAY_LEN(workload_params);

struct user {
    gsl_rng *r;
    bool     urgent;
};

struct workload {
    struct world *w;
    uint32_t  users;
    double    mean_gap_us;        /* 1 / rate */
    double    value_median, value_sigma;
    double    urgent_share;
    double   *zipf_cdf;           /* NULL for uniform recipients */
    gsl_rng  *r_arrivals;
    struct user **user;           /* lazily created, indexed by user id */
    uint64_t  next_id;
};

static struct user *user_get(struct workload *wl, uint32_t id)
{
    if (!wl->user[id]) {
        struct user *u = xcalloc(1, sizeof *u);
        u->r = rng_stream(wl->w->seed, RNG_USER, id, PURPOSE_TRANSFERS);
        gsl_rng *profile = rng_stream(wl->w->seed, RNG_USER, id, PURPOSE_PROFILE);
        u->urgent = gsl_rng_uniform(profile) < wl->urgent_share;
        gsl_rng_free(profile);
        wl->user[id] = u;
    }
    return wl->user[id];
}

/* Recipient: uniform over the other users, or Zipf by rank (user 0 the most popular)
 * through binary search of the cumulative weights; redrawn if it is the sender. */
static uint32_t draw_recipient(struct workload *wl, struct user *u, uint32_t from)
{
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

static void on_arrival(struct sim *sim, void *ctx, const void *payload)
{
    struct workload *wl = ctx;
    struct transfer t = { .id = wl->next_id++, .at = sim_now(sim) };
    t.from = (uint32_t)gsl_rng_uniform_int(wl->r_arrivals, wl->users);
    struct user *u = user_get(wl, t.from);
    t.to = draw_recipient(wl, u, t.from);
    double v = wl->value_median * exp(wl->value_sigma * gsl_ran_ugaussian(u->r));
    t.value = v < 1.0 ? 1 : v > 1e36 ? (u128)1e36 : (u128)v;
    t.urgent = u->urgent;
    for (size_t i = 0; i < wl->w->nschemes; i++) {
        struct scheme *sc = wl->w->schemes[i];
        sc->ops->on_transfer(sc, &t);
    }
    sim_time gap = (sim_time)llround(gsl_ran_exponential(wl->r_arrivals, wl->mean_gap_us));
    if (sim_now(sim) + gap < wl->w->duration)
        sim_after(sim, gap, on_arrival, wl, NULL, 0);
}

int workload_new(struct world *w, struct workload **out, struct err *e)
{
    const struct scn *s = w->scn;
    struct workload *wl = xcalloc(1, sizeof *wl);
    wl->w = w;
    wl->users = (uint32_t)scn_uint(s, "workload.users");
    struct unit_rate rate = scn_rate(s, "workload.transfers.rate");
    if (rate.per_block) {
        *out = NULL;
        free(wl);
        return scn_error_at(s, e, "workload.transfers.rate",
                            "user transfers arrive per unit of time (e.g. 20/s), not per block");
    }
    wl->value_median = (double)scn_amount(s, "workload.transfers.value.median");
    wl->value_sigma = scn_real(s, "workload.transfers.value.sigma");
    wl->urgent_share = scn_real(s, "workload.urgent_share");
    if (strcmp(scn_str(s, "workload.recipients"), "zipf") == 0) {
        double sexp = scn_real(s, "workload.zipf_exponent"), acc = 0;
        wl->zipf_cdf = xmalloc(wl->users * sizeof *wl->zipf_cdf);
        for (uint32_t k = 0; k < wl->users; k++)
            wl->zipf_cdf[k] = (acc += pow((double)k + 1, -sexp));
    }
    wl->user = xcalloc(wl->users, sizeof *wl->user);
    wl->r_arrivals = rng_stream(w->seed, RNG_WORKLOAD, 0, PURPOSE_ARRIVALS);
    *out = wl;
    if (rate.count > 0) {
        wl->mean_gap_us = (double)rate.per / rate.count;
        sim_time first = (sim_time)llround(gsl_ran_exponential(wl->r_arrivals, wl->mean_gap_us));
        if (first < w->duration)
            sim_at(w->sim, first, on_arrival, wl, NULL, 0);
    }
    return 0;
}

void workload_free(struct workload *wl)
{
    if (!wl)
        return;
    for (uint32_t i = 0; i < wl->users; i++)
        if (wl->user[i]) {
            gsl_rng_free(wl->user[i]->r);
            free(wl->user[i]);
        }
    free(wl->user);
    free(wl->zipf_cdf);
    gsl_rng_free(wl->r_arrivals);
    free(wl);
}

uint64_t workload_transfers(const struct workload *wl) { return wl->next_id; }
