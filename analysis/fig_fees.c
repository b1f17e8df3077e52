/* fig_fees.c — what a transfer costs: the fee distribution per scheme, the saving
 * against the L1 baseline as a ratio, and what the fee pays for (cost breakdown). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/figure.h"

/* ---- fee per transfer: CDF on a log axis ---- */

static bool fee_applies(const struct fig_ctx *c, char *why, size_t len)
{
    if (fig_count_runs(c, "SELECT count(*) FROM transfer_outcomes"
                          " WHERE run_id = ? AND fee_eth > 0") > 0)
        return true;
    snprintf(why, len, "No transfer was included, so none paid a fee.");
    return false;
}

static void fee_render(const struct fig_ctx *c, struct plot *p)
{
    sqlite3_stmt *q = fig_prepare(c,
        "SELECT fee_eth FROM transfer_outcomes"
        " WHERE run_id = ? AND scheme = ? AND fee_eth IS NOT NULL ORDER BY 1");
    sqlite3_stmt *n = fig_prepare(c,
        "SELECT count(*) FROM transfer_outcomes"
        " WHERE run_id = ? AND scheme = ? AND fee_eth IS NOT NULL");
    bool drawn[64] = { false };
    for (size_t i = 0; i < c->nseries && i < ARRAY_LEN(drawn); i++) {
        const struct fig_series *s = &c->series[i];
        fig_bind_series(n, s);
        int64_t total = sqlite3_step(n) == SQLITE_ROW ? sqlite3_column_int64(n, 0) : 0;
        fig_bind_series(q, s);
        char name[32];
        snprintf(name, sizeof name, "s%zu", i);
        drawn[i] = fig_cdf_block(p, name, q, total, 800) > 0;
    }
    sqlite3_finalize(q);
    sqlite3_finalize(n);

    fig_title(c, p, "Fee per transfer, by scheme (cumulative distribution)");
    fig_label(p, "x", "fee paid for one transfer (ETH, log scale)");
    fig_label(p, "y", "included transfers that paid at most this (%)");
    /* a few decades get plain tick labels (0.0005 ETH); many get powers of ten */
    double lo = INFINITY, hi = 0;
    sqlite3_stmt *r = fig_prepare(c, "SELECT min(fee_eth), max(fee_eth) FROM"
                                     " transfer_outcomes WHERE run_id = ? AND fee_eth > 0");
    for (size_t i = 0; i < c->nruns; i++) {
        sqlite3_reset(r);
        sqlite3_bind_int64(r, 1, c->runs[i]);
        if (sqlite3_step(r) == SQLITE_ROW && sqlite3_column_type(r, 0) != SQLITE_NULL) {
            lo = fmin(lo, sqlite3_column_double(r, 0));
            hi = fmax(hi, sqlite3_column_double(r, 1));
        }
    }
    sqlite3_finalize(r);
    plot_cmd(p, "set logscale x\nset mxtics 10\n"
                "set yrange [0:100]\nset ytics 0,20,100\n");
    /* the key inside for a few curves; below the plot, never over a curve, for more */
    if (c->nseries <= 2)
        plot_cmd(p, "set key bottom right\n");
    else
        plot_cmd(p, "set key outside top center horizontal\n");
    if (lo > 0 && hi / lo < 2e3) {
        plot_cmd(p, "set xrange [%g:%g]\n", lo / 1.5, hi * 1.5);
        fig_ticks_125(p, 'x', lo / 1.5, hi * 1.5);
    } else {
        plot_cmd(p, "set format x '10^{%%L}'\n");
    }
    fig_percentile_guides(p);
    const char *sep = "plot ";
    for (size_t i = 0; i < c->nseries && i < ARRAY_LEN(drawn); i++) {
        if (!drawn[i])
            continue;
        plot_cmd(p, "%s$s%zu using 1:2 with steps lt %zu title ", sep, i, i + 1);
        plot_text(p, c->series[i].label);
        sep = ", \\\n     ";
    }
    plot_cmd(p, "\n");
}

