"""Read the package's tables into pandas, typed from their Table Schemas.

A reader left to guess types gets this package wrong: codes that look like numbers (`numeric`
"004", references "88.10") lose their zeros, integer columns with empty cells become floats. Here
every column takes its Table Schema type: strings stay text exactly as in the file, integers are
nullable `Int64`, numbers `Float64`, booleans `boolean`, dates `datetime64`, lists Python lists;
an empty cell is the missing value. pandas is an optional dependency (`pip install pandas`).

    from rightsdata.load import read_csv, read_package
    enforcement = read_csv("enforcement")             # the package in the current directory
    tables = read_package("path/to/rightsdata")       # every resource, by name
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from rightsdata import package as pkg
from rightsdata.cells import CellError, read_cell

if TYPE_CHECKING:
    import pandas

DTYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean", "list": "object"}


class LoadError(ValueError):
    """A resource that cannot be read as its schema says; the message names the file, line and field."""


def read_package(package_dir: str | Path = ".") -> dict[str, "pandas.DataFrame"]:
    """Every resource of the package, typed, by resource name."""
    package = pkg.load(Path(package_dir), check_profile=False)
    return {name: _frame(res) for name, res in package.resources.items()}


def read_csv(resource: str, package_dir: str | Path = ".") -> "pandas.DataFrame":
    """One resource of the package, typed from its Table Schema."""
    package = pkg.load(Path(package_dir), check_profile=False)
    res = package.resource(resource)
    if res is None:
        raise LoadError(f"{package.descriptor_path}: no resource {resource!r} (it has {', '.join(package.resources)})")
    return _frame(res)


def _frame(res: pkg.Resource) -> "pandas.DataFrame":
    import pandas as pd

    if res.file is None:
        raise LoadError("; ".join(p.message for p in res.problems) or f"resource {res.name!r} has no readable file")
    fields = res.fields
    columns: dict[str, list] = {f["name"]: [] for f in fields}
    with open(res.file, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        if header != list(columns):
            raise LoadError(f"{res.path}:1: the header {header} is not the schema's columns {list(columns)}")
        for row in reader:
            if len(row) != len(fields):
                raise LoadError(f"{res.path}:{reader.line_num}: {len(row)} cells, the header has {len(fields)}")
            for field, cell in zip(fields, row):
                try:
                    columns[field["name"]].append(read_cell(field, cell))
                except CellError as e:
                    raise LoadError(f"{res.path}:{reader.line_num}: field {field['name']!r}: {e}") from None
    frame = {}
    for field in fields:
        values = columns[field["name"]]
        if field["type"] == "date":
            frame[field["name"]] = pd.to_datetime(pd.Series(values, dtype="object"), format="%Y-%m-%d")
        else:
            frame[field["name"]] = pd.Series(values, dtype=DTYPES[field["type"]])
    return pd.DataFrame(frame)
