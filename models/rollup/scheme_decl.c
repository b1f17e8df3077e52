/* scheme_decl.c — what the rollup schemes (scheme.c) declare beside their protocol
 * code: their tables and views, their metrics, their rows and section in the report,
 * and their share of a run's size. */
#include <math.h>
#include <string.h>

#include "analysis/costs.h"
#include "analysis/figure.h"
#include "analysis/report.h"
#include "analysis/metrics.h"
#include "models/rollup/rollup_int.h"
#include "models/run/estimate.h"
#include "sim/money.h"

#define ETH(col) col "_wei TEXT NOT NULL, " col "_eth REAL GENERATED ALWAYS AS (" \
                 MONEY_ETH_OF(col "_wei") ") VIRTUAL"

/* The rollups' tables (README "Rollups"). */
#define ROLLUP_TABLES \
        "CREATE TABLE IF NOT EXISTS batches (" \
        " run_id INTEGER NOT NULL, scheme TEXT NOT NULL, batch INTEGER NOT NULL," \
        " first_block INTEGER NOT NULL, last_block INTEGER NOT NULL, txs INTEGER NOT NULL," \
        " raw_bytes INTEGER NOT NULL, compressed_bytes INTEGER NOT NULL, da TEXT NOT NULL," \
        " blobs INTEGER NOT NULL, l1_tx_id INTEGER NOT NULL, created_us INTEGER NOT NULL," \
        " included_us INTEGER, l1_height INTEGER, gas INTEGER, replacements INTEGER NOT NULL," \
        " reposts INTEGER NOT NULL, status TEXT NOT NULL, " ETH("l1_fee") ", " \
        ETH("revenue_l1") ", " ETH("revenue_l2") "," \
        " PRIMARY KEY (run_id, scheme, batch));" \
        "CREATE TABLE IF NOT EXISTS claims (" \
        " run_id INTEGER NOT NULL, scheme TEXT NOT NULL, claim INTEGER NOT NULL," \
        " last_block INTEGER NOT NULL, root TEXT NOT NULL, honest INTEGER NOT NULL," \
        " " ETH("bond") ", " ETH("claim") ", l1_tx_id INTEGER NOT NULL, posted_us INTEGER," \
        " window_end_us INTEGER, status TEXT NOT NULL, " ETH("l1_fee") "," \
        " PRIMARY KEY (run_id, scheme, claim));" \
        "CREATE TABLE IF NOT EXISTS proofs (" \
        " run_id INTEGER NOT NULL, scheme TEXT NOT NULL, batch INTEGER NOT NULL," \
        " txs INTEGER NOT NULL, started_us INTEGER NOT NULL, proven_us INTEGER," \
        " verified_us INTEGER, l1_tx_id INTEGER, gas INTEGER, status TEXT NOT NULL," \
        " " ETH("prover_cost") ", " ETH("l1_fee") "," \
        " PRIMARY KEY (run_id, scheme, batch));" \
        "CREATE TABLE IF NOT EXISTS withdrawals (" \
        " run_id INTEGER NOT NULL, scheme TEXT NOT NULL, withdrawal INTEGER NOT NULL," \
        " user INTEGER NOT NULL, " ETH("amount") ", " ETH("fee") "," \
        " requested_us INTEGER NOT NULL, burned_us INTEGER, l2_block INTEGER," \
        " finalizable_us INTEGER, paid_us INTEGER, l1_tx_id INTEGER, status TEXT NOT NULL," \
        " reason TEXT, PRIMARY KEY (run_id, scheme, withdrawal))"
static const char rollup_tables[] = ROLLUP_TABLES ";" BOND_SQL_TABLES;

/* The optimistic rollup's tables and its dispute games' (models/rollup/dispute.h) in
 * one statement list: longer than the 4095 characters ISO C guarantees a literal, which
 * GCC and Clang take (-Woverlength-strings silenced for this one). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverlength-strings"
static const char oru_tables[] = ROLLUP_TABLES ";" DISPUTE_SQL_TABLES BOND_SQL_TABLES;
#pragma GCC diagnostic pop

/* Both types write the same tables; the views are declared once (optimistic_rollup's),
 * since every reader creates the views of every registered type, whichever ran. */
