"""Hostile packages, paths and descriptors (issue 13): a pull request from a stranger may commit
links, FIFOs and odd JSON; no command may read or write outside the package because of them, and
each refusal names the file in words, with no traceback and no bare exception name."""

import json
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import run_cli, with_descriptor
from rightsdata import metadata, paths
from rightsdata import package as pkg

SECRET = "SECRET_TOKEN_4711"


def tiny(root: Path) -> Path:
    """A package of one small resource, with the files a release ships and an archived source."""
    for d in ("data", "schemas", "sources", "validators"):
        (root / d).mkdir(parents=True)
    schema = {"fields": [{"name": "id", "type": "integer"},
                         {"name": "name", "type": "string", "constraints": {"maxLength": 10, "pattern": "[a-z]+"}}],
              "primaryKey": ["id"]}
    (root / "schemas/things.json").write_text(json.dumps(schema, indent=2))
    descriptor = {"name": "tiny", "version": "0.1.0",
                  "resources": [{"name": "things", "path": "data/things.csv", "schema": "schemas/things.json"}]}
    (root / "datapackage.json").write_text(json.dumps(descriptor, indent=2))
    (root / "data/things.csv").write_text("id,name\n1,a\n2,b\n")
    (root / "sources/report.txt").write_text("a source\n")
    for name in ("README.md", "LICENSE", "CHANGELOG.md"):
        (root / name).write_text(f"{name}\n")
    return root


@pytest.fixture
def package(tmp_path) -> Path:
    return tiny(tmp_path / "package")


@pytest.fixture
def outside(tmp_path) -> Path:
    """A file beside the package, which no command may read or write."""
    path = tmp_path / "outside.txt"
    path.write_text(f"{SECRET}\n")
    return path


def unchanged(path: Path, before: tuple[str, int]) -> bool:
    return (path.read_text(), path.stat().st_mtime_ns) == before


def state(path: Path) -> tuple[str, int]:
    return path.read_text(), path.stat().st_mtime_ns


def clean(result, *words: str) -> None:
    """The refusal is one plain message naming what it must, with no traceback or exception name."""
    out = result.stdout + result.stderr
    assert "Traceback" not in out and SECRET not in out, out
    assert not re.search(r"\b[A-Z][A-Za-z]*(Error|Exception):", out), out
    for word in words:
        assert word in out, out


def git_checkout(package: Path) -> None:
    """The checkout's .git/config, inside the package directory, with CI's token in it."""
    (package / ".git").mkdir()
    (package / ".git/config").write_text(f"[http]\n\textraheader = AUTHORIZATION: basic {SECRET}\n")


def test_the_tiny_package_validates_and_releases(package, tmp_path):
    assert run_cli("validate", str(package)).returncode == 0
    result = run_cli("release", "--out", str(tmp_path / "dist"), "--package-dir", str(package))
    assert result.returncode == 0, result.stderr
    assert "sources/report.txt" in zipfile.ZipFile(tmp_path / "dist/rightsdata.zip").namelist()


# --- release: nothing outside the package, nor .git, is shipped ------------------------------------

@pytest.mark.parametrize("link,target", [
    ("sources/notes.txt", "/proc/self/environ"),
    ("sources/gitconfig", "../.git/config"),
    ("sources/deeper/secret.txt", "OUTSIDE"),
    ("sources/linked-dir", "OUTSIDE-DIR"),
    ("LICENSE", "OUTSIDE"),
])
def test_release_refuses_a_link_out_of_the_package_before_writing(package, outside, tmp_path, link, target):
    git_checkout(package)
    (tmp_path / "outside-dir").mkdir()
    (tmp_path / "outside-dir/secret.txt").write_text(SECRET)
    target = {"OUTSIDE": str(outside), "OUTSIDE-DIR": str(tmp_path / "outside-dir")}.get(target, target)
    (package / link).parent.mkdir(exist_ok=True)
    (package / link).unlink(missing_ok=True)
    os.symlink(target, package / link)
    assert run_cli("validate", str(package)).returncode == 0  # not in the descriptor: validate never reads it
    out = tmp_path / "dist"
    result = run_cli("release", "--out", str(out), "--package-dir", str(package))
    assert result.returncode == 2
    clean(result, link)
    assert not out.exists()  # nothing written, not even the directory