const struct figure fig_fee_cdf = {
    "fees", "Fee per transfer",
    "Each curve is one scheme. Read across at 50% for the median fee and at 95% for "
    "what the unluckiest one in twenty paid. Curves further left are cheaper; the "
    "horizontal axis is logarithmic, so each step to the left is ten times cheaper. A "
    "steep curve means every user paid about the same; a long tail to the right means "
    "some paid far more, typically during congestion.",
    fee_applies, fee_render,
};

/* ---- savings versus the L1 baseline ---- */

static bool savings_applies(const struct fig_ctx *c, char *why, size_t len)
{
    if (fig_count_runs(c, "SELECT count(*) FROM l1_baseline WHERE run_id = ?") == 0) {
        snprintf(why, len, "The run has no scheme of type l1, so there is no baseline to "
                 "measure savings against (add {type: l1} to the scenario's schemes).");
        return false;
    }
    /* a scheme other than its run's baseline: two runs with a baseline each are still
     * nothing to compare (each is measured against its own) */
    if (fig_count_runs(c, "SELECT count(*) FROM savings_vs_l1 WHERE run_id = ?"
                          " AND scheme <> baseline AND fee_mean_ratio IS NOT NULL") < 1) {
        snprintf(why, len, "%s only the L1 baseline: there is nothing to compare it with "
                 "yet.", c->nruns > 1 ? "Each run has" : "The run has");
        return false;
    }
    return true;
}

static void savings_render(const struct fig_ctx *c, struct plot *p)
{
    sqlite3_stmt *q = fig_prepare(c,
        "SELECT v.fee_done_ratio, v.fee_p50_ratio, r.is_baseline, v.dropped_share"
        " FROM run_schemes r LEFT JOIN savings_vs_l1 v"
        "   ON v.run_id = r.run_id AND v.scheme = r.scheme"
        " WHERE r.run_id = ? AND r.scheme = ?");
    double lo = 1, hi = 1;
    size_t n = c->nseries < 64 ? c->nseries : 64;
    double ratio[64][2], dropped[64];
    bool base[64];
    /* bars grow from the baseline's 1 down (cheaper) or up (dearer): x, then for the
     * mean and the median bar: the ratio, and the bar's low and high ends */
    plot_data_begin(p, "bars");
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, c->series[i].run_id);
        sqlite3_bind_text(q, 2, c->series[i].scheme, -1, SQLITE_STATIC);
        ratio[i][0] = ratio[i][1] = (double)NAN;
        base[i] = false;
        if (sqlite3_step(q) == SQLITE_ROW) {
            for (int k = 0; k < 2; k++)
                if (sqlite3_column_type(q, k) != SQLITE_NULL && sqlite3_column_double(q, k) > 0)
                    ratio[i][k] = sqlite3_column_double(q, k);
            base[i] = sqlite3_column_int(q, 2) != 0;
        }
        dropped[i] = sqlite3_column_type(q, 3) == SQLITE_NULL ? 0 : sqlite3_column_double(q, 3);
        double row[7] = { (double)i };
        for (int k = 0; k < 2; k++) {
            double r = ratio[i][k];
            if (isfinite(r))
                lo = fmin(lo, r), hi = fmax(hi, r);
            row[1 + 3 * k] = r;
            row[2 + 3 * k] = isfinite(r) ? fmin(r, 1) : r;
            row[3 + 3 * k] = isfinite(r) ? fmax(r, 1) : r;
        }
        plot_row(p, 7, row);
    }
    plot_data_end(p);
    sqlite3_finalize(q);

    fig_title(c, p, "What a transfer costs compared with doing it on the L1");
    fig_label(p, "y", "fee / the L1 baseline's fee (log scale)");
    plot_cmd(p, "set logscale y\nset yrange [%g:%g]\n", lo / 4, hi * 4);
    plot_cmd(p, "set bmargin 5\n");        /* room for the two-line tic labels */
    fig_ticks_125(p, 'y', lo / 4, hi * 4);
    double pad = n < 4 ? (4.0 - (double)n) / 2 : 0;
    plot_cmd(p, "set xrange [%f:%f]\nset xtics noenhanced (", -0.6 - pad, (double)n - 0.4 + pad);
    for (size_t i = 0; i < n; i++) {       /* what each dropped, under its name */
        plot_quoted(p, c->series[i].label);  /* a tic label is a format: %% is one % */
        plot_cmd(p, " . \"\\n\" . '%.1f%%%% dropped' %zu%s", 100 * dropped[i], i,
                 i + 1 < n ? ", " : ")\n");
    }
    plot_cmd(p, "set grid noxtics\nset arrow 1 from graph 0, first 1 to graph 1, first 1 nohead"
                " dt 2 lw 1.5 lc rgb '#444444' front\n");
    plot_cmd(p, "set label 1 ");
    plot_text(p, "L1 baseline = 1 (above: dearer, below: cheaper)");
    plot_cmd(p, " at graph 0.99, first 1 right offset 0,0.7 font ',11' tc rgb '#444444'\n");
    int lab = 2;
    for (size_t i = 0; i < n; i++) {
        if (base[i]) {
            plot_cmd(p, "set label %d 'baseline' at first %zu, first 1 center offset 0,-0.9"
                        " font ',11'\n", lab++, i);
            continue;
        }
        for (int k = 0; k < 2; k++) {
            char words[48];
            fig_ratio_words(ratio[i][k], words, sizeof words);
            if (!isfinite(ratio[i][k]))
                continue;
            plot_cmd(p, "set label %d ", lab++);
            plot_text(p, words);
            plot_cmd(p, " at first %f, first %g center offset 0,%s font ',10'\n",
                     (double)i + (k ? 0.19 : -0.19), ratio[i][k],
                     ratio[i][k] < 1 ? "-0.8" : "0.8");
        }
    }
    plot_cmd(p, "set key top right\nset style fill solid 0.85 noborder\n"
                "plot $bars using ($1-0.19):2:($1-0.37):($1-0.01):3:4 with boxxyerror lt 1"
                " title 'fees / baseline fees, on the transfers both got done',"
                " $bars using ($1+0.19):5:($1+0.01):($1+0.37):6:7 with boxxyerror lt 6"
                " title 'median fee / baseline median fee (included transfers)'\n");
}

