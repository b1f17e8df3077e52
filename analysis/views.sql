-- views.sql — the documented read interface of the results database: what
-- `l2sim report` (and `compare`, and your own SQL) read instead of the tables. Compiled
-- into the binary after schema.sql and applied to every database l2sim opens; each view
-- is dropped and re-created, so a database always has this binary's definitions.
--
-- Units in view columns are the ones a reader wants: amounts in ETH (REAL, the tables'
-- X_eth columns: sum, average, compare and sort these), prices in gwei, durations in
-- seconds, times since the start in hours. The exact amounts are the tables' X_wei
-- columns (decimal TEXT: compare them for equality, never sort or sum them); views that
-- carry them say so. Views cover every run whatever its status; join complete_runs to
-- keep only finished ones.
--
-- A later scheme extends a view here (a UNION ALL branch in cost_breakdown for proofs,
-- disputes or channel opens; in fraud_outcomes for disputes) and the report picks the
-- rows up without change.

-- Every parameter in force in a run, one row each, parsed from runs.config (lines
-- "path = value  # origin"). A value containing a newline spans lines and is cut.
DROP VIEW IF EXISTS run_config;
CREATE VIEW run_config AS
WITH RECURSIVE split(run_id, line, rest) AS (
    SELECT run_id, '', config || char(10) FROM runs
    UNION ALL
    SELECT run_id, substr(rest, 1, instr(rest, char(10)) - 1),
           substr(rest, instr(rest, char(10)) + 1)
    FROM split WHERE rest <> ''
), parsed AS (
    SELECT run_id, line,
           CASE WHEN line LIKE '%  # scenario' THEN 'scenario'
                WHEN line LIKE '%  # default' THEN 'default'
                WHEN line LIKE '%  # --set' THEN '--set'
                WHEN line LIKE '%  # preset' THEN 'preset' END AS origin
    FROM split WHERE instr(line, ' = ') > 0
)
SELECT run_id,
       substr(line, 1, instr(line, ' = ') - 1) AS path,
       substr(line, instr(line, ' = ') + 3,
              length(line) - instr(line, ' = ') - 2 - length(origin) - 4) AS value,
       origin
FROM parsed WHERE origin IS NOT NULL;