def test_release_ships_a_link_that_stays_inside_the_package(package, tmp_path):
    os.symlink("report.txt", package / "sources/same-report.txt")
    result = run_cli("release", "--out", str(tmp_path / "dist"), "--package-dir", str(package))
    assert result.returncode == 0, result.stderr
    z = zipfile.ZipFile(tmp_path / "dist/rightsdata.zip")
    assert z.read("sources/same-report.txt") == b"a source\n"


def test_release_refuses_a_fifo_in_sources(package, tmp_path):
    os.mkfifo(package / "sources/pipe")  # reading it would hang the release
    result = run_cli("release", "--out", str(tmp_path / "dist"), "--package-dir", str(package))
    assert result.returncode == 2
    clean(result, "sources/pipe", "not a regular file")
    assert not (tmp_path / "dist").exists()


def test_bench_data_copies_nothing_from_outside(data_copy, outside, tmp_path):
    os.symlink(outside, data_copy / "sources/notes.txt")
    out = tmp_path / "bench"
    result = run_cli("bench-data", "--rows", "10", "--out", str(out), "--package-dir", str(data_copy))
    assert result.returncode == 2
    clean(result, "sources/notes.txt", "outside the package")
    assert not out.exists()


def test_diff_of_a_git_ref_with_a_link_out_of_the_tree(package):
    os.symlink("/etc/hostname", package / "sources/host.txt")
    git = ["git", "-C", str(package), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "x"], check=True)
    result = run_cli("diff", "HEAD", str(package), "--repo", str(package))
    assert result.returncode == 2
    clean(result, "HEAD", "host.txt")


# --- validate: descriptor, CSV, schema, archived sources, rules ----------------------------------

@pytest.mark.parametrize("link", ["datapackage.json", "data/things.csv", "schemas/things.json", "data"])
def test_validate_refuses_package_files_that_link_out(package, outside, tmp_path, link):
    (tmp_path / "outside-data").mkdir()
    (tmp_path / "outside-data/things.csv").write_text(f"id,name\n1,{SECRET}\n")
    outside.write_text((package / link).read_text() if (package / link).is_file() else "")
    target = tmp_path / "outside-data" if link == "data" else outside
    before = state(outside)
    if (package / link).is_dir():
        for f in (package / link).iterdir():
            f.unlink()
        (package / link).rmdir()
    else:
        (package / link).unlink()
    os.symlink(target, package / link)
    result = run_cli("validate", str(package))
    assert result.returncode == 2
    clean(result, "outside the package")
    assert unchanged(outside, before)


def test_validate_refuses_a_csv_that_links_into_git(package):
    git_checkout(package)
    (package / "data/things.csv").unlink()
    os.symlink("../.git/config", package / "data/things.csv")
    result = run_cli("validate", str(package))
    assert result.returncode == 2
    clean(result, "data/things.csv", ".git/config")


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_validate_refuses_a_csv_that_is_no_file(package, kind):
    (package / "data/things.csv").unlink()
    (os.mkfifo if kind == "fifo" else os.mkdir)(package / "data/things.csv")
    result = run_cli("validate", str(package))
    assert result.returncode == 2
    clean(result, "data/things.csv", "a file was expected")


