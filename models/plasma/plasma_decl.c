/* plasma_decl.c — what the `plasma` scheme declares beside its protocol code
 * (scheme_plasma.c): its tables, its statistics in `metrics`, its rows and section in
 * the report, and its share of a run's size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/costs.h"
#include "analysis/figure.h"
#include "analysis/metrics.h"
#include "analysis/report.h"
#include "models/plasma/plasma.h"
#include "models/run/estimate.h"
#include "sim/money.h"

#define ETH(x) " " x "_wei TEXT NOT NULL, " x "_eth REAL GENERATED ALWAYS AS (CAST(" x \
               "_wei AS REAL) / 1e18) VIRTUAL,"

/* The cost per transfer (analysis/costs.h): a started exit still owes its processing
 * on L1 once the challenge period is over. */
const struct scheme_costs plasma_costs = {
    .owed_sql = "SELECT count(*), 'exit processings (challenge period)' FROM plasma_exits"
                " WHERE run_id = ?1 AND scheme = ?2 AND status = 'started'",
};

const struct store_sql plasma_sql = {
    .version = 1,
    .tables =
        "CREATE TABLE IF NOT EXISTS plasma_blocks ("
        " run_id INTEGER NOT NULL, scheme TEXT NOT NULL, num INTEGER NOT NULL,"
        " txs INTEGER NOT NULL, transfers INTEGER NOT NULL," ETH("fees")
        " sealed_us INTEGER NOT NULL, root TEXT NOT NULL, l1_tx_id INTEGER NOT NULL,"
        " on_l1_us INTEGER, final_us INTEGER, withheld INTEGER NOT NULL," ETH("l1_fee")
        " PRIMARY KEY (run_id, scheme, num));"
        "CREATE TABLE IF NOT EXISTS plasma_exits ("
        " run_id INTEGER NOT NULL, scheme TEXT NOT NULL, exit_id INTEGER NOT NULL,"
        " owner INTEGER, kind TEXT NOT NULL, utxo_pos INTEGER NOT NULL," ETH("amount")
        ETH("bond") " requested_us INTEGER NOT NULL, started_us INTEGER, exitable_us INTEGER,"
        " challenged_us INTEGER, processed_us INTEGER, status TEXT NOT NULL, reason TEXT,"
        ETH("paid") ETH("l1_fee") " deadline_us INTEGER, in_time INTEGER,"
        " PRIMARY KEY (run_id, scheme, exit_id));"
        "CREATE TABLE IF NOT EXISTS plasma_challenges ("
        " run_id INTEGER NOT NULL, scheme TEXT NOT NULL, challenge_id INTEGER NOT NULL,"
        " exit_id INTEGER NOT NULL, challenger INTEGER, kind TEXT NOT NULL,"
        " submitted_us INTEGER NOT NULL, included_us INTEGER, result TEXT NOT NULL,"
        ETH("bond_won") ETH("l1_fee") " PRIMARY KEY (run_id, scheme, challenge_id));"
        "CREATE TABLE IF NOT EXISTS plasma_mass_exits ("
        " run_id INTEGER NOT NULL, scheme TEXT NOT NULL, withheld_block INTEGER NOT NULL,"
        " detected_us INTEGER NOT NULL, deadline_us INTEGER, users INTEGER NOT NULL,"
        " coins INTEGER NOT NULL," ETH("value_at_risk") ETH("exited_in_time")
        ETH("exited_late") ETH("paid") " share_in_time REAL,"
        " PRIMARY KEY (run_id, scheme, withheld_block));",
    /* what the report reads: exits by kind and how they ended; a mass exit's exits in
     * the order they started, as minutes after the withheld root's inclusion */
    .views =
        "DROP VIEW IF EXISTS plasma_exit_outcomes;"
        "CREATE VIEW plasma_exit_outcomes AS SELECT run_id, scheme, kind, status,"
        " count(*) AS exits, sum(amount_eth) AS amount_eth, sum(paid_eth) AS paid_eth,"
        " sum(l1_fee_eth) AS l1_fee_eth FROM plasma_exits GROUP BY run_id, scheme, kind, status;"
        "DROP VIEW IF EXISTS plasma_mass_exit_progress;"
        "CREATE VIEW plasma_mass_exit_progress AS SELECT e.run_id, e.scheme,"
        " (e.started_us - m.detected_us) / 6e7 AS started_min, e.amount_eth,"
        " m.value_at_risk_eth, (m.deadline_us - m.detected_us) / 6e7 AS deadline_min"
        " FROM plasma_exits e JOIN plasma_mass_exits m USING (run_id, scheme)"
        " WHERE e.kind = 'mass_exit' AND e.started_us IS NOT NULL;",
};

