# costs.sh — sourced by tests/scenario_tests.sh. The cost per transfer every scheme
# gets (analysis/costs.c) reconciles with the books: the L1 transactions by payer sum
# to each origin's l1_txs rows (which the L1's end check ties to l1_paid_by), and each
# side's share is what that side's own tables say it paid (the rollup's batches,
# claims and proofs, Plasma's block roots, the channels' opens and closes, the L1
# baseline's transfers); the summary prints users' pay and the all-in cost side by
# side with their ratios to the L1.

# eq A B: the two amounts (ETH, REAL) agree to a billionth of the larger
eq() { q "$1" "SELECT abs(($2) - ($3)) <= 1e-9 * max(abs($2), abs($3), 1e-18)"; }

rm -f "$tmp"/co.db*
l2sim run scenarios/default.yaml --set duration=2h --db "$tmp/co.db"
check_crash
[ "$rc" -eq 0 ] || note "exited $rc ($first)"
# (in two hours the users' deposits, shared over ~3 transfers each, make the L2s dearer
# than the L1; two hours: the optimistic rollup's first state roots are in)
r='\(1/[0-9.]*\|[0-9.]*x\)'
grep -q "^all-in cost per transfer,  L1 : optimistic_rollup : zk_rollup : plasma : channels[ :a-z_]* = 1 : $r : $r : $r : $r" "$tmp/out" ||
    note "no all-in line: $(grep -A9 'what a transfer costs' "$tmp/out")"
grep -q "^users' fees alone (no L1), L1 : optimistic_rollup : zk_rollup : plasma : channels[ :a-z_]* = 1 : 1/[0-9]* : 1/[0-9]* : 1/[0-9]* : 1/[0-9]*" "$tmp/out" ||
    note "no users' fees line"
grep -q "^optimistic_rollup .* ETH ($r) .* ETH ($r) .* ETH ($r)$" "$tmp/out" ||
    note "no cost row for the optimistic rollup"
m() { echo "(SELECT value FROM metrics WHERE run_id = 1 AND scheme = '$1' AND name = '$2')"; }
# what the run still owes is named, not counted: the optimistic rollup's withdrawals wait
# out their 7-day window, every channel still open will close
w=$(q "$tmp/co.db" "SELECT count(*) FROM withdrawals WHERE run_id = 1 AND scheme = 'optimistic_rollup'
    AND status = 'burned'")
grep -q "^  optimistic_rollup: $w withdrawal payouts not yet made" "$tmp/out" && [ "$w" -gt 0 ] ||
    note "owed withdrawals ($w) not named"
[ "$(q "$tmp/co.db" "SELECT $(m optimistic_rollup owed_l1_txs) = $w")" = 1 ] || note "owed_l1_txs metric"
grep -q "^  channels: [0-9]* channel closes" "$tmp/out" || note "owed channel closes not named"
# every scheme: its payers' shares are its l1_txs rows, all of them
for s in $(q "$tmp/co.db" "SELECT scheme FROM schemes WHERE run_id = 1"); do
    [ "$(eq "$tmp/co.db" "$(m $s users_l1_eth) + $(m $s operator_l1_eth) + $(m $s challengers_l1_eth)" \
          "(SELECT total(fee_eth) FROM l1_txs WHERE run_id = 1 AND origin = '$s')")" = 1 ] ||
        note "$s: the payers' L1 spend is not its l1_txs rows"
done
# each side's books: the L1 baseline's users paid their transfers' fees
[ "$(eq "$tmp/co.db" "$(m l1 users_l1_eth)" \
      "(SELECT total(fee_eth) FROM txs WHERE run_id = 1 AND scheme = 'l1')")" = 1 ] ||
    note "l1: users' L1 spend is not its transfers' fees"
# the rollups' operators paid their batches, claims and proofs; the prover is off-chain
for s in optimistic_rollup zk_rollup; do
    [ "$(eq "$tmp/co.db" "$(m $s operator_l1_eth)" \
          "(SELECT total(l1_fee_eth) FROM batches WHERE run_id = 1 AND scheme = '$s')
           + (SELECT total(l1_fee_eth) FROM claims WHERE run_id = 1 AND scheme = '$s')
           + (SELECT total(l1_fee_eth) FROM proofs WHERE run_id = 1 AND scheme = '$s')")" = 1 ] ||
        note "$s: operator's L1 spend is not its batches + claims + proofs"
    [ "$(eq "$tmp/co.db" "$(m $s offchain_eth)" \
          "(SELECT total(prover_cost_eth) FROM proofs WHERE run_id = 1 AND scheme = '$s')")" = 1 ] ||
        note "$s: off-chain cost is not its prover's"
done
[ "$(q "$tmp/co.db" "SELECT $(m zk_rollup offchain_eth) > 0")" = 1 ] || note "zk: no prover cost"
# Plasma's operator paid its block roots; its users their deposits and exits
[ "$(eq "$tmp/co.db" "$(m plasma operator_l1_eth)" \
      "(SELECT total(l1_fee_eth) FROM plasma_blocks WHERE run_id = 1 AND scheme = 'plasma')")" = 1 ] ||
    note "plasma: operator's L1 spend is not its block roots"
# users pay - all-in = (users' fees - operator's cost - challengers) per transfer
for s in optimistic_rollup zk_rollup plasma; do
    [ "$(eq "$tmp/co.db" "$(m $s user_cost_per_transfer_eth) - $(m $s all_in_cost_per_transfer_eth)" \
          "($(m $s users_fees_eth) - $(m $s operator_l1_eth) - $(m $s offchain_eth)
            - $(m $s challengers_l1_eth)) / $(m $s included)")" = 1 ] ||
        note "$s: users pay - all-in is not the operator's margin"
done
# the view the report reads says the same, phase by phase too
got=$(q "$tmp/co.db" "SELECT count(*) FROM transfer_costs t JOIN scheme_summary s USING (run_id, scheme, phase)
    WHERE t.run_id = 1 AND t.included = s.included AND t.all_in_cost_per_transfer_eth > 0")
[ "$got" -ge 4 ] 2>/dev/null || note "transfer_costs rows: '$got'"
finish costs/payers-reconcile-with-books

# channels: the users paid their channels' opens and closes (the open fee a transfer
# carries in txs.l1_fee is counted once); the hubs paid nothing on L1 here
rm -f "$tmp"/cc.db*
l2sim run scenarios/channel_fee_savings.yaml --set duration=1h --db "$tmp/cc.db" --quiet
check_crash
[ "$rc" -eq 0 ] || note "exited $rc ($first)"
[ "$(eq "$tmp/cc.db" "$(m channels users_l1_eth)" \
      "(SELECT total(open_fee_eth) + total(close_fee_eth) FROM channels WHERE run_id = 1)")" = 1 ] ||
    note "channels: users' L1 spend is not the opens and closes"
[ "$(eq "$tmp/cc.db" "$(m channels users_fees_eth)" \
      "(SELECT total(l2_fee_eth) FROM txs WHERE run_id = 1 AND scheme = 'channels'
        AND fee_wei IS NOT NULL)")" = 1 ] ||
    note "channels: users' fees are not the routing fees"
finish costs/channels-opens-counted-once
