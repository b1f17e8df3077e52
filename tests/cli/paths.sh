# paths.sh — untrusted scenario files (sourced by tests/scenario_tests.sh, whose
# helpers it uses): a scenario's output.db and output.report must lie inside the
# output directory (the scenario's, or --output-dir), --db and --out on the command
# line go anywhere, a trace must be a regular file (a FIFO cannot hang the run) and is
# found from the scenario's directory whatever the working directory, a trace error
# never shows a line of a file that is not a trace, and no text of a scenario reaches
# a shell or a gnuplot command.

P=$tmp/paths                        # P/s/: the scenario's directory; P/outside/
abs_l2sim=$(cd "$(dirname "$L2SIM")" && pwd)/$(basename "$L2SIM")

# paths_scn OUTPUT-LINES...: write $P/s/s.yaml, a half-hour run with the given lines
# appended (e.g. "output: {db: r.db}")
paths_scn() {
    {
        printf 'name: paths\nseed: 1\nduration: 30m\n'
        printf 'workload: {users: 100, transfers: {rate: 0.5/s}}\nschemes: [{type: l1}]\n'
        for line in "$@"; do printf '%s\n' "$line"; done
    } >"$P/s/s.yaml"
}

# paths_fresh: empty $P/s and $P/outside, with $P/outside/keep.db holding "precious"
paths_fresh() {
    rm -rf "$P"
    mkdir -p "$P/s" "$P/outside" "$P/cwd"
    printf precious >"$P/outside/keep.db"
}

# paths_refused WHAT: the last l2sim exited 2 with a message, created no database in
# $P (but keep.db) and left keep.db as it was
paths_refused() {
    check_crash
    [ "$rc" -eq 2 ] || note "$1: exited $rc, expected 2 ($first)"
    left=$(cd "$P" && find . -name '*.db*' ! -name keep.db ! -type l | head -n 3)
    [ -z "$left" ] && [ ! -d "$P/s/rep" ] || note "$1: files written: $left"
    [ "$(cat "$P/outside/keep.db")" = precious ] || note "$1: keep.db was changed"
}

# output.db inside the scenario's directory: the run is written there
paths_fresh
mkdir -p "$P/s/res"
paths_scn "output: {db: res/r.db}"
l2sim run "$P/s/s.yaml" --quiet
check_crash
[ "$rc" -eq 0 ] || note "exited $rc: $first"
[ -f "$P/s/res/r.db" ] || note "no database at s/res/r.db"
[ -f "$P/s/res/r.db" ] && db_sane "$P/s/res/r.db"
[ -e results.db ] && [ results.db -nt "$P/s/s.yaml" ] && note "wrote ./results.db"
[ "$(q "$P/s/res/r.db" "SELECT count(*) FROM complete_runs")" = 1 ] || note "no complete run"
finish paths/output-db-inside

# ".." out of the directory: exit 2 with the message, nothing written
paths_fresh
paths_scn "output: {db: ../../x.db}"
l2sim run "$P/s/s.yaml" --quiet
paths_refused escape
want="$P/s/s.yaml:6:14: output.db: '../../x.db' lies outside the output directory $(cd "$P/s" && pwd -P) (a scenario may only write there; give --db on the command line to write elsewhere)"
[ "$first" = "$want" ] || note "message: '$first', expected '$want'"
[ -e "$tmp/x.db" ] && note "wrote $tmp/x.db"
l2sim validate "$P/s/s.yaml"
[ "$rc" -eq 2 ] || note "validate exited $rc, expected 2"
finish paths/output-db-escape-refused

# an absolute path, even one pointing inside
paths_fresh
paths_scn "output: {db: $P/s/abs.db}"
l2sim run "$P/s/s.yaml" --quiet
paths_refused absolute
case $first in *"output.db: '$P/s/abs.db' is an absolute path"*) ;;
    *) note "message: $first" ;; esac
finish paths/output-db-absolute-refused

# a directory symbolic link on the way out; a final component that is a link to a
# file outside (which must stay untouched); a report directory that is a link
paths_fresh
ln -s ../outside "$P/s/link"
paths_scn "output: {db: link/x.db}"
l2sim run "$P/s/s.yaml" --quiet
paths_refused dir-link
case $first in *"output.db: 'link/x.db' lies outside the output directory"*"through a symbolic link"*) ;;
    *) note "dir link: $first" ;; esac
