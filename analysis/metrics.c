/* metrics.c — per-scheme statistics into metrics (see metrics.h): the phase splitter,
 * the transfer statistics of every scheme, and the dispatch to each scheme type's
 * own hook. */
#include "analysis/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/costs.h"
#include "models/model.h"

/* ---- samples and the splitter ---- */

void metrics_samples_add(struct metrics_samples *s, sim_time t, double v)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4096;
        s->t = xrealloc(s->t, s->cap * sizeof *s->t);
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->t[s->n] = t;
    s->v[s->n++] = v;
}

void metrics_samples_reserve(struct metrics_samples *s, size_t n)
{
    if (n <= s->cap)
        return;
    s->cap = n;
    s->t = xrealloc(s->t, s->cap * sizeof *s->t);
    s->v = xrealloc(s->v, s->cap * sizeof *s->v);
}

void metrics_samples_clear(struct metrics_samples *s) { s->n = 0; }

void metrics_samples_free(struct metrics_samples *s)
{
    free(s->t);
    free(s->v);
    memset(s, 0, sizeof *s);
}

void metrics_put(const struct metrics_scope *m, long window, const char *name, double value)
{
    m->sink(m->ctx, m->scheme, window, name, value);
}

/* Window w's bounds: -1 is the whole run. */
static void bounds(const struct metrics_scope *m, long w, sim_time *from, sim_time *until)
{
    *from = w < 0 ? 0 : m->windows[w].from;
    *until = w < 0 ? m->duration : m->windows[w].until;
}

static size_t count_in(const struct metrics_samples *s, sim_time from, sim_time until)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += s->t[i] >= from && s->t[i] < until;
    return n;
}

void metrics_count(const struct metrics_scope *m, const struct metrics_samples *s,
                   const char *name)
{
    for (long w = -1; w < (long)m->nwindows; w++) {
        sim_time from, until;
        bounds(m, w, &from, &until);
        metrics_put(m, w, name, (double)count_in(s, from, until));
    }
}

void metrics_rate(const struct metrics_scope *m, const struct metrics_samples *s,
                  const char *name)
{
    for (long w = -1; w < (long)m->nwindows; w++) {
        sim_time from, until;
        bounds(m, w, &from, &until);
        metrics_put(m, w, name, (double)count_in(s, from, until) /
                                ((double)(until - from) / SIM_SEC));
    }
}

