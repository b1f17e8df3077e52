/* merge.h — copying runs from one results database into another. run_id values are
 * local to a database, so runs are identified by content: the key of a run is
 * (scenario_sha256, overrides, master_seed, seed, replication, crypto_mode,
 * l2sim_version, git_rev, sweep_point, sweep_index). Every table with a run_id column
 * is copied, found from sqlite_master, so tables added later need no change here. */
#ifndef L2SIM_MERGE_H
#define L2SIM_MERGE_H

#include "sim/store.h"

struct merge_src;

/* Attach the database at path to out's connection (read only in effect). A file that
 * is missing, not an l2sim database, of a newer schema, or holding a per-run table
 * out lacks (out must already have every scheme's declared tables:
 * model_scheme_sql_refresh(out, true, ...)) is L2_EINPUT; out's pending rows are
 * committed first. The caller closes it with merge_close before out. */
int  merge_open(struct store *out, const char *path, struct merge_src **src, struct err *e);
void merge_close(struct merge_src *src);

/* Copy run `run_id` of src (its runs row and its rows in every table with a run_id
 * column, in their stored order) into out under a new run_id, in one transaction.
 * Returns 0 or L2_EIO. O(rows of the run). */
int  merge_copy_run(struct merge_src *src, int64_t run_id, int64_t *new_id, struct err *e);

/* What merge_all did. */
struct merge_stats {
    size_t copied;       /* runs added to out */
    size_t incomplete;   /* of those, not complete (running, failed, interrupted) */
    size_t present;      /* skipped: out already had the run */
    size_t conflicts;    /* skipped runs whose metrics differ from out's copy */
};

/* `l2sim merge`: copy every run of src that out does not have, in src's run_id order.
 * A complete run is present when out has a complete run with its key; a run that is
 * not complete is present when out has any run with its key (so a finished rerun of an
 * interrupted run is still merged, and merging twice adds nothing). A present complete
 * run whose metrics differ from out's counts as a conflict (a determinism bug or two
 * different builds behind one git revision). Returns 0, L2_EINPUT or L2_EIO. */
int  merge_all(struct merge_src *src, struct merge_stats *stats, struct err *e);

#endif
