"""The package as a whole: it validates (with rightsdata and with stock frictionless), its generated
files are current, and its design rules hold for every resource."""

import json
import re

import frictionless

from rightsdata import generate, metadata

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
PROVENANCE = {"source_id", "source_location", "source_lines"}


def test_rightsdata_validates_the_package(repo_validated):
    result = repo_validated
    assert result.fatal is None
    assert [f.message for f in result.findings if f.severity == "error" and not f.waived] == []
    assert result.exit_code == 0
    assert set(result.rows) == set(metadata.resources())


def test_stock_frictionless_validates_the_package(repo):
    report = frictionless.validate(str(repo / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]


def test_generated_files_are_current(repo):
    assert generate.run(repo, check=True) == [], "run `rightsdata generate`"


def test_version_is_semantic(repo):
    descriptor = json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))
    assert SEMVER.match(descriptor["version"])


def test_every_resource_has_a_primary_key_and_provenance():
    for res in metadata.resources().values():
        assert res.primary_key, res.name
        names = set(res.column_names)
        assert "source_id" in names, res.name
        if res.family != "reference":  # code lists say their source; their rows are not read from a document
            assert PROVENANCE <= names, res.name


def test_every_country_column_is_a_foreign_key_to_countries():
    for res in metadata.resources().values():
        fks = {tuple(fk["fields"]): fk["reference"] for fk in res.foreign_keys}
        for f in res.fields:
            if f["name"] == "country" or (res.name == "country_names" and f["name"] == "code"):
                assert fks.get((f["name"],)) == {"resource": "countries", "fields": ["code"]}, (res.name, f["name"])


def test_every_code_column_points_to_a_code_list_or_an_enum():
    """A column of codes (a short lower-case vocabulary) has an enum or a foreign key."""
    code_like = {"indicator", "convention", "standard", "kind", "status", "domain", "sector", "area", "unit",
                 "advancement_level", "document_type", "code_status", "answer_type", "reference_status",
                 "date_precision", "qualifier"}
    for res in metadata.resources().values():
        keyed = {f for fk in res.foreign_keys for f in fk["fields"]}
        for f in res.fields:
            if f["name"] in code_like and not (res.name == "assessments" and f["name"] == "qualifier"):
                assert "enum" in f.get("constraints", {}) or f["name"] in keyed, (res.name, f["name"])


def test_data_files_are_utf8_lf_with_the_schema_header(repo):
    for res in metadata.resources().values():
        raw = (repo / res.path).read_bytes()
        assert b"\r" not in raw and not raw.startswith(b"\xef\xbb\xbf"), res.path
        raw.decode("utf-8")
        assert raw.split(b"\n", 1)[0].decode() == ",".join(res.column_names), res.path
        assert raw.endswith(b"\n"), res.path


def test_data_files_are_sorted_by_primary_key_and_canonical(repo, tmp_path):
    """What `tables.write_rows` would write is what is committed: stable order, canonical cells."""
    from rightsdata import tables

    for name, res in metadata.resources().items():
        rows = tables.read_rows(repo, name)
        (tmp_path / "data").mkdir(exist_ok=True)
        tables.write_rows(tmp_path, name, rows)
        assert (tmp_path / res.path).read_bytes() == (repo / res.path).read_bytes(), res.path


def test_archived_sources_match_their_checksums(repo, tables):
    import hashlib

    archived = [r for r in tables["sources"] if r["archived_path"]]
    assert {r["archived_path"] for r in archived} == {f"sources/{p.name}" for p in (repo / "sources").iterdir()}
    for r in archived:
        assert hashlib.sha256((repo / r["archived_path"]).read_bytes()).hexdigest() == r["sha256"]


def test_archived_sources_are_the_shared_documents(repo, shared):
    for path in (shared / "sources").iterdir():
        assert (repo / "sources" / path.name).read_bytes() == path.read_bytes(), path.name


def test_readme_quick_start_has_exactly_two_command_blocks(repo):
    readme = (repo / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```(\w*)\n(.*?)^```$", quick, flags=re.S | re.M)
    assert len(blocks) == 2 and all(lang == "sh" for lang, _ in blocks)
    first, second = (body for _, body in blocks)
    assert "pip install" in first and "rightsdata validate" in first
    assert "pip install" in second and "pytest" in second
