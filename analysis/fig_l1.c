/* fig_l1.c — the L1 market over time (base fee and blob base fee; how full blocks
 * were) with demand spikes and attacks marked, and the attacks on a timeline. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/figure.h"

static bool market_applies(const struct fig_ctx *c, char *why, size_t len)
{
    if (fig_count_runs(c, "SELECT count(*) FROM l1_market WHERE run_id = ?") > 0)
        return true;
    snprintf(why, len, "The run recorded no L1 block.");
    return false;
}

/* Blocks of a world are averaged in groups of this many so a plot has at most about
 * `points` points per world (a week of 12 s slots is 50400 blocks). */
static int64_t bucket_of(const struct fig_ctx *c, const struct fig_world *w, int64_t points)
{
    sqlite3_stmt *q = fig_prepare(c, "SELECT count(*) FROM l1_market WHERE run_id = ? AND world = ?");
    sqlite3_bind_int64(q, 1, w->run_id);
    sqlite3_bind_text(q, 2, w->world, -1, SQLITE_STATIC);
    int64_t n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    return n > points ? (n + points - 1) / points : 1;
}

/* Datablock $NAMEi per world: hours, then each of the SQL expressions `cols` averaged
 * per bucket of blocks; minv/maxv (ncols each) take the extremes. Returns the largest
 * bucket used (blocks per point). */
static int64_t market_blocks(const struct fig_ctx *c, struct plot *p, const char *name,
                             const char *cols, size_t ncols, int64_t points, double *minv,
                             double *maxv)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT avg(time_h), %s FROM l1_market WHERE run_id = ? AND"
             " world = ? GROUP BY height / ? ORDER BY min(height)", cols);
    sqlite3_stmt *q = fig_prepare(c, sql);
    int64_t most = 1;
    for (size_t w = 0; w < c->nworlds; w++) {
        int64_t b = bucket_of(c, &c->worlds[w], points);
        most = b > most ? b : most;
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, c->worlds[w].run_id);
        sqlite3_bind_text(q, 2, c->worlds[w].world, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, b);
        char block[32];
        snprintf(block, sizeof block, "%s%zu", name, w);
        plot_data_begin(p, block);
        while (sqlite3_step(q) == SQLITE_ROW) {
            double row[8];
            for (size_t k = 0; k <= ncols && k < ARRAY_LEN(row); k++) {
                row[k] = sqlite3_column_double(q, (int)k);
                if (k > 0 && row[k] > maxv[k - 1])
                    maxv[k - 1] = row[k];
                if (k > 0 && row[k] < minv[k - 1])
                    minv[k - 1] = row[k];
            }
            plot_row(p, ncols + 1, row);
        }
        plot_data_end(p);
    }
    sqlite3_finalize(q);
    return most;
}

static void time_axis(const struct fig_ctx *c, struct plot *p)
{
    double h = c->duration_h > 0 ? c->duration_h : 1;
    double step = h <= 3 ? 0.5 : h <= 12 ? 1 : h <= 24 ? 2 : h <= 96 ? 12 : h <= 336 ? 24 : 168;
    plot_cmd(p, "set xrange [0:%g]\nset xtics 0,%g\nset mxtics 2\n", h, step);
}

/* plot the datablocks $NAMEi, column col, one line per world */
static void plot_worlds(const struct fig_ctx *c, struct plot *p, const char *name, int col,
                        const char *with)
{
    const char *sep = "plot ";
    for (size_t w = 0; w < c->nworlds; w++) {
        plot_cmd(p, "%s$%s%zu using 1:%d with %s lt %zu title ", sep, name, w, col, with, w + 1);
        plot_text(p, c->worlds[w].label);
        sep = ", \\\n     ";
    }
    plot_cmd(p, "\n");
}

