/* study.c — plans of runs and their execution: serial, or by forked worker processes
 * that each write a temporary database, merged into the output in plan order (see
 * study.h). Workers are told items one at a time over a pipe, so a slow point never
 * holds up the rest; the merge order alone fixes run_ids, so --jobs never changes the
 * database. */
#include "models/run/study.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/merge.h"
#include "sim/progress.h"
#include "sim/rng.h"
#include "sim/sweep.h"
#include "sim/ytree.h"

/* At most this many runs in one plan (10000 replications of 1000 points). */
#define STUDY_MAX_ITEMS 10000000u

struct item {
    uint32_t point, replication;
    uint64_t seed, master;
};

struct study {
    char         *file, *text, *name;
    size_t        len;
    char        **sets;          /* command-line overrides, copied */
    size_t        nsets;
    bool          labelled;      /* a sweep: runs carry sweep_point / sweep_index */
    struct sweep  sw;
    struct item  *items;         /* this shard's, in plan order */
    size_t        n;
    /* the scenario of the point last run, reused by its next replication */
    struct scn   *cur;
    size_t        cur_point;
    char         *config;
    char          sha[65];
};

/* Load the scenario with the command-line overrides plus `extra`. */
static int load_with(const struct study *st, char *const *extra, size_t nextra,
                     struct scn **out, struct err *e)
{
    size_t n = st->nsets + nextra;
    const char **all = xcalloc(n ? n : 1, sizeof *all);
    for (size_t i = 0; i < st->nsets; i++)
        all[i] = st->sets[i];
    for (size_t i = 0; i < nextra; i++)
        all[st->nsets + i] = extra[i];
    int rc = scn_load_text(model_schema(), st->file, st->text, st->len, all, n, out, e);
    free(all);
    return rc;
}

static int load_point(const struct study *st, size_t p, struct scn **out, struct err *e)
{
    return load_with(st, st->sw.points[p].sets, st->sw.points[p].nsets, out, e);
}

/* The first line of a message collection, for wrapping it in a location. */
static void first_line(const struct err *e, char *buf, size_t len)
{
    snprintf(buf, len, "%.*s", (int)strcspn(e->msg, "\n"), e->msg);
}

void study_free(struct study *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->nsets; i++)
        free(st->sets[i]);
    free(st->sets);
    sweep_free(&st->sw);
    free(st->items);
    scn_free(st->cur);
    free(st->config);
    free(st->file), free(st->text), free(st->name);
    free(st);
}

/* True when a --set message is about the path rather than the value (the phrases of
 * scenario.c's path resolution): reported once per grid axis, at its path. */
static bool path_problem(const char *msg)
{
    static const char *const phrases[] = { "unknown parameter", "is a section", "is a list",
                                           "is not a parameter path", "has no item",
                                           "is not a list" };
    for (size_t i = 0; i < ARRAY_LEN(phrases); i++)
        if (strstr(msg, phrases[i]))
            return true;
    return false;
}

/* Validate each sweep value and list item on its own (reported at its position in the
 * file, with the models' checks unless trusted). */
static int check_sources(struct study *st, const struct scn *base, bool trust, struct err *e)
{
    int before = e->count;
    long bad_axis = -1;
    for (size_t i = 0; i < st->sw.nsources; i++) {
        const struct sweep_axis *src = &st->sw.sources[i];
        if (src->bad || (src->axis >= 0 && src->axis == bad_axis))
            continue;
        struct scn *s;
        struct err e2;
        err_init(&e2);
        if (load_with(st, src->sets, src->nsets, &s, &e2) == 0 && (trust || run_check(s, &e2) == 0)) {
            scn_free(s);
            continue;
        }
        scn_free(s);
        char msg[1024], where[64];
        first_line(&e2, msg, sizeof msg);
        if (src->axis >= 0 && path_problem(msg)) {
            snprintf(where, sizeof where, "sweep.grid[%ld].path", src->axis);
            const char *colon = strstr(msg, ": ");   /* drop "--set path=value: " */
            scn_error_at(base, e, where, "%s", colon ? colon + 2 : msg);
            bad_axis = src->axis;
        } else {
            scn_error_at(base, e, src->where, "%s", msg);
        }
    }
    return e->count == before ? 0 : L2_EINPUT;
}

