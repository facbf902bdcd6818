"""A research transcription of the UPR Working Group reports, one CSV file per review year 2008-2013.

Each file has one row per recommendation and recommending state (columns text, to, decision, From,
year, notes): a recommendation made by three states is three rows with the same text. This module
turns a file into the package's resources:

- `upr_reviews`: one row per state under review (`to`) and year (`year`, read from the content);
  the session comes from sessions.csv where it names the state in that year's cycle;
- `upr_recommendations`: one row per paragraph number and text, with the response the rows code;
  a number printed with several texts keeps each text, numbered by `occurrence`;
- `upr_recommending_states`: one row per source row (a row repeated exactly is merged into the
  first and both lines are cited), with the state as printed and its code where the name maps.

Text is decoded with the file's encoding and repaired stretch by stretch (`legacy_text`), scored
with the words of the files read without repair; each states row records the transforms its
cells needed (and their depths by stretch where they differ), so that the file's bytes can be
rebuilt, and which of its cells hold a stretch kept as decoded because no reading was decided.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import click

from rightsdata import importers, tables
from rightsdata.cells import LIST_DELIMITER, control_character
from rightsdata.countries import CountryNames, UnknownCountry
from rightsdata.importers import SourceError, SourceRows, check_names, read_source
from rightsdata.importers.legacy_text import Corpus, Repaired, Transform, dominant_depth, prepared, repair, stretches

# Where each column of a file goes (`notes` is missing from some files).
COLUMNS = {
    "text": "upr_recommendations.text, number_as_printed, number, paragraph, number_note, states_in_text, "
            "text_states, text_states_unmapped (the number and the states are read from the text)",
    "to": "upr_reviews.country, upr_reviews.names_as_printed (one review per state and year)",
    "decision": "upr_recommending_states.response_as_printed, upr_recommendations.response_as_printed, "
                "upr_recommendations.response",
    "From": "upr_recommending_states.state_as_printed, upr_recommending_states.country",
    "year": "upr_reviews.year (one year a file), upr_reviews.cycle",
    "notes": "upr_recommending_states.notes",
}
HEADER = list(COLUMNS)
SESSIONS_HEADER = ["", "To", "To_COW", "Session"]
PUBLISHER = "Rochelle Terman and contributors (research transcription of UN Human Rights Council documents)"
LICENCE = ("The origin repository declares no licence; the recommendation texts are those of the UN Working "
           "Group reports (UN documents).")
SESSIONS_SOURCE = "upr-sessions"

# The paragraph number that opens a recommendation: "88.1", "88.1.", "88.1..1", "106.6...2".
NUMBER = re.compile(r"\s*(?P<number>\d+(?:\.+\d+)*)(?P<dot>\.?)")
# After a bare paragraph number, a sub-number printed after a space: "61 18.", "111. 29 ".
SPACED = re.compile(r"\.?\s+(?P<sub>\d+)(?=[.\s])\.?")
# A second number right after the first: "106.40..1 106.41. Consider", "135.31..11 13. Continue".
SECOND = re.compile(r"\s+(?P<second>\d+(?:\.+\d+)+\.?|\d+\.)(?=\s|[A-Za-z])")
# The parts of a number a report can print: a Working Group report has some 150 paragraphs, each
# of a few hundred recommendations at most (the transcription's longest part has 3 digits).
MAX_NUMBER_DIGITS = 4
# The text's closing parentheses: "(Slovakia, Spain);", "(Kuwait). );", "(Iran (Islamic Republic of))."
CLOSING = re.compile(r"\(((?:[^()]|\([^()]*\))*)\)[\s.;,:)]*$")


@dataclass
class Record:
    """One row of a file, decoded and repaired."""

    lines: tuple[int, int]
    cells: dict[str, str | None]
    repaired: dict[str, Repaired]

    @property
    def undecided(self) -> list[str]:
        """The columns whose cell holds a stretch kept as decoded (no reading was decided)."""
        return [name for name, r in self.repaired.items() if r.undecided]


@dataclass
class Recommendation:
    number_as_printed: str
    number: str
    note: str | None
    text: str
    records: list[Record] = field(default_factory=list)


# Patterns of the per-row reading, compiled once (re's cache lookup for each row and part cost more than the match).
DOTS = re.compile(r"\.+")
LEADING_ARTICLE = re.compile(r"^(?:the|and)\s+", flags=re.IGNORECASE)
PART_SEPARATORS = re.compile(r"[,;]")
NAME_JOINS = re.compile(r"\s+and\s+|/")
YEAR = re.compile(r"[0-9]{4}").fullmatch


def parse_number(text: str) -> tuple[str, str, str | None] | None:
    """(number as printed, normalised number, note on an irregular printing) of a recommendation's
    text, or None when it opens with no number."""
    m = NUMBER.match(text)
    if not m:
        return None
    number, end, note = DOTS.sub(".", m["number"]), m.end(), None
    if "." not in number:
        spaced = SPACED.match(text, m.end("number"))
        if spaced:
            number, end = f"{number}.{spaced['sub']}", spaced.end()
            note = "printed with a space between its numbers"
        else:
            note = "printed without a sub-number"
    second = SECOND.match(text, end)
    if second:
        note = f"printed with a second number after it ({second['second']}); the first is taken"
    return text[:end].strip(), number, note


def number_problem(number: str) -> str | None:
    """Why a normalised number is none a report prints (a paragraph 0, a part of 5 digits or
    more), or None. Such a row is rejected: its number would make no valid identifier."""
    parts = number.split(".")
    longest = max(parts, key=len)
    if len(longest) > MAX_NUMBER_DIGITS:
        return (f"the number {number[:20]}{'...' if len(number) > 20 else ''} has a part of {len(longest)} digits; "
                f"a report's numbers have at most {MAX_NUMBER_DIGITS}")
    if int(parts[0]) == 0:
        return f"the number {number} has paragraph 0; a report's paragraphs start at 1"
    return None


def control_in_row(cells: dict[str, str]) -> str | None:
    """Where the first control character of a row's cells is, as a reason to reject the row, or None."""
    if not control_character("".join(cells.values())):  # the common case, in one search
        return None
    for name, cell in cells.items():
        found = control_character(cell)
        if found:
            return (f"column {name} holds the control character {found}; a text never holds one "
                    "(a damaged file?), so the row is not imported")
    return None


