"""Repairs decided stretch by stretch (issue 17): the later-year file tests/fixtures/upr/make.py writes (one
character mangled twice beside one never mangled, readings at depths 0 and 2 that tie in a file
whose depth is 1, the usual mix, cells no reading decides), the corpus of words read without
repair, and the round trip from the package's text back to every source byte."""

import importlib.util
import itertools
import json
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import copy_package, read_csv, run_cli, tree_digest
from rightsdata import tables
from rightsdata.importers.legacy_text import Corpus, Transform, mangle, rebuild, rebuild_each, repair, stretches
from rightsdata.importers.upr import Record, combined

FIXTURES = Path(__file__).parent / "fixtures/upr"
SPEC = importlib.util.spec_from_file_location("upr_fixture", FIXTURES / "make.py")
make = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(make)


@pytest.fixture(scope="module")
def later_file(tmp_path_factory) -> Path:
    """The made-up later year, written where a test may read it (never committed)."""
    return make.write(tmp_path_factory.mktemp("later-source"))


@pytest.fixture(scope="module")
def later(repo, tmp_path_factory, later_file):
    """A package without imported rows, the later-year file imported into it, and the output."""
    package = copy_package(repo, tmp_path_factory.mktemp("later") / "package", with_rules=True, with_imported=False)
    result = run_cli("import-upr", str(later_file), "--package-dir", str(package))
    assert result.returncode == 0, result.stderr
    return package, result, later_file


def rows_of(package: Path, name: str) -> list[dict[str, str]]:
    return [r for r in read_csv(package / f"data/{name}.csv") if r["source_id"] == "upr-recommendations-2011"]


def test_each_kind_reads_right_and_the_undecidable_is_kept_and_flagged(later):
    package, result, later_file = later
    recs = {r["recommendation_id"]: r for r in rows_of(package, "upr_recommendations")}
    states = {r["recommendation_id"]: r for r in rows_of(package, "upr_recommending_states")}
    assert len(states) == len(make.ROWS)  # every row imported, the undecidable ones too
    for line, (parts, _, notes, undecided) in enumerate(make.ROWS, 2):
        number = make.expected(parts).split(" ")[0].rstrip(".")
        rec_id = f"TJK-2011-{number}"
        assert recs[rec_id]["text"] == make.expected(parts), line
        assert states[rec_id]["notes"] == notes, line
        assert states[rec_id]["undecided"] == ";".join(undecided), line
        for column in undecided:
            assert f"{later_file}:{line}: column {column}: kept as decoded" in result.stderr
    # No one depth reads the mixed cells: their depths are kept stretch by stretch.
    assert states["TJK-2011-88.6"]["text_transform"] == "mac_roman_repaired_by_stretch"
    assert states["TJK-2011-88.6"]["text_repairs"] == "2;0;0"
    assert states["TJK-2011-88.7"]["text_repairs"] == "1;0;0;2"
    assert states["TJK-2011-88.1"]["text_transform"] == "mac_roman_repaired_once"
    assert states["TJK-2011-88.1"]["text_repairs"] == ""
    assert "3 cells kept as decoded, undecided" in result.stdout


