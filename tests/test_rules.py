"""The consistency rules of validators/: each catches a row that breaks it, at the right line, and
passes the real (compliant) rows; waivers keep findings without hiding them."""

import contextlib
import csv
import dataclasses
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, copy_package, run_cli
from rightsdata import package as pkg
from rightsdata import provenance, report, rules, schema_check
from rightsdata.cells import csv_text
from rightsdata.provenance import check_checksums
from rightsdata.schema_check import q, record_lines
from rightsdata.validate import Result, validate
from test_cli import only

UKR = {"source_id": "ukr-findings-2016", "country": "UKR"}
TJK = {"source_id": "tjk-upr-midterm-2014"}


def change(package: Path, resource: str, match: dict, **cells) -> int:
    """Set `cells` in the one row of `resource` that matches `match`; return the row's line."""
    path = package / "data" / f"{resource}.csv"
    text = path.read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    rows, hits = [], []
    for record in reader:
        row = dict(zip(header, record))
        if all(row[k] == str(v) for k, v in match.items()):
            hits.append(len(rows))
            row.update({k: str(v) for k, v in cells.items()})
        rows.append([row[h] for h in header])
    assert len(hits) == 1, (resource, match, len(hits))
    path.write_text(csv_text(header, rows), encoding="utf-8", newline="")
    return record_lines(text)[0][hits[0]]


# --- a rule alone, on the small package loaded once ------------------------------------------------

@pytest.fixture(scope="module")
def small(tmp_path_factory, repo):
    """The small package (conftest's copy without the imported rows), loaded once into DuckDB and
    made ready for the rules (`rules.prepare`): each case below breaks its rows there, runs one
    rule and puts the rows back, instead of copying and validating the whole package."""
    root = copy_package(repo, tmp_path_factory.mktemp("rules") / "package", with_rules=True, with_imported=False)
    package = pkg.load(root / "datapackage.json", check_profile=False)
    found, loaded, con = schema_check.load_all(package)
    assert [f.message for f in found] == []
    rules.prepare(con, loaded)
    ruleset = rules.load(root / "validators", root)
    yield SimpleNamespace(root=root, package=package, loaded=loaded, con=con, rules={r.id: r for r in ruleset.rules},
                          waivers=ruleset.waivers)
    con.close()


def csv_line(root: Path, resource: str, match: dict) -> int:
    """The physical line, read from the CSV file itself, of the one row of `resource` matching `match`."""
    text = (root / "data" / f"{resource}.csv").read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    hits = [i for i, record in enumerate(reader) if all(dict(zip(header, record))[k] == str(v) for k, v in match.items())]
    assert len(hits) == 1, (resource, match, len(hits))
    return record_lines(text)[0][hits[0]]


def set_cells(small, resource: str, match: dict, cells: dict) -> dict:
    """Set `cells` (as the CSV file would hold them: '' is a missing value) in the loaded row of
    `resource` matching `match`; return its old cells, to put back with the same function."""
    t = small.loaded[resource]
    where = " AND ".join(f"{q(k)} = ?" for k in match)
    (rowid, *more) = [r for (r,) in small.con.execute(f"SELECT {t.row} FROM {q(t.table)} WHERE {where}",
                                                      [str(v) for v in match.values()]).fetchall()] or [None]
    assert rowid is not None and not more, (resource, match)
    old = dict(zip(cells, small.con.execute(f"SELECT {', '.join(map(q, cells))} FROM {q(t.table)} WHERE {t.row} = ?",
                                            [rowid]).fetchone()))
    values = [None if v is None or str(v) == "" else str(v) for v in cells.values()]
    small.con.execute(f"UPDATE {q(t.table)} SET {', '.join(f'{q(k)} = ?' for k in cells)} WHERE {t.row} = ?", [*values, rowid])
    return old


@contextlib.contextmanager
def changed(small, changes: list[tuple[str, dict, dict]]):
    """`changes` (resource, match, cells) made to the loaded rows, undone on leaving."""
    undo = []
    try:
        for resource, match, cells in changes:
            undo.append((resource, {**match, **{k: v for k, v in cells.items() if k in match}},
                         set_cells(small, resource, match, cells)))
        yield
    finally:
        for resource, match, old in reversed(undo):
            set_cells(small, resource, match, {k: "" if v is None else v for k, v in old.items()})


