#!/usr/bin/env bash
# The speed and memory benchmark (backup, restore and simulator speed, peak memory).
# Not a test: ctest never runs it. One run measures, prints a table and writes
# reports/reference/benchmarks.md.
#
#   tests/bench/run_bench.sh BUILD_DIR
#
# Environment knobs (defaults in brackets): REPS [3] repetitions per contender,
# SIZE_MB [400] and SMALL_MB [100] environment sizes, SIM_TRIALS [40],
# BENCH_DIR [/tmp/bdbackup-bench.PID] scratch directory on disk (not tmpfs),
# BENCH_OUT [reports/reference/benchmarks.md], COLD [1] also measure with a
# dropped page cache when /proc/sys/vm/drop_caches is writable, WRITER [1]
# also measure with a writer committing during the backup, PROFILE [1] strace
# and perf runs of bdbackup for the analysis, GROWTH_MB [2048] the third
# environment of the growth figures (0: none), MAX_RATE_MIB [50] the --max-rate
# of the live-application figures, BENCH_JSON [BENCH_OUT with .json] every
# figure's median, min and max, LOOP_SECONDS [20] the period of the --every
# loop (longer than 1,000 transactions take on a loaded machine).
set -euo pipefail

BUILD="${1:?usage: tests/bench/run_bench.sh BUILD_DIR}"
BUILD="$(cd "$BUILD" && pwd)"
BIN="$BUILD/bin"
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REPS="${REPS:-3}"
SIZE_MB="${SIZE_MB:-400}"
SMALL_MB="${SMALL_MB:-100}"
SIM_TRIALS="${SIM_TRIALS:-40}"
WORK="${BENCH_DIR:-/tmp/bdbackup-bench.$$}"
OUT="${BENCH_OUT:-$SRC/reports/reference/benchmarks.md}"
COLD="${COLD:-1}"
WRITER="${WRITER:-1}"
PROFILE="${PROFILE:-1}"
GROWTH_MB="${GROWTH_MB:-2048}"
LOOP_SECONDS="${LOOP_SECONDS:-20}"
MAX_RATE_MIB="${MAX_RATE_MIB:-50}"
JSON_OUT="${BENCH_JSON:-${OUT%.md}.json}"

log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }
die() { echo "run_bench.sh: error: $*" >&2; exit 2; }

for b in bdbackup bdbsim bdbsim-workload; do
  [[ -x "$BIN/$b" ]] || die "'$BIN/$b' is missing: build the targets bdbackup bdbsim bdbsim-workload first"
done
command -v db5.3_hotbackup >/dev/null || die "db5.3_hotbackup is missing (package db5.3-util)"

# GNU time for the peak RSS (package "time").
if [[ ! -x /usr/bin/time ]]; then
  log "installing the package 'time' for /usr/bin/time"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends time >/dev/null
fi

LOADAVG_START="$(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$WORK"
mkdir -p "$WORK"
trap 'touch "$WORK/stop" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
FSTYPE="$(df -T "$WORK" | awk 'NR==2 {print $2}')"
[[ "$FSTYPE" == tmpfs ]] && die "'$WORK' is on tmpfs; set BENCH_DIR to a directory on disk"

RESULTS="$WORK/results.tsv"   # phase contender cache rep wall_s user_s sys_s maxrss_kb bytes
: >"$RESULTS"

log "compiling tests/bench/bench_env.cc"
g++ -std=c++20 -O2 -Wall -Wextra -Werror -o "$WORK/bench_env" "$SRC/tests/bench/bench_env.cc" -ldb-5.3

BIG="$WORK/env-big"
SMALL="$WORK/env-small"
log "building the ${SIZE_MB} MB environment"
"$WORK/bench_env" fill "$BIG" "$SIZE_MB" >"$WORK/fill-big.txt"
log "building the ${SMALL_MB} MB environment"
"$WORK/bench_env" fill "$SMALL" "$SMALL_MB" >"$WORK/fill-small.txt"

