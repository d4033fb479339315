#!/usr/bin/env python3
# `tools/run mutants`: proves the simulator's power on mutants of the engine.
#
# Each mutant of tools/mutants/mutants.toml (one small, plausible bug as an
# exact text edit of one source file) is applied to a scratch copy of the
# tree, which is rebuilt incrementally; then every scenario the mutant names
# runs with `bdbsim run` on that build, and the unit tests it names run too.
# The scenarios first run on the unchanged tree (the real engine) at the same
# seed: a kill counts only in a scenario that meets its expectation there.
# Prints the kill matrix; a full run (no --only) also rewrites the generated
# block of docs/mutants.md and reports/reference/mutants.json.
#
# Exit: 0 every mutant killed; 1 some survived; 2 bad usage or a bad
# catalogue (one line: "mutants: error: <what>: <why>"); 4 a runner error (a
# mutant that does not build, a bdbsim run that did not report).
import argparse
import datetime
import os
import pathlib
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree (the scratch copy would take it along)
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # tools/runner_support.py

import campaign  # noqa: E402 (after the line above)
import runner_support  # noqa: E402
import catalogue  # noqa: E402
import render  # noqa: E402
from scratch_tree import SIMULATOR_TARGETS, BuildError, ScratchTree  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_CATALOGUE = ROOT / "tools" / "mutants" / "mutants.toml"
DOC = ROOT / "docs" / "mutants.md"
REFERENCE_JSON = ROOT / "reports" / "reference" / "mutants.json"


_messages = runner_support.Messages("mutants")
fail = _messages.fail
progress = _messages.progress


def parse_args(argv) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="tools/run mutants", description=__doc__)
    p.add_argument("--check", action="store_true",
                   help="only check the catalogue against the tree (each find once, each scenario there)")
    p.add_argument("--catalogue", type=pathlib.Path, default=DEFAULT_CATALOGUE, help="the mutant catalogue")
    p.add_argument("--only", action="append", default=[], metavar="NAME",
                   help="run only this mutant (repeatable); docs and reference JSON are then left alone")
    p.add_argument("--scratch", type=pathlib.Path,
                   default=pathlib.Path(os.environ.get("TMPDIR", "/tmp")) / "bdbackup-mutants",
                   help="where the scratch tree, its build and the run reports go")
    p.add_argument("--jobs", type=int, default=2, help="build jobs and trials in parallel (default 2)")
    p.add_argument("--seed", type=int, help="bdbsim run seed (default: the catalogue's)")
    p.add_argument("--trials", type=int, help="trials per scenario for every mutant (default: each mutant's)")
    p.add_argument("--no-baseline", action="store_true", help="skip the real-engine runs of the scenarios")
    args = p.parse_args(argv)
    if args.jobs < 1 or (args.trials is not None and not 1 <= args.trials <= catalogue.MAX_TRIALS):
        fail("bad usage: --jobs must be at least 1 and --trials from 1 to 100", 2)
    return args


def unit_binaries(mutants) -> list:
    return sorted({u.binary for m in mutants for u in m.unit_tests})


def run_units(tree: ScratchTree, unit_tests, log_dir: pathlib.Path) -> list:
    runs = []
    for u in unit_tests:
        log = log_dir / f"{u.binary}.log"
        runs.append(campaign.run_unit_test(tree.bin(u.binary), u.filter, u.label(), log))
    return runs


def run_baseline(tree: ScratchTree, mutants, seed: int, jobs: int, trials_override) -> dict:
    """Every named scenario on the unchanged tree, at the most trials a mutant runs it with."""
    trials = {}
    for m in mutants:
        for s in m.scenarios:
            trials[s] = max(trials.get(s, 0), trials_override or m.trials)
    log_dir = tree.logs / "real-engine"
    log_dir.mkdir(parents=True, exist_ok=True)
    baseline = {}
    for s, n in trials.items():
        name = render.short_name(s)
        run = campaign.run_scenario(tree.bin("bdbsim"), tree.src, s, n, seed, jobs, tree.reports / "real-engine" / name,
                                    log_dir / f"{name}.log")
        progress(f"real engine × {name}: {'meets its expectation' if run.result == campaign.SURVIVED else run.result}"
                 f" ({run.outcome_text() or run.detail}) {run.seconds:.0f} s")
        baseline[s] = run
    units = run_units(tree, sorted({u for m in mutants for u in m.unit_tests}, key=lambda u: u.label()), log_dir)
    for u in units:
        if u.result != campaign.SURVIVED:
            fail(f"unit test {u.label} fails on the unchanged tree ({u.detail}); fix it before running mutants", 4)
    return baseline