/* A path given by --set and swept too: refused, with that as the reason (which would
 * win is not obvious, and a sweep whose axis is pinned is not a sweep). O(sets x
 * points x point sets). */
static int check_set_vs_sweep(const struct study *st, struct err *e)
{
    int before = e->count;
    for (size_t i = 0; i < st->nsets; i++) {
        size_t len = strcspn(st->sets[i], "=");
        bool clash = false;
        for (size_t p = 0; p < st->sw.n && !clash; p++)
            for (size_t k = 0; k < st->sw.points[p].nsets && !clash; k++) {
                const char *ps = st->sw.points[p].sets[k];
                clash = strncmp(ps, st->sets[i], len) == 0 && ps[len] == '=';
            }
        if (clash)
            err_set(e, L2_EINPUT, "--set %s: the sweep also sets '%.*s'; a path is swept or "
                    "set with --set, not both (drop the --set, or the sweep's axis; l2sim run "
                    "ignores the sweep)", st->sets[i], (int)len, st->sets[i]);
    }
    return e->count == before ? 0 : L2_EINPUT;
}

/* Validate each point as a whole with the models' checks (the combination of values
 * may be what is wrong), and note each one's seed and replications for the plan. */
static int check_points(struct study *st, bool trust, volatile sig_atomic_t *interrupt,
                        uint64_t *seed, uint64_t *reps, struct err *e)
{
    int before = e->count;
    size_t bad = 0;
    for (size_t p = 0; p < st->sw.n; p++) {
        /* a sweep of 100,000 points takes minutes to check: a signal stops it */
        if (interrupt && *interrupt)
            return err_set(e, L2_EIO, "%s: interrupted while checking sweep point %zu of "
                           "%zu; nothing was run", st->file, p + 1, st->sw.n);
        struct scn *s;
        struct err e2;
        err_init(&e2);
        if (load_point(st, p, &s, &e2) == 0 && (trust || run_check(s, &e2) == 0)) {
            seed[p] = scn_uint(s, "seed");
            reps[p] = scn_uint(s, "replications");
            scn_free(s);
            continue;
        }
        scn_free(s);
        if (++bad <= 10) {
            char msg[1024];
            first_line(&e2, msg, sizeof msg);
            err_set(e, L2_EINPUT, "%s: sweep point %zu (%s): %s", st->file, p,
                    st->sw.points[p].label, msg);
        }
    }
    if (bad > 10)
        err_set(e, L2_EINPUT, "%s: %zu more sweep points are invalid", st->file, bad - 10);
    return e->count == before ? 0 : L2_EINPUT;
}

