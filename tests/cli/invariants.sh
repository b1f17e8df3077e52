# invariants.sh — sourced by tests/scenario_tests.sh. A broken invariant stops the run,
# which is recorded as failed with the invariant, the file and line that checks it,
# the numbers, and the event that broke it. The faults are injected with
# L2SIM_FAULT (sim/fault.h): each bends one book by one wei or one nonce, the least
# a check must catch. Release builds check at the end of every world, or after every
# event with --check-invariants; debug builds (make check) always after every event,
# and then also name the event's handler and where it was scheduled.

if "$L2SIM" version | grep -q 'debug build'; then debug=1; else debug=0; fi

# fault_run NAME FAULT WANT ARGS...: the run (of $SCN with ARGS) under L2SIM_FAULT=FAULT exits 1, leaves a
# sane database whose one run is 'failed' with a detail holding every |-separated
# piece of WANT.
fault_run() {
    name=$1 fault=$2 want=$3
    shift 3
    rm -f "$tmp"/inv.db*
    L2SIM_FAULT=$fault l2sim run "$SCN" --db "$tmp/inv.db" --quiet "$@"
    check_crash
    [ "$rc" -eq 1 ] || note "exited $rc, expected 1 ($first)"
    db_sane "$tmp/inv.db"
    st=$(q "$tmp/inv.db" "SELECT status FROM runs")
    [ "$st" = failed ] || note "run recorded as '$st'"
    detail=$(q "$tmp/inv.db" "SELECT status_detail FROM runs")
    old_ifs=$IFS
    IFS='|'
    for piece in $want; do
        case $detail in *"$piece"*) ;; *) note "detail lacks '$piece': $detail" ;; esac
    done
    IFS=$old_ifs
    finish "invariants/$name"
}

# The L1 loses one wei of burned base fee: money is no longer conserved.
if [ $debug = 1 ]; then
    fault_run l1-money-debug l1.burn@100 \
        "invariant violated: money conserved on the L1|models/l1/l1.c:|senders paid|found after event #24 (on_slot, scheduled at models/l1/l1.c:" \
        --set duration=1h
else
    fault_run l1-money-at-end l1.burn@100 \
        "invariant violated: money conserved on the L1|models/l1/l1.c:|senders paid|found at the end of the world" \
        --set duration=1h
    fault_run l1-money-every-event l1.burn@100 \
        "invariant violated: money conserved on the L1|found after event #24 at simulated time 12.000000 s" \
        --set duration=1h --check-invariants
fi

# A nonce gap: the block would include a sender's transaction out of order. Caught
# as the block is built, in every build.
fault_run nonce-order l1.nonce@5 \
    "invariant violated: nonces strictly increasing|models/l1/l1.c:|includes nonce 1 of sender|whose next nonce is 0|during event #24" \
    --set duration=1h

# A scheme's receipts disagree with what the L1 charged it by one wei.
fault_run scheme-books scheme_l1.receipt@3 \
    "invariant violated: money conserved between the L1 and a scheme|models/l1/scheme_l1.c:|receipts total|the L1 charged" \
    --set duration=1h --check-invariants

# A user's spending counted one wei off in a scheme's books: balances + spent no
# longer equal opening balances + what was received (models/workload/users.c).
fault_run users-books users.spend@3 \
    "invariant violated: users' L1 funds conserved|models/workload/users.c:|balances + spent|opening balances + received" \
    --set duration=1h --check-invariants
# One reservation that the user's balance does not cover is taken anyway: the account
# is overdrawn, which the books' totals (every user's reservations against every
# user's balances) would not show; the check counts overdrawn accounts as they change.
fault_run users-reserve users.reserve \
    "invariant violated: users' reservations covered|models/workload/users.c:|1 accounts with more reserved than they hold" \
    --set duration=1h --check-invariants

# An attacker's books: the block stuffer's spend must equal what the L1 charged it
# (the default scenario stuffs blocks from 9h).
fault_run attacker-books block_stuffing.spend@2 \
    "invariant violated: money conserved between the L1 and an attacker|models/adversary/l1_attacks.c:|recorded|the L1 charged it" \
    --set duration=10h

# One l1_txs row says a wei more than the L1 charged: the rows of an origin no longer
# sum to l1_paid_by. Checked against the table at the end of every world, every build.
fault_run l1-txs-rows l1.txs_fee@3 \
    "invariant violated: l1_txs rows sum to what the L1 charged|models/l1/l1.c:|origin 'l1': its l1_txs rows sum to|the L1 charged it" \
    --set duration=1h

