"""Releases: the diff, the version rules, and the release files (reproducible, loadable by
frictionless, DuckDB, SQLite and Datasette, as the README's examples show)."""

import asyncio
import contextlib
import csv
import io
import json
import re
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import duckdb
import pytest

from conftest import copy_package, once_per_run, run_cli
from rightsdata import metadata
from rightsdata.release.assets import V1_DESCRIPTOR
from rightsdata.release.diff import PackageDiff, ResourceDiff
from rightsdata.release.versioning import check_version, least_version
from test_readme import assert_prints_its_comments, blocks, section

# --- a built release ----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def built(repo, tmp_path_factory) -> Path:
    """The release of the repository's package, built once for every worker of the run (8 s a
    build): read it, never change it; a test that must change a build makes its own."""
    def build(root: Path) -> None:
        result = run_cli("release", "--out", str(root / "dist"), "--package-dir", str(repo))
        assert result.returncode == 0, result.stdout + result.stderr
    return once_per_run(tmp_path_factory, "release", build) / "dist"


def test_release_files_and_checksums(built):
    names = sorted(p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file())
    parquet = sorted(f"{name}.parquet" for name in metadata.resources())
    assert names == sorted(["SHA256SUMS", "buildinfo.json", "metadata.json", "rightsdata.sqlite", "rightsdata.zip"] + parquet)
    listed = dict(reversed(line.split("  ")) for line in (built / "SHA256SUMS").read_text().splitlines())
    assert sorted(listed) == sorted(n for n in names if n != "SHA256SUMS")
    # sha256sum, not this package's code, says what each file's digest is (one process for all of them)
    check = subprocess.run(["sha256sum", "--", *sorted(listed)], cwd=built, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert dict(reversed(line.split("  ")) for line in check.stdout.splitlines()) == listed


@pytest.mark.slow
def test_two_builds_are_byte_identical(built, repo, tmp_path):
    again = tmp_path / "dist"
    assert run_cli("release", "--out", str(again), "--package-dir", str(repo)).returncode == 0
    assert (again / "SHA256SUMS").read_bytes() == (built / "SHA256SUMS").read_bytes()
    for path in built.rglob("*"):
        if path.is_file():
            assert (again / path.relative_to(built)).read_bytes() == path.read_bytes(), path.name


def test_the_zip_is_the_package(built, repo):
    with zipfile.ZipFile(built / "rightsdata.zip") as z:
        names = z.namelist()
        assert names == sorted(names) and {"datapackage.json", "README.md", "LICENSE", "CHANGELOG.md"} <= set(names)
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in z.infolist())
        for name in names:
            if name == V1_DESCRIPTOR:  # the descriptor for Data Package v1 readers (tests/test_clients.py)
                assert json.loads(z.read(name))["profile"] == "tabular-data-package"
                continue
            assert z.read(name) == (repo / name).read_bytes(), name
        assert V1_DESCRIPTOR in names
    # diff reads a zip as a package: the release and the checkout hold the same data
    result = run_cli("diff", str(built / "rightsdata.zip"), str(repo), "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["bump"] == "none" and all(r["status"] == "unchanged" for r in doc["resources"])


def csv_row_count(path: Path) -> int:
    """The rows of a CSV file as csv.DictReader counts them (blank lines skipped), without a dict each."""
    with open(path, encoding="utf-8", newline="") as f:
        return sum(1 for record in csv.reader(f) if record) - 1


def test_sqlite_has_every_row_and_key(built, repo):
    db = sqlite3.connect(built / "rightsdata.sqlite")
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    for name, res in metadata.resources().items():
        assert db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == csv_row_count(repo / res.path), name
        info = db.execute(f'PRAGMA table_info("{name}")').fetchall()
        assert [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]] == res.primary_key, name
        fks = {tuple(r[3] for r in rows) for rows in _group(db.execute(f'PRAGMA foreign_key_list("{name}")').fetchall())}
        assert fks == {tuple(fk["fields"]) for fk in res.foreign_keys}, name
    tjk = db.execute("SELECT text_states FROM upr_recommendations WHERE recommendation_id = 'TJK-2011-88.1.1'").fetchone()[0]
    assert json.loads(tjk) == ["ESP"]


