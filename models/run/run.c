/* run.c — world construction and the run of a scenario (see run.h). Worlds run one
 * after another on their own scheduler; each draws the same L1 demand and the same
 * transfers from streams keyed by the run's seed alone, not by the world. */
#include "models/run/run.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include "analysis/metrics.h"
#include "models/run/estimate.h"
#include "sim/progress.h"
#include "models/l1/l1.h"
#include "models/workload/workload.h"

void world_fail(struct world *w, const char *fmt, ...)
{
    if (w->failure)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    w->failure = xasprintf("world %s at %.3f s: %s", w->name,
                           (double)sim_now(w->sim) / SIM_SEC, msg);
    sim_stop(w->sim);
}

int inv_fail_set(struct inv_fail *f, const char *file, int line, const char *invariant,
                 const char *fmt, ...)
{
    f->file = file;
    f->line = line;
    f->invariant = invariant;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->detail, sizeof f->detail, fmt, ap);
    va_end(ap);
    return 1;
}

/* The message names the invariant, where it is checked, the numbers, and when it
 * broke: the event during or after which it was found (with its handler and origin
 * in debug builds). */
void world_violated(struct world *w, const struct inv_fail *f)
{
    char ev[256];
    sim_event_describe(w->sim, ev, sizeof ev);
    if (w->at_end)
        world_fail(w, "invariant violated: %s (%s:%d): %s; found at the end of the world, "
                   "after %llu events (--check-invariants checks after every event and names "
                   "the one that broke it)", f->invariant, f->file, f->line, f->detail,
                   (unsigned long long)sim_events_run(w->sim));
    else
        world_fail(w, "invariant violated: %s (%s:%d): %s; %s %s", f->invariant, f->file,
                   f->line, f->detail, w->checking ? "found after" : "during", ev);
}

int world_check(struct world *w)
{
    struct inv_fail f;
    int bad = l1_check(w->l1, &f);
    for (size_t i = 0; !bad && i < w->nschemes; i++)
        if (w->schemes[i]->ops->check)
            bad = w->schemes[i]->ops->check(w->schemes[i], &f);
    for (size_t i = 0; !bad && i < w->nadversaries; i++)
        if (w->adversaries[i]->ops->check)
            bad = w->adversaries[i]->ops->check(w->adversaries[i], &f);
    if (bad) {
        w->checking = true;
        world_violated(w, &f);
    }
    return bad;
}

/* In debug builds (and with --check-invariants) every invariant is checked after
 * every event: the first event after which one fails is the one that broke it. */
static void check_after_event(struct sim *sim, void *ctx)
{
    struct world *w = ctx;
    if (!w->failure)
        world_check(w);
}

static void world_free(struct world *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->nadversaries; i++) {
        struct adversary *a = w->adversaries[i];
        if (a->ops->destroy)
            a->ops->destroy(a);
        free(a);
    }
    free(w->adversaries);
    for (size_t i = 0; i < w->nschemes; i++) {
        struct scheme *sc = w->schemes[i];
        if (sc->ops->destroy)
            sc->ops->destroy(sc);
        free(sc);
    }
    free(w->schemes);
    workload_free(w->workload);
    l1_free(w->l1);
    txlog_free(w->txlog);
    sim_free(w->sim);
    free(w->failure);
    free(w);
}

/* A world with the schemes [first, first+n) of the scenario. */
static int world_new(const struct scn *s, struct store *st, int64_t run_id, uint64_t seed,
                     const char *name, size_t first, size_t n, struct world **out,
                     struct err *e)
{
    struct world *w = xcalloc(1, sizeof *w);
    w->name = name;
    w->sim = sim_new();
    w->scn = s;
    w->store = st;
    w->run_id = run_id;
    w->seed = seed;
    w->duration = scn_int(s, "duration");
    *out = NULL;
    if (l1_new(w, &w->l1, e) != 0)
        goto fail;
    w->schemes = xcalloc(n, sizeof *w->schemes);
    for (size_t i = 0; i < n; i++) {
        struct scheme *sc = xcalloc(1, sizeof *sc);
        sc->world = w;
        sc->index = first + i;
        sc->name = scn_str(s, "schemes[%zu].name", sc->index);
        sc->ops = model_scheme_by_type(scn_str(s, "schemes[%zu].type", sc->index));
        SIM_ASSERT(sc->ops);
        w->schemes[w->nschemes++] = sc;
        if (sc->ops->init(sc, e) != 0)
            goto fail;
    }
    /* adversaries after the schemes they target, in every world alike */
    size_t na = scn_count(s, "adversaries");
    w->adversaries = xcalloc(na ? na : 1, sizeof *w->adversaries);
    for (size_t i = 0; i < na; i++) {
        struct adversary *a = xcalloc(1, sizeof *a);
        a->world = w;
        a->index = i;
        a->name = scn_str(s, "adversaries[%zu].name", i);
        a->ops = model_adversary_by_type(scn_str(s, "adversaries[%zu].type", i));
        SIM_ASSERT(a->ops);
        w->adversaries[w->nadversaries++] = a;
        if (a->ops->init(a, e) != 0)
            goto fail;
    }
    /* the workload last: its first arrival must find every scheme ready */
    if (workload_new(w, &w->workload, e) != 0)
        goto fail;
    *out = w;
    return 0;
fail:
    world_free(w);
    return L2_EINPUT;
}

