"""The curated tables against the documents they come from.

These tests read the archived source texts themselves and check the data independently of the
code that maintains it: every value copied as printed is found in the lines its row cites; every
normalised value is derived again from the printed one; row counts are counted in the document;
and every line of both documents is accounted for by some row or listed here as layout.
"""

import re

import pytest

from rightsdata import metadata
from rightsdata.cells import LIST_DELIMITER
from rightsdata.provenance import line_numbers

MONTHS = {m: i for i, m in enumerate(
    "January February March April May June July August September October November December".split(), 1)}
UKRAINE, TAJIKISTAN = "ukr-findings-2016", "tjk-upr-midterm-2014"


# --- reading the documents ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def documents(repo, tables):
    """source_id -> the archived text's lines (index 0 is line 1)."""
    docs = {}
    for row in tables["sources"]:
        if row["archived_path"]:
            docs[row["source_id"]] = (repo / row["archived_path"]).read_text(encoding="utf-8").split("\n")
    assert set(docs) == {UKRAINE, TAJIKISTAN}
    return docs



def cited_text(documents, row) -> str:
    lines = documents[row["source_id"]]
    return "\n".join(lines[n - 1] for n in line_numbers(row["source_lines"]))


# squash and printed_pieces restate provenance.squash and provenance.pieces on purpose, from the
# documents' side (see the module's docstring): this file is the independent oracle for the
# `sources/as-printed` check, so a mistake in provenance's version must not pass here too.
def squash(text: str) -> str:
    """Text without whitespace and footnote markers: the extraction wrapped lines and the data
    moves † and ‡ into boolean columns; every other character must match."""
    return re.sub(r"[\s†‡]", "", text)


def rows_from_documents(tables):
    for name, rows in tables.items():
        for row in rows:
            if row.get("source_id") in (UKRAINE, TAJIKISTAN) and row.get("source_lines"):
                yield name, row


# --- values as printed ----------------------------------------------------------------------------

def printed_pieces(column: str, value: str) -> list[str]:
    """The pieces of a value that each stand as printed: several citation groups, or several
    paragraphs (which the source may separate by other lines, such as a title), are found one by one."""
    if column == "citations_as_printed":
        return re.findall(r"\([^)]*\)", value)
    if column == "text":
        return value.split("\n\n")
    return [value]


def test_every_value_as_printed_is_in_the_lines_its_row_cites(tables, documents):
    checked, missing = 0, []
    for name, row in rows_from_documents(tables):
        text = squash(cited_text(documents, row))
        for column in metadata.resources()[name].verbatim:
            for piece in printed_pieces(column, row.get(column) or ""):
                checked += 1
                if squash(piece) not in text:
                    missing.append(f"{name} {row['source_location']} lines {row['source_lines']}: {column} = {piece[:80]!r}")
    assert not missing, "\n".join(missing)
    assert checked > 900  # every table of both documents has verbatim columns


def test_every_row_from_a_document_cites_lines_that_exist(tables, documents):
    for name, row in rows_from_documents(tables):
        numbers = line_numbers(row["source_lines"])
        assert max(numbers) <= len(documents[row["source_id"]]), (name, row["source_lines"])
        assert any(documents[row["source_id"]][n - 1].strip() for n in numbers), (name, row["source_lines"])


def test_every_line_of_both_documents_is_in_the_data_or_is_layout(tables, documents):
    """Nothing left out: a non-blank line no row cites must be one of these layout lines."""
    layout = {
        # table captions, column headers, the repeated header of a table continued on a new page
        r"^Table \d+\. ": "table caption",
        r"^(Children Age Percent|Sector/Industry Activity|Convention Ratification|Organization/Agency Role"
        r"|Coordinating Body Role & Description|Policy Description|Program Description"
        r"|Area Suggested Action Year\(s\) Suggested)$": "column header",
        r"^Standard Meets International$|^Standards: Yes/No Age Legislation$": "column header",
        r"^\(cont\)$": "page break marker",
        # legends of the footnote markers: the boolean columns carry their meaning
        r"^† Determined by national law or regulation as hazardous": "legend of † (hazardous_under_national_law)",
        r"^‡ Child labor understood as the worst forms of child labor per se": "legend of ‡ (categorical_worst_form)",
        r"^† Program is funded by the Government of Ukraine\.$": "legend of † (government_funded)",
    }
    cited = {source: set() for source in documents}
    for _, row in rows_from_documents(tables):
        cited[row["source_id"]].update(line_numbers(row["source_lines"]))
    unaccounted = []
    for source, lines in documents.items():
        for n, line in enumerate(lines, 1):
            text = line.strip()
            if not text or n in cited[source]:
                continue
            if not any(re.search(pattern, text) for pattern in layout):
                unaccounted.append(f"{source}:{n}: {text[:100]}")
    assert not unaccounted, "lines no row cites:\n" + "\n".join(unaccounted)