# ".." after a name that does not exist (or is a file) must not stitch a link back in
# unresolved: "missing/../link" is "link", which leads out
for via in missing s.yaml; do
    paths_scn "output: {db: $via/../link/x.db}"
    l2sim run "$P/s/s.yaml" --quiet
    paths_refused "dotdot-after-$via"
    case $first in *"output.db: '$via/../link/x.db' lies outside the output directory"*"through a symbolic link"*) ;;
        *) note "dotdot after $via: $first" ;; esac
    [ -e "$P/outside/x.db" ] && note "dotdot after $via: wrote $P/outside/x.db"
done
ln -s ../outside/keep.db "$P/s/keep.db"
paths_scn "output: {db: keep.db}"
l2sim run "$P/s/s.yaml" --quiet
paths_refused final-link
case $first in *"output.db: 'keep.db' is a symbolic link"*) ;; *) note "final link: $first" ;; esac
ln -s ../outside "$P/s/replink"
paths_scn "output: {db: r.db, report: replink}"
l2sim run "$P/s/s.yaml" --quiet
paths_refused report-link
case $first in *"output.report: 'replink' is a symbolic link: a scenario may not write through one"*) ;;
    *) note "report link: $first" ;; esac
[ -e "$P/outside/report.html" ] && note "report written through the link"
# a database's -wal beside it, planted as a link: SQLite would write through it
paths_scn "output: {db: w.db}"
ln -s ../outside/keep.db "$P/s/w.db-wal"
l2sim run "$P/s/s.yaml" --quiet
paths_refused wal-link
case $first in *"output.db: 'w.db-wal' is a symbolic link, not a regular file"*) ;;
    *) note "wal link: $first" ;; esac
finish paths/symlinks-refused

# --db on the command line wins and may point anywhere; so does --out
paths_fresh
paths_scn "output: {db: ../../x.db, report: ../../rep}"
l2sim run "$P/s/s.yaml" --quiet --db "$P/outside/cli.db" --out "$P/outside/rep"
check_crash
[ "$rc" -eq 0 ] || note "exited $rc: $first"
[ -f "$P/outside/cli.db" ] || note "no database at outside/cli.db"
[ -f "$P/outside/rep/report.html" ] || note "no report at outside/rep"
[ -e "$tmp/x.db" ] || [ -e "$tmp/rep" ] && note "wrote the scenario's paths"
finish paths/command-line-wins

# --output-dir widens where the scenario may write (paths still from the scenario)
paths_fresh
paths_scn "output: {db: ../outside/w.db}"
l2sim run "$P/s/s.yaml" --quiet
paths_refused narrow
l2sim run "$P/s/s.yaml" --quiet --output-dir "$P"
check_crash
[ "$rc" -eq 0 ] || note "--output-dir: exited $rc: $first"
[ -f "$P/outside/w.db" ] || note "--output-dir: no database at outside/w.db"
paths_scn "output: {db: w.db}"
l2sim run "$P/s/s.yaml" --quiet --output-dir "$P/outside"
[ "$rc" -eq 2 ] || note "a narrower --output-dir: exited $rc"
finish paths/output-dir-widens

# output.report: `l2sim run` writes the report there after the run
paths_fresh
paths_scn "output: {db: r.db, report: rep}"
l2sim run "$P/s/s.yaml"
check_crash
[ "$rc" -eq 0 ] || note "exited $rc: $first"
[ -f "$P/s/rep/report.html" ] || note "no s/rep/report.html"
grep -q "^report: .*/s/rep/report.html" "$tmp/out" || note "the report's path is not printed"
finish paths/output-report

# a sweep writes every point to the one database: a point may not move it
paths_fresh
paths_scn "output: {db: r.db}" "sweep: {grid: [{path: output.db, values: [a.db, b.db]}]}"
l2sim sweep "$P/s/s.yaml" --quiet
paths_refused sweep
case $first in *"sweep.grid[0].path: a sweep cannot vary where its results go"*) ;;
    *) note "message: $first" ;; esac
finish paths/sweep-cannot-move-output

# a trace relative to the scenario's directory is found from any working directory
paths_fresh
mkdir -p "$P/s/traces"
cp tests/traces/replay.csv "$P/s/traces/r.csv"
paths_scn "output: {db: r.db}" "l1: {demand: {trace: traces/r.csv}}"
sed -i 's/duration: 30m/duration: 6m/' "$P/s/s.yaml"
(cd "$P/cwd" && "$abs_l2sim" run ../s/s.yaml --quiet) >"$tmp/out" 2>"$tmp/err"
rc=$?
first=$(head -n 1 "$tmp/err")
check_crash
[ "$rc" -eq 0 ] || note "exited $rc: $first"
[ -f "$P/s/r.db" ] || note "no database at s/r.db"
[ -n "$(ls "$P/cwd")" ] && note "wrote into the working directory: $(ls "$P/cwd")"
finish paths/trace-relative-to-scenario

