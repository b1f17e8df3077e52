# rollup.sh — sourced by tests/scenario_tests.sh. The rollup scenarios say what they
# claim: the summary prints the fee per transfer against the L1 baseline and metrics
# store it; every blob batch paid at least its blob gas (blobs x 131072, EIP-4844) at
# the blob base fee of its block; a validium committee withholding at its threshold
# freezes the L2 balances (value at risk), below it nothing.

rm -f "$tmp"/rfs.db*
l2sim run scenarios/rollup_fee_savings.yaml --set duration=30m --db "$tmp/rfs.db"
check_crash
[ "$rc" -eq 0 ] || note "exited $rc ($first)"
grep -q "^fee per transfer, L1 : optimistic_rollup : zk_rollup : hybrid_rollup = 1 : 1/[0-9]* : 1/[0-9]* : 1/[0-9]*$" "$tmp/out" ||
    note "no ratio line: $(tail -n 2 "$tmp/out")"
n=$(q "$tmp/rfs.db" "SELECT count(*) FROM metrics WHERE name = 'fee_ratio_to_l1' AND
    value > 0 AND value < 0.01 AND scheme IN ('optimistic_rollup', 'zk_rollup', 'hybrid_rollup')")
[ "$n" = 3 ] || note "fee_ratio_to_l1 below 1% for $n of 3 rollups"
blobs=$(q "$tmp/rfs.db" "SELECT count(*) FROM batches WHERE blobs > 0 AND included_us IS NOT NULL")
[ "$blobs" -gt 0 ] 2>/dev/null || note "no blob batch included ($blobs)"
short=$(q "$tmp/rfs.db" "SELECT count(*) FROM batches b JOIN schemes s ON s.run_id = b.run_id
    AND s.scheme = b.scheme JOIN l1_blocks k ON k.run_id = b.run_id AND k.world = s.world
    AND k.height = b.l1_height WHERE b.blobs > 0 AND
    CAST(b.l1_fee_wei AS REAL) < b.blobs * 131072.0 * k.blob_base_fee")
[ "$short" = 0 ] || note "$short blob batches paid less than their blob gas"
finish rollup/fee-ratio-and-blob-floor

rm -f "$tmp"/vw.db*
l2sim run scenarios/validium_withholding.yaml --set duration=80m --db "$tmp/vw.db" --quiet
check_crash
[ "$rc" -eq 0 ] || note "exited $rc ($first)"
got=$(q "$tmp/vw.db" "SELECT group_concat(world || ':' || detected || ':' || (value_at_risk_eth > 0), ' ')
    FROM (SELECT * FROM attacks ORDER BY world)")
[ "$got" = "five:1:1 four:0:0" ] || note "attacks: '$got', expected five frozen, four not"
finish rollup/validium-withholding-threshold
