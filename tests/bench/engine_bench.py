#!/usr/bin/env python3
"""The engine's restore, verify, live-application and growth figures, for
run_bench.sh (which builds the environments and calls this with its settings
in the environment). Every compared command runs alternately in the same
window (rep 1 of each, then rep 2 of each, ...). Writes WORK/engine.json:
{"figures": {name: {"unit", "values": [one per repetition], "note"}}, ...}.

What it measures:
  restore   A chain on the big environment: hot backup, 1,000 synchronous
            transactions, incremental. Then, alternately: `bdbackup restore`
            (its recovery_ms from --json), `cp -r` + `sync` of the files the
            restore copied, and `bdbackup verify`.
  live      A writer commits synchronously for the whole phase and keeps its
            commit count in a file; windows alternate: no backup, a hot backup
            running, a hot backup with --max-rate. Commit rate of each window.
  growth    For each size (SMALL_MB, SIZE_MB, GROWTH_MB): full hot backup of a
            fresh repository, 1,000 transactions, incremental; wall and max RSS.
"""
import json
import os
import shutil
import subprocess
import sys
import time

E = os.environ
BIN = E["BIN"]
WORK = E["WORK"]
BENCH_ENV = os.path.join(WORK, "bench_env")
REPS = int(E.get("REPS", "3"))
MAX_RATE = E.get("MAX_RATE_MIB", "50")
figures = {}


def log(msg):
    print(f"[engine_bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def add(name, value, unit, note=""):
    f = figures.setdefault(name, {"unit": unit, "values": [], "note": note})
    f["values"].append(value)


def timed(argv):
    """Runs argv: (wall s, user+sys s, max RSS MiB, stdout) of that one process and its waited-for children.
    The peak memory is GNU time's (%M): a child forked from this Python process would count Python's pages."""
    rss_file = os.path.join(WORK, "engine_bench.rss")
    t0 = time.monotonic()
    with open(os.path.join(WORK, "engine_bench.out"), "w+") as out, \
            open(os.path.join(WORK, "engine_bench.err"), "w+") as err:
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file, *argv], stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if p.returncode != 0:
            sys.exit(f"engine_bench: {' '.join(argv)} failed ({p.returncode}): {err.read().strip()}")
        with open(rss_file) as f:
            rss_kib = int(f.read().split()[-1])
        return wall, ru.ru_utime + ru.ru_stime, rss_kib / 1024.0, out.read()


def run(argv):
    return timed(argv)[3]


def env_files(home):
    out = [os.path.join(home, "DB_CONFIG")]
    out += sorted(os.path.join(home, f) for f in os.listdir(home) if f.endswith(".db"))
    logdir = os.path.join(home, "log")
    out += sorted(os.path.join(logdir, f) for f in os.listdir(logdir) if f.startswith("log."))
    return out


def warm(home):
    subprocess.run(["sync"], check=True)
    for f in env_files(home):
        with open(f, "rb") as fh:
            while fh.read(1 << 20):
                pass


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)


def txns(home, n=1000):
    run([BENCH_ENV, "txns", home, str(n)])


def restore_phase(big):
    repo = os.path.join(WORK, "repo-restore")
    fresh(repo)
    run([f"{BIN}/bdbackup", "backup", "--home", big, "--repo", repo, "--mode", "hot", "--json"])
    txns(big)
    run([f"{BIN}/bdbackup", "backup", "--home", big, "--repo", repo, "--mode", "incremental", "--json"])
    target = os.path.join(WORK, "restored")
    copy = os.path.join(WORK, "restored-cp")
    for rep in range(1, REPS + 1):
        fresh(target)
        subprocess.run(["sync"], check=True)
        wall, cpu, rss, out = timed([f"{BIN}/bdbackup", "restore", "--repo", repo, "--target", target, "--json"])
        doc = json.loads(out)
        add("restore_s", wall, "s", "bdbackup restore of a hot backup and a 1,000-transaction incremental")
        add("restore_recovery_s", doc["recovery_ms"] / 1000.0, "s", "of which catastrophic recovery")
        add("restore_cpu_s", cpu, "s", "CPU (user+sys) of the restore and its recovery helper")
        # cp + sync of the restored files (the environment less BDB's region files), warm as the restore's were
        files = env_files(target)
        fresh(copy)
        os.makedirs(os.path.join(copy, "log"))
        subprocess.run(["sync"], check=True)
        t0 = time.monotonic()
        subprocess.run(["cp", *[f for f in files if "/log/" not in f], copy], check=True)
        subprocess.run(["cp", *[f for f in files if "/log/" in f], os.path.join(copy, "log")], check=True)
        subprocess.run(["sync", copy, os.path.join(copy, "log"),
                        *[os.path.join(copy, os.path.relpath(f, target)) for f in files]], check=True)
        add("restore_cp_sync_s", time.monotonic() - t0, "s", "cp + sync of the restored files")
        add("restore_bytes", sum(os.path.getsize(f) for f in files), "bytes", "size of the restored files")
        fresh(copy)
        subprocess.run(["sync"], check=True)
        wall, cpu, rss, out = timed([f"{BIN}/bdbackup", "verify", "--repo", repo, "--json"])
        add("verify_s", wall, "s", "bdbackup verify of the same chain (checks, trial restore, DB->verify)")
        add("verify_cpu_s", cpu, "s", "CPU (user+sys) of the verify and its helpers")
        log(f"restore rep {rep}: restore {figures['restore_s']['values'][-1]:.2f} s "
            f"(recovery {figures['restore_recovery_s']['values'][-1]:.2f}), cp+sync "
            f"{figures['restore_cp_sync_s']['values'][-1]:.2f} s, verify {wall:.2f} s")
    fresh(target)
    full = sorted(d for d in os.listdir(os.path.join(repo, "backups")) if d.endswith("-hot"))[0]
    with open(os.path.join(repo, "backups", full, "manifest.json")) as f:
        m = json.load(f)
    present = sorted(n for n in os.listdir(os.path.join(big, "log")) if n.startswith("log."))
    info["restore_logs"] = (f"the full backup carries logs {m['first_log']}..{m['last_log']} "
                            f"(the environment holds {present[0]}..{present[-1]})")
    fresh(repo)


