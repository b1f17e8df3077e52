/* scheme_channels_topo.c — the generated topologies of the scheme `channels`
 * (topology scale_free, small_world, contacts): the scenario's keys read and checked,
 * the wiring and each channel's amounts drawn from the scheme's per-entity streams,
 * the graph built by topology.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/channel/scheme_channels.h"
#include "models/channel/topology.h"
#include "models/workload/users.h"

/* Stream entities of the generated graph (scheme_stream: adding a channel never
 * shifts another's draws): the wiring, and one per channel for its amounts. */
#define TOPO_ENTITY_WIRING 0x544f50u     /* "TOP" */
#define TOPO_ENTITY_CHANNEL 0x544f43u    /* "TOC" */

static gsl_rng *channel_stream(void *ctx, uint32_t k)
{
    return scheme_stream(ctx, SCHEME_ENTITY(TOPO_ENTITY_CHANNEL, k), 1);
}

int channels_topology_generate(struct scheme *sc, const char *kind, struct graph **out,
                               struct err *e)
{
    const struct scn *s = sc->world->scn;
    size_t i = sc->index;
    char path[96];
    struct topology_params tp = {
        .nodes = (uint32_t)scn_uint(s, "schemes[%zu].generate.nodes", i),
        .attach = (uint32_t)scn_uint(s, "schemes[%zu].generate.attach", i),
        .neighbors = (uint32_t)scn_uint(s, "schemes[%zu].generate.neighbors", i),
        .rewire = scn_real(s, "schemes[%zu].generate.rewire", i),
        .capacity_sigma = scn_real(s, "schemes[%zu].generate.capacity.sigma", i),
        .fee_sigma = scn_real(s, "schemes[%zu].generate.fee_sigma", i),
        .policy = {
            .fee_base_msat = (uint32_t)scn_uint(s, "schemes[%zu].fee_base_msat", i),
            .fee_proportional_millionths =
                (uint32_t)scn_uint(s, "schemes[%zu].fee_proportional_millionths", i),
            .htlc_minimum_msat = scn_uint(s, "schemes[%zu].htlc_minimum_msat", i),
            .cltv_expiry_delta = (uint32_t)scn_uint(s, "schemes[%zu].cltv_expiry_delta", i),
        },
    };
    u128 cap = scn_amount(s, "schemes[%zu].generate.capacity.median", i) / GRAPH_WEI_PER_MSAT;
    snprintf(path, sizeof path, "schemes[%zu].generate.capacity.median", i);
    if (cap < 2)
        return scn_error_at(s, e, path, "a channel's capacity must be at least 2 msat "
                            "(2e7 wei): each side holds half");
    tp.capacity_median_msat = (uint64_t)cap;
    uint32_t (*links)[2] = NULL;
    if (strcmp(kind, "scale_free") == 0) {
        tp.kind = TOPOLOGY_SCALE_FREE;
        snprintf(path, sizeof path, "schemes[%zu].generate.attach", i);
        if (tp.attach >= tp.nodes)
            return scn_error_at(s, e, path, "%u channels per joining node need more than %u "
                                "nodes", tp.attach, tp.nodes);
    } else if (strcmp(kind, "small_world") == 0) {
        tp.kind = TOPOLOGY_SMALL_WORLD;
        snprintf(path, sizeof path, "schemes[%zu].generate.neighbors", i);
        if (tp.neighbors % 2 || tp.neighbors >= tp.nodes)
            return scn_error_at(s, e, path, "the ring lattice's degree must be even and below "
                                "the %u nodes", tp.nodes);
    } else {
        /* contacts: one node per user, a channel per payment-graph link (u < v) */
        tp.kind = TOPOLOGY_LINKS;
        const struct users *u = sc->world->users;
        uint32_t n = users_count(u);
        size_t deg;
        snprintf(path, sizeof path, "schemes[%zu].topology", i);
        if (strcmp(scn_str(s, "workload.recipients"), "graph") != 0)
            return scn_error_at(s, e, path, "topology contacts needs the payment graph: "
                                "workload.recipients: graph");
        size_t cap_links = 0;
        for (uint32_t v = 0; v < n; v++) {
            const uint32_t *c = users_contacts(u, v, &deg);
            for (size_t j = 0; j < deg; j++) {
                if (c[j] <= v)
                    continue;
                if (tp.nlinks == cap_links) {
                    cap_links = cap_links ? 2 * cap_links : 1024;
                    links = xrealloc(links, cap_links * sizeof *links);
                }
                links[tp.nlinks][0] = v;
                links[tp.nlinks][1] = c[j];
                tp.nlinks++;
            }
        }
        tp.nodes = n;
        tp.links = (const uint32_t (*)[2])links;
        if (n < 2)
            return scn_error_at(s, e, path, "topology contacts needs at least 2 users");
    }
    gsl_rng *wiring = tp.kind == TOPOLOGY_LINKS ? NULL
                    : scheme_stream(sc, SCHEME_ENTITY(TOPO_ENTITY_WIRING, 0), 1);
    *out = topology_build(&tp, wiring, channel_stream, sc);
    if (wiring)
        gsl_rng_free(wiring);
    free(links);
    return 0;
}
