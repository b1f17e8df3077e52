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

static void load(sqlite3 *db, const char *sql, int64_t run_id, const char *scheme,
                 struct series *s)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        sim_panic("bad SQL (%s): %s", sqlite3_errmsg(db), sql);
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_text(q, 2, scheme, -1, SQLITE_STATIC);
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

static void put(struct store *st, sqlite3_stmt *ins, int64_t run_id, const char *scheme,
                const char *name, double value)
{
    sqlite3_bind_int64(ins, 1, run_id);
    sqlite3_bind_text(ins, 2, scheme, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 3, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(ins, 4, value);
    store_step(st, ins);
}

/* mean, p50, p95, p99 of an ascending series under names PREFIX_mean... */
static void summarize(struct store *st, sqlite3_stmt *ins, int64_t run_id, const char *scheme,
                      const char *prefix, const char *unit, const struct series *s)
{
    if (s->n == 0)
        return;
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        sum += s->v[i];
    char name[96];
    snprintf(name, sizeof name, "%s_mean%s", prefix, unit);
    put(st, ins, run_id, scheme, name, sum / (double)s->n);
    static const double ps[] = { 50, 95, 99 };
    for (size_t i = 0; i < ARRAY_LEN(ps); i++) {
        snprintf(name, sizeof name, "%s_p%.0f%s", prefix, ps[i], unit);
        put(st, ins, run_id, scheme, name, pct(s, ps[i]));
    }
}

static double count(sqlite3 *db, const char *sql, int64_t run_id, const char *scheme)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        sim_panic("bad SQL (%s): %s", sqlite3_errmsg(db), sql);
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_text(q, 2, scheme, -1, SQLITE_STATIC);
    double v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_double(q, 0) : 0;
    sqlite3_finalize(q);
    return v;
}

int metrics_compute(struct store *st, int64_t run_id, sim_time duration, struct err *e)
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
        static const char *const counts[][2] = {
            { "transfers", "SELECT COUNT(*) FROM txs WHERE run_id=? AND scheme=?" },
            { "included", "SELECT COUNT(*) FROM txs WHERE run_id=? AND scheme=? AND include_us IS NOT NULL" },
            { "final", "SELECT COUNT(*) FROM txs WHERE run_id=? AND scheme=? AND final_us IS NOT NULL" },
            { "dropped", "SELECT COUNT(*) FROM txs WHERE run_id=? AND scheme=? AND status='dropped'" },
        };
        for (size_t i = 0; i < ARRAY_LEN(counts); i++)
            put(st, ins, run_id, scheme, counts[i][0], count(db, counts[i][1], run_id, scheme));
        double final = count(db, counts[2][1], run_id, scheme);
        put(st, ins, run_id, scheme, "throughput_tps", final / ((double)duration / SIM_SEC));

        load(db, "SELECT fee_wei FROM txs WHERE run_id=? AND scheme=? AND fee_wei IS NOT NULL"
                 " ORDER BY fee_wei", run_id, scheme, &s);
        summarize(st, ins, run_id, scheme, "fee", "_wei", &s);
        load(db, "SELECT (include_us - submit_us) / 1e6 AS x FROM txs WHERE run_id=? AND"
                 " scheme=? AND include_us IS NOT NULL ORDER BY x", run_id, scheme, &s);
        summarize(st, ins, run_id, scheme, "latency_include", "_s", &s);
        load(db, "SELECT (final_us - submit_us) / 1e6 AS x FROM txs WHERE run_id=? AND"
                 " scheme=? AND final_us IS NOT NULL ORDER BY x", run_id, scheme, &s);
        summarize(st, ins, run_id, scheme, "latency_final", "_s", &s);
        free(scheme);
    }
    sqlite3_finalize(q);
    free(s.v);
    return store_commit(st, e);
}