# One l1_txs row names the operator as the payer of a user's transfer: the rows of the
# origin still sum to l1_paid_by, but not payer by payer (l1_paid_by_payer).
fault_run l1-txs-payer l1.txs_payer@3 \
    "invariant violated: l1_txs rows sum to what the L1 charged|models/l1/l1.c:|origin 'l1', payer user: its l1_txs rows sum to|the L1 charged it" \
    --set duration=1h

# The mempool takes one transaction over its capacity (a small pool, so it is full).
fault_run mempool-capacity mempool.cap \
    "invariant violated: the mempool within its capacity|models/l1/l1.c:|transactions pending, capacity 20" \
    --set duration=1h --set l1.mempool.max_txs=20 --check-invariants

# A filler the stuffer did not reserve against its budget: its books no longer add up.
fault_run attacker-budget block_stuffing.commit \
    "invariant violated: an attacker stays within its budget|models/adversary/l1_attacks.c:|committed, budget" \
    --set duration=10h --check-invariants

# A censoring proposer counted twice: more than one per slot.
cat >"$tmp/censor.yaml" <<'YAML'
name: censor
duration: 1h
schemes: [{type: l1, name: victim}]
adversaries: [{type: censorship, target: victim, from: 10m, for: 20m, share: 100%}]
YAML
rm -f "$tmp"/inv.db*
L2SIM_FAULT=censorship.blocks l2sim run "$tmp/censor.yaml" --db "$tmp/inv.db" --quiet \
    --check-invariants
check_crash
[ "$rc" -eq 1 ] || note "exited $rc, expected 1 ($first)"
case $(q "$tmp/inv.db" "SELECT status || ': ' || status_detail FROM runs") in
    "failed: "*"invariant violated: one proposer per slot"*"counted 2 censoring proposers in 1 slots"*) ;;
    *) note "recorded: $(q "$tmp/inv.db" "SELECT status_detail FROM runs")" ;;
esac
finish invariants/censorship-per-slot

# The rollup bridge's books: a deposit's escrow counted one wei high no longer equals
# the L2 balances + deposits in flight (models/rollup/scheme.c).
cat >"$tmp/rollup.yaml" <<'YAML'
name: rollup-books
duration: 10m
crypto: fast
workload: {users: 50, transfers: {rate: 0.5/s}}
schemes: [{type: optimistic_rollup}]
YAML
scn_saved=$SCN
SCN=$tmp/rollup.yaml
fault_run rollup-escrow rollup.escrow@2 \
    "invariant violated: money conserved in the rollup bridge|models/rollup/scheme.c:|escrow|L2 balances|deposits in flight" \
    --check-invariants
# a payout that transfers one wei more than its withdrawal burned (zk: withdrawals are
# payable at the proof, within the 10 minutes)
cat >"$tmp/rollup.yaml" <<'YAML'
name: rollup-payout
duration: 20m
crypto: fast
workload: {users: 50, transfers: {rate: 0.5/s}, withdrawals: {share: 50%, after: 3m}}
schemes: [{type: zk_rollup, max_channel_duration: 2m, prove_fixed: 30s}]
YAML
fault_run rollup-payout rollup.payout \
    "invariant violated: money conserved in the rollup bridge|models/rollup/scheme.c:|escrow|paid out" \
    --check-invariants
# What a scheme's receipts say it paid the L1 is what the L1 charged its origin: one
# receipt (a deposit's) booked one wei high, in the rollup, Plasma and the sidechain.
fault_run rollup-receipt rollup.receipt \
    "invariant violated: money conserved between the L1 and a scheme|models/rollup/scheme.c:|receipts total|the L1 charged" \
    --check-invariants
SCN=scenarios/plasma_invalid_tx.yaml
fault_run plasma-receipt plasma.receipt \
    "invariant violated: money conserved between the L1 and a scheme|models/plasma/scheme_plasma.c:|receipts total|the L1 charged" \
    --set duration=10m --check-invariants
SCN=$scn_saved

# The sidechain's books (models/sidechain/scheme_sidechain.c): a mint that credits one
# wei more than was locked on L1 breaks "money conserved on the sidechain"; a release
# that takes one wei too many out of the escrow breaks the escrow's books. A small
# sidechain (4 validators, L1 final after 2 slots, checkpoints every 2 minutes, users
# who withdraw soon) so both happen within 20 minutes.
scn_saved=$SCN
SCN=scenarios/sidechain_fee_savings.yaml
sc_small="--set duration=20m --set schemes[1].validators=4 --set l1.finality_depth=2 --set schemes[1].checkpoint_interval=2m --set workload.withdrawals.share=50% --set workload.withdrawals.after=3m"
# shellcheck disable=SC2086
fault_run sidechain-supply sidechain.mint@3 \
    "invariant violated: money conserved on the sidechain|models/sidechain/scheme_sidechain.c:|balances|minted" \
    $sc_small --check-invariants
