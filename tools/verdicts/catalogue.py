# The verdict table's catalogue (tools/verdicts/verdicts.toml): loading,
# checking, and the scenario each (tool, workload) pair becomes.
#
# Everything here is pure: it reads text and raises CatalogueError with one
# line naming what is wrong. The generated scenarios are TOML written from
# the catalogue's values (strings and arrays as JSON literals, which TOML
# reads the same); bdbsim's own loader judges them.
import dataclasses
import json
import re
import tomllib

from runner_support import CatalogueError, require

NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_TRIALS = 100
EXPECTS = ("pass", "caught")
METHODS = ("command", "engine")


@dataclasses.dataclass(frozen=True)
class Tool:
    name: str
    label: str
    expect: str  # "pass" or "caught": the scenario's expectation, not the table's verdict
    needs: tuple  # programs it runs
    backup: dict  # the scenario's [backup] table, without start_after_txns


@dataclasses.dataclass(frozen=True)
class Workload:
    name: str
    label: str
    start_after_txns: int
    settings: dict  # the scenario's [workload] table


@dataclasses.dataclass(frozen=True)
class Catalogue:
    seed: int
    trials: int
    tools: tuple  # Tool, in file order
    workloads: tuple  # Workload, in file order


def scenario_name(tool: Tool, workload: Workload) -> str:
    return f"verdict-{tool.name}-{workload.name}"


def _check_keys(table: dict, known: set, where: str) -> None:
    for key in table:
        if key not in known:
            raise CatalogueError(f"{where}: key '{key}' is not a known key")


def _name(table: dict, kind: str, index: int) -> str:
    name = require(table, "name", str, f"{kind} {index}")
    if not NAME_PATTERN.match(name):
        raise CatalogueError(f"{kind} {index}: name '{name}' must be lower-case words joined by '-'")
    return name


def _backup(table: dict, where: str) -> dict:
    backup = require(table, "backup", dict, where)
    method = require(backup, "method", str, f"{where}: backup")
    if method not in METHODS:
        raise CatalogueError(f"{where}: backup method '{method}' must be one of {', '.join(METHODS)}")
    if "start_after_txns" in backup:
        raise CatalogueError(f"{where}: backup must not set start_after_txns (the workload does)")
    if method == "command":
        command = backup.get("command")
        if not isinstance(command, list) or not command or not all(isinstance(c, str) for c in command):
            raise CatalogueError(f"{where}: backup command must be a non-empty list of strings")
        for slot in ("{home}", "{dest}"):
            if not any(slot in c for c in command):
                raise CatalogueError(f"{where}: backup command never names {slot}")
    return backup


def _tool(table: dict, index: int) -> Tool:
    name = _name(table, "tool", index)
    where = f"tool '{name}'"
    _check_keys(table, {"name", "label", "expect", "needs", "backup"}, where)
    expect = require(table, "expect", str, where)
    if expect not in EXPECTS:
        raise CatalogueError(f"{where}: expect '{expect}' must be one of {', '.join(EXPECTS)}")
    needs = require(table, "needs", list, where)
    if not all(isinstance(n, str) and n for n in needs):
        raise CatalogueError(f"{where}: key 'needs' must be a list of program names")
    return Tool(name, require(table, "label", str, where), expect, tuple(needs), _backup(table, where))


def _workload(table: dict, index: int) -> Workload:
    name = _name(table, "workload", index)
    where = f"workload '{name}'"
    _check_keys(table, {"name", "label", "start_after_txns", "settings"}, where)
    start = require(table, "start_after_txns", int, where)
    settings = require(table, "settings", dict, where)
    txns = require(settings, "txns", int, f"{where}: settings")
    if not 0 < start < txns:
        raise CatalogueError(f"{where}: start_after_txns must be from 1 to its txns - 1, got {start}")
    return Workload(name, require(table, "label", str, where), start, settings)


def _unique(items, kind: str, source: str) -> None:
    names = [i.name for i in items]
    for name in names:
        if names.count(name) > 1:
            raise CatalogueError(f"{source}: {kind} '{name}' is listed twice")


def parse(text: str, source: str) -> Catalogue:
    """Parses a catalogue; raises CatalogueError (no file is read)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CatalogueError(f"{source}: invalid TOML: {e}") from None
    try:
        _check_keys(doc, {"seed", "trials", "tool", "workload"}, source)
        seed = require(doc, "seed", int, source)
        trials = require(doc, "trials", int, source)
        if not 1 <= trials <= MAX_TRIALS:
            raise CatalogueError(f"trials must be from 1 to {MAX_TRIALS}, got {trials}")
        tools = [_tool(t, i) for i, t in enumerate(require(doc, "tool", list, source), start=1)]
        workloads = [_workload(w, i) for i, w in enumerate(require(doc, "workload", list, source), start=1)]
    except CatalogueError as e:
        message = str(e)
        raise CatalogueError(message if message.startswith(source) else f"{source}: {message}") from None
    if not tools or not workloads:
        raise CatalogueError(f"{source}: it lists no [[tool]] or no [[workload]]")
    _unique(tools, "tool", source)
    _unique(workloads, "workload", source)
    return Catalogue(seed, trials, tuple(tools), tuple(workloads))


def _literal(value, repo: str) -> str:
    if isinstance(value, str):
        return json.dumps(value.replace("{repo}", repo))
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v, repo) for v in value) + "]"
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)
    raise CatalogueError(f"value {value!r} is not a string, number, boolean or list")


def _table(name: str, values: dict, repo: str) -> str:
    return f"[{name}]\n" + "".join(f"{k} = {_literal(v, repo)}\n" for k, v in values.items())


def scenario_text(tool: Tool, workload: Workload, trials: int, repo: str) -> str:
    """The scenario of one cell of the table, as TOML."""
    head = {"name": scenario_name(tool, workload),
            "description": f"Verdict table: {tool.label} as the backup of the live home of the {workload.name} workload",
            "expect": tool.expect, "trials": trials}
    backup = dict(tool.backup, start_after_txns=workload.start_after_txns)
    return "".join(f"{k} = {_literal(v, repo)}\n" for k, v in head.items()) + "\n" + \
        _table("workload", workload.settings, repo) + "\n" + _table("backup", backup, repo)


def load(path) -> Catalogue:
    """Reads the catalogue at path (a pathlib.Path)."""
    try:
        text = path.read_text()
    except OSError as e:
        raise CatalogueError(f"{path}: {e.strerror}") from None
    return parse(text, path.name)
