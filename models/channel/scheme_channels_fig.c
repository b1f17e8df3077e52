/* scheme_channels_fig.c — the report's figures for the scheme `channels`, read through
 * its views (scheme_channels_decl.c): what a transfer costs against the L1 baseline
 * with the channels' L1 costs amortized, payments' success over time and route
 * lengths, each unilateral close's dispute period against when it ended, and what
 * the attacks on the channels achieved. */
#include <stdio.h>
#include <string.h>

#include "analysis/figure.h"
#include "models/channel/scheme_channels.h"

/* set xtics ("label 0" 0, "label 1" 1, ...): one tic under each bar of a histogram; the
 * n labels are strings `stride` bytes apart from `first` (rows of a char array) */
static void xtics_labels(struct plot *p, const char *first, size_t stride, size_t n)
{
    plot_cmd(p, "set xtics (");
    for (size_t i = 0; i < n; i++) {
        plot_cmd(p, "%s", i ? ", " : "");
        plot_quoted(p, first + i * stride);
        plot_cmd(p, " %zu", i);
    }
    plot_cmd(p, ")\n");
}

static bool view_has_rows(const struct fig_ctx *c, const char *view, char *why, size_t len,
                          const char *none)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND"
                              " name = '%s'", view);
    sqlite3_stmt *q = fig_prepare(c, sql);
    bool has = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) > 0;
    sqlite3_finalize(q);
    if (has) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE run_id = ?", view);
        if (fig_count_runs(c, sql) > 0)
            return true;
    }
    snprintf(why, len, "%s", none);
    return false;
}

/* ---- fee per transfer: channels (routing + opens + closes, amortized) vs L1 ---- */

static bool fees_applies(const struct fig_ctx *c, char *why, size_t len)
{
    return view_has_rows(c, "channel_costs", why, len, "No payment-channel scheme in the runs.");
}

static void fees_render(const struct fig_ctx *c, struct plot *p)
{
    sqlite3_stmt *qc = fig_prepare(c, "SELECT transfers, routing_fees_eth, open_fees_eth,"
                                      " close_fees_eth FROM channel_costs WHERE run_id = ?"
                                      " AND scheme = ?");
    sqlite3_stmt *ql = fig_prepare(c, "SELECT avg(fee_eth) FROM transfer_outcomes WHERE"
                                      " run_id = ? AND scheme = ? AND inclusion_s IS NOT NULL");
    plot_data_begin(p, "fees");
    size_t nbars = 0;
    char labels[64][192];
    for (size_t i = 0; i < c->nseries && nbars < 64; i++) {
        const struct fig_series *s = &c->series[i];
        double row[4] = { 0, 0, 0, 0 };
        if (strcmp(s->type, "channels") == 0) {
            fig_bind_series(qc, s);
            if (sqlite3_step(qc) != SQLITE_ROW || sqlite3_column_double(qc, 0) <= 0)
                continue;
            double n = sqlite3_column_double(qc, 0);
            for (int k = 0; k < 3; k++)
                row[k + 1] = sqlite3_column_double(qc, k + 1) / n * 1e6;
        } else if (strcmp(s->type, "l1") == 0) {
            fig_bind_series(ql, s);
            if (sqlite3_step(ql) != SQLITE_ROW || sqlite3_column_type(ql, 0) == SQLITE_NULL)
                continue;
            row[0] = sqlite3_column_double(ql, 0) * 1e6;
        } else {
            continue;
        }
        plot_row(p, 4, row);
        snprintf(labels[nbars++], sizeof labels[0], "%s", s->label);
    }
    plot_data_end(p);
    sqlite3_finalize(qc);
    sqlite3_finalize(ql);
    fig_title(c, p, "Fee per transfer: every transfer on L1, or over channels with their L1 "
                    "opens and closes spread over the transfers");
    plot_cmd(p, "set style data histograms\nset style histogram rowstacked\n"
                "set style fill solid 0.8 border -1\nset boxwidth 0.6\n"
                "set key top right\nset yrange [0:*]\n");
    xtics_labels(p, labels[0], sizeof labels[0], nbars);
    fig_label(p, "y", "mean fee per transfer (micro-ETH)");
    plot_cmd(p, "plot $fees using 1 title 'L1 fee (the L1 baseline)' lc rgb '#888888', "
                "'' using 2 title 'routing fees' lc rgb '#1b9e77', "
                "'' using 3 title 'channel opens (L1)' lc rgb '#d95f02', "
                "'' using 4 title 'channel closes (L1)' lc rgb '#7570b3'\n");
}

