"""Table Schema checks as set-based queries in DuckDB.

Each CSV file is loaded once as text columns (an empty cell is the missing value); every type,
constraint and key of its Table Schema then becomes one query that returns the offending rows.
Line numbers are physical lines of the file: the header is line 1, and a cell that spans lines
moves every later row down.

Semantics follow frictionless (the reference implementation of Table Schema); where they differ by
design (rightsdata is stricter: no NaN or Infinity numbers, no '_' digit separators, no byte-order
mark), the README says so.
"""

from __future__ import annotations

import bisect
import csv
import dataclasses
import functools
import hashlib
import io
import itertools
import json
import os
import re
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import duckdb

from rightsdata import metadata
from rightsdata.cells import CONTROL, FALSE_VALUES, TRUE_VALUES, CellError, control_character, read_cell
from rightsdata.findings import Finding, declare, declared
from rightsdata.package import Package, Resource

# The checks of this module (`rightsdata rules` lists them in this order).
ENCODING = declare("file/encoding", "every file is UTF-8 without a byte-order mark", "Other encodings turn names into mojibake.")
HEADER = declare("file/header", "the header row names the schema's fields, in order",
                 "A renamed or moved column shifts every value into the wrong field.")
STRUCTURE = declare("file/structure", "every row has as many cells as the header; quotes are balanced; lines end one way "
                    "(LF, or CR LF)", "A ragged row cannot be read reliably.")
BLANK_ROW = declare("file/blank-row", "no blank lines", "Blank lines are dropped silently by some readers and counted by others.")
CONTROL_CHARACTER = declare("file/control-character", "text cells hold no control characters (NUL, ESC, DEL, C1; TAB, LF "
                            "and CR are allowed)", "Invisible characters from legacy encodings or terminals garble the text "
                            "and break the programs that read it.")
TYPE = declare("schema/type", "each cell reads as its field's type", "A number written as text (\"4,400\") sorts and sums wrongly.")
REQUIRED = declare("schema/required", "required cells are not empty", "A row without its country or year cannot be used.")
PATTERN = declare("schema/pattern", "cells match their field's pattern", "Codes and dates in an unexpected shape do not join.")
ENUM = declare("schema/enum", "codes are in their code list", "An unknown code matches no documentation and no filter.")
RANGE = declare("schema/range", "numbers and years lie within their bounds", "A year 1016 is a typo.")
LENGTH = declare("schema/length", "texts respect their length bounds",
                 "A code of the wrong length (a four-letter country code) is a typo that joins nothing.")
UNIQUE = declare("schema/unique", "unique fields do not repeat", "Identifiers must identify one row.")
PRIMARY_KEY = declare("schema/primary-key", "no two rows share a primary key",
                      "A repeated key is a duplicated (or conflicting) observation.")
FOREIGN_KEY = declare("schema/foreign-key", "foreign keys point at existing rows",
                      "A country code, indicator or recommendation that exists nowhere breaks every join.")

MAX_PER_CHECK = 100  # rows listed per field and kind of error; the rest are counted
BY_VALUE_FROM_ROWS = 10_000  # tables this long check costly cells once per distinct value (`by_value`)
WS = r"[ \t\n\r\f\v]*"
INTEGER_RE = rf"{WS}[+-]?[0-9]+{WS}"
NUMBER_RE = rf"(?i){WS}[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[+-]?[0-9]+)?{WS}"
# The plain forms almost every cell takes, with a cheap cast: a cell in that form reads as its type
# (and, meeting its constraints, is good); only the others meet the full expressions above.
PLAIN = {"integer": ("[0-9]{1,18}", "BIGINT"), "number": ("-?[0-9]{1,15}(\\.[0-9]{1,15})?", "DOUBLE")}
DATE_RE = r"[0-9]{4}-(?:1[0-2]|0[1-9]|[1-9])-(?:3[01]|[12][0-9]|0[1-9]|[1-9])"
NOT_CONTROL_BYTES = bytes(b for b in range(256) if not re.fullmatch(CONTROL, chr(b)) or b >= 0x80)  # C0 and DEL are single bytes
C1_BYTES = re.compile(rb"\xc2[\x80-\x9f]")


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value) -> str:
    """A SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    # Never spill into the package directory (the default temp dir is relative to the cwd).
    con.execute(f"SET temp_directory = {lit(tempfile.gettempdir() + '/rightsdata-duckdb')}")
    con.execute("SET preserve_insertion_order = true")
    # One thread per query, several queries at once (`parallel`): on two cores this beat one query
    # at a time with DuckDB's own threads (benchmarks/validate.py).
    con.execute("SET threads = 1")
    return con


# --- per-type SQL ---------------------------------------------------------------------------------

def type_ok(f: dict, col: str) -> str | None:
    """SQL that is true when the (non-null) text column `col` reads as the field's type."""
    kind = f.get("type", "string")
    if kind == "string":
        return None
    if kind == "list":
        item = type_ok({"type": f.get("itemType", "string")}, "x")
        if item is None:
            return None
        return f"list_bool_and([coalesce({item}, false) FOR x IN string_split({col}, {lit(f.get('delimiter', ','))})])"
    if kind in PLAIN:  # the plain form decides almost every cell cheaply
        full = INTEGER_RE if kind == "integer" else NUMBER_RE
        return f"CASE WHEN regexp_full_match({col}, {lit(PLAIN[kind][0])}) THEN TRUE ELSE regexp_full_match({col}, {lit(full)}) END"
    if kind == "boolean":
        values = [*f.get("trueValues", TRUE_VALUES), *f.get("falseValues", FALSE_VALUES)]
        return f"{col} IN ({', '.join(lit(v) for v in values)})"
    if kind == "date":
        return f"(regexp_full_match({col}, {lit(DATE_RE)}) AND try_strptime({col}, '%Y-%m-%d') IS NOT NULL)"
    raise ValueError(kind)


