#!/usr/bin/env bash
# How often does a SIGKILL of a backup tool at a random instant wedge the
# application? Not a test: ctest never runs it.
#
#   tests/bench/wedge_measure.sh BUILD_DIR [N]
#
# Against a live committing workload (bdbsim-workload: 2 threads, checkpoint
# every 50 txns, write_nosync), each tool is started N times [25] and SIGKILLed
# after a random 0-MAX_DELAY_MS ms (default 80). After each kill the workload must acknowledge a new
# commit within ALIVE_S [3] seconds, else the environment is counted wedged;
# then `bdbackup archive --env-timeout 2` and `bdbackup archive --checkpoint
# --env-timeout 2` are run against the wedged environment (exit code, seconds,
# message recorded), and a fresh environment and workload replace it.
# Prints one line per trial (TSV) to WORK/trials.tsv and a summary table.
# Knobs: WORK [/tmp/bdbackup-wedge.PID], SEED [$$], TOOLS (space separated
# subset of: archive archive-checkpoint hot cold incremental db_archive db_checkpoint;
# incremental gets one unkilled hot backup first whenever its repository has none),
# STACKS [0] 1: save the wedged workload's thread stacks (gdb) to WORK/wedge-*.stacks.
set -uo pipefail

BUILD="${1:?usage: tests/bench/wedge_measure.sh BUILD_DIR [N]}"
BIN="$(cd "$BUILD" && pwd)/bin"
N="${2:-25}"
WORK="${WORK:-/tmp/bdbackup-wedge.$$}"
ALIVE_S="${ALIVE_S:-3}"
MAX_DELAY_MS="${MAX_DELAY_MS:-80}"
RANDOM="${SEED:-$$}"
TOOLS="${TOOLS:-archive archive-checkpoint hot cold db_archive db_checkpoint}"
mkdir -p "$WORK"
TSV="$WORK/trials.tsv"
printf 'tool\ttrial\tdelay_ms\tfinished_before_kill\ttool_exit\twedged\tnext_archive\tnext_archive_checkpoint\n' > "$TSV"

WL_PID=""
HOME_DIR=""
ENV_NO=0

stop_workload() {
  if [[ -n "$WL_PID" ]]; then
    kill -9 "$WL_PID" 2>/dev/null
    wait "$WL_PID" 2>/dev/null
  fi
  WL_PID=""
}

start_workload() {
  stop_workload
  ENV_NO=$((ENV_NO + 1))
  HOME_DIR="$WORK/env$ENV_NO"
  rm -rf "$HOME_DIR" "$WORK/repo$ENV_NO"
  cat > "$WORK/workload$ENV_NO.json" <<EOF
{"seed": $ENV_NO, "home": "$HOME_DIR", "txns": 100000000, "threads": 2, "keys_per_txn": [1, 4],
 "value_bytes": [16, 512], "abort_percent": 10, "page_size": 4096, "checksums": true,
 "cache_bytes": 4194304, "checkpoint_every_txns": 50, "log_file_bytes": 262144,
 "durability": "write_nosync", "txn_pause_us": 500}
EOF
  "$BIN/bdbsim-workload" --config "$WORK/workload$ENV_NO.json" > "$WORK/acks$ENV_NO.txt" 2> "$WORK/workload$ENV_NO.err" &
  WL_PID=$!
  for _ in $(seq 1 200); do
    [[ $(grep -c '^A ' "$WORK/acks$ENV_NO.txt") -gt 20 ]] && return 0
    sleep 0.05
  done
  echo "workload did not start: $(cat "$WORK/workload$ENV_NO.err")" >&2
  exit 1
}

acks() { grep -c '^A ' "$WORK/acks$ENV_NO.txt"; }

# 0 if the workload acknowledges a new commit within ALIVE_S seconds.
still_commits() {
  local before now deadline
  before=$(acks)
  deadline=$((SECONDS + ALIVE_S))
  while (( SECONDS <= deadline )); do
    now=$(acks)
    (( now > before )) && return 0
    sleep 0.05
  done
  return 1
}

