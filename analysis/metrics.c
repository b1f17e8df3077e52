/* metrics.c — per-scheme statistics from txs into metrics (see metrics.h). */
#include "analysis/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct series {
    double *v;
    size_t  n, cap;
};

/* Load one column of rows of (run, scheme, time window) into s, ascending. */
static void load(sqlite3 *db, const char *sql, int64_t run_id, const char *scheme,
                 sim_time from, sim_time until, struct series *s)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        sim_panic("bad SQL (%s): %s", sqlite3_errmsg(db), sql);
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_text(q, 2, scheme, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, from);
    sqlite3_bind_int64(q, 4, until);
    s->n = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 1024;
            s->v = xrealloc(s->v, s->cap * sizeof *s->v);
        }
        s->v[s->n++] = sqlite3_column_double(q, 0);
    }
    sqlite3_finalize(q);
}

/* Nearest-rank percentile of sorted values. */
static double pct(const struct series *s, double p)
{
    size_t rank = (size_t)ceil(p / 100.0 * (double)s->n);
    if (rank < 1)
        rank = 1;
    return s->v[rank - 1];
}

struct out {
    struct store *st;
    sqlite3_stmt *ins;
    int64_t       run_id;
    const char   *scheme;
    const char   *phase;   /* "" for the whole run */
};

static void put(const struct out *o, const char *name, double value)
{
    char full[128];
    snprintf(full, sizeof full, "%s%s%s", o->phase, o->phase[0] ? "." : "", name);
    sqlite3_bind_int64(o->ins, 1, o->run_id);
    sqlite3_bind_text(o->ins, 2, o->scheme, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(o->ins, 3, full, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(o->ins, 4, value);
    store_step(o->st, o->ins);
}

/* mean, p50, p95, p99 (and max when asked) of an ascending series. */
static void summarize(const struct out *o, const char *prefix, const char *unit,
                      const struct series *s, bool with_max)
{
    if (s->n == 0)
        return;
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        sum += s->v[i];
    char name[96];
    snprintf(name, sizeof name, "%s_mean%s", prefix, unit);
    put(o, name, sum / (double)s->n);
    static const double ps[] = { 50, 95, 99 };
    for (size_t i = 0; i < ARRAY_LEN(ps); i++) {
        snprintf(name, sizeof name, "%s_p%.0f%s", prefix, ps[i], unit);
        put(o, name, pct(s, ps[i]));
    }
    if (with_max) {
        snprintf(name, sizeof name, "%s_max%s", prefix, unit);
        put(o, name, s->v[s->n - 1]);
    }
}

static double scalar(sqlite3 *db, const char *sql, int64_t run_id, const char *scheme,
                     sim_time from, sim_time until)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        sim_panic("bad SQL (%s): %s", sqlite3_errmsg(db), sql);
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_text(q, 2, scheme, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, from);
    sqlite3_bind_int64(q, 4, until);
    double v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_double(q, 0) : 0;
    sqlite3_finalize(q);
    return v;
}

#define TXS " FROM txs WHERE run_id=?1 AND scheme=?2 AND submit_us>=?3 AND submit_us<?4"
#define BLOCKS " FROM l1_blocks WHERE run_id=?1 AND world=(SELECT world FROM schemes" \
               " WHERE run_id=?1 AND scheme=?2) AND time_us>=?3 AND time_us<?4 AND missed=0"

/* Every statistic of one scheme over transfers submitted in [from, until). */
static void window(sqlite3 *db, const struct out *o, sim_time from, sim_time until,
                   struct series *s)
{
    double n = scalar(db, "SELECT COUNT(*)" TXS, o->run_id, o->scheme, from, until);
    put(o, "transfers", n);
    put(o, "included", scalar(db, "SELECT COUNT(*)" TXS " AND include_us IS NOT NULL",
                              o->run_id, o->scheme, from, until));
    double final = scalar(db, "SELECT COUNT(*)" TXS " AND final_us IS NOT NULL", o->run_id,
                          o->scheme, from, until);
    put(o, "final", final);
    put(o, "dropped", scalar(db, "SELECT COUNT(*)" TXS " AND status='dropped'", o->run_id,
                             o->scheme, from, until));
    put(o, "throughput_tps", final / ((double)(until - from) / SIM_SEC));
    load(db, "SELECT fee_wei" TXS " AND fee_wei IS NOT NULL ORDER BY fee_wei", o->run_id,
         o->scheme, from, until, s);
    summarize(o, "fee", "_wei", s, false);
    load(db, "SELECT (include_us - submit_us) / 1e6 AS x" TXS " AND include_us IS NOT NULL"
             " ORDER BY x", o->run_id, o->scheme, from, until, s);
    summarize(o, "latency_include", "_s", s, true);
    load(db, "SELECT (final_us - submit_us) / 1e6 AS x" TXS " AND final_us IS NOT NULL"
             " ORDER BY x", o->run_id, o->scheme, from, until, s);
    summarize(o, "latency_final", "_s", s, true);
    load(db, "SELECT base_fee_per_gas" BLOCKS " ORDER BY base_fee_per_gas", o->run_id,
         o->scheme, from, until, s);
    summarize(o, "l1_base_fee", "_wei", s, true);
}

int metrics_compute(struct store *st, int64_t run_id, sim_time duration,
                    const struct metrics_phase *phases, size_t nphases, struct err *e)
{
    sqlite3 *db = store_db(st);
    if (store_commit(st, e) != 0)
        return L2_EIO;
    sqlite3_stmt *ins = store_prepare(st,
        "INSERT INTO metrics(run_id, scheme, name, value) VALUES(?,?,?,?)");
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "SELECT scheme FROM schemes WHERE run_id=? ORDER BY rowid", -1, &q, NULL);
    sqlite3_bind_int64(q, 1, run_id);
    struct series s = { 0 };
    while (sqlite3_step(q) == SQLITE_ROW) {
        char *scheme = xstrdup((const char *)sqlite3_column_text(q, 0));
        struct out o = { st, ins, run_id, scheme, "" };
        window(db, &o, 0, duration, &s);
        for (size_t i = 0; i < nphases; i++) {
            o.phase = phases[i].name;
            window(db, &o, phases[i].from, phases[i].until, &s);
        }
        free(scheme);
    }
    sqlite3_finalize(q);
    free(s.v);
    return store_commit(st, e);
}