def rule_findings(small, rule_id: str, changes: list[tuple[str, dict, dict]]) -> list:
    """The findings of rule `rule_id` alone, waivers applied, with `changes` made for the run."""
    with changed(small, changes):
        found = rules.run_one(small.con, small.loaded, small.rules[rule_id])
    waivers = [dataclasses.replace(w, used=0) for w in small.waivers if w.rule == rule_id]
    rules.apply_waivers(found, rules.RuleSet(waivers=waivers))
    return found


def add_validator(package: Path, name: str, content: str) -> None:
    """Write validators/<name> into a package copy (data_copy has no validators/ yet), its
    descriptor cut down to `enforcement` and what it reaches (test_cli.only; `sources` among them):
    every rule added here reads those, and validating the other resources was most of the time."""
    only(package, "enforcement")
    (package / "validators").mkdir(exist_ok=True)
    (package / "validators" / name).write_text(content)


def cli_findings(package: Path, rule: str) -> tuple[int, list[dict]]:
    """`rightsdata validate --format json` on a package: its exit code and the findings of `rule`."""
    result = run_cli("validate", "--format", "json", cwd=package)
    return result.returncode, [f for f in json.loads(result.stdout)["findings"] if f["rule"] == rule]


def labor(indicator, year):
    return dict(UKR, domain="labor", indicator=indicator, data_year=year)


# Each rule's breaking examples sit in its own file (validators/<id>.yaml, `examples`): a new rule
# brings its test with it.
MUTATIONS = [(rule.id, ex["resource"], ex["row"], ex["set"],
              (ex["reported_at"]["resource"], ex["reported_at"]["row"]) if ex.get("reported_at") else None)
             for rule in rules.load(REPO / "validators", REPO).rules for ex in rule.examples]
TESTED_ELSEWHERE = "repeated-in-source", "sources-agree-"  # by tests that need two sources of one fact


@pytest.mark.parametrize("rule,resource,match,cells,reported", MUTATIONS, ids=[f"{m[0]}-{i}" for i, m in enumerate(MUTATIONS)])
def test_a_row_breaking_the_rule_is_caught_at_its_line(small, rule, resource, match, cells, reported):
    at_resource, at_match = reported or (resource, match)
    line = csv_line(small.root, at_resource, at_match)
    found = rule_findings(small, rule, [(resource, match, cells)])
    unwaived = [f for f in found if not f.waived]
    assert [(f.path, f.line) for f in unwaived] == [(f"data/{at_resource}.csv", line)], [f.message for f in found]
    assert unwaived[0].severity == small.rules[rule].severity
    assert Result(descriptor="", findings=found).exit_code == (1 if unwaived[0].severity == "error" else 0)


def test_each_rule_passes_the_small_package_unchanged(small):
    """The other half of every case above: the rows the cases break do not set the rule off
    before they are broken (nor after: each case's changes are undone)."""
    for rule in sorted({m[0] for m in MUTATIONS}):
        assert [f.message for f in rule_findings(small, rule, []) if not f.waived] == [], rule


@pytest.mark.parametrize("for_each", ["string_columns", "code_columns", "year_columns"])
def test_cells_are_the_same_rows_whether_a_table_is_one_branch_or_one_per_column(small, monkeypatch, for_each):
    """{cells} reads a small table in one branch that unnests its columns, a large one in one
    branch per column: both give the same rows, missing cells and cells that do not read as their
    type included (a year of 'abc' is a row with a NULL value, a missing year no row)."""
    rows = lambda: sorted(small.con.execute(f"SELECT * FROM {rules.cells_relation(for_each, small.loaded)}").fetchall(), key=repr)
    t = small.loaded["enforcement"]
    cells = f"{t.row}, data_year, note"
    old = small.con.execute(f"SELECT {cells} FROM {q(t.table)} WHERE {t.row} < 2 ORDER BY 1").fetchall()
    assert len(old) == 2
    try:
        small.con.execute(f"UPDATE {q(t.table)} SET data_year = CASE WHEN {t.row} = 0 THEN 'abc' END, note = NULL WHERE {t.row} < 2")
        assert "AS _present" in rules.cells_relation(for_each, small.loaded)
        unnested = rows()
        monkeypatch.setattr(rules, "UNNEST_CELLS", -1)
        assert "AS _present" not in rules.cells_relation(for_each, small.loaded)
        assert rows() == unnested
    finally:
        small.con.executemany(f"UPDATE {q(t.table)} SET data_year = ?, note = ? WHERE {t.row} = ?", [[y, n, r] for r, y, n in old])
    assert len(unnested) > 100


