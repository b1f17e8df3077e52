# hostile.sh — sourced by tests/scenario_tests.sh. Issue 15: databases, scenarios and
# signals as an attacker would shape them. Every command runs under a 10 s watchdog
# (`limited`): a hang is a failure, and so is needing the SIGKILL. The hostile files
# are built here with plain sqlite3 (PRAGMA writable_schema for edited schemas).

hs=$tmp/hostile
mkdir -p "$hs"

# not_killed: note when the last `limited` command had to be killed or crashed
not_killed() {
    [ "$rc" -eq 137 ] && note "hung: killed after 10 s"
    check_crash
}

# no_raw_escape FILE...: note when a file holds an ESC or BEL byte
no_raw_escape() {
    for f in "$@"; do
        if LC_ALL=C grep -q "$(printf '[\033\007]')" "$f"; then
            note "$(basename "$f") holds a raw escape: $(LC_ALL=C tr -d '\n' <"$f" | od -c | head -n 2 | tr -s ' ')"
        fi
    done
}

# a valid results database, the base of the hostile ones
rm -f "$hs"/base.db*
l2sim run "$SCN" --set duration=1h --db "$hs/base.db" --quiet
[ "$rc" -eq 0 ] || fail hostile/setup "run exited $rc: $first"
sqlite3 "$hs/base.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null

# hostile NAME SQL...: $hs/NAME.db, a copy of the base edited by each SQL in turn,
# each in a connection of its own (an edited schema takes effect at the next one)
hostile() {
    h=$1
    shift
    rm -f "$hs/$h.db" "$hs/$h.db-wal" "$hs/$h.db-shm"
    cp "$hs/base.db" "$hs/$h.db"
    for s in "$@"; do
        sqlite3 "$hs/$h.db" "PRAGMA writable_schema = ON; $s" 2>"$tmp/sqlerr" ||
            note "building $h: $(cat "$tmp/sqlerr")"
    done
}

# ---- 1. SQL from a file never runs ----

# a per-run table whose schema entry holds several statements (ATTACH, DROP): merge
# refuses the unknown table; no file appears, the output is not even created
hostile multi "CREATE TABLE rogue(run_id INTEGER, x);
    UPDATE sqlite_master SET sql = 'CREATE TABLE rogue(run_id INTEGER, x); ATTACH ''$hs/evil.db'' AS ev; CREATE TABLE ev.t(x); DROP TABLE main.metrics' WHERE name = 'rogue'"
rm -f "$hs"/out.db*
limited 10 "$L2SIM" merge "$hs/out.db" "$hs/multi.db"
not_killed
[ "$rc" -eq 2 ] || note "exited $rc, expected 2"
grep -q "per-run table rogue this l2sim does not know" "$tmp/err" || note "message: $first"
[ -e "$hs/evil.db" ] && note "the schema's ATTACH ran: evil.db exists"
[ -e "$hs/out.db" ] && note "created the output"
finish hostile/merge-multi-statement-schema

# compare --exact: two databases that differ only in a table and a column whose names
# hold double quotes
cp "$hs/base.db" "$hs/qa.db"; cp "$hs/base.db" "$hs/qb.db"
sqlite3 "$hs/qa.db" 'CREATE TABLE "we""ird"(run_id INTEGER, "x""y" TEXT); INSERT INTO "we""ird" VALUES(1, '"'a'"')'
sqlite3 "$hs/qb.db" 'CREATE TABLE "we""ird"(run_id INTEGER, "x""y" TEXT); INSERT INTO "we""ird" VALUES(1, '"'b'"')'
limited 10 "$L2SIM" compare --exact "$hs/qa.db" "$hs/qb.db"
not_killed
[ "$rc" -eq 1 ] || note "exited $rc, expected 1 (different)"
grep -q 'we"ird: row 1 (a): x"y a vs b' "$tmp/out" || note "output: $(tr '\n' '|' <"$tmp/out")"
finish hostile/compare-exact-quoted-identifiers

# ---- 2. readers never write; foreign files are refused untouched ----

