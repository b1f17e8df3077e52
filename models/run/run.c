/* run.c — the run of a scenario (see run.h): its world layout (layout.h), limits and
 * metrics. Worlds (built by models/world.c) run one after another on their own
 * scheduler; each draws the same L1 demand and the same transfers from streams keyed
 * by the run's seed alone, not by the world. */
#include "models/run/run.h"

#include <stdio.h>
#include <unistd.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "analysis/metrics.h"
#include "models/run/estimate.h"
#include "models/run/layout.h"
#include "sim/progress.h"
#include "models/world.h"

/* In debug builds (and with --check-invariants) every invariant is checked after
 * every event: the first event after which one fails is the one that broke it. */
static void check_after_event(struct sim *sim, void *ctx)
{
    struct world *w = ctx;
    if (!w->failure)
        world_check(w);
}

/* The schemes of world w of layout l, in scenario order, into idx (room for
 * LAYOUT_MAX_SCHEMES); returns how many. */
static size_t world_schemes(const struct layout *l, size_t w, size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < l->nschemes; i++)
        if (l->world_of[i] == w)
            idx[n++] = i;
    return n;
}

int run_begin(struct store *st, const struct scn *s, uint64_t seed, uint64_t master_seed,
              uint32_t replication, int64_t *run_id, struct err *e)
{
    char sha[65];
    scn_sha256_hex(s, sha);
    char *config = scn_dump(s);
    struct store_run row = {
        .scenario_name = scn_str(s, "name"), .scenario_file = scn_file(s),
        .scenario_text = scn_text(s, NULL), .scenario_sha256 = sha,
        .overrides = scn_overrides(s), .config = config, .seed = seed,
        .master_seed = master_seed, .replication = replication, .crypto_mode = scn_str(s, "crypto"),
        .duration_us = scn_int(s, "duration"),
    };
    int rc = store_begin_run(st, &row, run_id, e);
    free(config);
    return rc;
}

/* The tables and views each scheme type of the scenario declares, created or
 * upgraded in st (models/model.h, scheme_ops.sql) before any world: world_new applies
 * them too, but a database that refuses them (a newer version) must fail the run
 * here, with nothing simulated. */
static int apply_scheme_sql(const struct scn *s, struct store *st, struct err *e)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < scn_count(s, "schemes"); i++)
        rc = model_scheme_sql_apply(st, scn_str(s, "schemes[%zu].type", i), e);
    return rc;
}

int run_check(const struct scn *s, struct err *e)
{
    if (run_estimate_gate(s, e) != 0)   /* sizes first: before anything is allocated */
        return L2_EINPUT;
    struct layout l;
    if (layout_of(s, &l, e) != 0)
        return L2_EINPUT;
    struct store *st;
    if (store_open(":memory:", &st, e) != 0)
        return L2_EIO;
    /* one world with every scheme: the models' rules do not depend on the layout, and
     * one L1 (a trace parsed once, one payment graph) is all a check needs */
    size_t all[LAYOUT_MAX_SCHEMES], ns = l.nschemes;
    for (size_t i = 0; i < ns; i++)
        all[i] = i;
    struct world_spec spec = { .scn = s, .store = st, .run_id = 0, .seed = scn_uint(s, "seed"),
                               .name = "check", .schemes = all, .nschemes = ns,
                               .every_adversary = true };
    struct world *w;
    int rc = world_new(&spec, &w, e);
    world_free(w);
    store_close(st);
    return rc;
}

struct tick_ctx {
    const struct run_opts *o;
    const char *world;
    size_t   index, nworlds;
    sim_time duration;
    uint64_t events_before;
    double   t0;              /* wall clock at the start of the run */
    char    *limit;           /* set when a resource limit stopped the run */
};

/* Resident memory of this process, from /proc (Linux); 0 where unknown. */
static uint64_t resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long pages = 0, rss = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%llu %llu", &pages, &rss) != 2)
        rss = 0;
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return (uint64_t)rss * (uint64_t)(page > 0 ? page : 4096);
}

/* Every 4096 events: the progress line and the resource limits. The wall clock and
 * the memory gauge decide only whether a run may go on, never what it records. */
static void on_tick(struct sim *sim, void *ctx)
{
    struct tick_ctx *t = ctx;
    const struct run_opts *o = t->o;
    uint64_t events = t->events_before + sim_events_run(sim);
    if (o->progress && (events & 0xffff) < 0x1000)
        o->progress(o->progress_ctx, t->world, t->index, t->nworlds, sim_now(sim),
                    t->duration, events);
    if (t->limit)
        return;
    double wall = progress_wall_now() - t->t0;
    if (o->max_wall_s > 0 && wall > o->max_wall_s) {
        t->limit = xasprintf("wall-clock limit of %.3g s reached (--max-wall)", o->max_wall_s);
        sim_stop(sim);
        return;
    }
    uint64_t rss = o->max_memory ? resident_bytes() : 0;
    if (o->max_memory && rss > o->max_memory) {
        t->limit = xasprintf("memory limit of %.1f MiB reached: %.1f MiB resident (--max-memory)",
                             (double)o->max_memory / 1048576.0, (double)rss / 1048576.0);
        sim_stop(sim);
    }
}

