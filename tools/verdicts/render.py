# The verdict table, as the terminal shows it, as docs/verdicts.md's
# generated block and as JSON. Pure functions of the cells.
import dataclasses
import json
import pathlib

from cells import FAILURES, OUTCOMES
from runner_support import replace_generated_block

DOC_BEGIN = "<!-- generated: verdicts (tools/run verdicts) -->"
DOC_END = "<!-- end generated: verdicts -->"
ROOT = pathlib.Path(__file__).resolve().parents[2]


@dataclasses.dataclass
class Table:
    seed: int
    trials: int
    jobs: int
    started_at: str  # UTC, ISO 8601
    wall_seconds: float
    sandboxes: list  # cells.Sandbox, tmpfs first
    tools: list  # catalogue.Tool, in catalogue order
    workloads: list  # catalogue.Workload
    cells: list  # cells.Cell
    scenarios_dir: str  # where the generated scenarios are, as the replay lines name it
    bdbsim: str  # the bdbsim the replay lines run

    def cell(self, tool: str, workload: str, sandbox: str):
        for c in self.cells:
            if (c.tool, c.workload, c.sandbox) == (tool, workload, sandbox):
                return c
        return None

    def _pairs(self) -> list:
        """(tool, workload, cells that ran on every sandbox) for pairs run on more than one sandbox."""
        pairs = []
        for t in self.tools:
            for w in self.workloads:
                ran = [c for s in self.sandboxes if (c := self.cell(t.name, w.name, s.name)) and not c.not_run]
                if len(ran) == len(self.sandboxes) > 1:
                    pairs.append((t.name, w.name, ran))
        return pairs

    def disagreements(self) -> list:
        """(tool, workload) pairs whose catch rates' 95% intervals are disjoint between sandboxes."""
        return [(t, w) for t, w, ran in self._pairs()
                if max(c.catch_rate_ci95[0] for c in ran) > min(c.catch_rate_ci95[1] for c in ran)]

    def differences(self) -> list:
        """(tool, workload) pairs with failures on one sandbox and none on another, intervals overlapping."""
        disagree = set(self.disagreements())
        return [(t, w) for t, w, ran in self._pairs()
                if len({c.failures() > 0 for c in ran}) > 1 and (t, w) not in disagree]


def outcome_text(cell) -> str:
    if cell.not_run:
        return f"not run: {cell.not_run}"
    parts = []
    for name in OUTCOMES:
        n = cell.counts.get(name, 0)
        if n:
            text = f"{n} {name}"
            if name == "DETECTED" and cell.counts.get("unexplained"):
                text += f" ({cell.counts['unexplained']} unexplained)"
            parts.append(text)
    return ", ".join(parts)


def rate_text(cell) -> str:
    if cell.not_run:
        return "–"
    low, high = cell.catch_rate_ci95
    return f"{100 * cell.catch_rate:.0f}% [{100 * low:.0f}–{100 * high:.0f}%]"


def failed_text(cell) -> str:
    return "–" if cell.not_run else f"{cell.failures()}/{cell.trials}"


def replay_line(table: Table, cell, sandbox) -> str:
    token = cell.first_failure.get("replay", "").removeprefix("bdbsim replay ").strip()
    if not token:
        return ""
    root = display_path(sandbox.root)
    env = "" if sandbox.name == "tmpfs" else f"BDBSIM_SANDBOX={'$PWD/' if root != str(sandbox.root) else ''}{root} "
    return f"{env}{table.bdbsim} replay {token} --scenarios {table.scenarios_dir}"


