# sidechain.sh — sourced by tests/scenario_tests.sh. The sidechain's attacks rows under
# the shared delay rule (analysis/metrics.c): a transfer's wait runs to its first
# confirmation (the sidechain's commit), so an outage of 1/3 or more of the stake,
# which halts the chain, imposes about half its length on each transfer it holds up,
# and a smaller one, whose chain goes on with round changes, next to nothing.

rm -f "$tmp"/sc.db*
l2sim run scenarios/sidechain_validator_outage.yaml --db "$tmp/sc.db" --quiet
check_crash
[ "$rc" -eq 0 ] || note "exited $rc ($first)"
# three_of_seven halts the chain for 30 minutes: transfers submitted in it wait for the
# return, 15 minutes on average (uniform arrivals), beyond a baseline of seconds
got=$(q "$tmp/sc.db" "SELECT blocks_affected >= 1 AND txs_affected > 500 AND
                      delay_imposed_us / 1e6 / txs_affected BETWEEN 600 AND 1800
                      FROM attacks WHERE adversary = 'three_of_seven'")
[ "$got" = 1 ] || note "halting outage: $(q "$tmp/sc.db" "SELECT blocks_affected || ' blocks, ' ||
    txs_affected || ' transfers, ' || delay_imposed_us / 1e6 || ' s' FROM attacks
    WHERE adversary = 'three_of_seven'")"
# two_of_seven: blocks go on (one every ~4 s), a few seconds lost to round changes
got=$(q "$tmp/sc.db" "SELECT blocks_affected > 300 AND delay_imposed_us / 1e6 / txs_affected < 10
                      FROM attacks WHERE adversary = 'two_of_seven'")
[ "$got" = 1 ] || note "outage below 1/3: $(q "$tmp/sc.db" "SELECT blocks_affected || ' blocks, ' ||
    txs_affected || ' transfers, ' || delay_imposed_us / 1e6 || ' s' FROM attacks
    WHERE adversary = 'two_of_seven'")"
finish sidechain/outage-delay-by-first-confirmation
