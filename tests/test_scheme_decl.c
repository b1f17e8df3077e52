/* test_scheme_decl.c — a scheme is one directory plus one registry line: a scheme
 * defined in this file (outside models/), added with the test-only registry entry
 * point, declares its parameters, a table and a view (versioned SQL), its metrics, a
 * figure, detail rows and a report section, its size estimate, its invariant and a
 * hook point; an adversary defined here acts inside it through that hook. Nothing
 * else in l2sim names it, yet a run creates its table, the metrics table gets its
 * statistics split by phase, and the report shows its figure and section. Also: an
 * older version of its table is upgraded in place, a newer one refused, a table
 * that does not start with run_id, scheme refused, and an adversary asking for a
 * hook a scheme does not publish gets a message at its `target` key.
 * Needs gnuplot (make deps). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/figure.h"
#include "analysis/metrics.h"
#include "analysis/report.h"
#include "models/run/estimate.h"
#include "models/run/run.h"

/* ---- the scheme: a sequencer that settles pending transfers in batches ---- */

/* Batches every batch_every; a transfer is final when its batch is posted. Owns one
 * table (probe_batches) and a view over it (probe_batch_stats). */
static const struct scn_param probe_params[] = {
    { "schemes[probe].batch_every", SCN_DURATION, "5m", "1s", "1d", NULL, 0,
      "time between the sequencer's batches" },
    { "schemes[probe].fee", SCN_AMOUNT, "1000wei", "0wei", "1eth", NULL, 0,
      "what a user pays the sequencer per transfer" },
};

/* Version 1 had no `withheld`; version 2 adds it (the upgrade below). */
static const char *const probe_upgrades[] = {
    "ALTER TABLE probe_batches ADD COLUMN withheld INTEGER NOT NULL DEFAULT 0;",
};
static const struct store_sql probe_sql = {
    .version = 2,
    .tables = "CREATE TABLE IF NOT EXISTS probe_batches ("
              " run_id INTEGER NOT NULL, scheme TEXT NOT NULL, batch_id INTEGER NOT NULL,"
              " posted_us INTEGER NOT NULL, transfers INTEGER NOT NULL,"
              " withheld INTEGER NOT NULL DEFAULT 0,"
              " PRIMARY KEY (run_id, scheme, batch_id));",
    .views = "DROP VIEW IF EXISTS probe_batch_stats;"
             "CREATE VIEW probe_batch_stats AS SELECT run_id, scheme, count(*) AS batches,"
             " total(transfers) AS transfers, total(withheld) AS withheld"
             " FROM probe_batches GROUP BY run_id, scheme;",
    .upgrades = probe_upgrades,
};
/* What version 1 declared: a database written by it is upgraded. */
static const struct store_sql probe_sql_v1 = {
    .version = 1,
    .tables = "CREATE TABLE IF NOT EXISTS probe_batches ("
              " run_id INTEGER NOT NULL, scheme TEXT NOT NULL, batch_id INTEGER NOT NULL,"
              " posted_us INTEGER NOT NULL, transfers INTEGER NOT NULL,"
              " PRIMARY KEY (run_id, scheme, batch_id));",
};

struct probe {
    struct scheme    *sc;
    sim_time          every;
    u128              fee;
    struct tx_record *pending;
    size_t            npending, cap;
    uint64_t          received, settled, batches;
    bool              withheld;
    sqlite3_stmt     *ins;
};

