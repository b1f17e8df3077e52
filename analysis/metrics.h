/* metrics.h — summary statistics per run and scheme, computed from the txs table
 * (so they are exactly what the rows say) and stored in the metrics table. */
#ifndef L2SIM_METRICS_H
#define L2SIM_METRICS_H

#include "sim/store.h"
#include "sim/units.h"

/* Fee (wei) and latency (s) mean/p50/p95/p99, counts and throughput of every scheme
 * of run_id. Percentiles are nearest-rank: the smallest value with at least p% of
 * the values at or below it. O(n log n) in the run's transfers (SQLite sorts). */
int metrics_compute(struct store *st, int64_t run_id, sim_time duration, struct err *e);

#endif
