"""The UPR Info importer (`rightsdata import-uprinfo`): on small exports written here byte by byte
(UTF-8 with a BOM, CR LF, `;`, every quirk of the real export), on bad input, on random texts
(hypothesis), and on the real files in ../shared/uprinfo (every row accounted for, every cell as
printed or reversibly repaired, a re-import byte-identical)."""

import csv
import functools
import hashlib
import io
import json
import random
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import REPO, assert_imports_twice_alike, copy_package, once_per_repo, once_per_run, read_csv, run_cli, tree_digest
from rightsdata import tables
from rightsdata.cells import csv_text
from rightsdata.importers.legacy_text import Transform, rebuild
from rightsdata.provenance import line_numbers

FIXTURES = Path(__file__).parent / "fixtures" / "uprinfo"
YEARS = FIXTURES / "session_years_small.csv"
HEADER = ["SuR", "Rgrp", "Org", "Recommendation", "RS", "Rgrp", "Org", "Response", "Action", "Issue", "Session"]
RESOURCES = ("upr_reviews", "upr_recommendations", "upr_recommending_states", "upr_recommendation_issues")
UNKNOWN = "&#40;Unknown&#41;"
TJK = ["Tajikistan", "Asia", "OIC"]
GUARANI = "Promote the use of the Guaraní language in schools"

# One export as UPR Info writes it; the comment gives each record's line(s) in the file.
ROWS = [
    TJK + ["Ratify the Optional Protocol to the Convention against Torture  ", "Brazil", "GRULAC", "OAS", "Supported", "5",
           "Torture and other CID treatment,International instruments", "12"],  # 2: trailing spaces
    TJK + ["Protect the rights of women:\r\nadopt a law on domestic violence", "Spain", "WEOG", "EU", "Supported", "4",
           "Women's rights", "12"],  # 3-4: a line break inside the quoted text
    TJK + ["Strengthen the national human rights institution", "Bosnia and Herzegovina\r\n", "EEG", "OSCE", "Noted", "3",
           "National Human Rights Institution", "12"],  # 5-6: a state cell with CR LF inside quotes
    TJK + ["Consider abolishing the death penalty", UNKNOWN, UNKNOWN, UNKNOWN, "Noted", "3", "Death penalty", "12"],  # 7
    ["Paraguay", "GRULAC", "OAS", GUARANI.replace("í", "Ã\xad"), "Holy See", "Observer", "", "Supported", "4",
     "Right to education,Indigenous peoples", "10"],  # 8: mangled (GuaranÃ­), an Observer state
    TJK + ["Enact the media law", "Norway", "WEOG", "", "Supported", "5", "Freedom of the press", ""],  # 9: no session
    TJK + ["Continue its cooperation with the treaty bodies", "State of Palestine", "Observer", "OIC", "Supported", "2",
           "", "27"],  # 10: no issues (as in session 27)
    TJK + ["Adopt a national action plan on human rights", "France", "WEOG", "EU", "Supported", "4", "General", "12"],  # 11
    TJK + ["Adopt a national action plan on human rights", "Germany", "WEOG", "EU", "Supported", "4", "General", "12"],  # 12
    TJK + ["Invite the Special Rapporteur on torture", "Chile", "GRULAC", "OAS", "Supported", "4", "Special procedures",
           "12"],  # 13
    TJK + ["Invite the Special Rapporteur on torture", "Mexico", "GRULAC", "OAS", "Noted", "4", "Special procedures",
           "12"],  # 14: the same text, another response: another recommendation
    TJK + ["Adopt a national action plan on human rights", "France", "WEOG", "EU", "Supported", "4", "General", "12"],  # 15
]
SOURCE = "upr-info-sessions-10-27"


def export_bytes(rows: list[list[str]], header: list[str] = HEADER, delimiter: str = ";", bom: bool = True,
                 encoding: str = "utf-8") -> bytes:
    """An export as UPR Info's: UTF-8 with a byte-order mark, `;`, CR LF, quotes only where needed."""
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    return (("\ufeff" if bom else "") + out.getvalue()).encode(encoding)


def write_export(directory: Path, rows=ROWS, name="10-27-test-export.csv", years: bool = True, **kw) -> Path:
    directory.mkdir(exist_ok=True)
    if years:
        shutil.copy(YEARS, directory / "upr_sessions_years.csv")  # where the importer looks by default
    path = directory / name
    path.write_bytes(export_bytes(rows, **kw) if isinstance(rows, list) else rows)
    return path