def run_mutant(tree: ScratchTree, m, index: int, total: int, seed: int, jobs: int, trials_override):
    tag = f"[{index}/{total}] {m.name}"
    log_dir = tree.logs / m.name
    log_dir.mkdir(parents=True, exist_ok=True)
    catalogue.check_against(m, tree.src)
    started = time.monotonic()
    with tree.patched(m.file, m.apply):
        try:
            tree.build(list(SIMULATOR_TARGETS) + unit_binaries([m]), f"build-{m.name}.log", jobs)
        except BuildError as e:
            progress(f"{tag}: runner error: {e}")
            return render.MutantResult(m, str(e), time.monotonic() - started, [], [])
        build_seconds = time.monotonic() - started
        progress(f"{tag}: built in {build_seconds:.0f} s")
        runs = []
        for s in m.scenarios:
            name = render.short_name(s)
            run = campaign.run_scenario(tree.bin("bdbsim"), tree.src, s, trials_override or m.trials, seed, jobs,
                                        tree.reports / m.name / name, log_dir / f"{name}.log")
            progress(f"{tag} × {name}: {run.result} ({run.outcome_text() or run.detail}) {run.seconds:.0f} s")
            runs.append(run)
        units = run_units(tree, m.unit_tests, log_dir)
        for u in units:
            progress(f"{tag} × {u.label}: {'caught' if u.result == campaign.KILLED else u.result}")
    return render.MutantResult(m, "", build_seconds, runs, units)


def write_outputs(result: render.Campaign, full: bool, tree: ScratchTree) -> None:
    text = render.to_json(result)
    if not full:
        (tree.reports / "mutants.json").write_text(text)
        progress(f"--only: docs/mutants.md and the reference JSON are left alone; this run's JSON: "
                 f"{tree.reports / 'mutants.json'}")
        return
    REFERENCE_JSON.write_text(text)
    DOC.write_text(render.replace_block(DOC.read_text(), render.markdown_block(result)))
    progress(f"wrote {DOC.relative_to(ROOT)} and {REFERENCE_JSON.relative_to(ROOT)}")


def main(argv) -> int:
    args = parse_args(argv)
    try:
        cat = catalogue.load(args.catalogue, ROOT)
    except catalogue.CatalogueError as e:
        fail(str(e), 2)
    if args.check:
        print(f"{len(cat.mutants)} mutants, {len(cat.scenarios())} scenarios: the catalogue matches the tree")
        return 0
    names = {m.name for m in cat.mutants}
    for name in args.only:
        if name not in names:
            fail(f"bad usage: --only {name}: no such mutant in {args.catalogue.name}", 2)
    mutants = [m for m in cat.mutants if not args.only or m.name in args.only]
    seed = args.seed if args.seed is not None else cat.seed
    started_at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    started = time.monotonic()
    tree = ScratchTree(ROOT, args.scratch)
    progress(f"scratch tree {tree.src}: {tree.sync()} files copied")
    try:
        tree.configure()
        tree.build(list(SIMULATOR_TARGETS) + unit_binaries(mutants), "build-real-engine.log", args.jobs)
    except BuildError as e:
        fail(f"the unchanged tree: {e}", 4)
    baseline = {} if args.no_baseline else run_baseline(tree, mutants, seed, args.jobs, args.trials)
    try:
        results = [run_mutant(tree, m, i, len(mutants), seed, args.jobs, args.trials)
                   for i, m in enumerate(mutants, start=1)]
    except catalogue.CatalogueError as e:  # the scratch copy no longer matches the working tree
        fail(f"scratch tree {tree.src}: {e}", 4)
    scenarios = [s for s in cat.scenarios() if any(s in m.scenarios for m in mutants)]
    result = render.Campaign(seed, args.jobs, started_at, time.monotonic() - started, baseline, results, scenarios)
    sys.stdout.write(render.terminal(result))
    write_outputs(result, full=not args.only and args.trials is None and args.seed is None, tree=tree)
    if result.runner_errors():
        return 4
    killed, total = result.score()
    return 0 if killed == total else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
