#!/usr/bin/env python3
# `tools/run verdicts`: the verdict table of real backup tools.
#
# Every tool of tools/verdicts/verdicts.toml backs up the live home of every
# workload there, as one generated scenario per (tool, workload) run by
# `bdbsim run`, N trials each, twice: with the trial sandboxes on tmpfs
# (bdbsim's default, /dev/shm) and on a disk file system. The directory-order
# fault (the listing shim) applies to external tools on both. Prints the
# table; a run of every tool also rewrites the generated block of
# docs/verdicts.md and reports/reference/verdicts.json.
#
# Exit: 0 the table was made (whatever it says); 2 bad usage or a bad
# catalogue (one line: "verdicts: error: <what>: <why>"); 4 a sandbox that is
# not what it must be, or a cell bdbsim did not report.
import argparse
import datetime
import os
import pathlib
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # tools/runner_support.py

import runner_support  # noqa: E402
import catalogue  # noqa: E402 (after the line above)
import cells  # noqa: E402
import render  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_CATALOGUE = ROOT / "tools" / "verdicts" / "verdicts.toml"
DOC = ROOT / "docs" / "verdicts.md"
REFERENCE_JSON = ROOT / "reports" / "reference" / "verdicts.json"
BUILD_DIR = pathlib.Path(os.environ.get("BUILD_DIR", ROOT / "build"))


_messages = runner_support.Messages("verdicts")
fail = _messages.fail
progress = _messages.progress


def parse_args(argv) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="tools/run verdicts", description="the verdict table of real backup tools on live homes")
    p.add_argument("--check", action="store_true",
                   help="only load the catalogue and write its scenarios (into --write-scenarios or a temporary directory)")
    p.add_argument("--write-scenarios", type=pathlib.Path, metavar="DIR",
                   help="where the generated scenarios go (default: SCRATCH/scenarios)")
    p.add_argument("--catalogue", type=pathlib.Path, default=DEFAULT_CATALOGUE, help="the tools and workloads")
    p.add_argument("--only", action="append", default=[], metavar="TOOL",
                   help="run only this tool (repeatable); docs and reference JSON are then left alone")
    p.add_argument("--trials", type=int, help="trials per cell (default: the catalogue's)")
    p.add_argument("--seed", type=int, help="bdbsim run seed (default: the catalogue's)")
    p.add_argument("--jobs", type=int, default=2, help="trials in parallel (default 2)")
    p.add_argument("--bin", type=pathlib.Path, default=BUILD_DIR / "bin", help="where bdbsim is (default: build/bin)")
    p.add_argument("--scratch", type=pathlib.Path, default=BUILD_DIR / "verdicts",
                   help="where the scenarios, reports and logs go (default: build/verdicts)")
    p.add_argument("--disk", type=pathlib.Path,
                   help="the disk sandbox root, on a file system other than tmpfs (default: SCRATCH/sandboxes)")
    args = p.parse_args(argv)
    if args.jobs < 1 or (args.trials is not None and not 1 <= args.trials <= catalogue.MAX_TRIALS):
        fail(f"bad usage: --jobs must be at least 1 and --trials from 1 to {catalogue.MAX_TRIALS}", 2)
    return args


def write_scenarios(cat: catalogue.Catalogue, trials: int, into: pathlib.Path) -> dict:
    """One scenario file per (tool, workload); returns (tool, workload) -> path."""
    into.mkdir(parents=True, exist_ok=True)
    paths = {}
    for t in cat.tools:
        for w in cat.workloads:
            path = into / f"{catalogue.scenario_name(t, w)}.toml"
            path.write_text(catalogue.scenario_text(t, w, trials, str(ROOT)))
            paths[(t.name, w.name)] = path
    return paths