def small_copy(repo: Path, target: Path) -> Path:
    """The package without any imported rows, for imports from fixtures: without UPR Info's rows
    of Tajikistan's review either, which the small package keeps, since a fixture export of the
    same review would give it twice (the import refuses that). Filtered once for the run, then
    copied: each test gets a copy of its own."""
    def build(root: Path) -> None:
        package = copy_package(repo, root / "package", with_rules=False, with_imported=False)
        for path in (package / "data").glob("*.csv"):
            with open(path, encoding="utf-8", newline="") as f:
                header, *rows = list(csv.reader(f))
            if "source_id" in header:
                kept = [r for r in rows if not r[header.index("source_id")].startswith("upr-info-sessions-")]
                if len(kept) != len(rows):
                    path.write_text(csv_text(header, kept), encoding="utf-8", newline="")

    return Path(shutil.copytree(once_per_repo(repo, "uprinfo-small", build) / "package", target))


@pytest.fixture
def small(tmp_path, repo) -> Path:
    return small_copy(repo, tmp_path / "package")


def imported(package: Path, source_id: str = SOURCE) -> dict[str, list[dict[str, str]]]:
    return {name: [r for r in read_csv(package / f"data/{name}.csv") if r["source_id"] == source_id] for name in RESOURCES}


def digest10(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


# --- 1. a small export with every quirk of the real one ---------------------------------------------------

def test_fixture_export_rows_ids_and_counts(small, tmp_path):
    path = write_export(tmp_path / "uprinfo")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfSuR;Rgrp;Org;Recommendation;RS;Rgrp;Org;") and b"\r\n" in path.read_bytes()
    result = run_cli("import-uprinfo", str(path), "--package-dir", str(small))
    assert result.returncode == 0, result.stderr
    # 12 records: one without a session (rejected), one printed twice exactly (merged), 10 kept.
    assert (f"{SOURCE}: read 12 rows: kept 10, merged 1 exact duplicates, rejected 1; 3 reviews, 9 recommendations; "
            "1 texts repaired, 0 kept as printed, undecided") in result.stdout
    read, kept, merged, rejected = map(int, re.search(r"read (\d+) rows: kept (\d+), merged (\d+) exact duplicates, "
                                                      r"rejected (\d+)", result.stdout).groups())
    assert read == kept + merged + rejected
    assert re.search(rf"{re.escape(str(path))}:9: rejected: column Session is '', not a session number.*'Tajikistan'",
                     result.stderr)

    rows = imported(small)
    reviews = {r["review_id"]: r for r in rows["upr_reviews"]}
    assert sorted(reviews) == ["PRY-s10", "TJK-s12", "TJK-s27"]
    assert all(re.fullmatch(r"[A-Z]{3}-s[0-9]+", r) for r in reviews)
    assert (reviews["TJK-s12"]["year"], reviews["TJK-s12"]["cycle"], reviews["TJK-s12"]["session"]) == ("2011", "1", "12")
    assert (reviews["TJK-s27"]["year"], reviews["TJK-s27"]["cycle"]) == ("2017", "3")
    assert reviews["TJK-s12"]["regional_group"] == "Asia" and reviews["TJK-s12"]["organisations"] == "OIC"
    assert reviews["TJK-s12"]["source_lines"] == "2-7;11-15"  # every line of its rows (8 is Paraguay's, 9 rejected, 10 session 27)

    recs = {r["recommendation_id"]: r for r in rows["upr_recommendations"]}
    assert len(recs) == 9 and all(re.fullmatch(r"[A-Z]{3}-s[0-9]+-[0-9a-f]{10}(~[0-9]+)?", r) for r in recs)
    by_text = {}
    for r in recs.values():
        by_text.setdefault(r["text"], []).append(r)
    # Trailing spaces kept in text, normalised beside it.
    torture = by_text["Ratify the Optional Protocol to the Convention against Torture  "][0]
    assert torture["text_normalised"] == "Ratify the Optional Protocol to the Convention against Torture"
    assert torture["recommendation_id"] == "TJK-s12-" + digest10(ROWS[0][3])  # the text as printed, hashed
    assert torture["response"] == "supported" and torture["action_category"] == "5"
    # The line break inside the text: kept, written LF.
    women = by_text["Protect the rights of women:\nadopt a law on domestic violence"][0]
    assert women["source_lines"] == "3-4" and women["text_normalised"] == "Protect the rights of women: adopt a law on domestic violence"
    # The mangled text repaired by ftfy, its id the hash of the text as printed.
    guarani = by_text[GUARANI][0]
    assert guarani["review_id"] == "PRY-s10" and guarani["recommendation_id"] == "PRY-s10-" + digest10(ROWS[4][3])
    # No issues: no issue rows, issues_as_printed empty.
    coop = by_text["Continue its cooperation with the treaty bodies"][0]
    assert coop["review_id"] == "TJK-s27" and coop["issues_as_printed"] == ""
    # The same text twice with another response: two recommendations, the second ~2.
    invite = sorted(by_text["Invite the Special Rapporteur on torture"], key=lambda r: r["occurrence"])
    assert [r["response_as_printed"] for r in invite] == ["Supported", "Noted"]
    assert invite[1]["recommendation_id"] == invite[0]["recommendation_id"] + "~2" and invite[1]["occurrence"] == "2"
    assert [r["response"] for r in invite] == ["supported", "noted"]

    states = rows["upr_recommending_states"]
    assert len(states) == kept == 10
    by_state = {r["state_as_printed"]: r for r in states}
    # A recommendation of two states: one recommendation, two state rows; the exact repeat merged, both lines cited.
    plan = by_text["Adopt a national action plan on human rights"]
    assert len(plan) == 1
    assert [(r["state_as_printed"], r["position"], r["source_lines"]) for r in states
            if r["recommendation_id"] == plan[0]["recommendation_id"]] == [("France", "1", "11;15"), ("Germany", "2", "12")]
    assert plan[0]["source_lines"] == "11-12;15"
    assert by_state[UNKNOWN]["country"] == "" and by_state[UNKNOWN]["regional_group"] == UNKNOWN
    assert by_state["Holy See"]["country"] == "VAT" and by_state["Holy See"]["regional_group"] == "Observer"
    assert by_state["Holy See"]["organisations"] == ""
    assert by_state["State of Palestine"]["country"] == "PSE" and by_state["State of Palestine"]["regional_group"] == "Observer"
    bosnia = by_state["Bosnia and Herzegovina\n"]  # the CR LF inside the state cell written LF, and recorded
    assert bosnia["country"] == "BIH" and bosnia["cells_transform"] == "utf8_crlf" and bosnia["source_lines"] == "5-6"
    assert by_state["Spain"]["text_transform"] == "utf8_crlf" and by_state["Spain"]["cells_transform"] == "utf8"
    assert by_state["Holy See"]["text_transform"] == "utf8_repaired" and by_state["Holy See"]["text_repairs"] == ""
    assert by_state["Brazil"]["text_transform"] == "utf8" and by_state["Brazil"]["cells_transform"] == "utf8"
    assert "Norway" not in by_state

    issues = rows["upr_recommendation_issues"]
    assert sorted((r["position"], r["issue"]) for r in issues if r["recommendation_id"] == torture["recommendation_id"]) == [
        ("1", "torture_and_other_cid_treatment"), ("2", "international_instruments")]
    assert not [r for r in issues if r["recommendation_id"] == coop["recommendation_id"]]
    assert len(issues) == 10  # 2 + 1 + 1 + 1 + 2 + 0 + 1 + 1 + 1


def test_fixture_import_is_idempotent_and_the_texts_rebuild_the_file(small, tmp_path):
    path = write_export(tmp_path / "uprinfo")
    assert_imports_twice_alike("import-uprinfo", path, small)
    checked = check_cells(small, path)
    assert checked == 11  # every record but the rejected one, the merged repeat checked too


def test_the_id_does_not_depend_on_the_order_of_the_export(small, tmp_path):
    kept = [r for r in ROWS if r[10]]
    ids = []
    for n, rows in enumerate([kept, kept[::-1]]):
        path = write_export(tmp_path / f"uprinfo{n}", rows)
        result = run_cli("import-uprinfo", str(path), "--package-dir", str(small))
        assert result.returncode == 0, result.stderr
        ids.append({(r["recommendation_id"], r["text"]) for r in imported(small)["upr_recommendations"]})
    # The two "Invite" recommendations swap ~2 with the order (the one printed first is the first): every other id is the same.
    invite = "Invite the Special Rapporteur on torture"
    assert {i for i in ids[0] if i[1] != invite} == {i for i in ids[1] if i[1] != invite}
    assert {i[0] for i in ids[0]} == {i[0] for i in ids[1]} and len(ids[0]) == 9


def test_quirks_a_later_export_may_have(small, tmp_path):
    """An issue printed twice in a row, a response that upr_responses does not print: imported,
    each said, nothing lost."""
    rows = [TJK + ["Do it", "Chad", "Africa", "", "Supported", "4", "General,Justice,General", "12"],
            TJK + ["Do that", "Chad", "Africa", "", "Supported/Noted", "4", "Justice", "12"]]
    path = write_export(tmp_path / "uprinfo", rows)
    result = run_cli("import-uprinfo", str(path), "--package-dir", str(small))
    assert result.returncode == 0, result.stderr
    assert f"{path}:2: column Issue: 'General,Justice,General' prints an issue twice" in result.stderr
    assert f"{path}:3: column Response: 'Supported/Noted' is not how upr_responses prints a response" in result.stderr
    rows = imported(small, "upr-info-sessions-12-12")
    assert [r["review_id"] for r in rows["upr_reviews"]] == ["TJK-s12"]
    recs = {r["text"]: r for r in rows["upr_recommendations"]}
    assert recs["Do it"]["issues_as_printed"] == "General,Justice,General"
    assert sorted((r["position"], r["issue"]) for r in rows["upr_recommendation_issues"]
                  if r["recommendation_id"] == recs["Do it"]["recommendation_id"]) == [("1", "general"), ("2", "justice")]
    assert (recs["Do that"]["response_as_printed"], recs["Do that"]["response"]) == ("Supported/Noted", "")
    assert check_cells(small, path) == 2


def test_a_session_printed_with_spaces_is_read(small, tmp_path):
    """Once "no row names a session" (the file's sessions were read unstripped, its rows stripped).
    The spaces themselves are not kept (upr_reviews.session is a number)."""
    path = write_export(tmp_path / "uprinfo", [TJK + ["Do it", "Chad", "Africa", "", "Supported", "4", "General", " 12 "]])
    result = run_cli("import-uprinfo", str(path), "--package-dir", str(small))
    assert result.returncode == 0, result.stderr
    assert [r["review_id"] for r in imported(small, "upr-info-sessions-12-12")["upr_reviews"]] == ["TJK-s12"]


def test_a_bare_lf_beside_a_cr_lf_is_not_rebuilt_as_cr_lf(small, tmp_path):
    """The other cells share one CR LF flag: a state under review printed with LF beside a
    recommending state printed with CR LF is mixed. Either the package records it as mixed, or,
    while text_transforms has no such UTF-8 transform, the import stops naming the line; never
    is the LF written back as CR LF without a word (it was, silently)."""
    rows = [["Bosnia and Herzegovina\n", "EEG", "OSCE", "Do it", "Trinidad and Tobago\r\n", "GRULAC", "", "Supported", "4",
             "General", "12"]]
    path = write_export(tmp_path / "uprinfo", rows)
    before = tree_digest(small)
    result = run_cli("import-uprinfo", str(path), "--package-dir", str(small))
    if result.returncode == 0:
        transforms = {r["code"]: Transform.from_row(r) for r in tables.read_rows(small, "text_transforms")}
        assert transforms[imported(small, "upr-info-sessions-12-12")["upr_recommending_states"][0]["cells_transform"]].line_breaks_mixed
    else:
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert f"{path}:2: the text needs a transform that text_transforms lacks" in result.stderr
        assert "line_breaks_mixed=True" in result.stderr and tree_digest(small) == before


# --- 2. the real files -------------------------------------------------------------------------------------

def shared_exports(shared: Path) -> list[Path]:
    files = sorted((shared / "uprinfo").glob("*-UPR-INFO-DATABASE-EXPORT-*.csv"))
    if not files:
        pytest.skip(f"no *-UPR-INFO-DATABASE-EXPORT-*.csv in {shared / 'uprinfo'}: the UPR Info export is not here")
    return files


def records(data: bytes) -> list[tuple[int, int, list[str]]]:
    """Each record of an export with its first and last line. Deliberately not the importer's
    reader (importers.uprinfo.read_rows): the csv module on the decoded file, an independent
    oracle of which lines each imported row must cite and what its cells hold."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";")
    assert next(reader) == HEADER
    out, last = [], reader.line_num
    for row in reader:
        out.append((last + 1, reader.line_num, row))
        last = reader.line_num
    return out


def source_of(package: Path, path: Path) -> str:
    """The source id the package gives a file, found by the file's SHA-256 (not by its name)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    found = [r["source_id"] for r in read_csv(package / "data/sources.csv") if r["sha256"] == digest]
    assert len(found) == 1, (path.name, found)
    return found[0]


class Package:
    """The UPR Info rows of a package, by source: read once per package and test."""

    def __init__(self, package: Path):
        with tables.reading_once():  # (the descriptor read once for both tables, not once each)
            self.transforms = {r["code"]: Transform.from_row(r) for r in tables.read_rows(package, "text_transforms")}
            self.reviews = {(r["review_id"], r["source_id"]): r for r in tables.read_rows(package, "upr_reviews")
                            if r["source_id"].startswith("upr-info-")}
        self.recs = {(r["recommendation_id"], r["source_id"]): r for r in upr_info_rows(package / "data/upr_recommendations.csv")}
        self.states = upr_info_rows(package / "data/upr_recommending_states.csv")
        self.states_of: dict[str, list[dict[str, str]]] = {}  # by source
        for r in self.states:
            self.states_of.setdefault(r["source_id"], []).append(r)


def upr_info_rows(path: Path) -> list[dict[str, str]]:
    """The rows of UPR Info's sources in a file, by column name (a dict made for those rows alone:
    read_csv made one for each of the transcription's rows too, half the time of reading them)."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        source = header.index("source_id")
        return [dict(zip(header, r)) for r in reader if r and r[source].startswith("upr-info-")]


def check_cells(package: Path, path: Path, loaded: Package | None = None, recs: list | None = None) -> int:
    """Every cell of every record the package keeps, rebuilt from the package, is the cell the csv
    module reads from the file: the text through legacy_text.rebuild with the row's transform and
    repairs, the other cells through their CR LF flag. Returns the number of records checked."""
    p = loaded or Package(package)
    source_id = source_of(package, path)
    by_first = {first: cells for first, _, cells in (recs if recs is not None else records(path.read_bytes()))}
    checked = 0
    for s in p.states_of.get(source_id, []):
        rec = p.recs[(s["recommendation_id"], source_id)]
        review = p.reviews[(rec["review_id"], source_id)]
        text_t, cells_t = p.transforms[s["text_transform"]], p.transforms[s["cells_transform"]]
        depths = tuple(int(d) for d in s["text_repairs"].split(";") if d)

        def cell(value: str | None, crlf: bool = cells_t.crlf_to_lf) -> str:
            value = "" if value is None else str(value)
            return value.replace("\n", "\r\n") if crlf else value

        firsts = [n for n in line_numbers(s["source_lines"]) if n in by_first]
        assert firsts, (path.name, s)
        for first in firsts:
            printed = by_first[first]
            where = (path.name, first)
            assert rebuild(rec["text"], text_t, depths) == printed[3].encode("utf-8"), where
            assert [cell(s["state_as_printed"]), cell(s["regional_group"]), cell(s["organisations"]),
                    cell(s["response_as_printed"])] == printed[4:8], where
            assert [cell(rec["response_as_printed"]), rec["action_category"], cell(rec["issues_as_printed"])] == printed[7:10], where
            assert str(review["session"]) == printed[10], where
            assert printed[0] in [cell(n) for n in review["names_as_printed"]], where
            assert printed[1] in cell(review["regional_group"]).split(" | "), where
            assert printed[2] in cell(review["organisations"]).split(" | "), where
            checked += 1
    return checked


@pytest.fixture(scope="module")
def committed() -> Package:
    """The UPR Info rows of the repository's data/, as committed (not imported again)."""
    return Package(REPO)


@pytest.fixture(scope="module")
def exports(shared) -> dict[Path, list[tuple[int, int, list[str]]]]:
    """Each real export file and its records, read once."""
    return {path: records(path.read_bytes()) for path in shared_exports(shared)}


def test_every_row_of_the_real_exports_is_kept_merged_or_rejected(committed, exports):
    """By line: the lines the package's recommending-state rows of a file cite, and the records
    the importer must reject (no session number), are every line of the file after its header,
    each once."""
    p = committed
    for path, recs in exports.items():
        source_id = source_of(REPO, path)
        cited = Counter(n for s in p.states_of.get(source_id, []) for n in line_numbers(s["source_lines"]))
        assert max(cited.values()) == 1, f"{path.name}: a line cited twice"
        without_session = {n for first, last, cells in recs if not re.fullmatch(r"[0-9]+", cells[10].strip())
                           for n in range(first, last + 1)}
        every_line = {n for first, last, _ in recs for n in range(first, last + 1)}
        assert set(cited) | without_session == every_line, path.name
        assert not set(cited) & without_session, path.name
        assert len(every_line) == recs[-1][1] - 1  # no line of the file is outside a record


def test_every_cell_of_the_real_exports_is_as_printed_or_reversibly_repaired(committed, exports):
    checked = sum(check_cells(REPO, path, committed, recs) for path, recs in exports.items())
    without_session = sum(1 for recs in exports.values() for _, _, cells in recs if not re.fullmatch(r"[0-9]+", cells[10].strip()))
    assert checked == sum(map(len, exports.values())) - without_session > 50000


@pytest.fixture(scope="session")
def reimported(shared, repo, tmp_path_factory) -> Path:
    """The package with the UPR Info exports imported again from ../shared, once for the whole
    run (tests only read it), with the digest of data/ before the import (`digest.before`).

    One import, not two: the copy imported into holds the committed rows of these exports, so an
    import that gives back the committed bytes is already a re-import that changes no byte (its
    input, data/ before, equals its output). A second import would only run the same deterministic
    function on the same files and byte-identical data/ again, in the same process (the same hash
    seed: it could not even catch an order that depends on one); the committed files, written by
    an earlier process, are the comparison that can."""
    files = shared_exports(shared)

    def build(root: Path) -> None:
        target = copy_package(repo, root / "package", with_rules=False, with_imported=True)
        (root / "digest.before").write_text(repr(sorted(tree_digest(target / "data").items())))
        result = run_cli("import-uprinfo", *map(str, files), "--package-dir", str(target))
        assert result.returncode == 0, result.stderr
        target.joinpath("import.out").write_text(result.stdout)
    return once_per_run(tmp_path_factory, "uprinfo-reimported", build)


@pytest.mark.slow
def test_a_reimport_of_the_real_exports_changes_no_byte(reimported, repo):
    """The import's input was the committed data/ (the premise of importing once), and its output is too."""
    after, committed = tree_digest(reimported / "package" / "data"), tree_digest(repo / "data")
    assert (reimported / "digest.before").read_text() == repr(sorted(committed.items()))
    assert after == committed


def test_the_summary_of_each_real_export_accounts_for_its_records(reimported, shared):
    package = reimported / "package"
    out = (package / "import.out").read_text()
    states = Counter(r["source_id"] for r in read_csv(package / "data/upr_recommending_states.csv"))
    for path in shared_exports(shared):
        source_id = source_of(package, path)
        stated = next(line for line in out.splitlines() if line.startswith(source_id + ":"))
        read, kept, merged, rejected = map(int, re.search(r"read (\d+) rows: kept (\d+), merged (\d+) exact duplicates, "
                                                          r"rejected (\d+)", stated).groups())
        assert read == len(records(path.read_bytes())) == kept + merged + rejected, stated
        assert kept == states[source_id], stated


# --- 3. bad input ------------------------------------------------------------------------------------------

TRANSCRIPTION = [["text", "to", "decision", "From", "year", "notes"],
                 ["88.1. Consider issuing a standing invitation (Brazil);", "Tajikistan", "support", "Brazil", "2011", ""]]


def transcription_bytes() -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r").writerows(TRANSCRIPTION)
    return out.getvalue().encode("mac_roman")


BAD = {
    "wrong header": (export_bytes(ROWS[:2], header=HEADER[:-1] + ["Year"]), ":1: the header is"),
    "comma-delimited": (export_bytes(ROWS[:2], delimiter=","), "it is not separated by ';'"),
    "a transcription file": (transcription_bytes(), ":1: the header is"),
    "UTF-16": (export_bytes(ROWS[:2], bom=False).decode("utf-8").encode("utf-16"), ":1: the file is UTF-16"),
    "empty": (b"", ": the file is empty"),
    "binary": (bytes(random.Random(16).randrange(256) for _ in range(4096)), ":1: the first line holds bytes that are not UTF-8"),
    "a long first line": (("x" * 5000 + "\r\n").encode(), ":1: the header is ['xxx"),
    "session not in the years": (export_bytes([TJK + ["Do it", "Chad", "Africa", "", "Supported", "4", "General", "11"]]),
                                 ":2: session 11 is not in upr_sessions_years.csv"),
    "a session of 5 digits": (export_bytes([TJK + ["Do it", "Chad", "Africa", "", "Supported", "4", "General", "99999"]]),
                              ":2: session 99999 is not in upr_sessions_years.csv"),
    "saved as Windows-1252": (export_bytes([TJK + ["Respect the Guaraní", "Chad", "Africa", "", "Supported", "4", "General", "12"],
                                            TJK + ["Protect the Garífuna", "Chad", "Africa", "", "Supported", "4", "General", "12"]],
                                           bom=False, encoding="cp1252"), ":2: the file is not UTF-8 (byte 0xED"),
}


def test_a_copy_the_manifest_lists_with_another_sha256_is_refused(small, tmp_path):
    """A truncated (or edited) copy of a file MANIFEST.json lists would replace the source's rows
    with fewer: the import stops, whatever the rows say."""
    path = write_export(tmp_path / "uprinfo", ROWS[:4])
    (path.parent / "MANIFEST.json").write_text(json.dumps([{"file": path.name, "rows": 15, "bytes": 99999,
                                                             "sha256": hashlib.sha256(b"the whole file").hexdigest()}]))
    before = tree_digest(small)
    result = run_cli("import-uprinfo", str(path), "--package-dir", str(small))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{path}: {path.parent / 'MANIFEST.json'} lists {path.name} (99999 bytes, 15 rows), but this file" in result.stderr
    assert "a truncated or edited copy?" in result.stderr and tree_digest(small) == before


def test_files_of_overlapping_sessions_are_refused(small, tmp_path):
    """A review in two exports would be in the package twice: the second import stops, naming it."""
    first = write_export(tmp_path / "a", ROWS[:4], name="12-12-test-export.csv")
    assert run_cli("import-uprinfo", str(first), "--package-dir", str(small)).returncode == 0
    second = write_export(tmp_path / "b", ROWS[:4] + [TJK[:3] + ["Ratify the CED", "Chad", "Africa", "", "Supported", "5",
                                                                 "Enforced disappearances", "27"]], name="12-27-test-export.csv")
    before = tree_digest(small)
    result = run_cli("import-uprinfo", str(second), "--package-dir", str(small))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{second}:2: review TJK-s12 is already in upr-info-sessions-12-12" in result.stderr
    assert tree_digest(small) == before


def test_a_cell_longer_than_any_recommendation_rejects_its_row(small, tmp_path):
    path = write_export(tmp_path / "uprinfo", [TJK + ["Do it " * 40_000, "Chad", "Africa", "", "Supported", "4", "General", "12"],
                                               *ROWS[:3]])
    result = run_cli("import-uprinfo", str(path), "--package-dir", str(small))
    assert result.returncode == 0, result.stderr
    assert f"{path}:2: rejected: column Recommendation holds 240,000 characters, more than any recommendation" in result.stderr
    assert "rejected 1;" in result.stdout


@pytest.mark.parametrize("kind", BAD)
def test_bad_input_exits_2_names_the_file_and_writes_nothing(small, tmp_path, kind):
    data, expected = BAD[kind]
    path = write_export(tmp_path / "uprinfo", data)
    before = tree_digest(small)
    result = run_cli("import-uprinfo", str(path), "--package-dir", str(small))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert f"error: {path}" in result.stderr and expected in result.stderr, result.stderr
    assert "nothing was written" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr) < 1000  # the error says what is wrong, it does not print the file
    assert tree_digest(small) == before


