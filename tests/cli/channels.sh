# channels.sh — sourced by tests/scenario_tests.sh. The scheme `channels` on the
# workload every scheme gets (scenarios/channel_fee_savings.yaml, 1.7 s): channels funded and closed by L1 transactions the L1 itself records,
# payments that pay exactly the advertised BOLT-7 fees, money paid out at close equal
# to what was funded, and the fee per transfer at least 10x below the L1 baseline's.

FS=scenarios/channel_fee_savings.yaml
run_scn "$FS" "$tmp/chan.db" --check-invariants
st=$(q "$tmp/chan.db" "SELECT status FROM runs")
[ "$st" = complete ] || note "run is '$st'"

# Every funded channel is one channel_open transaction of the L1's, whose fee (as the
# L1 recorded it) is the channel's open fee; every closed one a channel_close.
n=$(q "$tmp/chan.db" "SELECT count(*) FROM channels WHERE open_kind = 'funded'")
[ "$n" -ge 40 ] || note "only $n channels funded"
m=$(q "$tmp/chan.db" "SELECT count(*) FROM channels c JOIN l1_txs l ON l.run_id = c.run_id
                      AND l.world = 'channels' AND l.tx_id = c.open_l1_tx
                      WHERE l.kind = 'channel_open' AND l.fee_wei = c.open_fee_wei
                      AND l.origin = 'channels'")
[ "$m" = "$n" ] || note "$n channels funded, $m match their channel_open L1 transaction"
n=$(q "$tmp/chan.db" "SELECT count(*) FROM channels WHERE close_kind = 'cooperative'")
m=$(q "$tmp/chan.db" "SELECT count(*) FROM channels c JOIN l1_txs l ON l.run_id = c.run_id
                      AND l.world = 'channels' AND l.tx_id = c.close_l1_tx
                      WHERE l.kind = 'channel_close' AND l.fee_wei = c.close_fee_wei")
[ "$n" -ge 40 ] && [ "$m" = "$n" ] || note "$n cooperative closes, $m match their L1 transaction"
# a closed channel paid out exactly its capacity (no msat created or lost); amounts
# compared in msat (wei / 1e7, exact: channel amounts are whole msat), which SQLite's
# 64-bit integers hold where the wei of a 10 ETH channel would not
msat() { echo "CAST(substr($1, 1, max(length($1) - 7, 0)) AS INTEGER)"; }
bad=$(q "$tmp/chan.db" "SELECT count(*) FROM channels WHERE state = 'closed' AND
                        $(msat paid_a_wei) + $(msat paid_b_wei) != $(msat capacity_wei)")
[ "$bad" = 0 ] || note "$bad closed channels paid out other than their capacity"

# BOLT-7 fees: every forwarding hop charges fee_base_msat (1000) + amount x
# fee_proportional_millionths (1) / 1e6, rounded down, on the amount it forwards (the
# payment plus the fees of the hops after it). 3 hops: two forwarders; 2 hops: one.
bad=$(q "$tmp/chan.db" "WITH p AS (SELECT hops, $(msat amount_wei) AS a,
                          $(msat routing_fee_wei) AS fee
                          FROM channel_payments WHERE status = 'succeeded')
                        SELECT count(*) FROM p WHERE NOT (
                          (hops = 2 AND fee = 1000 + a / 1000000) OR
                          (hops = 3 AND fee = (1000 + a / 1000000) +
                               (1000 + (a + 1000 + a / 1000000) / 1000000)))")
ok3=$(q "$tmp/chan.db" "SELECT count(*) FROM channel_payments WHERE status = 'succeeded'
                        AND hops = 3")
[ "$bad" = 0 ] || note "$bad payments paid other than the advertised fees"
[ "$ok3" -ge 100 ] || note "only $ok3 three-hop payments"

# The fee per transfer, every open and close amortized, against the L1 baseline's:
# at least 10x cheaper (issue 12), in metrics.
ratio=$(q "$tmp/chan.db" "SELECT (SELECT value FROM metrics WHERE scheme = 'l1' AND
                            name = 'fee_mean_eth') / value FROM metrics WHERE
                            scheme = 'channels' AND name = 'fee_per_transfer_amortized_eth'")
awk -v r="$ratio" 'BEGIN { exit !(r >= 10) }' || note "channels only ${ratio}x cheaper than L1"
sr=$(q "$tmp/chan.db" "SELECT value FROM metrics WHERE scheme = 'channels' AND
                       name = 'payment_success_mean'")
awk -v r="$sr" 'BEGIN { exit !(r >= 0.9) }' || note "payment success rate $sr"
finish channels/fee-savings

# Disputes on L1 (BOLT-5), scenarios/channel_penalty.yaml: a hub posts a revoked
# state. Answered within to_self_delay (1 h in this scenario: 300 slots of 12 s after
# the post's block) by the online victim, the victim back online in time, or a watchtower: the
# penalty's block is within the period, the victim is paid the whole capacity and the
# hub nothing, and nothing is lost. The victim away longer without a tower: no
# penalty, the hub claims after the period and the victim loses the difference. The
# latest state posted (honest unilateral close): nothing at risk, paid after the period.
# A user cheats too (user_cheats, cheater: user): the same rules bind either side
# (BOLT-5), so user 4 posts the revoked state best for it and its hub, always online,
# answers with the penalty from its capital and takes the whole channel.
P=scenarios/channel_penalty.yaml
run_scn "$P" "$tmp/pen.db" --check-invariants
got=$(q "$tmp/pen.db" "SELECT group_concat(world || ':' || adversary || ':' || detected || ':' ||
                         (value_lost_wei != '0') || ':' || (value_at_risk_wei != '0'), ' ')
                       FROM (SELECT * FROM attacks ORDER BY world, adversary)")
want="channels:honest_close:0:0:0 channels:offline_long:0:1:1 channels:offline_short:1:0:1 channels:online:1:0:1 channels:user_cheats:1:0:1 no_penalty:update_offline_long:0:1:1 no_penalty:update_online:1:0:1 no_penalty:update_user_cheats:1:0:1 watched:watched:1:0:1"
[ "$got" = "$want" ] || note "attacks: $got; want $want"
# each penalty: its block within the period of the post's block; the victim takes all
bad=$(q "$tmp/pen.db" "SELECT count(*) FROM channels c
                       JOIN l1_txs post ON post.run_id = c.run_id AND post.world = c.scheme
                            AND post.tx_id = c.close_l1_tx AND post.kind = 'channel_force_close'
                       JOIN l1_txs pen ON pen.run_id = c.run_id AND pen.world = c.scheme
                            AND pen.kind = 'channel_penalty' AND pen.status = 'final'
                            AND pen.include_us >= post.include_us
                            AND pen.payer = CASE c.user_id WHEN 4 THEN 'operator' ELSE 'user' END
                       WHERE c.close_kind = 'penalty' AND NOT (
                         pen.include_us <= post.include_us + 3600000000
                         AND ((c.user_id != 4 AND c.paid_a_wei = '0' AND
                               c.paid_b_wei = c.capacity_wei) OR
                              (c.user_id = 4 AND c.paid_b_wei = '0' AND
                               c.paid_a_wei = c.capacity_wei AND post.payer = 'user'))
                         AND c.penalty_wei != '0')")
np=$(q "$tmp/pen.db" "SELECT count(*) FROM channels WHERE close_kind = 'penalty'")
[ "$np" = 4 ] && [ "$bad" = 0 ] || note "$np penalty closes, $bad of them wrong"
# each unilateral close: claimed after the period, paid as posted (capacity in all)
bad=$(q "$tmp/pen.db" "SELECT count(*) FROM channels c
                       JOIN l1_txs post ON post.run_id = c.run_id AND post.world = c.scheme
                            AND post.tx_id = c.close_l1_tx
                       JOIN l1_txs cl ON cl.run_id = c.run_id AND cl.world = c.scheme
                            AND cl.kind = 'channel_claim' AND cl.include_us > post.include_us
                       WHERE c.close_kind = 'unilateral' AND NOT (
                         cl.include_us > post.include_us + 3600000000
                         AND $(msat paid_a_wei) + $(msat paid_b_wei) = $(msat capacity_wei))")
nu=$(q "$tmp/pen.db" "SELECT count(*) FROM channels WHERE close_kind = 'unilateral'")
[ "$nu" = 3 ] && [ "$bad" = 0 ] || note "$nu unilateral closes, $bad of them wrong"
finish channels/penalty

# The penalty off (issue 12 item 3, "configurable"), scheme no_penalty of the same
# scenario: the contract has eltoo's update rule instead of BOLT-3's revocation branch
# (Decker, Russell, Osuntokun 2018: a later update spends an earlier one at once, a
# settlement only after its relative timelock). The same cheat on user 1 (the same
# channel and states as in `channels`, common random numbers) is answered with the
# newer state both signed (kind channel_update) inside the post's period; the claim
# comes a whole period after that answer's block and pays the newer state as signed:
# the hub gets exactly the balance it forfeited with the penalty on (penalty_wei of
# `channels`, its latest balance), the user the rest, nothing is lost and nothing
# forfeited. Away longer than the period without a tower (user 2), nobody answers and
# the stale state pays out, as with the penalty on: the same value lost in both.
got=$(q "$tmp/pen.db" "SELECT count(DISTINCT u.channel) FROM channels u
                       JOIN channels p ON p.run_id = u.run_id AND p.scheme = 'channels'
                            AND p.user_id = u.user_id AND p.close_kind = 'penalty'
                       JOIN l1_txs post ON post.run_id = u.run_id AND post.world = u.scheme
                            AND post.tx_id = u.close_l1_tx AND post.kind = 'channel_force_close'
                       JOIN l1_txs up ON up.run_id = u.run_id AND up.world = u.scheme
                            AND up.kind = 'channel_update' AND up.status = 'final'
                       JOIN l1_txs cl ON cl.run_id = u.run_id AND cl.world = u.scheme
                            AND cl.kind = 'channel_claim' AND cl.include_us = u.closed_us
                       WHERE u.scheme = 'no_penalty' AND u.close_kind = 'update'
                         AND u.user_id = 1 AND u.penalty_wei = '0'
                         AND up.include_us <= post.include_us + 3600000000
                         AND cl.include_us >= up.include_us + 3600000000
                         AND u.paid_a_wei = p.penalty_wei AND u.paid_a_wei != '0'
                         AND $(msat u.paid_a_wei) + $(msat u.paid_b_wei) = $(msat u.capacity_wei)")
[ "$got" = 1 ] || note "no_penalty: the cheat on user 1 was not replaced and paid as signed ($got)"
got=$(q "$tmp/pen.db" "SELECT (SELECT count(*) FROM l1_txs WHERE world = 'no_penalty' AND
                          kind = 'channel_penalty') || ' ' ||
                         (SELECT count(*) FROM attacks WHERE world = 'no_penalty' AND
                          detail LIKE 'replaced by the newer state%' AND value_lost_wei = '0') || ' ' ||
                         (SELECT a.value_lost_wei = b.value_lost_wei FROM attacks a, attacks b
                          WHERE a.adversary = 'update_offline_long' AND b.adversary = 'offline_long')")
[ "$got" = "0 2 1" ] || note "no_penalty: penalties, updates, same loss offline: $got"
# the user who cheats its hub (update_user_cheats): its hub answers with the newer
# state and the user is paid its own latest balance, the one it forfeits with the
# penalty on (penalty_wei of user 4 in `channels`)
got=$(q "$tmp/pen.db" "SELECT count(*) FROM channels u JOIN channels p ON p.run_id = u.run_id
                       AND p.scheme = 'channels' AND p.user_id = 4 AND p.close_kind = 'penalty'
                       WHERE u.scheme = 'no_penalty' AND u.user_id = 4 AND
                       u.close_kind = 'update' AND u.paid_b_wei = p.penalty_wei AND
                       $(msat u.paid_a_wei) + $(msat u.paid_b_wei) = $(msat u.capacity_wei)")
[ "$got" = 1 ] || note "no_penalty: the user's cheat was not replaced and paid as signed"
finish channels/no-penalty

# The report's figure channel_attacks draws the cheats by outcome from the view
# channel_attacks: one row per cheat with the outcome the attacks row states.
got=$(q "$tmp/pen.db" "SELECT group_concat(scheme || ':' || outcome, ' ') FROM
                       (SELECT scheme, outcome FROM channel_attacks ORDER BY scheme, outcome)")
want="channels:penalized channels:penalized channels:penalized channels:succeeded channels:unilateral close no_penalty:replaced by the newer state no_penalty:replaced by the newer state no_penalty:succeeded watched:penalized"
[ "$got" = "$want" ] || note "channel_attacks: $got; want $want"
l2sim report "$tmp/pen.db" --out "$tmp/penrep" --quiet
[ "$rc" -eq 0 ] || note "report exited $rc: $first"
grep -q 'id="fig-channel_attacks"' "$tmp/penrep/report.html" 2>/dev/null &&
    [ -s "$tmp/penrep/channel_attacks.png" ] || note "report.html has no channel attacks figure"
finish channels/attacks-figure

# The contract checks a posted state's signatures (C3): with fault channel.post_sig
# the first post carries a signature that does not verify; the contract reverts it
# (the hub paid the gas, nothing is paid out, the channel stays open) and the rest
# of the scenario runs as before.
rm -f "$tmp"/pensig.db*
L2SIM_FAULT=channel.post_sig l2sim run "$P" --db "$tmp/pensig.db" --quiet --check-invariants
check_crash
[ "$rc" -eq 0 ] || note "exited $rc: $first"
got=$(q "$tmp/pensig.db" "SELECT count(*) FROM attacks WHERE value_lost_wei = '0' AND
                          cost_wei != '0' AND detail LIKE '%the contract refused the posted state%'")
[ "$got" = 1 ] || note "$got reverted posts: $(q "$tmp/pensig.db" "SELECT detail FROM attacks")"
n=$(q "$tmp/pensig.db" "SELECT count(*) FROM channels WHERE close_kind IS NOT NULL AND
                        user_id = 1 AND scheme = 'channels'")
[ "$n" = 0 ] || note "the reverted post's channel closed anyway"
finish channels/post-signature-reverted

# refused_answer FAULT NAME: no_penalty's update_online answered with FAULT armed: the
# contract refuses the answer, the stale state pays out all the victim had at risk.
refused_answer() {
    rm -f "$tmp"/refused.db*
    L2SIM_FAULT=$1 l2sim run "$P" --db "$tmp/refused.db" --quiet --check-invariants
    check_crash
    [ "$rc" -eq 0 ] || note "exited $rc: $first"
    got=$(q "$tmp/refused.db" "SELECT count(*) FROM attacks WHERE adversary = 'update_online'
                               AND value_lost_wei != '0' AND value_lost_wei = value_at_risk_wei
                               AND detail LIKE '%the contract refused the newer state%'")
    [ "$got" = 1 ] || note "refused answers: $(q "$tmp/refused.db" "SELECT detail FROM attacks WHERE adversary = 'update_online'")"
    n=$(q "$tmp/refused.db" "SELECT count(*) FROM channels WHERE scheme = 'no_penalty' AND
                             user_id = 1 AND close_kind = 'unilateral'")
    [ "$n" = 1 ] || note "the refused answer's channel did not pay out as posted"
    finish "$2"
}

# The contract checks the newer state's signatures too (penalty off, eltoo's update
# rule takes only a later state signed by both): with fault channel.update_sig the
# first answer (no_penalty's update_online, user 1) carries a cheater's signature that
# does not verify; the contract refuses it (the victim paid the gas), nothing else
# answers within the period, and the stale state pays out: the victim loses what it
# is owed, where the same cheat without the fault loses nothing.
refused_answer channel.update_sig channels/update-signature-refused

# ... and its number (eltoo's update rule takes only a higher commitment number): with
# fault channel.update_stale the first answer is the posted state itself, both
# signatures good; the contract refuses it and the stale state pays out, as above.
refused_answer channel.update_stale channels/update-number-refused

# scenarios/channel_penalty_under_congestion.yaml: the same cheat, answered at once
# each time with a penalty that bids by value at risk; on a quiet L1 the penalty wins,
# under block stuffing that outlasts the period (tips above the victim's ceiling) it
# never gets in and the revoked state pays out, under stuffing shorter than the period
# it gets in after. The stuffer paid more than the value stolen.
C=scenarios/channel_penalty_under_congestion.yaml
run_scn "$C" "$tmp/cong.db" --check-invariants
got=$(q "$tmp/cong.db" "SELECT group_concat(adversary || ':' || detected || ':' ||
                          (value_lost_wei != '0'), ' ') FROM (SELECT * FROM attacks
                          WHERE type = 'revoked_state' ORDER BY adversary)")
[ "$got" = "quiet:1:0 short:1:0 stuffed:1:1" ] || note "attacks: $got"
n=$(q "$tmp/cong.db" "SELECT count(*) FROM l1_txs WHERE kind = 'channel_penalty' AND
                      status = 'final'")
[ "$n" = 2 ] || note "$n penalties included, want 2 (quiet, short)"
more=$(q "$tmp/cong.db" "SELECT (SELECT cost_eth FROM attacks WHERE adversary = 'stuffing')
                         > (SELECT value_lost_eth FROM attacks WHERE adversary = 'stuffed')")
[ "$more" = 1 ] || note "the stuffing cost less than the value stolen"
finish channels/penalty-under-congestion

# scenarios/channel_htlc_griefing.yaml: HTLCs pending across time. Hub 1 of scheme
# `griefed` holds every HTLC it should forward for 1 h, longer than their timelocks:
# each is taken back at its cltv_expiry and the route unwinds (payments 'an HTLC
# timed out', as many as it held), the slots it kept full refuse other payments,
# money is conserved at every event (--check-invariants), the griefing cost nothing
# and failures jump during the window; the same payments without it: no timeout.
G=scenarios/channel_htlc_griefing.yaml
run_scn "$G" "$tmp/grief.db" --check-invariants
held=$(q "$tmp/grief.db" "SELECT txs_affected FROM attacks WHERE type = 'htlc_griefing'")
to=$(q "$tmp/grief.db" "SELECT count(*) FROM channel_payments WHERE scheme = 'griefed' AND
                        failure LIKE 'an HTLC timed out%'")
[ "${held:-0}" -ge 100 ] && [ "$to" = "$held" ] || note "$held HTLCs held, $to payments timed out"
n=$(q "$tmp/grief.db" "SELECT count(*) FROM channel_payments WHERE scheme = 'channels' AND
                       (failure LIKE 'an HTLC timed out%' OR
                        failure = 'a hop''s HTLC slots were full (max_accepted_htlcs)')")
[ "$n" = 0 ] || note "$n timeouts or full slots without the griefer"
n=$(q "$tmp/grief.db" "SELECT count(*) FROM channel_payments WHERE scheme = 'griefed' AND
                       failure = 'a hop''s HTLC slots were full (max_accepted_htlcs)'")
[ "$n" -gt 0 ] || note "no payment refused for full HTLC slots"
got=$(q "$tmp/grief.db" "SELECT cost_wei = '0' AND value_lost_wei = '0' AND delay_imposed_us > 0
                         FROM attacks WHERE type = 'htlc_griefing'")
[ "$got" = 1 ] || note "attacks row: $(q "$tmp/grief.db" "SELECT * FROM attacks")"
d=$(q "$tmp/grief.db" "SELECT detail FROM attacks WHERE type = 'htlc_griefing'")
case $d in *"payments failed "[3-9][0-9]*"% of "*"during the window, "[0-9].*"% of"*) ;;
    *) note "failure rates: $d" ;; esac
finish channels/htlc-griefing

# scenarios/channel_network.yaml on the Lightning snapshot (never copied into the
# repository: $L2SIM_LN_SNAPSHOT, else ../shared/data/ln-snapshot or
# ../../shared/data/ln-snapshot from the checkout; skipped when absent), 20 minutes of
# CLoTH's workload: every one of its 30,457 channels is in `channels`, and the success
# rate is CLoTH's kind (about 99% published; at least 95% here), with few retries.
snap=${L2SIM_LN_SNAPSHOT:-}
for d in ../shared/data/ln-snapshot ../../shared/data/ln-snapshot; do
    [ -z "$snap" ] && [ -f "$d/channels_ln.csv" ] && snap=$d
done
if [ -n "$snap" ] && [ -f "$snap/channels_ln.csv" ]; then
    snap=$(cd "$snap" && pwd)
    rm -f "$tmp"/net.db*
    l2sim run scenarios/channel_network.yaml --db "$tmp/net.db" --quiet --set duration=20m \
        --set "schemes[0].graph=$snap"
    check_crash
    [ "$rc" -eq 0 ] || note "exited $rc: $first"
    n=$(q "$tmp/net.db" "SELECT count(*) FROM channels WHERE open_kind = 'preexisting'")
    [ "$n" = 30457 ] || note "$n channels, want the snapshot's 30457"
    got=$(q "$tmp/net.db" "SELECT (SELECT value FROM metrics WHERE name = 'payment_success_mean')
                           >= 0.95 AND (SELECT value FROM metrics WHERE
                           name = 'payment_attempts_mean') < 2")
    [ "$got" = 1 ] || note "success rate / attempts: $(q "$tmp/net.db" "SELECT group_concat(name || '=' || value) FROM metrics WHERE name IN ('payment_success_mean', 'payment_attempts_mean')")"
    finish channels/lightning-snapshot
else
    echo "skip channels/lightning-snapshot: no snapshot (\$L2SIM_LN_SNAPSHOT or ../shared/data/ln-snapshot)"
fi

# scenarios/channel_topologies.yaml: generated networks of 1,000 nodes. Their facts
# (Barabasi-Albert 1999, Watts-Strogatz 1998): preferential attachment with m = 2
# opens m(m+1)/2 + (n-m-1)m = 1,997 channels and grows hubs; the rewired ring lattice
# of degree 4 has exactly nk/2 = 2,000 and no node far from degree 4, so its routes
# are longer; contacts has a channel per payment-graph link, so a payment to a contact
# crosses one channel. Same scenario, same seed: identical payments and channels.
T=scenarios/channel_topologies.yaml
rm -f "$tmp"/topo.db* "$tmp"/topo2.db*
l2sim run "$T" --db "$tmp/topo.db" --quiet --check-invariants
check_crash
[ "$rc" -eq 0 ] || note "exited $rc: $first"
got=$(q "$tmp/topo.db" "SELECT group_concat(scheme || ':' || n, ' ') FROM (SELECT scheme,
                        count(*) AS n FROM channels WHERE open_kind = 'preexisting'
                        AND scheme IN ('scale_free', 'small_world') GROUP BY scheme
                        ORDER BY scheme)")
[ "$got" = "scale_free:1997 small_world:2000" ] || note "channels: $got"
deg() { echo "(SELECT max(d) FROM (SELECT count(*) AS d FROM (SELECT node_a AS v FROM
              channels WHERE scheme = '$1' UNION ALL SELECT node_b FROM channels WHERE
              scheme = '$1') GROUP BY v))"; }
got=$(q "$tmp/topo.db" "SELECT $(deg scale_free) >= 4 * $(deg small_world)
                        AND $(deg small_world) <= 12")
[ "$got" = 1 ] || note "max degrees: scale-free $(q "$tmp/topo.db" "SELECT $(deg scale_free)"), small-world $(q "$tmp/topo.db" "SELECT $(deg small_world)")"
hops() { echo "(SELECT value FROM metrics WHERE scheme = '$1' AND name = 'route_hops_mean')"; }
got=$(q "$tmp/topo.db" "SELECT $(hops scale_free) < $(hops small_world)")
[ "$got" = 1 ] || note "scale-free routes not shorter than small-world ones"
got=$(q "$tmp/topo.db" "SELECT 10 * sum(hops = 1) >= 9 * count(*) FROM channel_payments
                        WHERE scheme = 'contacts' AND status = 'succeeded'")
[ "$got" = 1 ] || note "contacts: fewer than 90% of payments in one hop"
got=$(q "$tmp/topo.db" "SELECT count(*) FROM metrics WHERE name = 'payment_success_mean'
                        AND value >= 0.8")
[ "$got" = 3 ] || note "success rates: $(q "$tmp/topo.db" "SELECT group_concat(scheme || '=' || value) FROM metrics WHERE name = 'payment_success_mean'")"
l2sim run "$T" --db "$tmp/topo2.db" --quiet
for t in channels channel_payments; do
    a=$(q "$tmp/topo.db" "SELECT * FROM $t ORDER BY scheme, 3" | cksum)
    b=$(q "$tmp/topo2.db" "SELECT * FROM $t ORDER BY scheme, 3" | cksum)
    [ "$a" = "$b" ] || note "$t differs between two runs of the same seed"
done
l2sim run "$T" --db "$tmp/topo3.db" --quiet --set 'schemes[1].generate.neighbors=5'
[ "$rc" -eq 2 ] && case $first in *"generate.neighbors=5: the ring lattice's degree must be even"*) true ;; *) false ;; esac ||
    note "odd lattice degree: exited $rc: $first"
finish channels/topologies

# scenarios/channel_offline_nodes.yaml: faulty nodes. An HTLC cannot be offered to a
# disconnected peer (BOLT-2 updates flow between connected peers; the failure goes
# back to the sender, BOLT-4), so payments that meet an offline node fail with
# 'offline node' and the sender routes around the channel that failed: with retries
# far fewer payments end failed at an offline forwarder than with one route each, and
# the network without faults has no such failure. Money conserved throughout
# (--check-invariants).
O=scenarios/channel_offline_nodes.yaml
run_scn "$O" "$tmp/off.db" --check-invariants
off() { echo "(SELECT count(*) FROM channel_payments WHERE scheme = '$1' AND failure = 'offline node')"; }
got=$(q "$tmp/off.db" "SELECT $(off healthy) || ' ' || $(off faulty) || ' ' || $(off no_retry)")
set -- $got
[ "$1" = 0 ] && [ "${3:-0}" -ge 100 ] && [ $(( ${2:-999} * 5 )) -le "${3:-0}" ] ||
    note "payments failed at an offline forwarder (healthy faulty no_retry): $got"
n=$(q "$tmp/off.db" "SELECT count(*) FROM channel_payments WHERE scheme = 'faulty' AND
                     failure IN ('offline node (the sender)', 'offline node (the recipient)')")
[ "$n" -gt 0 ] || note "no offline sender or recipient"
sr() { echo "(SELECT value FROM metrics WHERE scheme = '$1' AND name = 'payment_success_mean')"; }
got=$(q "$tmp/off.db" "SELECT $(sr healthy) > $(sr faulty) AND $(sr faulty) > $(sr no_retry)")
[ "$got" = 1 ] || note "success rates: $(q "$tmp/off.db" "SELECT group_concat(scheme || '=' || value) FROM metrics WHERE name = 'payment_success_mean'")"
finish channels/offline-nodes

# scenarios/channel_cheat_offline.yaml: cheats by probability, each when the victim's
# node is offline. BOLT-5: a revoked state is punished only if the victim (or its
# tower) answers within the dispute period (30 min here). So, for every posted cheat,
# the victim lost money exactly when it came back more than 1,800 s after the post;
# with a watchtower nothing is lost.
C=scenarios/channel_cheat_offline.yaml
run_scn "$C" "$tmp/co.db" --check-invariants
back="CAST(substr(detail, instr(detail, 'offline until ') + 14) AS INTEGER)"
bad=$(q "$tmp/co.db" "SELECT count(*) FROM attacks WHERE world = 'alone' AND
                      detail NOT LIKE 'nothing posted%' AND
                      (value_lost_wei != '0') != ($back > 1800)")
got=$(q "$tmp/co.db" "SELECT sum(detail LIKE 'succeeded%') || ' ' || sum(detail LIKE 'penalized%')
                      FROM attacks WHERE world = 'alone'")
set -- $got
[ "$bad" = 0 ] && [ "${1:-0}" -ge 1 ] && [ "${2:-0}" -ge 1 ] ||
    note "alone: $bad cheats whose loss disagrees with the victim's return; succeeded/penalized: $got"
got=$(q "$tmp/co.db" "SELECT sum(value_lost_wei != '0') || ' ' || sum(detail LIKE 'penalized%')
                      FROM attacks WHERE world = 'watched'")
set -- $got
[ "$1" = 0 ] && [ "${2:-0}" -ge 3 ] || note "watched: lost/penalized $got"
finish channels/cheat-when-offline

# scenarios/channel_jamming.yaml: jamming with the attacker's own payments. Each of
# its routes crosses the hub channel 13 times, 7 of them from hub 0 to hub 1, 69 at a
# time: hub 1's max_accepted_htlcs (483, BOLT-2: per direction) for HTLCs from hub 0
# stay full from 1:00 to 2:00, so honest payments from hub 0's users to hub 1's are
# refused for full slots, only in that hour and only in `jammed`, while the other
# direction (414 of its 483 taken) still carries every payment across; the
# jamming payments are not user transfers (no txs or channel_payments rows: both
# schemes have the same payments); the attacker paid no routing fee (its payments
# failed back) and exactly the L1 fees of its two channels' opens.
J=scenarios/channel_jamming.yaml
run_scn "$J" "$tmp/jam.db" --check-invariants
slots="failure = 'a hop''s HTLC slots were full (max_accepted_htlcs)'"
got=$(q "$tmp/jam.db" "SELECT count(*) || ' ' || sum(submit_us >= 3600000000 AND
                       submit_us < 7200000000) FROM channel_payments
                       WHERE scheme = 'jammed' AND $slots")
set -- $got
[ "${1:-0}" -ge 100 ] && [ "$1" = "${2:-}" ] || note "full-slot refusals (all, in the hour): $got"
got=$(q "$tmp/jam.db" "SELECT sum(t.user_id % 2 = 0 AND t.to_user_id % 2 = 1) || ' ' ||
                       sum(t.user_id % 2 = 0 AND t.to_user_id % 2 = 1 AND $slots) || ' ' ||
                       sum(t.user_id % 2 = 1 AND t.to_user_id % 2 = 0) || ' ' ||
                       sum(t.user_id % 2 = 1 AND t.to_user_id % 2 = 0 AND $slots)
                       FROM channel_payments c JOIN txs t USING (scheme, tx_id)
                       WHERE c.scheme = 'jammed' AND c.submit_us >= 3600000000 AND
                       c.submit_us < 7200000000")
set -- $got
[ "${1:-0}" -ge 100 ] && [ "$1" = "${2:-}" ] && [ "${3:-0}" -ge 100 ] && [ "${4:-}" = 0 ] ||
    note "hub 0 -> 1 payments, refused for slots; hub 1 -> 0, refused: $got"
n=$(q "$tmp/jam.db" "SELECT count(*) FROM channel_payments WHERE scheme = 'channels' AND $slots")
[ "$n" = 0 ] || note "$n full-slot refusals without the jammer"
got=$(q "$tmp/jam.db" "SELECT (SELECT count(*) FROM channel_payments WHERE scheme = 'jammed') =
                       (SELECT count(*) FROM channel_payments WHERE scheme = 'channels') AND
                       (SELECT count(*) FROM txs WHERE scheme = 'jammed') =
                       (SELECT count(*) FROM txs WHERE scheme = 'channels')")
[ "$got" = 1 ] || note "the jamming payments show among the users' transfers"
got=$(q "$tmp/jam.db" "SELECT a.cost_wei = (SELECT CAST(sum(CAST(open_fee_wei AS INTEGER)) AS TEXT)
                       FROM channels WHERE scheme = 'jammed' AND user_id IN (0, 1))
                       AND a.detail LIKE '%paid 0.000000 ETH of routing fees%'
                       AND a.txs_affected >= 100 FROM attacks a WHERE a.type = 'channel_jamming'")
[ "$got" = 1 ] || note "attacks row: $(q "$tmp/jam.db" "SELECT cost_wei, txs_affected, detail FROM attacks")"
# the view the report's channel_attacks figure reads counts the failures from
# channel_payments itself: the same shares as the jammer's own counts in its detail
got=$(q "$tmp/jam.db" "SELECT a.detail LIKE '%failed ' || printf('%.1f', 100 * v.failed_during)
                         || '% of %' AND a.detail LIKE '%, ' || printf('%.1f', 100 * v.failed_before)
                         || '% of % in the stretch before%' FROM attacks a JOIN channel_attacks v
                       ON v.run_id = a.run_id AND v.adversary = a.adversary
                       WHERE a.type = 'channel_jamming'")
[ "$got" = 1 ] || note "channel_attacks' failure shares: $(q "$tmp/jam.db" "SELECT failed_before, failed_during FROM channel_attacks")"
finish channels/jamming

# scenarios/channel_htlc_timeout_onchain.yaml: HTLCs held past their expiry settled
# on L1 (BOLT-2 "deadline for offered HTLCs", BOLT-5 HTLC-timeout) on every channel of
# the route. Each held HTLC is claimed back by its offerer with one
# channel_htlc_timeout transaction included in the L1: a user's from its account, a
# hub's (into hub 1, the griefer) from the hub's capital (payer operator), and each
# hub channel failed this way was posted by a hub and paid out exactly its capacity;
# block stuffing (tips 50 gwei above the channels' bids) fills every block from 1:30
# to 1:50, so no post or claim got in then and the latest waited it out (the
# griefer's row: at most >= 600 s after expiry), and the earlier HTLCs of routes held
# at hub 1's channels, whose own deadline (80 blocks later) passed meanwhile, were
# claimed on L1 by their offerers too: the included HTLC-timeouts are the payments
# failed by them plus those earlier ones. A channel failed this way paid out exactly
# its capacity after the dispute period; with htlc_timeout_onchain false nothing of
# the kind reaches the L1. Money conserved at every event (--check-invariants).
H=scenarios/channel_htlc_timeout_onchain.yaml
run_scn "$H" "$tmp/hto.db" --check-invariants
d=$(q "$tmp/hto.db" "SELECT detail FROM attacks WHERE adversary = 'grief_onchain'")
case $d in *"s after expiry on average, "[6-9][0-9][0-9]" s at most"* | *"s after expiry on average, "[1-9][0-9][0-9][0-9]" s at most"*) ;;
    *) note "no HTLC-timeout waited out the stuffing: $d" ;; esac
up=$(printf '%s' "$d" | sed -n 's/.* s at most; \([0-9]*\) earlier HTLCs of their routes.*/\1/p')
[ "${up:-0}" -ge 1 ] || note "no earlier HTLC of a held route claimed on L1: $d"
got=$(q "$tmp/hto.db" "SELECT (SELECT count(*) FROM l1_txs WHERE world = 'onchain' AND
                         kind = 'channel_htlc_timeout' AND status IN ('included', 'final'))
                       || ' ' || (SELECT count(*) FROM channel_payments WHERE scheme = 'onchain'
                         AND failure = 'an HTLC timed out and its offerer claimed it back on L1')")
set -- $got
[ "${1:-0}" -ge 50 ] && [ "$1" = "$(( ${2:-0} + ${up:-0} ))" ] ||
    note "HTLC-timeouts on L1 / payments failed by them / earlier HTLCs: $got / ${up:-}"
got=$(q "$tmp/hto.db" "SELECT (SELECT count(*) FROM l1_txs WHERE world = 'onchain' AND
                         kind = 'channel_htlc_timeout' AND payer = 'operator' AND
                         status IN ('included', 'final'))
                       || ' ' || (SELECT count(*) FROM l1_txs WHERE world = 'onchain' AND
                         kind = 'channel_force_close' AND payer = 'operator' AND
                         status IN ('included', 'final'))
                       || ' ' || (SELECT count(*) FROM channels WHERE scheme = 'onchain' AND
                         user_id IS NULL AND close_kind = 'htlc_timeout' AND
                         (node_a = 1 OR node_b = 1))")
set -- $got
[ "${1:-0}" -ge 10 ] && [ "${2:-0}" -ge 1 ] && [ "${2:-}" = "${3:-}" ] ||
    note "hubs' HTLC-timeouts / hubs' posts / hub 1's channels failed: $got"
n=$(q "$tmp/hto.db" "SELECT count(*) FROM l1_txs WHERE world = 'onchain' AND kind IN
                     ('channel_htlc_timeout', 'channel_force_close') AND
                     include_us > 5412000000 AND include_us <= 6600000000")
[ "$n" = 0 ] || note "$n force closes or HTLC-timeouts got into stuffed blocks"
bad=$(q "$tmp/hto.db" "SELECT count(*) FROM channels WHERE scheme = 'onchain' AND
                       close_kind = 'htlc_timeout' AND
                       $(msat paid_a_wei) + $(msat paid_b_wei) != $(msat capacity_wei)")
nc=$(q "$tmp/hto.db" "SELECT count(*) FROM channels WHERE scheme = 'onchain' AND
                      close_kind = 'htlc_timeout'")
[ "$nc" -ge 5 ] && [ "$bad" = 0 ] || note "$nc channels closed by HTLC timeouts, $bad paid other than their capacity"
n=$(q "$tmp/hto.db" "SELECT count(*) FROM l1_txs WHERE world = 'offchain' AND kind IN
                     ('channel_htlc_timeout', 'channel_force_close')")
[ "$n" = 0 ] || note "$n on-chain HTLC transactions with htlc_timeout_onchain false"
# the stuffing names its world (`world: onchain`): offchain's L1 carries no filler
# and offchain has no stuffing row, whose victims there could only be held payments
got=$(q "$tmp/hto.db" "SELECT group_concat(w, ' ') FROM (SELECT DISTINCT world || ':' ||
                         (SELECT count(*) FROM attacks a WHERE a.adversary = 'stuffing'
                          AND a.world = t.world) AS w FROM l1_txs t WHERE kind = 'stuffing')")
[ "$got" = "onchain:1" ] || note "worlds with fillers : stuffing rows = '$got', want 'onchain:1'"
finish channels/htlc-timeout-onchain

# l2sim's own channel graph format (README "Channel graph files"):
# scenarios/channel_example_graph.yaml loads the shipped example network from
# scenarios/channels/example.csv (one line per channel, named nodes, amounts in
# satoshi) beside the same network in CLoTH's three files. Read right, both give one
# graph, so the same transfers take the same routes at the same BOLT-7 fees: the two
# schemes' channel_payments and channels agree row for row. The first line,
# alice,bob,2000000,600000: 2,000,000 sat = 0.02 ETH (1 sat = 1e10 wei), alice's side
# 600,000 sat. A bad field is reported as file:line:col with exit 2 and no complete
# run; graph_prefix (CLoTH's file names) beside a file is refused.
G=scenarios/channel_example_graph.yaml
run_scn "$G" "$tmp/own.db" --check-invariants
cols="tx_id, from_node, to_node, amount_wei, hops, attempts, routing_fee_wei, status,
      failure, submit_us, settled_us, parts"
diff=$(q "$tmp/own.db" "SELECT (SELECT count(*) FROM (
          SELECT $cols FROM channel_payments WHERE scheme = 'own_format' EXCEPT
          SELECT $cols FROM channel_payments WHERE scheme = 'cloth_format'))
        + (SELECT count(*) FROM (
          SELECT $cols FROM channel_payments WHERE scheme = 'cloth_format' EXCEPT
          SELECT $cols FROM channel_payments WHERE scheme = 'own_format'))")
ccols="channel, node_a, node_b, capacity_wei, fund_a_wei, fund_b_wei, updates, paid_a_wei,
       paid_b_wei"
cdiff=$(q "$tmp/own.db" "SELECT count(*) FROM (
          SELECT $ccols FROM channels WHERE scheme = 'own_format' EXCEPT
          SELECT $ccols FROM channels WHERE scheme = 'cloth_format')")
got=$(q "$tmp/own.db" "SELECT (SELECT count(*) FROM channel_payments WHERE scheme = 'own_format'
                         AND status = 'succeeded' AND hops >= 2) || ' ' ||
                       (SELECT count(*) FROM channels WHERE scheme = 'own_format') || ' ' ||
                       (SELECT capacity_wei || ' ' || fund_a_wei || ' ' || fund_b_wei
                        FROM channels WHERE scheme = 'own_format' AND channel = 0)")
[ "$diff" = 0 ] && [ "$cdiff" = 0 ] || note "own vs CLoTH format: $diff payments, $cdiff channels differ"
case $got in
    [1-9][0-9]*" 18 20000000000000000 6000000000000000 14000000000000000") ;;
    *) note "own format: multi-hop payments, channels, channel 0's amounts: $got" ;;
esac
sed 's/^dave,erin,5000000,3000000,2000,1000,/dave,erin,5000000,3000000,2000,1x00,/' \
    scenarios/channels/example.csv > "$tmp/bad-graph.csv"
rm -f "$tmp"/ownbad.db*
l2sim run "$G" --db "$tmp/ownbad.db" --quiet --set "schemes[0].graph=$tmp/bad-graph.csv"
check_crash
[ "$rc" -eq 2 ] || note "a bad graph line exited $rc"
expect_first "$tmp/bad-graph.csv:11:33: a_fee_proportional_millionths: '1x00' is not a whole number"
no_complete_run "$tmp/ownbad.db"
l2sim run "$G" --db "$tmp/ownbad.db" --quiet --set "schemes[0].graph_prefix=example-"
[ "$rc" -eq 2 ] || note "graph_prefix beside a file exited $rc"
case $first in *"graph_prefix names CLoTH files in a directory, but graph is a file"*) ;;
    *) note "graph_prefix beside a file: $first" ;; esac
finish channels/own-graph-format

# Jamming beyond the hub topology (scenarios/channel_jamming_graph.yaml): on the
# example network, node 11 keeps channel 0's alice -> bob direction full (69 payments x
# 7 crossings = its 483 slots, BOLT-2 max_accepted_htlcs) from 1:00 to 2:00. Before
# 1:00 the two schemes pay the same transfers alike; in the hour every alice -> bob
# payment of `jammed` is refused at the full channel and retried around it (at least
# 2 attempts and 3 hops), where `channels` pays most of them over the one channel, and
# `jammed` needs several times the retries. Money conserved (--check-invariants).
JG=scenarios/channel_jamming_graph.yaml
run_scn "$JG" "$tmp/jg.db" --check-invariants
pc="tx_id, status, hops, attempts, routing_fee_wei"
d=$(q "$tmp/jg.db" "SELECT count(*) FROM (SELECT $pc FROM channel_payments WHERE scheme =
                    'jammed' AND submit_us < 3600000000 EXCEPT SELECT $pc FROM channel_payments
                    WHERE scheme = 'channels' AND submit_us < 3600000000)")
[ "$d" = 0 ] || note "$d payments differ before the jamming"
got=$(q "$tmp/jg.db" "SELECT scheme, count(*), sum(attempts >= 2 AND hops >= 3), sum(hops = 1)
                      FROM channel_payments WHERE status = 'succeeded' AND from_node = 0 AND
                      to_node = 1 AND submit_us >= 3600000000 AND submit_us < 7200000000
                      GROUP BY scheme ORDER BY scheme")
set -- $(echo "$got" | tr '|' ' ')
# $1..$4: channels, n, around, direct; $5..$8: jammed, n, around, direct
[ "${2:-0}" -ge 5 ] && [ "${4:-0}" -ge 5 ] && [ "${6:-}" = "${2:-}" ] &&
    [ "${7:-}" = "${6:-}" ] && [ "${8:-}" = 0 ] ||
    note "alice -> bob payments in the window (scheme, n, around, direct): $got"
got=$(q "$tmp/jg.db" "SELECT (SELECT count(*) FROM channel_payments WHERE scheme = 'jammed'
                        AND attempts > 1 AND submit_us >= 3600000000 AND submit_us < 7200000000)
                      >= 3 * (SELECT count(*) FROM channel_payments WHERE scheme = 'channels'
                        AND attempts > 1 AND submit_us >= 3600000000 AND submit_us < 7200000000)")
[ "$got" = 1 ] || note "jamming did not multiply the retries"
d=$(q "$tmp/jg.db" "SELECT detail FROM attacks WHERE type = 'channel_jamming'")
case $d in "users 11 -> 2 jammed channel 0 with "[0-9]*" payments of 13 crossings each"*"0.000000 ETH of L1 fees"*) ;;
    *) note "attacks row: $d" ;; esac
finish channels/jamming-graph