int study_plan(const struct study_args *a, struct study **out, struct err *e)
{
    *out = NULL;
    struct study *st = xcalloc(1, sizeof *st);
    st->file = xstrdup(a->file);
    if (a->text) {
        st->text = xstrndup(a->text, a->len);
        st->len = a->len;
    } else if (ytree_read_file(a->file, &st->text, &st->len, e) != 0) {
        study_free(st);
        return e->code ? e->code : L2_EINPUT;
    }
    st->sets = xcalloc(a->nsets ? a->nsets : 1, sizeof *st->sets);
    for (size_t i = 0; i < a->nsets; i++)
        st->sets[st->nsets++] = xstrdup(a->sets[i]);

    struct scn *base = NULL;
    uint64_t *pseed = NULL, *preps = NULL;     /* each point's seed and replications */
    int rc = load_with(st, NULL, 0, &base, e);
    if (rc == 0 && !a->trust)
        rc = run_check(base, e);
    if (rc == 0) {
        st->name = xstrdup(scn_str(base, "name"));
        if (a->sweep && sweep_present(base)) {
            st->labelled = true;
            rc = sweep_expand(base, &st->sw, e);
            /* a clash is the one reason given: the values' own checks would repeat it */
            bool clash = rc == 0 && check_set_vs_sweep(st, e) != 0;
            int rc2 = clash ? L2_EINPUT : check_sources(st, base, a->trust, e);
            pseed = xcalloc(st->sw.n + 1, sizeof *pseed);
            preps = xcalloc(st->sw.n + 1, sizeof *preps);
            if (rc == 0 && rc2 == 0)
                rc = check_points(st, a->trust, a->interrupt, pseed, preps, e);
            else
                rc = L2_EINPUT;
        } else {
            st->sw.points = xcalloc(1, sizeof *st->sw.points);
            st->sw.points[0].label = xstrdup("");
            st->sw.points[0].sets = xcalloc(1, sizeof *st->sw.points[0].sets);
            st->sw.n = 1;
            pseed = xmalloc(sizeof *pseed), preps = xmalloc(sizeof *preps);
            pseed[0] = scn_uint(base, "seed"), preps[0] = scn_uint(base, "replications");
        }
    }
    /* the items: every replication of every point, then this shard's slice */
    uint64_t global = 0;
    for (size_t p = 0; rc == 0 && p < st->sw.n; p++) {
        uint64_t master = a->has_seed ? a->seed : pseed[p];
        uint64_t reps = a->replications ? a->replications : preps[p];
        if (global + reps > STUDY_MAX_ITEMS) {
            rc = err_set(e, L2_EINPUT, "%s: the plan has more than %u runs", st->file,
                         STUDY_MAX_ITEMS);
            break;
        }
        for (uint64_t r = 0; r < reps; r++, global++) {
            if (a->nshards > 1 && global % a->nshards != a->shard)
                continue;
            if ((st->n & (st->n - 1)) == 0)
                st->items = xrealloc(st->items, (st->n ? 2 * st->n : 1) * sizeof *st->items);
            st->items[st->n++] = (struct item){ (uint32_t)p, (uint32_t)r,
                                                rng_replication_seed(master, (uint32_t)r),
                                                master };
        }
    }
    free(pseed), free(preps);
    scn_free(base);
    if (rc != 0) {
        study_free(st);
        return rc;
    }
    *out = st;
    return 0;
}

size_t study_size(const struct study *st) { return st->n; }
size_t study_points(const struct study *st) { return st->sw.n; }
const char *study_name(const struct study *st) { return st->name; }
bool study_is_sweep(const struct study *st) { return st->labelled; }

const char *study_text(const struct study *st, size_t *len)
{
    *len = st->len;
    return st->text;
}

void study_item_at(const struct study *st, size_t i, struct study_item *out)
{
    const struct item *it = &st->items[i];
    *out = (struct study_item){ it->point, it->replication, it->seed, it->master,
                                st->labelled ? st->sw.points[it->point].label : NULL };
}

/* ---- one run ---- */

struct panic_ctx {
    struct store *st;
    int64_t       run_id;
    double        t0;
};

/* A broken invariant: the run is recorded as failed with the message (file, line,
 * what broke) and when it broke: the simulated time and the number of the event. */
static void on_panic(void *ctx, const char *msg)
{
    struct panic_ctx *p = ctx;
    struct err e;
    err_init(&e);
    const struct sim *sim = sim_running();
    char ev[256];
    char *full = sim ? xasprintf("%s (during %s)", msg, sim_event_describe(sim, ev, sizeof ev))
                     : xstrdup(msg);
    if (sim)
        fprintf(stderr, "l2sim: the run stopped during %s\n", ev);
    if (p->st && p->run_id)
        store_end_run(p->st, p->run_id, "failed", full, 0, 0, progress_wall_now() - p->t0, &e);
    store_close(p->st);
    free(full);
}

static void on_progress(void *ctx, const char *world, size_t index, size_t nworlds,
                        sim_time now, sim_time duration, uint64_t events)
{
    char a[48], b[32], what[200];
    long long sec = (long long)(now / SIM_SEC);
    snprintf(a, sizeof a, "%lldd %02lld:%02lld:%02lld", sec / 86400, sec / 3600 % 24,
             sec / 60 % 60, sec % 60);
    unit_format_duration(duration, b, sizeof b);
    snprintf(what, sizeof what, "world %s (%zu/%zu): %s of %s simulated", world, index + 1,
             nworlds, a, b);
    progress_update(ctx, ((double)index + (double)now / (double)duration) / (double)nworlds,
                    what, events);
}