static void on_store_error(void *ctx) { sim_stop(ctx); }

/* attack_delay: rerun. World `spec` ran to its end: for each of its attackers that
 * touched a block (an attacks row with blocks_affected > 0), run the same world again
 * without it into a scratch database in memory, from the same seed (every entity's
 * stream draws the same: common random numbers), and hand each transfer's wait there
 * to metrics_attacks (metrics_rerun_add). The scratch world has no progress line and
 * no limits but the interrupt. 0, or a status other than RUN_COMPLETE in res. O(one
 * world's run) per attacker. */
static void rerun_attackers(const struct scn *s, struct store *st, int64_t run_id,
                            const struct run_opts *o, const struct world_spec *spec,
                            struct run_result *res, struct err *e)
{
    sim_time duration = scn_int(s, "duration");
    metrics_rerun_begin(st);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(store_db(st), "SELECT DISTINCT adversary FROM attacks WHERE"
                           " run_id = ?1 AND world = ?2 AND blocks_affected > 0 ORDER BY"
                           " adversary", -1, &q, NULL) != SQLITE_OK)
        sim_panic("%s", sqlite3_errmsg(store_db(st)));
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_text(q, 2, spec->name, -1, SQLITE_STATIC);
    size_t n = 0, idx[256];
    while (sqlite3_step(q) == SQLITE_ROW && n < ARRAY_LEN(idx)) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        for (size_t i = 0; i < scn_count(s, "adversaries"); i++)
            if (strcmp(scn_str(s, "adversaries[%zu].name", i), name) == 0)
                idx[n++] = i;
    }
    sqlite3_finalize(q);
    for (size_t k = 0; k < n && res->status == RUN_COMPLETE; k++) {
        const char *name = scn_str(s, "adversaries[%zu].name", idx[k]);
        struct store *cs;
        struct world *cw = NULL;
        if (store_open(":memory:", &cs, e) != 0 || apply_scheme_sql(s, cs, e) != 0) {
            res->status = RUN_FAILED;
            snprintf(res->detail, sizeof res->detail, "the rerun without %s: %.400s", name,
                     e->msg);
            store_close(cs);
            return;
        }
        struct world_spec cspec = *spec;
        cspec.store = cs;
        cspec.without_adversary = idx[k] + 1;
        if (world_new(&cspec, &cw, e) != 0) {
            res->status = RUN_FAILED;
            snprintf(res->detail, sizeof res->detail, "the rerun without %s: %.400s", name,
                     e->msg);
            store_close(cs);
            return;
        }
        sim_set_interrupt(cw->sim, o->interrupt);
        enum sim_stop why = sim_run(cw->sim, duration, 0);
        if (why == SIM_STOP_REQUESTED && o->interrupt && *o->interrupt) {
            res->status = RUN_INTERRUPTED;
            snprintf(res->detail, sizeof res->detail, "interrupted in the rerun of world %s "
                     "without %s", spec->name, name);
        } else if (cw->failure || world_finish(cw) != 0 || store_commit(cs, e) != 0) {
            res->status = RUN_FAILED;
            snprintf(res->detail, sizeof res->detail, "the rerun of world %s without %s: "
                     "%.400s", spec->name, name, cw->failure ? cw->failure : "the database failed");
        } else {
            if (sqlite3_prepare_v2(store_db(cs), "SELECT scheme, tx_id, coalesce(soft_us,"
                                   " include_us, ?1) - submit_us FROM txs WHERE"
                                   " coalesce(reason, '') NOT LIKE 'insufficient funds%'"
                                   " ORDER BY scheme, tx_id", -1, &q, NULL) != SQLITE_OK)
                sim_panic("%s", sqlite3_errmsg(store_db(cs)));
            sqlite3_bind_int64(q, 1, duration);
            while (sqlite3_step(q) == SQLITE_ROW)
                metrics_rerun_add(st, name, spec->name, (const char *)sqlite3_column_text(q, 0),
                                  sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2));
            sqlite3_finalize(q);
        }
        world_free(cw);
        store_close(cs);
    }
}