/* Version 2 adds the dispute games' tables, version 3 the bond accounts (bonds.h). */
static const char *const oru_upgrades[] = { DISPUTE_SQL_TABLES, BOND_SQL_TABLES };

const struct store_sql rollup_sql = {
    .version = 3,
    .tables = oru_tables,
    .upgrades = oru_upgrades,
    .views =
        /* the shared batches figure's view (analysis/fig_batches.c) */
        "DROP VIEW IF EXISTS batch_stats; CREATE VIEW batch_stats AS"
        " SELECT run_id, scheme, batch AS batch_id, created_us AS posted_us, txs AS transfers,"
        " raw_bytes, compressed_bytes, da FROM batches;"
        /* per batch: what the operator charged its transfers against what the L1 charged */
        "DROP VIEW IF EXISTS batch_costs; CREATE VIEW batch_costs AS"
        " SELECT run_id, scheme, batch, created_us, included_us, da, blobs, txs, raw_bytes,"
        " compressed_bytes, l1_fee_eth, revenue_l1_eth, revenue_l2_eth,"
        " revenue_l1_eth + revenue_l2_eth - l1_fee_eth AS margin_eth FROM batches;"
        /* the dispute timeline figure: each move against its game's start */
        "DROP VIEW IF EXISTS dispute_timeline; CREATE VIEW dispute_timeline AS"
        " SELECT m.run_id, m.scheme, m.dispute_id, m.move, m.who, m.kind, m.depth,"
        " m.sent_us - d.opened_us AS sent_rel_us, m.included_us - d.opened_us AS included_rel_us,"
        " m.clock_left_us, m.status, d.resolved_us - d.opened_us AS resolved_rel_us, d.outcome,"
        " d.winner, d.decided_by FROM dispute_moves m JOIN disputes d"
        " ON d.run_id = m.run_id AND d.scheme = m.scheme AND d.dispute_id = m.dispute_id",
};
/* Version 2 adds the bond accounts (the hybrid's proposer posts bonds). */
static const char *const zk_upgrades[] = { BOND_SQL_TABLES };
const struct store_sql rollup_zk_sql = { .version = 2, .tables = rollup_tables,
                                         .upgrades = zk_upgrades };

/* ---- cost per transfer (analysis/costs.h) ---- */

/* The operator's off-chain cost: each proof's modeled prover cost (proofs table), at
 * the time the prover started. A transfer's l1_fee is the data fee the sequencer
 * charged, paid to the operator, not an L1 transaction of the user's. */
const struct scheme_costs rollup_costs = {
    .offchain_sql = "SELECT started_us, prover_cost_eth FROM proofs"
                    " WHERE run_id = ?1 AND scheme = ?2",
    /* burned on L2, not yet paid on L1: an optimistic rollup's wait out the window */
    .owed_sql = "SELECT count(*), 'withdrawal payouts not yet made (challenge window or"
                " proof)' FROM withdrawals WHERE run_id = ?1 AND scheme = ?2"
                " AND status = 'burned'",
};

/* ---- metrics ---- */

static void sum_query(const struct metrics_scope *m, const char *sql, const char *name,
                      bool rate)
{
    sqlite3_stmt *q;
    SIM_ASSERT(sqlite3_prepare_v2(m->db, sql, -1, &q, NULL) == SQLITE_OK);
    sqlite3_bind_int64(q, 1, m->run_id);
    sqlite3_bind_text(q, 2, m->scheme, -1, SQLITE_STATIC);
    struct metrics_samples s = { 0 };
    while (sqlite3_step(q) == SQLITE_ROW)
        metrics_samples_add(&s, sqlite3_column_int64(q, 0), sqlite3_column_double(q, 1));
    sqlite3_finalize(q);
    if (rate)
        metrics_summary(m, &s, name, "", false);
    else
        metrics_total(m, &s, name);
    metrics_samples_free(&s);
}

