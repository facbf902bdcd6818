"""The package read by third-party clients nobody here wrote (issue 14): stock frictionless, pandas,
csvkit, R's readr, `frictionless index`, `datapackage-to-datasette`, the Data Package v1 libraries.

Each client reads a sample of the package (the first and last rows of every resource, so every
resource and both ends of its sort order are covered in seconds) and every value is compared with
what the CSV cell stands for under the Table Schema (rightsdata.cells.read_cell)."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import itertools
import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import once_per_run, run_cli
from rightsdata import metadata
from rightsdata.cells import LIST_DELIMITER, csv_text, read_cell

SAMPLE = 60  # rows from each end of every resource


def sample_package(repo: Path, target: Path, rows: int = SAMPLE) -> Path:
    """A copy of the package's descriptor and schemas with the first and last `rows` rows of each resource."""
    target.mkdir()
    shutil.copy(repo / "datapackage.json", target / "datapackage.json")
    shutil.copytree(repo / "schemas", target / "schemas")
    (target / "data").mkdir()
    for res in metadata.resources().values():
        with open(repo / res.path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            first = list(itertools.islice(reader, rows))
            last = collections.deque(reader, maxlen=rows)  # (the rows between are read, not kept)
        (target / res.path).write_text(csv_text(header, first + list(last)), encoding="utf-8", newline="")
    return target


@pytest.fixture(scope="module")
def sample(repo, tmp_path_factory) -> Path:
    """The sample, cut once for the whole run (every xdist worker: 70 MB of CSV read for it), copied
    for this module's tests, which write their clients' output beside it."""
    cut = once_per_run(tmp_path_factory, "clients-sample", lambda root: sample_package(repo, root / "package")) / "package"
    target = tmp_path_factory.mktemp("clients") / "package"
    shutil.copytree(cut, target)
    return target


def csv_rows(package: Path, name: str) -> list[dict[str, str]]:
    with open(package / metadata.resources()[name].path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def expected(field: dict, cell: str):
    """What a typed reader must give for a cell: read_cell's value (None for an empty cell)."""
    return read_cell(field, cell)


def plain(value):
    """A value as a client returns it, made comparable with read_cell's: missing values None,
    numpy scalars Python ones, dates and lists as such."""
    if value is None:
        return None
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
        if isinstance(value, pd.Timestamp):
            return value.date()
    except ImportError:
        pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (list, str)):
        return plain(value.item())
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, tuple):
        return list(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def same(field: dict, got, cell: str) -> bool:
    want, got = expected(field, cell), plain(got)
    if field["type"] == "number" and want is not None and got is not None:
        return float(got) == float(want)
    if field["type"] == "date":  # read_cell gives ISO text; clients a date, or ISO text (SQLite)
        want, got = [dt.date.fromisoformat(v) if isinstance(v, str) else v for v in (want, got)]
    return got == want and type(got) is type(want)


def assert_frame_matches_csv(df, package: Path, name: str, client: str) -> None:
    """Every row and column of `df` equals the CSV's, row by row in file order."""
    res = metadata.resources()[name]
    rows = csv_rows(package, name)
    assert list(df.columns) == res.column_names, f"{client}: {name}: columns {list(df.columns)}"
    assert len(df) == len(rows), f"{client}: {name}: {len(df)} rows, the CSV has {len(rows)}"
    records = df.to_dict("records")
    for line, (got, row) in enumerate(zip(records, rows), start=2):
        for f in res.fields:
            assert same(f, got[f["name"]], row[f["name"]]), (
                f"{client}: {res.path}:{line}: {f['name']} reads as {got[f['name']]!r}, the CSV has {row[f['name']]!r}")


# --- 1. frictionless to_pandas ----------------------------------------------------------------------

def test_frictionless_to_pandas_reads_every_resource_as_the_csv(sample):
    """The primary key lists its columns in column order: frictionless names the index columns in
    key order but fills them in column order, so a key starting with source_id mislabelled them."""
    pytest.importorskip("pandas")
    from frictionless import Package

    package = Package(str(sample / "datapackage.json"))
    for name, res in metadata.resources().items():
        df = package.get_resource(name).to_pandas()
        df = df.reset_index()[res.column_names] if res.primary_key else df
        assert_frame_matches_csv(df, sample, name, "frictionless to_pandas")


# --- 2. lists and codes that look like numbers -------------------------------------------------------

def list_cells(package: Path) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """(resource, column) -> (row index, cell) of every cell of a list column holding two items or more."""
    out: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for name, res in metadata.resources().items():
        columns = [f["name"] for f in res.fields if f["type"] == "list" or f["name"] == "source_lines"]
        for i, row in enumerate(csv_rows(package, name) if columns else []):
            for c in columns:
                if LIST_DELIMITER in row[c]:
                    out.setdefault((name, c), []).append((i, row[c]))
    return out


def assert_lists_kept(package: Path, read, client: str) -> None:
    """`read(name)` gives a resource's rows as a guessing client reads them: every list of two
    items or more must come back as the cell's text, not as a number made of its digits."""
    cells = list_cells(package)
    assert {c for _, c in cells} >= {"source_lines", "citations", "printed_as"}, "the sample has no lists to check"
    wrong = []
    for name in sorted({n for n, _ in cells}):
        rows = read(name)
        for (n, column), found in cells.items():
            if n == name:
                wrong += [f"{name}.{column} row {i + 1}: {cell!r} read as {rows[i][column]!r}"
                          for i, cell in found if str(rows[i][column]) != cell]
    assert not wrong, f"{client} misreads lists:\n" + "\n".join(wrong[:10])


def test_csvkit_reads_lists_as_text(sample):
    """csvkit (agate) takes "," for a digit group separator: "35,41" was the number 3541."""
    pytest.importorskip("csvkit")
    import io

    from csvkit.utilities.csvjson import CSVJSON

    def read(name):
        out = io.StringIO()
        CSVJSON([str(sample / metadata.resources()[name].path)], output_file=out).run()
        return json.loads(out.getvalue())

    assert_lists_kept(sample, read, "csvkit csvjson")


def test_duckdb_read_csv_auto_reads_lists_as_text(sample):
    import duckdb

    def read(name):
        rel = duckdb.read_csv(str(sample / metadata.resources()[name].path))
        assert rel.columns == metadata.resources()[name].column_names, f"duckdb sniffed another delimiter in {name}"
        return [dict(zip(rel.columns, r)) for r in rel.fetchall()]

    assert_lists_kept(sample, read, "duckdb read_csv_auto")


def test_typed_loader_reads_every_resource_as_the_csv(sample):
    pytest.importorskip("pandas")
    from rightsdata.load import read_package

    for name, df in read_package(sample).items():
        assert_frame_matches_csv(df, sample, name, "rightsdata.load")
    countries = read_package(sample)["countries"].set_index("code")
    assert countries.loc["AFG", "numeric"] == "004"


def test_typed_loader_names_file_line_and_field_of_a_bad_cell(sample, tmp_path):
    pytest.importorskip("pandas")
    from rightsdata.load import LoadError, read_csv

    bad = tmp_path / "bad"
    shutil.copytree(sample, bad)
    path = bad / "data" / "assessments.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[2] = re.sub(r"^([A-Z]{3}),[0-9]{4},", r"\1,twenty,", lines[2])
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(LoadError, match=r"^data/assessments.csv:3: field 'report_year': 'twenty' is not an integer"):
        read_csv("assessments", bad)
    with pytest.raises(LoadError, match="no resource 'nope'"):
        read_csv("nope", bad)


def test_readme_loading_python_example_prints_its_comments(repo, monkeypatch):
    pytest.importorskip("pandas")
    from test_readme import assert_prints_its_comments, blocks, section

    (python,) = blocks(section((repo / "README.md").read_text(encoding="utf-8"), "Loading the data"), "python")
    monkeypatch.chdir(repo)
    assert_prints_its_comments(python)


R_CHECK = r"""
library(readr)
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
out <- list()
for (name in args[-1]) {
  path <- file.path(dir, "data", paste0(name, ".csv"))
  guessed <- suppressWarnings(read_csv(path, show_col_types = FALSE, progress = FALSE, guess_max = 100000))
  typed <- read_resource(name, dir)
  stopifnot(nrow(problems(typed)) == 0)
  typed[] <- lapply(typed, function(x) if (inherits(x, "Date")) format(x) else x)
  out[[name]] <- list(guessed = lapply(guessed, as.character), typed = as.list(typed))
}
jsonlite::write_json(out, args[1 + length(args)], na = "null", digits = NA, auto_unbox = FALSE)
"""


@pytest.fixture(scope="module")
def r_results(repo, sample, tmp_path_factory):
    if not shutil.which("Rscript"):
        pytest.skip("R is not installed (apt-get install r-base-core r-cran-readr r-cran-jsonlite): R tests skipped")
    from test_readme import blocks, section

    (example,) = blocks(section((repo / "README.md").read_text(encoding="utf-8"), "Loading the data"), "r")
    function = example.split("\ncountries <-", 1)[0]  # the README's read_resource, as users copy it
    work = tmp_path_factory.mktemp("r")
    (work / "check.R").write_text(function + R_CHECK.replace("args[1 + length(args)]", "file.path(dir, 'out.json')"))
    names = list(metadata.resources())
    done = subprocess.run(["Rscript", str(work / "check.R"), str(sample), *names], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((sample / "out.json").read_text())


def test_readr_guessing_reads_lists_as_text(sample, r_results):
    """readr guessed "12,13,14,15" to be 12131415, and "271-272,274" 271, without a warning."""
    def read(name):
        columns = r_results[name]["guessed"]
        return [dict(zip(columns, values)) for values in zip(*columns.values())]

    assert_lists_kept(sample, read, "readr read_csv (guessed types)")


def test_readr_with_col_types_from_the_schema_reads_every_resource_as_the_csv(sample, r_results):
    for name, res in metadata.resources().items():
        columns = r_results[name]["typed"]
        rows = csv_rows(sample, name)
        for f in res.fields:
            values = columns[f["name"]]
            assert len(values) == len(rows), (name, f["name"])
            for line, (got, row) in enumerate(zip(values, rows), start=2):
                cell = row[f["name"]]
                want = cell if f["type"] == "list" and cell else expected(f, cell)
                ok = float(got) == float(want) if f["type"] == "number" and None not in (got, want) else got == want
                assert ok, f"readr: {res.path}:{line}: {f['name']} reads as {got!r}, the CSV has {cell!r}"


def test_readme_loading_r_example_prints_its_comments(repo, r_results):
    from test_readme import blocks, section

    (example,) = blocks(section((repo / "README.md").read_text(encoding="utf-8"), "Loading the data"), "r")
    done = subprocess.run(["Rscript", "-"], input=example, cwd=repo, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert [line.rstrip() for line in done.stdout.splitlines()] == [ln[2:] for ln in example.splitlines() if ln.startswith("# ")]


# --- 3. SQL export by stock frictionless and datapackage-to-datasette --------------------------------

def assert_sqlite_matches_csv(db: Path, package: Path, client: str) -> None:
    """Every table of `db` holds every row of its CSV, value for value (lists as the CSV's text)."""
    import sqlite3

    con = sqlite3.connect(db)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for name, res in metadata.resources().items():
            assert name in tables, f"{client}: no table {name}"
            got = con.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()
            rows = csv_rows(package, name)
            assert len(got) == len(rows), f"{client}: {name} has {len(got)} rows, the CSV {len(rows)}"
            for line, (values, row) in enumerate(zip(got, rows), start=2):
                for f, value in zip(res.fields, values):
                    cell = row[f["name"]]
                    if f["type"] == "list":
                        ok = (value or "") == cell
                    elif f["type"] == "boolean" and value is not None:
                        ok = bool(value) == expected(f, cell)
                    else:
                        ok = same(f, value, cell)
                    assert ok, f"{client}: {res.path}:{line}: {f['name']} is {value!r} in SQLite, the CSV has {cell!r}"
    finally:
        con.close()


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=300)


def client(name: str) -> str:
    path = Path(sys.executable).parent / name
    if not path.exists():
        pytest.skip(f"{name} is not installed (pip install '.[test]')")
    return str(path)


@pytest.mark.slow
def test_frictionless_index_writes_every_row(sample):
    """frictionless's SQLite REGEXP function raised on NULL, so every table with an empty cell in a
    field with a pattern failed to load (and `frictionless index` still exited 0)."""
    done = run(client("frictionless"), "index", "datapackage.json", "--database", "sqlite:///index.db", cwd=sample)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "error" not in done.stdout.lower(), done.stdout[-3000:]
    assert_sqlite_matches_csv(sample / "index.db", sample, "frictionless index")


def test_datapackage_to_datasette_writes_every_row(sample):
    done = run(client("datapackage-to-datasette"), "datasette.db", "datapackage.json", "datasette.json", cwd=sample)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_sqlite_matches_csv(sample / "datasette.db", sample, "datapackage-to-datasette")


def test_an_optional_fields_pattern_is_still_enforced(sample, tmp_path):
    """The pattern of an optional field moved out of the Table Schema's constraints (where frictionless
    SQL export chokes on it): `rightsdata validate` and the JSON Schemas still hold to it."""
    from rightsdata.metadata import PATTERN_WHEN_PRESENT

    countries = metadata.resources()["countries"]
    numeric = next(f for f in countries.fields if f["name"] == "numeric")
    assert PATTERN_WHEN_PRESENT in numeric and "pattern" not in numeric.get("constraints", {})
    assert countries.json_schema()["properties"]["numeric"]["anyOf"][0]["pattern"] == "^(?:[0-9]{3})$"
    bad = tmp_path / "bad"
    shutil.copytree(sample, bad)
    path = bad / "data" / "countries.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",004,", ",4,", 1), encoding="utf-8")
    done = run_cli("validate", "datapackage.json", cwd=bad)
    assert done.returncode == 1 and "'4' does not match the pattern [0-9]{3}" in done.stdout, done.stdout[-2000:]


# --- 4. Data Package v1 readers -----------------------------------------------------------------------

def test_descriptor_declares_data_package_v2(repo):
    from frictionless import Package

    from rightsdata.metadata import DATA_PACKAGE_PROFILE

    descriptor = json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["$schema"] == DATA_PACKAGE_PROFILE == "https://datapackage.org/profiles/2.0/datapackage.json"
    report = Package.validate_descriptor(str(repo / "datapackage.json"))
    assert report.valid, [e.message for e in report.errors]


def test_datapackage_v1_library_reads_every_resource_of_the_release_descriptor(sample):
    """The Python `datapackage` 1.x library fails on v2 list fields; the release ships
    datapackage-v1.json (lists as strings) beside datapackage.json for it."""
    datapackage = pytest.importorskip("datapackage")
    from rightsdata import package as pkg
    from rightsdata.release.assets import V1_DESCRIPTOR, v1_descriptor

    (sample / V1_DESCRIPTOR).write_text(json.dumps(v1_descriptor(pkg.load(sample, check_profile=False))), encoding="utf-8")
    package = datapackage.Package(str(sample / V1_DESCRIPTOR))
    assert package.valid, package.errors
    for name, res in metadata.resources().items():
        rows = package.get_resource(name).read(keyed=True)
        csv_text_rows = csv_rows(sample, name)
        assert len(rows) == len(csv_text_rows), name
        for line, (got, row) in enumerate(zip(rows, csv_text_rows), start=2):
            for f in res.fields:
                cell, value = row[f["name"]], got[f["name"]]
                ok = value == (cell or None) if f["type"] == "list" else same(f, value, cell)
                assert ok, f"datapackage v1: {res.path}:{line}: {f['name']} reads as {value!r}, the CSV has {cell!r}"


# --- 6. descriptions as clients show them ---------------------------------------------------------------

def test_descriptions_name_only_rules_that_exist(repo):
    import re

    rules = {p.stem for p in (repo / "validators").glob("*.yaml")} - {"waivers"}
    named = []
    for res in metadata.resources().values():
        for where, text in [(res.name, res.description)] + [(f"{res.name}.{f['name']}", f["description"]) for f in res.fields]:
            named += [(where, rule) for rule in re.findall(r"\b[Rr]ules? `([a-z0-9-]+)`", text)]
    assert named, "no description names a rule: the pattern above is stale"
    assert [(w, r) for w, r in named if r not in rules] == []


def test_datasette_shows_descriptions_without_markdown_backticks(repo, tmp_path):
    """Datasette printed `code` with its backticks: descriptions go to it as HTML (tables) or text (columns)."""
    import asyncio
    import sqlite3

    datasette = pytest.importorskip("datasette.app")
    from rightsdata import package as pkg
    from rightsdata.release.assets import create_table, datasette_metadata

    package = pkg.load(repo, check_profile=False)
    db = sqlite3.connect(tmp_path / "rightsdata.sqlite")
    db.execute(create_table(package.resources["text_transforms"]))
    db.commit()
    db.close()
    ds = datasette.Datasette(files=[str(tmp_path / "rightsdata.sqlite")], metadata=datasette_metadata(package))

    async def page():
        return await ds.client.get("/rightsdata/text_transforms")

    response = asyncio.run(page())
    assert response.status_code == 200
    assert "`repairs`" in metadata.resources()["text_transforms"].description
    assert "<code>repairs</code>" in response.text and "`" not in response.text
