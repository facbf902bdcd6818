"""The JSON Schemas and the Table Schemas say the same thing.

Both are generated from one definition; these properties check that the generation is right:
a row valid under one is valid under the other, in both directions, for every resource.
"""

import functools
import json
import re

import jsonschema
import jsonschema_rs
import pytest
from frictionless import Resource, Schema
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from regex_text import regex_text, translated
from rightsdata import metadata
from rightsdata.cells import json_reader, json_to_row, row_to_json

RESOURCES = sorted(metadata.resources())
CHECKER = jsonschema.Draft202012Validator.FORMAT_CHECKER


@functools.cache
def table_schema(name: str) -> Schema:
    """frictionless's reading of a resource's Table Schema (keys and `unique` aside: what relates
    rows to each other, where the properties below are about each row alone), made once: it took
    longer than validating an example's row."""
    res = metadata.resources()[name]
    descriptor = {k: v for k, v in res.table_schema().items() if k not in ("primaryKey", "foreignKeys")}
    descriptor["fields"] = [dict(f, constraints={k: v for k, v in f["constraints"].items() if k != "unique"}) if "constraints" in f
                            else f for f in descriptor["fields"]]
    return Schema.from_descriptor(descriptor)


def table_errors(res, rows: list[dict[str, str]]) -> list[str]:
    """Cell errors frictionless finds in CSV rows under the resource's Table Schema (keys aside)."""
    return [message for _, message in table_errors_by_row(res, rows)]


def table_errors_by_row(res, rows: list[dict[str, str]]) -> list[tuple[int, str]]:
    """As table_errors, each with the index in `rows` of the row it is about: one frictionless
    validation for many rows (its cost is nearly all fixed, 12 ms a call whatever the rows)."""
    data = [res.column_names] + [[row[n] for n in res.column_names] for row in rows]
    report = Resource(data=data, schema=table_schema(res.name)).validate()
    return [(e.row_number - 2, f"{e.type}: {e.note} ({getattr(e, 'field_name', '')})") for e in report.tasks[0].errors]


@functools.cache
def json_validator_of(name: str):
    return jsonschema.Draft202012Validator(metadata.resources()[name].json_schema(), format_checker=CHECKER)


def json_validator(res):
    return json_validator_of(res.name)


ROWS_PER_EXAMPLE = 8  # rows drawn per example and checked by one frictionless validation: EXAMPLES x 8 rows, the
# 40 rows a resource had as 40 examples of one row, at an eighth of the frictionless calls (its cost is nearly all fixed)
EXAMPLES = 5


REFERENCE_ROWS = 1000  # rows of a resource that jsonschema, the reference implementation, checks too (all of a smaller one)


