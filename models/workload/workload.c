/* workload.c — transfer arrivals and per-user draws (see workload.h).
 * Streams of (RNG_WORKLOAD, 0, purpose): ARRIVALS times the batches (arrivals.c),
 * REGIMES runs its regime chain, SENDERS picks each transfer's sender, GRAPH builds
 * the payment graph. Each user owns (RNG_USER, user, TRANSFERS), created on first
 * use, so a user's recipients and values do not depend on how many other users
 * exist or transact. All are keyed by the run's seed alone: every world of a run
 * sees the same transfers, however many schemes it holds. */
#include "models/workload/workload.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/workload/arrivals.h"
#include "sim/rng.h"

enum { PURPOSE_ARRIVALS = 1, PURPOSE_REGIMES = 2, PURPOSE_SENDERS = 3, PURPOSE_GRAPH = 4 };
enum { PURPOSE_TRANSFERS = 1, PURPOSE_PROFILE = 2 };         /* of RNG_USER streams */

/* The payment graph's size bound: users x degree contacts, 8 bytes each, twice. */
#define GRAPH_MAX_LINKS 50000000ull

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
};
const size_t workload_params_count = ARRAY_LEN(workload_params);

struct user {
    gsl_rng *r;
    bool     urgent;
};

/* The payment graph in compressed rows: user u's contacts are
 * adj[off[u]] .. adj[off[u + 1] - 1]. */
struct graph {
    uint64_t *off;                /* users + 1 */
    uint32_t *adj;
};

struct workload {
    struct world *w;
    uint32_t  users;
    double    value_median, value_sigma;
    double    urgent_share;
    double   *zipf_cdf;           /* recipients: zipf */
    struct graph *graph;          /* recipients: graph */
    struct arrivals *arrivals;
    gsl_rng  *r_arrivals;         /* batch times and sizes */
    gsl_rng  *r_senders;
    uint64_t  batch;              /* size of the batch scheduled next */
    struct user **user;           /* lazily created, indexed by user id */
    uint64_t  next_id;
};

/* ---- the payment graph ---- */

/* Grow a graph over n users: the first min(m + 1, n) form a clique, then each later
 * user v joins with m links to distinct earlier users, chosen with probability
 * proportional to their degree (preferential: Barabasi & Albert 1999, by sampling a
 * uniform endpoint of the links so far) or uniformly. Every user has at least
 * min(m, n - 1) contacts; links are undirected, never to oneself, never doubled.
 * Draws only from r. O(n m) time and memory (n m <= GRAPH_MAX_LINKS). */
static struct graph *graph_new(uint32_t n, uint32_t m, bool preferential, gsl_rng *r)
{
    uint32_t m0 = m + 1 < n ? m + 1 : n;
    uint64_t links = (uint64_t)m0 * (m0 - 1) / 2 + (uint64_t)(n - m0) * m;
    uint32_t *ends = xmalloc(2 * links * sizeof *ends);      /* link k: ends[2k], ends[2k+1] */
    uint64_t nends = 0;
    for (uint32_t i = 0; i < m0; i++)
        for (uint32_t j = i + 1; j < m0; j++)
            ends[nends++] = i, ends[nends++] = j;
    uint32_t *picked = xmalloc(m * sizeof *picked);             /* m >= 1: the row */
    uint32_t *mark = xmalloc(n * sizeof *mark);     /* mark[u] == v + 1: v picked u */
    memset(mark, 0, n * sizeof *mark);
    for (uint32_t v = m0; v < n; v++) {
        for (uint32_t k = 0; k < m;) {
            uint32_t u = preferential ? ends[gsl_rng_uniform_int(r, nends)]
                                      : (uint32_t)gsl_rng_uniform_int(r, v);
            if (mark[u] == v + 1)
                continue;                /* already a contact: draw again */
            mark[u] = v + 1;
            picked[k++] = u;
        }
        for (uint32_t k = 0; k < m; k++)             /* links join after the draws */
            ends[nends++] = v, ends[nends++] = picked[k];
    }
    SIM_ASSERT(nends == 2 * links);

    struct graph *g = xcalloc(1, sizeof *g);
    g->off = xcalloc((size_t)n + 1, sizeof *g->off);
    g->adj = xmalloc(2 * links * sizeof *g->adj);
    for (uint64_t k = 0; k < nends; k++)
        g->off[ends[k] + 1]++;
    for (uint32_t u = 0; u < n; u++)
        g->off[u + 1] += g->off[u];
    uint64_t *fill = xmalloc((size_t)n * sizeof *fill);
    memcpy(fill, g->off, (size_t)n * sizeof *fill);
    for (uint64_t k = 0; k < nends; k += 2) {        /* in link order: deterministic */
        g->adj[fill[ends[k]]++] = ends[k + 1];
        g->adj[fill[ends[k + 1]]++] = ends[k];
    }
    free(fill), free(mark), free(picked), free(ends);
    return g;
}

static void graph_free(struct graph *g)
{
    if (!g)
        return;
    free(g->off);
    free(g->adj);
    free(g);
}

/* ---- users and transfers ---- */

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

/* Recipient, drawn from the sender's own stream: uniform over the other users; a
 * contact of the sender's, uniformly; or Zipf by rank (user 0 the most popular)
 * through binary search of the cumulative weights, redrawn if it is the sender. */
static uint32_t draw_recipient(struct workload *wl, struct user *u, uint32_t from)
{
    if (wl->graph) {
        const struct graph *g = wl->graph;
        uint64_t deg = g->off[from + 1] - g->off[from];
        return g->adj[g->off[from] + gsl_rng_uniform_int(u->r, deg)];
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
        t.urgent = u->urgent;
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
    wl->urgent_share = scn_real(s, "workload.urgent_share");
    const char *recipients = scn_str(s, "workload.recipients");
    if (strcmp(recipients, "zipf") == 0) {
        double sexp = scn_real(s, "workload.zipf_exponent"), acc = 0;
        wl->zipf_cdf = xmalloc(wl->users * sizeof *wl->zipf_cdf);
        for (uint32_t k = 0; k < wl->users; k++)
            wl->zipf_cdf[k] = (acc += pow((double)k + 1, -sexp));
    } else if (strcmp(recipients, "graph") == 0) {
        uint32_t m = (uint32_t)scn_uint(s, "workload.graph.degree");
        if ((uint64_t)wl->users * m > GRAPH_MAX_LINKS) {
            scn_error_at(s, e, "workload.graph.degree", "users x degree = %llu links; "
                         "the payment graph holds at most %llu",
                         (unsigned long long)wl->users * m, GRAPH_MAX_LINKS);
            goto fail;
        }
        gsl_rng *r = rng_stream(w->seed, RNG_WORKLOAD, 0, PURPOSE_GRAPH);
        wl->graph = graph_new(wl->users, m,
                              strcmp(scn_str(s, "workload.graph.attachment"), "preferential") == 0,
                              r);
        gsl_rng_free(r);
    }
    wl->user = xcalloc(wl->users, sizeof *wl->user);
    wl->r_arrivals = rng_stream(w->seed, RNG_WORKLOAD, 0, PURPOSE_ARRIVALS);
    wl->r_senders = rng_stream(w->seed, RNG_WORKLOAD, 0, PURPOSE_SENDERS);
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
    graph_free(wl->graph);
    arrivals_free(wl->arrivals);
    if (wl->r_arrivals)
        gsl_rng_free(wl->r_arrivals);
    if (wl->r_senders)
        gsl_rng_free(wl->r_senders);
    free(wl);
}

uint64_t workload_transfers(const struct workload *wl) { return wl->next_id; }
