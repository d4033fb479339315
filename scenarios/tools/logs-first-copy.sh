#!/bin/sh
# A deliberately WRONG backup script, the negative control for method = "command".
# It breaks the rules of a hot backup twice: it copies the log files BEFORE the database
# files (so database pages may be newer than the last copied log record, and
# recovery can neither redo nor undo what it never saw), and it copies with
# `dd bs=1024`, smaller than the page size, so a page being written during the
# copy can be stored torn. Usage: logs-first-copy.sh HOME DEST
set -eu
home=$1
dest=$2
logdir=$home
if [ -d "$home/log" ]; then logdir=$home/log; fi
for f in "$logdir"/log.*; do
  [ -f "$f" ] || continue
  dd if="$f" of="$dest/$(basename "$f")" bs=1024 status=none
done
for f in "$home"/*; do
  name=$(basename "$f")
  case "$name" in
    __db.*|DB_CONFIG|log.*) continue ;;
  esac
  [ -f "$f" ] || continue
  dd if="$f" of="$dest/$name" bs=1024 status=none
done
