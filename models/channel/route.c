/* route.c — source routing over the channel graph (see route.h): Dijkstra from the
 * destination backwards, each node labeled with the amount and CLTV expiry its
 * incoming HTLC must carry, so fees and timelocks compound hop by hop exactly as the
 * sender will put them in the onion (BOLT-4). */
#include "models/channel/route.h"

#include <stdlib.h>
#include <string.h>

struct heap_item {
    uint64_t cost;
    uint32_t node;
};

/* A node's scratch label, valid when stamp == epoch (so a search clears nothing:
 * O(nodes reached), not O(V)); one record, so a look at a node is one cache line. */
struct label {
    uint32_t stamp;
    uint32_t done;          /* valid with stamp: 1 once popped (label final) */
    uint64_t cost;          /* the distance: weight + attempt penalty / prob */
    uint64_t weight;        /* fees + risk from here to the destination */
    uint64_t prob;          /* success probability of the rest, 2^-32 units */
    uint64_t amt;
    uint32_t cltv, hops, next_edge;
};

/* The probabilities of one search in 2^-32 units (see route_opts), and, for the A*
 * bound, reach[k]: the most a route can still add in probability from a node k hops
 * from the source (own x apriori^(k-1); reach[0] = 1, the source itself). */
enum { HOP_BOUND_MAX = 2 };         /* hop distances known exactly up to this */
struct probs {
    uint64_t own, apriori, min;
    uint64_t reach[HOP_BOUND_MAX + 2];
};

#define PROB_ONE (1ull << 32)

static uint64_t ppm_to_prob(uint32_t ppm)
{
    return ppm >= 1000000u ? PROB_ONE : (uint64_t)ppm * PROB_ONE / 1000000u;
}

struct route_finder {
    const struct graph *g;
    size_t n;               /* nodes the array holds (the graph may grow) */
    uint32_t epoch;
    struct label *lab;
    /* per node: hops from the source when near it (hop_stamp == epoch), found by a
     * breadth-first walk of the source's neighbourhood before each search */
    uint32_t *hop_stamp;
    uint8_t  *hop_dist;
    unsigned  far_hops;     /* the bound for the nodes the walk did not mark */
    uint32_t *queue;
    struct heap_item *heap;
    size_t nheap, capheap;
};

struct route_finder *route_finder_new(const struct graph *g)
{
    struct route_finder *f = xcalloc(1, sizeof *f);
    size_t n = g->nnodes ? g->nnodes : 1;
    f->g = g;
    f->n = n;
    f->lab = xcalloc(n, sizeof *f->lab);
    f->hop_stamp = xcalloc(n, sizeof *f->hop_stamp);
    f->hop_dist = xcalloc(n, sizeof *f->hop_dist);
    f->queue = xmalloc(n * sizeof *f->queue);
    f->capheap = 64;
    f->heap = xmalloc(f->capheap * sizeof *f->heap);
    return f;
}

void route_finder_free(struct route_finder *f)
{
    if (!f)
        return;
    free(f->lab);
    free(f->hop_stamp);
    free(f->hop_dist);
    free(f->queue);
    free(f->heap);
    free(f);
}

bool route_fee(const struct graph_policy *p, uint64_t amount_msat, uint64_t *fee)
{
    /* BOLT-7 "fee_base_msat + (amount_to_forward * fee_proportional_millionths /
     * 1000000)", integer division: rounded down */
    u128 f = (u128)p->fee_base_msat +
             (u128)amount_msat * p->fee_proportional_millionths / 1000000u;
    if (f > UINT64_MAX)
        return false;
    *fee = (uint64_t)f;
    return true;
}

/* Min-heap on (cost, node): equal costs pop the lower node id first, so the search
 * is deterministic. */
static bool heap_less(const struct heap_item *a, const struct heap_item *b)
{
    return a->cost < b->cost || (a->cost == b->cost && a->node < b->node);
}

static void heap_push(struct route_finder *f, uint64_t cost, uint32_t node)
{
    if (f->nheap == f->capheap) {
        f->capheap *= 2;
        f->heap = xrealloc(f->heap, f->capheap * sizeof *f->heap);
    }
    size_t i = f->nheap++;
    struct heap_item it = { cost, node };
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_less(&it, &f->heap[p]))
            break;
        f->heap[i] = f->heap[p];
        i = p;
    }
    f->heap[i] = it;
}

