/* report.c — `l2sim report` (see report.h): pick and check the runs, draw every figure
 * of the registry that applies, and write report.html around them: summary tables
 * per scheme, attacks, and the scenario with its provenance. */
#include "analysis/costs.h"
#include "analysis/report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/figure.h"
#include "models/model.h"
#include "sim/dbfile.h"
#include "sim/store.h"
#include "sim/version.h"

/* ---- choosing the runs ---- */

/* The latest complete run may be one of a study: a sweep's points or replications of
 * one configuration (same scenario bytes, master seed and build; a sweep's points
 * differ in their overrides). Then the report is of the whole study: res->study gets
 * every run of it (the latest complete of each point and replication, at most 64, in
 * plan order), res->runs the first replication of each point, res->chosen says so. */
static void pick_study(sqlite3 *db, struct report_result *res)
{
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db,
        "SELECT s.run_id, s.replication, s.sweep_point IS NOT NULL, s.scenario_name,"
        "       (SELECT count(DISTINCT coalesce(x.sweep_index, -1)) FROM replication_runs x"
        "        WHERE x.scenario_sha256 = l.scenario_sha256 AND x.master_seed = l.master_seed"
        "          AND x.crypto_mode = l.crypto_mode AND x.l2sim_version = l.l2sim_version"
        "          AND x.git_rev = l.git_rev"
        "          AND (x.sweep_point IS NULL) = (l.sweep_point IS NULL)"
        "          AND (l.sweep_point IS NOT NULL OR x.overrides = l.overrides))"
        " FROM runs l JOIN replication_runs s"
        "   ON s.scenario_sha256 = l.scenario_sha256 AND s.master_seed = l.master_seed"
        "  AND s.crypto_mode = l.crypto_mode AND s.l2sim_version = l.l2sim_version"
        "  AND s.git_rev = l.git_rev AND (s.sweep_point IS NULL) = (l.sweep_point IS NULL)"
        "  AND (l.sweep_point IS NOT NULL OR s.overrides = l.overrides)"
        " WHERE l.run_id = ?"
        " ORDER BY coalesce(s.sweep_index, 0), s.replication, s.run_id", -1, &q, NULL);
    sqlite3_bind_int64(q, 1, res->runs[0]);
    size_t n = 0, reps = 0, points = 0, total = 0;
    bool sweep = false;
    char name[128] = "";
    while (sqlite3_step(q) == SQLITE_ROW) {
        total++;
        if (n == ARRAY_LEN(res->study))
            continue;
        res->study[n++] = sqlite3_column_int64(q, 0);
        int64_t rep = sqlite3_column_int64(q, 1);
        reps = (size_t)rep + 1 > reps ? (size_t)rep + 1 : reps;
        sweep = sqlite3_column_int(q, 2) != 0;
        snprintf(name, sizeof name, "%s", (const char *)sqlite3_column_text(q, 3));
        points = (size_t)sqlite3_column_int64(q, 4);
    }
    sqlite3_finalize(q);
    if (n < 2)
        return;                     /* a lone run: nothing more to choose */
    res->nstudy = n;
    /* the figures and tables show the first replication of each point */
    sqlite3_prepare_v2(db, "SELECT replication FROM runs WHERE run_id = ?", -1, &q, NULL);
    res->nruns = 0;
    int64_t first = -1;
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, res->study[i]);
        if (sqlite3_step(q) != SQLITE_ROW)
            continue;
        int64_t rep = sqlite3_column_int64(q, 0);
        if (first < 0 || rep <= first)
            first = rep;
        if (rep == first)
            res->runs[res->nruns++] = res->study[i];
    }
    sqlite3_finalize(q);
    if (sweep)
        str_printf_cut(res->chosen, sizeof res->chosen, "the sweep of scenario '%s': %zu points x "
                 "%zu replications, %zu runs%s (the latest run is part of it; --run ID picks "
                 "runs)", name, points, reps, total, total > n ? ", the first 64 shown" : "");
    else
        str_printf_cut(res->chosen, sizeof res->chosen, "the %zu replications of scenario '%s' "
                 "(the latest run is one of them; --run ID picks runs)", reps, name);
}

static int pick_runs(sqlite3 *db, const struct report_opts *o, struct report_result *res,
                     struct err *e)
{
    sqlite3_stmt *q;
    res->nruns = 0;
    if (o->nruns == 0) {
        sqlite3_prepare_v2(db, "SELECT max(run_id) FROM run_info WHERE status = 'complete'",
                           -1, &q, NULL);
        bool found = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL;
        if (found)
            res->runs[res->nruns++] = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
        if (!found)
            return err_set(e, L2_EINPUT, "%s: no complete run to report (run a scenario "
                           "first: l2sim run SCENARIO --db %s)", o->db_path, o->db_path);
        pick_study(db, res);
        return 0;
    }
    if (o->nruns > ARRAY_LEN(res->runs))
        return err_set(e, L2_EINPUT, "at most %zu runs in one report", ARRAY_LEN(res->runs));
    sqlite3_prepare_v2(db, "SELECT status, coalesce(status_detail, '') FROM run_info"
                           " WHERE run_id = ?", -1, &q, NULL);
    int rc = 0;
    for (size_t i = 0; i < o->nruns && rc == 0; i++) {
        int64_t id = o->runs[i];
        for (size_t k = 0; k < res->nruns; k++)
            if (res->runs[k] == id)
                rc = err_set(e, L2_EINPUT, "--run %lld: given twice", (long long)id);
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, id);
        if (rc)
            break;
        if (sqlite3_step(q) != SQLITE_ROW) {
            rc = err_set(e, L2_EINPUT, "%s: no run %lld (the runs: sqlite3 %s 'SELECT "
                         "run_id, scenario_name, status FROM run_info')", o->db_path,
                         (long long)id, o->db_path);
        } else {
            const char *status = (const char *)sqlite3_column_text(q, 0);
            const char *detail = (const char *)sqlite3_column_text(q, 1);
            if (strcmp(status, "complete") != 0 && !o->allow_incomplete)
                rc = err_set(e, L2_EINPUT, "%s: run %lld is %s, not complete%s%s: its numbers "
                             "are partial (--allow-incomplete reports it anyway)", o->db_path,
                             (long long)id, status, detail[0] ? ": " : "", detail);
        }
        res->runs[res->nruns++] = id;
    }
    sqlite3_finalize(q);
    return rc;
}

/* ---- the context the figures read ---- */

struct ctx_store {
    struct fig_ctx     c;
    struct fig_series *series;
    struct fig_world  *worlds;
    char               subtitle[256];
};