def test_unknown_states_and_issues_are_all_listed_at_once(small, tmp_path):
    rows = [TJK + ["Do it", "Tchad", "Africa", "", "Supported", "4", "General", "12"],
            TJK + ["Do that", "Chad", "Africa", "", "Supported", "4", "Genral,Justice", "12"],
            TJK + ["Do more", "Bosnia & Herzegowina", "EEG", "", "Supported", "4", "General", "12"],
            TJK + ["Do more", "Tchad", "Africa", "", "Supported", "4", "General", "12"]]
    path = write_export(tmp_path / "uprinfo", rows)
    before = tree_digest(small)
    result = run_cli("import-uprinfo", str(path), "--package-dir", str(small))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    err = result.stderr
    assert f"{path}:2: the state 'Tchad' maps to no country in country_names (closest known names: 'Chad' (TCD)" in err
    assert f"{path}:4: the state 'Bosnia & Herzegowina' maps to no country" in err and "'Bosnia & Herzegovina' (BIH)" in err
    assert err.count("'Tchad'") == 1  # each spelling once, at its first line
    assert f"{path}:3: 1 values the package's code lists lack: line 3: issue 'Genral' (closest known labels: 'General'" in err
    assert "nothing was written" in err
    assert tree_digest(small) == before


def test_no_session_years_beside_and_none_given(small, tmp_path):
    path = write_export(tmp_path / "uprinfo", years=False)
    before = tree_digest(small)
    result = run_cli("import-uprinfo", str(path), "--package-dir", str(small))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"error: {path}: no upr_sessions_years.csv beside the files" in result.stderr and "--sessions-years" in result.stderr
    assert tree_digest(small) == before
    # ... given, it is read wherever it is.
    result = run_cli("import-uprinfo", str(path), "--sessions-years", str(YEARS), "--package-dir", str(small))
    assert result.returncode == 0, result.stderr