const struct figure fig_savings = {
    "savings", "Savings against the L1 baseline",
    "Each scheme's fees divided by the L1 baseline's. The left bar compares like with "
    "like: the total fee of the transfers both the scheme and the baseline got done "
    "(every scheme sees the same transfers), so dropping expensive transfers does not "
    "read as a saving; the share each scheme dropped is under its name. The right bar "
    "is the median fee of each one's included transfers. Bars start at the dashed line (1, the baseline) and reach down when the "
    "scheme is cheaper, up when it is dearer; a bar down to 0.01 means a transfer costs "
    "a hundredth of an L1 transfer (100x cheaper). The baseline is the first scheme of "
    "type l1 in the scenario.",
    savings_applies, savings_render,
};

/* ---- cost breakdown: what the fee pays for ---- */

static bool cost_applies(const struct fig_ctx *c, char *why, size_t len)
{
    if (fig_count_runs(c, "SELECT count(*) FROM cost_breakdown"
                          " WHERE run_id = ? AND total_eth > 0") > 0)
        return true;
    snprintf(why, len, "No scheme paid any fee, so there is nothing to break down.");
    return false;
}

static void cost_render(const struct fig_ctx *c, struct plot *p)
{
    /* the components present anywhere, in their order */
    enum { MAXC = 16 };
    char comp[MAXC][64], clabel[MAXC][128];
    size_t nc = 0;
    sqlite3_stmt *qc = fig_prepare(c,
        "SELECT component, label FROM cost_breakdown WHERE run_id = ? AND total_eth > 0"
        " GROUP BY component ORDER BY min(ord), component");
    for (size_t r = 0; r < c->nruns; r++) {
        sqlite3_reset(qc);
        sqlite3_bind_int64(qc, 1, c->runs[r]);
        while (sqlite3_step(qc) == SQLITE_ROW && nc < MAXC) {
            const char *k = (const char *)sqlite3_column_text(qc, 0);
            bool dup = false;
            for (size_t i = 0; i < nc; i++)
                dup |= strcmp(comp[i], k) == 0;
            if (dup)
                continue;
            snprintf(comp[nc], sizeof comp[nc], "%s", k);
            snprintf(clabel[nc], sizeof clabel[nc], "%s", sqlite3_column_text(qc, 1));
            nc++;
        }
    }
    sqlite3_finalize(qc);

    sqlite3_stmt *q = fig_prepare(c,
        "SELECT per_transfer_eth FROM cost_breakdown"
        " WHERE run_id = ? AND scheme = ? AND component = ?");
    size_t n = c->nseries < 64 ? c->nseries : 64;
    double per[64][MAXC], total[64];
    for (size_t i = 0; i < n; i++) {
        total[i] = 0;
        for (size_t k = 0; k < nc; k++) {
            sqlite3_reset(q);
            sqlite3_bind_int64(q, 1, c->series[i].run_id);
            sqlite3_bind_text(q, 2, c->series[i].scheme, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 3, comp[k], -1, SQLITE_STATIC);
            per[i][k] = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_double(q, 0) : 0;
            total[i] += per[i][k];
        }
    }
    sqlite3_finalize(q);
    /* one datablock per component: x, bottom and top of its slice in % of the fee */
    double base[64] = { 0 };
    for (size_t k = 0; k < nc; k++) {
        char name[32];
        snprintf(name, sizeof name, "c%zu", k);
        plot_data_begin(p, name);
        for (size_t i = 0; i < n; i++) {
            double share = total[i] > 0 ? 100 * per[i][k] / total[i] : 0;
            double row[3] = { (double)i, base[i], base[i] + share };
            plot_row(p, 3, row);
            base[i] += share;
        }
        plot_data_end(p);
    }

    fig_title(c, p, "What the fee pays for: share of the average fee per transfer");
    fig_label(p, "y", "share of the mean fee per included transfer (%)");
    /* bars keep a sensible width when there are only one or two */
    double pad = n < 4 ? (4.0 - (double)n) / 2 : 0;
    plot_cmd(p, "set yrange [0:118]\nset ytics 0,20,100\nset grid noxtics\n"
                "set xrange [%f:%f]\nset xtics noenhanced (", -0.6 - pad, (double)n - 0.4 + pad);
    for (size_t i = 0; i < n; i++) {
        plot_quoted(p, c->series[i].label);
        plot_cmd(p, " %zu%s", i, i + 1 < n ? ", " : ")\n");
    }
    for (size_t i = 0; i < n; i++) {
        char eth[48], text[96];
        fig_fmt_eth(total[i], eth, sizeof eth);
        snprintf(text, sizeof text, "%s per transfer", eth);
        plot_cmd(p, "set label %zu ", i + 1);
        plot_text(p, text);
        plot_cmd(p, " at first %zu, first 100 center offset 0,1 font ',12'\n", i);
    }
    plot_cmd(p, "set key top center horizontal\nset style fill solid 0.85 border lc rgb 'white'\n");
    const char *sep = "plot ";
    for (size_t k = 0; k < nc; k++) {
        plot_cmd(p, "%s$c%zu using 1:(($2+$3)/2):(0.3):(($3-$2)/2) with boxxyerror lt %zu dt solid"
                 " title ", sep, k, k + 1);
        plot_text(p, clabel[k]);
        sep = ", \\\n     ";
    }
    plot_cmd(p, "\n");
}

const struct figure fig_cost_breakdown = {
    "costs", "Cost breakdown per scheme",
    "What the average fee of each scheme pays for, as shares of the whole; the number "
    "above each bar is the mean fee per included transfer. On the L1 the whole fee is "
    "the transaction's own gas; a Layer 2 splits it between its own execution, the "
    "data it posts to the L1 and, depending on the scheme, proofs, disputes or opening "
    "and closing channels.",
    cost_applies, cost_render,
};
