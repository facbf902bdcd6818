"""The UPR importer: on small files written here (in the transcription's Mac Roman, with its
mangled text, CR line ends, duplicates and blank rows) and on the real files in ../shared/upr."""

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import assert_imports_twice_alike, copy_package, once_per_run, read_csv, run_cli, tree_digest
from rightsdata import tables
from rightsdata.importers.legacy_text import Transform, mangle, rebuild, rebuild_each, repair
from rightsdata.importers.upr import parse_number, states_in_text, text_states
from rightsdata.provenance import line_numbers

RESOURCES = ("upr_reviews", "upr_recommendations", "upr_recommending_states", "sources")
SESSIONS = [["", "To", "To_COW", "Session"], ["1", "Andorra", "AND", "10"], ["2", "Tajikistan", "TAJ", "12"]]


def csv_bytes(rows: list[list[str]], encoding: str = "mac_roman", newline: str = "\r") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator=newline).writerows(rows)
    return out.getvalue().encode(encoding)


# One review year as the transcription prints it: header, then text, to, decision, From, year, notes.
WOMEN = "Strengthen the protection of women’s rights and of “girls” in Côte d'Ivoire’s sense (Spain);"
FIXTURE = [
    ["text", "to", "decision", "From", "year", "notes"],
    ["88.1. Consider issuing a standing invitation to Special Procedures (Brazil);", "Tajikistan", "support", "Brazil", "2011", ""],
    ["88.1..1 Extend a standing invitation to all Special Procedures (Spain, Romania);", "Tajikistan", "support", "Spain", "2011", ""],
    ["88.1..1 Extend a standing invitation to all Special Procedures (Spain, Romania);", "Tajikistan", "support", "Romania", "2011", ""],
    ["88.1..1 Extend a standing invitation to all Special Procedures (Spain, Romania);", "Tajikistan", "support", "Romania", "2011", ""],
    ["", "", "", "", "", ""],
    ["88.2. " + mangle(WOMEN), "Tajikistan", "support", "Spain", "2011", ""],
    ["88.3. Ratify the Convention (Narnia);", "Tajikistan", "support", "Narnia", "2011", ""],
    ["90.1 Abolish the death penalty (Italy, France);", "Tajikistan", "noted", "Italy", "2011", "line one\r\nline two"],
    ["90.1 Abolish the death penalty (Italy, France);", "Tajikistan", "consider", "France", "2011", ""],
    ["83.14..1 Ratify the Convention on the Rights of Persons with Disabilities (Belgium);", "Andorra", "support", "Belgium", "2011", ""],
]


def write_fixture(directory: Path, rows=FIXTURE, name="upr_recommendations_2011.csv", **kw) -> Path:
    directory.mkdir(exist_ok=True)
    (directory / "sessions.csv").write_bytes(csv_bytes(SESSIONS, "utf-8", "\n"))
    path = directory / name
    path.write_bytes(csv_bytes(rows, **kw))
    return path


@pytest.fixture
def small(tmp_path, repo) -> Path:
    """A package without any imported rows, for imports from fixtures."""
    return copy_package(repo, tmp_path / "package", with_rules=True, with_imported=False)


def imported(package: Path, source_id: str) -> dict[str, list[dict[str, str]]]:
    return {name: [r for r in read_csv(package / f"data/{name}.csv") if r["source_id"] == source_id] for name in RESOURCES}