def typed(f: dict, col: str, read: bool = False) -> str:
    """SQL for the value of the text column `col` under the field's type (NULL when it does not
    read); with read=True, for a cell already known to read as its type (`type_ok`)."""
    kind = f.get("type", "string")
    # DuckDB's cast ignores surrounding whitespace, as Python's int() does. It also reads forms
    # the type does not allow ('12.5' as the integer 13, '1e3', 'NaN'): a cell that fails the type
    # check has no value here, or the key checks would take '12.5' for a repeat of 13 (hypothesis
    # found it, in tests/test_parity.py).
    if kind in ("integer", "number"):
        cast = f"TRY_CAST({col} AS {'HUGEINT' if kind == 'integer' else 'DOUBLE'})"
        return cast if read else f"CASE WHEN {type_ok(f, col)} THEN {cast} END"
    if kind == "boolean":
        return (f"CASE WHEN {col} IN ({', '.join(lit(v) for v in f.get('trueValues', TRUE_VALUES))}) THEN TRUE "
                f"WHEN {col} IN ({', '.join(lit(v) for v in f.get('falseValues', FALSE_VALUES))}) THEN FALSE END")
    if kind == "date":
        return f"CAST(try_strptime({col}, '%Y-%m-%d') AS DATE)"
    return col


def typed_literal(f: dict, value) -> str:
    kind = f.get("type", "string")
    if kind in ("integer", "number") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return lit(value)
    if kind == "string" and not isinstance(value, str):
        return "NULL"  # as in frictionless, a number is not a string: it equals no cell
    if kind != "string" and isinstance(value, str):
        # Read by the package's one cell reader: a DuckDB cast would take '1.5' for the integer 2.
        try:
            read_cell({**f, "constraints": {}}, value)
        except CellError:
            return "NULL"  # as in frictionless, a member that is not of the field's type equals no cell
    return typed(f, lit(str(value)))


# --- loading --------------------------------------------------------------------------------------

@dataclass
class LoadedTable:
    resource: Resource
    table: str
    rows: int
    lines: list[int] | None  # physical line of each loaded row, when not worked out from `breaks`
    breaks: tuple[list[int], list[int]] | None = None  # rows whose cells span lines, line feeds up to each
    control: bool = False  # the file holds a control character somewhere (FileShape.control)
    digest: str | None = None  # FileShape.digest
    row: str = "rowid"  # SQL for the row's index: DuckDB's rowid, unless a field of that name hides it
    # Fields whose every cell reads as its type (the cell checks found no type error in them): their
    # typed values need no type test before the cast (`typed(..., read=True)`), a regular
    # expression per cell less in every rule and key check that reads them. Empty: not known.
    readable: frozenset[str] = frozenset()

    def typed(self, f: dict, col: str) -> str:
        """SQL for the typed value of field `f`, whose text is `col` (`typed`)."""
        return typed(f, col, read=f["name"] in self.readable)

    def line(self, rowid: int) -> int:
        """The physical line where row `rowid` starts: 2 (the header is line 1) plus the row's
        index, plus the line feeds inside the cells of the rows before it."""
        if self.lines is not None:
            return self.lines[rowid]
        if self.breaks is None:
            return rowid + 2
        rows, feeds = self.breaks
        before = bisect.bisect_left(rows, rowid)
        return rowid + 2 + (feeds[before - 1] if before else 0)


def line_breaks(con, table: str, res: Resource, row: str = "rowid") -> tuple[list[int], list[int]]:
    """The rows of a loaded table whose cells span lines, in order, and the line feeds in those
    rows up to and including each: one query over the few cells that hold a line feed."""
    feeds = " + ".join(f"CASE WHEN contains({q(f['name'])}, chr(10)) THEN length({q(f['name'])}) - "
                       f"length(replace({q(f['name'])}, chr(10), '')) ELSE 0 END" for f in res.fields)
    found = con.execute(f"SELECT r, n FROM (SELECT {row} AS r, {feeds} AS n FROM {q(table)}) WHERE n > 0 "
                        "ORDER BY r").fetchall()
    return [r for r, _ in found], list(itertools.accumulate(n for _, n in found))


@dataclass
class FileShape:
    first_line: bytes  # up to the first line feed
    lines: int  # physical lines (a last line without a line feed counts)
    empty: bool  # nothing but white space
    carriage_return: bool  # a CR anywhere (CR LF line ends, or a CR of its own)
    control: bool = False  # a control character (CONTROL) anywhere: its cells are then looked at
    digest: str | None = None  # SHA-256 of the bytes, for a file of at most KEEP_BYTES (see cell_findings)


def chunks(f, size: int = 1 << 20):
    """The bytes of an open file, a megabyte at a time, in one reused buffer: holding whole files
    of tens of megabytes in Python, three at a time, cost more than reading them."""
    buffer = bytearray(size)
    while n := f.readinto(buffer):
        yield buffer, n


def scan(file: Path, size: int = 1 << 20) -> FileShape:
    """The first line, line count, emptiness, carriage returns and control characters of a file,
    in one pass."""
    feeds, empty, last, cr, control = 0, True, b"", False, False
    digest = hashlib.sha256() if os.path.getsize(file) <= KEEP_BYTES else None
    with open(file, "rb") as f:
        first_line = f.readline().rstrip(b"\n")
        f.seek(0)
        for buffer, n in chunks(f, size):
            feeds += buffer.count(b"\n", 0, n)
            if digest is not None:
                digest.update(memoryview(buffer)[:n])
            empty = empty and not bytes(buffer[:n]).strip()
            cr = cr or buffer.find(b"\r", 0, n) >= 0
            if not control:  # (a C1 control is C2 80-9F in UTF-8, and may straddle two chunks)
                chunk = buffer if n == len(buffer) else buffer[:n]  # a copy only for the last, short one
                control = (bool(chunk.translate(None, NOT_CONTROL_BYTES))
                           or (b"\xc2" in chunk and C1_BYTES.search(chunk) is not None)
                           or (last == b"\xc2" and 0x80 <= chunk[0] <= 0x9f))
            last = bytes(buffer[n - 1:n])
    return FileShape(first_line=first_line, lines=feeds + (0 if last == b"\n" else 1), empty=empty, carriage_return=cr,
                     control=control, digest=digest.hexdigest() if digest is not None else None)


