/* sidechain_decl.c — what the `sidechain` scheme (scheme_sidechain.c) declares beside
 * its protocol code: its tables and views, its metrics, its report rows, its share of
 * a run's size. */
#include <stdio.h>
#include <string.h>

#include "analysis/figure.h"
#include "analysis/metrics.h"
#include "models/run/estimate.h"
#include "models/sidechain/sidechain.h"

/* Tables: one row per committed block, per checkpoint, per bridge event. Views: the
 * escrow over time and the blocks per 10-minute bin, which the report reads. */
const struct store_sql sidechain_sql = {
    .version = 1,
    .tables =
        "CREATE TABLE IF NOT EXISTS sidechain_blocks ("
        " run_id INTEGER NOT NULL, scheme TEXT NOT NULL, height INTEGER NOT NULL,"
        " round INTEGER NOT NULL, proposer INTEGER NOT NULL, commit_us INTEGER NOT NULL,"
        " interval_us INTEGER NOT NULL, txs INTEGER NOT NULL, mints INTEGER NOT NULL,"
        " gas_used INTEGER NOT NULL, base_fee_per_gas INTEGER NOT NULL, hash TEXT NOT NULL,"
        " PRIMARY KEY (run_id, scheme, height));"
        "CREATE TABLE IF NOT EXISTS sidechain_checkpoints ("
        " run_id INTEGER NOT NULL, scheme TEXT NOT NULL, checkpoint INTEGER NOT NULL,"
        " start_height INTEGER NOT NULL, end_height INTEGER NOT NULL, root TEXT NOT NULL,"
        " signers INTEGER NOT NULL, signed_stake REAL NOT NULL, l1_tx_id INTEGER,"
        " posted_us INTEGER NOT NULL, included_us INTEGER, final_us INTEGER,"
        " status TEXT NOT NULL, gas_used INTEGER, fee_wei TEXT NOT NULL,"
        " fee_eth REAL GENERATED ALWAYS AS (CAST(fee_wei AS REAL) / 1e18) VIRTUAL,"
        " PRIMARY KEY (run_id, scheme, checkpoint));"
        "CREATE TABLE IF NOT EXISTS sidechain_bridge ("
        " run_id INTEGER NOT NULL, scheme TEXT NOT NULL, at_us INTEGER NOT NULL,"
        " event TEXT NOT NULL, number INTEGER NOT NULL, user INTEGER,"
        " amount_wei TEXT NOT NULL,"
        " amount_eth REAL GENERATED ALWAYS AS (CAST(amount_wei AS REAL) / 1e18) VIRTUAL,"
        " l1_tx_id INTEGER, height INTEGER, signers INTEGER NOT NULL,"
        " signed_stake REAL NOT NULL, escrow_wei TEXT NOT NULL,"
        " escrow_eth REAL GENERATED ALWAYS AS (CAST(escrow_wei AS REAL) / 1e18) VIRTUAL,"
        " detail TEXT);"
        "CREATE INDEX IF NOT EXISTS sidechain_bridge_event ON sidechain_bridge(run_id, scheme,"
        " event, number)",
    .views =
        "DROP VIEW IF EXISTS sidechain_escrow;"
        "CREATE VIEW sidechain_escrow AS SELECT run_id, scheme, at_us, event, escrow_eth"
        " FROM sidechain_bridge;"
        "DROP VIEW IF EXISTS sidechain_block_bins;"
        "CREATE VIEW sidechain_block_bins AS SELECT run_id, scheme,"
        " commit_us / 600000000 AS bin, count(*) AS blocks, avg(round + 1) AS rounds_mean,"
        " max(interval_us) AS interval_max_us FROM sidechain_blocks GROUP BY run_id, scheme, bin",
};

/* An interval between two blocks longer than this is a halt (a Tendermint chain at
 * its default timeouts commits within a few seconds while 2/3 of the stake is up). */
#define HALT_US INT64_C(30000000)

static void sample_sql(const struct metrics_scope *m, const char *sql,
                       struct metrics_samples *s)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(m->db, sql, -1, &q, NULL) != SQLITE_OK)
        sim_panic("sidechain metrics: %s: %s", sqlite3_errmsg(m->db), sql);
    sqlite3_bind_int64(q, 1, m->run_id);
    sqlite3_bind_text(q, 2, m->scheme, -1, SQLITE_STATIC);
    metrics_samples_clear(s);
    while (sqlite3_step(q) == SQLITE_ROW)
        metrics_samples_add(s, sqlite3_column_int64(q, 0), sqlite3_column_double(q, 1));
    sqlite3_finalize(q);
}

