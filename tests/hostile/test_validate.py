"""Hostile contributions to `rightsdata validate` (issue 13, the validator engine): rules that try to
change the tables or read files, field names that collide with internal columns, enum lists with
null, control characters, inputs built to exhaust memory, and CR-only line ends. Each is refused
clearly or handled right, in seconds and bounded memory, naming file and line, changing nothing."""

import io
import json
import re
import resource
import subprocess
import sys
from pathlib import Path

import frictionless
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import tree_digest
from rightsdata.cells import LIST_DELIMITER
from test_parity import ours, theirs

MEMORY = 1 << 30  # 1 GiB of address space: the cases below used 2.5-3 GB before they were bounded


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def validate(package: Path, *args: str) -> subprocess.CompletedProcess:
    """`rightsdata validate` in a subprocess with bounded memory and time; asserts no traceback,
    no bare Python exception name, and nothing written into the package."""
    before = tree_digest(package)
    result = subprocess.run([sys.executable, "-m", "rightsdata", "validate", *args], cwd=package, capture_output=True,
                            text=True, timeout=60, preexec_fn=limit_memory)
    out = result.stdout + result.stderr
    assert "Traceback" not in out and not re.search(r"\b[A-Z]\w*(Error|Exception): ", out), out
    assert tree_digest(package) == before, "validate wrote into the package"
    return result


def validate_here(package: Path) -> subprocess.CompletedProcess:
    """As `validate`, in this process (faster), for cases that need no bound on memory."""
    from rightsdata import report
    from rightsdata.validate import validate as run

    before = tree_digest(package)
    out = io.StringIO()
    result = run(package / "datapackage.json")
    report.write_text(result, out)
    assert tree_digest(package) == before, "validate wrote into the package"
    assert not re.search(r"\b[A-Z]\w*(Error|Exception): ", out.getvalue()), out.getvalue()
    return subprocess.CompletedProcess([], result.exit_code, out.getvalue(), "")


def findings(package: Path, bounded: bool = False) -> tuple[int, list[dict], str | None]:
    """Exit code, findings (as `--format json` gives them) and fatal error of validating `package`:
    in this process (fast), or with `bounded` in a subprocess of bounded memory."""
    if bounded:
        doc = json.loads(validate(package, "--format", "json").stdout)
        return doc["exit_code"], doc["findings"], doc["error"]
    from rightsdata import report
    from rightsdata.validate import validate as run

    before = tree_digest(package)
    out = io.StringIO()
    result = run(package / "datapackage.json")
    report.write_json(result, out)
    assert tree_digest(package) == before, "validate wrote into the package"
    doc = json.loads(out.getvalue())
    return result.exit_code, doc["findings"], doc["error"]


def package(root: Path, fields: list[dict], csv_bytes: bytes, primary_key=("id",), rules: dict | None = None,
            waivers: str | None = None, extra: dict | None = None) -> Path:
    """A one-table package (resource t, data/t.csv) with optional validators/ files."""
    (root / "data").mkdir(parents=True)
    (root / "data/t.csv").write_bytes(csv_bytes)
    schema = {"fields": fields, "primaryKey": list(primary_key)}
    resources = [{"name": "t", "path": "data/t.csv", "profile": "tabular-data-resource", "schema": schema}]
    (root / "datapackage.json").write_text(json.dumps({"name": "t", "resources": resources, **(extra or {})}))
    if rules or waivers is not None:
        (root / "validators").mkdir()
        for name, text in (rules or {}).items():
            (root / "validators" / name).write_text(text)
        if waivers is not None:
            (root / "validators/waivers.yaml").write_text(waivers)
    return root


def rule(query: str, message: str = "bad {value}", rule_id: str = "r", resource: str = "t") -> dict:
    body = "\n".join("  " + line for line in query.splitlines())
    return {f"{rule_id}.yaml": f"id: {rule_id}\nseverity: error\nresource: {resource}\ndescription: x\n"
                               f"query: |\n{body}\nmessage: {json.dumps(message)}\n"}


