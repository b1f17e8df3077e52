# rollup_dispute.sh — sourced by tests/scenario_tests.sh (after invariants.sh: fault_run). The fault dispute game inside the
# optimistic rollup (models/rollup/challenger.c, dispute.c) and the invalid_state_root
# adversary, through the shipped scenarios (about a second each):
#  - fraud_proof.yaml: the false root is disputed, bisected to one step in at most
#    ceil(log2 n) moves as L1 transactions, and rejected; nothing is lost; the
#    attacker's bonds (the claim's 0.08 ETH among them) are slashed to the challenger;
#    the proposer claims the true root again and every withdrawal of the false claim's
#    blocks is paid, after a true claim's window;
#  - fraud_under_block_stuffing.yaml below and above its threshold: 4000 ETH of
#    stuffing does not stop the challenger, 8000 ETH does and 100 ETH is stolen;
#  - each book's fault (dispute.bond, invalid_root.paid) stops the run, named.

FP=scenarios/fraud_proof.yaml
FS=scenarios/fraud_under_block_stuffing.yaml

rm -f "$tmp"/fp.db*
l2sim run "$FP" --db "$tmp/fp.db" --quiet
check_crash
[ "$rc" -eq 0 ] || note "exited $rc: $first"
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

# 5000 ETH: the anchor moves on (a later true claim) while the game still runs, the
# case where the VM once read a freed signature context (ASan in make check)
for budget in 4000eth 5000eth 8000eth; do
    rm -f "$tmp"/fs.db*
    l2sim run "$FS" --set "adversaries[block_stuffing].budget=$budget" --db "$tmp/fs.db" --quiet
    check_crash
    [ "$rc" -eq 0 ] || note "exited $rc: $first"
    got=$(q "$tmp/fs.db" "SELECT outcome || ' ' || decided_by FROM disputes")
    lost=$(q "$tmp/fs.db" "SELECT value_lost_eth FROM attacks WHERE type = 'invalid_state_root'")
    if [ "$budget" != 8000eth ]; then
        [ "$got" = "root_rejected clock" ] || note "budget $budget: dispute '$got'"
        [ "$lost" = "0.0" ] || note "budget $budget: value lost $lost"
    else
        [ "$got" = "root_stands clock" ] || note "budget $budget: dispute '$got'"
        [ "$lost" = "100.0" ] || note "budget $budget: value lost $lost"
        got=$(q "$tmp/fs.db" "SELECT count(*) FROM dispute_moves WHERE who = 'challenger'
                              AND status = 'included'")
        [ "$got" = 0 ] || note "budget $budget: $got challenger moves landed"
    fi
    finish "dispute/stuffing-$budget"
done

scn_was=$SCN
SCN=$FP
fault_run dispute-bond dispute.bond \
    "invariant violated: bonds posted = held + returned + slashed|models/rollup/dispute.c:"
fault_run invalid-root-paid invalid_root.paid \
    "invariant violated: money conserved between the L1 and an attacker|models/rollup/invalid_root.c:"
SCN=$scn_was