def sandboxes(disk: pathlib.Path) -> list:
    tmpfs = pathlib.Path("/dev/shm")
    disk.mkdir(parents=True, exist_ok=True)
    found = [cells.Sandbox("tmpfs", tmpfs, cells.file_system_type(tmpfs)),
             cells.Sandbox("disk", disk, cells.file_system_type(disk))]
    if found[0].fs_type != "tmpfs":
        fail(f"/dev/shm: is {found[0].fs_type}, not tmpfs: bdbsim's default sandbox is not in memory here", 4)
    if found[1].fs_type == "tmpfs":
        fail(f"--disk {disk}: is on tmpfs; name a directory on a disk file system", 4)
    return found


def run_cells(cat, tools, paths, boxes, args, trials, seed) -> list:
    done = []
    total = len(tools) * len(cat.workloads) * len(boxes)
    for s in boxes:
        for w in cat.workloads:
            for t in tools:
                cell = cells.Cell(t.name, w.name, s.name, t.expect, not_run=cells.missing_program(t.needs))
                name = f"{s.name}/{catalogue.scenario_name(t, w)}"
                if not cell.not_run:
                    cells.run(cell, args.bin / "bdbsim", paths[(t.name, w.name)], s, trials, seed, args.jobs,
                              args.scratch / "reports" / name, args.scratch / "logs" / f"{name}.log")
                progress(f"[{len(done) + 1}/{total}] {t.name} × {w.name} on {s.name}: "
                         f"{render.outcome_text(cell)} ({cell.seconds:.0f} s)")
                done.append(cell)
    return done


def main(argv) -> int:
    args = parse_args(argv)
    try:
        cat = catalogue.load(args.catalogue)
    except catalogue.CatalogueError as e:
        fail(str(e), 2)
    trials = args.trials or cat.trials
    seed = args.seed if args.seed is not None else cat.seed
    if args.check:
        with tempfile.TemporaryDirectory(prefix="verdicts-check-") as scratch:
            into = args.write_scenarios or pathlib.Path(scratch)
            paths = write_scenarios(cat, trials, into)
            kept = f"written to {into}" if args.write_scenarios else "made (none kept: no --write-scenarios)"
            print(f"{len(cat.tools)} tools, {len(cat.workloads)} workloads: {len(paths)} scenarios {kept}")
        return 0
    tool_names = {t.name for t in cat.tools}
    for name in args.only:
        if name not in tool_names:
            fail(f"bad usage: --only {name}: no such tool in {args.catalogue.name}", 2)
    if not (args.bin / "bdbsim").is_file():
        fail(f"{args.bin / 'bdbsim'}: not built (tools/run verdicts builds it)", 4)
    tools = [t for t in cat.tools if not args.only or t.name in args.only]
    scenarios_dir = args.write_scenarios or args.scratch / "scenarios"
    paths = write_scenarios(cat, trials, scenarios_dir)
    boxes = sandboxes(args.disk or args.scratch / "sandboxes")
    progress(f"{len(paths)} scenarios in {scenarios_dir}; sandboxes: "
             + "; ".join(f"{s.name} = {s.root} ({s.fs_type})" for s in boxes))
    started_at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    started = time.monotonic()
    done = run_cells(cat, tools, paths, boxes, args, trials, seed)
    table = render.Table(seed, trials, args.jobs, started_at, time.monotonic() - started, boxes, tools,
                         list(cat.workloads), done, render.display_path(scenarios_dir), render.display_path(args.bin / "bdbsim"))
    sys.stdout.write(render.terminal(table))
    if args.only:
        (args.scratch / "verdicts.json").write_text(render.to_json(table))
        progress(f"--only: docs/verdicts.md and the reference JSON are left alone; this run's JSON: "
                 f"{args.scratch / 'verdicts.json'}")
    else:
        REFERENCE_JSON.write_text(render.to_json(table))
        DOC.write_text(render.replace_block(DOC.read_text(), render.markdown_block(table)))
        progress(f"wrote {render.display_path(DOC)} and {render.display_path(REFERENCE_JSON)}")
    errors = [c for c in done if c.not_run.startswith("bdbsim")]
    return 4 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
