#!/bin/sh
# scenario_tests.sh — scenario-level tests of the l2sim command line: the message of
# every malformed scenario, --set errors, the results database under failure (bad
# path, disk full, Ctrl-C, kill -9), determinism from the command line, exit codes,
# plots and report.html (in headless Chromium), studies (sweeps, --jobs, shards and
# merge, MPI, confidence intervals) and `l2sim compare`.
# Run from the repository root (`make scenario-tests` does):
#   L2SIM=./l2sim [L2SIM_MPI=./l2sim-mpi] BUILD=build sh tests/scenario_tests.sh
# Prints `ok NAME` or `FAIL NAME: why` per test, then `scenario tests: N passed, M failed` (`make test` ends with the count over all its parts).
# Sections that stand alone live in tests/cli/*.sh and are sourced at the end.

set -u
L2SIM=${L2SIM:-./l2sim}
BUILD=${BUILD:-build}
BAD=tests/scenarios/bad
GEN=$BUILD/bad-generated
# the default scenario as it was with the L1 baseline alone (tests/scenarios/l1_baseline.yaml):
# the tests of the L1, the report and the CLI keep their numbers as schemes join
# scenarios/default.yaml; with --set duration=1h it runs well under a second
SCN=tests/scenarios/l1_baseline.yaml

if [ ! -x "$L2SIM" ]; then
    echo "FAIL setup: $L2SIM is not an executable (build it first)"
    echo "scenario tests: 0 passed, 1 failed"
    exit 1
fi
command -v sqlite3 >/dev/null 2>&1 || { echo "FAIL setup: sqlite3 not found"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/l2sim-tests.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 130' INT TERM

passed=0
failed=0
why=""                              # reasons the current test failed, "; "-joined

ok()   { passed=$((passed + 1)); echo "ok $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }
# note WHY: record one reason the current test fails
note() { why="${why:+$why; }$1"; }
# finish NAME: report the current test from the reasons noted since it began
finish() { if [ -z "$why" ]; then ok "$1"; else fail "$1" "$why"; fi; why=""; }

# l2sim ARGS...: run the binary; sets $rc, stdout in $tmp/out, stderr in $tmp/err,
# $first = the first line of stderr.
l2sim() {
    "$L2SIM" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    first=$(head -n 1 "$tmp/err")
}

# crashed: true when the last l2sim died of a signal, tripped a sanitizer or
# panicked (a panic on user input is a bug: bad input must be reported, exit 2).
crashed() {
    [ "$rc" -ge 128 ] && return 0
    grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error:' \
        -e 'internal error' "$tmp/err"
}

# check_crash: note a crash of the last l2sim, with the line that shows it
check_crash() {
    if crashed; then
        note "crashed (exit $rc): $(grep -m 1 -e Sanitizer -e 'runtime error' \
            -e 'internal error' "$tmp/err" || echo "$first")"
    fi
}

# q DB SQL: one query, errors into the output (so a comparison fails visibly)
q() { sqlite3 "$1" "$2" 2>&1; }

# db_sane DB: note unless DB passes integrity_check
db_sane() {
    ic=$(q "$1" 'PRAGMA integrity_check')
    [ "$ic" = ok ] || note "integrity_check of $(basename "$1"): $ic"
}

# no_complete_run DB: note if DB exists and holds a run whose status is 'complete'
no_complete_run() {
    [ -e "$1" ] || return 0
    n=$(q "$1" "SELECT count(*) FROM runs WHERE status = 'complete'")
    case $n in
        0 | *"no such table"*) ;;
        *) note "database $(basename "$1") has complete runs: $n" ;;
    esac
}

# expect_first WANT: note unless the first stderr line is exactly WANT
expect_first() {
    [ "$first" = "$1" ] || note "first stderr line is '$first', expected '$1'"
}

# limited SECS CMD...: run CMD in the background, kill it after SECS seconds; sets rc
# (>= 128 when it was killed). stdout/stderr as for l2sim.
limited() {
    secs=$1
    shift
    "$@" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    watchdog "$secs" "$pid"
    wait "$pid" 2>/dev/null
    rc=$?
    unwatch
    first=$(head -n 1 "$tmp/err")
}

# watchdog SECS PID: kill -9 PID after SECS seconds unless unwatch is called first
watchdog() {
    (
        trap 'kill "$s" 2>/dev/null; exit 0' TERM
        sleep "$1" &
        s=$!
        wait "$s"
        kill -9 "$2"
    ) >/dev/null 2>&1 &
    dog=$!
}
unwatch() {
    kill "$dog" 2>/dev/null
    wait "$dog" 2>/dev/null
}

# ---------------------------------------------------------------------------------
# 1. The corpus of malformed scenarios: each one problem, each with its message (the
# .expect file is the whole of validate's stderr; run's first line must match too).