# Clock reads for timed runs: bash's EPOCHREALTIME in microseconds, read
# without forking. $(date +%s%N) costs 8-10 ms here (fork + exec on this VM)
# and its read of the clock lands at its end, which added that much to every
# figure: a quarter of a 40 ms incremental. ${EPOCHREALTIME/[.,]/} is the
# time in microseconds whatever the locale's decimal separator.

# The files every contender copies: DB_CONFIG, the databases, the logs.
env_files() { ls "$1"/DB_CONFIG "$1"/*.db "$1"/log/log.*; }
env_bytes() { env_files "$1" | xargs stat -c %s | awk '{s += $1} END {print s}'; }

# Page cache: read every file of the environment once (warm), or drop it (cold).
prepare_cache() {  # HOME warm|cold
  sync
  if [[ "$2" == cold ]]; then
    echo 3 >/proc/sys/vm/drop_caches
  else
    env_files "$1" | xargs cat >/dev/null
  fi
}

# The contenders. Each writes into a fresh DEST.
run_contender() {  # CONTENDER HOME DEST
  case "$1" in
    bdbackup) "$BIN/bdbackup" backup --home "$2" --repo "$3" --mode hot --json ;;
    cp_sync)
      mkdir -p "$3"
      cp -r "$2/DB_CONFIG" "$2"/*.db "$2/log" "$3/"
      sync "$3" "$3"/* "$3"/log/* ;;
    db_hotbackup) db5.3_hotbackup -h "$2" -b "$3" -D ;;
    cp_fsync_each)  # an experiment, not a contender: cp then fsync one file at a time, as bdbackup orders it
      mkdir -p "$3/log"
      cp "$2/DB_CONFIG" "$3/" && sync "$3/DB_CONFIG"
      for f in "$2"/*.db "$2"/log/log.*; do
        d="$3/${f#"$2"/}"
        cp "$f" "$d" && sync "$d"
      done
      sync "$3" "$3/log" ;;
  esac
}
export -f run_contender
export BIN

# Bytes a contender left in DEST.
dest_bytes() { du -sb "$1" | cut -f1; }

# measure PHASE CONTENDER CACHE REP HOME: one timed run, one row in RESULTS.
measure() {
  local phase=$1 who=$2 cache=$3 rep=$4 home=$5
  local dest="$WORK/dest-$who"
  rm -rf "$dest"
  prepare_cache "$home" "$cache"
  local t0 t1
  t0=${EPOCHREALTIME/[.,]/}
  /usr/bin/time -f "%U %S %M" -o "$WORK/time.txt" bash -c 'run_contender "$@"' _ "$who" "$home" "$dest" \
    >"$WORK/out.txt" 2>"$WORK/err.txt" || { cat "$WORK/err.txt" >&2; die "$who failed in $phase"; }
  t1=${EPOCHREALTIME/[.,]/}
  local wall bytes
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e6}')
  bytes=$(dest_bytes "$dest")
  read -r user sys rss <"$WORK/time.txt"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$phase" "$who" "$cache" "$rep" "$wall" "$user" "$sys" "$rss" "$bytes" \
    >>"$RESULTS"
  log "$phase $who ($cache cache) rep $rep: ${wall}s, max RSS ${rss} KB, $bytes bytes"
  rm -rf "$dest"
}

CONTENDERS=(bdbackup cp_sync db_hotbackup)
BIG_BYTES_START="$(env_bytes "$BIG")"
BIG_DB_BYTES="$(ls "$BIG"/*.db | xargs stat -c %s | awk '{s += $1} END {print s}')"

# 1. Idle environment, warm cache, contenders alternating in the same window.
for rep in $(seq "$REPS"); do
  for who in "${CONTENDERS[@]}" cp_fsync_each; do measure idle "$who" warm "$rep" "$BIG"; done
done

# 1b. Cold cache, if this user may drop it.
CAN_DROP=0
if [[ "$COLD" == 1 ]] && (echo 1 >/proc/sys/vm/drop_caches) 2>/dev/null; then
  CAN_DROP=1
  for rep in $(seq "$REPS"); do
    for who in "${CONTENDERS[@]}"; do measure idle "$who" cold "$rep" "$BIG"; done
  done
fi

# 2. Peak memory on the small environment (the big one's is in the rows above).
for rep in $(seq "$REPS"); do measure small bdbackup warm "$rep" "$SMALL"; done

# 3. Incremental after 1,000 transactions: a fresh repo, full hot backup,
#    1,000 synchronous commits, incremental. Bytes from the --json output.
json_field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
for rep in $(seq "$REPS"); do
  repo="$WORK/repo-incr"
  rm -rf "$repo"
  prepare_cache "$BIG" warm
  t0=${EPOCHREALTIME/[.,]/}
  /usr/bin/time -f "%U %S %M" -o "$WORK/time.txt" "$BIN/bdbackup" backup --home "$BIG" --repo "$repo" --mode hot --json \
    >"$WORK/full.json"
  t1=${EPOCHREALTIME/[.,]/}
  read -r user sys rss <"$WORK/time.txt"
  printf 'incr\tfull\twarm\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b-a)/1e6}')" \
    "$user" "$sys" "$rss" "$(json_field "$WORK/full.json" bytes)" >>"$RESULTS"
  t0=${EPOCHREALTIME/[.,]/}
  "$WORK/bench_env" txns "$BIG" 1000 >"$WORK/txns.txt"
  t1=${EPOCHREALTIME/[.,]/}
  printf 'incr\ttxns1000\twarm\t%s\t%s\t0\t0\t0\t0\n' "$rep" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b-a)/1e6}')" \
    >>"$RESULTS"
  # incremental: after the 1,000 txns; incremental_empty: right after it, nothing new (the fixed cost)
  for kind in incremental incremental_empty; do
    prepare_cache "$BIG" warm
    t0=${EPOCHREALTIME/[.,]/}
    /usr/bin/time -f "%U %S %M" -o "$WORK/time.txt" "$BIN/bdbackup" backup --home "$BIG" --repo "$repo" \
      --mode incremental --json >"$WORK/incr.json"
    t1=${EPOCHREALTIME/[.,]/}
    read -r user sys rss <"$WORK/time.txt"
    printf 'incr\t%s\twarm\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$rep" \
      "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b-a)/1e6}')" "$user" "$sys" "$rss" \
      "$(json_field "$WORK/incr.json" bytes)" >>"$RESULTS"
    log "$kind rep $rep: $(tail -1 "$RESULTS" | cut -f5)s, $(tail -1 "$RESULTS" | cut -f9) bytes"
  done
  # incremental_loop: the same backups taken by one running `--every` loop, so
  # no process start, library loading or repository set-up per backup. Turn 1
  # finds nothing new (no backup); before turns 2 and 3 the bench commits
  # 1,000 transactions and warms the cache as above, well inside the period.
  # The figure is the loop's own duration_ms (start of the backup to publish).
  loop_out="$WORK/loop.jsonl"
  "$BIN/bdbackup" backup --home "$BIG" --repo "$repo" --mode incremental --every "$LOOP_SECONDS" --count 3 --json >"$loop_out" &
  loop_pid=$!
  for turn in 2 3; do
    while [[ $(wc -l <"$loop_out") -lt $((turn - 1)) ]]; do sleep 0.05; done
    "$WORK/bench_env" txns "$BIG" 1000 >"$WORK/txns.txt"
    prepare_cache "$BIG" warm
    ready_us=${EPOCHREALTIME/[.,]/}
    while [[ $(wc -l <"$loop_out") -lt $turn ]]; do sleep 0.05; done
    row="$(python3 - "$loop_out" "$turn" "$ready_us" <<'PY'
import datetime, json, sys
turn = json.loads(open(sys.argv[1]).read().splitlines()[int(sys.argv[2]) - 1])
start = datetime.datetime.strptime(turn["start_time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
if start.timestamp() * 1e6 < int(sys.argv[3]):
    sys.exit(f"turn {sys.argv[2]} started before the 1,000 transactions and the cache warm-up were done")
print(f"{turn['duration_ms'] / 1000:.4f}\t{turn['bytes']}")
PY
)" || die "the --every loop's timing: $row"
    printf 'incr\tincremental_loop\twarm\t%s\t%s\t0\t0\t0\t%s\n' "$rep" "${row%%$'\t'*}" "${row##*$'\t'}" >>"$RESULTS"
    log "incremental_loop rep $rep turn $turn: ${row%%$'\t'*}s, ${row##*$'\t'} bytes"
  done
  wait "$loop_pid" || die "the --every loop failed: $(cat "$loop_out")"
done
rm -rf "$WORK/repo-incr"

# 4. Where bdbackup's time goes: syscalls (strace -c) and CPU profile (perf).
if [[ "$PROFILE" == 1 ]]; then
  prepare_cache "$BIG" warm
  rm -rf "$WORK/repo-prof"
  strace -f -c -w -o "$WORK/strace-bdbackup.txt" "$BIN/bdbackup" backup --home "$BIG" --repo "$WORK/repo-prof" --mode hot \
    >/dev/null 2>&1 || true
  rm -rf "$WORK/repo-prof" "$WORK/prof-hb"
  prepare_cache "$BIG" warm
  strace -f -c -w -o "$WORK/strace-hotbackup.txt" db5.3_hotbackup -h "$BIG" -b "$WORK/prof-hb" -D >/dev/null 2>&1 || true
  rm -rf "$WORK/prof-hb"
  if command -v perf >/dev/null; then
    prepare_cache "$BIG" warm
    perf record -q -F 2000 -o "$WORK/perf.data" -- "$BIN/bdbackup" backup --home "$BIG" --repo "$WORK/repo-prof" \
      --mode hot >/dev/null 2>&1 || true
    perf report -i "$WORK/perf.data" --stdio --no-children --sort dso,symbol 2>/dev/null |
      grep -E '^ +[0-9]' | sed -E 's/[[:space:]-]+$//' | head -15 >"$WORK/perf-top.txt" || true
    rm -rf "$WORK/repo-prof"
  fi
fi

# 5. With a writer committing (synchronously) during every backup.
WRITER_TXNS=""
if [[ "$WRITER" == 1 ]]; then
  rm -f "$WORK/stop"
  "$WORK/bench_env" writer "$BIG" "$WORK/stop" >"$WORK/writer.txt" &
  writer_pid=$!
  sleep 1
  for rep in $(seq "$REPS"); do
    for who in "${CONTENDERS[@]}"; do measure writer "$who" warm "$rep" "$BIG"; done
  done
  touch "$WORK/stop"
  wait "$writer_pid"
  WRITER_TXNS="$(cat "$WORK/writer.txt")"
fi

# 5b. Restore and verify, the live application's commit rate during a hot
#     backup (with and without --max-rate), and growth in the environment's
#     size (tests/bench/engine_bench.py; figures in $WORK/engine.json).
HUGE=""
if [[ "$GROWTH_MB" != 0 ]]; then
  HUGE="$WORK/env-huge"
  log "building the ${GROWTH_MB} MB environment"
  "$WORK/bench_env" fill "$HUGE" "$GROWTH_MB" >"$WORK/fill-huge.txt"
fi
BIN="$BIN" WORK="$WORK" BIG="$BIG" SMALL="$SMALL" HUGE="$HUGE" REPS="$REPS" MAX_RATE_MIB="$MAX_RATE_MIB" \
  python3 "$SRC/tests/bench/engine_bench.py"
[[ -n "$HUGE" ]] && rm -rf "$HUGE"

# 6. Simulator throughput.
SIM_VARIANT="$WORK/hot-backup-under-load-1000.toml"
sed -e 's/^name = .*/name = "hot-backup-under-load-1000"/' -e 's/^txns = .*/txns = 1000/' \
  -e 's/^start_after_txns = .*/start_after_txns = 333/' "$SRC/scenarios/hot-backup-under-load.toml" >"$SIM_VARIANT"
for scen in "$SRC/scenarios/hot-backup-under-load.toml" "$SIM_VARIANT"; do
  tag="$(basename "$scen" .toml)"
  log "bdbsim run $tag --trials $SIM_TRIALS --jobs 2"
  t0=${EPOCHREALTIME/[.,]/}
  /usr/bin/time -f "%U %S %M" -o "$WORK/time.txt" "$BIN/bdbsim" run "$scen" --trials "$SIM_TRIALS" --jobs 2 \
    --report "$WORK/sim-$tag" >"$WORK/sim-$tag.txt" 2>&1 || log "bdbsim run $tag failed (see its table)"
  t1=${EPOCHREALTIME/[.,]/}
  read -r user sys rss < <(tail -1 "$WORK/time.txt")
  printf 'sim\t%s\twarm\t1\t%s\t%s\t%s\t%s\t0\n' "$tag" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b-a)/1e6}')" \
    "$user" "$sys" "$rss" >>"$RESULTS"
  # One trial again, alone (bdbsim replay), for its step timings; its sandbox is removed.
  token="$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['scenarios'][0]['trials'][0]['replay'].split()[-1])" \
    "$WORK/sim-$tag/report.json" 2>/dev/null || true)"
  if [[ -n "$token" ]]; then
    mkdir -p "$WORK/scen-$tag" && cp "$scen" "$WORK/scen-$tag/"
    t0=${EPOCHREALTIME/[.,]/}
    "$BIN/bdbsim" replay "$token" --scenarios "$WORK/scen-$tag" >"$WORK/replay-$tag.txt" 2>&1 || true
    t1=${EPOCHREALTIME/[.,]/}
    echo "replay wall $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", (b-a)/1e3}') ms" >>"$WORK/replay-$tag.txt"
    kept="$(sed -n 's/^sandbox kept: //p' "$WORK/replay-$tag.txt")"
    [[ -n "$kept" && -d "$kept" ]] && rm -rf "$kept"
  fi