/* The world layout: one world per scheme, or one shared world. */
struct layout {
    size_t n;
    struct { const char *name; size_t first, count; } w[64];
};

static int layout_of(const struct scn *s, struct layout *l, struct err *e)
{
    size_t ns = scn_count(s, "schemes");
    if (ns == 0)
        return scn_error_at(s, e, "schemes", "no schemes: add at least one, e.g. "
                            "schemes: [{type: l1}]");
    if (ns > ARRAY_LEN(l->w))
        return scn_error_at(s, e, "schemes", "%zu schemes; at most %zu per scenario", ns,
                            ARRAY_LEN(l->w));
    l->n = 0;
    if (scn_bool(s, "shared_l1")) {
        l->w[l->n].name = "shared", l->w[l->n].first = 0, l->w[l->n].count = ns;
        l->n++;
    } else {
        for (size_t i = 0; i < ns; i++) {
            l->w[l->n].name = scn_str(s, "schemes[%zu].name", i);
            l->w[l->n].first = i, l->w[l->n].count = 1;
            l->n++;
        }
    }
    return 0;
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
        .master_seed = master_seed, .replication = replication, .crypto_mode = "ed25519",
        .duration_us = scn_int(s, "duration"),
    };
    int rc = store_begin_run(st, &row, run_id, e);
    free(config);
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
    struct world *w;
    int rc = world_new(s, st, 0, scn_uint(s, "seed"), "check", 0, scn_count(s, "schemes"),
                       &w, e);
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

/* A demand spike splits the report into before / during / after. */
size_t run_phases(const struct scn *s, struct metrics_phase *ph)
{
    sim_time duration = scn_int(s, "duration");
    size_t nph = 0;
    if (scn_count(s, "l1.demand.spikes") > 0) {
        sim_time at = scn_int(s, "l1.demand.spikes[0].at");
        sim_time until = sim_time_add_sat(at, scn_int(s, "l1.demand.spikes[0].for"));
        if (at > 0 && at < duration)
            ph[nph++] = (struct metrics_phase){ "before", 0, at };
        if (at < duration)
            ph[nph++] = (struct metrics_phase){ "during", at, until < duration ? until : duration };
        if (until < duration)
            ph[nph++] = (struct metrics_phase){ "after", until, duration };
    }
    return nph;
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
    for (size_t i = 0; i < l.n; i++)
        for (size_t k = 0; k < l.w[i].count; k++) {
            size_t idx = l.w[i].first + k;
            sqlite3_bind_int64(ins, 1, run_id);
            sqlite3_bind_text(ins, 2, scn_str(s, "schemes[%zu].name", idx), -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, scn_str(s, "schemes[%zu].type", idx), -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, l.w[i].name, -1, SQLITE_STATIC);
            store_step(st, ins);
        }

    for (size_t i = 0; i < l.n && res->status == RUN_COMPLETE; i++) {
        struct world *w;
        if (world_new(s, st, run_id, o->seed, l.w[i].name, l.w[i].first, l.w[i].count,
                      &w, e) != 0)
            return L2_EINPUT;   /* run_check passed, so this is not reached in practice */
        struct tick_ctx t = { o, w->name, i, l.n, duration, res->events, t0, NULL };
        if (o->progress || o->max_wall_s > 0 || o->max_memory)
            sim_set_tick(w->sim, on_tick, &t, 4096);
        sim_set_interrupt(w->sim, o->interrupt);
        if (o->check_invariants || sim_debug_build())
            sim_set_after_event(w->sim, check_after_event, w);
        store_on_error(st, on_store_error, w->sim);
        uint64_t limit = 0;
        if (o->max_events)
            limit = o->max_events > res->events ? o->max_events - res->events : 1;
        enum sim_stop why = sim_run(w->sim, duration, limit);
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
                     100.0 * ((double)i + (double)res->sim_end / (double)duration) / (double)l.n,
                     w->name);
        } else if (why == SIM_STOP_MAX_EVENTS) {
            res->status = RUN_FAILED;
            snprintf(res->detail, sizeof res->detail, "event limit of %llu reached",
                     (unsigned long long)o->max_events);
        } else {
            for (size_t k = 0; k < w->nschemes; k++)
                w->schemes[k]->ops->finish(w->schemes[k]);
            for (size_t k = 0; k < w->nadversaries; k++)
                w->adversaries[k]->ops->finish(w->adversaries[k]);
            w->at_end = true;
            world_check(w);       /* every build: at the end of every world */
            if (w->failure) {
                res->status = RUN_FAILED;
                snprintf(res->detail, sizeof res->detail, "%s", w->failure);
            }
        }
        free(t.limit);
        world_free(w);
    }
    struct metrics_phase ph[3];
    size_t nph = run_phases(s, ph);
    if (res->status == RUN_COMPLETE &&
        metrics_compute(st, run_id, duration, ph, nph, e) != 0) {
        res->status = RUN_FAILED;
        snprintf(res->detail, sizeof res->detail, "the database failed");
    }
    if (store_failed(st, NULL)) {
        const char *why;
        store_failed(st, &why);
        res->status = RUN_FAILED;
        snprintf(res->detail, sizeof res->detail, "%s", why);
        return L2_EIO;
    }
    return 0;
}
