# declared.sh — `l2sim list` shows what each scheme declares from its own directory
# besides its parameters (issue 10 §4): the tables of its SQL, as SQLite creates them,
# and the hook points it offers adversaries. Sourced by tests/scenario_tests.sh.

# Every registered scheme type has its tables line and its hooks line; the channels
# scheme's tables are exactly the scheme tables a run of it creates in the database.
l2sim list
cp "$tmp/out" "$tmp/list.out"
for type in $(awk '/^schemes/ { s = 1; next } /^$/ { s = 0 } s && /^  [a-z]/ { print $1 }' "$tmp/list.out"); do
    block=$(awk -v t="$type" '$1 == t && /^  [a-z]/ { p = 1; next } p && /^  [a-z]/ { exit }
                               p && /^$/ { exit } p' "$tmp/list.out")
    case $block in *"tables:"*) ;; *) note "scheme $type: no tables line" ;; esac
    case $block in *"hooks:"*) ;; *) note "scheme $type: no hooks line" ;; esac
done
listed=$(awk '$1 == "channels" { p = 1; next } p && /tables:/ { sub(/.*tables: /, "");
               sub(/ \(schema.*/, ""); gsub(/,/, ""); print; exit }' "$tmp/list.out")
rm -f "$tmp"/declared.db*
l2sim run scenarios/channel_fee_savings.yaml --set duration=10m --db "$tmp/declared.db" --quiet
created=$(q "$tmp/declared.db" "SELECT group_concat(name, ' ') FROM (SELECT name FROM
    sqlite_master WHERE type = 'table' AND name NOT IN ('meta', 'runs', 'schemes',
    'l1_blocks', 'l1_txs', 'txs', 'metrics', 'attacks', 'student_t') ORDER BY rowid)")
[ -n "$listed" ] || note "l2sim list names no tables of channels"
[ "$listed" = "$created" ] || note "l2sim list says channels declares '$listed', a run creates '$created'"
grep -q "^  l1  .*" "$tmp/list.out" && \
    awk '$1 == "l1" { p = 1; next } p { print; exit }' "$tmp/list.out" | grep -q "tables: none" ||
    note "the L1 baseline, which declares no table, is not listed with none"
finish cli/list-shows-declared-tables-and-hooks
