/* topology.h — channel graphs generated for the scheme `channels` (graph.h holds
 * them): scale-free by preferential attachment (Barabasi-Albert 1999), small-world by
 * rewiring a ring lattice (Watts-Strogatz 1998), or the workload's own payment graph
 * (users_contacts). The wiring and each channel's capacity and policy are drawn from
 * streams the caller hands in, so the same seed builds the same graph. */
#ifndef L2SIM_CHANNEL_TOPOLOGY_H
#define L2SIM_CHANNEL_TOPOLOGY_H

#include <gsl/gsl_rng.h>

#include "models/channel/graph.h"

enum topology_kind { TOPOLOGY_SCALE_FREE, TOPOLOGY_SMALL_WORLD, TOPOLOGY_LINKS };

struct topology_params {
    enum topology_kind kind;
    uint32_t nodes;
    uint32_t attach;           /* scale-free: m, channels each joining node opens */
    uint32_t neighbors;        /* small-world: k (even), the ring lattice's degree */
    double   rewire;           /* small-world: p, the chance each lattice link is rewired */
    /* TOPOLOGY_LINKS: the undirected links (a, b), a != b, no duplicates (borrowed) */
    const uint32_t (*links)[2];
    size_t   nlinks;
    /* every channel: capacity lognormal(median, sigma) in msat, split evenly between
     * the two sides (side 0 takes the odd msat); each direction's policy is `policy`
     * with its base and proportional fee each times lognormal(0, fee_sigma), rounded */
    uint64_t capacity_median_msat;
    double   capacity_sigma;
    struct graph_policy policy;
    double   fee_sigma;
};

/* A stream for channel k's capacity and policies (the caller's per-entity stream,
 * freed by topology_build). */
typedef gsl_rng *topology_stream_fn(void *ctx, uint32_t channel);

/* Build the graph: wiring drawn from `wiring` (borrowed), channel k's amounts from
 * stream(ctx, k). Node ids 0..nodes-1; channel k's node[0] is the endpoint that
 * opened it (scale-free: the joining node; small-world: the lattice's lower end, or
 * the rewired link's origin). Requirements (checked by the caller, asserted here):
 * scale-free nodes > attach >= 1; small-world neighbors even, 2 <= neighbors <
 * nodes. Edge counts: scale-free attach (attach + 1) / 2 + (nodes - attach - 1)
 * attach (a clique of attach + 1 nodes, then attach channels per node); small-world
 * nodes x neighbors / 2 (rewiring moves links, never adds or drops one). O(nodes x
 * (attach or neighbors)) expected. The result is indexed (graph_index); graph_free. */
struct graph *topology_build(const struct topology_params *tp, gsl_rng *wiring,
                             topology_stream_fn *stream, void *ctx);

#endif