nbad=0
for f in "$BAD"/*.yaml; do
    name=bad/$(basename "$f" .yaml)
    nbad=$((nbad + 1))
    exp=${f%.yaml}.expect
    if [ ! -f "$exp" ]; then
        fail "$name" "no $(basename "$exp") beside it"
        continue
    fi
    want=$(head -n 1 "$exp")

    l2sim validate "$f"
    check_crash
    [ "$rc" -eq 2 ] || note "validate exited $rc, expected 2"
    expect_first "$want"
    # and nothing else: one problem, one message (a file with more lists them all)
    cmp -s "$tmp/err" "$exp" || note "stderr is not $(basename "$exp"): $(tr '\n' '|' <"$tmp/err")"

    rm -f "$tmp"/bad.db*
    l2sim run "$f" --db "$tmp/bad.db" --quiet
    check_crash
    [ "$rc" -eq 2 ] || note "run exited $rc, expected 2"
    [ "$first" = "$want" ] || note "run's first stderr line is '$first'"
    [ -e "$tmp/bad.db" ] && note "run left a database file behind"
    no_complete_run "$tmp/bad.db"
    finish "$name"
done

# the corpus itself: big enough, each file paired and saying what is wrong
[ "$nbad" -ge 30 ] || note "only $nbad bad scenarios (want at least 30)"
for e in "$BAD"/*.expect; do
    [ -f "${e%.expect}.yaml" ] || note "$(basename "$e") has no .yaml"
done
for f in "$BAD"/*.yaml; do
    case $(basename "$f") in empty.yaml | binary.yaml) continue ;; esac
    [ "$(head -c 2 "$f")" = "# " ] || note "$(basename "$f") does not start with a '# ' comment"
done
finish "bad/corpus-is-complete"

# ---------------------------------------------------------------------------------
# 2. Big inputs, generated here (not committed).

mkdir -p "$GEN"
limit_msg="file is larger than 4194304 bytes (4 MiB), the limit for a scenario"

# bad_generated NAME FILE WANT: validate and run both exit 2 with first line WANT
bad_generated() {
    l2sim validate "$2"
    check_crash
    [ "$rc" -eq 2 ] || note "validate exited $rc, expected 2"
    expect_first "$3"
    rm -f "$tmp"/bad.db*
    l2sim run "$2" --db "$tmp/bad.db" --quiet
    check_crash
    [ "$rc" -eq 2 ] || note "run exited $rc, expected 2"
    [ "$first" = "$3" ] || note "run's first stderr line is '$first'"
    [ -e "$tmp/bad.db" ] && note "run left a database file behind"
    finish "$1"
}

f=$GEN/ten_million_lines.yaml
yes '# x' | head -n 10000000 >"$f"
bad_generated generated/ten-million-lines "$f" "$f: $limit_msg"

f=$GEN/five_mib.yaml
{
    printf '# five_mib.yaml: a valid-looking scenario of 5 MiB\nname: big\nschemes: [{type: l1}]\n'
    printf 'l1:\n  demand:\n    spikes:\n'
    awk 'BEGIN { for (i = 0; i < 130000; i++)
                 printf "      - {at: %dm, for: 1m, multiplier: 2}\n", i }'
} >"$f"
bad_generated generated/five-mib-yaml "$f" "$f: $limit_msg"

f=$GEN/random_1mib.yaml              # an ELF-like header: its first NUL is byte 8
{ printf '\177ELF\002\001\001\000'; head -c 1048568 /dev/urandom; } >"$f"
bad_generated generated/random-1mib "$f" "$f:1:8: NUL byte: this is not a text file"

# random bytes without NULs: some YAML or UTF-8 error, at a position
f=$GEN/random_nonul_1mib.yaml
head -c 1200000 /dev/urandom | tr -d '\000' | head -c 1048576 >"$f"
l2sim validate "$f"
check_crash
[ "$rc" -eq 2 ] || note "validate exited $rc, expected 2"
case $first in
    "$f":[0-9]*:[0-9]*:\ ?*) ;;
    *) note "first stderr line '$first' is not '$f:LINE:COL: message'" ;;
esac
finish generated/random-1mib-without-nul

# A 1 MiB valid scenario (24000 demand spikes) is read in time linear in its size: the
# loader must not be quadratic in the number of values. Measured as the CPU time of
# 24000 spikes against 3000 (8x the values: ~8-10x the time if linear, ~36x as it
# was with a quadratic lookup of list items' positions), not as a wall-clock limit, which the sanitizer build on a loaded
# machine could exceed; 120 s of wall clock only guards against a hang.
spikes_yaml() {
    printf '# one_mib_valid.yaml: a valid scenario of about 1 MiB\nname: big\n'
    printf 'duration: 1h\nschemes: [{type: l1}]\nl1:\n  demand:\n    spikes:\n'
    awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
                 printf "      - {at: %dm, for: 1m, multiplier: 2}\n", i }'
}
# cpu_of FILE: validate FILE, rc and the user+system seconds it took in $cpu
cpu_of() {
    TIMEFORMAT='%U %S'
    { time timeout 120 "$L2SIM" validate "$1" >"$tmp/out" 2>"$tmp/err"; } 2>"$tmp/time"
    rc=$?
    first=$(head -n 1 "$tmp/err")
    cpu=$(awk '{ print $1 + $2 }' "$tmp/time")
}
f=$GEN/one_mib_valid.yaml
spikes_yaml 3000 >"$GEN/eighth_mib_valid.yaml"
spikes_yaml 24000 >"$f"
cpu_of "$GEN/eighth_mib_valid.yaml"
small=$cpu
cpu_of "$f"
if [ "$rc" -eq 124 ]; then
    note "validate still running after 120 s (killed)"
else
    check_crash
    [ "$rc" -eq 0 ] || note "validate exited $rc ($first), expected 0"
    awk -v a="$small" -v b="$cpu" 'BEGIN { exit !(b <= 20 * (a > 0.05 ? a : 0.05)) }' ||
        note "24000 spikes took ${cpu} s of CPU, 3000 took ${small} s: not linear"
fi
finish generated/one-mib-valid-is-linear

# ---------------------------------------------------------------------------------
# 3. Every shipped scenario and every valid fixture validates.

for f in scenarios/*.yaml scenarios/*/*.yaml tests/scenarios/ok/*.yaml; do
    [ -f "$f" ] || continue
    # reads the Lightning snapshot outside the repository: tests/cli/channels.sh
    [ "$f" = scenarios/channel_network.yaml ] && continue
    l2sim validate "$f"
    check_crash
    [ "$rc" -eq 0 ] || note "exited $rc: $first"
    finish "valid/$f"
done

# ---------------------------------------------------------------------------------
# 4. --set errors: exit 2 from validate and run, a `--set ARG: ...` message naming
# the problem, and no database.

TWO=tests/scenarios/ok/two_schemes.yaml

# set_error NAME FILE PHRASE ARGS...: validate and run FILE with ARGS (the --set
# options) exit 2, and the first stderr line starts with `--set ` and holds PHRASE.
set_error() {
    name=$1 file=$2 phrase=$3
    shift 3
    for cmd in validate run; do
        rm -f "$tmp"/set.db*
        if [ $cmd = run ]; then
            l2sim run "$file" --db "$tmp/set.db" --quiet "$@"
        else
            l2sim validate "$file" "$@"
        fi
        check_crash
        [ "$rc" -eq 2 ] || note "$cmd exited $rc, expected 2 ($first)"
        case $first in
            "--set "*) ;;
            *) note "$cmd: first stderr line '$first' does not start with '--set '" ;;
        esac
        case $first in
            *"$phrase"*) ;;
            *) note "$cmd: first stderr line '$first' does not say '$phrase'" ;;
        esac
        [ -e "$tmp/set.db" ] && note "$cmd left a database file behind"
    done
    finish "$name"
}

set_error set/unknown-path "$SCN" \
    "--set l1.gas_limt=30M: unknown parameter 'l1.gas_limt' (did you mean 'l1.gas_limit'?)" \
    --set l1.gas_limt=30M
set_error set/unknown-scheme-key "$SCN" "unknown parameter 'schemes[0].bogus'" \
    --set 'schemes[0].bogus=1'
set_error set/bad-value "$SCN" "--set l1.slot=12sec: l1.slot: unknown unit 'sec'" \
    --set l1.slot=12sec
set_error set/empty-value "$SCN" "--set l1.slot=: l1.slot: missing value" --set l1.slot=
set_error set/below-minimum "$SCN" "workload.users: 1 is below the minimum 2" \
    --set workload.users=1
set_error set/model-rule "$SCN" "--set l1.blobs.max=3: blob max (3) is below the target (6)" \
    --set l1.blobs.max=3
set_error set/section "$SCN" "--set l1.demand=3: 'l1.demand' is a section" --set l1.demand=3
set_error set/list "$SCN" "--set schemes=3: 'schemes' is a list" --set schemes=3
set_error set/same-path-twice "$SCN" "'l1.slot' is set twice" \
    --set l1.slot=6s --set l1.slot=4s
set_error set/same-item-by-name-and-index "$TWO" "'schemes[0].tip' is set twice" \
    --set 'schemes[cheap].tip=2gwei' --set 'schemes[0].tip=2gwei'
set_error set/index-out-of-range "$SCN" "the scenario has no item '5' in 'schemes'" \
    --set 'schemes[5].tip=2gwei'
set_error set/spike-index-out-of-range "$SCN" "no item '1' in 'l1.demand.spikes'" \
    --set 'l1.demand.spikes[1].at=2h'
set_error set/unknown-item-name "$TWO" "no item 'fast' in 'schemes'" \
    --set 'schemes[fast].tip=2gwei'
set_error set/no-equals "$SCN" "--set l1.slot: expected PATH=VALUE" --set l1.slot
# renaming one scheme to another's name: names must stay unique, as in the file
set_error set/rename-to-existing-name "$TWO" "two items named 'cheap'" \
    --set 'schemes[urgent].name=cheap'

# --set by item name and by index set the same value
l2sim validate "$TWO" --print --set 'schemes[urgent].tip=5gwei'
grep -q '^schemes\[1\]\.tip = 5gwei  # --set$' "$tmp/out" || note "schemes[urgent] is not schemes[1]"
[ "$rc" -eq 0 ] || note "exited $rc: $first"
finish set/item-by-name

# ---------------------------------------------------------------------------------
# 5. The database under failure.

# a path in a directory that does not exist
db=$tmp/no-such-dir/x.db
l2sim run "$SCN" --set duration=1h --db "$db" --quiet
check_crash
[ "$rc" -eq 1 ] || note "exited $rc, expected 1"
grep -q -F "$db" "$tmp/err" || note "message does not name $db: $first"
finish db/missing-directory

# a directory
db=$tmp/dir.db
mkdir "$db"
l2sim run "$SCN" --set duration=1h --db "$db" --quiet
check_crash
[ "$rc" -eq 1 ] || note "exited $rc, expected 1"
grep -q -F "$db" "$tmp/err" || note "message does not name $db: $first"
left=$(find "$db" -mindepth 1 | tr '\n' ' ')
[ -z "$left" ] || note "wrote into the directory: $left"
finish db/is-a-directory

# files that are not SQLite databases: refused, left byte for byte as they were
for kind in text binary; do
    db=$tmp/not-a-db-$kind.db
    if [ $kind = text ]; then
        printf 'these are my notes, not a database\n' >"$db"
    else
        head -c 8192 /dev/urandom >"$db"
    fi
    sum=$(cksum <"$db")
    l2sim run "$SCN" --set duration=1h --db "$db" --quiet
    check_crash
    [ "$rc" -eq 1 ] || note "exited $rc, expected 1"
    grep -q -F "$db" "$tmp/err" || note "message does not name $db: $first"
    [ "$(cksum <"$db")" = "$sum" ] || note "the file was changed"
    finish "db/not-a-database-$kind"
done

# disk full: a file size limit (400 blocks: 200 KiB in 512-byte blocks, 400 KiB in
# 1 KiB ones; a day's run writes ~20 MiB, but stops at the limit) with SIGXFSZ
# ignored, so writes fail with EFBIG. 1 block: the database cannot even be created.
for blocks in 400 1; do
    db=$tmp/full-$blocks.db
    ( ulimit -f $blocks && trap '' XFSZ &&
      exec "$L2SIM" run "$SCN" --set duration=1d --db "$db" --quiet ) \
        >"$tmp/out" 2>"$tmp/err"
    rc=$?
    first=$(head -n 1 "$tmp/err")
    check_crash
    [ "$rc" -eq 1 ] || note "exited $rc, expected 1"
    grep -q -F "$db" "$tmp/err" || note "message does not name $db: $first"
    if [ -e "$db" ]; then
        db_sane "$db"
        no_complete_run "$db"
    fi
    finish "db/disk-full-$blocks-blocks"
done

# wait_rows DB: wait (at most ~10 s) until DB holds some committed l1_blocks
wait_rows() {
    i=0
    while [ $i -lt 10 ]; do
        n=$(sqlite3 "$1" 'SELECT count(*) FROM l1_blocks' 2>/dev/null)
        case $n in '' | 0 | *[!0-9]*) ;; *) return 0 ;; esac
        sleep 1
        i=$((i + 1))
    done
}

# Ctrl-C and kill: a long run, stopped after about a second of running.
for sig in INT TERM KILL; do
    db=$tmp/sig-$sig.db
    "$L2SIM" run "$SCN" --set duration=30d --db "$db" --quiet >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    sleep 1
    wait_rows "$db"
    kill -s $sig "$pid"
    watchdog 20 "$pid"
    wait "$pid" 2>/dev/null
    rc=$?
    unwatch
    first=$(head -n 1 "$tmp/err")
    if [ $sig = KILL ]; then
        [ "$rc" -eq 137 ] || note "exited $rc, expected 137 (killed)"
        db_sane "$db"
        st=$(q "$db" 'SELECT group_concat(status) FROM runs')
        [ "$st" = running ] || note "runs.status is '$st', expected 'running'"
    else
        check_crash
        [ "$rc" -eq 1 ] || note "exited $rc, expected 1 ($first)"
        db_sane "$db"
        st=$(q "$db" 'SELECT group_concat(status) FROM runs')
        [ "$st" = interrupted ] || note "runs.status is '$st', expected 'interrupted'"
        n=$(q "$db" 'SELECT count(*) FROM l1_blocks')
        case $n in '' | 0 | *[!0-9]*) note "no l1_blocks kept ($n)" ;; esac
    fi
    finish "db/sig$sig"
done

# a database left by kill -9 takes the next run, which completes beside the dead one
db=$tmp/sig-KILL.db
l2sim run "$SCN" --set duration=1h --db "$db" --quiet
check_crash
[ "$rc" -eq 0 ] || note "exited $rc: $first"
db_sane "$db"
st=$(q "$db" 'SELECT group_concat(status) FROM (SELECT status FROM runs ORDER BY run_id)')
[ "$st" = "running,complete" ] || note "statuses are '$st', expected 'running,complete'"
finish db/after-kill-next-run-completes

# the event limit fails the run
db=$tmp/max-events.db
l2sim run "$SCN" --set duration=1h --max-events 1000 --db "$db" --quiet
check_crash
[ "$rc" -eq 1 ] || note "exited $rc, expected 1"
st=$(q "$db" 'SELECT status FROM runs')
[ "$st" = failed ] || note "runs.status is '$st', expected 'failed'"
db_sane "$db"
finish run/max-events-fails

# ---------------------------------------------------------------------------------
# 6. Determinism from the command line: same scenario, overrides and seed give the
# same content of every table (except runs' wall-clock columns).

# dump DB: every table's content in insertion order, runs without started_at, wall_s
dump() {
    for t in $(sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"); do
        echo "== $t"
        if [ "$t" = runs ]; then
            cols=$(sqlite3 "$1" "SELECT group_concat(name, ', ') FROM pragma_table_info('runs')
                                 WHERE name NOT IN ('started_at', 'wall_s')")
            sqlite3 "$1" "SELECT $cols FROM runs ORDER BY rowid"
        else
            sqlite3 "$1" ".dump $t"
        fi
    done
}

# run_into DB ARGS...: run the default scenario for 1 h into DB; note a failure
run_into() {
    run_scn "$SCN" "$@"
}

# run_scn SCENARIO DB ARGS...: run SCENARIO (ARGS: more options) into DB, whose files
# from an earlier run are removed first; note a crash or a non-zero exit
run_scn() {
    scn=$1 db=$2
    shift 2
    rm -f "$db" "$db"-*
    l2sim run "$scn" --db "$db" --quiet "$@"
    check_crash
    [ "$rc" -eq 0 ] || note "$(basename "$scn") into $(basename "$db") exited $rc: $first"
}

run_into "$tmp/det-a.db" --set duration=1h
run_into "$tmp/det-b.db" --set duration=1h
dump "$tmp/det-a.db" >"$tmp/det-a.txt"
dump "$tmp/det-b.db" >"$tmp/det-b.txt"
[ "$(grep -c 'INSERT INTO "\{0,1\}l1_blocks' "$tmp/det-a.txt")" -gt 0 ] || note "no l1_blocks recorded"
[ "$(grep -c 'INSERT INTO "\{0,1\}txs' "$tmp/det-a.txt")" -gt 0 ] || note "no txs recorded"
cmp -s "$tmp/det-a.txt" "$tmp/det-b.txt" || note "the two databases differ: $(diff "$tmp/det-a.txt" \
    "$tmp/det-b.txt" | sed -n 2p | cut -c 1-200)"
finish determinism/same-run-twice

run_into "$tmp/det-c.db" --set duration=1h --set l1.slot=6s --set 'schemes[l1].tip=2gwei'
run_into "$tmp/det-d.db" --set 'schemes[l1].tip=2gwei' --set l1.slot=6s --set duration=1h
dump "$tmp/det-c.db" >"$tmp/det-c.txt"
dump "$tmp/det-d.db" >"$tmp/det-d.txt"
cmp -s "$tmp/det-c.txt" "$tmp/det-d.txt" || note "the two databases differ: $(diff "$tmp/det-c.txt" \
    "$tmp/det-d.txt" | sed -n 2p | cut -c 1-200)"
cmp -s "$tmp/det-a.txt" "$tmp/det-c.txt" && note "the overrides changed nothing"
finish determinism/set-order-does-not-matter

run_into "$tmp/det-e.db" --set duration=1h --seed 7
a=$(sqlite3 "$tmp/det-a.db" '.dump l1_blocks')
e=$(sqlite3 "$tmp/det-e.db" '.dump l1_blocks')
[ -n "$e" ] || note "no l1_blocks with --seed 7"
[ "$a" != "$e" ] || note "--seed 7 gave the same l1_blocks as seed 42"
finish determinism/other-seed-differs

# ---------------------------------------------------------------------------------
# 7. The command line itself.

l2sim list
[ "$rc" -eq 0 ] || note "exited $rc"
# every parameter declared in the models' tables
paths=$(sed -n 's/^[[:space:]]*{ *"\([^"]*\)", *SCN_.*/\1/p' models/*.c models/*/*.c)
[ -n "$paths" ] || note "found no parameter tables under models/"
for p in $paths; do
    grep -q -F "$p" "$tmp/out" || note "does not mention $p"
