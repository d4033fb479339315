#!/usr/bin/env python3
"""Turns run_bench.sh's results.tsv (and its strace/perf/bdbsim outputs) into
reports/reference/benchmarks.md. Called by run_bench.sh with its settings in
the environment. A hand-written section after the line ANALYSIS_MARKER in an
existing report is kept as is, so re-running refreshes the figures only."""
import csv
import datetime
import json
import os
import statistics
import subprocess

ANALYSIS_MARKER = "<!-- analysis: kept by run_bench.sh -->"

E = os.environ
WORK = E["WORK"]
OUT = E["OUT"]
rows = []
with open(E["RESULTS"]) as f:
    for r in csv.reader(f, delimiter="\t"):
        phase, who, cache, rep, wall, user, sys_, rss, nbytes = r
        rows.append(dict(phase=phase, who=who, cache=cache, rep=int(rep), wall=float(wall), cpu=float(user) + float(sys_),
                         rss=int(rss), bytes=int(nbytes)))


def sel(phase, who, cache="warm"):
    return [r for r in rows if r["phase"] == phase and r["who"] == who and r["cache"] == cache]


def med(rs, key="wall"):
    return statistics.median(r[key] for r in rs) if rs else float("nan")


def mib(b):
    return b / 1048576.0


def spread(rs):
    w = [r["wall"] for r in rs]
    return f"{min(w):.2f}–{max(w):.2f}" if w else "-"


def verdict(ok):
    return "met" if ok else "**missed**"


out = []
p = out.append
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
uname = subprocess.run(["uname", "-sr"], capture_output=True, text=True).stdout.strip()
cpu = subprocess.run("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2", shell=True, capture_output=True,
                     text=True).stdout.strip()
p("# Benchmarks: bdbackup against cp + sync and db5.3_hotbackup; the simulator's throughput")
p("")
p(f"Produced by `tests/bench/run_bench.sh {os.path.relpath(E['BUILD'], E['SRC'])}` on {now}, commit {E['COMMIT']}, "
  f"build type {E['BUILD_TYPE'] or 'default (RelWithDebInfo)'}, sanitizers {E['SANITIZE'] or 'OFF'}.")
p("")
p(f"**Machine:** {os.cpu_count()} cores ({cpu}), {uname}; possibly shared with other work "
  f"(load average {E['LOADAVG_START']} at the start, {E['LOADAVG']} at the end). "
  f"Every contender ran alternately in the same time window (rep 1 of each, then rep 2 of each, ...), so the load "
  f"hit them alike; the spread columns show how much it moved the figures. Scratch files on {E['FSTYPE']} "
  f"(virtio disk), not tmpfs.")
p("")
p(f"Environment: a real BDB 5.3 transactional environment built by `tests/bench/bench_env.cc`: `DB_CONFIG` with "
  f"`set_lg_dir log` and a 64 MiB cache, a btree and a hash database (4 KiB pages, `DB_CHKSUM`, "
  f"values of 200–1800 random bytes), 10 MiB log files, all logs kept. Size of the files copied (DB_CONFIG, "
  f"databases, logs; region files excluded): {mib(int(E['BIG_BYTES_START'])):.0f} MiB for the big environment at the "
  f"start, of which {mib(int(E['BIG_DB_BYTES'])):.0f} MiB databases and the rest logs ({open(os.path.join(WORK, 'fill-big.txt')).read().strip()}; it grows by the 1,000-transaction runs and the writer phase, which run after the idle, memory and profile runs), {mib(int(E['SMALL_BYTES'])):.0f} MiB for the "
  f"small one.")
p("")
p("Page cache: **warm** for every figure unless the row says cold. Before each timed run the script runs `sync`, "
  "then reads every file of the environment once (`cat > /dev/null`), for every contender alike. "
  + ("Cold rows: `sync; echo 3 > /proc/sys/vm/drop_caches` before each run (the script runs as root here)."
     if E["CAN_DROP"] == "1" else "No cold rows: COLD=0 (dropping the page cache slows everyone else on a shared "
     "machine), or the page cache could not be dropped (not root)."))
p("")
p("Contenders (each into a fresh, empty destination, removed after the run):")
p("- `bdbackup backup --mode hot` into a new repository: pread in 1 MiB batches, every database page checked "
  "against its BDB checksum, the last (growing) log read twice until stable and finished logs once, files "
  "fsynced in a batch after the copy, directories fsynced, manifest, atomic publish.")