ID_V = [{"name": "id", "type": "integer"}, {"name": "v", "type": "integer"}]
DUPLICATE = b"id,v\n1,1\n1,2\n"  # a repeated primary key: the package is invalid


# --- 5: a rule runs one read-only SELECT --------------------------------------------------------

@pytest.mark.parametrize("query,words", [
    # stacked statements that close the wrapping subquery and delete the offending rows
    ('SELECT _rowid FROM {resource} WHERE false) r; DELETE FROM "t0_t" WHERE true; '
     "SELECT 't' AS _resource, '' AS _column, * FROM (SELECT 0 AS _rowid", "one SELECT statement"),
    ('SELECT _rowid FROM {resource} WHERE false; DELETE FROM "t0_t"', "one SELECT statement"),
    ('WITH x AS (DELETE FROM "t0_t" RETURNING *) SELECT 0 AS _rowid FROM x', "the query failed"),
    ("SELECT 0 AS _rowid, * FROM read_csv('/etc/passwd')", "the query failed"),
    ("SELECT 0 AS _rowid, content AS value FROM read_text('/etc/hostname')", "the query failed"),
    ("SELECT 0 AS _rowid FROM glob('/*')", "the query failed"),
])
def test_a_rule_cannot_change_the_tables_or_read_files(tmp_path, query, words):
    pkg = package(tmp_path / "p", ID_V, DUPLICATE, rules=rule(query))
    result = validate_here(pkg)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "validators/r.yaml" in result.stdout and words in result.stdout, result.stdout


def test_what_a_rule_changes_is_rolled_back(tmp_path, monkeypatch):
    """Belt and braces: a statement that got past the parser check runs in a transaction of the
    rule's own, rolled back, so the other checks still read every row."""
    from rightsdata import package as pkg_module
    from rightsdata import rules, schema_check

    monkeypatch.setattr(rules, "one_select", lambda *args: None)
    pkg = package(tmp_path / "p", ID_V, DUPLICATE)
    _, loaded, con = schema_check.load_all(pkg_module.load(pkg / "datapackage.json", check_profile=False))
    rules.prepare(con, loaded)
    table = schema_check.q(loaded["t"].table)
    query = (f"SELECT _rowid FROM t WHERE false) r; DELETE FROM {table}; "
             "SELECT 't' AS _resource, '' AS _column, * FROM (SELECT 0 AS _rowid WHERE false")
    evil = rules.Rule(id="r", severity="error", resource="t", description="x", query=query, message="m", path="r.yaml")
    ruleset = rules.RuleSet(rules=[evil])
    schema_check.run_jobs(con, rules.jobs(loaded, ruleset, resources={"t"}))
    assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 2


# --- 13: what a contribution can make the validator allocate ------------------------------------

