"""The package as a whole: it validates (with rightsdata and with stock frictionless), its generated
files are current, and its design rules hold for every resource."""

import copy
import functools
import json
import re
from pathlib import Path

import frictionless
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_cli, with_descriptor
from rightsdata import cells, generate, metadata, tables
from rightsdata import package as pkg

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
PROVENANCE = {"source_id", "source_location", "source_lines"}


def test_rightsdata_validates_the_package(repo_validated):
    result = repo_validated
    assert result.fatal is None
    assert [f.message for f in result.findings if f.severity == "error" and not f.waived] == []
    assert result.exit_code == 0
    assert set(result.rows) == set(metadata.resources())


@pytest.mark.slow
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


def rewritten_alike(res: pkg.Resource, path: Path) -> bool:
    """Whether `tables.write_rows` of `tables.read_rows` would write the file's bytes as they are,
    worked out from its records of text (read as read_rows reads them) without the rows: write_rows
    sorts the rows by primary key (a stable sort) and writes each value by `cells.cell_writer`
    (`record_writer`), read_rows reads each cell by `cells.cell_reader` (a text cell is itself,
    '' None and None ''). So they give the bytes back exactly when every cell of a typed column
    reads back to its text, the records are in the order of their keys, and `csv_text` of the
    records is the file. A cell that cannot be read raises CellError (read_rows: TableError).
    test_rewritten_alike_is_write_rows_of_read_rows proves it on any small table."""
    header, records = tables.read_csv_file(path, res.path, res.column_names)
    records = [record for _, record in records]
    for i, field in enumerate(res.fields):
        if field["type"] != "string":
            read, write = cells.cell_reader(field), cells.cell_writer(field)
            if any(write(read(cell)) != cell for cell in {record[i] for record in records}):  # (each text once)
                return False
    record_key = tables.record_sort_key(res, header)
    keys = [record_key(record) for record in records]
    if any(a > b for a, b in zip(keys, keys[1:])):
        return False
    return cells.csv_text(header, records).encode("utf-8") == path.read_bytes()


def test_data_files_are_sorted_by_primary_key_and_canonical(repo):
    """What `tables.write_rows` would write of `tables.read_rows` is what is committed: stable
    order, canonical cells (see rewritten_alike)."""
    for res in tables.resources(repo).values():
        assert tables.paused_while_made(functools.partial(rewritten_alike, res, repo / res.path)), res.path


# A table of every field type: in a quarter of the examples, cells canonical or not (value or layout) in any order;
# the other examples: canonical cells only, in the order of their key (k then n) or not, or but one cell.
TABLE_SCHEMA = {"fields": [{"name": "k", "type": "string"}, {"name": "n", "type": "integer"}, {"name": "x", "type": "number"},
                           {"name": "b", "type": "boolean"}, {"name": "d", "type": "date"},
                           {"name": "li", "type": "list", "itemType": "integer", "delimiter": ";"},
                           {"name": "ls", "type": "list", "itemType": "string", "delimiter": ";"},
                           {"name": "s", "type": "string"}],
                "primaryKey": ["k", "n"]}
CANONICAL_CELLS = {"k": ["", "a", "b", "B", "a,b", 'q"'], "n": ["", "7", "-3", "10"], "x": ["", "4400", "1.5", "0.1", "-1e-05"],
                   "b": ["", "true", "false"], "d": ["", "2016-01-05"], "li": ["", "1;2", "1"], "ls": ["", "a;b", "a;;b", "x"]}
OTHER_CELLS = {"k": [], "n": ["+7", "007", "-0", " 7", "x"], "x": ["4400.0", "1.50", "1e400", "-0", "1e3", "NaN"],
               "b": ["True", "1", "0", "yes"], "d": ["2016-1-5", "2016-02-30"], "li": ["01;2", "1;;2"], "ls": []}
TEXT = st.text(alphabet='ab ,"\n\r', max_size=4)