def load_table(con, res: Resource, table: str, findings: list[Finding]) -> LoadedTable | None:
    """Load a resource's CSV file into DuckDB as text columns; structural problems become findings.
    Returns None when the file cannot be read row by row (bad encoding, a header that does not match)."""
    path = res.path
    shape = scan(res.file)  # bytes only: DuckDB decodes (and reports invalid UTF-8 by line)
    # The whole text, only for a file that needs a closer look, and read once.
    text = functools.cache(lambda: res.file.read_bytes().decode("utf-8", errors="replace"))

    def fail(what, message, line=None, field=None):
        findings.append(what.finding(message, resource=res.name, path=path, line=line, field=field))

    if shape.first_line.startswith(b"\xef\xbb\xbf"):
        fail(ENCODING, "the file starts with a byte-order mark; save it as UTF-8 without one", line=1)
        return None
    if shape.empty:
        fail(HEADER, "the file is empty; it needs at least the header row", line=1)
        return None
    first = shape.first_line
    if b"\r" in first.rstrip(b"\r"):  # the header line (up to the first LF) holds a CR of its own
        fail(STRUCTURE, "the lines end with a carriage return (CR) alone, as Excel for Mac and old Mac programs "
                               "save CSV; save the file with LF (or CR LF) line ends", line=1)
        return None
    try:
        header = next(csv.reader([first.decode("utf-8").rstrip("\r")]))
    except UnicodeDecodeError as e:
        fail(ENCODING, f"not UTF-8: byte 0x{first[e.start]:02x} cannot be decoded (save the file as UTF-8)", line=1)
        return None
    except csv.Error as e:
        fail(STRUCTURE, f"the header row cannot be read as CSV: {csv_problem(e)}", line=1)
        return None
    names = [f["name"] for f in res.fields]
    if header != names:
        for problem in header_problems(header, names):
            fail(HEADER, problem, line=1)
        return None
    folded = {}
    for name in names:  # SQL names ignore case
        if name.lower() in folded:
            fail(HEADER, f"the fields {folded[name.lower()]!r} and {name!r} differ only in case; "
                                "SQL (and many spreadsheets) cannot tell them apart: rename one", line=1)
            return None
        folded[name.lower()] = name
    # A field named rowid hides DuckDB's own row index: the rows are then numbered in a column of
    # the validator's own, under a name no field has.
    row = "_row"
    while row in folded:
        row = "_" + row
    number = f"row_number() OVER () - 1 AS {q(row)}, " if "rowid" in folded else ""
    row = q(row) if number else "rowid"
    # DuckDB reads a file whose line ends are of two kinds, or that has a CR of its own, not as
    # Python's csv module does (when it reads it at all): such a file is reported, not loaded.
    problem = line_end_problem(text()) if shape.carriage_return else None
    if problem:
        fail(STRUCTURE, problem[1], line=problem[0])
        return None
    columns = "{" + ", ".join(f"{lit(n)}: 'VARCHAR'" for n in names) + "}"
    rejects = f"{table}_rejects"
    # An empty cell and a quoted empty cell are both the missing value (DuckDB reads both as NULL).
    read = lambda rejects: (f"CREATE TABLE {q(table)} AS SELECT {number}* FROM read_csv({lit(str(res.file))}, header = true, "
                            f"columns = {columns}, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
                            f"strict_mode = true, {rejects}max_line_size = 100000000)")
    # First without a rejects table: a file DuckDB reads without an error has no rejected line, and
    # making and reading the two rejects tables took 40% of loading a small file (36 of them in
    # the small package: 0.14 s -> 0.085 s). Any error (nothing is created then): read again,
    # keeping the lines DuckDB rejects, which say where and what.
    try:
        rows = con.execute(read("")).fetchone()[0]
        rejected = []
    except duckdb.Error:
        try:
            rows = con.execute(read(f"store_rejects = true, rejects_table = {lit(rejects)}, "
                                    f"rejects_scan = {lit(table + '_scan')}, ")).fetchone()[0]
        except duckdb.InvalidInputException as e:  # DuckDB stops at the first line it cannot place
            fail(STRUCTURE, f"cannot be read as CSV: {str(e).splitlines()[0]}")
            return None
        rejected = con.execute(f"SELECT DISTINCT line, error_type, csv_line FROM {q(rejects)} ORDER BY line").fetchall()
    lines = None
    if shape.lines != rows + 1 and not rejected:
        # More lines than rows: cells span lines, or lines are blank (DuckDB skips those). When the
        # line feeds inside cells make up the difference, no line is blank.
        breaks = line_breaks(con, table, res, row)
        if rows + 1 + (breaks[1][-1] if breaks[1] else 0) == shape.lines:
            return LoadedTable(resource=res, table=table, rows=rows, lines=None, breaks=breaks, row=row,
                               control=shape.control, digest=shape.digest)
    if rejected or shape.lines != rows + 1:
        try:
            lines, blank = record_lines(text())
        except csv.Error as e:  # whatever the csv module cannot read is a finding, not a traceback
            fail(STRUCTURE, f"cannot be read as CSV: {csv_problem(e)}")
            return None
        for line in blank:
            fail(BLANK_ROW, "a blank line; remove it", line=line)
        bad_records = set()
        for duck_line, error_type, csv_line in rejected:
            index = duck_line - 2  # DuckDB counts records (header = 1), not lines
            bad_records.add(index)
            at = lines[index] if 0 <= index < len(lines) else None
            shown = str(csv_line) if len(str(csv_line)) <= 120 else str(csv_line)[:117] + "..."
            if error_type in ("INVALID UNICODE", "INVALID ENCODING"):
                fail(ENCODING, "not UTF-8: the line holds bytes that cannot be decoded (save the file as UTF-8)", line=at)
            else:
                fail(STRUCTURE, f"{error_message(error_type, len(names))}: {shown!r}", line=at)
        lines = [line for i, line in enumerate(lines) if i not in bad_records]
        if len(lines) != rows:  # the two parsers disagree: report what DuckDB read, without lines
            fail(STRUCTURE, "the file's rows could not be matched to lines; line numbers below are approximate")
            lines = (lines + [None] * rows)[:rows]
    return LoadedTable(resource=res, table=table, rows=rows, lines=lines, row=row, control=shape.control, digest=shape.digest)


