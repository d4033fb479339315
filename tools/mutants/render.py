# The kill matrix, as the terminal shows it, as docs/mutants.md's generated
# block and as JSON; and the score. Pure functions of the results.
import dataclasses
import json

from campaign import ERROR, KILLED, SURVIVED
from runner_support import replace_generated_block

DOC_BEGIN = "<!-- generated: mutants (tools/run mutants) -->"
DOC_END = "<!-- end generated: mutants -->"
DETAIL_CHARS = 220


@dataclasses.dataclass
class MutantResult:
    mutant: object  # catalogue.Mutant
    build_error: str  # "" when the mutant built
    build_seconds: float
    scenario_runs: list  # campaign.ScenarioRun, in the mutant's order
    unit_runs: list  # campaign.UnitTestRun

    def counted_kills(self, baseline: dict) -> list:
        """The runs that killed it in scenarios that met their expectation on the real engine."""
        return [r for r in self.scenario_runs if r.result == KILLED and _sound(baseline, r.scenario)]

    def verdict(self, baseline: dict) -> str:
        if self.build_error:
            return ERROR
        if self.counted_kills(baseline):
            return KILLED
        return ERROR if any(r.result == ERROR for r in self.scenario_runs) else SURVIVED


@dataclasses.dataclass
class Campaign:
    seed: int
    jobs: int
    started_at: str  # UTC, ISO 8601
    wall_seconds: float
    baseline: dict  # scenario -> campaign.ScenarioRun on the unchanged tree (empty when skipped)
    results: list  # MutantResult
    scenarios: list  # every scenario a mutant names, in column order

    def score(self) -> tuple:
        killed = sum(1 for r in self.results if r.verdict(self.baseline) == KILLED)
        return killed, len(self.results)

    def runner_errors(self) -> list:
        errors = [f"{r.mutant.name}: {r.build_error}" for r in self.results if r.build_error]
        for r in self.results:
            errors += [f"{r.mutant.name} × {s.scenario}: {s.detail}" for s in r.scenario_runs if s.result == ERROR]
            errors += [f"{r.mutant.name} × {u.label}: {u.detail}" for u in r.unit_runs if u.result == ERROR]
        errors += [f"real engine × {s}: {run.detail}" for s, run in self.baseline.items() if run.result == ERROR]
        return errors


def _sound(baseline: dict, scenario: str) -> bool:
    """True unless the scenario failed (or errored) on the real engine."""
    run = baseline.get(scenario)
    return run is None or run.result == SURVIVED


def short_name(scenario: str) -> str:
    return scenario.removeprefix("scenarios/").removesuffix(".toml")


def _cell(result, scenario: str, baseline: dict) -> str:
    for run in result.scenario_runs:
        if run.scenario == scenario:
            if run.result == KILLED:
                return "K" if _sound(baseline, scenario) else "k?"
            return "-" if run.result == SURVIVED else "!"
    return ""


def _units(result) -> str:
    if not result.unit_runs:
        return ""
    caught = sum(1 for u in result.unit_runs if u.result == KILLED)
    return f"{caught}/{len(result.unit_runs)}"


def _matrix_rows(c: Campaign) -> tuple:
    header = ["mutant"] + [f"S{i}" for i in range(1, len(c.scenarios) + 1)] + ["unit", "verdict"]
    rows = []
    if c.baseline:
        rows.append(["(real engine)"] + ["pass" if _sound(c.baseline, s) else "FAIL" for s in c.scenarios] + ["", ""])
    for r in c.results:
        rows.append([r.mutant.name] + [_cell(r, s, c.baseline) for s in c.scenarios] +
                    [_units(r), r.verdict(c.baseline).upper()])
    return header, rows


LEGEND = ("K: the scenario failed its expectation on the mutant (killed); -: it met it (survived); "
          "!: a runner error; k?: failed, but the scenario also fails on the real engine (not counted); "
          "blank: not a scenario of that mutant. unit: unit tests that caught it / named.")


