#!/usr/bin/env bash
# `tools/run cluster-demo`: a sharded bdbsim campaign through a real Slurm on
# this machine. Starts munge, slurmctld and slurmd with their configuration
# and state under a temporary directory (stopped and removed at the end),
# submits `bdbsim run --shard K/N` as a job array and `bdbsim merge` after it
# (the Slurm recipe of docs/cluster.md, the lines between "recipe" markers below), runs
# the same campaign unsharded, and checks that the merged report holds exactly
# the unsharded run's trials (scenario, index, seed) with equal outcomes; the
# one difference thread timing can make, PASS against NOT_EXERCISED (a planned
# fault that did or did not land), is reported, not failed.
#
#   tools/cluster_demo.sh BUILD_DIR [--shards N] [--seed S] [--trials T] [--jobs J] [--out DIR] [SCENARIO ...]
#
# Exit 0 when the reports agree, 1 when they do not, 2 for bad usage, 3 when
# Slurm cannot start here (its logs are printed), 4 when a job failed to run.
set -euo pipefail
BUILD_DIR="$(cd "$1" && pwd)"
shift
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N=4 SEED=42 TRIALS=2 JOBS=1 OUT="" SCENARIOS=()
while (($#)); do
  case "$1" in
    --shards) N="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --trials) TRIALS="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -*) echo "cluster_demo.sh: unknown option $1" >&2; exit 2 ;;
    *) SCENARIOS+=("$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"); shift ;;
  esac
