# The mutant catalogue (tools/mutants/mutants.toml): loading and checking.
#
# A mutant is one small, plausible bug written as an exact text edit of one
# engine source file: `find` must occur exactly once in `file`, and is
# replaced by `replace`. Each names the scenarios that claim to catch it and,
# optionally, the unit tests that also do. Everything here is pure: it reads
# files and raises CatalogueError with one line naming what is wrong.
import dataclasses
import pathlib
import re
import tomllib

from runner_support import CatalogueError, require

NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
TEST_BINARY_PATTERN = re.compile(r"^[a-z0-9_]+_tests$")
MAX_TRIALS = 100
MAX_DESCRIPTION = 200


@dataclasses.dataclass(frozen=True)
class UnitTest:
    binary: str  # a test binary of the build, e.g. engine_copy_tests
    filter: str  # a --gtest_filter pattern

    def label(self) -> str:
        return f"{self.binary} {self.filter}"


@dataclasses.dataclass(frozen=True)
class Mutant:
    name: str
    description: str
    file: str  # relative to the repository root
    find: str
    replace: str
    scenarios: tuple  # paths relative to the repository root, under scenarios/
    unit_tests: tuple  # UnitTest
    trials: int

    def apply(self, text: str) -> str:
        """The file's text with this mutant's edit made (find checked by check_against)."""
        return text.replace(self.find, self.replace, 1)


@dataclasses.dataclass(frozen=True)
class Catalogue:
    seed: int
    mutants: tuple  # Mutant, in file order

    def scenarios(self) -> list:
        """Every scenario some mutant names, each once, in first-named order."""
        seen = []
        for m in self.mutants:
            for s in m.scenarios:
                if s not in seen:
                    seen.append(s)
        return seen


def _string_list(table: dict, key: str, where: str, required: bool) -> list:
    if key not in table:
        if required:
            raise CatalogueError(f"{where}: key '{key}' is required")
        return []
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogueError(f"{where}: key '{key}' must be a list of strings")
    return value


def _unit_tests(table: dict, where: str) -> tuple:
    tests = []
    for text in _string_list(table, "unit_tests", where, required=False):
        binary, _, pattern = text.partition(":")
        if not TEST_BINARY_PATTERN.match(binary) or not pattern:
            raise CatalogueError(f"{where}: unit test '{text}' is not BINARY:GTEST_FILTER (e.g. engine_copy_tests:VerifiedCopy*)")
        tests.append(UnitTest(binary, pattern))
    return tuple(tests)


def _mutant(table: dict, index: int) -> Mutant:
    where = f"mutant {index}"
    known = {"name", "description", "file", "find", "replace", "scenarios", "unit_tests", "trials"}
    name = require(table, "name", str, where)
    if not NAME_PATTERN.match(name):
        raise CatalogueError(f"{where}: name '{name}' must be lower-case words joined by '-'")
    where = f"mutant '{name}'"
    for key in table:
        if key not in known:
            raise CatalogueError(f"{where}: key '{key}' is not a known key")
    description = require(table, "description", str, where)
    if not description or "\n" in description or len(description) > MAX_DESCRIPTION:
        raise CatalogueError(f"{where}: description must be one line of at most {MAX_DESCRIPTION} characters")
    trials = require(table, "trials", int, where)
    if not 1 <= trials <= MAX_TRIALS:
        raise CatalogueError(f"{where}: trials must be from 1 to {MAX_TRIALS}, got {trials}")
    scenarios = _string_list(table, "scenarios", where, required=True)
    if not scenarios:
        raise CatalogueError(f"{where}: it names no scenario")
    if len(set(scenarios)) != len(scenarios):
        raise CatalogueError(f"{where}: it names a scenario twice")
    return Mutant(name=name, description=description, file=require(table, "file", str, where),
                  find=require(table, "find", str, where), replace=require(table, "replace", str, where),
                  scenarios=tuple(scenarios), unit_tests=_unit_tests(table, where), trials=trials)


def parse(text: str, source: str) -> Catalogue:
    """Parses a catalogue; raises CatalogueError (no file is read)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CatalogueError(f"{source}: invalid TOML: {e}") from None
    for key in doc:
        if key not in ("seed", "mutant"):
            raise CatalogueError(f"{source}: key '{key}' is not a known key")
    seed = require(doc, "seed", int, source)
    tables = doc.get("mutant", [])
    if not isinstance(tables, list) or not tables:
        raise CatalogueError(f"{source}: it lists no [[mutant]]")
    mutants = []
    for i, table in enumerate(tables, start=1):
        try:
            mutants.append(_mutant(table, i))
        except CatalogueError as e:
            raise CatalogueError(f"{source}: {e}") from None
    names = [m.name for m in mutants]
    for name in names:
        if names.count(name) > 1:
            raise CatalogueError(f"{source}: mutant '{name}' is listed twice")
    return Catalogue(seed=seed, mutants=tuple(mutants))


def check_against(mutant: Mutant, root: pathlib.Path, text: str = None) -> None:
    """Checks the mutant against the tree at root: every scenario it names is
    a file under scenarios/, its file exists, and its find occurs exactly once
    there and differs from its replace. `text` is the file's text if already
    read."""
    where = f"mutant '{mutant.name}'"
    for scenario in mutant.scenarios:
        if not scenario.startswith("scenarios/") or not scenario.endswith(".toml"):
            raise CatalogueError(f"{where}: scenario '{scenario}' is not a scenarios/*.toml path")
        if not (root / scenario).is_file():
            raise CatalogueError(f"{where}: scenario '{scenario}' does not exist")
    path = root / mutant.file
    if text is None:
        if not path.is_file():
            raise CatalogueError(f"{where}: file '{mutant.file}' does not exist")
        text = path.read_text()
    count = text.count(mutant.find) if mutant.find else 0
    if count != 1:
        raise CatalogueError(f"{where}: its find string occurs {count} times in '{mutant.file}': it must occur exactly once")
    if mutant.find == mutant.replace:
        raise CatalogueError(f"{where}: its replace is the same as its find")


def load(path: pathlib.Path, root: pathlib.Path) -> Catalogue:
    """Reads and checks the catalogue at path against the tree at root."""
    try:
        text = path.read_text()
    except OSError as e:
        raise CatalogueError(f"{path}: {e.strerror}") from None
    catalogue = parse(text, str(path.relative_to(root) if path.is_relative_to(root) else path))
    for mutant in catalogue.mutants:
        check_against(mutant, root)
    return catalogue
