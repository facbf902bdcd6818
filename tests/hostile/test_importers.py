"""Hostile input to the importers (issue 13, items 8, 10, 12, 15): entities and document type
declarations, control characters, numbers too long for int(), very large and very deep files.
Each gets a clear refusal naming the file (and line), or a per-row rejection with a reason;
never half a value, never a Python exception name, and time that grows linearly."""

import csv
import io
import re
import time
from pathlib import Path

import pytest

from conftest import copy_package, read_csv, run_cli, tree_digest
from rightsdata.importers import import_files
from rightsdata.importers.ilab import Importer as IlabImporter
from rightsdata.importers.upr import Importer as UprImporter

EXCEPTION_NAME = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception)\b|Traceback")


@pytest.fixture(scope="module")
def package(repo, tmp_path_factory) -> Path:
    """One package without imported rows for the whole module (copying it takes seconds): a
    refusal leaves it as it was, and an import replaces every row of its source."""
    return copy_package(repo, tmp_path_factory.mktemp("hostile") / "package", with_rules=True, with_imported=False)


def countries_xml(body: str = "", prolog: str = "", description: str = "In 2016, Ukraine made a minimal advancement.") -> str:
    """A countries file of one country (Ukraine, 2016) with `body` inside <Country>."""
    return (f'<?xml version="1.0" encoding="utf-8"?>\n{prolog}<Countries>\n<Country>\n<Name>Ukraine</Name>\n'
            f"<Advancement_Level>Minimal Advancement</Advancement_Level>\n<Description>{description}</Description>\n"
            f"{body}</Country>\n</Countries>\n")


def refused(package: Path, path: Path, *args: str) -> str:
    """Run the import, check that it refused the file cleanly and wrote nothing; its stderr."""
    before = tree_digest(package / "data")
    command = "import-ilab" if path.suffix == ".xml" else "import-upr"
    result = run_cli(command, str(path), "--package-dir", str(package), *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "nothing was written" in result.stderr
    assert not EXCEPTION_NAME.search(result.stderr), result.stderr
    assert tree_digest(package / "data") == before
    return result.stderr


# --- import-ilab: entities and document type declarations (item 10) -----------------------------------

@pytest.mark.parametrize("prolog, body", [
    ('<!DOCTYPE Countries [<!ENTITY thsp ",">]>\n',
     "<Enforcements><Labor_Inspectors>1&thsp;378</Labor_Inspectors></Enforcements>\n"),
    ('<!DOCTYPE Countries [<!ENTITY ext SYSTEM "file:///etc/hostname">]>\n',
     "<Enforcements><Labor_Inspectors>&ext;</Labor_Inspectors></Enforcements>\n"),
    ('<!DOCTYPE Countries SYSTEM "http://example.invalid/countries.dtd">\n', ""),
    ('<!DOCTYPE Countries [\n<!ENTITY a "aaaaaaaaaa">\n' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9)) + "]>\n",
     "<Enforcements><Labor_Inspectors>&j;</Labor_Inspectors></Enforcements>\n"),  # billion laughs
])
def test_a_file_with_a_document_type_declaration_is_refused(package, tmp_path, prolog, body):
    path = tmp_path / "countries.xml"
    path.write_text(countries_xml(body, prolog), encoding="utf-8")
    started = time.perf_counter()
    stderr = refused(package, path)
    assert f"{path}:2: the file has a document type declaration" in stderr
    assert time.perf_counter() - started < 30


# --- import-ilab: size and depth (item 12) -----------------------------------------------------------

def test_a_country_with_32000_goods_imports_in_linear_time(package, tmp_path):
    """Each good's position ([n] in source_location) was found by scanning its siblings: 8,000
    goods took 18 s and 32,000 did not finish in 120 s."""
    goods = "".join(f"<Good><Good_Name>Good {i}</Good_Name><Child_Labor>Yes</Child_Labor></Good>\n" for i in range(32000))
    path = tmp_path / "countries.xml"
    path.write_text(countries_xml(f"<Goods>\n{goods}</Goods>\n"))
    started = time.process_time()  # CPU time: a loaded machine does not inflate it
    batch, counts = import_files(IlabImporter, package, [path])
    assert time.process_time() - started < 20
    assert counts["goods"] == 32000
    rows = [r for r in read_csv(package / "data/goods.csv") if r["source_id"] == "ilab-countries-2016"]
    last = next(r for r in rows if r["good"] == "Good 31999")
    assert last["source_location"] == "Goods/Good[32000]" and last["source_lines"] == str(32000 + 7)