# --- normalised values, derived again from the printed ones ---------------------------------------

def expand(groups: str) -> list[int]:
    numbers = []
    for group in re.findall(r"\(([^)]*)\)", groups):
        for part in group.split(","):
            first, _, last = part.strip().partition("-")
            for n in range(int(first), int(last or first) + 1):
                if n not in numbers:
                    numbers.append(n)
    return numbers


def test_citations_expand_the_printed_groups(tables):
    checked = 0
    for name, rows in tables.items():
        for row in rows:
            if "citations_as_printed" in row and row["source_id"] in (UKRAINE, TAJIKISTAN):
                printed, listed = row["citations_as_printed"], row["citations"]
                expected = [int(n) for n in listed.split(LIST_DELIMITER)] if listed else []
                assert (expand(printed) if printed else []) == expected, (name, row)
                checked += bool(printed)
    assert checked > 80


def test_no_citation_group_of_a_findings_table_is_dropped(tables, documents):
    """Every citation group printed in a table of the chapter is in the citations_as_printed of
    one of the table's rows, as many times as it is printed."""
    from collections import Counter

    group = r"\(\d+(?:-\d+)?(?:, \d+(?:-\d+)?)*\)"
    lines = documents[UKRAINE]
    tables_in_chapter = [
        ("statistics", None, "Table 1.", "Based on a review"), ("activities", None, "Table 2.", "†"),
        ("legal_standards", None, "Table 4.", "‡ Age calculated"), ("agencies", None, "Table 5.", "As part of"),
        ("enforcement", "labor", "Table 6.", "Although"), ("enforcement", "criminal", "Table 7.", "During the reporting period, the IOM"),
        ("coordinating_bodies", None, "Table 8.", "V. GOVERNMENT"), ("policies", None, "Table 9.", "A lack of"),
        ("social_programs", None, "Table 10.", "† Program is funded"),
    ]
    for name, domain, first, end in tables_in_chapter:
        printed = Counter(re.findall(group, " ".join(region(lines, first, end))))
        rows = [r for r in of(tables, name, UKRAINE) if domain is None or r["domain"] == domain]
        in_data = Counter(g for r in rows for g in re.findall(group, r["citations_as_printed"]))
        if name == "statistics":  # the note's citation applies to every row it sources
            assert set(printed) == set(in_data), first
        else:
            assert printed == in_data, (first, printed - in_data, in_data - printed)


def test_enforcement_values_follow_the_printed_cells(tables):
    indicators = {(r["domain"], r["code"]): r for r in tables["enforcement_indicators"]}
    for row in of(tables, "enforcement", UKRAINE):
        printed = row["value_as_printed"]
        kind = indicators[(row["domain"], row["indicator"])]["answer_type"]
        expected_status = {"Unknown": "unknown", "N/A": "not_applicable"}.get(printed, "reported")
        assert row["status"] == expected_status, row
        if printed.isdigit():
            assert kind == "number" and float(row["value"]) == int(printed) and row["answer"] == "", row
        elif printed in ("Yes", "No"):
            assert kind == "yes_no" and row["answer"] == ("true" if printed == "Yes" else "false") and row["value"] == "", row
        else:
            assert row["value"] == "" and row["answer"] == "", row