static double one_value(const struct metrics_scope *m, const char *sql)
{
    sqlite3_stmt *q;
    SIM_ASSERT(sqlite3_prepare_v2(m->db, sql, -1, &q, NULL) == SQLITE_OK);
    sqlite3_bind_int64(q, 1, m->run_id);
    sqlite3_bind_text(q, 2, m->scheme, -1, SQLITE_STATIC);
    double v = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL
             ? sqlite3_column_double(q, 0) : 0.0 / 0.0;
    sqlite3_finalize(q);
    return v;
}

void rollup_metrics(const struct metrics_scope *m)
{
    /* The share of a fee that is the L1 data fee. (The fee per transfer against the L1
     * baseline is every scheme's users_fees_ratio_to_l1, analysis/costs.c.) */
    double data = one_value(m, "SELECT sum(l1_fee_eth) / sum(fee_eth) FROM txs WHERE"
                               " run_id = ?1 AND scheme = ?2 AND include_us IS NOT NULL");
    if (data == data)
        metrics_put(m, -1, "fee_l1_data_share", data);
    /* The operator's whole account over the run: users' fees in batches, less every L1
     * transaction it sent (batches, claims, proofs or attestations) and the prover's
     * off-chain cost. */
    double margin = one_value(m,
        "SELECT (SELECT total(revenue_l1_eth + revenue_l2_eth) - total(l1_fee_eth) FROM batches"
        "        WHERE run_id = ?1 AND scheme = ?2)"
        " - (SELECT total(l1_fee_eth) FROM claims WHERE run_id = ?1 AND scheme = ?2)"
        " - (SELECT total(l1_fee_eth) + total(prover_cost_eth) FROM proofs"
        "    WHERE run_id = ?1 AND scheme = ?2)");
    if (margin == margin)
        metrics_put(m, -1, "operator_margin_eth", margin);

    /* batches by when they were posted; costs where the L1 included them */
    sum_query(m, "SELECT created_us, 1 FROM batches WHERE run_id = ?1 AND scheme = ?2",
              "batches", false);
    sum_query(m, "SELECT created_us, blobs > 0 FROM batches WHERE run_id = ?1 AND scheme = ?2",
              "batches_blob", false);
    sum_query(m, "SELECT created_us, txs FROM batches WHERE run_id = ?1 AND scheme = ?2",
              "batched_txs", false);
    sum_query(m, "SELECT created_us, compressed_bytes FROM batches WHERE run_id = ?1 AND"
              " scheme = ?2", "batch_compressed_bytes", false);
    sum_query(m, "SELECT created_us, raw_bytes FROM batches WHERE run_id = ?1 AND scheme = ?2",
              "batch_raw_bytes", false);
    sum_query(m, "SELECT created_us, l1_fee_eth FROM batches WHERE run_id = ?1 AND scheme = ?2",
              "batch_l1_cost_eth", false);
    sum_query(m, "SELECT created_us, revenue_l1_eth + revenue_l2_eth FROM batches WHERE"
              " run_id = ?1 AND scheme = ?2", "operator_revenue_eth", false);
    sum_query(m, "SELECT created_us, revenue_l1_eth + revenue_l2_eth - l1_fee_eth FROM"
              " batches WHERE run_id = ?1 AND scheme = ?2 AND included_us IS NOT NULL",
              "batch_margin_eth", false);
    sum_query(m, "SELECT created_us, CAST(compressed_bytes AS REAL) / txs FROM batches WHERE"
              " run_id = ?1 AND scheme = ?2 AND txs > 0", "batch_bytes_per_tx", true);
    sum_query(m, "SELECT coalesce(posted_us, 0), l1_fee_eth FROM claims WHERE run_id = ?1 AND"
              " scheme = ?2", "claim_l1_cost_eth", false);
    sum_query(m, "SELECT started_us, l1_fee_eth FROM proofs WHERE run_id = ?1 AND scheme = ?2",
              "proof_l1_cost_eth", false);
    sum_query(m, "SELECT started_us, prover_cost_eth FROM proofs WHERE run_id = ?1 AND"
              " scheme = ?2", "prover_cost_eth", false);
    sum_query(m, "SELECT requested_us, 1 FROM withdrawals WHERE run_id = ?1 AND scheme = ?2",
              "withdrawals", false);
    sum_query(m, "SELECT requested_us, status = 'paid' FROM withdrawals WHERE run_id = ?1 AND"
              " scheme = ?2", "withdrawals_paid", false);
}

