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

const struct scheme_report sidechain_report = {
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