def test_parquet_is_typed(built, repo):
    types = dict((r[0], r[1]) for r in duckdb.sql(f"DESCRIBE SELECT * FROM '{built}/legal_standards.parquet'").fetchall())
    assert types["age"] == "BIGINT" and types["age_calculated"] == "BOOLEAN" and types["citations"] == "BIGINT[]"
    count = duckdb.sql(f"SELECT count(*) FROM '{built}/enforcement.parquet'").fetchall()[0][0]
    assert count == csv_row_count(repo / "data/enforcement.csv")


def test_the_readme_loading_examples_run_on_the_release(built, repo, monkeypatch):
    loading = section((repo / "README.md").read_text(encoding="utf-8"), "Loading a release")
    monkeypatch.chdir(built.parent)
    for python in blocks(loading, "python"):
        assert_prints_its_comments(python)
    (sql,) = blocks(loading, "sql")
    rows = duckdb.sql(sql).fetchall()
    assert len(rows) == 3 and rows[0][1] >= rows[1][1] >= rows[2][1]
    releases = (repo / "docs/releases.md").read_text(encoding="utf-8")
    assert "datasette dist/rightsdata.sqlite --metadata dist/metadata.json" in releases  # the command the test below runs


def test_datasette_shows_a_documented_dataset(built):
    datasette = pytest.importorskip("datasette.app", reason="datasette is a test dependency: pip install -e '.[test]'")
    doc = json.loads((built / "metadata.json").read_text())
    ds = datasette.Datasette(files=[str(built / "rightsdata.sqlite")], metadata=doc)

    async def pages():
        table = await ds.client.get("/rightsdata/legal_standards?country=UKR&source_id=ukr-findings-2016")
        rows = await ds.client.get("/rightsdata/upr_reviews.json?_shape=array&country=TJK")
        return table, rows

    table, rows = asyncio.run(pages())
    assert table.status_code == 200 and rows.status_code == 200
    assert metadata.resources()["legal_standards"].description.split(",")[0] in table.text
    assert "16&nbsp;years" in table.text  # the unit of `age`, from fields.yaml
    assert {r["source_id"] for r in rows.json()} == {"tjk-upr-midterm-2014", "upr-recommendations-2011", "upr-info-sessions-11-14",
                                                  "upr-info-sessions-25-27"}
    assert doc["license"] == "CC-BY-4.0" and doc["databases"]["rightsdata"]["tables"]["enforcement"]["columns"]["value"]


def test_release_refuses_an_invalid_package(data_copy, tmp_path):
    path = data_copy / "data/conventions.csv"
    path.write_text(path.read_text().replace("c138", "c138 ", 1))
    for name in ("README.md", "LICENSE", "CHANGELOG.md"):
        (data_copy / name).write_text("x")
    result = run_cli("release", "--out", str(tmp_path / "dist"), "--package-dir", str(data_copy))
    assert result.returncode == 2 and "does not validate" in result.stderr and "Traceback" not in result.stderr


def test_release_reads_each_csv_file_once(data_copy, tmp_path, monkeypatch):
    """The database and Parquet files are written from the tables the validation loaded."""
    from rightsdata import schema_check
    from rightsdata.release import assets

    for name in ("README.md", "LICENSE", "CHANGELOG.md"):
        (data_copy / name).write_text("x")
    loaded, load_table = [], schema_check.load_table
    monkeypatch.setattr(schema_check, "load_table", lambda con, res, *rest: loaded.append(res.name) or load_table(con, res, *rest))
    assets.build(data_copy, tmp_path / "dist")
    resources = [r["name"] for r in json.loads((data_copy / "datapackage.json").read_text(encoding="utf-8"))["resources"]]
    assert sorted(loaded) == sorted(resources)
    assert sorted(p.stem for p in (tmp_path / "dist").glob("*.parquet")) == sorted(resources)


def test_release_of_an_invalid_package_says_so_when_writing_its_tables_failed_too(data_copy, tmp_path, monkeypatch):
    from rightsdata.release import ReleaseError, assets

    path = data_copy / "data/conventions.csv"
    path.write_text(path.read_text().replace("c138", "c138 ", 1))
    for name in ("README.md", "LICENSE", "CHANGELOG.md"):
        (data_copy / name).write_text("x")

    def broken(package, loaded, con, out):
        raise duckdb.ConversionException("Conversion Error: out of range")
    monkeypatch.setattr(assets, "write_tables", broken)
    with pytest.raises(ReleaseError, match="does not validate"):
        assets.build(data_copy, tmp_path / "dist")
    assert [p.name for p in tmp_path.iterdir()] == [data_copy.name]  # no dist, no staging directory