def states_in_text(text: str) -> str | None:
    """The content of the text's closing parentheses, where the report names who recommended it."""
    m = CLOSING.search(text.rstrip())
    return m.group(1).strip() if m else None


def text_states(printed: str | None, names: CountryNames) -> tuple[list[str], list[str]]:
    """The codes of the states named in a text's closing parentheses, and the parts naming none.

    Parts are separated by commas or semicolons; two parts that together are a name ("Venezuela,
    Bolivarian Republic of") are one; a part that is no name is tried split at " and " and "/"
    ("Brazil and Norway"); a leading "the" is not part of a name ("the Netherlands")."""
    def code(part: str) -> str | None:
        part = LEADING_ARTICLE.sub("", part.strip(" .\t"))
        try:
            return names.code(part) if part else None
        except UnknownCountry:
            return None

    codes, unmapped = [], []
    parts = [p.strip() for p in PART_SEPARATORS.split(printed or "") if p.strip()]
    i = 0
    while i < len(parts):
        pair = code(f"{parts[i]}, {parts[i + 1]}") if i + 1 < len(parts) else None
        if pair:
            codes.append(pair)
            i += 2
            continue
        whole = code(parts[i])
        if whole:
            codes.append(whole)
        else:
            pieces = [p for p in NAME_JOINS.split(parts[i]) if p.strip()]
            found = [code(p) for p in pieces]
            if len(pieces) > 1 and all(found):
                codes.extend(found)
            else:
                unmapped.append(parts[i])
        i += 1
    return list(dict.fromkeys(codes)), unmapped


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and encoding: UTF-8 when the bytes are valid UTF-8, else Mac Roman (which
    decodes any bytes; whether the result is plausible is judged stretch by stretch)."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("mac_roman"), "mac_roman"