# --- 4. random texts -----------------------------------------------------------------------------------------

# Texts as the export prints them: letters, marks, digits, punctuation, symbols and spaces of any
# script, trailing spaces, no-break spaces, and line breaks CR LF (the export's).
TEXT = st.lists(st.one_of(st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S", "Zs"]),
                          st.sampled_from([" ", "  ", "\r\n", "é", "’", "Ã", "\xa0", "ñ", "—"])),
                min_size=1, max_size=40).map("".join)


@functools.cache
def known_transforms() -> frozenset[Transform]:
    """The transforms of the repository's text_transforms, read once (18 ms a reading; tests never change REPO)."""
    return frozenset(Transform.from_row(r) for r in tables.read_rows(REPO, "text_transforms"))


def has_a_transform(text: str) -> bool:
    """Whether text_transforms has the transform the importer's repair of `text` needs: it lacks
    one for a text both repaired and holding a line break, or repaired in some stretches only (see
    test_a_repaired_text_with_a_line_break_or_an_unrepaired_stretch_is_imported)."""
    from rightsdata.importers.uprinfo import repair_utf8

    return repair_utf8(text).transform in known_transforms()


@pytest.fixture(scope="module")
def random_package(tmp_path_factory, repo) -> Path:
    return small_copy(repo, tmp_path_factory.mktemp("uprinfo-random") / "package")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT.filter(lambda t: t.strip()))
