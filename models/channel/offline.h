/* offline.h — faulty channel nodes that go offline for drawn periods (issue 12 item
 * 5): a node is faulty with probability `share`; a faulty node alternates up and
 * down periods drawn exponential with means `up` and `down` (an alternating renewal
 * process, stationary from t = 0: down at t = 0 with probability down / (up + down)).
 * An offline node neither adds nor forwards HTLCs, nor sends the messages that settle
 * them (BOLT-2: updates flow only between connected peers; on reconnection they are
 * retransmitted), and does not watch the chain. Each node's draws come from its own
 * stream, made the first time the node is asked about, so a node never asked costs
 * nothing and adding one never shifts another's periods. */
#ifndef L2SIM_CHANNEL_OFFLINE_H
#define L2SIM_CHANNEL_OFFLINE_H

#include <gsl/gsl_rng.h>
#include <stdbool.h>

#include "sim/sched.h"

struct offline_params {
    double   share;               /* of nodes that are faulty, 0..1 */
    sim_time up, down;            /* mean period lengths, us (> 0) */
};

/* Node `id`'s stream (the caller's per-entity stream; offline owns and frees it). */
typedef gsl_rng *offline_stream_fn(void *ctx, uint64_t id);

struct offline;

/* A schedule for node ids 0..n-1 (the caller's stable identities); grows if asked
 * about a larger id. share 0: nobody is ever offline and no stream is made. */
struct offline *offline_new(const struct offline_params *p, offline_stream_fn *stream,
                            void *ctx);
void offline_free(struct offline *o);

/* Is node `id` offline at time t (any t >= 0, in any order)? Its flips are drawn
 * up to t once and kept: O(log periods) after that. */
bool offline_down(struct offline *o, uint64_t id, sim_time t);

/* The first time >= t at which node id is online (t itself when it is online). */
sim_time offline_next_up(struct offline *o, uint64_t id, sim_time t);

/* The first time >= t at which node id is offline (INT64_MAX: never, a sound node). */
sim_time offline_next_down(struct offline *o, uint64_t id, sim_time t);

/* Is node id faulty at all (ever offline)? */
bool offline_faulty(struct offline *o, uint64_t id);

#endif