static void probe_batch(struct sim *sim, void *ctx, const void *payload)
{
    struct probe *p = ctx;
    struct world *w = p->sc->world;
    sim_time now = sim_now(sim);
    sqlite3_bind_int64(p->ins, 1, w->run_id);
    sqlite3_bind_text(p->ins, 2, p->sc->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(p->ins, 3, (sqlite3_int64)p->batches++);
    sqlite3_bind_int64(p->ins, 4, now);
    sqlite3_bind_int64(p->ins, 5, p->withheld ? 0 : (sqlite3_int64)p->npending);
    sqlite3_bind_int(p->ins, 6, p->withheld);
    store_step(w->store, p->ins);
    if (!p->withheld) {
        for (size_t i = 0; i < p->npending; i++) {
            struct tx_record *r = &p->pending[i];
            r->soft = r->include = r->final = now;
            r->l2_fee = p->fee;
            r->charged = true;
            r->status = "final";
            txlog_write(w, p->sc, r);
        }
        p->settled += p->npending;
        p->npending = 0;
    }
    if (now + p->every < w->duration)
        sim_after(sim, p->every, probe_batch, p, NULL, 0);
}

static int probe_init(struct scheme *sc, struct err *e)
{
    struct probe *p = calloc(1, sizeof *p);
    sc->state = p;
    p->sc = sc;
    p->every = scn_int(sc->world->scn, "schemes[%zu].batch_every", sc->index);
    p->fee = scn_amount(sc->world->scn, "schemes[%zu].fee", sc->index);
    /* the table exists: the run applied this scheme's SQL before init */
    p->ins = store_prepare(sc->world->store, "INSERT INTO probe_batches(run_id, scheme,"
                           " batch_id, posted_us, transfers, withheld) VALUES(?,?,?,?,?,?)");
    sim_after(sc->world->sim, p->every, probe_batch, p, NULL, 0);
    return 0;
}

static void probe_transfer(struct scheme *sc, const struct transfer *t)
{
    struct probe *p = sc->state;
    if (p->npending == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 64;
        p->pending = realloc(p->pending, p->cap * sizeof *p->pending);
    }
    p->pending[p->npending++] = (struct tx_record){
        .tx_id = t->id, .from = t->from, .to = t->to, .value = t->value, .submit = t->at,
        .soft = -1, .include = -1, .final = -1, .status = "pending" };
    p->received++;
}

static void probe_finish(struct scheme *sc)
{
    struct probe *p = sc->state;
    for (size_t i = 0; i < p->npending; i++)
        txlog_write(sc->world, sc, &p->pending[i]);
}

static void probe_destroy(struct scheme *sc)
{
    struct probe *p = sc->state;
    if (p)
        free(p->pending);
    free(p);
}

/* Every transfer received is settled or still pending. */
static int probe_check(struct scheme *sc, struct inv_fail *f)
{
    struct probe *p = sc->state;
    if (p->received != p->settled + p->npending)
        return INV_FAIL(f, "transfers accounted", "received %llu, settled %llu, pending %zu",
                        (unsigned long long)p->received, (unsigned long long)p->settled,
                        p->npending);
    return 0;
}

/* Its statistics: batches posted and withheld, and batch sizes, by posting time. */
static void probe_metrics(const struct metrics_scope *m)
{
    sqlite3_stmt *q;
    sqlite3_prepare_v2(m->db, "SELECT posted_us, transfers, withheld FROM probe_batches"
                       " WHERE run_id = ? AND scheme = ? ORDER BY batch_id", -1, &q, NULL);
    sqlite3_bind_int64(q, 1, m->run_id);
    sqlite3_bind_text(q, 2, m->scheme, -1, SQLITE_STATIC);
    struct metrics_samples posted = { 0 }, withheld = { 0 };
    while (sqlite3_step(q) == SQLITE_ROW) {
        sim_time t = sqlite3_column_int64(q, 0);
        if (sqlite3_column_int(q, 2))
            metrics_samples_add(&withheld, t, 1);
        else
            metrics_samples_add(&posted, t, sqlite3_column_double(q, 1));
    }
    sqlite3_finalize(q);
    metrics_count(m, &posted, "batches");
    metrics_count(m, &withheld, "batches_withheld");
    metrics_total(m, &posted, "batched_transfers");
    metrics_summary(m, &posted, "batch_size", "_tx", true);
    metrics_samples_free(&posted);
    metrics_samples_free(&withheld);
}

static bool probe_fig_applies(const struct fig_ctx *c, char *why, size_t len)
{
    if (fig_count_runs(c, "SELECT count(*) FROM probe_batches WHERE run_id = ?") > 0)
        return true;
    snprintf(why, len, "No probe batch was posted.");
    return false;
}

static void probe_fig_render(const struct fig_ctx *c, struct plot *p)
{
    fig_title(c, p, "Probe batches");
    sqlite3_stmt *q = fig_prepare(c, "SELECT posted_us / 3.6e9, transfers FROM probe_batches"
                                     " WHERE run_id = ? AND scheme = ? ORDER BY batch_id");
    plot_data_begin(p, "b");
    for (size_t i = 0; i < c->nseries; i++) {
        fig_bind_series(q, &c->series[i]);
        while (sqlite3_step(q) == SQLITE_ROW) {
            double row[2] = { sqlite3_column_double(q, 0), sqlite3_column_double(q, 1) };
            plot_row(p, 2, row);
        }
    }
    plot_data_end(p);
    sqlite3_finalize(q);
    plot_cmd(p, "plot $b using 1:2 with impulses notitle\n");
}

static const struct figure probe_figure = {
    "probe_batches", "Probe batches", "Transfers per batch of the probe sequencer.",
    probe_fig_applies, probe_fig_render,
};
static const struct figure *const probe_figures[] = { &probe_figure };

static const struct summary_row probe_rows[] = {
    { "batches posted", "batches", 1, 0, "" },
    { "batches withheld by an adversary", "batches_withheld", 1, 0, "" },
    { "largest batch", "batch_size_max_tx", 1, 0, "transfers" },
};

/* Its own section: one line per scheme from its view. */
static void probe_section(FILE *f, const struct fig_ctx *c, const char *type)
{
    sqlite3_stmt *q = fig_prepare(c, "SELECT batches, transfers, withheld FROM"
                                     " probe_batch_stats WHERE run_id = ? AND scheme = ?");
    fputs("<table id=\"probe-section\"><thead><tr><th>scheme</th><th>batches</th>"
          "<th>transfers</th><th>withheld</th></tr></thead><tbody>\n", f);
    for (size_t i = 0; i < c->nseries; i++) {
        if (strcmp(c->series[i].type, type) != 0)
            continue;
        fig_bind_series(q, &c->series[i]);
        if (sqlite3_step(q) != SQLITE_ROW)
            continue;
        fputs("<tr>", f);
        report_html_cell_text(f, c->series[i].scheme);
        for (int k = 0; k < 3; k++)
            report_html_cell_num(f, sqlite3_column_double(q, k), 0, "");
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
    sqlite3_finalize(q);
}

static const struct scheme_report probe_report = {
    .figures = probe_figures, .nfigures = 1,
    .rows = probe_rows, .nrows = ARRAY_LEN(probe_rows),
    .section = probe_section,
};

/* Its size: a pending record per transfer at worst, a batch event per period. */
static void probe_estimate(const struct scn *s, size_t index, const struct run_estimate *run,
                           struct scheme_estimate *out)
{
    double every = (double)scn_int(s, "schemes[%zu].batch_every", index);
    out->mem_state = (double)sizeof(struct tx_record) * run->transfers;
    out->events = floor((double)scn_int(s, "duration") / every);
    out->wall_s = 1e-6 * run->transfers;
    out->wall_note = "1 us per transfer";
}

/* The hook point: the sequencer stops posting (or resumes). */
typedef void probe_withhold_fn(struct scheme *sc, bool on);
static void probe_withhold(struct scheme *sc, bool on)
{
    struct probe *p = sc->state;
    p->withheld = on;
}
static const struct scheme_hook probe_hooks[] = {
    SCHEME_HOOK("sequencer.withhold", probe_withhold_fn, probe_withhold,
                "the sequencer stops (true) or resumes (false) posting batches"),
};

static const struct scheme_ops probe_ops = {
    .type = "probe", .doc = "a test sequencer declared outside models/",
    .params = probe_params, .nparams = ARRAY_LEN(probe_params),
    .init = probe_init, .on_transfer = probe_transfer, .finish = probe_finish,
    .destroy = probe_destroy, .check = probe_check,
    .sql = &probe_sql, .metrics = probe_metrics, .report = &probe_report,
    .estimate = probe_estimate, .hooks = probe_hooks, .nhooks = ARRAY_LEN(probe_hooks),
};

/* ---- the adversary: withholds the target's batches during a window ---- */

static const struct scn_param withholder_params[] = {
    { "adversaries[withholder].target", SCN_STR, NULL, NULL, NULL, NULL, SCN_REQUIRED,
      "the scheme whose sequencer withholds" },
    { "adversaries[withholder].at", SCN_DURATION, "0s", "0s", NULL, NULL, 0, "start" },
    { "adversaries[withholder].for", SCN_DURATION, "1h", "1s", NULL, NULL, 0, "length" },
};

struct withholder {
    struct scheme     *sc;
    probe_withhold_fn *withhold;
};

static void withhold_on(struct sim *sim, void *ctx, const void *payload)
{
    struct withholder *h = ctx;
    h->withhold(h->sc, true);
}

static void withhold_off(struct sim *sim, void *ctx, const void *payload)
{
    struct withholder *h = ctx;
    h->withhold(h->sc, false);
}

static int withholder_init(struct adversary *a, struct err *e)
{
    const struct scn *s = a->world->scn;
    struct withholder *h = calloc(1, sizeof *h);
    a->state = h;
    scheme_hook_fn *fn;
    int rc = SCHEME_HOOK_FIND(a, scn_str(s, "adversaries[%zu].target", a->index),
                              "sequencer.withhold", probe_withhold_fn, &h->sc, &fn, e);
    if (rc != 0)
        return rc < 0 ? rc : 0;          /* 1: its target runs in another world */
    h->withhold = (probe_withhold_fn *)fn;
    sim_time at = scn_int(s, "adversaries[%zu].at", a->index);
    sim_at(a->world->sim, at, withhold_on, h, NULL, 0);
    sim_at(a->world->sim, at + scn_int(s, "adversaries[%zu].for", a->index), withhold_off, h,
           NULL, 0);
    return 0;
}

static void withholder_finish(struct adversary *a) { (void)a; }
static void withholder_destroy(struct adversary *a) { free(a->state); }

static const struct adversary_ops withholder_ops = {
    .type = "withholder", .doc = "a sequencer withholding batches (test)",
    .params = withholder_params, .nparams = ARRAY_LEN(withholder_params),
    .init = withholder_init, .finish = withholder_finish, .destroy = withholder_destroy,
};

/* ---- helpers ---- */

/* 1 h; batches at 5, 10, ..., 55 min; withheld from 21 to 31 min (the batches at 25
 * and 30 min); a demand spike from 20 to 40 min splits the metrics into phases. */
static const char scenario[] =
    "name: scheme-decl\n"
    "seed: 3\n"
    "duration: 1h\n"
    "l1: {demand: {rate: 10/block, spikes: [{at: 20m, for: 20m, multiplier: 2}]}}\n"
    "workload: {users: 200, transfers: {rate: 1/s}}\n"
    "schemes:\n"
    "  - {type: l1}\n"
    "  - {type: probe, name: seq, batch_every: 5m}\n"
    "adversaries:\n"
    "  - {type: withholder, target: seq, at: 21m, for: 10m}\n";

struct fixture {
    char dir[64], db[96];
};

static double scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    double v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_double(q, 0) : -1;
    sqlite3_finalize(q);
    return v;
}

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        struct stat sb;
        if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* Load text as a scenario and run it into db. 0, or the error's code with e set. */
static int run_text(const char *text, const char *db, struct err *e)
{
    struct scn *s;
    int rc = scn_load_text(model_schema(), "decl.yaml", text, strlen(text), NULL, 0, &s, e);
    if (rc != 0)
        return rc;
    rc = run_check(s, e);
    struct store *st = NULL;
    if (rc == 0)
        rc = store_open(db, &st, e);
    int64_t run_id;
    struct run_opts o = { .seed = 3 };
    struct run_result res;
    if (rc == 0)
        rc = run_begin(st, s, 3, 3, 0, &run_id, e);
    if (rc == 0)
        rc = run_execute(s, st, run_id, &o, &res, e);
    if (rc == 0 && res.status != RUN_COMPLETE)
        rc = err_set(e, L2_EIO, "run not complete: %s", res.detail);
    if (rc == 0)
        rc = store_end_run(st, run_id, "complete", NULL, res.events, res.sim_end, 0, e);
    store_close(st);
    scn_free(s);
    return rc;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/l2sim-decl-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->db, sizeof f->db, "%s/d.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    rm_tree(f->dir);
    free(f);
    return 0;
}

/* ---- tests ---- */

/* The run creates the declared table and view, the scheme writes rows, the adversary
 * acts through the hook, and the metrics table holds the scheme's own statistics for
 * the whole run and per phase, beside the transfer statistics every scheme gets. */
static void test_declared_table_and_metrics(void **state)
{
    struct fixture *f = *state;
    struct err e;
    err_init(&e);
    if (run_text(scenario, f->db, &e) != 0)
        fail_msg("%s", e.msg);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(scalar(db, "SELECT value FROM meta WHERE key = 'sql_version:scheme probe'"), 2);
    /* 11 batch times (5..55 min); 25 and 30 min fall in the withholding window */
    assert_int_equal(scalar(db, "SELECT count(*) FROM probe_batches WHERE scheme = 'seq'"), 11);
    assert_int_equal(scalar(db, "SELECT count(*) FROM probe_batches WHERE withheld = 1"), 2);
    assert_int_equal(scalar(db, "SELECT batches FROM probe_batch_stats WHERE scheme = 'seq'"), 11);
    /* what the batches carried is what txs says became final */
    assert_int_equal(scalar(db, "SELECT total(transfers) FROM probe_batches"),
                     scalar(db, "SELECT count(*) FROM txs WHERE scheme = 'seq' AND status = 'final'"));
    /* the scheme's own statistics, whole run and per phase */
    assert_int_equal(scalar(db, "SELECT value FROM metrics WHERE scheme = 'seq' AND name = 'batches'"), 9);
    assert_int_equal(scalar(db, "SELECT value FROM metrics WHERE scheme = 'seq'"
                                " AND name = 'batches_withheld'"), 2);
    /* phases, cut at every event window (the spike [20, 40) min, the withholding
     * [21, 31)): before 5, 10, 15; l1_spike 20; l1_spike+withholder 25, 30 withheld;
     * l1_spike_2 35; after_l1_spike 40, 45, 50, 55 */
    assert_int_equal(scalar(db, "SELECT value FROM metrics WHERE scheme = 'seq'"
                                " AND name = 'before.batches'"), 3);
    assert_int_equal(scalar(db, "SELECT value FROM metrics WHERE scheme = 'seq'"
                                " AND name = 'l1_spike.batches'"), 1);
    assert_int_equal(scalar(db, "SELECT value FROM metrics WHERE scheme = 'seq'"
                                " AND name = 'l1_spike+withholder.batches_withheld'"), 2);
    assert_int_equal(scalar(db, "SELECT value FROM metrics WHERE scheme = 'seq'"
                                " AND name = 'l1_spike_2.batches'"), 1);
    assert_int_equal(scalar(db, "SELECT value FROM metrics WHERE scheme = 'seq'"
                                " AND name = 'after_l1_spike.batches'"), 4);
    assert_int_equal(scalar(db, "SELECT value FROM metrics WHERE scheme = 'seq'"
                                " AND name = 'batched_transfers'"),
                     scalar(db, "SELECT total(transfers) FROM probe_batches"));
    /* the batch after the withholding carries what piled up: the largest */
    assert_int_equal(scalar(db, "SELECT value FROM metrics WHERE scheme = 'seq'"
                                " AND name = 'batch_size_max_tx'"),
                     scalar(db, "SELECT transfers FROM probe_batches WHERE posted_us = 2100000000"));
    /* the statistics every scheme gets are there for it too; the L1 baseline has none
     * of the probe's */
    assert_true(scalar(db, "SELECT value FROM metrics WHERE scheme = 'seq' AND name = 'final'") > 0);
    assert_int_equal(scalar(db, "SELECT count(*) FROM metrics WHERE scheme = 'l1'"
                                " AND name LIKE '%batch%'"), 0);
    sqlite3_close(db);
}

static char *slurp(const char *path)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return NULL;
    fseek(in, 0, SEEK_END);
    long n = ftell(in);
    fseek(in, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, in);
    s[got] = '\0';
    fclose(in);
    return s;
}

