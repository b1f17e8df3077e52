-- studies.sql — replications and confidence intervals: a table of Student-t quantiles
-- and the views that turn replications (or one long run's batches) into a mean with a
-- 95% confidence interval. Compiled into the binary after schema.sql and views.sql and
-- applied to every database l2sim opens; each view is dropped and re-created.
--
-- Replications of one configuration are the complete runs that share scenario bytes
-- (scenario_sha256), overrides, master seed, crypto mode and l2sim build; they differ
-- only in `replication` (and so in `seed`, derived from the master seed). A sweep
-- point's overrides are part of its configuration, so every point gets its own
-- interval.

-- t(0.975, df) from GSL (gsl_cdf_tdist_Pinv): the 95% two-sided quantile. l2sim fills
-- it for df up to the largest replication index it has recorded (at least 100).
CREATE TABLE IF NOT EXISTS student_t (
    df   INTEGER PRIMARY KEY,
    t975 REAL    NOT NULL
);

-- The replications that count: the latest complete run of each (configuration,
-- replication), so running the same replication twice into one database does not
-- count it twice.
DROP VIEW IF EXISTS replication_runs;
CREATE VIEW replication_runs AS
SELECT * FROM runs WHERE run_id IN (
    SELECT MAX(run_id) FROM runs WHERE status = 'complete'
    GROUP BY scenario_sha256, overrides, master_seed, replication, crypto_mode,
             l2sim_version, git_rev);

-- Mean and 95% confidence interval of every metric across replications, per
-- configuration and scheme: mean +- t(0.975, n - 1) * sd / sqrt(n). With one
-- replication sd, half_width, ci_low and ci_high are NULL.
DROP VIEW IF EXISTS metric_ci;
CREATE VIEW metric_ci AS
WITH v AS (
    SELECT r.scenario_name, r.scenario_sha256, r.overrides, r.master_seed, r.crypto_mode,
           r.l2sim_version, r.git_rev, r.sweep_point, r.sweep_index, m.scheme, m.name,
           m.value
    FROM replication_runs r JOIN metrics m ON m.run_id = r.run_id
), g AS (
    SELECT scenario_name, scenario_sha256, overrides, master_seed, crypto_mode,
           l2sim_version, git_rev, scheme, name, MAX(sweep_point) AS sweep_point,
           MAX(sweep_index) AS sweep_index, COUNT(value) AS n, AVG(value) AS mean
    FROM v
    GROUP BY scenario_name, scenario_sha256, overrides, master_seed, crypto_mode,
             l2sim_version, git_rev, scheme, name
), s AS (
    SELECT g.*, SUM((v.value - g.mean) * (v.value - g.mean)) AS ss
    FROM g JOIN v USING (scenario_name, scenario_sha256, overrides, master_seed,
                         crypto_mode, l2sim_version, git_rev, scheme, name)
    GROUP BY scenario_name, scenario_sha256, overrides, master_seed, crypto_mode,
             l2sim_version, git_rev, scheme, name
), c AS (
    SELECT s.*, CASE WHEN n > 1 THEN sqrt(ss / (n - 1)) END AS sd,
           CASE WHEN n > 1 THEN t.t975 * sqrt(ss / (n - 1) / n) END AS half_width
    FROM s LEFT JOIN student_t t ON t.df = s.n - 1
)
SELECT scenario_name, sweep_point, sweep_index, overrides, master_seed, scheme, name, n,
       mean, sd, half_width, mean - half_width AS ci_low, mean + half_width AS ci_high,
       scenario_sha256, crypto_mode, l2sim_version, git_rev
FROM c;

-- Batch means for one long run: its transfers cut by submission time into 20 equal
-- windows; the mean fee and latencies of each window are treated as (nearly)
-- independent observations, so their mean gets a 95% interval with 19 degrees of
-- freedom. `mean` is the mean of the 20 window means (not weighted by transfers).
-- Windows must be long against the fee market's memory (minutes of simulated time).
DROP VIEW IF EXISTS batch_means;
CREATE VIEW batch_means AS
WITH b AS (
    SELECT t.run_id, t.scheme, (t.submit_us * 20) / r.duration_us AS batch,
           AVG(CASE WHEN t.include_us IS NOT NULL THEN t.fee_eth END) AS fee,
           AVG((t.include_us - t.submit_us) / 1e6) AS incl,
           AVG((t.final_us - t.submit_us) / 1e6) AS fin
    FROM txs t JOIN runs r ON r.run_id = t.run_id
    WHERE t.submit_us < r.duration_us
    GROUP BY t.run_id, t.scheme, batch
), v AS (
    SELECT run_id, scheme, 'fee_mean_eth' AS name, batch, fee AS value FROM b
    UNION ALL SELECT run_id, scheme, 'inclusion_mean_s', batch, incl FROM b
    UNION ALL SELECT run_id, scheme, 'finality_mean_s', batch, fin FROM b
), g AS (
    SELECT run_id, scheme, name, COUNT(value) AS n, AVG(value) AS mean
    FROM v GROUP BY run_id, scheme, name
), s AS (
    SELECT g.*, SUM((v.value - g.mean) * (v.value - g.mean)) AS ss
    FROM g JOIN v USING (run_id, scheme, name)
    GROUP BY run_id, scheme, name
)
SELECT s.run_id, s.scheme, s.name, s.n AS batches, s.mean,
       CASE WHEN s.n > 1 THEN t.t975 * sqrt(s.ss / (s.n - 1) / s.n) END AS half_width,
       s.mean - CASE WHEN s.n > 1 THEN t.t975 * sqrt(s.ss / (s.n - 1) / s.n) END AS ci_low,
       s.mean + CASE WHEN s.n > 1 THEN t.t975 * sqrt(s.ss / (s.n - 1) / s.n) END AS ci_high
FROM s LEFT JOIN student_t t ON t.df = s.n - 1;