rm -f "$hs"/foreign.db*
sqlite3 "$hs/foreign.db" "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES(1, 'alice')"
sum=$(cksum <"$hs/foreign.db")
for cmd in report compare merge run; do
    rm -rf "$hs/fout" "$hs"/fo.db*
    case $cmd in
        report) limited 10 "$L2SIM" report "$hs/foreign.db" --out "$hs/fout" ;;
        compare) limited 10 "$L2SIM" compare "$hs/foreign.db" "$hs/base.db" ;;
        merge) limited 10 "$L2SIM" merge "$hs/fo.db" "$hs/foreign.db" ;;
        run) limited 10 "$L2SIM" run "$SCN" --set duration=1h --db "$hs/foreign.db" --quiet ;;
    esac
    not_killed
    want=2; [ $cmd = run ] && want=1
    [ "$rc" -eq "$want" ] || note "exited $rc, expected $want"
    grep -q "not an l2sim results database: it has no table meta (its tables: users)" "$tmp/err" ||
        note "message: $first"
    [ "$(cksum <"$hs/foreign.db")" = "$sum" ] || note "the file was changed"
    [ -e "$hs/foreign.db-wal" ] && note "left a -wal beside it"
    [ -e "$hs/fo.db" ] && note "merge created its output"
    finish "hostile/foreign-file-$cmd"
done

# report and compare on a results database nobody may write (file and directory):
# they read it, and it stays byte for byte (as an unprivileged user: root ignores modes)
mkdir -p "$hs/rodir"
cp "$hs/base.db" "$hs/rodir/r.db"
chmod 444 "$hs/rodir/r.db"; chmod 555 "$hs/rodir"; chmod 755 "$hs" "$tmp"
mkdir -p "$hs/rout"; chmod 777 "$hs/rout"
sum=$(cksum <"$hs/rodir/r.db")
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
else
    as_nobody() { "$@"; }
fi
limited 20 as_nobody "$L2SIM" report "$hs/rodir/r.db" --out "$hs/rout" --quiet
not_killed
[ "$rc" -eq 0 ] || note "report exited $rc: $first"
limited 10 as_nobody "$L2SIM" compare "$hs/rodir/r.db" "$hs/rodir/r.db"
not_killed
[ "$rc" -eq 0 ] || note "compare exited $rc: $first"
[ "$(cksum <"$hs/rodir/r.db")" = "$sum" ] || note "the file was changed"
left=$(ls -A "$hs/rodir" | grep -v '^r.db$')
[ -z "$left" ] && [ ! -e "$hs/base.db-shm" ] || note "left beside it: $left"
chmod 755 "$hs/rodir"
finish hostile/readers-on-a-read-only-database

# ---- 3, 4. no crash, no hang on any content ----

# db_case NAME "CMDS" WANT SQL...: build NAME (hostile), then report (all runs and
# --run 1), compare and merge it: those in CMDS refuse it (exit 2, WANT in the message,
# merge copies nothing), the others read it (exit 0); none hangs or crashes
db_case() {
    name=$1 cmds=$2 want=$3
    shift 3
    hostile "$name" "$@"
    for cmd in report report-run compare merge; do
        rm -rf "$hs/hout" "$hs"/ho.db*
        case $cmd in
            report) limited 10 "$L2SIM" report "$hs/$name.db" --out "$hs/hout" --quiet ;;
            report-run) limited 10 "$L2SIM" report "$hs/$name.db" --run 1 --out "$hs/hout" --quiet ;;
            compare) limited 10 "$L2SIM" compare "$hs/$name.db" "$hs/base.db" ;;
            merge) limited 10 "$L2SIM" merge "$hs/ho.db" "$hs/$name.db" ;;
        esac
        not_killed
        case " $cmds " in
            *" $cmd "*)
                [ "$rc" -eq 2 ] || note "$cmd exited $rc, expected 2"
                grep -q -F "$want" "$tmp/err" || note "$cmd: message '$first' lacks '$want'" ;;
            *) [ "$rc" -eq 0 ] || note "$cmd exited $rc, expected 0: $first" ;;
        esac
        if [ $cmd = merge ] && [ "$rc" -ne 0 ] && [ -e "$hs/ho.db" ]; then
            n=$(q "$hs/ho.db" 'SELECT count(*) FROM runs')
            [ "$n" = 0 ] || note "merge refused but copied $n runs"
        fi
    done
    finish "hostile/db-$name"
}
all="report report-run compare merge"
db_case runs-endless-view "$all" "runs" \
    "UPDATE sqlite_master SET type = 'view', sql = 'CREATE VIEW runs AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS run_id FROM c' WHERE name = 'runs'"
