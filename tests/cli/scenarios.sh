# scenarios.sh — sourced by tests/scenario_tests.sh. Every shipped scenario runs to
# the end: exit 0, one complete run, a database that passes integrity_check. Under
# `make check` that is every scenario under ASan/UBSan with every invariant checked
# after every event.

for f in scenarios/*.yaml scenarios/*/*.yaml; do
    [ -f "$f" ] || continue
    # it reads the Lightning snapshot, outside the repository: channels.sh runs it
    [ "$f" = scenarios/channel_network.yaml ] && continue
    rm -f "$tmp"/shipped.db*
    l2sim run "$f" --db "$tmp/shipped.db" --quiet
    check_crash
    [ "$rc" -eq 0 ] || note "exited $rc: $first"
    db_sane "$tmp/shipped.db"
    st=$(q "$tmp/shipped.db" "SELECT group_concat(status) FROM runs")
    case $st in complete | complete,*) ;; *) note "runs recorded as '$st'" ;; esac
    case $st in *[!a-z,]* | *failed* | *running* | *interrupted*) note "runs recorded as '$st'" ;; esac
    finish "shipped/$f"
done
