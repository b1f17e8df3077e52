/* metrics.c — per-scheme statistics from txs into metrics (see metrics.h). */
#include "analysis/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One transfer as the statistics need it (times in us; -1: never). */
struct row {
    sim_time submit, include, final;
    double   fee;          /* wei; only meaningful when included */
    bool     dropped;
};

/* One block of the scheme's world: time and base fee. */
struct block {
    sim_time t;
    double   base_fee;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of n sorted values. */
static double pct(const double *v, size_t n, double p)
{
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    return v[(rank < 1 ? 1 : rank) - 1];
}

struct out {
    metrics_sink sink;
    void        *ctx;
    const char  *scheme;
    long         window;   /* -1 for the whole run */
};

static void put(const struct out *o, const char *name, double value)
{
    o->sink(o->ctx, o->scheme, o->window, name, value);
}

/* mean, p50, p95, p99 (and max when asked) of n values, which it sorts. */
static void summarize(const struct out *o, const char *prefix, const char *unit, double *v,
                      size_t n, bool with_max)
{
    if (n == 0)
        return;
    qsort(v, n, sizeof *v, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    char name[96];
    snprintf(name, sizeof name, "%s_mean%s", prefix, unit);
    put(o, name, sum / (double)n);
    static const double ps[] = { 50, 95, 99 };
    for (size_t i = 0; i < ARRAY_LEN(ps); i++) {
        snprintf(name, sizeof name, "%s_p%.0f%s", prefix, ps[i], unit);
        put(o, name, pct(v, n, ps[i]));
    }
    if (with_max) {
        snprintf(name, sizeof name, "%s_max%s", prefix, unit);
        put(o, name, v[n - 1]);
    }
}

/* Every statistic of one scheme over transfers submitted in [from, until) and the
 * blocks of its world in that window. O(n log n). */
static void window(const struct out *o, const struct row *r, size_t nr, const struct block *b,
                   size_t nb, sim_time from, sim_time until, double *scratch)
{
    size_t n = 0, inc = 0, fin = 0, drop = 0;
    for (size_t i = 0; i < nr; i++) {
        if (r[i].submit < from || r[i].submit >= until)
            continue;
        n++;
        inc += r[i].include >= 0;
        fin += r[i].final >= 0;
        drop += r[i].dropped;
    }
    put(o, "transfers", (double)n);
    put(o, "included", (double)inc);
    put(o, "final", (double)fin);
    put(o, "dropped", (double)drop);
    put(o, "throughput_tps", (double)fin / ((double)(until - from) / SIM_SEC));
    size_t k = 0;
    for (size_t i = 0; i < nr; i++)
        if (r[i].submit >= from && r[i].submit < until && r[i].include >= 0)
            scratch[k++] = r[i].fee;
    summarize(o, "fee", "_eth", scratch, k, false);
    k = 0;
    for (size_t i = 0; i < nr; i++)
        if (r[i].submit >= from && r[i].submit < until && r[i].include >= 0)
            scratch[k++] = (double)(r[i].include - r[i].submit) / SIM_SEC;
    summarize(o, "latency_include", "_s", scratch, k, true);
    k = 0;
    for (size_t i = 0; i < nr; i++)
        if (r[i].submit >= from && r[i].submit < until && r[i].final >= 0)
            scratch[k++] = (double)(r[i].final - r[i].submit) / SIM_SEC;
    summarize(o, "latency_final", "_s", scratch, k, true);
    k = 0;
    for (size_t i = 0; i < nb; i++)
        if (b[i].t >= from && b[i].t < until)
            scratch[k++] = b[i].base_fee;
    summarize(o, "l1_base_fee", "_wei", scratch, k, true);
}

void metrics_scan(sqlite3 *db, int64_t run_id, sim_time duration,
                  const struct metrics_phase *phases, size_t nphases, metrics_sink sink,
                  void *ctx)
{
    sqlite3_stmt *q, *qt, *qb;
    sqlite3_prepare_v2(db, "SELECT scheme, world FROM schemes WHERE run_id=? ORDER BY rowid",
                       -1, &q, NULL);
    sqlite3_prepare_v2(db, "SELECT submit_us, include_us, final_us, fee_eth, status = 'dropped'"
                       " FROM txs WHERE run_id=? AND scheme=?", -1, &qt, NULL);
    sqlite3_prepare_v2(db, "SELECT time_us, base_fee_per_gas FROM l1_blocks"
                       " WHERE run_id=? AND world=? AND missed=0", -1, &qb, NULL);
    sqlite3_bind_int64(q, 1, run_id);
    struct row *rows = NULL;
    struct block *blocks = NULL;
    double *scratch = NULL;
    size_t caprows = 0, capblocks = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *scheme = (const char *)sqlite3_column_text(q, 0);
        size_t nr = 0, nb = 0;
        sqlite3_reset(qt);
        sqlite3_bind_int64(qt, 1, run_id);
        sqlite3_bind_text(qt, 2, scheme, -1, SQLITE_STATIC);
        while (sqlite3_step(qt) == SQLITE_ROW) {
            if (nr == caprows) {
                caprows = caprows ? 2 * caprows : 4096;
                rows = xrealloc(rows, caprows * sizeof *rows);
            }
            struct row *r = &rows[nr++];
            r->submit = sqlite3_column_int64(qt, 0);
            r->include = sqlite3_column_type(qt, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(qt, 1);
            r->final = sqlite3_column_type(qt, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(qt, 2);
            r->fee = sqlite3_column_double(qt, 3);
            r->dropped = sqlite3_column_int(qt, 4) != 0;
        }
        sqlite3_reset(qb);
        sqlite3_bind_int64(qb, 1, run_id);
        sqlite3_bind_text(qb, 2, (const char *)sqlite3_column_text(q, 1), -1, SQLITE_STATIC);
        while (sqlite3_step(qb) == SQLITE_ROW) {
            if (nb == capblocks) {
                capblocks = capblocks ? 2 * capblocks : 4096;
                blocks = xrealloc(blocks, capblocks * sizeof *blocks);
            }
            blocks[nb].t = sqlite3_column_int64(qb, 0);
            blocks[nb++].base_fee = sqlite3_column_double(qb, 1);
        }
        scratch = xrealloc(scratch, (nr > nb ? nr : nb) * sizeof *scratch + 1);
        struct out o = { sink, ctx, scheme, -1 };
        window(&o, rows, nr, blocks, nb, 0, duration, scratch);
        for (size_t i = 0; i < nphases; i++) {
            o.window = (long)i;
            window(&o, rows, nr, blocks, nb, phases[i].from, phases[i].until, scratch);
        }
    }
    sqlite3_finalize(q);
    sqlite3_finalize(qt);
    sqlite3_finalize(qb);
    free(rows);
    free(blocks);
    free(scratch);
}

/* metrics_compute's sink: a metrics row, named "PHASE.name" for a phase. */
struct store_sink {
    struct store               *st;
    sqlite3_stmt               *ins;
    int64_t                     run_id;
    const struct metrics_phase *phases;
};

static void store_metric(void *ctx, const char *scheme, long window, const char *name,
                         double value)
{
    struct store_sink *k = ctx;
    char full[128];
    if (window < 0)
        snprintf(full, sizeof full, "%s", name);
    else
        snprintf(full, sizeof full, "%s.%s", k->phases[window].name, name);
    sqlite3_bind_int64(k->ins, 1, k->run_id);
    sqlite3_bind_text(k->ins, 2, scheme, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(k->ins, 3, full, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(k->ins, 4, value);
    store_step(k->st, k->ins);
}

int metrics_compute(struct store *st, int64_t run_id, sim_time duration,
                    const struct metrics_phase *phases, size_t nphases, struct err *e)
{
    if (store_commit(st, e) != 0)
        return L2_EIO;
    struct store_sink k = { st, store_prepare(st, "INSERT INTO metrics(run_id, scheme, name,"
                                                  " value) VALUES(?,?,?,?)"), run_id, phases };
    metrics_scan(store_db(st), run_id, duration, phases, nphases, store_metric, &k);
    return store_commit(st, e);
}
