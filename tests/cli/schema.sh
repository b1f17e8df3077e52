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
# applied, tests/fixtures/schema_v1.sql): merge, compare and report never write their
# inputs, so they read it through an upgraded scratch copy and it stays version 1 byte
# for byte (tests/cli/hostile.sh checks each reader); a writer (`l2sim run`) upgrades
# it in place.
rm -f "$tmp"/old.db* "$tmp"/merged.db*
sqlite3 "$tmp/old.db" <tests/fixtures/schema_v1.sql
sqlite3 "$tmp/old.db" "INSERT INTO meta VALUES('schema_version', '1');
    INSERT INTO runs(run_id, scenario_name, scenario_file, scenario_text, scenario_sha256,
    overrides, config, seed, master_seed, replication, l2sim_version, git_rev, crypto_mode,
    duration_us, started_at, status) VALUES(1, 's', 's.yaml', 'name: s', 'x', '',
    'duration = 1h  # scenario', 1, 1, 0, '0.1', 'r', 'ed25519', 3600000000,
    '2026-01-01T00:00:00Z', 'complete'); INSERT INTO schemes VALUES(1, 'l1', 'l1', 'l1')"
sum=$(cksum <"$tmp/old.db")
l2sim merge "$tmp/merged.db" "$tmp/old.db" --quiet
check_crash
[ "$rc" -eq 0 ] || note "merge exited $rc: $first"
[ "$(q "$tmp/merged.db" 'SELECT count(*) FROM runs')" = 1 ] || note "merge copied no run"
l2sim compare "$tmp/old.db" "$tmp/old.db"
check_crash
[ "$rc" -eq 0 ] || note "compare exited $rc: $first"
[ "$(cksum <"$tmp/old.db")" = "$sum" ] || note "a reader changed the version-1 file"
l2sim run "$SCN" --set duration=1h --db "$tmp/old.db" --quiet
check_crash
[ "$rc" -eq 0 ] || note "run exited $rc: $first"
v=$(q "$tmp/old.db" "SELECT value FROM meta WHERE key = 'schema_version'")
[ "$v" = 3 ] || note "after l2sim run the version is $v, expected 3"
finish db/older-schema-read-by-readers-upgraded-by-writers

# A database of schema version 2 (tests/fixtures/schema_v2.sql), before l1_txs had a
# payer: readers leave it as it was, a writer upgrades it to 3; its old rows say
# 'unknown' and view l1_spend reads their payer from the kind, new rows the L1's word.
rm -f "$tmp"/old2.db* "$tmp"/merged.db*
sqlite3 "$tmp/old2.db" <tests/fixtures/schema_v2.sql
sqlite3 "$tmp/old2.db" "INSERT INTO meta VALUES('schema_version', '2');
    INSERT INTO runs(run_id, scenario_name, scenario_file, scenario_text, scenario_sha256,
    overrides, config, seed, master_seed, replication, l2sim_version, git_rev, crypto_mode,
    duration_us, started_at, status) VALUES(1, 's', 's.yaml', 'name: s', 'x', '',
    'duration = 1h  # scenario', 1, 1, 0, '0.2', 'r', 'fast', 3600000000,
    '2026-01-01T00:00:00Z', 'complete'); INSERT INTO schemes VALUES(1, 'l1', 'l1', 'l1');
    INSERT INTO l1_txs(run_id, world, tx_id, origin, kind, status, cancelled, calldata_bytes,
    exec_gas, gas, blobs, max_fee_per_gas, max_priority_fee_per_gas, replacements, height,
    base_fee_per_gas, priority_fee_per_gas, fee_wei, submit_us, include_us) VALUES(1, 'l1', 1,
    'l1', 'transfer', 'final', 0, 0, 0, 21000, 0, 9, 1, 0, 3, 8, 1, '189000', 10, 36000000)"
sum=$(cksum <"$tmp/old2.db")
l2sim merge "$tmp/merged.db" "$tmp/old2.db" --quiet
check_crash
[ "$rc" -eq 0 ] || note "merge exited $rc: $first"
[ "$(q "$tmp/merged.db" "SELECT payer FROM l1_txs")" = unknown ] || note "merged row's payer"
l2sim report "$tmp/old2.db" --out "$tmp/old2-report" --quiet
check_crash
[ "$rc" -eq 0 ] || note "report exited $rc: $first"
[ "$(cksum <"$tmp/old2.db")" = "$sum" ] || note "a reader changed the version-2 file"
l2sim run "$SCN" --set duration=1h --db "$tmp/old2.db" --quiet
check_crash
[ "$rc" -eq 0 ] || note "run exited $rc: $first"
v=$(q "$tmp/old2.db" "SELECT value FROM meta WHERE key = 'schema_version'")
[ "$v" = 3 ] || note "after l2sim run the version is $v, expected 3"
got=$(q "$tmp/old2.db" "SELECT run_id || ':' || x.payer || ':' || s.payer FROM l1_txs x
    JOIN l1_spend s USING (run_id, world, tx_id) WHERE x.tx_id = 1 ORDER BY run_id")
[ "$got" = "$(printf '1:unknown:user\n2:user:user')" ] || note "payers: '$got'"
finish db/v2-read-by-readers-upgraded-by-writers
