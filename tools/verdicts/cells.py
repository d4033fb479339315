# One cell of the verdict table: a generated scenario run by `bdbsim run`
# with its trial sandboxes on one file system, and what its report.json says
# happened, whatever the scenario expected.
#
# A trial counts as a failure of the tool when the restored copy did not come
# back whole: DETECTED (recovery, verify or the oracle refused it), LOSS
# (acknowledged commits missing), CLEAN_FAILURE (the tool itself failed),
# HANG or HARNESS_ERROR. The catch rate and its Wilson 95% interval are
# bdbsim's own (report.json's catch_rate and catch_rate_ci95: explained
# DETECTED and LOSS trials).
import dataclasses
import json
import os
import pathlib
import re
import shutil
import subprocess
import time

RUN_TIMEOUT_S = 3600
OUTCOMES = ("PASS", "NOT_EXERCISED", "CLEAN_FAILURE", "DETECTED", "LOSS", "HANG", "HARNESS_ERROR")
FAILURES = ("CLEAN_FAILURE", "DETECTED", "LOSS", "HANG", "HARNESS_ERROR")
DETAIL_CHARS = 240
# A trial sandbox's path in a detail ("/dev/shm/bdbsim-<scenario>-<trial>-<seed>-<suffix>/"): machine-specific.
SANDBOX_PATH = re.compile(r"/[^ ']*/bdbsim-[A-Za-z0-9_.-]+/")


@dataclasses.dataclass
class Sandbox:
    name: str  # "tmpfs" (bdbsim's default) or "disk"
    root: pathlib.Path
    fs_type: str  # as `stat -f -c %T` names it


@dataclasses.dataclass
class Cell:
    tool: str
    workload: str
    sandbox: str
    expect: str
    not_run: str = ""  # why the cell was not run; "" when it ran
    trials: int = 0
    counts: dict = dataclasses.field(default_factory=dict)  # outcome -> trials; "unexplained" among DETECTED
    catch_rate: float = 0.0
    catch_rate_ci95: tuple = (0.0, 1.0)
    expectation_met: bool = False
    listing_orders: dict = dataclasses.field(default_factory=dict)  # listing_order -> trials
    first_failure: dict = dataclasses.field(default_factory=dict)  # index, outcome, detail, replay
    seconds: float = 0.0

    def failures(self) -> int:
        return sum(self.counts.get(o, 0) for o in FAILURES)


def file_system_type(path: pathlib.Path) -> str:
    """The mount's type (findmnt: "ext4"), else what `stat -f` names its magic ("ext2/ext3" for ext4 too)."""
    for args in (["findmnt", "-n", "-o", "FSTYPE", "--target", str(path)], ["stat", "-f", "-c", "%T", str(path)]):
        try:
            done = subprocess.run(args, capture_output=True, text=True)
        except OSError:
            continue
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip().splitlines()[0]
    return "unknown"


def _first_failure(trials: list) -> dict:
    for t in sorted(trials, key=lambda t: t.get("index", 0)):
        if t.get("outcome") in FAILURES:
            detail = SANDBOX_PATH.sub("SANDBOX/", " ".join(str(t.get("detail", "")).split()))
            if len(detail) > DETAIL_CHARS:
                detail = detail[:DETAIL_CHARS - 1] + "…"
            return {"index": t.get("index", 0), "outcome": t["outcome"], "detail": detail,
                    "replay": t.get("replay", "")}
    return {}


def summarize(cell: Cell, report: pathlib.Path) -> None:
    """Fills the cell from the run's report.json (one scenario)."""
    scenario = json.loads(report.read_text())["scenarios"][0]
    counts = scenario["counts"]
    cell.trials = counts.get("trials", 0)
    cell.counts = {o: counts.get(o, 0) for o in OUTCOMES if counts.get(o, 0)}
    if counts.get("unexplained_detected"):
        cell.counts["unexplained"] = counts["unexplained_detected"]
    cell.catch_rate = scenario["catch_rate"]
    cell.catch_rate_ci95 = tuple(scenario["catch_rate_ci95"])
    cell.expectation_met = scenario["verdict"] == "PASS"
    trials = scenario.get("trials", [])
    for t in trials:
        order = t.get("listing_order") or "engine"  # the engine's listings are ordered in its FileIO
        cell.listing_orders[order] = cell.listing_orders.get(order, 0) + 1
    cell.first_failure = _first_failure(trials)


def missing_program(needs) -> str:
    for program in needs:
        if shutil.which(program) is None:
            return f"{program} is not installed"
    return ""


def run(cell: Cell, bdbsim: pathlib.Path, scenario: pathlib.Path, sandbox: Sandbox, trials: int, seed: int,
        jobs: int, report_dir: pathlib.Path, log: pathlib.Path) -> None:
    """Runs the cell's scenario and fills the cell (not_run says why when bdbsim did not report)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    args = [str(bdbsim), "run", str(scenario), "--trials", str(trials), "--seed", str(seed), "--jobs", str(jobs),
            "--keep-sandboxes", "0", "--report", str(report_dir)]
    env = dict(os.environ, BDBSIM_SANDBOX=str(sandbox.root))
    started = time.monotonic()
    try:
        with open(log, "w") as out:
            done = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, env=env, timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        cell.not_run = f"bdbsim run did not end within {RUN_TIMEOUT_S} s"
        return
    finally:
        cell.seconds = time.monotonic() - started
    report = report_dir / "report.json"
    if done.returncode not in (0, 1) or not report.is_file():
        last = (log.read_text().strip().splitlines() or [""])[-1]
        cell.not_run = f"bdbsim run exited {done.returncode}: {last}"
        return
    summarize(cell, report)