static struct heap_item heap_pop(struct route_finder *f)
{
    struct heap_item top = f->heap[0], last = f->heap[--f->nheap];
    size_t i = 0, n = f->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && heap_less(&f->heap[c + 1], &f->heap[c]))
            c++;
        if (!heap_less(&f->heap[c], &last))
            break;
        f->heap[i] = f->heap[c];
        i = c;
    }
    if (n)
        f->heap[i] = last;
    return top;
}

/* The graph grew (graph_add_node): room for its nodes, new stamps 0 (unreached). */
static void finder_grow(struct route_finder *f, size_t n)
{
    size_t c = f->n;
    while (c < n)
        c *= 2;
    f->lab = xrealloc(f->lab, c * sizeof *f->lab);
    memset(f->lab + f->n, 0, (c - f->n) * sizeof *f->lab);
    f->hop_stamp = xrealloc(f->hop_stamp, c * sizeof *f->hop_stamp);
    memset(f->hop_stamp + f->n, 0, (c - f->n) * sizeof *f->hop_stamp);
    f->hop_dist = xrealloc(f->hop_dist, c * sizeof *f->hop_dist);
    f->queue = xrealloc(f->queue, c * sizeof *f->queue);
    f->n = c;
}

static bool reached(const struct route_finder *f, uint32_t v)
{
    return f->lab[v].stamp == f->epoch;
}

/* A lower bound on how many hops separate u from the source: exact near it, else one
 * more than the walk went. */
static inline unsigned hops_to_source(const struct route_finder *f, uint32_t u)
{
    return f->hop_stamp[u] == f->epoch ? f->hop_dist[u] : f->far_hops;
}

/* The search key of a label (weight, prob) at u: with the attempt penalty, the least
 * distance a route through u can reach at the source, weight + penalty / (prob x
 * reach[hops to the source]) (the rest of the route adds fees >= 0 and multiplies the
 * probability by at most that): an admissible and consistent A* bound, so u's label
 * is final when it pops and the source pops with its true distance. 0: the label
 * cannot reach MinRouteProbability (pruned). Without the penalty: the weight. */
static inline uint64_t search_key(const struct route_finder *f, const struct route_opts *o,
                                  const struct probs *pr, uint32_t u, uint64_t weight,
                                  uint64_t prob)
{
    if (!o->attempt_penalty_msat)
        return weight;
    uint64_t pb = (uint64_t)((u128)prob * pr->reach[hops_to_source(f, u)] >> 32);
    if (pb < pr->min || pb == 0)
        return 0;
    u128 c = (u128)weight + ((u128)o->attempt_penalty_msat << 32) / pb;
    return c > UINT64_MAX ? 0 : (uint64_t)c;
}

/* Label u = x->from through edge ei (whose routing record is x) from v, if that
 * beats u's label. */
