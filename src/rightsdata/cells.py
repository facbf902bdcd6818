"""CSV cells and the values they stand for, under a Table Schema field.

One place that says how a value is written to the package's CSV files (canonically, so that
re-running an import gives the same bytes) and how a cell reads back as a JSON value. The
importers, the release builder and the tests all use it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

TRUE_VALUES = ("true", "True", "TRUE", "1")
FALSE_VALUES = ("false", "False", "FALSE", "0")
INTEGER = re.compile(r"[+-]?[0-9]+")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# The delimiter of every list cell (list fields and `source_lines`). Not ",": csvkit, readr and
# spreadsheets take "35,41" for the number 3541 (a digit group separator), silently.
LIST_DELIMITER = ";"


class CellError(ValueError):
    """A cell that cannot be read as its field's type."""


# Characters no text of the package holds: the C0 controls but TAB, LF and CR (text cells may span
# lines), DEL and the C1 controls. Invisible, they come from legacy encodings or terminals (ESC,
# NUL) and break whatever reads the text next: validate reports them, importers never write them.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(text: str | None) -> str | None:
    """The first control character of `text` as U+001B, and where ("U+001B at character 5"), or None."""
    m = CONTROL.search(text or "")
    return f"U+{ord(m.group()):04X} at character {m.start() + 1}" if m else None


def read_cell(field: dict, cell: str) -> Any:
    """The value a CSV cell stands for: None for the missing value, else a Python value of the
    field's type. Raises CellError when the cell is not of the type."""
    if cell == "":
        return None
    kind = field["type"]
    if kind == "string":
        return cell
    if kind == "list":
        item = {"type": field.get("itemType", "string")}
        return [read_item(item, part) for part in cell.split(field.get("delimiter", ","))]
    return read_item(field, cell)


def read_item(field: dict, cell: str) -> Any:
    kind = field["type"]
    if kind == "string":
        return cell
    if kind == "integer":
        text = cell.strip()
        if not INTEGER.fullmatch(text):
            raise CellError(f"{cell!r} is not an integer")
        # int() of a string stops at 4,300 digits; through Decimal it takes any size.
        return int(text) if len(text) < 4000 else int(Decimal(text))
    if kind == "number":
        try:
            number = Decimal(cell.strip())
        except InvalidOperation:
            raise CellError(f"{cell!r} is not a number") from None
        if not number.is_finite():
            raise CellError(f"{cell!r} is not a finite number")
        return int(number) if INTEGER.fullmatch(cell.strip()) else float(number)
    if kind == "boolean":
        if cell in TRUE_VALUES:
            return True
        if cell in FALSE_VALUES:
            return False
        raise CellError(f"{cell!r} is not a boolean (true or false)")
    if kind == "date":
        try:
            return dt.datetime.strptime(cell, "%Y-%m-%d").date().isoformat()
        except ValueError:
            raise CellError(f"{cell!r} is not a date (YYYY-MM-DD)") from None
    raise CellError(f"unsupported type {kind!r}")


BOOLEANS = dict.fromkeys(TRUE_VALUES, True) | dict.fromkeys(FALSE_VALUES, False)


def cell_reader(field: dict) -> Callable[[str], Any]:
    """`read_cell` for one field, the same value or CellError for every cell, with fast paths for
    the cells the package's files hold (plain integers, canonical booleans and dates, lists of
    text): a table's typed reading made several calls a cell."""
    kind = field["type"]
    if kind == "string":
        return lambda cell: cell or None
    if kind == "list":
        item = {"type": field.get("itemType", "string")}
        read = item_reader(item)
        delimiter = field.get("delimiter", ",")
        if item["type"] == "string":
            return lambda cell: cell.split(delimiter) if cell else None
        return lambda cell: [read(part) for part in cell.split(delimiter)] if cell else None
    read = item_reader(field)
    return lambda cell: read(cell) if cell else None