def bomb(indent: str = "  ", depth: int = 9, width: int = 9) -> str:
    """Nested YAML aliases: a few hundred bytes that stand for width ** depth strings."""
    lines = [indent + '- &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, depth):
        lines.append(f"{indent}- &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines)


def test_a_waiver_key_of_nested_aliases_is_refused(tmp_path):
    waivers = f"- rule: schema/primary-key\n  reason: x\n  key:\n    id:\n{bomb('      ')}\n"
    pkg = package(tmp_path / "p", ID_V, DUPLICATE, waivers=waivers)
    result = validate(pkg)
    assert result.returncode == 2
    assert "validators/waivers.yaml:5: YAML anchors and aliases" in result.stdout, result.stdout


def test_a_rule_file_with_aliases_is_refused(tmp_path):
    rules = rule("SELECT _rowid FROM {resource} WHERE false")
    rules["r.yaml"] += f"x:\n{bomb()}\n"
    pkg = package(tmp_path / "p", ID_V, DUPLICATE, rules=rules)
    result = validate(pkg)
    assert result.returncode == 2 and "validators/r.yaml:9: YAML anchors and aliases" in result.stdout, result.stdout


def test_a_waiver_key_with_a_list_value_is_refused(tmp_path):
    waivers = "- rule: schema/primary-key\n  reason: x\n  key: {id: [1, 2]}\n"
    pkg = package(tmp_path / "p", ID_V, DUPLICATE, waivers=waivers)
    result = validate_here(pkg)
    assert result.returncode == 2 and "validators/waivers.yaml:1: each field of a waiver's key" in result.stdout, result.stdout


@pytest.mark.parametrize("message", ["{value:>3000000000}", "{value:{value}>99}", "{value.__class__}", "{value[0]}",
                                     "{value!x}", "{0}", "{value"])
def test_a_rule_message_is_a_plain_template(tmp_path, message):
    pkg = package(tmp_path / "p", ID_V, b"id,v\n1,1\n2,2\n", rules=rule("SELECT _rowid, v AS value FROM {resource}", message))
    result = validate_here(pkg)
    assert result.returncode == 2, result.stdout
    assert result.stdout.startswith("error: validators/r.yaml: the message") and "{column}" in result.stdout, result.stdout


def test_plain_message_templates_still_work(tmp_path):
    pkg = package(tmp_path / "p", ID_V, b"id,v\n1,1\n2,2\n",
                  rules=rule("SELECT _rowid, v AS value FROM {resource} WHERE v = 2", "v is {value!r}, {value} {{x}}"))
    code, found, _ = findings(pkg)
    assert code == 1 and [(f["line"], f["message"]) for f in found] == [(3, "v is '2', 2 {x}")]


def provenance_package(root: Path, spec: str | list[str], lines: int = 5) -> Path:
    """A package whose table t cites `spec` lines of an archived source of `lines` lines (a row
    for each spec of a list, row i at line i + 2)."""
    from rightsdata.package import sha256

    fields = [{"name": "id", "type": "integer"}, {"name": "source_id", "type": "string"},
              {"name": "source_lines", "type": "string"}, {"name": "name", "type": "string", "asPrinted": "text"}]
    specs = [spec] if isinstance(spec, str) else spec
    rows = "".join(f'{i},s,"{one}",line\n' for i, one in enumerate(specs, 1))
    pkg = package(root, fields, f"id,source_id,source_lines,name\n{rows}".encode())
    (pkg / "sources").mkdir()
    (pkg / "sources/s.txt").write_text("\n".join(f"line {i}" for i in range(1, lines + 1)))
    (pkg / "data/sources.csv").write_text(f"source_id,archived_path,sha256\ns,sources/s.txt,{sha256(pkg / 'sources/s.txt')}\n")
    descriptor = json.loads((pkg / "datapackage.json").read_text())
    descriptor["resources"].append({"name": "sources", "path": "data/sources.csv", "profile": "tabular-data-resource",
                                    "schema": {"fields": [{"name": n, "type": "string"} for n in ("source_id", "archived_path", "sha256")],
                                               "primaryKey": ["source_id"]}})
    (pkg / "datapackage.json").write_text(json.dumps(descriptor))
    return pkg


BEYOND = [
    ("189-999999999", "cites line 189, but s has 5 lines"),
    ("1-50000000", "cites line 50000000, but s has 5 lines"),
    ("1-" + "9" * 5000, "cites line 99999999999999999..., but s has 5 lines"),
    (LIST_DELIMITER.join(["1-5"] * 20000), "cites more lines than s has (5)"),
    ("4-2", "the range 4-2 runs backwards"),
]


def test_source_lines_beyond_the_source_are_a_finding_not_an_expansion(tmp_path):
    """Each spec a row of one table, checked in one process of bounded memory (all of them
    together, where each had a process of its own): one finding per row, at its line."""
    code, found, error = findings(provenance_package(tmp_path / "p", [spec for spec, _ in BEYOND]), bounded=True)
    assert code == 1 and error is None
    assert [(f["rule"], f["path"], f["line"], f["field"]) for f in found] == [
        ("sources/lines", "data/t.csv", line, "source_lines") for line in range(2, len(BEYOND) + 2)], found
    for (spec, words), f in zip(BEYOND, found):
        assert words in f["message"], (spec[:40], f["message"])


def test_source_lines_within_the_source_are_checked(tmp_path):
    code, found, _ = findings(provenance_package(tmp_path / "p", LIST_DELIMITER.join(["1-2", "4"])))
    assert code == 0, found


# --- 6: internal columns never collide with user fields -----------------------------------------

def in_process(package_dir: Path) -> list[tuple]:
    from rightsdata.validate import validate as run

    result = run(package_dir / "datapackage.json")
    assert result.fatal is None, result.fatal
    return sorted((f.rule, f.line, f.field, f.value, tuple(sorted((f.key or {}).items()))) for f in result.findings)


def colliding_package(root: Path, name: str) -> Path:
    """A key field called `name`, a repeated key, a cell spanning lines, a dangling foreign key, a
    bad cell, a rule over the view and a for_each rule over {cells}."""
    fields = [{"name": "id", "type": "integer"}, {"name": name, "type": "string"}, {"name": "x", "type": "integer"}]
    rows = f'id,{name},x\n1,a,1\n1,a,2\n2,"b\nc",9\n3,zz,y\n'.encode()
    each = ("s.yaml", "id: s\nseverity: warning\nfor_each: string_columns\ndescription: x\n"
                      "query: SELECT * FROM {cells} WHERE value = 'zz'\nmessage: '{column} is {value}'\n")
    pkg = package(root, fields, rows, primary_key=("id", name),
                  rules=dict([each], **rule("SELECT _rowid, id AS value FROM {resource} WHERE id = 3")))
    descriptor = json.loads((pkg / "datapackage.json").read_text())
    descriptor["resources"][0]["schema"]["foreignKeys"] = [{"fields": "x", "reference": {"resource": "", "fields": "id"}}]
    (pkg / "datapackage.json").write_text(json.dumps(descriptor))
    return pkg


def renamed(found: list[tuple], name: str) -> list[tuple]:
    return sorted((r, line, name if f == "v" else f, value, tuple(sorted((name if k == "v" else k, kv) for k, kv in key)))
                  for r, line, f, value, key in found)


@pytest.fixture(scope="module")
def plain_findings(tmp_path_factory) -> list[tuple]:
    """The findings on the colliding package with the plain field name `v`: what every name below
    must give, renamed. Validated once for the 24 names (it was once per name, the same answer)."""
    return in_process(colliding_package(tmp_path_factory.mktemp("colliding") / "plain", "v"))


@pytest.mark.parametrize("name", ["rowid", "ROWID", "RowId", "_row", "_rowid", "_resource", "_column", "value", "line", "_line",
                                  "n", "r", "t", "field", "rule", "total", "shown", "first_rowid", "_r", "_shown", "_first",
                                  "k0", "_k0", "_k1"])
def test_a_field_named_like_an_internal_column_is_just_a_field(tmp_path, plain_findings, name):
    expected = plain_findings
    assert {(r, line) for r, line, *_ in expected} == {
        ("schema/primary-key", 3), ("schema/foreign-key", 4), ("schema/type", 6), ("r", 6), ("s", 6)}, expected
    # (x = 'y' at line 6 is a type error only: as in frictionless, a key cell with no value is not looked up)
    assert in_process(colliding_package(tmp_path / "p", name)) == renamed(expected, name)


def test_fields_that_differ_only_in_case_are_reported(tmp_path):
    fields = [{"name": "id", "type": "integer"}, {"name": "a"}, {"name": "A"}]
    code, found, _ = findings(package(tmp_path / "p", fields, b"id,a,A\n1,x,y\n"))
    assert code == 1 and [(f["rule"], f["path"], f["line"]) for f in found] == [("file/header", "data/t.csv", 1)]
    assert "'a' and 'A' differ only in case" in found[0]["message"]


# --- 7: an enum list holding null ---------------------------------------------------------------

def test_an_enum_with_null_does_not_let_other_values_pass(tmp_path):
    fields = [{"name": "id", "type": "integer"}, {"name": "v", "type": "integer", "constraints": {"enum": [1, None]}}]
    code, found, _ = findings(package(tmp_path / "p", fields, b"id,v\n1,1\n2,3\n3,\n"))
    assert code == 1 and [(f["rule"], f["line"], f["field"], f["message"]) for f in found] == [
        ("schema/enum", 3, "v", "v: '3' is not one of: 1")]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["integer", "string", "number"]),
       enum=st.lists(st.one_of(st.none(), st.integers(-3, 3), st.sampled_from(["a", "2", "1.5"])), min_size=1, max_size=4),
       cells=st.lists(st.sampled_from(["", "1", "2", "3", "-1", "a", "1.5"]), min_size=1, max_size=6))