void sidechain_metrics(const struct metrics_scope *m)
{
    struct metrics_samples s = { 0 };
    sample_sql(m, "SELECT commit_us, round + 1 FROM sidechain_blocks WHERE run_id = ?1 AND"
                  " scheme = ?2 ORDER BY height", &s);
    metrics_count(m, &s, "sidechain_blocks");
    metrics_summary(m, &s, "rounds", "", true);
    sample_sql(m, "SELECT commit_us, interval_us / 1e6 FROM sidechain_blocks WHERE run_id = ?1"
                  " AND scheme = ?2 ORDER BY height", &s);
    metrics_summary(m, &s, "block_interval", "_s", true);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT commit_us, interval_us / 1e6 FROM sidechain_blocks WHERE"
             " run_id = ?1 AND scheme = ?2 AND interval_us > %lld ORDER BY height",
             (long long)HALT_US);
    sample_sql(m, sql, &s);
    metrics_count(m, &s, "halts");
    metrics_total(m, &s, "halted_s");
    sample_sql(m, "SELECT posted_us, fee_eth FROM sidechain_checkpoints WHERE run_id = ?1 AND"
                  " scheme = ?2 AND status = 'final' ORDER BY checkpoint", &s);
    metrics_count(m, &s, "checkpoints");
    metrics_total(m, &s, "checkpoint_fee_eth");
    /* a deposit's wait: locked on L1 (the deposit event) to minted on the sidechain */
    sample_sql(m, "SELECT d.at_us, (x.at_us - d.at_us) / 1e6 FROM sidechain_bridge d JOIN"
                  " sidechain_bridge x ON x.run_id = d.run_id AND x.scheme = d.scheme AND"
                  " x.number = d.number AND x.event = 'mint' WHERE d.run_id = ?1 AND"
                  " d.scheme = ?2 AND d.event = 'deposit' ORDER BY d.number", &s);
    metrics_summary(m, &s, "deposit_mint", "_s", true);
    /* a withdrawal's wait: asked on the sidechain to released on L1 */
    sample_sql(m, "SELECT a.at_us, (x.at_us - a.at_us) / 1e6 FROM sidechain_bridge a JOIN"
                  " sidechain_bridge x ON x.run_id = a.run_id AND x.scheme = a.scheme AND"
                  " x.number = a.number AND x.event = 'release' WHERE a.run_id = ?1 AND"
                  " a.scheme = ?2 AND a.event = 'withdrawal_asked' ORDER BY a.number", &s);
    metrics_summary(m, &s, "withdrawal_release", "_s", true);
    sample_sql(m, "SELECT at_us, amount_eth FROM sidechain_bridge WHERE run_id = ?1 AND"
                  " scheme = ?2 AND event = 'forged_release' ORDER BY at_us", &s);
    metrics_total(m, &s, "forged_released_eth");
    sample_sql(m, "SELECT at_us, escrow_eth FROM sidechain_bridge WHERE run_id = ?1 AND"
                  " scheme = ?2 ORDER BY at_us", &s);
    double hi = 0;
    for (size_t i = 0; i < s.n; i++)
        hi = s.v[i] > hi ? s.v[i] : hi;
    metrics_put(m, -1, "escrow_max_eth", hi);
    metrics_samples_free(&s);
}

static const struct summary_row rows[] = {
    { "sidechain blocks committed", "sidechain_blocks", 1, 0, "" },
    { "rounds per block, mean", "rounds_mean", 1, 3, "" },
    { "rounds per block, most", "rounds_max", 1, 0, "" },
    { "time between blocks, mean", "block_interval_mean_s", 1, 2, "s" },
    { "time between blocks, longest", "block_interval_max_s", 1, 1, "s" },
    { "halts (no block for over 30 s)", "halts", 1, 0, "" },
    { "checkpoints final on L1", "checkpoints", 1, 0, "" },
    { "checkpoints' L1 cost", "checkpoint_fee_eth", 1, 5, "ETH" },
    { "deposit: locked on L1 to minted, mean", "deposit_mint_mean_s", 1, 0, "s" },
    { "withdrawal: asked to released on L1, mean", "withdrawal_release_mean_s", 1, 0, "s" },
    { "bridge escrow, highest", "escrow_max_eth", 1, 2, "ETH" },
    { "released by forged withdrawals", "forged_released_eth", 1, 2, "ETH" },
};

/* ---- figures ---- */

static bool is_sidechain(const struct fig_series *s)
{
    return strcmp(s->type, "sidechain") == 0;
}

