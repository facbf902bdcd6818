"""How fast `rightsdata validate` is against stock `frictionless validate`, on the same packages.

A script, not a test: it prints. For each size it builds a synthetic package with
`rightsdata bench-data` (cached in --work, rebuilt when the repository's data, schemas or rules
change), then runs each validator in its own process and reports wall time, CPU time and peak
memory (the child's maximum resident set size). rightsdata runs everything (schemas, keys,
checksums, every rule); frictionless checks the schemas and keys. The real package already has
more than 100,000 rows, so the 100k package is a copy of it.

    python benchmarks/validate.py                      # the real package, 100k and 1M rows
    python benchmarks/validate.py --sizes 100000 --runs 3
"""

import argparse
import hashlib
import json
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, code)\n"
)


@dataclass
class Runs:
    wall: list[float]  # seconds, one per run
    cpu: list[float]  # user + system seconds (on 2 cores, up to twice the wall time)
    peak_mb: float
    code: int


def measure(command: list[str], cwd: Path, runs: int) -> Runs:
    """`command` run `runs` times, each alone in a fresh process."""
    out = []
    for _ in range(runs):
        result = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=cwd, capture_output=True, text=True, check=True)
        seconds, cpu, kb, code = result.stdout.split()
        out.append((float(seconds), float(cpu), int(kb) / 1024, int(code)))
    return Runs(wall=[r[0] for r in out], cpu=[r[1] for r in out], peak_mb=max(r[2] for r in out), code=out[0][3])


def tool(name: str) -> str:
    path = Path(sys.executable).parent / name
    return str(path) if path.exists() else name


def fingerprint() -> str:
    """A hash of what a synthetic package is made from (the repository's descriptor, schemas,
    rules and data): a cached package built from other files is rebuilt."""
    h = hashlib.sha256()
    for pattern in ("datapackage.json", "schemas/*", "validators/*", "data/*"):
        for path in sorted(REPO.glob(pattern)):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def package(size: int | None, work: Path) -> Path:
    if size is None:
        return REPO
    target = work / f"bench-{size}"
    stamp = target / "built-from.sha256"
    if not stamp.exists() or stamp.read_text() != fingerprint():
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run([tool("rightsdata"), "bench-data", "--rows", str(size), "--out", str(target),
                        "--package-dir", str(REPO)], check=True, stdout=subprocess.DEVNULL)
        stamp.write_text(fingerprint())
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=5, help="runs of rightsdata per package (best and median shown)")
    parser.add_argument("--frictionless-runs", type=int, default=3,
                        help="runs of frictionless per package (the best is compared with rightsdata's best)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/rightsdata-bench"))
    parser.add_argument("--no-real", action="store_true", help="skip the package in the repository")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    sizes = ([] if args.no_real else [None]) + args.sizes
    print(f"{'package':>14} {'rows':>9} | {'rightsdata best/median':>22} {'cpu':>6} {'peak':>7} | "
          f"{'frictionless':>12} {'cpu':>6} {'peak':>7} | {'ratio best/median':>17} {'cpu ratio':>9}")
    for size in sizes:
        path = package(size, args.work)
        rows = json.loads((path / "bench.json").read_text())["rows"] if size else count_rows(path)
        ours = measure([tool("rightsdata"), "validate"], path, args.runs)
        theirs = measure([tool("frictionless"), "validate", "datapackage.json"], path, args.frictionless_runs)
        best, median, their_best = min(ours.wall), statistics.median(ours.wall), min(theirs.wall)
        name = "repository" if size is None else path.name
        print(f"{name:>14} {rows:>9,} | {best:>10.2f}s {median:>9.2f}s {min(ours.cpu):>5.1f}s {ours.peak_mb:>5.0f}MB | "
              f"{their_best:>11.2f}s {min(theirs.cpu):>5.1f}s {theirs.peak_mb:>5.0f}MB | "
              f"{their_best / best:>7.1f}x {their_best / median:>7.1f}x {min(theirs.cpu) / min(ours.cpu):>8.1f}x"
              + ("" if ours.code == 0 and theirs.code == 0 else f"   (exit codes {ours.code}, {theirs.code})"))
    print("targets: 1M rows at least 15x faster than frictionless, peak under 1 GB; the repository under 2 s")
    print("(cpu: the least user + system seconds over the runs; this machine's speed varies from run to run. When")
    print(" others share the cores, rightsdata, which uses both, loses more wall time than frictionless, which uses")
    print(" one: the cpu ratio, frictionless's cpu over rightsdata's, is then the steadier figure)")


def count_rows(path: Path) -> int:
    import csv

    total = 0
    for file in (path / "data").glob("*.csv"):
        with open(file, encoding="utf-8", newline="") as f:
            total += sum(1 for _ in csv.reader(f)) - 1
    return total


if __name__ == "__main__":
    main()