def test_statistics_follow_the_printed_values(tables):
    for row in of(tables, "statistics", UKRAINE):
        assert float(row["value"]) == float(row["value_as_printed"]), row
        if row["population_as_printed"]:
            assert int(row["population"]) == int(row["population_as_printed"].replace(",", "")), row
        if row["age_range_as_printed"]:
            low, high = re.fullmatch(r"(\d+) to (\d+)", row["age_range_as_printed"]).groups()
            assert (row["age_min"], row["age_max"]) == (low, high), row
        year = re.findall(r"\b(?:19|20)\d\d\b", row["data_source"])
        assert row["data_year"] == year[0], row  # the first year the note names is the data's


def test_legal_standards_follow_the_printed_cells(tables):
    for row in of(tables, "legal_standards", UKRAINE):
        assert row["meets_international_standards"] == {"Yes": "true", "No": "false"}.get(row["meets_as_printed"], ""), row
        printed = row["age_as_printed"]
        assert row["age"] == (printed.rstrip("‡") if printed else ""), row
        assert (row["age_calculated"] == "true") == printed.endswith("‡"), row


def test_years_follow_the_printed_names_and_ranges(tables):
    for row in of(tables, "suggested_actions", UKRAINE):
        first, last = re.fullmatch(r"(\d{4}) – (\d{4})", row["years_as_printed"]).groups()
        assert (row["first_year"], row["last_year"]) == (first, last), row
    for name, column in (("policies", "policy"), ("social_programs", "program")):
        for row in of(tables, name, UKRAINE):
            m = re.search(r"\((\d{4})–(\d{4})\)$", row[column])
            assert (row["start_year"], row["end_year"]) == (m.groups() if m else ("", "")), row


def iso_of(printed: str) -> tuple[str, str, str]:
    """(start, end, precision) of a date as the Tajik report prints it."""
    months = "|".join(MONTHS)
    m = re.search(rf"(\d{{1,2}}) to (\d{{1,2}}) of ({months}) (\d{{4}})", printed)
    if m:
        d1, d2, month, year = m.groups()
        return f"{year}-{MONTHS[month]:02d}-{int(d1):02d}", f"{year}-{MONTHS[month]:02d}-{int(d2):02d}", "day"
    m = re.search(rf"from ({months}) to ({months}) (\d{{4}})", printed)
    if m:
        m1, m2, year = m.groups()
        return f"{year}-{MONTHS[m1]:02d}", f"{year}-{MONTHS[m2]:02d}", "month"
    m = re.search(rf"(\d{{1,2}})(?: of)? ({months}) (\d{{4}})", printed)
    if m:
        day, month, year = m.groups()
        return f"{year}-{MONTHS[month]:02d}-{int(day):02d}", "", "day"
    m = re.search(rf"({months}) (\d{{4}})", printed)
    if m:
        return f"{m.group(2)}-{MONTHS[m.group(1)]:02d}", "", "month"
    return re.search(r"\d{4}", printed).group(0), "", "year"


def test_measure_dates_follow_the_printed_dates(tables):
    for row in tables["measures"]:
        assert (row["date_iso"], row["end_date_iso"], row["date_precision"]) == iso_of(row["date_as_printed"]), row
        assert row["date_as_printed"] in row["quote"] and row["name"] in row["quote"], row


WORDS = {"five": 5, "seven": 7, "half": 50}


def test_figures_follow_the_printed_values(tables):
    for row in tables["reported_figures"]:
        printed = row["value_as_printed"]
        if printed in WORDS:
            expected = WORDS[printed]
        else:
            m = re.fullmatch(r"(\d+(?:,\d+)?)\s*(million|billion)?\s*(%|somoni|USD)?", printed)
            assert m, row
            expected = float(m.group(1).replace(",", ".")) * {None: 1, "million": 1e6, "billion": 1e9}[m.group(2)]
        assert float(row["value"]) == pytest.approx(expected), row
        assert printed in row["quote"], row
        if "%" in printed:
            assert row["unit"] == "percent", row


def test_parts_point_to_a_total_in_the_same_sentence(tables):
    figures = {r["figure_id"]: r for r in tables["reported_figures"]}
    parts = [r for r in figures.values() if r["part_of"]]
    assert len(parts) == 4
    for part in parts:
        total = figures[part["part_of"]]
        assert total["quote"] == part["quote"] and total["parts_complete"] in ("true", "false"), part
    complete = [t for t in figures.values() if t["parts_complete"] == "true"]
    for total in complete:
        assert sum(float(p["value"]) for p in parts if p["part_of"] == total["figure_id"]) == float(total["value"])


