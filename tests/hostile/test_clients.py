"""Hostile input to the typed loader (rightsdata.load): a package whose descriptor, files or cells
are broken or malicious gets a LoadError naming the file, line and field; nothing outside the
package is read; never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("pandas")

from rightsdata.load import LoadError, read_csv, read_package  # noqa: E402

HEADER = "code,description,source_id\n"


@pytest.fixture
def package(tmp_path, repo) -> Path:
    """A one-resource package (measure_kinds: three string columns) to break."""
    root = tmp_path / "package"
    (root / "data").mkdir(parents=True)
    (root / "schemas").mkdir()
    schema = json.loads((repo / "schemas" / "measure_kinds.tableschema.json").read_text(encoding="utf-8"))
    schema.pop("foreignKeys")  # to sources, which this package lacks
    (root / "schemas" / "measure_kinds.tableschema.json").write_text(json.dumps(schema), encoding="utf-8")
    descriptor = json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] == "measure_kinds"]
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    (root / "data" / "measure_kinds.csv").write_text(HEADER + "law,A law.,rightsdata-codes\n", encoding="utf-8")
    return root


def write(package: Path, text: str | bytes) -> None:
    path = package / "data" / "measure_kinds.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))


def test_a_good_package_reads(package):
    frame = read_csv("measure_kinds", package)
    assert frame.to_dict("records") == [{"code": "law", "description": "A law.", "source_id": "rightsdata-codes"}]


@pytest.mark.parametrize("path", ["../outside.csv", "/etc/passwd", "https://example.org/x.csv", "data/../../outside.csv"])
def test_a_path_out_of_the_package_is_not_read(package, path):
    outside = package.parent / "outside.csv"
    outside.write_text(HEADER + "secret,secret,secret\n", encoding="utf-8")
    descriptor = json.loads((package / "datapackage.json").read_text())
    descriptor["resources"][0]["path"] = path
    (package / "datapackage.json").write_text(json.dumps(descriptor))
    with pytest.raises(LoadError, match="measure_kinds") as e:
        read_package(package)
    assert "secret" not in str(e.value)


@pytest.mark.parametrize("text, message", [
    (b"code,description,source_id\nlaw,A \xff law.,x\n", r"^data/measure_kinds.csv:2: not UTF-8 text"),
    ("code,description\nlaw,A law.\n", r"^data/measure_kinds.csv:1: header \['code', 'description'\] differs from the schema's columns"),
    (HEADER + "law,A law.,x,extra\n", r"^data/measure_kinds.csv:2: too many cells \(the header has 3\)"),
    (HEADER + "law,\"A law.\nunclosed", r"^data/measure_kinds.csv:2: a quoted cell is not closed before the end of the file"),
    ("", r"^data/measure_kinds.csv:1: header \[\] differs from the schema's columns"),
])
def test_a_broken_file_is_named_with_its_line(package, text, message):
    write(package, text)
    with pytest.raises(LoadError, match=message):
        read_csv("measure_kinds", package)


def test_a_cell_not_of_its_type_names_line_and_field(package, repo):
    schema = json.loads((package / "schemas" / "measure_kinds.tableschema.json").read_text())
    schema["fields"][1]["type"] = "integer"
    schema["fields"][1].pop("asPrinted", None)
    (package / "schemas" / "measure_kinds.tableschema.json").write_text(json.dumps(schema))
    write(package, HEADER + "law,12,x\nplan,twelve,x\n")
    with pytest.raises(LoadError, match=r"^data/measure_kinds.csv:3: field 'description': 'twelve' is not an integer"):
        read_csv("measure_kinds", package)
    write(package, HEADER + "law,99999999999999999999999,x\n")
    with pytest.raises(LoadError, match=r"^data/measure_kinds.csv: field 'description': a value pandas cannot hold as integer"):
        read_csv("measure_kinds", package)


@pytest.mark.parametrize("descriptor, message", [
    ("{not json", r"not valid JSON"),
    ("[]", r"must be a JSON object"),
    ('{"resources": []}', r"'resources' must be a non-empty list"),
])
def test_a_broken_descriptor_is_a_load_error(package, descriptor, message):
    (package / "datapackage.json").write_text(descriptor)
    with pytest.raises(LoadError, match=message):
        read_package(package)


def test_no_descriptor_and_no_resource(tmp_path, package):
    with pytest.raises(LoadError, match="no such file"):
        read_package(tmp_path / "nowhere")
    with pytest.raises(LoadError, match="no resource 'nope'"):
        read_csv("nope", package)
