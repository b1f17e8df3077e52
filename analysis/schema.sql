-- schema.sql — the l2sim results database. Compiled into the binary; applied to every
-- database l2sim opens (idempotent). One database holds many runs. Bump schema_version
-- on any change and add a migration in sim/store.c.
--
-- Money: every amount is a pair, X_wei (exact decimal TEXT, any size up to 2^256-1 wei)
-- and X_eth (REAL, generated from X_wei: use it for sum, avg, max, ORDER BY and plots).
-- Writers bind X_wei with money_bind (sim/money.h). Per-gas prices are integer wei.
-- Times are integer microseconds of simulated time (`*_us`).
-- Only runs.started_at and runs.wall_s depend on the wall clock; everything else is a
-- pure function of (scenario, overrides, seed, l2sim version).

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per run (one scenario x seed x replication). status is 'running' while the
-- run writes; a run killed hard stays 'running' forever: readers take only 'complete'.
CREATE TABLE IF NOT EXISTS runs (
    run_id          INTEGER PRIMARY KEY,
    scenario_name   TEXT    NOT NULL,
    scenario_file   TEXT    NOT NULL,
    scenario_text   TEXT    NOT NULL,   -- the file, byte for byte
    scenario_sha256 TEXT    NOT NULL,   -- of scenario_text
    overrides       TEXT    NOT NULL,   -- --set values, sorted by path, one per line
    config          TEXT    NOT NULL,   -- every parameter in force: path = value  # origin
    seed            INTEGER NOT NULL,   -- the seed this replication ran with
    master_seed     INTEGER NOT NULL,   -- the scenario's seed (replications derive theirs)
    replication     INTEGER NOT NULL,   -- 0-based
    l2sim_version   TEXT    NOT NULL,
    git_rev         TEXT    NOT NULL,
    crypto_mode     TEXT    NOT NULL,   -- 'ed25519' or 'blake2b-mac'
    duration_us     INTEGER NOT NULL,   -- simulated time requested
    sim_end_us      INTEGER,            -- simulated time reached
    events          INTEGER,            -- events executed
    started_at      TEXT    NOT NULL,   -- wall clock, UTC ISO 8601
    wall_s          REAL,               -- wall clock seconds
    status          TEXT    NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'complete', 'failed', 'interrupted')),
    status_detail   TEXT,               -- why a run failed or stopped
    sweep_point     TEXT,               -- `l2sim sweep`: the point's overrides
                                        -- ("l1.gas_limit=30M, l1.elasticity=2"); else NULL
    sweep_index     INTEGER             -- `l2sim sweep`: the point's 0-based index in the
                                        -- sweep (its plan order); else NULL
);

-- The schemes of a run. Each runs in its own world (own L1 copy, same demand and
-- transfers) unless it names a world (schemes[].world) that others name too, or the
-- scenario says shared_l1: then every scheme's world is 'shared'.
CREATE TABLE IF NOT EXISTS schemes (
    run_id  INTEGER NOT NULL REFERENCES runs(run_id),
    scheme  TEXT    NOT NULL,           -- the scheme's name in the scenario
    type    TEXT    NOT NULL,           -- l1, optimistic_rollup, ...
    world   TEXT    NOT NULL,
    PRIMARY KEY (run_id, scheme)
);

-- One row per L1 slot of each world. base_fee_per_gas and blob_base_fee are the
-- prices in force for that block; missed = 1 for an empty (missed) slot.
CREATE TABLE IF NOT EXISTS l1_blocks (
    run_id           INTEGER NOT NULL REFERENCES runs(run_id),
    world            TEXT    NOT NULL,
    height           INTEGER NOT NULL,
    time_us          INTEGER NOT NULL,
    gas_limit        INTEGER NOT NULL,
    gas_used         INTEGER NOT NULL,
    base_fee_per_gas INTEGER NOT NULL,  -- wei
    blob_gas_used    INTEGER NOT NULL,
    excess_blob_gas  INTEGER NOT NULL,
    blob_base_fee    INTEGER NOT NULL,  -- wei per blob gas
    tx_count         INTEGER NOT NULL,
    missed           INTEGER NOT NULL,
    burned_wei       TEXT    NOT NULL,  -- base fee x gas + blob fees
    burned_eth       REAL    GENERATED ALWAYS AS (CAST(burned_wei AS REAL) / 1e18) VIRTUAL,
    tips_wei         TEXT    NOT NULL,  -- priority fees paid to the proposer
    tips_eth         REAL    GENERATED ALWAYS AS (CAST(tips_wei AS REAL) / 1e18) VIRTUAL,
    PRIMARY KEY (run_id, world, height)
) WITHOUT ROWID;