static void prices_render(const struct fig_ctx *c, struct plot *p)
{
    double minv[2] = { INFINITY, INFINITY }, maxv[2] = { 0, 0 };
    int64_t per = market_blocks(c, p, "m", "avg(base_fee_gwei), avg(blob_base_fee_wei)", 2,
                                1500, minv, maxv);
    if (!(minv[0] > 0 && maxv[0] >= minv[0]))
        minv[0] = 1, maxv[0] = 10;
    /* a blob fee that never moved carries no information: a line says so, no panel */
    bool blob_flat = !(maxv[1] > minv[1]);
    if (blob_flat) {
        char note[160];
        if (isfinite(minv[1]))
            snprintf(note, sizeof note, "%s; the blob base fee stayed at %.0f wei per blob "
                     "gas throughout", c->subtitle, minv[1]);
        else
            snprintf(note, sizeof note, "%s", c->subtitle);
        plot_cmd(p, "set title ");
        plot_text2(p, "L1 prices over time: the base fee", note);
        plot_cmd(p, " font ',16'\n");
    } else {
        plot_cmd(p, "set multiplot layout 2,1 title ");
        plot_text2(p, "L1 prices over time: the base fee and the blob base fee", c->subtitle);
        plot_cmd(p, " font ',16'\n");
    }
    time_axis(c, p);
    plot_cmd(p, "set lmargin 14\nset rmargin 4\nset logscale y\nset format y '%%g'\n");
    /* headroom above the data for the windows' labels */
    plot_cmd(p, "set yrange [%g:%g]\n", minv[0] / 1.5, maxv[0] * 4);
    fig_ticks_125(p, 'y', minv[0] / 1.5, maxv[0] * 4);
    fig_windows(c, p, FIG_LABEL_ALL);
    char title[160];
    if (per > 1)
        snprintf(title, sizeof title, "base fee per gas (EIP-1559), mean of every %lld blocks",
                 (long long)per);
    else
        snprintf(title, sizeof title, "base fee per gas (EIP-1559)");
    if (!blob_flat) {
        plot_cmd(p, "set title ");
        plot_text(p, title);
        plot_cmd(p, " font ',13'\n");
    }
    fig_label(p, "y", "gwei per gas (log scale)");
    if (blob_flat) {
        fig_label(p, "x", "hours since the start of the run");
        plot_cmd(p, "set key top left\n");
        plot_worlds(c, p, "m", 2, "lines");
        return;
    }
    plot_cmd(p, "unset key\n");
    plot_worlds(c, p, "m", 2, "lines");

    plot_cmd(p, "set title ");
    plot_text(p, "blob base fee per blob gas (EIP-4844); its floor is 1 wei");
    /* the key here, where the blob fee usually lies flat at its floor, clear of the
     * windows' labels above; plain numbers while they are short, powers of ten beyond */
    double top = fmax(10, maxv[1] * 30);
    plot_cmd(p, " font ',13'\nset key top left\nset yrange [0.5:%g]\nset ytics autofreq\n"
                "set format y '%s'\n", top, top < 1e4 ? "%g" : "10^{%L}");
    if (top < 1e4)
        fig_ticks_125(p, 'y', 0.5, top);
    fig_windows_unlabel(p);                     /* window labels: once, on the top panel */
    fig_label(p, "x", "hours since the start of the run");
    fig_label(p, "y", "wei per blob gas (log scale)");
    plot_worlds(c, p, "m", 3, "lines");
    plot_cmd(p, "unset multiplot\n");
}

const struct figure fig_l1_prices = {
    "l1_prices", "L1 prices over time",
    "The price of L1 block space, block by block. Top: the base fee every L1 "
    "transaction pays per unit of gas. EIP-1559 raises it by up to 12.5% after every "
    "block fuller than the target (half the gas limit) and lowers it after emptier "
    "ones, so under extra demand it climbs until enough users are priced out, and "
    "falls back afterwards. Bottom: the blob base fee that rollups pay to post data "
    "(EIP-4844), which follows the same rule for blobs; when it never moved (no more "
    "blobs than the target), the title says so and the panel is left out. Orange bands are windows where "
    "demand changes (a spike, or a drop: the label gives the multiplier), red bands attacks. Each line is one simulated copy of the L1 (one "
    "per scheme, all facing the same demand), so lines that differ show what the "
    "scheme itself did to the market.",
    market_applies, prices_render,
};

/* ---- how full blocks were ---- */

