/* study.h — what `l2sim run` and `l2sim sweep` execute: a plan of runs (each point of
 * the sweep x each replication), every point validated before anything runs; then the
 * plan (or one slice of it, --shard I/N) run serially or by worker processes (--jobs N),
 * each run recorded in the output database in plan order, so the database is the
 * same whatever the distribution (wall-clock columns aside). */
#ifndef L2SIM_STUDY_H
#define L2SIM_STUDY_H

#include <signal.h>
#include "models/run/run.h"

struct study_args {
    const char        *file;       /* the scenario */
    const char        *text;       /* its bytes when already read (MPI ranks); NULL: read file */
    size_t             len;
    const char *const *sets;       /* --set overrides (borrowed) */
    size_t             nsets;
    bool               has_seed;   /* --seed given */
    uint64_t           seed;
    uint64_t           replications;   /* --replications; 0: the scenario's */
    bool               sweep;      /* expand the scenario's sweep section (l2sim sweep) */
    uint32_t           shard, nshards; /* run items i with i mod nshards == shard; 0 shards: all */
    bool               trust;      /* skip the per-point model checks (a rank whose plan
                                      rank 0 has already checked) */
    volatile sig_atomic_t *interrupt;  /* set by a signal: planning stops (may be NULL) */
};

struct study;

/* Read and validate the scenario, expand the sweep, validate every point (each grid
 * value and list item at its file position, then each point's parameter combination
 * with the models' own checks) and build the plan. Nothing is run or recorded.
 * Returns 0, L2_EINPUT (messages in e) or L2_EIO (the file could not be read). */
int  study_plan(const struct study_args *a, struct study **out, struct err *e);
void study_free(struct study *st);

/* One item of the plan (of this shard). label is NULL for runs that are not points of
 * a sweep. Borrowed from the study. */
struct study_item {
    size_t      point;        /* index of the sweep point */
    uint32_t    replication;
    uint64_t    seed, master_seed;
    const char *label;
};
size_t      study_size(const struct study *st);            /* items in this shard */
size_t      study_points(const struct study *st);          /* points of the sweep */
void        study_item_at(const struct study *st, size_t i, struct study_item *out);
const char *study_name(const struct study *st);            /* the scenario's name */
const char *study_text(const struct study *st, size_t *len);   /* the scenario's bytes */
bool        study_is_sweep(const struct study *st);        /* runs carry sweep labels */

/* How a run ended, as recorded. */
struct study_result {
    int64_t         run_id;   /* in the database the run was written to */
    enum run_status status;
    char            detail[640];
    uint64_t        events;
    double          wall;     /* seconds */
};

struct study_hooks {
    volatile sig_atomic_t *interrupt;   /* set by SIGINT/SIGTERM; may be NULL */
    uint64_t               max_events;  /* per run; 0: no limit */
    bool                   tty;         /* draw a progress line on stderr */
    /* called for each run once it is in the output database, in plan order */
    void (*on_run)(void *ctx, struct store *out, size_t item,
                   const struct study_result *r);
    void  *ctx;
    /* worker processes only: told the run_id as soon as the run row exists */
    void (*on_begin)(void *ctx, size_t item, int64_t run_id);
    double                 max_wall_s;  /* per run; 0: no limit */
    uint64_t               max_memory;  /* resident bytes; 0: no limit */
    bool                   check_invariants;   /* after every event (run_opts) */
};

/* Run plan item i into st. 0 with the run recorded whatever its outcome (see r), or
 * L2_EIO when its row could not be written (message in e). */
int study_run_item(struct study *st, size_t i, struct store *out, const struct study_hooks *h,
                   struct study_result *r, struct err *e);

/* Run the plan into the database at db (created if needed): serially when jobs <= 1,
 * else by `jobs` worker processes writing temporary databases next to db that are
 * merged into it in plan order. Stops after the first run that does not complete, or
 * on interrupt (runs already done are kept). Returns 0 when every item completed,
 * 1 when a run failed or was interrupted, L2_EIO when the database failed (e). */
int study_execute(struct study *st, const char *db, unsigned jobs, const struct study_hooks *h,
                  struct err *e);

/* Merging finished runs into the output in plan order, whatever order they finish in
 * (used by the worker pools: fork here, MPI in l2sim-mpi). */
struct study_sink;
struct study_sink *study_sink_new(struct study *st, struct store *out,
                                  const struct study_hooks *h);
/* Item i is finished: its run is run_id in the database at path; remove the file once
 * merged when owned. Merges every item now ready. 0 or an error code. */
int  study_sink_add(struct study_sink *k, size_t i, const char *path, int64_t run_id,
                    const struct study_result *r, bool owned, struct err *e);
/* Merge whatever is left (items after a gap too), free the sink. Returns 0 when every
 * item of the plan was added and completed, 1 when some did not, or an error code. */
int  study_sink_finish(struct study_sink *k, struct err *e);

#endif