static inline void relax(struct route_finder *f, const struct route_opts *o, uint32_t v,
                         uint32_t ei, const struct graph_fin *x, uint32_t source,
                         uint64_t max_cltv, const struct probs *pr)
{
    uint32_t u = x->from;
    uint64_t amt = f->lab[v].amt;
    if (o->excluded_edge && o->excluded_edge[ei])
        return;
    if (amt > x->capacity_msat || amt < x->htlc_minimum_msat)
        return;
    uint64_t amt_u = amt, weight_u = f->lab[v].weight, cltv_u = f->lab[v].cltv;
    uint64_t hop_p;
    if (u == source) {
        /* the sender's own channel: no fee, and it knows its balance */
        if (amt > f->g->edges[ei].balance_msat)
            return;
        hop_p = pr->own;
    } else {
        /* BOLT-7 "fee_base_msat + (amount_to_forward * fee_proportional_millionths /
         * 1000000)", rounded down (route_fee, inlined on the record); in 64 bits when
         * the product fits (amounts under 2^32 msat: every CLoTH-sized payment) */
        uint64_t fee;
        if (amt <= UINT32_MAX) {
            fee = x->fee_base_msat + amt * x->fee_proportional_millionths / 1000000u;
        } else {
            u128 fw = (u128)x->fee_base_msat +
                      (u128)amt * x->fee_proportional_millionths / 1000000u;
            if (fw > GRAPH_MSAT_MAX - amt)
                return;
            fee = (uint64_t)fw;
        }
        amt_u = amt + fee;
        cltv_u += x->cltv_expiry_delta;
        if (cltv_u > max_cltv)
            return;
        /* risk: the value locked (amt_u) times how long (the delta) */
        uint64_t risk;
        if (amt_u <= UINT32_MAX && o->risk_factor_ppb <= UINT16_MAX)
            risk = amt_u * x->cltv_expiry_delta * o->risk_factor_ppb / 1000000000u;
        else {
            u128 r = (u128)amt_u * x->cltv_expiry_delta * o->risk_factor_ppb / 1000000000u;
            if (r > UINT64_MAX)
                return;
            risk = (uint64_t)r;
        }
        if (fee > UINT64_MAX - weight_u || risk > UINT64_MAX - weight_u - fee)
            return;
        weight_u += fee + risk;
        hop_p = pr->apriori;
    }
    uint64_t prob_u = PROB_ONE;
    if (o->attempt_penalty_msat) {
        prob_u = (uint64_t)((u128)f->lab[v].prob * hop_p >> 32);
        if (prob_u < pr->min || prob_u == 0)
            return;                 /* LND: below MinRouteProbability */
    }
    uint64_t cost_u = search_key(f, o, pr, u, weight_u, prob_u);
    if (o->attempt_penalty_msat && cost_u == 0)
        return;
    if (reached(f, u) && (f->lab[u].cost < cost_u ||
                          (f->lab[u].cost == cost_u && f->lab[u].prob >= prob_u)))
        return;                     /* ties keep the first label found, unless the new
                                       one is likelier (LND's tie rule) */
    f->lab[u].stamp = f->epoch;
    f->lab[u].done = 0;
    f->lab[u].cost = cost_u;
    f->lab[u].weight = weight_u;
    f->lab[u].prob = prob_u;
    f->lab[u].amt = amt_u;
    f->lab[u].cltv = (uint32_t)cltv_u;
    f->lab[u].hops = f->lab[v].hops + 1;
    f->lab[u].next_edge = ei;
    heap_push(f, cost_u, u);
}

/* Mark the nodes within HOP_BOUND_MAX channels of the source with their hop count,
 * walking a neighbour's channels only while the walk stays under `budget` edges (a
 * hub's neighbourhood is most of the graph). Unmarked nodes are HOP_BOUND_MAX + 1
 * away when every neighbour was walked, else (budget spent) d + 1 for the first node
 * at depth d left unwalked.
 * Channels are undirected here: any route's hops are at least this many, and the
 * bounds of two neighbours differ by at most one (the A* bound stays consistent). */
static void mark_near_source(struct route_finder *f, uint32_t source, size_t budget)
{
    const struct graph *g = f->g;
    size_t head = 0, tail = 0, seen = 0;
    f->far_hops = HOP_BOUND_MAX + 1;
    f->hop_stamp[source] = f->epoch;
    f->hop_dist[source] = 0;
    f->queue[tail++] = source;
    while (head < tail) {
        uint32_t v = f->queue[head++];
        unsigned d = f->hop_dist[v];
        if (d == HOP_BOUND_MAX)
            continue;
        uint32_t deg = g->out_end[v] - g->out_start[v];
        if (d > 0 && seen + deg > budget) {
            if (d + 1 < f->far_hops)
                f->far_hops = d + 1;    /* some node d + 1 away stays unmarked */
            continue;
        }
        seen += deg;
        for (uint32_t k = g->out_start[v]; k < g->out_end[v]; k++) {
            uint32_t w = g->edges[g->out_edge[k]].to;
            if (f->hop_stamp[w] == f->epoch)
                continue;
            f->hop_stamp[w] = f->epoch;
            f->hop_dist[w] = (uint8_t)(d + 1);
            f->queue[tail++] = w;
        }
    }
}

