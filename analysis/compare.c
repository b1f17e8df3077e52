/* compare.c — `l2sim compare`: statistical and exact comparison of two results
 * databases (see compare.h). Reads the runs, schemes and metrics tables; for single
 * replications it recomputes metrics per time window in a scratch in-memory database. */
#include "analysis/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/metrics.h"
#include "analysis/stats.h"
#include "sim/dbfile.h"
#include "models/model.h"          /* model_schema: the scenario a run row holds */
#include "models/run/phases.h"

/* ---- the databases ---- */

struct crun {
    int64_t run_id, master, seed, replication, sweep_index;   /* sweep_index -1: none */
    char   *name, *point, *sha, *overrides, *file, *text, *status, *crypto, *version, *rev;
    bool    use;          /* complete, and the latest run of its key */
};

struct cdb {
    const char  *path;
    sqlite3     *db;
    struct crun *runs;
    size_t       n;
};

static char *col_text(sqlite3_stmt *q, int c)
{
    const char *t = (const char *)sqlite3_column_text(q, c);
    return xstrdup(t ? t : "");
}

static void cdb_close(struct cdb *d)
{
    for (size_t i = 0; i < d->n; i++) {
        struct crun *r = &d->runs[i];
        free(r->name), free(r->point), free(r->sha), free(r->overrides), free(r->file);
        free(r->text), free(r->status), free(r->crypto), free(r->version), free(r->rev);
    }
    free(d->runs);
    dbfile_close(d->db);
}

/* Same run content key (see merge.h), status aside. */
static bool same_key(const struct crun *a, const struct crun *b)
{
    return strcmp(a->sha, b->sha) == 0 && strcmp(a->overrides, b->overrides) == 0 &&
           a->master == b->master && a->seed == b->seed &&
           a->replication == b->replication && strcmp(a->crypto, b->crypto) == 0 &&
           strcmp(a->version, b->version) == 0 && strcmp(a->rev, b->rev) == 0 &&
           strcmp(a->point, b->point) == 0 && a->sweep_index == b->sweep_index;
}

/* "name [point]" for messages and the text report; both come from a file: escaped. */
static const char *point_desc(const struct crun *r, char *buf, size_t len)
{
    char *n = text_escape(r->name, 80), *p = text_escape(r->point, 120);
    if (r->point[0])
        snprintf(buf, len, "%s [%s]", n, p);
    else
        snprintf(buf, len, "%s", n);
    free(n), free(p);
    return buf;
}

/* Open read-only and load the runs; mark the usable ones. A run that is not complete
 * and has no complete rerun is bad input, its numbers are missing; unless
 * allow_incomplete, when it is left out with a note on stderr. */
static int cdb_open(struct cdb *d, const char *path, bool allow_incomplete, struct err *e)
{
    memset(d, 0, sizeof *d);
    d->path = path;
    /* read-only and checked: l2sim's tables with l2sim's columns, every row of the
     * declared type, before any value is read */
    if (dbfile_open_reader(path, &d->db, NULL, e) != 0 ||
        dbfile_check(d->db, "main", path, DBFILE_READ, L2_EINPUT, e) != 0 ||
        dbfile_check_rows(d->db, "main", path, NULL, false, L2_EINPUT, e) != 0)
        return L2_EINPUT;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(d->db,
            "SELECT run_id, scenario_name, COALESCE(sweep_point, ''),"
            " COALESCE(sweep_index, -1), scenario_sha256, overrides, scenario_file,"
            " scenario_text, status, crypto_mode, l2sim_version, git_rev, master_seed, seed,"
            " replication FROM runs ORDER BY run_id", -1, &q, NULL) != SQLITE_OK)
        return err_set(e, L2_EINPUT, "%s: not an l2sim results database: %s", path,
                       sqlite3_errmsg(d->db));
    while (sqlite3_step(q) == SQLITE_ROW) {
        d->runs = xrealloc(d->runs, (d->n + 1) * sizeof *d->runs);
        struct crun *r = &d->runs[d->n++];
        r->run_id = sqlite3_column_int64(q, 0);
        r->name = col_text(q, 1), r->point = col_text(q, 2);
        r->sweep_index = sqlite3_column_int64(q, 3);
        r->sha = col_text(q, 4), r->overrides = col_text(q, 5), r->file = col_text(q, 6);
        r->text = col_text(q, 7), r->status = col_text(q, 8), r->crypto = col_text(q, 9);
        r->version = col_text(q, 10), r->rev = col_text(q, 11);
        r->master = sqlite3_column_int64(q, 12), r->seed = sqlite3_column_int64(q, 13);
        r->replication = sqlite3_column_int64(q, 14);
        r->use = strcmp(r->status, "complete") == 0;
    }
    sqlite3_finalize(q);
    int before = e->count;
    for (size_t i = 0; i < d->n; i++) {
        struct crun *r = &d->runs[i];
        bool rerun = false;
        for (size_t j = 0; j < d->n; j++) {
            if (j == i || !same_key(r, &d->runs[j]) || strcmp(d->runs[j].status, "complete"))
                continue;
            if (!r->use || j > i)
                rerun = true;        /* a complete (later) run of the same key */
        }
        if (r->use && rerun)
            r->use = false;          /* superseded by a later copy */
        if (!r->use && !rerun && strcmp(r->status, "complete") != 0) {
            char desc[256];
            point_desc(r, desc, sizeof desc);
            if (allow_incomplete)
                fprintf(stderr, "l2sim: %s: leaving out run %lld (%s, replication %lld): %s, "
                        "not complete\n", path, (long long)r->run_id, desc,
                        (long long)r->replication, r->status);
            else
                err_set(e, L2_EINPUT, "%s: run %lld (%s, replication %lld) is %s, not "
                        "complete; rerun it, or --allow-incomplete to leave it out", path,
                        (long long)r->run_id, desc, (long long)r->replication, r->status);
        }
    }
    if (e->count != before)
        return L2_EINPUT;
    bool any = false;
    for (size_t i = 0; i < d->n; i++)
        any |= d->runs[i].use;
    if (!any)
        return err_set(e, L2_EINPUT, "%s: no complete runs", path);
    return 0;
}