def test_fixture_import_counts_and_rows(small, tmp_path):
    path = write_fixture(tmp_path / "upr")
    result = run_cli("import-upr", str(path), "--package-dir", str(small))
    assert result.returncode == 0, result.stderr
    # 10 rows after the header: one blank (rejected), one exact repeat (merged), 8 kept.
    assert ("upr-recommendations-2011: read 10 rows: kept 8, merged 1 exact duplicates, rejected 1; 2 reviews, 6 recommendations"
            in result.stdout)
    assert f"{path}:6: rejected: blank row" in result.stderr
    assert "'Narnia' maps to no country" in result.stderr
    rows = imported(small, "upr-recommendations-2011")
    reviews = {r["review_id"]: r for r in rows["upr_reviews"]}
    assert reviews["TJK-2011"]["session"] == "12" and reviews["AND-2011"]["session"] == "10"
    assert reviews["TJK-2011"]["names_as_printed"] == "Tajikistan" and reviews["TJK-2011"]["cycle"] == "1"
    recs = {r["recommendation_id"]: r for r in rows["upr_recommendations"]}
    assert sorted(recs) == ["AND-2011-83.14.1", "TJK-2011-88.1", "TJK-2011-88.1.1", "TJK-2011-88.2", "TJK-2011-88.3", "TJK-2011-90.1"]
    assert recs["TJK-2011-88.1.1"]["number_as_printed"] == "88.1..1"
    assert recs["TJK-2011-88.2"]["text"] == "88.2. " + WOMEN  # the mangled text repaired exactly
    assert recs["TJK-2011-88.1.1"]["text_states"] == "ESP;ROU" and recs["TJK-2011-88.1.1"]["response"] == "supported"
    # Two rows of one recommendation code different responses: both kept, no code chosen.
    assert recs["TJK-2011-90.1"]["response_as_printed"] == "noted | consider" and recs["TJK-2011-90.1"]["response"] == ""
    states = [r for r in rows["upr_recommending_states"]]
    romania = next(r for r in states if r["state_as_printed"] == "Romania")
    assert romania["source_lines"] == "4-5" and romania["country"] == "ROU"
    narnia = next(r for r in states if r["state_as_printed"] == "Narnia")
    assert narnia["country"] == "" and narnia["recommendation_id"] == "TJK-2011-88.3"
    italy = next(r for r in states if r["state_as_printed"] == "Italy")
    assert italy["notes"] == "line one\nline two" and italy["cells_transform"] == "mac_roman_crlf"
    women = next(r for r in states if r["recommendation_id"] == "TJK-2011-88.2")
    assert women["text_transform"] == "mac_roman_repaired_once" and women["cells_transform"] == "mac_roman"