int route_find(struct route_finder *f, uint32_t source, uint32_t dest, uint64_t amount_msat,
               const struct route_opts *o, struct route *r)
{
    const struct graph *g = f->g;
    memset(r, 0, sizeof *r);
    if (source >= g->nnodes || dest >= g->nnodes || source == dest || amount_msat == 0)
        return -1;
    if (g->nnodes > f->n)
        finder_grow(f, g->nnodes);
    if (++f->epoch == 0) {          /* wrapped: stale stamps could alias */
        for (size_t v = 0; v < f->n; v++)
            f->lab[v].stamp = f->hop_stamp[v] = 0;
        f->epoch = 1;
    }
    /* a source with one channel is in no fin list: its edge is tried by hand */
    uint32_t src_leaf_edge = g->out_end[source] - g->out_start[source] == 1
                           ? g->out_edge[g->out_start[source]] : UINT32_MAX;
    struct graph_fin src_rec = { 0 };
    if (src_leaf_edge != UINT32_MAX) {
        const struct graph_edge *e = &g->edges[src_leaf_edge];
        src_rec = (struct graph_fin){ .capacity_msat = e->capacity_msat,
                                      .htlc_minimum_msat = e->policy.htlc_minimum_msat,
                                      .from = source };
    }
    uint64_t final_cltv = (uint64_t)o->height + o->final_cltv_expiry_delta;
    uint64_t max_cltv = (uint64_t)o->height + o->max_total_cltv;
    if (final_cltv > max_cltv || final_cltv > UINT32_MAX)
        return -1;
    struct probs pr = { .own = ppm_to_prob(o->own_hop_probability_ppm),
                        .apriori = ppm_to_prob(o->apriori_hop_probability_ppm),
                        .min = ppm_to_prob(o->min_probability_ppm) };
    pr.reach[0] = PROB_ONE;
    pr.reach[1] = pr.own;
    for (size_t k = 2; k < ARRAY_LEN(pr.reach); k++)
        pr.reach[k] = (uint64_t)((u128)pr.reach[k - 1] * pr.apriori >> 32);
    if (o->attempt_penalty_msat)
        mark_near_source(f, source, 4096);
    f->nheap = 0;
    f->lab[dest].stamp = f->epoch;
    f->lab[dest].done = 0;
    f->lab[dest].cost = search_key(f, o, &pr, dest, 0, PROB_ONE);
    f->lab[dest].weight = 0;
    f->lab[dest].prob = PROB_ONE;
    f->lab[dest].amt = amount_msat;
    f->lab[dest].cltv = (uint32_t)final_cltv;
    f->lab[dest].hops = 0;
    f->lab[dest].next_edge = UINT32_MAX;
    if (o->attempt_penalty_msat && f->lab[dest].cost == 0)
        return -1;
    heap_push(f, f->lab[dest].cost, dest);
    bool found = false;
    while (f->nheap) {
        struct heap_item it = heap_pop(f);
        uint32_t v = it.node;
        if (f->lab[v].done || it.cost != f->lab[v].cost)
            continue;               /* a stale heap entry */
        f->lab[v].done = 1;
        if (v == source) {
            found = true;
            break;
        }
        if (f->lab[v].hops == ROUTE_MAX_HOPS)
            continue;
        /* the edges into v that can carry the payment: from forwarders (fin), and
         * the source's own when it is a leaf (one channel, so in no fin list) */
        uint32_t kend = g->fin_end[v] + (src_leaf_edge != UINT32_MAX &&
                                         g->edges[src_leaf_edge].to == v);
        for (uint32_t k = g->fin_start[v]; k < g->fin_end[v]; k++) {
            /* the records beside fin_edge: a node already final is passed over, and a
             * candidate is read in list order, without touching its edge */
            const struct graph_fin *x = &g->fin_rec[k];
            if (reached(f, x->from) && f->lab[x->from].done)
                continue;
            relax(f, o, v, g->fin_edge[k], x, source, max_cltv, &pr);
        }
        if (kend > g->fin_end[v] && !(reached(f, source) && f->lab[source].done))
            relax(f, o, v, src_leaf_edge, &src_rec, source, max_cltv, &pr);
    }
    if (!found)
        return -1;
    /* walk from the source: hop i's HTLC carries what its far end was labeled with */
    uint32_t v = source;
    while (v != dest) {
        uint32_t ei = f->lab[v].next_edge;
        uint32_t w = g->edges[ei].to;
        struct route_hop *h = &r->hop[r->nhops++];
        h->edge = ei;
        h->amount_msat = f->lab[w].amt;
        h->cltv_expiry = f->lab[w].cltv;
        h->fee_msat = w == dest ? 0
                    : f->lab[w].amt - f->lab[g->edges[f->lab[w].next_edge].to].amt;
        v = w;
    }
    r->amount_msat = amount_msat;
    r->fee_msat = r->hop[0].amount_msat - amount_msat;
    return 0;
}