# --- diff on hand-made before and after packages --------------------------------------------------------

def edit_csv(path: Path, change) -> None:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0])
    rows, header = change(rows, header)
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


@pytest.fixture
def before_after(tmp_path, repo):
    before = copy_package(repo, tmp_path / "before", with_rules=False, with_imported=False)
    after = copy_package(repo, tmp_path / "after", with_rules=False, with_imported=False)
    return before, after


def diff_json(before, after) -> dict:
    result = run_cli("diff", str(before), str(after), "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def resource(doc, name) -> dict:
    return next(r for r in doc["resources"] if r["name"] == name)


def test_diff_reports_added_removed_and_changed_rows(before_after):
    before, after = before_after

    def change(rows, header):
        for r in rows:
            if r["source_id"] == "ukr-findings-2016" and r["indicator"] == "inspectors" and r["data_year"] == "2015":
                r["value"], r["value_as_printed"] = "321", "321"
        return rows, header
    edit_csv(after / "data/enforcement.csv", change)
    edit_csv(after / "data/agencies.csv", lambda rows, h: (rows[1:], h))
    edit_csv(after / "data/conventions.csv", lambda rows, h: (rows + [dict(rows[0], code="c999")], h))
    doc = diff_json(before, after)
    enforcement = resource(doc, "enforcement")
    assert enforcement["status"] == "changed" and not enforcement["added"] and not enforcement["removed"]
    (changed,) = enforcement["changed"]
    assert changed["key"]["indicator"] == "inspectors" and changed["key"]["data_year"] == "2015"
    assert changed["fields"] == {"value": {"before": "320", "after": "321"}, "value_as_printed": {"before": "320", "after": "321"}}
    agencies = resource(doc, "agencies")
    assert agencies["removed"] == [{"source_id": "ukr-findings-2016", "country": "UKR", "report_year": "2016", "item": "1"}]
    assert resource(doc, "conventions")["added"] == [{"code": "c999"}]
    assert resource(doc, "sources")["status"] == "unchanged"
    assert doc["bump"] == "minor"  # rows added and removed
    markdown = run_cli("diff", str(before), str(after)).stdout
    assert "| `enforcement` | 52 | 52 | 0 | 0 | 1 |  |" in markdown
    assert 'changed: country=UKR, report_year=2016, territory=national, data_year=2015, domain=labor, indicator=inspectors, ' \
           'occurrence=1, source_id=ukr-findings-2016: `value_as_printed` "320" -> "321", `value` "320" -> "321"' in markdown


def test_diff_reads_a_file_alike_on_both_sides_once(before_after, monkeypatch):
    """A CSV file with the same bytes on both sides is parsed once (most files of two releases are
    alike); a changed one on each side, and its change is still found."""
    from rightsdata.release import diff, opening

    before, after = before_after
    edit_csv(after / "data/conventions.csv", lambda rows, h: (rows + [dict(rows[0], code="c999")], h))
    read, read_csv_file = [], opening.read_csv_file
    monkeypatch.setattr(opening, "read_csv_file", lambda path, shown: read.append(shown) or read_csv_file(path, shown))
    d = diff.diff(before, after)
    resources = [r["path"] for r in json.loads((after / "datapackage.json").read_text(encoding="utf-8"))["resources"]]
    assert sorted(read) == sorted(resources + ["data/conventions.csv"])
    assert d.bump == "minor"
    assert [(r.name, r.added) for r in d.resources if r.status != "unchanged"] == [("conventions", [{"code": "c999"}])]

def test_diff_reports_schema_changes(before_after):
    before, after = before_after
    descriptor = json.loads((after / "datapackage.json").read_text())
    schema_path = after / "schemas/conventions.tableschema.json"
    schema = json.loads(schema_path.read_text())
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "description"]
    schema_path.write_text(json.dumps(schema))
    edit_csv(after / "data/conventions.csv", lambda rows, h: ([{k: v for k, v in r.items() if k != "description"} for r in rows],
                                                            [c for c in h if c != "description"]))
    schema_path = after / "schemas/measure_kinds.tableschema.json"
    schema = json.loads(schema_path.read_text())
    schema["primaryKey"] = ["code", "description"]
    schema_path.write_text(json.dumps(schema))
    schema_path = after / "schemas/upr_cycles.tableschema.json"  # a schema change alone, no row changed
    schema = json.loads(schema_path.read_text())
    schema["fields"][0]["description"] += " (reworded)"
    schema_path.write_text(json.dumps(schema))
    (after / "datapackage.json").write_text(json.dumps(descriptor))
    doc = diff_json(before, after)
    cycles = resource(doc, "upr_cycles")
    assert cycles["status"] == "changed" and not cycles["added"] + cycles["removed"] + cycles["changed"]
    assert cycles["schema"] and all(c["field"] == schema["fields"][0]["name"] for c in cycles["schema"])
    assert resource(doc, "measure_kinds")["status"] == "changed"
    assert resource(doc, "conventions")["schema"] == [{"change": "field_removed", "field": "description"}]
    assert resource(doc, "conventions")["changed"] == []  # a removed column is a schema change, not a row change
    pk = resource(doc, "measure_kinds")["schema"]
    assert pk == [{"change": "primary_key_changed", "before": ["code"], "after": ["code", "description"]}]
    assert doc["bump"] == "major"