/* ---- groups: the runs of one (scenario, sweep point) ---- */

struct group {
    const char  *name, *point;
    int64_t      sweep_index;
    size_t      *b, *c;     /* indices of the usable runs on each side */
    size_t       nb, nc;
};

static struct group *find_group(struct group *g, size_t n, const struct crun *r)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(g[i].name, r->name) == 0 && strcmp(g[i].point, r->point) == 0)
            return &g[i];
    return NULL;
}

static void push(size_t **v, size_t *n, size_t x)
{
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = x;
}

/* Group both sides' runs; both must have the same groups, and within a side a group
 * must be one configuration (scenario bytes and overrides). */
static int make_groups(const struct cdb *b, const struct cdb *c, const struct cmp_opts *o,
                       struct group **out, size_t *nout, struct err *e)
{
    struct group *g = NULL;
    size_t n = 0;
    const struct cdb *side[2] = { b, c };
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < side[s]->n; i++) {
            const struct crun *r = &side[s]->runs[i];
            if (!r->use)
                continue;
            struct group *x = find_group(g, n, r);
            if (!x) {
                g = xrealloc(g, (n + 1) * sizeof *g);
                x = &g[n++];
                *x = (struct group){ r->name, r->point, r->sweep_index, NULL, NULL, 0, 0 };
            }
            if (s == 0)
                push(&x->b, &x->nb, i);
            else
                push(&x->c, &x->nc, i);
        }
    int before = e->count;
    char desc[256];
    for (size_t i = 0; i < n; i++) {
        struct crun probe = { .name = (char *)g[i].name, .point = (char *)g[i].point };
        point_desc(&probe, desc, sizeof desc);
        const char *why = o->allow_incomplete ? " (or none of its runs there completed)" : "";
        if (g[i].nb == 0)
            err_set(e, L2_EINPUT, "scenario %s is in %s only%s", desc, c->path, why);
        if (g[i].nc == 0)
            err_set(e, L2_EINPUT, "scenario %s is in %s only%s", desc, b->path, why);
        for (int s = 0; s < 2; s++) {
            size_t *idx = s ? g[i].c : g[i].b, k = s ? g[i].nc : g[i].nb;
            const struct cdb *d = side[s];
            for (size_t j = 1; j < k; j++) {
                const struct crun *x = &d->runs[idx[0]], *y = &d->runs[idx[j]];
                if (strcmp(x->sha, y->sha) || strcmp(x->overrides, y->overrides)) {
                    err_set(e, L2_EINPUT, "%s: runs %lld and %lld of scenario %s differ in "
                            "scenario file or overrides; compare one configuration per "
                            "scenario (use a fresh database per side)", d->path,
                            (long long)x->run_id, (long long)y->run_id, desc);
                    break;
                }
            }
        }
    }
    *out = g;
    *nout = n;
    return e->count == before ? 0 : L2_EINPUT;
}

static void free_groups(struct group *g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(g[i].b), free(g[i].c);
    free(g);
}

