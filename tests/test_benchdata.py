"""`rightsdata bench-data`: the synthetic package copies whole sources, and a copy whose rows cite
another source's rows (UPR Info's rows matched with the transcription's, a mid-term report and the
recommendations it answers) cites that source's copy of the same round, so that the copies keep
every foreign key and pair no row twice."""

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import copy_package, run_cli, tree_digest
from rightsdata import benchdata
from rightsdata.cells import csv_line
from rightsdata.validate import validate

SECOND = "upr-info-sessions-12-12"  # a second database of the Tajikistan review, made from the transcription


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def append(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    with open(path, "a", encoding="utf-8", newline="") as f:
        for row in rows:
            f.write(csv_line([row.get(h, "") for h in header]))


@pytest.fixture(scope="module")
def matched(repo, tmp_path_factory) -> Path:
    """The small package with a second source of the Tajikistan 2011 review (the transcription's
    rows under another source id) and a match for each of its recommending-state rows. Made once
    for the module: bench-data only reads it (asserted)."""
    package = copy_package(repo, tmp_path_factory.mktemp("matched") / "package", with_rules=True, with_imported=False)
    data = package / "data"
    transcription = "upr-recommendations-2011"
    source = next(r for r in read(data / "sources.csv") if r["source_id"] == transcription)
    append(data / "sources.csv", [dict(source, source_id=SECOND, publisher="UPR Info", document_type="recommendations_database")])
    for name in ("upr_reviews", "upr_recommendations", "upr_recommending_states"):
        append(data / f"{name}.csv", [dict(r, source_id=SECOND) for r in read(data / f"{name}.csv")
                                      if r["source_id"] == transcription])
    states = [r for r in read(data / "upr_recommending_states.csv") if r["source_id"] == transcription]
    assert states, "the small package holds the transcription of the Tajikistan review"
    # Only the test's pairs: the small package's own (UPR Info's TJK-s12) would pair the same rows again.
    matches = data / "upr_recommendation_matches.csv"
    matches.write_text(matches.read_text(encoding="utf-8").split("\n", 1)[0] + "\n", encoding="utf-8")
    append(matches, [
        dict(recommendation_id=r["recommendation_id"], position=r["position"], source_id=SECOND,
             transcription_recommendation_id=r["recommendation_id"], transcription_position=r["position"],
             transcription_source_id=transcription, method="same_text", similarity="1",
             source_location="matched by the test", source_lines=r["source_lines"])
        for r in states])
    return package


def kinds(result) -> set[tuple[str, str]]:
    return {(f.rule, f.severity) for f in result.findings if not f.waived}


@pytest.fixture(scope="module")
def matched_validated(matched):
    """`validate` of the matched package, once for the seeds below (the same answer for each)."""
    return validate(matched / "datapackage.json")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_copies_cite_the_copy_of_the_same_round(matched, matched_validated, tmp_path, seed):
    before = matched_validated
    assert before.exit_code == 0
    base = sum(len(read(f)) for f in (matched / "data").glob("*.csv"))
    out = tmp_path / "bench"
    unchanged = tree_digest(matched)
    result = run_cli("bench-data", "--rows", str(2 * base + 1), "--out", str(out), "--seed", str(seed),
                     "--package-dir", str(matched))
    assert result.returncode == 0, result.stderr
    assert tree_digest(matched) == unchanged, "bench-data wrote into the package it copies"

    states = {(r["recommendation_id"], r["position"], r["source_id"]) for r in read(out / "data/upr_recommending_states.csv")}
    matches = read(out / "data/upr_recommendation_matches.csv")
    copies = {r["source_id"].partition("-")[0] for r in matches if r["source_id"].startswith("bench")}
    assert copies, "the matched source was copied"
    paired = [(m["transcription_recommendation_id"], m["transcription_position"], m["transcription_source_id"]) for m in matches]
    assert len(set(paired)) == len(paired), "a transcription row is matched twice"
    for m, other in zip(matches, paired):
        assert (m["recommendation_id"], m["position"], m["source_id"]) in states
        assert other in states, f"{m} points to no row"
        assert m["source_id"].removesuffix(SECOND) == other[2].removesuffix("upr-recommendations-2011"), \
            f"{m} cites another round's copy"
    for r in read(out / "data/upr_section_recommendations.csv"):
        if r["recommendation_source_id"]:
            assert r["source_id"].removesuffix("tjk-upr-midterm-2014") == \
                r["recommendation_source_id"].removesuffix("upr-recommendations-2011")

    after = validate(out / "datapackage.json")
    assert after.exit_code == 0
    assert kinds(after) == kinds(before), "copies found problems of kinds the package does not have"


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text("abcdef", min_size=1, max_size=2), st.integers(1, 9), min_size=1),
       st.lists(st.tuples(st.text("abcdefg", min_size=1, max_size=2), st.text("abcdefg", min_size=1, max_size=2))))
def test_linked_groups_partition_the_sources_along_the_links(per_source, links):
    groups = benchdata.linked_groups(per_source, links)
    flat = [sid for group in groups for sid in group]
    assert sorted(flat) == sorted(per_source)
    group_of = {sid: i for i, group in enumerate(groups) for sid in group}
    for a, b in links:
        if a in per_source and b in per_source:
            assert group_of[a] == group_of[b]
    # no group is larger than its links make it: each splits no further along them
    for group in groups:
        reached, todo = {group[0]}, [group[0]]
        while todo:
            sid = todo.pop()
            for a, b in links:
                for x, y in ((a, b), (b, a)):
                    if x == sid and y in per_source and y not in reached:
                        reached.add(y)
                        todo.append(y)
        assert reached == set(group)
