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
hostile multi "CREATE TABLE batches(run_id INTEGER, x);
    UPDATE sqlite_master SET sql = 'CREATE TABLE batches(run_id INTEGER, x); ATTACH ''$hs/evil.db'' AS ev; CREATE TABLE ev.t(x); DROP TABLE main.metrics' WHERE name = 'batches'"
rm -f "$hs"/out.db*
limited 10 "$L2SIM" merge "$hs/out.db" "$hs/multi.db"
not_killed
[ "$rc" -eq 2 ] || note "exited $rc, expected 2"
grep -q "per-run table batches this l2sim does not know" "$tmp/err" || note "message: $first"
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
expect_first "$hs/keys.yaml:3:1: unknown key 'x'; valid keys: name, description, seed, duration, replications, shared_l1, schemes, adversaries, output, sweep, l1, workload"
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
