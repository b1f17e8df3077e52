# numbers.sh — sourced by tests/scenario_tests.sh. The numbers a user reads (issue 14):
# each test builds a scenario whose right answer is known and states it.

# ---- seeds: one decimal form, printed = stored = accepted back (issue 14 item 4) ----
rm -f "$tmp"/seeds.db* "$tmp"/seed1.db*
l2sim run "$SCN" --set duration=10m --replications 6 --db="$tmp/seeds.db"
check_crash
[ "$rc" -eq 0 ] || note "run --db=FILE exited $rc: $first"
printed=$(sed -n 's/^run [0-9]*: .*, seed \([0-9]*\), .*/\1/p' "$tmp/out" | tr '\n' ' ' | sed 's/ $//')
stored=$(q "$tmp/seeds.db" "SELECT seed FROM runs ORDER BY run_id" | tr '\n' ' ' | sed 's/ $//')
[ -n "$printed" ] && [ "$printed" = "$stored" ] ||
    note "printed seeds '$printed', stored '$stored'"
neg=$(q "$tmp/seeds.db" "SELECT count(*) FROM runs WHERE seed < 0 OR typeof(seed) <> 'integer'")
[ "$neg" = 0 ] || note "$neg seeds stored negative or not as integers"
# every printed seed is taken back by --seed (both spellings) and reproduces its run
for s in $printed; do
    l2sim run "$SCN" --set duration=10m --seed "$s" --db "$tmp/seed1.db" --quiet
    [ "$rc" -eq 0 ] || note "--seed $s exited $rc: $first"
