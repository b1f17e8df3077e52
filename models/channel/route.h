/* route.h — source routing as a Lightning node does it (BOLT-4 source-routed onions,
 * BOLT-7 policies): the sender knows every channel's capacity and both directions'
 * advertised policies, its own channels' balances, and nobody else's. A Dijkstra run
 * from the destination back to the source (as LND and CLoTH do) so that each hop's
 * amount and CLTV expiry are known when the hop before it is weighed. */
#ifndef L2SIM_CHANNEL_ROUTE_H
#define L2SIM_CHANNEL_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/channel/graph.h"

#define ROUTE_MAX_HOPS 20u   /* BOLT-4: the legacy 1300-byte onion carries 20 hops */

/* One hop: the HTLC offered over `edge` (from -> to) carries amount_msat and expires
 * at block cltv_expiry (BOLT-2 update_add_htlc: amount_msat, cltv_expiry). fee_msat
 * is what `to` keeps for forwarding to the next hop (0 for the last hop). */
struct route_hop {
    uint32_t edge;
    uint64_t amount_msat;
    uint32_t cltv_expiry;
    uint64_t fee_msat;
};

struct route {
    size_t nhops;
    struct route_hop hop[ROUTE_MAX_HOPS];
    uint64_t amount_msat;       /* delivered to the destination */
    uint64_t fee_msat;          /* sum of the hops' fees = hop[0].amount - amount */
};

struct route_opts {
    uint32_t height;                 /* the current block height */
    uint32_t final_cltv_expiry_delta;/* the destination's min_final_cltv_expiry_delta
                                        (BOLT-11 default 18; LND uses 40) */
    uint32_t max_total_cltv;         /* refuse routes locking funds longer (LND: 2016) */
    uint64_t risk_factor_ppb;        /* cost of locking 1 msat for 1 block, in 1e-9 msat
                                        (LND's RiskFactorBillionths default 15) */
    const uint8_t *excluded_edge;    /* borrowed, nedges flags or NULL: edges that
                                        failed before (what a failure taught) */
    /* The price of a failed attempt, weighed against each hop's chance of success as
     * LND's probability-based pathfinding does (routing/pathfind.go, v0.10, which
     * CLoTH copies): a route's distance is its fees + risk plus
     * attempt_penalty_msat / P, P the product of its hops' success probabilities:
     * own_hop_probability_ppm on the sender's own channel (LND's
     * prevSuccessProbability 0.95), apriori_hop_probability_ppm on every other (LND's
     * AprioriHopProbability 0.6), a route below min_probability_ppm (LND's
     * MinRouteProbability 0.01) refused. So one more hop must save more in fees than
     * the failure it risks costs: routes are short. 0: fees + risk only. */
    uint64_t attempt_penalty_msat;     /* LND's PaymentAttemptPenalty: 100 sat */
    uint32_t apriori_hop_probability_ppm, own_hop_probability_ppm, min_probability_ppm;
};

/* LND's defaults for the fields above (lnd v0.10 routerrpc/config.go, as CLoTH's
 * routing.c has them: PAYMENTATTEMPTPENALTY, APRIORIHOPPROBABILITY,
 * PREVSUCCESSPROBABILITY, PROBABILITYLIMIT). */
#define ROUTE_LND_ATTEMPT_PENALTY_MSAT 100000u
#define ROUTE_LND_APRIORI_PPM          600000u
#define ROUTE_LND_OWN_PPM              950000u
#define ROUTE_LND_MIN_PROBABILITY_PPM  10000u

struct route_finder;

/* Scratch space for routes on g (borrowed; must outlive the finder). O(V). */
struct route_finder *route_finder_new(const struct graph *g);
void route_finder_free(struct route_finder *f);

/* The BOLT-7 forwarding fee of p for an outgoing HTLC of amount_msat:
 * fee_base_msat + amount_msat * fee_proportional_millionths / 1,000,000, rounded down.
 * False on overflow. */
bool route_fee(const struct graph_policy *p, uint64_t amount_msat, uint64_t *fee /* OUT */);

/* The cheapest route from source to dest delivering amount_msat, cost = fees + risk
 * (amount x cltv_expiry_delta x risk_factor_ppb / 1e9 per forwarding hop), plus the
 * attempt penalty over the route's success probability when o->attempt_penalty_msat
 * is set (probabilities in fixed point, 2^-32 units: integer arithmetic, so the same
 * on every machine). With the penalty the search is A*: a node is taken in order of
 * the least distance any route through it can reach at the source (its label's, with
 * the probability of the hops it still needs at least: exact within two channels of
 * the source, found by a walk of the source's neighbourhood), so it stops having
 * looked at the nodes between the two ends instead of the whole graph. Honoured on
 * every hop: amount <= the channel's capacity, >= the edge's htlc_minimum_msat, the
 * edge not excluded, at most ROUTE_MAX_HOPS hops, total CLTV delta <= max_total_cltv;
 * on the source's own first edge, the amount must also fit its balance (the sender
 * knows its own). Ties between equal costs go to the lower node id. 0 with *r filled,
 * or -1 when no route exists. O((V + E) log V). */
int route_find(struct route_finder *f, uint32_t source, uint32_t dest, uint64_t amount_msat,
               const struct route_opts *o, struct route *r /* OUT */);

#endif
