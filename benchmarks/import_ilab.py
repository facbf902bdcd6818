"""How long importing the ILAB archive takes: all ten report years and the goods file, into a
scratch copy of the package (the repository is not touched). A script, not a test: it prints.

    python benchmarks/import_ilab.py [--shared ../shared] [--runs 3]
"""

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from rightsdata.importers.ilab import import_files

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    files = sorted((args.shared / "ilab").glob("*.xml"))
    if not files:
        raise SystemExit(f"no XML files in {args.shared / 'ilab'}")
    size = sum(f.stat().st_size for f in files)
    times = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as scratch:
            package = Path(scratch) / "package"
            package.mkdir()
            shutil.copy(REPO / "datapackage.json", package)
            for name in ("data", "schemas"):
                shutil.copytree(REPO / name, package / name)
            start = time.perf_counter()
            batch, counts = import_files(package, files)
            times.append(time.perf_counter() - start)
    rows = sum(counts.values())
    print(f"files: {len(files)} ({size / 1e6:.1f} MB), report years: "
          f"{sorted(b.source['report_year'] for b in batch if b.source['source_id'].startswith('ilab-countries'))}")
    print(f"rows written: {rows} ({', '.join(f'{k} {v}' for k, v in counts.items())})")
    print(f"import time over {args.runs} runs: median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s (target: under 20 s)")


if __name__ == "__main__":
    main()
