/* users.c — user profiles, their L1 accounts per scheme, and the payment graph (see
 * users.h). Profiles and accounts live in chunks of USERS_CHUNK users allocated on
 * first use, so a run with millions of users pays only for those who transact. */
#include "models/workload/users.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/fault.h"
#include "sim/rng.h"

#define USERS_CHUNK 4096u

struct profile {
    u128 balance0;            /* wei on L1 at the start of the run */
    u128 willingness;         /* wei per transfer */
    bool drawn, urgent;
};

struct account {
    u128 balance, reserved;
    bool opened;              /* balance set from the profile */
};

/* One scheme's namespace: its copy of every user's account, and running totals for
 * the O(1) check. */
struct book {
    struct account **chunk;   /* users / USERS_CHUNK + 1, NULL until touched */
    u128 opened, credited, spent;   /* sums: initial balances, credits, spending */
    u128 balances, reserved;        /* sums over the accounts */
    uint64_t overdrawn;             /* accounts with more reserved than they hold: kept
                                     * at each change of one (0 unless a book is wrong) */
};

/* After a change to account a, which was overdrawn before it or not: b->overdrawn
 * follows. O(1). */
static void overdrawn_track(struct book *b, const struct account *a, bool was)
{
    bool now = a->reserved > a->balance;
    b->overdrawn = b->overdrawn + now - was;
}

/* The payment graph in compressed rows: user u's contacts are
 * adj[off[u]] .. adj[off[u + 1] - 1]. */
struct graph {
    uint64_t *off;            /* users + 1 */
    uint32_t *adj;
};

struct users {
    uint64_t seed;
    uint32_t n;
    double   urgent_share;
    double   balance_median, balance_sigma;
    double   wtp_median, wtp_sigma;
    struct profile **prof;    /* chunks */
    struct book *book;        /* one per scheme of the scenario */
    size_t   nbooks;
    const char **book_name;   /* the schemes' names, for messages */
    struct graph *graph;
    gsl_rng *draw;            /* reseeded for each profile quantity (rng_stream_reseed) */
};

/* ---- the payment graph ---- */

/* Grow a graph over n users: the first min(m + 1, n) form a clique, then each later
 * user v joins with m links to distinct earlier users, chosen with probability
 * proportional to their degree (preferential: Barabasi & Albert 1999, by sampling a
 * uniform endpoint of the links so far) or uniformly. Every user has at least
 * min(m, n - 1) contacts; links are undirected, never to oneself, never doubled.
 * Draws only from r. O(n m) time and memory (n m <= USERS_GRAPH_MAX_LINKS). */
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

const uint32_t *users_contacts(const struct users *u, uint32_t user, size_t *n)
{
    if (!u->graph || user >= u->n) {
        *n = 0;
        return NULL;
    }
    *n = (size_t)(u->graph->off[user + 1] - u->graph->off[user]);
    return u->graph->adj + u->graph->off[user];
}

/* ---- profiles ---- */

/* A lognormal amount in wei, at least `lo`, clamped far below 2^128. */
static u128 lognormal_wei(gsl_rng *r, double median, double sigma, double lo)
{
    double v = median * exp(sigma * gsl_ran_ugaussian(r));
    return v < lo ? (u128)lo : v > 1e36 ? (u128)1e36 : (u128)v;
}

static struct profile *profile(struct users *u, uint32_t user)
{
    SIM_ASSERT(user < u->n);
    struct profile **c = &u->prof[user / USERS_CHUNK];
    if (!*c)
        *c = xcalloc(USERS_CHUNK, sizeof **c);
    struct profile *p = &(*c)[user % USERS_CHUNK];
    if (!p->drawn) {
        /* each quantity from its own stream: adding one never shifts another */
        gsl_rng *r = u->draw;
        rng_stream_reseed(r, u->seed, RNG_USER, user, USER_RNG_PROFILE);
        p->urgent = gsl_rng_uniform(r) < u->urgent_share;
        rng_stream_reseed(r, u->seed, RNG_USER, user, USER_RNG_BALANCE);
        p->balance0 = u->balance_median > 0
                    ? lognormal_wei(r, u->balance_median, u->balance_sigma, 0) : 0;
        rng_stream_reseed(r, u->seed, RNG_USER, user, USER_RNG_WILLINGNESS);
        p->willingness = lognormal_wei(r, u->wtp_median, u->wtp_sigma, 1);
        p->drawn = true;
    }
    return p;
}

bool users_urgent(struct users *u, uint32_t user) { return profile(u, user)->urgent; }
u128 users_willingness(struct users *u, uint32_t user) { return profile(u, user)->willingness; }
u128 users_initial_balance(struct users *u, uint32_t user) { return profile(u, user)->balance0; }
uint32_t users_count(const struct users *u) { return u->n; }

/* ---- accounts ---- */

static struct account *account(const struct scheme *sc, uint32_t user)
{
    struct users *u = sc->world->users;
    SIM_ASSERT(sc->index < u->nbooks && user < u->n);
    struct book *b = &u->book[sc->index];
    struct account **c = &b->chunk[user / USERS_CHUNK];
    if (!*c)
        *c = xcalloc(USERS_CHUNK, sizeof **c);
    struct account *a = &(*c)[user % USERS_CHUNK];
    if (!a->opened) {
        a->balance = profile(u, user)->balance0;
        a->opened = true;
        b->opened += a->balance;
        b->balances += a->balance;
    }
    return a;
}

u128 user_available(const struct scheme *sc, uint32_t user)
{
    const struct account *a = account(sc, user);
    return a->balance - a->reserved;
}