def line_end_problem(text: str) -> tuple[int, str] | None:
    """The first line, and what is wrong with it, where the line ends of a file stop being of one
    kind: a record that ends otherwise than the header, or a carriage return of its own outside a
    quoted cell. Python's csv module reads lines split at LF only, as physical lines are counted."""
    physical = text.split("\n")
    crlf = physical[0].endswith("\r")
    reader = csv.reader(io.StringIO(text))
    try:
        for _ in reader:
            end = physical[reader.line_num - 1]  # the line where the record ends
            if reader.line_num == len(physical):  # the last line, without a line feed
                if end.endswith("\r"):
                    return reader.line_num, "the file ends with a carriage return (CR) of its own"
            elif end.endswith("\r") != crlf:
                ends, first = ("CR LF", "LF") if end.endswith("\r") else ("LF", "CR LF")
                return reader.line_num, f"the line ends with {ends}, line 1 with {first}: use one kind of line end throughout"
    except csv.Error as e:
        return reader.line_num, csv_problem(e)
    return None


def csv_problem(e: Exception) -> str:
    """Python's csv module's complaint, in a contributor's words (its own speak of modes and
    fields as a programmer would)."""
    message = str(e)
    if "new-line" in message:
        return "a carriage return (CR) outside a quoted cell: a line end of another kind, or a stray character"
    if "unexpected end of data" in message:
        return "a quoted cell is not closed: a quote (\") is missing"
    if "field larger than field limit" in message:
        return "a cell is too long"
    if "NUL" in message:
        return "a NUL character (U+0000)"
    return message.split(" - ")[0]


def header_problems(header: list[str], names: list[str]) -> list[str]:
    out = []
    for i, label in enumerate(header):
        if not label.strip():
            out.append(f"column {i + 1} has a blank name")
        elif header.count(label) > 1 and header.index(label) != i:
            out.append(f"column {i + 1} repeats the name {label!r}")
        elif i < len(names) and label != names[i]:
            out.append(f"column {i + 1} is named {label!r}; the schema's field {i + 1} is {names[i]!r}")
        elif i >= len(names):
            out.append(f"column {i + 1} ({label!r}) is not in the schema")
    for name in names[len(header):]:
        out.append(f"the schema's field {name!r} has no column")
    return out or [f"the header {header} does not match the schema's fields {names}"]


def error_message(error_type: str, expected: int) -> str:
    return {
        "MISSING COLUMNS": f"too few cells (the header has {expected})",
        "TOO MANY COLUMNS": f"too many cells (the header has {expected})",
        "UNQUOTED VALUE": "a quote inside an unquoted cell, or a quoted cell not closed (the lines that follow may have been read into it)",
        "INVALID UNICODE": "not valid UTF-8",
        "LINE SIZE OVER MAXIMUM": "the line is too long",
    }.get(error_type, f"cannot be read as CSV ({error_type.lower()})")


def record_lines(text: str) -> tuple[list[int], list[int]]:
    """The physical line where each data record starts, and the blank lines."""
    reader = csv.reader(io.StringIO(text))
    next(reader)
    starts, blank, previous_end = [], [], reader.line_num
    for record in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if not record:
            blank.append(start)
            continue
        starts.append(start)
    return starts, blank


# --- checks ---------------------------------------------------------------------------------------

def constraint_checks(f: dict, constraints: dict, col: str, value: str) -> list[tuple[str, str]]:
    """(SQL true when the cell breaks a constraint, rule id), given SQL for its typed value."""
    cases = []
    if "pattern" in constraints and f.get("type", "string") == "string":
        cases.append((f"NOT regexp_full_match({col}, {lit(constraints['pattern'])})", PATTERN.id))
    if "enum" in constraints:
        # As in frictionless, a member that is null or does not read as the field's type matches
        # nothing: NOT IN over a list holding NULL is never true, hence the coalesce.
        members = ", ".join(typed_literal(f, v) for v in constraints["enum"] if v is not None)
        cases.append((f"coalesce({value} NOT IN ({members}), true)" if members else "true", ENUM.id))
    for key, op in (("minimum", "<"), ("maximum", ">"), ("exclusiveMinimum", "<="), ("exclusiveMaximum", ">=")):
        if key in constraints and f.get("type") in ("integer", "number", "date"):
            cases.append((f"{value} {op} {typed_literal(f, constraints[key])}", RANGE.id))
    for key, op in (("minLength", "<"), ("maxLength", ">")):
        if key in constraints:
            length = f"len(string_split({col}, {lit(f.get('delimiter', ','))}))" if f.get("type") == "list" else f"length({col})"
            cases.append((f"{length} {op} {int(constraints[key])}", LENGTH.id))
    return cases


