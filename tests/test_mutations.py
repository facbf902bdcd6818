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


def validate_resource(package, name: str):
    """`validate` on the package cut down to resource `name` and the resources its foreign keys
    reach (a descriptor of its own beside datapackage.json): every check of the broken row runs,
    on a few tables instead of all of them."""
    reached = reached_by(name)
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] in reached]
    assert {r["name"] for r in descriptor["resources"]} == set(reached)
    path = package / f"only-{name}.json"
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
        if name in single_fks and row[i] and "pattern" not in c:
            out.append((name, row[i] + " (unknown)", "schema/foreign-key"))
        if name == "country":
            out.append((name, "ZZZ", "schema/foreign-key"))
    return out


def with_rows(package) -> list[str]:
    return [n for n in RESOURCES if len(read(package / metadata.resources()[n].path)[1])]


@contextlib.contextmanager
def a_drawn_row(package, data):
    """Draw a resource with rows and one of its rows; yield (resource, path, header, rows, index)
    for the test to rewrite the file, and put the file back afterwards."""
    name = data.draw(st.sampled_from(with_rows(package)), label="resource")
    res = metadata.resources()[name]
    path = package / res.path
    original = path.read_bytes()
    header, rows, _ = read(path)
    index = data.draw(st.integers(0, len(rows) - 1), label="row")
    try:
        yield res, path, header, rows, index
    finally:
        path.write_bytes(original)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_a_broken_cell_is_caught_with_its_rule_and_line(data_copy, data):
    with a_drawn_row(data_copy, data) as (res, path, header, rows, index):
        field, cell, rule = data.draw(st.sampled_from(mutations(res, rows[index])), label="mutation")
        mutated = [list(r) for r in rows]
        mutated[index][header.index(field)] = cell
        path.write_text(csv_text(header, mutated), encoding="utf-8", newline="")
        _, _, new_lines = read(path)
        result = validate_resource(data_copy, res.name)
        found = {(f.rule, f.path, f.line, f.field) for f in result.findings}
        assert (rule, res.path, new_lines[index], field) in found, (res.name, field, cell, sorted(found)[:5])
        assert result.exit_code == 1


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_a_repeated_row_is_caught_as_a_repeated_primary_key(data_copy, data):
    with a_drawn_row(data_copy, data) as (res, path, header, rows, index):
        path.write_text(csv_text(header, rows + [rows[index]]), encoding="utf-8", newline="")
        _, _, lines = read(path)
        result = validate_resource(data_copy, res.name)
        repeated = [f for f in result.findings if f.rule == "schema/primary-key" and f.path == res.path]
        assert [f.line for f in repeated] == [lines[-1]]
        assert f"repeats line {lines[index]}" in repeated[0].message