static const struct figure fig_channel_fees = {
    "channel_fees", "Payment channels: fee per transfer against the L1 baseline",
    "Each bar is one scheme's mean cost per transfer. The L1 baseline pays an L1 fee for "
    "every transfer; a channel user pays routing fees to the hubs per payment, and once "
    "for opening and once for closing its channel on L1: those L1 fees are spread here "
    "over all the scheme's transfers (closes include unilateral closes and penalties).",
    fees_applies, fees_render,
};

/* ---- success over time, route lengths ---- */

static bool success_applies(const struct fig_ctx *c, char *why, size_t len)
{
    return view_has_rows(c, "channel_payment_outcomes", why, len,
                         "No payment was routed over channels in the runs.");
}

static void success_render(const struct fig_ctx *c, struct plot *p)
{
    double bin = c->duration_h / 24;
    if (bin <= 0)
        bin = 1;
    sqlite3_stmt *qs = fig_prepare(c, "SELECT CAST(submit_h / ?3 AS INTEGER), avg(succeeded),"
                                      " count(*) FROM channel_payment_outcomes WHERE run_id = ?1"
                                      " AND scheme = ?2 GROUP BY 1 ORDER BY 1");
    sqlite3_stmt *qh = fig_prepare(c, "SELECT hops, count(*) FROM channel_payment_outcomes"
                                      " WHERE run_id = ? AND scheme = ? AND succeeded"
                                      " GROUP BY 1 ORDER BY 1");
    size_t n = c->nseries < 32 ? c->nseries : 32;
    bool has[32] = { false };
    for (size_t i = 0; i < n; i++) {
        const struct fig_series *s = &c->series[i];
        if (strcmp(s->type, "channels") != 0)
            continue;
        char name[16];
        snprintf(name, sizeof name, "s%zu", i);
        fig_bind_series(qs, s);
        sqlite3_bind_double(qs, 3, bin);
        plot_data_begin(p, name);
        while (sqlite3_step(qs) == SQLITE_ROW) {
            double row[2] = { (sqlite3_column_double(qs, 0) + 0.5) * bin,
                              100 * sqlite3_column_double(qs, 1) };
            plot_row(p, 2, row);
            has[i] = true;
        }
        plot_data_end(p);
        snprintf(name, sizeof name, "h%zu", i);
        fig_bind_series(qh, s);
        plot_data_begin(p, name);
        while (sqlite3_step(qh) == SQLITE_ROW) {
            double row[2] = { sqlite3_column_double(qh, 0), sqlite3_column_double(qh, 1) };
            plot_row(p, 2, row);
        }
        plot_data_end(p);
    }
    sqlite3_finalize(qs);
    sqlite3_finalize(qh);
    plot_cmd(p, "set multiplot layout 1,2 title ");
    plot_text2(p, "Payment channels: payments that succeeded, and their routes", c->subtitle);
    plot_cmd(p, " font ',16'\nset title ");
    plot_text(p, "payments that succeeded, by submission time");
    plot_cmd(p, " font ',13'\nset yrange [0:105]\nset key bottom left\n");
    fig_label(p, "x", "hours since the start");
    fig_label(p, "y", "% of payments that succeeded");
    const char *sep = "plot ";
    for (size_t i = 0; i < n; i++) {
        if (!has[i])
            continue;
        plot_cmd(p, "%s$s%zu using 1:2 with linespoints lt %zu title ", sep, i, i + 1);
        plot_text(p, c->series[i].label);
        sep = ", \\\n     ";
    }
    plot_cmd(p, "%s\n", sep[0] == 'p' ? "plot NaN notitle" : "");
    plot_cmd(p, "set title ");
    plot_text(p, "route length of successful payments");
    plot_cmd(p, " font ',13'\nset yrange [0:*]\nset key top right\nset boxwidth 0.8 relative\n"
                "set style fill solid 0.6\nset xtics 1\n");
    fig_label(p, "x", "hops (channels on the route)");
    fig_label(p, "y", "payments");
    sep = "plot ";
    for (size_t i = 0; i < n; i++) {
        if (!has[i])
            continue;
        plot_cmd(p, "%s$h%zu using 1:2 with boxes lt %zu title ", sep, i, i + 1);
        plot_text(p, c->series[i].label);
        sep = ", \\\n     ";
    }
    plot_cmd(p, "%s\nunset multiplot\n", sep[0] == 'p' ? "plot NaN notitle" : "");
}