def field_checks(f: dict, constraints: dict, ordered: bool = False) -> list[tuple[str, str]]:
    """(SQL condition that is true for an offending cell, rule id) for one field of the table.
    With ordered=True each condition takes for granted that the ones before it are false (the
    cell is present and reads as its type), as the WHENs of a CASE may (`field_rule`)."""
    col = q(f["name"])
    ok = type_ok(f, col)
    cases = []
    if constraints.get("required"):
        cases.append((f"{col} IS NULL", REQUIRED.id))
    if ok:
        cases.append((f"{col} IS NOT NULL AND NOT coalesce({ok}, false)", TYPE.id))
    valid = f"{col} IS NOT NULL" + (f" AND coalesce({ok}, false)" if ok and not ordered else "")
    value = typed(f, col, read=ordered)
    cases += [(f"{valid} AND {cond}", rule) for cond, rule in constraint_checks(f, constraints, col, value)]
    return cases


def field_rule(cases: list[tuple[str, str]]) -> str:
    """SQL for the id of the first check a cell breaks, NULL when it breaks none, given the field's
    `field_checks(..., ordered=True)`: one CASE, in which the type test is written once rather than
    once per constraint (a query planned a tenth of a second over such copies)."""
    return "CASE " + " ".join(f"WHEN {cond} THEN {lit(rule)}" for cond, rule in cases) + " END"


def plainly_good(f: dict, constraints: dict) -> str | None:
    """SQL true for a cell in the plain form of its type that meets every constraint (None when
    the type has no plain form). Cheap: it spares most cells the full checks."""
    if f.get("type") not in PLAIN:
        return None
    col = q(f["name"])
    pattern, cast = PLAIN[f["type"]]
    broken = [cond for cond, _ in constraint_checks(f, constraints, col, f"TRY_CAST({col} AS {cast})")]
    return " AND ".join([f"regexp_full_match({col}, {lit(pattern)})"] + [f"NOT ({c})" for c in broken])


@dataclass
class FieldSpec:
    """A field of `check_fields` and its checks, worked out once."""
    field: dict
    constraints: dict  # the schema's, with required added for a primary-key field
    cases: list[tuple[str, str]]  # (SQL true for an offending cell, rule id): field_checks, ordered
    rule: str  # SQL for the id of the check a cell breaks: field_rule


def by_value(spec: FieldSpec) -> bool:
    """Whether a field's cells are checked once per distinct value rather than once per row: worth
    it for the costly checks (a pattern, a cast), on columns that repeat a few codes, years or
    identifiers down hundreds of thousands of rows. An enum or a length is cheaper row by row."""
    return (spec.field.get("type", "string") != "string" or "pattern" in spec.constraints) and any(
        rule != REQUIRED.id for _, rule in spec.cases)


def offending_values(con, t: LoadedTable, specs: dict[str, FieldSpec]) -> dict[str, list[str]]:
    """The distinct values of each field (of `specs`) that break one of its checks, other than
    `required`; one query for the table, whose answer is almost always empty."""
    branches = []
    for name, spec in specs.items():
        where = f"{spec.rule} IS NOT NULL"  # (the cell is present: `required` cannot be the answer)
        good = plainly_good(spec.field, spec.constraints)
        if good:
            where = f"CASE WHEN coalesce({good}, false) THEN false ELSE {where} END"
        # The test in HAVING, inside a CASE over the count, keeps DuckDB from pushing it below the
        # GROUP BY, back onto every row.
        branches.append(f"SELECT {lit(name)} AS field, {q(name)} FROM {q(t.table)} WHERE {q(name)} IS NOT NULL "
                        f"GROUP BY {q(name)} HAVING CASE WHEN count(*) > 0 THEN {where} END")
    out: dict[str, list[str]] = {}
    if branches:
        for name, value in con.execute(" UNION ALL ".join(branches)).fetchall():
            out.setdefault(name, []).append(value)
    return out


def check_fields(con, t: LoadedTable, findings: list[Finding]) -> None:
    """Every cell check of a table in one query: one branch per field, the offending rows of each
    (field, rule) numbered so that only the first MAX_PER_CHECK are fetched, with their total.
    Costly checks are run first on the distinct values (`by_value`): the branch of such a field
    then only picks out the rows that hold an offending value (or none, when it is required)."""
    res = t.resource
    pk = res.primary_key
    key_cols = key_columns(pk)
    specs: dict[str, FieldSpec] = {}
    for f in res.fields:
        constraints = metadata.field_constraints(f)
        if f["name"] in pk:
            constraints["required"] = True
        cases = field_checks(f, constraints, ordered=True)
        if cases:
            specs[f["name"]] = FieldSpec(f, constraints, cases, field_rule(cases))
    # (On a small table the extra query costs more than it saves.)
    per_value = {n: s for n, s in specs.items() if t.rows >= BY_VALUE_FROM_ROWS and by_value(s)}
    bad = offending_values(con, t, per_value)
    branches, parameters = [], []
    for name, spec in specs.items():
        where = ""
        if name in per_value:  # only the rows whose value `offending_values` found, or that lack one
            where = [f"{q(name)} IS NULL"] if spec.constraints.get("required") else []
            if name in bad:
                where.append(f"{q(name)} IN (SELECT unnest(?::VARCHAR[]))")
                parameters.append(bad[name])
            if not where:
                continue
            where = " WHERE " + " OR ".join(where)
        branches.append(f"SELECT * FROM (SELECT {t.row} AS r, {lit(name)} AS field, {q(name)} AS value, {spec.rule} AS rule, "
                        f"{key_cols} FROM {q(t.table)}{where}) WHERE rule IS NOT NULL")
    if branches:
        sql = (f"SELECT *, count(*) OVER (PARTITION BY field, rule) AS total FROM ({' UNION ALL '.join(branches)}) "
               f"QUALIFY row_number() OVER (PARTITION BY field, rule ORDER BY r) <= {MAX_PER_CHECK} ORDER BY r")
        totals: dict[tuple[str, str], int] = {}
        for row in con.execute(sql, parameters).fetchall():
            rowid, name, value, rule, *keys, total = row
            spec = specs[name]
            totals[(name, rule)] = total
            findings.append(declared(rule).finding(f"{name}: {field_message(spec.field, spec.constraints, rule, value)}",
                                                   resource=res.name, path=res.path, line=t.line(rowid), field=name,
                                                   value=value, key=dict(zip(pk, keys)) if pk else None))
        for (name, rule), total in totals.items():
            if total > MAX_PER_CHECK:
                findings.append(declared(rule).finding(f"{name}: {total - MAX_PER_CHECK} more rows like the {MAX_PER_CHECK} above",
                                                       resource=res.name, path=res.path, field=name,
                                                       extra={"more": total - MAX_PER_CHECK}))
    for name, spec in specs.items():
        if spec.constraints.get("unique") and name not in pk:
            check_unique(con, t, [spec.field], findings, UNIQUE.id)
    if pk:
        check_unique(con, t, [next(f for f in res.fields if f["name"] == k) for k in pk], findings, PRIMARY_KEY.id)


