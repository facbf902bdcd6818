"""rightsdata's schema checks and stock frictionless flag the same cells.

Hypothesis breaks random cells of the package (the curated part, small enough for frictionless to
check quickly) and both validators check it; they must agree on every (file, row, field, kind of
error). Differences by design are listed in the README ("Validating"): rightsdata also rejects
NaN and Infinity, '_' digit separators and a byte-order mark. The mutations below stay clear of
them, and of what only one of the two checks (rightsdata's rules and checksums are not compared).
"""

import csv
import io
import itertools
import json
import re
from pathlib import Path

import frictionless
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regex_text import regex_text
from rightsdata import metadata, schema_check
from rightsdata import package as pkg
from rightsdata.cells import csv_text

KIND = {"schema/type": "type", "schema/primary-key": "primary-key", "schema/foreign-key": "foreign-key",
        "schema/unique": "unique"}
CONSTRAINT = {"schema/required": "required", "schema/pattern": "pattern", "schema/enum": "enum",
              "schema/range": "range", "schema/length": "length"}


def records(path: Path) -> dict[int, int]:
    """Physical line of a record -> its row number as frictionless counts it (header = 1). Not
    schema_check.record_lines: frictionless numbers blank records too, which that skips."""
    text = path.read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    out, previous, number = {}, reader.line_num, 1
    for _ in reader:
        number += 1
        out[previous + 1] = number
        previous = reader.line_num
    return out


def ours(package: Path) -> tuple[set[tuple], set[tuple]]:
    """Our findings as (path, row, field, kind), and the (path, field, kind) groups whose rows were
    cut at schema_check.MAX_PER_CHECK (the rest only counted, in a finding with `more`)."""
    loaded = pkg.load(package / "datapackage.json")
    findings, _, con = schema_check.check(loaded)
    con.close()
    out, capped, rows = set(), set(), {}  # rows: records() of each file with findings, read once
    for f in findings:
        if "more" in f.extra:
            kind = KIND.get(f.rule) or CONSTRAINT.get(f.rule)
            capped.add((f.path, None if f.rule in ("schema/foreign-key", "schema/primary-key") else f.field, kind))
        if f.line is None:
            continue
        if f.path not in rows:
            rows[f.path] = records(package / f.path)
        row = rows[f.path][f.line]
        if f.rule in KIND:
            out.add((f.path, row, None if f.rule in ("schema/foreign-key", "schema/primary-key") else f.field, KIND[f.rule]))
        elif f.rule in CONSTRAINT:
            out.add((f.path, row, f.field, CONSTRAINT[f.rule]))
    return out, capped


def theirs(package: Path, names: set[str] | None = None) -> set[tuple]:
    """Stock frictionless's findings in the resources `names` of the package, all of them by
    default (the others are still read, for the foreign keys that point at them)."""
    package = frictionless.Package(str(package / "datapackage.json"))
    names = sorted(names) if names is not None else [r.name for r in package.resources]
    out = set()
    tasks = [task for name in names for task in package.get_resource(name).validate().tasks]
    for task in tasks:
        for e in task.errors:
            kind = {"type-error": "type", "primary-key": "primary-key", "foreign-key": "foreign-key",
                    "unique-error": "unique"}.get(e.type)
            if e.type == "constraint-error":
                name = re.search(r'constraint "(\w+)"', e.note).group(1)
                kind = {"minimum": "range", "maximum": "range", "exclusiveMinimum": "range", "exclusiveMaximum": "range",
                        "minLength": "length", "maxLength": "length"}.get(name, name)
            if kind:
                field = None if kind in ("foreign-key", "primary-key") else getattr(e, "field_name", None)
                out.add((task.place, e.row_number, field, kind))
    return out


def breakage(field: dict, value: str, data) -> str | None:
    """A cell that breaks `field`, of a kind both validators check the same way."""
    kind, c = field["type"], field.get("constraints", {})
    options = []
    if kind in ("integer", "number", "boolean", "date", "list"):
        options.append({"integer": "12.5", "number": "4,400", "boolean": "yes", "date": "2013-02-30",
                        "list": "1,two"}[kind])
    if c.get("required"):
        options.append("")
    if "enum" in c:
        options.append("not_a_code")
    if "pattern" in c and kind == "string":
        options.append("!! not a match")
    if "minimum" in c and kind == "integer":
        options.append(str(int(c["minimum"]) - 1))
    if "maximum" in c and kind == "integer":
        options.append(str(int(c["maximum"]) + 1))
    if field["name"] == "country":
        options.append("ZZZ")  # a code no country has: a dangling foreign key
    return data.draw(st.sampled_from(options), label="cell") if options else None


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_rightsdata_and_frictionless_flag_the_same_cells(data_copy, data):
    originals = {p: p.read_bytes() for p in [*(data_copy / "data").glob("*.csv"), data_copy / "datapackage.json"]}
    try:
        check_mutated(data_copy, data)
    finally:  # the directory outlives the example: undo its changes
        for p, content in originals.items():
            p.write_bytes(content)