@pytest.mark.parametrize("link", ["validators", "validators/outside-rule.yaml", "validators/waivers.yaml"])
def test_rules_from_outside_the_package_are_refused(package, tmp_path, link):
    rule = ("id: outside-rule\nseverity: error\nresource: things\ndescription: d\n"
            f"query: SELECT _rowid, '{SECRET}' AS value FROM things\nmessage: '{{value}}'\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "outside-rule.yaml").write_text(rule)
    (elsewhere / "waivers.yaml").write_text("[]\n")
    if link == "validators":
        (package / "validators").rmdir()
        os.symlink(elsewhere, package / "validators")
    else:
        os.symlink(elsewhere / Path(link).name, package / link)
    result = run_cli("validate", str(package))
    assert result.returncode == 2
    clean(result, link, "outside the package")
    result = run_cli("rules", "--package-dir", str(package))
    assert result.returncode == 2
    clean(result, link)


def test_rules_named_on_the_command_line_may_live_elsewhere(package, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "one.yaml").write_text("id: one\nseverity: warning\nresource: things\ndescription: d\n"
                                        "query: SELECT _rowid FROM things\nmessage: seen\n")
    result = run_cli("validate", str(package), "--rules", str(elsewhere))
    assert result.returncode == 0 and "seen" in result.stdout


# --- generate and format never write through a link ----------------------------------------------

def test_generate_refuses_to_write_through_a_link(tmp_path, outside):
    package = tmp_path / "package"
    (package / "schemas").mkdir(parents=True)
    schema = next(iter(metadata.resources().values())).table_schema_path
    os.symlink(outside, package / schema)
    before = state(outside)
    for args in ([], ["--check"]):
        result = run_cli("generate", "--package-dir", str(package), *args)
        assert result.returncode == 2
        clean(result, schema, "symbolic link", "nothing was written")
        assert "wrote" not in result.stdout
    assert unchanged(outside, before)
    assert sorted(p.name for p in package.rglob("*")) == ["schemas", Path(schema).name]  # nothing else written


def test_generate_refuses_a_docs_page_that_links_out(tmp_path, outside):
    package = tmp_path / "package"
    (package / "docs").mkdir(parents=True)
    os.symlink(outside, package / "docs" / "rules.md")  # a page generate fills in
    before = state(outside)
    result = run_cli("generate", "--package-dir", str(package))
    assert result.returncode == 2
    clean(result, "docs/rules.md")
    assert unchanged(outside, before) and sorted(p.name for p in package.rglob("*")) == ["docs", "rules.md"]


@pytest.mark.parametrize("link_target", ["outside", "inside"])
def test_format_refuses_to_write_through_a_link(tmp_path, repo, link_target):
    package = with_descriptor(tmp_path / "package")
    (package / "data").mkdir(parents=True)
    rel = metadata.resources()["activities"].path
    lines = (repo / rel).read_text().splitlines(keepends=True)
    text = lines[0] + "".join(reversed(lines[1:]))  # not sorted by key: format would rewrite it
    target = tmp_path / "outside.csv" if link_target == "outside" else package / "data/real.csv"
    target.write_text(text)
    before = state(target)
    os.symlink(target, package / rel)
    result = run_cli("format", "--package-dir", str(package))
    assert result.returncode == 2
    clean(result, rel, "symbolic link")
    assert "rewrote" not in result.stdout
    assert unchanged(target, before)


def test_format_check_does_not_read_outside(tmp_path, outside):
    package = with_descriptor(tmp_path / "package")
    (package / "data").mkdir(parents=True)
    rel = metadata.resources()["activities"].path
    os.symlink(outside, package / rel)
    result = run_cli("format", "--check", "--package-dir", str(package))
    assert result.returncode == 2
    clean(result, rel, "outside the package")


def test_an_import_does_not_write_through_a_linked_data_directory(data_copy, shared, tmp_path):
    """An importer writes data/*.csv: a data/ that is a link is refused before anything is written."""
    elsewhere = tmp_path / "elsewhere"
    (data_copy / "data").rename(elsewhere)
    os.symlink(elsewhere, data_copy / "data")
    before = {p.name: p.stat().st_mtime_ns for p in elsewhere.iterdir()}
    result = run_cli("import-ilab", str(shared / "ilab/goods_2022.xml"), "--package-dir", str(data_copy))
    assert result.returncode == 2
    clean(result, "'data", "symbolic link", "nothing was written")
    assert {p.name: p.stat().st_mtime_ns for p in elsewhere.iterdir()} == before


# --- the descriptor: version, nesting, NaN, patterns ---------------------------------------------

def edit_descriptor(package: Path, change) -> None:
    d = json.loads((package / "datapackage.json").read_text())
    change(d)
    (package / "datapackage.json").write_text(json.dumps(d, indent=2))


def edit_schema(package: Path, text_of) -> None:
    path = package / "schemas/things.json"
    path.write_text(text_of(path.read_text()))


@pytest.mark.parametrize("version", ["one point oh", "1.0", "01.2.3", "1.2.3\n", "v1.2.3"])
def test_a_version_that_is_not_semver_is_an_error(package, version):
    edit_descriptor(package, lambda d: d.update(version=version))
    result = run_cli("validate", str(package))
    assert result.returncode == 1
    clean(result, "datapackage.json", "version", "not a semantic version")


def test_a_release_needs_a_version(package, tmp_path):
    edit_descriptor(package, lambda d: d.pop("version"))
    result = run_cli("release", "--out", str(tmp_path / "dist"), "--package-dir", str(package))
    assert result.returncode == 2
    clean(result, "datapackage.json", "version")
    assert not (tmp_path / "dist").exists()


@given(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6)))
def test_every_semantic_version_is_read_back(version):
    assert pkg.parse_version(".".join(map(str, version))) == version


