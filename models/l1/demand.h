/* demand.h — the L1's background transactions, drawn ahead of the model on a thread
 * of their own.
 *
 * Every background draw comes from one stream (the L1's demand stream) in a fixed
 * order: the slot's count, then per transaction its gas, max fee, tip and patience.
 * Nothing the model does feeds back into those draws: the count depends only on the
 * slot's time (arrivals_count), the amounts only on the scenario's distributions. So
 * they can be drawn slots ahead, in that same order, while the model builds blocks:
 * the values are the ones drawing them in place gives, bit for bit, whatever the
 * timing of the two threads. A scenario whose demand is a trace has none.
 *
 * The thread owns the stream and the arrival process from demand_new to demand_free;
 * the caller must not touch them in between. */
#ifndef L2SIM_DEMAND_H
#define L2SIM_DEMAND_H

#include <gsl/gsl_rng.h>

#include "models/workload/arrivals.h"
#include "sim/util.h"

/* One background transaction's draws, as l1.c turns them into a pending transaction. */
struct demand_tx {
    uint64_t gas, max_fee, max_prio;    /* max_prio already at most max_fee */
    sim_time patience;                  /* it leaves the pool this long after arriving */
};

/* The distributions: lognormal (median, sigma) for gas (clamped to [21000, gas_max]),
 * max fee ([1, 1e15] wei) and tip ([0, 1e15] wei); exponential patience of mean
 * `patience` (0: none). */
struct demand_params {
    double   gas_median, gas_sigma, gas_max;
    double   fee_median, fee_sigma, tip_median, tip_sigma;
    sim_time patience;
};

struct demand;

/* Start drawing the slots that end at slot, 2 slot, 3 slot, ... from arrivals a and
 * stream r (both the thread's until demand_free). Without a thread (pthread_create
 * failed) the draws are made in demand_slot itself: the same values. */
struct demand *demand_new(struct arrivals *a, gsl_rng *r, const struct demand_params *p,
                          sim_time slot);

/* The transactions that arrived during the slot ending at `end`, [end - slot, end):
 * slots are taken in order, each once (end is checked). The array is valid until the
 * next call. */
const struct demand_tx *demand_slot(struct demand *d, sim_time end, size_t *n);

/* Stop the thread; a and r are the caller's again. */
void demand_free(struct demand *d);

#endif
