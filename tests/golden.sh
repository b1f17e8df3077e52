#!/bin/sh
# golden.sh — the golden regression set (tests/golden/README.md). Reruns each
# tests/golden/NAME.yaml with `l2sim sweep` and writes its metrics as text:
#   L2SIM=./l2sim sh tests/golden.sh check    compare with tests/golden/NAME.metrics
#   L2SIM=./l2sim sh tests/golden.sh update   rewrite them (`make golden`)
# check prints `ok golden/NAME` or `FAIL golden/NAME` with the diff, and exits 1 on
# any difference.

set -u
L2SIM=${L2SIM:-./l2sim}
mode=${1:-check}
dir=tests/golden
case $mode in check | update) ;; *) echo "usage: golden.sh check|update" >&2; exit 2 ;; esac
command -v sqlite3 >/dev/null 2>&1 || { echo "FAIL golden: sqlite3 not found"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/l2sim-golden.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 130' INT TERM

failed=0
for yaml in "$dir"/*.yaml; do
    name=$(basename "$yaml" .yaml)
    db=$tmp/$name.db
    if ! "$L2SIM" sweep "$yaml" --db "$db" --quiet >"$tmp/out" 2>&1; then
        echo "FAIL golden/$name: l2sim sweep failed: $(head -n 3 "$tmp/out")"
        failed=1
        continue
    fi
    # %!.17g: 17 significant digits, so equal text means equal doubles
    {
        echo "# $name.yaml: metrics of every run; regenerate with \`make golden\`, review the diff"
        echo "sweep_point|replication|scheme|metric|value"
        sqlite3 "$db" "SELECT COALESCE(r.sweep_point, '-'), r.replication, m.scheme, m.name,
                              printf('%!.17g', m.value)
                       FROM metrics m JOIN runs r ON r.run_id = m.run_id
                       WHERE r.status = 'complete'
                       ORDER BY r.sweep_index, r.replication, m.scheme, m.name"
    } >"$tmp/$name.metrics"
    if [ "$mode" = update ]; then
        if cmp -s "$tmp/$name.metrics" "$dir/$name.metrics" 2>/dev/null; then
            echo "golden/$name: unchanged"
        else
            cp "$tmp/$name.metrics" "$dir/$name.metrics"
            echo "golden/$name: rewritten ($(grep -vc '^#' "$dir/$name.metrics") lines)"
        fi
    elif [ ! -e "$dir/$name.metrics" ]; then
        echo "FAIL golden/$name: no $dir/$name.metrics (run make golden)"
        failed=1
    elif diff -u "$dir/$name.metrics" "$tmp/$name.metrics" >"$tmp/diff"; then
        echo "ok golden/$name"
    else
        echo "FAIL golden/$name: metrics differ from $dir/$name.metrics (intended? make golden):"
        head -n 40 "$tmp/diff"
        failed=1
    fi
done
exit $failed