def table_rows(cells: dict[str, list[str]]):
    row = st.fixed_dictionaries({name: st.sampled_from(texts) for name, texts in cells.items()} | {"s": TEXT})
    return st.lists(row.map(lambda row: [row[f["name"]] for f in TABLE_SCHEMA["fields"]]), max_size=5)


def in_key_order(rows: list[list[str]]) -> list[list[str]]:
    return sorted(rows, key=lambda row: (row[0] != "", row[0], row[1] != "", int(row[1] or 0)))  # (an empty cell first)


@st.composite
def one_cell_spoiled(draw, rows: list[list[str]]) -> list[list[str]]:
    """The rows with one cell not canonical."""
    if rows:
        name = draw(st.sampled_from([name for name in OTHER_CELLS if OTHER_CELLS[name]]))
        row = draw(st.sampled_from(rows))
        row[[f["name"] for f in TABLE_SCHEMA["fields"]].index(name)] = draw(st.sampled_from(OTHER_CELLS[name]))
    return rows


CANONICAL_ROWS = table_rows(CANONICAL_CELLS)
TABLE_ROWS = st.one_of(CANONICAL_ROWS.map(in_key_order), CANONICAL_ROWS, CANONICAL_ROWS.map(in_key_order).flatmap(one_cell_spoiled),
                       table_rows({name: CANONICAL_CELLS[name] + OTHER_CELLS[name] for name in CANONICAL_CELLS}))


@pytest.fixture(scope="module")
def table_package(tmp_path_factory) -> Path:
    """A package of the one table, and beside it in out/ the same package for write_rows to write into."""
    root = tmp_path_factory.mktemp("table")
    for package in (root, root / "out"):
        (package / "data").mkdir(parents=True)
        (package / "datapackage.json").write_text(json.dumps({"name": "t", "resources": [{"name": "t", "path": "data/t.csv",
                                                                                           "schema": TABLE_SCHEMA}]}), encoding="utf-8")
    return root


@settings(max_examples=300, deadline=None)
@given(rows=TABLE_ROWS, layout=st.sampled_from(["canonical", "every cell of the first row quoted", "CR LF", "a blank line"]))
def test_rewritten_alike_is_write_rows_of_read_rows(table_package, rows, layout):
    names = [f["name"] for f in TABLE_SCHEMA["fields"]]
    text = cells.csv_text(names, rows)
    if layout == "every cell of the first row quoted" and rows:
        quoted = ",".join('"' + cell.replace('"', '""') + '"' for cell in rows[0]) + "\n"
        text = cells.csv_text(names, []) + quoted + cells.csv_text(names, rows[1:]).split("\n", 1)[1]
    elif layout == "CR LF":
        text = text.replace("\n", "\r\n")
    elif layout == "a blank line":
        text += "\n"
    path = table_package / "data/t.csv"
    path.write_bytes(text.encode("utf-8"))
    res = tables.resource(table_package, "t")

    def outcome(check) -> bool:  # (a cell that cannot be read: not written alike, whichever part finds it first)
        try:
            return check()
        except (tables.TableError, cells.CellError):
            return False

    out = table_package / "out"

    def write_rows_of_read_rows() -> bool:
        tables.write_rows(out, "t", tables.read_rows(table_package, "t"))
        return (out / "data/t.csv").read_bytes() == path.read_bytes()

    assert outcome(lambda: rewritten_alike(res, path)) == outcome(write_rows_of_read_rows), text


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


