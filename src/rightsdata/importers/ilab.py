"""The US Department of Labor's machine-readable Findings data (ILAB XML, report years 2013-2022).

One file is one report year, whatever its name says: the year is read from the content (the
country descriptions open "In 2016, Afghanistan made ..."). The structure drifts between years and
this module harmonises it into the package's resources:

- 2013 and 2014 keep ratifications and minimum ages in Master_Data, with years per suggested
  action; later years have Conventions, Legal_Standards, Enforcements and Mechanisms;
- some countries split values by territory (Territory elements): each territory is a row with
  its name in `territory`; no national value is ever made up from them;
- a value can be a number ("1,378", "$1.1 million"), Yes/No in any case, Unknown, Unavailable,
  N/A, blank, or something else; footnote marks (*, †, ‡) and glued citations are kept apart;
  what cannot be read is kept as printed with status `malformed`;
- shares are percent in 2013-2015 (7.5) and fractions from 2016 (0.075); the package stores
  percent and says how each value was printed (`printed_unit`).

`PATHS` lists every element path the data has, with where it goes or why it is dropped; an
element the list lacks is reported by the import and fails the coverage test.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

from lxml import etree

from rightsdata import importers, tables
from rightsdata.cells import LIST_DELIMITER, control_character
from rightsdata.countries import CountryNames
from rightsdata.importers import SourceError, SourceRows, check_names, manifest_entry, read_source

RESOURCES = ["assessments", "statistics", "ratifications", "legal_standards", "enforcement", "suggested_actions",
             "goods", "good_sectors", "mechanisms"]
PUBLISHER = "United States Department of Labor, Bureau of International Labor Affairs"
LICENCE = "Work of the United States government: public domain in the United States (17 U.S.C. 105)."
FRACTION_FROM = 2016  # report years from which the publisher prints shares as fractions

LEVELS = {"significant advancement": "significant_advancement", "moderate advancement": "moderate_advancement",
          "minimal advancement": "minimal_advancement", "no advancement": "no_advancement",
          "no assessment": "no_assessment"}

CONVENTIONS = {"C_138_Ratified": "c138", "C_182_Ratified": "c182", "Convention_on_the_Rights_of_the_Child_Ratified": "crc",
               "CRC_Armed_Conflict_Ratified": "crc_opac", "CRC_Commercial_Sexual_Exploitation_of_Children_Ratified": "crc_opsc",
               "Palermo_Ratified": "palermo"}

LEGAL = {"Minimum_Work": "minimum_age_work", "Minimum_Hazardous_Work": "minimum_age_hazardous_work",
         "Types_Hazardous_Work": "hazardous_occupations_identified", "Prohibition_Forced_Labor": "prohibition_forced_labor",
         "Prohibition_Child_Trafficking": "prohibition_child_trafficking", "Prohibition_CSEC": "prohibition_csec",
         "Prohibition_Illicit_Activities": "prohibition_illicit_activities",
         "Minimum_Compulsory_Military": "minimum_age_military_state_compulsory",
         "Minumum_Voluntary_Military": "minimum_age_military_state_voluntary",  # sic
         "Minumum_Non_State_Military": "minimum_age_military_non_state",  # sic
         "Compulsory_Education": "compulsory_education_age", "Free_Public_Education": "free_public_education"}

# Master_Data (2013, 2014): (element saying whether the standard exists, element with the age)
MASTER_LEGAL = {
    "minimum_age_work": ("Minimum_Age_for_Work_Estabslished", "Minimum_Age_for_Work"),
    "minimum_age_hazardous_work": ("Minimum_Age_for_Hazardous_Work_Estabslished", "Minimum_Age_for_Hazardous_Work"),
    "compulsory_education_age": (("Compulsory_Education_Age_Estabslished", "Compulsory_Education_Age_Established"),
                                 "Minimum_Age_for_Compulsory_Education"),
    "free_public_education": ("Free_Public_Education_Estabslished", None),
}
MASTER_MECHANISMS = {"Country_has_Mechanism_to_Coordinate_its_Efforts_in_Combatting_the_WFCL": "coordination",
                     "National_Policy_on_WFCL_Estabslished": "policy"}

ENFORCEMENT = {
    "Labor_Funding": ("labor", "funding"), "Labor_Inspectors": ("labor", "inspectors"),
    "Labor_Inspectors_Intl_Standards": ("labor", "inspectors_meet_ilo_standard"),
    "Dedicated_Labor_Inspectors": ("labor", "dedicated_inspectors"),
    "Authorized_Access_Penalties": ("labor", "authorized_to_assess_penalties"),  # sic: Access for Assess
    "Labor_New_Employee_Training": ("labor", "initial_training"), "Labor_New_Law_Training": ("labor", "new_law_training"),
    "Labor_Refresher_Courses": ("labor", "refresher_courses"), "Labor_Inspections": ("labor", "inspections"),
    "Labor_Worksite_Inspections": ("labor", "inspections_worksite"),
    "Labor_Desk_Review_Inspections": ("labor", "inspections_desk_review"),
    "Labor_Violations": ("labor", "violations_found"), "Labor_Penalties_Imposed": ("labor", "violations_penalties_imposed"),
    "Labor_Penalties_Collected": ("labor", "penalties_collected"),
    "Labor_Routine_Inspections_Conducted": ("labor", "routine_inspections_conducted"),
    "Labor_Routine_Inspections_Targeted": ("labor", "routine_inspections_targeted"),
    "Labor_Unannounced_Inspections_Premitted": ("labor", "unannounced_inspections_permitted"),  # sic
    "Labor_Unannounced_Inspections_Conducted": ("labor", "unannounced_inspections_conducted"),
    "Labor_Complaint_Mechanism": ("labor", "complaint_mechanism"), "Labor_Referral_Mechanism": ("labor", "referral_mechanism"),
    "Criminal_New_Employee_Training": ("criminal", "initial_training"),
    "Criminal_New_Law_Training": ("criminal", "new_law_training"),
    "Criminal_Refresher_Courses": ("criminal", "refresher_courses"), "Criminal_Investigations": ("criminal", "investigations"),
    "Criminal_Violations": ("criminal", "violations_found"), "Criminal_Prosecutions": ("criminal", "prosecutions"),
    "Criminal_Convictions": ("criminal", "convictions"), "Criminal_Referral_Mechanism": ("criminal", "referral_mechanism"),
    "Criminal_Penalties_for_WFCL": ("criminal", "penalties_imposed_wfcl"),
}

AREAS = {"Legal_Framework": "legal_framework", "Laws": "legal_framework", "Laws_and_Regulations": "legal_framework",
         "Enforcement": "enforcement", "Coordination": "coordination", "Government_Policies": "government_policies",
         "Policies": "government_policies", "Social_Programs": "social_programs"}

# Country_Statistics: element -> (indicator of its main value, the value's element)
STATISTICS = {
    "Children_Work_Statistics": ("working_children", "Total_Percentage_of_Working_Children"),
    "Education_Statistics_Attendance_Statistics": ("attending_school", "Percentage"),
    "Children_Working_and_Studying_7-14_yrs_old": ("combining_work_and_school", "Total"),
    "UNESCO_Primary_Completion_Rate": ("primary_completion_rate", "Rate"),
}
MECHANISMS = ("Coordination", "Policy", "Program")
SECTORS = {"Agriculture": "working_children_agriculture", "Industry": "working_children_industry",
           "Services": "working_children_services"}


def dropped(reason: str) -> str:
    return "dropped: " + reason


# Every element path of the data (from Country, or from Good in the goods file) and where it goes.
PATHS: dict[str, str] = {
    "Country": "one country-year: its rows of assessments and the other resources",
    "Country/Name": "assessments.country and the country of its other rows (mapped through country_names)",
    "Country/ISO2": dropped("the alpha-2 code (2013-2014); checked against the country's code, not stored twice"),
    "Country/ISO3": dropped("the alpha-3 code (2013-2014); checked against the country's code, not stored twice"),
    "Country/Region": "assessments.region (a country listed without an assessment has no row, so its region is dropped: 12 in 2021)",
    "Country/Webpage": "assessments.webpage (a country listed without an assessment has no row, so its page is dropped: "
                       "10-16 a year in 2018-2021)",
    "Country/Multiple_Territories": dropped("a Yes/No flag; the territory column of each row says the same"),
    "Country/Advancement_Level": "assessments.advancement_level, qualifier, heading_as_printed",
    "Country/Automatic_Downgrade": "assessments.qualifier, heading_as_printed (2016-2017)",
    "Country/Description": "assessments.summary",
    "Country/Goods": "goods",
    "Country/Goods/Good": "goods (one row)",
    "Country/Goods/Good/Good_Name": "goods.good",
    "Country/Goods/Good/Child_Labor": "goods.child_labor",
    "Country/Goods/Good/Forced_Labor": "goods.forced_labor",
    "Country/Goods/Good/Forced_Child_Labor": "goods.forced_child_labor",
    "Country/Goods/Good/Derived_Labor_Exploitation": "goods.derived_labor_exploitation",
    "Country/Goods/Good/Derived_Country": "goods.derived_country_as_printed, derived_from_country",
    "Country/Country_Statistics": "statistics",
    "Country/Country_Statistics/*": "statistics (one indicator; repeated fields start a new item)",
    "Country/Country_Statistics/*/Age_Range": "statistics.age_range_as_printed, age_min, age_max",
    "Country/Country_Statistics/*/Year": "statistics.data_year_as_printed, data_year (2013-2014)",
    "Country/Country_Statistics/Children_Work_Statistics/Total_Percentage_of_Working_Children": "statistics (working_children).value",
    "Country/Country_Statistics/Children_Work_Statistics/Total_Working_Population": "statistics (working_children).population",
    "Country/Country_Statistics/Children_Work_Statistics/Agriculture": "statistics (working_children_agriculture).value",
    "Country/Country_Statistics/Children_Work_Statistics/Industry": "statistics (working_children_industry).value",
    "Country/Country_Statistics/Children_Work_Statistics/Services": "statistics (working_children_services).value",
    "Country/Country_Statistics/Education_Statistics_Attendance_Statistics/Percentage": "statistics (attending_school).value",
    "Country/Country_Statistics/Children_Working_and_Studying_7-14_yrs_old/Total": "statistics (combining_work_and_school).value",
    "Country/Country_Statistics/UNESCO_Primary_Completion_Rate/Rate": "statistics (primary_completion_rate).value",
    "Country/Master_Data": "ratifications, legal_standards, mechanisms (2013-2014)",
    "Country/Master_Data/*": "ratifications (the conventions), legal_standards (established, age), mechanisms",
    "Country/Conventions": "ratifications",
    "Country/Conventions/*": "ratifications (one convention)",
    "Country/Legal_Standards": "legal_standards",
    "Country/Legal_Standards/*": "legal_standards (one standard)",
    "Country/Legal_Standards/*/Standard": "legal_standards.standard_exists",
    "Country/Legal_Standards/*/Age": "legal_standards.age_as_printed, age",
    "Country/Legal_Standards/*/Calculated_Age": "legal_standards.age_calculated",
    "Country/Legal_Standards/*/Conforms_To_Intl_Standard": "legal_standards.meets_as_printed, meets_international_standards",
    "Country/Legal_Standards/*/Territory": "legal_standards (one territory)",
    "Country/Legal_Standards/*/Territory/Territory_Name": "legal_standards.territory",
    "Country/Legal_Standards/*/Territory/Territory_Display_Name": dropped(
        "a display label, the same as Territory_Name but for Pakistan's 'National' shown as 'National Total'"),
    "Country/Legal_Standards/*/Territory/Standard": "legal_standards.standard_exists",
    "Country/Legal_Standards/*/Territory/Age": "legal_standards.age_as_printed, age",
    "Country/Legal_Standards/*/Territory/Calculated_Age": "legal_standards.age_calculated",
    "Country/Legal_Standards/*/Territory/Conforms_To_Intl_Standard": "legal_standards.meets_as_printed, meets_international_standards",
    "Country/Enforcements": "enforcement",
    "Country/Enforcements/*": "enforcement (one indicator)",
    "Country/Enforcements/*/Territory": "enforcement (one territory)",
    "Country/Enforcements/*/Territory/Territory_Name": "enforcement.territory",
    "Country/Enforcements/*/Territory/Territory_Display_Name": dropped(
        "a display label, the same as Territory_Name but for Pakistan's 'National' shown as 'National Total'"),
    "Country/Enforcements/*/Territory/Enforcement": "enforcement.value_as_printed (and value, answer, status)",
    "Country/Mechanisms": "mechanisms",
    "Country/Mechanisms/*": "mechanisms (one mechanism)",
    "Country/Suggested_Actions": "suggested_actions",
    "Country/Suggested_Actions/*": "suggested_actions.area_as_printed, area (or, where the publisher put an action's text in "
                                   "the element's name, suggested_actions.action)",
    "Country/Suggested_Actions/*/Action": "suggested_actions (one row)",
    "Country/Suggested_Actions/*/Action/Name": "suggested_actions.action (or its years, see above)",
    "Country/Suggested_Actions/*/Action/Years": "suggested_actions.years_as_printed, first_year, last_year (2013-2014)",
    "Country/ILAB_Projects": dropped("a list of ILAB-funded projects with links to the publisher's site (2019-2022); "
                                     "not part of the Findings' tables"),
    "Country/ILAB_Projects/Project": dropped("see ILAB_Projects"),
    "Country/ILAB_Projects/Project/Title": dropped("see ILAB_Projects"),
    "Country/ILAB_Projects/Project/Link": dropped("see ILAB_Projects"),
    # goods_2022.xml, by good
    "Good": "good_sectors (one row) and its countries' goods rows",
    "Good/Good_Name": "good_sectors.good, goods.good",
    "Good/Good_Sector": "good_sectors.sector",
    "Good/Countries": "goods",
    "Good/Countries/Country": "goods (one row)",
    "Good/Countries/Country/Country_Name": "goods.country (mapped through country_names)",
    "Good/Countries/Country/Country_Region": dropped("the region; the countries files give it per country-year (assessments.region)"),
    "Good/Countries/Country/Child_Labor": "goods.child_labor",
    "Good/Countries/Country/Forced_Labor": "goods.forced_labor",
    "Good/Countries/Country/Forced_Child_Labor": "goods.forced_child_labor",
    "Good/Countries/Country/Derived_Labor_Exploitation": "goods.derived_labor_exploitation",
    "Good/Countries/Country/Derived_Country": "goods.derived_country_as_printed, derived_from_country",
}


def normalised_path(element) -> str:
    """The element's path from Country (or Good), with the variable names (an indicator, a
    standard, a statistic, an area) replaced by *, as PATHS spells it."""
    tags = []
    parent = element.getparent() if element is not None else None
    while parent is not None:  # up to, not including, the root
        tags.append(element.tag)
        element, parent = parent, parent.getparent()
    tags.reverse()
    return path_of(tuple(tags))


TABLES = ("Country_Statistics", "Master_Data", "Conventions", "Legal_Standards", "Enforcements", "Mechanisms", "Suggested_Actions")


def path_of(tags: tuple[str, ...]) -> str:
    """`normalised_path` of the element whose tags, from below the root down to it, are `tags`."""
    if tags and tags[0] == "Country" and len(tags) >= 3 and tags[1] in TABLES:
        specific = "/".join(tags)
        if specific in PATHS:
            return specific
        tags = (*tags[:2], "*", *tags[3:])
    return "/".join(tags)


def unmapped_paths(root) -> Counter:
    """Element paths of a file that PATHS does not list (and so were not imported). One walk down
    the tree, each element's path made from its parent's tags and each distinct path normalised
    once (walking up from every element to the root took a tenth of import-ilab's time). Each
    path's children are found by tag in a dict of their own, handed down with the element: no
    tuple of tags made and hashed for each element."""
    found: Counter = Counter()
    todo = [(root, (), {})]  # (element, its tags from the root, its children's steps by tag)
    while todo:
        element, tags, steps = todo.pop()
        for child in element:
            tag = child.tag
            step = steps.get(tag)
            if step is None:
                if not isinstance(tag, str):
                    continue  # a comment or processing instruction
                below = (*tags, tag)
                path = path_of(below)
                # (the tags, the path when PATHS lacks it, else None, the steps below)
                step = steps[tag] = (below, None if path in PATHS else path, {})
            below, unmapped, below_steps = step
            if unmapped is not None:
                found[unmapped] += 1
            todo.append((child, below, below_steps))
    return found


def known_tags() -> dict[str, set[str]]:
    """The elements of each table of a country that the import reads (PATHS maps the others of
    these tables as * too: without this list, a new indicator would be skipped unsaid)."""
    master = {t for pair in MASTER_LEGAL.values() for tags in pair if tags
              for t in ((tags,) if isinstance(tags, str) else tags)}
    return {"Legal_Standards": set(LEGAL), "Enforcements": set(ENFORCEMENT), "Conventions": set(CONVENTIONS),
            "Country_Statistics": set(STATISTICS), "Mechanisms": set(MECHANISMS),
            "Master_Data": set(CONVENTIONS) | set(MASTER_MECHANISMS) | master}


def unread_elements(path: Path, country) -> list[str]:
    """Warnings for the elements of a country's tables that no row is made of."""
    known = known_tags()
    return [f"{path}:{child.sourceline}: element {table.tag}/{child.tag} is none the import reads; it was not imported"
            for table in country if table.tag in known
            for child in table if isinstance(child.tag, str) and child.tag not in known[table.tag]]


# --- reading values -------------------------------------------------------------------------------

def text(element) -> str | None:
    """The element's text without surrounding whitespace (XML layout); None for a missing element."""
    if element is None:
        return None
    return (element.text or "").strip()


MARKS = "*†‡"


# The two tails below are cut with str methods, not with a search for r"\s*(...)$": that
# search tries every start in a run of spaces, and a value with 50,000 of them took minutes.
def citation_tail(text: str) -> tuple[str, str | None]:
    """(text before, group) of a citation group closing the text ("Yes (2425-26)"), spaces
    before it dropped; (text, None) when there is none."""
    start = text.rfind("(")
    if not text.endswith(")") or start < 0 or ")" in text[start + 1:-1]:
        return text, None
    return text[:start].rstrip(), text[start:]


def marks_tail(text: str) -> tuple[str, str | None]:
    """(text before, marks) of the footnote marks closing the text ("16‡"), spaces before them dropped."""
    rest = text.rstrip(MARKS)
    if len(rest) == len(text):
        return text, None
    return rest.rstrip(), text[len(rest):]


NUMBER = re.compile(r"^\$?\s*(\d{1,3}(?:,\s?\d{3})+|\d+)(\.\d+)?(?:\s*(million|billion))?$", re.IGNORECASE)
SIGNIFICANT_DIGITS = 15  # what a float (the package's number type) holds exactly
# Patterns of the per-value reading, compiled once (re's cache looked up for each of 53,000 values otherwise).
NON_DIGITS = re.compile(r"\D")
SPACED_THOUSANDS = re.compile(r"\d,\s\d")
SEPARATORS = re.compile(r"[,\s]")
CITATION_RANGE = re.compile(r"(\d{1,3})(?:\s*[-–]\s*(\d{1,3}))?").fullmatch
WORDS = {"unknown": "unknown", "unavailable": "unavailable", "n/a": "not_applicable", "na": "not_applicable",
         "not applicable": "not_applicable"}


class Reading:
    """A printed cell read: status, and a number or a yes/no answer, with what was set apart."""

    def __init__(self, printed: str | None):
        self.printed = printed
        self.status, self.value, self.answer = "not_reported", None, None
        self.marks = self.citations_as_printed = self.citations = None
        self.notes: list[str] = []
        if not printed:
            return
        core = printed
        core, group = citation_tail(core)
        if group:
            self.citations_as_printed = group
            self.citations = expand_citations(group)
            if self.citations is None:
                self.notes.append(f"citation group {group} printed without separators; not expanded")
        core, self.marks = marks_tail(core)
        word = core.strip().lower()
        if word in WORDS:
            self.status = WORDS[word]
        elif word in ("yes", "no"):
            self.status, self.answer = "reported", word == "yes"
        elif (value := number(core)) is not None:  # (read once: it was read up to three times)
            if len(NON_DIGITS.sub("", core).strip("0")) > SIGNIFICANT_DIGITS:
                # A float (the package's number) would change its digits, or be inf: kept as printed.
                self.status = "malformed"
                self.notes.append(f"{printed[:40]!r}{'...' if len(printed) > 40 else ''} has more than {SIGNIFICANT_DIGITS} "
                                  "significant digits, more than a number of the package keeps exactly; kept as printed")
            else:
                self.status, self.value = "reported", value
                if SPACED_THOUSANDS.search(core):
                    self.notes.append(f"thousands separator printed with a space ({core.strip()!r}); read as {self.value}")
        else:
            self.status = "malformed"
            self.notes.append(f"{printed!r} is neither a number nor an answer the package knows; kept as printed")


def number(printed: str) -> Decimal | None:
    m = NUMBER.match(printed.strip())
    if not m:
        return None
    whole = SEPARATORS.sub("", m.group(1))
    value = Decimal(whole + (m.group(2) or ""))
    return value * {None: 1, "million": 10**6, "billion": 10**9}[(m.group(3) or "").lower() or None]


def expand_citations(group: str) -> list[int] | None:
    """(1-3, 8) -> [1, 2, 3, 8]; None when the group cannot be read (descending ranges, no separators)."""
    out: list[int] = []
    for part in group.strip("()").split(","):
        part = part.strip()
        m = CITATION_RANGE(part)
        if not m:
            return None
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        if last < first:
            return None
        out += [n for n in range(first, last + 1) if n not in out]
    return out


def as_float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def yes_no(printed: str | None) -> bool | None:
    word = marks_tail(printed or "")[0].strip().lower()
    return {"yes": True, "no": False}.get(word)


def sentence_case(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].upper() + text[1:].lower()


def count_of(printed: str | None) -> tuple[int | None, str | None]:
    """An age or a population printed as one whole number ("18", "18.0", "16‡", "193, 917"): the
    number (with a note on how it was read, if anything was unusual), or None and why not.
    Unknown, N/A and blanks are no number and need no note."""
    reading = Reading(printed)
    if reading.value is not None:
        if reading.value != reading.value.to_integral_value():
            return None, f"{printed!r} is not a whole number; kept as printed"
        return int(reading.value), "; ".join(reading.notes) or None
    if reading.status in ("malformed", "reported"):  # "12/13", "None", or a yes/no where a number belongs
        return None, f"{printed!r} is not one whole number; kept as printed"
    return None, None


def year_from(printed: str | None) -> int | None:
    if printed and re.fullmatch(r"(19|20)\d\d(\.0)?", printed):
        return int(printed[:4])
    return None


def years_of(printed: str | None) -> tuple[int | None, int | None, str | None]:
    """'2009 – 2013', '2012, 2013', '2013' -> (first, last, None); (None, None, why) when the
    text is not one year, one range or one list of years. Soft hyphens and doubled dashes are
    typesetting and ignored."""
    if not printed:
        return None, None, None
    text = printed.replace("\u00ad", "").replace("--", "-")
    if not re.fullmatch(r"(19|20)\d\d(\s*(?:[-–]|,)\s*(19|20)\d\d)*", text):
        return None, None, f"years printed as {printed!r} cannot be read as one year or one range; not guessed"
    years = [int(y) for y in re.findall(r"\d{4}", text)]
    if re.search(r"[-–]", text) and len(years) != 2:
        return None, None, f"years printed as {printed!r} hold several ranges; not reduced to one"
    return years[0], years[-1], None


# --- the import -----------------------------------------------------------------------------------

MAX_DEPTH = 16  # levels of elements; the publisher's files have at most 6


def parse(path: Path, data: bytes):
    """The file's root element, read safely: no DTD, entity or network access; libxml2's limits
    on text size and depth kept (no huge_tree). A file with a document type declaration is
    refused: its entities would be left unexpanded and cut values short (`text` reads up to the
    first one), and the publisher's files have none. Nesting deeper than the data's is refused
    too: each element's path is worked out from the root, so depth costs time."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        tree = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as e:
        if doctype_line(data):  # libxml2 stops at some entities (amplification): say why they are not read
            raise SourceError(doctype_refusal(path, data)) from None
        if "Excessive depth" in (e.msg or ""):
            raise SourceError(f"{path}:{e.lineno}: elements nested more than {MAX_DEPTH} levels deep; the Findings data "
                              "has at most 6: is this the publisher's file?") from None
        raise SourceError(f"{path}:{e.lineno}: not well-formed XML: {e.msg}") from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise SourceError(doctype_refusal(path, data))
    depth = 0
    for event, element in etree.iterwalk(tree, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > MAX_DEPTH:
            raise SourceError(f"{path}:{element.sourceline}: <{element.tag}> is nested {depth} levels deep; the "
                              "Findings data has at most 6: is this the publisher's file?")
        # XML refuses most controls itself, not DEL and U+0080-U+009F; validate reports them in
        # the data, and a value cut or changed around one would not be the publisher's.
        found = event == "start" and (control_character(element.text) or control_character(element.tail))
        if found:
            raise SourceError(f"{path}:{element.sourceline}: <{element.tag}> holds the control character {found}, "
                              "which no text of the Findings holds (a damaged file?)")
    return tree.getroot()


def doctype_refusal(path: Path, data: bytes) -> str:
    return (f"{path}:{doctype_line(data) or 1}: the file has a document type declaration (<!DOCTYPE ...>), which the "
            "publisher's files do not: its entities could change or cut values, so it is not read. "
            "Remove the declaration (and any entity it defines) and import again")


def doctype_line(data: bytes) -> int | None:
    """The line of a file's <!DOCTYPE, if its first megabyte has one."""
    at = data.find(b"<!DOCTYPE", 0, 1 << 20)
    return data.count(b"\n", 0, at) + 1 if at >= 0 else None


@importers.register
class Importer(importers.Importer):
    """Import the US Department of Labor's Findings data (countries_YYYY.xml, goods_YYYY.xml).

    Each file's report year is read from its content, never from its name. Its rows replace the
    rows of the same source in assessments, statistics, ratifications, legal_standards,
    enforcement, suggested_actions, goods, good_sectors and mechanisms, and it gets a row in
    sources (with its SHA-256, and its origin from MANIFEST.json). Importing the same file twice
    changes nothing. A country name that maps to no code stops the import before anything is
    written; every such name of the file is listed at once, with its line and the closest known
    names.

    \b
    Example:
      rightsdata import-ilab ../shared/ilab/countries_*.xml ../shared/ilab/goods_2022.xml
    """

    name = "ilab"
    help = __doc__
    resources = RESOURCES
    publisher = PUBLISHER
    licence = LICENCE
    columns = PATHS

    def __init__(self, package_dir: Path, manifest: Path | None = None):
        super().__init__(package_dir, manifest)
        self.names = CountryNames(package_dir)
        self.codes = {r["code"] for r in tables.read_rows(package_dir, "countries")}
        self.indicators = {(r["domain"], r["code"]): (r["answer_type"], r["unit"])
                           for r in tables.read_rows(package_dir, "enforcement_indicators")}
        self.positions: dict = {}  # see `position`; emptied for each file
        self.prefixes: dict = {}  # see `location`; emptied for each file

    def locate(self, element) -> str:
        return location(element, self.positions, self.prefixes)

    @classmethod
    def summary(cls, item: SourceRows) -> str:
        rows = sum(len(v) for v in item.rows.values())
        return f"{item.source['source_id']}: report year {item.source['report_year']}, {rows} rows"

    def read(self, path: Path) -> SourceRows:
        path = Path(path)
        data, digest = read_source(path)
        self.positions, self.prefixes = {}, {}
        root = parse(path, data)
        if root.tag == "Countries":
            return self.read_countries(path, root, digest)
        if root.tag == "Goods":
            return self.read_goods(path, root, digest)
        raise SourceError(f"{path}: the root element is <{root.tag}>; expected <Countries> (Findings data) or <Goods> (List of Goods)")

    # -- provenance ----------------------------------------------------------------------------------

    def ilab_source_row(self, path: Path, digest: str, kind: str, year: int) -> dict:
        entry = manifest_entry(path, digest, self.manifest)
        notes = []
        named = re.search(r"(20\d\d)", str(entry.get("origin_path") or "")) if entry else None
        if named and int(named.group(1)) != year:
            notes.append(f"The file is named for {named.group(1)} in its origin repository, but its content is the {year} report.")
        notes.append("The report year is read from the content" +
                     (" (the country descriptions open 'In YEAR, ...')." if kind == "countries" else
                      " (its goods are exactly those of that year's country data)."))
        what = "country data" if kind == "countries" else "List of Goods, by good"
        return self.source_row(path, digest, f"ilab-{kind}-{year}", entry=entry, notes=notes, report_year=year,
                               title=f"Findings on the Worst Forms of Child Labor {year}: the publisher's {what} (XML)",
                               document_type="findings_dataset" if kind == "countries" else "goods_dataset")

    @staticmethod
    def report_year(path: Path, root) -> int:
        years = Counter()
        for country in root:
            m = re.match(r"\s*In (\d{4}),", country.findtext("Description") or "")
            if m:
                years[int(m.group(1))] += 1
        if not years:
            raise SourceError(f"{path}: no country description says 'In YEAR, ...': cannot tell the report year from the content")
        (year, n), *others = years.most_common()
        if others:
            raise SourceError(f"{path}: the descriptions name several years {dict(years)}: cannot tell the report year")
        return year

    def check_country_names(self, path: Path, root) -> None:
        """Every country name the file prints must map (`check_names`: all the unknown ones are
        listed at once): a country's Name, and a good's Derived_Country other than "No", in a
        countries file; a country's Country_Name and Derived_Country in a goods file."""
        spellings: dict[str, int] = {}

        def printed(element, parent) -> None:
            name = text(element)
            spellings.setdefault(name or "", (element if element is not None else parent).sourceline)

        for top in root:
            if root.tag == "Countries":
                printed(top.find("Name"), top)
                goods = list(top.iter("Good"))
            else:  # a Good of the goods file: a row for each of its countries
                goods = list(top.iter("Country"))
                for country in goods:
                    printed(country.find("Country_Name"), country)
            for good in goods:
                derived = text(good.find("Derived_Country"))
                if derived and derived != "No":
                    printed(good.find("Derived_Country"), good)
        check_names(path, spellings, self.names, "country name")

    # -- countries files -----------------------------------------------------------------------------

    def read_countries(self, path: Path, root, digest: str) -> SourceRows:
        year = self.report_year(path, root)
        out = SourceRows(source=self.ilab_source_row(path, digest, "countries", year), path=path)
        sid = out.source["source_id"]
        self.check_country_names(path, root)
        errors: list[str] = []
        for element in root:
            name = text(element.find("Name"))
            code = self.names.code(name or "")
            iso3 = text(element.find("ISO3"))
            if iso3 and iso3 != code:
                where = f"{path}:{element.find('ISO3').sourceline}: {name!r} has ISO3 {iso3!r} in the file, {code!r} in country_names"
                if iso3 in self.codes:  # another country's code: the name or the code is wrong, and we cannot tell which
                    errors.append(where + "; that is another country's code: resolve which is right before importing")
                else:
                    out.warnings.append(where + f"; {iso3!r} is no ISO 3166-1 code, the name decides")
            base = dict(country=code, report_year=year, source_id=sid)
            self.assessment(out, base, element)
            self.goods(out, base, element)
            self.statistics(out, base, element, year)
            self.ratifications(out, base, element)
            self.legal_standards(out, base, element)
            self.enforcement(out, base, element, year)
            self.mechanisms(out, base, element)
            self.suggested_actions(out, base, element)
            out.warnings += unread_elements(path, element)
        if errors:
            raise SourceError("\n".join(errors))
        out.warnings += self.unmapped(path, unmapped_paths(root))
        return out

    def assessment(self, out, base, element) -> None:
        level_el = element.find("Advancement_Level")
        if level_el is None:
            return
        downgrade = text(element.find("Automatic_Downgrade"))
        heading = downgrade or text(level_el)
        level = qualifier = None
        if heading:  # "Minimal Advancement – Efforts Made but ..." (dashes and spacing vary)
            head, *tail = re.split(r"\s*[–-]\s*", heading, maxsplit=1)
            level = LEVELS.get(head.strip().lower())
            qualifier = sentence_case(tail[0]) if tail else None
        description = element.find("Description")
        heading_el = element.find("Automatic_Downgrade") if downgrade else level_el
        cited = [e for e in (level_el, heading_el, description, element.find("Region"), element.find("Webpage")) if e is not None]
        out.add("assessments", dict(base, advancement_level=level, qualifier=qualifier, heading_as_printed=heading or None,
                                    summary=text(description) or None, region=text(element.find("Region")) or None,
                                    webpage=text(element.find("Webpage")) or None,
                                    source_location=self.locate(heading_el), source_lines=lines_of(cited)))

    def goods(self, out, base, element) -> None:
        for good in element.iter("Good"):
            out.add("goods", self.good_row(base, good, text(good.find("Good_Name"))))

    def good_row(self, base, good, name) -> dict:
        derived = text(good.find("Derived_Country"))
        derived_code = self.names.code(derived) if derived and derived != "No" else None
        return dict(base, good=name, child_labor=yes_no(text(good.find("Child_Labor"))),
                    forced_labor=yes_no(text(good.find("Forced_Labor"))),
                    forced_child_labor=yes_no(text(good.find("Forced_Child_Labor"))),
                    derived_labor_exploitation=yes_no(text(good.find("Derived_Labor_Exploitation"))),
                    derived_country_as_printed=derived or None, derived_from_country=derived_code,
                    source_location=self.locate(good), source_lines=lines_of(list(good)))

    def statistics(self, out, base, element, year) -> None:
        stats = element.find("Country_Statistics")
        if stats is None:
            return
        unit = "fraction" if year >= FRACTION_FROM else "percent"
        for group_el in stats:
            if group_el.tag not in STATISTICS:
                continue
            indicator, value_tag = STATISTICS[group_el.tag]
            # The fields of an indicator may repeat for several populations: a field already seen
            # starts a new item; fields printed after the last repeat belong to that item.
            groups: list[dict] = []
            for field in group_el:
                if not groups or field.tag in groups[-1]:
                    groups.append({})
                groups[-1][field.tag] = field
            for item, fields in enumerate(groups, 1):
                age = text(fields.get("Age_Range"))
                m = re.fullmatch(r"(\d{1,3})-(\d{1,3})", age or "")  # an age, not a 5000-digit int()
                data_year = text(fields.get("Year"))
                common = dict(base, territory="national", item=item, age_range_as_printed=age or None,
                              age_min=int(m.group(1)) if m else None, age_max=int(m.group(2)) if m else None,
                              unit="percent", data_year_as_printed=data_year or None, data_year=year_from(data_year),
                              data_source=None, citations_as_printed=None, citations=None)
                for tag, code in [(value_tag, indicator)] + ([(t, c) for t, c in SECTORS.items()]
                                                             if group_el.tag == "Children_Work_Statistics" else []):
                    if tag not in fields:
                        continue
                    cell = fields[tag]
                    reading = Reading(text(cell))
                    value, notes = None, list(reading.notes)
                    if reading.value is not None:
                        value = reading.value * 100 if unit == "fraction" else reading.value
                    elif reading.answer is not None:
                        reading.status = "malformed"
                        notes.append(f"{reading.printed!r} is an answer where a share is expected")
                    cited = [cell, fields.get("Age_Range"), fields.get("Year")]
                    row = dict(common, indicator=code, label_as_printed=tag, value_as_printed=reading.printed or None,
                               value=as_float(value), printed_unit=unit if value is not None else None, status=reading.status,
                               population_as_printed=None, population=None, source_location=self.locate(cell))
                    if code == "working_children" and "Total_Working_Population" in fields:
                        pop_el = fields["Total_Working_Population"]
                        printed = text(pop_el) or None
                        population, why = count_of(printed)
                        row.update(population_as_printed=printed, population=population)
                        if why:
                            notes.append("population " + why)
                        cited.append(pop_el)
                    row["source_lines"] = lines_of(cited)
                    row["note"] = "; ".join(notes) or None
                    out.add("statistics", row)

    def ratifications(self, out, base, element) -> None:
        for parent in (element.find("Conventions"), element.find("Master_Data")):
            if parent is None:
                continue
            for cell in parent:
                if cell.tag not in CONVENTIONS:
                    continue
                printed = text(cell)
                out.add("ratifications", dict(base, convention=CONVENTIONS[cell.tag], convention_as_printed=cell.tag,
                                              ratified=yes_no(printed), ratified_as_printed=printed or None, note=None,
                                              source_location=self.locate(cell), source_lines=str(cell.sourceline)))

    def legal_standards(self, out, base, element) -> None:
        standards = element.find("Legal_Standards")
        if standards is not None:
            for std in standards:
                code = LEGAL.get(std.tag)
                if code is None:
                    continue
                territories = std.findall("Territory")
                for node in territories or [std]:
                    territory = text(node.find("Territory_Name")) if territories else "national"
                    out.add("legal_standards", self.legal_row(base, code, std.tag, node, territory or "national"))
        master = element.find("Master_Data")
        if master is not None:
            for code, (exists_tags, age_tag) in MASTER_LEGAL.items():
                exists_tags = exists_tags if isinstance(exists_tags, tuple) else (exists_tags,)
                exists_el = next((master.find(t) for t in exists_tags if master.find(t) is not None), None)
                age_el = master.find(age_tag) if age_tag else None
                if exists_el is None and age_el is None:
                    continue
                age_printed = text(age_el) or None
                age, why = count_of(age_printed)
                cells = [c for c in (exists_el, age_el) if c is not None]
                out.add("legal_standards", dict(
                    base, territory="national", standard=code, standard_as_printed=" / ".join(c.tag for c in cells),
                    standard_exists=yes_no(text(exists_el)), standard_exists_as_printed=text(exists_el) or None,
                    meets_international_standards=None, meets_as_printed=None,
                    age=age, age_as_printed=age_printed, age_calculated=None, legislation=None,
                    citations_as_printed=None, citations=None, note=why,
                    source_location=self.locate(cells[0]), source_lines=LIST_DELIMITER.join(str(c.sourceline) for c in cells)))

    def legal_row(self, base, code, tag, node, territory) -> dict:
        age_printed = text(node.find("Age")) or None
        age, why = count_of(age_printed)
        meets_printed = text(node.find("Conforms_To_Intl_Standard")) or None
        calculated = yes_no(text(node.find("Calculated_Age")))
        notes = [why] if why else []
        if age_printed and "‡" in age_printed and calculated is False:
            notes.append("the age is printed with ‡ (calculated), but Calculated_Age says No; age_calculated follows Calculated_Age")
        exists_printed = text(node.find("Standard")) or None
        return dict(base, territory=territory, standard=code, standard_as_printed=tag,
                    standard_exists=yes_no(exists_printed), standard_exists_as_printed=exists_printed,
                    meets_international_standards=yes_no(meets_printed), meets_as_printed=meets_printed,
                    age=age, age_as_printed=age_printed, age_calculated=calculated, legislation=None,
                    citations_as_printed=None, citations=None, note="; ".join(notes) or None,
                    source_location=self.locate(node), source_lines=lines_of([node, *node]))

    def enforcement(self, out, base, element, year) -> None:
        enforcements = element.find("Enforcements")
        if enforcements is None:
            return
        for cell in enforcements:
            if cell.tag not in ENFORCEMENT:
                continue
            domain, indicator = ENFORCEMENT[cell.tag]
            territories = cell.findall("Territory")
            for node in territories or [cell]:
                value_el = node.find("Enforcement") if territories else node
                territory = (text(node.find("Territory_Name")) or "national") if territories else "national"
                reading = Reading(text(value_el))
                kind, unit = self.indicators[(domain, indicator)]
                if kind == "yes_no" and reading.value is not None:
                    reading.notes.append("a number where the indicator asks yes or no; kept in value")
                if kind == "number" and reading.answer is not None:
                    reading.notes.append("a yes or no where the indicator asks a number; kept in answer")
                if unit == "usd" and reading.value is not None and "$" not in (reading.printed or ""):
                    reading.notes.append("printed without a currency sign; the indicator's unit is USD")
                out.add("enforcement", dict(
                    base, territory=territory, data_year=year, domain=domain, indicator=indicator, label_as_printed=cell.tag,
                    value_as_printed=reading.printed or None, value=as_float(reading.value), status=reading.status,
                    answer=reading.answer, marks=reading.marks, citations_as_printed=reading.citations_as_printed,
                    citations=reading.citations, note="; ".join(reading.notes) or None,
                    source_location=self.locate(value_el), source_lines=str(value_el.sourceline)))

    def mechanisms(self, out, base, element) -> None:
        cells = []
        mech = element.find("Mechanisms")
        if mech is not None:
            cells += [(c, c.tag.lower()) for c in mech if c.tag in MECHANISMS]
        master = element.find("Master_Data")
        if master is not None:
            cells += [(c, MASTER_MECHANISMS[c.tag]) for c in master if c.tag in MASTER_MECHANISMS]
        for cell, mechanism in cells:
            printed = text(cell)
            out.add("mechanisms", dict(base, mechanism=mechanism, exists=yes_no(printed), exists_as_printed=printed or None,
                                       source_location=self.locate(cell), source_lines=str(cell.sourceline)))

    def suggested_actions(self, out, base, element) -> None:
        actions = element.find("Suggested_Actions")
        if actions is None:
            return
        item = 0
        for area_el in actions:
            area = AREAS.get(area_el.tag)
            for action in area_el.findall("Action"):
                item += 1
                name_el, years_el = action.find("Name"), action.find("Years")
                notes = []
                if area:
                    action_text, years = text(name_el), text(years_el)
                    area_printed = area_el.tag
                else:  # the publisher wrote the action into the element's name and its years into Name
                    action_text, years, area_printed = area_el.tag, text(name_el), None
                    notes.append("The publisher's data puts this action in the name of an element (words joined by '_', "
                                 "punctuation lost) and its years in Name; the area is not given.")
                if not text(name_el) and not text(years_el):
                    notes.append("an empty Action element")
                first, last, why = years_of(years)
                if why:
                    notes.append(why)
                cited = [action, name_el, years_el] + ([] if area else [area_el])
                out.add("suggested_actions", dict(
                    base, item=item, area=area, area_as_printed=area_printed, action=action_text or None,
                    years_as_printed=years or None, first_year=first, last_year=last, note=" ".join(notes) or None,
                    source_location=self.locate(action), source_lines=lines_of(cited)))

    # -- the goods file ------------------------------------------------------------------------------

    def finish(self, batch: list[SourceRows]) -> list[SourceRows]:
        """A goods file's year is the one whose country data (in the batch or already in the package)
        lists the same goods; a year whose enforcement counts repeat the next year's is noted."""
        countries = [b for b in batch if b.source.get("source_id")]
        for goods_file in (b for b in batch if not b.source.get("source_id")):
            path, digest = goods_file.path, goods_file.source["digest"]
            signature = goods_signature(goods_file.rows["goods"])
            candidates = {b.source["report_year"]: goods_signature(b.rows.get("goods", [])) for b in countries}
            existing = country_rows_of_other_years(self.package_dir, "goods", set(candidates))
            for year in {r["report_year"] for r in existing} - set(candidates):
                candidates[year] = goods_signature([r for r in existing if r["report_year"] == year])
            matches = sorted(y for y, s in candidates.items() if s == signature)
            if len(matches) != 1:
                raise SourceError(f"{path}: its content names no year, and its goods match "
                                  f"{'no' if not matches else 'several'} report years of the country data {matches or ''}: "
                                  "import it together with the countries file of its year")
            year = matches[0]
            goods_file.source = self.ilab_source_row(path, digest, "goods", year)
            sid = goods_file.source["source_id"]
            for name in ("goods", "good_sectors"):
                for row in goods_file.rows.get(name, []):
                    row.update(source_id=sid, **({"report_year": year} if name == "goods" else {}))
        note_repeated_years(self.package_dir, countries)
        return []

    def read_goods(self, path: Path, root, digest: str) -> SourceRows:
        """The List of Goods by good. Its content names no year: the year is the one whose country
        data lists exactly the same goods, countries and flags (`match_year`)."""
        out = SourceRows(source={}, path=path)
        self.check_country_names(path, root)
        rows = []
        for good in root:
            name = text(good.find("Good_Name"))
            out.add("good_sectors", dict(good=name, sector=text(good.find("Good_Sector")) or None,
                                         source_location=self.locate(good),
                                         source_lines=lines_of([good.find("Good_Name"), good.find("Good_Sector")])))
            for country in good.iter("Country"):
                code = self.names.code(text(country.find("Country_Name")) or "")
                rows.append(self.good_row(dict(country=code), country, name))
        out.rows["goods"] = rows
        out.source = dict(digest=digest)  # completed by `finish` once the year is known
        out.warnings += self.unmapped(path, unmapped_paths(root))
        return out


def location(element, positions: dict, prefixes: dict | None = None) -> str:
    """Where a value is in the file, with the position of repeated elements: its path below the
    country in a countries file ("Enforcements/Labor_Inspections/Territory[2]/Enforcement"; the
    row names the country), from the good in the goods file ("Good[3]/Countries/Country[2]").
    `positions` caches each parent's children (see `position`); `prefixes`, when given, each
    element's path (its parent's path and its own step: an import locates 88,000 values whose
    parents it would otherwise walk up from each)."""
    return _path(element, positions, {} if prefixes is None else prefixes) or element.tag


def _path(element, positions: dict, prefixes: dict) -> str:
    """The path of `location` ("" for the root and a country below it)."""
    path = prefixes.get(element)
    if path is None:
        parent = element.getparent()
        if parent is None or (parent.getparent() is None and element.tag == "Country"):
            path = ""
        else:
            index, count = position(element, parent, positions)
            step = element.tag + (f"[{index}]" if count > 1 else "")
            above = _path(parent, positions, prefixes)
            path = f"{above}/{step}" if above else step
        prefixes[element] = path
    return path


def position(element, parent, positions: dict) -> tuple[int, int]:
    """(position among the siblings of its tag, how many there are), from one pass over the
    parent's children, cached: scanning the siblings for each element made a country with
    thousands of goods quadratic. (The cache holds the element proxies, so lxml hands back the
    same objects and they work as keys.)"""
    table = positions.get(parent)
    if table is None:
        totals = Counter(child.tag for child in parent)
        seen: Counter = Counter()
        table = positions[parent] = {}
        for child in parent:
            seen[child.tag] += 1
            table[child] = (seen[child.tag], totals[child.tag])
    return table[element]


def lines_of(elements) -> str:
    """The source_lines of the elements a row was read from."""
    return LIST_DELIMITER.join(str(n) for n in sorted({e.sourceline for e in elements if e is not None}))


def country_rows_of_other_years(package_dir: Path, name: str, years: set[int]) -> list[dict]:
    """The rows of a resource from the countries files already in the package (typed, as
    `tables.read_rows` reads them), at least those of report years other than `years`; the callers
    use no other. When every such row is of one of `years` (an import of every year), [] without
    typing the table: typing 28,000 enforcement rows to drop them all took a tenth of a second."""
    res = tables.resource(package_dir, name)
    path = tables.resource_file(package_dir, res)
    if not path.exists():
        return []
    header, records = tables.read_csv_file(path, res.path, res.column_names)
    source, year = header.index("source_id"), header.index("report_year")
    printed = {str(y) for y in years}
    if all(r[year] in printed for _, r in records if r[source].startswith("ilab-countries-")):
        return []
    return [r for r in tables.read_rows(package_dir, name) if r["source_id"].startswith("ilab-countries-")]


def goods_signature(rows: list[dict]) -> set:
    return {(r["country"], r["good"], r["child_labor"], r["forced_labor"], r["forced_child_labor"]) for r in rows}


def note_repeated_years(package_dir: Path, countries: list[SourceRows], threshold: float = 0.9) -> None:
    """Where a year's enforcement counts are nearly all those of the next year's data (from the
    same batch or already in the package), say so in the source's note: the file then probably
    carries the next report's figures under its own year. Counts of 20 or more are compared,
    since small counts repeat by chance."""
    def counts(rows) -> dict:
        return {(r["country"], r["territory"], r["domain"], r["indicator"]): r["value"] for r in rows
                if r["value"] is not None and r["value"] >= 20 and r.get("occurrence", 1) == 1}

    by_year = {b.source["report_year"]: counts(b.rows.get("enforcement", [])) for b in countries}
    existing = country_rows_of_other_years(package_dir, "enforcement", set(by_year))
    for year in {r["report_year"] for r in existing} - set(by_year):
        by_year[year] = counts(r for r in existing if r["report_year"] == year)
    for b in countries:
        year = b.source["report_year"]
        this, following = by_year.get(year, {}), by_year.get(year + 1, {})
        shared = set(this) & set(following)
        same = sum(this[k] == following[k] for k in shared)
        if shared and same / len(shared) >= threshold:
            b.source["note"] += (f" Its enforcement counts of 20 or more are those of the {year + 1} data for {same} of the "
                                 f"{len(shared)} they share (other consecutive years share a few percent): they are probably "
                                 f"the {year + 1} report's figures, kept here as the publisher labels them.")