@pytest.mark.parametrize("chains, depth", [(20, 2000), (20, 17)])
def test_deep_nesting_is_refused_quickly_and_named(package, tmp_path, chains, depth):
    """20 chains of 2,000 nested elements took 96 s (each element's path walked up to the root);
    the publisher's data nests 6 levels deep."""
    body = "".join("<Deep>" * depth + "x" + "</Deep>" * depth + "\n" for _ in range(chains))
    path = tmp_path / "countries.xml"
    path.write_text(countries_xml(body))
    started = time.perf_counter()
    stderr = refused(package, path)
    assert time.perf_counter() - started < 30
    assert f"{path}:7: " in stderr and "levels deep; the Findings data has at most 6" in stderr


@pytest.mark.parametrize("value", ["1" + " " * 50_000 + "x", "Yes" + " " * 50_000 + "*", "(" + " " * 50_000 + "1)"])
def test_a_value_with_a_long_run_of_spaces_is_read_in_linear_time(package, tmp_path, value):
    r"""Cutting the citation group and the marks off a value searched r"\s*(...)$", which tries
    every start in a run of spaces: 50,000 of them took over two minutes."""
    path = tmp_path / "countries.xml"
    path.write_text(countries_xml(f"<Enforcements>\n<Labor_Inspectors>{value}</Labor_Inspectors>\n</Enforcements>\n"))
    started = time.process_time()  # CPU time: a loaded machine does not inflate it
    import_files(IlabImporter, package, [path])
    assert time.process_time() - started < 20
    (inspectors,) = [r for r in read_csv(package / "data/enforcement.csv") if r["source_id"] == "ilab-countries-2016"]
    assert inspectors["value_as_printed"] == value


# --- import-ilab: control characters and numbers too long (items 8, 15) -------------------------------

@pytest.mark.parametrize("char", ["&#x85;", "&#x7f;", "\u009b"])
def test_a_control_character_xml_allows_is_refused_with_file_and_line(package, tmp_path, char):
    path = tmp_path / "countries.xml"
    path.write_text(countries_xml(description=f"In 2016, Ukraine{char} made a minimal advancement."), encoding="utf-8")
    stderr = refused(package, path)
    assert re.search(rf"{re.escape(str(path))}:6: <Description> holds the control character U\+00(85|7F|9B) at character 17", stderr)


def test_a_5000_digit_value_is_kept_as_printed_not_made_infinite(package, tmp_path):
    huge = "9" * 5000
    body = (f"<Enforcements>\n<Labor_Inspectors>{huge}</Labor_Inspectors>\n<Labor_Inspections>12</Labor_Inspections>\n"
            f"</Enforcements>\n<Country_Statistics>\n<Children_Work_Statistics>\n<Age_Range>{huge}-14</Age_Range>\n"
            f"<Total_Percentage_of_Working_Children>0.{huge}</Total_Percentage_of_Working_Children>\n"
            f"<Total_Working_Population>{huge}</Total_Working_Population>\n</Children_Work_Statistics>\n</Country_Statistics>\n")
    path = tmp_path / "countries.xml"
    path.write_text(countries_xml(body))
    result = run_cli("import-ilab", str(path), "--package-dir", str(package))
    assert result.returncode == 0, result.stderr
    sid = "ilab-countries-2016"
    enforcement = {r["indicator"]: r for r in read_csv(package / "data/enforcement.csv") if r["source_id"] == sid}
    inspectors = enforcement["inspectors"]
    assert (inspectors["value_as_printed"], inspectors["value"], inspectors["status"]) == (huge, "", "malformed")
    assert "more than 15 significant digits" in inspectors["note"]
    assert enforcement["inspections"]["value"] == "12"
    (stat,) = [r for r in read_csv(package / "data/statistics.csv") if r["source_id"] == sid]
    assert (stat["value"], stat["status"], stat["age_range_as_printed"], stat["age_min"]) == ("", "malformed", f"{huge}-14", "")
    assert (stat["population_as_printed"], stat["population"]) == (huge, "")


# --- import-upr ----------------------------------------------------------------------------------------

HEADER = ["text", "to", "decision", "From", "year", "notes"]


