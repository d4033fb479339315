# A scratch copy of the source tree and one build directory for it, reused
# by every mutant: each mutant patches one file of the copy, the build is an
# incremental rebuild (ccache makes the rebuild after a revert a cache hit),
# and the file is put back before the next mutant.
#
# The copy is kept in step with the working tree by content: a file is
# rewritten (with a fresh mtime) only when it differs, so ninja rebuilds only
# what changed.
import contextlib
import pathlib
import shutil
import subprocess

# What every trial runs: the simulator (which is also the backup agent), its
# workload and recovery helpers, the listing shim, and bdbackup's helper.
SIMULATOR_TARGETS = ("bdbackup", "bdbsim", "bdbsim-workload")


class BuildError(Exception):
    """The scratch tree did not build; the message names the targets and the log."""


def _tracked_files(root: pathlib.Path) -> list:
    """Files of the working tree that git tracks or would track (not ignored)."""
    out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         check=True, capture_output=True).stdout
    names = [n for n in out.decode().split("\0") if n]
    return sorted(n for n in set(names) if (root / n).is_file())


class ScratchTree:
    def __init__(self, root: pathlib.Path, scratch: pathlib.Path):
        self.root = root
        self.src = scratch / "src"
        self.build_dir = scratch / "build"
        self.logs = scratch / "logs"
        self.reports = scratch / "reports"

    def sync(self) -> int:
        """Makes src a copy of the working tree; returns how many files changed."""
        self.src.mkdir(parents=True, exist_ok=True)
        wanted = _tracked_files(self.root)
        changed = 0
        for rel in wanted:
            source, copy = self.root / rel, self.src / rel
            data = source.read_bytes()
            if copy.is_file() and copy.read_bytes() == data:
                continue
            copy.parent.mkdir(parents=True, exist_ok=True)
            # A fresh mtime (not the source's): ninja must see the copy as newer than what it built.
            copy.write_bytes(data)
            shutil.copymode(source, copy)
            changed += 1
        keep = set(wanted)
        for path in sorted(self.src.rglob("*"), reverse=True):
            rel = path.relative_to(self.src).as_posix()
            if path.is_file() and rel not in keep:
                path.unlink()
                changed += 1
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        return changed

    def configure(self) -> None:
        args = ["cmake", "-S", str(self.src), "-B", str(self.build_dir), "-G", "Ninja",
                "-DCMAKE_BUILD_TYPE=RelWithDebInfo"]
        if shutil.which("ccache"):
            args += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache", "-DCMAKE_C_COMPILER_LAUNCHER=ccache"]
        self.logs.mkdir(parents=True, exist_ok=True)
        self._run_logged(args, self.logs / "configure.log", "cmake configure")

    def build(self, targets, log_name: str, jobs: int) -> None:
        """Builds the targets; raises BuildError naming the log on failure."""
        args = ["cmake", "--build", str(self.build_dir), f"-j{jobs}", "--target", *targets]
        self._run_logged(args, self.logs / log_name, "build of " + " ".join(targets))

    def bin(self, name: str) -> pathlib.Path:
        return self.build_dir / "bin" / name

    @contextlib.contextmanager
    def patched(self, rel: str, edit):
        """Within the block, src/rel holds edit(its text); afterwards its own text again."""
        path = self.src / rel
        original = path.read_text()
        path.write_text(edit(original))
        try:
            yield
        finally:
            path.write_text(original)

    def _run_logged(self, args, log: pathlib.Path, what: str) -> None:
        with open(log, "w") as out:
            done = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT)
        if done.returncode != 0:
            raise BuildError(f"{what} failed (exit {done.returncode}); see {log}")