db_case text-run-id "$all" "column run_id is declared 'TEXT PRIMARY KEY'" \
    "UPDATE sqlite_master SET sql = replace(sql, 'run_id          INTEGER PRIMARY KEY', 'run_id          TEXT PRIMARY KEY') WHERE name = 'runs'"
# NULL where l2sim's declaration forbids it: relaxed, written, restored
db_case null-scenario-name "$all" "column scenario_name holds null NULL" \
    "UPDATE sqlite_master SET sql = replace(sql, 'scenario_name   TEXT    NOT NULL', 'scenario_name   TEXT    ') WHERE name = 'runs'" \
    "UPDATE runs SET scenario_name = NULL" \
    "UPDATE sqlite_master SET sql = replace(sql, 'scenario_name   TEXT    ,', 'scenario_name   TEXT    NOT NULL,') WHERE name = 'runs'"
db_case null-status "$all" "column status holds null NULL" \
    "UPDATE sqlite_master SET sql = replace(sql, 'status          TEXT    NOT NULL', 'status          TEXT    ') WHERE name = 'runs'" \
    "UPDATE runs SET status = NULL" \
    "UPDATE sqlite_master SET sql = replace(sql, 'status          TEXT     DEFAULT', 'status          TEXT    NOT NULL DEFAULT') WHERE name = 'runs'"
db_case metric-as-text "$all" "column value holds text 'x'" \
    "UPDATE metrics SET value = 'x' WHERE name = (SELECT min(name) FROM metrics)"
db_case metrics-orphan "merge" "run 99, which is not in runs" \
    "INSERT INTO metrics VALUES(99, 'l1', 'transfers', 5)"
db_case virtual-runs "$all" "runs" \
    "UPDATE sqlite_master SET sql = 'CREATE VIRTUAL TABLE runs USING fts4(x)' WHERE name = 'runs'"

# a run whose metrics are all gone: no crash; report and compare say what they can
hostile no-metrics "DELETE FROM metrics"
limited 10 "$L2SIM" report "$hs/no-metrics.db" --out "$hs/hout2" --quiet
not_killed
limited 10 "$L2SIM" compare "$hs/no-metrics.db" "$hs/base.db"
not_killed
finish hostile/db-no-metrics

# ---- 4. scenarios that would block or take quadratic time ----

mkfifo "$hs/fifo.yaml"
for path in "$hs/fifo.yaml" /dev/zero "$hs"; do
    limited 10 "$L2SIM" validate "$path"
    not_killed
    [ "$rc" -eq 2 ] || note "$path: exited $rc, expected 2"
    case $first in
        "$path: is a"*) ;;
        *) note "$path: message '$first'" ;;
    esac
done
finish hostile/scenario-fifo-device-directory

# ~555,000 distinct keys in under 4 MiB: the duplicate-key check is linear
awk 'BEGIN { a = "abcdefghijklmnopqrstuvwxyz0123456789"; printf "name: keys\nduration: 1h\nx: {";
    n = 0; for (i = 1; i <= 36 && n < 555000; i++) for (j = 1; j <= 36 && n < 555000; j++)
    for (k = 1; k <= 36 && n < 555000; k++) for (l = 1; l <= 36 && n < 555000; l++) {
    printf "%s%s%s%s%s:0", n ? "," : "", substr(a, i, 1), substr(a, j, 1), substr(a, k, 1), substr(a, l, 1); n++ }
    printf "}\n" }' >"$hs/keys.yaml"
limited 10 "$L2SIM" validate "$hs/keys.yaml"
not_killed
[ "$rc" -eq 2 ] || note "exited $rc, expected 2"
case $first in "$hs/keys.yaml:3:1: unknown key 'x'; valid keys: "*) ;; *) note "message: $first" ;; esac
finish hostile/scenario-555000-keys

# ---- 6. nothing from a scenario reaches a terminal raw ----