int study_run_item(struct study *st, size_t i, struct store *out, const struct study_hooks *h,
                   struct study_result *r, struct err *e)
{
    const struct item *it = &st->items[i];
    memset(r, 0, sizeof *r);
    if (!st->cur || st->cur_point != it->point) {
        scn_free(st->cur);
        st->cur = NULL;
        free(st->config);
        st->config = NULL;
        if (load_point(st, it->point, &st->cur, e) != 0)   /* checked by study_plan */
            return L2_EINPUT;
        st->cur_point = it->point;
        st->config = scn_dump(st->cur);
        scn_sha256_hex(st->cur, st->sha);
    }
    const struct scn *s = st->cur;
    struct store_run row = {
        .scenario_name = scn_str(s, "name"), .scenario_file = scn_file(s),
        .scenario_text = st->text, .scenario_sha256 = st->sha,
        .overrides = scn_overrides(s), .config = st->config, .seed = it->seed,
        .master_seed = it->master, .replication = it->replication,
        .crypto_mode = scn_str(s, "crypto"), .duration_us = scn_int(s, "duration"),
        .sweep_point = st->labelled ? st->sw.points[it->point].label : NULL,
        .sweep_index = (int64_t)it->point,
    };
    if (store_begin_run(out, &row, &r->run_id, e) != 0)
        return L2_EIO;
    if (h->on_begin)
        h->on_begin(h->ctx, i, r->run_id);
    struct panic_ctx pc = { out, r->run_id, progress_wall_now() };
    sim_set_panic_hook(on_panic, &pc);
    char label[160];
    if (st->labelled)
        snprintf(label, sizeof label, "%s [%u/%zu] #%lld", scn_str(s, "name"), it->point + 1,
                 st->sw.n, (long long)r->run_id);
    else
        snprintf(label, sizeof label, "%s #%lld", scn_str(s, "name"), (long long)r->run_id);
    struct progress *pg = progress_new(h->tty, label);
    struct run_opts ro = { .seed = it->seed, .interrupt = h->interrupt,
                           .max_events = h->max_events, .max_wall_s = h->max_wall_s,
                           .max_memory = h->max_memory,
                           .check_invariants = h->check_invariants,
                           .progress = h->tty ? on_progress : NULL, .progress_ctx = pg };
    struct run_result res;
    run_execute(s, out, r->run_id, &ro, &res, e);
    progress_end(pg);
    r->wall = progress_wall_now() - pc.t0;
    r->status = res.status;
    r->events = res.events;
    snprintf(r->detail, sizeof r->detail, "%s", res.detail);
    const char *final = res.status == RUN_COMPLETE ? "complete"
                      : res.status == RUN_INTERRUPTED ? "interrupted" : "failed";
    struct err e2;
    err_init(&e2);
    int rc = store_end_run(out, r->run_id, final, res.detail[0] ? res.detail : NULL,
                           res.events, res.sim_end, r->wall, &e2);
    sim_set_panic_hook(NULL, NULL);
    if (rc != 0) {
        r->status = RUN_FAILED;
        snprintf(r->detail, sizeof r->detail, "%.255s", e2.msg);
        return err_set(e, L2_EIO, "%s", e2.msg);
    }
    return 0;
}

/* ---- merging in plan order ---- */

struct done {
    bool                added;
    char               *path;
    bool                owned;
    int64_t             run_id;
    struct study_result r;
};

struct study_sink {
    struct study             *st;
    struct store             *out;
    const struct study_hooks *h;
    struct done              *d;
    size_t                    next;   /* items before it are merged */
};

struct study_sink *study_sink_new(struct study *st, struct store *out,
                                  const struct study_hooks *h)
{
    struct study_sink *k = xcalloc(1, sizeof *k);
    k->st = st, k->out = out, k->h = h;
    k->d = xcalloc(st->n ? st->n : 1, sizeof *k->d);
    return k;
}


