/* fig_fees.c — what a transfer costs: the fee distribution per scheme, the saving
 * against the L1 baseline as a ratio, and what the fee pays for (cost breakdown). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/costs.h"
#include "analysis/figure.h"
#include "models/model.h"

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

/* Label number lab: a ratio against the L1 in words, in two lines ("453x" over
 * "cheaper"): bars side by side are narrower than the words. The caller adds where. */
static void ratio_label(struct plot *p, int lab, double ratio)
{
    char words[48];
    fig_ratio_words(ratio, words, sizeof words);
    char *space = strchr(words, ' ');
    plot_cmd(p, "set label %d ", lab);
    if (space) {
        *space = '\0';
        plot_text2(p, words, space + 1);
    } else {
        plot_text(p, words);
    }
}

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
        "SELECT v.fee_done_ratio, v.fee_p50_ratio, c.all_in_cost_ratio_to_l1, r.is_baseline,"
        " v.dropped_share"
        " FROM run_schemes r LEFT JOIN savings_vs_l1 v"
        "   ON v.run_id = r.run_id AND v.scheme = r.scheme"
        " LEFT JOIN transfer_costs c"
        "   ON c.run_id = r.run_id AND c.scheme = r.scheme AND c.phase = 'all'"
        " WHERE r.run_id = ? AND r.scheme = ?");
    double lo = 1, hi = 1;
    size_t n = c->nseries < 64 ? c->nseries : 64;
    enum { NB = 3 };           /* fees on the same transfers, median fee, all-in cost */
    double ratio[64][NB], dropped[64];
    bool base[64];
    /* bars grow from the baseline's 1 down (cheaper) or up (dearer): x, then for each
     * bar: the ratio, and the bar's low and high ends */
    plot_data_begin(p, "bars");
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, c->series[i].run_id);
        sqlite3_bind_text(q, 2, c->series[i].scheme, -1, SQLITE_STATIC);
        ratio[i][0] = ratio[i][1] = ratio[i][2] = (double)NAN;
        base[i] = false;
        if (sqlite3_step(q) == SQLITE_ROW) {
            for (int k = 0; k < NB; k++)
                if (sqlite3_column_type(q, k) != SQLITE_NULL && sqlite3_column_double(q, k) > 0)
                    ratio[i][k] = sqlite3_column_double(q, k);
            base[i] = sqlite3_column_int(q, 3) != 0;
        }
        dropped[i] = sqlite3_column_type(q, 4) == SQLITE_NULL ? 0 : sqlite3_column_double(q, 4);
        /* where a transfer's fee carries the user's own L1 transaction (a channel open on
         * the transfer that waited for it), the median is a transfer without one and
         * says nothing of the cost: no median bar */
        const struct scheme_ops *ops = model_scheme_by_type(c->series[i].type);
        if (!base[i] && ops && ops->costs && ops->costs->txs_l1_fee_is_own_tx)
            ratio[i][1] = (double)NAN;
        double row[1 + 3 * NB] = { (double)i };
        for (int k = 0; k < NB; k++) {
            double r = ratio[i][k];
            if (isfinite(r))
                lo = fmin(lo, r), hi = fmax(hi, r);
            row[1 + 3 * k] = r;
            row[2 + 3 * k] = isfinite(r) ? fmin(r, 1) : r;
            row[3 + 3 * k] = isfinite(r) ? fmax(r, 1) : r;
        }
        plot_row(p, 1 + 3 * NB, row);
    }
    plot_data_end(p);
    sqlite3_finalize(q);

    fig_title(c, p, "Users' fees per transfer against the L1's, and the all-in cost");
    fig_label(p, "y", "against the L1 baseline (log scale)");
    plot_cmd(p, "set logscale y\nset yrange [%g:%g]\n", lo / 6, hi * 4);
    fig_ticks_125(p, 'y', lo / 6, hi * 4);
    /* the two-line tic labels and, under them, the key's three lines */
    plot_cmd(p, "set bmargin 8\n");
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
        for (int k = 0; k < NB; k++) {
            if (!isfinite(ratio[i][k]))
                continue;
            ratio_label(p, lab++, ratio[i][k]);
            plot_cmd(p, " at first %f, first %g center offset 0,%s font ',9'\n",
                     (double)i + 0.26 * (k - 1), ratio[i][k], ratio[i][k] < 1 ? "-1.3" : "1.3");
        }
    }
    plot_cmd(p, "set key outside below center vertical\nset style fill solid 0.85 noborder\n"
                "plot $bars using ($1-0.26):2:($1-0.38):($1-0.14):3:4 with boxxyerror lt 1"
                " title 'fees / baseline fees, on the transfers both got done',"
                " $bars using ($1):5:($1-0.12):($1+0.12):6:7 with boxxyerror lt 6"
                " title 'median fee / baseline median fee (included transfers)',"
                " $bars using ($1+0.26):8:($1+0.14):($1+0.38):9:10 with boxxyerror lt 7"
                " title 'all-in cost per transfer / the baseline (every L1 transaction"
                " for the scheme + off-chain)'\n");
}

