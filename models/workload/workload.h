/* workload.h — the users and their transfers: arrivals from a time-varying process
 * (arrivals.h: rate pattern, spikes, regimes, batches), a sender chosen uniformly, a
 * recipient (uniform, Zipf, or a contact in a payment graph), a lognormal value and
 * an urgency flag per user. Every world of a run draws the same sequence (common
 * random numbers), so the difference between two schemes' results is the schemes'. */
#ifndef L2SIM_WORKLOAD_H
#define L2SIM_WORKLOAD_H

#include "models/model.h"

/* Build the workload of world w and schedule its first arrival; each transfer is
 * handed to every scheme of the world. Returns 0 or L2_EINPUT. */
int  workload_new(struct world *w, struct workload **out, struct err *e);
void workload_free(struct workload *wl);
uint64_t workload_transfers(const struct workload *wl);   /* generated so far */

extern const struct scn_param workload_params[];
extern const size_t workload_params_count;

#endif