static int sink_merge(struct study_sink *k, size_t i, struct err *e)
{
    struct done *d = &k->d[i];
    struct merge_src *src;
    /* the scheme tables the worker's database may hold, from this binary's SQL */
    int rc = model_scheme_sql_refresh(k->out, true, e);
    if (rc == 0)
        rc = merge_open(k->out, d->path, &src, e);
    int64_t id = 0;
    if (rc == 0) {
        rc = merge_copy_run(src, d->run_id, &id, e);
        merge_close(src);
    }
    /* a run the worker could not end (it died, its database failed) is recorded with
     * what the parent knows, never left 'running' */
    if (rc == 0 && d->r.status != RUN_COMPLETE)
        rc = store_mark_unfinished(k->out, id, d->r.status == RUN_INTERRUPTED ? "interrupted"
                                   : "failed", d->r.detail[0] ? d->r.detail : NULL, e);
    if (d->owned)
        store_remove(d->path);
    if (rc != 0)
        return L2_EIO;
    struct study_result r = d->r;
    r.run_id = id;
    if (k->h->on_run)
        k->h->on_run(k->h->ctx, k->out, i, &r);
    return 0;
}

int study_sink_add(struct study_sink *k, size_t i, const char *path, int64_t run_id,
                   const struct study_result *r, bool owned, struct err *e)
{
    SIM_ASSERT(i < k->st->n && !k->d[i].added);
    k->d[i] = (struct done){ true, xstrdup(path), owned, run_id, *r };
    int rc = 0;
    while (rc == 0 && k->next < k->st->n && k->d[k->next].added)
        rc = sink_merge(k, k->next++, e);
    return rc;
}

int study_sink_finish(struct study_sink *k, struct err *e)
{
    int rc = 0;
    bool incomplete = false;
    for (size_t i = 0; i < k->st->n; i++) {
        if (i >= k->next && k->d[i].added && rc == 0)
            rc = sink_merge(k, i, e);
        if (!k->d[i].added || k->d[i].r.status != RUN_COMPLETE)
            incomplete = true;
        free(k->d[i].path);
    }
    free(k->d);
    free(k);
    return rc ? rc : incomplete ? 1 : 0;
}

/* ---- execution ---- */

static int execute_serial(struct study *st, const char *db, const struct study_hooks *h,
                          struct err *e)
{
    struct store *out;
    int orc = store_open(db, &out, e);
    if (orc != 0)
        return orc;
    int status = 0;
    for (size_t i = 0; i < st->n && status == 0; i++) {
        if (h->interrupt && *h->interrupt) {
            status = 1;
            break;
        }
        struct study_result r;
        int rc = study_run_item(st, i, out, h, &r, e);
        if (rc != 0) {
            status = rc;
            break;
        }
        if (h->on_run)
            h->on_run(h->ctx, out, i, &r);
        if (r.status != RUN_COMPLETE)
            status = 1;
    }
    store_close(out);
    return status;
}

/* A message from a worker: the run of an item began (its run_id), or ended. */
struct wmsg {
    int32_t             kind;    /* WMSG_BEGIN, WMSG_END */
    uint32_t            item;
    int32_t             rc;      /* WMSG_END: study_run_item's return code */
    struct study_result r;
};
enum { WMSG_BEGIN = 1, WMSG_END = 2 };

struct worker_ctx {
    int fd;    /* results pipe */
};

static void write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w, len -= (size_t)w;
    }
}

/* 1 = got len bytes, 0 = end of file, -1 = error. */
static int read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, p + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r == 0 && got == 0 ? 0 : -1;
        got += (size_t)r;
    }
    return 1;
}

static void worker_begin(void *ctx, size_t item, int64_t run_id)
{
    struct worker_ctx *w = ctx;
    struct wmsg m;
    memset(&m, 0, sizeof m);
    m.kind = WMSG_BEGIN, m.item = (uint32_t)item, m.r.run_id = run_id;
    write_all(w->fd, &m, sizeof m);
}

/* The database of one item in the workers' directory. Caller frees. */
static char *item_path(const char *dir, size_t item)
{
    return xasprintf("%s/item-%zu.db", dir, item);
}

/* A worker process: run each item it is sent into a database of its own, closed
 * before the item is reported done (so the parent merges a finished file that no one
 * writes), until the command pipe closes. Never returns. */