-- One row per run: who, what and how it ended (the report's header and provenance).
DROP VIEW IF EXISTS run_info;
CREATE VIEW run_info AS
SELECT r.run_id, r.scenario_name,
       (SELECT c.value FROM run_config c
        WHERE c.run_id = r.run_id AND c.path = 'description') AS description,
       r.scenario_file, r.scenario_text, r.scenario_sha256, r.overrides, r.config,
       r.seed, r.master_seed, r.replication, r.l2sim_version, r.git_rev, r.crypto_mode,
       r.duration_us / 3.6e9 AS duration_h, r.sim_end_us / 3.6e9 AS sim_end_h,
       r.events, r.started_at, r.wall_s, r.status, r.status_detail,
       (SELECT count(*) FROM schemes s WHERE s.run_id = r.run_id) AS schemes
FROM runs r;

-- Windows worth marking on a time axis: L1 demand spikes and transfer spikes (from the
-- config; durations such as "6h", "1.5h", "90 m" or "2e3s" converted to microseconds)
-- and attacks (per world they acted in; world is NULL when every world had the window).
DROP VIEW IF EXISTS timeline_windows;
CREATE VIEW timeline_windows AS
WITH spike AS (
    SELECT run_id, 'l1_demand_spike' AS kind, 'L1 demand' AS what,
           substr(path, 1, length(path) - 3) AS item, replace(value, ' ', '') AS at
    FROM run_config WHERE path LIKE 'l1.demand.spikes[%].at'
    UNION ALL
    SELECT run_id, 'transfer_spike', 'transfers',
           substr(path, 1, length(path) - 3), replace(value, ' ', '')
    FROM run_config WHERE path LIKE 'workload.transfers.spikes[%].at'
), dur AS (
    SELECT s.run_id, s.kind, s.what, s.item, s.at, replace(f.value, ' ', '') AS len,
           m.value AS multiplier
    FROM spike s
    JOIN run_config f ON f.run_id = s.run_id AND f.path = s.item || '.for'
    JOIN run_config m ON m.run_id = s.run_id AND m.path = s.item || '.multiplier'
), us AS (
    SELECT run_id, kind, what, multiplier,
           CAST(round(CAST(at AS REAL) * CASE ltrim(at, '0123456789.eE+-')
               WHEN 'us' THEN 1 WHEN 'ms' THEN 1e3 WHEN 's' THEN 1e6 WHEN 'm' THEN 6e7
               WHEN 'min' THEN 6e7 WHEN 'h' THEN 3.6e9 WHEN 'd' THEN 8.64e10
               WHEN 'w' THEN 6.048e11 ELSE 0 END) AS INTEGER) AS start_us,
           CAST(round(CAST(len AS REAL) * CASE ltrim(len, '0123456789.eE+-')
               WHEN 'us' THEN 1 WHEN 'ms' THEN 1e3 WHEN 's' THEN 1e6 WHEN 'm' THEN 6e7
               WHEN 'min' THEN 6e7 WHEN 'h' THEN 3.6e9 WHEN 'd' THEN 8.64e10
               WHEN 'w' THEN 6.048e11 ELSE 0 END) AS INTEGER) AS len_us
    FROM dur
)
SELECT run_id, kind, what || ' x' || multiplier AS label, NULL AS world,
       start_us, start_us + len_us AS end_us
FROM us
UNION ALL
SELECT run_id, 'attack',
       CASE WHEN adversary = type THEN type ELSE adversary || ' (' || type || ')' END,
       world, start_us, end_us
FROM attacks;

-- One row per user transfer per scheme: what it paid and how long each stage took.
-- fee_eth (= l1_fee_eth + l2_fee_eth) is for arithmetic and sorting, fee_wei the exact
-- text; NULL when nothing was charged. soft_s: until the user saw it accepted (an L2's
-- sequencer receipt; on the L1 itself, inclusion in a block); inclusion_s: until it
-- (or the batch carrying it) was in an L1 block; finality_s: until it was final on L1,
-- or withdrawal-ready for a scheme with a challenge window. NULL when the stage was
-- never reached. reason: why a 'dropped' or 'failed' transfer was.
DROP VIEW IF EXISTS transfer_outcomes;
CREATE VIEW transfer_outcomes AS
SELECT t.run_id, t.scheme, s.type, s.world, t.tx_id, t.submit_us, t.status, t.reason,
       t.value_eth, t.fee_eth, t.l1_fee_eth, t.l2_fee_eth,
       t.value_wei, t.fee_wei, t.l1_fee_wei, t.l2_fee_wei,
       (t.soft_us - t.submit_us) / 1e6 AS soft_s,
       (t.include_us - t.submit_us) / 1e6 AS inclusion_s,
       (t.final_us - t.submit_us) / 1e6 AS finality_s
FROM txs t JOIN schemes s ON s.run_id = t.run_id AND s.scheme = t.scheme;

-- Every L1 transaction sent for a scheme (l1_txs rows whose origin is the scheme: not
-- an adversary's, not the background) and who paid it: l1_txs.payer, as the L1 wrote
-- it from what the sender stated ('user': the L1 baseline's transfers, deposits,
-- withdrawals, forced transactions, exits, channel opens and closes; 'operator':
-- batches, DA attestations, state roots, proofs, Plasma block roots, sidechain
-- checkpoints, a hub's transactions; 'challenger': a rollup challenger's dispute
-- moves). Rows written before schema version 3 say 'unknown': their payer is read from
-- the kind (a kind either side sends, such as a hub's cooperative close, counts as the
-- user's). fee_eth is 0 for a transaction never included; submit_us is when it was
-- sent, include_us when it was paid.
DROP VIEW IF EXISTS l1_spend;
CREATE VIEW l1_spend AS
SELECT x.run_id, x.world, x.origin AS scheme, x.tx_id, x.kind,
       CASE WHEN x.payer <> 'unknown' THEN x.payer
            WHEN x.kind IN ('batch', 'blob_batch', 'dac_attestation', 'state_root', 'proof',
                            'block_root', 'exit_process', 'checkpoint',
                            'channel_force_close', 'channel_claim') THEN 'operator'
            WHEN x.kind IN ('dispute_move') THEN 'challenger'
            ELSE 'user' END AS payer,
       x.status, x.submit_us, x.include_us, x.fee_wei, x.fee_eth
FROM l1_txs x JOIN schemes s ON s.run_id = x.run_id AND s.scheme = x.origin;

-- The schemes of each run in the scenario's order (ord from 1), and whether each is the
-- run's L1 baseline: the first scheme of type 'l1' in that order. Savings are measured
-- against it.
DROP VIEW IF EXISTS run_schemes;
CREATE VIEW run_schemes AS
SELECT run_id, scheme, type, world, ord,
       type = 'l1' AND l1_ord = 1 AS is_baseline
FROM (SELECT run_id, scheme, type, world,
             row_number() OVER (PARTITION BY run_id ORDER BY rowid) AS ord,
             row_number() OVER (PARTITION BY run_id, type = 'l1' ORDER BY rowid) AS l1_ord
      FROM schemes);

-- The metrics table in long form with the phase split off the name: phase 'all' for
-- the whole run, or a phase of the run cut at every event window (models/run/run.c,
-- run_phases: 'before', 'l1_spike', 'after_l1_spike', 'block_stuffing', ...); stat such as
-- 'fee_p95_eth' or 'inclusion_p50_s'. A scheme's own statistics appear here too.
DROP VIEW IF EXISTS scheme_metrics;
CREATE VIEW scheme_metrics AS
SELECT m.run_id, m.scheme, s.type,
       CASE WHEN instr(m.name, '.') > 0 THEN substr(m.name, 1, instr(m.name, '.') - 1)
            ELSE 'all' END AS phase,
       CASE WHEN instr(m.name, '.') > 0 THEN substr(m.name, instr(m.name, '.') + 1)
            ELSE m.name END AS stat,
       m.value
FROM metrics m JOIN schemes s ON s.run_id = m.run_id AND s.scheme = m.scheme;

-- Fees and latencies per scheme: one row for the whole run (phase 'all') and, when the
-- scenario has event windows (spikes, drops, attacks), one per phase, with where it
-- lies (phase_start_s, phase_end_s; order phases by them); transfers by submission
-- time. Percentiles are nearest-rank. The soft-confirmation columns are NULL for a
-- scheme whose transfers record no soft_us (no receipt before L1 inclusion).
DROP VIEW IF EXISTS scheme_summary;
CREATE VIEW scheme_summary AS
WITH m AS (SELECT * FROM scheme_metrics)
SELECT m.run_id, m.scheme, s.type, s.world, m.phase,
       coalesce(max(CASE stat WHEN 'phase_start_s' THEN value END), 0) AS phase_start_s,
       coalesce(max(CASE stat WHEN 'phase_end_s' THEN value END),
                (SELECT r.duration_us / 1e6 FROM runs r WHERE r.run_id = m.run_id))
           AS phase_end_s,
       CAST(max(CASE stat WHEN 'transfers' THEN value END) AS INTEGER) AS transfers,
       CAST(max(CASE stat WHEN 'included' THEN value END) AS INTEGER) AS included,
       CAST(max(CASE stat WHEN 'final' THEN value END) AS INTEGER) AS final,
       CAST(max(CASE stat WHEN 'dropped' THEN value END) AS INTEGER) AS dropped,
       CAST(max(CASE stat WHEN 'failed' THEN value END) AS INTEGER) AS failed,
       max(CASE stat WHEN 'throughput_tps' THEN value END) AS throughput_tps,
       max(CASE stat WHEN 'fee_mean_eth' THEN value END) AS fee_mean_eth,
       max(CASE stat WHEN 'fee_p50_eth' THEN value END) AS fee_p50_eth,
       max(CASE stat WHEN 'fee_p95_eth' THEN value END) AS fee_p95_eth,
       max(CASE stat WHEN 'fee_p99_eth' THEN value END) AS fee_p99_eth,
       max(CASE stat WHEN 'soft_p50_s' THEN value END) AS soft_p50_s,
       max(CASE stat WHEN 'soft_p95_s' THEN value END) AS soft_p95_s,
       max(CASE stat WHEN 'soft_p99_s' THEN value END) AS soft_p99_s,
       max(CASE stat WHEN 'inclusion_mean_s' THEN value END) AS inclusion_mean_s,
       max(CASE stat WHEN 'inclusion_p50_s' THEN value END) AS inclusion_p50_s,
       max(CASE stat WHEN 'inclusion_p95_s' THEN value END) AS inclusion_p95_s,
       max(CASE stat WHEN 'inclusion_p99_s' THEN value END) AS inclusion_p99_s,
       max(CASE stat WHEN 'finality_mean_s' THEN value END) AS finality_mean_s,
       max(CASE stat WHEN 'finality_p50_s' THEN value END) AS finality_p50_s,
       max(CASE stat WHEN 'finality_p95_s' THEN value END) AS finality_p95_s,
       max(CASE stat WHEN 'finality_p99_s' THEN value END) AS finality_p99_s,
       max(CASE stat WHEN 'l1_base_fee_mean_wei' THEN value END) / 1e9 AS l1_base_fee_mean_gwei,
       max(CASE stat WHEN 'l1_base_fee_p95_wei' THEN value END) / 1e9 AS l1_base_fee_p95_gwei,
       max(CASE stat WHEN 'l1_base_fee_max_wei' THEN value END) / 1e9 AS l1_base_fee_max_gwei
FROM m JOIN schemes s ON s.run_id = m.run_id AND s.scheme = m.scheme
GROUP BY m.run_id, m.scheme, m.phase;

-- The baseline of each run (see run_schemes). No row: the run has no L1 scheme.
DROP VIEW IF EXISTS l1_baseline;
CREATE VIEW l1_baseline AS
SELECT run_id, scheme FROM run_schemes WHERE is_baseline;

-- Savings versus the L1 baseline as ratios: fee_*_ratio = the scheme's fee / the
-- baseline's (0.02: a transfer costs 2% of an L1 transfer); cheaper_x = baseline mean
-- fee / the scheme's (50: fifty times cheaper). Whole run only. Fees count included
-- transfers only, so a scheme that drops its expensive transfers looks cheaper: the
-- headline is therefore fee_done_ratio, the scheme's fees over the baseline's on the
-- same transfers, those both got done (both_done of them; every scheme sees the same
-- transfers), with the share each dropped (dropped_share, baseline_dropped_share)
-- beside it.
DROP VIEW IF EXISTS savings_vs_l1;
CREATE VIEW savings_vs_l1 AS
WITH both AS (
    SELECT b.run_id, t.scheme, count(*) AS n, total(t.fee_eth) AS fee, total(bt.fee_eth) AS base
    FROM l1_baseline b
    JOIN txs bt ON bt.run_id = b.run_id AND bt.scheme = b.scheme AND bt.include_us IS NOT NULL
    JOIN txs t ON t.run_id = b.run_id AND t.tx_id = bt.tx_id AND t.include_us IS NOT NULL
    GROUP BY b.run_id, t.scheme
)
SELECT s.run_id, s.scheme, s.type, b.scheme AS baseline,
       s.fee_mean_eth / nullif(bs.fee_mean_eth, 0) AS fee_mean_ratio,
       s.fee_p50_eth / nullif(bs.fee_p50_eth, 0) AS fee_p50_ratio,
       s.fee_p95_eth / nullif(bs.fee_p95_eth, 0) AS fee_p95_ratio,
       bs.fee_mean_eth / nullif(s.fee_mean_eth, 0) AS cheaper_x,
       s.dropped * 1.0 / nullif(s.transfers, 0) AS dropped_share,
       bs.dropped * 1.0 / nullif(bs.transfers, 0) AS baseline_dropped_share,
       coalesce(d.n, 0) AS both_done,
       coalesce(d.n, 0) * 1.0 / nullif(s.transfers, 0) AS both_done_share,
       d.fee / nullif(d.base, 0) AS fee_done_ratio
FROM scheme_summary s
JOIN l1_baseline b ON b.run_id = s.run_id
JOIN scheme_summary bs ON bs.run_id = s.run_id AND bs.scheme = b.scheme AND bs.phase = 'all'
LEFT JOIN both d ON d.run_id = s.run_id AND d.scheme = s.scheme
WHERE s.phase = 'all';

-- What a transfer costs, the same definition for every scheme (analysis/costs.c), per
-- scheme and phase ('all' or a phase as in scheme_summary): the money in ETH, then per
-- included transfer (included: transfers that reached the L1, themselves or in a
-- batch, root or checkpoint; channels: settled), then against the L1 baseline's
-- all-in cost per transfer (NULL without a baseline).
--   users_fees_eth      the users' fees to the scheme (txs fees; not the part that is
--                       an L1 transaction they sent themselves)
--   users_l1_eth        the users' own L1 transactions (view l1_spend, payer 'user'):
--                       the L1 baseline's transfers, deposits, withdrawals, exits,
--                       channel opens and closes
--   operator_l1_eth     the operator's L1 transactions (payer 'operator')
--   challengers_l1_eth  challengers' and other third parties' L1 transactions
--   offchain_eth        the operator's modeled off-chain costs (a prover's)
--   user_cost           (users_fees + users_l1) / included: what users pay
--   operator_cost       (operator_l1 + offchain) / included: what the operator spends
--   all_in_cost         (users_l1 + operator_l1 + challengers_l1 + offchain) /
--                       included: everything spent for the scheme; users' fees are
--                       not in it (they pay the operator, who pays the L1)
-- user_cost - all_in_cost = (users' fees - operator_cost - challengers) per transfer:
-- the operator's margin less the challengers' spend.
DROP VIEW IF EXISTS transfer_costs;
CREATE VIEW transfer_costs AS
SELECT run_id, scheme, type, phase,
       CAST(max(CASE stat WHEN 'included' THEN value END) AS INTEGER) AS included,
       max(CASE stat WHEN 'users_fees_eth' THEN value END) AS users_fees_eth,
       max(CASE stat WHEN 'users_l1_eth' THEN value END) AS users_l1_eth,
       max(CASE stat WHEN 'operator_l1_eth' THEN value END) AS operator_l1_eth,
       max(CASE stat WHEN 'challengers_l1_eth' THEN value END) AS challengers_l1_eth,
       max(CASE stat WHEN 'offchain_eth' THEN value END) AS offchain_eth,
       max(CASE stat WHEN 'users_fees_eth' THEN value END)
           / nullif(max(CASE stat WHEN 'included' THEN value END), 0)
           AS users_fees_per_transfer_eth,
       max(CASE stat WHEN 'users_l1_eth' THEN value END)
           / nullif(max(CASE stat WHEN 'included' THEN value END), 0)
           AS users_l1_per_transfer_eth,
       max(CASE stat WHEN 'user_cost_per_transfer_eth' THEN value END)
           AS user_cost_per_transfer_eth,
       max(CASE stat WHEN 'operator_cost_per_transfer_eth' THEN value END)
           AS operator_cost_per_transfer_eth,
       max(CASE stat WHEN 'all_in_cost_per_transfer_eth' THEN value END)
           AS all_in_cost_per_transfer_eth,
       max(CASE stat WHEN 'users_fees_ratio_to_l1' THEN value END) AS users_fees_ratio_to_l1,
       max(CASE stat WHEN 'user_cost_ratio_to_l1' THEN value END) AS user_cost_ratio_to_l1,
       max(CASE stat WHEN 'operator_cost_ratio_to_l1' THEN value END)
           AS operator_cost_ratio_to_l1,
       max(CASE stat WHEN 'all_in_cost_ratio_to_l1' THEN value END) AS all_in_cost_ratio_to_l1
FROM scheme_metrics
WHERE stat IN ('included', 'users_fees_eth', 'users_l1_eth', 'operator_l1_eth',
               'challengers_l1_eth', 'offchain_eth', 'user_cost_per_transfer_eth',
               'operator_cost_per_transfer_eth', 'all_in_cost_per_transfer_eth',
               'users_fees_ratio_to_l1', 'user_cost_ratio_to_l1',
               'operator_cost_ratio_to_l1', 'all_in_cost_ratio_to_l1')
GROUP BY run_id, scheme, phase;

-- What the users of each scheme paid, by component: total over the run and per
-- included transfer (ETH). ord orders the components in a stacked bar. An L1 transfer's
-- fee is the base fee its block burned (EIP-1559) and the tip to the proposer; an L2's
-- is its share of the L1 data posted and its L2 execution. Later schemes add proofs,
-- disputes and channel opens/closes as UNION ALL branches.
DROP VIEW IF EXISTS cost_breakdown;
CREATE VIEW cost_breakdown AS
WITH paid AS (
    SELECT t.run_id, t.scheme, s.type, s.world, count(*) AS n, total(t.l1_fee_eth) AS l1,
           total(t.l2_fee_eth) AS l2
    FROM txs t JOIN schemes s ON s.run_id = t.run_id AND s.scheme = t.scheme
    WHERE t.fee_wei IS NOT NULL GROUP BY t.run_id, t.scheme
), burn AS (            -- what a sender's included L1 transactions burned: the gas the
                        -- L1 computed for each x its block's base fee (EIP-1559)
    SELECT run_id, world, origin, total(gas * base_fee_per_gas) / 1e18 AS eth
    FROM l1_txs WHERE height IS NOT NULL GROUP BY run_id, world, origin
), slot AS (            -- block h of a world is at h slots (missed slots have rows too)
    SELECT run_id, world, time_us AS us FROM l1_blocks WHERE height = 1
), burn_v1 AS (         -- a run from before l1_txs (schema 1) has no gas per transaction:
                        -- its only scheme, the L1 baseline, sent plain transfers of
                        -- G_transaction = 21000 gas (Yellow Paper, appendix G)
    SELECT t.run_id, t.scheme, total(min(t.l1_fee_eth, b.base_fee_per_gas * 21000 / 1e18)) AS eth
    FROM txs t JOIN schemes s ON s.run_id = t.run_id AND s.scheme = t.scheme AND s.type = 'l1'
    JOIN slot ON slot.run_id = t.run_id AND slot.world = s.world
    JOIN l1_blocks b ON b.run_id = t.run_id AND b.world = s.world
                    AND b.height = t.include_us / slot.us
    WHERE t.fee_wei IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM l1_txs x WHERE x.run_id = t.run_id)
    GROUP BY t.run_id, t.scheme
), costs AS (
    SELECT p.run_id, p.scheme, p.type, p.n, p.l1, p.l2,
           CASE WHEN p.type = 'l1' THEN coalesce(bu.eth, v1.eth, 0) END AS burned
    FROM paid p
    LEFT JOIN burn bu ON bu.run_id = p.run_id AND bu.world = p.world AND bu.origin = p.scheme
    LEFT JOIN burn_v1 v1 ON v1.run_id = p.run_id AND v1.scheme = p.scheme
), comp AS (
    SELECT run_id, scheme, 1 AS ord, 'base_fee' AS component,
           'L1 base fee, burned (EIP-1559)' AS label, burned AS eth, n FROM costs
    WHERE type = 'l1'
    UNION ALL
    SELECT run_id, scheme, 2, 'tip', 'L1 priority fee (tip), to the proposer', l1 - burned, n
    FROM costs WHERE type = 'l1'
    UNION ALL
    SELECT run_id, scheme, 3, 'l1_data', 'L1 data (the share of posted batches)', l1, n
    FROM costs WHERE type <> 'l1'
    UNION ALL
    SELECT run_id, scheme, 4, 'l2_execution', 'L2 execution', l2, n FROM costs
    WHERE type <> 'l1' OR l2 > 0
)
SELECT c.run_id, c.scheme, s.type, c.ord, c.component, c.label, c.n AS transfers,
       c.eth AS total_eth, c.eth / c.n AS per_transfer_eth
FROM comp c JOIN schemes s ON s.run_id = c.run_id AND s.scheme = c.scheme;

-- Attack attempts (one row each) and how they ended: cost to the attacker, value at
-- risk and lost (ETH), detection and resolution times (hours since the start), the
-- transfers it held up and the delay it imposed on them against the symmetric
-- baseline (analysis/metrics.c, metrics_attacks), in total and per transfer.
DROP VIEW IF EXISTS fraud_outcomes;
CREATE VIEW fraud_outcomes AS
SELECT run_id, world, adversary, attack_id, type, target,
       start_us / 3.6e9 AS start_h, end_us / 3.6e9 AS end_h,
       detected, detect_us / 3.6e9 AS detect_h, resolved_us / 3.6e9 AS resolved_h,
       (detect_us - start_us) / 1e6 AS time_to_detect_s,
       cost_eth, value_at_risk_eth, value_lost_eth,
       blocks_affected, txs_affected, delay_imposed_us / 1e6 AS delay_imposed_s,
       delay_imposed_us / 1e6 / nullif(txs_affected, 0) AS delay_per_transfer_s,
       CASE WHEN value_lost_eth > 0 THEN 'funds lost'
            WHEN detected AND resolved_us IS NOT NULL THEN 'detected and resolved'
            WHEN detected THEN 'detected, unresolved at the end'
            WHEN value_at_risk_eth > 0 THEN 'undetected, nothing lost'
            ELSE 'no funds at risk: costs and delays only' END AS outcome,
       detail
FROM attacks;

-- The L1 market block by block in each world: prices in force and how full blocks were.
DROP VIEW IF EXISTS l1_market;
CREATE VIEW l1_market AS
SELECT run_id, world, height, time_us, time_us / 3.6e9 AS time_h,
       base_fee_per_gas / 1e9 AS base_fee_gwei, blob_base_fee AS blob_base_fee_wei,
       burned_eth, tips_eth,
       CAST(gas_used AS REAL) / gas_limit AS gas_used_share,
       blob_gas_used / 131072 AS blobs, tx_count, missed
FROM l1_blocks;

-- The targets the L1 prices steer towards, per run: the EIP-1559 gas target as a share
-- of the block gas limit (1 / elasticity; every fork preset uses 2), and the blob
-- target per block (the scenario's or the fork preset's; NULL in runs recorded before
-- the config held preset values).
DROP VIEW IF EXISTS l1_targets;
CREATE VIEW l1_targets AS
SELECT r.run_id,
       1.0 / coalesce((SELECT CAST(c.value AS REAL) FROM run_config c
                       WHERE c.run_id = r.run_id AND c.path = 'l1.elasticity'), 2)
           AS gas_target_share,
       (SELECT CAST(c.value AS INTEGER) FROM run_config c
        WHERE c.run_id = r.run_id AND c.path = 'l1.blobs.target') AS blob_target
FROM runs r;