def test_the_real_package_breaks_no_rule_unwaived(repo, repo_validated):
    """No unwaived error; every waiver used once. (Warnings remain: they report, for instance,
    where the publisher's judgement of a minimum age differs from the ILO thresholds.)"""
    result = repo_validated
    ruleset = rules.load(repo / "validators", repo)
    assert [f.message for f in result.findings if f.severity == "error" and not f.waived] == []
    assert sorted(f.rule for f in result.findings if f.waived) == sorted(w.rule for w in ruleset.waivers)


def test_the_curated_documents_break_no_rule_unwaived(package_copy):
    """Without the publisher's data, the two curated documents raise no finding that is not waived."""
    result = validate(package_copy / "datapackage.json")
    assert [f.message for f in result.findings if not f.waived] == []


def test_every_rule_has_a_mutation_that_breaks_it(repo):
    without = [r.id for r in rules.load(repo / "validators", repo).rules if not r.examples]
    assert [i for i in without if not i.startswith(TESTED_ELSEWHERE)] == []
    assert len(MUTATIONS) >= 42  # (as many as when they were listed here)


def test_a_rule_with_a_malformed_example_is_refused(tmp_path):
    rule = (REPO / "validators" / "enforcement-counts-not-negative.yaml").read_text(encoding="utf-8")
    for examples, says in [("examples: {resource: enforcement}", "must be a list"),
                           ("examples:\n  - {resource: enforcement, row: {country: UKR}}", "mapping of resource, row, set"),
                           ("examples:\n  - {resource: enforcement, row: [UKR], set: {value: -1}}", "row and set map columns"),
                           ("examples:\n  - {resource: enforcement, row: {a: 1}, set: {value: -1}, reported_at: x}", "reported_at")]:
        (tmp_path / "enforcement-counts-not-negative.yaml").write_text(rule.split("examples:")[0] + examples + "\n", encoding="utf-8")
        with pytest.raises(rules.RuleError, match=says):
            rules.load(tmp_path, tmp_path)


# --- properties: the rule fires exactly when the numbers break it ---------------------------------

# (Each example runs one rule on the loaded package: far more examples than a whole validation
# each allowed, in less time.)
@settings(max_examples=60, deadline=None)
@given(worksite=st.integers(0, 10_000), desk=st.integers(0, 10_000), total=st.integers(0, 20_000))
def test_inspections_add_up_fires_exactly_when_they_do_not(small, worksite, desk, total):
    line = csv_line(small.root, "enforcement", labor("inspections", 2015))
    found = rule_findings(small, "inspections-add-up", [
        ("enforcement", labor("inspections_worksite", 2015), dict(value=worksite)),
        ("enforcement", labor("inspections_desk_review", 2015), dict(value=desk)),
        ("enforcement", labor("inspections", 2015), dict(value=total))])
    assert [f.line for f in found] == ([line] if worksite + desk != total else [])


@settings(max_examples=60, deadline=None)
@given(collected=st.integers(0, 400))
def test_penalties_collected_fires_exactly_above_imposed(small, collected):
    line = csv_line(small.root, "enforcement", labor("penalties_collected", 2016))
    found = rule_findings(small, "penalties-collected-within-imposed",
                          [("enforcement", labor("penalties_collected", 2016), dict(value=collected))])
    assert [f.line for f in found] == ([line] if collected > 177 else [])


# --- waivers --------------------------------------------------------------------------------------

def test_waived_findings_are_reported_marked_and_do_not_fail(repo, repo_validated):
    out = io.StringIO()
    report.write_json(repo_validated, out)  # as `validate --format json` writes it
    doc = json.loads(out.getvalue())
    ruleset = rules.load(repo / "validators", repo)
    assert repo_validated.exit_code == 0 and doc["exit_code"] == 0 and doc["counts"]["waived"] == len(ruleset.waivers)
    waived = [f for f in doc["findings"] if f["waived"]]
    assert all(f["waiver_reason"] and f["key"] and f["line"] for f in waived)


