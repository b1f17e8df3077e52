# plasma.sh — sourced by tests/scenario_tests.sh. The Plasma MVP scheme's exit game in
# whole runs (models/plasma/): a spent coin's exit is cancelled by the recipient's
# challenge; an operator's forged spend is cancelled by the victim's; a mass exit
# after withheld data gets less value out in time on a smaller L1; and the money
# check (contract holdings = unspent coins + bonds held) fails when its books do.

# A user exits a coin it spent: challenged with the spend, the bond to the challenger.
rm -f "$tmp"/pl.db*
l2sim run tests/scenarios/ok/plasma_spent_exit.yaml --db "$tmp/pl.db" --quiet --check-invariants
check_crash
[ "$rc" -eq 0 ] || note "exited $rc ($first)"
got=$(q "$tmp/pl.db" "SELECT e.status || ':' || c.kind || ':' || c.result || ':' || c.bond_won_eth
                      FROM plasma_exits e JOIN plasma_challenges c USING (run_id, scheme, exit_id)
                      WHERE e.kind = 'spent_coin'")
[ "$got" = "challenged:spent:cancelled:0.01" ] || note "spent coin's exit: '$got'"
got=$(q "$tmp/pl.db" "SELECT detected || ':' || value_lost_wei || ':' || (value_at_risk_eth > 0)
                      FROM attacks WHERE type = 'plasma_spent_exit'")
[ "$got" = "1:0:1" ] || note "attacks row: '$got'"
finish plasma/spent-coin-exit-challenged

# The operator spends a user's coin without its signature and exits it: the victim's
# invalid-input challenge cancels it; the victim's own exit is paid.
rm -f "$tmp"/pl.db*
l2sim run scenarios/plasma_invalid_tx.yaml --db "$tmp/pl.db" --quiet --check-invariants
check_crash
[ "$rc" -eq 0 ] || note "exited $rc ($first)"
got=$(q "$tmp/pl.db" "SELECT group_concat(kind || ':' || status, ' ') FROM (SELECT * FROM
                      plasma_exits WHERE kind IN ('fraud', 'victim') ORDER BY kind)")
[ "$got" = "fraud:challenged victim:processed" ] || note "exits: '$got'"
got=$(q "$tmp/pl.db" "SELECT count(*) FROM plasma_challenges WHERE kind = 'invalid_input'
                      AND result = 'cancelled'")
[ "$got" = 1 ] || note "invalid-input challenges that cancelled: '$got'"
got=$(q "$tmp/pl.db" "SELECT detected || ':' || value_lost_wei FROM attacks")
[ "$got" = "1:0" ] || note "attacks row: '$got'"
finish plasma/invalid-tx-challenged

# The contract's books one wei off after a payout: the check names the invariant.
rm -f "$tmp"/pl.db*
L2SIM_FAULT=plasma.contract_holdings l2sim run scenarios/plasma_invalid_tx.yaml \
    --db "$tmp/pl.db" --quiet --check-invariants
check_crash
[ "$rc" -eq 1 ] || note "exited $rc, expected 1 ($first)"
detail=$(q "$tmp/pl.db" "SELECT status || ': ' || status_detail FROM runs")
case $detail in
    failed:*"money conserved between the Plasma chain and its contract"*models/plasma/scheme_plasma.c:*) ;;
    *) note "run: $detail" ;;
esac
finish plasma/money-check-catches-fault

# Mass exit at three L1 gas limits (the scenario's sweep): the share of value exited
# before the deadline is recorded per point and falls as blocks hold fewer exits.
rm -f "$tmp"/pl.db*
l2sim sweep scenarios/plasma_mass_exit.yaml --db "$tmp/pl.db" --quiet
check_crash
[ "$rc" -eq 0 ] || note "sweep exited $rc ($first)"
got=$(q "$tmp/pl.db" "SELECT group_concat(v, ' ') FROM (SELECT m.value AS v FROM metrics m
                      JOIN runs r USING (run_id) WHERE m.name = 'mass_exit_share_in_time'
                      ORDER BY r.sweep_index)")
set -- $got
if [ $# -ne 3 ]; then
    note "mass_exit_share_in_time values: '$got'"
else
    awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { exit !(a <= 1 && a > b && b > c && c > 0) }' \
        || note "share in time not falling with the gas limit: $got"
fi
finish plasma/mass-exit-share-by-gas-limit

# The same sweep, against the contract's order (plasma-mvp: exitable at max(block time
# + 2 periods, start + 1 period), then position): every mass exit counted in time was
# paid in full no later than the operator's forged exit, none ranked behind it was paid
# before it; deposits landing after the withheld block rank behind it; an exit evicted
# from the L1 pool before the deadline is sent again.
got=$(q "$tmp/pl.db" "SELECT count(*) FROM plasma_exits e JOIN plasma_exits f
                      ON f.run_id = e.run_id AND f.kind = 'fraud' AND f.status = 'processed'
                      WHERE e.kind = 'mass_exit' AND ((e.in_time = 1 AND (e.processed_us IS NULL
                      OR e.processed_us > f.processed_us OR e.paid_wei != e.amount_wei))
                      OR (e.in_time = 0 AND e.processed_us < f.processed_us))")
[ "$got" = 0 ] || note "mass exits paid out of the contract's order: $got"
got=$(q "$tmp/pl.db" "SELECT count(*) > 0 AND total(in_time) = 0 FROM plasma_exits
                      WHERE kind = 'mass_exit' AND utxo_pos / 1000000000 % 100000 != 0
                      AND utxo_pos / 1000000000 > (SELECT withheld_block FROM plasma_mass_exits
                      LIMIT 1)")
[ "$got" = 1 ] || note "deposits after the withheld block counted in time, or none: '$got'"
got=$(q "$tmp/pl.db" "SELECT abs(m.exited_in_time_eth - (SELECT total(paid_eth) FROM plasma_exits e
                      WHERE e.run_id = m.run_id AND e.in_time = 1)) < 1e-9 FROM plasma_mass_exits m")
[ "$(echo $got)" = "1 1 1" ] || note "exited_in_time is not what in-time exits were paid: '$got'"
got=$(q "$tmp/pl.db" "SELECT count(*) FROM (SELECT run_id, utxo_pos FROM plasma_exits
                      WHERE kind = 'mass_exit' GROUP BY 1, 2 HAVING count(*) > 1
                      AND sum(status = 'dropped') > 0)")
[ "${got:-0}" -gt 0 ] || note "no evicted mass exit was sent again"
finish plasma/mass-exit-in-contract-order

# Same scenario, same seed: the same Plasma chain, exits and challenges, row for row
# (signatures are deterministic in both modes, wallets break ties by UTXO position).
rm -f "$tmp"/pl1.db* "$tmp"/pl2.db*
l2sim run tests/scenarios/ok/plasma_spent_exit.yaml --db "$tmp/pl1.db" --quiet
l2sim run tests/scenarios/ok/plasma_spent_exit.yaml --db "$tmp/pl2.db" --quiet
for t in plasma_blocks plasma_exits plasma_challenges txs l1_txs attacks; do
    a=$(q "$tmp/pl1.db" "SELECT * FROM $t" | cksum)
    b=$(q "$tmp/pl2.db" "SELECT * FROM $t" | cksum)
    [ "$a" = "$b" ] || note "table $t differs between two runs of one seed"
done
[ "$(q "$tmp/pl1.db" "SELECT count(*) FROM plasma_blocks")" -gt 0 ] || note "no blocks"
finish plasma/same-seed-same-chain