def spread(rows: list, count: int) -> list:
    """`count` rows spread evenly over `rows` (the first and the last included), or all of them."""
    if len(rows) <= count:
        return rows
    return [rows[i * (len(rows) - 1) // (count - 1)] for i in range(count)]


@pytest.mark.parametrize("name", RESOURCES)
def test_every_real_row_is_valid_under_its_json_schema(name, tables):
    """Every row, as JSON, against the resource's JSON Schema (draft 2020-12, formats checked):
    every row whole by jsonschema-rs (a compiled validator, 0.2 s for 81k rows where jsonschema
    took seconds), and a thousand rows spread over each resource by jsonschema as well. Both are
    first shown to reject a row with any one property broken (a value of no type the schema
    allows), with a property the schema does not have, and with an impossible date: neither
    passes a row by ignoring a property, `additionalProperties` or `format`."""
    res = metadata.resources()[name]
    schema = res.json_schema()
    compiled = jsonschema_rs.validator_for(schema, validate_formats=True)
    reference = json_validator(res)
    assert isinstance(compiled, jsonschema_rs.Draft202012Validator), schema["$schema"]
    objs = list(map(json_reader(res.fields), tables[name]))  # (row_to_json, each field's reader made once)
    sample = objs[0] if objs else {f["name"]: None for f in res.fields}
    for prop, sub in schema["properties"].items():
        broken = [({}, "a value of no type it allows")] + [("2021-02-30", "an impossible date")] * (sub.get("format") == "date")
        for value, what in broken:
            for validator, errors in (("jsonschema-rs", compiled.iter_errors(dict(sample, **{prop: value}))),
                                      ("jsonschema", reference.iter_errors(dict(sample, **{prop: value})))):
                paths = [list(e.path if hasattr(e, "path") else e.instance_path) for e in errors]
                assert [prop] in paths, f"{validator} passes {name}.{prop} as {what} ({value!r}): {paths}"
    for validator, check in (("jsonschema-rs", compiled), ("jsonschema", reference)):
        assert not check.is_valid(dict(sample, not_a_field=1)), f"{validator} allows a property {name} does not have"
    invalid = [(i, obj) for i, obj in enumerate(objs) if not compiled.is_valid(obj)]
    assert not invalid, [(tables[name][i], [e.message for e in compiled.iter_errors(obj)]) for i, obj in invalid[:5]]
    for obj in spread(objs, REFERENCE_ROWS):
        errors = [e.message for e in reference.iter_errors(obj)]
        assert not errors, (obj, errors)


@pytest.mark.parametrize("name", RESOURCES)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_rows_valid_under_the_json_schema_are_valid_under_the_table_schema(name, data):
    res = metadata.resources()[name]
    objs = data.draw(json_objects(name))
    rows = []
    for obj in objs:
        assert not list(json_validator(res).iter_errors(obj))  # the strategy itself stays inside the schema
        row = json_to_row(res.fields, obj)
        assert row_to_json(res.fields, row) == {f["name"]: normalised(f, obj.get(f["name"])) for f in res.fields}
        rows.append(row)
    errors = table_errors_by_row(res, rows)
    assert errors == [], [(objs[i], rows[i], message) for i, message in errors]


@functools.cache
def json_objects(name: str) -> st.SearchStrategy[list[dict]]:
    """ROWS_PER_EXAMPLE objects valid under a resource's JSON Schema. One strategy per resource,
    made once: hypothesis validates a new strategy and parses its regular expressions at its first
    draw, which took a quarter of the properties' time when each example built its own."""
    res = metadata.resources()[name]
    return st.lists(from_json_schema(res.json_schema()), min_size=ROWS_PER_EXAMPLE, max_size=ROWS_PER_EXAMPLE)


def from_json_schema(schema: dict) -> st.SearchStrategy:
    """Values valid under a JSON Schema, for the subset the generated schemas use (object of
    properties; anyOf with null; string with pattern, length, enum or date format; integer and
    number with bounds; boolean; array of integers). Read from the JSON Schema document itself, so
    that it checks the JSON Schema, not the metadata it was generated from."""
    if "anyOf" in schema:
        return st.one_of([from_json_schema(s) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema["type"]
    if kind == "object":
        required = {k: from_json_schema(v) for k, v in schema["properties"].items() if k in schema["required"]}
        optional = {k: from_json_schema(v) for k, v in schema["properties"].items() if k not in schema["required"]}
        return st.fixed_dictionaries(required, optional=optional)
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        return st.one_of(st.integers(schema.get("minimum"), schema.get("maximum")),
                         st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False, allow_infinity=False))
    if kind == "array":
        return st.lists(from_json_schema(schema["items"]), min_size=schema.get("minItems", 0), max_size=6)
    if kind == "string":
        if schema.get("format") == "date":
            return st.dates().map(lambda d: d.isoformat())
        if "pattern" in schema:
            return regex_text(schema["pattern"])
        return st.text(min_size=schema.get("minLength", 0), max_size=schema.get("maxLength", 200))
    raise AssertionError(f"the generated JSON Schemas use {kind!r}; teach from_json_schema about it")


def normalised(field, value):
    """The JSON value a CSV cell reads back as: a float that is a whole number stays a float
    unless the field is an integer."""
    if field["type"] == "integer" and value is not None:
        return int(value)
    return value


def cell_strategy(field: dict) -> st.SearchStrategy[str]:
    """CSV cells valid under a Table Schema field, drawn from the Table Schema's own vocabulary
    (frictionless decides below whether they are)."""
    c = metadata.field_constraints(field)
    kind = field["type"]
    if "enum" in c:
        values = st.sampled_from([str(v) for v in c["enum"]])
    elif kind == "string":
        values = regex_text(c["pattern"], fullmatch=True) if "pattern" in c else st.text(min_size=max(1, c.get("minLength", 1)))
    elif kind == "integer":
        values = st.integers(min_value=c.get("minimum", -10**12), max_value=c.get("maximum", 10**12)).map(str)
    elif kind == "number":  # within the field's bounds, where it has them (a share, a similarity)
        lo, hi = c.get("minimum"), c.get("maximum")
        values = st.one_of(st.integers(int(lo if lo is not None else -10**9), int(hi if hi is not None else 10**9)).map(str),
                           st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False).map(repr))
    elif kind == "boolean":
        values = st.sampled_from(["true", "false", "True", "FALSE", "1", "0"])
    elif kind == "date":
        values = st.dates().map(lambda d: d.strftime("%Y-%m-%d"))
    elif kind == "list":
        values = st.lists(st.integers(0, 999), min_size=1, max_size=6).map(lambda xs: field["delimiter"].join(map(str, xs)))
    else:
        raise AssertionError(kind)
    return values if c.get("required") else st.one_of(st.just(""), values)


@functools.cache
def table_rows(name: str) -> st.SearchStrategy[list[dict[str, str]]]:
    """ROWS_PER_EXAMPLE rows of CSV cells (by field name) drawn from a resource's Table Schema, one
    strategy per resource made once (see json_objects)."""
    row = st.fixed_dictionaries({f["name"]: cell_strategy(f) for f in metadata.resources()[name].fields})
    return st.lists(row, min_size=ROWS_PER_EXAMPLE, max_size=ROWS_PER_EXAMPLE)


@pytest.mark.parametrize("name", RESOURCES)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_rows_valid_under_the_table_schema_are_valid_under_the_json_schema(name, data):
    res = metadata.resources()[name]
    rows = data.draw(table_rows(name), label="rows")
    rejected = {i for i, _ in table_errors_by_row(res, rows)}
    accepted = [row for i, row in enumerate(rows) if i not in rejected]
    assume(accepted)  # the property is about rows frictionless accepts
    for row in accepted:
        obj = row_to_json(res.fields, row)
        errors = [e.message for e in json_validator(res).iter_errors(obj)]
        assert not errors, (row, obj, errors)


def test_the_table_errors_helper_sees_errors():
    """The property above would pass vacuously if frictionless never reported anything."""
    res = metadata.resources()["enforcement"]
    row = {n: "" for n in res.column_names}
    row.update(country="ukr", report_year="twenty", status="maybe")
    errors = table_errors(res, [row])
    assert any("required" in e for e in errors) and any("type" in e for e in errors)
    by_row = table_errors_by_row(res, [dict(row, status=""), dict(row, report_year="")])
    assert {i for i, e in by_row if e.startswith("type-error") and "(report_year)" in e} == {0}
    assert {i for i, e in by_row if e.startswith("constraint-error") and "(report_year)" in e} == {1}


def test_json_schema_documents_are_the_generated_ones(repo):
    for res in metadata.resources().values():
        assert json.loads((repo / res.json_schema_path).read_text(encoding="utf-8")) == res.json_schema()


def patterns() -> list[tuple[str, bool]]:
    """Every pattern of the Table Schemas (matched whole) and of the JSON Schemas (searched), but
    those of JSON Schema strings of format date (from_json_schema draws them with st.dates)."""
    out = set()
    for res in metadata.resources().values():
        out |= {(c["pattern"], True) for c in map(metadata.field_constraints, res.fields) if "pattern" in c}
        out |= {(s["pattern"], False) for p in res.json_schema()["properties"].values() for s in p.get("anyOf", [p])
                if "pattern" in s and s.get("format") != "date"}
    return sorted(out)


def test_every_pattern_is_translated_for_regex_text():
    """regex_text leaves no schema pattern to st.from_regex (whose cost it removes): each one is
    translated, checked one by one (the property below samples them)."""
    assert len(patterns()) > 20
    assert [p for p, _ in patterns() if translated(p) is None] == []


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_the_cheap_pattern_strings_match_without_the_filter(data):
    """regex_text draws the schemas' pattern strings (st.from_regex cost most of the properties'
    time): what the translation of each pattern draws matches before the filter that would
    otherwise hide a wrong translation (and reject most draws). Every pattern in every example:
    a pattern sampled per example (100 examples of 33 patterns) left one or two undrawn a run."""
    for pattern, fullmatch in patterns():
        value = data.draw(translated(pattern), label=pattern)
        assert (re.fullmatch if fullmatch else re.search)(pattern, value), (pattern, value)