def test_a_waiver_that_matches_nothing_is_an_error(data_copy):
    add_validator(data_copy, "waivers.yaml",
        "- rule: schema/type\n  key: {code: nothing}\n  reason: stale\n")
    result = validate(data_copy / "datapackage.json")
    unmatched = [f for f in result.findings if f.rule == "waivers/unmatched"]
    assert result.exit_code == 1 and unmatched[0].path == "validators/waivers.yaml" and unmatched[0].line == 1


def test_fixing_a_waived_row_leaves_an_unmatched_waiver(package_copy):
    change(package_copy, "upr_section_recommendations", dict(TJK, section=6, position=1),
           reference="88.2", reference_status="normalised", recommendation_id="TJK-2011-88.2",
           recommendation_source_id="upr-recommendations-2011")
    waivers = (package_copy / "validators/waivers.yaml").read_text().split("\n")
    line = next(i for i, text in enumerate(waivers, 1) if text == "- rule: upr-reference-malformed")
    result = validate(package_copy / "datapackage.json")
    assert [(f.rule, f.line) for f in result.findings if not f.waived] == [("waivers/unmatched", line)]


@pytest.mark.parametrize("name,content,words", [
    ("waivers.yaml", "- rule: inspections-add-up\n  key: {a: b}\n", "needs a reason"),
    ("waivers.yaml", "- rule: no-such-rule\n  key: {a: b}\n  reason: x\n", "no rule 'no-such-rule'"),
    ("waivers.yaml", "- [unclosed\n", "not valid YAML"),
    ("bad-sql.yaml", "id: bad-sql\nseverity: error\nresource: sources\ndescription: d\nquery: SELEC nonsense\nmessage: m\n",
     "query failed"),
    ("wrong-id.yaml", "id: other\nseverity: error\nresource: sources\ndescription: d\nquery: SELECT 1\nmessage: m\n",
     "must be the file's name"),
    ("unknown-key.yaml", "id: unknown-key\nseverity: fatal\nresource: sources\ndescription: d\nquery: SELECT 1\nmessage: m\n", "severity"),
    ("bad-message.yaml", "id: bad-message\nseverity: error\nresource: sources\ndescription: d\nquery: SELECT 1 AS _rowid\n"
                         "message: 'a brace { left open'\n", "not a template"),
    ("bad-index.yaml", "id: bad-index\nseverity: error\nresource: sources\ndescription: d\nquery: SELECT 1 AS _rowid\n"
                       "message: '{value[k]}'\n", "not a template"),
    ("reads-files.yaml", "id: reads-files\nseverity: error\nresource: sources\ndescription: d\n"
                         "query: SELECT 0 AS _rowid, * FROM read_text('/etc/hostname')\nmessage: m\n", "query failed"),
])
def test_broken_rule_or_waiver_files_exit_2_naming_the_file(data_copy, name, content, words):
    add_validator(data_copy, name, content)
    result = run_cli("validate", cwd=data_copy)
    assert result.returncode == 2, result.stdout
    assert f"validators/{name}" in result.stdout and words in result.stdout, result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_rule_cannot_read_files(data_copy):
    add_validator(data_copy, "reads-files.yaml",
        "id: reads-files\nseverity: error\nresource: sources\ndescription: d\n"
        "query: \"SELECT 0 AS _rowid, content AS value FROM read_text('/etc/hostname')\"\nmessage: '{value}'\n")
    result = run_cli("validate", cwd=data_copy)
    assert result.returncode == 2 and "Permission" in result.stdout
    assert Path("/etc/hostname").read_text().strip() not in result.stdout


def test_adding_a_rule_is_adding_one_file(data_copy):
    add_validator(data_copy, "no-ukraine-funding-known.yaml",
        "id: no-ukraine-funding-known\nseverity: warning\nresource: enforcement\nfield: status\n"
        "description: An example rule.\n"
        "query: SELECT _rowid, status AS value FROM {resource} WHERE indicator = 'funding' AND status = 'unknown'\n"
        "message: funding is {value}\n")
    listed = run_cli("rules", "--format", "json", cwd=data_copy)
    assert "no-ukraine-funding-known" in [r["id"] for r in json.loads(listed.stdout)]
    code, found = cli_findings(data_copy, "no-ukraine-funding-known")
    assert code == 0 and len(found) == 2 and {f["message"] for f in found} == {"funding is unknown"}