static bool any_blocks(const struct fig_ctx *c, char *why, size_t len)
{
    if (fig_count_runs(c, "SELECT count(*) FROM sidechain_block_bins WHERE run_id = ?") > 0)
        return true;
    snprintf(why, len, "No sidechain committed a block.");
    return false;
}

static void hours_axis(const struct fig_ctx *c, struct plot *p)
{
    double h = c->duration_h > 0 ? c->duration_h : 1;
    double step = h <= 3 ? 0.5 : h <= 12 ? 1 : h <= 24 ? 2 : h <= 96 ? 12 : 24;
    plot_cmd(p, "set xrange [0:%g]\nset xtics 0,%g\n", h, step);
}

/* Top: rounds per block, mean per 10 minutes; bottom: the longest wait for a block in
 * each 10 minutes (log scale), where a halt stands out. One line per sidechain. */
static void rounds_render(const struct fig_ctx *c, struct plot *p)
{
    sqlite3_stmt *q = fig_prepare(c, "SELECT (bin + 0.5) / 6.0, rounds_mean, interval_max_us / 1e6,"
                                     " bin FROM sidechain_block_bins WHERE run_id = ?1 AND"
                                     " scheme = ?2 ORDER BY bin");
    size_t n = 0;
    double top = 2, most = 1;
    for (size_t i = 0; i < c->nseries; i++) {
        if (!is_sidechain(&c->series[i]))
            continue;
        fig_bind_series(q, &c->series[i]);
        char name[32];
        snprintf(name, sizeof name, "r%zu", i);
        plot_data_begin(p, name);
        int64_t prev = -1;
        while (sqlite3_step(q) == SQLITE_ROW) {
            /* 10 minutes without a block (a halt) have no row: a blank line breaks the
             * lines there, which would otherwise draw a gradual rise through it */
            int64_t bin = sqlite3_column_int64(q, 3);
            if (prev >= 0 && bin > prev + 1)
                plot_cmd(p, "\n");
            prev = bin;
            double row[3] = { sqlite3_column_double(q, 0), sqlite3_column_double(q, 1),
                              sqlite3_column_double(q, 2) };
            top = row[2] > top ? row[2] : top;
            most = row[1] > most ? row[1] : most;
            plot_row(p, 3, row);
        }
        plot_data_end(p);
        n++;
    }
    sqlite3_finalize(q);
    plot_cmd(p, "set multiplot layout 2,1 title ");
    plot_text2(p, "Sidechain consensus: rounds per block and halts", c->subtitle);
    plot_cmd(p, " font ',16'\nset lmargin 14\nset rmargin 4\nset key top left\n");
    hours_axis(c, p);
    fig_windows(c, p, FIG_LABEL_ALL);
    plot_cmd(p, "set title 'rounds to commit a block, mean per 10 minutes (1 = the first "
                "proposal committed)' font ',13'\nset yrange [0.9:%g]\n", most * 1.25 + 0.5);
    fig_label(p, "y", "rounds per block");
    const char *sep = "plot ";
    for (size_t i = 0; i < c->nseries; i++) {
        if (!is_sidechain(&c->series[i]))
            continue;
        plot_cmd(p, "%s$r%zu using 1:2 with linespoints pt 7 ps 0.5 title ", sep, i);
        plot_text(p, c->series[i].label);
        sep = ", \\\n     ";
    }
    plot_cmd(p, "\n");
    fig_windows_unlabel(p);
    plot_cmd(p, "set title 'longest wait for a block in each 10 minutes: a halt is a long "
                "one (log scale)' font ',13'\nset logscale y\nset yrange [1:%g]\n"
                "set format y '%%g'\n", top * 3);
    fig_ticks_125(p, 'y', 1, top * 3);
    fig_label(p, "y", "seconds");
    fig_label(p, "x", "hours since the start of the run");
    sep = "plot ";
    for (size_t i = 0; i < c->nseries; i++) {
        if (!is_sidechain(&c->series[i]))
            continue;
        plot_cmd(p, "%s$r%zu using 1:3 with linespoints pt 7 ps 0.5 title ", sep, i);
        plot_text(p, c->series[i].label);
        sep = ", \\\n     ";
    }
    plot_cmd(p, "\nunset multiplot\n");
    (void)n;
}

