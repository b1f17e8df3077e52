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
