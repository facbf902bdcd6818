"""Built-in checks declare themselves where their findings are made (findings.declare), as a YAML
rule does: `rightsdata rules`, the docs' table and waivers.yaml read that one registry, so no
finding can carry an id they do not know."""

import ast
import functools
import json
import re
from pathlib import Path

import pytest

from conftest import REPO, run_cli
from rightsdata import findings, rules
from rightsdata.validate import validate

SRC = REPO / "src" / "rightsdata"


@functools.cache
def parsed() -> tuple[tuple[Path, ast.Module], ...]:
    """(file, syntax tree) of every module of the package's source, parsed once for the module's
    scans (which only read the trees)."""
    return tuple((path, ast.parse(path.read_text(encoding="utf-8"))) for path in sorted(SRC.rglob("*.py")))


def calls(name: str):
    """(file, call node) of every call of a function or method `name` in the package's source."""
    for path, tree in parsed():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and name in (getattr(node.func, "id", None), getattr(node.func, "attr", None)):
                yield path.relative_to(SRC), node


def test_findings_of_built_in_checks_are_made_by_their_declaration():
    # Finding(rule=...) is left to Check.finding and to the YAML rules, whose id is their file's.
    allowed = {"findings.py": "self.id", "rules.py": "rule.id"}
    direct = [f"{path}:{node.lineno}" for path, node in calls("Finding")
              if not any(k.arg == "rule" and ast.unparse(k.value) == allowed.get(str(path)) for k in node.keywords)]
    assert direct == []


def test_a_check_id_is_written_once_where_it_is_declared():
    groups = {c.id.split("/")[0] for c in rules.built_in()}
    shaped = re.compile(rf"({'|'.join(groups)})/[a-z0-9-]+")
    declarations = {id(node.args[0]) for _, node in calls("declare")}
    elsewhere = []
    for path, tree in parsed():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and shaped.fullmatch(node.value):
                elsewhere.append(f"{path.relative_to(SRC)}:{node.lineno} {node.value}")
    declared = [f"{path}:{node.lineno} {node.args[0].value}" for path, node in calls("declare")
                if isinstance(node.args[0], ast.Constant)]
    # Every literal id is the first argument of a declare() call, and each is declared once.
    assert sorted(elsewhere) == sorted(declared)
    assert len({d.split()[-1] for d in declared}) == len(declared) == len(rules.built_in())
    assert declarations  # (the scan found the declarations at all)


def test_rules_lists_every_built_in_check(repo):
    result = run_cli("rules", "--format", "json", "--package-dir", str(repo))
    assert result.returncode == 0, result.stderr
    listed = [r["id"] for r in json.loads(result.stdout) if r["built_in"]]
    assert listed == [c.id for c in rules.built_in()]
    assert {"package/unsafe-path", "package/missing-file", "package/version", "waivers/unmatched"} <= set(listed)
    # The descriptor's checks first, as validate reads a package; the order of a module's own kept.
    assert listed[:3] == ["package/version", "package/unsafe-path", "package/missing-file"]
    assert listed.index("file/encoding") < listed.index("file/blank-row") < listed.index("schema/type")
    table = rules.markdown_table(rules.catalogue(repo / "validators", repo))
    assert "| `package/unsafe-path` | error | each resource's path is a relative path inside the package" in table


def test_a_run_on_a_broken_package_reports_only_declared_checks(tmp_path):
    """Most built-in checks at once, on a tiny package: each finding's id is one `rules` lists."""
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "code", "constraints": {"enum": ["a", "b"]}},
                         {"name": "year", "type": "integer", "constraints": {"minimum": 1900, "required": True}},
                         {"name": "name", "constraints": {"maxLength": 3, "pattern": "[a-z]+"}},
                         {"name": "parent", "type": "integer"}],
              "primaryKey": ["id"], "foreignKeys": [{"fields": "parent", "reference": {"resource": "", "fields": "id"}}]}
    (tmp_path / "t.csv").write_text("id,code,year,name,parent\n1,a,2000,ab,\n1,c,1016,abcde,9\nx,b,,a\x01,1\n\n",
                                    encoding="utf-8")
    (tmp_path / "datapackage.json").write_text(json.dumps({
        "name": "t", "version": "one", "resources": [
            {"name": "t", "path": "t.csv", "schema": schema},
            {"name": "gone", "path": "gone.csv", "schema": {"fields": [{"name": "a"}]}},
            {"name": "out", "path": "../out.csv", "schema": {"fields": [{"name": "a"}]}}]}), encoding="utf-8")
    found = {f.rule for f in validate(tmp_path / "datapackage.json", rules_dir=tmp_path / "none").findings}
    assert found == {"package/version", "package/missing-file", "package/unsafe-path", "file/blank-row",
                     "file/control-character", "schema/type", "schema/required", "schema/pattern", "schema/enum",
                     "schema/range", "schema/length", "schema/primary-key", "schema/foreign-key"}
    assert found <= {c.id for c in rules.built_in()}


@pytest.mark.parametrize("rule, accepted", [
    ("schema/type", True), ("file/control-character", True), ("sources/as-printed", True),
    ("schema/typo", False),  # under a built-in prefix, yet no check: refused, not left to match nothing
    ("package/unsafe-path", False), ("waivers/unmatched", False),  # findings without a row's key
])
def test_waivers_may_name_the_waivable_built_in_checks(tmp_path, rule, accepted):
    (tmp_path / "waivers.yaml").write_text(f"- rule: {rule}\n  key: {{id: '1'}}\n  reason: kept\n", encoding="utf-8")
    if accepted:
        assert [w.rule for w in rules.load(tmp_path, tmp_path).waivers] == [rule]
    else:
        with pytest.raises(rules.RuleError, match=f"waivers.yaml:1: no rule '{rule}'"):
            rules.load(tmp_path, tmp_path)


def test_a_check_is_declared_once(monkeypatch):
    monkeypatch.setattr(findings, "CHECKS", {})
    first = findings.declare("test/one", "a thing holds", "why")
    assert findings.declare("test/one", "a thing holds", "why") is first  # a module imported twice
    assert findings.declared("test/one").finding("m", line=3) == findings.Finding(rule="test/one", message="m", line=3)
    with pytest.raises(ValueError, match="two built-in checks are named 'test/one'"):
        findings.declare("test/one", "another thing holds", "why")
    with pytest.raises(KeyError):
        findings.declared("test/two")