static void ctx_build(sqlite3 *db, const struct report_result *res, struct ctx_store *cs)
{
    memset(cs, 0, sizeof *cs);
    struct fig_ctx *c = &cs->c;
    c->db = db;
    c->runs = res->runs;
    c->nruns = res->nruns;
    bool multi = res->nruns > 1;
    c->study = res->study;
    c->nstudy = res->nstudy;
    sqlite3_stmt *q, *pt;
    sqlite3_prepare_v2(db, "SELECT scheme, type, world FROM run_schemes WHERE run_id = ?"
                           " ORDER BY ord", -1, &q, NULL);
    /* a run of a sweep is labelled by its point ("l1.gas_limit=60M: l1"), not its id;
     * with its replication when another run shown has the same point */
    char in[1400];
    size_t io = 0;
    for (size_t r = 0; r < res->nruns && io + 24 < sizeof in; r++)
        io += (size_t)snprintf(in + io, sizeof in - io, "%s%lld", r ? "," : "",
                               (long long)res->runs[r]);
    char *ptsql = xasprintf("SELECT x.sweep_point || CASE WHEN (SELECT count(*) FROM runs y"
                            " WHERE y.run_id IN (%s) AND y.sweep_point = x.sweep_point) > 1"
                            " THEN ' #' || (x.replication + 1) ELSE '' END"
                            " FROM runs x WHERE x.run_id = ?", in);
    sqlite3_prepare_v2(db, ptsql, -1, &pt, NULL);
    free(ptsql);
    size_t cap = 0, wcap = 0;
    for (size_t r = 0; r < res->nruns; r++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, res->runs[r]);
        sqlite3_reset(pt);
        sqlite3_bind_int64(pt, 1, res->runs[r]);
        char point[160] = "";
        if (sqlite3_step(pt) == SQLITE_ROW && sqlite3_column_type(pt, 0) != SQLITE_NULL)
            snprintf(point, sizeof point, "%s", (const char *)sqlite3_column_text(pt, 0));
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (c->nseries == cap)
                cap = cap ? 2 * cap : 8, cs->series = xrealloc(cs->series, cap * sizeof *cs->series);
            struct fig_series *s = &cs->series[c->nseries++];
            s->run_id = res->runs[r];
            s->scheme = xstrdup((const char *)sqlite3_column_text(q, 0));
            s->type = xstrdup((const char *)sqlite3_column_text(q, 1));
            s->world = xstrdup((const char *)sqlite3_column_text(q, 2));
            if (point[0])
                snprintf(s->label, sizeof s->label, "%s: %s", point, s->scheme);
            else if (multi)
                snprintf(s->label, sizeof s->label, "run %lld: %s", (long long)s->run_id, s->scheme);
            else
                snprintf(s->label, sizeof s->label, "%s", s->scheme);
            bool seen = false;
            for (size_t w = 0; w < c->nworlds; w++)
                seen |= cs->worlds[w].run_id == s->run_id && strcmp(cs->worlds[w].world, s->world) == 0;
            if (seen)
                continue;
            if (c->nworlds == wcap)
                wcap = wcap ? 2 * wcap : 8, cs->worlds = xrealloc(cs->worlds, wcap * sizeof *cs->worlds);
            struct fig_world *w = &cs->worlds[c->nworlds++];
            w->run_id = s->run_id;
            w->world = xstrdup(s->world);
            snprintf(w->label, sizeof w->label, "%s", point);   /* the point, if any */
        }
        c->series = cs->series;
        c->worlds = cs->worlds;
    }
    sqlite3_finalize(q);
    sqlite3_finalize(pt);
    /* a world is the L1 copy of one scheme, or one L1 that several schemes share */
    for (size_t w = 0; w < c->nworlds; w++) {
        struct fig_world *fw = &cs->worlds[w];
        const char *only = NULL;
        size_t n = 0;
        for (size_t i = 0; i < c->nseries; i++)
            if (cs->series[i].run_id == fw->run_id && strcmp(cs->series[i].world, fw->world) == 0)
                only = cs->series[i].scheme, n++;
        char run[200] = "";
        if (fw->label[0])
            snprintf(run, sizeof run, "%s: ", fw->label);
        else if (multi)
            snprintf(run, sizeof run, "run %lld: ", (long long)fw->run_id);
        if (n == 1)
            str_printf_cut(fw->label, sizeof fw->label, "%sL1 with scheme %s", run, only);
        else
            str_printf_cut(fw->label, sizeof fw->label, "%sshared L1 (%zu schemes)", run, n);
    }

    /* subtitle: "scenario NAME, run 1, seed 42"; several runs of one scenario:
     * "scenario NAME: run 1 (seed 42), run 2 (seed 7)"; of several: each with its own */
    sqlite3_prepare_v2(db, "SELECT scenario_name, seed, duration_h FROM run_info WHERE run_id = ?",
                       -1, &q, NULL);
    size_t o = 0;
    char first[128] = "";
    bool same = true;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t r = 0; r < res->nruns; r++) {
            sqlite3_reset(q);
            sqlite3_bind_int64(q, 1, res->runs[r]);
            if (sqlite3_step(q) != SQLITE_ROW)
                continue;
            const char *name = (const char *)sqlite3_column_text(q, 0);
            long long run = (long long)res->runs[r], seed = (long long)sqlite3_column_int64(q, 1);
            if (pass == 0) {
                double h = sqlite3_column_double(q, 2);
                c->duration_h = h > c->duration_h ? h : c->duration_h;
                if (r == 0)
                    snprintf(first, sizeof first, "%s", name);
                same &= strcmp(first, name) == 0;
                continue;
            }
            size_t room = sizeof cs->subtitle - o;
            if (room < 2)
                break;
            int k;
            if (!multi)
                k = snprintf(cs->subtitle + o, room, "scenario %s, run %lld, seed %lld", name, run, seed);
            else if (same)
                k = snprintf(cs->subtitle + o, room, "%s%s%srun %lld (seed %lld)",
                             r ? ", " : "scenario ", r ? "" : name, r ? "" : ": ", run, seed);
            else
                k = snprintf(cs->subtitle + o, room, "%sscenario %s, run %lld (seed %lld)",
                             r ? "; " : "", name, run, seed);
            o += k > 0 && (size_t)k < room ? (size_t)k : room - 1;
        }
    }
    sqlite3_finalize(q);
    if (!res->nstudy && res->nruns > 3) {   /* many runs: a count, not a line that runs off */
        int64_t lo = res->runs[0], hi = res->runs[0];
        for (size_t r = 1; r < res->nruns; r++)
            lo = res->runs[r] < lo ? res->runs[r] : lo, hi = res->runs[r] > hi ? res->runs[r] : hi;
        if (same)
            snprintf(cs->subtitle, sizeof cs->subtitle, "scenario %.80s: %zu runs (ids %lld to "
                     "%lld)", first, res->nruns, (long long)lo, (long long)hi);
        else
            snprintf(cs->subtitle, sizeof cs->subtitle, "%zu runs of several scenarios (ids "
                     "%lld to %lld)", res->nruns, (long long)lo, (long long)hi);
    }
    if (res->nstudy) {            /* a study: what it is, not a list of its runs */
        size_t len = strcspn(res->chosen, "(");
        snprintf(cs->subtitle, sizeof cs->subtitle, "%.*s", (int)(len > 0 ? len - 1 : 0),
                 res->chosen);
    }
    c->subtitle = cs->subtitle;
}

static void ctx_free(struct ctx_store *cs)
{
    for (size_t i = 0; i < cs->c.nseries; i++) {
        free(cs->series[i].scheme);
        free(cs->series[i].type);
        free(cs->series[i].world);
    }
    for (size_t i = 0; i < cs->c.nworlds; i++)
        free(cs->worlds[i].world);
    free(cs->series);
    free(cs->worlds);
}

/* ---- files ---- */

/* mkdir -p */
static int make_dir(const char *path, struct err *e)
{
    if (!path[0])
        return err_set(e, L2_EINPUT, "--out: an empty directory name");
    char *p = xstrdup(path);
    int rc = 0;
    for (char *s = p + 1; ; s++) {
        bool end = *s == '\0';
        if (*s == '/' || end) {
            char save = *s;
            *s = '\0';
            struct stat sb;
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                rc = err_set(e, L2_EIO, "%s: cannot create the directory: %s", p, strerror(errno));
                break;
            }
            if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
                rc = err_set(e, L2_EIO, "%s: not a directory", p);
                break;
            }
            *s = save;
        }
        if (end)
            break;
    }
    free(p);
    return rc;
}

static char *path_join(const char *dir, const char *name, const char *ext)
{
    size_t n = strlen(dir);
    return xasprintf("%s%s%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name,
                     ext ? "." : "", ext ? ext : "");
}

/* ---- HTML ---- */

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void base64(FILE *f, const unsigned char *b, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)b[i] << 16 | (i + 1 < n ? (unsigned)b[i + 1] << 8 : 0) |
                     (i + 2 < n ? b[i + 2] : 0);
        fputc(t[v >> 18 & 63], f);
        fputc(t[v >> 12 & 63], f);
        fputc(i + 1 < n ? t[v >> 6 & 63] : '=', f);
        fputc(i + 2 < n ? t[v & 63] : '=', f);
    }
}

