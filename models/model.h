/* model.h — how models plug into the engine. A run builds one or more worlds; each
 * world is one scheduler with one Layer 1, the shared user workload, and the schemes
 * that run in it. Schemes implement scheme_ops; the workload hands them transfers;
 * they reach the L1 only through l1_submit (models/l1/l1.h). */
#ifndef L2SIM_MODEL_H
#define L2SIM_MODEL_H

#include <gsl/gsl_rng.h>
#include "sim/sched.h"
#include "sim/scenario.h"
#include "sim/store.h"

struct l1;
struct workload;
struct users;
struct scheme;
struct txlog;
struct store_sql;          /* sim/store.h: versioned SQL a scheme owns */
struct metrics_scope;      /* analysis/metrics.h: one scheme of one run, its phases */
struct scheme_report;      /* analysis/figure.h: figures, detail rows, HTML section */
struct scheme_costs;       /* analysis/costs.h: how its money counts in the cost per transfer */
struct run_estimate;       /* models/run/estimate.h */

/* Stream kinds: the first component of every random stream's identity (rng.h).
 * Append only: renumbering changes every result. */
enum rng_kind {
    RNG_L1 = 1,          /* id 0; purposes below */
    RNG_L1_DEMAND = 2,   /* background demand; id 0 */
    RNG_WORKLOAD = 3,    /* the transfer arrival process; id 0 */
    RNG_USER = 4,        /* one per user: id = user */
    RNG_SCHEME = 5,      /* id = scheme index in the scenario */
    RNG_ADVERSARY = 6,   /* id = adversary index */
};

/* A user transfer, identical in every world of a run (common random numbers). */
struct transfer {
    uint64_t id;          /* 0, 1, 2, ... in arrival order */
    uint32_t from, to;    /* user ids */
    u128     value;       /* wei */
    sim_time at;          /* when the user submits it */
    bool     urgent;      /* the user will pay for speed */
    u128     max_fee;     /* the sender's willingness to pay: the most, in wei, all fees
                             of this transfer together; priced above it, it waits */
    sim_time deadline;    /* the sender drops it if not done by then; INT64_MAX: never */
};

/* A user's other intents, identical in every world (models/workload/workload.h):
 * moving L1 funds into the L2 when the user joins (its first transfer), and a share
 * of users moving funds back to L1 later. What a scheme does with them is its own;
 * funds come from the user's L1 account in the scheme (users.h). */
struct deposit {
    uint32_t user;
    u128     amount;      /* wei */
    sim_time at;
};
struct withdrawal {
    uint32_t user;
    u128     amount;      /* wei, what the user asks back; the scheme pays what it holds */
    sim_time at;
};

/* A broken protocol invariant, as a model's check reports it: where the check is
 * (file, line), which invariant, and the numbers that break it. */