def terminal(c: Campaign) -> str:
    header, rows = _matrix_rows(c)
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header] + rows]
    lines.append("")
    lines += [f"S{i}  {s}" for i, s in enumerate(c.scenarios, start=1)]
    lines.append(LEGEND)
    killed, total = c.score()
    lines.append(f"score: {killed} of {total} mutants killed by a scenario; run took {c.wall_seconds / 60:.1f} min")
    for error in c.runner_errors():
        lines.append(f"runner error: {error}")
    return "\n".join(lines) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _clip(text: str) -> str:
    return text if len(text) <= DETAIL_CHARS else text[: DETAIL_CHARS - 3] + "..."


def markdown_block(c: Campaign) -> str:
    killed, total = c.score()
    header, rows = _matrix_rows(c)
    out = [DOC_BEGIN, "",
           f"**Score: {killed} of {total} mutants killed** by at least one scenario "
           f"(seed {c.seed}, `--jobs {c.jobs}`, run {c.started_at}, {c.wall_seconds / 60:.0f} minutes on the "
           "2-core machine including the builds and the real-engine runs).", "",
           "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md_escape(cell) for cell in row) + " |" for row in rows]
    out += ["", LEGEND, "", "| column | scenario |", "|---|---|"]
    out += [f"| S{i} | `{s}` |" for i, s in enumerate(c.scenarios, start=1)]
    out += ["", "| mutant | file | what it breaks |", "|---|---|---|"]
    out += [f"| `{r.mutant.name}` | `{r.mutant.file}` | {_md_escape(r.mutant.description)} |" for r in c.results]
    out += ["", "What each run found (the first trial that failed, clipped):", "",
            "| mutant | scenario or unit test | trials | result | outcomes | first finding |", "|---|---|---|---|---|---|"]
    for r in c.results:
        if r.build_error:
            out.append(f"| `{r.mutant.name}` | (build) | | error | | {_md_escape(r.build_error)} |")
        for s in r.scenario_runs:
            out.append(f"| `{r.mutant.name}` | `{short_name(s.scenario)}` | {s.trials} | {s.result} | "
                       f"{s.outcome_text()} | {_md_escape(_clip(s.detail))} |")
        for u in r.unit_runs:
            out.append(f"| `{r.mutant.name}` | `{u.label}` | | {'caught' if u.result == KILLED else u.result} | | "
                       f"{_md_escape(_clip(u.detail))} |")
    errors = c.runner_errors()
    if errors:
        out += ["", "Runner errors:", ""] + [f"- {_md_escape(e)}" for e in errors]
    out += ["", DOC_END]
    return "\n".join(out)


def replace_block(document: str, block: str) -> str:
    """document with its generated block replaced by block."""
    return replace_generated_block(document, DOC_BEGIN, DOC_END, block)

def _run_json(run) -> dict:
    return {"scenario": run.scenario, "result": run.result, "trials": run.trials, "outcomes": run.outcomes,
            "detail": run.detail, "seconds": round(run.seconds, 1)}


def to_json(c: Campaign) -> str:
    killed, total = c.score()
    doc = {
        "format_version": 1,
        "seed": c.seed,
        "jobs": c.jobs,
        "started_at": c.started_at,
        "wall_seconds": round(c.wall_seconds, 1),
        "score": {"killed": killed, "mutants": total},
        "baseline": [_run_json(run) for run in c.baseline.values()],
        "mutants": [{
            "name": r.mutant.name,
            "description": r.mutant.description,
            "file": r.mutant.file,
            "trials": r.mutant.trials,
            "verdict": r.verdict(c.baseline),
            "build_seconds": round(r.build_seconds, 1),
            "build_error": r.build_error,
            "scenarios": [_run_json(s) for s in r.scenario_runs],
            "unit_tests": [{"test": u.label, "result": u.result, "detail": u.detail, "seconds": round(u.seconds, 1)}
                           for u in r.unit_runs],
        } for r in c.results],
        "runner_errors": c.runner_errors(),
    }
    return json.dumps(doc, indent=2) + "\n"