/* The schemes of a run, in the order the run recorded them. */
static char **run_schemes(sqlite3 *db, int64_t run_id, size_t *n)
{
    sqlite3_stmt *q = NULL;
    char **v = NULL;
    *n = 0;
    sqlite3_prepare_v2(db, "SELECT scheme FROM schemes WHERE run_id = ? ORDER BY rowid", -1,
                       &q, NULL);
    sqlite3_bind_int64(q, 1, run_id);
    while (q && sqlite3_step(q) == SQLITE_ROW) {
        v = xrealloc(v, (*n + 1) * sizeof *v);
        v[(*n)++] = col_text(q, 0);
    }
    sqlite3_finalize(q);
    return v;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ---- values: (scheme, metric, side) -> samples ---- */

struct val {
    char  *scheme, *name;
    int    side;        /* 0 base, 1 candidate */
    int    batch;       /* time window of a batch value; -1 for a run's own value */
    double v;
};

struct vals {
    struct val *v;
    size_t      n, cap;
};

static void vals_add(struct vals *x, const char *scheme, const char *name, int side, int batch,
                     double v)
{
    if (x->n == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 256;
        x->v = xrealloc(x->v, x->cap * sizeof *x->v);
    }
    x->v[x->n++] = (struct val){ xstrdup(scheme), xstrdup(name), side, batch, v };
}

static void vals_free(struct vals *x)
{
    for (size_t i = 0; i < x->n; i++)
        free(x->v[i].scheme), free(x->v[i].name);
    free(x->v);
    memset(x, 0, sizeof *x);
}

static int cmp_val(const void *a, const void *b)
{
    const struct val *x = a, *y = b;
    int c = strcmp(x->scheme, y->scheme);
    if (!c)
        c = strcmp(x->name, y->name);
    if (!c)
        c = x->side - y->side;
    if (!c)
        c = x->batch - y->batch;
    return c;
}

/* The metrics of a run. */
static void load_metrics(sqlite3 *db, int64_t run_id, int side, struct vals *out)
{
    sqlite3_stmt *q = NULL;
    sqlite3_prepare_v2(db, "SELECT scheme, name, value FROM metrics WHERE run_id = ?"
                       " AND value IS NOT NULL", -1, &q, NULL);
    sqlite3_bind_int64(q, 1, run_id);
    while (q && sqlite3_step(q) == SQLITE_ROW)
        vals_add(out, (const char *)sqlite3_column_text(q, 0),
                 (const char *)sqlite3_column_text(q, 1), side, -1,
                 sqlite3_column_double(q, 2));
    sqlite3_finalize(q);
}

/* The run's metrics recomputed per time window (batch), into out. The windows: B
 * equal slices of the run, and B of each spike phase (from the scenario as the run
 * recorded it; without it, the whole-run windows alone). */
/* batch_metrics' sink: window k is batch k % B of phase k / B (0: the whole run). */
struct batch_sink {
    struct vals                *out;
    int                         side;
    unsigned                    B;
    const struct metrics_phase *ph;
};

static void batch_value(void *ctx, const char *scheme, long window, const char *name,
                        double value)
{
    struct batch_sink *k = ctx;
    if (window < 0 || isnan(value))   /* the run's own value; NaN: no value (NULL) */
        return;
    size_t p = (size_t)window / k->B;
    char metric[256];
    if (p)
        snprintf(metric, sizeof metric, "%s.%s", k->ph[p - 1].name, name);
    else
        snprintf(metric, sizeof metric, "%s", name);
    vals_add(k->out, scheme, metric, k->side, (int)(window % k->B), value);
}

static void batch_metrics(const struct cdb *d, const struct crun *r, unsigned B, int side,
                          struct vals *out)
{
    struct metrics_phase *ph = NULL;
    size_t nph = 0;
    sim_time duration = 0;
    {
        size_t nsets = 0, cap = 1;
        for (const char *c = r->overrides; *c; c++)
            cap += *c == '\n';
        char **sets = xcalloc(cap, sizeof *sets);
        for (const char *c = r->overrides; *c;) {
            size_t len = strcspn(c, "\n");
            if (len)
                sets[nsets++] = xstrndup(c, len);
            c += len + (c[len] == '\n');
        }
        struct scn *s;
        struct err e2;
        err_init(&e2);
        if (scn_load_text(model_schema(), r->file, r->text, strlen(r->text),
                          (const char *const *)sets, nsets, &s, &e2) == 0) {
            duration = scn_int(s, "duration");
            nph = run_phases(s, &ph);
            scn_free(s);
        }
        free_strs(sets, nsets);
    }
    sqlite3_stmt *q = NULL;
    if (duration == 0) {          /* an older scenario this l2sim cannot load */
        sqlite3_prepare_v2(d->db, "SELECT duration_us FROM runs WHERE run_id = ?", -1, &q,
                           NULL);
        sqlite3_bind_int64(q, 1, r->run_id);
        if (sqlite3_step(q) == SQLITE_ROW)
            duration = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    size_t nw = (1 + nph) * B;
    struct metrics_phase *w = xcalloc(nw, sizeof *w);
    for (size_t p = 0, k = 0; p <= nph; p++) {
        sim_time from = p ? ph[p - 1].from : 0, until = p ? ph[p - 1].until : duration;
        for (unsigned b = 0; b < B; b++, k++)
            w[k] = (struct metrics_phase){ NULL, from + (until - from) * b / B,
                                           from + (until - from) * (b + 1) / B };
    }
    struct batch_sink k = { out, side, B, ph };
    metrics_scan(d->db, r->run_id, duration, w, nw, batch_value, &k);
    free(w);
    run_phases_free(ph, nph);
}

/* ---- statistical comparison ---- */

enum status { ST_SAME, ST_NOISE, ST_CHANGED, ST_MISSING, ST_NEW, ST_FEW };

struct res {
    size_t      group;
    char       *scheme, *name;
    size_t      nb, nc;          /* samples tested (replications or windows) */
    double      base, cand;      /* the metric: mean over the side's runs */
    double      rel;
    double      p, padj;         /* NaN: not tested */
    bool        few;             /* samples exist but fewer than 2 on a side: untestable */
    enum status st;
};

struct gres {
    const char *method;          /* "replications" or "batches" */
    size_t      nb, nc;          /* runs */
};

static double mean_of(const double *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return n ? s / (double)n : 0.0 / 0.0;
}

/* A [lo, hi) range of sorted vals with one (scheme, name). */
static size_t run_end(const struct vals *v, size_t lo)
{
    size_t hi = lo + 1;
    while (hi < v->n && strcmp(v->v[hi].scheme, v->v[lo].scheme) == 0 &&
           strcmp(v->v[hi].name, v->v[lo].name) == 0)
        hi++;
    return hi;
}

/* Samples of one side within [lo, hi). */
static double *side_samples(const struct vals *v, size_t lo, size_t hi, int side, size_t *n)
{
    double *x = xmalloc((hi - lo + 1) * sizeof *x);
    *n = 0;
    for (size_t i = lo; i < hi; i++)
        if (v->v[i].side == side)
            x[(*n)++] = v->v[i].v;
    return x;
}

/* Find the samples of (scheme, name) in sorted vals: [lo, hi) or lo == hi. */
static void find_range(const struct vals *v, const char *scheme, const char *name,
                       size_t *lo, size_t *hi)
{
    size_t a = 0, b = v->n;
    struct val key = { (char *)scheme, (char *)name, -1, -1, 0 };
    while (a < b) {
        size_t m = (a + b) / 2;
        if (cmp_val(&v->v[m], &key) < 0)
            a = m + 1;
        else
            b = m;
    }
    *lo = *hi = a;
    if (a < v->n && strcmp(v->v[a].scheme, scheme) == 0 && strcmp(v->v[a].name, name) == 0)
        *hi = run_end(v, a);
}

static void json_num(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "%.17g", x);
    else
        fprintf(f, "null");
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static const char *status_name(enum status s)
{
    static const char *const n[] = { "same", "noise", "changed", "missing", "new",
                                     "too_few_samples" };
    return n[s];
}

static void fmt_value(double x, char *buf, size_t len)
{
    if (!isfinite(x))
        snprintf(buf, len, "-");
    else if (x != 0 && (fabs(x) >= 1e6 || fabs(x) < 1e-3))
        snprintf(buf, len, "%.4e", x);
    else
        snprintf(buf, len, "%.4f", x);
}

static void fmt_rel(double r, char *buf, size_t len)
{
    if (isnan(r))
        snprintf(buf, len, "-");
    else if (isinf(r))
        snprintf(buf, len, "%s", r > 0 ? "+inf" : "-inf");
    else
        snprintf(buf, len, "%+.2f%%", 100 * r);
}

static void fmt_p(double p, char *buf, size_t len)
{
    if (isnan(p))
        snprintf(buf, len, "-");
    else if (p < 1e-4)
        snprintf(buf, len, "<1e-4");
    else
        snprintf(buf, len, "%.4f", p);
}

static int compare_stats(const struct cdb *b, const struct cdb *c, const struct cmp_opts *o,
                         FILE *f, struct err *e)
{
    struct group *g;
    size_t ng;
    if (make_groups(b, c, o, &g, &ng, e) != 0) {
        free_groups(g, ng);
        return L2_EINPUT;
    }
    struct res *res = NULL;
    size_t nres = 0;
    struct gres *gr = xcalloc(ng ? ng : 1, sizeof *gr);
    int rc = 0;
    for (size_t gi = 0; gi < ng && rc == 0; gi++) {
        struct group *x = &g[gi];
        char desc[256];
        struct crun probe = { .name = (char *)x->name, .point = (char *)x->point };
        point_desc(&probe, desc, sizeof desc);
        /* the same schemes on both sides */
        size_t nsb, nsc;
        char **sb = run_schemes(b->db, b->runs[x->b[0]].run_id, &nsb);
        char **sc = run_schemes(c->db, c->runs[x->c[0]].run_id, &nsc);
        bool same = nsb == nsc;
        for (size_t i = 0; same && i < nsb; i++) {
            bool found = false;
            for (size_t j = 0; j < nsc; j++)
                found |= strcmp(sb[i], sc[j]) == 0;
            same = found;
        }
        free_strs(sb, nsb), free_strs(sc, nsc);
        if (!same) {
            rc = err_set(e, L2_EINPUT, "scenario %s: the schemes differ between %s and %s",
                         desc, b->path, c->path);
            break;
        }
        bool reps = x->nb >= 2 && x->nc >= 2;
        /* one run a side: the same time windows of both runs, compared in pairs, so
         * what the scenario does over time (a spike) cancels out */
        bool paired = x->nb == 1 && x->nc == 1 && o->test == CMP_WELCH;
        gr[gi] = (struct gres){ reps ? "replications" : paired ? "paired time windows"
                                     : "time windows", x->nb, x->nc };
        struct vals m = { 0 }, s = { 0 };
        for (size_t i = 0; i < x->nb; i++)
            load_metrics(b->db, b->runs[x->b[i]].run_id, 0, &m);
        for (size_t i = 0; i < x->nc; i++)
            load_metrics(c->db, c->runs[x->c[i]].run_id, 1, &m);
        if (reps) {
            for (size_t i = 0; i < m.n; i++)
                vals_add(&s, m.v[i].scheme, m.v[i].name, m.v[i].side, -1, m.v[i].v);
        } else {
            for (size_t i = 0; i < x->nb; i++)
                batch_metrics(b, &b->runs[x->b[i]], o->batches, 0, &s);
            for (size_t i = 0; i < x->nc; i++)
                batch_metrics(c, &c->runs[x->c[i]], o->batches, 1, &s);
        }
        if (m.n)                   /* a run without metrics: nothing to sort (NULL) */
            qsort(m.v, m.n, sizeof *m.v, cmp_val);
        if (s.n)
            qsort(s.v, s.n, sizeof *s.v, cmp_val);
        for (size_t lo = 0; lo < m.n && rc == 0;) {
            size_t hi = run_end(&m, lo), na, nc2;
            double *va = side_samples(&m, lo, hi, 0, &na), *vc = side_samples(&m, lo, hi, 1, &nc2);
            res = xrealloc(res, (nres + 1) * sizeof *res);
            struct res *r = &res[nres++];
            *r = (struct res){ gi, xstrdup(m.v[lo].scheme), xstrdup(m.v[lo].name), 0, 0,
                               mean_of(va, na), mean_of(vc, nc2), 0, 0.0 / 0.0, 0.0 / 0.0,
                               false, ST_SAME };
            if (na == 0 || nc2 == 0) {
                r->st = na == 0 ? ST_NEW : ST_MISSING;
                r->rel = 0.0 / 0.0;
            } else {
                r->rel = r->base == r->cand ? 0 : (r->cand - r->base) / fabs(r->base);
                size_t slo, shi, sa, scn;
                find_range(&s, r->scheme, r->name, &slo, &shi);
                double *xa = side_samples(&s, slo, shi, 0, &sa);
                double *xc = side_samples(&s, slo, shi, 1, &scn);
                r->nb = sa, r->nc = scn;
                r->few = sa + scn > 0 && (sa < 2 || scn < 2);
                size_t np = 0;
                double *pa = NULL, *pc = NULL;
                if (paired) {            /* windows present on both sides, by index */
                    pa = xmalloc((sa + 1) * sizeof *pa), pc = xmalloc((sa + 1) * sizeof *pc);
                    size_t i = slo, j = slo;
                    while (j < shi && s.v[j].side == 0)
                        j++;
                    size_t jend = shi;
                    for (; i < shi && s.v[i].side == 0 && j < jend;) {
                        if (s.v[i].batch < s.v[j].batch)
                            i++;
                        else if (s.v[i].batch > s.v[j].batch)
                            j++;
                        else
                            pa[np] = s.v[i++].v, pc[np++] = s.v[j++].v;
                    }
                    r->few = sa + scn > 0 && np < 2;
                    r->nb = r->nc = np;
                }
                if (paired && np >= 2) {
                    r->p = stats_paired_t(pa, pc, np, true).p;
                } else if (!paired && sa >= 2 && scn >= 2) {
                    if (o->test == CMP_MWU) {
                        r->p = stats_mann_whitney(xa, sa, xc, scn).p;
                    } else {
                        struct stats_summary ka = stats_summarize(xa, sa);
                        struct stats_summary kc = stats_summarize(xc, scn);
                        r->p = stats_welch(&ka, &kc).p;
                    }
                }
                free(xa), free(xc), free(pa), free(pc);
            }
            free(va), free(vc);
            lo = hi;
        }
        vals_free(&m), vals_free(&s);
    }
    if (rc != 0) {
        for (size_t i = 0; i < nres; i++)
            free(res[i].scheme), free(res[i].name);
        free(res), free(gr);
        free_groups(g, ng);
        return L2_EINPUT;
    }
    /* one family: every test of the comparison */
    double *p = xmalloc((nres ? nres : 1) * sizeof *p);
    size_t ntests = 0;
    for (size_t i = 0; i < nres; i++)
        p[i] = res[i].p, ntests += !isnan(res[i].p);
    if (o->no_correction)
        for (size_t i = 0; i < nres; i++)
            res[i].padj = p[i];
    else {
        stats_holm(p, p, nres);
        for (size_t i = 0; i < nres; i++)
            res[i].padj = p[i];
    }
    free(p);
    size_t changed = 0, groups_changed = 0;
    for (size_t i = 0; i < nres; i++) {
        struct res *r = &res[i];
        if (r->st == ST_MISSING || r->st == ST_NEW) {
            changed += r->st == ST_MISSING;
            continue;
        }
        bool big = fabs(r->rel) > o->rel_tol;
        /* untested: compared exactly, unless there is data too sparse to test */
        bool sig = isnan(r->padj) ? !r->few && r->base != r->cand : r->padj < o->alpha;
        r->st = big && sig ? ST_CHANGED : big && r->few ? ST_FEW : big ? ST_NOISE : ST_SAME;
        changed += r->st == ST_CHANGED;
    }
    for (size_t gi = 0; gi < ng; gi++)
        for (size_t i = 0; i < nres; i++)
            if (res[i].group == gi && (res[i].st == ST_CHANGED || res[i].st == ST_MISSING)) {
                groups_changed++;
                break;
            }
    const char *test = o->test == CMP_MWU ? "mann-whitney" : "welch";
    if (o->json) {
        fprintf(f, "{\"mode\": \"statistical\", \"base\": ");
        json_str(f, b->path);
        fprintf(f, ", \"candidate\": ");
        json_str(f, c->path);
        fprintf(f, ", \"test\": \"%s\", \"alpha\": ", test);
        json_num(f, o->alpha);
        fprintf(f, ", \"correction\": \"%s\", \"tests\": %zu, \"rel_tol\": ",
                o->no_correction ? "none" : "holm", ntests);
        json_num(f, o->rel_tol);
        fprintf(f, ", \"batches\": %u, \"changed\": %zu, \"groups\": [", o->batches, changed);
        for (size_t gi = 0; gi < ng; gi++) {
            /* one entry per (scenario, point, scheme) */
            const char *last = NULL;
            for (size_t i = 0; i < nres; i++) {
                struct res *r = &res[i];
                if (r->group != gi)
                    continue;
                if (!last || strcmp(last, r->scheme) != 0) {
                    if (last)
                        fprintf(f, "]}");
                    fprintf(f, "%s\n  {\"scenario\": ", gi == 0 && !last ? "" : ",");
                    json_str(f, g[gi].name);
                    fprintf(f, ", \"sweep_point\": ");
                    if (g[gi].point[0])
                        json_str(f, g[gi].point);
                    else
                        fprintf(f, "null");
                    fprintf(f, ", \"scheme\": ");
                    json_str(f, r->scheme);
                    fprintf(f, ", \"method\": \"%s\", \"runs_base\": %zu, "
                            "\"runs_candidate\": %zu, \"metrics\": [", gr[gi].method,
                            gr[gi].nb, gr[gi].nc);
                    last = r->scheme;
                } else {
                    fprintf(f, ",");
                }
                fprintf(f, "\n    {\"name\": ");
                json_str(f, r->name);
                fprintf(f, ", \"base\": ");
                json_num(f, r->base);
                fprintf(f, ", \"candidate\": ");
                json_num(f, r->cand);
                fprintf(f, ", \"rel_change\": ");
                json_num(f, r->rel);
                fprintf(f, ", \"samples_base\": %zu, \"samples_candidate\": %zu, \"p\": ",
                        r->nb, r->nc);
                json_num(f, r->p);
                fprintf(f, ", \"p_adjusted\": ");
                json_num(f, r->padj);
                fprintf(f, ", \"status\": \"%s\"}", status_name(r->st));
            }
            if (last)
                fprintf(f, "]}");
        }
        fprintf(f, "\n]}\n");
    } else {
        /* the comparisons actually made, one clause per method used */
        bool used[3] = { false, false, false };
        for (size_t gi = 0; gi < ng; gi++)
            used[strcmp(gr[gi].method, "replications") == 0 ? 0
                 : strcmp(gr[gi].method, "paired time windows") == 0 ? 1 : 2] = true;
        const char *tname = o->test == CMP_MWU ? "Mann-Whitney U" : "Welch's t";
        fprintf(f, "compare %s -> %s: %zu test%s at alpha %g %s, a change counts beyond "
                "%g%% of the base\n", b->path, c->path, ntests, ntests == 1 ? "" : "s",
                o->alpha, o->no_correction ? "per test (no correction)"
                : "family-wise (Holm's correction)", 100 * o->rel_tol);
        if (used[0])
            fprintf(f, "  replications on both sides: %s test on the per-replication values\n",
                    tname);
        if (used[1])
            fprintf(f, "  one run a side: paired t test on %u paired time windows (and %u per "
                    "phase), sample size cut for their autocorrelation\n", o->batches,
                    o->batches);
        if (used[2])
            fprintf(f, "  one run on a side only: %s test on %u time windows per run (and %u "
                    "per phase)\n", tname, o->batches, o->batches);
        for (size_t gi = 0; gi < ng; gi++) {
            const char *last = NULL;
            size_t quiet = 0;
            for (size_t i = 0; i <= nres; i++) {
                struct res *r = i < nres ? &res[i] : NULL;
                bool boundary = !r || r->group != gi || !last || strcmp(last, r->scheme) != 0;
                if (boundary && last) {
                    if (quiet)
                        fprintf(f, "  %zu metrics within tolerance\n", quiet);
                    last = NULL;
                    quiet = 0;
                }
                if (!r || r->group != gi)
                    continue;
                if (!last) {
                    /* a scheme with nothing to show gets one line, not an empty table */
                    bool any = false;
                    for (size_t k = i; k < nres && res[k].group == gi &&
                                       strcmp(res[k].scheme, r->scheme) == 0 && !any; k++)
                        any = o->all || res[k].st != ST_SAME;
                    char desc[256];
                    struct crun probe = { .name = (char *)g[gi].name,
                                          .point = (char *)g[gi].point };
                    char *sch = text_escape(r->scheme, 80);
                    fprintf(f, "\n%s / %s  (%zu vs %zu runs, by %s)\n",
                            point_desc(&probe, desc, sizeof desc), sch, gr[gi].nb,
                            gr[gi].nc, gr[gi].method);
                    free(sch);
                    last = r->scheme;
                    if (any)
                        fprintf(f, "  %-36s %14s %14s %9s %8s\n", "metric", "base",
                                "candidate", "change", "p");
                    else
                        fprintf(f, "  no metric changed\n");
                }
                bool show = o->all || r->st != ST_SAME;
                if (!show) {
                    quiet++;
                    continue;
                }
                char vb[32], vc[32], rl[32], pp[32];
                fmt_value(r->base, vb, sizeof vb), fmt_value(r->cand, vc, sizeof vc);
                fmt_rel(r->rel, rl, sizeof rl), fmt_p(r->padj, pp, sizeof pp);
                static const char *const label[] = { "", "not significant", "CHANGED",
                                                     "MISSING in candidate", "new",
                                                     "too few samples to test" };
                char *mn = text_escape(r->name, 120);
                fprintf(f, "  %-36s %14s %14s %9s %8s  %s\n", mn, vb, vc, rl, pp,
                        label[r->st]);
                free(mn);
            }
        }
        if (changed)
            fprintf(f, "\nCHANGED: %zu metric%s moved significantly, in %zu of %zu "
                    "scenarios (or sweep points)\n", changed, changed == 1 ? "" : "s",
                    groups_changed, ng);
        else
            fprintf(f, "\nno metric changed: none moved significantly beyond %g%%\n",
                    100 * o->rel_tol);
    }
    for (size_t i = 0; i < nres; i++)
        free(res[i].scheme), free(res[i].name);
    free(res), free(gr);
    free_groups(g, ng);
    return changed ? 1 : 0;
}

/* ---- exact comparison ---- */

/* Tables with a run_id column, sorted, from both databases. */
static char **run_tables(sqlite3 *a, sqlite3 *b, size_t *n)
{
    char **v = NULL;
    *n = 0;
    sqlite3 *dbs[2] = { a, b };
    for (int k = 0; k < 2; k++) {
        sqlite3_stmt *q = NULL;
        sqlite3_prepare_v2(dbs[k], "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) p"
                           " WHERE m.type = 'table' AND p.name = 'run_id' ORDER BY m.name", -1,
                           &q, NULL);
        while (q && sqlite3_step(q) == SQLITE_ROW) {
            const char *t = (const char *)sqlite3_column_text(q, 0);
            bool have = false;
            for (size_t i = 0; i < *n; i++)
                have |= strcmp(v[i], t) == 0;
            if (!have) {
                v = xrealloc(v, (*n + 1) * sizeof *v);
                v[(*n)++] = xstrdup(t);
            }
        }
        sqlite3_finalize(q);
    }
    return v;
}

static bool excluded(const char *table, const char *col)
{
    static const char *const runs_cols[] = { "run_id", "started_at", "wall_s", "git_rev",
                                             "l2sim_version", "scenario_file" };
    if (strcmp(col, "run_id") == 0)
        return true;
    if (strcmp(table, "runs") != 0)
        return false;
    for (size_t i = 0; i < ARRAY_LEN(runs_cols); i++)
        if (strcmp(col, runs_cols[i]) == 0)
            return true;
    return false;
}

/* The compared columns of a table in db, as "a, b, c" (NULL if the table is absent). */
static char *col_list(sqlite3 *db, const char *table)
{
    sqlite3_stmt *q = NULL;
    sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?)", -1, &q, NULL);
    sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
    char *out = NULL;
    while (q && sqlite3_step(q) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(q, 0);
        if (excluded(table, c))
            continue;
        char *qc = dbfile_quote(c);
        char *n = out ? xasprintf("%s, %s", out, qc) : xstrdup(qc);
        free(qc);
        free(out);
        out = n;
    }
    sqlite3_finalize(q);
    return out;
}

static bool same_cell(sqlite3_stmt *a, sqlite3_stmt *b, int c)
{
    int ta = sqlite3_column_type(a, c), tb = sqlite3_column_type(b, c);
    if (ta != tb)
        return false;
    switch (ta) {
    case SQLITE_NULL:
        return true;
    case SQLITE_INTEGER:
        return sqlite3_column_int64(a, c) == sqlite3_column_int64(b, c);
    case SQLITE_FLOAT: {
        double x = sqlite3_column_double(a, c), y = sqlite3_column_double(b, c);
        return memcmp(&x, &y, sizeof x) == 0;
    }
    default: {
        int la = sqlite3_column_bytes(a, c), lb = sqlite3_column_bytes(b, c);
        const void *pa = sqlite3_column_blob(a, c), *pb = sqlite3_column_blob(b, c);
        return la == lb && (la == 0 || memcmp(pa, pb, (size_t)la) == 0);
    }
    }
}

/* A cell for a message: doubles to 17 digits, text with its control characters
 * escaped (text_escape: it came from a file), cut to fit buf with "...". */
static void cell_text(sqlite3_stmt *q, int c, char *buf, size_t len)
{
    if (sqlite3_column_type(q, c) == SQLITE_FLOAT) {
        snprintf(buf, len, "%.17g", sqlite3_column_double(q, c));
        return;
    }
    if (sqlite3_column_type(q, c) == SQLITE_NULL) {
        snprintf(buf, len, "NULL");
        return;
    }
    char *t = text_escape((const char *)sqlite3_column_text(q, c), len);
    size_t n = strlen(t);
    if (n >= len && len >= 4)
        memcpy(t + len - 4, "...", 4);
    snprintf(buf, len, "%s", t);
    free(t);
}

/* Compare one table's rows of two runs; write the first difference to why. The table
 * and column names come from the files: quoted in SQL, escaped in messages; a table
 * that cannot be read is a difference, never "identical". */
static bool same_rows(const struct cdb *b, const struct cdb *c, const char *table,
                      int64_t rb, int64_t rc, char *why, size_t len)
{
    char *lb = col_list(b->db, table), *lc = col_list(c->db, table);
    char *tn = text_escape(table, 80);
    bool same = true;
    if (!lb || !lc || strcmp(lb, lc) != 0) {
        if (!lb != !lc)
            snprintf(why, len, "%s: the table exists in %s only", tn, lb ? b->path : c->path);
        else
            snprintf(why, len, "%s: the columns differ", tn);
        same = !lb && !lc;
        free(lb), free(lc), free(tn);
        return same;
    }
    char *qt = dbfile_quote(table);
    char *sql = xasprintf("SELECT %s FROM main.%s WHERE run_id = ? ORDER BY %s", lb, qt, lb);
    free(qt);
    sqlite3_stmt *qa = NULL, *qb = NULL;
    bool ok = sqlite3_prepare_v2(b->db, sql, -1, &qa, NULL) == SQLITE_OK &&
              sqlite3_prepare_v2(c->db, sql, -1, &qb, NULL) == SQLITE_OK;
    free(sql);
    if (!ok) {
        snprintf(why, len, "%s: cannot be read: %s", tn,
                 sqlite3_errmsg(qa ? c->db : b->db));
        sqlite3_finalize(qa), sqlite3_finalize(qb);
        free(lb), free(lc), free(tn);
        return false;
    }
    sqlite3_bind_int64(qa, 1, rb);
    sqlite3_bind_int64(qb, 1, rc);
    size_t row = 0;
    for (;; row++) {
        int sa = sqlite3_step(qa), sb = sqlite3_step(qb);
        if ((sa != SQLITE_ROW && sa != SQLITE_DONE) || (sb != SQLITE_ROW && sb != SQLITE_DONE)) {
            sqlite3 *bad = sa != SQLITE_ROW && sa != SQLITE_DONE ? b->db : c->db;
            const char *stop = dbfile_stopped(bad);
            snprintf(why, len, "%s: cannot be read: %s", tn, stop ? stop : sqlite3_errmsg(bad));
            same = false;
            break;
        }
        if (sa != SQLITE_ROW || sb != SQLITE_ROW) {
            if (sa != sb) {
                size_t na = row + (sa == SQLITE_ROW), nb = row + (sb == SQLITE_ROW);
                while (sa == SQLITE_ROW && (sa = sqlite3_step(qa)) == SQLITE_ROW)
                    na++;
                while (sb == SQLITE_ROW && (sb = sqlite3_step(qb)) == SQLITE_ROW)
                    nb++;
                snprintf(why, len, "%s: %zu rows vs %zu", tn, na, nb);
                same = false;
            }
            break;
        }
        int nc = sqlite3_column_count(qa);
        for (int k = 0; k < nc; k++)
            if (!same_cell(qa, qb, k)) {
                char ka[80], kb[80], id[128] = "";
                for (int j = 0; j < nc && j < 3; j++) {
                    char t[40];
                    cell_text(qa, j, t, sizeof t);
                    size_t used = strlen(id);
                    snprintf(id + used, sizeof id - used, "%s%s", j ? "|" : "", t);
                }
                cell_text(qa, k, ka, sizeof ka);
                cell_text(qb, k, kb, sizeof kb);
                char *cn = text_escape(sqlite3_column_name(qa, k), 60);
                snprintf(why, len, "%s: row %zu (%s): %s %s vs %s", tn, row + 1, id, cn, ka, kb);
                free(cn);
                same = false;
                break;
            }
        if (!same)
            break;
    }
    sqlite3_finalize(qa);
    sqlite3_finalize(qb);
    free(lb), free(lc), free(tn);
    return same;
}

/* Runs of the two sides that --exact pairs: same scenario, point, seeds, replication. */
static bool counterparts(const struct crun *x, const struct crun *y)
{
    return strcmp(x->name, y->name) == 0 && strcmp(x->point, y->point) == 0 &&
           x->sweep_index == y->sweep_index && x->master == y->master && x->seed == y->seed &&
           x->replication == y->replication;
}

/* Whether d has a counterpart of x that was left out because it did not complete
 * (--allow-incomplete). */
static bool left_out_twin(const struct cdb *d, const struct crun *x)
{
    for (size_t j = 0; j < d->n; j++) {
        const struct crun *y = &d->runs[j];
        if (!y->use && strcmp(y->status, "complete") != 0 && counterparts(x, y))
            return true;
    }
    return false;
}

/* --allow-incomplete: a complete run whose counterpart was left out is left out too,
 * with a note; else having no counterpart is an error. */
static void no_counterpart(const struct cdb *d, const struct crun *x, const struct cdb *other,
                           const struct cmp_opts *o, struct err *e)
{
    char desc[256];
    point_desc(x, desc, sizeof desc);
    if (o->allow_incomplete && left_out_twin(other, x))
        fprintf(stderr, "l2sim: %s: leaving out run %lld (%s, seed %lld, replication %lld): "
                "its counterpart in %s did not complete\n", d->path, (long long)x->run_id,
                desc, (long long)x->seed, (long long)x->replication, other->path);
    else
        err_set(e, L2_EINPUT, "%s: run %lld (%s, seed %lld, replication %lld) has no "
                "counterpart in %s", d->path, (long long)x->run_id, desc, (long long)x->seed,
                (long long)x->replication, other->path);
}

static int compare_exact(const struct cdb *b, const struct cdb *c, const struct cmp_opts *o,
                         FILE *f, struct err *e)
{
    /* match usable runs by counterparts() */
    size_t *match = xcalloc(b->n ? b->n : 1, sizeof *match);
    bool *taken = xcalloc(c->n ? c->n : 1, sizeof *taken);
    size_t npairs = 0;
    int before = e->count;
    char desc[256];
    for (size_t i = 0; i < b->n; i++) {
        const struct crun *x = &b->runs[i];
        match[i] = SIZE_MAX;
        if (!x->use)
            continue;
        for (size_t j = 0; j < c->n; j++) {
            const struct crun *y = &c->runs[j];
            if (y->use && !taken[j] && counterparts(x, y)) {
                match[i] = j, taken[j] = true, npairs++;
                break;
            }
        }
        if (match[i] == SIZE_MAX)
            no_counterpart(b, x, c, o, e);
    }
    for (size_t j = 0; j < c->n; j++)
        if (c->runs[j].use && !taken[j])
            no_counterpart(c, &c->runs[j], b, o, e);
    if (e->count != before) {
        free(match), free(taken);
        return L2_EINPUT;
    }
    size_t nt;
    char **tables = run_tables(b->db, c->db, &nt);
    size_t differ = 0;
    if (o->json) {
        fprintf(f, "{\"mode\": \"exact\", \"base\": ");
        json_str(f, b->path);
        fprintf(f, ", \"candidate\": ");
        json_str(f, c->path);
        fprintf(f, ", \"runs\": %zu, \"differences\": [", npairs);
    } else {
        fprintf(f, "compare --exact %s -> %s: runs matched: %zu, tables: %zu\n", b->path,
                c->path, npairs, nt);
    }
    for (size_t i = 0; i < b->n; i++) {
        if (match[i] == SIZE_MAX)
            continue;
        const struct crun *x = &b->runs[i], *y = &c->runs[match[i]];
        bool same = true;
        for (size_t t = 0; t < nt; t++) {
            char why[512];
            if (same_rows(b, c, tables[t], x->run_id, y->run_id, why, sizeof why))
                continue;
            same = false;
            if (o->json) {
                fprintf(f, "%s\n  {\"scenario\": ", differ ? "," : "");
                json_str(f, x->name);
                fprintf(f, ", \"sweep_point\": ");
                if (x->point[0])
                    json_str(f, x->point);
                else
                    fprintf(f, "null");
                fprintf(f, ", \"seed\": %lld, \"replication\": %lld, \"table\": ",
                        (long long)x->seed, (long long)x->replication);
                json_str(f, tables[t]);
                fprintf(f, ", \"detail\": ");
                json_str(f, why);
                fprintf(f, "}");
            } else {
                fprintf(f, "  %s, seed %lld, replication %lld: %s\n",
                        point_desc(x, desc, sizeof desc), (long long)x->seed,
                        (long long)x->replication, why);
            }
            differ++;
        }
        if (same && !o->json && o->all)
            fprintf(f, "  %s, seed %lld, replication %lld: identical\n",
                    point_desc(x, desc, sizeof desc), (long long)x->seed,
                    (long long)x->replication);
    }
    if (o->json)
        fprintf(f, "%s], \"identical\": %s}\n", differ ? "\n" : "", differ ? "false" : "true");
    else if (differ)
        fprintf(f, "DIFFERENT: %zu table%s of matched runs differ\n", differ,
                differ == 1 ? "" : "s");
    else
        fprintf(f, "identical\n");
    free_strs(tables, nt);
    free(match), free(taken);
    return differ ? 1 : 0;
}

int cmp_run(const char *base, const char *cand, const struct cmp_opts *o, FILE *out,
            struct err *e)
{
    struct cdb b, c;
    int rc = cdb_open(&b, base, o->allow_incomplete, e);
    int rc2 = cdb_open(&c, cand, o->allow_incomplete, e);
    if (rc == 0 && rc2 == 0)
        rc = o->exact ? compare_exact(&b, &c, o, out, e) : compare_stats(&b, &c, o, out, e);
    else
        rc = L2_EINPUT;
    cdb_close(&b);
    cdb_close(&c);
    return rc;
}
