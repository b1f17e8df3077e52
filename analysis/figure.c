/* figure.c — the shared figures of the report (what every run has), and the helpers
 * all figures share (CDF datablocks, time windows, axes). A scheme's own figures and
 * rows are declared from its directory (struct scheme_report), not here. */
#include "analysis/figure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* In the order the report shows them: what a transfer costs, how long it takes, what
 * the L1 market did, what attackers did, then what each kind of scheme adds. */
static const struct figure *const figures[] = {
    &fig_study_ci,
    &fig_fee_cdf,
    &fig_savings,
    &fig_transfer_costs,
    &fig_cost_breakdown,
    &fig_latency_cdf,
    &fig_l1_prices,
    &fig_l1_usage,
    &fig_attacks,
    &fig_batches,
};

const struct figure *figure_at(size_t i)
{
    return i < ARRAY_LEN(figures) ? figures[i] : NULL;
}

/* ---- helpers ---- */

void fig_percentile_guides(struct plot *p)
{
    plot_cmd(p, "set arrow 50 from graph 0, first 50 to graph 1, first 50 nohead dt 3 lw 1"
                " lc rgb '#777777' back\n"
                "set arrow 51 from graph 0, first 95 to graph 1, first 95 nohead dt 3 lw 1"
                " lc rgb '#777777' back\n"
                "set label 50 'median' at graph 0.005, first 50 left offset 0,0.6"
                " tc rgb '#555555' font ',10'\n"
                "set label 51 '95th percentile' at graph 0.005, first 95 left offset 0,-0.6"
                " tc rgb '#555555' font ',10'\n");
}

sqlite3_stmt *fig_prepare(const struct fig_ctx *c, const char *sql)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) != SQLITE_OK)
        sim_panic("bad SQL in a figure (%s): %s", sqlite3_errmsg(c->db), sql);
    return q;
}

void fig_bind_series(sqlite3_stmt *q, const struct fig_series *s)
{
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, s->run_id);
    sqlite3_bind_text(q, 2, s->scheme, -1, SQLITE_STATIC);
}

void fig_title(const struct fig_ctx *c, struct plot *p, const char *title)
{
    plot_cmd(p, "set title ");
    plot_text2(p, title, c->subtitle);
    plot_cmd(p, " font ',16'\n");
}

void fig_label(struct plot *p, const char *axis, const char *text)
{
    plot_cmd(p, "set %slabel ", axis);
    plot_text(p, text);
    plot_cmd(p, "\n");
}

int64_t fig_count_runs(const struct fig_ctx *c, const char *sql)
{
    sqlite3_stmt *q = fig_prepare(c, sql);
    int64_t n = 0;
    for (size_t i = 0; i < c->nruns; i++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, c->runs[i]);
        if (sqlite3_step(q) == SQLITE_ROW)
            n += sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    return n;
}

size_t fig_cdf_block(struct plot *p, const char *name, sqlite3_stmt *q, int64_t total,
                     size_t max_points)
{
    size_t n = 0, cap = 0;
    double *v = NULL;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (sqlite3_column_type(q, 0) == SQLITE_NULL)
            continue;
        if (n == cap)
            cap = cap ? 2 * cap : 4096, v = xrealloc(v, cap * sizeof *v);
        v[n++] = sqlite3_column_double(q, 0);
    }
    plot_data_begin(p, name);
    /* evenly spaced ranks, always the first and the last: the curve keeps its ends */
    size_t step = n > max_points ? (n + max_points - 1) / max_points : 1;
    for (size_t i = 0; i < n; i += step) {
        size_t k = i + step >= n ? n - 1 : i;
        if (v[k] > 0) {
            double row[2] = { v[k], 100.0 * (double)(k + 1) / (double)total };
            plot_row(p, 2, row);
        }
        if (k == n - 1)
            break;
    }
    plot_data_end(p);
    free(v);
    return n;
}

/* fig_windows numbers its labels from here, one per window drawn, at most 64 */
#define WINDOW_LABEL_FIRST 100
#define WINDOW_LABELS      64

void fig_windows_unlabel(struct plot *p)
{
    for (int i = WINDOW_LABEL_FIRST; i < WINDOW_LABEL_FIRST + WINDOW_LABELS; i++)
        plot_cmd(p, "unset label %d\n", i);
}

