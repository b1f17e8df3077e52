# crypto.sh — sourced by tests/scenario_tests.sh. The scenario's `crypto:` key picks
# the signature mode (models/crypto/sig.h) and runs.crypto_mode records it: ed25519
# by default, `fast` when asked, from the file or from --set.

# a scenario that does not name the mode (the default scenario asks for fast)
cat >"$tmp/crypto.yaml" <<'YAML'
name: crypto
duration: 10m
workload: {users: 50, transfers: {rate: 0.5/s}}
schemes: [{type: l1}, {type: optimistic_rollup, compression: zstd}]
YAML
rm -f "$tmp"/crypto.db*
l2sim run "$tmp/crypto.yaml" --set duration=10m --db "$tmp/crypto.db" --quiet
check_crash
[ "$rc" -eq 0 ] || note "default run exited $rc ($first)"
l2sim run "$tmp/crypto.yaml" --set duration=10m --set crypto=fast --db "$tmp/crypto.db" --quiet
check_crash
[ "$rc" -eq 0 ] || note "fast run exited $rc ($first)"
modes=$(sqlite3 "$tmp/crypto.db" "SELECT group_concat(crypto_mode, ',') FROM
                                  (SELECT crypto_mode FROM runs ORDER BY run_id)")
[ "$modes" = "ed25519,fast" ] || note "runs.crypto_mode is '$modes', expected 'ed25519,fast'"
sqlite3 "$tmp/crypto.db" "SELECT config FROM runs WHERE run_id = 2" | grep -q 'crypto' \
    || note "the recorded config does not name the crypto mode"
finish crypto/mode-recorded-in-runs