done
finish cli/list-mentions-every-parameter

for cmd in run validate list; do
    l2sim $cmd --help
    [ "$rc" -eq 0 ] || note "exited $rc"
    grep -q "^usage: l2sim $cmd" "$tmp/out" || note "no usage line on stdout"
    finish "cli/$cmd-help"
done

l2sim --help
[ "$rc" -eq 0 ] || note "exited $rc"
finish cli/help

l2sim frobnicate
[ "$rc" -eq 2 ] || note "exited $rc, expected 2"
grep -q "unknown command 'frobnicate'" "$tmp/err" || note "message: $first"
finish cli/unknown-command

rm -f "$tmp"/opt.db*
l2sim run "$SCN" --db "$tmp/opt.db" --frobnicate
[ "$rc" -eq 2 ] || note "exited $rc, expected 2"
grep -q "unknown option '--frobnicate'" "$tmp/err" || note "message: $first"
[ -e "$tmp/opt.db" ] && note "left a database file behind"
finish cli/run-unknown-option

l2sim validate "$SCN" --frobnicate
[ "$rc" -eq 2 ] || note "exited $rc, expected 2"
grep -q "unknown option '--frobnicate'" "$tmp/err" || note "message: $first"
finish cli/validate-unknown-option

# bad option values and missing arguments: exit 2, nothing recorded
for args in "--seed banana" "--seed -1" "--replications 0" "--max-events lots" "--db"; do
    rm -f "$tmp"/opt.db*
    # shellcheck disable=SC2086
    l2sim run "$SCN" --db "$tmp/opt.db" $args
    check_crash
    [ "$rc" -eq 2 ] || note "exited $rc, expected 2"
    [ -e "$tmp/opt.db" ] && note "left a database file behind"
    finish "cli/run $args"