p("- `cp -r DB_CONFIG *.db log/ DEST/` then `sync DEST DEST/* DEST/log/*` (coreutils fsyncs each named file, as "
  "bdbackup does; a global `sync` would also flush other users' dirty pages on this shared machine).")
p("- `db5.3_hotbackup -h HOME -b DEST -D`: copies the databases and logs (through BDB, page by page), then runs "
  "**catastrophic recovery on the copy** and removes the logs the copy no longer needs; so it does more work "
  "than a copy, and its result is a recovered environment rather than a backup plus logs.")
p("")

# --- hot backup table
p(f"## Hot backup of the idle environment ({E['REPS']} repetitions each, median wall time)")
p("")
p("| contender | cache | wall s (median) | min–max | CPU s (user+sys) | CPU / wall | max RSS MiB | MiB written |")
p("|---|---|---|---|---|---|---|---|")
for cache in ("warm", "cold"):
    for who in ("bdbackup", "cp_sync", "db_hotbackup", "cp_fsync_each"):
        rs = sel("idle", who, cache)
        if not rs:
            continue
        p(f"| {who} | {cache} | {med(rs):.2f} | {spread(rs)} | {med(rs, 'cpu'):.2f} | "
          f"{med(rs, 'cpu') / med(rs):.0%} | {mib(max(r['rss'] for r in rs) * 1024):.1f} | "
          f"{mib(med(rs, 'bytes')):.0f} |")
p("")


def ratio_lines(phase, cache, label):
    b, c, h = sel(phase, "bdbackup", cache), sel(phase, "cp_sync", cache), sel(phase, "db_hotbackup", cache)
    if not (b and c and h):
        return
    rc, rh = med(b) / med(c), med(b) / med(h)
    # paired ratios: the same repetition, so the same time window
    pc = [x["wall"] / y["wall"] for x, y in zip(sorted(b, key=lambda r: r["rep"]), sorted(c, key=lambda r: r["rep"]))]
    ph = [x["wall"] / y["wall"] for x, y in zip(sorted(b, key=lambda r: r["rep"]), sorted(h, key=lambda r: r["rep"]))]
    p(f"- {label}: bdbackup / cp+sync = **{rc:.2f}×** (target ≤ 1.25×: {verdict(rc <= 1.25)}"
      + ("" if rc <= 1.25 else f", by {rc / 1.25 - 1:.0%}") + f"; per repetition {', '.join(f'{x:.2f}' for x in pc)}); "
      f"bdbackup / db5.3_hotbackup = **{rh:.2f}×** (target ≤ 0.5×: {verdict(rh <= 0.5)}"
      + ("" if rh <= 0.5 else f", by {rh / 0.5 - 1:.0%}") + f"; per repetition {', '.join(f'{x:.2f}' for x in ph)}).")


p("`cp_fsync_each` is an experiment, not a contender: the same `cp`, but each file fsynced right after it "
  "is copied, one after the other (bdbackup's order before commit f5b713f); `cp_sync` writes everything "
  "first and fsyncs at the end, while the kernel already writes back in the background, as bdbackup now does.")
p("")
ratio_lines("idle", "warm", "Warm cache")
ratio_lines("idle", "cold", "Cold cache")
p("")

if sel("writer", "bdbackup"):
    p(f"## Hot backup with a writer committing during the backup ({E['REPS']} repetitions each)")
    p("")
    p("A single writer process (`bench_env writer`) commits synchronous transactions (2 btree + 2 hash records "
      "of 0.5–1.5 KiB each) for the whole phase; checkpoint every 500 txns. "
      f"Writer total: {E.get('WRITER_TXNS', '').strip()} over the phase. "
      "(`cp` under a writer is not a valid backup; it is timed only as the floor.)")
    p("")
    p("| contender | wall s (median) | min–max | CPU s | max RSS MiB | MiB written |")
    p("|---|---|---|---|---|---|")
    for who in ("bdbackup", "cp_sync", "db_hotbackup"):
        rs = sel("writer", who)
        p(f"| {who} | {med(rs):.2f} | {spread(rs)} | {med(rs, 'cpu'):.2f} | "
          f"{mib(max(r['rss'] for r in rs) * 1024):.1f} | {mib(med(rs, 'bytes')):.0f} |")
    p("")
    ratio_lines("writer", "warm", "With a writer")
    p("")