static const struct figure fig_channel_success = {
    "channel_success", "Payment channels: success over time and route lengths",
    "Left: the share of payments that reached their recipient, in 24 slices of the run; "
    "it falls when channels run out of liquidity on one side or close. Right: how many "
    "channels the successful payments crossed (user, hub, hub, user is 3).",
    success_applies, success_render,
};

/* ---- disputes: each unilateral close's period and when it ended ---- */

static bool disputes_applies(const struct fig_ctx *c, char *why, size_t len)
{
    return view_has_rows(c, "channel_disputes", why, len,
                         "No channel was closed unilaterally (no state posted on L1).");
}

static void disputes_render(const struct fig_ctx *c, struct plot *p)
{
    sqlite3_stmt *q = fig_prepare(c, "SELECT posted_h, deadline_h, closed_h, close_kind, channel"
                                     " FROM channel_disputes WHERE run_id = ? AND scheme = ?"
                                     " ORDER BY posted_h, channel");
    static const char *const kinds[] = { "penalty", "unilateral", "update" };
    int y = 0;
    static char tic[128][160];          /* row labels, quoted when written */
    int ntic = 0;
    for (int k = 0; k < 4; k++) {
        char name[16];
        snprintf(name, sizeof name, "d%d", k);
        plot_data_begin(p, name);
        y = 0;
        for (size_t i = 0; i < c->nseries; i++) {
            const struct fig_series *s = &c->series[i];
            if (strcmp(s->type, "channels") != 0)
                continue;
            fig_bind_series(q, s);
            while (sqlite3_step(q) == SQLITE_ROW) {
                y++;
                const char *kind = (const char *)sqlite3_column_text(q, 3);
                bool closed = sqlite3_column_type(q, 2) != SQLITE_NULL;
                if (k == 0) {       /* the period: post to deadline */
                    double row[3] = { sqlite3_column_double(q, 0), sqlite3_column_double(q, 1),
                                      y };
                    plot_row(p, 3, row);
                    if (ntic < 128)
                        snprintf(tic[ntic++], sizeof tic[0], "%s ch %d", s->scheme,
                                 sqlite3_column_int(q, 4));
                } else if (closed && kind && strcmp(kind, kinds[k - 1]) == 0) {
                    double row[2] = { sqlite3_column_double(q, 2), y };
                    plot_row(p, 2, row);
                }
            }
        }
        plot_data_end(p);
    }
    sqlite3_finalize(q);
    fig_title(c, p, "Unilateral closes: the dispute period (bar) and when the channel paid out");
    fig_windows(c, p, FIG_LABEL_ATTACKS);
    fig_label(p, "x", "hours since the start");
    plot_cmd(p, "set yrange [0.5:%d.5]\nset offsets graph 0.05, graph 0.05, 0, 0\n"
                "set key outside bottom center horizontal\n", y);
    /* the labels are scheme names and channel numbers: through the plot_text quoting */
    plot_cmd(p, "set ytics noenhanced (");     /* scheme names keep their '_' */
    for (int k = 0; k < ntic; k++) {
        plot_cmd(p, "%s", k ? ", " : "");
        plot_quoted(p, tic[k]);
        plot_cmd(p, " %d", k + 1);
    }
    plot_cmd(p, ")\n");
    plot_cmd(p, "plot $d0 using 1:3:($2-$1):(0) with vectors nohead lw 8 lc rgb '#bbbbbb' "
                "title 'dispute period', "
                "$d1 using 1:2 with points pt 7 ps 2 lc rgb '#1b9e77' "
                "title 'penalty in time: the cheater lost all', "
                "$d2 using 1:2 with points pt 5 ps 2 lc rgb '#d95f02' "
                "title 'paid as posted after the period', "
                "$d3 using 1:2 with points pt 9 ps 2 lc rgb '#7570b3' "
                "title 'penalty off: replaced by the newer state, paid as signed'\n");
}

