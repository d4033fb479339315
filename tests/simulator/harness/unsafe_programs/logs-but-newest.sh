#!/bin/sh
# A deliberately WRONG backup script: it copies the database files first (the
# right order) with whole-file reads, then every log file but the newest. The
# database pages it copied may carry LSNs only the newest log holds, so
# recovery can neither redo nor undo them. Usage: logs-but-newest.sh HOME DEST
set -eu
home=$1
dest=$2
logdir=$home
if [ -d "$home/log" ]; then logdir=$home/log; fi
for f in "$home"/*; do
  name=$(basename "$f")
  case "$name" in
    __db.*|DB_CONFIG|log|log.*) continue ;;
  esac
  [ -f "$f" ] && cat "$f" > "$dest/$name"
done
# One listing, taken after the databases were copied: every log in it but the last.
logs=$(ls "$logdir" | grep '^log\.[0-9]*$' | sort)
last=$(printf '%s\n' "$logs" | tail -n 1)
for name in $logs; do
  [ "$name" = "$last" ] && continue
  cat "$logdir/$name" > "$dest/$name"
done