def test_fixture_import_is_idempotent_and_validates(small, tmp_path):
    path = write_fixture(tmp_path / "upr")
    assert_imports_twice_alike("import-upr", path, small)
    result = run_cli("validate", str(small / "datapackage.json"), "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    # The imported rows fit their schemas and keys (the report's links into the real TJK-2011
    # review, which the fixture replaced, are broken: that is expected here).
    wrote = {"upr_reviews", "upr_recommendations", "upr_recommending_states", "sources"}
    assert [f for f in findings if f["rule"].startswith("schema/") and f["resource"] in wrote] == []
    assert [f["value"] for f in findings if f["rule"] == "upr-state-unmapped"] == ["Narnia"]


@pytest.mark.parametrize("rows, encoding, expected", [
    ([["text", "to", "decision", "From", "year", "notes"], ["1.1 Do (Chad);", "Atlantis", "support", "Chad", "2011", ""]],
     "mac_roman", "the state under review 'Atlantis' maps to no country"),
    ([["text", "to", "decision", "From"], ["1.1 Do (Chad);", "Andorra", "support", "Chad"]],
     "mac_roman", "is this a UPR recommendations file?"),
    ([["text", "to", "decision", "From", "year", "notes"], ["1.1 Do (Chad);", "Andorra", "support", "Chad", "20ll", ""]],
     "mac_roman", "column year: '20ll' is not a year"),
    ([["text", "to", "decision", "From", "year", "notes"],
      ["1.1 Protect " + mangle("women’s") + " rights (Chad);", "Andorra", "support", "Chad", "2011", ""]],
     "utf-8", "needs a transform that text_transforms lacks"),
])
def test_bad_input_is_named_and_nothing_is_written(small, tmp_path, rows, encoding, expected):
    before = tree_digest(small / "data")
    path = write_fixture(tmp_path / "upr", rows, encoding=encoding)
    result = run_cli("import-upr", str(path), "--package-dir", str(small))
    assert result.returncode == 2
    assert expected in result.stderr and "nothing was written" in result.stderr
    assert str(path) in result.stderr or "line 2" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(small / "data") == before


def unknown_lines(stderr: str, path: Path) -> dict[str, str]:
    """The error's lines naming an unknown spelling: spelling -> its line."""
    found = re.findall(rf"^{re.escape(str(path))}:(\d+): the [a-z ]+ '([^']*)' maps to no country in country_names \((.*)\)$",
                       stderr, flags=re.MULTILINE)
    assert len({name for _, name, _ in found}) == len(found), found  # each spelling listed once
    return {name: (line, hint) for line, name, hint in found}


def test_every_unknown_state_under_review_is_listed_at_once_and_nothing_is_written(small, tmp_path):
    """Three spellings no row of country_names has (one printed twice): one error lists them all,
    each at its first line with the closest known names, and says how to fix it."""
    rows = [FIXTURE[0],
            ["88.1. Do (Chad);", "Tajikistan", "support", "Chad", "2011", ""],
            ["88.2. Do (Chad);", "Tadjikistan", "support", "Chad", "2011", ""],
            ["88.3. Do (Chad);", "Andora", "support", "Chad", "2011", ""],
            ["88.4. Do (Chad);", "Tadjikistan", "support", "Chad", "2011", ""],
            ["88.5. Do (Chad);", "Narnia", "support", "Chad", "2011", ""]]
    path = write_fixture(tmp_path / "upr", rows)
    before = tree_digest(small / "data")
    result = run_cli("import-upr", str(path), "--package-dir", str(small))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"error: {path}: 3 spellings of the state under review map to no country:" in result.stderr
    listed = unknown_lines(result.stderr, path)
    assert {name: line for name, (line, _) in listed.items()} == {"Tadjikistan": "3", "Andora": "4", "Narnia": "6"}
    assert listed["Tadjikistan"][1].startswith("closest known names: 'Tajikistan' (TJK)")
    assert listed["Andora"][1].startswith("closest known names: 'Andorra' (AND)")
    assert "add each to data/country_names.csv" in result.stderr and "rightsdata-codes" in result.stderr
    assert "nothing was written" in result.stderr
    assert tree_digest(small / "data") == before


def test_every_unknown_state_of_sessions_csv_is_listed_at_once(small, tmp_path):
    path = write_fixture(tmp_path / "upr")
    sessions = path.parent / "sessions.csv"
    sessions.write_bytes(csv_bytes(SESSIONS + [["3", "Tajikstan", "TAJ", "12"], ["4", "Chad", "CHA", "6"],
                                               ["5", "Bosnia & Herzegowina", "BOS", "7"]], "utf-8", "\n"))
    before = tree_digest(small / "data")
    result = run_cli("import-upr", str(path), "--package-dir", str(small))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"error: {sessions}: 2 spellings of the state map to no country:" in result.stderr
    listed = unknown_lines(result.stderr, sessions)
    assert {name: line for name, (line, _) in listed.items()} == {"Tajikstan": "4", "Bosnia & Herzegowina": "6"}
    assert "'Bosnia & Herzegovina' (BIH)" in listed["Bosnia & Herzegowina"][1]
    assert tree_digest(small / "data") == before


def test_a_cell_no_reading_decides_is_imported_flagged_and_counted(small, tmp_path):
    """Once refused the whole file ("cannot decode the text with confidence")."""
    rows = [FIXTURE[0], ["1.1 Do ΩΩ≈√ (Chad);", "Andorra", "support", "Chad", "2011", ""]]
    path = write_fixture(tmp_path / "upr", rows)
    result = run_cli("import-upr", str(path), "--package-dir", str(small))
    assert result.returncode == 0, result.stderr
    assert "read 1 rows: kept 1, merged 0 exact duplicates, rejected 0; 1 reviews, 1 recommendations; " \
           "1 cells kept as decoded, undecided" in result.stdout
    assert f"{path}:2: column text: kept as decoded, no reading decided for 'ΩΩ≈√'" in result.stderr
    rows = imported(small, "upr-recommendations-2011")
    assert rows["upr_recommendations"][0]["text"] == "1.1 Do ΩΩ≈√ (Chad);"
    assert rows["upr_recommending_states"][0]["undecided"] == "text"


def test_two_files_of_one_year_are_refused(small, tmp_path):
    first = write_fixture(tmp_path / "a")
    second = write_fixture(tmp_path / "b")
    result = run_cli("import-upr", str(first), str(second), "--package-dir", str(small))
    assert result.returncode == 2 and "two files hold the same source upr-recommendations-2011" in result.stderr


@pytest.mark.parametrize("printed, number, as_printed, note", [
    ("88.1. Consider", "88.1", "88.1.", None),
    ("88.1..1 Extend", "88.1.1", "88.1..1", None),
    ("106.6...2 Adopt", "106.6.2", "106.6...2", None),
    ("61 18. Ratify", "61.18", "61 18.", "printed with a space between its numbers"),
    ("106.40..1 106.41. Consider", "106.40.1", "106.40..1", "printed with a second number after it (106.41.); the first is taken"),
    ("88 Ratify", "88", "88", "printed without a sub-number"),
])
def test_parse_number(printed, number, as_printed, note):
    assert parse_number(printed) == (as_printed, number, note)


def test_states_in_text_reads_the_closing_parentheses():
    assert states_in_text("Ratify it (Iran (Islamic Republic of), Spain). );") == "Iran (Islamic Republic of), Spain"
    assert states_in_text("No states here.") is None


def test_text_states_maps_names_and_keeps_the_rest(repo):
    from rightsdata.countries import CountryNames

    codes, unmapped = text_states("Bosnia and Herzegovina, Brazil and Norway; the Netherlands, Venezuela, "
                                  "Bolivarian Republic of, Narnia", CountryNames(repo))
    assert codes == ["BIH", "BRA", "NOR", "NLD", "VEN"] and unmapped == ["Narnia"]


# --- legacy_text: repairs that can always be undone ------------------------------------------------------

WORDS = ["women’s", "Côte", "d’Ivoire", "Defensoría", "naïve", "São", "Malé", "Curaçao", "“girls”", "–", "Gnassingbé", "rights", "État"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8), st.integers(0, 2))
def test_mangled_text_is_repaired_exactly(words, depth):
    text = " ".join(words)
    cell = text
    try:
        for _ in range(depth):
            cell = mangle(cell)
        cell.encode("mac_roman")
    except UnicodeError:
        assume(False)  # no Mac Roman file can hold this cell ("Curaçao" has no Windows-1252 reading)
    repaired = repair(cell, "mac_roman", depth)
    assert repaired.text == text and repaired.undecided == ()
    assert rebuild(repaired.text, repaired.transform, repaired.depths) == cell.encode("mac_roman")