def test_the_rule_lists_every_flagged_row_and_mojibake_does_not_fail_them(later):
    package, _, _ = later
    result = run_cli("validate", str(package / "datapackage.json"), "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    listed = sorted(f["message"] for f in findings if f["rule"] == "upr-text-undecided")
    assert listed == ["line 11 of upr-recommendations-2011: column(s) text kept as decoded, no reading decided",
                      "line 12 of upr-recommendations-2011: column(s) text;notes kept as decoded, no reading decided"]
    assert all(f["severity"] == "warning" for f in findings if f["rule"] == "upr-text-undecided")
    assert [f for f in findings if f["rule"] == "upr-text-without-mojibake"] == []
    wrote = {"upr_reviews", "upr_recommendations", "upr_recommending_states", "sources"}
    assert [f for f in findings if f["rule"].startswith("schema/") and f["resource"] in wrote] == []


def test_every_cell_of_the_fixture_rebuilds_its_bytes(later, repo):
    package, _, _ = later
    transforms = {r["code"]: Transform.from_row(r) for r in tables.read_rows(package, "text_transforms")}
    recs = {r["recommendation_id"]: r for r in rows_of(package, "upr_recommendations")}
    source = make.rows()[1:]
    for state in rows_of(package, "upr_recommending_states"):
        row = source[int(state["source_lines"]) - 2]
        depths = tuple(int(d) for d in state["text_repairs"].split(";") if d)
        assert rebuild(recs[state["recommendation_id"]]["text"], transforms[state["text_transform"]], depths) \
            == row[0].encode("mac_roman")
        cell_depths = tuple(int(d) for d in state["cells_repairs"].split(";") if d)
        assert rebuild_each([state["state_as_printed"], state["response_as_printed"], state["notes"]],
                            transforms[state["cells_transform"]], cell_depths) \
            == [row[3].encode("mac_roman"), row[2].encode("mac_roman"), row[5].encode("mac_roman")]


def test_every_transform_a_mac_roman_cell_can_need_has_a_code(repo):
    """A transform missing from the code list refuses the whole file: every combination of
    depth (or depths by stretch), residue and line breaks has its row."""
    codes = {Transform.from_row(r) for r in tables.read_rows(repo, "text_transforms")}
    for repairs, residue, (crlf, mixed) in itertools.product([0, 1, 2, None], [False, True],
                                                             [(False, False), (True, False), (True, True)]):
        assert Transform("mac_roman", repairs, residue, crlf, mixed) in codes, (repairs, residue, crlf, mixed)


def test_the_import_is_idempotent(later):
    package, _, later_file = later
    before = tree_digest(package / "data")
    assert run_cli("import-upr", str(later_file), "--package-dir", str(package)).returncode == 0
    assert tree_digest(package / "data") == before


def test_a_stretch_that_reads_well_in_a_cell_needing_repair_is_not_in_the_corpus():
    """"Yo sí puedo” mangled once reads "Yo s’ puedoÓ": "s’" scores well alone, but its cell
    needed repair, so "s’" is no word read without repair (the 2013 file has this cell)."""
    corpus = Corpus()
    corpus.add_file([mangle("Yo sí puedo” and women’s rights"), mangle("the Government’s plan"), "São Tomé – now"])
    assert "s’" not in corpus and "São" in corpus and "Tomé" in corpus
    assert repair(mangle("Yo sí puedo”"), "mac_roman", 1, corpus).text == "Yo sí puedo”"


def test_without_the_corpus_a_tie_away_from_the_file_depth_is_undecided_not_guessed():
    repaired = repair("in Malé and womenÍs", "mac_roman", 1)
    assert repaired.undecided == ("Malé",) and repaired.text == "in Malé and women’s"
    assert repair("in Malé and womenÍs", "mac_roman", 1, make_corpus(["Malé – here"])).undecided == ()


def make_corpus(cells):
    corpus = Corpus()
    corpus.add_file(cells)
    return corpus


# --- the round trip, mixed depths included -----------------------------------------------------------

WORDS = ["women’s", "Côte", "d’Ivoire", "Defensoría", "naïve", "São", "Malé", "Curaçao", "“girls”", "–",
         "Gnassingbé", "rights", "État", "vis-à-vis", "Tomé"]
CORPUS = make_corpus([" ".join(WORDS)])


def mangled(word: str, depth: int) -> str | None:
    try:
        out = word
        for _ in range(depth):
            out = mangle(out)
        out.encode("mac_roman")
        return out
    except UnicodeError:
        return None  # no Mac Roman file can hold it ("é" mangled once is "Ž")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.integers(0, 2)), min_size=1, max_size=8), st.integers(0, 2))
def test_mixed_depth_cells_read_right_with_the_corpus_and_rebuild(words, file_depth):
    parts = [mangled(word, depth) for word, depth in words]
    assume(all(p is not None for p in parts))
    cell, text = " ".join(parts), " ".join(word for word, _ in words)
    repaired = repair(cell, "mac_roman", file_depth, CORPUS)
    assert repaired.text == text and repaired.undecided == ()
    assert rebuild(repaired.text, repaired.transform, repaired.depths) == cell.encode("mac_roman")
    if repaired.transform.repairs is None:  # depths by stretch only where they differ
        assert len(set(repaired.depths)) > 1 and len(repaired.depths) == len(stretches(cell))


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="mac_roman", exclude_categories=["Cs"]), max_size=40), st.integers(0, 2),
       st.booleans())
def test_any_cell_is_repaired_or_kept_and_rebuilds_the_source_bytes(cell, file_depth, with_corpus):
    repaired = repair(cell, "mac_roman", file_depth, CORPUS if with_corpus else Corpus())
    expected = cell
    if repaired.transform.line_breaks_mixed:  # which breaks were LF is not recorded: all come back CR LF
        expected = cell.replace("\r\n", "\n").replace("\n", "\r\n")
    assert rebuild(repaired.text, repaired.transform, repaired.depths) == expected.encode("mac_roman")
    for stretch in repaired.undecided:  # kept exactly as decoded
        assert stretch in cell and stretch in repaired.text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.characters(codec="mac_roman", exclude_categories=["Cs", "Cc"]), max_size=15),
                min_size=3, max_size=3))
def test_cells_sharing_a_transform_rebuild_each_its_bytes(cells):
    """The state, response and notes of a row share cells_transform; their depths run on."""
    names = ("From", "decision", "notes")
    repaired = {name: repair(cell, "mac_roman", 1, CORPUS) for name, cell in zip(names, cells)}
    assume(not any(r.transform.residue_removed for r in repaired.values()))  # a residue is only ever the text's
    repaired["text"] = repair("", "mac_roman", 1)
    both = combined(Path("f.csv"), Record((2, 2), {n: r.text for n, r in repaired.items()}, repaired))
    assert rebuild_each([repaired[n].text for n in names], both.transform, both.depths) == [c.encode("mac_roman") for c in cells]