done

l2sim run
[ "$rc" -eq 2 ] || note "exited $rc, expected 2"
finish cli/run-without-scenario

l2sim validate "$tmp/no-such-scenario.yaml"
check_crash
[ "$rc" -eq 2 ] || note "exited $rc, expected 2"
expect_first "$tmp/no-such-scenario.yaml: cannot open the scenario: No such file or directory"
finish cli/validate-missing-file

l2sim validate "$BAD"
check_crash
[ "$rc" -eq 2 ] || note "exited $rc, expected 2"
expect_first "$BAD: is a directory, not a scenario file"
finish cli/validate-directory

# ---------------------------------------------------------------------------------
# 8. The Layer 1: what a demand spike does to the EIP-1559 base fee.

rm -f "$tmp"/cong.db*
l2sim run scenarios/l1_congestion.yaml --db "$tmp/cong.db"
check_crash
[ "$rc" -eq 0 ] || note "exited $rc: $first"
# EIP-1559: the base fee changes by at most 1/8 per block (8 next <= 9 prev, in integers)
steep=$(q "$tmp/cong.db" "SELECT COUNT(*) FROM l1_blocks a JOIN l1_blocks b
    ON b.run_id = a.run_id AND b.world = a.world AND b.height = a.height + 1
    WHERE 8 * b.base_fee_per_gas > 9 * a.base_fee_per_gas
       OR 8 * b.base_fee_per_gas < 7 * a.base_fee_per_gas")
[ "$steep" = 0 ] || note "$steep blocks moved the base fee by more than 1/8"
# the spike (03:00-05:00, demand x3) lifts the clearing level at least twofold, and
# the last hour is back within 30% of the hour before the spike
levels=$(q "$tmp/cong.db" "SELECT
    (SELECT AVG(base_fee_per_gas) FROM l1_blocks WHERE world = 'patient'
        AND time_us >= 2 * 3600e6 AND time_us < 3 * 3600e6),
    (SELECT AVG(base_fee_per_gas) FROM l1_blocks WHERE world = 'patient'
        AND time_us >= 4 * 3600e6 AND time_us < 5 * 3600e6),
    (SELECT AVG(base_fee_per_gas) FROM l1_blocks WHERE world = 'patient'
        AND time_us >= 7 * 3600e6)")
before=${levels%%|*}; rest=${levels#*|}; during=${rest%%|*}; after=${rest#*|}
awk -v b="$before" -v d="$during" -v a="$after" 'BEGIN { exit !(d > 2 * b && a < 1.3 * b && a > b / 1.3) }' \
    || note "base fee before/during/after = $before / $during / $after wei"
for phase in before l1_spike after_l1_spike; do
    grep -q "^patient  *$phase " "$tmp/out" || note "summary has no '$phase' row for patient"
done
# patient users (max fee capped at 20 gwei) cannot pay the spike's base fee: their
# transfers wait far longer than the wallet defaults' or leave the full pool
slow=$(q "$tmp/cong.db" "SELECT COALESCE((SELECT value FROM metrics WHERE scheme = 'patient'
        AND name = 'l1_spike.inclusion_p50_s') >
    10 * (SELECT value FROM metrics WHERE scheme = 'wallet-default'
        AND name = 'l1_spike.inclusion_p50_s'), 0)
    OR (SELECT value FROM metrics WHERE scheme = 'patient' AND name = 'l1_spike.dropped') >
       (SELECT value FROM metrics WHERE scheme = 'patient' AND name = 'l1_spike.transfers') / 2")
[ "$slow" = 1 ] || note "patient users were served during the spike as if it were not there"
finish l1/congestion-spike

# A malformed trace is bad input: file:line: message, exit 2, nothing recorded.
rm -f "$tmp"/trace.db*
printf 'block,gas_limit,gas_used\n1,30000000,12000000\n2,30000000,abc\n' > "$tmp/bad-trace.csv"
l2sim run "$SCN" --db "$tmp/trace.db" --set "l1.demand.trace=$tmp/bad-trace.csv"
check_crash
[ "$rc" -eq 2 ] || note "exited $rc, expected 2"
case "$first" in "$tmp/bad-trace.csv:3: "*) ;; *) note "message: $first" ;; esac
[ -e "$tmp/trace.db" ] && note "left a database file behind"
finish l1/bad-trace-is-bad-input

# ---------------------------------------------------------------------------------
# 9. SIGKILL at 20 points of a run: whatever instant the process dies, the database
# it leaves opens, passes integrity_check and shows that run unfinished ('running'),
# never 'complete'. All 20 runs share one database, so every run after the first also
# opens a database a killed writer left behind. The run (10 simulated days) takes far
# longer than the last kill point; the first points fall while the database and the
# run row are being set up, the later ones while blocks are being committed.

db=$tmp/kill20.db
rm -f "$db" "$db-wal" "$db-shm"
runs=0          # runs recorded so far
midrun=0        # kills that fell after the run row existed
# seconds after the start; not in increasing order, so that early kills also hit a
# database left by a later one
for delay in 1.0 0.01 2.2 0.03 0.3 3.5 0.05 1.5 0.08 2.6 0.12 0.65 3.0 0.18 0.8 \
             0.25 1.8 0.4 1.2 0.5; do
    "$L2SIM" run "$SCN" --set duration=10d --db "$db" --quiet >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    sleep "$delay"
    kill -s KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
    first=$(head -n 1 "$tmp/err")
    [ "$rc" -eq 137 ] || note "after ${delay}s: exited $rc, expected 137 (killed): $first"
    if [ ! -e "$db" ]; then
        # only a kill before the database was created may leave none
        [ "$runs" -eq 0 ] || note "after ${delay}s: the database is gone"
        continue
    fi
    db_sane "$db"
    st=$(q "$db" "SELECT count(*) || ' ' || count(*) FILTER (WHERE status = 'running')
                  FROM runs")
    case $st in
        *"no such table"*) [ "$runs" -eq 0 ] || note "after ${delay}s: no runs table: $st" ;;
        "$runs $runs") ;;                                   # killed before the run row
        "$((runs + 1)) $((runs + 1))") runs=$((runs + 1)); midrun=$((midrun + 1)) ;;
        *) note "after ${delay}s: runs / running = $st, expected $runs or $((runs + 1)), all running" ;;
    esac
done
# most kill points must have fallen inside a run, or this tested little
[ "$midrun" -ge 10 ] || note "only $midrun of 20 kills fell after the run row was written"
n=$(q "$db" "SELECT count(*) FROM complete_runs")
[ "$n" = 0 ] || note "complete_runs shows $n runs"
finish db/sigkill-at-20-points

# ---------------------------------------------------------------------------------
# 10. Plots and the report: every figure of the default scenario is a valid PNG and
# SVG; report.html opens in headless Chromium with every image loaded and a summary
# row per scheme; the report is a function of the database file alone; scenario text
# cannot make gnuplot run a command; bad runs and a missing gnuplot are told clearly.

