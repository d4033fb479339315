#!/usr/bin/env bash
# The demo run by `tools/run demo`:
#   1. the engine by hand: a live workload commits while bdbackup takes a hot
#      backup and an incremental, archives logs, lists, verifies and restores;
#   2. the simulator: a representative subset of scenarios/ (about a minute),
#      with the summary table and the path of report.html.
set -euo pipefail
BUILD_DIR="$1"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$BUILD_DIR/bin"
SANDBOX="$(mktemp -d /tmp/bdbackup-demo-XXXXXX)"
trap 'kill "${WORKLOAD_PID:-0}" 2>/dev/null || true; rm -rf "$SANDBOX"' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "1. The engine against a live environment"
cat > "$SANDBOX/workload.json" <<JSON
{"seed": 7, "home": "$SANDBOX/home", "txns": 6000, "threads": 2, "keys_per_txn": [1, 4],
 "value_bytes": [16, 2048], "abort_percent": 10, "page_size": 4096, "checksums": true,
 "cache_bytes": 262144, "checkpoint_every_txns": 100, "log_file_bytes": 262144,
 "durability": "sync", "hold_after_done": true}
JSON
"$BIN/bdbsim-workload" --config "$SANDBOX/workload.json" > "$SANDBOX/acks" 2> "$SANDBOX/workload.err" &
WORKLOAD_PID=$!
acked() { grep -c '^A ' "$SANDBOX/acks" 2>/dev/null || true; }
until [ "$(acked)" -ge 1000 ]; do sleep 0.1; done
echo "workload (pid $WORKLOAD_PID) has acknowledged $(acked) commits and keeps committing"
run "$BIN/bdbackup" backup --home "$SANDBOX/home" --repo "$SANDBOX/repo" --mode hot
until [ "$(acked)" -ge 2500 ]; do sleep 0.1; done
run "$BIN/bdbackup" archive --home "$SANDBOX/home" --repo "$SANDBOX/repo"
run "$BIN/bdbackup" backup --home "$SANDBOX/home" --repo "$SANDBOX/repo" --mode incremental --recover-as-you-go
run "$BIN/bdbackup" list --repo "$SANDBOX/repo"
run "$BIN/bdbackup" verify --repo "$SANDBOX/repo"
run "$BIN/bdbackup" restore --repo "$SANDBOX/repo" --target "$SANDBOX/restored"
run db5.3_verify -h "$SANDBOX/restored" a.db b.db && echo "db5.3_verify: a.db and b.db are sound"
echo "records in the restored a.db: $(db5.3_dump -p -h "$SANDBOX/restored" a.db | grep -c '^ ' | awk '{print int($1/2)}')"
kill "$WORKLOAD_PID" 2>/dev/null || true

say "2. The simulator: does every acknowledged commit survive?"
REPORT="$ROOT/reports/demo-$(date -u +%Y%m%dT%H%M%SZ)"
cd "$ROOT"
set +e
"$BIN/bdbsim" run \
  scenarios/hot-backup-under-load.toml scenarios/incremental-chain.toml \
  scenarios/torn-reads-verified.toml scenarios/torn-reads-unverified.toml \
  scenarios/power-loss-live.toml scenarios/io-errors-during-backup.toml \
  scenarios/db-hotbackup-command.toml \
  --trials 5 --jobs "$(nproc)" --report "$REPORT"
status=$?
set -e
echo
echo "open $REPORT/report.html in a browser; junit.xml is beside it for CI"
exit $status
