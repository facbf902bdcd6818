"""How long importing the ILAB archive takes: all ten report years and the goods file, into a
scratch copy of the package (the repository is not touched). A script, not a test: it prints.

    python benchmarks/import_ilab.py [--shared ../shared] [--runs 3]
"""

from rightsdata.importers import import_files
from rightsdata.importers.ilab import Importer
from scratch import arguments, summary, time_into_scratch


def main() -> None:
    args = arguments(__doc__)
    files = sorted((args.shared / "ilab").glob("*.xml"))
    if not files:
        raise SystemExit(f"no XML files in {args.shared / 'ilab'}")
    size = sum(f.stat().st_size for f in files)
    times, (batch, counts) = time_into_scratch(lambda package: import_files(Importer, package, files), args.runs)
    print(f"files: {len(files)} ({size / 1e6:.1f} MB), report years: "
          f"{sorted(b.source['report_year'] for b in batch if b.source['source_id'].startswith('ilab-countries'))}")
    print(f"rows written: {sum(counts.values())} ({', '.join(f'{k} {v}' for k, v in counts.items())})")
    print(summary(times, "under 20 s"))


if __name__ == "__main__":
    main()
