"""`rightsdata validate` on good and bad input: exit codes, messages that name file, line and
field, no traceback, nothing read outside the package, nothing written."""

import gc
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_package, run_cli, run_process, tree_digest
from rightsdata import report
from test_parity import affected, keep_only


def validate(package: Path, *args: str):
    before = tree_digest(package)
    result = run_cli("validate", *args, cwd=package)
    assert "Traceback" not in result.stdout + result.stderr
    assert tree_digest(package) == before, "validate wrote into the package"
    return result


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8", newline="")


def only(package: Path, *names: str) -> Path:
    """Cut the package's descriptor down to the resources whose findings a change to `names` can
    alter (test_parity.affected: those, the ones pointing at them, all they reach): the rest are
    valid and stay valid, and validating them was most of a test's time (0.26 s of the 0.3)."""
    keep_only(package, affected(list(names)))
    return package


BROKEN_VALUE = (",4400,4400,", ",4400,4.400.0,")  # data/enforcement.csv:40, an error of schema/type


@pytest.fixture(scope="module")
def process_packages(repo, tmp_path_factory) -> tuple[Path, Path]:
    """For the tests that start processes, which only read them: the small package cut down to
    `enforcement` (see `only`), valid; and the same with one broken cell (BROKEN_VALUE)."""
    root = tmp_path_factory.mktemp("process")
    valid = only(copy_package(repo, root / "valid", with_rules=False, with_imported=False), "enforcement")
    broken = only(copy_package(repo, root / "broken", with_rules=False, with_imported=False), "enforcement")
    edit(broken / "data/enforcement.csv", *BROKEN_VALUE)
    return valid, broken


def test_the_package_in_the_repo_is_valid(repo_validated):
    out = io.StringIO()
    report.write_text(repo_validated, out)  # as `validate` writes it
    assert repo_validated.exit_code == 0, out.getvalue()
    assert re.search(r"datapackage.json: valid: \d+ resources, \d+ rows; 0 errors", out.getvalue())


def test_python_dash_m_and_a_directory_argument(process_packages, tmp_path):
    """The entry point in a process of its own, on a package given as its directory: the exit
    code and the report survive the process's fast exit (cli.run). (The whole package's validity:
    test_the_package_in_the_repo_is_valid.)"""
    package, _ = process_packages
    result = run_process("validate", str(package), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(f"\n{re.escape(str(package))}: valid: \\d+ resources, \\d+ rows; 0 errors", result.stdout)


@pytest.mark.parametrize("args,code", [(("validate",), 1), (("validate", "--format", "json"), 1), (("validate", "missing.json"), 2),
                                       (("validate", "--limit", "-1"), 2), (("rules", "--format", "json"), 0),
                                       (("format", "--check"), 0)])
def test_the_console_script_exits_and_prints_as_the_command_run_in_process(process_packages, args, code):
    """The other tests run commands in-process (conftest.run_cli); the console script adds only
    cli.run's end of the process (no collector, no teardown for validate): the same exit code,
    stdout and stderr."""
    _, package = process_packages  # (with a broken cell)
    script = Path(sys.executable).parent / "rightsdata"
    before = tree_digest(package)
    real = subprocess.run([str(script), *args], cwd=package, capture_output=True, text=True, timeout=120)
    here = run_cli(*args, cwd=package)
    assert tree_digest(package) == before  # (the package is the module's)
    assert (real.returncode, real.stdout, real.stderr) == (here.returncode, here.stdout, here.stderr)
    assert real.returncode == code, real.stdout + real.stderr


def test_a_reader_that_goes_away_ends_validate_quietly(process_packages):
    """`rightsdata validate | head` when head has already gone: exit 1, no traceback (cli.Command),
    also through the entry point's fast exit."""
    package, _ = process_packages
    proc = subprocess.Popen([sys.executable, "-m", "rightsdata", "validate", "--limit", "0"], cwd=package,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # before the command writes anything: its first write meets a closed pipe
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1 and stderr == "", stderr


def test_json_format(data_copy):
    edit(only(data_copy, "enforcement") / "data/enforcement.csv", *BROKEN_VALUE)
    result = validate(data_copy, "--format", "json")
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert doc["valid"] is False and doc["exit_code"] == 1 and doc["counts"]["errors"] == 1
    (finding,) = doc["findings"]
    assert finding["rule"] == "schema/type" and finding["resource"] == "enforcement"
    assert finding["path"] == "data/enforcement.csv" and finding["field"] == "value" and finding["value"] == "4.400.0"
    assert finding["line"] == 40 and finding["key"]["indicator"] == "inspections" and finding["key"]["data_year"] == "2016"
    assert finding["severity"] == "error" and finding["waived"] is False


@pytest.mark.parametrize("old,new,rule,field", [
    ("UKR,2016,national,2016,labor,inspectors", "UKX,2016,national,2016,labor,inspectors", "schema/foreign-key", "country"),
    (",510,510,reported,,,(3),3,,", ",510,510,reportd,,,(3),3,,", "schema/enum", "status"),
    ("UKR,2016,national,2016,labor,inspectors", "UKR,1016,national,2016,labor,inspectors", "schema/range", "report_year"),
    ("UKR,2016,national,2016,labor,inspectors", "UKR,,national,2016,labor,inspectors", "schema/required", "report_year"),
    (",510,510,reported,,,(3),3,,", ",510,510,reported,,,(3),3 4,,", "schema/type", "citations"),
    ("2016,labor,inspectors,1,Number of Labor Inspectors", "2016,labor,inspector,1,Number of Labor Inspectors", "schema/foreign-key", None),
])
def test_cell_errors_name_file_line_and_field(data_copy, old, new, rule, field):
    path = only(data_copy, "enforcement") / "data/enforcement.csv"
    line = next(i for i, ln in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if old in ln)
    edit(path, old, new)
    result = validate(data_copy, "--format", "json")
    assert result.returncode == 1
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["path"], f["line"], f["field"]) for f in findings] == [(rule, "data/enforcement.csv", line, field)]
    text = validate(data_copy).stdout
    assert f"data/enforcement.csv:{line}: " in text and rule in text


