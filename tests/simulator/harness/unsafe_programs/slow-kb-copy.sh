#!/usr/bin/env bash
# Unsafe on purpose (a test fixture): copies each database file 1 KiB at a
# time, one dd per block (slowly: a few ms a block), then every log file.
# Pages the workload rewrites between two block reads of the same page are
# stored torn: the head of one version, the tail of another.
# Bounded in time, not by the copy: the workload commits for as long as the
# copy runs and the files grow with it, so after SLOW_SECONDS of block-by-block
# copying the rest of each file goes in one dd (still unsafe, just quicker).
set -euo pipefail
home="$1" dest="$2"
SLOW_SECONDS=6
deadline=$((SECONDS + SLOW_SECONDS))
for f in "$home"/*.db; do
  out="$dest/$(basename "$f")"
  blocks=$(( ($(stat -c %s "$f") + 1023) / 1024 ))
  : > "$out"
  i=0
  for ((; i < blocks && SECONDS < deadline; i++)); do
    dd if="$f" of="$out" bs=1024 skip="$i" seek="$i" count=1 conv=notrunc status=none
  done
  if ((i < blocks)); then
    dd if="$f" of="$out" bs=1M iflag=skip_bytes oflag=seek_bytes skip=$((i * 1024)) seek=$((i * 1024)) \
      conv=notrunc status=none
  fi
done
mkdir -p "$dest/log"
cp "$home"/log/log.* "$dest/log/"  # one process for every log (a trial makes hundreds of small ones)
printf 'set_lg_dir log\n' > "$dest/DB_CONFIG"
