# Runs scenarios and unit tests against one build of the scratch tree and
# says, for each, whether it caught what that build holds.
#
# A scenario catches a mutant when `bdbsim run` exits 1: the scenario's
# expectation is not met. Exit 0 is a survival; any other exit (bad input,
# I/O failure, a killed bdbsim) is a runner error, never a kill. A unit test
# catches it when its binary exits non-zero.
import dataclasses
import json
import pathlib
import shutil
import subprocess
import time

KILLED, SURVIVED, ERROR = "killed", "survived", "error"
SCENARIO_TIMEOUT_S = 3600
UNIT_TEST_TIMEOUT_S = 900
# The outcomes of report.json's counts, worst first, as the matrix shows them.
OUTCOMES = ("LOSS", "HANG", "HARNESS_ERROR", "DETECTED", "CLEAN_FAILURE", "NOT_EXERCISED", "PASS")


@dataclasses.dataclass
class ScenarioRun:
    scenario: str  # path relative to the repository root
    result: str  # KILLED, SURVIVED or ERROR
    trials: int
    outcomes: dict  # outcome -> trials, only those that occurred; "unexplained" among DETECTED
    detail: str  # what the first trial that failed found, or the error
    seconds: float

    def outcome_text(self) -> str:
        parts = []
        for name in OUTCOMES:
            n = self.outcomes.get(name, 0)
            if not n:
                continue
            text = f"{n} {name}"
            if name == "DETECTED" and self.outcomes.get("unexplained"):
                text += f" ({self.outcomes['unexplained']} unexplained)"
            parts.append(text)
        return ", ".join(parts)


@dataclasses.dataclass
class UnitTestRun:
    label: str  # "binary filter"
    result: str  # KILLED, SURVIVED or ERROR
    detail: str  # the failed tests' names, or the error
    seconds: float


def _remove_kept_sandboxes(doc: dict) -> None:
    """bdbsim keeps the sandbox of every trial that broke its expectation (in
    /dev/shm, by default): on a mutant that is most of them. The report and
    its replay tokens are enough; the sandboxes go."""
    for scenario in doc["scenarios"]:
        for trial in scenario.get("trials", []):
            sandbox = pathlib.Path(trial.get("sandbox") or "/nonexistent")
            if sandbox.name.startswith("bdbsim-") and sandbox.is_dir():
                shutil.rmtree(sandbox, ignore_errors=True)


def _summarize(report: pathlib.Path) -> tuple:
    """(trials, outcomes, first failing detail) from a run's report.json."""
    doc = json.loads(report.read_text())
    _remove_kept_sandboxes(doc)
    scenario = doc["scenarios"][0]
    counts = scenario["counts"]
    outcomes = {name: counts.get(name, 0) for name in OUTCOMES if counts.get(name, 0)}
    if counts.get("unexplained_detected"):
        outcomes["unexplained"] = counts["unexplained_detected"]
    detail = ""
    for trial in scenario.get("trials", []):
        if trial.get("outcome") != "PASS":
            detail = f"{trial.get('outcome')}: {trial.get('detail', '')}"
            break
    return counts.get("trials", 0), outcomes, " ".join(detail.split())


def run_scenario(bdbsim: pathlib.Path, src: pathlib.Path, scenario: str, trials: int, seed: int, jobs: int,
                 report_dir: pathlib.Path, log: pathlib.Path) -> ScenarioRun:
    """`bdbsim run` of src/scenario with this build's binaries, in src."""
    report_dir.mkdir(parents=True, exist_ok=True)
    args = [str(bdbsim), "run", scenario, "--trials", str(trials), "--seed", str(seed), "--jobs", str(jobs),
            "--report", str(report_dir)]
    started = time.monotonic()
    try:
        with open(log, "w") as out:
            done = subprocess.run(args, cwd=src, stdout=out, stderr=subprocess.STDOUT, timeout=SCENARIO_TIMEOUT_S)
        code = done.returncode
    except subprocess.TimeoutExpired:
        return ScenarioRun(scenario, ERROR, 0, {}, f"bdbsim run did not end within {SCENARIO_TIMEOUT_S} s; see {log}",
                           time.monotonic() - started)
    seconds = time.monotonic() - started
    report = report_dir / "report.json"
    if code not in (0, 1) or not report.is_file():
        last = log.read_text().strip().splitlines()[-1:] or [""]
        return ScenarioRun(scenario, ERROR, 0, {}, f"bdbsim run exited {code}: {last[0]} (log: {log})", seconds)
    ran, outcomes, detail = _summarize(report)
    return ScenarioRun(scenario, KILLED if code == 1 else SURVIVED, ran, outcomes, detail, seconds)


def run_unit_test(binary: pathlib.Path, gtest_filter: str, label: str, log: pathlib.Path) -> UnitTestRun:
    """The binary's tests that match the filter; caught when any fails."""
    started = time.monotonic()
    try:
        with open(log, "w") as out:
            done = subprocess.run([str(binary), f"--gtest_filter={gtest_filter}"], stdout=out,
                                  stderr=subprocess.STDOUT, timeout=UNIT_TEST_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return UnitTestRun(label, ERROR, f"did not end within {UNIT_TEST_TIMEOUT_S} s; see {log}",
                           time.monotonic() - started)
    seconds = time.monotonic() - started
    text = log.read_text()
    if "0 tests, listed below" in text or "[==========] 0 tests" in text or "Running 0 tests" in text:
        return UnitTestRun(label, ERROR, "the filter matches no test", seconds)
    if done.returncode == 0:
        return UnitTestRun(label, SURVIVED, "", seconds)
    failed = [line.split("]", 1)[1].strip().split(" ")[0] for line in text.splitlines()
              if line.startswith("[  FAILED  ]") and "," not in line and "listed below" not in line]
    detail = ", ".join(dict.fromkeys(failed)) or f"exit {done.returncode}"
    return UnitTestRun(label, KILLED, detail, seconds)
