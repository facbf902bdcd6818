"""countries and country_names: generated from pycountry, never typed by hand; variants map names
that sources use."""

import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rightsdata import countries


def test_iso_rows_are_exactly_what_pycountry_gives(tables):
    recorded = next(r for r in tables["sources"] if r["source_id"] == "pycountry")
    installed = countries.pycountry_version()
    if installed not in recorded["title"]:
        pytest.skip(f"pycountry {installed} is installed; the package was generated with {recorded['title'].split(':')[0]}"
                    " (run `rightsdata build-countries` to move to it)")
    expected_countries, expected_names, source = countries.pycountry_rows()
    iso = [r for r in tables["countries"] if r["source_id"] == "pycountry"]
    assert {r["code"]: (r["name"], r["alpha_2"], r["numeric"]) for r in iso} == {
        c["code"]: (c["name"], c["alpha_2"], c["numeric"]) for c in expected_countries}
    names = {r["name"]: (r["code"], r["kind"]) for r in tables["country_names"] if r["source_id"] == "pycountry"}
    assert names == {n["name"]: (n["code"], n["kind"]) for n in expected_names}
    assert recorded["sha256"] == source["sha256"]


def test_every_iso_country_is_there_once(tables):
    codes = [r["code"] for r in tables["countries"]]
    assert len(codes) == len(set(codes)) == len(pycountry.countries) + 1  # + XKX
    assert {r["code"] for r in tables["countries"] if r["code_status"] == "user_assigned"} == {"XKX"}


@pytest.mark.parametrize("name,code", [
    ("Burma", "MMR"), ("Cote d'Ivoire", "CIV"), ("Côte d'Ivoire", "CIV"), ("Congo, Democratic Republic of the", "COD"),
    ("West Bank and the Gaza Strip", "PSE"), ("Kosovo", "XKX"), ("Ukraine", "UKR"), ("Tajikistan", "TJK"),
    ("Saint Helena, Ascension, and Tristan da Cunha", "SHN"), ("Montserrat", "MSR"), ("Monteserrat", "MSR"),
    ("  ukraine ", "UKR"), ("Bolivia", "BOL"), ("Türkiye", "TUR"), ("Turkey", "TUR"),
])
def test_names_sources_use_map_to_a_code(repo, name, code):
    assert countries.CountryNames(repo).code(name) == code


@pytest.mark.parametrize("name", ["Atlantis", "Congo (Kinshasa)", "Guinea-Bissau Republic", ""])
def test_a_name_that_maps_to_nothing_is_an_error_not_a_guess(repo, name):
    with pytest.raises(countries.UnknownCountry):
        countries.CountryNames(repo).code(name)


def test_build_is_idempotent_and_keeps_curated_rows(package_copy):
    before = {p.name: p.read_bytes() for p in (package_copy / "data").iterdir()}
    recorded = (package_copy / "data/sources.csv").read_text()
    if countries.pycountry_version() not in recorded:
        pytest.skip("another pycountry version is installed; the rebuild would change the data")
    countries.build(package_copy)
    after = {p.name: p.read_bytes() for p in (package_copy / "data").iterdir()}
    assert after == before


@pytest.fixture(scope="module")
def names(repo) -> countries.CountryNames:
    return countries.CountryNames(repo)


@pytest.mark.parametrize("name,closest", [
    ("Tadjikistan", "Tajikistan"), ("Andora", "Andorra"), ("Untied States", "United States"), ("republicofkorae", "Republic of Korea"),
])
def test_closest_suggests_the_names_a_misspelling_is_nearest(names, name, closest):
    found = names.closest(name)
    assert found[0] == closest and len(found) <= 3
    with pytest.raises(countries.UnknownCountry):
        names.code(name)  # a suggestion, never a mapping


def test_closest_suggests_nothing_for_a_name_like_none(names):
    assert names.closest("") == [] and names.closest("Xqzvw") == []


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_a_known_name_or_one_letter_off_finds_itself_first(names, data):
    """A name of country_names is its own closest name (or one the same but for case, accents and
    spacing); with one letter dropped from a name of 8 letters or more, it is still among the three closest."""
    known = data.draw(st.sampled_from(sorted(names.exact)))
    first = names.closest(known)[0]
    assert countries.fold(first) == countries.fold(known) or countries.slug(first) == countries.slug(known)
    letters = [i for i, ch in enumerate(known) if ch.isalpha()]
    if len(letters) >= 8:
        i = data.draw(st.sampled_from(letters))
        typo = known[:i] + known[i + 1:]
        close = names.closest(typo)
        assert any(countries.slug(c) == countries.slug(known) for c in close), (typo, close)