/* The report draws the scheme's figure and shows its rows and its section, because a
 * scheme of its type is in the run. */
static void test_report_section(void **state)
{
    struct fixture *f = *state;
    struct err e;
    err_init(&e);
    if (run_text(scenario, f->db, &e) != 0)
        fail_msg("%s", e.msg);
    char out[160];
    snprintf(out, sizeof out, "%s/out", f->dir);
    struct report_opts o = { .db_path = f->db, .out_dir = out, .format = PLOT_PNG,
                             .gnuplot = "gnuplot" };
    struct report_result r;
    if (report_write(&o, &r, &e) != 0)
        fail_msg("report: %s", e.msg);
    bool drawn = false;
    for (size_t i = 0; i < r.nitems; i++)
        if (strcmp(r.items[i].name, "probe_batches") == 0)
            drawn = r.items[i].state == REPORT_DRAWN;
    assert_true(drawn);
    char png[200];
    snprintf(png, sizeof png, "%s/probe_batches.png", out);
    struct stat sb;
    assert_int_equal(stat(png, &sb), 0);
    char *html = slurp(r.html);
    assert_non_null(html);
    assert_non_null(strstr(html, "id=\"fig-probe_batches\""));
    assert_non_null(strstr(html, "schemes of type <code>probe</code>"));
    assert_non_null(strstr(html, "<td>batches withheld by an adversary</td><td>2</td>"));
    assert_non_null(strstr(html, "<table id=\"probe-section\">"));
    assert_non_null(strstr(html, "<tr><td>seq</td><td>11</td>"));
    /* the L1 baseline's own rows are still its own */
    assert_non_null(strstr(html, "schemes of type <code>l1</code>"));
    free(html);
}