done
l2sim run "$SCN" --set duration=10m --seed="${printed##* }" --db "$tmp/seed1.db" --quiet
[ "$rc" -eq 0 ] || note "--seed=S exited $rc: $first"
same=$(q "$tmp/seed1.db" "ATTACH '$tmp/seeds.db' AS a;
    SELECT count(*) FROM metrics m JOIN runs r ON r.run_id = m.run_id
    JOIN a.runs ar ON ar.seed = r.seed JOIN a.metrics am
      ON am.run_id = ar.run_id AND am.scheme = m.scheme AND am.name = m.name
    WHERE am.value IS NOT m.value")
[ "$same" = 0 ] || note "$same metrics differ between a replication and --seed of its seed"
l2sim run "$SCN" --seed 9223372036854775808 --db "$tmp/seed1.db" --quiet
[ "$rc" -eq 2 ] || note "--seed 2^63 exited $rc, expected 2"
finish numbers/seeds-one-form

# ---- the fork preset's values are in force and shown (issue 14 item 5) ----
# Prague (EIP-7691): 36M gas, elasticity 2 and denominator 8 (EIP-1559), blob target 6,
# max 9, update fraction 5007716. A gas-limit study must see its baseline in the config.
l2sim validate --print "$SCN"
for want in 'l1.gas_limit = 36M  # preset' 'l1.elasticity = 2  # preset' \
    'l1.base_fee.max_change_denominator = 8  # preset' 'l1.blobs.target = 6  # preset' \
    'l1.blobs.max = 9  # preset' 'l1.blobs.update_fraction = 5007716  # preset'; do
    grep -q -x -F "$want" "$tmp/out" || note "validate --print lacks '$want'"
done
l2sim validate --print "$SCN" --set l1.gas_limit=30M --set l1.fork=osaka
grep -q -x -F 'l1.gas_limit = 30M  # --set' "$tmp/out" || note "an override shown as preset"
grep -q -x -F 'l1.blobs.target = 6  # preset' "$tmp/out" || note "osaka's blob target not 6"
rm -f "$tmp"/preset.db*
l2sim run "$SCN" --set duration=10m --db "$tmp/preset.db" --quiet
got=$(q "$tmp/preset.db" "SELECT group_concat(path || '=' || value || ':' || origin, ' ')
    FROM (SELECT * FROM run_config WHERE path IN ('l1.gas_limit', 'l1.blobs.max') ORDER BY path)")
[ "$got" = "l1.blobs.max=9:preset l1.gas_limit=36M:preset" ] || note "run_config: '$got'"
# the blame for a wrong pair falls on the value the user gave, not the preset's
l2sim validate "$SCN" --set l1.blobs.target=12
expect_first "--set l1.blobs.target=12: blob max (9) is below the target (12)"
finish numbers/fork-preset-in-config

# ---- block stuffing: its victims and the delay it imposed (issue 14 item 1) ----
# No background demand, no missed slots, 12 s slots (blocks at 0, 12, 24 s, ...).
# The attacker takes the whole 36M gas of every block built in [20m, 25m) (36 fillers
# of 1M gas at a 50 gwei tip); a transfer needs 21000 gas, so none gets in. Every
# transfer submitted after the last free block (19:48) and before 25:00 is held until
# the block at 25:00, which has room for all of them: each waits 25:00 - submission,
# against about half a slot (6 s) before and after the attack. Their mean extra wait
# is about (1500 s - 1188 s) / 2 - 6 s = 150 s.
cat >"$tmp/stuff.yaml" <<'YAML'
name: stuffing-victims
seed: 7
duration: 40m
l1:
  fork: prague
  missed_slot: 0
  base_fee: {initial: 1gwei}
  demand: {rate: 0/block}
  blobs: {demand: 0/block}
workload:
  users: 1000
  transfers: {rate: 0.5/s}
schemes:
  - {type: l1, max_fee_multiplier: 100}
adversaries:
  - {type: block_stuffing, from: 20m, for: 5m, budget: 1000eth}
YAML
rm -f "$tmp"/stuff.db*
l2sim run "$tmp/stuff.yaml" --db "$tmp/stuff.db" --quiet
check_crash
[ "$rc" -eq 0 ] || note "run exited $rc: $first"
held=$(q "$tmp/stuff.db" "SELECT count(*) FROM txs WHERE submit_us > 1188000000
    AND submit_us < 1500000000")
atheld=$(q "$tmp/stuff.db" "SELECT count(*) FROM txs WHERE submit_us > 1188000000
    AND submit_us < 1500000000 AND include_us = 1500000000")
[ "$held" -gt 100 ] && [ "$atheld" = "$held" ] ||
    note "$atheld of $held transfers of 19:48-25:00 included at 25:00"
got=$(q "$tmp/stuff.db" "SELECT txs_affected FROM attacks")
[ "$got" = "$held" ] || note "txs_affected $got, expected the $held transfers held"
# the expected delay, from submission times and the symmetric baseline: the mean wait
# of the transfers confirmed in the 5 minutes before the attack (15:00-20:00) and of
# those submitted in the 5 minutes after it (25:00-30:00), apart for each sender's
# first transfer (no earlier confirmation of its own) and its later ones; each group's
# victims' waits less their baseline, where positive, summed
want=$(q "$tmp/stuff.db" "WITH t AS (SELECT submit_us, include_us AS c, include_us - submit_us AS w,
      NOT EXISTS (SELECT 1 FROM txs o WHERE o.user_id = txs.user_id AND o.include_us < txs.submit_us)
        AS first FROM txs),
    v AS (SELECT first, count(*) AS n, sum(w) AS w FROM t WHERE submit_us < 1500000000
          AND c > 1200000000 GROUP BY first),
    b AS (SELECT first, avg(w) AS w FROM t WHERE (c > 900000000 AND c <= 1200000000)
          OR (submit_us >= 1500000000 AND submit_us < 1800000000) GROUP BY first)
    SELECT CAST(round(sum(max(0, v.w - v.n * b.w))) AS INTEGER) FROM v JOIN b USING (first)")
got=$(q "$tmp/stuff.db" "SELECT delay_imposed_us FROM attacks")
[ "$got" = "$want" ] || note "delay_imposed_us $got, expected $want"
mean=$(q "$tmp/stuff.db" "SELECT delay_imposed_us / 1e6 / txs_affected BETWEEN 130 AND 170
    FROM attacks")
[ "$mean" = 1 ] || note "mean extra wait not about 150 s: $(q "$tmp/stuff.db" \
    "SELECT delay_imposed_us / 1e6 / txs_affected FROM attacks")"
q "$tmp/stuff.db" "SELECT detail FROM attacks" | grep -q "equally long windows before and after" ||
    note "the detail does not say what the delay is measured against"
finish numbers/stuffing-victims-and-delay

# One adversary in a scenario acts in every world it reaches, a row each: the run's
# summary names the world of each row (it printed identical rows without it), with
# the transfers held up and their extra wait, as the attacks table has them.
# (the stuffing scenario above with its L1 scheme twice, in two worlds)
sed -e 's/^  - {type: l1, max_fee_multiplier: 100}$/  - {type: l1, name: first, max_fee_multiplier: 100}\
  - {type: l1, name: second, max_fee_multiplier: 100}/' "$tmp/stuff.yaml" >"$tmp/stuff2.yaml"
rm -f "$tmp"/stuff2.db*
l2sim run "$tmp/stuff2.yaml" --db "$tmp/stuff2.db"
check_crash
[ "$rc" -eq 0 ] || note "run exited $rc: $first"
for w in first second; do
    want=$(q "$tmp/stuff2.db" "SELECT printf('%d +%.1f s', txs_affected, delay_per_transfer_s)
        FROM fraud_outcomes WHERE world = '$w'")
    grep -E "^block_stuffing +$w +block_stuffing .* $want  " "$tmp/out" >/dev/null ||
        note "no summary row for world $w with '$want': $(grep '^block_stuffing' "$tmp/out")"
done
finish numbers/attack-rows-name-their-world

# ---- phases: cut at every event window, named for what it is (issue 14 item 3) ----
# A tripling of L1 demand 1:00-2:00, block stuffing 1:30-1:40 inside it, demand halved
# 3:00-3:30: seven phases, and the stuffing is never inside a spike's after-effect.
cat >"$tmp/phases.yaml" <<'YAML'
name: phases
seed: 3
duration: 4h
l1:
  fork: prague
  demand:
    rate: 100/block
    spikes:
      - {at: 1h, for: 1h, multiplier: 3}
      - {at: 3h, for: 30m, multiplier: 0.5}
workload:
  users: 1000
  transfers: {rate: 0.2/s}
schemes:
  - {type: l1}
adversaries:
  - {type: block_stuffing, from: 90m, for: 10m, budget: 100eth}
YAML
rm -f "$tmp"/phases.db*
l2sim run "$tmp/phases.yaml" --db "$tmp/phases.db"
check_crash
[ "$rc" -eq 0 ] || note "run exited $rc: $first"
got=$(q "$tmp/phases.db" "SELECT group_concat(phase || '@' || phase_start_s || '-' || phase_end_s, ' ')
    FROM (SELECT * FROM scheme_summary WHERE phase <> 'all' ORDER BY phase_start_s)")
want="before@0.0-3600.0 l1_spike@3600.0-5400.0 l1_spike+block_stuffing@5400.0-6000.0"
want="$want l1_spike_2@6000.0-7200.0 after_l1_spike@7200.0-10800.0 l1_drop@10800.0-12600.0"
want="$want after_l1_drop@12600.0-14400.0"
[ "$got" = "$want" ] || note "phases '$got', expected '$want'"
# every transfer is in exactly one phase
sum=$(q "$tmp/phases.db" "SELECT (SELECT sum(transfers) FROM scheme_summary WHERE phase <> 'all')
    = (SELECT count(*) FROM txs)")
[ "$sum" = 1 ] || note "the phases' transfers do not add up to the run's"
grep -q "^l1  *l1_drop  *3:00-3:30 " "$tmp/out" || note "the summary has no l1_drop row 3:00-3:30"
finish numbers/phases-every-window

# ---- fee comparisons say what was dropped and compare what got done (item 2) ----
# teach/congestion_spike: users capped at 25 gwei per gas have part of their transfers
# dropped in the spike, the expensive ones: their mean fee over what got in reads lower
# than the wallet default's by more than it is on the same transfers, those both got
# done. The headline is the second, with the dropped share beside it.
rm -f "$tmp"/cong2.db*
l2sim run scenarios/teach/congestion_spike.yaml --db "$tmp/cong2.db" --quiet --out "$tmp/cong2"
check_crash
[ "$rc" -eq 0 ] || note "run exited $rc: $first"
got=$(q "$tmp/cong2.db" "SELECT printf('%.4f %.4f %d %.4f', dropped_share, fee_mean_ratio,
    both_done, fee_done_ratio) FROM savings_vs_l1 WHERE scheme = 'budget'")
# the same from the txs rows alone
want=$(q "$tmp/cong2.db" "SELECT printf('%.4f %.4f %d %.4f',
    (SELECT avg(status = 'dropped') FROM txs WHERE scheme = 'budget'),
    (SELECT avg(fee_eth) FROM txs WHERE scheme = 'budget' AND include_us IS NOT NULL) /
    (SELECT avg(fee_eth) FROM txs WHERE scheme = 'wallet-default' AND include_us IS NOT NULL),
    count(*), total(b.fee_eth) / total(w.fee_eth))
    FROM txs b JOIN txs w ON w.tx_id = b.tx_id AND w.scheme = 'wallet-default'
    WHERE b.scheme = 'budget' AND b.include_us IS NOT NULL AND w.include_us IS NOT NULL")
[ -n "$got" ] && [ "$got" = "$want" ] || note "savings_vs_l1 '$got', from txs '$want'"
set -- $got
awk -v d="$1" -v m="$2" -v r="$4" 'BEGIN { exit !(d > 0.05 && m < r && r < 1) }' ||
    note "dropped $1, mean ratio $2, on both-done $4: dropping does not flatter the mean"
pct=$(q "$tmp/cong2.db" "SELECT printf('%.0f%% cheaper on the %.0f%% both got done (it dropped
    %.1f%%, the baseline %.1f%%)', 100 * (1 - fee_done_ratio), 100 * both_done_share,
    100 * dropped_share, 100 * baseline_dropped_share) FROM savings_vs_l1 WHERE scheme = 'budget'" |
    tr '\n' ' ' | sed 's/  */ /g; s/ $//')
grep -q -F "$pct" "$tmp/cong2/report.html" ||
    note "the report's headline is not '$pct'"
finish numbers/fees-on-what-got-done

# ---- what the report says of what is not there (issue 14 item 6) ----
# Two runs that each have only the L1 baseline: no savings figure (nothing to compare),
# with the reason; a run stopped before its adversary recorded is not "a scenario with
# no adversaries"; wall time to the hundredth of a second; a demand drop is a drop.
rm -rf "$tmp"/six.db* "$tmp/six-rep" "$tmp/six-rep2"
l2sim run "$SCN" --set duration=20m --db "$tmp/six.db" --quiet
l2sim run "$SCN" --set duration=20m --seed 9 --db "$tmp/six.db" --quiet
l2sim report "$tmp/six.db" --run 1 --run 2 --out "$tmp/six-rep"
check_crash
grep -q "savings *not drawn: Each run has only the L1 baseline" "$tmp/out" ||
    note "savings for two baseline-only runs: $(grep savings "$tmp/out")"
[ -e "$tmp/six-rep/savings.png" ] && note "an empty savings figure was drawn"
wall=$(grep -o 'wall time (s)</th><td class="l">[^<]*' "$tmp/six-rep/report.html" | head -n 1 |
       sed 's/.*>//')
case $wall in [0-9]*.[0-9][0-9]) ;; *) note "wall time printed as '$wall'" ;; esac
l2sim run "$SCN" --max-events 2000 --db "$tmp/six.db" --quiet     # stops at 0:01, before 9:00
l2sim report "$tmp/six.db" --run 3 --allow-incomplete --out "$tmp/six-rep2" --quiet
grep -q "the scenario has no" "$tmp/six-rep2/report.html" &&
    note "an unfinished run with an adversary is reported as having none"
grep -q "No attack was recorded: the scenario has adversaries" "$tmp/six-rep2/report.html" ||
    note "the unfinished run's report does not say why no attack is listed"
l2sim run "$SCN" --set duration=2h --set 'l1.demand.spikes[0].at=30m' \
    --set 'l1.demand.spikes[0].multiplier=0.5' --db "$tmp/six.db"
grep -q "^l1  *l1_drop " "$tmp/out" || note "a demand drop is not called a drop in the summary"
grep -v '^by phase' "$tmp/out" | grep -q "spike" &&
    note "a demand drop is called a spike: $(grep -v '^by phase' "$tmp/out" | grep spike)"
finish numbers/report-says-what-is-missing

# ---- units and types in SQL (issue 14 item 7) ----
# Every view column that is not a key, text or a count ends in its unit; counts come
# back as INTEGER; a latency stage has one name in metrics and views.
rm -f "$tmp"/units.db*
l2sim run "$SCN" --set duration=30m --db "$tmp/units.db" --quiet
bad=$(q "$tmp/units.db" "SELECT group_concat(v.name || '.' || c.name, ' ')
    FROM sqlite_master v, pragma_table_info(v.name) c
    WHERE v.type = 'view' AND v.name IN ('scheme_summary', 'savings_vs_l1', 'cost_breakdown',
          'fraud_outcomes', 'l1_market', 'l1_targets', 'transfer_outcomes', 'run_info')
      AND c.name NOT IN ('run_id', 'scheme', 'type', 'world', 'phase', 'baseline', 'ord',
          'component', 'label', 'adversary', 'target', 'outcome', 'detail', 'status',
          'height', 'tx_id', 'transfers', 'included', 'final', 'dropped', 'failed', 'both_done',
          'blocks_affected', 'txs_affected', 'detected', 'blobs', 'tx_count', 'missed',
          'scenario_name', 'description', 'scenario_file', 'scenario_text',
          'scenario_sha256', 'overrides', 'config', 'seed', 'master_seed', 'replication',
          'l2sim_version', 'git_rev', 'crypto_mode', 'events', 'started_at', 'schemes',
          'status_detail', 'reason', 'attack_id',
          'blob_target', 'throughput_tps')
      AND c.name NOT GLOB '*_wei' AND c.name NOT GLOB '*_eth' AND c.name NOT GLOB '*_gwei'
      AND c.name NOT GLOB '*_s' AND c.name NOT GLOB '*_us' AND c.name NOT GLOB '*_h'
      AND c.name NOT GLOB '*_share' AND c.name NOT GLOB '*_ratio' AND c.name NOT GLOB '*_x'")
[ -z "$bad" ] || note "view columns without a unit in their name: $bad"
types=$(q "$tmp/units.db" "SELECT group_concat(DISTINCT typeof(transfers) || typeof(included) ||
    typeof(final) || typeof(dropped) || typeof(failed)) FROM scheme_summary")
[ "$types" = "integerintegerintegerintegerinteger" ] || note "counts come back as '$types'"
old=$(q "$tmp/units.db" "SELECT count(*) FROM metrics WHERE name LIKE '%latency_%'")
[ "$old" = 0 ] || note "$old metrics still named latency_*"
both=$(q "$tmp/units.db" "SELECT count(*) FROM scheme_summary s JOIN scheme_metrics m
    ON m.run_id = s.run_id AND m.scheme = s.scheme AND m.phase = s.phase
    AND m.stat = 'inclusion_p95_s' AND m.value = s.inclusion_p95_s")
[ "$both" -ge 1 ] || note "inclusion_p95_s is not the same name in metrics and views"
finish numbers/units-in-column-names

# ---- compare says what it compared, and "no metric changed" (issue 14, CI) ----
rm -f "$tmp"/cmpa.db* "$tmp"/cmpb.db*
l2sim run "$SCN" --set duration=1h --db "$tmp/cmpa.db" --quiet
l2sim run "$SCN" --set duration=1h --db "$tmp/cmpb.db" --quiet --replications 2
l2sim compare "$tmp/cmpa.db" "$tmp/cmpa.db"
[ "$rc" -eq 0 ] || note "a database against itself exited $rc"
grep -q "one run a side: paired t test on 20 paired time windows" "$tmp/out" ||
    note "the header does not name the paired window test: $(head -n 2 "$tmp/out")"
grep -q "^  no metric changed$" "$tmp/out" || note "no 'no metric changed' under the scheme"
grep -q "^  metric " "$tmp/out" && note "an empty table header was printed"
tail -n 1 "$tmp/out" | grep -q "^no metric changed" || note "last line: $(tail -n 1 "$tmp/out")"
l2sim compare "$tmp/cmpb.db" "$tmp/cmpa.db"
grep -q "one run on a side only: Welch's t test on 20 time windows per run" "$tmp/out" ||
    note "1 vs 2 runs: the header does not say Welch on windows: $(sed -n 2p "$tmp/out")"
grep -q "paired" "$tmp/out" && note "1 vs 2 runs: the header claims a paired test"
# a database compare only read is left as it was: no -wal or -shm beside it
for f in "$tmp"/cmpa.db-wal "$tmp"/cmpa.db-shm "$tmp"/cmpb.db-wal "$tmp"/cmpb.db-shm; do
    [ -e "$f" ] && note "compare left $(basename "$f") behind"
done
finish compare/header-says-what-it-compared

# ---- the cost figure splits a fee into burned base fee and tip (issue 14, a class) ----
# Every user offers a 1 gwei tip with room to pay it (max fee 100 x the base fee, and
# willing to pay far more than the fee): by
# EIP-1559 each plain transfer (21000 gas) pays its block's base fee x 21000, burned,
# and exactly 21000 gwei = 0.000021 ETH of tip to the proposer.
rm -f "$tmp"/cost.db*
l2sim run "$SCN" --set duration=30m --set 'schemes[l1].urgent_tip=1gwei' \
    --set 'schemes[l1].max_fee_multiplier=100' --set workload.willingness.median=1eth \
    --db "$tmp/cost.db" --quiet
got=$(q "$tmp/cost.db" "SELECT group_concat(component || '=' || printf('%.9f', per_transfer_eth), ' ')
    FROM (SELECT * FROM cost_breakdown ORDER BY ord)")
case $got in "base_fee="*" tip=0.000021000") ;; *) note "cost components: '$got'" ;; esac
sum=$(q "$tmp/cost.db" "SELECT abs((SELECT total(total_eth) FROM cost_breakdown) -
    (SELECT total(fee_eth) FROM txs WHERE fee_wei IS NOT NULL)) < 1e-9")
[ "$sum" = 1 ] || note "the components do not add up to the fees paid"
finish numbers/cost-split-base-fee-and-tip

# ---- dollars beside ETH where the scenario gives an ETH price (issue 14, a class) ----
rm -rf "$tmp"/usd.db* "$tmp/usd-rep"
l2sim run "$SCN" --set duration=30m --set report.eth_usd=3000 --db "$tmp/usd.db" \
    --out "$tmp/usd-rep"
want=$(q "$tmp/usd.db" "SELECT printf('\$%.2f', value * 3000) FROM metrics
    WHERE scheme = 'l1' AND name = 'fee_mean_eth'")
grep -q "^l1 .* $want\$" "$tmp/out" || note "the summary does not end the l1 row with $want"
grep -q "<span class=\"usd\">(\\$want)</span>" "$tmp/usd-rep/report.html" ||
    note "the report does not show $want beside the mean fee"
l2sim run "$SCN" --set duration=30m --db "$tmp/usd.db"
grep -q 'USD' "$tmp/out" && note "dollars shown without an ETH price"
finish numbers/dollars-beside-eth

# ---- the blob panels only when they carry information (issue 14, a class) ----
# No blob demand: the blob base fee stays at its floor, 1 wei (EIP-4844), and no block
# holds a blob: both say so in a line instead of a flat panel. With blob demand, the
# blob panel has the preset's target (Prague: 6) dashed.
rm -rf "$tmp"/blob.db* "$tmp/blob-svg" "$tmp/blob-svg2"
l2sim run "$SCN" --set duration=30m --set l1.blobs.demand=0/block --db "$tmp/blob.db" --quiet
l2sim report "$tmp/blob.db" --format svg --out "$tmp/blob-svg" --quiet
grep -q "the blob base fee stayed at 1 wei per blob gas throughout" "$tmp/blob-svg/l1_prices.svg" ||
    note "a flat blob fee is not said in one line"
grep -q "blob base fee per blob gas (EIP-4844)" "$tmp/blob-svg/l1_prices.svg" &&
    note "a flat blob fee still has its panel"
grep -q "no block held a blob" "$tmp/blob-svg/l1_usage.svg" || note "no-blob usage not said"
l2sim run "$SCN" --set duration=30m --db "$tmp/blob.db" --quiet
l2sim report "$tmp/blob.db" --format svg --out "$tmp/blob-svg2" --quiet
grep -q "dashed: the blob target" "$tmp/blob-svg2/l1_usage.svg" ||
    note "the preset's blob target is not drawn when blobs vary"
finish numbers/blob-panels-only-with-information

# ---- make test's last line counts every test it ran (issue 14, CI) ----
# A log of 3 cmocka tests (one started and never finished: a crash), 2 shell ok and 1
# FAIL: 4 passed, 2 failed; an exit status without a named failure still fails.
printf '%s\n' '[ RUN      ] a' '[       OK ] a' '[ RUN      ] b' '[       OK ] b' \
    '[ RUN      ] c' 'ok x' 'ok y' 'FAIL z: why' >"$tmp/fake.log"
got=$(sh tests/summary.sh "$tmp/fake.log" 1)
[ "$got" = "4 passed, 2 failed" ] || note "summary of the fake log: '$got'"
printf '%s\n' 'ok x' >"$tmp/fake2.log"
got=$(sh tests/summary.sh "$tmp/fake2.log" 2)
case $got in "1 passed, 1 failed"*) ;; *) note "a non-zero exit without a FAIL: '$got'" ;; esac
# the terminal summary reads latencies in s, min and h, never 774.1s: the L1 is final
# after 64 slots (2 epochs), 12.8 min, so the final p50 of an hour's run is minutes
l2sim run "$SCN" --set duration=1h --db "$tmp/fake.db"
row=$(grep '^l1 ' "$tmp/out" | head -n 1)
case $row in *" s "*" s "*" min") ;; *) note "summary row '$row' lacks s/min units" ;; esac
finish numbers/make-test-counts-everything

# ---- refused transfers phase by phase ----
# Users who cannot pay are refused (txs status 'failed'): the per-phase table counts
# them beside dropped as the whole-run table does, in the terminal and in report.html,
# and the phases' counts add up to the run's (phases cut the run by submission time).
rm -f "$tmp"/refused.db*
l2sim run "$SCN" --set duration=2h --set 'l1.demand.spikes[0].at=30m' \
    --set workload.balance.median=0.002eth --db "$tmp/refused.db"
run_refused=$(awk '$1 == "l1" && NF >= 5 && $2 ~ /^[0-9]+$/ { print $5; exit }' "$tmp/out")
phase_head=$(grep -A1 '^by phase' "$tmp/out" | tail -n 1)
case $phase_head in *" dropped  refused "*) ;; *) note "per-phase header '$phase_head' has no refused column" ;; esac
sum=$(awk '/^by phase/ { p = 1; getline; next } p && $1 == "l1" { s += $6 } END { print s + 0 }' "$tmp/out")
[ -n "$run_refused" ] && [ "$run_refused" -gt 0 ] ||
    note "no refused transfers in the run ('$run_refused'): the test shows nothing"