def test_a_row_reported_twice_comes_out_in_the_same_order_every_run(data_copy):
    add_validator(data_copy, "twice.yaml",
        "id: twice\nseverity: warning\nresource: enforcement\ndescription: An example rule.\n"
        "query: |\n  SELECT * FROM (SELECT _rowid, 'b' AS other FROM {resource} WHERE indicator = 'funding'\n"
        "  UNION ALL SELECT _rowid, 'a' AS other FROM {resource} WHERE indicator = 'funding') ORDER BY other DESC\n"
        "message: against {other}\n")
    runs = [[(f["line"], f["message"]) for f in cli_findings(data_copy, "twice")[1]] for _ in range(2)]
    assert runs[0] == runs[1] == sorted(runs[0]) and len(runs[0]) == 4


def test_a_rule_on_an_unknown_resource_is_a_broken_rule(data_copy):
    add_validator(data_copy, "typo.yaml",
        "id: typo\nseverity: error\nresource: enforcment\ndescription: d\nquery: SELECT 1 AS _rowid\nmessage: m\n")
    result = run_cli("validate", cwd=data_copy)
    assert result.returncode == 2 and "validators/typo.yaml: resource 'enforcment'" in result.stdout


def test_a_rule_on_an_unreadable_resource_is_skipped_with_a_warning(package_copy):
    (package_copy / "data/statistic_indicators.csv").write_text("wrong,header\n")
    result = validate(package_copy / "datapackage.json")
    skipped = [f for f in result.findings if f.rule == "shares-within-0-100"]
    assert [f.severity for f in skipped] == ["warning"] and "could not be read" in skipped[0].message
    assert result.exit_code == 1  # the header itself is an error


@pytest.mark.parametrize("resource,match,cells,rule,field", [
    ("enforcement", labor("inspections", 2016), dict(value_as_printed=4401, value=4401), "sources/as-printed", "value_as_printed"),
    ("agencies", dict(UKR, item=3), dict(organization="National Polise"), "sources/as-printed", "organization"),
    ("report_sections", dict(TJK, section=5), dict(text="Due to completion"), None, None),
    ("measures", dict(TJK, section=16, item=1), dict(source_lines=99999), "sources/lines", "source_lines"),
    ("suggested_actions", dict(UKR, item=4), dict(source_lines="442-445"), "sources/as-printed", "action"),
])
def test_validate_checks_printed_values_against_the_archived_source(small, resource, match, cells, rule, field):
    """A number retyped, a name misspelt, a line reference wrong: caught by validate itself, at the
    row, against the document (a text cut short is still found in its lines: no finding). The
    checks of sources/ (validate's checksums and provenance.check) run alone on the loaded package."""
    line = csv_line(small.root, resource, match)
    with changed(small, [(resource, match, cells)]):
        findings = (check_checksums(small.package, small.loaded, small.con)
                    + provenance.check(small.package, small.loaded, small.con))
    found = [(f.rule, f.line, f.field) for f in findings if f.rule.startswith("sources/")]
    if rule is None:
        assert found == []
    else:
        assert (rule, line, field) in found and {f[1] for f in found} == {line}


def test_a_waiver_can_list_keys_that_share_a_reason(package_copy):
    """`keys:` waives each listed row; a listed key that matches nothing is still a stale waiver."""
    import yaml

    path = package_copy / "validators/waivers.yaml"
    waivers = yaml.safe_load(path.read_text())
    malformed = next(w for w in waivers if w["rule"] == "upr-reference-malformed")
    stale = {"source_id": "tjk-upr-midterm-2014", "section": 7, "position": 1}
    malformed["keys"] = [malformed.pop("key"), stale]
    path.write_text(yaml.safe_dump(waivers, sort_keys=False, allow_unicode=True))
    result = validate(package_copy / "datapackage.json")
    assert [f.rule for f in result.findings if f.rule == "upr-reference-malformed" and f.waived] == ["upr-reference-malformed"]
    unmatched = [f for f in result.findings if f.rule == "waivers/unmatched"]
    assert len(unmatched) == 1 and "'section': '7'" in unmatched[0].message and result.exit_code == 1