# (Cells of mixed depths, and any cell at all, are round-tripped in test_legacy_text.py.)


# --- the real files in ../shared/upr -------------------------------------------------------------------

def shared_files(shared: Path) -> list[Path]:
    files = sorted((shared / "upr").glob("upr_recommendations_*.csv"))
    if not files:
        pytest.skip(f"no upr_recommendations_*.csv in {shared / 'upr'}")
    return files


@pytest.fixture(scope="session")
def reimported(shared, repo, tmp_path_factory) -> Path:
    """The package with the UPR files imported again from ../shared, once for every worker of the
    run (11 s): tests only read it."""
    def build(root: Path) -> None:
        target = copy_package(repo, root / "package", with_rules=False, with_imported=True)
        result = run_cli("import-upr", *map(str, shared_files(shared)), "--package-dir", str(target))
        assert result.returncode == 0, result.stderr
        target.joinpath("import.out").write_text(result.stdout)
    return once_per_run(tmp_path_factory, "upr-reimported", build) / "package"


@pytest.mark.slow
def test_committed_upr_rows_are_what_the_import_writes(reimported, repo):
    for name in RESOURCES:
        assert (reimported / f"data/{name}.csv").read_bytes() == (repo / f"data/{name}.csv").read_bytes(), name


def test_every_source_row_is_accounted_for(reimported, shared):
    out = reimported.joinpath("import.out").read_text()
    states: dict[str, list[dict[str, str]]] = {}  # by source (each file's rows, not every row looked at for each file)
    for r in read_csv(reimported / "data/upr_recommending_states.csv"):
        states.setdefault(r["source_id"], []).append(r)
    for path in shared_files(shared):
        data = path.read_bytes()
        text = data.decode("utf-8") if data.isascii() or _utf8(data) else data.decode("mac_roman")
        lines = _record_lines(text)
        year = Counter(row[4] for _, row in lines if len(row) > 4).most_common(1)[0][0]
        source_id = f"upr-recommendations-{year}"
        cited = Counter(n for r in states[source_id] for n in line_numbers(r["source_lines"]))
        assert max(cited.values()) == 1, f"{path.name}: a line cited twice"
        blank = {first for first, row in lines if not any(c.strip() for c in row)}
        for first, _row in lines:
            assert (first in cited) != (first in blank), f"{path.name}:{first}: cited {first in cited}, blank {first in blank}"
        stated = next(line for line in out.splitlines() if line.startswith(source_id + ":"))
        counted = re.findall(r"read (\d+) rows: kept (\d+), merged (\d+) exact duplicates, rejected (\d+)", stated)[0]
        read, kept, merged, rejected = (int(x) for x in counted)
        assert read == len(lines) == kept + merged + rejected
        assert kept == len(states[source_id])