/* ---- metrics ---- */

static void samples_of(const struct metrics_scope *m, const char *sql,
                       struct metrics_samples *s)
{
    sqlite3_stmt *q;
    metrics_samples_clear(s);
    if (sqlite3_prepare_v2(m->db, sql, -1, &q, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(q, 1, m->run_id);
    sqlite3_bind_text(q, 2, m->scheme, -1, SQLITE_STATIC);
    while (sqlite3_step(q) == SQLITE_ROW)
        metrics_samples_add(s, sqlite3_column_int64(q, 0), sqlite3_column_double(q, 1));
    sqlite3_finalize(q);
}

/* Blocks (count, transactions each, L1 cost of their roots), exits (by how they
 * ended, their wait), challenges, and a mass exit's share of value out in time. */
void plasma_metrics(const struct metrics_scope *m)
{
    struct metrics_samples s = { 0 };
    samples_of(m, "SELECT sealed_us, txs FROM plasma_blocks WHERE run_id = ?1 AND scheme = ?2"
                  " ORDER BY num", &s);
    metrics_count(m, &s, "plasma_blocks");
    metrics_summary(m, &s, "plasma_block_txs", "", true);
    samples_of(m, "SELECT sealed_us, l1_fee_eth FROM plasma_blocks WHERE run_id = ?1 AND"
                  " scheme = ?2 ORDER BY num", &s);
    metrics_total(m, &s, "plasma_root_l1_fees_eth");
    /* an exit is a coin's last attempt: a resent one (a mass exit evicted from the L1
     * pool) leaves its dropped rows, counted apart */
    samples_of(m, "SELECT requested_us, 1 FROM plasma_exits e WHERE run_id = ?1 AND scheme = ?2"
                  " AND NOT EXISTS (SELECT 1 FROM plasma_exits f WHERE f.run_id = e.run_id AND"
                  " f.scheme = e.scheme AND f.utxo_pos = e.utxo_pos AND f.exit_id > e.exit_id)"
                  " ORDER BY exit_id", &s);
    metrics_count(m, &s, "plasma_exits");
    samples_of(m, "SELECT requested_us, 1 FROM plasma_exits e WHERE run_id = ?1 AND scheme = ?2"
                  " AND EXISTS (SELECT 1 FROM plasma_exits f WHERE f.run_id = e.run_id AND"
                  " f.scheme = e.scheme AND f.utxo_pos = e.utxo_pos AND f.exit_id > e.exit_id)"
                  " ORDER BY exit_id", &s);
    metrics_count(m, &s, "plasma_exit_resends");
    samples_of(m, "SELECT requested_us, 1 FROM plasma_exits WHERE run_id = ?1 AND scheme = ?2"
                  " AND status = 'challenged' ORDER BY exit_id", &s);
    metrics_count(m, &s, "plasma_exits_challenged");
    samples_of(m, "SELECT requested_us, (processed_us - requested_us) / 1e6 FROM plasma_exits"
                  " WHERE run_id = ?1 AND scheme = ?2 AND status = 'processed' AND kind ="
                  " 'withdrawal' ORDER BY exit_id", &s);
    metrics_summary(m, &s, "plasma_withdrawal_latency", "_s", true);
    samples_of(m, "SELECT submitted_us, 1 FROM plasma_challenges WHERE run_id = ?1 AND"
                  " scheme = ?2 ORDER BY challenge_id", &s);
    metrics_count(m, &s, "plasma_challenges");
    metrics_samples_free(&s);

    /* a mass exit: whole-run values (it belongs to no phase but its own) */
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(m->db, "SELECT share_in_time, value_at_risk_eth, exited_in_time_eth,"
                           " paid_eth, (deadline_us - detected_us) / 1e6 FROM plasma_mass_exits"
                           " WHERE run_id = ?1 AND scheme = ?2 AND share_in_time IS NOT NULL"
                           " ORDER BY withheld_block LIMIT 1", -1, &q, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(q, 1, m->run_id);
    sqlite3_bind_text(q, 2, m->scheme, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
        metrics_put(m, -1, "mass_exit_share_in_time", sqlite3_column_double(q, 0));
        metrics_put(m, -1, "mass_exit_value_at_risk_eth", sqlite3_column_double(q, 1));
        metrics_put(m, -1, "mass_exit_in_time_eth", sqlite3_column_double(q, 2));
        metrics_put(m, -1, "mass_exit_paid_eth", sqlite3_column_double(q, 3));
        metrics_put(m, -1, "mass_exit_window_s", sqlite3_column_double(q, 4));
    }
    sqlite3_finalize(q);
}

/* ---- report ---- */

static const struct summary_row rows[] = {
    { "final transfers per second", "throughput_tps", 1, 3, "/s" },
    { "operator blocks", "plasma_blocks", 1, 0, "" },
    { "transactions per block, mean", "plasma_block_txs_mean", 1, 1, "" },
    { "L1 fees of the block roots", "plasma_root_l1_fees_eth", 1, 4, "ETH" },
    { "exits (one per coin exited)", "plasma_exits", 1, 0, "" },
    { "exit attempts evicted from the L1 pool and resent", "plasma_exit_resends", 1, 0, "" },
    { "exits cancelled by a challenge", "plasma_exits_challenged", 1, 0, "" },
    { "withdrawal exit, request to payout, median", "plasma_withdrawal_latency_p50_s",
      1.0 / 3600, 1, "h" },
    { "mass exit: share of value paid ahead of the operator", "mass_exit_share_in_time", 100, 1,
      "%" },
    { "mass exit: value at risk", "mass_exit_value_at_risk_eth", 1, 3, "ETH" },
    { "mass exit: paid back to users", "mass_exit_paid_eth", 1, 3, "ETH" },
};

static bool mass_applies(const struct fig_ctx *c, char *why, size_t len)
{
    if (fig_count_runs(c, "SELECT count(*) FROM plasma_mass_exit_progress WHERE run_id = ?") > 0)
        return true;
    snprintf(why, len, "No Plasma operator withheld a block, so there was no mass exit.");
    return false;
}

/* Per scheme: the share of the value at risk whose exits had started, over minutes
 * since the withheld root reached L1, and the deadline (the last start that still
 * ranks ahead of the operator's exit: its exitable time less one challenge period) as
 * a dashed line, labelled on its right where the curves have flattened. */
static void mass_render(const struct fig_ctx *c, struct plot *p)
{
    sqlite3_stmt *q = fig_prepare(c, "SELECT started_min, amount_eth, value_at_risk_eth,"
                                     " deadline_min FROM plasma_mass_exit_progress WHERE"
                                     " run_id = ?1 AND scheme = ?2 ORDER BY started_min");
    bool *has = xcalloc(c->nseries ? c->nseries : 1, sizeof *has);
    double deadline = -1, xmax = 0;
    for (size_t i = 0; i < c->nseries; i++) {
        if (strcmp(c->series[i].type, "plasma") != 0)
            continue;
        fig_bind_series(q, &c->series[i]);
        char name[32];
        snprintf(name, sizeof name, "m%zu", i);
        plot_data_begin(p, name);
        double cum = 0;
        double row0[2] = { 0, 0 };
        plot_row(p, 2, row0);
        while (sqlite3_step(q) == SQLITE_ROW) {
            double risk = sqlite3_column_double(q, 2);
            cum += sqlite3_column_double(q, 1);
            double row[2] = { sqlite3_column_double(q, 0), risk > 0 ? 100 * cum / risk : 0 };
            plot_row(p, 2, row);
            if (sqlite3_column_type(q, 3) != SQLITE_NULL)
                deadline = sqlite3_column_double(q, 3);
            if (row[0] > xmax)
                xmax = row[0];
            has[i] = true;
        }
        plot_data_end(p);
    }
    sqlite3_finalize(q);
    fig_title(c, p, "Plasma mass exit: value whose exit started, against the deadline");
    fig_label(p, "x", "minutes since the withheld block's root reached L1");
    fig_label(p, "y", "% of the users' value at risk");
    plot_cmd(p, "set yrange [0:105]\nset key bottom right\n");
    if (deadline > 0) {
        plot_cmd(p, "set arrow from %g, graph 0 to %g, graph 1 nohead dt 2 lw 2 lc rgb '#c0392b'\n",
                 deadline, deadline);
        plot_cmd(p, "set label 'deadline: exits started later rank behind the operator''s"
                    "' at %g, graph 0.45 left offset 0.5,0 tc rgb '#c0392b'\n", deadline);
        if (xmax < deadline * 3)
            xmax = deadline * 3;          /* room for the label on the right */
    }
    plot_cmd(p, "set xrange [0:%g]\n", xmax > 0 ? xmax : 1);
    const char *sep = "plot ";
    for (size_t i = 0; i < c->nseries; i++) {
        if (!has[i])
            continue;
        plot_cmd(p, "%s$m%zu using 1:2 with steps lw 2 lt %zu title ", sep, i, i + 1);
        plot_text(p, c->series[i].label);
        sep = ", \\\n     ";
    }
    plot_cmd(p, "%s\n", sep[0] == 'p' ? "plot NaN notitle" : "");
    free(has);
}

static const struct figure mass_figure = {
    "plasma_mass_exit", "Plasma mass exit against its deadline",
    "After the operator withheld a block, every user exits every coin it holds through "
    "the same L1. Each curve is the share of the users' value whose exit transaction "
    "was included by then. The contract orders exits by exitable time, max(the coin's "
    "block time + 2 challenge periods, the exit's start + 1 period), then by position "
    "(plasma-mvp), so exits started before the dashed deadline are paid before the "
    "operator's fraudulent exit and those after it rank behind it and find the "
    "contract drained. A curve that flattens below 100% by the deadline is value that "
    "did not get out in time: priced out by the L1's fees, or its owner could not put "
    "up the bond.",
    mass_applies, mass_render,
};
static const struct figure *const figures[] = { &mass_figure };

/* Its section: how exits ended, per scheme. */
static void section(FILE *f, const struct fig_ctx *c, const char *type)
{
    sqlite3_stmt *q = fig_prepare(c, "SELECT kind, status, exits, amount_eth, paid_eth FROM"
                                     " plasma_exit_outcomes WHERE run_id = ?1 AND scheme = ?2"
                                     " ORDER BY kind, status");
    fputs("<p>Exits by kind and outcome: <em>withdrawal</em> (a user's intent), "
          "<em>mass_exit</em> (after withheld data), <em>victim</em> and <em>fraud</em> "
          "(an invalid transaction's victim and the operator), <em>spent_coin</em> (a user "
          "exiting a spent coin). A challenged exit was cancelled on L1 by a proof.</p>\n"
          "<table><thead><tr><th>scheme</th><th>kind</th><th>status</th><th>exits</th>"
          "<th>amount</th><th>paid</th></tr></thead><tbody>\n", f);
    for (size_t i = 0; i < c->nseries; i++) {
        if (strcmp(c->series[i].type, type) != 0)
            continue;
        fig_bind_series(q, &c->series[i]);
        while (sqlite3_step(q) == SQLITE_ROW) {
            fputs("<tr>", f);
            report_html_cell_text(f, c->series[i].label);
            report_html_cell_text(f, (const char *)sqlite3_column_text(q, 0));
            report_html_cell_text(f, (const char *)sqlite3_column_text(q, 1));
            report_html_cell_num(f, sqlite3_column_double(q, 2), 0, "");
            report_html_cell_eth(f, sqlite3_column_double(q, 3));
            report_html_cell_eth(f, sqlite3_column_double(q, 4));
            fputs("</tr>\n", f);
        }
    }
    fputs("</tbody></table>\n", f);
    sqlite3_finalize(q);
}

const struct scheme_report plasma_report = {
    .figures = figures, .nfigures = ARRAY_LEN(figures),
    .rows = rows, .nrows = ARRAY_LEN(rows),
    .section = section,
};

/* ---- size ---- */

/* Per transfer: its transaction (coins inline, bytes, signature: ~420 B), its leaf
 * (32 B) and its txs record while in flight; blocks and roots are few. Wall time: one
 * signature and one verification per transfer (Ed25519 ~ 70 us on the reference
 * machine, models/crypto notes), plus the scheme's bookkeeping. */
#define MEM_PER_TRANSFER   520.0
#define WALL_PER_TRANSFER  80e-6

void plasma_estimate(const struct scn *s, size_t index, const struct run_estimate *run,
                     struct scheme_estimate *out)
{
    double interval = (double)scn_int(s, "schemes[%zu].block_interval", index);
    double duration = (double)scn_int(s, "duration");
    double roots = duration / interval;
    out->l1_txs = roots + run->senders;        /* block roots, and a deposit per sender */
    out->l1_gas = 21000 + 44 * 16 + 2 * 22100 + 1500;
    out->mem_per_l1_tx = 600;
    out->mem_state = MEM_PER_TRANSFER * run->transfers;
    out->events = roots;
    out->db_bytes = 120 * roots;
    out->wall_s = WALL_PER_TRANSFER * run->transfers;
    out->wall_note = "80 us per transfer (a signature and its check)";
}