static const struct figure fig_channel_disputes = {
    "channel_disputes", "Payment channels: disputes against their deadline",
    "Each row is a channel whose state was posted on L1 to close it unilaterally. The "
    "grey bar is the dispute period (to_self_delay) from the post's block: a "
    "revoked state answered with the penalty inside it (green) costs the cheater its "
    "balance; a state that stands until the period ends (orange) is paid as posted: "
    "a revoked one that got through is a successful cheat (see the attacks table). "
    "With the penalty off (penalty: false), a newer state answers a revoked one "
    "(purple): its inclusion starts a period of its own (the bar runs to its end) and "
    "it is paid as signed, the cheater losing only its fees.",
    disputes_applies, disputes_render,
};

/* ---- attacks on the channels: cheats by outcome; jamming and griefing ---- */

static bool attacks_applies(const struct fig_ctx *c, char *why, size_t len)
{
    return view_has_rows(c, "channel_attacks", why, len,
                         "No adversary attacked a channels scheme in the runs.");
}

/* A cheat's outcome (channel_attacks.outcome) in the figure's five kinds. */
static int cheat_kind(const char *outcome)
{
    static const char *const kinds[] = { "penalized", "replaced by the newer state",
                                         "succeeded", "unilateral close" };
    for (int k = 0; k < 4; k++)
        if (outcome && strcmp(outcome, kinds[k]) == 0)
            return k;
    return 4;                           /* nothing posted, or not resolved in the run */
}

static void attacks_render(const struct fig_ctx *c, struct plot *p)
{
    sqlite3_stmt *qc = fig_prepare(c, "SELECT outcome, value_lost_eth FROM channel_attacks"
                                      " WHERE run_id = ? AND scheme = ? AND"
                                      " type = 'revoked_state'");
    sqlite3_stmt *qj = fig_prepare(c, "SELECT adversary, failed_before, failed_during"
                                      " FROM channel_attacks WHERE run_id = ? AND scheme = ?"
                                      " AND type IN ('channel_jamming', 'htlc_griefing')"
                                      " ORDER BY start_h, adversary");
    static char cheat_tic[64][240], jam_tic[64][400];
    size_t ncheat = 0, njam = 0;
    double most = 0;                    /* the tallest stack of cheats */
    plot_data_begin(p, "cheats");
    for (size_t i = 0; i < c->nseries && ncheat < 64; i++) {
        const struct fig_series *s = &c->series[i];
        if (strcmp(s->type, "channels") != 0)
            continue;
        fig_bind_series(qc, s);
        double row[6] = { 0, 0, 0, 0, 0, 0 };
        int n = 0;
        while (sqlite3_step(qc) == SQLITE_ROW) {
            row[cheat_kind((const char *)sqlite3_column_text(qc, 0))]++;
            row[5] += sqlite3_column_double(qc, 1);
            n++;
        }
        if (n == 0)
            continue;
        if (n > most)
            most = n;
        plot_row(p, 6, row);
        snprintf(cheat_tic[ncheat++], sizeof cheat_tic[0], "%s (%.3g ETH lost)", s->label,
                 row[5]);
    }
    plot_data_end(p);
    plot_data_begin(p, "jams");
    for (size_t i = 0; i < c->nseries && njam < 64; i++) {
        const struct fig_series *s = &c->series[i];
        if (strcmp(s->type, "channels") != 0)
            continue;
        fig_bind_series(qj, s);
        while (njam < 64 && sqlite3_step(qj) == SQLITE_ROW) {
            double row[2] = { 100 * sqlite3_column_double(qj, 1),
                              100 * sqlite3_column_double(qj, 2) };
            plot_row(p, 2, row);
            snprintf(jam_tic[njam++], sizeof jam_tic[0], "%s: %s", s->label,
                     (const char *)sqlite3_column_text(qj, 0));
        }
    }
    plot_data_end(p);
    sqlite3_finalize(qc);
    sqlite3_finalize(qj);
    bool both = ncheat > 0 && njam > 0;
    if (both) {
        plot_cmd(p, "set multiplot layout 1,2 title ");
        plot_text2(p, "Payment channels: what the attacks achieved", c->subtitle);
        plot_cmd(p, " font ',16'\n");
    }
    plot_cmd(p, "set style fill solid 0.8 border -1\nset boxwidth 0.6\nset yrange [0:*]\n"
                "set xtics noenhanced rotate by -20\n");
    if (ncheat > 0) {
        if (both) {
            plot_cmd(p, "set title ");
            plot_text(p, "revoked states posted, by outcome");
            plot_cmd(p, " font ',13'\n");
        } else {
            fig_title(c, p, "Payment channels: revoked states posted, by outcome");
        }
        plot_cmd(p, "set style data histograms\nset style histogram rowstacked\n"
                    "set key top right\nset yrange [0:%g]\n%s", most * 1.35 + 1,
                 most <= 12 ? "set ytics 1\n" : "");
        xtics_labels(p, cheat_tic[0], sizeof cheat_tic[0], ncheat);
        fig_label(p, "y", "cheats (one per victim)");
        plot_cmd(p, "plot $cheats using 1 title 'penalized: the cheater lost all' "
                    "lc rgb '#1b9e77' dt solid, "
                    "'' using 2 title 'replaced by the newer state (penalty off)' "
                    "lc rgb '#7570b3' dt solid, "
                    "'' using 3 title 'succeeded: the victim robbed' lc rgb '#d95f02' dt solid, "
                    "'' using 4 title 'latest state posted (honest close)' lc rgb '#999999' dt solid, "
                    "'' using 5 title 'nothing posted or unresolved' lc rgb '#dddddd' dt solid\n");
    }
    if (njam > 0) {
        if (both) {
            plot_cmd(p, "set title ");
            plot_text(p, "payments failed in the attack's window and before it");
            plot_cmd(p, " font ',13'\n");
        } else {
            fig_title(c, p, "Payment channels: payments failed in the attack's window and "
                            "before it");
        }
        plot_cmd(p, "set style data histograms\nset style histogram clustered gap 1\n"
                    "set key top left\nset yrange [0:105]\n");
        xtics_labels(p, jam_tic[0], sizeof jam_tic[0], njam);
        fig_label(p, "y", "% of payments that failed");
        /* clustered, two boxes a cluster with a gap of one: centres at x -/+ 1/6 */
        plot_cmd(p, "set ytics autofreq\n"
                    "plot $jams using 1 title 'as long before' lc rgb '#999999' dt solid, "
                    "'' using 2 title 'during the attack' lc rgb '#d95f02' dt solid, "
                    "'' using ($0 - 1.0/6):1:(sprintf('%%.1f%%%%', $1)) with labels "
                    "offset 0,0.8 notitle, "
                    "'' using ($0 + 1.0/6):2:(sprintf('%%.1f%%%%', $2)) with labels "
                    "offset 0,0.8 notitle\n");
    }
    if (both)
        plot_cmd(p, "unset multiplot\n");
}