printf 'name: "x\\e]0;title\\a\\e[2J\\e]52;c;cHduZWQ=\\a"\nduration: 1h\nschemes: [{type: l1, name: "s\\e[31m"}]\n' >"$hs/esc.yaml"
rm -f "$hs"/esc.db*
limited 10 "$L2SIM" run "$hs/esc.yaml" --db "$hs/esc.db"
not_killed
[ "$rc" -eq 0 ] || note "run exited $rc: $first"
no_raw_escape "$tmp/out" "$tmp/err"
grep -q 'run 1: x\\x1b\]0;title\\x07' "$tmp/out" || note "summary: $(head -n 1 "$tmp/out")"
limited 10 "$L2SIM" validate "$hs/esc.yaml" --set 'schemes[s\e[31m].nosuch=1'
not_killed
no_raw_escape "$tmp/out" "$tmp/err"
limited 10 "$L2SIM" compare "$hs/esc.db" "$hs/esc.db" --all
not_killed
no_raw_escape "$tmp/out" "$tmp/err"
finish hostile/escapes-never-raw

printf 'name: u\nduration: 1h\ndescription: "fine \303\251, then \377 bad"\n' >"$hs/utf8.yaml"
limited 10 "$L2SIM" validate "$hs/utf8.yaml"
not_killed
[ "$rc" -eq 2 ] || note "exited $rc, expected 2"
expect_first "$hs/utf8.yaml:3:28: invalid UTF-8 (byte 0xff): a scenario is UTF-8 text"
finish hostile/scenario-invalid-utf8-position

# ---- 4. demand rates and spikes the machine cannot simulate; linear reports ----

# 10^12 background transactions per block: refused before the run, at the key
rm -f "$hs"/rate.db*
limited 10 "$L2SIM" run "$SCN" --set duration=1h --set l1.demand.rate=1000000000000/block --db "$hs/rate.db" --quiet
not_killed
[ "$rc" -eq 2 ] || note "exited $rc, expected 2"
case $first in *"l1.demand.rate"*"1e12 background transactions in the busiest slot"*) ;;
    *) note "message: $first" ;; esac
[ -e "$hs/rate.db" ] && note "created the database"
finish hostile/demand-rate-1e12-refused

# 10^12 background blobs per block: drawn in bounded time (the block takes what fits)
rm -f "$hs"/blob.db*
limited 10 "$L2SIM" run "$SCN" --set duration=1h --set l1.blobs.demand=1000000000000/block --db "$hs/blob.db" --quiet
not_killed
[ "$rc" -eq 0 ] || note "exited $rc: $first"
finish hostile/blob-demand-1e12-bounded

# three overlapping x1000 transfer spikes multiply (10^9) in the model: the estimate
# multiplies them too, and the run is refused before it starts
cat >"$hs/spikes.yaml" <<'YAML'
name: spikes
duration: 2h
schemes: [{type: l1}]
workload:
  transfers:
    rate: 20/s
    spikes: [{at: 1h, for: 30m, multiplier: 1000}, {at: 1h, for: 30m, multiplier: 1000},
             {at: 1h, for: 30m, multiplier: 1000}]
YAML
limited 10 "$L2SIM" validate "$hs/spikes.yaml"
not_killed
[ "$rc" -eq 2 ] || note "exited $rc, expected 2"
grep -q "needs about 3.6e13 events in one world" "$tmp/err" || note "message: $first"
finish hostile/overlapping-spikes-multiply-in-the-estimate

# a report of 3,000 demand spikes: its queries are linear in what they show
awk 'BEGIN { printf "name: spikes3000\nduration: 1h\nschemes: [{type: l1}]\nl1: {demand: {spikes: [";
    for (i = 0; i < 3000; i++) printf "%s{at: %ds, for: 1s, multiplier: 2}", i ? ", " : "", i;
    printf "]}}\n" }' >"$hs/sp3000.yaml"
rm -f "$hs"/sp.db*
limited 20 "$L2SIM" run "$hs/sp3000.yaml" --db "$hs/sp.db" --quiet
[ "$rc" -eq 0 ] || note "run exited $rc: $first"
limited 10 "$L2SIM" report "$hs/sp.db" --out "$hs/spout" --quiet
not_killed
[ "$rc" -eq 0 ] || note "report exited $rc: $first"
finish hostile/report-3000-spikes-within-10s

# ---- 4. signals: an interrupted command always exits 1, its runs not left running ----