rdb="$tmp/report.db"
rm -f "$rdb" "$rdb-wal" "$rdb-shm"
l2sim run "$SCN" --db "$rdb" --quiet
check_crash
[ "$rc" -eq 0 ] || note "run exited $rc: $first"
for fmt in png svg; do
    l2sim report "$rdb" --out "$tmp/rep-$fmt" --format "$fmt"
    check_crash
    [ "$rc" -eq 0 ] || note "report --format $fmt exited $rc: $first"
    n=0
    for f in "$tmp/rep-$fmt"/*."$fmt"; do
        [ -e "$f" ] || continue
        n=$((n + 1))
        if [ "$fmt" = png ]; then
            sig=$(od -An -tx1 -N8 "$f" | tr -d ' \n')
            [ "$sig" = 89504e470d0a1a0a ] || note "$(basename "$f"): not a PNG ($sig)"
        else
            { grep -q '<svg' "$f" && grep -q '</svg>' "$f"; } || note "$(basename "$f"): not an SVG"
        fi
        [ "$(wc -c <"$f")" -gt 2000 ] || note "$(basename "$f"): only $(wc -c <"$f") bytes"
    done
    # the default scenario has fees, costs, latencies, the L1 market and an attack
    for fig in fees costs latency l1_prices l1_usage attacks; do
        [ -s "$tmp/rep-$fmt/$fig.$fmt" ] || note "no $fig.$fmt"
    done
    # every figure is listed: drawn (its file), or not drawn with a reason
    drawn=$(grep -c "^  [a-z0-9_]*  *$tmp/rep-$fmt/" "$tmp/out")
    [ "$drawn" -eq "$n" ] || note "$fmt: $n image files, $drawn listed as drawn"
    grep -q '^  batches  *not drawn: [A-Z]' "$tmp/out" || note "$fmt: batches not listed with a reason"
    [ -s "$tmp/rep-$fmt/report.html" ] || note "$fmt: no report.html"
done
finish report/every-figure-a-valid-image

# report.html in a browser, from the file: no server, no network. The check runs in a
# copy with a script appended (the report itself has no script).
browser=$(command -v chromium || command -v chromium-browser)
if [ -z "$browser" ]; then
    note "chromium not found: make test installs it (make deps DEB_PKGS=chromium)"
else
    cp "$tmp/rep-png/report.html" "$tmp/check.html"
    cat >>"$tmp/check.html" <<'EOF'
<script>
window.addEventListener('load', function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++)
    if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++;
  var d = document.createElement('div');
  d.id = 'l2sim-check';
  d.textContent = 'images=' + imgs.length + ' loaded=' + ok + ' rows=' +
      document.querySelectorAll('#summary tbody tr').length;
  document.body.appendChild(d);
});
</script>
EOF
    profile=$(mktemp -d "$tmp/chromium.XXXXXX")
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-component-update --disable-sync \
        --no-first-run --user-data-dir="$profile" --virtual-time-budget=10000 \
        --dump-dom "file://$tmp/check.html" >"$tmp/dom.html" 2>"$tmp/chromium.err"
    crc=$?
    got=$(grep -o 'id="l2sim-check">[^<]*' "$tmp/dom.html" | sed 's/.*>//')
    schemes=$(q "$rdb" "SELECT count(*) FROM run_schemes WHERE run_id = 1")
    nimg=$(ls "$tmp/rep-png"/*.png | wc -l)
    want="images=$nimg loaded=$nimg rows=$schemes"
    [ "$got" = "$want" ] || note "chromium (exit $crc) saw '$got', expected '$want'"
fi
finish report/opens-in-chromium

# the report comes from the database alone: a copy of the file, reported by a fresh
# process, gives the same report.html and images, byte for byte
mkdir -p "$tmp/copy"
cp "$rdb" "$tmp/copy/report.db"
l2sim report "$tmp/copy/report.db" --out "$tmp/rep-copy" --quiet
check_crash
[ "$rc" -eq 0 ] || note "report of the copy exited $rc: $first"
for f in "$tmp/rep-png"/*; do
    cmp -s "$f" "$tmp/rep-copy/$(basename "$f")" || note "$(basename "$f") differs"
done
finish report/a-function-of-the-file

# a scenario name with quotes, a newline and gnuplot commands (and a scheme name with
# a newline and `set output`): the titles show the text, gnuplot runs nothing, and
# report.html escapes it
mark="$tmp/injected"
cat >"$tmp/evil.yaml" <<EOF
name: "it's \"evil\" <b>x</b>\n'; system('touch $mark-1'); print '\`touch $mark-2\` @x"
seed: 1
duration: 30m
workload: {users: 100, transfers: {rate: 0.5/s}}
schemes: [{type: l1, name: "l1 'q'\nset output '$mark-3'"}]
EOF
edb="$tmp/evil.db"
l2sim run "$tmp/evil.yaml" --db "$edb" --quiet
[ "$rc" -eq 0 ] || note "run exited $rc: $first"
l2sim report "$edb" --out "$tmp/rep-evil" --format svg --quiet
check_crash
[ "$rc" -eq 0 ] || note "report exited $rc: $first"
for i in 1 2 3; do
    [ -e "$mark-$i" ] && note "gnuplot ran an injected command ($mark-$i exists)"
done
ls "$tmp/rep-evil" | grep -qv -e '\.svg$' -e '^report\.html$' && note "unexpected files: $(ls "$tmp/rep-evil")"
# the newline became a space; quotes, backquotes and @ are shown as typed
grep -qF "<text>scenario it's \"evil\" &lt;b>x&lt;/b> '; system('touch $mark-1'); print '\`touch $mark-2\` @x, run 1, seed 1</text>" \
    "$tmp/rep-evil/fees.svg" || note "fees.svg title: $(grep -o '<text>scenario[^<]*' "$tmp/rep-evil/fees.svg")"
grep -qF "<text>l1 'q' set output '$mark-3'</text>" "$tmp/rep-evil/fees.svg" \
    || note "fees.svg legend: $(grep -o "<text>l1 [^<]*" "$tmp/rep-evil/fees.svg")"
grep -qF '<h1>l2sim report: it&#39;s &quot;evil&quot; &lt;b&gt;x&lt;/b&gt;' "$tmp/rep-evil/report.html" \
    || note "report.html heading not escaped"
finish report/scenario-text-cannot-inject

# bad input: an incomplete run (exit 2 unless --allow-incomplete), an unknown run, a
# missing database (none created), a bad format
l2sim run "$SCN" --db "$rdb" --quiet --set duration=1h --max-events 2000
[ "$rc" -eq 1 ] || note "the limited run exited $rc, expected 1"
l2sim report "$rdb" --run 2 --out "$tmp/rep-bad"
[ "$rc" -eq 2 ] || note "incomplete run: exited $rc, expected 2"
case $first in *"run 2 is failed, not complete"*"--allow-incomplete"*) ;;
    *) note "incomplete run: $first" ;; esac
l2sim report "$rdb" --run 2 --allow-incomplete --out "$tmp/rep-bad" --quiet
[ "$rc" -eq 0 ] || note "--allow-incomplete: exited $rc: $first"
l2sim report "$rdb" --run 7 --out "$tmp/rep-bad"
[ "$rc" -eq 2 ] || note "unknown run: exited $rc"
case $first in *"no run 7"*) ;; *) note "unknown run: $first" ;; esac
l2sim report "$tmp/none.db" --out "$tmp/rep-bad"
[ "$rc" -eq 2 ] || note "missing database: exited $rc"
[ -e "$tmp/none.db" ] && note "report created the missing database"
l2sim report "$rdb" --format jpeg
[ "$rc" -eq 2 ] || note "--format jpeg: exited $rc"
finish report/bad-input

# no gnuplot on PATH: exit 1 with a message that says so; report.html still has the
# tables, the database is untouched
PATH=/nonexistent "$L2SIM" report "$rdb" --run 1 --out "$tmp/rep-nognu" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || note "exited $rc, expected 1"
grep -q 'install gnuplot' "$tmp/err" || note "message: $(head -n 1 "$tmp/err")"
grep -q '<table id="summary">' "$tmp/rep-nognu/report.html" 2>/dev/null \
    || note "no report.html with the summary"
ls "$tmp/rep-nognu" | grep -q '\.png$' && note "images without gnuplot?"
finish report/without-gnuplot

# ---------------------------------------------------------------------------------
# 11. Studies: replications with confidence intervals, sweeps, --jobs, --shard, merge,
# MPI, and `l2sim compare` for CI. Distribution must never change the database: every
# way of running a plan gives the same rows (wall-clock columns and run_id aside).

# dump_runs DB [WHERE [nolabels]]: every row of every per-run table of the runs that
# match WHERE (an SQL condition on runs r), run_id replaced by the run's content (its
# sweep point, replication, seed), wall-clock columns left out, sorted; `nolabels`
# leaves the sweep labels out too
dump_runs() {
    where=${2:-1}
    lab="r.sweep_point, r.sweep_index,"
    [ "${3:-}" = nolabels ] && lab=""
    sqlite3 "$1" "SELECT 'runs', $lab r.scenario_name, r.scenario_sha256, r.overrides,
        r.config, r.seed, r.master_seed, r.replication, r.crypto_mode, r.duration_us,
        r.sim_end_us, r.events, r.status, r.status_detail FROM runs r WHERE $where" | sort
    for t in $(sqlite3 "$1" "SELECT DISTINCT m.name FROM sqlite_master m,
                  pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'run_id'
                  AND m.name <> 'runs' ORDER BY 1"); do
        cols=$(sqlite3 "$1" "SELECT group_concat('t.\"' || name || '\"', ', ')
                             FROM pragma_table_info('$t') WHERE name <> 'run_id'")
        sqlite3 "$1" "SELECT '$t', $lab r.replication, r.seed, $cols
                      FROM \"$t\" t JOIN runs r ON r.run_id = t.run_id WHERE $where" | sort
    done
}

# dump_exact DB: the same in stored order with the run_ids themselves: --jobs and MPI
# must give the serial database, run_id for run_id
dump_exact() {
    sqlite3 "$1" "SELECT run_id, scenario_sha256, overrides, seed, replication, status,
        sweep_point, sweep_index, events FROM runs ORDER BY run_id"
    sqlite3 "$1" "SELECT * FROM schemes ORDER BY rowid"
    sqlite3 "$1" "SELECT * FROM metrics ORDER BY run_id, scheme, name"
    sqlite3 "$1" "SELECT * FROM txs ORDER BY run_id, scheme, tx_id"
}

# A sweep: 2 x 2 grid, 2 replications each = 8 runs of 20 simulated minutes.
cat >"$tmp/sweep.yaml" <<'EOF'
name: study-sweep
seed: 3
duration: 20m
l1:
  fork: prague
  demand: {rate: 300/block}
workload: {users: 500, transfers: {rate: 1/s}}
schemes: [{type: l1}, {type: l1, name: patient, tip: 0.1gwei}]
replications: 2
sweep:
  grid:
    - {path: l1.gas_limit, values: [30M, 36M]}
    - {path: l1.base_fee.max_change_denominator, values: [8, 250]}
EOF
sdb=$tmp/sweep-serial.db
rm -f "$sdb"*
l2sim sweep "$tmp/sweep.yaml" --db "$sdb" --quiet
check_crash
[ "$rc" -eq 0 ] || note "sweep exited $rc: $first"
n=$(q "$sdb" "SELECT count(*) || ' ' || count(DISTINCT sweep_point) FROM runs
              WHERE status = 'complete'")
[ "$n" = "8 4" ] || note "expected 8 complete runs over 4 points, got $n"
lab=$(q "$sdb" "SELECT sweep_point FROM runs WHERE sweep_index = 1 LIMIT 1")
[ "$lab" = "l1.gas_limit=30M, l1.base_fee.max_change_denominator=250" ] \
    || note "point 1 is labelled '$lab'"
ov=$(q "$sdb" "SELECT replace(overrides, char(10), ' ') FROM runs WHERE sweep_index = 1 LIMIT 1")
[ "$ov" = "l1.base_fee.max_change_denominator=250 l1.gas_limit=30M " ] \
    || note "point 1's overrides are '$ov'"
dump_runs "$sdb" >"$tmp/sweep-serial.dump"
dump_exact "$sdb" >"$tmp/sweep-serial.exact"
finish studies/sweep-labels-points

# Each point is exactly reproducible alone with `l2sim run --set` (the sweep labels aside).
pdb=$tmp/point.db
rm -f "$pdb"*
l2sim run "$tmp/sweep.yaml" --db "$pdb" --quiet --set l1.gas_limit=36M \
    --set l1.base_fee.max_change_denominator=250
check_crash
[ "$rc" -eq 0 ] || note "run exited $rc: $first"
dump_runs "$sdb" "r.sweep_index = 3" nolabels >"$tmp/point-from-sweep"
dump_runs "$pdb" 1 nolabels >"$tmp/point-alone"
[ "$(wc -l <"$tmp/point-alone")" -gt 1000 ] || note "the run alone has almost no rows"
cmp -s "$tmp/point-from-sweep" "$tmp/point-alone" \
    || note "point 3 of the sweep differs from its run alone: $(diff "$tmp/point-from-sweep" "$tmp/point-alone" | head -n 3)"
n=$(q "$pdb" "SELECT count(*) FROM runs WHERE sweep_point IS NULL")
[ "$n" = 2 ] || note "run made $n unlabelled runs, expected 2 (replications; no sweep)"
finish studies/point-reproducible-alone

# --jobs 2: the same database as serially, run_id for run_id.
jdb=$tmp/sweep-jobs.db
rm -f "$jdb"*
l2sim sweep "$tmp/sweep.yaml" --db "$jdb" --quiet --jobs 2
check_crash
[ "$rc" -eq 0 ] || note "sweep --jobs 2 exited $rc: $first"
dump_exact "$jdb" >"$tmp/sweep-jobs.exact"
cmp -s "$tmp/sweep-serial.exact" "$tmp/sweep-jobs.exact" \
    || note "--jobs 2 differs from serial: $(diff "$tmp/sweep-serial.exact" "$tmp/sweep-jobs.exact" | head -n 3)"
ls "$tmp" | grep -q 'sweep-jobs.db.jobs-' && note "left its worker directory behind"
finish studies/jobs-equals-serial

# --shard 0/2 and 1/2 merged: the unsharded sweep, row for row; merging again adds nothing.
rm -f "$tmp"/shard*.db* "$tmp/merged.db"*
for i in 0 1; do
    l2sim sweep "$tmp/sweep.yaml" --db "$tmp/shard$i.db" --quiet --shard "$i/2"
    check_crash
    [ "$rc" -eq 0 ] || note "shard $i/2 exited $rc: $first"
done
n0=$(q "$tmp/shard0.db" "SELECT count(*) FROM runs")
n1=$(q "$tmp/shard1.db" "SELECT count(*) FROM runs")
[ "$n0" = 4 ] && [ "$n1" = 4 ] || note "shards have $n0 and $n1 runs, expected 4 and 4"
l2sim merge "$tmp/merged.db" "$tmp/shard1.db" "$tmp/shard0.db"
check_crash
[ "$rc" -eq 0 ] || note "merge exited $rc: $first"
dump_runs "$tmp/merged.db" >"$tmp/merged.dump"
cmp -s "$tmp/sweep-serial.dump" "$tmp/merged.dump" \
    || note "merged shards differ from the sweep: $(diff "$tmp/sweep-serial.dump" "$tmp/merged.dump" | head -n 3)"
l2sim merge "$tmp/merged.db" "$tmp/shard0.db" "$tmp/shard1.db" "$sdb"
[ "$rc" -eq 0 ] || note "second merge exited $rc: $first"
n=$(q "$tmp/merged.db" "SELECT count(*) FROM runs")
[ "$n" = 8 ] || note "merging the same runs again left $n runs, expected 8"
grep -q "0 runs copied" "$tmp/out" || note "second merge copied runs: $(head -n 1 "$tmp/out")"
finish studies/shards-merge-to-the-sweep

# merge: a run already present with different metrics is a conflict (exit 1); an input
# that is not a database is bad input (exit 2) and the output is not touched.
cp "$tmp/shard0.db" "$tmp/tampered.db"
sqlite3 "$tmp/tampered.db" "UPDATE metrics SET value = value + 1 WHERE name = 'transfers'"
l2sim merge "$tmp/merged.db" "$tmp/tampered.db"
check_crash
[ "$rc" -eq 1 ] || note "conflicting merge exited $rc, expected 1"
grep -q "different metrics" "$tmp/err" || note "no conflict message: $first"
echo "not a database" >"$tmp/junk.db"
before=$(q "$tmp/merged.db" "SELECT count(*) FROM runs")
l2sim merge "$tmp/merged.db" "$tmp/junk.db"
check_crash
[ "$rc" -eq 2 ] || note "merging junk exited $rc, expected 2"
after=$(q "$tmp/merged.db" "SELECT count(*) FROM runs")
[ "$before" = "$after" ] || note "merging junk changed the output: $before -> $after runs"
l2sim merge "$tmp/new-out.db" "$tmp/no-such.db"
[ "$rc" -eq 2 ] || note "merging a missing file exited $rc, expected 2"
[ -e "$tmp/new-out.db" ] && note "created the output although an input is missing"
finish studies/merge-conflict-and-bad-input

# MPI: `mpirun -np 2 l2sim-mpi sweep` (rank 0 hands out points, rank 1 runs them) gives
# the serial database, run_id for run_id.
L2SIM_MPI=${L2SIM_MPI:-}
if [ -n "$L2SIM_MPI" ] && [ -x "$L2SIM_MPI" ] && command -v mpirun >/dev/null 2>&1; then
    mdb=$tmp/sweep-mpi.db
    rm -f "$mdb"*
    mpi_root=""
    [ "$(id -u)" = 0 ] && mpi_root=--allow-run-as-root
    # Open MPI's own allocations outlive MPI_Finalize: LeakSanitizer (make check) would
    # report them, so leak detection is off for the ranks (ASan's other checks stay on)
    limited 120 env ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe $mpi_root \
        -x ASAN_OPTIONS -np 2 "$L2SIM_MPI" sweep "$tmp/sweep.yaml" --db "$mdb" --quiet
    [ "$rc" -eq 0 ] || note "mpirun exited $rc: $(grep -v '^-\|^$' "$tmp/err" | head -n 2)"
    dump_exact "$mdb" >"$tmp/sweep-mpi.exact"
    cmp -s "$tmp/sweep-serial.exact" "$tmp/sweep-mpi.exact" \
        || note "MPI (2 ranks) differs from serial: $(diff "$tmp/sweep-serial.exact" "$tmp/sweep-mpi.exact" | head -n 3)"
    finish studies/mpi-2-ranks-equals-serial
else
    echo "skip studies/mpi-2-ranks-equals-serial: no l2sim-mpi or mpirun (make deps installs Open MPI)"
fi

# Bad sweeps are bad input: every problem at its file position, exit 2, no database.
cat >"$tmp/badsweep.yaml" <<'EOF'
name: bad-sweep
duration: 10m
schemes: [{type: l1}]
sweep:
  grid:
    - {path: l1.gas_limt, values: [30M, 36M]}
    - {path: l1.elasticity, values: [2, banana]}
  list:
    - {set: [l1.blobs.max=1]}
EOF
rm -f "$tmp/never.db"
l2sim sweep "$tmp/badsweep.yaml" --db "$tmp/never.db"
check_crash
[ "$rc" -eq 2 ] || note "exited $rc, expected 2"
for want in "badsweep.yaml:6:14: sweep.grid[0].path: unknown parameter 'l1.gas_limt' (did you mean 'l1.gas_limit'?)" \
            "badsweep.yaml:7:37: sweep.grid[1].values: --set l1.elasticity=banana: l1.elasticity: expected a non-negative integer, got 'banana'" \
            "badsweep.yaml:9:13: sweep.list[0].set: --set l1.blobs.max=1: blob max (1) is below the target (14)"; do
    grep -qF "$want" "$tmp/err" || note "missing message: $want"
done
[ -e "$tmp/never.db" ] && note "created a database"
l2sim validate "$tmp/badsweep.yaml"
[ "$rc" -eq 2 ] || note "validate exited $rc, expected 2"
for args in "--shard 2/2" "--shard 1" "--shard -1/2" "--jobs 0" "--jobs 1000"; do
    # shellcheck disable=SC2086
    l2sim sweep "$tmp/sweep.yaml" --db "$tmp/never.db" $args
    [ "$rc" -eq 2 ] || note "$args: exited $rc, expected 2"
done
finish studies/bad-sweep-is-bad-input

# Replications: the 95% interval of a metric whose true mean is known shrinks as
# replications grow, and covers the truth. Transfers arrive as a Poisson process of
# 2/s, so in 10 minutes E[transfers] = 1200 (variance 1200: sd 34.6).
cat >"$tmp/poisson.yaml" <<'EOF'
name: poisson
seed: 11
duration: 10m
l1: {demand: {rate: 20/block}}
workload: {users: 200, transfers: {rate: 2/s}}
schemes: [{type: l1}]
EOF
rm -f "$tmp"/ci*.db*
l2sim run "$tmp/poisson.yaml" --db "$tmp/ci4.db" --replications 4 --quiet
[ "$rc" -eq 0 ] || note "4 replications exited $rc: $first"
l2sim run "$tmp/poisson.yaml" --db "$tmp/ci16.db" --replications 16 --quiet --jobs 2
[ "$rc" -eq 0 ] || note "16 replications exited $rc: $first"
ci4=$(q "$tmp/ci4.db" "SELECT n, mean, half_width, ci_low <= 1200 AND 1200 <= ci_high
                       FROM metric_ci WHERE scheme = 'l1' AND name = 'transfers'")
ci16=$(q "$tmp/ci16.db" "SELECT n, mean, half_width, ci_low <= 1200 AND 1200 <= ci_high, sd
                         FROM metric_ci WHERE scheme = 'l1' AND name = 'transfers'")
echo "$ci4|$ci16" | awk -F'|' '{ exit !($1 == 4 && $5 == 16 && $4 == 1 && $8 == 1 &&
                                      $7 < 0.6 * $3 && $9 > 34.6 / 2 && $9 < 34.6 * 2) }' \
    || note "n|mean|half width|covers 1200 (|sd): 4 replications $ci4; 16 replications $ci16"
finish studies/ci-shrinks-and-covers

# compare, for CI. A scenario with a demand spike (so per-phase metrics too) and two
# kinds of L1 users.
cat >"$tmp/cmp.yaml" <<'EOF'
name: compare-fixture
seed: 5
duration: 2h
l1:
  fork: prague
  base_fee: {initial: 10gwei}
  demand: {rate: 300/block, spikes: [{at: 40m, for: 30m, multiplier: 3}]}
workload: {users: 2000, transfers: {rate: 1/s}}
schemes:
  - {type: l1}
  - {type: l1, name: patient, tip: 0.1gwei, max_fee_cap: 20gwei}
EOF
rm -f "$tmp"/cmp-*.db*
cmprun() { # NAME ARGS...: run the fixture into cmp-NAME.db
    name=$1
    shift
    l2sim run "$tmp/cmp.yaml" --db "$tmp/cmp-$name.db" --quiet "$@"
    [ "$rc" -eq 0 ] || note "run $name exited $rc: $first"
}
cmprun base
cmprun same
cmprun seed --seed 6
cmprun gas --set l1.gas_limit=30M
cmprun denom --set l1.base_fee.max_change_denominator=250

l2sim compare "$tmp/cmp-base.db" "$tmp/cmp-same.db"
check_crash
[ "$rc" -eq 0 ] || note "same scenario and seed: exit $rc, expected 0 ($(tail -n 1 "$tmp/out"))"
l2sim compare "$tmp/cmp-base.db" "$tmp/cmp-same.db" --exact
[ "$rc" -eq 0 ] || note "--exact, same scenario and seed: exit $rc, expected 0: $(head -n 3 "$tmp/out")"
grep -q "^identical" "$tmp/out" || note "--exact does not say identical"
finish compare/same-seed-passes

l2sim compare "$tmp/cmp-base.db" "$tmp/cmp-seed.db"
check_crash
[ "$rc" -eq 0 ] || note "another seed, nothing changed: exit $rc, expected 0: $(grep CHANGED "$tmp/out" | head -n 3)"
l2sim compare "$tmp/cmp-base.db" "$tmp/cmp-seed.db" --exact
[ "$rc" -eq 2 ] || note "--exact across seeds: exit $rc, expected 2 (no runs to match)"
finish compare/other-seed-passes

for change in gas denom; do
    l2sim compare "$tmp/cmp-base.db" "$tmp/cmp-$change.db"
    check_crash
    [ "$rc" -eq 1 ] || note "$change changed: exit $rc, expected 1"
    grep -q "l1_base_fee_mean_wei .*CHANGED" "$tmp/out" || note "$change: the base fee is not reported as changed"
    grep -q "^CHANGED: " "$tmp/out" || note "$change: no CHANGED summary line"
    l2sim compare "$tmp/cmp-base.db" "$tmp/cmp-$change.db" --json
    [ "$rc" -eq 1 ] || note "$change --json: exit $rc, expected 1"
    grep -q '"changed": [1-9]' "$tmp/out" || note "$change --json: no changed count"
    grep -q '"name": "[a-z0-9_.+]*l1_base_fee_mean_wei", .*"status": "changed"' "$tmp/out" \
        || note "$change --json: the base fee is not changed"
    l2sim compare "$tmp/cmp-base.db" "$tmp/cmp-$change.db" --exact
    [ "$rc" -eq 1 ] || note "$change --exact: exit $rc, expected 1"
    grep -q "^  compare-fixture, seed 5, replication 0: " "$tmp/out" || note "$change --exact: no difference listed"
done
finish compare/protocol-change-fails

# With replications on both sides the test is across replications (Welch).
cmprun reps --replications 3 --set duration=1h
cmprun reps-seed --replications 3 --set duration=1h --seed 77
cmprun reps-gas --replications 3 --set duration=1h --set l1.gas_limit=30M
l2sim compare "$tmp/cmp-reps.db" "$tmp/cmp-reps-seed.db"
[ "$rc" -eq 0 ] || note "replications, other seed: exit $rc, expected 0"
grep -q "(3 vs 3 runs, by replications)" "$tmp/out" || note "not compared by replications: $(sed -n 4p "$tmp/out")"
l2sim compare "$tmp/cmp-reps.db" "$tmp/cmp-reps-gas.db"
[ "$rc" -eq 1 ] || note "replications, gas limit changed: exit $rc, expected 1"
finish compare/replications

# Bad input: exit 2. Different scenarios; a run that did not complete; not a database.
cmprun other --set duration=1h
sqlite3 "$tmp/cmp-other.db" "UPDATE runs SET scenario_name = 'something-else'"
l2sim compare "$tmp/cmp-base.db" "$tmp/cmp-other.db"
check_crash
[ "$rc" -eq 2 ] || note "different scenarios: exit $rc, expected 2"
grep -q "is in .* only" "$tmp/err" || note "different scenarios: $first"
l2sim run "$tmp/cmp.yaml" --db "$tmp/cmp-failed.db" --quiet --max-events 1000
l2sim compare "$tmp/cmp-base.db" "$tmp/cmp-failed.db"
[ "$rc" -eq 2 ] || note "a failed run: exit $rc, expected 2"
grep -q "is failed, not complete" "$tmp/err" || note "a failed run: $first"
# ... unless told: --allow-incomplete leaves it out (and says so), comparing the rest
cp "$tmp/cmp-base.db" "$tmp/cmp-mixed.db"
l2sim run "$tmp/cmp.yaml" --db "$tmp/cmp-mixed.db" --quiet --seed 99 --max-events 1000
l2sim compare "$tmp/cmp-base.db" "$tmp/cmp-mixed.db"
[ "$rc" -eq 2 ] || note "a failed run beside a complete one: exit $rc, expected 2"
l2sim compare "$tmp/cmp-base.db" "$tmp/cmp-mixed.db" --allow-incomplete
check_crash
[ "$rc" -eq 0 ] || note "--allow-incomplete: exit $rc, expected 0 ($first)"
grep -q "leaving out run 2 (.*): failed, not complete" "$tmp/err" \
    || note "--allow-incomplete does not say what it left out: $first"
# --exact too: the complete twin of a left-out run is left out with it
cp "$tmp/cmp-base.db" "$tmp/cmp-base99.db"
l2sim run "$tmp/cmp.yaml" --db "$tmp/cmp-base99.db" --quiet --seed 99
l2sim compare "$tmp/cmp-base99.db" "$tmp/cmp-mixed.db" --exact
[ "$rc" -eq 2 ] || note "--exact, a failed run: exit $rc, expected 2"
l2sim compare "$tmp/cmp-base99.db" "$tmp/cmp-mixed.db" --exact --allow-incomplete
check_crash
[ "$rc" -eq 0 ] || note "--exact --allow-incomplete: exit $rc, expected 0 ($first)"
grep -q "leaving out run 2 (.*): its counterpart in .*cmp-mixed.db did not complete" "$tmp/err" \
    || note "--exact --allow-incomplete does not say it left out the twin: $(cat "$tmp/err")"
l2sim compare "$tmp/cmp-base.db" "$tmp/junk.db"
[ "$rc" -eq 2 ] || note "not a database: exit $rc, expected 2"
l2sim compare "$tmp/cmp-base.db" "$tmp/no-such.db"
[ "$rc" -eq 2 ] || note "missing database: exit $rc, expected 2"
l2sim compare "$tmp/cmp-base.db"
[ "$rc" -eq 2 ] || note "one database: exit $rc, expected 2"
finish compare/bad-input

# ---------------------------------------------------------------------------------
# A database another process holds locked: a clear message, exit 1, nothing corrupt.

rm -f "$tmp"/lock.db*
l2sim run "$SCN" --set duration=1h --db "$tmp/lock.db" --quiet
[ "$rc" -eq 0 ] || note "first run exited $rc: $first"
(echo "BEGIN EXCLUSIVE;"; sleep 7; echo "COMMIT;") | sqlite3 "$tmp/lock.db" &
holder=$!
sleep 1
l2sim run "$SCN" --set duration=1h --db "$tmp/lock.db" --quiet
check_crash
[ "$rc" -eq 1 ] || note "exited $rc while the database was locked, expected 1"
case $first in *"$tmp/lock.db"*locked*) ;; *) note "message: $first" ;; esac
wait "$holder"
db_sane "$tmp/lock.db"
[ "$(q "$tmp/lock.db" 'SELECT group_concat(status) FROM runs')" = complete ] \
    || note "the locked-out run left a row behind"
finish db/locked-by-another-writer

# ---------------------------------------------------------------------------------
# Resource limits: a run that exceeds one stops cleanly, marked failed with the reason.

for lim in "--max-wall 1s:wall-clock limit" "--max-memory 1MiB:memory limit"; do
    args=${lim%%:*}; reason=${lim#*:}
    rm -f "$tmp"/lim.db*
    # shellcheck disable=SC2086
    l2sim run "$SCN" --set duration=30d --db "$tmp/lim.db" --quiet $args
    check_crash
    [ "$rc" -eq 1 ] || note "exited $rc, expected 1"
    db_sane "$tmp/lim.db"
    st=$(q "$tmp/lim.db" "SELECT status || ': ' || status_detail FROM runs")
    case $st in "failed: $reason"*) ;; *) note "run recorded as '$st'" ;; esac
    finish "limits/${args%% *}"
done
for bad in "--max-wall 0s" "--max-wall soon" "--max-memory 0" "--max-memory 4XB"; do
    rm -f "$tmp"/lim.db*
    # shellcheck disable=SC2086
    l2sim run "$SCN" --db "$tmp/lim.db" $bad
    [ "$rc" -eq 2 ] || note "exited $rc, expected 2"
    [ -e "$tmp/lim.db" ] && note "left a database file behind"
    finish "limits/bad $bad"
done

# ---------------------------------------------------------------------------------
# Further sections, one file each (tests/cli/*.sh): sourced here, so they share the
# helpers above, $tmp and the pass/fail counts.

for part in tests/cli/*.sh; do
    [ -f "$part" ] || continue
    # shellcheck disable=SC1090
    . "./$part"
done

echo "scenario tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
