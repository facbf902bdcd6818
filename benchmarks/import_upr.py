"""How long importing the UPR transcription takes: the six review years 2008-2013 and
sessions.csv, into a scratch copy of the package (the repository is not touched). A script, not a
test: it prints.

    python benchmarks/import_upr.py [--shared ../shared] [--runs 3]
"""

from rightsdata.importers import import_files
from rightsdata.importers.upr import Importer
from scratch import arguments, summary, time_into_scratch


def main() -> None:
    args = arguments(__doc__)
    files = sorted((args.shared / "upr").glob("upr_recommendations_*.csv"))
    if not files:
        raise SystemExit(f"no upr_recommendations_*.csv in {args.shared / 'upr'}")
    size = sum(f.stat().st_size for f in files)
    times, (batch, written) = time_into_scratch(lambda package: import_files(Importer, package, files), args.runs)
    read = sum(b.counts["read"] for b in batch)
    print(f"files: {len(files)} ({size / 1e6:.1f} MB), {read} source rows, review years "
          f"{sorted(b.source['report_year'] for b in batch if b.source['report_year'])}")
    print(f"rows written: {', '.join(f'{k} {v}' for k, v in written.items())}")
    print(summary(times, "under 15 s"))


if __name__ == "__main__":
    main()