# --- memory
big = sel("idle", "bdbackup") + sel("idle", "bdbackup", "cold") + sel("writer", "bdbackup")
small = sel("small", "bdbackup")
p("## Peak memory of bdbackup (max RSS, `/usr/bin/time -v`'s figure)")
p("")
rb, rs_ = max(r["rss"] for r in big) / 1024, max(r["rss"] for r in small) / 1024
p("| environment | MiB copied | max RSS MiB (worst run) | wall s (median) |")
p("|---|---|---|---|")
p(f"| small | {mib(med(small, 'bytes')):.0f} | {rs_:.1f} | {med(small):.2f} |")
p(f"| big | {mib(med(sel('idle', 'bdbackup'), 'bytes')):.0f} | {rb:.1f} | {med(sel('idle', 'bdbackup')):.2f} |")
p("")
p(f"Target ≤ 100 MB whatever the size: {verdict(max(rb, rs_) <= 100)}; the peak grows by {rb - rs_:+.1f} MiB "
  f"for {mib(med(sel('idle', 'bdbackup'), 'bytes')) / mib(med(small, 'bytes')):.1f}× the data.")
p("")

# --- incremental
full, inc, tx = sel("incr", "full"), sel("incr", "incremental"), sel("incr", "txns1000")
empty, loop = sel("incr", "incremental_empty"), sel("incr", "incremental_loop")


def ms_spread(rs):
    w = [r["wall"] * 1000 for r in rs]
    return f"{min(w):.0f}–{max(w):.0f}" if w else "-"


def rss_mib(rs):
    worst = max(r["rss"] for r in rs)
    return f"{worst / 1024:.1f}" if worst else "-"


p(f"## Incremental after 1,000 transactions ({E['REPS']} repetitions)")
p("")
p("Each repetition: new repository, full hot backup, 1,000 synchronous transactions by `bench_env txns` "
  "(each 2 btree + 2 hash records of 0.5–1.5 KiB), then `bdbackup backup --mode incremental`. Bytes are "
  "bdbackup's own `--json` `bytes`. Like every timed run, each backup here follows `sync` and the warm-up "
  "read. `incremental, nothing new` is a second incremental right after, with no transaction in between: "
  "bdbackup's fixed cost (process, environment open, log flush, repository lock, parent manifest, fsyncs, "
  "publish) plus the parent's last log again. `incremental in an --every loop`: the same kind of backup "
  f"taken by one running `bdbackup backup --mode incremental --every {E.get('LOOP_SECONDS', '20')}` (two turns per repetition, each after "
  "its own 1,000 transactions and cache warm-up), timed by the loop itself from the start of the backup to "
  "its publish: no process start, library loading or repository set-up per backup.")
p("")
p("| backup | wall ms (median) | min–max | MiB copied (median) | max RSS MiB |")
p("|---|---|---|---|---|")
p(f"| full hot | {med(full) * 1000:.0f} | {ms_spread(full)} | {mib(med(full, 'bytes')):.1f} | {rss_mib(full)} |")
p(f"| incremental | {med(inc) * 1000:.0f} | {ms_spread(inc)} | {mib(med(inc, 'bytes')):.1f} | {rss_mib(inc)} |")
if empty:
    p(f"| incremental, nothing new | {med(empty) * 1000:.0f} | {ms_spread(empty)} | {mib(med(empty, 'bytes')):.1f} | "
      f"{rss_mib(empty)} |")
if loop:
    p(f"| incremental in an `--every` loop | {med(loop) * 1000:.0f} | {ms_spread(loop)} | "
      f"{mib(med(loop, 'bytes')):.1f} | - |")
p("")
# Each repetition's incremental against that repetition's full backup: the
# environment grows from one repetition to the next (the transactions), so
# the full backups of later repetitions copy more.
full_by_rep = {r["rep"]: r for r in full}


def ratios(rs, key="wall"):
    return [r[key] / full_by_rep[r["rep"]][key] for r in rs if r["rep"] in full_by_rep]


rt, rby = statistics.median(ratios(inc)), statistics.median(ratios(inc, "bytes"))
per_rep = ", ".join(f"{x:.1%}" for x in ratios(inc))
p(f"Incremental / full of the same repetition (median of the repetitions): time **{rt:.1%}** (per repetition "
  f"{per_rep}), bytes **{rby:.1%}** (target ≤ 10%: time {verdict(rt <= 0.10)}, bytes {verdict(rby <= 0.10)}).")