/* The image file as a data: URI, so report.html needs nothing beside it. */
static int embed(FILE *f, const char *file, enum plot_format fmt, struct err *e)
{
    FILE *in = fopen(file, "rb");
    if (!in)
        return err_set(e, L2_EIO, "%s: cannot read the plot back: %s", file, strerror(errno));
    fprintf(f, "data:%s;base64,", fmt == PLOT_SVG ? "image/svg+xml" : "image/png");
    unsigned char buf[3 * 4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        base64(f, buf, n);
    int bad = ferror(in);
    fclose(in);
    return bad ? err_set(e, L2_EIO, "%s: read error", file) : 0;
}

static double col_or_nan(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? (double)NAN : sqlite3_column_double(q, i);
}

/* A fee in ETH with 3 significant digits, no exponent for a teacher's eyes. */
/* The scenario's report.eth_usd (of the first run shown), or 0: amounts in ETH then
 * also show dollars. Set once per report, before any table is written. */
static double eth_usd;

/* Dollars with two significant digits below a dollar ("$0.0042"), cents above. */
static void fmt_usd(double usd, char *buf, size_t len)
{
    if (usd >= 1 || usd <= 0)
        snprintf(buf, len, "$%.2f", usd);
    else {
        int d = 1 - (int)floor(log10(usd));
        snprintf(buf, len, "$%.*f", d > 12 ? 12 : d, usd);
    }
}

static void cell_eth(FILE *f, double v)
{
    if (!isfinite(v)) {
        fputs("<td>-</td>", f);
        return;
    }
    int digits = v > 0 ? 2 - (int)floor(log10(v)) : 0;
    fprintf(f, "<td>%.*f", digits < 0 ? 0 : digits > 18 ? 18 : digits, v);
    if (eth_usd > 0) {
        char usd[32];
        fmt_usd(v * eth_usd, usd, sizeof usd);
        fprintf(f, " <span class=\"usd\">(%s)</span>", usd);
    }
    fputs("</td>", f);
}

/* A duration in the unit a reader thinks in: 6.1 s, 12.9 min, 3.2 h, 7.0 d. */
static void cell_time(FILE *f, double s)
{
    if (!isfinite(s))
        fputs("<td>-</td>", f);
    else if (s < 120)
        fprintf(f, "<td>%.1f s</td>", s);
    else if (s < 7200)
        fprintf(f, "<td>%.1f min</td>", s / 60);
    else if (s < 172800)
        fprintf(f, "<td>%.1f h</td>", s / 3600);
    else
        fprintf(f, "<td>%.1f d</td>", s / 86400);
}

static void cell_num(FILE *f, double v, int decimals, const char *unit)
{
    if (!isfinite(v))
        fputs("<td>-</td>", f);
    else
        fprintf(f, "<td>%.*f%s%s</td>", decimals, v, unit[0] ? " " : "", unit);
}

/* Copy text into a fixed buffer, cut if it must be. */
static void set_text(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);
    n = n < len - 1 ? n : len - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void cell_text(FILE *f, const char *s)
{
    fputs("<td>", f);
    esc(f, s);
    fputs("</td>", f);
}

/* For a scheme's report section (analysis/report.h). */
void report_html_text(FILE *f, const char *s) { esc(f, s); }
void report_html_cell_text(FILE *f, const char *s) { cell_text(f, s); }
void report_html_cell_num(FILE *f, double v, int decimals, const char *unit)
{
    cell_num(f, v, decimals, unit);
}
void report_html_cell_eth(FILE *f, double eth) { cell_eth(f, eth); }
void report_html_cell_time(FILE *f, double s) { cell_time(f, s); }

static const char style[] =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1320px;margin:2em auto;"
    "padding:0 1em;color:#222;line-height:1.45}"
    "h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:2px solid #ddd;"
    "padding-bottom:.2em}h3{margin-top:1.6em}"
    "table{border-collapse:collapse;margin:.6em 0 1em;font-size:.93em}"
    "th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}"
    "th{background:#f2f2f2}td:first-child,th:first-child,td.l{text-align:left}"
    "img{max-width:100%;border:1px solid #ddd;display:block;margin:.5em 0}"
    ".note{color:#555;font-size:.95em}.empty{color:#8a5a00;background:#fff6e0;padding:.5em}"
    ".failed{color:#a00000;background:#ffecec;padding:.5em}"
    "pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:.9em}"
    "nav a{margin-right:1em}";

/* What the three latency stages mean, once, for every table that shows them. */
static const char latency_note[] =
    "Soft confirmation: the user sees the transfer accepted (on the L1 itself, inclusion "
    "in a block). L1 inclusion: the transfer, or the batch carrying it, is in an L1 block. "
    "Finality: it can no longer be reverted and funds can be withdrawn.";

struct html {
    FILE                       *f;
    sqlite3                    *db;
    const struct fig_ctx       *c;
    bool                        multi;
};

static void th_run(const struct html *h)
{
    if (h->multi)
        fputs("<th>run</th>", h->f);
}

/* The run column: its sweep point when it has one ("l1.gas_limit=60M"), else its id. */
static void td_run(const struct html *h, int64_t run)
{
    if (!h->multi)
        return;
    sqlite3_stmt *q;
    sqlite3_prepare_v2(h->db, "SELECT sweep_point FROM runs WHERE run_id = ?", -1, &q, NULL);
    sqlite3_bind_int64(q, 1, run);
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
        cell_text(h->f, (const char *)sqlite3_column_text(q, 0));
    else
        fprintf(h->f, "<td>%lld</td>", (long long)run);
    sqlite3_finalize(q);
}

/* A cost per transfer (ETH) and, below it, its ratio to the L1 baseline's all-in cost
 * in words ("2.5x cheaper than the L1"); "-" for nothing spent. */
static void cell_cost(FILE *f, double eth, double ratio)
{
    if (!isfinite(eth) || eth <= 0) {
        fputs("<td>-</td>", f);
        return;
    }
    fprintf(f, "<td>%.3g", eth);
    if (isfinite(ratio) && ratio > 0) {
        char words[48];
        fig_ratio_words(ratio, words, sizeof words);
        if (strcmp(words, "same") == 0)
            fputs("<br><small>as the L1</small>", f);
        else
            fprintf(f, "<br><small>%s than the L1</small>", words);
    }
    fputs("</td>", f);
}

/* What a transfer costs, the same definition for every scheme (view transfer_costs,
 * analysis/costs.c): users' fees, their own L1 transactions, what users pay, what the
 * operator spends and the all-in cost, per included transfer, with each one's ratio
 * to the L1 baseline's all-in cost. */
static void html_costs(const struct html *h)
{
    FILE *f = h->f;
    sqlite3_stmt *q;
    sqlite3_prepare_v2(h->db,
        "SELECT included, users_fees_per_transfer_eth, users_l1_per_transfer_eth,"
        " user_cost_per_transfer_eth, user_cost_ratio_to_l1, operator_cost_per_transfer_eth,"
        " operator_cost_ratio_to_l1, all_in_cost_per_transfer_eth, all_in_cost_ratio_to_l1,"
        " users_fees_ratio_to_l1"
        " FROM transfer_costs WHERE run_id = ? AND scheme = ? AND phase = 'all'", -1, &q, NULL);
    bool any = false;
    for (size_t i = 0; i < h->c->nseries; i++) {
        const struct fig_series *s = &h->c->series[i];
        fig_bind_series(q, s);
        if (sqlite3_step(q) != SQLITE_ROW || sqlite3_column_type(q, 7) == SQLITE_NULL)
            continue;
        if (!any) {
            fputs("<h3 id=\"costs-h\">What a transfer costs, all in</h3>\n"
                  "<table id=\"transfer-costs\"><thead><tr>", f);
            th_run(h);
            fputs("<th>scheme</th><th>included transfers</th>"
                  "<th>users' fees to the scheme</th><th>users' own L1 transactions</th>"
                  "<th>users pay (the two together)</th><th>operator's cost</th>"
                  "<th>all-in cost</th></tr></thead>\n<tbody>\n", f);
            any = true;
        }
        fputs("<tr data-scheme=\"", f);
        esc(f, s->scheme);
        fputs("\">", f);
        td_run(h, s->run_id);
        cell_text(f, s->scheme);
        cell_num(f, col_or_nan(q, 0), 0, "");
        cell_cost(f, col_or_nan(q, 1), col_or_nan(q, 9));
        cell_cost(f, col_or_nan(q, 2), NAN);
        cell_cost(f, col_or_nan(q, 3), col_or_nan(q, 4));
        cell_cost(f, col_or_nan(q, 5), col_or_nan(q, 6));
        cell_cost(f, col_or_nan(q, 7), col_or_nan(q, 8));
        fputs("</tr>\n", f);
    }
    sqlite3_finalize(q);
    if (!any)
        return;
    fputs("</tbody></table>\n<p class=\"note\">ETH per included transfer; below each, "
          "against the L1 baseline's all-in cost per transfer. <b>Users pay</b> their fees "
          "to the scheme and their own L1 transactions: the L1 baseline's transfers, and in "
          "a Layer 2 the deposit that brings funds in, the withdrawal or exit that takes "
          "them out, a channel's opening and closing. Those are paid once per user, so "
          "their share per transfer shrinks the more transfers a user makes (this run's "
          "transfers share them here). <b>Operator's cost</b>: what the operator spends on "
          "the L1 (batches, state roots, proofs, Plasma block roots, sidechain "
          "checkpoints) and its modeled off-chain cost (a prover). <b>All-in</b>: "
          "everything spent on the L1 for the scheme, by anyone, plus off-chain costs; "
          "users' fees are not in it a second time, they pay the operator who pays the L1. "
          "Users pay more than the all-in cost when the operator earns a margin, less when "
          "it runs at a loss. The fee comparisons above count users' fees only.</p>\n", f);
    /* what the run ended owing on the L1: a longer run pays it, this one cannot count it */
    bool head = false;
    for (size_t i = 0; i < h->c->nseries; i++) {
        const struct fig_series *s = &h->c->series[i];
        char what[128];
        long n = costs_owed(h->db, s->run_id, s->scheme, s->type, what, sizeof what);
        if (n <= 0)
            continue;
        fputs(head ? "; " : "<p class=\"note\">Not counted above: what the run ended still "
                            "owing on the L1, paid after it ends: ", f);
        head = true;
        if (h->multi)
            fprintf(f, "run %lld ", (long long)s->run_id);
        esc(f, s->scheme);
        fprintf(f, " %ld ", n);
        esc(f, what);
    }
    if (head)
        fputs(". A scheme whose users' withdrawals or exits wait out a window looks cheaper "
              "in a run that ends before they are paid.</p>\n", f);
}

static void html_summary(const struct html *h)
{
    FILE *f = h->f;
    sqlite3_stmt *q, *lost;
    sqlite3_prepare_v2(h->db,
        "SELECT s.transfers, s.final, s.dropped, s.fee_mean_eth, s.fee_p50_eth, s.fee_p95_eth,"
        " s.fee_p99_eth, v.fee_mean_ratio, v.cheaper_x, r.is_baseline,"
        " s.soft_p50_s, s.soft_p95_s, s.soft_p99_s, s.inclusion_mean_s, s.inclusion_p50_s,"
        " s.inclusion_p95_s, s.inclusion_p99_s, s.finality_mean_s, s.finality_p50_s,"
        " s.finality_p95_s, s.finality_p99_s, v.fee_done_ratio, v.dropped_share,"
        " v.both_done_share, v.baseline_dropped_share"
        " FROM run_schemes r"
        " LEFT JOIN scheme_summary s ON s.run_id = r.run_id AND s.scheme = r.scheme AND s.phase = 'all'"
        " LEFT JOIN savings_vs_l1 v ON v.run_id = r.run_id AND v.scheme = r.scheme"
        " WHERE r.run_id = ? AND r.scheme = ?", -1, &q, NULL);
    sqlite3_prepare_v2(h->db,
        "SELECT count(*), total(value_lost_eth) FROM fraud_outcomes"
        " WHERE run_id = ?1 AND (target = ?2 OR (target = 'all' AND world IN"
        "   (SELECT world FROM run_schemes WHERE run_id = ?1 AND scheme = ?2)))",
        -1, &lost, NULL);

    fputs("<h2 id=\"summary-h\">Summary per scheme</h2>\n"
          "<h3>Fees per transfer</h3>\n<table id=\"summary\"><thead><tr>", f);
    th_run(h);
    fputs("<th>scheme</th><th>type</th><th>transfers</th><th>final</th><th>dropped</th>"
          "<th>fee mean (ETH)</th><th>p50</th><th>p95</th><th>p99</th>"
          "<th>dropped (share)</th><th>fee vs L1 on the transfers both got done</th>"
          "<th>fee vs L1 (mean over its included transfers)</th>"
          "<th>attacks on it</th><th>value lost (ETH)</th>"
          "</tr></thead>\n<tbody>\n", f);
    for (size_t i = 0; i < h->c->nseries; i++) {
        const struct fig_series *s = &h->c->series[i];
        fig_bind_series(q, s);
        fig_bind_series(lost, s);
        if (sqlite3_step(q) != SQLITE_ROW)
            continue;
        sqlite3_step(lost);
        fputs("<tr data-scheme=\"", f);
        esc(f, s->scheme);
        fputs("\">", f);
        td_run(h, s->run_id);
        cell_text(f, s->scheme);
        cell_text(f, s->type);
        cell_num(f, col_or_nan(q, 0), 0, "");
        cell_num(f, col_or_nan(q, 1), 0, "");
        cell_num(f, col_or_nan(q, 2), 0, "");
        for (int k = 3; k <= 6; k++)
            cell_eth(f, col_or_nan(q, k));
        double dropped = col_or_nan(q, 22);
        if (isfinite(dropped))
            fprintf(f, "<td>%.1f%%</td>", 100 * dropped);
        else
            fputs("<td>-</td>", f);
        /* the headline: the same transfers on both sides, what each dropped beside it */
        double done = col_or_nan(q, 21), done_share = col_or_nan(q, 23);
        double base_dropped = col_or_nan(q, 24);
        char words[48];
        fig_ratio_words(done, words, sizeof words);
        if (sqlite3_column_int(q, 9))
            fputs("<td>baseline</td>", f);
        else if (!isfinite(done))
            fputs("<td>-</td>", f);
        else
            fprintf(f, "<td>%s on the %.0f%% both got done (it dropped %.1f%%, the baseline "
                    "%.1f%%)</td>", words, 100 * done_share, 100 * dropped, 100 * base_dropped);
        double ratio = col_or_nan(q, 7);
        fig_ratio_words(ratio, words, sizeof words);
        if (sqlite3_column_int(q, 9))
            fputs("<td>baseline</td>", f);
        else if (!isfinite(ratio))
            fputs("<td>-</td>", f);
        else
            fprintf(f, "<td>%.3g (%s)</td>", ratio, words);
        fprintf(f, "<td>%lld</td>", (long long)sqlite3_column_int64(lost, 0));
        cell_eth(f, sqlite3_column_double(lost, 1));
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n<p class=\"note\">Fees only: what users paid the scheme per "
          "transfer. Their own L1 transactions (deposits, withdrawals, exits, channel opens "
          "and closes) and what the operator spends beyond its fees are in "
          "<a href=\"#costs-h\">what a transfer costs, all in</a>.</p>\n", f);

    if (eth_usd > 0)
        fprintf(f, "<p class=\"note\">Dollars in brackets at $%.2f per ETH (the scenario's "
                "<code>report.eth_usd</code>).</p>\n", eth_usd);
    html_costs(h);
    fputs("<h3>Latency</h3>\n<table id=\"latency\"><thead><tr>", f);
    th_run(h);
    fputs("<th>scheme</th><th>soft conf. p50</th><th>p95</th><th>p99</th>"
          "<th>L1 inclusion mean</th><th>p50</th><th>p95</th><th>p99</th>"
          "<th>finality mean</th><th>p50</th><th>p95</th><th>p99</th></tr></thead>\n<tbody>\n", f);
    for (size_t i = 0; i < h->c->nseries; i++) {
        const struct fig_series *s = &h->c->series[i];
        fig_bind_series(q, s);
        if (sqlite3_step(q) != SQLITE_ROW)
            continue;
        fputs("<tr>", f);
        td_run(h, s->run_id);
        cell_text(f, s->scheme);
        for (int k = 10; k <= 20; k++)
            cell_time(f, col_or_nan(q, k));
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n<p class=\"note\">", f);
    esc(f, latency_note);
    fputs(" Times are from submission; percentiles are nearest-rank over the transfers "
          "that reached the stage.</p>\n", f);
    sqlite3_finalize(q);
    sqlite3_finalize(lost);
}

/* Phase by phase, when the scenario has event windows: the run cut at every spike,
 * drop and attack window (run_phases), in time order. */
#define SOFT_ALL "(SELECT soft_p50_s FROM scheme_summary WHERE run_id = ?1 AND scheme = ?2" \
                 " AND phase = 'all')"
static void html_phases(const struct html *h)
{
    FILE *f = h->f;
    sqlite3_stmt *q;
    sqlite3_prepare_v2(h->db,
        /* the first confirmation: soft where the scheme has one (a sidechain's commit,
         * not its L1 checkpoint, which lags a halt by its interval), else inclusion */
        "SELECT phase, transfers, dropped, l1_base_fee_mean_gwei, fee_p50_eth, fee_p95_eth,"
        " CASE WHEN " SOFT_ALL " IS NULL THEN inclusion_p50_s ELSE soft_p50_s END,"
        " CASE WHEN " SOFT_ALL " IS NULL THEN inclusion_p95_s ELSE soft_p95_s END,"
        " phase_start_s, phase_end_s, failed"
        " FROM scheme_summary"
        " WHERE run_id = ?1 AND scheme = ?2 AND phase <> 'all'"
        " ORDER BY phase_start_s, phase_end_s",
        -1, &q, NULL);
    bool any = false;
    for (size_t i = 0; i < h->c->nseries; i++) {
        const struct fig_series *s = &h->c->series[i];
        fig_bind_series(q, s);
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (!any) {
                fputs("<h3>Phase by phase</h3>\n<p class=\"note\">The run cut at both edges "
                      "of every demand spike or drop and every attack, each piece named for "
                      "what it is (<code>after_X</code>: quiet again after X); transfers by "
                      "when they were submitted. Times are since the start (h:mm). "
                      "Confirmation: the wait for a transfer's first confirmation (a rollup "
                      "sequencer's receipt, a sidechain's commit, a channel payment's "
                      "completion; the L1's inclusion for a scheme without one).</p>\n"
                      "<table id=\"phases\"><thead><tr>", f);
                th_run(h);
                fputs("<th>scheme</th><th>phase</th><th>from</th><th>until</th>"
                      "<th>transfers</th><th>dropped</th><th>refused</th>"
                      "<th>L1 base fee mean (gwei)</th><th>fee p50 (ETH)</th><th>fee p95</th>"
                      "<th>confirmation p50</th><th>p95</th></tr></thead>\n<tbody>\n", f);
                any = true;
            }
            fputs("<tr>", f);
            td_run(h, s->run_id);
            cell_text(f, s->scheme);
            cell_text(f, (const char *)sqlite3_column_text(q, 0));
            for (int k = 8; k <= 9; k++) {
                long long t = (long long)llround(sqlite3_column_double(q, k));
                if (t % 60)
                    fprintf(f, "<td>%lld:%02lld:%02lld</td>", t / 3600, t / 60 % 60, t % 60);
                else
                    fprintf(f, "<td>%lld:%02lld</td>", t / 3600, t / 60 % 60);
            }
            cell_num(f, col_or_nan(q, 1), 0, "");
            cell_num(f, col_or_nan(q, 2), 0, "");
            cell_num(f, col_or_nan(q, 10), 0, "");
            cell_num(f, col_or_nan(q, 3), 2, "");
            cell_eth(f, col_or_nan(q, 4));
            cell_eth(f, col_or_nan(q, 5));
            cell_time(f, col_or_nan(q, 6));
            cell_time(f, col_or_nan(q, 7));
            fputs("</tr>\n", f);
        }
    }
    if (any)
        fputs("</tbody></table>\n", f);
    sqlite3_finalize(q);
}