static const struct figure fig_channel_attacks = {
    "channel_attacks", "Payment channels: what the attacks achieved",
    "Revoked states (adversary revoked_state): each bar is one channels scheme, its "
    "cheats stacked by outcome; a victim is robbed when its answer (penalty, or the newer "
    "state with the penalty off) did not get in before the dispute period ended, and the "
    "ETH it lost is in the label. Jamming and HTLC griefing (channel_jamming, "
    "htlc_griefing): for each attack, the share of the scheme's payments that failed "
    "while it ran, beside the same share over an equally long stretch just before.",
    attacks_applies, attacks_render,
};

static const struct figure *const figures[] = {
    &fig_channel_fees, &fig_channel_success, &fig_channel_disputes, &fig_channel_attacks,
};

/* The report's "schemes of type channels" table: statistics from `metrics`. */
static const struct summary_row rows[] = {
    { "payments that succeeded", "payment_success_mean", 100, 2, "%" },
    { "attempts per payment, mean", "payment_attempts_mean", 1, 3, "" },
    { "hops per successful payment, mean", "route_hops_mean", 1, 2, "" },
    { "routing fee per payment, mean", "routing_fee_mean_eth", 1, 9, "ETH" },
    { "channels funded on L1", "channel_opens", 1, 0, "" },
    { "L1 fees of the channel opens", "channel_open_fees_eth", 1, 6, "ETH" },
    { "channels closed on L1", "channel_closes", 1, 0, "" },
    { "L1 fees of the channel closes", "channel_close_fees_eth", 1, 6, "ETH" },
    { "fee per transfer, opens and closes amortized", "fee_per_transfer_amortized_eth", 1, 9,
      "ETH" },
};

const struct scheme_report scheme_channels_report = {
    .figures = figures, .nfigures = ARRAY_LEN(figures),
    .rows = rows, .nrows = ARRAY_LEN(rows),
};