@pytest.mark.parametrize("spec, words", [
    ("no/such/thing", "not a package directory, a zip or a git ref"),
    ("evil.zip", "a path outside the package"),
])
def test_diff_names_what_it_cannot_read(tmp_path, repo, spec, words):
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as z:
        z.writestr("../escape.txt", "x")
        z.writestr("datapackage.json", "{}")
    result = run_cli("diff", spec, str(repo), cwd=tmp_path)
    assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path.parent / "escape.txt").exists()


def test_diff_between_git_refs(repo, tmp_path):
    """Two commits of a small package in a repository named by --repo (run from elsewhere): the whole
    package read at each ref took 10 s and showed no change; this one has one to find."""
    package, git = git_package(repo, tmp_path / "package")
    git("add", "-A")
    git("commit", "-qm", "base")
    edit_csv(package / "data/conventions.csv", lambda rows, h: (rows + [dict(rows[0], code="c998")], h))
    git("commit", "-qam", "a convention added")
    result = run_cli("diff", "HEAD~1", "HEAD", "--format", "json", "--repo", str(package), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["bump"] == "minor" and resource(doc, "conventions")["added"] == [{"code": "c998"}]
    result = run_cli("diff", "HEAD", "HEAD", "--format", "json", "--repo", str(package), cwd=tmp_path)
    assert result.returncode == 0 and json.loads(result.stdout)["bump"] == "none"


# --- the version rules ---------------------------------------------------------------------------------

def fake_diff(before: str, after: str, *changes: str) -> PackageDiff:
    r = ResourceDiff("t", "changed")
    for kind in changes:
        if kind.startswith("rows_"):
            getattr(r, {"rows_added": "added", "rows_removed": "removed", "rows_changed": "changed"}[kind]).append({"k": "1"})
        else:
            r.schema.append({"change": kind})
    return PackageDiff(before, after, [r])


@pytest.mark.parametrize("changes, bump", [
    ((), "none"), (("rows_changed",), "patch"), (("field_changed",), "patch"), (("rows_added",), "minor"),
    (("rows_removed",), "minor"), (("field_added", "rows_changed"), "minor"), (("field_removed",), "major"),
    (("primary_key_changed",), "major"), (("foreign_keys_changed",), "major"), (("field_type_changed", "rows_added"), "major"),
])
def test_each_change_asks_for_its_bump(changes, bump):
    assert fake_diff("1.0.0", "1.0.0", *changes).bump == bump


@pytest.mark.parametrize("before, bump, least", [
    ((1, 2, 3), "patch", (1, 2, 4)), ((1, 2, 3), "minor", (1, 3, 0)), ((1, 2, 3), "major", (2, 0, 0)),
    ((0, 2, 3), "major", (0, 3, 0)), ((1, 2, 3), "none", (1, 2, 3)),
])
def test_least_version(before, bump, least):
    assert least_version(before, bump) == least


def test_check_version_messages():
    changelog = "## [1.1.0]\n"
    assert check_version(fake_diff("1.0.0", "1.1.0", "rows_added"), changelog) == []
    assert "a minor release: version 1.1.0 or later" in check_version(fake_diff("1.0.0", "1.0.1", "rows_added"), "## [1.0.1]")[0]
    assert "CHANGELOG.md has no section '## [1.0.1]'" in check_version(fake_diff("1.0.0", "1.0.1", "rows_changed"), "")[0]
    assert "went down" in check_version(fake_diff("1.0.0", "0.9.0"), "## [0.9.0]")[0]
    assert check_version(fake_diff("1.0.0", "1.0.0"), "") == []


def test_check_version_in_a_repository(tmp_path, repo):
    """The CI command on a real git history: change a value, then bump the version."""
    package = copy_package(repo, tmp_path / "package", with_rules=False, with_imported=False)
    (package / "CHANGELOG.md").write_text("# Changelog\n\n## [0.2.0]\n")
    git = lambda *args: subprocess.run(["git", "-C", str(package), "-c", "user.email=t@example.org", "-c", "user.name=t", *args],
                                       capture_output=True, text=True, check=True)
    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "base")
    version = json.loads((package / "datapackage.json").read_text())["version"]
    assert run_cli("check-version", "--base", "HEAD", "--package-dir", str(package)).returncode == 0

    edit_csv(package / "data/agencies.csv",
             lambda rows, h: ([dict(r, role=r["role"] + " (corrected)") if r["item"] == "1" else r for r in rows], h))
    result = run_cli("check-version", "--base", "HEAD", "--package-dir", str(package))
    assert result.returncode == 1 and "the changes ask for: patch" in result.stdout and "agencies: rows changed (patch)" in result.stdout
    major, minor, patch = map(int, version.split("."))
    bumped = f"{major}.{minor}.{patch + 1}"
    descriptor = json.loads((package / "datapackage.json").read_text())
    descriptor["version"] = bumped
    (package / "datapackage.json").write_text(json.dumps(descriptor, indent=2))
    result = run_cli("check-version", "--base", "HEAD", "--package-dir", str(package))
    assert result.returncode == 1 and f"no section '## [{bumped}]'" in result.stderr
    (package / "CHANGELOG.md").write_text(f"# Changelog\n\n## [{bumped}]\n\nA role corrected.\n\n## [0.2.0]\n")
    assert run_cli("check-version", "--base", "HEAD", "--package-dir", str(package)).returncode == 0