# a trace that is a FIFO, a device or a directory: a clear error at once, no hang
paths_fresh
mkfifo "$P/s/fifo.csv"
for t in fifo.csv /dev/zero /dev/stdin .; do
    paths_scn "output: {db: r.db}" "l1: {demand: {trace: '$t'}}"
    limited 20 "$L2SIM" run "$P/s/s.yaml" --quiet </dev/null
    check_crash
    [ "$rc" -ge 128 ] && note "$t: hung (killed)"
    [ "$rc" -eq 2 ] || [ "$rc" -ge 128 ] || note "$t: exited $rc, expected 2"
    case $t:$first in
        fifo.csv:*"is a FIFO (named pipe), not a regular file: a trace must be a regular file") ;;
        /dev/zero:*"is a character device, not a regular file"*) ;;
        /dev/stdin:*"not a regular file: a trace must be a regular file") ;;
        .:*"is a directory, not a trace file") ;;
        *) note "$t: $first" ;;
    esac
    [ -e "$P/s/r.db" ] && note "$t: left a database"
done
finish paths/trace-must-be-regular-file

# a trace pointed at a file that is not one (a password file): the error names the
# line and never echoes its content
paths_fresh
printf 'root:$6$SECRETSALT$SECRETHASHSECRETHASH:19000:0:99999:7:::\n' >"$P/outside/shadow"
printf 'user,password,token\nalice,SECRETPASSWORD,SECRETTOKEN\n' >"$P/outside/creds.csv"
for f in shadow creds.csv; do
    paths_scn "l1: {demand: {trace: ../outside/$f}}"
    l2sim run "$P/s/s.yaml" --quiet --db "$P/outside/t.db"
    [ "$rc" -eq 2 ] || note "$f: exited $rc, expected 2"
    grep -q SECRET "$tmp/err" && note "$f: content echoed: $first"
    case $first in *"$f:1: missing columns 'gas_limit' and 'gas_used'"*) ;; *) note "$f: $first" ;; esac
done
finish paths/trace-error-echoes-no-content

# nothing from a scenario reaches a shell or a gnuplot command: names, description
# and scheme names full of shell and gnuplot syntax (quotes, $( ), backquotes, which
# gnuplot expands in double-quoted strings, system(), !, @macros, newlines)
paths_fresh
cat >"$P/s/s.yaml" <<'EOF'
name: "x'; touch PWNED1; ' $(touch PWNED2) `touch PWNED3`\n\" . system(\"touch PWNED4\") . \" @x"
description: "\"`touch PWNED5`\"\n!touch PWNED6\nsystem('touch PWNED7'); `touch PWNED8`"
seed: 1
duration: 30m
workload: {users: 100, transfers: {rate: 0.5/s}}
schemes:
  - {type: l1, name: "a'\nsystem(\"touch PWNED9\")\n'"}
  - {type: l1, name: "b\"`touch PWNED10`\"$(touch PWNED11)\n!touch PWNED12"}
output: {db: r.db, report: rep}
EOF
(cd "$P/cwd" && "$abs_l2sim" run ../s/s.yaml --quiet) >"$tmp/out" 2>"$tmp/err"
rc=$?
first=$(head -n 1 "$tmp/err")
check_crash
[ "$rc" -eq 0 ] || note "run exited $rc: $first"
(cd "$P/cwd" && "$abs_l2sim" report ../s/r.db --out ../s/rep2 --format svg --quiet) \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
first=$(head -n 1 "$tmp/err")
check_crash
[ "$rc" -eq 0 ] || note "report exited $rc: $first"
pwned=$(find "$tmp" . -maxdepth 6 -name 'PWNED*' 2>/dev/null | head -n 3)
[ -n "$pwned" ] && note "a command ran: $pwned"
for r in rep rep2; do
    [ -s "$P/s/$r/report.html" ] || note "no $r/report.html"
    grep -q 'touch PWNED1' "$P/s/$r/report.html" || note "$r/report.html lacks the name"
done
[ -s "$P/s/rep/fees.png" ] || note "no rep/fees.png"
grep -qF 'system(&quot;touch PWNED4&quot;)' "$P/s/rep2/report.html" \
    || note "report.html does not show the name as text"
grep -qF '`touch PWNED10`' "$P/s/rep2/fees.svg" || note "fees.svg legend lacks the scheme name"
finish paths/scenario-text-reaches-no-shell