struct inv_fail {
    const char *file;
    int         line;
    const char *invariant;      /* e.g. "money conserved on the L1" */
    char        detail[320];
};
/* Fill f and return 1: `return INV_FAIL(f, "bond accounted", "posted %s ...", ...);` */
#define INV_FAIL(f, invariant, ...) inv_fail_set((f), __FILE__, __LINE__, (invariant), __VA_ARGS__)
int inv_fail_set(struct inv_fail *f, const char *file, int line, const char *invariant,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* What one scheme of a scenario adds to a run, for `validate --estimate` and the
 * up-front size check (models/run/estimate.c sums them per world). Counts over the
 * whole run; zero where the scheme has none. */
struct scheme_estimate {
    double l1_txs;         /* L1 transactions it sends */
    double l1_gas;         /* gas of one of them (a block holds gas_limit / l1_gas) */
    double mem_per_l1_tx;  /* bytes while one awaits finality: its records and event */
    double mem_state;      /* bytes of its own state at the peak, beyond those */
    double events;         /* scheduler events of its own, beyond L1 finality */
    double db_bytes;       /* bytes it writes to its own tables */
    double wall_s;         /* wall seconds of its work (per transfer, per batch...) */
    const char *wall_note; /* how wall_s was computed, for the printout ("4 us per
                            * transfer"); NULL: none */
};

/* A hook point a scheme publishes for adversaries acting inside it (a fraudulent
 * operator, a revoked-state broadcaster): a named function of a named type. An
 * adversary finds it by the target scheme's name and the hook's name with
 * scheme_hook_find (models/run/hooks.c), which also checks the type, so a renamed or
 * retyped hook is an error at world construction, not a wrong call. An event the
 * adversary wants to hear about is published the same way, as a "subscribe" hook
 * taking the adversary's callback. Declare with SCHEME_HOOK. */
typedef void scheme_hook_fn(void);
struct scheme_hook {
    const char     *name;   /* "operator.propose_root", "channel.on_revoked", ... */
    const char     *type;   /* the function type's name, as written: "oru_propose_fn" */
    scheme_hook_fn *fn;     /* called as that type; its first argument is the scheme */
    const char     *doc;    /* one line: what calling it does */
};
/* { "name", TYPE, fn, "doc" }: fn must have type TYPE (a function typedef), checked
 * by the compiler here and by name at lookup. */
#define SCHEME_HOOK(name, TYPE, fn, doc) \
    { (name), #TYPE, (scheme_hook_fn *)(TYPE *)(fn), (doc) }

/* One L2 scheme (or the L1 baseline). One instance per scheme in the scenario.
 * A scheme is one directory under models/ plus one line in models/run/registry.c:
 * everything below is declared from that directory (README "Adding a scheme"). */
struct scheme_ops {
    const char *type;     /* as written in scenarios: "l1", "optimistic_rollup", ... */
    const char *doc;      /* one line for `l2sim list` */
    const struct scn_param *params;   /* rows "schemes[TYPE].key" */
    size_t      nparams;
    /* Read the scheme's parameters (scn paths "schemes[index].…"), set up state,
     * schedule initial events. Returns 0 or L2_EINPUT (bad parameter combination,
     * reported with scn_error_at). */
    int  (*init)(struct scheme *self, struct err *e);
    /* A user transfer arrives (at sim_now() == t->at). */
    void (*on_transfer)(struct scheme *self, const struct transfer *t);
    /* A user deposits into / withdraws from the L2 (at sim_now() == ->at). NULL: the
     * scheme has no use for them. */
    void (*on_deposit)(struct scheme *self, const struct deposit *d);
    void (*on_withdrawal)(struct scheme *self, const struct withdrawal *wd);
    /* The run reached its end: record what is still in flight. */
    void (*finish)(struct scheme *self);
    /* Free state (after finish, or after a failed init). */
    void (*destroy)(struct scheme *self);
    /* The scheme's own invariants, checked against its books and the L1's (money it
     * says it paid on the L1 = what the L1 charged it; bonds posted = held + returned
     * + slashed; bridge escrow = L2 supply; ...): 0 when they hold, else INV_FAIL.
     * Called after every event in debug builds (keep it O(1): keep running totals)
     * and at the end of every world in all builds. May be NULL. */
    int  (*check)(struct scheme *self, struct inv_fail *f);

    /* ---- declarations; each may be NULL ---- */
    /* Its tables and views: SQL it owns, with a version (struct store_sql). The store
     * creates them, or upgrades them in place, in a database a run of the scheme
     * writes to, and re-creates the views; a database holding a newer version is
     * refused. Every table starts with `run_id INTEGER NOT NULL, scheme TEXT NOT
     * NULL` (checked): merge copies its rows by run, the report reads the views. */
    const struct store_sql *sql;
    /* Its statistics into `metrics` for one scheme of one run, beyond the transfer
     * statistics every scheme gets from txs (analysis/metrics.h): read its tables
     * (through m), hand (time, value) samples to the shared phase splitter, which
     * writes the whole run and each phase ("l1_spike.NAME"). Read only. */
    void (*metrics)(const struct metrics_scope *m);
    /* Its part of `l2sim report`, shown when a scheme of this type is in the runs:
     * figures, rows of the per-type details table, an HTML section of its own. */
    const struct scheme_report *report;
    /* How its money counts in the cost per transfer every scheme gets (analysis/
     * costs.h): whether a txs row's l1_fee is the user's own L1 transaction, and the
     * modeled off-chain costs its operator bears. NULL: every txs fee is paid to the
     * scheme, and nothing is spent off-chain. */
    const struct scheme_costs *costs;
    /* Its share of a run's size: scheme `index` of s, in a run whose workload and L1
     * the caller has already estimated (run: transfers, slots, senders). */
    void (*estimate)(const struct scn *s, size_t index, const struct run_estimate *run,
                     struct scheme_estimate *out /* OUT, zeroed */);
    /* Hook points for adversaries acting inside the scheme (see struct scheme_hook). */
    const struct scheme_hook *hooks;
    size_t                    nhooks;
};

/* An attack strategy. Created in every world after the L1 and every scheme of the
 * world (so it can find its target and the target's hooks), before the workload. */
struct adversary;
struct adversary_ops {
    const char *type;     /* "block_stuffing", ... */
    const char *doc;
    const struct scn_param *params;   /* rows "adversaries[TYPE].key" */
    size_t      nparams;
    int  (*init)(struct adversary *self, struct err *e);
    void (*finish)(struct adversary *self);    /* record its attacks row */
    void (*destroy)(struct adversary *self);
    int  (*check)(struct adversary *self, struct inv_fail *f);   /* as scheme_ops.check */
};

struct adversary {
    const struct adversary_ops *ops;
    struct world *world;
    size_t        index;      /* position in the scenario's adversaries list */
    const char   *name;
    void         *state;
};

struct world {
    const char       *name;     /* "l1", "optimistic_rollup", ... or "shared" */
    struct sim       *sim;
    const struct scn *scn;
    struct store     *store;
    int64_t           run_id;
    uint64_t          seed;
    sim_time          duration;
    struct l1        *l1;
    struct workload  *workload;
    struct users     *users;    /* profiles, L1 accounts per scheme, payment graph */
    struct txlog     *txlog;
    struct scheme   **schemes;
    size_t            nschemes;
    struct adversary **adversaries;
    size_t            nadversaries;
    char             *failure;  /* set by world_fail: the run stops and is marked failed */
    bool              checking; /* world_check found it (else: found while acting) */
    bool              at_end;   /* the world ran to its end: the final check */
};

/* A model met a state it cannot represent or a broken invariant it can name (a fee
 * beyond 64 bits, money not conserved): record why, stop this world's scheduler after
 * the current event, and let the run end as 'failed' with this message. The first
 * failure wins. Model code calls this instead of exiting. */
void world_fail(struct world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A broken invariant found by the model while it acts (a nonce out of order at
 * inclusion): world_fail with the invariant, where it was checked and the event
 * running. */
void world_violated(struct world *w, const struct inv_fail *f);

/* Building, finishing and checking a whole world: models/world.h. */

struct scheme {
    const struct scheme_ops *ops;
    struct world            *world;
    size_t                   index;   /* position in the scenario's schemes list */
    const char              *name;    /* the scenario's name for it (borrowed from scn) */
    void                    *state;   /* the scheme's own */
};

/* The random stream of one entity of scheme sc for one purpose: keyed by the run's
 * seed, the scheme's name (its namespace), the entity and the purpose, so adding a
 * validator, a channel or a purpose never shifts another's draws, nor a user's, nor
 * another scheme's; the same name gets the same draws in whatever world or position.
 * Pack an entity kind into the id, e.g. SCHEME_ENTITY(2, validator). Caller owns it
 * (gsl_rng_free). O(1). */
#define SCHEME_ENTITY(kind, id) ((uint64_t)(kind) << 48 | ((uint64_t)(id) & 0xffffffffffffull))
gsl_rng *scheme_stream(const struct scheme *sc, uint64_t entity, uint32_t purpose);

/* One row of the txs table: a user transfer's fate in one scheme. soft/include/final
 * are -1 while unknown. Fees are wei, any size u128 holds; they are written once
 * charged (a failed transfer may have paid; a dropped one usually did not). */
struct tx_record {
    uint64_t    tx_id;
    uint32_t    from, to;
    u128        value;
    sim_time    submit, soft, include, final;
    bool        charged;       /* l1_fee and l2_fee were charged: write them */
    u128        l1_fee, l2_fee;
    const char *status;        /* "pending", "soft", "included", "final", "dropped", "failed" */
    const char *reason;        /* why it was dropped or failed; NULL otherwise (copied) */
};
void txlog_write(struct world *w, const struct scheme *sc, const struct tx_record *r);
void txlog_free(struct txlog *t);

/* Hook `name` of the scheme named `target` in a's world, of function type `type`
 * (its name, as SCHEME_HOOK wrote it). 0: *sc and *fn set (call fn as that type);
 * 1: the target is a scheme of the scenario running in another world (nothing to
 * do here); L2_EINPUT: no such scheme, or it publishes no hook of that name and type
 * (the message, at the adversary's `target` key, lists the hooks it has). */
int scheme_hook_find(struct adversary *a, const char *target, const char *name,
                     const char *type, struct scheme **sc /* OUT */,
                     scheme_hook_fn **fn /* OUT */, struct err *e);
/* scheme_hook_find naming the type as SCHEME_HOOK does; then call (TYPE *)fn. */
#define SCHEME_HOOK_FIND(a, target, name, TYPE, sc, fn, e) \
    scheme_hook_find((a), (target), (name), #TYPE, (sc), (fn), (e))

/* The registry: every scheme type and every parameter table. */
const struct scheme_ops *model_scheme_by_type(const char *type);
const struct scheme_ops *model_scheme_at(size_t i);   /* NULL past the end */
/* For tests: add a scheme defined outside models/ (a test file) to the registry, as
 * its one registry line would; the parameter schema is rebuilt to include it. The
 * ops are borrowed for the life of the process. */
void model_register_scheme(const struct scheme_ops *ops);
void model_register_adversary(const struct adversary_ops *ops);   /* the same */
/* Apply the declared SQL (scheme_ops.sql) of scheme `type` to st: create, upgrade or
 * refuse (struct store_sql), views re-created. A type without SQL: nothing. */
int model_scheme_sql_apply(struct store *st, const char *type, struct err *e);
/* The same for every registered type whose tables st already holds or whose schemes
 * rows it has (report, merge: bring a database's scheme tables and views to this
 * binary's versions), or, with all, for every registered type (a merge output). */
int model_scheme_sql_refresh(struct store *st, bool all, struct err *e);
const struct adversary_ops *model_adversary_by_type(const char *type);
const struct adversary_ops *model_adversary_at(size_t i);
const struct scn_schema *model_schema(void);          /* built once, static */

#endif