-- One row per L1 transaction a scheme or an adversary sent (not the background),
-- written by the L1 itself (models/l1/l1.c): what it carried, the gas the L1 computed
-- for it (EIP-2028 calldata, EIP-7623 floor), what it was charged, and its fate.
-- status: 'final', 'included' (not yet final at the end), 'pending' (in the pool at
-- the end), 'dropped' (drop_reason says why). cancelled = 1: the sender's cancellation
-- (an empty self-transfer at the same nonce) took the nonce, and fee_wei is its cost.
-- Per origin, sum(fee_wei) is what the L1 charged it, and so per origin and payer
-- (checked at the end of a run). payer: who paid it, as the sender stated or, by
-- default, from its origin and account (models/l1/l1.h enum l1_payer): 'user',
-- 'operator', 'challenger', 'adversary'; 'unknown' in rows written before schema
-- version 3.
CREATE TABLE IF NOT EXISTS l1_txs (
    run_id                   INTEGER NOT NULL REFERENCES runs(run_id),
    world                    TEXT    NOT NULL,
    tx_id                    INTEGER NOT NULL,  -- the handle l1_submit returned
    origin                   TEXT    NOT NULL,  -- the scheme's or adversary's name
    kind                     TEXT    NOT NULL,  -- the sender's word: transfer, batch, stuffing, ...
    status                   TEXT    NOT NULL,
    cancelled                INTEGER NOT NULL,
    calldata_bytes           INTEGER NOT NULL,
    exec_gas                 INTEGER NOT NULL,  -- EVM execution gas the sender stated
    gas                      INTEGER NOT NULL,  -- gas used, as the L1 computed it
    blobs                    INTEGER NOT NULL,
    max_fee_per_gas          INTEGER NOT NULL,  -- wei, the last bid (after replacements)
    max_priority_fee_per_gas INTEGER NOT NULL,  -- wei
    replacements             INTEGER NOT NULL,  -- fee bumps accepted (a cancellation counts)
    height                   INTEGER,           -- including block; NULL if not included
    base_fee_per_gas         INTEGER,           -- wei, of the including block
    priority_fee_per_gas     INTEGER,           -- wei, effective tip paid
    fee_wei                  TEXT    NOT NULL,  -- what it paid: gas x price + blob fee; 0 if not included
    fee_eth                  REAL GENERATED ALWAYS AS (CAST(fee_wei AS REAL) / 1e18) VIRTUAL,
    submit_us                INTEGER NOT NULL,
    include_us               INTEGER,           -- the including block's slot time
    final_us                 INTEGER,
    drop_us                  INTEGER,
    drop_reason              TEXT,
    -- last, where version 3's upgrade (ALTER TABLE ... ADD COLUMN) puts it
    payer                    TEXT    NOT NULL DEFAULT 'unknown',
    PRIMARY KEY (run_id, world, tx_id)
) WITHOUT ROWID;

