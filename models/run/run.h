/* run.h — one run of a scenario: build the worlds (one per scheme, or one shared),
 * run each to the scenario's duration, let schemes record what is in flight, and
 * compute the metrics. */
#ifndef L2SIM_RUN_H
#define L2SIM_RUN_H

#include "models/model.h"
#include "models/run/phases.h"     /* run_phases: the run is cut by them */

struct run_opts {
    uint64_t seed;                          /* this replication's seed */
    volatile sig_atomic_t *interrupt;       /* set by SIGINT/SIGTERM; may be NULL */
    uint64_t max_events;                    /* 0 = no limit */
    double   max_wall_s;                    /* wall-clock seconds for the run; 0 = no limit */
    uint64_t max_memory;                    /* resident bytes of the process; 0 = no limit */
    /* check every invariant (world_check) after every event; debug builds
     * (L2SIM_DEBUG) always do, release builds check at the end of each world */
    bool     check_invariants;
    /* called every ~65536 events: which world (of how many), its simulated time
     * now, and events executed in the run so far */
    void   (*progress)(void *ctx, const char *world, size_t index, size_t nworlds,
                       sim_time now, sim_time duration, uint64_t events);
    void    *progress_ctx;
};

enum run_status { RUN_COMPLETE, RUN_INTERRUPTED, RUN_FAILED };

struct run_result {
    enum run_status status;
    uint64_t events;
    sim_time sim_end;
    char     detail[640];
};

/* Check the scenario's size up front (models/run/estimate.h), then build one world with
 * every scheme and adversary and initialise the models without running them, against
 * a scratch in-memory database: catches parameter combinations the schema cannot
 * (blob max below target, ...) before any run row exists. 0 or L2_EINPUT. */
int run_check(const struct scn *s, struct err *e);

/* Record the run row of scenario s for one replication, as `l2sim run` does (name,
 * file, text and its SHA-256, overrides, every value in force, seeds), with status
 * 'running', committed at once. For tests and tools that run a loaded scenario
 * themselves; sweeps label their rows through models/run/study.c. */
int run_begin(struct store *st, const struct scn *s, uint64_t seed, uint64_t master_seed,
              uint32_t replication, int64_t *run_id, struct err *e);

/* Run the scenario into `st` under run_id. Returns 0 (see res->status) or L2_EIO
 * when the database failed (res->status is then RUN_FAILED). */
int run_execute(const struct scn *s, struct store *st, int64_t run_id,
                const struct run_opts *o, struct run_result *res, struct err *e);

#endif
