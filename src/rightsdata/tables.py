"""Reading and writing the package's CSV resources the way every importer does.

Each resource is kept sorted by its primary key and written canonically (cells.write_table), so
that importing the same source twice leaves every file byte-identical. An importer owns the rows of
its source: `replace_source_rows` swaps exactly those and leaves every other row alone.
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

from rightsdata import metadata, paths
from rightsdata.cells import CellError, read_cell, write_table


def resource_path(package_dir: Path, name: str, write: bool = False) -> Path:
    """The file of a resource, checked by paths.inside (raises PathError): read through a link
    only inside the package, written never through one."""
    return paths.inside(package_dir, metadata.resources()[name].path, write=write, missing_ok=True)


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
            if None in row or None in row.values():  # DictReader's marks of extra and missing cells
                more = "many" if None in row else "few"
                raise ValueError(f"{res.path}:{reader.line_num}: too {more} cells (the header has {len(res.column_names)}); "
                                 "a comma too many or too few? (run `rightsdata validate` for every problem)")
            try:
                rows.append({k: read_cell(fields[k], v) for k, v in row.items()})
            except (CellError, KeyError, AttributeError) as e:
                raise ValueError(f"{res.path}:{reader.line_num}: {e} (run `rightsdata validate` for every problem)") from None
    return rows


def write_rows(package_dir: Path, name: str, rows: Iterable[dict[str, Any]]) -> None:
    res = metadata.resources()[name]
    write_table(resource_path(package_dir, name, write=True), res.fields, rows, sort_key=res.primary_key)


def replace_sources(package_dir: Path, source_ids: set[str], new_rows: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """In each resource of `new_rows`, replace every row whose source_id is in `source_ids` by the
    new rows. All files are written under temporary names first and then moved into place, so that
    a failure leaves the package as it was. Returns the rows written per resource."""
    staged: list[tuple[Path, Path]] = []
    try:
        for name, rows in new_rows.items():
            res = metadata.resources()[name]
            kept = [r for r in read_rows(package_dir, name) if r.get("source_id") not in source_ids]
            target = resource_path(package_dir, name, write=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            os.close(fd)
            staged.append((Path(tmp), target))
            write_table(Path(tmp), res.fields, kept + list(rows), sort_key=res.primary_key)
        for tmp, target in staged:
            os.replace(tmp, target)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return {name: len(rows) for name, rows in new_rows.items()}


def canonical(package_dir: Path, name: str) -> bool:
    """Rewrite a resource's file in canonical form; return whether it changed."""
    path = resource_path(package_dir, name, write=True)
    before = path.read_bytes()
    write_rows(package_dir, name, read_rows(package_dir, name))
    return path.read_bytes() != before