const struct figure fig_savings = {
    "savings", "Savings against the L1 baseline",
    "Each scheme's fees divided by the L1 baseline's, and its all-in cost. The left bar "
    "compares the fees users paid the scheme, like with like: the total fee of the "
    "transfers both the scheme and the baseline got done (every scheme sees the same "
    "transfers), so dropping expensive transfers does not read as a saving; the share "
    "each scheme dropped is under its name. The middle bar is the median fee of each "
    "one's included transfers (not drawn where a transfer's fee carries the user's own L1 "
    "transaction, as a channel's first payment carries its opening: there the median "
    "transfer paid routing fees alone). Fees alone leave out the users' own L1 transactions "
    "(deposits, withdrawals, exits, channel opens and closes) and what the operator "
    "spends beyond its fees; the right bar is the all-in cost per transfer, everything "
    "spent on the L1 for the scheme plus modeled off-chain costs (see \"What a transfer "
    "costs\" below). Bars start at the dashed line (1, the baseline) and reach down "
    "when the scheme is cheaper, up when it is dearer; a bar down to 0.01 means a "
    "hundredth of an L1 transfer (100x cheaper). The baseline is the first scheme of "
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

/* ---- what a transfer costs, all in (view transfer_costs, analysis/costs.c) ---- */

static bool transfer_costs_applies(const struct fig_ctx *c, char *why, size_t len)
{
    if (fig_count_runs(c, "SELECT count(*) FROM transfer_costs WHERE run_id = ?"
                          " AND phase = 'all' AND all_in_cost_per_transfer_eth > 0") > 0)
        return true;
    snprintf(why, len, "No scheme got a transfer included, so nothing has a cost per "
             "transfer.");
    return false;
}

static void transfer_costs_render(const struct fig_ctx *c, struct plot *p)
{
    enum { NB = 4 };
    static const char *const titles[NB] = {
        "users' fees to the scheme", "users' own L1 transactions (deposits, withdrawals,"
        " exits, channel opens/closes)", "operator's cost (its L1 transactions +"
        " off-chain)", "all-in cost (every L1 transaction for the scheme + off-chain)",
    };
    sqlite3_stmt *q = fig_prepare(c,
        "SELECT users_fees_per_transfer_eth, users_l1_per_transfer_eth,"
        " operator_cost_per_transfer_eth, all_in_cost_per_transfer_eth"
        " FROM transfer_costs WHERE run_id = ? AND scheme = ? AND phase = 'all'");
    size_t n = c->nseries < 64 ? c->nseries : 64;
    double v[64][NB];
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < n; i++) {
        fig_bind_series(q, &c->series[i]);
        bool row = sqlite3_step(q) == SQLITE_ROW;
        for (int k = 0; k < NB; k++) {
            v[i][k] = row && sqlite3_column_type(q, k) != SQLITE_NULL
                    ? sqlite3_column_double(q, k) : (double)NAN;
            if (v[i][k] > 0)
                lo = fmin(lo, v[i][k]), hi = fmax(hi, v[i][k]);
        }
    }
    sqlite3_finalize(q);
    if (!(lo > 0))
        lo = hi = 1e-6;
    double bottom = pow(10, floor(log10(lo / 2)));
    /* one datablock per bar kind: x, the value, the box's left and right edges (a
     * nothing is drawn as no box: log axes have no zero) */
    static const double dx[NB] = { -0.3, -0.1, 0.1, 0.3 };
    for (int k = 0; k < NB; k++) {
        char name[16];
        snprintf(name, sizeof name, "b%d", k);
        plot_data_begin(p, name);
        for (size_t i = 0; i < n; i++) {
            double val = v[i][k] > 0 ? v[i][k] : (double)NAN;
            double row[4] = { (double)i + dx[k], val, (double)i + dx[k] - 0.09,
                              (double)i + dx[k] + 0.09 };
            plot_row(p, 4, row);
        }
        plot_data_end(p);
    }

    fig_title(c, p, "What a transfer costs: what users pay and what it costs all in");
    fig_label(p, "y", "ETH per included transfer (log scale)");
    plot_cmd(p, "set logscale y\nset yrange [%g:%g]\n", bottom, hi * 12);
    plot_cmd(p, "set format y '10^{%%L}'\nset grid noxtics\n");
    double pad = n < 4 ? (4.0 - (double)n) / 2 : 0;
    plot_cmd(p, "set xrange [%f:%f]\nset xtics noenhanced (", -0.6 - pad, (double)n - 0.4 + pad);
    for (size_t i = 0; i < n; i++) {
        plot_quoted(p, c->series[i].label);
        plot_cmd(p, " %zu%s", i, i + 1 < n ? ", " : ")\n");
    }
    /* the L1 baseline's all-in cost, the level every bar is read against (one run) */
    int lab = 1;
    double base_cost = 0;
    for (size_t i = 0; i < n && c->nruns == 1; i++) {
        if (strcmp(c->series[i].type, "l1") != 0 || !(v[i][3] > 0))
            continue;
        base_cost = v[i][3];
        char eth[48], text[96];
        fig_fmt_eth(v[i][3], eth, sizeof eth);
        snprintf(text, sizeof text, "an L1 transfer: %s", eth);
        plot_cmd(p, "set arrow 1 from graph 0, first %g to graph 1, first %g nohead dt 2"
                    " lw 1.5 lc rgb '#444444' back\nset label %d ", v[i][3], v[i][3], lab++);
        plot_text(p, text);
        plot_cmd(p, " at graph 0.99, first %g right offset 0,0.7 font ',11' tc rgb '#444444'\n",
                 v[i][3]);
        break;
    }
    /* above the operator's and the all-in bar: against an L1 transfer, in words */
    for (size_t i = 0; i < n && base_cost > 0; i++) {
        for (int k = 2; k < NB; k++) {
            if (!(v[i][k] > 0) || strcmp(c->series[i].type, "l1") == 0)
                continue;
            ratio_label(p, lab++, v[i][k] / base_cost);
            plot_cmd(p, " at first %f, first %g center offset 0,1.2 font ',9'\n",
                     (double)i + dx[k], v[i][k]);
        }
    }
    plot_cmd(p, "set key outside below center vertical\nset style fill solid 0.85 noborder\n");
    static const int lt[NB] = { 1, 6, 3, 7 };
    const char *sep = "plot ";
    for (int k = 0; k < NB; k++) {
        plot_cmd(p, "%s$b%d using 1:2:3:4:(%g):2 with boxxyerror lt %d title ", sep, k,
                 bottom, lt[k]);
        plot_text(p, titles[k]);
        sep = ", \\\n     ";
    }
    plot_cmd(p, "\n");
}

const struct figure fig_transfer_costs = {
    "transfer_costs", "What a transfer costs, all in",
    "For each scheme, per included transfer, in ETH on a logarithmic scale (each step "
    "up is ten times dearer): the fees users paid the scheme; the users' own L1 "
    "transactions (on the L1 baseline its transfers; in a Layer 2 the deposit that "
    "brings funds in, the withdrawal or exit that takes them out, a channel's opening "
    "and closing: paid once per user, so shared over that user's transfers in this "
    "run); what the operator spends (its L1 transactions: batches, state roots, proofs, "
    "block roots, checkpoints, plus a prover's modeled cost); and the all-in cost, "
    "everything spent on the L1 for the scheme plus off-chain costs, against an L1 "
    "transfer (dashed). What users pay is the first two together; when it is below the "
    "operator's cost plus their own L1 transactions, the operator runs at a loss. A "
    "missing bar is nothing spent.",
    transfer_costs_applies, transfer_costs_render,
};
