"""Reading and writing the package's CSV resources the way every importer does.

Each resource is kept sorted by its primary key and written canonically (cells.write_table), so
that importing the same source twice leaves every file byte-identical. An importer owns the rows of
its source: `replace_source_rows` swaps exactly those and leaves every other row alone.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Iterable

from rightsdata import metadata
from rightsdata.cells import CellError, read_cell, write_table


def resource_path(package_dir: Path, name: str) -> Path:
    return package_dir / metadata.resources()[name].path


def read_rows(package_dir: Path, name: str) -> list[dict[str, Any]]:
    """The rows of a resource as typed values by column name ([] when the file does not exist)."""
    res = metadata.resources()[name]
    path = resource_path(package_dir, name)
    if not path.exists():
        return []
    fields = {f["name"]: f for f in res.fields}
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != res.column_names:
            raise ValueError(f"{res.path}:1: header {reader.fieldnames} differs from the schema's columns {res.column_names}")
        for row in reader:
            try:
                rows.append({k: read_cell(fields[k], v) for k, v in row.items()})
            except (CellError, KeyError, AttributeError) as e:
                raise ValueError(f"{res.path}:{reader.line_num}: {e} (run `rightsdata validate` for every problem)") from None
    return rows


def write_rows(package_dir: Path, name: str, rows: Iterable[dict[str, Any]]) -> None:
    res = metadata.resources()[name]
    write_table(resource_path(package_dir, name), res.fields, rows, sort_key=res.primary_key)


def replace_source_rows(package_dir: Path, name: str, source_ids: set[str], rows: Iterable[dict[str, Any]]) -> int:
    """Replace every row of `name` whose source_id is in `source_ids` by `rows`; return the count written."""
    rows = list(rows)
    kept = [r for r in read_rows(package_dir, name) if r.get("source_id") not in source_ids]
    write_rows(package_dir, name, kept + rows)
    return len(rows)


def canonical(package_dir: Path, name: str) -> bool:
    """Rewrite a resource's file in canonical form; return whether it changed."""
    path = resource_path(package_dir, name)
    before = path.read_bytes()
    write_rows(package_dir, name, read_rows(package_dir, name))
    return path.read_bytes() != before