static _Noreturn void worker_main(struct study *st, const char *dir, int cmd, int res,
                                  const struct study_hooks *ph)
{
    struct worker_ctx w = { res };
    struct study_hooks h = *ph;      /* every limit and option, as the parent has them */
    h.tty = false, h.on_run = NULL, h.on_begin = worker_begin, h.ctx = &w;
    struct err e;
    uint32_t item;
    while (read_all(cmd, &item, sizeof item) == 1) {
        struct wmsg m;
        memset(&m, 0, sizeof m);
        m.kind = WMSG_END, m.item = item;
        err_init(&e);
        char *path = item_path(dir, item);
        struct store *db;
        m.rc = store_open(path, &db, &e);
        if (m.rc == 0) {
            m.rc = study_run_item(st, item, db, &h, &m.r, &e);
            store_close(db);
        }
        free(path);
        if (m.rc != 0)
            snprintf(m.r.detail, sizeof m.r.detail, "%.255s", e.msg);
        write_all(res, &m, sizeof m);
    }
    _exit(0);
}

struct worker {
    pid_t   pid;
    int     cmd, res;          /* parent's ends; -1 when closed */
    long    item;              /* item in progress, or -1 */
    int64_t begun;             /* its run_id once begun, else 0 */
};

static void worker_stop(struct worker *w)
{
    if (w->cmd >= 0)
        close(w->cmd);
    w->cmd = -1;
}

static void worker_give(struct worker *w, size_t item)
{
    uint32_t i = (uint32_t)item;
    w->item = (long)item;
    w->begun = 0;
    write_all(w->cmd, &i, sizeof i);
}

