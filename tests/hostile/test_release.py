"""Hostile input to the release commands: paths that are SQL, repositories whose config runs
programs, zip bombs and crafted zips, tampered downloads. Each is refused in plain words (or
handled), and nothing is written where it should not be."""

import json
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import copy_package, run_cli
from rightsdata import archive, release
from rightsdata.release import assets


@pytest.fixture(scope="module")
def small(repo, tmp_path_factory) -> Path:
    """A small package (the curated rows, no rules) that a release can be built from."""
    package = copy_package(repo, tmp_path_factory.mktemp("small") / "package", with_rules=False, with_imported=False)
    for name in ("README.md", "LICENSE", "CHANGELOG.md"):
        (package / name).write_text(f"{name}\n")
    return package


# --- 13.3: the output path reaches DuckDB as a quoted literal; a failure leaves nothing -------------

@pytest.mark.parametrize("name", ["o'brien", "x' (FORMAT CSV); COPY (SELECT 1) TO 'evil.csv' (FORMAT CSV); --"])
def test_release_into_a_path_with_quotes(small, tmp_path, name):
    out = tmp_path / "dist" / name
    result = run_cli("release", "--out", str(out), "--package-dir", str(small), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["dist"] and [p.name for p in (tmp_path / "dist").iterdir()] == [name]


def test_a_failed_release_leaves_nothing_and_can_be_retried(small, tmp_path, monkeypatch):
    def broken(package, loaded, con, out):
        (out / "half.parquet").write_bytes(b"PAR1")
        raise release.ReleaseError("the disk is full")
    monkeypatch.setattr(assets, "write_tables", broken)
    out = tmp_path / "dist"
    with pytest.raises(release.ReleaseError, match="disk is full"):
        assets.build(small, out)
    assert list(tmp_path.iterdir()) == []  # no dist, no half-written staging directory
    monkeypatch.undo()
    files = assets.build(small, out)
    assert (out / "SHA256SUMS") in files and (out / "rightsdata.zip").is_file()


def test_release_refuses_a_directory_that_is_not_empty(small, tmp_path):
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "mine.txt").write_text("keep me")
    result = run_cli("release", "--out", str(tmp_path / "dist"), "--package-dir", str(small))
    assert result.returncode == 2 and "not empty" in result.stderr
    assert [p.name for p in (tmp_path / "dist").iterdir()] == ["mine.txt"]


# --- 13.4: diff reads git blobs without the repository's filters ----------------------------------