static void usage_render(const struct fig_ctx *c, struct plot *p)
{
    double minv[2] = { INFINITY, INFINITY }, maxv[2] = { 0, 0 };
    int64_t per = market_blocks(c, p, "u", "100.0 * avg(gas_used_share), avg(blobs)", 2, 240,
                                minv, maxv);
    /* targets: gas from the first run (every fork preset: half the limit) */
    double gas_target = 50, blob_target = (double)NAN;
    sqlite3_stmt *q = fig_prepare(c, "SELECT gas_target_share, blob_target FROM l1_targets"
                                     " WHERE run_id = ?");
    sqlite3_bind_int64(q, 1, c->runs[0]);
    if (sqlite3_step(q) == SQLITE_ROW) {
        gas_target = 100 * sqlite3_column_double(q, 0);
        if (sqlite3_column_type(q, 1) != SQLITE_NULL)
            blob_target = sqlite3_column_double(q, 1);
    }
    sqlite3_finalize(q);

    /* blocks that never held a blob: a line says so, no blob panel */
    bool no_blobs = !(maxv[1] > 0);
    char title[160], sub[300];
    snprintf(title, sizeof title, "How full L1 blocks were (means over %lld blocks)",
             (long long)per);
    snprintf(sub, sizeof sub, "%s%s", c->subtitle, no_blobs ? "; no block held a blob" : "");
    plot_cmd(p, no_blobs ? "set title " : "set multiplot layout 2,1 title ");
    plot_text2(p, per > 1 ? title : "How full L1 blocks were", sub);
    plot_cmd(p, " font ',16'\n");
    time_axis(c, p);
    plot_cmd(p, "set lmargin 14\nset rmargin 4\n");
    fig_windows(c, p, FIG_LABEL_ALL);
    if (!no_blobs) {
        plot_cmd(p, "set title ");
        plot_text(p, "gas used, % of the block gas limit (dashed: the EIP-1559 target)");
        plot_cmd(p, " font ',13'\n");
    }
    plot_cmd(p, "set yrange [0:105]\nset ytics 0,25,100\n");
    plot_cmd(p, "set arrow 1 from graph 0, first %g to graph 1, first %g nohead dt 2 lw 1.5"
                " lc rgb '#444444' front\n", gas_target, gas_target);
    fig_label(p, "y", no_blobs ? "gas used, % of the limit (dashed: the EIP-1559 target)"
                               : "% of the gas limit");
    plot_cmd(p, "set key bottom left\n");
    if (no_blobs) {
        fig_label(p, "x", "hours since the start of the run");
        plot_worlds(c, p, "u", 2, "lines");
        return;
    }
    plot_worlds(c, p, "u", 2, "lines");

    fig_windows_unlabel(p);
    plot_cmd(p, "unset arrow 1\nunset key\nset title ");
    plot_text(p, isfinite(blob_target) ? "blobs per block (dashed: the blob target)"
                                       : "blobs per block");
    plot_cmd(p, " font ',13'\nset yrange [0:%g]\nset ytics autofreq\n",
             ceil(fmax(fmax(maxv[1], isfinite(blob_target) ? blob_target : 0), 1) * 1.15));
    if (isfinite(blob_target))
        plot_cmd(p, "set arrow 2 from graph 0, first %g to graph 1, first %g nohead dt 2"
                    " lw 1.5 lc rgb '#444444' front\n", blob_target, blob_target);
    fig_label(p, "x", "hours since the start of the run");
    fig_label(p, "y", "blobs");
    plot_worlds(c, p, "u", 3, "lines");
    plot_cmd(p, "unset multiplot\n");
}

const struct figure fig_l1_usage = {
    "l1_usage", "How full L1 blocks were",
    "Top: gas used as a share of each block's limit. The base fee rises while blocks "
    "are fuller than the dashed target and falls while they are emptier, so blocks "
    "hover around the target once the base fee has found its clearing level; a long "
    "stretch of full blocks means the market is still catching up with demand (or an "
    "attacker is filling them). Bottom: blobs per block, the data rollups post.",
    market_applies, usage_render,
};

/* ---- attacks on a timeline ---- */

static bool attacks_applies(const struct fig_ctx *c, char *why, size_t len)
{
    if (fig_count_runs(c, "SELECT count(*) FROM fraud_outcomes WHERE run_id = ?") > 0)
        return true;
    snprintf(why, len, "The scenario has no adversaries (add some under adversaries:, "
             "see `l2sim list`).");
    return false;
}