# shellcheck disable=SC2086
fault_run sidechain-escrow sidechain.bridge_escrow@2 \
    "invariant violated: bridge escrow holds what was locked and not released|models/sidechain/scheme_sidechain.c:|escrow|released" \
    $sc_small
# A release that pays out the whole escrow (a contract bug) keeps the escrow's own books
# (escrow + released = locked) but releases more than the sidechain ever burned.
# shellcheck disable=SC2086
fault_run sidechain-overpay sidechain.bridge_overpay \
    "invariant violated: the bridge releases only what the sidechain burned|models/sidechain/scheme_sidechain.c:|released|burned" \
    $sc_small --check-invariants
# Safety (Tendermint: no two conflicting blocks commit while less than 1/3 of the stake
# is Byzantine, here none): one validator's decision of a committed height arrives with
# another block's hash, as a broken lock or quorum rule would make it; the check names
# the safety invariant.
# shellcheck disable=SC2086
fault_run sidechain-safety sidechain.conflict@3 \
    "invariant violated: no two conflicting blocks commit|models/sidechain/scheme_sidechain.c:|1 decisions differ|with 0 of" \
    $sc_small --check-invariants
# shellcheck disable=SC2086
fault_run sidechain-receipt sidechain.receipt \
    "invariant violated: money conserved between the L1 and a scheme|models/sidechain/scheme_sidechain.c:|receipts total|the L1 charged" \
    $sc_small --check-invariants
SCN=$scn_saved

# A misspelt fault or a bad count is refused, never silently unarmed.
for spec in l1.brun l1.burn@0 l1.burn@x; do
    L2SIM_FAULT=$spec l2sim run "$SCN" --set duration=1h --db "$tmp/inv-bad.db" --quiet
    [ "$rc" -eq 2 ] || note "L2SIM_FAULT=$spec: exited $rc, expected 2"
    case $first in "l2sim: L2SIM_FAULT='$spec': "*) ;; *) note "L2SIM_FAULT=$spec: $first" ;; esac
done
finish invariants/bad-fault-spec

# Checking changes nothing: with and without --check-invariants the run's rows are
# the same (in a debug build both check after every event; there the golden test,
# whose numbers come from a release build, shows the same).
rm -f "$tmp"/inv1.db* "$tmp"/inv2.db*
l2sim run "$SCN" --set duration=2h --db "$tmp/inv1.db" --quiet
r1=$rc
l2sim run "$SCN" --set duration=2h --db "$tmp/inv2.db" --quiet --check-invariants
check_crash
[ "$r1" -eq 0 ] && [ "$rc" -eq 0 ] || note "exit codes $r1 and $rc, expected 0 and 0"
for t in metrics txs l1_blocks l1_txs; do
    n=$(q "$tmp/inv1.db" "SELECT count(*) FROM $t")
    case $n in '' | 0 | *[!0-9]*) note "table $t: $n rows" ;; esac
    a=$(q "$tmp/inv1.db" "SELECT * FROM $t ORDER BY 1, 2, 3" | cksum)
    b=$(q "$tmp/inv2.db" "SELECT * FROM $t ORDER BY 1, 2, 3" | cksum)
    [ "$a" = "$b" ] || note "table $t differs with --check-invariants"
done
finish invariants/checking-changes-nothing

# A channel whose balances + HTLCs no longer equal its capacity (one msat bent after
# a commitment both signed): the scheme's check of the channels a payment touched.
SCN_KEEP=$SCN
SCN=scenarios/channel_fee_savings.yaml
fault_run channels-conserved channel.commit@5 \
    "invariant violated: money conserved in every channel|models/channel/scheme_channels.c:|balances + HTLCs = |capacity" \
    --set duration=1h --check-invariants
# The channel contract pays a close one wei more than the signed state: its escrow
# (as its L1 calls moved it) no longer equals the channels' signed money.
fault_run channels-escrow channel.payout \
    "invariant violated: money conserved across the channels and the L1|the channel contract holds|balances + HTLCs are" \
    --check-invariants
# A hub's reservation booked beyond its capital.
fault_run channels-hub-reserve channel.hub_reserve \
    "invariant violated: a hub reserves no more than it holds|hub " --set duration=1h --check-invariants
SCN=$SCN_KEEP