/* ---- report ---- */

static const struct summary_row rows[] = {
    { "final transfers per second", "throughput_tps", 1, 3, "/s" },
    { "transfers refused (the user could not pay, or the sequencer refused)", "failed", 1, 0, "" },
    { "batches posted", "batches", 1, 0, "" },
    { "... of them in blobs", "batches_blob", 1, 0, "" },
    { "users' fees per transfer / the L1 baseline's cost", "users_fees_ratio_to_l1", 1, 6, "" },
    { "share of the fee that is the L1 data fee", "fee_l1_data_share", 100, 1, "%" },
    { "compressed bytes per transfer (batch mean)", "batch_bytes_per_tx_mean", 1, 1, "B" },
    { "operator revenue (users' fees)", "operator_revenue_eth", 1, 6, "ETH" },
    { "L1 cost of batches", "batch_l1_cost_eth", 1, 6, "ETH" },
    { "margin on included batches (revenue - L1 cost)", "batch_margin_eth", 1, 6, "ETH" },
    { "L1 cost of state root claims", "claim_l1_cost_eth", 1, 6, "ETH" },
    { "operator's margin over the run (fees - L1 costs - prover)", "operator_margin_eth", 1, 6, "ETH" },
    { "L1 cost of proof verification", "proof_l1_cost_eth", 1, 6, "ETH" },
    { "off-chain prover cost", "prover_cost_eth", 1, 6, "ETH" },
    { "withdrawals requested", "withdrawals", 1, 0, "" },
    { "... paid on L1", "withdrawals_paid", 1, 0, "" },
};

/* Batches over time: each batch's compressed size (top) and what the L1 charged for
 * it (bottom), by when it was posted; open markers calldata, filled blobs. */
static bool timeline_applies(const struct fig_ctx *c, char *why, size_t len)
{
    if (fig_count_runs(c, "SELECT count(*) FROM batch_costs WHERE run_id = ?") > 0)
        return true;
    snprintf(why, len, "No rollup in the runs posted a batch.");
    return false;
}

static void timeline_render(const struct fig_ctx *c, struct plot *p)
{
    static const char *const das[] = { "calldata", "blob" };
    sqlite3_stmt *q = fig_prepare(c,
        "SELECT created_us / 3600e6, compressed_bytes / 1000.0, l1_fee_eth FROM batch_costs"
        " WHERE run_id = ? AND scheme = ? AND da = ? AND included_us IS NOT NULL"
        " ORDER BY batch");
    size_t n = c->nseries < 32 ? c->nseries : 32;
    bool has[32][2] = { { false } };
    for (size_t i = 0; i < n; i++)
        for (size_t d = 0; d < 2; d++) {
            fig_bind_series(q, &c->series[i]);
            sqlite3_bind_text(q, 3, das[d], -1, SQLITE_STATIC);
            char name[32];
            snprintf(name, sizeof name, "t%zu_%zu", i, d);
            plot_data_begin(p, name);
            while (sqlite3_step(q) == SQLITE_ROW) {
                double row[3] = { sqlite3_column_double(q, 0), sqlite3_column_double(q, 1),
                                  sqlite3_column_double(q, 2) };
                plot_row(p, 3, row);
                has[i][d] = true;
            }
            plot_data_end(p);
        }
    sqlite3_finalize(q);
    plot_cmd(p, "set multiplot layout 2,1 title ");
    plot_text2(p, "Rollup batches over time: size and L1 cost, calldata vs blobs", c->subtitle);
    plot_cmd(p, " font ',16'\n");
    for (int panel = 0; panel < 2; panel++) {
        plot_cmd(p, "set title ");
        plot_text(p, panel == 0 ? "compressed size of each batch" : "what the L1 charged for each batch");
        plot_cmd(p, " font ',13'\nset key top left\n%s", panel == 1 ? "set logscale y\n" : "");
        fig_label(p, "x", "hours since the start (when the batch was posted)");
        fig_label(p, "y", panel == 0 ? "kB" : "ETH (log scale)");
        const char *sep = "plot ";
        for (size_t i = 0; i < n; i++)
            for (size_t d = 0; d < 2; d++) {
                if (!has[i][d])
                    continue;
                char t[256];
                snprintf(t, sizeof t, "%s, %s", c->series[i].label, das[d]);
                plot_cmd(p, "%s$t%zu_%zu using 1:%d with points lt %zu pt %d title ", sep, i, d,
                         panel == 0 ? 2 : 3, i + 1, d == 0 ? 6 : 7);
                plot_text(p, t);
                sep = ", \\\n     ";
            }
        plot_cmd(p, "%s\n", sep[0] == 'p' ? "plot NaN notitle" : "");
    }
    plot_cmd(p, "unset multiplot\n");
}

