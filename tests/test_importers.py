"""The importer skeleton (rightsdata.importers): a source is one module that registers an Importer;
the CLI gets its command from the registration, and every source goes through the same reading,
accounting and key checks before anything is written."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import read_csv, tree_digest
from rightsdata import importers
from rightsdata.cli import main

# A whole new source, as a contributor would write it: a CSV of response codings with code, label
# and printed columns; a row repeated exactly is merged, a row without a code is rejected. LOSE
# makes it forget to account for a row, as a faulty importer would.
TINY = '''
import csv, io
import click
from rightsdata import importers
from rightsdata.importers import SourceRows, read_source

LOSE = False


@importers.register
class Importer(importers.Importer):
    """Import a tiny list of response codings (tests only)."""

    name = "tiny"
    help = __doc__
    options = [click.Option(["--describe"], default="A coding of the tiny source.", help="The description of every row.")]
    resources = ["upr_responses"]
    publisher = "The test suite"
    licence = "CC0"
    columns = {"code": "upr_responses.code", "label": "upr_responses.label", "printed": "upr_responses.printed_as"}
    file_kind = "a tiny codings file"

    def __init__(self, package_dir, manifest=None, describe=None):
        super().__init__(package_dir, manifest)
        self.describe = describe

    def read(self, path):
        data, digest = read_source(path)
        reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
        self.check_header(path, next(reader))
        item = SourceRows(self.source_row(path, digest, "tiny-codes", title="Tiny codings", report_year=None,
                                          document_type="recommendations_transcription"), path=path)
        seen = set()
        for row in reader:
            item.counts["read"] += 1
            if LOSE and reader.line_num == 3:
                continue
            if not row or not row[0]:
                item.reject(reader.line_num, "no code")
            elif tuple(row) in seen:
                item.counts["merged"] += 1
            else:
                seen.add(tuple(row))
                item.counts["kept"] += 1
                item.add("upr_responses", dict(code=row[0], label=row[1], printed_as=[row[2]], description=self.describe,
                                               source_id="tiny-codes"))
        return item
'''


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """The tiny source's module, imported (so registered) from a directory of its own."""
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "tiny_source.py").write_text(TINY, encoding="utf-8")
    monkeypatch.syspath_prepend(str(modules))
    module = importlib.import_module("tiny_source")
    yield module
    importers.REGISTRY.pop("tiny", None)
    sys.modules.pop("tiny_source", None)


def codings(path: Path, rows: list[str]) -> Path:
    path.write_text("code,label,printed\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_a_registered_module_gets_its_command_and_the_same_accounting(tiny, package_copy, tmp_path):
    assert "import-tiny" in run("--help").output
    assert "--describe TEXT" in run("import-tiny", "--help").output
    path = codings(tmp_path / "tiny.csv", ["partial,Partly supported,partly", "", "partial,Partly supported,partly",
                                          "noted_twice,Noted,noted again"])
    result = run("import-tiny", str(path), "--package-dir", str(package_copy), "--describe", "Said in a test.")
    assert result.exit_code == 0, result.output
    assert f"warning: {path}:3: rejected: no code" in result.output
    assert "tiny-codes: 2 rows" in result.output
    rows = [r for r in read_csv(package_copy / "data/upr_responses.csv") if r["source_id"] == "tiny-codes"]
    assert [(r["code"], r["description"]) for r in rows] == [("noted_twice", "Said in a test."), ("partial", "Said in a test.")]
    source = next(r for r in read_csv(package_copy / "data/sources.csv") if r["source_id"] == "tiny-codes")
    assert source["note"] == "Read from tiny.csv; not archived in the package (import it with `rightsdata import-tiny`)."
    assert importers.column_map_problems(tiny.Importer) == []


def test_a_row_the_importer_does_not_account_for_stops_the_import(tiny, package_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(tiny, "LOSE", True)
    path = codings(tmp_path / "tiny.csv", ["partial,Partly supported,partly", "other,Other,other"])
    before = tree_digest(package_copy / "data")
    result = run("import-tiny", str(path), "--package-dir", str(package_copy))
    assert result.exit_code == 2
    assert f"error: {path}: 2 rows read, but 1 kept, 0 merged and 0 rejected" in result.output
    assert tree_digest(package_copy / "data") == before


def test_a_wrong_header_names_the_declared_columns(tiny, package_copy, tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text("code,printed\npartial,partly\n", encoding="utf-8")
    result = run("import-tiny", str(path), "--package-dir", str(package_copy))
    assert result.exit_code == 2
    assert f"{path}:1: the header is ['code', 'printed'], not ['code', 'label', 'printed']: is this a tiny codings file?" \
        in result.output


def test_a_key_of_another_sources_row_stops_the_import_before_anything_is_written(tiny, package_copy, tmp_path):
    """upr_responses is keyed by its code alone: `supported` is a row of rightsdata-codes."""
    path = codings(tmp_path / "tiny.csv", ["partial,Partly supported,partly", "supported,Supported again,yes"])
    before = tree_digest(package_copy / "data")
    result = run("import-tiny", str(path), "--package-dir", str(package_copy))
    assert result.exit_code == 2
    assert ("error: tiny-codes: the upr_responses row {'code': 'supported'} has the key of a row of the source "
            "rightsdata-codes already in the package") in result.output
    assert "nothing was written" in result.output
    assert tree_digest(package_copy / "data") == before
    # Its own rows, imported again, are no collision: they are replaced.
    path = codings(tmp_path / "tiny.csv", ["partial,Partly supported,partly"])
    assert run("import-tiny", str(path), "--package-dir", str(package_copy)).exit_code == 0
    assert run("import-tiny", str(path), "--package-dir", str(package_copy)).exit_code == 0


def test_every_importer_maps_its_columns_to_columns_the_package_has(tiny):
    assert set(importers.registered()) >= {"ilab", "upr", "tiny"}
    for importer in importers.registered().values():
        assert importers.column_map_problems(importer) == [], importer.name
    # and the check can fail
    broken = type("Broken", (tiny.Importer,), {"columns": {"code": "upr_responses.kode", "x": "dropped: no"}})
    assert importers.column_map_problems(broken) == ["tiny: code: upr_responses has no column kode",
                                                     "tiny: x: dropped without a reason"]


def test_a_source_id_of_another_publisher_is_not_taken_over(tiny, package_copy, tmp_path, monkeypatch):
    """Importing replaces every row of the source's id: reusing the transcription's id would wipe it."""
    monkeypatch.setattr(tiny.Importer, "read", lambda self, path, read=tiny.Importer.read: rename(read(self, path)))
    path = codings(tmp_path / "tiny.csv", ["partial,Partly supported,partly"])
    before = tree_digest(package_copy / "data")
    result = run("import-tiny", str(path), "--package-dir", str(package_copy))
    assert result.exit_code == 2
    assert (f"error: {path}: its source id upr-recommendations-2011 names a source of another publisher in the package "
            "(Rochelle Terman and contributors") in result.output
    assert tree_digest(package_copy / "data") == before


def rename(item):
    item.source["source_id"] = "upr-recommendations-2011"
    for row in item.rows["upr_responses"]:
        row["source_id"] = "upr-recommendations-2011"
    return item
