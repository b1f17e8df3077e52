/* metrics.h — summary statistics per run and scheme, computed from the txs table
 * (so they are exactly what the rows say) and stored in the metrics table. */
#ifndef L2SIM_METRICS_H
#define L2SIM_METRICS_H

#include "sim/store.h"
#include "sim/units.h"

/* A window of the run reported on its own, e.g. before/during/after a demand spike.
 * Transfers belong to the phase they were submitted in. */
struct metrics_phase {
    const char *name;
    sim_time    from, until;
};

/* Fee (ETH, from txs.fee_eth) and latency (s) mean/p50/p95/p99, counts and throughput
 * of every scheme of run_id, and the L1 base fee (wei per gas) of its world; then the
 * same per phase under names prefixed "PHASE." (e.g. "during.fee_p50_eth"). Percentiles are nearest-rank: the
 * smallest value with at least p% of the values at or below it. O(n log n) in the
 * run's transfers (SQLite sorts). */
int metrics_compute(struct store *st, int64_t run_id, sim_time duration,
                    const struct metrics_phase *phases, size_t nphases, struct err *e);

/* The same statistics, handed to sink instead of stored: for each scheme of run_id in
 * db, the whole run (window -1, over [0, duration)) then each of the n windows (their
 * index; their names are not used). Reads only. */
typedef void (*metrics_sink)(void *ctx, const char *scheme, long window, const char *name,
                             double value);
void metrics_scan(sqlite3 *db, int64_t run_id, sim_time duration,
                  const struct metrics_phase *windows, size_t n, metrics_sink sink,
                  void *ctx);

#endif