def check_mutated(data_copy: Path, data) -> None:
    touched = []
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        name = data.draw(st.sampled_from(sorted(metadata.resources())), label="resource")
        res = metadata.resources()[name]
        path = data_copy / res.path
        text = path.read_text(encoding="utf-8")
        reader = csv.reader(io.StringIO(text, newline=""))
        header, rows = next(reader), list(reader)
        if not rows:
            continue
        i = data.draw(st.integers(0, len(rows) - 1), label="row")
        if data.draw(st.booleans(), label="repeat the row"):
            rows.append(list(rows[i]))  # a repeated primary key
        else:
            field = data.draw(st.sampled_from(res.fields), label="field")
            cell = breakage(field, rows[i][header.index(field["name"])], data)
            if cell is None:
                continue
            rows[i][header.index(field["name"])] = cell
        touched.append(name)
        path.write_text(csv_text(header, rows), encoding="utf-8", newline="")
    if not touched:
        return
    keep_only(data_copy, affected(touched))
    (mine, capped), reference = ours(data_copy), theirs(data_copy, changed(touched))
    mine, reference = expected_differences(data_copy, mine, capped, reference)
    assert mine == reference, {"only rightsdata": sorted(mine - reference), "only frictionless": sorted(reference - mine)}


def expected_differences(package: Path, mine: set[tuple], capped: set[tuple], reference: set[tuple]) -> tuple[set, set]:
    """Both validators' findings less the two documented differences (docs/validating.md):
    - a group of findings we cut at MAX_PER_CHECK rows lists only those rows (the rest are
      counted): frictionless's other rows of that group are dropped, ours must be among its own;
    - a row whose key has a cell not of its type: both report the type error; we check that
      row's key no further, frictionless reads the cell as missing and may report the key too."""
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    keys = {r["path"]: set(json.loads((package / r["schema"]).read_text(encoding="utf-8")).get("primaryKey") or [])
            for r in descriptor["resources"]}
    bad_key_cells = {(path, row) for path, row, field, kind in mine if kind == "type" and field in keys.get(path, ())}
    key_on_bad_cell = lambda f: f[3] == "primary-key" and (f[0], f[1]) in bad_key_cells
    out = set()
    for path, row, field, kind in reference:
        if (path, field, kind) in capped and (path, row, field, kind) not in mine:
            continue
        out.add((path, row, field, kind))
    return {f for f in mine if not key_on_bad_cell(f)}, {f for f in out if not key_on_bad_cell(f)}


def changed(touched: list[str]) -> set[str]:
    """The resources whose findings a change to `touched` can alter: those and the ones whose
    foreign keys point at them. Frictionless validates these; the rest of `affected` is there for
    the foreign keys and valid for both (unchanged, pointing at nothing changed): rightsdata still
    checks it and must find nothing in it."""
    resources = metadata.resources()
    return set(touched) | {n for n in resources if {fk["reference"]["resource"] or n for fk in resources[n].foreign_keys} & set(touched)}


def affected(touched: list[str]) -> set[str]:
    """The resources whose findings a change to `touched` can alter (those and the ones whose
    foreign keys point at them), with every resource their foreign keys reach. Any other resource
    is unchanged and so are the rows it points at: valid before, it stays valid for both."""
    resources = metadata.resources()
    refers = lambda n: {fk["reference"]["resource"] or n for fk in resources[n].foreign_keys}
    out = changed(touched)
    todo = list(out)
    while todo:
        for m in refers(todo.pop()) - out:
            out.add(m)
            todo.append(m)
    return out


def keep_only(package: Path, names: set[str]) -> None:
    """Cut the package's descriptor down to the resources `names` (both validators read the rest
    in full at every example otherwise; frictionless takes seconds)."""
    path = package / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] in names]
    assert {r["name"] for r in descriptor["resources"]} == names
    path.write_text(json.dumps(descriptor), encoding="utf-8")


# --- the plain-form shortcut ----------------------------------------------------------------------