-- One row per user transfer per scheme. fee_wei = l1_fee_wei + l2_fee_wei, written when
-- the fee is charged (NULL: nothing charged, e.g. still pending or dropped unpaid).
-- Times: soft_us when the scheme accepted it (an L2 sequencer's receipt; the L1 itself:
-- inclusion), include_us when it (or the batch carrying it) was in an L1 block,
-- final_us when final on L1 (or withdrawal-ready after a challenge window).
-- status: 'pending' (submitted, nothing yet), 'soft' (accepted, not yet on L1),
-- 'included' (not yet final at the end), 'final', 'dropped' (never executed),
-- 'failed' (refused: never sent because the user could not pay, or executed and
-- refused by a scheme, when it may have paid a fee); reason says why for 'dropped'
-- and 'failed' (NULL otherwise), as a fixed phrase per cause so GROUP BY reason counts.
CREATE TABLE IF NOT EXISTS txs (
    run_id     INTEGER NOT NULL REFERENCES runs(run_id),
    scheme     TEXT    NOT NULL,
    tx_id      INTEGER NOT NULL,        -- the transfer's number in the workload
    user_id    INTEGER NOT NULL,
    to_user_id INTEGER NOT NULL,
    value_wei  TEXT    NOT NULL,
    value_eth  REAL    GENERATED ALWAYS AS (CAST(value_wei AS REAL) / 1e18) VIRTUAL,
    submit_us  INTEGER NOT NULL,
    soft_us    INTEGER,                 -- NULL until accepted
    include_us INTEGER,                 -- NULL until included
    final_us   INTEGER,                 -- NULL until final
    fee_wei    TEXT,
    fee_eth    REAL    GENERATED ALWAYS AS (CAST(fee_wei AS REAL) / 1e18) VIRTUAL,
    l1_fee_wei TEXT,                    -- the part paid on L1 (gas, or a share of posted data)
    l1_fee_eth REAL    GENERATED ALWAYS AS (CAST(l1_fee_wei AS REAL) / 1e18) VIRTUAL,
    l2_fee_wei TEXT,                    -- L2 execution
    l2_fee_eth REAL    GENERATED ALWAYS AS (CAST(l2_fee_wei AS REAL) / 1e18) VIRTUAL,
    -- spelled with OR, not IN (...): SQLite fills a temporary b-tree with an IN list
    -- on every insert, a fifth of the L1 day in `make bench`
    status     TEXT    NOT NULL
               CHECK (status = 'pending' OR status = 'soft' OR status = 'included' OR
                       status = 'final' OR status = 'dropped' OR status = 'failed'),
    reason     TEXT,                    -- why it was dropped or failed
    PRIMARY KEY (run_id, scheme, tx_id)
) WITHOUT ROWID;

-- Summary statistics per run and scheme (fee_mean, fee_p50, inclusion_p95_s, ...).
CREATE TABLE IF NOT EXISTS metrics (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    scheme TEXT    NOT NULL,
    name   TEXT    NOT NULL,
    value  REAL,
    PRIMARY KEY (run_id, scheme, name)
) WITHOUT ROWID;

-- Readers (report, compare, your own SQL) should start from complete runs.
CREATE VIEW IF NOT EXISTS complete_runs AS
    SELECT * FROM runs WHERE status = 'complete';

-- One row per attack attempt: attack_id numbers an adversary's attempts in a world
-- from 1 (an adversary acting over a window makes one attempt; a fraudulent operator
-- makes one per false claim). cost is what the attacker paid, value_at_risk what the
-- attempt could take, value_lost what it took. detect_us / resolved_us: when the
-- attempt was detected (a challenge, a penalty) and settled; NULL when it never was.
CREATE TABLE IF NOT EXISTS attacks (
    run_id             INTEGER NOT NULL REFERENCES runs(run_id),
    world              TEXT    NOT NULL,
    adversary          TEXT    NOT NULL,   -- its name in the scenario
    attack_id          INTEGER NOT NULL,   -- 1, 2, ... per adversary and world
    type               TEXT    NOT NULL,   -- block_stuffing, censorship, ...
    target             TEXT    NOT NULL,   -- a scheme's name, or 'all'
    start_us           INTEGER NOT NULL,
    end_us             INTEGER NOT NULL,
    cost_wei           TEXT    NOT NULL,   -- what the attacker paid
    cost_eth           REAL    GENERATED ALWAYS AS (CAST(cost_wei AS REAL) / 1e18) VIRTUAL,
    value_at_risk_wei  TEXT    NOT NULL,
    value_at_risk_eth  REAL    GENERATED ALWAYS AS (CAST(value_at_risk_wei AS REAL) / 1e18)
                               VIRTUAL,
    value_lost_wei     TEXT    NOT NULL,
    value_lost_eth     REAL    GENERATED ALWAYS AS (CAST(value_lost_wei AS REAL) / 1e18)
                               VIRTUAL,
    detected           INTEGER NOT NULL,
    detect_us          INTEGER,            -- NULL: never detected
    resolved_us        INTEGER,            -- NULL: never resolved
    blocks_affected    INTEGER NOT NULL,
    txs_affected       INTEGER NOT NULL,
    delay_imposed_us   INTEGER NOT NULL,   -- summed over victims' transactions
    detail             TEXT    NOT NULL,
    PRIMARY KEY (run_id, world, adversary, attack_id)
);