/* A study (sweep points, replications): each point's mean over its replications with
 * the 95% confidence interval, per scheme, from view metric_ci. */
static void html_study(const struct html *h)
{
    if (h->c->nstudy < 2)
        return;
    FILE *f = h->f;
    static const struct {
        const char *metric, *head;
        double      scale;
        const char *unit;
    } cols[] = {
        { "transfers", "transfers", 1, "" },
        { "dropped", "dropped", 1, "" },
        { "failed", "refused", 1, "" },
        { "fee_mean_eth", "fee mean", 1, " ETH" },
        { "fee_p95_eth", "fee p95", 1, " ETH" },
        { "inclusion_p95_s", "inclusion p95", 1, " s" },
        { "l1_base_fee_mean_wei", "L1 base fee mean", 1e-9, " gwei" },
    };
    char sql[4096];
    fig_study_sql(h->c, sql, sizeof sql);
    sqlite3_stmt *q;
    sqlite3_prepare_v2(h->db, sql, -1, &q, NULL);
    /* rows: (point, scheme) in the order the first column's query gives them */
    fputs("<h3 id=\"study-h\">Sweep points: mean and 95% confidence interval</h3>\n"
          "<p class=\"note\">Each row is one sweep point (or the scenario as written) and "
          "scheme: the mean over its replications &plusmn; the half-width of the 95% "
          "confidence interval (t(0.975, n-1) sd / &radic;n; view <code>metric_ci</code>). "
          "The other tables and figures show the first replication of each point.</p>\n"
          "<table id=\"study\"><thead><tr><th>sweep point</th><th>scheme</th>"
          "<th>replications</th>", f);
    for (size_t k = 0; k < ARRAY_LEN(cols); k++)
        fprintf(f, "<th>%s</th>", cols[k].head);
    fputs("</tr></thead>\n<tbody>\n", f);
    sqlite3_stmt *one;
    char sql1[4200];
    snprintf(sql1, sizeof sql1, "SELECT n, mean, half_width FROM (%s) WHERE 1", sql);
    /* the same query narrowed to a point and scheme */
    char *cut = strstr(sql1, " ORDER BY");
    if (cut)
        snprintf(cut, sizeof sql1 - (size_t)(cut - sql1), ") WHERE point = ?2 AND scheme = ?3");
    if (sqlite3_prepare_v2(h->db, sql1, -1, &one, NULL) != SQLITE_OK)
        sim_panic("report: %s in %s", sqlite3_errmsg(h->db), sql1);
    sqlite3_bind_text(q, 1, cols[0].metric, -1, SQLITE_STATIC);
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *pt = (const char *)sqlite3_column_text(q, 0);
        const char *sc = (const char *)sqlite3_column_text(q, 1);
        fputs("<tr>", f);
        cell_text(f, pt);
        cell_text(f, sc);
        fprintf(f, "<td>%lld</td>", (long long)sqlite3_column_int64(q, 2));
        for (size_t k = 0; k < ARRAY_LEN(cols); k++) {
            sqlite3_reset(one);
            sqlite3_bind_text(one, 1, cols[k].metric, -1, SQLITE_STATIC);
            sqlite3_bind_text(one, 2, pt, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(one, 3, sc, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(one) != SQLITE_ROW) {
                fputs("<td>-</td>", f);
                continue;
            }
            double mean = sqlite3_column_double(one, 1) * cols[k].scale;
            double hw = sqlite3_column_double(one, 2) * cols[k].scale;
            /* the interval to two significant digits, the mean to as many decimals */
            int d = hw > 0 ? 1 - (int)floor(log10(hw)) : 2;
            d = d < 0 ? 0 : d > 12 ? 12 : d;
            if (sqlite3_column_type(one, 2) == SQLITE_NULL)
                fprintf(f, "<td>%.4g%s</td>", mean, cols[k].unit);
            else
                fprintf(f, "<td>%.*f &plusmn; %.*f%s</td>", d, mean, d, hw, cols[k].unit);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
    sqlite3_finalize(one);
    sqlite3_finalize(q);
}

/* The scheme types in the runs, each once, in the order they first appear, with
 * what each declares for the report (NULL: nothing, or a type this binary lacks). */
static size_t report_types(const struct fig_ctx *c, const char **types,
                           const struct scheme_report **decl, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nseries && n < max; i++) {
        bool seen = false;
        for (size_t k = 0; k < n; k++)
            seen |= strcmp(types[k], c->series[i].type) == 0;
        if (seen)
            continue;
        const struct scheme_ops *ops = model_scheme_by_type(c->series[i].type);
        types[n] = c->series[i].type;
        decl[n++] = ops ? ops->report : NULL;
    }
    return n;
}

/* Per scheme type present: its declared detail rows, one table, then its own section. */
static void html_details(const struct html *h)
{
    FILE *f = h->f;
    sqlite3_stmt *q;
    sqlite3_prepare_v2(h->db, "SELECT value FROM scheme_metrics WHERE run_id = ? AND scheme = ?"
                              " AND phase = 'all' AND stat = ?", -1, &q, NULL);
    const char *types[64];
    const struct scheme_report *decl[64];
    size_t ntypes = report_types(h->c, types, decl, ARRAY_LEN(types));
    bool heading = false;
    for (size_t i = 0; i < ntypes; i++) {
        const char *type = types[i];
        if (!decl[i] || (decl[i]->nrows == 0 && !decl[i]->section))
            continue;
        if (!heading) {
            fputs("<h3>More per scheme type</h3>\n", f);
            heading = true;
        }
        if (decl[i]->nrows > 0) {
            fputs("<table class=\"details\"><thead><tr><th>schemes of type <code>", f);
            esc(f, type);
            fputs("</code></th>", f);
            for (size_t k = 0; k < h->c->nseries; k++)
                if (strcmp(h->c->series[k].type, type) == 0) {
                    fputs("<th>", f);
                    esc(f, h->c->series[k].label);
                    fputs("</th>", f);
                }
            fputs("</tr></thead>\n<tbody>\n", f);
            for (size_t r = 0; r < decl[i]->nrows; r++) {
                const struct summary_row *row = &decl[i]->rows[r];
                fputs("<tr>", f);
                cell_text(f, row->label);
                for (size_t k = 0; k < h->c->nseries; k++) {
                    const struct fig_series *s = &h->c->series[k];
                    if (strcmp(s->type, type) != 0)
                        continue;
                    fig_bind_series(q, s);
                    sqlite3_bind_text(q, 3, row->stat, -1, SQLITE_STATIC);
                    double v = sqlite3_step(q) == SQLITE_ROW ? col_or_nan(q, 0) * row->scale : (double)NAN;
                    cell_num(f, v, row->decimals, row->unit);
                }
                fputs("</tr>\n", f);
            }
            fputs("</tbody></table>\n", f);
        }
        if (decl[i]->section)
            decl[i]->section(f, h->c, type);
    }
    sqlite3_finalize(q);
}

static void html_attacks(const struct html *h)
{
    FILE *f = h->f;
    sqlite3_stmt *q;
    sqlite3_prepare_v2(h->db,
        "SELECT adversary, type, target, world, start_h, end_h, cost_eth, value_at_risk_eth,"
        " value_lost_eth, detected, detect_h, resolved_h, blocks_affected, txs_affected,"
        " outcome, detail, delay_per_transfer_s FROM fraud_outcomes WHERE run_id = ?"
        " ORDER BY start_h, adversary, world",
        -1, &q, NULL);
    fputs("<h2 id=\"attacks-h\">Attacks and fraud outcomes</h2>\n", f);
    bool any = false;
    for (size_t r = 0; r < h->c->nruns; r++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, h->c->runs[r]);
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (!any) {
                fputs("<table id=\"attacks\"><thead><tr>", f);
                th_run(h);
                fputs("<th>adversary</th><th>type</th><th>target</th><th>L1 world</th>"
                      "<th>from (h)</th><th>until (h)</th><th>cost (ETH)</th>"
                      "<th>at risk (ETH)</th><th>lost (ETH)</th><th>detected at (h)</th>"
                      "<th>resolved at (h)</th><th>blocks</th><th>transfers held up</th>"
                      "<th>extra wait each</th><th>outcome</th><th>detail</th></tr>"
                      "</thead>\n<tbody>\n", f);
                any = true;
            }
            fputs("<tr>", f);
            td_run(h, h->c->runs[r]);
            for (int k = 0; k < 4; k++)
                cell_text(f, (const char *)sqlite3_column_text(q, k));
            cell_num(f, col_or_nan(q, 4), 2, "");
            cell_num(f, col_or_nan(q, 5), 2, "");
            for (int k = 6; k <= 8; k++)
                cell_eth(f, col_or_nan(q, k));
            cell_num(f, col_or_nan(q, 10), 2, "");
            cell_num(f, col_or_nan(q, 11), 2, "");
            cell_num(f, col_or_nan(q, 12), 0, "");
            cell_num(f, col_or_nan(q, 13), 0, "");
            cell_time(f, col_or_nan(q, 16));
            fputs("<td class=\"l\">", f);
            esc(f, (const char *)sqlite3_column_text(q, 14));
            fputs("</td><td class=\"l\">", f);
            esc(f, (const char *)sqlite3_column_text(q, 15));
            fputs("</td></tr>\n", f);
        }
    }
    if (any) {
        fputs("</tbody></table>\n<p class=\"note\">Transfers held up: those submitted "
              "before the attack ended and still waiting when it began (of every scheme it "
              "reached). Extra wait: how much longer they waited for a first confirmation "
              "than the transfers the same rule picks in equally long windows just before "
              "and just after the attack (by scheme, and by whether the sender had already "
              "joined it): a baseline fair to both sides.</p>\n", f);
    } else {
        /* a run that stopped early may have had adversaries that never recorded */
        sqlite3_stmt *n;
        sqlite3_prepare_v2(h->db, "SELECT count(*), total(r.status <> 'complete')"
                                  " FROM run_config c JOIN runs r ON r.run_id = c.run_id"
                                  " WHERE c.run_id = ? AND c.path LIKE 'adversaries[%].type'",
                           -1, &n, NULL);
        int64_t nadv = 0, unfinished = 0;
        for (size_t r = 0; r < h->c->nruns; r++) {
            sqlite3_reset(n);
            sqlite3_bind_int64(n, 1, h->c->runs[r]);
            if (sqlite3_step(n) == SQLITE_ROW) {
                nadv += sqlite3_column_int64(n, 0);
                unfinished += sqlite3_column_int64(n, 1);
            }
        }
        sqlite3_finalize(n);
        if (unfinished > 0)
            fputs("<p class=\"empty\">No attack was recorded: the scenario has adversaries, "
                  "but an adversary records its attack when the run ends, and this run did "
                  "not complete.</p>\n", f);
        else if (nadv > 0)
            fputs("<p class=\"empty\">The scenario's adversaries recorded no attack in "
                  "this run.</p>\n", f);
        else
            fputs("<p class=\"empty\">No adversary acted in this run: the scenario has no "
                  "<code>adversaries:</code>.</p>\n", f);
    }
    sqlite3_finalize(q);
}