def upr_file(directory: Path, rows: list[list[str]], sessions: list[list[str]] | None = None) -> Path:
    directory.mkdir(exist_ok=True)
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(sessions or [["", "To", "To_COW", "Session"], ["1", "Tajikistan", "TAJ", "12"]])
    (directory / "sessions.csv").write_text(out.getvalue(), encoding="utf-8")
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows([HEADER] + rows)
    path = directory / "upr_recommendations_2011.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def row(text: str = "88.1. Ratify the Convention (Spain);", state: str = "Spain", year: str = "2011", notes: str = "") -> list[str]:
    return [text, "Tajikistan", "support", state, year, notes]


@pytest.mark.parametrize("column, char", [("text", "\x1b"), ("notes", "\x00"), ("From", "\x7f"), ("text", "\x85")])
def test_a_row_with_a_control_character_is_rejected_with_its_line_and_character(package, tmp_path, column, char):
    bad = dict(zip(HEADER, row(notes="fine")))
    bad[column] = bad[column][:3] + char + bad[column][3:]
    path = upr_file(tmp_path / "upr", [row(), list(bad.values()), row("88.2. Protect (France);", "France")])
    result = run_cli("import-upr", str(path), "--package-dir", str(package))
    assert result.returncode == 0, result.stderr
    assert "read 3 rows: kept 2, merged 0 exact duplicates, rejected 1" in result.stdout
    assert f"{path}:3: rejected: column {column} holds the control character U+{ord(char):04X} at character 4" in result.stderr
    for name in ("upr_recommendations", "upr_recommending_states"):
        text = (package / f"data/{name}.csv").read_text(encoding="utf-8")
        assert char not in text


@pytest.mark.parametrize("number, words", [
    ("8" * 5000, "has a part of 5000 digits"), ("88." + "1" * 5000, "has a part of 5000 digits"),
    ("0.1", "has paragraph 0")])
def test_a_paragraph_number_no_report_prints_rejects_the_row(package, tmp_path, number, words):
    """int() of 5000 digits raised "ValueError: Exceeds the limit (4300 digits)" and the import
    stopped without naming the file."""
    path = upr_file(tmp_path / "upr", [row(), row(f"{number} Ratify the Convention (Spain);")])
    result = run_cli("import-upr", str(path), "--package-dir", str(package))
    assert result.returncode == 0, result.stderr
    assert "read 2 rows: kept 1, merged 0 exact duplicates, rejected 1" in result.stdout
    assert f"{path}:3: rejected: the number " in result.stderr and words in result.stderr
    assert not EXCEPTION_NAME.search(result.stderr)


def test_a_year_int_cannot_read_is_named(package, tmp_path):
    path = upr_file(tmp_path / "upr", [row(year="2" * 5000)])
    stderr = refused(package, path)
    assert f"{path}:2: column year: '2222" in stderr and "is not a year" in stderr


@pytest.mark.parametrize("session", ["1²", "9" * 5000])
def test_a_session_int_cannot_read_is_named(package, tmp_path, session):
    path = upr_file(tmp_path / "upr", [row()], [["", "To", "To_COW", "Session"], ["1", "Tajikistan", "TAJ", session]])
    stderr = refused(package, path)
    assert f"{path.parent / 'sessions.csv'}:2: expected a row number" in stderr


def test_a_refusal_about_transforms_names_the_file(package, tmp_path):
    """Once said only "line 2: ..."."""
    path = upr_file(tmp_path / "upr", [row("88.1. Protect womenÕs rights (Spain);")])
    stderr = refused(package, path)
    assert f"{path}:2: the text needs a transform that text_transforms lacks" in stderr


def upr_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r").writerows([HEADER] + rows)
    return out.getvalue().encode("mac_roman")


@pytest.mark.parametrize("make, expected", [
    # An encoding none of whose text decodes as this source's.
    (lambda: upr_bytes([row()]).decode("mac_roman").encode("utf-16"), ":1: the file is UTF-16 (it starts with a byte order mark)"),
    (lambda: upr_bytes([row()]).decode("mac_roman").encode("utf-32"), ":1: the file is UTF-32"),
    (lambda: upr_bytes([row()]).decode("mac_roman").encode("utf-16-le"), ":1: the first line holds a NUL byte: a binary file"),
    (lambda: upr_bytes([row()]).decode("mac_roman").encode("cp500"), ":1: the header is"),  # EBCDIC
    # A binary file, whole or after a header.
    (lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, ":1: the header is"),
    (lambda: upr_bytes([row()]) + bytes(range(256)) * 40, ":3: 41 of 82 rows are unreadable"),
    # Another source's file.
    (lambda: b"country,year,value\rTajikistan,2011,3\r", ":1: the header is ['country', 'year', 'value']"),
])
def test_a_file_that_is_not_this_source_is_refused_with_its_line(package, tmp_path, make, expected):
    """The import refuses a file only when it is not this source at all: never for the few cells
    of a year it cannot decide (issue 17)."""
    path = upr_file(tmp_path / "upr", [row()])
    path.write_bytes(make())
    stderr = refused(package, path)
    assert f"{path}{expected}" in stderr, stderr