def test_every_cell_rebuilds_the_source_bytes(repo, shared):
    """Each states row, through its transforms, gives back the bytes of its source row's cells."""
    transforms = {r["code"]: Transform.from_row(r) for r in tables.read_rows(repo, "text_transforms")}
    recs = {r["recommendation_id"]: r for r in read_csv(repo / "data/upr_recommendations.csv")}
    states: dict[str, list[dict[str, str]]] = {}
    for r in read_csv(repo / "data/upr_recommending_states.csv"):
        states.setdefault(r["source_id"], []).append(r)
    checked = 0
    for path in shared_files(shared):
        data = path.read_bytes()
        encoding = "utf-8" if _utf8(data) else "mac_roman"
        source_rows = {first: row for first, row in _record_lines(data.decode(encoding))}
        year = Counter(row[4] for row in source_rows.values() if len(row) > 4).most_common(1)[0][0]
        for r in states[f"upr-recommendations-{year}"]:
            for first in _first_lines(r["source_lines"], source_rows):
                row = source_rows[first]
                text_t, cells_t = transforms[r["text_transform"]], transforms[r["cells_transform"]]
                text_depths, cells_depths = (tuple(int(d) for d in r[k].split(";") if d) for k in ("text_repairs", "cells_repairs"))
                assert rebuild(recs[r["recommendation_id"]]["text"], text_t, text_depths) == row[0].encode(encoding), (path.name, first)
                cells = [row[3], row[2], row[5] if len(row) > 5 else ""]
                rebuilt = rebuild_each([r["state_as_printed"], r["response_as_printed"], r["notes"]], cells_t, cells_depths)
                for value, cell in zip(rebuilt, cells):
                    expected = cell.encode(encoding)
                    if cells_t.line_breaks_mixed:  # which breaks were LF is not recorded
                        expected = expected.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                    assert value == expected, (path.name, first, cell)
                checked += 1
    assert checked > 30000


def test_the_tajikistan_report_answers_the_review_it_cites(repo):
    """Every recommendation the report cites is a row of the transcription's TJK-2011 review,
    with its text, recommending states and response."""
    links = [r for r in read_csv(repo / "data/upr_section_recommendations.csv") if r["recommendation_id"]]
    recs = {r["recommendation_id"]: r for r in read_csv(repo / "data/upr_recommendations.csv")}
    states = Counter(r["recommendation_id"] for r in read_csv(repo / "data/upr_recommending_states.csv"))
    assert len(links) == 90
    for link in links:
        rec = recs[link["recommendation_id"]]
        assert rec["review_id"] == "TJK-2011" and rec["number"] == link["reference"]
        assert rec["text"] and rec["response"] and states[rec["recommendation_id"]] >= 1


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _record_lines(text: str) -> list[tuple[int, list[str]]]:
    """Each record of a source file with the line it starts on. Deliberately not the importer's
    reader: an independent oracle of which source line each imported row cites."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    out, last = [], reader.line_num
    for row in reader:
        out.append((last + 1, row))
        last = reader.line_num
    return out


def _first_lines(lines: str, source_rows: dict) -> list[int]:
    return [n for n in line_numbers(lines) if n in source_rows]