for delay in 0.3 0.8 1.5; do
    rm -f "$hs"/sig.db*
    "$L2SIM" run "$SCN" --set duration=30d --db "$hs/sig.db" --quiet >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    sleep $delay
    kill -TERM "$pid"
    watchdog 10 "$pid"
    wait "$pid" 2>/dev/null
    rc=$?
    unwatch
    first=$(head -n 1 "$tmp/err")
    not_killed
    [ "$rc" -eq 1 ] || note "after ${delay}s: exited $rc, expected 1 ($first)"
    if [ -e "$hs/sig.db" ]; then
        st=$(q "$hs/sig.db" "SELECT count(*) FROM runs WHERE status IN ('running', 'complete')")
        case $st in 0 | *"no such table"*) ;; *) note "after ${delay}s: $st runs running or complete" ;; esac
    fi
done
finish hostile/sigterm-run-always-exit-1

cat >"$hs/sw.yaml" <<'YAML'
name: hostile-sweep
seed: 3
duration: 3d
workload: {users: 500, transfers: {rate: 2/s}}
schemes: [{type: l1}]
sweep:
  grid:
    - {path: l1.gas_limit, values: [30M, 36M, 40M, 45M]}
YAML
# SIGINT to `sweep --jobs 2`: exit 1, every run it cut short marked interrupted
for delay in 0.5 1.5; do
    rm -f "$hs"/sw.db*
    "$L2SIM" sweep "$hs/sw.yaml" --db "$hs/sw.db" --jobs 2 --quiet >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    sleep $delay
    kill -INT "$pid"
    watchdog 10 "$pid"
    wait "$pid" 2>/dev/null
    rc=$?
    unwatch
    first=$(head -n 1 "$tmp/err")
    not_killed
    [ "$rc" -eq 1 ] || note "after ${delay}s: exited $rc, expected 1 ($first)"
    if [ -e "$hs/sw.db" ]; then
        st=$(q "$hs/sw.db" "SELECT count(*) FROM runs WHERE status = 'running'")
        [ "$st" = 0 ] || note "after ${delay}s: $st runs left running"
    fi
done
finish hostile/sigint-sweep-jobs-exit-1

# a worker of `sweep --jobs 2` killed: its run is recorded failed, with the reason
rm -f "$hs"/swk.db*
"$L2SIM" sweep "$hs/sw.yaml" --db "$hs/swk.db" --jobs 2 --quiet >"$tmp/out" 2>"$tmp/err" &
pid=$!
sleep 1.5
child=$(pgrep -P "$pid" | head -n 1)
[ -n "$child" ] && kill -KILL "$child"
watchdog 60 "$pid"
wait "$pid" 2>/dev/null
rc=$?
unwatch
first=$(head -n 1 "$tmp/err")
[ -n "$child" ] || note "no worker found"
not_killed
[ "$rc" -eq 1 ] || note "exited $rc, expected 1"
st=$(q "$hs/swk.db" "SELECT count(*) FROM runs WHERE status = 'failed' AND status_detail = 'the worker process died'")
[ "$st" = 1 ] || note "runs: $(q "$hs/swk.db" "SELECT group_concat(status || ':' || coalesce(status_detail, ''), '; ') FROM runs")"
finish hostile/killed-worker-run-recorded-failed

# a disk-full sweep with workers: the failed runs are rows marked failed. The limit
# leaves room for the sweep's own database (it holds every registered scheme's tables,
# and its WAL a copy of their pages: past 400 KiB with the rollups') and not for a
# worker's 3-day run (its first commit). A new file gets 64 KiB pages (sim/store.c),
# which would put the sweep's database (~3 MB) above a worker's first commit: it is
# made here with 4 KiB pages (a file keeps its page size), as small as before.
rm -f "$hs"/swf.db*
sqlite3 "$hs/swf.db" "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL" >/dev/null
( ulimit -f 3000 && trap '' XFSZ &&
  exec "$L2SIM" sweep "$hs/sw.yaml" --db "$hs/swf.db" --jobs 2 --quiet ) >"$tmp/out" 2>"$tmp/err"
rc=$?
first=$(head -n 1 "$tmp/err")
check_crash
[ "$rc" -eq 1 ] || note "exited $rc, expected 1"
st=$(q "$hs/swf.db" "SELECT count(*) FROM runs WHERE status = 'failed' AND status_detail LIKE '%disk%'")
case $st in 0 | '' | *[!0-9]*) note "no failed run row: $st" ;; esac
finish hostile/disk-full-sweep-failed-rows

