/* metrics.h — summary statistics per run and scheme, stored in the metrics table:
 * the transfer statistics every scheme gets (from txs, so they are exactly what the
 * rows say, and the L1 prices of its world), then each scheme type's own
 * (scheme_ops.metrics, from its own tables). One phase splitter serves both: a
 * statistic is computed for the whole run and for each phase of it. */
#ifndef L2SIM_METRICS_H
#define L2SIM_METRICS_H

#include "sim/store.h"
#include "sim/units.h"

/* A window of the run reported on its own, e.g. a demand spike or an attack (see
 * run_phases). Transfers belong to the phase they were submitted in. A named phase
 * also records where it lies: "PHASE.phase_start_s" and "PHASE.phase_end_s". */
struct metrics_phase {
    const char *name;
    sim_time    from, until;
};

/* Fee (ETH, from txs.fee_eth) and latency (s) mean/p50/p95/p99, counts and throughput
 * of every scheme of run_id, the L1 base fee (wei per gas) of its world, and its
 * type's own statistics; then the same per phase under names prefixed "PHASE." (e.g.
 * "l1_spike.fee_p50_eth").
 * Percentiles are nearest-rank: the smallest value with at least p% of the values at
 * or below it. O(n log n) in the run's transfers (SQLite sorts). */
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

/* ---- for a scheme's metrics hook (scheme_ops.metrics) ---- */

/* One scheme of one run, as its hook sees it: read its rows with run_id and scheme
 * (the database is read only here), and put statistics through the splitter below. */
struct metrics_scope {
    sqlite3                    *db;
    int64_t                     run_id;
    const char                 *scheme, *type, *world;
    sim_time                    duration;   /* the whole run is [0, duration) */
    const struct metrics_phase *windows;    /* the phases (or compare's batches) */
    size_t                      nwindows;
    metrics_sink                sink;       /* private: where values go */
    void                       *ctx;
};

/* Samples of one quantity: each a time (which decides the window it counts in: a
 * transfer's submission, a batch's posting) and a value. */
struct metrics_samples {
    sim_time *t;
    double   *v;
    size_t    n, cap;
};
void metrics_samples_add(struct metrics_samples *s, sim_time t, double v);
/* Room for n samples in all (when the count is known: no doubling slack). */
void metrics_samples_reserve(struct metrics_samples *s, size_t n);
void metrics_samples_clear(struct metrics_samples *s);   /* n = 0, memory kept */
void metrics_samples_free(struct metrics_samples *s);

/* The splitter: for the whole run and each window, the samples whose time falls in
 * it, as one statistic per window. */
/* NAME: how many. */
void metrics_count(const struct metrics_scope *m, const struct metrics_samples *s,
                   const char *name);
/* NAME: how many per second of the window. */
void metrics_rate(const struct metrics_scope *m, const struct metrics_samples *s,
                  const char *name);
/* NAME: the sum of the values. */
void metrics_total(const struct metrics_scope *m, const struct metrics_samples *s,
                   const char *name);
/* PREFIX_mean UNIT, PREFIX_p50 UNIT, _p95, _p99 (and _max with with_max) of the values,
 * e.g. prefix "fee", unit "_eth": fee_mean_eth, fee_p50_eth. Nothing for a window
 * without samples. O(n log n) per window. */
void metrics_summary(const struct metrics_scope *m, const struct metrics_samples *s,
                     const char *prefix, const char *unit, bool with_max);
/* One value for window w (-1: the whole run) under NAME (PHASE. is prefixed). */
void metrics_put(const struct metrics_scope *m, long window, const char *name, double value);

/* Fill in each attack row of run_id that touched a block (blocks_affected > 0) with
 * the transfers it delayed (txs_affected) and the delay it imposed on their first
 * confirmation (soft, else inclusion: delay_imposed_us), measured against the
 * pre-attack baseline; the detail says how (see metrics.c). O(transfers of the
 * attacked worlds). */
int metrics_attacks(struct store *st, int64_t run_id, struct err *e);

/* attack_delay: rerun. Each transfer's wait in the world run again without one
 * attacker, kept on st's connection (a TEMP table, attack_rerun) until the run's
 * metrics_attacks uses and clears it: attacks rows of that adversary and world then
 * hold the exact extra wait (see metrics_attacks). Begin, add each transfer, end. */
void metrics_rerun_begin(struct store *st);
void metrics_rerun_add(struct store *st, const char *adversary, const char *world,
                       const char *scheme, int64_t tx_id, int64_t wait_us);

#endif