@example(kind="integer", enum=["1.5"], cells=["2"])  # a DuckDB cast rounded the member '1.5' to 2
def test_enum_checks_agree_with_frictionless(tmp_path_factory, kind, enum, cells):
    """Typed comparison as frictionless makes it: null and unreadable members match nothing, an
    empty cell is not checked."""
    fields = [{"name": "id", "type": "integer"}, {"name": "v", "type": kind, "constraints": {"enum": enum}}]
    rows = "".join(f"{i},{cell}\n" for i, cell in enumerate(cells))
    pkg = package(tmp_path_factory.mktemp("enum"), fields, f"id,v\n{rows}".encode())
    assert ours(pkg)[0] == theirs(pkg)  # (no group is cut at 100 rows here)


def test_a_key_cell_not_of_its_type_repeats_no_other_key(tmp_path):
    """DuckDB casts '12.5' to the integer 13 and '1e1' to 10: such a cell is a type error and has
    no value, so it repeats no key (hypothesis found the false repeat, in test_parity)."""
    fields = [{"name": "id", "type": "integer"}, {"name": "v", "type": "number"}]
    code, found, _ = findings(package(tmp_path / "p", fields, b"id,v\n13,1\n12.5,2\n10,3\n1e1,4\n"))
    assert code == 1 and sorted((f["rule"], f["line"]) for f in found) == [("schema/type", 3), ("schema/type", 5)]