done
if ((${#SCENARIOS[@]} == 0)); then
  SCENARIOS=("$ROOT"/scenarios/{cold-backup-quiet,hot-backup-under-load,incremental-chain,io-errors-during-backup}.toml)
fi
for tool in munged mungekey slurmctld slurmd sbatch sinfo jq; do
  if ! command -v "$tool" >/dev/null; then
    echo "cluster_demo.sh: $tool is not installed (tools/run cluster-demo installs slurmctld, slurmd, slurm-client, munge, jq)" >&2
    exit 3
  fi
done

SLURM_DIR="$(mktemp -d /tmp/bdbackup-slurm-XXXXXX)"
[[ -n "$OUT" ]] || OUT="$SLURM_DIR/work"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
stop_slurm() {
  local pidfile
  for pidfile in "$SLURM_DIR"/slurmd.pid "$SLURM_DIR"/slurmctld.pid "$SLURM_DIR"/munge/munged.pid; do
    [[ -f "$pidfile" ]] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  sleep 1
  rm -rf "$SLURM_DIR"
}
trap stop_slurm EXIT
say() { printf '\n== %s\n' "$*"; }

say "one-node Slurm under $SLURM_DIR"
mkdir -p "$SLURM_DIR"/{munge,state,spool,log}
chmod 700 "$SLURM_DIR/munge"
mungekey -c -k "$SLURM_DIR/munge/munge.key"
munged -f --socket="$SLURM_DIR/munge/munge.socket" --key-file="$SLURM_DIR/munge/munge.key" \
  --pid-file="$SLURM_DIR/munge/munged.pid" --log-file="$SLURM_DIR/log/munged.log" \
  --seed-file="$SLURM_DIR/munge/munged.seed"
# Ports away from a site's own Slurm (6817/6818), chosen per run.
CTLD_PORT=$((20000 + RANDOM % 20000))
HOST="$(hostname -s)"
cat > "$SLURM_DIR/slurm.conf" <<CONF
ClusterName=bdbackup-demo
SlurmctldHost=$HOST
SlurmctldPort=$CTLD_PORT
SlurmdPort=$((CTLD_PORT + 1))
AuthType=auth/munge
AuthInfo=socket=$SLURM_DIR/munge/munge.socket
CredType=cred/munge
SlurmUser=$(id -un)
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$HOST CPUs=$(nproc) State=UNKNOWN
PartitionName=demo Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF="$SLURM_DIR/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 1 150); do
  [[ "$(sinfo -h -o %t 2>/dev/null)" == idle ]] && break
  sleep 0.2
done
if [[ "$(sinfo -h -o %t 2>/dev/null)" != idle ]]; then
  echo "cluster_demo.sh: Slurm did not start on this machine; its logs:" >&2
  tail -n 20 "$SLURM_DIR"/log/* >&2 || true
  exit 3
fi
sinfo

say "the campaign, sharded in $N through a job array (in $OUT)"
cd "$OUT"
export PATH="$BUILD_DIR/bin:$PATH"
BDBSIM_ARGS="--trials $TRIALS --jobs $JOBS ${SCENARIOS[*]}"
set +e  # a campaign that fails its scenarios still has reports to compare
# recipe:begin (docs/cluster.md, "Slurm array": exactly these lines)
job=$(sbatch --parsable --array=1-$N --wrap "bdbsim run --seed $SEED --shard \${SLURM_ARRAY_TASK_ID}/$N --report results/shard-\${SLURM_ARRAY_TASK_ID} $BDBSIM_ARGS")
sbatch --wait --dependency=afterany:$job --wrap "bdbsim merge results/shard-* --report results/merged"
# recipe:end
set -e
for k in $(seq 1 "$N"); do
  if [[ ! -f "results/shard-$k/report.json" ]]; then
    echo "cluster_demo.sh: shard $k wrote no report; its output:" >&2
    cat "slurm-${job}_$k.out" >&2 || true
    exit 4
  fi
done
if [[ ! -f results/merged/report.json ]]; then
  echo "cluster_demo.sh: the merge job wrote no report; its output:" >&2
  cat slurm-*.out >&2 || true
  exit 4
fi
for f in slurm-*.out; do [[ "$f" == *_* ]] || tail -n 20 "$f"; done  # the merge job's table

say "the same campaign, unsharded"
bdbsim run --seed "$SEED" --report results/unsharded $BDBSIM_ARGS >results/unsharded.out 2>&1 || true
[[ -f results/unsharded/report.json ]] || { cat results/unsharded.out >&2; exit 4; }

say "merged report against the unsharded run, trial for trial"
trials() { jq -c '[.scenarios[] | .name as $n | .trials[] | {scenario: $n, index, seed, outcome}] | sort_by(.scenario, .index)' "$1"; }
trials results/merged/report.json >results/merged.trials
trials results/unsharded/report.json >results/unsharded.trials
status=0
if ! diff <(jq -c '[.[] | [.scenario, .index, .seed]]' results/merged.trials) \
          <(jq -c '[.[] | [.scenario, .index, .seed]]' results/unsharded.trials) >/dev/null; then
  echo "DIFFERENT TRIALS: the merged report and the unsharded run ran different (scenario, index, seed)" >&2
  status=1
fi
count=$(jq length results/unsharded.trials)
compared=$(jq -n --slurpfile m results/merged.trials --slurpfile u results/unsharded.trials '
  [range($u[0] | length) as $i | {m: $m[0][$i].outcome, u: $u[0][$i].outcome, t: $u[0][$i]}]')
equal=$(jq '[.[] | select(.m == .u)] | length' <<<"$compared")
timing=$(jq '[.[] | select(.m != .u and ([.m, .u] | sort) == ["NOT_EXERCISED", "PASS"])] | length' <<<"$compared")
other=$(jq -c '[.[] | select(.m != .u and ([.m, .u] | sort) != ["NOT_EXERCISED", "PASS"]) | .t + {merged: .m}]' <<<"$compared")
echo "$count trials in both, the same (scenario, index, seed); $equal outcomes equal; $timing PASS/NOT_EXERCISED by thread timing"
if [[ "$other" != "[]" ]]; then
  echo "DIFFERENT OUTCOMES: $other" >&2
  status=1
fi
((status == 0)) && echo "the merged report holds exactly the unsharded run's trials"
exit $status