def test_line_numbers_count_physical_lines_across_multiline_cells(data_copy):
    """report_sections has cells spanning lines: a row's line is where the row starts."""
    path = only(data_copy, "report_sections") / "data/report_sections.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    line = next(i for i, ln in enumerate(lines, 1) if ln.startswith("tjk-upr-midterm-2014,17,section"))
    edit(path, "tjk-upr-midterm-2014,17,section", "tjk-upr-midterm-2014,17,sektion")
    findings = json.loads(validate(data_copy, "--format", "json").stdout)["findings"]
    assert [(f["rule"], f["line"], f["value"]) for f in findings] == [("schema/enum", line, "sektion")]
    assert line > 100  # well past the row index: the earlier rows span many lines


def test_duplicate_primary_key_names_both_lines(data_copy):
    path = only(data_copy, "conventions") / "data/conventions.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(lines[:3] + [lines[2]] + lines[3:]), encoding="utf-8")
    result = validate(data_copy)
    assert result.returncode == 1
    assert "data/conventions.csv:4: code: 'c182' repeats line 3" in result.stdout


@pytest.mark.parametrize("damage,rule,line", [
    (lambda p: p.write_bytes(p.read_bytes().replace(b"Table 2,47", b"Table 2,47\xff")), "file/encoding", 2),
    (lambda p: p.write_text(p.read_text().replace("country,report_year,item", "country,year,item")), "file/header", 1),
    (lambda p: p.write_text(p.read_text().replace("Table 2,48\n", "Table 2,48,extra\n")), "file/structure", 3),
    (lambda p: p.write_text(p.read_text().replace("Table 2,48\n", "Table 2\n")), "file/structure", 3),
    (lambda p: p.write_text(p.read_text().replace("Table 2,48\n", "Table 2,48\n\n")), "file/blank-row", 4),
    (lambda p: p.write_bytes(p.read_bytes().replace(b"Table 2,48\n", b"Table 2,48\r\n")), "file/structure", 3),
    (lambda p: p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes()), "file/encoding", 1),
    (lambda p: p.write_text(""), "file/header", 1),
])
def test_broken_files_are_reported_not_raised(data_copy, damage, rule, line):
    damage(only(data_copy, "activities") / "data/activities.csv")
    result = validate(data_copy, "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert (rule, "data/activities.csv", line) in [(f["rule"], f["path"], f["line"]) for f in findings]


@pytest.mark.parametrize("path,words", [
    ("../outside.csv", "'..'"),
    ("/etc/passwd", "absolute path"),
    ("https://example.com/data.csv", "URL"),
    ("data\\\\activities.csv", "backslash"),
])
def test_paths_outside_the_package_are_refused_unread(data_copy, path, words):
    (data_copy.parent / "outside.csv").write_text("SECRET,never,read\n")
    descriptor = json.loads((only(data_copy, "assessments") / "datapackage.json").read_text())
    next(r for r in descriptor["resources"] if r["name"] == "assessments")["path"] = path.replace("\\\\", "\\")
    (data_copy / "datapackage.json").write_text(json.dumps(descriptor))
    result = validate(data_copy)
    assert result.returncode == 2
    assert "SECRET" not in result.stdout + result.stderr
    assert words in result.stdout and "it was not read" in result.stdout


def test_a_symlink_out_of_the_package_is_refused(data_copy):
    (data_copy.parent / "outside.csv").write_text("SECRET\n")
    target = only(data_copy, "activities") / "data/activities.csv"
    target.unlink()
    os.symlink(data_copy.parent / "outside.csv", target)
    result = validate(data_copy)
    assert result.returncode == 2 and "outside the package" in result.stdout and "SECRET" not in result.stdout


def test_a_missing_file(data_copy):
    (only(data_copy, "activities") / "data/activities.csv").unlink()
    result = validate(data_copy)
    assert result.returncode == 2
    assert "file 'data/activities.csv' does not exist" in result.stdout


@pytest.mark.parametrize("content,words", [
    (None, "no such file"),
    ("{not json", "not valid JSON"),
    ("[]", "must be a JSON object"),
    ('{"resources": []}', "non-empty list"),
    ('{"resources": [{"name": "a", "path": "data/a.csv", "schema": "../schema.json"}]}', "schema path '../schema.json'"),
    ('{"resources": [{"name": "a", "path": "data/a.csv", "schema": {"fields": [{"name": "x", "type": "complex"}]}}]}', "type 'complex'"),
    ('{"resources": [{"name": "a", "path": "data/a.csv", "schema": {"fields": [{"name": "x"}], '
     '"foreignKeys": [{"fields": ["x"], "reference": {"resource": "b", "fields": ["y"]}}]}}]}', "resource 'b'"),
])
def test_broken_descriptors_exit_2_with_a_message(tmp_path, content, words):
    if content is not None:
        (tmp_path / "datapackage.json").write_text(content)
    result = validate(tmp_path)
    assert result.returncode == 2
    assert "datapackage.json" in result.stdout and words in result.stdout, result.stdout


def test_a_descriptor_only_frictionless_rejects_exits_2(data_copy):
    """rightsdata's own reading of the descriptor is not the whole Data Package profile: the rest
    (here, a licence needs a name or a path) is frictionless's."""
    descriptor = json.loads((only(data_copy, "enforcement") / "datapackage.json").read_text())
    descriptor["licenses"] = [{"title": "no name, no path"}]
    (data_copy / "datapackage.json").write_text(json.dumps(descriptor))
    result = validate(data_copy)
    assert result.returncode == 2 and "datapackage.json" in result.stdout and "license" in result.stdout.lower(), result.stdout


def test_the_profile_checked_in_a_forked_child_gives_the_same_answer(data_copy):
    """The console command checks the profile in a child process (validate.profile_in_child,
    forked before any thread starts), as the tests' in-process runs cannot: its answer is the same."""
    descriptor = json.loads((only(data_copy, "enforcement") / "datapackage.json").read_text())
    descriptor["licenses"] = [{"title": "no name, no path"}]
    (data_copy / "datapackage.json").write_text(json.dumps(descriptor))
    done = subprocess.run([sys.executable, "-m", "rightsdata", "validate", str(data_copy / "datapackage.json")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "license" in done.stdout.lower() and "Traceback" not in done.stderr, done.stdout


def test_a_wrong_option_exits_2(repo):
    result = run_cli("validate", "--format", "xml", cwd=repo)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_a_changed_archived_source_is_reported(data_copy):
    with open(data_copy / "sources/ukraine-child-labor-findings-2016.txt", "a", encoding="utf-8") as f:
        f.write("tampered\n")
    result = validate(data_copy)
    assert result.returncode == 1
    assert "sources/sha256" in result.stdout and "data/sources.csv:5:" in result.stdout


def test_github_format_annotations_and_summary(data_copy, tmp_path, monkeypatch):
    path = only(data_copy, "measure_kinds") / "data/measure_kinds.csv"
    text = path.read_text()
    path.write_text(text + "".join(f"Bad Code {i},x,rightsdata-codes\n" for i in range(12)))
    summary = tmp_path / "summary.md"
    before = tree_digest(data_copy)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run_cli("validate", "--format", "github", cwd=data_copy)
    assert tree_digest(data_copy) == before
    assert result.returncode == 1
    annotations = [ln for ln in result.stdout.splitlines() if ln.startswith("::error")]
    assert len(annotations) == 10
    assert annotations[0].startswith("::error file=data/measure_kinds.csv,line=18,title=schema/pattern::")
    table = summary.read_text()
    assert table.count("| error | `schema/pattern` |") == 12


def test_format_check_names_a_row_with_a_cell_too_many_and_changes_nothing(data_copy):
    """DuckDB reads a trailing comma as nothing (README: a gap of validate's); `format --check`
    (and the canonical-form test of every pull request, which reads files the same way) names
    the line."""
    path = data_copy / "data/activities.csv"
    assert run_cli("format", "--check", cwd=data_copy).returncode == 0
    edit(path, "Table 2,48\n", "Table 2,48,\n")
    before = tree_digest(data_copy)
    result = run_cli("format", "--check", cwd=data_copy)
    assert result.returncode == 1 and "data/activities.csv:3: too many cells (the header has 13)" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr and tree_digest(data_copy) == before


def test_format_names_file_line_and_field_of_a_key_cell_of_the_wrong_type(data_copy):
    """`format` sorts by the primary key: a key cell that does not read as its type stops it with
    the file, the line and the field (not only the value), exit 1, nothing written."""
    path = data_copy / "data/activities.csv"
    edit(path, "UKR,2016,2,industry", "UKR,20x6,2,industry")
    before = tree_digest(data_copy)
    for args in (("format", "--check"), ("format",)):
        result = run_cli(*args, cwd=data_copy)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "data/activities.csv:3: field 'report_year': '20x6' is not an integer" in result.stderr, result.stderr
        assert "Traceback" not in result.stdout + result.stderr and tree_digest(data_copy) == before


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_left_as_it_was_when_a_table_fails_to_read(data_copy, enabled):
    """format and the readers pause Python's cyclic collector while they make rows
    (tables.paused_while_made): a bad cell raising inside must leave it as it was, on or off."""
    from rightsdata import tables

    edit(data_copy / "data/activities.csv", "UKR,2016,2,industry", "UKR,20x6,2,industry")
    res = tables.resource(data_copy, "activities")
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with pytest.raises(tables.TableError, match="report_year"):
            tables.canonical_text(data_copy, res)
        assert gc.isenabled() is enabled
        with pytest.raises(tables.TableError, match="report_year"):
            tables.read_rows(data_copy, "activities")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_format_rewrites_a_file_edited_by_hand_in_canonical_form(data_copy):
    path = data_copy / "data/activities.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join([lines[0], lines[2], lines[1]] + lines[3:]), encoding="utf-8", newline="")  # unsorted
    result = run_cli("format", "--check", cwd=data_copy)
    assert result.returncode == 1 and "not canonical: data/activities.csv" in result.stdout
    assert run_cli("format", cwd=data_copy).returncode == 0
    assert path.read_text(encoding="utf-8").split("\n") == lines
    assert run_cli("format", "--check", cwd=data_copy).returncode == 0


def one_table_package(root: Path, fields: list[dict], csv_bytes: bytes) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data/t.csv").write_bytes(csv_bytes)
    schema = {"fields": fields, "primaryKey": ["id"]}
    (root / "datapackage.json").write_text(json.dumps(
        {"name": "t", "resources": [{"name": "t", "path": "data/t.csv", "profile": "tabular-data-resource", "schema": schema}]}))
    return root


def test_a_field_named_like_an_internal_column_on_a_long_table(tmp_path):
    """Long tables check costly cells once per distinct value; a field called n (the name of a
    count in that query once) must be checked like any other."""
    rows = b"".join(b"%d,%d\n" % (i, i % 7) for i in range(12000))
    package = one_table_package(tmp_path, [{"name": "id", "type": "string"}, {"name": "n", "type": "integer"}],
                                b"id,n\n" + rows + b"x,abc\n")
    result = validate(package, "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    found = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["line"], f["field"], f["value"]) for f in found] == [("schema/type", 12002, "n", "abc")]


@pytest.mark.parametrize("end,blank", [(b"\n", True), (b"\r\n", False)])
def test_a_cell_longer_than_the_csv_modules_default_limit(tmp_path, end, blank):
    """frictionless reads cells of any size; so must the line maps (a cell spans lines here, in a
    file with a blank line or with carriage returns), instead of reporting the file as unreadable."""
    big = b"y" * 140_000
    lines = [b"id,s", b'1,"a' + end + b'b"', b"2," + big] + [b""] * blank + [b"z,ok", b"z,again", b""]
    package = one_table_package(tmp_path, [{"name": "id", "type": "integer"}, {"name": "s", "type": "string"}],
                                end.join(lines))
    result = validate(package, "--format", "json")
    found = json.loads(result.stdout)["findings"]
    z = 5 + blank  # the first z row: the cell spanning two lines and the blank line move it down
    expected = {("schema/type", z), ("schema/type", z + 1)}  # ('z' is no integer: its key is checked no further)
    assert {(f["rule"], f["line"]) for f in found} == expected | ({("file/blank-row", 5)} if blank else set())


def test_an_unforeseen_failure_is_one_line_without_a_python_class_name(monkeypatch):
    # A failure no check foresaw still reaches the user as one plain line and exit 2: never a
    # traceback, never "TypeError: ..." (issue 13.15).
    from click.testing import CliRunner

    import rightsdata.validate
    from rightsdata.cli import main

    def broken(*args, **kwargs):
        raise TypeError("can only concatenate str (not \"int\") to str")

    monkeypatch.setattr(rightsdata.validate, "validate", broken)
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 2
    assert "TypeError" not in result.output and "Traceback" not in result.output
    assert "can only concatenate str" in result.output and "please report it" in result.output