# ---- 5. limits that mean what they say ----

for lim in "--max-wall 1us|wall-clock limit" "--max-memory 1|memory limit"; do
    args=${lim%%|*} want=${lim#*|}
    rm -f "$hs"/lim.db*
    # shellcheck disable=SC2086
    limited 10 "$L2SIM" run "$SCN" --set duration=1h --db "$hs/lim.db" --quiet $args
    not_killed
    [ "$rc" -eq 1 ] || note "$args: exited $rc, expected 1"
    st=$(q "$hs/lim.db" "SELECT status || ': ' || status_detail FROM runs")
    case $st in "failed: $want"*) ;; *) note "$args: run recorded as '$st'" ;; esac
done
finish hostile/limits-from-the-first-event

l2sim run "$SCN" --max-wall abc --db "$hs/lim2.db"
[ "$rc" -eq 2 ] || note "exited $rc, expected 2"
case $first in *"must be more than"*) note "message: $first" ;; *abc*) ;; *) note "message: $first" ;; esac
finish hostile/max-wall-syntax-error-named

# a 1,100-character description leaves every parameter in runs.config
awk 'BEGIN { printf "name: d\nduration: 1h\nschemes: [{type: l1}]\ndescription: \"";
    for (i = 0; i < 1100; i++) printf "x"; printf "\"\n" }' >"$hs/desc.yaml"
rm -f "$hs"/desc.db*
l2sim run "$hs/desc.yaml" --db "$hs/desc.db" --quiet
[ "$rc" -eq 0 ] || note "exited $rc: $first"
got=$(q "$hs/desc.db" "SELECT group_concat(path || '=' || length(value), ' ') FROM (SELECT * FROM run_config WHERE path IN ('description', 'duration', 'seed') ORDER BY path)")
[ "$got" = "description=1100 duration=2 seed=1" ] || note "run_config: $got"
finish hostile/long-description-keeps-config

# ---- readers of a database an older l2sim wrote (schema version 1) ----

# report, compare and merge read it through an upgraded scratch copy: the file itself
# stays byte for byte version 1, and nothing is left in $TMPDIR
rm -f "$hs"/v1.db*
sqlite3 "$hs/v1.db" <tests/fixtures/schema_v1.sql
sqlite3 "$hs/v1.db" "INSERT INTO meta VALUES('schema_version', '1');
    INSERT INTO runs(run_id, scenario_name, scenario_file, scenario_text, scenario_sha256,
    overrides, config, seed, master_seed, replication, l2sim_version, git_rev, crypto_mode,
    duration_us, started_at, status) VALUES(1, 's', 's.yaml', 'name: s', 'x', '',
    'duration = 1h  # scenario', 1, 1, 0, '0.1', 'r', 'ed25519', 3600000000,
    '2026-01-01T00:00:00Z', 'complete');
    INSERT INTO schemes VALUES(1, 'l1', 'l1', 'l1');
    INSERT INTO metrics VALUES(1, 'l1', 'transfers', 1);"
sum=$(cksum <"$hs/v1.db")
mkdir -p "$hs/v1tmp"
rm -rf "$hs/v1out" "$hs"/v1m.db*
TMPDIR=$hs/v1tmp limited 10 "$L2SIM" report "$hs/v1.db" --out "$hs/v1out" --quiet
not_killed
[ "$rc" -eq 0 ] || note "report exited $rc: $first"
TMPDIR=$hs/v1tmp limited 10 "$L2SIM" compare "$hs/v1.db" "$hs/v1.db"
not_killed
[ "$rc" -eq 0 ] || note "compare exited $rc: $first"
TMPDIR=$hs/v1tmp limited 10 "$L2SIM" merge "$hs/v1m.db" "$hs/v1.db" --quiet
not_killed
[ "$rc" -eq 0 ] || note "merge exited $rc: $first"
[ "$(q "$hs/v1m.db" 'SELECT count(*) FROM runs')" = 1 ] || note "merge copied no run"
[ "$(cksum <"$hs/v1.db")" = "$sum" ] || note "the version-1 file was changed"
[ -z "$(ls -A "$hs/v1tmp")" ] || note "left in TMPDIR: $(ls -A "$hs/v1tmp")"
finish hostile/older-schema-read-through-an-upgraded-copy
