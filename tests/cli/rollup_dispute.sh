# rollup_dispute.sh — sourced by tests/scenario_tests.sh (after invariants.sh: fault_run). The fault dispute game inside the
# optimistic rollup (models/rollup/challenger.c, dispute.c) and the invalid_state_root
# adversary, through the shipped scenarios (about a second each):
#  - fraud_proof.yaml: the false root is disputed, bisected to one step in at most
#    ceil(log2 n) moves as L1 transactions, and rejected; nothing is lost; the
#    attacker's bonds (the claim's 0.08 ETH among them) are slashed to the challenger;
#    the proposer claims the true root again and every withdrawal of the false claim's
#    blocks is paid, after a true claim's window;
#  - fraud_under_block_stuffing.yaml below and above its threshold: 10,000 and 16,000 ETH of
#    stuffing do not stop the challenger, 20,000 ETH does and 100 ETH is stolen;
#  - bonds are money: the purses (bond_accounts) paid and were paid what the games say;
#    a challenger that cannot cover its bond cannot move;
#  - each book's fault (dispute.bond, dispute.reward, invalid_root.paid) stops the run, named.

FP=scenarios/fraud_proof.yaml
FS=scenarios/fraud_under_block_stuffing.yaml

run_scn "$FP" "$tmp/fp.db"
got=$(q "$tmp/fp.db" "SELECT outcome || ' ' || winner || ' ' || (moves - (decided_by = 'step'))
                      || ' ' || (moves - (decided_by = 'step') <= game_depth) || ' '
                      || (slashed_wei = defender_bonds_wei) || ' ' || (to_winner_wei = slashed_wei)
                      || ' ' || (CAST(root_bond_wei AS INTEGER) = 80000000000000000)
                      FROM disputes")
[ "$got" = "root_rejected challenger 9 1 1 1 1" ] || note "dispute: '$got'"
got=$(q "$tmp/fp.db" "SELECT value_lost_wei || ' ' || detected || ' ' || (cost_eth > 0.08)
                      FROM attacks WHERE type = 'invalid_state_root'")
[ "$got" = "0 1 1" ] || note "attack row: '$got'"
# every move landed in a block, each an l1_txs row of its kind, the clock charged by
# block times (what a side had left never grows but by the extension)
got=$(q "$tmp/fp.db" "SELECT count(*) FROM dispute_moves m JOIN l1_txs l ON l.tx_id = m.l1_tx_id
                      AND l.run_id = m.run_id WHERE m.move > 0 AND m.status = 'included' AND
                      l.kind = 'dispute_move' AND l.include_us = m.included_us")
[ "$got" = 9 ] || note "$got moves found in l1_txs as dispute_move at their block's time"
got=$(q "$tmp/fp.db" "SELECT group_concat(status || ':' || honest, ' ') FROM
                      (SELECT status, honest FROM claims WHERE last_block =
                       (SELECT last_block FROM claims WHERE honest = 0) ORDER BY claim)")
[ "$got" = "deleted:0 final:1" ] || note "the false claim and its true re-claim: '$got'"
got=$(q "$tmp/fp.db" "SELECT count(*), sum(w.status = 'paid'), sum(w.finalizable_us >
                      c.window_end_us) FROM withdrawals w, claims c WHERE c.honest = 0 AND
                      w.l2_block > (SELECT max(last_block) FROM claims WHERE claim < c.claim)
                      AND w.l2_block <= c.last_block")
case $got in 0\|*) note "no withdrawal in the false claim's blocks" ;;
    *) n=${got%%|*}; [ "$got" = "$n|$n|$n" ] || note "withdrawals of the false claim's blocks (n|paid|after its window): $got" ;; esac
finish dispute/fraud-proof-rejects-the-false-root

# bonds are money (models/rollup/bonds.h): the challenger's purse was paid the slashed
# bonds (the false claim's 0.08 ETH among them) and got its own back; the attacker's
# purse is short of exactly the bonds of its moves; the proposer paid 0.08 ETH per
# claim sent, got back those that stood (final), lost the deleted one, and still has
# the rest in the contract; funded = balances + held + burned
got=$(q "$tmp/fp.db" "SELECT (SELECT won_wei = (SELECT to_winner_wei FROM disputes) AND
                        returned_wei = posted_wei FROM bond_accounts WHERE owner = 'challenger 1')
                      || ' ' || (SELECT posted_wei = (SELECT defender_bonds_wei - root_bond_wei
                        FROM disputes) AND won_wei = '0' AND returned_wei = '0' FROM bond_accounts
                        WHERE owner = 'invalid_state_root')
                      || ' ' || (SELECT CAST(posted_wei AS REAL) = 8e16 * (SELECT count(*) FROM
                        claims WHERE posted_us IS NOT NULL) AND CAST(returned_wei AS REAL) = 8e16 *
                        (SELECT count(*) FROM claims WHERE status = 'final') FROM bond_accounts
                        WHERE owner = 'proposer')
                      || ' ' || (SELECT round(sum(funded_eth) - sum(balance_eth), 9) FROM bond_accounts)
                      || ' ' || (SELECT round(0.08 * count(*), 9) FROM claims WHERE status = 'posted')")
set -- $got
[ "$1 $2 $3" = "1 1 1" ] && [ "$4" = "$5" ] || note "bond accounts: '$got'"
finish dispute/bonds-are-money

# a challenger whose purse cannot cover its first move's bond (depth 1: 0.0876 ETH)
# sends nothing: the attacker's clock-less root stands and 100 ETH is stolen
run_scn "$FP" "$tmp/fpu.db" --set "schemes[rollup].challenger_funds=0.08eth" --check-invariants
got=$(q "$tmp/fpu.db" "SELECT (SELECT outcome || ' ' || decided_by FROM disputes) || ' ' ||
                       (SELECT group_concat(status) FROM dispute_moves WHERE who = 'challenger')
                       || ' ' || (SELECT value_lost_eth FROM attacks WHERE type = 'invalid_state_root')
                       || ' ' || (SELECT sum(posted_wei = '0') FROM bond_accounts
                                  WHERE owner LIKE 'challenger %')")
[ "$got" = "root_stands clock unfunded 100.0 3" ] || note "unfunded challenger: '$got'"
finish dispute/unfunded-challenger-cannot-move

# the report draws the game: its moves by depth and both clocks (figure rollup_disputes,
# from the view dispute_timeline, which holds every move against the game's start)
got=$(q "$tmp/fp.db" "SELECT count(*) || ' ' || min(sent_rel_us) || ' ' || (max(resolved_rel_us)
                      > max(included_rel_us)) FROM dispute_timeline")
[ "$got" = "10 0 1" ] || note "dispute_timeline: '$got'"
rm -rf "$tmp/fprep"
l2sim report "$tmp/fp.db" --out "$tmp/fprep" --quiet
check_crash
[ "$rc" -eq 0 ] || note "report exited $rc: $first"
[ -s "$tmp/fprep/rollup_disputes.png" ] || note "no rollup_disputes.png"
grep -q 'id="fig-rollup_disputes"' "$tmp/fprep/report.html" 2>/dev/null ||
    note "report.html has no dispute games section"
finish dispute/timeline-figure

# 16000 ETH: just below the threshold, the game runs long and the anchor moves on (a
# later true claim) while it runs: where the VM once read a freed signature context
# (ASan in make check)
for budget in 10000eth 16000eth 20000eth; do
    run_scn "$FS" "$tmp/fs.db" --set "adversaries[block_stuffing].budget=$budget"
    got=$(q "$tmp/fs.db" "SELECT outcome || ' ' || decided_by FROM disputes")
    lost=$(q "$tmp/fs.db" "SELECT value_lost_eth FROM attacks WHERE type = 'invalid_state_root'")
    if [ "$budget" != 20000eth ]; then
        [ "$got" = "root_rejected clock" ] || note "budget $budget: dispute '$got'"
        [ "$lost" = "0.0" ] || note "budget $budget: value lost $lost"
    else
        [ "$got" = "root_stands clock" ] || note "budget $budget: dispute '$got'"
        [ "$lost" = "100.0" ] || note "budget $budget: value lost $lost"
        # the challenger's last move never got into a block before its clock ran out
        got=$(q "$tmp/fs.db" "SELECT status FROM dispute_moves WHERE who = 'challenger'
                              ORDER BY move DESC LIMIT 1")
        [ "$got" = dropped ] || [ "$got" = pending ] ||
            note "budget $budget: the challenger's last move was '$got'"
    fi
    finish "dispute/stuffing-$budget"
done

# D6: the threshold is what it takes to outbid the challenger, who bids up to a tenth
# of the value at stake spread over the game's gas (~4,450 gwei a gas here): fillers
# capped at 4000 gwei lose with any budget
run_scn "$FS" "$tmp/fs.db" --set "adversaries[block_stuffing].budget=60000eth" \
    --set "adversaries[block_stuffing].max_fee=4000gwei" \
    --set "adversaries[block_stuffing].tip=1500gwei"
got=$(q "$tmp/fs.db" "SELECT outcome FROM disputes")
[ "$got" = root_rejected ] || note "fillers below the challenger's cap: dispute '$got'"
finish dispute/stuffing-below-the-challengers-cap

scn_was=$SCN
SCN=$FP
fault_run dispute-bond dispute.bond \
    "invariant violated: bonds posted = held + returned + slashed|models/rollup/bonds.c:"
# a winner paid one wei more than the contract's share of a slashed bond: the purses'
# books no longer match the contract's
fault_run dispute-reward dispute.reward \
    "invariant violated: bonds the accounts paid, got back and won = the contract's books|models/rollup/bonds.c:|won"
fault_run invalid-root-paid invalid_root.paid \
    "invariant violated: money conserved between the L1 and an attacker|models/rollup/invalid_root.c:"
SCN=$scn_was