def test_the_package_version_is_in_the_changelog(repo):
    version = json.loads((repo / "datapackage.json").read_text())["version"]
    assert f"## [{version}]" in (repo / "CHANGELOG.md").read_text()


def _group(fk_rows):
    """PRAGMA foreign_key_list rows grouped by constraint id."""
    groups = {}
    for row in fk_rows:
        groups.setdefault(row[0], []).append(row)
    return [sorted(rows, key=lambda r: r[1]) for rows in groups.values()]


# --- publishing, downloading and checking a release ----------------------------------------------------

def uploaded_assets(repo: Path, dist: Path, into: Path) -> list[str]:
    """Lay out the files of `dist` as release.yml's upload step publishes them (the files its
    arguments name, by base name, as GitHub release assets are flat) in the directory `into`.
    They are hard links to `dist` (110 MB not copied for each test): a test that changes an asset
    replaces the file, never writes into it."""
    import os
    import shlex
    import shutil

    import yaml

    workflow = yaml.safe_load((repo / ".github/workflows/release.yml").read_text())
    (script,) = [s["run"] for s in workflow["jobs"]["release"]["steps"] if "gh release upload" in s.get("run", "")]
    command = next(line for line in script.splitlines() if "gh release upload" in line)
    args = [a for a in shlex.split(command.split("gh release upload", 1)[1]) if a.startswith("dist/")]
    into.mkdir()
    names = []
    for pattern in args:
        for path in sorted(dist.parent.glob(pattern)):
            assert path.is_file(), f"release.yml uploads {path}, which is not a file"
            assert path.name not in names, f"two uploaded files are named {path.name}"
            try:
                os.link(path, into / path.name)
            except OSError:  # (another file system)
                shutil.copy(path, into / path.name)
            names.append(path.name)
    return names