static const struct figure fig_timeline = {
    "rollup_batches_time", "Rollup batches over time",
    "Each point is one batch, placed at the time it was posted: its compressed size "
    "(top) and what the L1 charged for it (bottom). Open markers are calldata batches, "
    "filled ones blobs; a rollup posting with da: auto moves between the two as their "
    "prices cross.", timeline_applies, timeline_render,
};

/* ---- the dispute timeline ---- */

/* The games' moves over time: per dispute (the first of each optimistic rollup, up
 * to three), when each side's moves were sent and when a block included them, by
 * depth, with each side's chess clock and the resolution. */
static bool disputes_applies(const struct fig_ctx *c, char *why, size_t len)
{
    if (fig_count_runs(c, "SELECT count(*) FROM dispute_timeline WHERE run_id = ?") > 0)
        return true;
    snprintf(why, len, "No dispute game was played in the runs.");
    return false;
}

enum { GAMES_MAX = 3 };

struct game_ref {
    size_t  series;
    int64_t dispute;
    double  resolved_min;      /* NaN: still open at the end */
    char    title[512];
};

/* Each side's clock as a polyline (minutes since the root claim, minutes left): it
 * runs while that side is to move, i.e. from the opponent's included move to its own,
 * and stands still otherwise; at the resolution the side to move has what is left. */
static void clock_blocks(const struct fig_ctx *c, struct plot *p, size_t g,
                         const struct game_ref *r)
{
    sqlite3_stmt *q = fig_prepare(c,
        "SELECT who = 'challenger', included_rel_us / 60e6, clock_left_us / 60e6"
        " FROM dispute_timeline WHERE run_id = ?1 AND scheme = ?2 AND dispute_id = ?3"
        " AND included_rel_us IS NOT NULL ORDER BY included_rel_us, move");
    fig_bind_series(q, &c->series[r->series]);
    sqlite3_bind_int64(q, 3, r->dispute);
    /* pts[side]: at most 2 points per move + the end */
    size_t cap = 64, n[2] = { 0, 0 };
    double *pts[2] = { xmalloc(2 * cap * sizeof(double)), xmalloc(2 * cap * sizeof(double)) };
    double last[2] = { 0, 0 }, t = 0;
    int to_move = 1;   /* after the root claim: the challenger */
#define PUSH(s, x, y) do { if (n[s] == cap) { cap *= 2; \
        pts[0] = xrealloc(pts[0], 2 * cap * sizeof(double)); \
        pts[1] = xrealloc(pts[1], 2 * cap * sizeof(double)); } \
        pts[s][2 * n[s]] = (x), pts[s][2 * n[s] + 1] = (y); n[s]++; } while (0)
    bool first = true;
    while (sqlite3_step(q) == SQLITE_ROW) {
        int who = sqlite3_column_int(q, 0);
        t = sqlite3_column_double(q, 1);
        double left = sqlite3_column_double(q, 2);
        if (first) {            /* the root claim: both clocks full */
            last[0] = last[1] = left;
            PUSH(0, t, left);
            PUSH(1, t, left);
            first = false;
            continue;
        }
        PUSH(who, t, left);              /* its clock ran down to this */
        last[who] = left;
        PUSH(!who, t, last[!who]);       /* the other's starts running */
        to_move = !who;
    }
    sqlite3_finalize(q);
    if (!first) {
        double end = isnan(r->resolved_min) ? c->duration_h * 60 : r->resolved_min;
        double left = last[to_move] - (end - t);
        PUSH(to_move, end, left > 0 ? left : 0);
        PUSH(!to_move, end, last[!to_move]);
    }