if loop:
    rl = statistics.median(ratios(loop))
    per_turn = ", ".join(f"{x:.1%}" for x in ratios(loop))
    p(f"In an `--every` loop: time **{rl:.1%}** of the full backup (per turn {per_turn}), bytes "
      f"{statistics.median(ratios(loop, 'bytes')):.1%} (target ≤ 10%: {verdict(rl <= 0.10)}).")
p(f"The 1,000 transactions took {med(tx):.2f} s (median). The incremental copies every log written since the "
  "parent, plus the parent's last log again in full (10 MiB log files here), so its floor is one log file.")
p("")


# --- restore, verify, live application, growth (engine_bench.py)
eng_path = os.path.join(WORK, "engine.json")
eng = json.load(open(eng_path)) if os.path.exists(eng_path) else {"figures": {}, "info": {}}
F = eng["figures"]


def fv(name):
    return F.get(name, {}).get("values", [])


def fmed(name):
    v = fv(name)
    return statistics.median(v) if v else float("nan")


def fspread(name, scale=1.0, digits=2):
    v = fv(name)
    return f"{min(v) * scale:.{digits}f}–{max(v) * scale:.{digits}f}" if v else "-"


def per_rep(num, den):
    return [a / b for a, b in zip(fv(num), fv(den)) if b]


def rep_list(xs, fmt="{:.2f}"):
    return ", ".join(fmt.format(x) for x in xs)


if fv("restore_s"):
    p(f"## Restore and verify ({E['REPS']} repetitions, alternating)")
    p("")
    p("A chain on the big environment: `bdbackup backup --mode hot`, 1,000 synchronous transactions "
      "(`bench_env txns`), `bdbackup backup --mode incremental`. Then, alternately: `bdbackup restore` into an "
      "empty directory (its `recovery_ms` from `--json` is the catastrophic recovery inside it); `cp` + `sync` of "
      "the restored files (the restored environment less BDB's region files) into another directory; "
      "`bdbackup verify` of the same chain (every file against its manifest, the trial restore with catastrophic "
      "recovery, `DB->verify` of every database). " + eng["info"].get("restore_logs", "") + ".")
    p("")
    p("| command | wall s (median) | min–max | CPU s (median) |")
    p("|---|---|---|---|")
    p(f"| bdbackup restore | {fmed('restore_s'):.2f} | {fspread('restore_s')} | {fmed('restore_cpu_s'):.2f} |")
    p(f"| of which catastrophic recovery | {fmed('restore_recovery_s'):.2f} | {fspread('restore_recovery_s')} | |")
    p(f"| cp + sync of the restored files ({mib(fmed('restore_bytes')):.0f} MiB) | {fmed('restore_cp_sync_s'):.2f} | "
      f"{fspread('restore_cp_sync_s')} | |")
    p(f"| bdbackup verify | {fmed('verify_s'):.2f} | {fspread('verify_s')} | {fmed('verify_cpu_s'):.2f} |")
    p("")
    r1, r2 = per_rep("restore_s", "restore_cp_sync_s"), per_rep("verify_s", "restore_s")
    share = per_rep("restore_recovery_s", "restore_s")
    p(f"- restore / cp+sync = **{statistics.median(r1):.2f}×** (target ≤ 1.5×: {verdict(statistics.median(r1) <= 1.5)}; "
      f"per repetition {rep_list(r1)}); recovery is {statistics.median(share):.0%} of the restore.")
    p(f"- verify / restore = **{statistics.median(r2):.2f}×** (target ≤ 1.3×: {verdict(statistics.median(r2) <= 1.3)}; "
      f"per repetition {rep_list(r2)}).")
    p("")