void metrics_total(const struct metrics_scope *m, const struct metrics_samples *s,
                   const char *name)
{
    for (long w = -1; w < (long)m->nwindows; w++) {
        sim_time from, until;
        bounds(m, w, &from, &until);
        double sum = 0;
        for (size_t i = 0; i < s->n; i++)
            if (s->t[i] >= from && s->t[i] < until)
                sum += s->v[i];
        metrics_put(m, w, name, sum);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sort n doubles ascending: an LSD radix sort on their bits (four passes of 16 bits)
 * for long arrays, qsort otherwise. The order is the same either way: ascending
 * values have ascending keys (a negative's bits flipped, a positive's sign bit set),
 * and the only values the two could place differently, -0 beside +0 and NaNs, send
 * the array to qsort. The L1 day sorts three arrays of 430,000 transfers. */
static void sort_doubles(double *v, size_t n)
{
    if (n < 4096) {
        qsort(v, n, sizeof *v, cmp_double);
        return;
    }
    uint64_t *k = xmalloc(2 * n * sizeof *k), *tmp = k + n;
    for (size_t i = 0; i < n; i++) {
        uint64_t b;
        memcpy(&b, &v[i], sizeof b);
        if (isnan(v[i]) || b == UINT64_C(0x8000000000000000)) {
            free(k);
            qsort(v, n, sizeof *v, cmp_double);
            return;
        }
        k[i] = b >> 63 ? ~b : b | UINT64_C(0x8000000000000000);
    }
    size_t *count = xmalloc(65536 * sizeof *count);
    for (int shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65536 * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(k[i] >> shift) & 0xffff]++;
        if (count[(k[0] >> shift) & 0xffff] == n)
            continue;                   /* these 16 bits are the same everywhere */
        for (size_t d = 0, at = 0; d < 65536; d++) {
            size_t c = count[d];
            count[d] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[(k[i] >> shift) & 0xffff]++] = k[i];
        uint64_t *x = k;
        k = tmp;
        tmp = x;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t b = k[i] >> 63 ? k[i] & ~UINT64_C(0x8000000000000000) : ~k[i];
        memcpy(&v[i], &b, sizeof b);
    }
    free(count);
    free(k < tmp ? k : tmp);
}

/* Nearest-rank percentile of n sorted values. */
static double pct(const double *v, size_t n, double p)
{
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    return v[(rank < 1 ? 1 : rank) - 1];
}

void metrics_summary(const struct metrics_scope *m, const struct metrics_samples *s,
                     const char *prefix, const char *unit, bool with_max)
{
    double *v = xmalloc((s->n ? s->n : 1) * sizeof *v);
    for (long w = -1; w < (long)m->nwindows; w++) {
        sim_time from, until;
        bounds(m, w, &from, &until);
        size_t n = 0;
        for (size_t i = 0; i < s->n; i++)
            if (s->t[i] >= from && s->t[i] < until)
                v[n++] = s->v[i];
        if (n == 0)
            continue;
        sort_doubles(v, n);
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += v[i];
        char name[96];
        snprintf(name, sizeof name, "%s_mean%s", prefix, unit);
        metrics_put(m, w, name, sum / (double)n);
        static const double ps[] = { 50, 95, 99 };
        for (size_t i = 0; i < ARRAY_LEN(ps); i++) {
            snprintf(name, sizeof name, "%s_p%.0f%s", prefix, ps[i], unit);
            metrics_put(m, w, name, pct(v, n, ps[i]));
        }
        if (with_max) {
            snprintf(name, sizeof name, "%s_max%s", prefix, unit);
            metrics_put(m, w, name, v[n - 1]);
        }
    }
    free(v);
}

/* ---- what every scheme gets ---- */

/* What became of a transfer that was not carried, as the txs query reports it. */
enum fate { FATE_CARRIED = 0, FATE_DROPPED = 1, FATE_FAILED = 2 };

/* One transfer as the statistics need it (times in us; -1: never). */
struct row {
    sim_time submit, soft, include, final;
    double   fee;          /* ETH; only meaningful when included */
    enum fate fate;        /* dropped (left unincluded), failed (refused), else carried */
};

/* The transfer statistics of one scheme, from its txs rows, by submission time, and
 * the base fee of its world's blocks, by block time. O(n log n). */
static void transfer_stats(const struct metrics_scope *m, sqlite3_stmt *qn, sqlite3_stmt *qt,
                           sqlite3_stmt *qb, struct metrics_samples *s)
{
    /* sized from a count first: a doubling array would hold up to twice the rows */
    sqlite3_reset(qn);
    sqlite3_bind_int64(qn, 1, m->run_id);
    sqlite3_bind_text(qn, 2, m->scheme, -1, SQLITE_STATIC);
    size_t cap = sqlite3_step(qn) == SQLITE_ROW ? (size_t)sqlite3_column_int64(qn, 0) : 0;
    struct row *rows = xmalloc((cap ? cap : 1) * sizeof *rows);
    size_t nr = 0;
    sqlite3_reset(qt);
    sqlite3_bind_int64(qt, 1, m->run_id);
    sqlite3_bind_text(qt, 2, m->scheme, -1, SQLITE_STATIC);
    while (sqlite3_step(qt) == SQLITE_ROW) {
        if (nr == cap) {
            cap = cap ? 2 * cap : 4096;
            rows = xrealloc(rows, cap * sizeof *rows);
        }
        struct row *r = &rows[nr++];
        r->submit = sqlite3_column_int64(qt, 0);
        r->include = sqlite3_column_type(qt, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(qt, 1);
        r->final = sqlite3_column_type(qt, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(qt, 2);
        r->fee = sqlite3_column_double(qt, 3);
        r->fate = (enum fate)sqlite3_column_int(qt, 4);
        r->soft = sqlite3_column_type(qt, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(qt, 5);
    }

    metrics_samples_clear(s);
    metrics_samples_reserve(s, nr);
    for (size_t i = 0; i < nr; i++)
        metrics_samples_add(s, rows[i].submit, 0);
    metrics_count(m, s, "transfers");
    metrics_samples_clear(s);
    for (size_t i = 0; i < nr; i++)
        if (rows[i].include >= 0)
            metrics_samples_add(s, rows[i].submit, rows[i].fee);
    metrics_count(m, s, "included");
    metrics_summary(m, s, "fee", "_eth", false);
    for (size_t i = 0, k = 0; i < nr; i++)        /* the same samples, other values */
        if (rows[i].include >= 0)
            s->v[k++] = (double)(rows[i].include - rows[i].submit) / SIM_SEC;
    metrics_summary(m, s, "inclusion", "_s", true);
    /* soft confirmation: when the user saw it accepted (a sequencer's receipt, a channel
     * update). Only from rows that have one: a scheme without soft confirmations gets no
     * soft_* statistics, and the report shows "-" rather than its L1 inclusion. */
    metrics_samples_clear(s);
    for (size_t i = 0; i < nr; i++)
        if (rows[i].soft >= 0)
            metrics_samples_add(s, rows[i].submit, (double)(rows[i].soft - rows[i].submit) / SIM_SEC);
    metrics_summary(m, s, "soft", "_s", true);
    metrics_samples_clear(s);
    for (size_t i = 0; i < nr; i++)
        if (rows[i].final >= 0)
            metrics_samples_add(s, rows[i].submit, (double)(rows[i].final - rows[i].submit) / SIM_SEC);
    metrics_count(m, s, "final");
    metrics_rate(m, s, "throughput_tps");
    metrics_summary(m, s, "finality", "_s", true);
    metrics_samples_clear(s);
    for (size_t i = 0; i < nr; i++)
        if (rows[i].fate == FATE_DROPPED)
            metrics_samples_add(s, rows[i].submit, 0);
    metrics_count(m, s, "dropped");
    /* refused (the user could not pay, the scheme rejected it): without this count a
     * summary's transfers = final + dropped + pending does not add up */
    metrics_samples_clear(s);
    for (size_t i = 0; i < nr; i++)
        if (rows[i].fate == FATE_FAILED)
            metrics_samples_add(s, rows[i].submit, 0);
    metrics_count(m, s, "failed");
    free(rows);

    metrics_samples_clear(s);
    sqlite3_reset(qb);
    sqlite3_bind_int64(qb, 1, m->run_id);
    sqlite3_bind_text(qb, 2, m->world, -1, SQLITE_STATIC);
    while (sqlite3_step(qb) == SQLITE_ROW)
        metrics_samples_add(s, sqlite3_column_int64(qb, 0), sqlite3_column_double(qb, 1));
    metrics_summary(m, s, "l1_base_fee", "_wei", true);
}

/* ---- the costs beside the transfer statistics ----
 * A scheme's costs (costs.c) read txs and l1_txs again, apart from the transfer
 * statistics. With a database file whose writes are all committed, they are read on a
 * second, read-only connection by a thread while the statistics read the first (in
 * WAL mode readers see the last commit and do not wait for each other); what the
 * costs put is buffered and handed to the sink after the statistics', in the order
 * they put it: the sink sees the same calls as when the two run in turn. Only for a
 * run's own database (metrics_compute), a file with its writes committed; otherwise
 * (readers: compare; an in-memory database) they run in turn. */

struct side_put {
    long   window;
    char  *name;
    double value;
};

struct side {
    struct metrics_scope m;             /* the scheme's, on the second connection */
    char            *scheme, *type, *world;
    struct side_put *puts;
    size_t           n, cap;
    pthread_t        thread;
};

static void side_sink(void *ctx, const char *scheme, long window, const char *name,
                      double value)
{
    (void)scheme;
    struct side *sd = ctx;
    if (sd->n == sd->cap) {
        sd->cap = sd->cap ? 2 * sd->cap : 64;
        sd->puts = xrealloc(sd->puts, sd->cap * sizeof *sd->puts);
    }
    sd->puts[sd->n++] = (struct side_put){ window, xstrdup(name), value };
}

static void *side_main(void *arg)
{
    struct side *sd = arg;
    costs_metrics(&sd->m);
    return NULL;
}

/* A read-only connection to db's file, or NULL (no file, writes not committed, or it
 * cannot be opened): then the costs are read in turn. */
static sqlite3 *side_open(sqlite3 *db)
{
    const char *file = sqlite3_db_filename(db, "main");
    if (!file || !*file || sqlite3_txn_state(db, "main") == SQLITE_TXN_WRITE)
        return NULL;
    sqlite3 *d2 = NULL;
    if (sqlite3_open_v2(file, &d2, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sqlite3_close(d2);
        return NULL;
    }
    sqlite3_busy_timeout(d2, 10000);
    return d2;
}

/* Start m's costs on d2 in a thread (false if none could be started). */
static bool side_start(struct side *sd, const struct metrics_scope *m, sqlite3 *d2)
{
    *sd = (struct side){ .m = *m };
    sd->scheme = xstrdup(m->scheme);
    sd->type = xstrdup(m->type);
    sd->world = xstrdup(m->world);
    sd->m.db = d2;
    sd->m.scheme = sd->scheme, sd->m.type = sd->type, sd->m.world = sd->world;
    sd->m.sink = side_sink;
    sd->m.ctx = sd;
    if (pthread_create(&sd->thread, NULL, side_main, sd) == 0)
        return true;
    free(sd->scheme), free(sd->type), free(sd->world);
    return false;
}

/* Wait for the costs and hand what they put to m's sink, in order. */
static void side_finish(struct side *sd, const struct metrics_scope *m)
{
    pthread_join(sd->thread, NULL);
    for (size_t i = 0; i < sd->n; i++) {
        metrics_put(m, sd->puts[i].window, sd->puts[i].name, sd->puts[i].value);
        free(sd->puts[i].name);
    }
    free(sd->puts);
    free(sd->scheme), free(sd->type), free(sd->world);
}

/* metrics_scan; `beside`: the costs may be read on a second connection (the store's
 * own database, which a run writes: never a reader's file, which may be read-only or
 * must be left without a log beside it). */
static void scan(sqlite3 *db, int64_t run_id, sim_time duration,
                 const struct metrics_phase *phases, size_t nphases, metrics_sink sink,
                 void *ctx, bool beside_ok)
{
    sqlite3_stmt *q, *qn, *qt, *qb;
    sqlite3_prepare_v2(db, "SELECT scheme, type, world FROM schemes WHERE run_id=?"
                       " ORDER BY rowid", -1, &q, NULL);
    sqlite3_prepare_v2(db, "SELECT count(*) FROM txs WHERE run_id=? AND scheme=?", -1, &qn,
                       NULL);
    sqlite3_prepare_v2(db, "SELECT submit_us, include_us, final_us, fee_eth,"
                       " CASE status WHEN 'dropped' THEN 1 WHEN 'failed' THEN 2 ELSE 0 END,"
                       " soft_us FROM txs WHERE run_id=? AND scheme=?", -1, &qt, NULL);
    sqlite3_prepare_v2(db, "SELECT time_us, base_fee_per_gas FROM l1_blocks"
                       " WHERE run_id=? AND world=? AND missed=0", -1, &qb, NULL);
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3 *d2 = beside_ok ? side_open(db) : NULL;
    struct metrics_samples s = { 0 };
    while (sqlite3_step(q) == SQLITE_ROW) {
        struct metrics_scope m = {
            db, run_id, (const char *)sqlite3_column_text(q, 0),
            (const char *)sqlite3_column_text(q, 1), (const char *)sqlite3_column_text(q, 2),
            duration, phases, nphases, sink, ctx,
        };
        struct side sd;
        bool beside = d2 && side_start(&sd, &m, d2);
        transfer_stats(&m, qn, qt, qb, &s);
        if (beside)
            side_finish(&sd, &m);
        else
            costs_metrics(&m);
        for (size_t i = 0; i < nphases; i++)
            if (phases[i].name) {       /* a named phase says where it lies */
                metrics_put(&m, (long)i, "phase_start_s", (double)phases[i].from / SIM_SEC);
                metrics_put(&m, (long)i, "phase_end_s", (double)phases[i].until / SIM_SEC);
            }
        /* a type this binary does not know (a database of another build) gets the
         * statistics every scheme has */
        const struct scheme_ops *ops = model_scheme_by_type(m.type);
        if (ops && ops->metrics)
            ops->metrics(&m);
    }
    metrics_samples_free(&s);
    sqlite3_close(d2);
    sqlite3_finalize(q);
    sqlite3_finalize(qn);
    sqlite3_finalize(qt);
    sqlite3_finalize(qb);
}

void metrics_scan(sqlite3 *db, int64_t run_id, sim_time duration,
                  const struct metrics_phase *phases, size_t nphases, metrics_sink sink,
                  void *ctx)
{
    scan(db, run_id, duration, phases, nphases, sink, ctx, false);
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
    scan(store_db(st), run_id, duration, phases, nphases, store_metric, &k, true);
    return store_commit(st, e);
}

/* Who an attack delayed and by how much, written into its attacks row: one rule for
 * every adversary. An attack is measured when it touched a block (blocks_affected > 0:
 * every adversary counts the blocks it touched: L1 blocks it stuffed or censored, a
 * sidechain's heights its offline validators missed, ...); one that touched none (a
 * censor who never proposed) held up nothing here, and its row keeps what the
 * adversary wrote. A transfer's wait is until its first confirmation: soft (the
 * scheme's acceptance: a sequencer's receipt, a sidechain's commit, the L1's
 * inclusion), else its inclusion on L1, else the end of the run: what a user waits
 * for, so a halted sidechain shows its halt, not the 30-minute cadence of its
 * checkpoints. A transfer refused for its sender's funds ('insufficient funds: ...')
 * waited for no block and takes no part.
 * The victims are the transfers of every scheme the attack could reach (its world's;
 * the target's alone when it names one) picked by the window rule: submitted before
 * the window closed and still unconfirmed when it opened (confirmed after the start,
 * or never confirmed though submitted inside the window).
 * The counterfactual is symmetric: the same window rule applied to a window of the
 * same length just before the attack's and one just after it (clipped by the run; the
 * attack's own victims left out) picks the baseline transfers, and the baseline is
 * their mean wait. A trend in waits running through the attack (a warm-up of users
 * waiting for their deposits, a rising load, transfers given up late in the run) then
 * cancels to first order, where the stretch before alone would count it for or
 * against the attack. When both are empty (a window as long as the run), every other
 * transfer is the baseline. Victims and baseline are compared within groups: a scheme,
 * and whether the sender had already joined it (a first confirmation there before the
 * transfer was sent) or was still joining (its deposit not yet minted, its channel not
 * yet open: waits of the user's joining, whose mix shifts through a run). Each group
 * adds its victims' waits minus its baseline, summed, when positive: a group whose
 * victims waited less than its baseline shows no delay the baseline can resolve and
 * cancels nothing of another's. delay_imposed_us is the sum over groups. One
 * statement per run; O(transfers x attacks). */
#define CONFIRMED "coalesce(t.soft_us, t.include_us)"
/* picked by the window [ws, we): submitted before it closed, unconfirmed when it opened */
#define PICKED(ws, we) "(tt.submit_us < " we " AND ((tt.c IS NOT NULL AND tt.c > " ws ")" \
                       " OR (tt.c IS NULL AND tt.submit_us >= " ws ")))"
static const char attack_victims_sql[] =
    "WITH a AS (SELECT rowid AS rid, * FROM attacks WHERE run_id = ?1 AND blocks_affected > 0"
    "           AND NOT EXISTS (SELECT 1 FROM temp.attack_rerun r"   /* measured by rerun */
    "                           WHERE r.adversary = attacks.adversary AND r.world = attacks.world)),"
    " t AS (SELECT t.scheme, t.user_id, t.submit_us, " CONFIRMED " AS c,"
    "         coalesce(" CONFIRMED ", r.sim_end_us, r.duration_us) - t.submit_us AS wait_us"
    "       FROM txs t JOIN runs r ON r.run_id = t.run_id"
    "       WHERE t.run_id = ?1 AND coalesce(t.reason, '') NOT LIKE 'insufficient funds%'"
    "         AND EXISTS (SELECT 1 FROM a)),"
    " joined AS (SELECT scheme, user_id, min(c) AS at FROM t GROUP BY scheme, user_id),"
    " tt AS (SELECT t.*, (j.at IS NULL OR t.submit_us < j.at) AS joining"
    "        FROM t JOIN joined j ON j.scheme = t.scheme AND j.user_id = t.user_id),"
    /* side 0: the attack's window; -1 / 1: the same length before / after it; 2: every
     * transfer (the fallback) */
    " w AS (SELECT a.rid, a.world, a.target, k.side, a.start_us AS s, a.end_us AS e,"
    "         CASE k.side WHEN 0 THEN a.start_us WHEN -1 THEN 2 * a.start_us - a.end_us"
    "                     WHEN 1 THEN a.end_us ELSE -1 END AS ws,"
    "         CASE k.side WHEN 0 THEN a.end_us WHEN -1 THEN a.start_us"
    "                     WHEN 1 THEN 2 * a.end_us - a.start_us ELSE 9223372036854775807 END AS we"
    "       FROM a, (SELECT 0 AS side UNION ALL SELECT -1 UNION ALL SELECT 1"
    "                UNION ALL SELECT 2) k),"
    " p AS (SELECT w.rid, w.side, tt.scheme, tt.joining, tt.wait_us"
    "       FROM w JOIN schemes s ON s.run_id = ?1 AND s.world = w.world"
    "                            AND (w.target = 'all' OR s.scheme = w.target)"
    "       JOIN tt ON tt.scheme = s.scheme"
    "       WHERE " PICKED("w.ws", "w.we")
    "         AND (w.side = 0 OR NOT " PICKED("w.s", "w.e") ")),"
    " g AS (SELECT rid, scheme, joining,"
    "         sum(side = 0) AS n, sum(CASE WHEN side = 0 THEN wait_us END) AS wait_us,"
    "         sum(side IN (-1, 1)) AS nb, avg(CASE WHEN side IN (-1, 1) THEN wait_us END) AS b,"
    "         avg(CASE WHEN side = 2 THEN wait_us END) AS o"
    "       FROM p GROUP BY rid, scheme, joining),"
    " tot AS (SELECT rid, sum(n) AS n, sum(wait_us) AS wait_us,"
    "           sum(max(0, wait_us - n * coalesce(b, o, 0))) AS extra_us,"
    "           min(nb > 0) AS sides"
    "         FROM g WHERE n > 0 GROUP BY rid)"
    " UPDATE attacks SET txs_affected = tot.n,"
    "   delay_imposed_us = CAST(round(tot.extra_us) AS INTEGER),"
    "   detail = attacks.detail || printf('; %d transfers waiting during the window waited"
    " %.1f s on average for their first confirmation, %.1f s more than the baseline (%s)',"
    "   tot.n, tot.wait_us / 1e6 / tot.n, tot.extra_us / 1e6 / tot.n,"
    "   CASE WHEN tot.sides THEN 'the mean wait of the transfers the same rule picks in"
    " equally long windows before and after it, by scheme and by whether the sender had"
    " joined it' ELSE 'the mean wait of every other transfer: no window before or after"
    " it' END)"
    " FROM tot WHERE attacks.rowid = tot.rid";

/* attack_delay: rerun: the exact extra wait an attacker imposed, against the same world
 * run without it (run.c: the same seed and streams, so every transfer, its sender and
 * its submission are the same and only what the attacker changed differs: common
 * random numbers). Over every transfer of the schemes the attack could reach (those
 * refused for their sender's funds aside, as above), delay_imposed_us = the sum of
 * (its wait - its wait there), waits to the first confirmation or the run's end, at
 * least 0; txs_affected = the transfers that waited longer. It holds where attack
 * windows overlap (the rerun keeps the other attackers: the delay is this one's
 * own) and counts a backlog outlasting the window. O(transfers) per attacker. */
#define RERUN_TABLE \
    "CREATE TEMP TABLE IF NOT EXISTS attack_rerun (adversary TEXT NOT NULL," \
    " world TEXT NOT NULL, scheme TEXT NOT NULL, tx_id INTEGER NOT NULL," \
    " wait_us INTEGER NOT NULL, PRIMARY KEY (adversary, world, scheme, tx_id))"
static const char attack_rerun_sql[] =
    "WITH a AS (SELECT rowid AS rid, adversary, world, target FROM attacks"
    "           WHERE run_id = ?1 AND blocks_affected > 0),"
    " d AS (SELECT a.rid, sum(t.w > r.wait_us) AS n, sum(t.w - r.wait_us) AS extra_us,"
    "         count(*) AS m"
    "       FROM a JOIN schemes s ON s.run_id = ?1 AND s.world = a.world"
    "                            AND (a.target = 'all' OR s.scheme = a.target)"
    "       JOIN (SELECT t.scheme, t.tx_id, coalesce(" CONFIRMED ", r.sim_end_us, r.duration_us)"
    "               - t.submit_us AS w FROM txs t JOIN runs r ON r.run_id = t.run_id"
    "             WHERE t.run_id = ?1 AND coalesce(t.reason, '') NOT LIKE 'insufficient funds%') t"
    "         ON t.scheme = s.scheme"
    "       JOIN temp.attack_rerun r ON r.adversary = a.adversary AND r.world = a.world"
    "                               AND r.scheme = t.scheme AND r.tx_id = t.tx_id"
    "       GROUP BY a.rid)"
    " UPDATE attacks SET txs_affected = d.n,"
    "   delay_imposed_us = max(0, d.extra_us),"
    "   detail = attacks.detail || printf('; %d of %d transfers waited longer for their first"
    " confirmation than in the same world run without this attacker (same seed and draws),"
    " %.1f s more in all, %.1f s each', d.n, d.m, max(0, d.extra_us) / 1e6,"
    "   CASE WHEN d.n > 0 THEN max(0, d.extra_us) / 1e6 / d.n ELSE 0 END)"
    " FROM d WHERE attacks.rowid = d.rid";

void metrics_rerun_begin(struct store *st)
{
    if (sqlite3_exec(store_db(st), RERUN_TABLE, NULL, NULL, NULL) != SQLITE_OK)
        sim_panic("attack_rerun: %s", sqlite3_errmsg(store_db(st)));
}

void metrics_rerun_add(struct store *st, const char *adversary, const char *world,
                       const char *scheme, int64_t tx_id, int64_t wait_us)
{
    sqlite3_stmt *q = store_prepare(st, "INSERT INTO temp.attack_rerun(adversary, world,"
                                        " scheme, tx_id, wait_us) VALUES(?,?,?,?,?)");
    sqlite3_bind_text(q, 1, adversary, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, world, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, scheme, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 4, tx_id);
    sqlite3_bind_int64(q, 5, wait_us);
    store_step(st, q);
}

int metrics_attacks(struct store *st, int64_t run_id, struct err *e)
{
    metrics_rerun_begin(st);     /* empty unless the run measured by rerun */
    sqlite3_stmt *u = store_prepare(st, attack_victims_sql);
    sqlite3_bind_int64(u, 1, run_id);
    store_step(st, u);
    u = store_prepare(st, attack_rerun_sql);   /* after: it overwrites the rows it measured */
    sqlite3_bind_int64(u, 1, run_id);
    store_step(st, u);
    sqlite3_stmt *clear = store_prepare(st, "DELETE FROM temp.attack_rerun");
    store_step(st, clear);
    return store_commit(st, e);
}