def test_a_random_text_is_kept_as_printed_or_reversibly(random_package, tmp_path, text):
    assume(has_a_transform(text))
    path = write_export(tmp_path / "uprinfo-one", [TJK + [text, "Chad", "Africa", "", "Supported", "4", "General", "12"]])
    result = run_cli("import-uprinfo", str(path), "--package-dir", str(random_package))
    assert result.returncode == 0, result.stderr
    assert check_cells(random_package, path) == 1
    rec = next(r for r in read_csv(random_package / "data/upr_recommendations.csv") if r["source_id"] == "upr-info-sessions-12-12")
    assert rec["recommendation_id"] == "TJK-s12-" + digest10(text)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(TEXT, min_size=2, max_size=6, unique=True), seed=st.randoms(use_true_random=False))
def test_ids_are_stable_when_the_rows_are_shuffled(random_package, tmp_path, texts, seed):
    assume(all(has_a_transform(t) for t in texts))
    rows = [TJK + [t, state, "X", "", "Supported", "4", "General", "12"] for t in texts for state in ("Chad", "Peru")]
    ids = []
    for order in (rows, seed.sample(rows, len(rows))):
        path = write_export(tmp_path / "uprinfo-shuffled", order)
        result = run_cli("import-uprinfo", str(path), "--package-dir", str(random_package))
        assert result.returncode == 0, result.stderr
        got = imported(random_package, "upr-info-sessions-12-12")
        ids.append({(r["recommendation_id"], r["text"]) for r in got["upr_recommendations"]})
    assert ids[0] == ids[1] and len(ids[0]) == len(texts)


