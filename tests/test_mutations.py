"""Mutations a validator must catch: take a valid row of the package (any resource), break one
cell the way contributors do (wrong type, empty required value, unknown code, broken pattern,
dangling foreign key, repeated primary key) and check that `rightsdata validate` reports it with
the right rule id at the right line."""

import contextlib
import csv
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import reached_by
from rightsdata import metadata
from rightsdata.cells import csv_text
from rightsdata.schema_check import record_lines
from rightsdata.validate import validate

RESOURCES = sorted(metadata.resources())


def validate_resources(package, names: list[str]):
    """`validate` on the package cut down to resources `names` and the resources their foreign
    keys reach (a descriptor of its own beside datapackage.json): every check of the broken rows
    runs, on a few tables instead of all of them."""
    reached = [r for name in names for r in reached_by(name)]
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] in reached]
    assert {r["name"] for r in descriptor["resources"]} == set(reached)
    path = package / "only-these.json"
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    return validate(path)


def read(path):
    text = path.read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    return header, list(reader), record_lines(text)[0]


def mutations(res, row: list[str]) -> list[tuple[str, str, str]]:
    """(field, new cell, the rule that must catch it) for one row of a resource."""
    out = []
    single_fks = {fk["fields"][0]: fk["reference"] for fk in res.foreign_keys if len(fk["fields"]) == 1}
    for i, f in enumerate(res.fields):
        name, kind, c = f["name"], f["type"], f.get("constraints", {})
        if kind in ("integer", "number", "date", "boolean") or (kind == "list" and f.get("itemType", "string") != "string"):
            out.append((name, {"integer": "12.5", "number": "4,400", "date": "2013-02-30", "boolean": "yes",
                               "list": "1,two"}[kind], "schema/type"))
        if c.get("required"):
            out.append((name, "", "schema/required"))
        if "enum" in c:
            out.append((name, "not_a_code", "schema/enum"))
        if "pattern" in c and kind == "string":
            out.append((name, "!! not a match", "schema/pattern"))
        if name in single_fks and row[i] and "pattern" not in c and kind in ("string", "integer"):
            # A value of the field's type that no row has: '1 (unknown)' in an integer key is a type
            # error only (a key cell with no value is not looked up, as in frictionless).
            out.append((name, row[i] + " (unknown)" if kind == "string" else str(int(row[i]) + 10**6), "schema/foreign-key"))
        if name == "country":
            out.append((name, "ZZZ", "schema/foreign-key"))
    return out


def with_rows(package) -> list[str]:
    return [n for n in RESOURCES if len(read(package / metadata.resources()[n].path)[1])]


def unrelated(names: list[str], name: str) -> bool:
    """Neither `name` nor any of `names` reaches the other by foreign keys: a row broken in one
    cannot change what validate reports about the other (a key it refers to, a key referring to it)."""
    return all(name not in reached_by(n) and n not in reached_by(name) for n in names)


@contextlib.contextmanager
def drawn_rows(package, data, most: int):
    """Draw up to `most` resources with rows, no two related by foreign keys (see `unrelated`), and
    one row of each; yield [(resource, path, header, rows, index)] for the test to rewrite the
    files, and put the files back afterwards. One validation then checks every drawn row: its
    fixed cost (the descriptor's profile check, 0.7 s) was most of an example's."""
    candidates, drawn = with_rows(package), []
    try:
        while len(drawn) < most and (left := [n for n in candidates if unrelated([d[0].name for d in drawn], n)]):
            name = data.draw(st.sampled_from(left), label="resource")
            res = metadata.resources()[name]
            path = package / res.path
            header, rows, _ = read(path)
            drawn.append((res, path, header, rows, data.draw(st.integers(0, len(rows) - 1), label="row"), path.read_bytes()))
        yield [d[:5] for d in drawn]
    finally:
        for _, path, _, _, _, original in drawn:
            path.write_bytes(original)


PER_EXAMPLE = 4  # broken rows checked by one validation: 16 examples of up to 4 (about 58 rows a run; 1 when `sources` or
# `countries`, which every resource reaches, is drawn), for the 60 a run had as 60 examples of one


@settings(max_examples=16, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_a_broken_cell_is_caught_with_its_rule_and_line(data_copy, data):
    with drawn_rows(data_copy, data, PER_EXAMPLE) as drawn:
        expected = []
        for res, path, header, rows, index in drawn:
            field, cell, rule = data.draw(st.sampled_from(mutations(res, rows[index])), label=f"mutation of {res.name}")
            mutated = [list(r) for r in rows]
            mutated[index][header.index(field)] = cell
            path.write_text(csv_text(header, mutated), encoding="utf-8", newline="")
            _, _, new_lines = read(path)
            expected.append((res.name, field, cell, (rule, res.path, new_lines[index], field)))
        result = validate_resources(data_copy, [res.name for res, *_ in drawn])
        found = {(f.rule, f.path, f.line, f.field) for f in result.findings}
        for name, field, cell, finding in expected:
            assert finding in found, (name, field, cell, finding, sorted(f for f in found if f[1] == finding[1])[:5])
        assert result.exit_code == 1


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_a_repeated_row_is_caught_as_a_repeated_primary_key(data_copy, data):
    with drawn_rows(data_copy, data, 3) as drawn:
        expected = []
        for res, path, header, rows, index in drawn:
            path.write_text(csv_text(header, rows + [rows[index]]), encoding="utf-8", newline="")
            _, _, lines = read(path)
            expected.append((res, lines[-1], lines[index]))
        result = validate_resources(data_copy, [res.name for res, *_ in drawn])
        for res, line, original in expected:
            repeated = [f for f in result.findings if f.rule == "schema/primary-key" and f.path == res.path]
            assert [f.line for f in repeated] == [line], (res.name, line, repeated)
            assert f"repeats line {original}" in repeated[0].message, (res.name, repeated[0].message)