done

# 7. The page checksum's speed against an equivalent 8-byte-step form, XXH3 and memcpy.
g++ -std=c++20 -O2 -g -Wall -Wextra -Werror -o "$WORK/page_hash_speed" "$SRC/tests/bench/page_hash_speed.cc" -lxxhash
"$WORK/page_hash_speed" 256 >"$WORK/hash-speed.txt"

# The report.
export JSON_OUT GROWTH_MB MAX_RATE_MIB LOOP_SECONDS
export WORK RESULTS OUT SRC BUILD SIZE_MB SMALL_MB REPS FSTYPE CAN_DROP WRITER_TXNS SIM_TRIALS BIG SMALL
export LOADAVG_START BIG_BYTES_START BIG_DB_BYTES
export BIG_BYTES="$(env_bytes "$BIG")" SMALL_BYTES="$(env_bytes "$SMALL")"
export BUILD_TYPE="$(grep -E '^CMAKE_BUILD_TYPE' "$BUILD/CMakeCache.txt" | cut -d= -f2)"
export SANITIZE="$(grep -E '^BDBACKUP_SANITIZE' "$BUILD/CMakeCache.txt" | cut -d= -f2)"
export COMMIT="$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)"
export LOADAVG="$(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$SRC/tests/bench/write_report.py"
cat "$OUT"