static void html_scenarios(const struct html *h)
{
    FILE *f = h->f;
    sqlite3_stmt *q;
    sqlite3_prepare_v2(h->db,
        "SELECT scenario_name, scenario_file, scenario_sha256, seed, master_seed, replication,"
        " l2sim_version, git_rev, crypto_mode, duration_h, sim_end_h, events, started_at,"
        " printf('%.2f', wall_s), status, coalesce(status_detail, ''), overrides,"
        " scenario_text, config"
        " FROM run_info WHERE run_id = ?", -1, &q, NULL);
    fputs("<h2 id=\"scenario-h\">Scenario and provenance</h2>\n", f);
    for (size_t r = 0; r < h->c->nruns; r++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, h->c->runs[r]);
        if (sqlite3_step(q) != SQLITE_ROW)
            continue;
        const char *t[19];
        for (int k = 0; k < 19; k++)
            t[k] = (const char *)sqlite3_column_text(q, k);
        fprintf(f, "<h3>Run %lld: ", (long long)h->c->runs[r]);
        esc(f, t[0]);
        fputs("</h3>\n<table class=\"prov\"><tbody>\n", f);
        static const char *const labels[] = {
            "scenario", "file", "scenario SHA-256", "seed", "master seed", "replication",
            "l2sim version", "git revision", "signatures", NULL, NULL, "events",
            "started (UTC)", "wall time (s)", "status", "status detail",
        };
        for (int k = 0; k < 16; k++) {
            if (!labels[k] || (k == 15 && !t[15][0]))
                continue;
            fputs("<tr><th>", f);
            esc(f, labels[k]);
            fputs("</th><td class=\"l\">", f);
            esc(f, t[k]);
            fputs("</td></tr>\n", f);
        }
        fprintf(f, "<tr><th>simulated</th><td class=\"l\">%.2f h of %.2f h</td></tr>\n",
                sqlite3_column_double(q, 10), sqlite3_column_double(q, 9));
        fputs("</tbody></table>\n", f);
        if (t[16] && t[16][0]) {
            fputs("<p>Overrides (<code>--set</code>):</p><pre>", f);
            esc(f, t[16]);
            fputs("</pre>\n", f);
        }
        fputs("<p>The scenario file as it was run:</p>\n<pre class=\"scenario\">", f);
        esc(f, t[17]);
        fputs("</pre>\n<details><summary>Every parameter in force (value and where it came "
              "from)</summary><pre>", f);
        esc(f, t[18]);
        fputs("</pre></details>\n", f);
    }
    sqlite3_finalize(q);
}

