"""How long each registered importer (`rightsdata import-NAME`) takes on its files of ../shared,
into a scratch copy of the package (the repository is not touched). A script, not a test: it prints.

    python benchmarks/import.py [SOURCE ...] [--shared ../shared] [--runs 3]   # no SOURCE: every importer

The importers come from the registry (`rightsdata.importers.registered()`); FILES below says
which files of ../shared each one takes and how long it may take here. A new importer needs a line
there (the script stops, naming it, when one is missing).
"""

import argparse
from pathlib import Path

from rightsdata.importers import import_files, registered
from scratch import REPO, summary, time_into_scratch

# importer name -> (its files, as a glob under ../shared; the target time in seconds)
FILES = {
    "ilab": ("ilab/*.xml", 20),
    "upr": ("upr/upr_recommendations_*.csv", 15),
    "uprinfo": ("uprinfo/*-UPR-INFO-DATABASE-EXPORT-*.csv", 10),
}


def bench(name: str, shared: Path, runs: int) -> None:
    cls = registered()[name]
    pattern, target = FILES[name]
    files = sorted(shared.glob(pattern))
    if not files:
        raise SystemExit(f"{name}: no files {shared / pattern}")
    size = sum(f.stat().st_size for f in files)
    times, (batch, written) = time_into_scratch(lambda package: import_files(cls, package, files), runs)
    # A source read whole (an XML tree) counts no rows: "rows read" covers the sources that do.
    read = sum(item.counts["read"] for item in batch)
    print(f"== rightsdata {cls.command()}: {len(files)} files ({size / 1e6:.1f} MB, {shared / pattern}), "
          f"{len(batch)} sources")
    if read:
        print(f"rows read: {read:,} (kept {sum(i.counts['kept'] for i in batch):,}, merged "
              f"{sum(i.counts['merged'] for i in batch):,}, rejected {sum(i.counts['rejected'] for i in batch):,})")
    print(f"rows written: {sum(written.values()):,} ({', '.join(f'{k} {v:,}' for k, v in written.items())})")
    print(summary(times, f"under {target} s"))


def main() -> None:
    importers = registered()
    missing = sorted(set(importers) - set(FILES))
    if missing:
        raise SystemExit(f"no files declared for the importers {missing}: add them to FILES in {__file__}")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", metavar="SOURCE", help=f"importers to time ({', '.join(sorted(importers))}); none: all")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    unknown = [s for s in args.sources if s not in importers]
    if unknown:
        parser.error(f"no importer named {', '.join(unknown)} (there are {', '.join(sorted(importers))})")
    for name in args.sources or sorted(importers):
        bench(name, args.shared, args.runs)


if __name__ == "__main__":
    main()