# --- row counts, counted in the documents ---------------------------------------------------------

def region(lines, start: str, end: str) -> list[str]:
    """The lines from the first that starts with `start` up to (not including) the next that starts with `end`."""
    a = next(i for i, line in enumerate(lines) if line.strip().startswith(start))
    b = next(i for i in range(a + 1, len(lines)) if lines[i].strip().startswith(end))
    return [line.strip() for line in lines[a:b]]


def of(tables, name, source):
    return [r for r in tables[name] if r["source_id"] == source]


def test_tajikistan_sections_and_references_counted_in_the_report(tables, documents):
    lines = documents[TAJIKISTAN]
    headings = [line.strip() for line in lines if re.match(r"^\d+\. On (the )?implementation of", line.strip())]
    assert len(headings) == 27
    sections = of(tables, "report_sections", TAJIKISTAN)
    assert [r["heading"] for r in sections if r["kind"] == "section"] == headings
    assert [int(r["section"]) for r in sections] == list(range(0, 28))
    links = of(tables, "upr_section_recommendations", TAJIKISTAN)
    references = []
    for number, heading in enumerate(headings, 1):
        cited = re.sub(r"(?<=\d)\.$", "", heading.split(" recommendation", 1)[1].split(" ", 1)[1])
        printed = [p for p in re.split(r",\s*(?:and\s+)?|\s+and\s+", cited) if p]
        references += printed
        in_data = sorted((r for r in links if r["section"] == str(number)), key=lambda r: int(r["position"]))
        assert [r["reference_as_printed"] for r in in_data] == printed, heading
    assert len(links) == len(references) == 91
    malformed = [r for r in links if r["reference_status"] == "malformed"]
    assert [r["reference_as_printed"] for r in malformed] == ["88."] and not malformed[0]["recommendation_id"]
    for r in links:
        if r["reference_status"] != "malformed":
            assert r["reference"] == r["reference_as_printed"].replace(" ", "")
            assert r["recommendation_id"] == "TJK-2011-" + r["reference"]
            assert (r["reference_status"] == "normalised") == (" " in r["reference_as_printed"])
    recommended = {r["recommendation_id"] for r in links if r["recommendation_id"]}
    assert len(recommended) == 86
    # Every one is a recommendation of the review, as the UPR transcription numbers them.
    review = {r["recommendation_id"] for r in tables["upr_recommendations"] if r["review_id"] == "TJK-2011"}
    assert recommended <= review and len(review) == 142
    for r in tables["upr_recommendations"]:
        if r["source_id"].startswith("upr-info-"):  # UPR Info prints no numbers (its ids: test_import_uprinfo.py)
            continue
        occurrence = "" if r["occurrence"] == "1" else f"~{r['occurrence']}"
        assert r["recommendation_id"] == f"{r['review_id']}-{r['number']}{occurrence}"
        assert r["number"].split(".")[0] == r["paragraph"]


def test_tajikistan_section_texts_are_the_report_text(tables, documents):
    lines = documents[TAJIKISTAN]
    for r in of(tables, "report_sections", TAJIKISTAN):
        numbers = line_numbers(r["source_lines"])
        body = [lines[n - 1].strip() for n in numbers if lines[n - 1].strip()]
        if r["kind"] == "section":
            assert body[0] == r["heading"]
            body = body[1:]
        else:
            body = [b for b in body if b != r["heading"]]
        # In this report every line is a paragraph or a list item, except where a page break cut
        # a sentence in two (a line ending without punctuation, the next starting in lower case).
        joined = []
        for line in body:
            if joined and not re.search(r"[.:;!?”\"]$", joined[-1]) and line[:1].islower():
                joined[-1] += " " + line
            else:
                joined.append(line)
        assert r["text"].replace("\n\n", "\n").split("\n") == joined, r["section"]