NUMERIC_TEXT = st.one_of(
    st.integers(-10**20, 10**20).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    regex_text(r"[ +\-]?[0-9]{0,20}(\.[0-9]{0,16})?([eE][+-]?[0-9]{1,3})?[ ]?", fullmatch=True),
    st.text(alphabet="0123456789.-+eE _,", max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(["integer", "number"]), cells=st.lists(NUMERIC_TEXT, min_size=1, max_size=20),
       bounds=st.fixed_dictionaries({}, optional={"minimum": st.integers(-1000, 1000), "maximum": st.integers(-1000, 3000),
                                                   "enum": st.lists(st.integers(-5, 2100), min_size=1, max_size=4)}))
def test_the_plain_form_shortcut_never_passes_a_cell_the_full_checks_reject(con, kind, cells, bounds):
    """check_fields skips the full checks for a cell that `plainly_good` accepts: such a cell must
    break no check of `field_checks`."""
    field = {"name": "x", "type": kind}
    constraints = dict(bounds, required=True)
    good = schema_check.plainly_good(field, constraints)
    offending = " OR ".join(f"({cond})" for cond, _ in schema_check.field_checks(field, constraints))
    con.execute("CREATE OR REPLACE TABLE t AS SELECT unnest(?::VARCHAR[]) AS x", [cells])
    wrongly_passed = con.execute(f"SELECT x FROM t WHERE coalesce({good}, false) AND ({offending})").fetchall()
    assert wrongly_passed == []
    # and it is a shortcut, not a gap: plain integers in range pass it
    expected = 7 in constraints.get("enum", [7]) and constraints.get("minimum", 7) <= 7 <= constraints.get("maximum", 7)
    assert con.execute(f"SELECT coalesce({good}, false) FROM (SELECT '7' AS x)").fetchone()[0] is expected


@settings(max_examples=300, deadline=None)
@given(content=st.binary(max_size=40).map(lambda b: bytes(b"ab\r\n,"[x % 5] for x in b)), size=st.integers(1, 8))
def test_the_chunked_scan_of_a_file_agrees_with_reading_it_whole(scratch, content, size):
    """Line counts and blank lines decide how rows map to lines; the scan reads a file in pieces,
    so a line feed pair split across two pieces must still count."""
    path = scratch / "f.csv"  # each example overwrites it
    path.write_bytes(content)
    shape = schema_check.scan(path, size)
    assert shape.lines == content.count(b"\n") + (0 if content.endswith(b"\n") else 1)
    assert shape.first_line == content.split(b"\n", 1)[0]
    assert shape.empty == (not content.strip())


def load_two_columns(scratch, con, content: bytes):
    """`load_table` on a file of string columns a and b: the loaded table (or None) and the findings.
    Each call loads a table of its own name into `con`."""
    path = scratch / "t.csv"  # each example overwrites it: load_table has read it when it returns
    path.write_bytes(content)
    res = pkg.Resource(name="t", path="t.csv", file=path, schema={"fields": [{"name": "a"}, {"name": "b"}]})
    findings = []
    return schema_check.load_table(con, res, f"t{next(TABLES)}", findings), findings


TABLES = itertools.count()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """One directory for the small files of the examples below, each example overwriting its file:
    a directory and a file per example were 800 of each a run, each created and later removed."""
    return tmp_path_factory.mktemp("examples")


@pytest.fixture(scope="module")
def con():
    """One DuckDB connection for the many small examples below (opening one takes a fifth of a
    second, longer than most examples)."""
    con = schema_check.connect()
    yield con
    con.close()


CELL = st.text(alphabet="ab \n", max_size=6)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(CELL, CELL), min_size=1, max_size=8),
       blank_before=st.lists(st.booleans(), min_size=9, max_size=9), crlf=st.booleans())
def test_rows_map_to_the_lines_where_they_start(scratch, con, rows, blank_before, crlf):
    """Cells that span lines and blank lines both move later rows down; each row's line, and each
    blank line, must be where Python's csv module finds it."""
    end = "\r\n" if crlf else "\n"
    quoted = lambda cell: '"' + cell + '"' if cell else ""  # an empty cell unquoted, as it is written
    text = "a,b" + end
    for (a, b), blank in zip(rows, blank_before):
        text += (end if blank else "") + quoted(a) + "," + quoted(b) + end
    t, findings = load_two_columns(scratch, con, text.encode())
    starts, blank = schema_check.record_lines(text)
    assert [t.line(i) for i in range(t.rows)] == starts
    assert sorted(f.line for f in findings if f.rule == "file/blank-row") == blank
    assert all(f.rule == "file/blank-row" for f in findings)


@settings(max_examples=300, deadline=None)
@given(content=st.binary(max_size=30).map(lambda b: b"a,b\n" + bytes(b'ab,"\r\n'[x % 6] for x in b)))
def test_any_file_is_loaded_or_reported_never_raised(scratch, con, content):
    """Stray quotes, carriage returns and mixed line ends: the file is loaded, or what is wrong is a
    finding of its own (DuckDB refuses some files that Python's csv module reads)."""
    t, findings = load_two_columns(scratch, con, content)
    assert t is not None or findings
    assert all(f.rule.startswith("file/") for f in findings)
