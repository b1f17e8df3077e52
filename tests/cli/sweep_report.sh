# sweep_report.sh — sourced by tests/scenario_tests.sh. The report of a sweep as a
# designer reads it (issue 14): `l2sim report DB` on a sweep's database reports the
# whole sweep and says so; runs are labelled by their sweep point; each point's mean
# over its replications is shown with its confidence interval, in a table and a
# figure; the page is opened and screenshotted in headless Chromium
# ($BUILD/sweep-report.png, kept for a person to look at).

cat >"$tmp/sweep2x3.yaml" <<'YAML'
name: gas-limit-study
description: Two gas limits, three replications each.
seed: 11
duration: 30m
replications: 3
l1:
  fork: prague
  demand:
    rate: 200/block
    spikes: [{at: 10m, for: 10m, multiplier: 3}]
workload:
  users: 1000
  transfers: {rate: 0.5/s}
schemes:
  - {type: l1}
  - {type: l1, name: patient, max_fee_cap: 12gwei}
sweep:
  grid:
    - {path: l1.gas_limit, values: [30M, 60M]}
YAML
rm -rf "$tmp"/sweep2x3.db* "$tmp/sweep-rep"
l2sim sweep "$tmp/sweep2x3.yaml" --db "$tmp/sweep2x3.db" --quiet
[ "$rc" -eq 0 ] || note "sweep exited $rc: $first"
l2sim report "$tmp/sweep2x3.db" --out "$tmp/sweep-rep"
check_crash
[ "$rc" -eq 0 ] || note "report exited $rc: $first"
grep -q -F "report: showing the sweep of scenario 'gas-limit-study': 2 points x 3 replications, 6 runs" \
    "$tmp/out" || note "report does not say it chose the sweep: $(head -n 1 "$tmp/out")"
html=$tmp/sweep-rep/report.html
[ -s "$tmp/sweep-rep/study.png" ] || note "no study figure"
# the table: one row per point and scheme, each mean with its interval, n = 3
rows=$(sed -n '/<table id="study">/,/<\/table>/p' "$html" | grep -c '^<tr><td>l1.gas_limit=')
[ "$rows" = 4 ] || note "study table has $rows point rows, expected 4 (2 points x 2 schemes)"
ci=$(sed -n '/<table id="study">/,/<\/table>/p' "$html" | grep '^<tr><td>l1.gas_limit=' |
     grep -c '<td>3</td>.*&plusmn;')
[ "$ci" = 4 ] || note "$ci of 4 study rows show 3 replications with a +- interval"
# the interval in the table is metric_ci's for the point's three runs (fee mean, ETH)
want=$(q "$tmp/sweep2x3.db" "SELECT mean || ' ' || half_width
    FROM metric_ci WHERE sweep_point = 'l1.gas_limit=60M' AND scheme = 'patient'
    AND name = 'fee_mean_eth' AND n = 3")
cell=$(sed -n '/<table id="study">/,/<\/table>/p' "$html" |
       grep '^<tr><td>l1.gas_limit=60M</td><td>patient</td>' |
       sed 's/<\/td><td>/|/g' | cut -d'|' -f7)   # point|scheme|n|transfers|dropped|refused|fee mean
echo "$cell $want" | awk '{ m = $1; h = $3; M = $5; H = $6;
    exit !(M > 0 && H > 0 && (m - M) / M < 0.01 && (M - m) / M < 0.01 &&
           (h - H) / H < 0.05 && (H - h) / H < 0.05) }' ||
    note "the table's fee mean of l1.gas_limit=60M/patient is '$cell', metric_ci says '$want'"
# runs are labelled by their point, not by the scenario name six times
grep -q '<td>l1.gas_limit=30M: l1</td>\|l1.gas_limit=30M' "$html" || note "no point labels"
browser=$(command -v chromium || command -v chromium-browser)
if [ -z "$browser" ]; then
    note "chromium not found: make test installs it (make deps DEB_PKGS=chromium)"
else
    profile=$(mktemp -d "$tmp/chromium.XXXXXX")
    rm -f "$BUILD/sweep-report.png"
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --disable-background-networking --disable-component-update --disable-sync \
        --no-first-run --user-data-dir="$profile" --window-size=1400,5200 \
        --screenshot="$BUILD/sweep-report.png" "file://$html" >/dev/null 2>"$tmp/chromium.err"
    size=$(wc -c <"$BUILD/sweep-report.png" 2>/dev/null || echo 0)
    [ "$size" -gt 50000 ] || note "no screenshot of the sweep report ($size bytes)"
fi
finish report/sweep-points-with-ci

# The designer's workflow around a sweep: what run and sweep do with (or without) a
# sweep section; --set on a swept path; a list item that is not there; the estimate
# of the whole plan; the closing table of means with their intervals.
rm -f "$tmp"/flow*.db*
l2sim run "$tmp/sweep2x3.yaml" --set duration=5m --replications 1 --db "$tmp/flow1.db"
grep -q -F "has a sweep: section (2 points); run runs the scenario as written and ignores it" \
    "$tmp/err" || note "run on a sweep scenario says nothing: $first"
l2sim sweep "$SCN" --set duration=5m --db "$tmp/flow2.db"
grep -q -F "has no sweep: section; sweep runs the scenario as written" "$tmp/err" ||
    note "sweep without a sweep section says nothing: $first"
l2sim sweep "$tmp/sweep2x3.yaml" --set l1.gas_limit=45M --db "$tmp/flow3.db"
[ "$rc" -eq 2 ] || note "--set on a swept path exited $rc, expected 2"
expect_first "--set l1.gas_limit=45M: the sweep also sets 'l1.gas_limit'; a path is swept or set with --set, not both (drop the --set, or the sweep's axis; l2sim run ignores the sweep)"
[ -e "$tmp/flow3.db" ] && note "a refused sweep left a database"
l2sim validate "$SCN" --set 'schemes[l2].tip=2gwei'
expect_first "--set schemes[l2].tip=2gwei: the scenario has no item 'l2' in 'schemes'; its 1 item: l1 (by name or index 0..0)"
l2sim validate --estimate "$tmp/sweep2x3.yaml"
grep -q "the sweep: 2 points, 6 runs in all" "$tmp/out" ||
    note "validate --estimate does not count 2 points x 3 replications: $(grep sweep "$tmp/out")"
l2sim validate --estimate "$tmp/sweep2x3.yaml" --replications=5
grep -q "the sweep: 2 points, 10 runs in all" "$tmp/out" || note "--replications=5 not counted"
l2sim sweep "$tmp/sweep2x3.yaml" --set duration=10m --db="$tmp/flow4.db"
[ "$rc" -eq 0 ] || note "sweep --db=FILE exited $rc: $first"
n=$(grep -c '^l1.gas_limit=[36]0M  *\(l1\|patient\)  *3 .* +- ' "$tmp/out")
[ "$n" = 4 ] || note "the closing table has $n of 4 rows (point x scheme, n = 3, mean +- CI)"
finish sweep/designer-workflow