def test_tajikistan_review_as_the_report_states_it(tables, documents):
    intro = documents[TAJIKISTAN][6]
    review = next(r for r in tables["upr_reviews"] if r["review_id"] == "TJK-2011")
    m = re.search(r"On (\d+)-(\d+) of (\w+) (\d{4}) .* (\d+) recommendations were provided", intro)
    day1, day2, month, year, count = m.groups()
    assert review["dates_as_printed"] in intro
    assert review["start_date"] == f"{year}-{MONTHS[month]:02d}-{int(day1):02d}"
    assert review["end_date"] == f"{year}-{MONTHS[month]:02d}-{int(day2):02d}"
    assert review["recommendations_received"] == count == "131"


def test_findings_tables_row_counts_counted_in_the_chapter(tables, documents):
    lines = documents[UKRAINE]
    start = next(i for i, line in enumerate(lines) if line.startswith("Table 11."))
    table11 = [line.strip() for line in lines[start:]]
    assert len(of(tables, "suggested_actions", UKRAINE)) == sum(bool(re.fullmatch(r"\d{4} – \d{4}", ln)) for ln in table11) == 14
    two_answers = re.compile(r"^(.*?) (Yes|No|Unknown|N/A|\d+)(?: \([\d, -]+\))? (Yes|No|Unknown|N/A|\d+)(?: \([\d, -]+\))?$")
    for table, domain in (("Table 6.", "labor"), ("Table 7.", "criminal")):
        body = region(lines, table, "Although" if domain == "labor" else "During the reporting period")
        printed = [two_answers.match(ln) for ln in body[2:]]
        printed = [m for m in printed if m]
        rows = [r for r in of(tables, "enforcement", UKRAINE) if r["domain"] == domain]
        assert len(rows) == 2 * len(printed) == {"labor": 36, "criminal": 16}[domain]
        for m in printed:
            label = m.group(1)
            got = {r["data_year"]: r["value_as_printed"] for r in rows if r["label_as_printed"] == label}
            assert got == {"2015": m.group(2), "2016": m.group(3)}, label
    table2 = region(lines, "Table 2.", "†")
    assert len(of(tables, "activities", UKRAINE)) == sum(bool(re.search(r"\([\d, -]+\)$", ln)) for ln in table2) == 8
    table3 = region(lines, "Table 3.", "The Government has established laws")
    conventions = [line for line in table3[2:] if line]
    assert sorted(r["convention_as_printed"] for r in of(tables, "ratifications", UKRAINE)) == sorted(conventions)
    assert len(conventions) == 6
    table4 = region(lines, "Table 4.", "‡ Age calculated")
    assert len(of(tables, "legal_standards", UKRAINE)) == sum(bool(re.search(r"(^| )Yes( |$)", ln)) for ln in table4) == 12
    table1 = region(lines, "Table 1.", "Source for")
    assert len(of(tables, "statistics", UKRAINE)) == sum(bool(re.search(r"\(%", ln)) for ln in table1) == 4
    for name, table, end in (("agencies", "Table 5.", "As part of"), ("coordinating_bodies", "Table 8.", "V. GOVERNMENT"),
                             ("policies", "Table 9.", "A lack of"), ("social_programs", "Table 10.", "Ukraine has a variety")):
        body = " ".join(region(lines, table, end))
        for row in of(tables, name, UKRAINE):
            assert squash(row[{"agencies": "organization", "coordinating_bodies": "body", "policies": "policy",
                               "social_programs": "program"}[name]]) in squash(body)
    assert (len(of(tables, "agencies", UKRAINE)), len(of(tables, "coordinating_bodies", UKRAINE)),
            len(of(tables, "policies", UKRAINE)), len(of(tables, "social_programs", UKRAINE))) == (7, 3, 3, 6)


def test_findings_sections_and_assessment(tables, documents):
    lines = documents[UKRAINE]
    headings = [ln.strip() for ln in lines if re.match(r"^[IVX]+\. [A-Z ]+$", ln.strip())]
    assert [r["heading"] for r in of(tables, "report_sections", UKRAINE)] == headings and len(headings) == 7
    assessment = of(tables, "assessments", UKRAINE)[0]
    level, _, qualifier = assessment["heading_as_printed"].partition(" – ")
    assert assessment["heading_as_printed"] == lines[1].strip()
    assert assessment["advancement_level"] == level.lower().replace(" ", "_")
    assert assessment["qualifier"].lower() == qualifier.lower()