static const struct figure *item_figure(const struct report_item *it)
{
    return it->figure;
}

/* The scenario names of the runs shown, each once, comma-separated (q: run_info's
 * scenario_name by run id). */
static void names_of_runs(const struct html *h, sqlite3_stmt *q, const struct report_result *res)
{
    char seen[8][128];
    size_t n = 0;
    for (size_t r = 0; r < res->nruns; r++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, res->runs[r]);
        if (sqlite3_step(q) != SQLITE_ROW)
            continue;
        const char *name = (const char *)sqlite3_column_text(q, 0);
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++)
            dup = strcmp(seen[k], name) == 0;
        if (dup)
            continue;
        if (n)
            fputs(", ", h->f);
        esc(h->f, name);
        if (n < ARRAY_LEN(seen))
            snprintf(seen[n++], sizeof seen[0], "%s", name);
    }
}

/* A run's description (a static buffer, valid until the next call), or NULL. */
static const char *desc_of(sqlite3 *db, int64_t run)
{
    static char buf[2048];
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "SELECT coalesce(description, '') FROM run_info WHERE run_id = ?",
                       -1, &q, NULL);
    sqlite3_bind_int64(q, 1, run);
    bool ok = sqlite3_step(q) == SQLITE_ROW;
    if (ok)
        snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return ok ? buf : NULL;
}

