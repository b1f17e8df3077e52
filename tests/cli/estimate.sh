# estimate.sh — scenarios too big for the machine are refused up front with the size
# they would need (models/run/estimate.c), at the key to blame, exit 2, nothing created;
# what fits is not refused; `l2sim validate --estimate` prints what a run costs.
# Sourced by tests/scenario_tests.sh, whose helpers it uses. Years have no unit in
# sim/units.c: 1000 years are written 365000d.

E=$tmp/estimate
mkdir -p "$E"

# est_scn FILE LINES...: a scenario file, one line per argument
est_scn() {
    f=$1
    shift
    for line in "$@"; do printf '%s\n' "$line"; done >"$f"
}

# est_refused NAME KEY-TEXT SIZE-REGEX: the last l2sim exited 2, its first line names
# KEY-TEXT and a size matching SIZE-REGEX, and no database was created
est_refused() {
    check_crash
    [ "$rc" -eq 2 ] || note "exited $rc, expected 2"
    case $first in *"$2"*" needs "*"about"*) ;; *) note "message: $first" ;; esac
    printf '%s\n' "$first" | grep -Eq "$3" || note "no size matching /$3/ in: $first"
    ls "$E"/*.db* >/dev/null 2>&1 && note "left a database file behind: $(ls "$E")"
    finish "$1"
}

# 10^12 users: the user table alone is 8 TB
est_scn "$E/users.yaml" "name: users" "duration: 1h" \
    "workload: {users: 1000000000000, transfers: {rate: 1/s}}" "schemes: [{type: l1}]"
l2sim run "$E/users.yaml" --db "$E/users.db" --quiet
est_refused estimate/users-1e12 "$E/users.yaml:3:19: workload.users: 1000000000000" \
    '[0-9.]+ (TiB|PiB)'
case $first in *"at most 4294967295 users"*) ;; *) note "no 32-bit bound: $first" ;; esac
finish estimate/users-1e12-ids

l2sim run scenarios/default.yaml --set workload.users=1000000000000 --db "$E/set.db"
est_refused estimate/users-1e12-set \
    "--set workload.users=1000000000000: 1000000000000" '[0-9.]+ (TiB|PiB)'

l2sim validate "$E/users.yaml"
est_refused estimate/users-1e12-validate "workload.users: 1000000000000" '[0-9.]+ (TiB|PiB)'

# 1000 years: 6.3e10 transfers at 2/s and 2.6e9 slots of 12 s
est_scn "$E/years.yaml" "name: years" "duration: 365000d" \
    "workload: {users: 1000, transfers: {rate: 2/s}}" "schemes: [{type: l1}]"
l2sim run "$E/years.yaml" --db "$E/years.db" --quiet
est_refused estimate/1000-years "$E/years.yaml:2:11: duration: 365000d" '[0-9.]+ (TiB|PiB)'
case $first in *"6.31e10 transfers"*) ;; *) note "transfers not named: $first" ;; esac
# the database (5.4 TiB) is refused only where the disk has less free
free_kib=$(df -Pk "$E" | awk 'NR == 2 { print $4 }')
if [ "${free_kib:-0}" -lt 5000000000 ]; then
    grep -q 'TiB of database' "$tmp/err" || note "no database size: $(cat "$tmp/err")"
fi
finish estimate/1000-years-counts

# (the default's channels and sidechain send an event per message: the scheduler's
# 38-bit sequence may be what it outgrows first, also a size the message states)
l2sim run scenarios/default.yaml --set duration=365000d --db "$E/set.db" --quiet
est_refused estimate/1000-years-set "--set duration=365000d: 365000d" \
    '[0-9.]+ (TiB|PiB)|[0-9.]+e[0-9]+ events in one world'

# beyond int64 microseconds the duration does not even parse
l2sim validate scenarios/default.yaml --set duration=106751992d
check_crash
[ "$rc" -eq 2 ] || note "exited $rc, expected 2"
case $first in *"duration '106751992d' too large"*) ;; *) note "message: $first" ;; esac
finish estimate/duration-above-int64

# at the edge of int64 microseconds the estimate names the time it would need
l2sim validate scenarios/default.yaml --set duration=106751991d --set l1.finality_depth=100000 \
    --set l1.slot=1h
est_refused estimate/duration-int64 "106751991d" 'int64 microseconds'

# --max-memory: the Zipf table is built before the run-time gauge looks
l2sim run scenarios/default.yaml --set workload.recipients=zipf --set workload.users=100000000 \
    --max-memory 64MiB --db "$E/zipf.db" --quiet
est_refused estimate/max-memory-upfront "workload.users=100000000" '763 MiB.*--max-memory allows 64 MiB'

# what fits is not refused: ten million users, ten years at a modest rate
est_scn "$E/fits.yaml" "name: fits" "duration: 3650d" "l1: {slot: 1m}" \
    "workload: {users: 10000000, transfers: {rate: 0.01/s}}" "schemes: [{type: l1}]"
l2sim validate "$E/fits.yaml" --estimate
check_crash
[ "$rc" -eq 0 ] || note "exited $rc: $first"
for line in "memory    about" "events    about" "database  about" "wall time about"; do
    grep -q "^  $line" "$tmp/out" || note "no '$line' line: $(cat "$tmp/out")"
done
grep -q "5.26e6 L1 slots and 3.15e6 transfers" "$tmp/out" || note "counts: $(cat "$tmp/out")"
finish estimate/ten-years-ten-million-users-fit

# and such a scenario does start: a short slice of it runs
l2sim run "$E/fits.yaml" --set duration=1h --db "$E/fits.db" --quiet
check_crash
[ "$rc" -eq 0 ] || note "exited $rc: $first"
[ "$(q "$E/fits.db" 'SELECT status FROM runs')" = complete ] || note "run not complete"
rm -f "$E"/fits.db*
finish estimate/ten-million-users-run

# The memory estimate against what a run really holds, its peak RSS (/usr/bin/time -f
# %M; a release build: a sanitizer's shadow memory is not the model's). default.yaml's
# L1 world alone, 12 h: users, the metrics' read-back, the mempool, SQLite's page cache
# (the pages the run writes, up to 32 MiB) and the store's row buffers are the whole
# estimate, which must be within 25% of the run's peak (it was 17.7 MiB for 54 MiB
# before the database's memory was counted). The same world with 1e7 users for 10
# minutes: each of the ~2,400 users touched costs a whole chunk of 4096 profiles and
# accounts, which the estimate must cover (it said 86 MiB for 429 MiB when it counted
# users one by one), without doubling it.
if "$L2SIM" version | grep -q 'debug build'; then
    echo "skip estimate/memory-against-peak-rss: a debug (sanitizer) build's memory is not the model's"
elif [ ! -x /usr/bin/time ]; then
    echo "skip estimate/memory-against-peak-rss: no /usr/bin/time (make deps installs it)"
else
    awk '/^schemes:/ { print; print "  - {type: l1}"; skip = 1; next }
         /^adversaries:/ { skip = 0 } !skip' scenarios/default.yaml >"$E/l1world.yaml"
    # mib RUN-ARGS...: the run's peak RSS in MiB; est: the estimate's, from validate
    mib() {
        rm -f "$E"/rss.db*
        /usr/bin/time -f %M -o "$E/rss" "$L2SIM" run "$E/l1world.yaml" --db "$E/rss.db" --quiet \
            "$@" >/dev/null 2>&1 || note "run $* failed"
        awk '{ printf "%.1f", $1 / 1024 }' "$E/rss"
    }
    est() {
        l2sim validate "$E/l1world.yaml" --estimate "$@"
        sed -n 's/^  memory    about \([0-9.]*\) \(MiB\|GiB\) peak.*/\1 \2/p' "$tmp/out" |
            awk '{ printf "%.1f", $2 == "GiB" ? $1 * 1024 : $1 }'
    }
    rss=$(mib)
    e=$(est)
    awk -v r="$rss" -v e="$e" 'BEGIN { exit !(r > 0 && e >= 0.75 * r && e <= 1.25 * r) }' ||
        note "L1 world, 12 h: estimate $e MiB against a peak RSS of $rss MiB (25% allowed)"
    rss=$(mib --set workload.users=10000000 --set duration=10m)
    e=$(est --set workload.users=10000000 --set duration=10m)
    awk -v r="$rss" -v e="$e" 'BEGIN { exit !(r > 0 && e >= r && e <= 2 * r) }' ||
        note "1e7 users, 10 min: estimate $e MiB against a peak RSS of $rss MiB"
    rm -f "$E"/rss.db* "$E/rss"
    finish estimate/memory-against-peak-rss
fi

# every shipped scenario validates, and the estimate of the default is its run's
# (channel_network.yaml reads the Lightning snapshot outside the repository:
# tests/cli/channels.sh)
# shellcheck disable=SC2046
l2sim validate $(ls scenarios/*.yaml | grep -v '/channel_network\.yaml$') scenarios/teach/*.yaml \
    --estimate
[ "$rc" -eq 0 ] || note "exited $rc: $first"
grep -q '^scenarios/default.yaml: estimate of one run' "$tmp/out" || note "no estimate printed"
finish estimate/shipped-scenarios
