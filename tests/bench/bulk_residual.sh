#!/usr/bin/env bash
# Measures what the incremental's scan for DB_TXN_BULK transactions misses:
# TRIALS times, a fresh environment gets an ordinary base of BASE records
# (one of BASES) with VALUE bytes (one of VALUES), keys either consecutive
# (the random keys then all land past them, on the last leaf) or spread over
# the key space (they land on every leaf), a hot backup, then one
# DB_TXN_BULK transaction of 1..MAX_INSERTS random keys, AFTER ordinary
# one-record transactions of random keys (they can restamp the pages the
# bulk transaction filled), an incremental, and
# (when published) a restore compared record for record with the live
# database. Counts: refused, published and restored equal, published but
# lost records (the dangerous case); and, from db5.3_printlog, how many
# trials' bulk transaction left inserts out of the log (fewer __db_addrem
# records than two per insert: key and data), so a refusal of a transaction
# that logged everything shows as unneeded.
#   tests/bench/bulk_residual.sh BDBACKUP_BINARY [TRIALS] [SEED]
# Knobs: BASES ("200 2000 6000"), VALUES ("40 100 180"), MAX_INSERTS (60), AFTER (0),
# WORK (/tmp/bulk-residual.PID, removed at the end), VERBOSE=1 (one line a trial).
set -u
BIN=${1:?usage: bulk_residual.sh BDBACKUP_BINARY [TRIALS] [SEED]}
TRIALS=${2:-200}
SEED=${3:-1}
BASES=(${BASES:-200 2000 6000})
VALUES=(${VALUES:-40 100 180})
MAX_INSERTS=${MAX_INSERTS:-60}
AFTER=${AFTER:-0}
WORK=${WORK:-/tmp/bulk-residual.$$}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
W=$WORK/writer
g++ -O1 -o "$W" "$HERE/bulk_residual_writer.cc" -ldb-5.3 || exit 1
RANDOM=$SEED
refused=0 equal=0 lost=0 failed=0 unlogged_trials=0 unneeded=0
addrems() { db5.3_printlog -h "$1" 2>/dev/null | grep -c "^\[.*__db_addrem:"; }
for ((t = 1; t <= TRIALS; t++)); do
  base=${BASES[RANDOM % ${#BASES[@]}]}
  value=${VALUES[RANDOM % ${#VALUES[@]}]}
  n=$((1 + RANDOM % MAX_INSERTS))
  seed=$((1 + RANDOM))
  if ((RANDOM % 2)); then layout=spread stride=$((100000000 / base)); else layout=append stride=1; fi
  D=$WORK/t; rm -rf "$D"; mkdir -p "$D/home"
  "$W" plain "$D/home" 0 "$base" "$value" "$stride" &&
    "$BIN" backup --mode hot --home "$D/home" --repo "$D/repo" >/dev/null 2>&1 &&
    before=$(addrems "$D/home") &&
    "$W" bulk "$D/home" "$seed" "$n" "$value" &&
    { ((AFTER == 0)) || "$W" rand "$D/home" "$((seed + 7))" "$AFTER" "$value"; } || { failed=$((failed + 1)); continue; }
  unlogged=$((2 * (n + AFTER) - ($(addrems "$D/home") - before)))
  ((unlogged > 0)) && unlogged_trials=$((unlogged_trials + 1))
  live=$("$W" dump "$D/home")
  if ! "$BIN" backup --mode incremental --home "$D/home" --repo "$D/repo" >/dev/null 2>"$D/inc.err"; then
    if grep -q "DB_TXN_BULK" "$D/inc.err"; then
      outcome=refused; refused=$((refused + 1)); ((unlogged > 0)) || unneeded=$((unneeded + 1))
    else outcome=failed; failed=$((failed + 1)); fi
  elif ! "$BIN" restore --repo "$D/repo" --target "$D/restored" >/dev/null 2>&1; then
    outcome=failed; failed=$((failed + 1))
  else
    restored=$("$W" dump "$D/restored")
    if [ "$restored" = "$live" ]; then outcome=equal; equal=$((equal + 1));
    else outcome=lost; lost=$((lost + 1)); fi
  fi
  [ "${VERBOSE:-0}" = 1 ] && echo "trial $t base=$base $layout value=$value inserts=$n seed=$seed unlogged=$unlogged: $outcome ${live} ${restored:-}"
  restored=
done
echo "trials=$TRIALS refused=$refused (of which the transaction logged every insert: $unneeded)" \
  "published-equal=$equal published-lost=$lost failed=$failed; trials whose bulk transaction left inserts unlogged:" \
  "$unlogged_trials"