def test_the_assets_as_published_verify_with_sha256sum(built, repo, tmp_path):
    names = uploaded_assets(repo, built, tmp_path / "assets")
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path / "assets", capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    listed = (built / "SHA256SUMS").read_text().splitlines()
    assert check.stdout.count(": OK\n") == len(listed) == len(names) - 1  # every asset but SHA256SUMS itself


def test_the_release_records_what_built_it(built, repo):
    info = json.loads((built / "buildinfo.json").read_text())
    assert info["packages"]["duckdb"] == duckdb.__version__
    assert "buildinfo.json" in (built / "SHA256SUMS").read_text()
    # The release job installs exact, hashed versions of every dependency, DuckDB's among them.
    lock = (repo / "requirements-release.txt").read_text()
    for name in info["packages"]:
        assert re.search(rf"^{re.escape(name.lower())}==[\w.]+ \\$", lock, re.M | re.I), name
    assert "--hash=sha256:" in lock
    assert "requirements-release.txt" in (repo / ".github/workflows/release.yml").read_text()


@contextlib.contextmanager
def serving(directory: Path):
    """An HTTP server on 127.0.0.1 (a free port) serving `directory`; yields its base URL."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    # shutdown() waits for the loop to look again: every 0.5 s by default, a wait per server
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_download_fetches_checks_and_unpacks_a_release(built, repo, tmp_path):
    uploaded_assets(repo, built, tmp_path / "assets")
    with serving(tmp_path / "assets") as url:
        result = run_cli("download", "0.1.0", "--base-url", url, "--out", str(tmp_path / "got"))
    assert result.returncode == 0, result.stderr
    got = tmp_path / "got"
    assert "every file matches SHA256SUMS" in result.stdout and f"rightsdata validate {got / 'rightsdata'}" in result.stdout
    for path in built.iterdir():
        assert (got / path.name).read_bytes() == path.read_bytes(), path.name
    assert (got / "rightsdata/datapackage.json").read_bytes() == (repo / "datapackage.json").read_bytes()
    assert (got / "rightsdata/validators").is_dir()


def test_download_refuses_a_tampered_asset(built, repo, tmp_path):
    uploaded_assets(repo, built, tmp_path / "assets")
    asset = tmp_path / "assets/countries.parquet"
    tampered = asset.read_bytes() + b"\0"
    asset.unlink()  # (a hard link to the run's build: replaced, not written into)
    asset.write_bytes(tampered)
    assert (built / "countries.parquet").read_bytes() == tampered[:-1]
    with serving(tmp_path / "assets") as url:
        result = run_cli("download", "v0.1.0", "--base-url", url, "--out", str(tmp_path / "got"))
    assert result.returncode == 2 and "countries.parquet: its SHA-256 is" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "got").exists() and [p.name for p in tmp_path.iterdir()] == ["assets"]


def test_download_url_and_repository(repo):
    from rightsdata import download

    assert download.base_url("v1.2.3") == f"https://github.com/{download.REPOSITORY}/releases/download/v1.2.3/"
    assert f"https://github.com/{download.REPOSITORY}/releases" in (repo / "docs/releases.md").read_text()
    result = run_cli("download", "latest", "--out", "x")
    assert result.returncode == 2 and "not a release version" in result.stderr
    result = run_cli("download", "1.2.3", "--repo", "a/b/../../evil?x=", "--out", "x")
    assert result.returncode == 2 and "not a GitHub repository's OWNER/NAME" in result.stderr


def test_validate_reads_a_release_zip_with_its_rules(built, tmp_path):
    result = run_cli("validate", str(built / "rightsdata.zip"), "--format", "json")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    doc = json.loads(result.stdout)
    assert doc["descriptor"] == f"{built}/rightsdata.zip/datapackage.json"
    assert doc["notes"] == [] and doc["counts"]["waived"] > 0  # the rules ran, with their waivers
    assert "rightsdata-" not in result.stdout  # no temporary directory in what it says


def test_validate_says_when_no_rule_ran(data_copy):
    result = run_cli("validate", str(data_copy))
    assert result.returncode == 0, result.stdout
    assert "no rules: validators/ not found; only schema checks ran" in result.stdout
    (data_copy / "validators").mkdir()
    assert "no rules" not in run_cli("validate", str(data_copy)).stdout


def test_the_step_summary_lists_errors_first():
    from rightsdata import report
    from rightsdata.findings import Finding
    from rightsdata.validate import Result

    findings = [Finding(rule=f"w/{i}", severity="warning", message="a warning") for i in range(30)]
    findings += [Finding(rule="e/1", severity="error", message="an error"),
                 Finding(rule="e/2", severity="error", message="an error", waived=True)]
    rows = [line for line in report.markdown_summary(Result("datapackage.json", findings)).splitlines()
            if line.startswith("| ") and "`" in line]
    assert [r.split(" | ")[1] for r in rows] == ["`e/1`"] + [f"`w/{i}`" for i in range(30)] + ["`e/2`"]


# --- a version without its tag --------------------------------------------------------------------------

def git_package(repo: Path, target: Path) -> tuple[Path, callable]:
    """A small copy of the package in a fresh git repository without tags, and a git runner."""
    package = copy_package(repo, target, with_rules=False, with_imported=False)
    run = lambda *args: subprocess.run(["git", "-C", str(package), "-c", "user.email=t@example.org", "-c", "user.name=t",
                                        *args], capture_output=True, text=True, check=True).stdout
    run("init", "-q")
    return package, run


def set_version(package: Path, version: str) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text())
    descriptor["version"] = version
    (package / "datapackage.json").write_text(json.dumps(descriptor, indent=2))


def test_diff_resolves_a_version_without_tags(tmp_path, repo):
    package, git = git_package(repo, tmp_path / "package")
    set_version(package, "0.1.0")
    git("add", "-A")
    git("commit", "-qm", "0.1.0")
    edit_csv(package / "data/conventions.csv", lambda rows, h: (rows + [dict(rows[0], code="c998")], h))
    set_version(package, "0.2.0")
    git("commit", "-qam", "0.2.0: a convention added")
    edit_csv(package / "data/conventions.csv", lambda rows, h: (rows + [dict(rows[0], code="c999")], h))
    git("commit", "-qam", "another, still 0.2.0")
    assert git("tag") == ""
    doc = json.loads(run_cli("diff", "v0.2.0", ".", "--format", "json", cwd=package).stdout)
    assert doc["version_before"] == "0.2.0" and resource(doc, "conventions")["added"] == [{"code": "c999"}]
    doc = json.loads(run_cli("diff", "v0.1.0", "--format", "json", cwd=package).stdout)
    assert doc["version_before"] == "0.1.0" and resource(doc, "conventions")["added"] == [{"code": "c998"}, {"code": "c999"}]
    git("tag", "v0.1.0", "HEAD")  # a tag, when there is one, wins
    assert json.loads(run_cli("diff", "v0.1.0", "--format", "json", cwd=package).stdout)["bump"] == "none"
    result = run_cli("diff", "v9.9.9", cwd=package)
    assert result.returncode == 2 and "nor a version datapackage.json ever had" in result.stderr


def test_the_readme_by_hand_download_checks_the_assets(built, repo, tmp_path):
    """docs/releases.md's curl and sha256sum commands, against a local server laid out as GitHub's."""
    import shutil

    if not shutil.which("curl"):
        pytest.skip("curl is not installed: docs/releases.md's by-hand download was not run")
    text = (repo / "docs/releases.md").read_text(encoding="utf-8")
    (by_hand,) = [b for b in blocks(text, "sh") if "curl" in b]
    uploaded_assets(repo, built, tmp_path / "v0.1.0")
    with serving(tmp_path) as url:
        script = re.sub(r"^base=.*$", f"base={url}v0.1.0", by_hand, flags=re.M)
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": OK\n") == len((built / "SHA256SUMS").read_text().splitlines())


def test_the_workflows_check_code_changes_and_cache_pip(repo):
    import yaml

    workflows = {p.name: yaml.safe_load(p.read_text()) for p in (repo / ".github/workflows").glob("*.yml")}
    paths = workflows["validate.yml"][True]["pull_request"]["paths"]  # (YAML 1.1 reads `on` as True)
    assert "src/**" in paths and "pyproject.toml" in paths
    for name, workflow in workflows.items():
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/setup-python"):
                    assert step["with"].get("cache") == "pip", name