if fv("live_commits_per_s_none"):
    p(f"## The live application during a hot backup ({E['REPS']} repetitions, alternating)")
    p("")
    p("One writer process (`bench_env writer`) commits synchronous transactions (2 btree + 2 hash records of "
      "0.5–1.5 KiB, a checkpoint every 500) on the big environment for the whole phase and keeps its commit count "
      "in a file. Windows alternate: the writer alone (as long as the preceding backup window), the writer during "
      f"`bdbackup backup --mode hot` (no throttle), the writer during the same with `--max-rate {E['MAX_RATE_MIB']}` "
      "(MiB/s). Commit rate = commits in the window / its length.")
    p("")
    p("| window | commits/s (median) | min–max | window s (median) |")
    p("|---|---|---|---|")
    for k, label in (("none", "writer alone"), ("hot", "during a hot backup"),
                     ("hot_max_rate", f"during a hot backup with --max-rate {E['MAX_RATE_MIB']}")):
        p(f"| {label} | {fmed('live_commits_per_s_' + k):.0f} | {fspread('live_commits_per_s_' + k, 1, 0)} | "
          f"{fmed('live_window_s_' + k):.2f} |")
    p("")
    rh, rm = per_rep("live_commits_per_s_hot", "live_commits_per_s_none"), per_rep(
        "live_commits_per_s_hot_max_rate", "live_commits_per_s_none")
    p(f"- During a hot backup the writer keeps **{statistics.median(rh):.0%}** of its rate alone (target ≥ 90%: "
      f"{verdict(statistics.median(rh) >= 0.9)}; per repetition {rep_list(rh, '{:.0%}')}); with --max-rate "
      f"{E['MAX_RATE_MIB']}: **{statistics.median(rm):.0%}** (per repetition {rep_list(rm, '{:.0%}')}), the backup "
      f"taking {fmed('live_window_s_hot_max_rate'):.2f} s instead of {fmed('live_window_s_hot'):.2f} s.")
    p("")

sizes = [l for l in ("small", "big", "huge") if fv("growth_full_s_" + l)]
if sizes:
    p(f"## Growth with the environment's size ({E['REPS']} repetitions, alternating)")
    p("")
    p("For each environment (built by `bench_env fill`): a full hot backup into a new repository, 1,000 "
      "synchronous transactions, an incremental; warm cache before each backup.")
    p("")
    p("| environment | MiB copied | full s (median) | full MiB/s | incremental ms (median) | max RSS MiB full / incremental |")
    p("|---|---|---|---|---|---|")
    for l in sizes:
        b = fmed("growth_full_bytes_" + l)
        p(f"| {l} | {mib(b):.0f} | {fmed('growth_full_s_' + l):.2f} | {mib(b) / fmed('growth_full_s_' + l):.0f} | "
          f"{fmed('growth_incr_s_' + l) * 1000:.0f} | {max(fv('growth_full_rss_mib_' + l)):.1f} / "
          f"{max(fv('growth_incr_rss_mib_' + l)):.1f} |")
    p("")
    lo, hi = sizes[0], sizes[-1]
    scale = fmed("growth_full_bytes_" + hi) / fmed("growth_full_bytes_" + lo)
    p(f"From {lo} to {hi} ({scale:.1f}× the bytes): full backup time ×{fmed('growth_full_s_' + hi) / fmed('growth_full_s_' + lo):.1f}, "
      f"incremental ×{fmed('growth_incr_s_' + hi) / fmed('growth_incr_s_' + lo):.2f}, peak memory "
      f"{max(fv('growth_full_rss_mib_' + lo)):.1f} → {max(fv('growth_full_rss_mib_' + hi)):.1f} MiB.")
    p("")

# --- simulator
p(f"## Simulator throughput (`bdbsim run SCENARIO --trials {E['SIM_TRIALS']} --jobs 2`)")
p("")
p("| scenario | txns | trials | wall s | trials / min | CPU s per trial | trials / min if CPU-bound on 2 idle cores | "
  "trial ms median (p90) | of which recovery ms median | outcomes |")
p("|---|---|---|---|---|---|---|---|---|---|")
for tag, txns in (("hot-backup-under-load", 1500), ("hot-backup-under-load-1000", 1000)):
    rs = sel("sim", tag)
    rep_path = os.path.join(WORK, f"sim-{tag}", "report.json")
    if not rs:
        continue
    try:
        d = json.load(open(rep_path))
        trials = [t for s in d["scenarios"] for t in s["trials"]]
        dur = sorted(t.get("duration_ms", 0) for t in trials)
        recov = [t.get("recovery_ms", 0) for t in trials]
        counts = d["scenarios"][0]["counts"]
        oc = ", ".join(f"{k} {v}" for k, v in counts.items() if k in ("PASS", "DETECTED", "CLEAN_FAILURE", "LOSS") and v)
        n = len(trials)
        p90 = dur[min(n - 1, int(0.9 * n))]
        cpu_per = rs[0]["cpu"] / n
        p(f"| {tag} | {txns} | {n} | {rs[0]['wall']:.1f} | **{n / rs[0]['wall'] * 60:.0f}** | {cpu_per:.2f} | "
          f"{120 / cpu_per:.0f} | {statistics.median(dur):.0f} ({p90:.0f}) | {statistics.median(recov):.0f} | {oc} |")
    except (OSError, ValueError, KeyError) as e:
        p(f"| {tag} | {txns} | ? | {rs[0]['wall']:.1f} | ? | report.json unreadable: {e} | | |")
