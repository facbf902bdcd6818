"""Reading and writing the package's CSV resources: the one CSV reader and writer of rightsdata.

What a resource is (its file, columns, types and primary key) comes from the package's own
datapackage.json and schemas/, never from the installed metadata YAML (which only generates them).

Each resource is kept sorted by its primary key and written canonically (cells.write_table), so
that importing the same source twice leaves every file byte-identical. An importer owns the rows of
its source: `replace_sources` swaps exactly those and leaves every other row alone.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import functools
import gc
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from rightsdata import cells, paths
from rightsdata import package as pkg
from rightsdata.cells import CellError, _sortable, cell_canonicalizer, cell_reader, csv_text, read_cell, record_writer, write_table


class TableError(ValueError):
    """A resource's file that cannot be read as its schema says; the message names file:line."""


def resources(package_dir: Path) -> dict[str, pkg.Resource]:
    """The package's resources as its own datapackage.json and schemas/ describe them: every
    command works on the package it is given, whatever rightsdata version is installed. A
    descriptor that cannot be read raises TableError (see package.load). Within `reading_once`,
    read once while unchanged (callers must not change what it returns)."""
    package_dir = Path(package_dir)
    if KEPT.get() is None:
        return _load_resources(package_dir)
    # Kept while the descriptor and the files of schemas/ are unchanged (where this package's
    # schemas are; a schema kept elsewhere is not watched, which only matters if it changed within
    # the block): an import asked for the resources about 15 times, 6 ms each.
    schemas = package_dir / "schemas"
    try:
        files = [package_dir / "datapackage.json", *(sorted(schemas.iterdir()) if schemas.is_dir() else [])]
    except OSError:
        return _load_resources(package_dir)  # (package.load says what is wrong)
    return once_for_files(files, ("resources", str(package_dir.resolve())), lambda: _load_resources(package_dir))


def _load_resources(package_dir: Path) -> dict[str, pkg.Resource]:
    try:
        return pkg.load(package_dir, check_profile=False).resources
    except pkg.PackageError as e:
        raise TableError(str(e)) from None


def resource(package_dir: Path, name: str) -> pkg.Resource:
    """One resource of the package's descriptor; TableError when it has none of that name."""
    found = resources(package_dir)
    if name not in found:
        raise TableError(f"{Path(package_dir) / 'datapackage.json'}: no resource {name!r} (it has {', '.join(found)})")
    return found[name]


def resource_path(package_dir: Path, name: str, write: bool = False) -> Path:
    """The file of a resource, checked by paths.inside (raises PathError): read through a link
    only inside the package, written never through one."""
    return resource_file(package_dir, resource(package_dir, name), write)


def resource_file(package_dir: Path, res: pkg.Resource, write: bool = False) -> Path:
    """`resource_path` for a resource already described (no second reading of the descriptor)."""
    if res.path is None:
        raise TableError(f"datapackage.json: resource {res.name!r} has no usable 'path'")
    return paths.inside(package_dir, res.path, write=write, missing_ok=True)


# Within `reading_once`, each file is read once while it is unchanged (same size, modification
# time and inode): an import reads the package's largest files twice (to pair its rows with another
# source's, then to replace them), `generate` up to three times (row counts, coverage tables,
# new columns); and the descriptor with its schemas (`resources`). Outside it nothing is kept.
KEPT: contextvars.ContextVar[dict | None] = contextvars.ContextVar("tables_kept", default=None)


@contextlib.contextmanager
def reading_once():
    """A block within which `read_csv_file` keeps what it read (callers must not change it)."""
    token = KEPT.set({}) if KEPT.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            KEPT.reset(token)