bool user_reserve(const struct scheme *sc, uint32_t user, u128 amount)
{
    struct account *a = account(sc, user);
    struct book *b = &sc->world->users->book[sc->index];
    /* the fault: one reservation the balance does not cover is taken anyway */
    if (amount > a->balance - a->reserved && !fault_fire("users.reserve"))
        return false;
    bool was = a->reserved > a->balance;
    a->reserved += amount;
    b->reserved += amount;
    overdrawn_track(b, a, was);
    return true;
}

void user_settle(const struct scheme *sc, uint32_t user, u128 reserved, u128 spent)
{
    struct account *a = account(sc, user);
    struct book *b = &sc->world->users->book[sc->index];
    if (spent > reserved || reserved > a->reserved) {
        char x[41], y[41], z[41];
        sim_panic("scheme '%s', user %u: settling %s wei spent against %s reserved, of %s "
                  "held", sc->name, user, u128_str(spent, x), u128_str(reserved, y),
                  u128_str(a->reserved, z));
    }
    bool was = a->reserved > a->balance;
    a->reserved -= reserved;
    a->balance -= spent;
    overdrawn_track(b, a, was);
    b->reserved -= reserved;
    b->balances -= spent;
    b->spent += spent + fault_fire("users.spend");     /* a test's wrong book */
}

void user_credit(const struct scheme *sc, uint32_t user, u128 amount)
{
    struct account *a = account(sc, user);
    struct book *b = &sc->world->users->book[sc->index];
    bool was = a->reserved > a->balance;
    a->balance += amount;
    overdrawn_track(b, a, was);
    b->balances += amount;
    b->credited += amount;
}

int users_check(const struct users *u, struct inv_fail *f)
{
    for (size_t i = 0; i < u->nbooks; i++) {
        const struct book *b = &u->book[i];
        char x[41], y[41];
        if (b->balances + b->spent != b->opened + b->credited)
            return INV_FAIL(f, "users' L1 funds conserved", "scheme '%s': balances + spent "
                            "= %s wei, opening balances + received = %s wei", u->book_name[i],
                            u128_str(b->balances + b->spent, x),
                            u128_str(b->opened + b->credited, y));
        if (b->overdrawn > 0 || b->reserved > b->balances)
            return INV_FAIL(f, "users' reservations covered", "scheme '%s': %llu accounts "
                            "with more reserved than they hold; %s wei reserved of %s wei "
                            "held in all", u->book_name[i], (unsigned long long)b->overdrawn,
                            u128_str(b->reserved, x), u128_str(b->balances, y));
    }
    return 0;
}

/* ---- life cycle ---- */

/* The payment graph's size bound: users x degree contacts, 8 bytes each, twice. */
#define USERS_GRAPH_MAX_LINKS 50000000ull

enum { WORKLOAD_RNG_GRAPH = 4 };   /* (RNG_WORKLOAD, 0, 4): as before users.c existed */

int users_new(const struct world *w, struct users **out, struct err *e)
{
    const struct scn *s = w->scn;
    struct users *u = xcalloc(1, sizeof *u);
    *out = NULL;
    u->seed = w->seed;
    u->n = (uint32_t)scn_uint(s, "workload.users");
    u->urgent_share = scn_real(s, "workload.urgent_share");
    u->balance_median = (double)scn_amount(s, "workload.balance.median");
    u->balance_sigma = scn_real(s, "workload.balance.sigma");
    u->wtp_median = (double)scn_amount(s, "workload.willingness.median");
    u->wtp_sigma = scn_real(s, "workload.willingness.sigma");
    size_t chunks = u->n / USERS_CHUNK + 1;
    u->prof = xcalloc(chunks, sizeof *u->prof);
    u->draw = rng_stream(u->seed, RNG_USER, 0, USER_RNG_PROFILE);
    u->nbooks = scn_count(s, "schemes");
    u->book = xcalloc(u->nbooks ? u->nbooks : 1, sizeof *u->book);
    u->book_name = xcalloc(u->nbooks ? u->nbooks : 1, sizeof *u->book_name);
    for (size_t i = 0; i < u->nbooks; i++) {
        u->book[i].chunk = xcalloc(chunks, sizeof *u->book[i].chunk);
        u->book_name[i] = scn_str(s, "schemes[%zu].name", i);
    }
    if (strcmp(scn_str(s, "workload.recipients"), "graph") == 0) {
        uint32_t m = (uint32_t)scn_uint(s, "workload.graph.degree");
        if ((uint64_t)u->n * m > USERS_GRAPH_MAX_LINKS) {
            scn_error_at(s, e, "workload.graph.degree", "users x degree = %llu links; "
                         "the payment graph holds at most %llu",
                         (unsigned long long)u->n * m, USERS_GRAPH_MAX_LINKS);
            users_free(u);
            return L2_EINPUT;
        }
        gsl_rng *r = rng_stream(w->seed, RNG_WORKLOAD, 0, WORKLOAD_RNG_GRAPH);
        u->graph = graph_new(u->n, m,
                             strcmp(scn_str(s, "workload.graph.attachment"), "preferential") == 0,
                             r);
        gsl_rng_free(r);
    }
    *out = u;
    return 0;
}

void users_free(struct users *u)
{
    if (!u)
        return;
    size_t chunks = u->n / USERS_CHUNK + 1;
    for (size_t i = 0; i < chunks; i++)
        free(u->prof[i]);
    free(u->prof);
    for (size_t k = 0; k < u->nbooks; k++) {
        for (size_t i = 0; i < chunks; i++)
            free(u->book[k].chunk[i]);
        free(u->book[k].chunk);
    }
    free(u->book);
    free(u->book_name);
    graph_free(u->graph);
    if (u->draw)
        gsl_rng_free(u->draw);
    free(u);
}
