/* estimate.h — what a run of a scenario will cost, computed from the loaded scenario
 * before any world is built: peak memory, scheduler events, database size, wall time.
 * run_check asks it first, so a scenario that cannot fit (10^12 users, a 1000-year
 * run) is rejected with the size it would need, not by an allocator abort hours in.
 * The per-unit constants are measured (see estimate.c); the result is an estimate. */
#ifndef L2SIM_ESTIMATE_H
#define L2SIM_ESTIMATE_H

#include <stdio.h>

#include "sim/scenario.h"

/* One run (one replication) of a scenario. Counts and sizes are doubles: an absurd
 * scenario must be measured, not overflow. "world" is as in models/model.h: one per
 * scheme, or schemes sharing one (layout.h); worlds run one after another. */
struct run_estimate {
    size_t   worlds;             /* worlds of one run */
    size_t   max_schemes;        /* schemes in the fullest world */
    double   slots;              /* L1 slots per world: duration / slot */
    double   transfers;          /* user transfers (the same in every world) */
    double   senders;            /* expected distinct users who send at least once */
    double   user_chunks;        /* chunks of users' profiles and accounts touched */
    double   background;         /* background L1 transactions per world */
    double   background_slot;    /* ... arriving in the busiest slot (peak multipliers) */
    double   l1_txs;             /* L1 transactions the schemes send, all worlds */
    double   inflight;           /* scheme transactions awaiting finality, peak, per world */
    double   pool;               /* mempool occupancy, peak, per world */

    double   arrivals;           /* transfer arrival events (bursts carry several) */
    double   finals;             /* finality events of scheme transactions, per world */
    double   events_world;       /* scheduler insertions in the busiest world */
    double   events;             /* over all worlds */
    double   pending;            /* pending events at once, peak, per world */
    double   horizon_us;         /* the latest time anything is scheduled at */

    /* memory, bytes: the peak is base + the largest world + the run-end metrics
     * (freed small blocks stay resident, so they add up rather than overlap) */
    double   mem_base;           /* code, libraries, SQLite */
    double   mem_user_table;     /* one pointer per user, allocated whole up front */
    double   mem_users;          /* per sending user: random stream and profile */
    double   mem_tables;         /* Zipf table and payment graph: built up front */
    double   mem_per_inflight;   /* bytes per one (as the schemes declare them) */
    double   mem_inflight;       /* transactions awaiting finality and their events */
    double   mem_schemes;        /* the schemes' own state (declared) */
    double   mem_pool;           /* the mempool */
    double   mem_metrics;        /* metrics_compute reads every txs row into memory */
    double   mem_store;          /* the results database's page cache and row buffers */
    double   mem_upfront;        /* what a world allocates before its first event */
    double   mem_peak;           /* the estimate of peak resident memory */

    double   db_rows_blocks;     /* l1_blocks rows */
    double   db_rows_txs;        /* txs rows */
    double   db_rows_l1_txs;     /* l1_txs rows: one per L1 transaction the schemes declare */
    double   db_bytes;           /* added to the database by one run */
    double   db_schemes;         /* bytes in the schemes' own tables (declared) */
    double   wall_schemes;       /* seconds of the schemes' work (declared) */
    double   wall_s;             /* at the measured rates of estimate.c */
};

/* The limits a scenario is checked against. */
struct run_limits {
    double      phys_memory;     /* bytes of physical memory; 0 = unknown: no check */
    double      max_memory;      /* --max-memory, bytes; 0 = none */
    double      disk_free;       /* bytes free to the database's filesystem; 0 = unknown */
    const char *db_dir;          /* that filesystem's directory, for messages (or NULL) */
};

/* The estimate of one run of s. Pure: a function of the scenario alone. O(spikes +
 * regimes). */
void run_estimate(const struct scn *s, struct run_estimate *out /* OUT */);

/* Check est against lim; every limit exceeded is appended to e as "file:line:col:
 * <key>: <value> needs about <size> (<how computed>); <the limit and its source>"
 * at the key most to blame. 0 or L2_EINPUT. Pure. */
int run_estimate_check(const struct scn *s, const struct run_estimate *est,
                       const struct run_limits *lim, struct err *e);

/* The limits of this process: physical memory (sysconf), --max-memory and free
 * space on the filesystem of the database as set by run_estimate_set_limits. */
void run_estimate_limits(struct run_limits *out /* OUT */);

/* Set once by the command line: --max-memory (0 = none) and the database path (NULL:
 * none, and then no database check). The path is copied. */
void run_estimate_set_limits(uint64_t max_memory, const char *db_path);

/* run_estimate + run_estimate_check against run_estimate_limits: what run_check asks
 * first. 0 or L2_EINPUT. */
int run_estimate_gate(const struct scn *s, struct err *e);

/* The estimate as lines for `l2sim validate --estimate`: memory, events, database,
 * wall time, each with how it was computed. */
void run_estimate_print(FILE *f, const struct scn *s, const struct run_estimate *est);

/* The whole plan's line for `validate --estimate`: `runs` runs over `points` sweep
 * points (each point and replication estimated on its own), their database and wall
 * time summed. */
void run_estimate_print_plan(FILE *f, size_t points, uint64_t runs, double db_bytes,
                             double wall_s);

/* "7.3 TiB", "512 B": bytes in binary units, three significant digits. Returns buf. */
char *run_estimate_bytes(double bytes, char *buf, size_t len);

#endif