def test_diff_runs_no_filter_of_the_repository(small, tmp_path):
    package = tmp_path / "package"
    subprocess.run(["cp", "-r", str(small), str(package)], check=True)
    git = lambda *args: subprocess.run(["git", "-C", str(package), "-c", "user.email=t@example.org", "-c", "user.name=t", *args],
                                       capture_output=True, text=True, check=True)
    git("init", "-q")
    (package / ".gitattributes").write_text("*.csv filter=evil diff=evil\n*.json filter=evil\n")
    git("add", "-A")
    git("commit", "-qm", "base")
    marker = tmp_path / "MARKER"
    # Set after the commit: every program git could run for this repository leaves the marker.
    for key in ("filter.evil.smudge", "filter.evil.clean", "diff.evil.textconv", "core.fsmonitor"):
        git("config", key, f"sh -c 'touch {marker}; cat'")
    hooks = package / ".git" / "hooks"
    for hook in ("post-checkout", "reference-transaction"):
        (hooks / hook).write_text(f"#!/bin/sh\ntouch {marker}\n")
        (hooks / hook).chmod(0o755)
    result = run_cli("diff", "HEAD", str(package), "--repo", str(package), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["bump"] == "none"
    assert not marker.exists()


@pytest.mark.parametrize("ref", ["--output=/tmp/rightsdata-evil", "-h"])
def test_diff_does_not_take_a_ref_as_an_option(repo, tmp_path, ref):
    result = run_cli("diff", "--repo", str(repo), "--", ref, str(repo), cwd=tmp_path)
    assert result.returncode == 2 and "not a package directory, a zip or a git ref" in result.stderr
    assert list(tmp_path.iterdir()) == []


# --- 13.14: zips are checked before anything is extracted -----------------------------------------

def write_zip(path: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": on purpose
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for info, data in members:
                z.writestr(info, data)
    return path


def symlink(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


HOSTILE_ZIPS = {
    "bomb": ([("datapackage.json", b"{}"), ("data/big.csv", bytes(64 << 20))], "refused as a zip bomb"),
    "symlink": ([("datapackage.json", b"{}"), symlink("data/passwd.csv", "/etc/passwd")], "is a symbolic link"),
    "duplicate": ([("datapackage.json", b'{"name": "first"}'), ("datapackage.json", b'{"name": "second"}')], "appears twice"),
    "absolute": ([("datapackage.json", b"{}"), ("/tmp/rightsdata-evil", b"x")], "is a path outside the package"),
}


@pytest.mark.parametrize("kind", HOSTILE_ZIPS)
def test_diff_and_validate_refuse_a_hostile_zip(repo, tmp_path, kind):
    members, words = HOSTILE_ZIPS[kind]
    bad = write_zip(tmp_path / f"{kind}.zip", members)
    for args in (["diff", str(bad), str(repo)], ["validate", str(bad)]):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        said = result.stderr + result.stdout
        assert f"{bad}: member" in said and words in said and "Traceback" not in said, said
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{kind}.zip"]


def test_a_zip_past_the_size_limit_is_refused_before_extracting(tmp_path, monkeypatch):
    # Many members each under the ratio: only their sum gives them away.
    bad = write_zip(tmp_path / "wide.zip", [(f"data/{i}.csv", bytes(range(256)) * 64) for i in range(20)])
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 10 * 256 * 64)
    (tmp_path / "out").mkdir()
    with pytest.raises(archive.ArchiveError, match="would expand past"):
        archive.extract_zip(bad, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_zip_whose_directory_lies_about_a_size_is_refused(tmp_path):
    path = write_zip(tmp_path / "liar.zip", [("datapackage.json", b"{" + b" " * 1000 + b"}")])
    data = bytearray(path.read_bytes())
    # The central directory's uncompressed size of the only member (offset 24 in its entry) says 10.
    central = data.rindex(b"PK\x01\x02")
    data[central + 24:central + 28] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    (tmp_path / "out").mkdir()
    with pytest.raises(archive.ArchiveError, match="liar.zip"):
        archive.extract_zip(path, tmp_path / "out")


def test_a_failure_of_duckdb_is_reported_in_words(small, tmp_path, monkeypatch):
    import duckdb

    def broken(package, loaded, con, out):
        raise duckdb.IOException("IO Error: No space left on device")
    monkeypatch.setattr(assets, "write_tables", broken)
    with pytest.raises(release.ReleaseError, match=r"dist: the release could not be written \(IO Error: No space"):
        assets.build(small, tmp_path / "dist")
    assert list(tmp_path.iterdir()) == []


# --- downloads: what the server says is checked, bounded, and never written outside OUT ------------

def serve_assets(directory: Path, assets: dict[str, bytes], sums: str | None = None) -> None:
    import hashlib

    directory.mkdir()
    for name, data in assets.items():
        (directory / name).write_bytes(data)
    if sums is None:
        sums = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in sorted(assets.items()))
    (directory / "SHA256SUMS").write_text(sums)


def small_zip() -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("datapackage.json", "{}")
    return buf.getvalue()


@pytest.mark.parametrize("sums, words", [
    ("0" * 64 + "  ../evil\n", "not '<sha256>  <file name>'"),
    ("0" * 64 + "  sub/rightsdata.zip\n", "not '<sha256>  <file name>'"),
    ("0" * 64 + "  metadata.json\n", "lists no rightsdata.zip"),
])
def test_download_refuses_a_crafted_sha256sums(tmp_path, sums, words):
    from test_release import serving

    serve_assets(tmp_path / "assets", {"rightsdata.zip": small_zip()}, sums)
    with serving(tmp_path / "assets") as url:
        result = run_cli("download", "1.0.0", "--base-url", url, "--out", str(tmp_path / "got"))
    assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assets"]


def test_download_stops_at_the_size_limit_and_names_a_missing_asset(tmp_path, monkeypatch):
    from rightsdata import download
    from test_release import serving

    serve_assets(tmp_path / "assets", {"rightsdata.zip": small_zip(), "big.parquet": bytes(300_000)})
    monkeypatch.setattr(download, "MAX_TOTAL_BYTES", 200_000)
    with serving(tmp_path / "assets") as url:
        with pytest.raises(archive.ArchiveError, match="big.parquet: more than the"):
            download.download(url, tmp_path / "got")
        (tmp_path / "assets/big.parquet").unlink()
        with pytest.raises(archive.ArchiveError, match="big.parquet: the server answered 404"):
            download.download(url, tmp_path / "got")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assets"]


def test_download_refuses_a_zip_bomb_with_the_right_checksum(tmp_path):
    import io

    from test_release import serving

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("datapackage.json", "{}")
        z.writestr("data/big.csv", bytes(64 << 20))
    serve_assets(tmp_path / "assets", {"rightsdata.zip": buf.getvalue()})
    with serving(tmp_path / "assets") as url:
        result = run_cli("download", "1.0.0", "--base-url", url, "--out", str(tmp_path / "got"))
    assert result.returncode == 2 and "rightsdata.zip: member 'data/big.csv'" in result.stderr and "zip bomb" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assets"]