def test_a_few_damaged_rows_are_rejected_not_the_file(package, tmp_path):
    path = upr_file(tmp_path / "upr", [row(), row("88.2. Protect (France);", "France"), ["88.3 Adopt \x00", "Tajikistan"]])
    result = run_cli("import-upr", str(path), "--package-dir", str(package))
    assert result.returncode == 0, result.stderr
    assert "read 3 rows: kept 2, merged 0 exact duplicates, rejected 1" in result.stdout


def test_one_recommendation_printed_20000_times_reads_in_linear_time(repo, tmp_path):
    """Each row was compared with every distinct row of its recommendation before it (21-44 s)."""
    states = ["Spain", "France", "Italy", "Brazil", "Chad"]
    path = upr_file(tmp_path / "upr", [row(state=states[i % 5], notes=f"note {i}") for i in range(20000)])
    started = time.process_time()  # CPU time: a loaded machine does not inflate it
    item = UprImporter(repo).read(path)
    counts = item.counts
    assert time.process_time() - started < 15
    assert counts["kept"] == 20000 and len(item.rows["upr_recommending_states"]) == 20000


def test_two_files_of_one_year_are_both_named(package, tmp_path):
    first, second = upr_file(tmp_path / "a", [row()]), upr_file(tmp_path / "b", [row()])
    stderr = refused(package, first, str(second))
    assert f"two files hold the same source upr-recommendations-2011 ({first} and {second})" in stderr
    xml = countries_xml()
    first, second = tmp_path / "a/countries.xml", tmp_path / "b/countries.xml"
    first.write_text(xml)
    second.write_text(xml)
    stderr = refused(package, first, str(second))
    assert f"two files hold the same source ilab-countries-2016 ({first} and {second})" in stderr


@pytest.mark.parametrize("command", ["import-upr", "import-ilab"])
def test_a_package_file_the_import_cannot_read_is_named_without_an_exception_name(package_copy, tmp_path, command):
    """Printed "rightsdata: error: ValueError: data/country_names.csv:3: ..."."""
    names = package_copy / "data/country_names.csv"
    lines = names.read_text(encoding="utf-8").split("\n")
    lines[2] += ","
    names.write_text("\n".join(lines), encoding="utf-8")
    path = upr_file(tmp_path / "upr", [row()]) if command == "import-upr" else tmp_path / "countries.xml"
    if command == "import-ilab":
        path.write_text(countries_xml())
    stderr = refused(package_copy, path)
    assert stderr.startswith("error: data/country_names.csv:3: too many cells")


def test_a_manifest_nested_too_deep_is_named(package, tmp_path):
    """json.loads recurses: printed "RecursionError: maximum recursion depth exceeded"."""
    path = upr_file(tmp_path / "upr", [row()])
    (path.parent / "MANIFEST.json").write_text("[" * 100_000 + "]" * 100_000)
    stderr = refused(package, path)
    assert f"{path.parent / 'MANIFEST.json'}: JSON nested too deep to read" in stderr


def test_an_indicator_the_import_does_not_know_is_named_not_skipped(package, tmp_path):
    """PATHS maps Enforcements/* as a whole; an indicator missing from ENFORCEMENT made no row, unsaid."""
    path = tmp_path / "countries.xml"
    path.write_text(countries_xml("<Enforcements>\n<Labor_Inspectors>12</Labor_Inspectors>\n"
                                  "<Labor_Drones>3</Labor_Drones>\n</Enforcements>\n"))
    result = run_cli("import-ilab", str(path), "--package-dir", str(package))
    assert result.returncode == 0, result.stderr
    assert f"warning: {path}:9: element Enforcements/Labor_Drones is none the import reads; it was not imported" in result.stderr
    assert "Labor_Inspectors" not in result.stderr
