/* fig_latency.c — how long a transfer takes, stage by stage: soft confirmation (the
 * user sees it accepted), L1 inclusion, finality (withdrawal-ready), as cumulative
 * distributions on one time axis so the stages of the schemes line up. */
#include <math.h>
#include <stdio.h>

#include "analysis/figure.h"

static const struct {
    const char *column, *title;
} stages[] = {
    { "soft_s", "soft confirmation: the user sees the transfer accepted" },
    { "inclusion_s", "L1 inclusion: the transfer (or its batch) is in an L1 block" },
    { "finality_s", "finality: final on the L1, funds withdrawal-ready" },
};

static bool latency_applies(const struct fig_ctx *c, char *why, size_t len)
{
    if (fig_count_runs(c, "SELECT count(*) FROM transfer_outcomes"
                          " WHERE run_id = ? AND soft_s IS NOT NULL") > 0)
        return true;
    snprintf(why, len, "No transfer was confirmed within the run.");
    return false;
}

static void latency_render(const struct fig_ctx *c, struct plot *p)
{
    double lo = INFINITY, hi = 0;
    size_t n = c->nseries < 64 ? c->nseries : 64;
    bool drawn[3][64] = { { false } };
    sqlite3_stmt *qn = fig_prepare(c, "SELECT count(*) FROM transfer_outcomes"
                                      " WHERE run_id = ? AND scheme = ?");
    for (size_t st = 0; st < ARRAY_LEN(stages); st++) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT %s FROM transfer_outcomes WHERE run_id = ? AND"
                 " scheme = ? AND %s > 0 ORDER BY 1", stages[st].column, stages[st].column);
        sqlite3_stmt *q = fig_prepare(c, sql);
        snprintf(sql, sizeof sql, "SELECT min(%s), max(%s) FROM transfer_outcomes"
                 " WHERE run_id = ? AND %s > 0", stages[st].column, stages[st].column,
                 stages[st].column);
        sqlite3_stmt *qr = fig_prepare(c, sql);
        for (size_t i = 0; i < n; i++) {
            const struct fig_series *s = &c->series[i];
            fig_bind_series(qn, s);
            int64_t total = sqlite3_step(qn) == SQLITE_ROW ? sqlite3_column_int64(qn, 0) : 0;
            fig_bind_series(q, s);
            char name[32];
            snprintf(name, sizeof name, "t%zu_%zu", st, i);
            drawn[st][i] = fig_cdf_block(p, name, q, total, 600) > 0;
        }
        for (size_t r = 0; r < c->nruns; r++) {
            sqlite3_reset(qr);
            sqlite3_bind_int64(qr, 1, c->runs[r]);
            if (sqlite3_step(qr) == SQLITE_ROW && sqlite3_column_type(qr, 0) != SQLITE_NULL) {
                lo = fmin(lo, sqlite3_column_double(qr, 0));
                hi = fmax(hi, sqlite3_column_double(qr, 1));
            }
        }
        sqlite3_finalize(q);
        sqlite3_finalize(qr);
    }
    sqlite3_finalize(qn);
    if (!(lo < hi))
        lo = 1, hi = 10;
    lo = fmax(lo, 0.1);       /* a wait below a tenth of a second is no wait to a user */
    /* whole decades around the data, so the stages share one axis */
    double xlo = pow(10, floor(log10(lo))), xhi = pow(10, ceil(log10(hi)));

    /* equal panels: the x label of the last one must not squeeze it */
    /* more than two curves: the key goes to the right of the panels, never over them */
    bool key_outside = n > 2;
    /* the key fills a panel's height, then wraps into a second column: room for it */
    plot_cmd(p, "set multiplot layout 3,1 margins 0.1,%s,0.09,0.86 spacing 0,0.12 title ",
             !key_outside ? "0.97" : n > 6 ? "0.55" : "0.7");
    plot_text2(p, "How long a transfer takes, stage by stage (cumulative distributions)",
               c->subtitle);
    plot_cmd(p, " font ',16'\n");
    fig_seconds_axis(p, 'x');
    plot_cmd(p, "set xrange [%g:%g]\nset yrange [0:100]\nset ytics 0,25,100\n", xlo, xhi);
    fig_label(p, "y", "% of transfers");
    for (size_t st = 0; st < ARRAY_LEN(stages); st++) {
        plot_cmd(p, "set title ");
        plot_text(p, stages[st].title);
        plot_cmd(p, " font ',13'\n");
        if (st == ARRAY_LEN(stages) - 1)
            fig_label(p, "x", "time since the user submitted the transfer (log scale)");
        if (st == 0) {
            plot_cmd(p, key_outside ? "set key at screen 0.99, screen 0.84 top right"
                                      " vertical maxrows 40 font ',10'\n" : "set key bottom right\n");
            fig_percentile_guides(p);
        }
        else
            plot_cmd(p, "unset key\n");
        const char *sep = "plot ";
        bool any = false;
        for (size_t i = 0; i < n; i++) {
            if (!drawn[st][i])
                continue;
            plot_cmd(p, "%s$t%zu_%zu using 1:2 with steps lt %zu title ", sep, st, i, i + 1);
            plot_text(p, c->series[i].label);
            sep = ", \\\n     ";
            any = true;
        }
        if (!any) {
            /* an empty panel still says why it is empty */
            plot_cmd(p, "set label 1 ");
            plot_text(p, "no transfer reached this stage within the run");
            plot_cmd(p, " at graph 0.5, graph 0.5 center\nplot NaN notitle\nunset label 1\n");
        } else {
            plot_cmd(p, "\n");
        }
    }
    plot_cmd(p, "unset multiplot\n");
}

const struct figure fig_latency_cdf = {
    "latency", "How long a transfer takes",
    "Three stages of a transfer, one panel each, on the same logarithmic time axis. Read "
    "across at 50% for the median wait. Soft confirmation is when the user sees the "
    "transfer accepted (an L2's sequencer receipt; on the L1 itself, inclusion in a "
    "block); L1 inclusion is when it, or the batch carrying it, is in an L1 block; "
    "finality is when it can no longer be reverted and funds can be withdrawn (after "
    "the L1's finality, plus any challenge window). A curve that ends below 100% means "
    "some transfers never reached that stage within the run: dropped, or still "
    "waiting at the end.",
    latency_applies, latency_render,
};
