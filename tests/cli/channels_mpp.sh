# channels_mpp.sh — sourced by tests/scenario_tests.sh. Multi-part payments (BOLT-4
# basic MPP: parts of one payment under one payment_hash, the recipient settling only
# once they add up to total_msat) on scenarios/channel_multipart.yaml: a 4-node ring
# whose channels hold 1,000,000 msat a side, payments of 1,200,000 msat (more than any
# sender holds in one channel at the start).

MP=scenarios/channel_multipart.yaml
rm -f "$tmp"/mpp*.db*
# whole (mpp off): no sender can offer the first HTLC, so nothing is ever paid
l2sim run "$MP" --set schemes[0].mpp=false --db "$tmp/mpp0.db" --quiet --check-invariants
check_crash
[ "$rc" -eq 0 ] || note "mpp=false exited $rc: $first"
got=$(q "$tmp/mpp0.db" "SELECT count(*), sum(status = 'succeeded'), sum(parts <> 1),
                        sum(failure = 'the sender''s channel balance is too low')
                        FROM channel_payments")
case $got in
    0\|*) note "no payments" ;;
    *\|0\|0\|*) n=${got%%|*}; [ "${got##*|}" = "$n" ] || note "whole: $got" ;;
    *) note "whole payments (n|succeeded|split|balance too low): $got" ;;
esac
# in parts: split payments succeed, each delivering the whole amount, with the fees of
# both parts' forwarders (1000 msat base + 1 ppm of 600,000 msat, rounded down, each:
# at most two forwarders a part on a ring of four);
# money conserved at every event (--check-invariants)
l2sim run "$MP" --db "$tmp/mpp1.db" --quiet --check-invariants
check_crash
[ "$rc" -eq 0 ] || note "mpp=true exited $rc: $first"
ok2=$(q "$tmp/mpp1.db" "SELECT count(*) FROM channel_payments WHERE parts = 2
                        AND status = 'succeeded'")
[ "$ok2" -ge 1 ] 2>/dev/null || note "no payment succeeded in two parts ($ok2)"
bad=$(q "$tmp/mpp1.db" "SELECT count(*) FROM channel_payments p JOIN txs t
                        ON t.run_id = p.run_id AND t.scheme = p.scheme AND t.tx_id = p.tx_id
                        WHERE p.parts = 2 AND p.status = 'succeeded'
                        AND (p.amount_wei <> '12000000000000' OR t.status <> 'final'
                             OR CAST(p.routing_fee_wei AS INTEGER) / 10000000 % 1000 <> 0
                             OR CAST(p.routing_fee_wei AS INTEGER) / 10000000 > 4000)")
[ "$bad" = 0 ] || note "$bad two-part payments with a wrong amount, status or fee"
# a split whose second part finds no route fails whole: nothing was delivered
part=$(q "$tmp/mpp1.db" "SELECT count(*) FROM channel_payments WHERE parts = 2
                         AND status = 'failed' AND routing_fee_wei <> '0'")
[ "$part" = 0 ] || note "$part failed two-part payments charged a fee"
# the same transfers, so the split is what turned failures into payments
n0=$(q "$tmp/mpp0.db" "SELECT count(*) FROM txs")
n1=$(q "$tmp/mpp1.db" "SELECT count(*) FROM txs")
[ "$n0" = "$n1" ] || note "different workloads: $n0 and $n1 transfers"
finish channels/multipart-payments
