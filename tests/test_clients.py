"""The package read by third-party clients nobody here wrote (issue 14): stock frictionless, pandas,
csvkit, R's readr, `frictionless index`, `datapackage-to-datasette`, the Data Package v1 libraries.

Each client reads a sample of the package (the first and last rows of every resource, so every
resource and both ends of its sort order are covered in seconds) and every value is compared with
what the CSV cell stands for under the Table Schema (rightsdata.cells.read_cell)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rightsdata import metadata
from rightsdata.cells import csv_text, read_cell

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
            body = list(reader)
        kept = body if len(body) <= 2 * rows else body[:rows] + body[-rows:]
        (target / res.path).write_text(csv_text(header, kept), encoding="utf-8", newline="")
    return target


@pytest.fixture(scope="module")
def sample(repo, tmp_path_factory) -> Path:
    return sample_package(repo, tmp_path_factory.mktemp("clients") / "package")


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
    if field["type"] == "date" and isinstance(want, str):
        want = dt.date.fromisoformat(want)
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