/* A database with version 1 of the table is upgraded in place (rows kept, the new
 * column filled); one with a newer version is refused with what to do. */
static void test_versions(void **state)
{
    struct fixture *f = *state;
    struct err e;
    err_init(&e);
    struct store *st;
    assert_int_equal(store_open(f->db, &st, &e), 0);
    assert_int_equal(store_apply_sql(st, "scheme probe", &probe_sql_v1, &e), 0);
    assert_int_equal(store_sql_version(st, "scheme probe"), 1);
    sqlite3_exec(store_db(st), "INSERT INTO probe_batches VALUES(99, 'old', 0, 0, 7)", NULL,
                 NULL, NULL);
    store_close(st);
    if (run_text(scenario, f->db, &e) != 0)
        fail_msg("%s", e.msg);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(scalar(db, "SELECT value FROM meta WHERE key = 'sql_version:scheme probe'"), 2);
    assert_int_equal(scalar(db, "SELECT transfers + 10 * withheld FROM probe_batches"
                                " WHERE run_id = 99"), 7);
    sqlite3_exec(db, "UPDATE meta SET value = '3' WHERE key = 'sql_version:scheme probe'",
                 NULL, NULL, NULL);
    sqlite3_close(db);
    err_init(&e);
    assert_int_not_equal(run_text(scenario, f->db, &e), 0);
    assert_non_null(strstr(e.msg, "the tables of scheme probe are version 3, newer than this "
                                  "l2sim's (2)"));
}

