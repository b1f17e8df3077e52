# numbers.sh — sourced by tests/scenario_tests.sh. The numbers a user reads (issue 14):
# each test builds a scenario whose right answer is known and states it.

# ---- seeds: one decimal form, printed = stored = accepted back (issue 14 item 4) ----
rm -f "$tmp"/seeds.db* "$tmp"/seed1.db*
l2sim run "$SCN" --set duration=10m --replications 6 --db="$tmp/seeds.db"
check_crash
[ "$rc" -eq 0 ] || note "run --db=FILE exited $rc: $first"
printed=$(sed -n 's/^run [0-9]*: .*, seed \([0-9]*\), .*/\1/p' "$tmp/out" | tr '\n' ' ' | sed 's/ $//')
stored=$(q "$tmp/seeds.db" "SELECT seed FROM runs ORDER BY run_id" | tr '\n' ' ' | sed 's/ $//')
[ -n "$printed" ] && [ "$printed" = "$stored" ] ||
    note "printed seeds '$printed', stored '$stored'"
neg=$(q "$tmp/seeds.db" "SELECT count(*) FROM runs WHERE seed < 0 OR typeof(seed) <> 'integer'")
[ "$neg" = 0 ] || note "$neg seeds stored negative or not as integers"
# every printed seed is taken back by --seed (both spellings) and reproduces its run
for s in $printed; do
    l2sim run "$SCN" --set duration=10m --seed "$s" --db "$tmp/seed1.db" --quiet
    [ "$rc" -eq 0 ] || note "--seed $s exited $rc: $first"
done
l2sim run "$SCN" --set duration=10m --seed="${printed##* }" --db "$tmp/seed1.db" --quiet
[ "$rc" -eq 0 ] || note "--seed=S exited $rc: $first"
same=$(q "$tmp/seed1.db" "ATTACH '$tmp/seeds.db' AS a;
    SELECT count(*) FROM metrics m JOIN runs r ON r.run_id = m.run_id
    JOIN a.runs ar ON ar.seed = r.seed JOIN a.metrics am
      ON am.run_id = ar.run_id AND am.scheme = m.scheme AND am.name = m.name
    WHERE am.value IS NOT m.value")
[ "$same" = 0 ] || note "$same metrics differ between a replication and --seed of its seed"
l2sim run "$SCN" --seed 9223372036854775808 --db "$tmp/seed1.db" --quiet
[ "$rc" -eq 2 ] || note "--seed 2^63 exited $rc, expected 2"
finish numbers/seeds-one-form