def check_control_characters(con, t: LoadedTable, findings: list[Finding]) -> None:
    """Text cells holding a control character, at most MAX_PER_CHECK listed per field. Only in a
    file whose bytes hold one (FileShape.control: a query over every text cell cost a tenth of the
    validation); one scan of each row's text cells joined, then the rows it finds cell by cell."""
    res = t.resource
    texts = [f["name"] for f in res.fields if f.get("type", "string") in ("string", "list")]
    if not texts or not t.control:  # the scan of the file's bytes found none
        return
    pk = res.primary_key
    cursor = con.execute(f"SELECT {t.row}, {', '.join(q(n) for n in texts)}, {key_columns(pk)} FROM {q(t.table)} "
                         f"WHERE regexp_matches(concat({', '.join(q(n) for n in texts)}), {lit(CONTROL.pattern)}) ORDER BY {t.row}")
    counts: dict[str, int] = {}
    while batch := cursor.fetchmany(1000):
        for rowid, *cells in batch:
            values, keys = cells[:len(texts)], cells[len(texts):]
            for name, value in zip(texts, values):
                found = control_character(value)
                if found is None:
                    continue
                counts[name] = counts.get(name, 0) + 1
                if counts[name] > MAX_PER_CHECK:
                    continue
                findings.append(CONTROL_CHARACTER.finding(f"{name}: holds the control character {found}; "
                                                          "remove it (it shows as nothing, or garbles the text, in most programs)",
                                                          resource=res.name, path=res.path, line=t.line(rowid), field=name,
                                                          value=value, key=dict(zip(pk, keys)) if pk else None))
    for name, n in counts.items():
        if n > MAX_PER_CHECK:
            findings.append(CONTROL_CHARACTER.finding(f"{name}: {n - MAX_PER_CHECK} more rows like the {MAX_PER_CHECK} above",
                                                      resource=res.name, path=res.path, field=name,
                                                      extra={"more": n - MAX_PER_CHECK}))


def field_message(f: dict, constraints: dict, rule: str, value) -> str:
    kind = f.get("type", "string")
    if rule == REQUIRED.id:
        return "is empty; the field is required"
    if rule == TYPE.id:
        what = {"integer": "an integer", "number": "a number", "boolean": "true or false",
                "date": "a date (YYYY-MM-DD)"}.get(kind, f"a {kind}")
        if kind == "list":
            what = f"a list of {f.get('itemType', 'string')}s separated by {f.get('delimiter', ',')!r}"
        return f"{value!r} is not {what}"
    if rule == PATTERN.id:
        return f"{value!r} does not match the pattern {constraints['pattern']}"
    if rule == ENUM.id:
        return f"{value!r} is not one of: {', '.join(str(v) for v in constraints['enum'] if v is not None) or '(no value)'}"
    if rule == RANGE.id:
        bounds = ", ".join(f"{k} {constraints[k]}" for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
                           if k in constraints)
        return f"{value!r} is out of range ({bounds})"
    if rule == LENGTH.id:
        bounds = ", ".join(f"{k} {constraints[k]}" for k in ("minLength", "maxLength") if k in constraints)
        return f"{value!r} has the wrong length ({bounds})"
    return rule


def report_rows(con, t: LoadedTable, sql: str, findings: list[Finding], field: str | None, message) -> None:
    """Turn the rows of `sql` into findings. Each row is (rowid, value, rule id, extra, *primary key);
    at most MAX_PER_CHECK rows are listed per rule, the rest counted."""
    res = t.resource
    pk = res.primary_key
    counts: dict[str, int] = {}
    cursor = con.execute(sql)
    while batch := cursor.fetchmany(1000):
        for row in batch:
            rule = row[2]
            counts[rule] = counts.get(rule, 0) + 1
            if counts[rule] > MAX_PER_CHECK:
                continue
            key = dict(zip(pk, row[4:4 + len(pk)])) if pk else None
            text = message(row)
            findings.append(declared(rule).finding(f"{field}: {text}" if field else text, resource=res.name, path=res.path,
                                                   line=t.line(row[0]), field=field, value=row[1], key=key))
    for rule, n in counts.items():
        if n > MAX_PER_CHECK:
            findings.append(declared(rule).finding(f"{field or res.name}: {n - MAX_PER_CHECK} more rows like the {MAX_PER_CHECK} above",
                                                   resource=res.name, path=res.path, field=field,
                                                   extra={"more": n - MAX_PER_CHECK}))


def key_columns(pk: list[str], prefix: str = "") -> str:
    """SQL for the primary key's columns, named _k0, _k1, ... so that no key field's name can be
    taken for a column of the query around them."""
    return ", ".join(f"{prefix}{q(k)} AS _k{i}" for i, k in enumerate(pk)) if pk else "NULL"


def display(cols: list[str]) -> str:
    """SQL showing the text of one column, or of several as (a, b)."""
    if len(cols) == 1:
        return cols[0]
    return "'(' || concat_ws(', ', " + ", ".join(f"coalesce({c}, '')" for c in cols) + ") || ')'"