FIXTURE_SOURCE = "upr-info-sessions-12-12"  # a one-row export of session 12 (the small package keeps the real TJK-s12 rows)


@pytest.mark.parametrize("text,transform", [("Visit the Autorit\u00c3\u00a9 nationale\r\nand the schools", "utf8_repaired_crlf"),
                                            ("The Guaran\u00c3\u00ad and Guaran\u00ed speakers", "utf8_repaired_by_stretch"),
                                            ("the women\u00e2\u20ac\u2122s rights", "utf8_repaired_cp1252")])
def test_a_repaired_text_with_a_line_break_or_an_unrepaired_stretch_is_imported(small, tmp_path, text, transform):
    """Texts ftfy repairs with a line break, in some stretches only, or mangled as Windows-1252
    (not Latin-1) are imported with the transform that says so, and rebuilt exactly."""
    path = write_export(tmp_path / "uprinfo", [TJK + [text, "Chad", "Africa", "", "Supported", "4", "General", "12"]])
    result = run_cli("import-uprinfo", str(path), "--package-dir", str(small))
    assert result.returncode == 0, result.stderr
    assert check_cells(small, path) == 1
    assert [s["text_transform"] for s in Package(small).states if s["source_id"] == FIXTURE_SOURCE] == [transform]


def test_mixed_line_breaks_are_written_lf_and_flagged(small, tmp_path):
    """A text mixing CR LF and LF is written LF with a transform that says so
    (`line_breaks_mixed`): rebuilt, every break is CR LF, the one loss the transform declares."""
    text = "Adopt a law:\r\n- on torture\n- on detention"
    path = write_export(tmp_path / "uprinfo", [TJK + [text, "Chad", "Africa", "", "Supported", "4", "General", "12"]])
    result = run_cli("import-uprinfo", str(path), "--package-dir", str(small))
    assert result.returncode == 0, result.stderr
    (state,) = [s for s in Package(small).states if s["source_id"] == FIXTURE_SOURCE]
    assert state["text_transform"] == "utf8_crlf_mixed"
    (rec,) = [r for (_, source), r in Package(small).recs.items() if source == FIXTURE_SOURCE]
    assert rec["text"] == "Adopt a law:\n- on torture\n- on detention"
    mixed = Transform.from_row(next(r for r in tables.read_rows(small, "text_transforms") if r["code"] == "utf8_crlf_mixed"))
    assert rebuild(rec["text"], mixed) == text.replace("\n- on d", "\r\n- on d").encode()