static void attacks_render(const struct fig_ctx *c, struct plot *p)
{
    sqlite3_stmt *q = fig_prepare(c,
        "SELECT adversary, type, world, start_h, end_h, detect_h, resolved_h, cost_eth,"
        " value_at_risk_eth, value_lost_eth, blocks_affected, txs_affected, outcome"
        " FROM fraud_outcomes WHERE run_id = ? ORDER BY start_h, adversary, world");
    enum { MAXA = 40 };
    char names[MAXA][192];
    size_t n = 0;
    bool any_detected = false, any_resolved = false;
    plot_data_begin(p, "a");
    struct { double y; char text[256]; } labels[MAXA];
    for (size_t r = 0; r < c->nruns && n < MAXA; r++) {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, c->runs[r]);
        while (sqlite3_step(q) == SQLITE_ROW && n < MAXA) {
            const char *adv = (const char *)sqlite3_column_text(q, 0);
            const char *world = (const char *)sqlite3_column_text(q, 2);
            double a = sqlite3_column_double(q, 3), b = sqlite3_column_double(q, 4);
            if (c->nruns > 1)
                snprintf(names[n], sizeof names[n], "run %lld: %s on %s",
                         (long long)c->runs[r], adv, world);
            else
                snprintf(names[n], sizeof names[n], "%s on %s", adv, world);
            double y = (double)n;
            double det = sqlite3_column_type(q, 5) == SQLITE_NULL ? (double)NAN : sqlite3_column_double(q, 5);
            double res = sqlite3_column_type(q, 6) == SQLITE_NULL ? (double)NAN : sqlite3_column_double(q, 6);
            double row[5] = { y, a, fmin(b, c->duration_h), det, res };
            any_detected |= isfinite(det);
            any_resolved |= isfinite(res);
            plot_row(p, 5, row);
            char spent[48], risk[48], lost[48];
            fig_fmt_eth(sqlite3_column_double(q, 7), spent, sizeof spent);
            fig_fmt_eth(sqlite3_column_double(q, 8), risk, sizeof risk);
            fig_fmt_eth(sqlite3_column_double(q, 9), lost, sizeof lost);
            labels[n].y = y;
            snprintf(labels[n].text, sizeof labels[n].text,
                     "%s: attacker spent %s, %lld blocks affected; at risk %s, lost %s",
                     (const char *)sqlite3_column_text(q, 12), spent,
                     (long long)sqlite3_column_int64(q, 10), risk, lost);
            n++;
        }
    }
    plot_data_end(p);
    sqlite3_finalize(q);

    fig_title(c, p, "Attacks on a timeline: when they ran, were detected and resolved");
    time_axis(c, p);
    fig_windows(c, p, FIG_LABEL_DEMAND);
    fig_label(p, "x", "hours since the start of the run");
    /* the first attack on top (a reversed range); rows keep their height however few
     * there are; the text sits above each bar */
    plot_cmd(p, "set yrange [%f:%f]\nset ytics noenhanced (", (double)(n > 3 ? n : 3) - 0.4,
             -1.0);
    for (size_t i = 0; i < n; i++) {
        plot_quoted(p, names[i]);
        plot_cmd(p, " %zu%s", i, i + 1 < n ? ", " : ")\n");
    }
    plot_cmd(p, "set grid noytics\nset lmargin 26\nset key bottom right\n");
    for (size_t i = 0; i < n; i++) {
        plot_cmd(p, "set label %zu ", i + 1);
        plot_text(p, labels[i].text);
        plot_cmd(p, " at graph 0.01, first %f left front font ',11'\n", labels[i].y - 0.38);
    }
    plot_cmd(p, "set style fill solid 0.8 noborder\n"
                "plot $a using (($2+$3)/2):1:(($3-$2)/2):(0.15) with boxxyerror lt 2"
                " title 'attack running',"
                /* a diamond at the start: a five-minute attack in a week is a hairline */
                " $a using 2:1 with points pt 13 ps 2.2 lt 2 title 'attack starts'");
    if (any_detected)
        plot_cmd(p, ", $a using 4:1 with points pt 9 ps 2.5 lt 3 title 'detected'");
    if (any_resolved)
        plot_cmd(p, ", $a using 5:1 with points pt 7 ps 2 lt 1 title 'resolved'");
    plot_cmd(p, "\n");
}

const struct figure fig_attacks = {
    "attacks", "Attacks on a timeline",
    "One row per attack and L1 world it acted in. The bar spans the attack's window; a "
    "triangle marks when it was detected and a dot when it was resolved (a dispute "
    "won, a penalty paid). The text gives the outcome: what the attacker spent, how "
    "many blocks it touched, and the value that was at risk and lost. Block stuffing "
    "and censorship put no funds at risk directly; they cost users time and fees, "
    "which the price and latency figures show.",
    attacks_applies, attacks_render,
};