def test_a_cell_not_of_its_type_has_no_value_in_key_checks_and_rules(tmp_path):
    """A field with a cell that fails its type is read through the type test everywhere after the
    cell checks (LoadedTable.readable): a DuckDB cast alone takes '1.5' for 2 and '3.4' for 3, so
    the key '1.5' would seem to be there for parent 2, '3.4' would seem to name row 3, and a rule
    would see 2 where the cell has no value. As in frictionless (the oracle, below), the cell
    '3.4' has no value: a type error, and its foreign key is not looked up."""
    fields = [{"name": "id", "type": "integer"}, {"name": "parent", "type": "integer"}]
    extra_fk = {"foreignKeys": [{"fields": ["parent"], "reference": {"resource": "", "fields": ["id"]}}]}
    pkg = package(tmp_path / "p", fields, b"id,parent\n1,\n1.5,\n3,2\n4,3.4\n5,3\n",
                  rules=rule("SELECT _rowid, id AS value FROM {resource} WHERE id = 2 OR parent = 3 AND _rowid <> 4", "sees {value}"))
    descriptor = json.loads((pkg / "datapackage.json").read_text())
    descriptor["resources"][0]["schema"].update(extra_fk)
    (pkg / "datapackage.json").write_text(json.dumps(descriptor))
    code, found, _ = findings(pkg)
    assert code == 1
    assert sorted((f["rule"], f["line"], f["field"]) for f in found) == [
        ("schema/foreign-key", 4, "parent"),  # 2: in no row ('1.5' is not 2)
        ("schema/type", 3, "id"), ("schema/type", 5, "parent")]
    report = frictionless.validate(str(pkg / "datapackage.json"))
    assert sorted((e.type, e.row_number) for t in report.tasks for e in t.errors) == [
        ("foreign-key", 4), ("primary-key", 3), ("type-error", 3), ("type-error", 5)]  # (its key cell read as missing: documented)