static int html_write(const struct html *h, const struct report_opts *o,
                      const struct report_result *res, const char *gnuplot_version,
                      struct err *e)
{
    FILE *f = h->f;
    /* the file's name, not its path: a copy of the database gives the same report */
    const char *db_name = strrchr(o->db_path, '/') ? strrchr(o->db_path, '/') + 1 : o->db_path;
    sqlite3_stmt *q;
    sqlite3_prepare_v2(h->db, "SELECT scenario_name, coalesce(description, ''), status"
                              " FROM run_info WHERE run_id = ?", -1, &q, NULL);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>l2sim report: ", f);
    names_of_runs(h, q, res);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>l2sim report: ", style);
    names_of_runs(h, q, res);
    fputs("</h1>\n", f);
    for (size_t r = 0; r < res->nruns; r++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, res->runs[r]);
        if (sqlite3_step(q) != SQLITE_ROW)
            continue;
        const char *desc = (const char *)sqlite3_column_text(q, 1);
        const char *status = (const char *)sqlite3_column_text(q, 2);
        bool said = false;          /* runs of one scenario share their description */
        for (size_t k = 0; k < r && !said; k++)
            said = desc_of(h->db, res->runs[k]) && strcmp(desc_of(h->db, res->runs[k]), desc) == 0;
        if (desc[0] && !said) {
            fputs("<p class=\"lead\">", f);
            esc(f, desc);
            fputs("</p>\n", f);
        }
        if (strcmp(status, "complete") != 0) {
            fprintf(f, "<p class=\"failed\">Run %lld is <b>", (long long)res->runs[r]);
            esc(f, status);
            fputs("</b>, not complete: its numbers are partial and its summary statistics "
                  "were not computed.</p>\n", f);
        }
    }
    sqlite3_finalize(q);
    fputs("<p class=\"note\">", f);
    esc(f, h->c->subtitle);
    fputs(". Every number and picture below comes from the results database <code>", f);
    esc(f, db_name);
    fputs("</code> (see its views with <code>sqlite3 ", f);
    esc(f, db_name);
    fputs(" .schema</code>). Each scheme ran on its own copy of the L1 with the same "
          "demand and the same user transfers, so differences between schemes are the "
          "schemes' own. Savings are measured against the <b>L1 baseline</b>: the first "
          "scheme of type <code>l1</code> in the scenario, where every transfer is its own "
          "L1 transaction.</p>\n<nav><a href=\"#summary-h\">Summary</a>", f);
    for (size_t i = 0; i < res->nitems; i++) {
        if (res->items[i].state != REPORT_DRAWN)
            continue;
        fprintf(f, "<a href=\"#fig-%s\">", res->items[i].name);
        esc(f, item_figure(&res->items[i])->heading);
        fputs("</a>", f);
    }
    fputs("<a href=\"#attacks-h\">Attacks</a><a href=\"#scenario-h\">Scenario</a></nav>\n", f);

    if (res->chosen[0]) {
        fputs("<p class=\"note\">This report shows ", f);
        esc(f, res->chosen);
        fputs(".</p>\n", f);
    }
    html_study(h);
    html_summary(h);
    html_phases(h);
    html_details(h);

    /* the figures drawn, then one list of those that were not, each with its reason */
    int rc = 0;
    fputs("<h2 id=\"figures-h\">Figures</h2>\n", f);
    for (size_t i = 0; i < res->nitems; i++) {
        const struct report_item *it = &res->items[i];
        const struct figure *fig = item_figure(it);
        if (it->state != REPORT_DRAWN)
            continue;
        fprintf(f, "<section id=\"fig-%s\">\n<h3>", it->name);
        esc(f, fig->heading);
        fputs("</h3>\n<img src=\"", f);
        if (rc == 0)
            rc = embed(f, it->file, o->format, e);
        fputs("\" alt=\"", f);
        esc(f, fig->heading);
        fputs("\">\n<p class=\"note\">", f);
        esc(f, fig->caption);
        fputs("</p>\n</section>\n", f);
    }
    bool heading = false;
    for (size_t i = 0; i < res->nitems; i++) {
        const struct report_item *it = &res->items[i];
        if (it->state == REPORT_DRAWN)
            continue;
        if (!heading)
            fputs("<h3 id=\"not-drawn\">Not drawn for this report</h3>\n<ul>\n", f);
        heading = true;
        fprintf(f, "<li class=\"%s\" id=\"fig-%s\"><b>", it->state == REPORT_EMPTY ? "empty" : "failed",
                it->name);
        esc(f, item_figure(it)->heading);
        fputs("</b>: ", f);
        esc(f, it->why);
        fputs("</li>\n", f);
    }
    if (heading)
        fputs("</ul>\n", f);

    html_attacks(h);
    html_scenarios(h);
    fprintf(f, "<hr>\n<p class=\"note\">Written by l2sim %s from <code>", L2SIM_VERSION);
    esc(f, db_name);
    fputs("</code>", f);
    if (gnuplot_version[0]) {
        fputs("; plots by ", f);
        esc(f, gnuplot_version);
    }
    fputs(". Rerunning <code>l2sim report</code> on the same database gives the same "
          "report.</p>\n</body>\n</html>\n", f);
    return rc;
}