[ "$sum" = "$run_refused" ] || note "phases' refused sum to $sum, the run's is $run_refused"
want=$(q "$tmp/refused.db" "SELECT count(*) FROM txs WHERE status = 'failed'")
[ "$want" = "$run_refused" ] || note "the summary says $run_refused refused, txs has $want failed"
l2sim report "$tmp/refused.db" --out "$tmp/refused-rep" --quiet
grep -q '<th>dropped</th><th>refused</th><th>L1 base fee mean' "$tmp/refused-rep/report.html" ||
    note "report.html's phase table has no refused column"
finish numbers/refused-by-phase

# ---- soft confirmation is the sequencer's receipt, not L1 inclusion ----
# A rollup's user sees its transfer accepted when the sequencer answers (txs.soft_us),
# minutes before the batch that carries it lands on L1 (here the receipt includes the
# wait for the sender's deposit to be credited: users join through the run). The latency
# table's "soft conf." columns once fell back to inclusion for every scheme, so a rollup
# transfer read as taking 5 minutes to be accepted.
rm -f "$tmp"/soft.db*
l2sim run scenarios/rollup_fee_savings.yaml --set duration=20m --db "$tmp/soft.db" --quiet
[ "$rc" -eq 0 ] || note "rollup_fee_savings exited $rc: $first"
# nearest-rank p50 of soft_us - submit_us, computed here from txs
want=$(q "$tmp/soft.db" "WITH s AS (SELECT (soft_us - submit_us) / 1e6 AS v FROM txs
        WHERE scheme = 'optimistic_rollup' AND soft_us IS NOT NULL),
      n AS (SELECT count(*) AS n FROM s)
    SELECT v FROM s ORDER BY v LIMIT 1
      OFFSET (SELECT (n + 1) / 2 - 1 FROM n)")
got=$(q "$tmp/soft.db" "SELECT soft_p50_s FROM scheme_summary
    WHERE scheme = 'optimistic_rollup' AND phase = 'all'")
incl=$(q "$tmp/soft.db" "SELECT inclusion_p50_s FROM scheme_summary
    WHERE scheme = 'optimistic_rollup' AND phase = 'all'")
[ -n "$want" ] && [ "$got" = "$want" ] || note "soft_p50_s is '$got', txs say '$want'"
awk -v s="$got" -v i="$incl" 'BEGIN { exit !(s + 0 > 0 && s + 0 < i / 2) }' ||
    note "soft p50 $got s is not well below L1 inclusion p50 $incl s"
finish numbers/soft-confirmation-is-the-receipt
