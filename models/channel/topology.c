/* topology.c — generated channel graphs (see topology.h): the wiring of a
 * scale-free network by preferential attachment (Barabasi and Albert, "Emergence of
 * scaling in random networks", Science 1999: each joining node links to m existing
 * nodes with probability proportional to their degree) or of a small-world network
 * (Watts and Strogatz, "Collective dynamics of small-world networks", Nature 1998: a
 * ring where each node links to its k nearest neighbours, each link's far end then
 * moved to a uniform node with probability p), then every channel's capacity and
 * policies drawn from its own stream. */
#include "models/channel/topology.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The links so far, and a set of them (open addressing on the unordered pair) so a
 * duplicate or a self-loop is refused in O(1). */
struct links {
    uint32_t (*l)[2];
    size_t n, cap;
    uint64_t *set;             /* key + 1 (0 = empty), a tombstone is UINT64_MAX */
    size_t setcap;
};

static uint64_t pair_key(uint32_t a, uint32_t b)
{
    return a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
}

static size_t pair_slot(uint64_t key, size_t cap)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

static bool links_has(const struct links *L, uint32_t a, uint32_t b)
{
    uint64_t k = pair_key(a, b) + 1;
    for (size_t i = pair_slot(k, L->setcap);; i = (i + 1) & (L->setcap - 1)) {
        if (L->set[i] == 0)
            return false;
        if (L->set[i] == k)
            return true;
    }
}

static void set_put(struct links *L, uint64_t k)
{
    size_t i = pair_slot(k, L->setcap);
    while (L->set[i] != 0 && L->set[i] != UINT64_MAX)
        i = (i + 1) & (L->setcap - 1);
    L->set[i] = k;
}

static void set_del(struct links *L, uint32_t a, uint32_t b)
{
    uint64_t k = pair_key(a, b) + 1;
    for (size_t i = pair_slot(k, L->setcap);; i = (i + 1) & (L->setcap - 1)) {
        SIM_ASSERT(L->set[i] != 0);
        if (L->set[i] == k) {
            L->set[i] = UINT64_MAX;
            return;
        }
    }
}

/* A set with room for `expect` links at load <= 1/4 (tombstones included). */
static void links_init(struct links *L, size_t expect)
{
    memset(L, 0, sizeof *L);
    L->cap = expect ? expect : 1;
    L->l = xmalloc(L->cap * sizeof *L->l);
    L->setcap = 64;
    while (L->setcap < 4 * expect)
        L->setcap *= 2;
    L->set = xcalloc(L->setcap, sizeof *L->set);
}

static void links_add(struct links *L, uint32_t a, uint32_t b)
{
    SIM_ASSERT(a != b && !links_has(L, a, b) && L->n < L->cap);
    L->l[L->n][0] = a;
    L->l[L->n][1] = b;
    L->n++;
    set_put(L, pair_key(a, b) + 1);
}

/* Barabasi-Albert: a clique of m + 1 nodes, then each node t links to m distinct
 * earlier nodes, each picked with probability degree / (2 x links): a uniform entry
 * of `ends`, which lists every link's two endpoints (a node appears degree times). */
static void wire_scale_free(struct links *L, uint32_t n, uint32_t m, gsl_rng *r)
{
    uint32_t *ends = xmalloc(2 * L->cap * sizeof *ends);
    size_t nends = 0;
    for (uint32_t a = 0; a <= m; a++)
        for (uint32_t b = a + 1; b <= m; b++) {
            links_add(L, b, a);
            ends[nends++] = a;
            ends[nends++] = b;
        }
    for (uint32_t t = m + 1; t < n; t++) {
        size_t first = L->n;
        while (L->n - first < m) {
            uint32_t v = ends[gsl_rng_uniform_int(r, nends)];
            if (!links_has(L, t, v))          /* a node already picked: draw again */
                links_add(L, t, v);
        }
        /* the new degrees count for the next node, not within this one's picks */
        for (size_t i = first; i < L->n; i++) {
            ends[nends++] = L->l[i][0];
            ends[nends++] = L->l[i][1];
        }
    }
    free(ends);
}

/* Watts-Strogatz: links (u, u + j mod n) for j = 1..k/2; then, lap j by lap j and
 * node by node as in the paper, each such link's far end moves with probability p to
 * a node drawn uniformly among those u has no link to (a node linked to all others
 * keeps its link). */