static int execute_jobs(struct study *st, const char *db, unsigned jobs,
                        const struct study_hooks *h, struct err *e)
{
    struct store *out;
    int orc = store_open(db, &out, e);
    if (orc != 0)                               /* fail before forking */
        return orc;
    store_close(out);
    char *dir = xasprintf("%s.jobs-XXXXXX", db);
    if (!mkdtemp(dir)) {
        int rc = err_set(e, L2_EIO, "%s: cannot create a directory for the workers: %s",
                         dir, strerror(errno));
        free(dir);
        return rc;
    }
    if (jobs > st->n)
        jobs = (unsigned)st->n;
    struct worker *w = xcalloc(jobs ? jobs : 1, sizeof *w);
    void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
    fflush(stdout), fflush(stderr);
    unsigned started = 0;
    for (unsigned k = 0; k < jobs; k++) {
        int c[2], r[2];
        if (pipe(c) != 0)
            break;
        if (pipe(r) != 0) {
            close(c[0]), close(c[1]);
            break;
        }
        w[k].item = -1;
        pid_t pid = fork();
        if (pid == 0) {
            signal(SIGPIPE, SIG_DFL);
            for (unsigned j = 0; j < k; j++) {
                if (w[j].cmd >= 0)
                    close(w[j].cmd);
                close(w[j].res);
            }
            close(c[1]), close(r[0]);
            worker_main(st, dir, c[0], r[1], h);
        }
        close(c[0]), close(r[1]);
        if (pid < 0) {
            close(c[1]), close(r[0]);
            break;
        }
        w[k].pid = pid, w[k].cmd = c[1], w[k].res = r[0];
        started++;
    }
    int status = 0;
    if (started == 0) {
        status = err_set(e, L2_EIO, "cannot start worker processes: %s", strerror(errno));
        goto out;
    }
    if (store_open(db, &out, e) != 0) {
        status = L2_EIO;
        for (unsigned k = 0; k < started; k++)
            worker_stop(&w[k]);
        goto wait;
    }
    struct study_sink *sink = study_sink_new(st, out, h);
    char label[96];
    snprintf(label, sizeof label, "%s (%u workers)", st->name, started);
    struct progress *pg = progress_new(h->tty, label);
    size_t next = 0, finished = 0;
    uint64_t events = 0;
    bool stopping = false, signalled = false;
    for (unsigned k = 0; k < started; k++) {
        if (next < st->n)
            worker_give(&w[k], next++);
        else
            worker_stop(&w[k]);
    }
    unsigned alive = started;
    while (alive > 0) {
        if (h->interrupt && *h->interrupt && !signalled) {
            signalled = stopping = true;
            for (unsigned k = 0; k < started; k++) {
                worker_stop(&w[k]);
                kill(w[k].pid, SIGTERM);        /* a SIGTERM may have reached us alone */
            }
        }
        struct pollfd pfd[256];
        unsigned map[256], np = 0;
        for (unsigned k = 0; k < started && np < 256; k++)
            if (w[k].res >= 0)
                pfd[np] = (struct pollfd){ w[k].res, POLLIN, 0 }, map[np++] = k;
        int pr = poll(pfd, np, 200);
        if (pr < 0 && errno != EINTR)
            break;
        for (unsigned x = 0; pr > 0 && x < np; x++) {
            if (!(pfd[x].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            struct worker *wk = &w[map[x]];
            struct wmsg m;
            int got = read_all(wk->res, &m, sizeof m);
            if (got == 1 && m.kind == WMSG_BEGIN) {
                wk->begun = m.r.run_id;
                continue;
            }
            if (got == 1 && m.kind == WMSG_END) {
                finished++;
                events += m.r.events;
                wk->item = -1;
                int rc = 0;
                if (m.rc != 0) {
                    stopping = true;
                    if (status == 0)
                        status = err_set(e, L2_EIO, "%s", m.r.detail);
                    if (wk->begun) {      /* its run row exists: recorded as failed */
                        struct study_result r = { .run_id = wk->begun, .status = RUN_FAILED };
                        snprintf(r.detail, sizeof r.detail, "%s", m.r.detail);
                        char *path = item_path(dir, m.item);
                        struct err e2;
                        err_init(&e2);
                        study_sink_add(sink, m.item, path, wk->begun, &r, true, &e2);
                        free(path);
                    }
                } else {
                    char *path = item_path(dir, m.item);
                    rc = study_sink_add(sink, m.item, path, m.r.run_id, &m.r, true, e);
                    free(path);
                }
                if (rc != 0) {
                    status = rc, stopping = true;
                } else if (m.r.status != RUN_COMPLETE) {
                    stopping = true;
                }
                char what[96];
                snprintf(what, sizeof what, "%zu/%zu runs done", finished, st->n);
                progress_update(pg, (double)finished / (double)st->n, what, events);
                if (stopping) {
                    for (unsigned k = 0; k < started; k++)
                        worker_stop(&w[k]);
                } else if (next < st->n) {
                    worker_give(wk, next++);
                } else {
                    worker_stop(wk);
                }
                continue;
            }
            /* end of file (or a torn message): the worker is gone */
            close(wk->res);
            wk->res = -1;
            alive--;
            worker_stop(wk);
            if (wk->item >= 0) {
                stopping = true;
                /* the sweep has failed: the others' runs stop now (marked interrupted)
                 * instead of keeping the user waiting for their end */
                for (unsigned k = 0; k < started; k++) {
                    worker_stop(&w[k]);
                    if (w[k].item >= 0 && &w[k] != wk)
                        kill(w[k].pid, SIGTERM);
                }
                if (wk->begun) {
                    struct study_result r = { .run_id = wk->begun, .status = RUN_FAILED };
                    snprintf(r.detail, sizeof r.detail, "the worker process died");
                    char *path = item_path(dir, (size_t)wk->item);
                    int rc = study_sink_add(sink, (size_t)wk->item, path, wk->begun, &r,
                                            true, e);
                    free(path);
                    if (rc != 0 && status == 0)
                        status = rc;
                }
                wk->item = -1;
            }
        }
    }
    progress_end(pg);
    {
        int rc = study_sink_finish(sink, e);
        if (status == 0)
            status = rc;
    }
    store_close(out);
wait:
    for (unsigned k = 0; k < started; k++) {
        worker_stop(&w[k]);
        if (w[k].res >= 0)
            close(w[k].res);
        int ws;
        while (waitpid(w[k].pid, &ws, 0) < 0 && errno == EINTR)
            ;
        if (status == 0 && !(WIFEXITED(ws) && WEXITSTATUS(ws) == 0))
            status = 1;
    }
out:
    for (size_t i = 0; i < st->n; i++) {       /* whatever a failure left behind */
        char *path = item_path(dir, i);
        store_remove(path);
        free(path);
    }
    rmdir(dir);
    free(dir);
    free(w);
    signal(SIGPIPE, old_pipe);
    return status;
}

int study_execute(struct study *st, const char *db, unsigned jobs, const struct study_hooks *h,
                  struct err *e)
{
    if (jobs <= 1 || st->n <= 1)
        return execute_serial(st, db, h, e);
    return execute_jobs(st, db, jobs, h, e);
}
