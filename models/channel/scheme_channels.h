/* scheme_channels.h — what the scheme `channels` (scheme_channels.c) declares beside its
 * protocol code (scheme_channels_decl.c): parameters, tables and views, metrics,
 * report, size estimate. Private to models/channel/. */
#ifndef L2SIM_SCHEME_CHANNELS_H
#define L2SIM_SCHEME_CHANNELS_H

#include "models/model.h"

extern const struct store_sql scheme_channels_sql;
extern const struct scheme_report scheme_channels_report;   /* scheme_channels_fig.c */
extern const struct scheme_costs scheme_channels_costs;     /* scheme_channels_decl.c */

void scheme_channels_metrics(const struct metrics_scope *m);
void scheme_channels_estimate(const struct scn *s, size_t index, const struct run_estimate *run,
                              struct scheme_estimate *out);

/* Topologies scale_free, small_world, contacts (kind: the topology key's value): the
 * graph from the scenario's generate.* keys, wired and funded from the scheme's
 * streams, every channel open before the run (scheme_channels_topo.c). 0, or
 * L2_EINPUT with where the scenario is wrong. */
struct graph;
int channels_topology_generate(struct scheme *sc, const char *kind, struct graph **out,
                               struct err *e);

/* A cheat through the scheme's hook "channel.revoked_state": at `at`, the hub of
 * user `victim` posts on L1 the revoked state of their channel best for the hub (or,
 * with latest, the latest state: an honest unilateral close); the victim (online, back
 * online after victim_offline, or its watchtower) answers with the penalty
 * transaction (or, with the scheme's penalty off, the newer signed state) while the
 * dispute period (to_self_delay) runs. The scheme fills
 * the outcome; the adversary (revoked_state.c) owns the struct and writes the attacks
 * row from it at the end. Amounts in wei, times in us (-1: never). */
enum channels_cheat_stage {
    CHEAT_PLANNED,         /* not yet posted */
    CHEAT_NOTHING,         /* nothing to post: no channel, or no revoked state better */
    CHEAT_POSTED,          /* on L1, the dispute period running */
    CHEAT_PENALIZED,       /* the penalty got in within the period: the cheater lost all */
    CHEAT_SUCCEEDED,       /* the period ended unanswered: the stale state paid out */
    CHEAT_CLOSED,          /* latest: the unilateral close paid out after the period */
    CHEAT_UPDATED,         /* penalty off: the newer state replaced it within the period
                              and was paid as signed (the cheater lost its fees only) */
};
struct channels_cheat {
    uint32_t victim;
    sim_time at, victim_offline;
    bool     latest;
    bool     by_user;          /* the user `victim` cheats its hub instead: it posts the
                                  revoked state best for it, the hub (always online)
                                  answers; value lost is then the hub's */
    bool     when_offline;     /* wait from `at` until the victim's node is offline
                                  (the scheme's faulty nodes, offline.share) */
    /* filled by the scheme */
    enum channels_cheat_stage stage;
    uint64_t posted_number, latest_number;   /* commitment numbers */
    sim_time posted_at, deadline, answered_at, resolved_at;
    sim_time victim_back;      /* when the victim could first answer (-1: not posted) */
    u128     cost;             /* the cheater's L1 fees (post and claim) */
    u128     at_risk;          /* the victim's latest balance - its balance in the post */
    u128     lost;             /* what the victim lost */
    u128     forfeited;        /* what the cheater forfeited (its latest balance) */
    char     detail[256];
};
typedef void channels_cheat_fn(struct scheme *sc, struct channels_cheat *c);

/* Cheats by probability, through the hook "channel.revoked_states": each user whose
 * channel is made before `at` is picked as a victim with `probability` (a draw from
 * the user's own stream when it joins), and its hub then cheats it at `at` as above
 * (when_offline: once the victim is offline). The scheme allocates one channels_cheat
 * per victim into cheat[] (the adversary frees them) in the order users joined. */
struct channels_cheat_plan {
    sim_time at;
    double   probability;
    bool     when_offline;
    bool     by_user;          /* the picked users cheat their hubs (channels_cheat) */
    uint32_t stream;           /* the plan's purpose in the users' streams */
    /* filled by the scheme */
    struct channels_cheat **cheat;
    size_t   ncheat;
};
typedef void channels_cheat_plan_fn(struct scheme *sc, struct channels_cheat_plan *p);