@given(st.text())
def test_parse_version_takes_only_digits_and_dots(text):
    parsed = pkg.parse_version(text)
    assert parsed is None or ".".join(map(str, parsed)) == text


def test_a_deeply_nested_descriptor(package):
    (package / "datapackage.json").write_text('{"resources": ' + "[" * 200_000 + "]" * 200_000 + "}")
    result = run_cli("validate", str(package))
    assert result.returncode == 2
    clean(result, "datapackage.json", "nested more than")


def test_a_descriptor_nested_deeper_than_any_is_refused_before_use(package):
    edit_descriptor(package, lambda d: d.update(extra=json.loads("[" * 500 + "]" * 500)))
    result = run_cli("validate", str(package))
    assert result.returncode == 2
    clean(result, "datapackage.json", "nested more than")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_in_a_schema(package, constant):
    edit_schema(package, lambda text: text.replace('"maxLength": 10', f'"maxLength": {constant}'))
    line = next(i for i, text in enumerate((package / "schemas/things.json").read_text().splitlines(), 1) if "maxLength" in text)
    result = run_cli("validate", str(package))
    assert result.returncode == 2
    clean(result, f"schemas/things.json:{line}", f"'maxLength' is {constant}", "not a JSON number")


def test_nan_in_the_descriptor(package):
    text = (package / "datapackage.json").read_text().replace('"version": "0.1.0"', '"version": "0.1.0", "x": NaN')
    (package / "datapackage.json").write_text(text)
    result = run_cli("validate", str(package))
    assert result.returncode == 2
    clean(result, "datapackage.json:3", "'x' is NaN")


def test_a_length_that_is_not_a_whole_number(package):
    edit_schema(package, lambda text: text.replace('"maxLength": 10', '"maxLength": 2.5'))
    result = run_cli("validate", str(package))
    assert result.returncode == 2
    clean(result, "things", "'name'", "maxLength 2.5")


@pytest.mark.parametrize("pattern,words", [
    ("(?=a)", "RE2"),        # Python reads a lookahead; RE2 (DuckDB) does not
    ("a{1001}", "RE2"),      # RE2 caps repetitions at 1000
    ("(", "Python"),
    ("\\\\p{Foo}", "Python"),
])
def test_a_pattern_one_engine_rejects(package, pattern, words):
    edit_schema(package, lambda text: text.replace('"pattern": "[a-z]+"', f'"pattern": "{pattern}"'))
    result = run_cli("validate", str(package))
    assert result.returncode == 2
    clean(result, "things", "'name'", "pattern", words)


# --- the function itself ----------------------------------------------------------------------------

def test_inside_refuses_a_link_anywhere_along_the_path(tmp_path):
    root = tmp_path / "root"
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere/f.csv").write_text("x\n")
    (root / "a").mkdir(parents=True)
    os.symlink(tmp_path / "elsewhere", root / "a/b")
    with pytest.raises(paths.PathError, match="the symbolic link 'a/b' to a place outside the package"):
        paths.inside(root, "a/b/f.csv")
    with pytest.raises(paths.PathError, match="never writes through a link"):
        paths.inside(root, "a/b/new.csv", write=True, missing_ok=True)


def test_inside_follows_a_link_inside_for_reads_only(tmp_path):
    root = tmp_path / "root"
    (root / "data").mkdir(parents=True)
    (root / "data/real.csv").write_text("x\n")
    os.symlink("real.csv", root / "data/link.csv")
    assert paths.inside(root, "data/link.csv") == (root / "data/real.csv").resolve()
    with pytest.raises(paths.PathError, match="is a symbolic link; rightsdata never writes through a link"):
        paths.inside(root, "data/link.csv", write=True)


def test_inside_survives_a_link_loop(tmp_path):
    os.symlink("b", tmp_path / "a")
    os.symlink("a", tmp_path / "b")
    with pytest.raises(paths.PathError, match="'a'"):
        paths.inside(tmp_path, "a")
    with pytest.raises(paths.PathError):
        paths.files_under(tmp_path, ".")