def check_unique(con, t: LoadedTable, fields: list[dict], findings: list[Finding], rule: str) -> None:
    """Rows whose values of `fields` repeat an earlier row's. For a unique field, an empty cell is
    skipped (the required check reports it, if any). For the primary key, as in frictionless, a
    row whose key cells are all empty is an error of its own, and a key with some empty cells
    still must not repeat."""
    names = [f["name"] for f in fields]
    values = [typed(f, "t." + q(f["name"])) for f in fields]
    primary = rule == PRIMARY_KEY.id
    all_empty = " AND ".join(f"t.{q(n)} IS NULL" for n in names)
    # A cell that does not read as its type has no value (its type error is reported): its row
    # repeats no key, nor does it lack one.
    unreadable = " OR ".join(f"(t.{q(n)} IS NOT NULL AND {v} IS NULL)" for n, v in zip(names, values))
    counted = f"NOT ({all_empty}) AND NOT ({unreadable})" if primary else " AND ".join(f"{v} IS NOT NULL" for v in values)
    pk = t.resource.primary_key
    key_cols = key_columns(pk, "t.")
    label = names[0] if len(names) == 1 else "(" + ", ".join(names) + ")"
    row = f"t.{t.row}"
    if primary:
        sql = f"SELECT {row}, NULL, {lit(rule)}, NULL, {key_cols} FROM {q(t.table)} t WHERE {all_empty} ORDER BY {row}"
        report_rows(con, t, sql, findings, None, lambda row: f"{label} is empty; a row needs its primary key")
    # The usual case, no repeat, settled by one cheap aggregate over a hash of the key (a third
    # cheaper than grouping by its columns). A repeated hash is only a candidate: the query below
    # compares the values themselves.
    repeated = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {q(t.table)} t WHERE {counted} "
                           f"GROUP BY hash({', '.join(values)}) HAVING count(*) > 1)").fetchone()[0]
    if not repeated:
        return
    sql = (f"SELECT _r, _shown, {lit(rule)}, _first, * EXCLUDE (_r, _shown, _first) FROM ("
           f"SELECT {row} AS _r, {display(['t.' + q(n) for n in names])} AS _shown, "
           f"first_value({row}) OVER (PARTITION BY {', '.join(values)} ORDER BY {row}) AS _first, {key_cols} "
           f"FROM {q(t.table)} t WHERE {counted}) "
           f"WHERE _r <> _first ORDER BY _r")
    what = "the primary key" if primary else "the field is unique and"

    def message(row):
        shown = f"{row[1]!r}" if len(names) == 1 else f"{label} = {row[1]}"
        return f"{shown} repeats line {t.line(row[3])}; {what} must not repeat"

    report_rows(con, t, sql, findings, names[0] if len(names) == 1 else None, message)


def check_foreign_keys(con, tables: dict[str, LoadedTable], findings: list[Finding],
                       loaded: dict[str, LoadedTable] | None = None) -> None:
    """Rows of `tables` whose foreign key values are not a key of the referenced resource (among
    `loaded`, by default `tables`). As in frictionless, a row is skipped only when every field of
    the key has no value: missing, or not of its type (that cell has its type error already)."""
    loaded = loaded if loaded is not None else tables
    for t in tables.values():
        res = t.resource
        by_name = {f["name"]: f for f in res.fields}
        for fk in res.foreign_keys:
            fields, ref = fk["fields"], fk["reference"]
            target_name = ref["resource"] or res.name
            ref_fields = ref["fields"]
            target = loaded.get(target_name)
            label = fields[0] if len(fields) == 1 else "(" + ", ".join(fields) + ")"
            if target is None:
                findings.append(FOREIGN_KEY.finding(f"{label}: not checked, because {target_name!r} could not be read",
                                                    resource=res.name, path=res.path))
                continue
            target_fields = {f["name"]: f for f in target.resource.fields}
            keys = ", ".join(f"{target.typed(target_fields[n], q(n))} AS k{i}" for i, n in enumerate(ref_fields))
            join = " AND ".join(f"{t.typed(by_name[n], 't.' + q(n))} = r.k{i}" for i, n in enumerate(fields))
            # The usual case, every key found, is settled on the distinct values of the key: a
            # few hundred country codes rather than a cast and a lookup for every row.
            columns = ", ".join(q(n) for n in fields)
            present = "NOT (" + " AND ".join(f"{t.typed(by_name[n], 't.' + q(n))} IS NULL" for n in fields) + ")"
            dangling = con.execute(
                f"SELECT count(*) FROM (SELECT {columns} FROM {q(t.table)} t WHERE {present} GROUP BY {columns}) t "
                f"LEFT JOIN (SELECT DISTINCT {keys} FROM {q(target.table)}) r ON {join} WHERE r.k0 IS NULL").fetchone()[0]
            if not dangling:
                continue
            key_cols = key_columns(res.primary_key, "t.")
            sql = (f"SELECT t.{t.row}, {display(['t.' + q(n) for n in fields])}, {lit(FOREIGN_KEY.id)}, NULL, {key_cols} "
                   f"FROM {q(t.table)} t LEFT JOIN (SELECT DISTINCT {keys} FROM {q(target.table)}) r ON {join} "
                   f"WHERE r.k0 IS NULL AND {present} ORDER BY t.{t.row}")
            target_label = f"{target_name}.{ref_fields[0]}" if len(fields) == 1 else f"{target_name} ({', '.join(ref_fields)})"
            single = len(fields) == 1
            report_rows(con, t, sql, findings, fields[0] if single else None,
                        lambda row, label=label, target_label=target_label, single=single:
                            f"{row[1]!r} is not in {target_label}" if single else f"{label} = {row[1]} is not in {target_label}")