/* A forwarding node that holds the HTLCs it should forward (griefing, jamming),
 * through the scheme's hook "channel.hold_htlcs": from `from` until `until`, every
 * HTLC that reaches node `node` (hub topology: hub `node`; csv: node `node`) to be
 * forwarded is held for `hold`, then failed back, or taken back by its offerer at its
 * cltv_expiry if that comes first. The scheme fills the counts. */
struct channels_griefer {
    uint32_t node;
    sim_time from, until, hold;
    /* filled by the scheme */
    uint32_t node_id;          /* the graph node */
    uint64_t held, timed_out;  /* HTLCs held; of them, kept until their expiry */
    u128     locked_msat_us;   /* msat locked along the routes x us held */
    sim_time held_us;          /* the holds summed: the delay imposed on payments */
    uint64_t failed_before, failed_during, tried_before, tried_during;  /* payments */
    uint64_t onchain;          /* held HTLCs their offerer claimed back on L1 */
    uint64_t onchain_upstream; /* HTLCs before a held one on its route claimed back on
                                  L1 too: their deadline passed before its claim got in */
    sim_time onchain_delay_us; /* their HTLC-timeouts' blocks after cltv_expiry, summed */
    sim_time onchain_delay_max_us;
};
typedef void channels_griefer_fn(struct scheme *sc, struct channels_griefer *g);

/* Jamming with the attacker's own payments, through the hook "channel.jam" (hub
 * topology): user `sender` pays user `receiver` (its accomplice) over a route it
 * builds by hand: its hub, then `crossings` hops back and forth over the hub-to-hub
 * channel between its hub and the receiver's (the target), then the receiver. Each
 * crossing is one more HTLC in the target channel, so a route of 17 crossings takes
 * 17 of its max_accepted_htlcs slots (Mizrahi and Zohar, "Congestion attacks in
 * payment channel networks", FC 2021). The receiver never reveals the preimage: it
 * fails the HTLCs back one slot before the last hop's cltv_expiry (the route gives
 * the last hop `hold` of expiry, where an honest recipient asks final_cltv_expiry_delta)
 * and the sender sends again, keeping `payments` in flight from `from` until
 * `until`. The attacker's channels are funded at t = 0 with `funding` each. Failed
 * payments pay no routing fee. The scheme fills the counts. In the csv and generated
 * topologies the attacker is node sender mod nodes and its accomplice node receiver
 * mod nodes, on channels that exist before the run, and the target is `channel`: the
 * route is the fewest hops from the sender to the target's first node, the crossings,
 * then the fewest hops on to the receiver (neither leg through the target). */
struct channels_jammer {
    uint32_t sender, receiver, payments, crossings;
    uint32_t channel;                  /* csv and generated topologies: the channel to
                                          jam (UINT32_MAX: none given) */
    sim_time from, until, hold;
    u128     amount, funding;          /* wei */
    /* filled by the scheme */
    uint32_t target;                   /* the target channel */
    uint32_t path[20];                 /* csv and generated topologies: the edges of
                                          every jamming route (ROUTE_MAX_HOPS, BOLT-4) */
    uint32_t npath;
    uint64_t sent, refused;            /* jamming payments sent; refused at a hop */
    u128     fees_paid;                /* routing fees the jammer paid (settled only) */
    u128     l1_cost;                  /* its two channels' open fees */
    u128     locked_msat_us;           /* msat locked along its routes x us */
    sim_time held_us;                  /* jamming payments' time in flight, summed */
    uint64_t failed_before, failed_during, tried_before, tried_during;  /* honest */
    uint64_t slots_during;             /* honest payments refused for full slots */
};
typedef void channels_jammer_fn(struct scheme *sc, struct channels_jammer *j);

/* The route of edges[0..n) delivering amount_msat, as route_find would price it
 * (BOLT-7 fees and cltv_expiry_delta hop by hop from the last back), the last hop
 * expiring at height + final_delta. False when an amount overflows. O(n). */
struct route;
bool channels_route_along(const struct graph *g, const uint32_t *edges, size_t n,
                          uint64_t amount_msat, uint32_t height, uint32_t final_delta,
                          struct route *r /* OUT */);

/* The adversaries that use them (revoked_state.c, htlc_griefing.c; registry.c). */
extern const struct adversary_ops revoked_state_ops;
extern const struct adversary_ops htlc_griefing_ops;
extern const struct adversary_ops channel_jamming_ops;     /* jamming.c */

/* The scheme itself (registry.c). */
extern const struct scheme_ops scheme_channels_ops;

#endif
