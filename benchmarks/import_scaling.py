"""Whether the importers' time grows linearly with a file's size: each file is read at one size
and at ten times that size, and the ratio of the times printed (about 10 is linear; 100 would be
quadratic). The files are the real ones of ../shared, repeated ten times over, and two shapes that
were quadratic once: one country with thousands of goods, one recommendation printed thousands of
times. Files are read, not written into the package (reading is where the time grew). A script,
not a test: it prints.

    python benchmarks/import_scaling.py [--shared ../shared] [--runs 3]
"""

import csv
import io
import re
import tempfile
import time
from pathlib import Path

from rightsdata.importers.ilab import Importer as IlabImporter
from rightsdata.importers.upr import Importer as UprImporter
from scratch import REPO, arguments

COUNTRY = ("<Countries><Country><Name>Ukraine</Name><Advancement_Level>Minimal Advancement</Advancement_Level>"
           "<Description>In 2016, Ukraine made a minimal advancement.</Description><Goods>\n{}</Goods></Country></Countries>\n")


def ilab_repeated(path: Path, times: int) -> bytes:
    """The file with its countries printed `times` times."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index("<Country>"), text.rindex("</Countries>")
    return (text[:start] + text[start:end] * times + text[end:]).encode("utf-8")


def ilab_goods(n: int) -> bytes:
    return COUNTRY.format("".join(f"<Good><Good_Name>Good {i}</Good_Name><Child_Labor>Yes</Child_Labor></Good>\n"
                                  for i in range(n))).encode("utf-8")


def upr_repeated(path: Path, times: int) -> bytes:
    """The file with its rows printed `times` times (the repeats are merged as exact duplicates)."""
    data = path.read_bytes()
    end = re.search(rb"\r\n|\r|\n", data)
    body = data[end.end():]
    if not body.endswith((b"\r", b"\n")):
        body += end.group()
    return data[:end.end()] + body * times


def upr_one_recommendation(n: int) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["text", "to", "decision", "From", "year", "notes"])
    states = ["Spain", "France", "Italy", "Brazil", "Chad"]
    for i in range(n):
        writer.writerow(["88.1. Ratify the Convention (Spain);", "Tajikistan", "support", states[i % 5], "2011", f"note {i}"])
    return out.getvalue().encode("utf-8")


def best_time(read, data: bytes, name: str, runs: int) -> float:
    best = float("inf")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / name
        path.write_bytes(data)
        for _ in range(runs):
            start = time.perf_counter()
            read(path)
            best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    args = arguments(__doc__)
    ilab, upr = IlabImporter(REPO), UprImporter(REPO)
    cases = [("import-ilab: one country, 3,200 goods", ilab.read, lambda k: ilab_goods(3200 * k), "countries.xml"),
             ("import-upr: one recommendation, 2,000 rows", upr.read, lambda k: upr_one_recommendation(2000 * k),
              "upr_recommendations_2011.csv")]
    countries = args.shared / "ilab" / "countries_2022.xml"
    if countries.is_file():
        cases.append(("import-ilab: countries_2022.xml", ilab.read, lambda k: ilab_repeated(countries, k), "countries.xml"))
    recommendations = args.shared / "upr" / "upr_recommendations_2011.csv"
    if recommendations.is_file():
        cases.append(("import-upr: upr_recommendations_2011.csv", upr.read, lambda k: upr_repeated(recommendations, k),
                      "upr_recommendations_2011.csv"))
    print(f"best of {args.runs} runs; time at 1x and 10x the size, and their ratio (10 is linear)")
    for label, read, make, name in cases:
        small, large = (best_time(read, make(k), name, args.runs) for k in (1, 10))
        print(f"{label:<50} {small:7.2f} s {large:8.2f} s   x{large / small:5.1f}")


if __name__ == "__main__":
    main()
