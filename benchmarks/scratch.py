"""What the import benchmarks share: a scratch copy of the package to import into (the
repository is never touched), and timing over several runs."""

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def time_into_scratch(run: Callable[[Path], T], runs: int) -> tuple[list[float], T]:
    """Time `run(package_dir)` on a fresh scratch copy of the package, `runs` times; return the
    times and the last run's result."""
    times, result = [], None
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as scratch:
            package = Path(scratch) / "package"
            package.mkdir()
            shutil.copy(REPO / "datapackage.json", package)
            for name in ("data", "schemas"):
                shutil.copytree(REPO / name, package / name)
            start = time.perf_counter()
            result = run(package)
            times.append(time.perf_counter() - start)
    return times, result


def summary(times: list[float], target: str) -> str:
    return (f"import time over {len(times)} runs: median {statistics.median(times):.2f} s, "
            f"min {min(times):.2f} s, max {max(times):.2f} s (target: {target})")


def arguments(doc: str) -> argparse.Namespace:
    """--shared (where ../shared is) and --runs, with the script's docstring as its help."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--runs", type=int, default=3)
    return parser.parse_args()