def test_commands_follow_the_package_descriptor_not_the_installed_metadata(tmp_path):
    """A package whose datapackage.json says other than the installed YAML (another file, other
    columns) is read, formatted and written as its descriptor says: what a non-editable install
    of another version meets."""
    root = with_descriptor(tmp_path / "package")
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [dict(r, path="data/kinds.csv") for r in descriptor["resources"] if r["name"] == "measure_kinds"]
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    schema = {"fields": [{"name": "code", "type": "string", "constraints": {"required": True}},
                         {"name": "source_id", "type": "string"}, {"name": "rank", "type": "integer"}],
              "primaryKey": ["code"]}
    (root / "schemas/measure_kinds.tableschema.json").write_text(json.dumps(schema), encoding="utf-8")
    assert metadata.resources()["measure_kinds"].column_names != ["code", "source_id", "rank"]
    (root / "data").mkdir()
    kinds = root / "data/kinds.csv"
    kinds.write_text("code,source_id,rank\nplan,x,2\nlaw,x,1\n", encoding="utf-8")

    assert tables.read_rows(root, "measure_kinds") == [{"code": "plan", "source_id": "x", "rank": 2},
                                                       {"code": "law", "source_id": "x", "rank": 1}]
    result = run_cli("format", "--check", "--package-dir", str(root))
    assert result.returncode == 1 and "not canonical: data/kinds.csv" in result.stdout, result.stderr
    assert run_cli("format", "--package-dir", str(root)).returncode == 0
    assert kinds.read_text(encoding="utf-8") == "code,source_id,rank\nlaw,x,1\nplan,x,2\n"
    tables.replace_sources(root, {"x"}, {"measure_kinds": [{"code": "ban", "source_id": "x", "rank": 3}]})
    assert kinds.read_text(encoding="utf-8") == "code,source_id,rank\nban,x,3\n"
    assert not (root / "data/measure_kinds.csv").exists()


def test_a_package_without_a_usable_descriptor_is_one_plain_error(tmp_path):
    (tmp_path / "data").mkdir()
    with pytest.raises(tables.TableError, match="datapackage.json: no such file"):
        tables.read_rows(tmp_path, "measure_kinds")
    result = run_cli("format", "--check", "--package-dir", str(tmp_path))
    assert result.returncode == 1 and "datapackage.json: no such file" in result.stderr and "Traceback" not in result.stderr


def test_foreign_keys_read_as_lists_whatever_form_the_descriptor_gives():
    one = {"fields": "country", "reference": {"resource": "countries", "fields": "iso3"}}
    own = {"fields": ["part_of"], "reference": {"fields": ["figure_id"]}}
    res = pkg.Resource(name="t", path=None, file=None, schema={"fields": [], "foreignKeys": [one, own]})
    assert res.foreign_keys == [{"fields": ["country"], "reference": {"resource": "countries", "fields": ["iso3"]}},
                                {"fields": ["part_of"], "reference": {"resource": "", "fields": ["figure_id"]}}]
    assert one == {"fields": "country", "reference": {"resource": "countries", "fields": "iso3"}}  # the descriptor is left alone


@pytest.mark.parametrize("edit, message", [
    (lambda doc: doc["resources"]["sources"].update(family="sources"), r"resources.yaml: sources: family 'sources' is not one of"),
    (lambda doc: doc["resources"]["sources"].update(titel="x"), r"resources.yaml: sources: unknown keys \['titel'\]"),
    (lambda doc: doc["resources"]["sources"].pop("family"), r"resources.yaml: sources: missing keys \['family'\]"),
    (lambda doc: doc["resources"]["sources"].update(primary_key="source_id"), r"resources.yaml: sources: `primary_key` must be"),
    (lambda doc: doc.update(extra={}), r"resources.yaml: must be a mapping of `package` and `resources`"),
])
def test_metadata_values_are_checked_when_they_load(monkeypatch, edit, message):
    """A wrong family used to drop the resource from the README's table silently."""
    doc = copy.deepcopy(metadata.load_yaml("resources.yaml"))
    edit(doc)
    real = metadata.load_yaml
    monkeypatch.setattr(metadata, "load_yaml", lambda name: doc if name == "resources.yaml" else real(name))
    with pytest.raises(metadata.MetadataError, match=message):
        metadata.resources.__wrapped__()


def test_package_metadata_keys_are_checked(monkeypatch):
    doc = copy.deepcopy(metadata.load_yaml("resources.yaml"))
    doc["package"]["licence"] = doc["package"].pop("licenses")
    monkeypatch.setattr(metadata, "load_yaml", lambda name: doc)
    with pytest.raises(metadata.MetadataError, match=r"resources.yaml: package: unknown keys \['licence'\]; missing keys \['licenses'\]"):
        metadata.package_metadata()