def item_reader(field: dict) -> Callable[[str], Any]:
    """`read_item` for one field (see cell_reader)."""
    kind = field["type"]
    plain_integer = INTEGER.fullmatch
    if kind == "string":
        return lambda cell: cell
    if kind in ("integer", "number"):
        # A plain integer of either type is int() of its text; any other cell as read_item says.
        return lambda cell: int(cell) if len(cell) < 4000 and plain_integer(cell) else read_item(field, cell)
    if kind == "boolean":
        return lambda cell: BOOLEANS[cell] if cell in BOOLEANS else read_item(field, cell)
    if kind == "date":
        def read_date(cell: str) -> str:
            if DATE.fullmatch(cell):  # YYYY-MM-DD: what strptime reads it as, written back as it is
                try:
                    dt.date.fromisoformat(cell)
                    return cell
                except ValueError:
                    pass
            return read_item(field, cell)
        return read_date
    return lambda cell: read_item(field, cell)


def write_cell(field: dict, value: Any) -> str:
    """The canonical CSV text of a value: '' for None, 'true'/'false', integers without '.0',
    lists joined by the field's delimiter."""
    if value is None:
        return ""
    kind = field["type"]
    if kind == "list":
        item = {"type": field.get("itemType", "string")}
        if not value:
            return ""
        return field.get("delimiter", ",").join(write_cell(item, v) for v in value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise CellError(f"{value!r} is not a boolean")
        return "true" if value else "false"
    if kind == "integer":
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise CellError(f"{value!r} is not an integer")
        return str(int(value))
    if kind == "number":
        if isinstance(value, bool):
            raise CellError(f"{value!r} is not a number")
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        if isinstance(value, Decimal):
            return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
        return repr(value) if isinstance(value, float) else str(value)
    if kind == "date":
        return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
    return str(value)


ZERO_FRACTION = re.compile(r"([+-]?[0-9]+)\.0+")


def canonical_cell(field: dict, cell: str) -> str:
    """The canonical text of a cell as `rightsdata format` writes it, worked on the text so that a
    value's digits never change (no trip through float: 1e400, 0.1000000000000000055 and
    1234567890123456789.5 stay as they are): booleans are written true/false and a number's
    fraction of zeros only is dropped (4400.0 is 4400); every other cell is kept as it is."""
    kind = field["type"]
    if cell == "" or kind not in ("boolean", "number", "list"):
        return cell
    if kind == "list":
        item = {"type": field.get("itemType", "string")}
        delimiter = field.get("delimiter", ",")
        return delimiter.join(canonical_cell(item, part) for part in cell.split(delimiter))
    if kind == "number":
        whole = ZERO_FRACTION.fullmatch(cell)
        return whole.group(1) if whole else cell
    try:
        return write_cell(field, read_item(field, cell))
    except CellError:
        return cell  # not a boolean: left for validate to report, not made one


CANONICAL_BOOLEANS = {cell: "true" if value else "false" for cell, value in BOOLEANS.items()}


def cell_canonicalizer(field: dict) -> Callable[[str], str] | None:
    """`canonical_cell` for one field, the same text for every cell, made once (as cell_reader
    and cell_writer are); None for the fields whose every cell canonical_cell keeps as it is (types
    other than boolean, number and lists of them: a list's parts split and joined again are the
    cell), so that a table's canonical form leaves those columns alone."""
    kind = field["type"]
    if kind == "list":
        part = cell_canonicalizer({"type": field.get("itemType", "string")})
        if part is None:
            return None
        delimiter = field.get("delimiter", ",")
        return lambda cell: delimiter.join([part(item) for item in cell.split(delimiter)])
    if kind == "number":
        whole_number = ZERO_FRACTION.fullmatch

        def number(cell: str) -> str:
            if "." not in cell:  # (a fraction of zeros only has its point: most cells have none)
                return cell
            whole = whole_number(cell)
            return whole.group(1) if whole else cell
        return number
    if kind == "boolean":
        return lambda cell: CANONICAL_BOOLEANS.get(cell, cell)  # (not a boolean: left for validate to report)
    return None


def row_to_json(fields: list[dict], row: dict[str, str]) -> dict[str, Any]:
    """A CSV row (cells by field name) as the JSON object its JSON Schema describes."""
    return json_reader(fields)(row)


def json_reader(fields: list[dict]) -> Callable[[dict[str, str]], dict[str, Any]]:
    """`row_to_json` for rows of these fields, each field's reader made once (`cell_reader`, which
    reads as read_cell): for a table's rows."""
    readers = [(f["name"], cell_reader(f)) for f in fields]
    return lambda row: {name: read(row.get(name, "")) for name, read in readers}


def json_to_row(fields: list[dict], obj: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: write_cell(f, obj.get(f["name"])) for f in fields}


# --- canonical CSV --------------------------------------------------------------------------------

def csv_text(header: list[str], rows: Iterable[Iterable[str]]) -> str:
    """UTF-8 text of a CSV file as the package writes it: LF line ends; a cell is quoted when it
    holds a comma, a quote, a line feed or a carriage return. (Python's csv writer leaves a bare
    carriage return unquoted when lines end in LF, which breaks the row.)"""
    return "".join(csv_line(row) for row in [header, *rows])


_NEEDS_QUOTES = re.compile('[,"\n\r]').search  # one regex search per cell: a generator per cell made writes slow


_QUOTE_OR_BREAK = re.compile('["\n\r]').search


def csv_line(cells: Iterable[str]) -> str:
    cells = list(cells)
    if cells == [""]:
        return '""\n'  # a lone empty cell would otherwise be a blank line
    line = ",".join(cells)
    # Most records need no quotes: no cell holds a comma (the line has only the joins') nor a quote
    # or a line break. One look at the line, where a look at each cell made writes slow.
    if line.count(",") == len(cells) - 1 and not _QUOTE_OR_BREAK(line):
        return line + "\n"
    needs_quotes = _NEEDS_QUOTES  # (a list and a local name: a quarter less than a generator over the global)
    return ",".join([c if not needs_quotes(c) else '"' + c.replace('"', '""') + '"' for c in cells]) + "\n"


def write_table(path: Path, fields: list[dict], rows: Iterable[dict[str, Any]], sort_key: list[str] | None = None) -> None:
    """Write rows (values by field name) to `path` canonically, sorted by `sort_key` values when given."""
    names = [f["name"] for f in fields]
    rows = list(rows)
    if sort_key:
        rows.sort(key=row_sort_key(sort_key))
    write = record_writer(fields)
    text = csv_text(names, map(write, rows))
    path.write_text(text, encoding="utf-8", newline="")


def row_sort_key(names: list[str]) -> Callable[[dict[str, Any]], tuple]:
    """The sort key of a row (values by field name) by the values of `names` (`_sortable` each)."""
    if len(names) == 1:
        (name,) = names
        return lambda row: (_sortable(row.get(name)),)
    return lambda row: tuple([_sortable(row.get(name)) for name in names])


def record_writer(fields: list[dict]) -> Callable[[dict[str, Any]], list[str]]:
    """The CSV cells of a row (values by field name), as `write_cell` writes each: the values
    gathered in one pass, the fields of other types than string converted, then the text of every
    string (one pass over the row, where a call per cell made an import's writes slow)."""
    names = [f["name"] for f in fields]
    others = [(i, cell_writer(f)) for i, f in enumerate(fields) if f["type"] != "string"]

    def write(row: dict[str, Any]) -> list[str]:
        values = [row.get(name) for name in names]
        for i, convert in others:
            values[i] = convert(values[i])
        return [v if v.__class__ is str else "" if v is None else str(v) for v in values]

    return write


def cell_writer(field: dict):
    """`write_cell` for one field, the same text for every value, with fast paths for the values
    most cells of the package hold (text, integers, booleans, lists of text): one call each, where
    write_cell made several."""
    kind = field["type"]
    if kind == "string":
        return lambda value: value if type(value) is str else "" if value is None else str(value)
    if kind in ("integer", "number"):
        return lambda value: str(value) if type(value) is int else "" if value is None else write_cell(field, value)
    if kind == "boolean":
        return lambda value: "true" if value is True else "false" if value is False else "" if value is None else write_cell(field, value)
    if kind == "list" and field.get("itemType", "string") == "string":
        delimiter = field.get("delimiter", ",")

        def write_list(value) -> str:
            if value.__class__ is list:
                try:
                    return delimiter.join(value)  # (the text of each item, as write_cell writes it)
                except TypeError:  # an item that is not text
                    pass
            return write_cell(field, value)
        return write_list
    return lambda value: write_cell(field, value)


def _sortable(value: Any) -> tuple:
    # None first, then numbers before strings, so that sorting never compares across types.
    if value.__class__ is str:  # (most values: one test)
        return (2, 0, value)
    if value is None:
        return (0, 0, "")
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return (1, value, "")
    return (2, 0, str(value))