#undef PUSH
    for (int s = 0; s < 2; s++) {
        char name[48];
        snprintf(name, sizeof name, "c%zu_%d", g, s);
        plot_data_begin(p, name);
        for (size_t k = 0; k < n[s]; k++)
            plot_row(p, 2, &pts[s][2 * k]);
        plot_data_end(p);
        free(pts[s]);
    }
}

static void disputes_render(const struct fig_ctx *c, struct plot *p)
{
    static const char *const side[2] = { "defender", "challenger" };
    struct game_ref games[GAMES_MAX];
    size_t ng = 0;
    sqlite3_stmt *q = fig_prepare(c,
        "SELECT dispute_id, resolved_rel_us / 60e6, outcome, coalesce(winner, ''),"
        " coalesce(decided_by, '') FROM dispute_timeline WHERE run_id = ?1 AND scheme = ?2"
        " ORDER BY dispute_id, move LIMIT 1");
    for (size_t i = 0; i < c->nseries && ng < GAMES_MAX; i++) {
        fig_bind_series(q, &c->series[i]);
        if (sqlite3_step(q) != SQLITE_ROW)
            continue;
        struct game_ref *r = &games[ng++];
        r->series = i;
        r->dispute = sqlite3_column_int64(q, 0);
        r->resolved_min = sqlite3_column_type(q, 1) == SQLITE_NULL ? (double)NAN
                        : sqlite3_column_double(q, 1);
        const char *outcome = (const char *)sqlite3_column_text(q, 2);
        const char *winner = (const char *)sqlite3_column_text(q, 3);
        const char *by = (const char *)sqlite3_column_text(q, 4);
        const char *what = strcmp(outcome, "root_rejected") == 0 ? "root rejected"
                         : strcmp(outcome, "root_stands") == 0 ? "root stands" : "still open";
        const char *loser = strcmp(winner, "defender") == 0 ? "challenger" : "defender";
        char how[96] = "";
        if (strcmp(by, "clock") == 0)
            snprintf(how, sizeof how, ": the %s's clock ran out", loser);
        else if (strcmp(by, "step") == 0)
            snprintf(how, sizeof how, ": the one-step proof decided for the %s", winner);
        snprintf(r->title, sizeof r->title, "%s, dispute %lld: %s%s", c->series[i].label,
                 (long long)r->dispute, what, how);
    }
    sqlite3_finalize(q);
    /* moves: sent (x), waited (to x + dx), depth (y); never included: dx NaN */
    q = fig_prepare(c,
        "SELECT sent_rel_us / 60e6, (coalesce(included_rel_us, sent_rel_us) - sent_rel_us)"
        " / 60e6, depth, included_rel_us IS NOT NULL FROM dispute_timeline WHERE run_id = ?1"
        " AND scheme = ?2 AND dispute_id = ?3 AND who = ?4 ORDER BY move");
    for (size_t g = 0; g < ng; g++) {
        for (int s = 0; s < 2; s++) {
            fig_bind_series(q, &c->series[games[g].series]);
            sqlite3_bind_int64(q, 3, games[g].dispute);
            sqlite3_bind_text(q, 4, side[s], -1, SQLITE_STATIC);
            char name[48];
            snprintf(name, sizeof name, "m%zu_%d", g, s);
            plot_data_begin(p, name);
            while (sqlite3_step(q) == SQLITE_ROW) {
                bool in = sqlite3_column_int(q, 3) != 0;
                double x = sqlite3_column_double(q, 0), dx = sqlite3_column_double(q, 1);
                double row[5] = { x, sqlite3_column_double(q, 2), dx,
                                  in ? x + dx : (double)NAN, in ? (double)NAN : x };
                plot_row(p, 5, row);
            }
            plot_data_end(p);
        }
        clock_blocks(c, p, g, &games[g]);
    }
    sqlite3_finalize(q);
    plot_cmd(p, "set multiplot layout %zu,2 title ", ng ? ng : 1);
    plot_text2(p, "Dispute games: each side's moves and chess clock", c->subtitle);
    plot_cmd(p, " font ',16'\n");
    for (size_t g = 0; g < ng; g++) {
        for (int panel = 0; panel < 2; panel++) {
            plot_cmd(p, "unset arrow\nset title ");
            /* one time axis for both panels, the resolution on it (an arrow outside
             * the range would be drawn over the next panel) */
            plot_text(p, panel == 0 ? games[g].title : "chess clocks (left to each side)");
            plot_cmd(p, " font ',12'\nset key top right\n");
            if (!isnan(games[g].resolved_min))
                plot_cmd(p, "set xrange [0:%.6f]\nset arrow from %.6f, graph 0 to %.6f, graph 1"
                            " nohead dt 2 lc rgb 'gray40'\n", games[g].resolved_min * 1.03,
                         games[g].resolved_min, games[g].resolved_min);
            else
                plot_cmd(p, "set xrange [0:*]\n");
            plot_cmd(p, panel == 0 ? "set ytics 1\n" : "set ytics autofreq\n");
            fig_label(p, "x", "minutes since the root claim's block (dashed: resolved)");
            fig_label(p, "y", panel == 0 ? "game depth of the move" : "minutes left");
            if (panel == 0)
                plot_cmd(p, "plot $m%zu_0 using 1:2:3:(0) with vectors nohead lw 2 lt 1 notitle,"
                            " $m%zu_0 using 4:2 with points pt 7 lt 1 title 'defender (included)',"
                            " $m%zu_0 using 5:2 with points pt 6 lt 1 title 'defender (never included)',"
                            " $m%zu_1 using 1:2:3:(0) with vectors nohead lw 2 lt 2 notitle,"
                            " $m%zu_1 using 4:2 with points pt 7 lt 2 title 'challenger (included)',"
                            " $m%zu_1 using 5:2 with points pt 6 lt 2 title 'challenger (never included)'\n",
                         g, g, g, g, g, g);
            else
                plot_cmd(p, "set yrange [0:*]\nplot $c%zu_0 using 1:2 with lines lw 2 lt 1 "
                            "title 'defender', $c%zu_1 using 1:2 with lines lw 2 lt 2 "
                            "title 'challenger'\nset yrange [*:*]\n", g, g);
        }
    }
    if (!ng)
        plot_cmd(p, "plot NaN notitle\n");
    plot_cmd(p, "unset multiplot\n");
}