# --- 8: control characters in text --------------------------------------------------------------

def test_control_characters_in_text_are_reported_by_file_line_field_and_code_point(tmp_path):
    fields = [{"name": "id", "type": "integer"}, {"name": "s", "type": "string"},
              {"name": "l", "type": "list", "itemType": "string", "delimiter": ";"}]
    rows = [b"1,a\x1bb,", b"2,\x00,", b"3,x,\xc2\x85y;z", b"4,\"tab\tand\r\nlines\nand\rcr\",ok",  # line 5 spans three
            b"7,\x7f,", b"8,fine \xc2\xa0\xc3\xa9,a;b", b"9,\x07,\x0b"]
    code, found, _ = findings(package(tmp_path / "p", fields, b"\n".join([b"id,s,l", *rows, b""])))
    assert code == 1
    assert [(f["rule"], f["path"], f["line"], f["field"], f["message"].split(";")[0]) for f in found] == [
        ("file/control-character", "data/t.csv", 2, "s", "s: holds the control character U+001B at character 2"),
        ("file/control-character", "data/t.csv", 3, "s", "s: holds the control character U+0000 at character 1"),
        ("file/control-character", "data/t.csv", 4, "l", "l: holds the control character U+0085 at character 1"),
        ("file/control-character", "data/t.csv", 8, "s", "s: holds the control character U+007F at character 1"),
        ("file/control-character", "data/t.csv", 10, "s", "s: holds the control character U+0007 at character 1"),
        ("file/control-character", "data/t.csv", 10, "l", "l: holds the control character U+000B at character 1")]
    assert found[0]["key"] == {"id": "1"}


def test_many_control_characters_are_counted_not_all_listed(tmp_path):
    fields = [{"name": "id", "type": "integer"}, {"name": "s", "type": "string"}]
    rows = b"".join(b"%d,a\x1b\n" % i for i in range(250))
    code, found, _ = findings(package(tmp_path / "p", fields, b"id,s\n" + rows))
    assert code == 1 and len(found) == 101 and found[-1]["message"] == "s: 150 more rows like the 100 above"


@pytest.fixture(scope="module")
def scan_dir(tmp_path_factory) -> Path:
    """One directory for every example, which overwrites its file (a directory an example left
    hundreds behind, for pytest to remove at a later run)."""
    return tmp_path_factory.mktemp("scan")


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.sampled_from("ab\t\n\r\x00\x1b\x7f\x85\x9f\xa0\xe9é€"), max_size=12), size=st.integers(1, 8))
def test_the_scan_finds_a_control_character_wherever_the_chunks_split_it(scan_dir, text, size):
    import re as regex

    from rightsdata.schema_check import CONTROL, scan

    file = scan_dir / "f.csv"
    file.write_bytes(text.encode("utf-8"))
    assert scan(file, size).control == bool(regex.search(CONTROL, text))


# --- 15: CR-only line ends, and whatever Python's csv module says -------------------------------

def two_files(root: Path, t_bytes: bytes) -> Path:
    """Resource t (data/t.csv, `t_bytes`) beside resource u, whose line 3 holds a bad integer."""
    pkg = package(root, ID_V, t_bytes)
    (pkg / "data/u.csv").write_bytes(b"id,v\n1,1\n2,x\n")
    descriptor = json.loads((pkg / "datapackage.json").read_text())
    descriptor["resources"].append(dict(descriptor["resources"][0], name="u", path="data/u.csv"))
    (pkg / "datapackage.json").write_text(json.dumps(descriptor))
    return pkg


