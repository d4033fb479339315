#!/usr/bin/env bash
# Unsafe on purpose (a test fixture): copies the database files safely, in
# whole 4 KiB reads, but only the FIRST log file. The data files then hold
# pages whose LSNs lie past the end of the copied log, and catastrophic
# recovery refuses the backup in every trial, with no fault injected.
set -euo pipefail
home="$1" dest="$2"
for f in "$home"/*.db; do dd if="$f" of="$dest/$(basename "$f")" bs=4096 status=none; done
first=$(ls "$home/log" | grep '^log\.' | sort | head -n 1)
mkdir -p "$dest/log"
dd if="$home/log/$first" of="$dest/log/$first" bs=4096 status=none
printf 'set_lg_dir log\n' > "$dest/DB_CONFIG"