int run_execute(const struct scn *s, struct store *st, int64_t run_id,
                const struct run_opts *o, struct run_result *res, struct err *e)
{
    memset(res, 0, sizeof *res);
    res->status = RUN_COMPLETE;
    struct layout l;
    if (layout_of(s, &l, e) != 0)
        return L2_EINPUT;
    sim_time duration = scn_int(s, "duration");
    double t0 = progress_wall_now();

    sqlite3_stmt *ins = store_prepare(st, "INSERT INTO schemes(run_id, scheme, type, world)"
                                          " VALUES(?,?,?,?)");
    for (size_t i = 0; i < l.nschemes; i++) {
        sqlite3_bind_int64(ins, 1, run_id);
        sqlite3_bind_text(ins, 2, scn_str(s, "schemes[%zu].name", i), -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, scn_str(s, "schemes[%zu].type", i), -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, l.name[l.world_of[i]], -1, SQLITE_STATIC);
        store_step(st, ins);
    }
    int src = apply_scheme_sql(s, st, e);
    if (src != 0) {
        res->status = RUN_FAILED;
        snprintf(res->detail, sizeof res->detail, "%.600s", e->msg);
        return src;
    }

    for (size_t i = 0; i < l.nworlds && res->status == RUN_COMPLETE; i++) {
        struct world *w;
        size_t idx[LAYOUT_MAX_SCHEMES];
        struct world_spec spec = { .scn = s, .store = st, .run_id = run_id, .seed = o->seed,
                                   .name = l.name[i], .schemes = idx,
                                   .nschemes = world_schemes(&l, i, idx) };
        if (world_new(&spec, &w, e) != 0)
            return L2_EINPUT;   /* run_check passed, so this is not reached in practice */
        struct tick_ctx t = { o, w->name, i, l.nworlds, duration, res->events, t0, NULL };
        if (o->progress || o->max_wall_s > 0 || o->max_memory)
            sim_set_tick(w->sim, on_tick, &t, 4096);
        sim_set_interrupt(w->sim, o->interrupt);
        if (o->check_invariants || sim_debug_build())
            sim_set_after_event(w->sim, check_after_event, w);
        store_on_error(st, on_store_error, w->sim);
        uint64_t limit = 0;
        if (o->max_events)
            limit = o->max_events > res->events ? o->max_events - res->events : 1;
        /* the limits hold from the first event: checked once before it, then every
         * 4096 events (a tiny --max-wall or --max-memory stops the run at once) */
        if (o->max_wall_s > 0 || o->max_memory)
            on_tick(w->sim, &t);
        enum sim_stop why = t.limit ? SIM_STOP_REQUESTED : sim_run(w->sim, duration, limit);
        res->events += sim_events_run(w->sim);
        res->sim_end = sim_now(w->sim);
        store_on_error(st, NULL, NULL);
        if (store_failed(st, NULL)) {
            res->status = RUN_FAILED;
            snprintf(res->detail, sizeof res->detail, "the database failed");
        } else if (w->failure) {
            res->status = RUN_FAILED;
            snprintf(res->detail, sizeof res->detail, "%s", w->failure);
        } else if (t.limit) {
            res->status = RUN_FAILED;
            snprintf(res->detail, sizeof res->detail, "%s", t.limit);
        } else if (why == SIM_STOP_REQUESTED && o->interrupt && *o->interrupt) {
            res->status = RUN_INTERRUPTED;
            snprintf(res->detail, sizeof res->detail, "interrupted at %.1f%% (world %s)",
                     100.0 * ((double)i + (double)res->sim_end / (double)duration) /
                     (double)l.nworlds,
                     w->name);
        } else if (why == SIM_STOP_MAX_EVENTS) {
            res->status = RUN_FAILED;
            snprintf(res->detail, sizeof res->detail, "event limit of %llu reached",
                     (unsigned long long)o->max_events);
        } else if (world_finish(w) != 0) {
            res->status = RUN_FAILED;
            snprintf(res->detail, sizeof res->detail, "%s", w->failure);
        }
        free(t.limit);
        world_free(w);
#ifdef __GLIBC__
        /* Give a world's freed heap back before the next world starts. glibc keeps freed
         * chunks below its (dynamic) mmap threshold in the heap, and the next world's
         * differently sized allocations do not all fit into them: default.yaml's peak RSS
         * was 189 MB where 167 MB is the worst single world (chanhtlc, session 7). */
        malloc_trim(0);
#endif
        if (res->status == RUN_COMPLETE && strcmp(scn_str(s, "attack_delay"), "rerun") == 0)
            rerun_attackers(s, st, run_id, o, &spec, res, e);
    }
    struct metrics_phase *ph;
    size_t nph = run_phases(s, &ph);
    if (res->status == RUN_COMPLETE &&
        (metrics_compute(st, run_id, duration, ph, nph, e) != 0 ||
         metrics_attacks(st, run_id, e) != 0)) {
        res->status = RUN_FAILED;
        snprintf(res->detail, sizeof res->detail, "the database failed");
    }
    run_phases_free(ph, nph);
    if (store_failed(st, NULL)) {
        const char *why;
        store_failed(st, &why);
        res->status = RUN_FAILED;
        snprintf(res->detail, sizeof res->detail, "%s", why);
        return L2_EIO;
    }
    return 0;
}