/* A declared table must start with run_id, scheme. */
static void test_table_shape_checked(void **state)
{
    struct fixture *f = *state;
    static const struct store_sql bad = {
        .version = 1, .tables = "CREATE TABLE IF NOT EXISTS lonely (x INTEGER);",
    };
    struct err e;
    err_init(&e);
    struct store *st;
    assert_int_equal(store_open(f->db, &st, &e), 0);
    assert_int_equal(store_apply_sql(st, "scheme lonely", &bad, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "table lonely of scheme lonely does not start with the "
                                  "columns run_id, scheme"));
    /* nothing of it was kept */
    assert_int_equal(scalar(store_db(st), "SELECT count(*) FROM sqlite_master"
                                          " WHERE name = 'lonely'"), 0);
    char **names = store_sql_tables(&probe_sql);
    assert_string_equal(names[0], "probe_batches");
    assert_null(names[1]);
    free(names);
    store_close(st);
}

/* An adversary asking a scheme for a hook it does not publish is refused at its
 * target key, with the hooks the scheme has. */
static void test_hook_not_published(void **state)
{
    struct fixture *f = *state;
    static const char text[] =
        "name: no-hook\nduration: 1h\nworkload: {users: 10, transfers: {rate: 1/m}}\n"
        "schemes: [{type: l1}]\n"
        "adversaries: [{type: withholder, target: l1}]\n";
    struct err e;
    err_init(&e);
    assert_int_equal(run_text(text, f->db, &e), L2_EINPUT);
    assert_non_null(strstr(e.msg, "decl.yaml:5:"));
    assert_non_null(strstr(e.msg, "needs hook sequencer.withhold (probe_withhold_fn) of "
                                  "scheme 'l1', which a scheme of type l1 does not publish; "
                                  "it has: none"));
}

/* validate --estimate counts what the scheme declares (on one shared L1, so the
 * busiest world holds both schemes). */
static void test_estimate_declared(void **state)
{
    struct scn *s;
    struct err e;
    err_init(&e);
    const char *sets[] = { "shared_l1=true" };
    if (scn_load_text(model_schema(), "decl.yaml", scenario, strlen(scenario), sets, 1, &s,
                      &e) != 0)
        fail_msg("%s", e.msg);
    struct run_estimate est;
    run_estimate(s, &est);
    assert_true(est.mem_schemes >= (double)sizeof(struct tx_record) * est.transfers);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    run_estimate_print(mem, s, &est);
    fclose(mem);
    assert_non_null(strstr(buf, "l1: 4 us per transfer, probe: 1 us per transfer"));
    free(buf);
    scn_free(s);
}

int main(void)
{
    /* the scheme's and the adversary's one registry line each */
    model_register_scheme(&probe_ops);
    model_register_adversary(&withholder_ops);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_declared_table_and_metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_shape_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hook_not_published, setup, teardown),
        cmocka_unit_test(test_estimate_declared),
    };
    return cmocka_run_group_tests_name("scheme_decl", tests, NULL, NULL);
}