p("")
p("Target: at least 600 trials a minute with 2 jobs for a 1,000-transaction hot-backup trial. "
  "`duration_ms` is the whole trial (workload, backup, verify with its trial restore, restore, recovery, "
  "oracle); `recovery_ms` is the catastrophic recovery of the restore, as report.json gives them. "
  "CPU s per trial is user+sys of `bdbsim run` and all its children (`/usr/bin/time`) over the trials: "
  "unlike wall time, it does not depend on what else ran on the machine.")
p("")
for tag in ("hot-backup-under-load", "hot-backup-under-load-1000"):
    path = os.path.join(WORK, f"replay-{tag}.txt")
    if os.path.exists(path):
        lines = [l for l in open(path).read().splitlines() if not l.startswith("sandbox kept")]
        p(f"One trial of {tag} again, alone (`bdbsim replay`, its step timings since the trial started):")
        p("")
        p("```")
        p("\n".join(lines))
        p("```")
        p("")

# --- profile
p("## Where bdbackup's time goes (one warm hot backup of the big environment)")
p("")


def strace_table(path, title, n=8):
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return
    p(f"{title}:")
    p("")
    p("```")
    head = [l for l in lines if l.strip()][: n + 2]
    tail = [l for l in lines if l.strip().endswith("total")]
    p("\n".join(head + tail))
    p("```")
    p("")


strace_table(os.path.join(WORK, "strace-bdbackup.txt"), "`strace -f -c -w` of bdbackup (wall time spent in each syscall, so fsync waits count)")
strace_table(os.path.join(WORK, "strace-hotbackup.txt"), "`strace -f -c -w` of db5.3_hotbackup")
perf_top = os.path.join(WORK, "perf-top.txt")
if os.path.exists(perf_top) and os.path.getsize(perf_top) > 0:
    p("`perf record` of bdbackup, top symbols by self time (sampled CPU time only; time blocked in fsync "
      "does not appear):")
    p("")
    p("```")
    p(open(perf_top).read().rstrip())
    p("```")
    p("")

hs = os.path.join(WORK, "hash-speed.txt")
if os.path.exists(hs):
    v = dict(l.split("\t") for l in open(hs).read().splitlines())
    p("Page checksum speed (`tests/bench/page_hash_speed.cc`, g++ -O2, 256 MiB of random 4 KiB pages, one core, "
      "shared machine): BDB 5.3's `DB_CHKSUM` hash for unencrypted databases as `engine/copy/page_checksum.cc` computed it "
      f"before commit f5b713f (`h = h*33 + byte`, a byte at a time): **{v['serial_hash_mibs']} MiB/s**; the same function computed 8 bytes "
      f"a step (h·33⁸ + Σ byte·33ᵏ, identical results checked on every page; what the engine computes now): **{v['eightway_hash_mibs']} MiB/s**; "
      f"XXH3 (what the manifest uses): {v['xxh3_mibs']} MiB/s; memcpy: {v['memcpy_mibs']} MiB/s.")
    p("")

text = "\n".join(out) + "\n"
if os.path.exists(OUT):
    old = open(OUT).read()
    if ANALYSIS_MARKER in old:
        text += "\n" + old[old.index(ANALYSIS_MARKER):]
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    f.write(text)

# benchmarks.json: every figure as median, min and max over its repetitions.
summary = {}
groups = {}
for r in rows:
    groups.setdefault(f"{r['phase']}/{r['who']}/{r['cache']}", []).append(r)
for key, rs in sorted(groups.items()):
    for field, unit in (("wall", "s"), ("cpu", "s"), ("rss", "KiB"), ("bytes", "bytes")):
        v = [r[field] for r in rs]
        summary[f"{key}/{field}"] = {"unit": unit, "median": statistics.median(v), "min": min(v), "max": max(v),
                                     "n": len(v)}
for name, f in sorted(F.items()):
    if f["values"]:
        v = f["values"]
        summary[name] = {"unit": f["unit"], "median": statistics.median(v), "min": min(v), "max": max(v), "n": len(v),
                         "note": f["note"]}
with open(E["JSON_OUT"], "w") as jf:
    json.dump({"commit": E["COMMIT"], "produced": now, "figures": summary}, jf, indent=1, sort_keys=True)
    jf.write("\n")
