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
                      plasma_exits WHERE kind IN ('fraud', 'victim') ORDER BY exit_id)")
[ "$got" = "victim:processed fraud:challenged" ] || note "exits: '$got'"
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
