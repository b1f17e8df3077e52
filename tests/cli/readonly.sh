# readonly.sh — sourced by tests/scenario_tests.sh. A read-only directory or database
# file: a message that says which and why, exit 1, nothing created, nothing changed.
# Permissions do not bind root (CI runs as root), so when root the commands run as
# `nobody` through setpriv (util-linux), from a directory nobody can reach.

ro_top=$(mktemp -d "${TMPDIR:-/tmp}/l2sim-ro.XXXXXX") || exit 1
chmod 755 "$ro_top"
cp "$L2SIM" "$ro_top/l2sim"
cp "$SCN" "$ro_top/scenario.yaml"
mkdir "$ro_top/ro" "$ro_top/rw"
chmod 555 "$ro_top/ro"
chmod 777 "$ro_top/rw"

# as_user CMD...: run CMD as an unprivileged user (sets rc, first, $tmp/out, $tmp/err)
as_user() {
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid=65534 --regid=65534 --clear-groups "$@" >"$tmp/out" 2>"$tmp/err"
    else
        "$@" >"$tmp/out" 2>"$tmp/err"
    fi
    rc=$?
    first=$(head -n 1 "$tmp/err")
}

if [ "$(id -u)" = 0 ] && ! command -v setpriv >/dev/null 2>&1; then
    fail readonly/setup "running as root and setpriv (util-linux) is missing"
else
    # a database in a directory nobody may write: nothing is created
    as_user "$ro_top/l2sim" run "$ro_top/scenario.yaml" --set duration=1h \
        --db "$ro_top/ro/x.db" --quiet
    check_crash
    [ "$rc" -eq 1 ] || note "exited $rc, expected 1"
    expect_first "l2sim: $ro_top/ro/x.db: cannot write in directory $ro_top/ro: Permission denied (SQLite keeps the database's journal beside it)"
    left=$(ls -A "$ro_top/ro")
    [ -z "$left" ] || note "created $left"
    finish readonly/directory

    # an existing database file that is read-only: refused, left byte for byte, no
    # journal files beside it
    "$ro_top/l2sim" run "$ro_top/scenario.yaml" --set duration=1h --db "$ro_top/rw/x.db" \
        --quiet >/dev/null 2>&1 || note "could not make the database"
    chmod 444 "$ro_top/rw/x.db"
    sum=$(cksum <"$ro_top/rw/x.db")
    as_user "$ro_top/l2sim" run "$ro_top/scenario.yaml" --set duration=1h \
        --db "$ro_top/rw/x.db" --quiet
    check_crash
    [ "$rc" -eq 1 ] || note "exited $rc, expected 1"
    case $first in
        "l2sim: $ro_top/rw/x.db: cannot write the database: Permission denied"*) ;;
        *) note "first stderr line: $first" ;;
    esac
    [ "$(cksum <"$ro_top/rw/x.db")" = "$sum" ] || note "the database changed"
    [ "$(ls -A "$ro_top/rw")" = x.db ] || note "files beside it: $(ls -A "$ro_top/rw" | tr '\n' ' ')"
    db_sane "$ro_top/rw/x.db"
    finish readonly/database-file

    # a link in the read-only directory to a writable database elsewhere: SQLite
    # journals beside the file the link leads to, so the run goes ahead
    chmod 666 "$ro_top/rw/x.db"
    chmod 755 "$ro_top/ro"
    ln -s ../rw/x.db "$ro_top/ro/link.db"
    chmod 555 "$ro_top/ro"
    as_user "$ro_top/l2sim" run "$ro_top/scenario.yaml" --set duration=1h \
        --db "$ro_top/ro/link.db" --quiet
    check_crash
    [ "$rc" -eq 0 ] || note "exited $rc, expected 0 ($first)"
    [ "$(q "$ro_top/rw/x.db" "SELECT group_concat(status) FROM runs")" = complete,complete ] \
        || note "the run did not land in the linked database"
    chmod 755 "$ro_top/ro"
    rm "$ro_top/ro/link.db"
    chmod 555 "$ro_top/ro"
    finish readonly/link-to-writable-database

    # a report into a directory that cannot be created
    as_user "$ro_top/l2sim" report "$ro_top/rw/x.db" --out "$ro_top/ro/out"
    check_crash
    [ "$rc" -eq 1 ] || note "exited $rc, expected 1"
    expect_first "l2sim: $ro_top/ro/out: cannot create the directory: Permission denied"
    [ -z "$(ls -A "$ro_top/ro")" ] || note "wrote into the read-only directory"
    finish readonly/report-directory
fi
chmod -R u+w "$ro_top"
rm -rf "$ro_top"