# A process that validates one small file under one schema again (a test run validates copies of
# the package hundreds of times, each with one file changed) gets the cell checks' findings it had.
KEEP_BYTES = 4 << 20  # files up to this size are hashed as they are scanned (a few ms a megabyte)
KEEP_TABLES = 512  # (file, schema) pairs kept, the least recently used dropped
KEEP_FINDINGS = 200  # a table with more findings than this is not kept (bounded memory: 512 x 200 at most)
_kept: OrderedDict[tuple, list[Finding]] = OrderedDict()
_kept_lock = threading.Lock()


def table_key(t: LoadedTable | None) -> tuple | None:
    """What a loaded table's checks depend on: its file's bytes and its resource's name, path and
    schema; None when the file was too large to be hashed (or the table is absent)."""
    if t is None or t.digest is None:
        return None
    res = t.resource
    return t.digest, res.name, res.path, json.dumps(res.schema, sort_keys=True, default=repr)


def kept(key: tuple | None, check) -> list[Finding]:
    """check() (a list of findings), kept under `key` for the rest of the process (not when key is
    None), as copies: waivers mark findings (apply_waivers), and the kept ones must stay as found."""
    with _kept_lock:
        found = _kept.get(key) if key is not None else None
        if found is not None:
            _kept.move_to_end(key)
    if found is None:
        found = check()
        if key is not None and len(found) <= KEEP_FINDINGS:
            with _kept_lock:
                _kept[key] = found
                while len(_kept) > KEEP_TABLES:
                    _kept.popitem(last=False)
    return [dataclasses.replace(f, key=dict(f.key) if f.key is not None else None, extra=dict(f.extra)) for f in found]


def cell_findings(con, t: LoadedTable) -> list[Finding]:
    """The findings of check_fields and check_control_characters on a loaded table, as copies.
    They are a function of the file's bytes and the resource's name, path and schema (and of the
    limits MAX_PER_CHECK and BY_VALUE_FROM_ROWS): for a file of at most KEEP_BYTES they are kept
    under those for the rest of the process, and a table seen before is not queried again."""
    def check() -> list[Finding]:
        found: list[Finding] = []
        check_fields(con, t, found)
        check_control_characters(con, t, found)
        return found

    key = table_key(t)
    return kept(key and ("cells", key, MAX_PER_CHECK, BY_VALUE_FROM_ROWS), check)


def load_all(package: Package, con=None,
             workers: int | None = None) -> tuple[list[Finding], dict[str, LoadedTable], duckdb.DuckDBPyConnection]:
    """Load every resource and run its cell, unique and primary-key checks; return the findings
    (in the order of the resources), the loaded tables and the connection. Resources are loaded
    concurrently, each on its own cursor (DuckDB works outside Python's lock), largest file first."""
    con = con or connect()
    resources = list(package.resources.values())

    def load_and_check(i: int, res: Resource):
        found = list(res.problems)
        if res.file is None:
            return res.name, None, found
        cursor = con.cursor()
        try:
            t = load_table(cursor, res, f"t{i}_{res.name.replace('-', '_').replace('.', '_')}", found)
            if t is not None:
                cells = cell_findings(cursor, t)
                mistyped = {f.field for f in cells if f.rule == TYPE.id}
                t.readable = frozenset(f["name"] for f in res.fields if f["name"] not in mistyped)
                found += cells
        finally:
            cursor.close()
        return res.name, t, found

    findings: list[Finding] = []
    loaded: dict[str, LoadedTable] = {}
    size = lambda i, res: res.file.stat().st_size if res.file is not None else 0
    for name, t, found in parallel(load_and_check, list(enumerate(resources)), workers, cost=size):
        findings += found
        if t is not None:
            loaded[name] = t
    return findings, loaded, con


def foreign_key_jobs(loaded: dict[str, LoadedTable]) -> list[tuple]:
    """One job per loaded table (see `run_jobs`): the findings of its foreign keys, kept (see
    `kept`) under the table's key and those of the tables they refer to, when all can be hashed."""
    def check_one(cursor, t: LoadedTable) -> list[Finding]:
        def check() -> list[Finding]:
            found: list[Finding] = []
            check_foreign_keys(cursor, {t.resource.name: t}, found, loaded)
            return found

        targets = sorted({fk["reference"]["resource"] or t.resource.name for fk in t.resource.foreign_keys})
        keys = [table_key(t)] + [table_key(loaded.get(name)) for name in targets]
        return kept(("foreign-keys", *keys, *targets, MAX_PER_CHECK) if all(keys) else None, check)

    return [(lambda cursor, t=t: check_one(cursor, t), t.rows) for t in loaded.values()]


def check(package: Package, con=None,
          workers: int | None = None) -> tuple[list[Finding], dict[str, LoadedTable], duckdb.DuckDBPyConnection]:
    """Every schema check of the package (`load_all`, then the foreign keys); the rules run on the
    tables and connection it returns."""
    findings, loaded, con = load_all(package, con, workers)
    for found in run_jobs(con, foreign_key_jobs(loaded), workers):
        findings += found
    return findings, loaded, con


def run_jobs(con, jobs: list[tuple], workers: int | None = None) -> list:
    """The result of each job (a function of a cursor, its estimated cost), each on a cursor of
    its own, costliest first; results in the order of `jobs`."""
    def one(function, cost):
        cursor = con.cursor()
        try:
            return function(cursor)
        finally:
            cursor.close()

    return parallel(one, jobs, workers, cost=lambda function, cost: cost)


def parallel(function, arguments: list[tuple], workers: int | None = None, cost=None) -> list:
    """function(*a) for every a, on a pool of threads; results in the order of `arguments`.
    With `cost(*a)`, the costliest start first: a long task started last would run alone at the
    end while the other cores wait."""
    from concurrent.futures import ThreadPoolExecutor

    order = range(len(arguments))
    if cost is not None:
        order = sorted(order, key=lambda i: -cost(*arguments[i]))
    with ThreadPoolExecutor(max_workers=workers or (os.cpu_count() or 2) + 1) as pool:
        futures = {i: pool.submit(function, *arguments[i]) for i in order}
        return [futures[i].result() for i in range(len(arguments))]