static void wire_small_world(struct links *L, uint32_t n, uint32_t k, double p, gsl_rng *r)
{
    for (uint32_t j = 1; j <= k / 2; j++)
        for (uint32_t u = 0; u < n; u++)
            links_add(L, u, (u + j) % n);
    uint32_t *deg = xmalloc(n * sizeof *deg);
    for (uint32_t u = 0; u < n; u++)
        deg[u] = k;
    for (size_t i = 0; i < L->n; i++) {
        if (gsl_rng_uniform(r) >= p)
            continue;
        uint32_t u = L->l[i][0], old = L->l[i][1];
        if (deg[u] >= n - 1)
            continue;
        uint32_t w;
        do
            w = (uint32_t)gsl_rng_uniform_int(r, n);
        while (w == u || links_has(L, u, w));
        set_del(L, u, old);
        set_put(L, pair_key(u, w) + 1);
        L->l[i][1] = w;
        deg[old]--;
        deg[w]++;
    }
    free(deg);
}

static uint32_t draw_fee(gsl_rng *r, uint32_t median, double sigma)
{
    if (sigma <= 0 || median == 0)
        return median;
    double f = (double)median * exp(gsl_ran_gaussian_ziggurat(r, sigma));
    return f >= 4294967295.0 ? UINT32_MAX : (uint32_t)(f + 0.5);
}

struct graph *topology_build(const struct topology_params *tp, gsl_rng *wiring,
                             topology_stream_fn *stream, void *ctx)
{
    uint32_t n = tp->nodes;
    struct links L;
    switch (tp->kind) {
    case TOPOLOGY_SCALE_FREE:
        SIM_ASSERT(tp->attach >= 1 && n > tp->attach);
        links_init(&L, (size_t)tp->attach * (tp->attach + 1) / 2 +
                       (size_t)(n - tp->attach - 1) * tp->attach);
        wire_scale_free(&L, n, tp->attach, wiring);
        break;
    case TOPOLOGY_SMALL_WORLD:
        SIM_ASSERT(tp->neighbors % 2 == 0 && tp->neighbors >= 2 && tp->neighbors < n);
        links_init(&L, (size_t)n * tp->neighbors / 2);
        wire_small_world(&L, n, tp->neighbors, tp->rewire, wiring);
        break;
    case TOPOLOGY_LINKS:
    default:
        links_init(&L, tp->nlinks);
        for (size_t i = 0; i < tp->nlinks; i++)
            links_add(&L, tp->links[i][0], tp->links[i][1]);
        break;
    }
    struct graph *g = xcalloc(1, sizeof *g);
    g->nnodes = n;
    g->nchannels = L.n;
    g->nedges = 2 * L.n;
    g->channels = xcalloc(L.n ? L.n : 1, sizeof *g->channels);
    g->edges = xcalloc(g->nedges ? g->nedges : 1, sizeof *g->edges);
    for (size_t k = 0; k < L.n; k++) {
        gsl_rng *r = stream(ctx, (uint32_t)k);
        double c = (double)tp->capacity_median_msat *
                   (tp->capacity_sigma > 0 ? exp(gsl_ran_gaussian_ziggurat(r, tp->capacity_sigma)) : 1);
        uint64_t cap = c < 2 ? 2 : c > (double)(GRAPH_MSAT_MAX / 1024) ? GRAPH_MSAT_MAX / 1024
                     : (uint64_t)c;
        struct graph_channel *gc = &g->channels[k];
        gc->node[0] = L.l[k][0];
        gc->node[1] = L.l[k][1];
        gc->capacity_msat = cap;
        for (int s = 0; s < 2; s++) {
            uint32_t ei = (uint32_t)(2 * k + (size_t)s);
            struct graph_policy pol = tp->policy;
            pol.fee_base_msat = draw_fee(r, tp->policy.fee_base_msat, tp->fee_sigma);
            pol.fee_proportional_millionths =
                draw_fee(r, tp->policy.fee_proportional_millionths, tp->fee_sigma);
            gc->edge[s] = ei;
            g->edges[ei] = (struct graph_edge){
                .channel = (uint32_t)k, .counter_edge = ei ^ 1u, .from = gc->node[s],
                .to = gc->node[1 - s], .balance_msat = s == 0 ? cap - cap / 2 : cap / 2,
                .capacity_msat = cap, .policy = pol };
        }
        gsl_rng_free(r);
    }
    free(L.l);
    free(L.set);
    graph_index(g);
    return g;
}
