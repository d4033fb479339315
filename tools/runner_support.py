"""What the Python runners under tools/ (tools/mutants, tools/verdicts) share:
a catalogue's error and its typed key reads, the one-line messages they print
under their own name, and the rewrite of a document's generated block.
Standard library only; no state."""

import sys


class CatalogueError(Exception):
    """A catalogue that does not fit: one line naming what is wrong."""


def require(table: dict, key: str, kind, where: str):
    """table[key], which must be there and of `kind` (a bool is no int)."""
    if key not in table:
        raise CatalogueError(f"{where}: key '{key}' is required")
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
        raise CatalogueError(f"{where}: key '{key}' must be a {kind.__name__}")
    return value


class Messages:
    """"<prog>: error: <what>" and exit, or "<prog>: <progress>", on stderr."""

    def __init__(self, prog: str):
        self.prog = prog

    def fail(self, message: str, code: int) -> None:
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(code)

    def progress(self, text: str) -> None:
        print(f"{self.prog}: {text}", file=sys.stderr, flush=True)


def replace_generated_block(document: str, begin_marker: str, end_marker: str, block: str) -> str:
    """document with the text from begin_marker through end_marker replaced by
    block; a block that ends with a line break takes the one after the end
    marker with it."""
    begin, end = document.find(begin_marker), document.find(end_marker)
    if begin < 0 or end < begin:
        raise ValueError(f"the document has no '{begin_marker}' ... '{end_marker}' block")
    rest = end + len(end_marker)
    if block.endswith("\n") and document.startswith("\n", rest):
        rest += 1
    return document[:begin] + block + document[rest:]
