# schema.sh — sourced by tests/scenario_tests.sh. A database written by a newer l2sim
# (a higher schema_version in its meta table) is refused by everything that opens it,
# with the same message, and left as it was.

rm -f "$tmp"/newer.db* "$tmp"/cur.db* "$tmp"/merged.db*
l2sim run "$SCN" --set duration=1h --db "$tmp/newer.db" --quiet
l2sim run "$SCN" --set duration=1h --db "$tmp/cur.db" --quiet
sqlite3 "$tmp/newer.db" "UPDATE meta SET value = '999' WHERE key = 'schema_version'"
sum=$(cksum <"$tmp/newer.db")
newer="$tmp/newer.db: database schema version 999 is newer than this l2sim's"
for cmd in run merge compare report; do
    case $cmd in
        run) l2sim run "$SCN" --set duration=1h --db "$tmp/newer.db" --quiet; want=1 ;;
        merge) l2sim merge "$tmp/merged.db" "$tmp/newer.db" --quiet; want=2 ;;
        compare) l2sim compare "$tmp/cur.db" "$tmp/newer.db"; want=2 ;;
        report) l2sim report "$tmp/newer.db" --out "$tmp/newer-report" --quiet; want=1 ;;
    esac
    check_crash
    [ "$rc" -eq "$want" ] || note "$cmd: exited $rc, expected $want ($first)"
    grep -q -F "$newer" "$tmp/err" || note "$cmd: $first"
done
[ "$(cksum <"$tmp/newer.db")" = "$sum" ] || note "the newer database was changed"
finish db/newer-schema-refused

# A database of the previous schema version (built from the exact text version 1
# applied, tests/fixtures/schema_v1.sql): merge and compare, which never write their
# inputs, refuse it and say how to upgrade; `l2sim report` upgrades it in place, and
# then merge takes it.
rm -f "$tmp"/old.db* "$tmp"/merged.db*
sqlite3 "$tmp/old.db" <tests/fixtures/schema_v1.sql
sqlite3 "$tmp/old.db" "INSERT INTO meta VALUES('schema_version', '1')"
older="$tmp/old.db: database schema version 1 is older than this l2sim's"
for cmd in merge compare; do
    case $cmd in
        merge) l2sim merge "$tmp/merged.db" "$tmp/old.db" --quiet ;;
        compare) l2sim compare "$tmp/cur.db" "$tmp/old.db" ;;
    esac
    check_crash
    [ "$rc" -eq 2 ] || note "$cmd: exited $rc, expected 2 ($first)"
    grep -q -F "$older" "$tmp/err" || note "$cmd: $first"
    grep -q -F "l2sim report $tmp/old.db" "$tmp/err" || note "$cmd does not say how to upgrade"
done
l2sim report "$tmp/old.db" --out "$tmp/old-report" --quiet
check_crash
v=$(q "$tmp/old.db" "SELECT value FROM meta WHERE key = 'schema_version'")
[ "$v" = 2 ] || note "after l2sim report the version is $v, expected 2"
l2sim merge "$tmp/merged.db" "$tmp/old.db" --quiet
[ "$rc" -eq 0 ] || note "merge after the upgrade exited $rc: $first"
finish db/older-schema-upgraded-or-refused