tool_command() {
  local repo="$WORK/repo$ENV_NO"
  case "$1" in
    archive) echo "$BIN/bdbackup archive --home $HOME_DIR --repo $repo" ;;
    archive-checkpoint) echo "$BIN/bdbackup archive --checkpoint --home $HOME_DIR --repo $repo" ;;
    hot) echo "$BIN/bdbackup backup --mode hot --home $HOME_DIR --repo $repo" ;;
    cold) echo "$BIN/bdbackup backup --mode cold --home $HOME_DIR --repo $repo" ;;
    incremental) echo "$BIN/bdbackup backup --mode incremental --hot-if-refused --home $HOME_DIR --repo $repo" ;;
    db_archive) echo "db5.3_archive -h $HOME_DIR" ;;
    db_checkpoint) echo "db5.3_checkpoint -1 -h $HOME_DIR" ;;
  esac
}

# "exit,seconds,first words of the message" of a bdbackup run against the wedged home.
probe() {
  local start end rc
  start=$(date +%s.%N)
  timeout -s KILL 30 "$BIN/bdbackup" archive "$@" --home "$HOME_DIR" --repo "$WORK/probe$ENV_NO" --env-timeout 2 \
    > /dev/null 2> "$WORK/probe.err"
  rc=$?
  end=$(date +%s.%N)
  printf '%s,%.1fs,%s' "$rc" "$(echo "$end - $start" | bc)" "$(head -c 60 "$WORK/probe.err" | tr '\t\n' '  ')"
}

# An incremental needs a full backup in its repository: one hot backup, not
# killed, whenever the repository (a new one after each wedge) has none.
ensure_full_backup() {
  local repo="$WORK/repo$ENV_NO"
  ls "$repo/backups" 2>/dev/null | grep -q -- '-hot$' ||
    "$BIN/bdbackup" backup --mode hot --home "$HOME_DIR" --repo "$repo" > /dev/null 2>&1
}

start_workload
for tool in $TOOLS; do
  for trial in $(seq 1 "$N"); do
    [[ "$tool" == incremental ]] && ensure_full_backup
    delay=$((RANDOM % (MAX_DELAY_MS + 1)))
    # shellcheck disable=SC2046
    $(tool_command "$tool") > "$WORK/tool.out" 2> "$WORK/tool.err" &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    finished=0
    kill -9 "$pid" 2>/dev/null || finished=1
    wait "$pid" 2>/dev/null
    rc=$?
    (( finished == 0 )) && [[ $rc -ne 137 ]] && finished=1  # exited between the sleep and the kill
    if still_commits; then
      printf '%s\t%s\t%s\t%s\t%s\t0\t-\t-\n' "$tool" "$trial" "$delay" "$finished" "$rc" >> "$TSV"
    else
      if [[ "${STACKS:-0}" == 1 ]]; then
        gdb -p "$WL_PID" -batch -ex 'thread apply all bt' > "$WORK/wedge-$tool-$trial.stacks" 2>&1
      fi
      a=$(probe)
      c=$(probe --checkpoint)
      printf '%s\t%s\t%s\t%s\t%s\t1\t%s\t%s\n' "$tool" "$trial" "$delay" "$finished" "$rc" "$a" "$c" >> "$TSV"
      echo "wedged: $tool trial $trial after ${delay} ms; next archive: $a; next archive --checkpoint: $c" >&2
      start_workload
    fi
  done
done
stop_workload

echo
printf '%-20s %6s %8s %14s %s\n' tool trials wedged "done_before" "tool exit codes (count)"
for tool in $TOOLS; do
  awk -F'\t' -v t="$tool" '$1 == t { n++; w += $6; f += $4; codes[$5]++ }
    END { s = ""; for (c in codes) s = s c "x" codes[c] " "; printf "%-20s %6d %8d %14d %s\n", t, n, w, f, s }' "$TSV"
done
echo "trials: $TSV"