static const struct figure fig_sidechain_rounds = {
    "sidechain_rounds", "Sidechain consensus: rounds per block and halts",
    "Top: how many rounds of Tendermint voting each block needed, averaged over 10 "
    "minutes. One round means the first proposal gathered precommits from more than "
    "2/3 of the stake; a second round follows a proposer that was offline or slow "
    "(timeout_propose) or votes that split. Bottom: the longest gap between two "
    "blocks in each 10 minutes, on a log scale: normally the block time plus a few "
    "message delays; with 1/3 of the stake or more offline no quorum forms and the gap "
    "grows until they return (a halt): no block, no point, the lines break there. Red "
    "bands are attack windows.",
    any_blocks, rounds_render,
};

static bool any_escrow(const struct fig_ctx *c, char *why, size_t len)
{
    if (fig_count_runs(c, "SELECT count(*) FROM sidechain_escrow WHERE run_id = ?") > 0)
        return true;
    snprintf(why, len, "No sidechain bridge event (no deposit reached the bridge).");
    return false;
}

static void escrow_render(const struct fig_ctx *c, struct plot *p)
{
    sqlite3_stmt *q = fig_prepare(c, "SELECT at_us / 3.6e9, escrow_eth FROM sidechain_escrow"
                                     " WHERE run_id = ?1 AND scheme = ?2 ORDER BY at_us");
    for (size_t i = 0; i < c->nseries; i++) {
        if (!is_sidechain(&c->series[i]))
            continue;
        fig_bind_series(q, &c->series[i]);
        char name[32];
        snprintf(name, sizeof name, "e%zu", i);
        plot_data_begin(p, name);
        while (sqlite3_step(q) == SQLITE_ROW) {
            double row[2] = { sqlite3_column_double(q, 0), sqlite3_column_double(q, 1) };
            plot_row(p, 2, row);
        }
        plot_data_end(p);
    }
    sqlite3_finalize(q);
    fig_title(c, p, "Sidechain bridge: ETH held in the L1 escrow");
    hours_axis(c, p);
    plot_cmd(p, "set lmargin 14\nset rmargin 4\nset key top left\nset yrange [0:*]\n");
    fig_windows(c, p, FIG_LABEL_ALL);
    fig_label(p, "y", "ETH in escrow");
    fig_label(p, "x", "hours since the start of the run");
    const char *sep = "plot ";
    for (size_t i = 0; i < c->nseries; i++) {
        if (!is_sidechain(&c->series[i]))
            continue;
        plot_cmd(p, "%s$e%zu using 1:2 with steps lw 2 title ", sep, i);
        plot_text(p, c->series[i].label);
        sep = ", \\\n     ";
    }
    plot_cmd(p, "\n");
}

static const struct figure fig_sidechain_escrow = {
    "sidechain_escrow", "Sidechain bridge escrow over time",
    "What the bridge contract on L1 holds for each sidechain: deposits lock ETH in it "
    "(each one an L1 transaction, minted on the sidechain once final on L1), releases "
    "of withdrawals take it out, each signed by validators holding more than 2/3 of "
    "the stake. A forged withdrawal signed by such a majority takes it out just the "
    "same: a cliff to zero is the bridge drained, with no recourse on L1.",
    any_escrow, escrow_render,
};

static const struct figure *const figures[] = { &fig_sidechain_rounds, &fig_sidechain_escrow };

const struct scheme_report sidechain_report = {
    .figures = figures, .nfigures = ARRAY_LEN(figures),
    .rows = rows, .nrows = ARRAY_LEN(rows),
};

/* Sizes: the consensus sends about 3 broadcasts per validator per block, each to
 * every other validator (one event each), and a timeout per step. */
void sidechain_estimate(const struct scn *s, size_t index, const struct run_estimate *run,
                        struct scheme_estimate *out)
{
    double n = (double)scn_uint(s, "schemes[%zu].validators", index);
    double block = (double)scn_int(s, "schemes[%zu].block_time", index) + 200000.0;
    double dur = (double)scn_int(s, "duration");
    double blocks = dur / block;
    double ckpt = dur / (double)scn_int(s, "schemes[%zu].checkpoint_interval", index);
    out->l1_txs = ckpt + run->transfers * 0.1;   /* checkpoints, deposits, releases */
    out->l1_gas = 21000 + 3000 * n + 20000 + 16 * 68 * n;
    out->mem_per_l1_tx = 600;
    out->mem_state = n * 4096 + run->transfers * 200;
    out->events = blocks * n * (3 * (n - 1) + 4);
    out->db_bytes = blocks * 120 + ckpt * 200 + run->transfers * 0.3 * 150;
    out->wall_s = blocks * n * (n - 1) * 3 * 2e-6;
    out->wall_note = "about 2 us per consensus message delivered (fast crypto; Ed25519 adds ~50 us per verification)";
}
