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

from pathlib import Path
from typing import TYPE_CHECKING

from rightsdata import package as pkg
from rightsdata import tables

if TYPE_CHECKING:
    import pandas

DTYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean", "list": "object"}


class LoadError(ValueError):
    """A resource that cannot be read as its schema says; the message names the file, line and field."""


def read_package(package_dir: str | Path = ".") -> dict[str, pandas.DataFrame]:
    """Every resource of the package, typed, by resource name."""
    package = _package(package_dir)
    return {name: _frame(res) for name, res in package.resources.items()}


def read_csv(resource: str, package_dir: str | Path = ".") -> pandas.DataFrame:
    """One resource of the package, typed from its Table Schema."""
    package = _package(package_dir)
    res = package.resources.get(resource)
    if res is None:
        raise LoadError(f"{package.descriptor_path}: no resource {resource!r} (it has {', '.join(package.resources)})")
    return _frame(res)


def _package(package_dir: str | Path) -> pkg.Package:
    # pkg.load reads the descriptor without trusting it: no path outside the package is opened.
    try:
        return pkg.load(Path(package_dir), check_profile=False)
    except pkg.PackageError as e:
        raise LoadError(str(e)) from None


def _frame(res: pkg.Resource) -> pandas.DataFrame:
    import pandas as pd

    if res.file is None:
        raise LoadError("; ".join(p.message for p in res.problems) or f"resource {res.name!r} has no readable file")
    fields = res.fields
    columns: dict[str, list] = {f["name"]: [] for f in fields}
    try:
        _, records = tables.read_csv_file(res.file, res.path, res.column_names)
        for line, record in records:
            for field, cell in zip(fields, record):
                columns[field["name"]].append(tables.typed_cell(res, field, cell, line))
    except tables.TableError as e:
        raise LoadError(str(e)) from None
    frame = {}
    for field in fields:
        values = columns[field["name"]]
        try:
            if field["type"] == "date":
                frame[field["name"]] = pd.to_datetime(pd.Series(values, dtype="object"), format="%Y-%m-%d")
            else:
                frame[field["name"]] = pd.Series(values, dtype=DTYPES[field["type"]])
        except (ValueError, OverflowError, TypeError) as e:  # an integer beyond Int64, a date beyond pandas' range
            raise LoadError(f"{res.path}: field {field['name']!r}: a value pandas cannot hold as "
                            f"{field['type']}: {str(e).splitlines()[0]}") from None
    return pd.DataFrame(frame)