def display_path(path) -> str:
    """A path under the repository as relative to it (the doc must not name this machine's checkout)."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _sandbox_text(s) -> str:
    return f"{s.name} ({s.fs_type} at {display_path(s.root)})"


def terminal(table: Table) -> str:
    lines = [f"{'tool':<14} {'workload':<12} {'sandbox':<6} {'failed':>7}  {'catch rate [95%]':<18} outcomes"]
    for c in table.cells:
        lines.append(f"{c.tool:<14} {c.workload:<12} {c.sandbox:<6} {failed_text(c):>7}  {rate_text(c):<18} "
                     f"{outcome_text(c)}")
    for tool, workload in table.disagreements():
        lines.append(f"DISAGREE: {tool} × {workload}: the sandboxes' catch-rate intervals are disjoint")
    for tool, workload in table.differences():
        lines.append(f"differ: {tool} × {workload}: failures on one sandbox only, within the intervals")
    lines.append(f"{len(table.cells)} cells, {table.trials} trials each, seed {table.seed}, "
                 f"{table.wall_seconds:.0f} s")
    return "\n".join(lines) + "\n"


def _summary(table: Table) -> list:
    names = " | ".join(w.label for w in table.workloads)
    lines = [f"| Tool | Expected | {names} |", "|---|---|" + "---|" * len(table.workloads)]
    disagree = set(table.disagreements())
    for t in table.tools:
        row = []
        for w in table.workloads:
            parts = [f"{s.name} {failed_text(c)}" for s in table.sandboxes if (c := table.cell(t.name, w.name, s.name))]
            mark = " **(disagree)**" if (t.name, w.name) in disagree else ""
            row.append(" · ".join(parts) + mark)
        lines.append(f"| {t.label} | {t.expect} | " + " | ".join(row) + " |")
    return lines


def _details(table: Table, workload) -> list:
    lines = [f"#### {workload.label}", "",
             "| Tool | Sandbox | Failed | Outcomes | Catch rate [95% CI] | Listing order | First failing trial |",
             "|---|---|---|---|---|---|---|"]
    replays = []
    for t in table.tools:
        for s in table.sandboxes:
            c = table.cell(t.name, workload.name, s.name)
            if c is None:
                continue
            orders = ", ".join(f"{n} {o}" for o, n in sorted(c.listing_orders.items()) if o != "engine") or "–"
            first = "–"
            if c.first_failure:
                f = c.first_failure
                first = f"trial {f['index']}, {f['outcome']}: {f['detail']}".replace("|", "\\|")
                replays.append(f"{t.label}, {s.name}: `{replay_line(table, c, s)}`")
            lines.append(f"| {t.label} | {s.name} | {failed_text(c)} | {outcome_text(c)} | {rate_text(c)} | "
                         f"{orders} | {first} |")
    lines += ["", "First failing trials, to replay:", ""] + [f"- {r}" for r in replays] if replays else []
    return lines + [""]


def markdown_block(table: Table) -> str:
    sandboxes = "; ".join(_sandbox_text(s) for s in table.sandboxes)
    lines = [DOC_BEGIN,
             f"Run {table.started_at}: seed {table.seed}, {table.trials} trials per cell, {table.jobs} jobs, "
             f"{table.wall_seconds / 60:.0f} min on this machine. Sandboxes: {sandboxes}.", "",
             "Failed trials (restored copy not whole: " + ", ".join(FAILURES) + ") per sandbox:", ""]
    lines += _summary(table) + [""]
    disagree, differ = table.disagreements(), table.differences()
    pairs = lambda ps: ", ".join(f"{t} × {w}" for t, w in ps)  # noqa: E731
    lines.append(f"Disagree (catch-rate 95% intervals disjoint between tmpfs and disk): {pairs(disagree) or 'none'}. "
                 f"Failures on one sandbox only, within the intervals: {pairs(differ) or 'none'}.")
    lines.append("")
    for w in table.workloads:
        lines += _details(table, w)
    lines.append(DOC_END)
    return "\n".join(lines) + "\n"


def replace_block(document: str, block: str) -> str:
    """document with its generated block replaced by block."""
    return replace_generated_block(document, DOC_BEGIN, DOC_END, block)

def to_json(table: Table) -> str:
    doc = {
        "seed": table.seed, "trials": table.trials, "jobs": table.jobs, "started_at": table.started_at,
        "wall_seconds": round(table.wall_seconds, 1),
        "sandboxes": [{"name": s.name, "root": display_path(s.root), "fs_type": s.fs_type} for s in table.sandboxes],
        "tools": [{"name": t.name, "label": t.label, "expect": t.expect} for t in table.tools],
        "workloads": [{"name": w.name, "label": w.label} for w in table.workloads],
        "cells": [dict(dataclasses.asdict(c), failures=c.failures(), catch_rate_ci95=list(c.catch_rate_ci95),
                       seconds=round(c.seconds, 1)) for c in table.cells],
        "disagreements": [{"tool": t, "workload": w} for t, w in table.disagreements()],
    }
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"
