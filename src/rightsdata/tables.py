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
from rightsdata.cells import CellError, _sortable, canonical_cell, csv_text, read_cell, write_table


class TableError(ValueError):
    """A resource's file that cannot be read as its schema says; the message names file:line."""


def resource_path(package_dir: Path, name: str, write: bool = False) -> Path:
    """The file of a resource, checked by paths.inside (raises PathError): read through a link
    only inside the package, written never through one."""
    return paths.inside(package_dir, metadata.resources()[name].path, write=write, missing_ok=True)


def text_rows(package_dir: Path, name: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of a resource's file as text cells by column name, each with the line it starts
    on ([] when the file does not exist). A file that is not one clean table raises TableError
    naming file:line: a header unlike the schema's, a row with a cell too many or too few, a
    quoted cell not closed or followed by more text (the csv module would read on to the end of
    the file, or join the text, where validate reports the row), bytes that are not UTF-8."""
    res = metadata.resources()[name]
    path = resource_path(package_dir, name)
    if not path.exists():
        return []
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, strict=True)
        start = 1
        try:
            if reader.fieldnames != res.column_names:
                raise TableError(f"{res.path}:1: header {reader.fieldnames} differs from the schema's columns {res.column_names}")
            start = reader.line_num + 1
            for row in reader:
                if None in row or None in row.values():  # DictReader's marks of extra and missing cells
                    more = "many" if None in row else "few"
                    raise TableError(f"{res.path}:{start}: too {more} cells (the header has {len(res.column_names)}); "
                                     "a comma too many or too few? (run `rightsdata validate` for every problem)")
                rows.append((start, row))
                start = reader.line_num + 1
        except csv.Error as e:
            why = "a quoted cell is not closed before the end of the file" if "end of data" in str(e) else f"not readable as CSV ({e})"
            raise TableError(f"{res.path}:{start}: {why} (run `rightsdata validate` for every problem)") from None
        except UnicodeDecodeError:
            data = path.read_bytes()  # the error's position is within a block read: find the line
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as e:
                line = data.count(b"\n", 0, e.start) + 1
                raise TableError(f"{res.path}:{line}: not UTF-8 text (byte 0x{data[e.start]:02X}: {e.reason}); "
                                 "save the file as UTF-8") from None
            raise
    return rows


def read_rows(package_dir: Path, name: str) -> list[dict[str, Any]]:
    """The rows of a resource as typed values by column name ([] when the file does not exist)."""
    res = metadata.resources()[name]
    fields = {f["name"]: f for f in res.fields}
    rows = []
    for line, row in text_rows(package_dir, name):
        try:
            rows.append({k: read_cell(fields[k], v) for k, v in row.items()})
        except (CellError, KeyError, AttributeError) as e:
            raise TableError(f"{res.path}:{line}: {e} (run `rightsdata validate` for every problem)") from None
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


def canonical_text(package_dir: Path, name: str) -> str:
    """A resource's file in canonical form (`rightsdata format`): rows sorted by primary key as the
    importers sort them, LF line ends, each cell's text made canonical (`cells.canonical_cell`),
    which never changes a value. TableError naming file:line for a file validate rejects as a
    whole or row by row for its layout (see `text_rows`, and mixed line ends)."""
    from rightsdata.schema_check import line_end_problem

    res = metadata.resources()[name]
    problem = line_end_problem(resource_path(package_dir, name).read_bytes().decode("utf-8", errors="replace"))
    if problem:
        raise TableError(f"{res.path}:{problem[0]}: {problem[1]}")
    fields = {f["name"]: f for f in res.fields}
    keyed = []
    for line, row in text_rows(package_dir, name):
        try:
            key = tuple(_sortable(read_cell(fields[k], row[k])) for k in res.primary_key)
        except CellError as e:
            raise TableError(f"{res.path}:{line}: {e}: the primary key must be valid to sort the rows") from None
        keyed.append((key, [canonical_cell(fields[k], row[k]) for k in res.column_names]))
    keyed.sort(key=lambda pair: pair[0])
    return csv_text(res.column_names, (cells for _, cells in keyed))


def canonical(package_dir: Path, name: str) -> bool:
    """Rewrite a resource's file in canonical form; return whether it changed."""
    path = resource_path(package_dir, name, write=True)
    text = canonical_text(package_dir, name)
    if text.encode("utf-8") == path.read_bytes():
        return False
    path.write_text(text, encoding="utf-8", newline="")
    return True