static const struct figure fig_disputes = {
    "rollup_disputes", "Dispute games over time",
    "One game per optimistic rollup (its first; at most three). Left: each move of the "
    "game at its depth, a line from when it was sent to when a block included it (the "
    "time it waited in the L1 pool, under congestion or stuffing), a filled dot when "
    "included, an open one when it never was. Right: each side's chess clock, running "
    "while that side is to move. The dashed line is the resolution: a side whose clock "
    "reaches zero loses; otherwise the one-step proof decides.",
    disputes_applies, disputes_render,
};

static const struct figure *const figures[] = { &fig_timeline, &fig_disputes };

/* Per rollup: what its users paid the operator against what the L1 charged it. */
static void section(FILE *f, const struct fig_ctx *c, const char *type)
{
    sqlite3_stmt *q = fig_prepare(c,
        "SELECT count(*), total(txs), total(blobs > 0), total(revenue_l1_eth),"
        " total(revenue_l2_eth), total(l1_fee_eth), total(compressed_bytes),"
        " total(raw_bytes) FROM batch_costs WHERE run_id = ? AND scheme = ?");
    fprintf(f, "<h3>");
    report_html_text(f, type);
    fprintf(f, ": operator revenue against L1 cost</h3>\n<table><tr><th>scheme</th>"
               "<th>batches</th><th>of them blobs</th><th>transfers</th><th>bytes per transfer"
               " posted</th><th>compression</th><th>data fees charged (ETH)</th>"
               "<th>execution fees (ETH)</th><th>L1 cost of batches (ETH)</th>"
               "<th>margin (ETH)</th></tr>\n");
    for (size_t i = 0; i < c->nseries; i++) {
        const struct fig_series *s = &c->series[i];
        if (strcmp(s->type, type) != 0)
            continue;
        fig_bind_series(q, s);
        if (sqlite3_step(q) != SQLITE_ROW)
            continue;
        double n = sqlite3_column_double(q, 0), txs = sqlite3_column_double(q, 1);
        double rl1 = sqlite3_column_double(q, 3), rl2 = sqlite3_column_double(q, 4);
        double cost = sqlite3_column_double(q, 5), cb = sqlite3_column_double(q, 6);
        double raw = sqlite3_column_double(q, 7);
        fprintf(f, "<tr>");
        report_html_cell_text(f, s->label);
        report_html_cell_num(f, n, 0, "");
        report_html_cell_num(f, sqlite3_column_double(q, 2), 0, "");
        report_html_cell_num(f, txs, 0, "");
        report_html_cell_num(f, txs > 0 ? cb / txs : 0, 1, " B");
        report_html_cell_num(f, cb > 0 ? raw / cb : 0, 2, "x");
        report_html_cell_eth(f, rl1);
        report_html_cell_eth(f, rl2);
        report_html_cell_eth(f, cost);
        report_html_cell_eth(f, rl1 + rl2 - cost);
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</table>\n<p>");
    report_html_text(f, "Data fees are what users were charged at acceptance by the Fjord "
                        "formula from an estimate of their transfer's compressed size; the L1 "
                        "cost is what the batches really paid when included. Batches not yet "
                        "included count their revenue but no cost.");
    fprintf(f, "</p>\n");
    sqlite3_finalize(q);
}

const struct scheme_report rollup_report = {
    .figures = figures, .nfigures = ARRAY_LEN(figures),
    .rows = rows, .nrows = ARRAY_LEN(rows),
    .section = section,
};

/* ---- size estimate ---- */

/* Measured with `./l2sim run` on scenarios/rollup_fee_savings.yaml-like runs: about
 * 400 bytes held per transfer until final (its row, its signed copy in the block) and
 * 30 us of wall time per transfer with Ed25519 (one signature made, one verified,
 * three leaf hashes, the block's Merkle paths, compression); a batch is one L1
 * transaction every few minutes. */
#define MEM_PER_TRANSFER 400.0
#define WALL_PER_TRANSFER 30e-6

void rollup_estimate(const struct scn *s, size_t index, const struct run_estimate *run,
                     struct scheme_estimate *out)
{
    double dur_s = (double)scn_int(s, "duration") / 1e6;
    double chan_s = (double)scn_int(s, "schemes[%zu].max_channel_duration", index) / 1e6;
    double batches = chan_s > 0 ? dur_s / chan_s + 1 : 1;
    out->l1_txs = batches * 2 + run->senders * 1.2;   /* batches, claims/proofs, deposits */
    out->l1_gas = 200000;
    out->mem_per_l1_tx = 600;
    out->mem_state = MEM_PER_TRANSFER * run->transfers;
    out->events = dur_s / ((double)scn_int(s, "schemes[%zu].block_time", index) / 1e6);
    out->db_bytes = 200 * batches;
    out->wall_s = WALL_PER_TRANSFER * run->transfers;
    out->wall_note = "30 us per transfer";
}