@pytest.mark.parametrize("content,line,words", [
    (b"id,v\r1,1\r2,2\r", 1, "carriage return (CR) alone, as Excel for Mac"),
    (b"id,v\r1,1\r2,2", 1, "carriage return (CR) alone, as Excel for Mac"),
    (b"id,v\n1,1\r2,2\n", 2, "a carriage return (CR) outside a quoted cell"),
    (b"id,v\r\n1,1\r2,2\r\n", 2, "a carriage return (CR) outside a quoted cell"),
])
def test_cr_line_ends_are_a_finding_and_the_other_files_are_still_checked(tmp_path, content, line, words):
    code, found, error = findings(two_files(tmp_path / "p", content))
    assert code == 1 and error is None
    assert [(f["rule"], f["path"], f["line"]) for f in found] == [("file/structure", "data/t.csv", line),
                                                                   ("schema/type", "data/u.csv", 3)], found
    assert words in found[0]["message"] and "universal-newline" not in found[0]["message"]


@pytest.mark.parametrize("lines,strict,words", [(["a,b\rc"], False, "a carriage return (CR) outside a quoted cell"),
                                                (['"a'], True, "a quoted cell is not closed")])
def test_csv_module_errors_are_said_in_plain_words(lines, strict, words):
    import csv

    from rightsdata.schema_check import csv_problem

    with pytest.raises(csv.Error) as raised:
        list(csv.reader(lines, strict=strict))
    assert csv_problem(raised.value).startswith(words)


# --- a rule's result: every row it returns is a row of the package, and not millions of them ------

EACH = "id: r\nseverity: error\nfor_each: string_columns\ndescription: x\nquery: {query}\nmessage: m\n"


@pytest.mark.parametrize("query,for_each,words", [
    ("SELECT id FROM {resource}", False, "the query returns no _rowid column"),
    ("SELECT _rowid FROM {cells}", True, "the query returns no _resource, _column columns"),
    ("SELECT 99 AS _rowid", False, "_rowid '99', which is no row of the package"),
    ("SELECT -1 AS _rowid", False, "_rowid '-1', which is no row"),
    ("SELECT 'x' AS _rowid", False, "_rowid 'x', which is no row"),
    ("SELECT NULL AS _rowid", False, "_rowid 'empty', which is no row"),
    ("SELECT 99999999999999999999999 AS _rowid", False, "which is no row"),
    ("SELECT 'zz' AS _resource, _rowid, _column FROM {cells}", True, "_resource 'zz', _rowid '0', which is no row"),
    ("SELECT 0 AS _rowid FROM range(200000)", False, "more than 100000 rows"),
])
def test_a_rule_returning_no_row_of_the_package_is_refused(tmp_path, query, for_each, words):
    rules = {"r.yaml": EACH.format(query=json.dumps(query))} if for_each else rule(query)
    pkg = package(tmp_path / "p", [{"name": "id", "type": "integer"}, {"name": "s"}], b"id,s\n1,a\n2,b\n", rules=rules)
    result = validate_here(pkg)
    assert result.returncode == 2 and result.stdout.startswith("error: validators/r.yaml: ") and words in result.stdout, result.stdout


def test_a_rule_that_runs_on_is_stopped(tmp_path, monkeypatch):
    from rightsdata import rules
    from rightsdata.validate import validate as run

    monkeypatch.setattr(rules, "RULE_SECONDS", 0.25)  # (the query never ends: each second allowed was a second of CPU)
    pkg = package(tmp_path / "p", ID_V, b"id,v\n1,1\n2,2\n",
                  rules=rule("SELECT 0 AS _rowid FROM range(1000000000000) a WHERE hash(a.range) = 0"))
    result = run(pkg / "datapackage.json")
    assert result.exit_code == 2 and result.fatal.startswith("validators/r.yaml: the query ran for more than 0.25 s")