void fig_windows(const struct fig_ctx *c, struct plot *p, int labels)
{
    sqlite3_stmt *q = fig_prepare(c,
        "SELECT DISTINCT kind, label, start_us / 3.6e9, end_us / 3.6e9 FROM timeline_windows"
        " WHERE run_id = ? ORDER BY start_us, kind, label");
    /* windows already drawn (several runs of one scenario share theirs) */
    struct { char label[128]; double a, b; } seen[WINDOW_LABELS];
    size_t nseen = 0;
    int obj = 1, lab = WINDOW_LABEL_FIRST;
    for (size_t r = 0; r < c->nruns; r++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, c->runs[r]);
        while (sqlite3_step(q) == SQLITE_ROW && nseen < ARRAY_LEN(seen)) {
            const char *kind = (const char *)sqlite3_column_text(q, 0);
            const char *label = (const char *)sqlite3_column_text(q, 1);
            double a = sqlite3_column_double(q, 2), b = sqlite3_column_double(q, 3);
            bool dup = false;
            for (size_t i = 0; i < nseen; i++)
                dup |= seen[i].a == a && seen[i].b == b && strcmp(seen[i].label, label) == 0;
            if (dup)
                continue;
            snprintf(seen[nseen].label, sizeof seen[nseen].label, "%s", label);
            seen[nseen].a = a, seen[nseen].b = b;
            bool attack = strcmp(kind, "attack") == 0;
            /* demand windows in warm orange, attacks in red, both behind the data */
            plot_cmd(p, "set object %d rect from first %.6f, graph 0 to first %.6f, graph 1"
                     " behind fc rgb '%s' fs solid 0.25 noborder\n", obj++, a, b,
                     attack ? "#E03030" : "#F0A020");
            if (labels & (attack ? FIG_LABEL_ATTACKS : FIG_LABEL_DEMAND)) {
                /* labels of windows that start together go one under the other; with
                 * several runs each says whose it is */
                int under = 0;
                for (size_t i = 0; i < nseen; i++)
                    under += fabs(seen[i].a - a) < 0.02 * c->duration_h;
                char text[160];
                if (c->nruns > 1)
                    snprintf(text, sizeof text, "run %lld: %s", (long long)c->runs[r], label);
                else
                    snprintf(text, sizeof text, "%s", label);
                plot_cmd(p, "set label %d ", lab++);
                plot_text(p, text);
                plot_cmd(p, " at first %.6f, graph %.2f left front offset 0.3,0 tc rgb '%s'"
                         " font ',11'\n", a, (attack ? 0.90 : 0.97) - 0.06 * under,
                         attack ? "#A00000" : "#8A5A00");
            }
            nseen++;
        }
    }
    sqlite3_finalize(q);
}

/* O(decades) */
void fig_ticks_125(struct plot *p, char axis, double lo, double hi)
{
    plot_cmd(p, "set %ctics (", axis);
    const char *sep = "";
    for (int d = (int)floor(log10(lo)); d <= (int)ceil(log10(hi)); d++)
        for (int m = 1; m <= 5; m += m == 1 ? 1 : 3) {
            if (m > 1 && hi / lo > 2e3)
                break;                  /* over three decades: powers of ten only */
            double v = m * pow(10, d);
            if (v < lo || v > hi)
                continue;
            plot_cmd(p, "%s'%g' %g", sep, v, v);
            sep = ", ";
        }
    plot_cmd(p, ")\n");
}

void fig_seconds_axis(struct plot *p, char axis)
{
    plot_cmd(p, "set logscale %c\nset %ctics ('0.1 s' 0.1, '1 s' 1, '10 s' 10, '1 min' 60, '10 min' 600,"
             " '1 h' 3600, '6 h' 21600, '1 d' 86400, '1 w' 604800, '4 w' 2419200)\n",
             axis, axis);
}

void fig_ratio_words(double r, char *buf, size_t len)
{
    if (!isfinite(r) || r <= 0)
        snprintf(buf, len, "-");
    else if (fabs(r - 1) < 0.005)
        snprintf(buf, len, "same");
    else if (r >= 0.5 && r < 1)
        snprintf(buf, len, "%.0f%% cheaper", 100 * (1 - r));
    else if (r > 1 && r <= 2)
        snprintf(buf, len, "%.0f%% dearer", 100 * (r - 1));
    else if (r < 1)
        snprintf(buf, len, 1 / r >= 10 ? "%.0fx cheaper" : "%.1fx cheaper", 1 / r);
    else
        snprintf(buf, len, r >= 10 ? "%.0fx dearer" : "%.1fx dearer", r);
}

void fig_fmt_eth(double eth, char *buf, size_t len)
{
    if (!isfinite(eth))
        snprintf(buf, len, "-");
    else if (eth == 0)
        snprintf(buf, len, "0 ETH");
    else if (fabs(eth) >= 0.001)
        snprintf(buf, len, "%.4g ETH", eth);
    else
        snprintf(buf, len, "%.3g ETH", eth);
}