@contextlib.contextmanager
def collector_paused():
    """Python's cyclic collector paused within the block (and left as it was after it). Reading
    or writing the package's tables makes hundreds of thousands of lists, dicts and tuples and no
    reference cycles; each pass of the collector walks every object kept so far, so that the
    passes over the rows already read cost more than reading them (a `diff` of the package
    against its release: 9 s in the reader, 2.5 s without the collector)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_csv_file(path: Path, shown: str, columns: list[str] | None = None) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """`_read_csv_file`, read once within `reading_once`."""
    return once_for_files([path], ("records", shown, tuple(columns) if columns is not None else None),
                          lambda: _read_csv_file(path, shown, columns))


def read_csv_dicts(path: Path, shown: str) -> list[dict[str, str]]:
    """The records of `read_csv_file` as text cells by column name, made once within `reading_once`
    (callers must not change what it returns)."""
    def dicts() -> list[dict[str, str]]:
        header, records = read_csv_file(path, shown)
        return [dict(zip(header, record)) for _, record in records]
    return once_for_files([path], ("dicts", shown), dicts)


def once_for_files(files: Iterable[Path], what: tuple, make: Callable[[], Any]) -> Any:
    """`make()` of what is worked out from `files`, once for them as they are (each one's size,
    time and inode, or its absence; nothing is kept when `make` raises) within `reading_once`;
    callers must not change what it returns."""
    kept = KEPT.get()
    if kept is None:
        return make()
    key = (*what, *((str(f), s.st_mtime_ns, s.st_size, s.st_ino) if (s := _stat(f)) else (str(f), None) for f in files))
    if key not in kept:
        kept[key] = make()
    return kept[key]


def _stat(path: Path) -> os.stat_result | None:
    try:
        return Path(path).stat()
    except OSError:  # absent or unreadable: `make` says what is wrong
        return None


def _read_csv_file(path: Path, shown: str, columns: list[str] | None = None) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The one reader of the package's CSV files: the header, and each record with the line it
    starts on (blank lines skipped, as csv.DictReader does). With `columns`, the header must be
    those. A file that is not one clean table raises TableError naming `shown`:line: a header
    unlike the schema's, a row with a cell too many or too few, a quoted cell not closed or
    followed by more text (the csv module would read on to the end of the file, or join the
    text, where validate reports the row), bytes that are not UTF-8."""
    records = []
    with collector_paused(), open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, strict=True)
        start = 1
        try:
            header = next(reader, None) or []  # (None: an empty file)
            if columns is not None and header != columns:
                raise TableError(f"{shown}:1: header {header} differs from the schema's columns {columns}")
            start = reader.line_num + 1
            for record in reader:
                if not record:
                    continue
                if len(record) != len(header):
                    more = "many" if len(record) > len(header) else "few"
                    raise TableError(f"{shown}:{start}: too {more} cells (the header has {len(header)}); "
                                     "a comma too many or too few? (run `rightsdata validate` for every problem)")
                records.append((start, record))
                start = reader.line_num + 1
        except csv.Error as e:
            why = "a quoted cell is not closed before the end of the file" if "end of data" in str(e) else f"not readable as CSV ({e})"
            raise TableError(f"{shown}:{start}: {why} (run `rightsdata validate` for every problem)") from None
        except UnicodeDecodeError:
            data = Path(path).read_bytes()  # the error's position is within a block read: find the line
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as e:
                line = data.count(b"\n", 0, e.start) + 1
                raise TableError(f"{shown}:{line}: not UTF-8 text (byte 0x{data[e.start]:02X}: {e.reason}); "
                                 "save the file as UTF-8") from None
            raise
    return header, records