BOMS = {b"\xff\xfe\x00\x00": "UTF-32", b"\x00\x00\xfe\xff": "UTF-32", b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16"}


def not_this_source(path: Path, data: bytes) -> None:
    """Refuse, before reading rows, a file in an encoding none of whose text would decode (it
    starts with a UTF-16 or UTF-32 byte order mark) or a binary file (a NUL in its first line,
    where this source has its ASCII header)."""
    for bom, name in BOMS.items():
        if data.startswith(bom):
            raise SourceError(f"{path}:1: the file is {name} (it starts with a byte order mark); this source is Mac "
                              "Roman or UTF-8 text: save it as UTF-8")
    first = re.split(rb"[\r\n]", data[:4096], maxsplit=1)[0]
    if b"\x00" in first:
        raise SourceError(f"{path}:1: the first line holds a NUL byte: a binary file, not a CSV text of this source")


def corpus_cells(data: bytes) -> list[str]:
    """The non-ASCII cells of a file, for the corpus (nothing when it is no readable CSV: its own
    import says why)."""
    try:
        return [cell for row in csv.reader(io.StringIO(decode(data)[0], newline="")) for cell in row
                if not cell.isascii()]
    except csv.Error:
        return []


def read_records(path: Path, data: bytes, check_header, corpus: Corpus | None = None
                 ) -> tuple[list[Record], list[tuple[int, str]], str]:
    """The file's rows (decoded and repaired, scored with `corpus`, by default the file's own
    words), the rows rejected (line, reason) and the encoding."""
    not_this_source(path, data)
    text, encoding = decode(data)
    reader, header = importers.text_reader(path, text)
    check_header(path, header)
    raw: list[tuple[tuple[int, int], list[str]]] = []
    rejected: list[tuple[int, str]] = []
    last = reader.line_num
    try:
        for row in reader:
            lines = (last + 1, reader.line_num)
            last = reader.line_num
            if not any(cell.strip() for cell in row):
                rejected.append((lines[0], "blank row"))
            elif len(row) not in (5, 6):
                rejected.append((lines[0], f"{len(row)} cells where the header has 6"))
            else:
                raw.append((lines, row))
    except csv.Error as e:
        raise SourceError(f"{path}:{reader.line_num + 1}: not readable as CSV ({e})") from None
    unreadable = [line for line, reason in rejected if reason != "blank row"]
    # Neither written (validate rejects them) nor silently dropped: a row with a control character
    # is rejected and listed. (Repairs cannot make one: Mac Roman decodes bytes over 127 to no control.)
    control = {lines: reason for lines, row in raw if (reason := control_in_row(dict(zip(HEADER, row))))}
    controls = [lines[0] for lines in control]
    if len(unreadable) + len(controls) > len(raw) - len(controls):
        # A few damaged rows are rejected one by one; a file mostly of them is no text of this source.
        first = min(unreadable + controls)
        raise SourceError(f"{path}:{first}: {len(unreadable) + len(controls)} of {len(rejected) + len(raw)} rows are "
                          "unreadable (a wrong number of cells, or control characters): a binary file or another "
                          "format, not this source")
    legacy = [cell for _, row in raw for cell in row if not cell.isascii()]
    depth = dominant_depth(legacy)
    if corpus is None:  # read on its own: its own words
        corpus = Corpus()
        corpus.add_file(legacy)
    records = []
    for lines, row in raw:
        if lines in control:
            rejected.append((lines[0], control[lines]))
            continue
        cells, repaired = {}, {}
        for name, cell in zip(HEADER, row + [""] * (6 - len(row))):
            repaired[name] = repair(cell, encoding, depth, corpus)
            cells[name] = repaired[name].text or None
        records.append(Record(lines, cells, repaired))
    return records, sorted(rejected), encoding


@importers.register
class Importer(importers.Importer):
    """Import the UPR transcription's recommendations (upr_recommendations_YYYY.csv).

    Each file's review year is read from its content (column year), never from its name. Its rows
    replace the rows of the same source in upr_reviews, upr_recommendations and
    upr_recommending_states, and it gets a row in sources (with its SHA-256, and its origin from
    MANIFEST.json). Text is decoded and mangled characters are repaired stretch by stretch, scored
    with the words the files print without repair; a stretch no reading can be decided for is
    kept as decoded, its row imported and flagged (column undecided, rule upr-text-undecided).
    A file that is not this source (another header, not CSV) stops the import before anything is
    written. Importing the same files twice changes nothing.

    For each file it prints how many source rows it read, kept (one recommending-state row each),
    merged into an identical earlier row, and rejected (with the line and why); read = kept +
    merged + rejected; and how many cells it kept as decoded, undecided (each named by line).

    \b
    Example:
      rightsdata import-upr ../shared/upr/upr_recommendations_*.csv
    """

    name = "upr"
    help = __doc__
    options = [click.Option(["--sessions"], type=click.Path(dir_okay=False, path_type=Path), default=None,
                            help="sessions.csv, which names each review's session (default: the one beside the files).")]
    resources = ["upr_reviews", "upr_recommendations", "upr_recommending_states"]
    publisher = PUBLISHER
    licence = LICENCE
    columns = COLUMNS
    optional_columns = ("notes",)
    file_kind = "a UPR recommendations file"

    def __init__(self, package_dir: Path, manifest: Path | None = None, sessions: Path | None = None):
        super().__init__(package_dir, manifest)
        self.names = CountryNames(package_dir)
        self.responses = {printed: r["code"] for r in tables.read_rows(package_dir, "upr_responses")
                          for printed in r["printed_as"]}
        self.transforms = {Transform.from_row(r): r["code"]
                           for r in tables.read_rows(package_dir, "text_transforms")}
        self.cycles = tables.read_rows(package_dir, "upr_cycles")
        self.sessions_path = sessions
        self.sessions: SourceRows | None = None
        self.sessions_by_state: dict[str, list[tuple[int, int]]] = {}
        self.corpus: Corpus | None = None

    def start(self, paths: list[Path]) -> None:
        """Read sessions.csv (by default the first one beside the files), and the words of every
        file imported together for the corpus (a word one year prints right helps read another)."""
        self.corpus = Corpus()
        for path in paths:
            try:
                data = Path(path).read_bytes()
            except OSError:
                continue  # its own read names the problem
            self.corpus.add_file(corpus_cells(data))
        sessions = self.sessions_path or next((p.parent / "sessions.csv" for p in paths
                                               if (p.parent / "sessions.csv").is_file()), None)
        if sessions:
            self.sessions, self.sessions_by_state = self.read_sessions(Path(sessions))

    def finish(self, batch: list[SourceRows]) -> list[SourceRows]:
        return [self.sessions] if self.sessions else []

    @classmethod
    def summary(cls, item: SourceRows) -> str | None:
        if not item.counts:  # sessions.csv
            return None
        return (f"{cls.accounted(item, 'upr_reviews', 'upr_recommendations')}; "
                f"{item.counts['undecided']} cells kept as decoded, undecided")

    # --- sessions.csv ----------------------------------------------------------------------------
    def read_sessions(self, path: Path) -> tuple[SourceRows, dict[str, list[tuple[int, int]]]]:
        """The sessions source row, and for each country the sessions it was reviewed in (with the line)."""
        data, digest = read_source(path)
        text, _ = decode(data)
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if header != SESSIONS_HEADER:
            raise SourceError(f"{path}:1: the header is {header}, not {SESSIONS_HEADER}: is this sessions.csv?")
        item = SourceRows(self.source_row(
            path, digest, SESSIONS_SOURCE, document_type="sessions_transcription", report_year=None,
            title="UPR sessions: the state under review in each Working Group session 1-20 (research transcription)"),
            path=path)
        rows = []
        for row in reader:
            line = reader.line_num
            if len(row) != 4 or not re.fullmatch(r"[0-9]{1,4}", row[3].strip()):
                raise SourceError(f"{path}:{line}: expected a row number, a state, its COW code and a session number, found {row}")
            rows.append((line, row))
        spellings: dict[str, int] = {}
        for line, row in rows:
            spellings.setdefault(row[1], line)
        check_names(path, spellings, self.names)
        by_state: dict[str, list[tuple[int, int]]] = {}
        for line, row in rows:
            by_state.setdefault(self.names.code(row[1]), []).append((int(row[3]), line))
        return item, by_state

    def session_of(self, country: str, cycle: dict | None) -> tuple[int | None, str | None]:
        if not cycle:
            return None, None
        found = [(s, line) for s, line in self.sessions_by_state.get(country, [])
                 if cycle["first_session"] <= s <= cycle["last_session"]]
        if len(found) != 1:
            return None, None
        return found[0][0], str(found[0][1])

    # --- a year's file ---------------------------------------------------------------------------
    def read(self, path: Path) -> SourceRows:
        data, digest = read_source(path)
        records, rejected, encoding = read_records(path, data, self.check_header, self.corpus)
        years = Counter(r.cells["year"] for r in records)
        if not records:
            raise SourceError(f"{path}: no recommendation rows")
        bad = [r for r in records if not YEAR(r.cells["year"] or "")]
        if bad:
            raise SourceError(f"{path}:{bad[0].lines[0]}: column year: {bad[0].cells['year']!r} is not a year")
        if len(years) > 1:
            raise SourceError(f"{path}: rows of several years {dict(years)}: split the file by year")
        year = int(next(iter(years)))
        source_id = f"upr-recommendations-{year}"
        item = SourceRows(self.source_row(
            path, digest, source_id, document_type="recommendations_transcription", report_year=year,
            title=f"UPR recommendations of the {year} reviews: transcription of the Working Group reports (CSV)",
            notes=["The review year is read from the content (column year)."]), path=path)
        item.counts["read"] = len(records) + len(rejected)
        for line, reason in rejected:
            item.reject(line, reason)
        for record in records:  # every undecided cell of a row read, whether the row is kept, merged or rejected
            for name in record.undecided:
                item.counts["undecided"] += 1
                item.warnings.append(f"{path}:{record.lines[0]}: column {name}: kept as decoded, no reading decided for "
                                     + ", ".join(repr(s) for s in record.repaired[name].undecided))
        cycle = next((c for c in self.cycles if c["first_year"] <= year <= c["last_year"]), None)

        # Every state under review must map: the file's unknown spellings are listed at once.
        spellings: dict[str, int] = {}
        for record in records:
            spellings.setdefault(record.cells["to"] or "", record.lines[0])
        check_names(path, spellings, self.names, "state under review")
        codes = {spelling: self.names.code(spelling) for spelling in spellings}  # (once per spelling, not per row)

        # Group rows by state under review, then by number and text.
        reviews: dict[str, dict] = {}
        for record in records:
            to = record.cells["to"] or ""
            country = codes[to]
            parsed = parse_number(record.cells["text"] or "")
            problem = "the text opens with no paragraph number" if parsed is None else number_problem(parsed[1])
            if problem:
                item.reject(record.lines[0], problem)
                continue
            review = reviews.setdefault(country, {"names": {}, "recommendations": {}, "lines": []})
            review["names"].setdefault(to)
            review["lines"].append(record.lines)
            key = (parsed[1], record.cells["text"])
            rec = review["recommendations"].setdefault(key, Recommendation(*parsed, text=record.cells["text"]))
            rec.records.append(record)

        for country, review in reviews.items():
            review_id = f"{country}-{year}"
            session, session_line = self.session_of(country, cycle)
            item.add("upr_reviews", dict(
                review_id=review_id, source_id=source_id, country=country, cycle=cycle["cycle"] if cycle else None,
                year=year, session=session, session_source_lines=session_line, names_as_printed=list(review["names"]),
                source_location=f"rows with to = {next(iter(review['names']))}", source_lines=line_ranges(review["lines"])))
            occurrences: Counter = Counter()
            for rec in review["recommendations"].values():
                occurrences[rec.number] += 1
                occurrence = occurrences[rec.number]
                rec_id = f"{review_id}-{rec.number}" + (f"~{occurrence}" if occurrence > 1 else "")
                self.add_recommendation(path, item, review_id, rec_id, occurrence, rec)
        return item

    def add_recommendation(self, path: Path, item: SourceRows, review_id: str, rec_id: str, occurrence: int,
                           rec: Recommendation) -> None:
        source_id = item.source["source_id"]
        # Exact duplicates merged, in the order first printed (a dict: scanning the groups for
        # each row made a recommendation printed thousands of times quadratic).
        groups: dict[tuple, list[Record]] = {}
        for record in rec.records:
            group = groups.setdefault(tuple(record.cells[k] for k in HEADER), [])
            if group:
                item.counts["merged"] += 1
            group.append(record)
        states = list(groups.values())
        printed = list(dict.fromkeys(group[0].cells["decision"] or "" for group in states))
        response = self.responses.get(printed[0]) if len(printed) == 1 else None
        printed_states = states_in_text(rec.text)
        codes, unmapped = text_states(printed_states, self.names)
        item.add("upr_recommendations", dict(
            recommendation_id=rec_id, review_id=review_id, occurrence=occurrence,
            number_as_printed=rec.number_as_printed, number=rec.number, paragraph=int(rec.number.split(".")[0]),
            number_note=rec.note, text=rec.text, states_in_text=printed_states,
            text_states=codes or None, text_states_unmapped=unmapped or None,
            response_as_printed=" | ".join(printed) or None, response=response, source_id=source_id,
            source_location="column text", source_lines=line_ranges([r.lines for r in rec.records])))
        for position, group in enumerate(states, 1):
            first = group[0]
            text, cells = first.repaired["text"], combined(path, first)
            name = first.cells["From"]
            try:
                country = self.names.code(name) if name else None
            except UnknownCountry:
                country = None
                item.warnings.append(f"{path}:{first.lines[0]}: the recommending state {name!r} maps to no "
                                     "country; kept as printed")
            item.counts["kept"] += 1
            item.add("upr_recommending_states", dict(
                recommendation_id=rec_id, position=position, state_as_printed=name, country=country,
                response_as_printed=first.cells["decision"], notes=first.cells["notes"],
                text_transform=self.transform_code(path, text.transform, first),
                cells_transform=self.transform_code(path, cells.transform, first),
                text_repairs=list(text.depths) or None, cells_repairs=list(cells.depths) or None,
                undecided=first.undecided or None,
                source_id=source_id, source_location="columns From, decision, notes",
                source_lines=line_ranges([r.lines for r in group])))

    def transform_code(self, path: Path, t: Transform, record: Record) -> str:
        code = self.transforms.get(t)  # a frozen dataclass: hashed by its fields, no copy made
        if code is None:
            raise SourceError(f"{path}:{record.lines[0]}: the text needs a transform that text_transforms lacks "
                              f"({t}); add it to data/text_transforms.csv")
        return code


CELLS = ("From", "decision", "notes")  # the cells cells_transform rebuilds, in this order


def combined(path: Path, record: Record) -> Repaired:
    """The one transform of a row's cells other than its text (state, response, notes), with
    their depths by stretch, in that order, where they differ. Their line breaks and residue
    must agree (they are short; an import that finds otherwise stops)."""
    parts = [record.repaired[name] for name in CELLS]
    flags = {(r.transform.residue_removed, r.transform.crlf_to_lf, r.transform.line_breaks_mixed)
             for r in parts if r.text} - {(False, False, False)}
    if len(flags) > 1:
        raise SourceError(f"{path}:{record.lines[0]}: the cells of the row need different repairs of their "
                          f"line breaks or residue: {flags}")
    residue, crlf, mixed = flags.pop() if flags else (False, False, False)
    # Each cell's depths by stretch, in order (`rebuild_each` splits them again).
    depths = []
    for r in parts:
        full = prepared(r.text, r.transform) if r.text else ""
        if not full.isascii():  # (an ASCII cell has no stretch)
            depths += r.depths or (r.transform.repairs,) * len(stretches(full))
    uniform = len(set(depths)) <= 1
    encoding = record.repaired["text"].transform.encoding
    return Repaired("", Transform(encoding, (depths[0] if depths else 0) if uniform else None, residue, crlf, mixed),
                    () if uniform else tuple(depths))


def line_ranges(spans: list[tuple[int, int]]) -> str:
    """Line spans as the package cites them: "4-6,9"."""
    if len(spans) == 1 and spans[0][0] <= spans[0][1]:  # most rows: one record, one span
        first, last = spans[0]
        return f"{first}-{last}" if last != first else str(first)
    lines = sorted({n for first, last in spans for n in range(first, last + 1)})
    out, start, prev = [], None, None
    for n in lines:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append(f"{start}-{prev}" if prev != start else str(start))
            start = prev = n
    if start is not None:
        out.append(f"{start}-{prev}" if prev != start else str(start))
    return LIST_DELIMITER.join(out)
