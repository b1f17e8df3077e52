/* compare.h — `l2sim compare BASE.db CAND.db`: did a change move the numbers? Runs are
 * matched by scenario name and sweep point (never by run_id), schemes by name.
 *
 * Statistical mode (default), per metric of the metrics table:
 *   - both sides have >= 2 replications: a two-sample test on the per-replication
 *     values (Welch's t, or Mann-Whitney U with test = CMP_MWU);
 *   - otherwise (a single run on a side, the usual CI setup): batch means. Each run's
 *     transfers and blocks are cut by time into `batches` equal windows (inside each
 *     spike phase too, for the phase metrics) and every metric is recomputed per window
 *     by the same code that computed it (analysis/metrics.c); the test compares the
 *     windows' values. A metric with no per-window values is compared exactly.
 *   A metric has changed when the test is significant at `alpha` after Holm's
 *   correction over every test of the comparison (so alpha bounds the chance that a
 *   comparison of two identical protocols fails at all), AND it moved by more than
 *   rel_tol relative to the base. A metric missing from the candidate has changed.
 * Exact mode: runs matched by (scenario, sweep point, master seed, replication); every
 * row of every per-run table must be identical, except runs' run_id, started_at,
 * wall_s, scenario_file, l2sim_version and git_rev. */
#ifndef L2SIM_COMPARE_H
#define L2SIM_COMPARE_H

#include <stdio.h>
#include "sim/util.h"

enum cmp_test { CMP_WELCH, CMP_MWU };

struct cmp_opts {
    bool          exact;      /* identical content required */
    bool          json;       /* machine-readable report */
    bool          all;        /* list every metric, not only those that moved */
    double        alpha;      /* family-wise significance level (default 0.01) */
    double        rel_tol;    /* relative change that matters (default 0.02) */
    enum cmp_test test;
    bool          no_correction;  /* per-test alpha instead of Holm */
    unsigned      batches;    /* windows per run for single replications (default 20) */
    bool          allow_incomplete;   /* skip runs that did not complete (else refused) */
};

/* Compare the databases at base and cand, writing the report to out. Returns 0 when
 * nothing changed, 1 when something did, L2_EINPUT when they cannot be compared
 * (not l2sim databases, different scenarios, schemes or seeds (exact), runs that did
 * not complete): messages in e. */
int cmp_run(const char *base, const char *cand, const struct cmp_opts *o, FILE *out,
            struct err *e);

#endif