def live_phase(big):
    count_file = os.path.join(WORK, "writer.count")
    stop = os.path.join(WORK, "stop-live")
    if os.path.exists(stop):
        os.remove(stop)
    writer = subprocess.Popen([BENCH_ENV, "writer", big, stop, count_file], stdout=subprocess.PIPE, text=True)
    time.sleep(1.0)

    def count():
        with open(count_file) as f:
            return int(f.read(20) or 0)

    repo = os.path.join(WORK, "repo-live")
    for rep in range(1, REPS + 1):
        for kind in ("none", "hot", "hot_max_rate"):
            fresh(repo)
            c0, t0 = count(), time.monotonic()
            if kind == "none":
                time.sleep(last_window.get("hot", 1.0))
            else:
                argv = [f"{BIN}/bdbackup", "backup", "--home", big, "--repo", repo, "--mode", "hot"]
                if kind == "hot_max_rate":
                    argv += ["--max-rate", MAX_RATE]
                run(argv)
            t1, c1 = time.monotonic(), count()
            last_window[kind] = t1 - t0
            add(f"live_commits_per_s_{kind}", (c1 - c0) / (t1 - t0), "commits/s",
                {"none": "writer alone", "hot": "writer during a hot backup",
                 "hot_max_rate": f"writer during a hot backup with --max-rate {MAX_RATE}"}[kind])
            add(f"live_window_s_{kind}", t1 - t0, "s", "length of the window")
        log(f"live rep {rep}: " + ", ".join(f"{k} {figures['live_commits_per_s_' + k]['values'][-1]:.0f}/s"
                                           for k in ("none", "hot", "hot_max_rate")))
    open(stop, "w").close()
    writer.wait()
    fresh(repo)


def growth_phase(envs):
    for rep in range(1, REPS + 1):
        for label, home in envs:
            repo = os.path.join(WORK, f"repo-growth-{label}")
            fresh(repo)
            warm(home)
            wall, cpu, rss, out = timed([f"{BIN}/bdbackup", "backup", "--home", home, "--repo", repo, "--mode", "hot",
                                         "--json"])
            add(f"growth_full_s_{label}", wall, "s", f"full hot backup, {label} environment")
            add(f"growth_full_bytes_{label}", json.loads(out)["bytes"], "bytes", "bytes it copied")
            add(f"growth_full_rss_mib_{label}", rss, "MiB", "max RSS of that bdbackup")
            txns(home)
            warm(home)
            wall, cpu, rss, out = timed([f"{BIN}/bdbackup", "backup", "--home", home, "--repo", repo, "--mode",
                                         "incremental", "--json"])
            add(f"growth_incr_s_{label}", wall, "s", f"incremental after 1,000 transactions, {label} environment")
            add(f"growth_incr_rss_mib_{label}", rss, "MiB", "max RSS of that bdbackup")
            log(f"growth rep {rep} {label}: full {figures[f'growth_full_s_{label}']['values'][-1]:.2f} s, "
                f"incremental {wall:.3f} s")
            fresh(repo)


last_window = {}
info = {}


def main():
    big = E["BIG"]
    phases = E.get("ENGINE_PHASES", "restore live growth").split()
    if "restore" in phases:
        log("restore and verify")
        restore_phase(big)
    if "live" in phases:
        log("live application commit rate")
        live_phase(big)
    if "growth" in phases:
        envs = [("small", E["SMALL"]), ("big", big)]
        if E.get("HUGE"):
            envs.append(("huge", E["HUGE"]))
        log("growth: " + ", ".join(label for label, _ in envs))
        growth_phase(envs)
    with open(os.path.join(WORK, "engine.json"), "w") as f:
        json.dump({"figures": figures, "info": info}, f, indent=1)


if __name__ == "__main__":
    main()