def text_rows(package_dir: Path, name: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of a resource's file as text cells by column name, each with the line it starts
    on ([] when the file does not exist); see `read_csv_file` for what raises TableError."""
    res = resource(package_dir, name)
    return _text_rows(package_dir, res)


def _text_rows(package_dir: Path, res: pkg.Resource) -> list[tuple[int, dict[str, str]]]:
    path = resource_file(package_dir, res)
    if not path.exists():
        return []
    header, records = read_csv_file(path, res.path, res.column_names)
    return [(line, dict(zip(header, record))) for line, record in records]


def typed_cell(res: pkg.Resource, field: dict, cell: str, line: int) -> Any:
    """A cell's value under its field; TableError naming file:line and the field."""
    try:
        return read_cell(field, cell)
    except (CellError, KeyError, AttributeError) as e:  # (the last two: a field descriptor of an unusable shape)
        raise TableError(f"{res.path}:{line}: field {field['name']!r}: {e} (run `rightsdata validate` for every problem)") from None


def read_rows(package_dir: Path, name: str) -> list[dict[str, Any]]:
    """The rows of a resource as typed values by column name ([] when the file does not exist)."""
    return _read_rows(package_dir, resource(package_dir, name))


def _read_rows(package_dir: Path, res: pkg.Resource) -> list[dict[str, Any]]:
    path = resource_file(package_dir, res)
    if not path.exists():
        return []
    return paused_while_made(functools.partial(_typed_rows, res, path))  # (a dict a row, no cycles: see collector_paused)


def _typed_rows(res: pkg.Resource, path: Path) -> list[dict[str, Any]]:
    header, records = read_csv_file(path, res.path, res.column_names)
    fields = {f["name"]: f for f in res.fields}
    # A string cell is its own value (None when empty): most cells, read without a call each.
    typed = [(i, name, cell_reader(fields[name])) for i, name in enumerate(header) if fields[name]["type"] != "string"]
    rows = []
    for line, record in records:
        row = dict(zip(header, [cell or None for cell in record]))
        try:
            for i, name, read in typed:
                row[name] = read(record[i])
        except (CellError, KeyError, AttributeError):  # the cell's error, named as typed_cell names it
            for i, name, _ in typed:
                typed_cell(res, fields[name], record[i], line)
            raise
        rows.append(row)
    return rows


def write_rows(package_dir: Path, name: str, rows: Iterable[dict[str, Any]]) -> None:
    """Write a resource's file from rows (values by column name), sorted by primary key."""
    res = resource(package_dir, name)
    with collector_paused():  # (a sort key and a record a row, no cycles)
        write_table(resource_file(package_dir, res, write=True), res.fields, rows, sort_key=res.primary_key)


def replace_sources(package_dir: Path, source_ids: set[str], new_rows: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """In each resource of `new_rows`, replace every row whose source_id is in `source_ids` by the
    new rows. All files are written under temporary names first and then moved into place, so that
    a failure leaves the package as it was. Returns the rows written per resource."""
    staged: list[tuple[Path, Path]] = []
    described = resources(package_dir)
    try:
        for name, rows in new_rows.items():
            if name not in described:
                raise TableError(f"{Path(package_dir) / 'datapackage.json'}: no resource {name!r} to write the rows into")
            res = described[name]
            target = resource_file(package_dir, res, write=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            os.close(fd)
            staged.append((Path(tmp), target))
            # The file's own mode (a new file's: what the umask allows), not mkstemp's owner-only one.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~umask)
            text = paused_while_made(functools.partial(merged_text, package_dir, res, source_ids, rows))
            Path(tmp).write_text(text, encoding="utf-8", newline="")
        for tmp, target in staged:
            os.replace(tmp, target)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return {name: len(rows) for name, rows in new_rows.items()}


def merged_text(package_dir: Path, res: pkg.Resource, source_ids: set[str], rows: list[dict[str, Any]]) -> str:
    """The text of a resource's file once the rows of `source_ids` are replaced by `rows`."""
    return csv_text(res.column_names, merged_records(package_dir, res, source_ids, rows))


def merged_records(package_dir: Path, res: pkg.Resource, source_ids: set[str], rows: list[dict[str, Any]]) -> list[list[str]]:
    """The records of a resource's file once the rows of `source_ids` are replaced by `rows`, sorted
    by primary key. The rows of other sources are kept as their text, typed only in their key
    (to sort them): an import neither rewrites nor needs to read every cell of another source."""
    fields = {f["name"]: f for f in res.fields}
    key = res.primary_key
    keyed: list[tuple[tuple, list[str]]] = []
    path = resource_file(package_dir, res)
    if path.exists():
        header, records = read_csv_file(path, res.path, res.column_names)
        record_key = record_sort_key(res, header)
        source = header.index("source_id") if "source_id" in header else None
        for line, record in records:
            if source is None or (record[source] or None) not in source_ids:
                try:
                    sort_key = record_key(record)
                except (CellError, KeyError, AttributeError):  # typed_cell says which cell, on which line
                    sort_key = tuple(_sortable(typed_cell(res, fields[k], record[header.index(k)], line)) for k in key)
                keyed.append((sort_key, record))
    write, sort_key_of = record_writer(res.fields), cells.row_sort_key(key)
    keyed += [(sort_key_of(row), write(row)) for row in rows]
    keyed.sort(key=lambda pair: pair[0])
    return [record for _, record in keyed]


def record_sort_key(res: pkg.Resource, header: list[str]) -> Callable[[list[str]], tuple]:
    """The sort key of a record of text cells (in the order of `header`) by its primary key: what
    `cells.row_sort_key` gives of the row `read_rows` reads from it (CellError as read_cell raises
    it), without the row."""
    fields = {f["name"]: f for f in res.fields}
    readers = [(header.index(k), sortable_reader(fields[k])) for k in res.primary_key]
    if len(readers) == 1:
        ((i, read),) = readers
        return lambda record: (read(record[i]),)
    return lambda record: tuple([read(record[i]) for i, read in readers])


NONE_SORTABLE = _sortable(None)


def sortable_reader(field: dict) -> Callable[[str], tuple]:
    """`_sortable` of a cell's value (`cell_reader`), in one call for the key cells most records
    have (text, plain integers)."""
    read = cell_reader(field)
    kind = field["type"]
    if kind == "string":
        return lambda cell: (2, 0, cell) if cell else NONE_SORTABLE  # (_sortable of the text, of None)
    if kind in ("integer", "number"):
        plain_integer = cells.INTEGER.fullmatch  # (what cell_reader reads as int(cell))
        return lambda cell: (1, int(cell), "") if len(cell) < 4000 and plain_integer(cell) else _sortable(read(cell))
    return lambda cell: _sortable(read(cell))


def canonical_text(package_dir: Path, res: pkg.Resource) -> str:
    """A resource's file in canonical form (`rightsdata format`): rows sorted by primary key as the
    importers sort them, LF line ends, each cell's text made canonical (`cells.canonical_cell`),
    which never changes a value. TableError naming file:line for a file validate rejects as a
    whole or row by row for its layout (see `read_csv_file`, and mixed line ends)."""
    path = resource_file(package_dir, res)
    text = path.read_bytes().decode("utf-8", errors="replace")
    # The line ends' problem comes first. A file without a carriage return can only have one that
    # the strict reader of `_canonical_text` rejects too (a cell the CSV reader refuses, bytes that
    # are not UTF-8): it is looked for then, where a look at every file read each file twice.
    if "\r" in text:
        _refuse_line_ends(res, text)
    try:
        return paused_while_made(lambda: _canonical_text(res, path))
    except TableError:
        _refuse_line_ends(res, text)
        raise


def _refuse_line_ends(res: pkg.Resource, text: str) -> None:
    from rightsdata.schema_check import line_end_problem

    problem = line_end_problem(text)
    if problem:
        raise TableError(f"{res.path}:{problem[0]}: {problem[1]}")


def paused_while_made(make: Callable[[], Any]) -> Any:
    """`make()` with the collector paused (see collector_paused) until what it made and dropped is
    gone: only its result is alive when the collector resumes. A collector resumed while the rows
    are still alive walks them all at once (its pass over the youngest objects, which holds every
    object made while it was paused): half a second of `rightsdata format`'s 3.5."""
    with collector_paused():
        return make()


def _canonical_text(res: pkg.Resource, path: Path) -> str:
    """`canonical_text` of a file whose line ends are of one kind: each field worked out once (the
    key read by `cell_reader`, the columns `cell_canonicalizer` changes made canonical, the others
    left as they are), no dict a row."""
    names = res.column_names
    fields = {f["name"]: f for f in res.fields}
    header, records = read_csv_file(path, res.path, names) if path.exists() else (names, [])
    record_key = record_sort_key(res, header)
    changes = [(i, change) for i, name in enumerate(header) if (change := cell_canonicalizer(fields[name])) is not None]
    keyed = []
    for line, record in records:  # (a key and a record a row, no cycles)
        try:
            key = record_key(record)
        except CellError as e:
            raise bad_key_cell(res, fields, header, record, line, e) from None
        if changes:
            record = record.copy()  # (the records read are kept within `reading_once`)
            for i, change in changes:
                record[i] = change(record[i])
        keyed.append((key, record))
    keyed.sort(key=lambda pair: pair[0])
    return csv_text(names, [record for _, record in keyed])


def bad_key_cell(res: pkg.Resource, fields: dict[str, dict], header: list[str], record: list[str], line: int,
                 error: CellError) -> TableError:
    """The TableError for a record whose key did not read (`error`), naming file:line and the field
    of its first key cell that does not read as its type, as `typed_cell` names a cell."""
    for k in res.primary_key:
        try:
            read_cell(fields[k], record[header.index(k)])
        except CellError as e:
            return TableError(f"{res.path}:{line}: field {k!r}: {e}: the primary key must be valid to sort the rows")
    return TableError(f"{res.path}:{line}: {error}: the primary key must be valid to sort the rows")


def canonical(package_dir: Path, name: str) -> bool:
    """Rewrite a resource's file in canonical form; return whether it changed."""
    res = resource(package_dir, name)
    path = resource_file(package_dir, res, write=True)
    text = canonical_text(package_dir, res)
    if text.encode("utf-8") == path.read_bytes():
        return False
    path.write_text(text, encoding="utf-8", newline="")
    return True