/* ---- the command ---- */

int report_write(const struct report_opts *o, struct report_result *res, struct err *e)
{
    memset(res, 0, sizeof *res);
    struct stat sb;
    if (stat(o->db_path, &sb) != 0)
        return err_set(e, L2_EINPUT, "%s: no such database: %s", o->db_path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return err_set(e, L2_EINPUT, "%s: not a database file", o->db_path);
    /* Read-only, whatever the file: l2sim's views as temporary ones of this connection,
     * over tables checked to be l2sim's, rows checked before any is read. */
    sqlite3 *db;
    if (dbfile_open_reader(o->db_path, &db, NULL, e) != 0)
        return e->code;
    int rc = dbfile_check(db, "main", o->db_path, DBFILE_READ, L2_EINPUT, e);
    if (rc == 0)
        rc = dbfile_check_rows(db, "main", o->db_path, "0", false, L2_EINPUT, e);
    if (rc == 0)
        rc = dbfile_temp_views(db, o->db_path, e);
    if (rc == 0)
        rc = pick_runs(db, o, res, e);
    if (rc == 0) {
        /* the rows of the runs reported, before the figures read them */
        size_t cap = 32 + 24 * res->nruns, n = 0;
        char *where = xmalloc(cap);
        n += (size_t)snprintf(where, cap, "run_id IN (");
        for (size_t i = 0; i < res->nruns; i++)
            n += (size_t)snprintf(where + n, cap - n, "%s%lld", i ? ", " : "",
                                  (long long)res->runs[i]);
        snprintf(where + n, cap - n, ")");
        rc = dbfile_check_rows(db, "main", o->db_path, where, false, L2_EINPUT, e);
        free(where);
    }
    if (rc == 0)
        rc = make_dir(o->out_dir, e);
    if (rc) {
        dbfile_close(db);
        return rc;
    }

    struct ctx_store cs;
    ctx_build(db, res, &cs);
    eth_usd = 0;
    sqlite3_stmt *pq;
    sqlite3_prepare_v2(db, "SELECT CAST(value AS REAL) FROM run_config WHERE run_id = ?"
                           " AND path = 'report.eth_usd'", -1, &pq, NULL);
    sqlite3_bind_int64(pq, 1, res->runs[0]);
    if (sqlite3_step(pq) == SQLITE_ROW)
        eth_usd = sqlite3_column_double(pq, 0);
    sqlite3_finalize(pq);
    char version[256] = "";
    struct err ge;
    err_init(&ge);
    bool have_gnuplot = plot_probe(o->gnuplot, version, sizeof version, &ge) == 0;
    int status = have_gnuplot ? 0 : L2_EIO;
    if (!have_gnuplot)
        err_set(e, L2_EIO, "%s", ge.msg);

    /* the shared figures, then those of each scheme type in the runs */
    const struct figure *figs[REPORT_MAX_ITEMS];
    size_t nfigs = 0;
    for (size_t i = 0; figure_at(i) && nfigs < ARRAY_LEN(figs); i++)
        figs[nfigs++] = figure_at(i);
    const char *types[64];
    const struct scheme_report *decl[64];
    size_t ntypes = report_types(&cs.c, types, decl, ARRAY_LEN(types));
    for (size_t t = 0; t < ntypes; t++)
        for (size_t k = 0; decl[t] && k < decl[t]->nfigures && nfigs < ARRAY_LEN(figs); k++) {
            /* types sharing an implementation (the rollups) declare the same figures:
             * each is drawn once */
            bool seen = false;
            for (size_t j = 0; j < nfigs && !seen; j++)
                seen = figs[j] == decl[t]->figures[k];
            if (!seen)
                figs[nfigs++] = decl[t]->figures[k];
        }
    for (size_t i = 0; i < nfigs && res->nitems < REPORT_MAX_ITEMS; i++) {
        const struct figure *fig = figs[i];
        struct report_item *it = &res->items[res->nitems++];
        it->name = fig->name;
        it->figure = fig;
        /* a stale image of an earlier report must not sit beside this one */
        for (int fmt = PLOT_PNG; fmt <= PLOT_SVG; fmt++) {
            char *old = path_join(o->out_dir, fig->name, plot_ext((enum plot_format)fmt));
            unlink(old);
            free(old);
        }
        if (!fig->applies(&cs.c, it->why, sizeof it->why)) {
            it->state = REPORT_EMPTY;
            continue;
        }
        if (!have_gnuplot) {
            it->state = REPORT_NO_GNUPLOT;
            set_text(it->why, sizeof it->why, ge.msg);
            continue;
        }
        char *file = path_join(o->out_dir, fig->name, plot_ext(o->format));
        snprintf(it->file, sizeof it->file, "%s", file);
        free(file);
        struct plot *p;
        struct err pe;
        err_init(&pe);
        int prc = plot_open(o->gnuplot, o->format, it->file, 1280, 800, &p, &pe);
        if (prc == 0) {
            fig->render(&cs.c, p);
            prc = plot_close(p, &pe);
        }
        if (prc == 0) {
            it->state = REPORT_DRAWN;
        } else {
            it->state = REPORT_FAILED;
            set_text(it->why, sizeof it->why, pe.msg);
            if (status == 0)
                err_set(e, L2_EIO, "%s", pe.msg);
            status = L2_EIO;
        }
    }

    /* report.html appears whole or not at all */
    char *html = path_join(o->out_dir, "report", "html");
    char *tmp = xasprintf("%s.tmp", html);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        rc = err_set(e, L2_EIO, "%s: cannot write: %s", tmp, strerror(errno));
    } else {
        struct html h = { f, db, &cs.c, res->nruns > 1 };
        rc = html_write(&h, o, res, version, e);
        if (fclose(f) != 0 && rc == 0)
            rc = err_set(e, L2_EIO, "%s: cannot write: %s", tmp, strerror(errno));
        if (rc == 0 && rename(tmp, html) != 0)
            rc = err_set(e, L2_EIO, "%s: cannot rename to %s: %s", tmp, html, strerror(errno));
        if (rc)
            unlink(tmp);
        else
            snprintf(res->html, sizeof res->html, "%s", html);
    }
    free(tmp);
    free(html);
    ctx_free(&cs);
    const char *stopped = dbfile_stopped(db);
    if (stopped && rc == 0)
        rc = err_set(e, L2_EIO, "%s: %s", o->db_path, stopped);
    dbfile_close(db);
    return rc ? rc : status;
}
