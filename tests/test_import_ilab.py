"""The ILAB importer: on small fixtures that mimic each year's layout, and on the real files in
../shared/ilab (skipped with a reason when they are absent)."""

import hashlib
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from conftest import REPO, read_csv, run_cli, tree_digest
from rightsdata.importers import SourceError
from rightsdata.importers import import_files as import_any
from rightsdata.importers.ilab import PATHS, Importer, normalised_path, unmapped_paths
from rightsdata.validate import validate

FIXTURES = REPO / "tests" / "fixtures" / "ilab"


def import_files(package: Path, paths: list[Path]):
    return import_any(Importer, package, paths)


def rows(package: Path, name: str, source_id: str) -> list[dict]:
    return [r for r in read_csv(package / "data" / f"{name}.csv") if r["source_id"] == source_id]


def one(items: list[dict], **match) -> dict:
    found = [r for r in items if all(r[k] == str(v) for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


@pytest.fixture
def imported(package_copy):
    files = [FIXTURES / n for n in ("findings_a.xml", "findings_b.xml", "findings_c.xml", "goods_c.xml")]
    import_files(package_copy, files)
    return package_copy


# --- fixtures -------------------------------------------------------------------------------------

def test_report_years_come_from_the_content_and_sources_are_recorded(imported):
    sources = {r["source_id"]: r for r in read_csv(imported / "data/sources.csv")}
    assert {"ilab-countries-2013", "ilab-countries-2016", "ilab-countries-2020", "ilab-goods-2020"} <= set(sources)
    b = sources["ilab-countries-2016"]
    assert b["sha256"] == hashlib.sha256((FIXTURES / "findings_b.xml").read_bytes()).hexdigest()
    assert b["origin"].startswith("github.com/example/fixtures, assets/countries_2015.xml")  # matched by sha256
    assert "named for 2015 in its origin repository" in b["note"]
    assert sources["ilab-countries-2013"]["origin"] == ""  # not in the manifest
    assert sources["ilab-goods-2020"]["report_year"] == "2020"  # the year of the country data it matches


def test_2013_layout(imported):
    sid = "ilab-countries-2013"
    a = one(rows(imported, "assessments", sid), country="MMR")
    assert (a["advancement_level"], a["qualifier"], a["region"]) == ("minimal_advancement", "", "Asia & Pacific")
    blank = one(rows(imported, "assessments", sid), country="AIA")
    assert blank["advancement_level"] == "" and blank["heading_as_printed"] == ""
    stats = rows(imported, "statistics", sid)
    work = one(stats, indicator="working_children")
    assert (work["value"], work["printed_unit"], work["age_min"], work["population_as_printed"], work["population"]) == (
        "7.5", "percent", "10", "2364.209", "")
    assert "not a whole number" in work["note"]
    assert one(stats, indicator="working_children_industry")["status"] == "not_applicable"
    assert one(stats, indicator="working_children_services")["status"] == "not_reported"
    school = one(stats, indicator="attending_school")
    assert (school["data_year_as_printed"], school["data_year"], school["value"]) == ("2010.0", "2010", "86.4")
    both = one(stats, indicator="combining_work_and_school")
    assert (both["data_year_as_printed"], both["data_year"], both["status"]) == ("2010-2011", "", "not_reported")
    ratified = {r["convention"]: r["ratified"] for r in rows(imported, "ratifications", sid)}
    assert ratified == {"c138": "false", "c182": "true", "crc": "true", "crc_opsc": "true", "crc_opac": "false", "palermo": "true"}
    legal = rows(imported, "legal_standards", sid)
    assert (one(legal, standard="minimum_age_work")["age"], one(legal, standard="minimum_age_work")["standard_exists"]) == ("13", "true")
    hazardous = one(legal, standard="minimum_age_hazardous_work")
    assert (hazardous["age"], hazardous["age_as_printed"]) == ("", "15/16") and "not one whole number" in hazardous["note"]
    assert one(legal, standard="free_public_education")["standard_exists"] == "false"
    mechanisms = {r["mechanism"]: r["exists"] for r in rows(imported, "mechanisms", sid)}
    assert mechanisms == {"coordination": "true", "policy": "false"}
    actions = rows(imported, "suggested_actions", sid)
    ratify = one(actions, item=1)
    assert (ratify["area"], ratify["area_as_printed"], ratify["first_year"], ratify["last_year"]) == \
        ("legal_framework", "Laws", "2009", "2013")
    assert (one(actions, item=2)["first_year"], one(actions, item=2)["last_year"]) == ("2012", "2013")
    odd = one(actions, item=3)  # the action in the element's name, its years in Name
    assert (odd["area"], odd["action"], odd["years_as_printed"], odd["first_year"]) == (
        "", "Ensure_that_children_are_treated_as_victims", "2011 – 2013", "2011")
    assert "area is not given" in odd["note"]


def test_2016_layout_values_and_marks(imported):
    sid = "ilab-countries-2016"
    a = one(rows(imported, "assessments", sid), country="UKR")
    assert a["heading_as_printed"] == "Minimal Advancement – Efforts Made but Continued Law that Delayed Advancement"
    assert (a["advancement_level"], a["qualifier"]) == ("minimal_advancement", "Efforts made but continued law that delayed advancement")
    stats = rows(imported, "statistics", sid)
    work = one(stats, indicator="working_children")
    assert (work["value_as_printed"], work["value"], work["printed_unit"], work["population"]) == ("0.044", "4.4", "fraction", "182714")
    assert one(stats, indicator="primary_completion_rate")["value"] == "110"
    assert one(stats, indicator="working_children_agriculture")["status"] == "unavailable"
    assert one(stats, indicator="working_children_services")["status"] == "malformed"  # "MTC": kept, not guessed
    e = {r["indicator"]: r for r in rows(imported, "enforcement", sid)}
    assert (e["inspectors"]["value"], e["inspectors"]["value_as_printed"], e["inspectors"]["data_year"]) == ("1378", "1,378", "2016")
    assert e["funding"]["value"] == "1200000"
    assert (e["inspections"]["value"], e["inspections"]["marks"]) == ("22", "‡")
    assert (e["penalties_collected"]["status"], e["penalties_collected"]["marks"]) == ("unknown", "*")
    permitted = e["unannounced_inspections_permitted"]
    assert (permitted["answer"], permitted["citations_as_printed"], permitted["citations"]) == ("true", "(2425-26)", "")
    assert "not expanded" in permitted["note"]
    assert (e["inspectors_meet_ilo_standard"]["answer"], e["inspectors_meet_ilo_standard"]["value_as_printed"]) == ("false", "no")
    assert (e["investigations"]["status"], e["investigations"]["value_as_printed"]) == ("malformed", "None")
    assert e["convictions"]["status"] == "not_reported" and e["violations_found"]["status"] == "not_applicable"
    legal = rows(imported, "legal_standards", sid)
    voluntary = one(legal, standard="minimum_age_military_state_voluntary")
    assert (voluntary["age"], voluntary["age_as_printed"], voluntary["meets_as_printed"], voluntary["meets_international_standards"]) == (
        "", "12/13‡", "N/A*", "")
    assert one(legal, standard="compulsory_education_age")["age_calculated"] == "true"
    assert one(rows(imported, "ratifications", sid), convention="palermo")["ratified"] == ""
    programs = [r for r in rows(imported, "mechanisms", sid) if r["mechanism"] == "program"]
    assert [(r["occurrence"], r["exists"]) for r in programs] == [("1", "true"), ("2", "false")]  # a repeat, kept
    assert one(rows(imported, "mechanisms", sid), mechanism="policy")["exists_as_printed"] == "NA"


def test_territories_repeats_and_goods(imported):
    sid = "ilab-countries-2020"
    inspectors = [r for r in rows(imported, "enforcement", sid) if r["indicator"] == "inspectors"]
    assert sorted((r["territory"], r["value_as_printed"]) for r in inspectors) == [("National", "Unknown"), ("Punjab", "750")]
    assert all(r["territory"] != "national" for r in inspectors)  # no total made up from the territories
    ages = {r["territory"]: r["age"] for r in rows(imported, "legal_standards", sid)}
    assert ages == {"Punjab": "15", "Sindh": "14"}  # surrounding space of "Sindh " dropped
    work = sorted((r for r in rows(imported, "statistics", sid) if r["indicator"].startswith("working_children")),
                  key=lambda r: (r["item"], r["indicator"]))
    assert [(r["item"], r["indicator"], r["age_range_as_printed"], r["value"], r["population"]) for r in work] == [
        ("1", "working_children", "10-14", "9.8", "2261704"),
        ("2", "working_children", "5-14", "21.5", "193917"),
        ("2", "working_children_agriculture", "5-14", "69.4", "")]
    assert {r["country"] for r in rows(imported, "assessments", sid)} == {"PAK"}  # Malaysia: goods only
    assert {r["good"] for r in rows(imported, "goods", sid)} == {"Bricks", "Palm Oil"}
    sectors = {r["good"]: r["sector"] for r in rows(imported, "good_sectors", "ilab-goods-2020")}
    assert sectors == {"Bricks": "Manufacturing", "Palm Oil": "Agriculture"}
    assert len(rows(imported, "goods", "ilab-goods-2020")) == 2


def test_importing_twice_changes_no_byte(imported):
    before = tree_digest(imported / "data")
    import_files(imported, [FIXTURES / n for n in ("findings_c.xml", "findings_b.xml", "findings_a.xml", "goods_c.xml")])
    assert tree_digest(imported / "data") == before


def test_the_imported_package_validates(imported):
    result = validate(imported / "datapackage.json")
    assert result.fatal is None
    errors = [f"{f.rule} {f.location()} {f.message}" for f in result.findings if f.severity == "error" and not f.waived]
    assert errors == []


def test_an_unknown_country_stops_the_import_and_writes_nothing(package_copy, tmp_path):
    bad = tmp_path / "countries.xml"
    bad.write_text((FIXTURES / "findings_b.xml").read_text().replace("<Name>Ukraine</Name>", "<Name>Atlantis</Name>"))
    before = tree_digest(package_copy)
    result = run_cli("import-ilab", str(bad), cwd=package_copy)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"error: {bad}: a spelling of the country name maps to no country:" in result.stderr
    assert f"{bad}:5: the country name 'Atlantis' maps to no country in country_names (closest known names: " in result.stderr
    assert "nothing was written" in result.stderr
    assert tree_digest(package_copy) == before


@pytest.mark.parametrize("fixture,replacements,lines", [
    # a country's Name, a good's Derived_Country and another Name: every one listed, at its line
    ("findings_c.xml", [("<Name>Pakistan</Name>", "<Name>Pakistn</Name>"), ("<Derived_Country>No</Derived_Country>",
                        "<Derived_Country>Indai</Derived_Country>"), ("<Name>Malaysia</Name>", "<Name>Malaysai</Name>")],
     {"Pakistn": ("4", "Pakistan"), "Indai": ("17", "India"), "Malaysai": ("86", "Malaysia")}),
    # the goods file: a country's Country_Name and a Derived_Country
    ("goods_c.xml", [("<Country_Name>Pakistan</Country_Name>", "<Country_Name>Pakistn</Country_Name>"),
                     ("<Derived_Country>No</Derived_Country>\n", "<Derived_Country>Burm</Derived_Country>\n")],
     {"Pakistn": ("7", "Pakistan"), "Burm": ("13", "Burma")}),
])
def test_every_unknown_country_name_of_a_file_is_listed_at_once(package_copy, tmp_path, fixture, replacements, lines):
    bad = tmp_path / fixture
    content = (FIXTURES / fixture).read_text()
    for old, new in replacements:
        assert old in content
        content = content.replace(old, new, 1)
    bad.write_text(content)
    before = tree_digest(package_copy)
    result = run_cli("import-ilab", str(bad), cwd=package_copy)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"error: {bad}: {len(lines)} spellings of the country name map to no country:" in result.stderr
    listed = re.findall(rf"^{re.escape(str(bad))}:(\d+): the country name '([^']*)' maps to no country in country_names "
                        r"\(closest known names: '([^']*)'", result.stderr, flags=re.MULTILINE)
    assert {name: (line, closest) for line, name, closest in listed} == lines
    assert "add each to data/country_names.csv" in result.stderr and "nothing was written" in result.stderr
    assert tree_digest(package_copy) == before


@pytest.mark.parametrize("content,words", [
    ("<Countries><Country><Name>Ukraine</Name>", "not well-formed XML"),
    ("<Other/>", "root element is <Other>"),
    ("<Countries><Country><Name>Ukraine</Name><Description>No year here.</Description></Country></Countries>",
     "cannot tell the report year"),
])
def test_unusable_files_are_refused(package_copy, tmp_path, content, words):
    bad = tmp_path / "x.xml"
    bad.write_text(content)
    before = tree_digest(package_copy)
    with pytest.raises(SourceError, match=words.replace("(", r"\(")):
        import_files(package_copy, [bad])
    assert tree_digest(package_copy) == before


def test_a_goods_file_whose_year_cannot_be_told_is_refused(package_copy):
    with pytest.raises(SourceError, match="names no year"):
        import_files(package_copy, [FIXTURES / "goods_c.xml"])


def test_every_fixture_path_is_mapped():
    for path in FIXTURES.glob("*.xml"):
        assert unmapped_paths(etree.parse(str(path), etree.XMLParser(remove_comments=True)).getroot()) == Counter(), path


def test_an_unmapped_element_is_reported_not_silently_dropped(package_copy, tmp_path):
    extra = tmp_path / "countries.xml"
    extra.write_text((FIXTURES / "findings_b.xml").read_text().replace("<Conventions>", "<New_Thing>1</New_Thing><Conventions>"))
    batch, _ = import_files(package_copy, [extra])
    assert any("Country/New_Thing (1 times) is not mapped" in w for w in batch[0].warnings)


# --- the real files -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ilab(shared) -> list[Path]:
    files = sorted((shared / "ilab").glob("*.xml"))
    if not files:
        pytest.skip("../shared/ilab holds no XML files")
    return files


def test_every_element_path_of_every_year_is_mapped_or_dropped_with_a_reason(ilab):
    seen: dict[str, set[int]] = {}
    for path in ilab:
        root = etree.parse(str(path)).getroot()
        assert unmapped_paths(root) == Counter(), path.name
        for element in root.iter():
            if element is not root:
                seen.setdefault(normalised_path(element), set()).add(path.name)
    for path in seen:
        assert PATHS[path], path
    dropped = {p: PATHS[p] for p in seen if PATHS[p].startswith("dropped:")}
    assert all(len(reason) > len("dropped: ") + 10 for reason in dropped.values())


@pytest.mark.slow
def test_the_committed_data_is_what_importing_the_shared_files_gives(ilab, full_copy):
    before = tree_digest(full_copy / "data")
    batch, counts = import_files(full_copy, ilab)
    assert tree_digest(full_copy / "data") == before, "run: rightsdata import-ilab ../shared/ilab/*.xml"
    years = sorted(b.source["report_year"] for b in batch if b.source["source_id"].startswith("ilab-countries-"))
    assert years == list(range(2013, 2023))
    assert 1400 <= counts["assessments"] <= 1500  # about 145 countries a year


def test_ukraine_2016_from_the_xml_beside_the_chapter(repo, repo_validated):
    enforcement = read_csv(repo / "data/enforcement.csv")
    xml = one([r for r in enforcement if r["source_id"] == "ilab-countries-2016"], country="UKR", indicator="inspectors")
    chapter = one([r for r in enforcement if r["source_id"] == "ukr-findings-2016"], indicator="inspectors", data_year=2016)
    assert (xml["value"], chapter["value"]) == ("648", "510")  # both kept; the rule sources-agree-enforcement shows it
    disagreements = [f for f in repo_validated.findings if f.rule == "sources-agree-enforcement" and f.key["country"] == "UKR"]
    assert any(f.key["source_id"] == "ukr-findings-2016" and f.key["indicator"] == "inspectors" for f in disagreements)


def test_one_country_can_be_followed_across_ten_years(repo):
    inspectors = [r for r in read_csv(repo / "data/enforcement.csv")
                  if r["country"] == "UKR" and r["indicator"] == "inspectors" and r["source_id"].startswith("ilab-countries-")]
    assert sorted(int(r["report_year"]) for r in inspectors) == list(range(2015, 2023))
    assert all(r["data_year"] == r["report_year"] for r in inspectors)


@pytest.mark.parametrize("printed,expected", [
    ("2009 – 2013", (2009, 2013, None)), ("2012, 2013", (2012, 2013, None)), ("2013", (2013, 2013, None)),
    ("2009\u00ad – 2013", (2009, 2013, None)), ("2012 -- 2014", (2012, 2014, None)),
    ("2009 –2 013", (None, None, "cannot be read")), ("2009 – 2013 2009 – 2013", (None, None, "cannot be read")),
    ("2009 – 2011 – 2013", (None, None, "several ranges")), ("", (None, None, None)),
])
def test_years_of_suggested_actions(printed, expected):
    from rightsdata.importers.ilab import years_of

    first, last, why = years_of(printed)
    assert (first, last) == expected[:2]
    assert (why is None) == (expected[2] is None) and (expected[2] is None or expected[2] in why)


@pytest.mark.parametrize("printed,status,value,answer,marks,note", [
    ("1,378", "reported", 1378, None, None, None), ("49, 363", "reported", 49363, None, None, "space"),
    ("$1.2 Million", "reported", 1200000, None, None, None), ("$1,469,555†", "reported", 1469555, None, "†", None),
    ("Yes (2425-26)", "reported", None, True, None, "not expanded"), ("NO", "reported", None, False, None, None),
    ("Unknown*", "unknown", None, None, "*", None), ("Not Applicable", "not_applicable", None, None, None, None),
    ("n/a", "not_applicable", None, None, None, None), ("Unavailable", "unavailable", None, None, None, None),
    ("", "not_reported", None, None, None, None), ("None", "malformed", None, None, None, "neither"),
    ("MTC", "malformed", None, None, None, "neither"), ("16+", "malformed", None, None, None, "neither"),
])
def test_reading_printed_cells(printed, status, value, answer, marks, note):
    from rightsdata.importers.ilab import Reading

    r = Reading(printed)
    assert (r.status, r.value, r.answer, r.marks) == (status, value, answer, marks)
    assert (not r.notes) == (note is None) and (note is None or note in " ".join(r.notes))


def test_a_year_that_repeats_the_next_is_noted(repo, shared):
    note = one([r for r in read_csv(repo / "data/sources.csv")], source_id="ilab-countries-2016")["note"]
    assert "probably the 2017 report's figures" in note
    others = [r for r in read_csv(repo / "data/sources.csv") if r["source_id"].startswith("ilab-countries-") and
              r["source_id"] != "ilab-countries-2016"]
    assert not any("probably" in r["note"] for r in others)
