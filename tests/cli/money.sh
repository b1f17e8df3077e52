# money.sh — sourced by tests/scenario_tests.sh. Amounts beyond 64 bits (issue 10 §1):
# tests/scenarios/ok/high_base_fee.yaml starts the base fee at 1,000,000 gwei, so each
# transfer pays about 21.2 ETH (over the 9.2 ETH of a signed 64-bit wei column). The
# run completes; each transfer's fee_wei is exactly 21,000 gas (the intrinsic gas of a
# plain transfer, Yellow Paper G_transaction) x (the including block's base fee + the
# 10,000 gwei tip) (EIP-1559 effective gas price: the max fee, 2 x base fee + tip, is
# never the limit here); sum(fee_eth) and max(fee_eth) in SQL agree with those numbers
# computed here, in shell integers, from l1_blocks alone.

HB=tests/scenarios/ok/high_base_fee.yaml
rm -f "$tmp"/money.db*
l2sim run "$HB" --db "$tmp/money.db" --quiet
check_crash
[ "$rc" -eq 0 ] || note "exited $rc: $first"
st=$(q "$tmp/money.db" "SELECT status FROM runs")
[ "$st" = complete ] || note "run is '$st'"

# wei_times GAS PRICE: GAS x PRICE as exact decimal text, for products past 2^63
# (PRICE split at 10^9 so each partial product fits the shell's 64-bit integers)
wei_times() {
    hi=$(( $2 / 1000000000 )); lo=$(( $2 % 1000000000 ))
    low=$(( $1 * lo )); high=$(( $1 * hi + low / 1000000000 ))
    if [ "$high" -gt 0 ]; then printf '%d%09d' "$high" $(( low % 1000000000 ))
    else printf '%d' "$low"; fi
}
tip=10000000000000          # 10,000 gwei
n=0; bad=0; price_sum=0; price_max=0
q "$tmp/money.db" "SELECT t.tx_id, t.fee_wei, t.l1_fee_wei, t.l2_fee_wei, b.base_fee_per_gas
                   FROM txs t JOIN l1_blocks b ON b.run_id = t.run_id AND b.world = 'l1'
                   AND b.time_us = t.include_us ORDER BY t.tx_id" >"$tmp/money.rows"
while IFS='|' read -r id fee l1fee l2fee base; do
    price=$(( base + tip ))
    want=$(wei_times 21000 "$price")
    n=$((n + 1))
    if [ "$fee" != "$want" ] || [ "$l1fee" != "$want" ] || [ "$l2fee" != 0 ]; then
        [ "$bad" -eq 0 ] && note "transfer $id: fee_wei $fee, l1_fee_wei $l1fee, l2_fee_wei $l2fee; want $want, $want, 0"
        bad=$((bad + 1))
    fi
    price_sum=$(( price_sum + price ))
    [ "$price" -gt "$price_max" ] && price_max=$price
done <"$tmp/money.rows"
[ "$n" -ge 50 ] || note "only $n transfers included"
all=$(q "$tmp/money.db" "SELECT count(*) FROM txs")
[ "$all" = "$n" ] || note "$all transfers, $n of them included"
# the sum and max in ETH, from the exact sum and max computed above (awk only divides)
sum_wei=$(wei_times 21000 "$price_sum")
max_wei=$(wei_times 21000 "$price_max")
got=$(q "$tmp/money.db" "SELECT printf('%.17g|%.17g|%.17g', sum(fee_eth), max(fee_eth),
                                       min(fee_eth)) FROM txs")
echo "$got|$sum_wei|$max_wei" | awk -F'|' '{
    sum = $4 / 1e18; max = $5 / 1e18
    if ($1 - sum > 1e-12 * sum || sum - $1 > 1e-12 * sum) print "sum(fee_eth) " $1 ", want " sum
    if ($2 - max > 1e-12 * max || max - $2 > 1e-12 * max) print "max(fee_eth) " $2 ", want " max
    if ($3 < 21) print "min(fee_eth) " $3 ", want 21 ETH or more"
}' >"$tmp/money.cmp"
[ -s "$tmp/money.cmp" ] && note "$(tr '\n' ';' <"$tmp/money.cmp")"
# ordering by the numeric column finds the largest exact fee
top=$(q "$tmp/money.db" "SELECT fee_wei FROM txs ORDER BY fee_eth DESC LIMIT 1")
[ "$top" = "$max_wei" ] || note "ORDER BY fee_eth DESC gives $top, want $max_wei"
# the views and the report read it too
v=$(q "$tmp/money.db" "SELECT printf('%.6f', total(total_eth)) FROM cost_breakdown")
w=$(echo "$sum_wei" | awk '{ printf "%.6f", $1 / 1e18 }')
[ "$v" = "$w" ] || note "cost_breakdown total_eth $v, want $w"
finish money/fees-beyond-64-bits-exact
