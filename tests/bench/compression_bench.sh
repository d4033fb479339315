#!/usr/bin/env bash
# Compression and encryption benchmark: stored size and time of a
# hot backup and of a restore, raw against --compress zstd:1 / zstd (3) /
# zstd:9, against --encrypt-key-file (AES-256-GCM) alone and with zstd (3),
# in one run on the same two environments built by bench_env: `fill`
# (random values: the incompressible worst case) and `fill-text` (record-like
# text values). Not a test: ctest never runs it. Prints a Markdown table and
# writes it to BENCH_OUT.
#
#   tests/bench/compression_bench.sh BUILD_DIR
#
# Knobs: SIZE_MB [100] per environment, REPS [3] runs per cell (median
# reported), BENCH_DIR [/tmp/bdbackup-zbench.PID] (on disk, removed at the
# end), BENCH_OUT [reports/reference/compression.md].
set -euo pipefail

BUILD="$(cd "${1:?usage: tests/bench/compression_bench.sh BUILD_DIR}" && pwd)"
BIN="$BUILD/bin/bdbackup"
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SIZE_MB="${SIZE_MB:-100}"
REPS="${REPS:-3}"
WORK="${BENCH_DIR:-/tmp/bdbackup-zbench.$$}"
OUT="${BENCH_OUT:-$SRC/reports/reference/compression.md}"
[[ -x "$BIN" ]] || { echo "compression_bench.sh: error: '$BIN' is missing: build bdbackup first" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "compression_bench.sh: error: /usr/bin/time is missing (package time)" >&2; exit 2; }
rm -rf "$WORK"
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
head -c 32 /dev/urandom >"$WORK/key"
chmod 600 "$WORK/key"

g++ -std=c++20 -O2 -Wall -Wextra -Werror -o "$WORK/bench_env" "$SRC/tests/bench/bench_env.cc" -ldb-5.3
"$WORK/bench_env" fill "$WORK/random" "$SIZE_MB" >/dev/null
"$WORK/bench_env" fill-text "$WORK/text" "$SIZE_MB" >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Runs a command under /usr/bin/time; prints "wall_s cpu_s".
timed() {
  /usr/bin/time -f "%e %U %S" -o "$WORK/time" "$@" >/dev/null
  awk '{printf "%.2f %.2f\n", $1, $2 + $3}' "$WORK/time"
}

{
  echo "# Compression and encryption of stored files (\`--compress\`, \`--encrypt-key-file\`)"
  echo
  echo "\`tests/bench/compression_bench.sh build\` on $(date -u +%Y-%m-%d), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the start;"
  echo "environments of ~${SIZE_MB} MB (database files with DB_CHKSUM plus logs), $REPS runs per cell, medians."
  echo "Hot backup into a fresh repository (warm page cache, \`sync\` before each run); restore of that backup"
  echo "(copy, checksum check, decryption, catastrophic recovery). Stored = bytes in the backup directory on disk."
  echo "MB/s = original MB (10^6 bytes of the restored files) / wall seconds. \`aes\` = \`--encrypt-key-file\` (AES-256-GCM)."
  echo
  echo "| values | stored as | stored MiB | ratio | backup wall s | backup MB/s | backup CPU s | restore wall s | restore MB/s | restore CPU s |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} >"$WORK/report.md"

for env in random text; do
  home="$WORK/$env"
  original=$(du -sb --exclude='__db.*' "$home" | cut -f1)
  for mode in none zstd:1 zstd:3 zstd:9 aes zstd:3+aes; do
    : >"$WORK/bw"; : >"$WORK/bc"; : >"$WORK/rw"; : >"$WORK/rc"
    stored=0
    for rep in $(seq "$REPS"); do
      repo="$WORK/repo"; target="$WORK/target"
      rm -rf "$repo" "$target"
      cat "$home"/*.db "$home"/log/* >/dev/null
      sync
      flag=(); key=()
      [[ "$mode" == zstd* ]] && flag=(--compress "${mode%+aes}")
      [[ "$mode" == *aes ]] && key=(--encrypt-key-file "$WORK/key")
      read -r w c < <(timed "$BIN" backup --home "$home" --repo "$repo" --mode hot "${flag[@]}" "${key[@]}")
      echo "$w" >>"$WORK/bw"; echo "$c" >>"$WORK/bc"
      stored=$(du -sb "$repo/backups" | cut -f1)
      sync
      read -r w c < <(timed "$BIN" restore --repo "$repo" --target "$target" "${key[@]}")
      echo "$w" >>"$WORK/rw"; echo "$c" >>"$WORK/rc"
    done
    backup_bytes=$(du -sb "$target" --exclude='__db.*' | cut -f1)
    bw=$(median <"$WORK/bw"); rw=$(median <"$WORK/rw")
    printf "| %s | %s | %.1f | %.2f | %s | %.0f | %s | %s | %.0f | %s |\n" "$env" "$mode" \
      "$(echo "$stored / 1048576" | bc -l)" "$(echo "$backup_bytes / $stored" | bc -l)" \
      "$bw" "$(echo "$backup_bytes / 1000000 / $bw" | bc -l)" "$(median <"$WORK/bc")" \
      "$rw" "$(echo "$backup_bytes / 1000000 / $rw" | bc -l)" "$(median <"$WORK/rc")" >>"$WORK/report.md"
  done
  echo "($env: environment $(echo "$original / 1048576" | bc -l | xargs printf %.1f) MiB)" >>"$WORK/notes"
done
{
  echo
  echo "Ratio = restored bytes (the original files) / stored bytes. $(paste -sd' ' "$WORK/notes")"
} >>"$WORK/report.md"
cat "$WORK/report.md"
cp "$WORK/report.md" "$OUT"
