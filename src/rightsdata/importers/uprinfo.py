"""UPR Info's database export: one `;`-separated file per range of Working Group sessions.

Each row is one recommendation and one recommending state (columns SuR, Rgrp, Org,
Recommendation, RS, Rgrp, Org, Response, Action, Issue, Session: the state under review with its
regional group and organisations, the text, the recommending state with its group and
organisations, the final response, the action category, the comma-joined issues, the session).
A file becomes, beside the transcription's rows and under its own source id:

- `upr_reviews`: one row per state under review and session (`{country}-s{session}`), its year
  from upr_sessions_years.csv, its cycle from `upr_cycles`;
- `upr_recommendations`: one row per text of a review with one response, action and set of issues
  (a recommendation made by several states is one recommendation); its id is the review and a
  hash of the text as printed, so it does not depend on the order of the export;
- `upr_recommending_states`: one row per source row (a row printed twice exactly is merged into
  the first, both lines cited), with the state, its group and organisations as printed;
- `upr_recommendation_issues`: one row per recommendation and issue, in the order printed;
- `upr_recommendation_matches`: which transcription row is the same recommendation and state
  (`rightsdata.upr_matching`), for the reviews both sources hold.

Text is kept as printed (trailing spaces too: `text_normalised` is beside it); the few cells an
earlier conversion mangled (UTF-8 read as Latin-1, "GuaranÃ­") are repaired with ftfy, stretch by
stretch, and the repair recorded as a `text_transforms` row that undoes it, as for the transcription.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import operator
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import click

from rightsdata import importers, tables
from rightsdata.cells import control_character
from rightsdata.countries import CountryNames
from rightsdata.importers import SourceError, SourceRows, read_source
from rightsdata.importers.legacy_text import Repaired, Transform, mangle, stretches
from rightsdata.importers.upr import line_ranges

# Where each column goes; the export names two columns Rgrp and two Org (the state under review's,
# then the recommending state's): the second of each is told apart here by "(RS)".
COLUMNS = {
    "SuR": "upr_reviews.country, upr_reviews.names_as_printed (one review per state and session)",
    "Rgrp": "upr_reviews.regional_group",
    "Org": "upr_reviews.organisations",
    "Recommendation": "upr_recommendations.text, text_normalised (one recommendation per text, response, action "
                      "and issues of a review; its id hashes the text as printed)",
    "RS": "upr_recommending_states.state_as_printed, upr_recommending_states.country",
    "Rgrp (RS)": "upr_recommending_states.regional_group",
    "Org (RS)": "upr_recommending_states.organisations",
    "Response": "upr_recommendations.response_as_printed, upr_recommendations.response, "
                "upr_recommending_states.response_as_printed",
    "Action": "upr_recommendations.action_category",
    "Issue": "upr_recommendations.issues_as_printed, upr_recommendation_issues.issue (split at commas)",
    "Session": "upr_reviews.session, upr_reviews.year (from upr_sessions_years.csv), upr_reviews.cycle",
}
HEADER = [name.removesuffix(" (RS)") for name in COLUMNS]
INDEX = {name: i for i, name in reversed(list(enumerate(HEADER)))}  # the first of two same names: the SuR's
REC = INDEX["Recommendation"]
# A row's cells that make its recommendation (the rows of a review with the same ones are one).
RECOMMENDATION_CELLS = operator.itemgetter(*(INDEX[c] for c in ("Recommendation", "Response", "Action", "Issue")))
YEARS_HEADER = ["session", "year"]
YEARS_SOURCE = "upr-sessions-years"
PUBLISHER = "UPR Info (database of UPR recommendations; export published in a research repository)"
LICENCE = ("UPR Info's terms apply to its database and this export; the origin repository declares no licence; the "
           "recommendation texts are those of UN documents.")
YEARS_PUBLISHER = "CeHDI Foundation (research repository UPR_Maternal-Health_Public)"
YEARS_LICENCE = ("No licence is recorded for the file; which year each session was held is a fact of the UN Human "
                 "Rights Council's calendar.")
# The export's recommending state when it does not know it: "(Unknown)", HTML-escaped. Not a
# spelling of a state: kept as printed with no code (rule upr-state-unmapped lists it).
UNKNOWN_STATE = "&#40;Unknown&#41;"
# The longest cell a row may hold: the export's longest recommendation has some 2,000 characters.
MAX_CELL = 100_000
DIGITS = re.compile(r"[0-9]+").fullmatch  # a session number (compiled once: it is looked for in every row)


@dataclass
class Row:
    """One row of an export file, as printed, with its repaired text."""

    lines: tuple[int, int]
    printed: tuple[str, ...]  # the cells as printed, in the order of HEADER
    cells: list[str]  # the cells as written: line breaks LF (the Recommendation cell as printed)
    text: Repaired  # the Recommendation cell repaired
    others: Repaired  # how the other cells were read (UTF-8 as printed, their line breaks written LF)

    def __getitem__(self, name: str) -> str:
        return self.cells[INDEX[name]]

    @property
    def rs(self) -> tuple[str, str, str]:  # the recommending state's cells: RS, its Rgrp, its Org
        return self.cells[4], self.cells[5], self.cells[6]


def line_breaks(text: str) -> tuple[str, bool, bool]:
    """Line breaks written LF: the text, whether it had CR LF, whether it mixed CR LF and LF."""
    crlf = "\r\n" in text and "\r" not in text.replace("\r\n", "")
    mixed = crlf and "\n" in text.replace("\r\n", "")
    return (text.replace("\r\n", "\n") if crlf else text), crlf, mixed


# The manglings of UTF-8 text a repair may undo, in the order tried: Latin-1 first (where both
# read a text alike, as for "GuaranÃ­", the plainer one is named).
UTF8_MANGLINGS = ("utf8_read_as_latin1", "utf8_read_as_cp1252")


# How the cells other than Recommendation were read, by whether they had CR LF and mixed it with LF.
OTHER_CELLS = {(crlf, mixed): Repaired("", Transform("utf-8", 0, False, crlf, mixed, UTF8_MANGLINGS[0]))
               for crlf in (False, True) for mixed in (False, True)}


def repair_utf8(cell: str) -> Repaired:
    """A UTF-8 cell with what an earlier conversion mangled (UTF-8 read as Latin-1 or as
    Windows-1252) repaired by ftfy, stretch by stretch: a stretch is taken repaired only when
    mangling it again gives back exactly what is printed, by the same mangling as the cell's other
    repaired stretches; one ftfy changes in any other way is kept as printed, undecided."""
    text, crlf, mixed = line_breaks(cell)
    if text.isascii():
        return Repaired(text, Transform("utf-8", 0, False, crlf, mixed, UTF8_MANGLINGS[0]))
    import ftfy

    config = ftfy.TextFixerConfig(unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False,
                                  fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
                                  fix_surrogates=False, remove_control_chars=False, normalization=None, explain=False)
    parts, depths, undecided, pos, mangling = [], [], [], 0, None
    for m in stretches(text):
        printed = m.group()
        fixed = ftfy.fix_text(printed, config)
        undone = next((name for name in UTF8_MANGLINGS if mangling in (None, name) and fixed != printed and fixed
                       and not fixed.isascii() and len(stretches(fixed)) == 1 and safe_mangle(fixed, name) == printed), None)
        if fixed == printed:
            depth = 0
        elif undone:
            depth, mangling = 1, undone
        else:
            fixed, depth = printed, 0
            undecided.append(printed)
        parts += [text[pos:m.start()], fixed]
        depths.append(depth)
        pos = m.end()
    repaired, mangling = "".join(parts) + text[pos:], mangling or UTF8_MANGLINGS[0]
    if len(set(depths)) > 1:
        return Repaired(repaired, Transform("utf-8", None, False, crlf, mixed, mangling), tuple(depths), tuple(undecided))
    return Repaired(repaired, Transform("utf-8", depths[0], False, crlf, mixed, mangling), (), tuple(undecided))


def safe_mangle(text: str, mangling: str) -> str | None:
    try:
        return mangle(text, mangling)
    except UnicodeError:
        return None


def recommendation_id(review_id: str, text: str, occurrence: int) -> str:
    """The review, and the text as printed hashed: the same whatever the order of the export."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return f"{review_id}-{digest}" + (f"~{occurrence}" if occurrence > 1 else "")


NOT_UTF8 = re.compile(r"[\udc80-\udcff]")  # a byte that is not UTF-8, as surrogateescape decodes it


def row_suspect(cells: list[str]) -> bool:
    """Whether a row may hold a cell too long, a byte that is not UTF-8 or a control character:
    one look at the row's text, where a look at each cell for each made reading slow."""
    joined = "".join(cells)
    return len(joined) > MAX_CELL or bool(NOT_UTF8.search(joined)) or control_character(joined) is not None


def read_rows(path: Path, data: bytes) -> tuple[list[Row], list[tuple[int, str]]]:
    """The rows of an export file and the rows rejected (line, reason); a SourceError when the
    file is not an export of this layout."""
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise SourceError(f"{path}:1: the file is UTF-16 or UTF-32 (it starts with a byte order mark); UPR Info's "
                          "export is UTF-8: save it as UTF-8")
    # Bytes that are not UTF-8 become surrogates, so that a row holding them is rejected, not the file
    # (but a file none of whose other characters is UTF-8 is a file in another encoding).
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    reader, header = importers.text_reader(path, text, delimiter=";")
    if header != HEADER:
        if any(NOT_UTF8.search(c) for c in header):  # a binary file, or text in another encoding
            raise SourceError(f"{path}:1: the first line holds bytes that are not UTF-8: not a UPR Info database export "
                              "(UTF-8 text)")
        delimiter = " (it is not separated by ';')" if len(header) == 1 else ""
        shown = repr(header) if len(repr(header)) <= 300 else repr(header)[:300] + "...]"
        raise SourceError(f"{path}:1: the header is {shown}{delimiter}, not {HEADER}: is this a UPR Info database "
                          "export?")
    if (bad := NOT_UTF8.search(text)) and not re.search(r"[^\x00-\x7f\udc80-\udcff]", text):
        line = text.count("\n", 0, bad.start()) + 1
        raise SourceError(f"{path}:{line}: the file is not UTF-8 (byte 0x{ord(bad.group()) - 0xDC00:02X}, and no character "
                          "of it is UTF-8: Windows-1252 or Latin-1?); UPR Info's export is UTF-8: save it as UTF-8")
    rows, rejected, last = [], [], reader.line_num
    try:
        for cells in reader:
            lines, last = (last + 1, reader.line_num), reader.line_num
            if not any(cell.strip() for cell in cells):
                rejected.append((lines[0], "blank row"))
            elif len(cells) != len(HEADER):
                rejected.append((lines[0], f"{len(cells)} cells where the header has {len(HEADER)}"))
            elif (suspect := row_suspect(cells)) and (bad := next((n for n, c in zip(COLUMNS, cells) if len(c) > MAX_CELL), None)):
                rejected.append((lines[0], f"column {bad} holds {len(cells[list(COLUMNS).index(bad)]):,} characters, more than "
                                 f"any recommendation ({MAX_CELL:,}): a damaged file?"))
            elif suspect and (bad := next((n for n, c in zip(COLUMNS, cells) if NOT_UTF8.search(c)), None)):
                rejected.append((lines[0], f"column {bad} holds bytes that are not UTF-8 (a damaged file?)"))
            elif suspect and (bad := next(((n, f) for n, c in zip(COLUMNS, cells) if (f := control_character(c))), None)):
                rejected.append((lines[0], f"column {bad[0]} holds the control character {bad[1]}; a text never holds "
                                 "one (a damaged file?), so the row is not imported"))
            else:
                text = cells[REC]
                if "\r" in "".join(cells[:REC]) or "\r" in "".join(cells[REC + 1:]):
                    others = [line_breaks(c) for i, c in enumerate(cells) if i != REC]
                    written = [o[0] for o in others]
                    written.insert(REC, text)
                    crlf, mixed = any(o[1] for o in others), any(o[2] for o in others)
                    # One flag serves every other cell: a cell with bare LF beside one with CR LF is mixed too.
                    mixed = mixed or (crlf and any("\n" in o[0] and not o[1] for o in others))
                else:  # (most rows: no other cell has a CR, so none has a line break to write LF)
                    written, crlf, mixed = cells, False, False
                rows.append(Row(lines, tuple(cells), written, repair_utf8(text), OTHER_CELLS[crlf, mixed]))
    except csv.Error as e:
        raise SourceError(f"{path}:{reader.line_num + 1}: not readable as CSV ({e})") from None
    damaged = [line for line, reason in rejected if reason != "blank row"]
    if len(damaged) > len(rows):
        raise SourceError(f"{path}:{min(damaged)}: {len(damaged)} of {len(rows) + len(rejected)} rows are unreadable "
                          "(a wrong number of cells, bytes that are not UTF-8, control characters): not a UPR Info "
                          "database export")
    return rows, rejected


@importers.register
class Importer(importers.Importer):
    """Import UPR Info's database export (NN-NN-UPR-INFO-DATABASE-EXPORT-*.csv).

    Each file's sessions are read from its content (column Session), never from its name; its
    source id is upr-info-sessions-FIRST-LAST. Its rows replace the rows of the same source in
    upr_reviews, upr_recommendations, upr_recommending_states, upr_recommendation_issues and
    upr_recommendation_matches, and it gets a row in sources (with its SHA-256, and its origin
    from MANIFEST.json). The year of each session comes from upr_sessions_years.csv (by default
    the one beside the files). Each recommendation is then matched with the transcription's
    recommendations of the same review already in the package (import those first with
    `rightsdata import-upr`), and the pairs written to upr_recommendation_matches.

    A file that is not such an export (another header, another delimiter), or a state, issue or
    session the package cannot place, stops the import before anything is written, listing every
    unknown spelling at once. Importing the same files twice changes nothing.

    For each file it prints how many source rows it read, kept (one recommending-state row each),
    merged into an identical earlier row, and rejected (with the line and why); read = kept +
    merged + rejected.

    \b
    Example:
      rightsdata import-uprinfo ../shared/uprinfo/*-UPR-INFO-DATABASE-EXPORT-*.csv
    """

    name = "uprinfo"
    help = __doc__
    options = [click.Option(["--sessions-years"], type=click.Path(dir_okay=False, path_type=Path), default=None,
                            help="upr_sessions_years.csv, the year each session was held (default: the one beside the files).")]
    resources = ["upr_reviews", "upr_recommendations", "upr_recommending_states", "upr_recommendation_issues",
                 "upr_recommendation_matches"]
    publisher = PUBLISHER
    licence = LICENCE
    columns = COLUMNS
    file_kind = "a UPR Info database export"

    def __init__(self, package_dir: Path, manifest: Path | None = None, sessions_years: Path | None = None):
        super().__init__(package_dir, manifest)
        self.names = CountryNames(package_dir)
        self.codes: dict[str, str] = {}  # spelling -> code, looked up once per spelling
        self.responses = {printed: r["code"] for r in tables.read_rows(package_dir, "upr_responses")
                          for printed in r["printed_as"]}
        self.issues = {r["label"]: r["code"] for r in tables.read_rows(package_dir, "upr_issues")}
        self.categories = {r["code"] for r in tables.read_rows(package_dir, "upr_action_categories")}
        self.transforms = {Transform.from_row(r): r["code"] for r in tables.read_rows(package_dir, "text_transforms")}
        self.cycles = tables.read_rows(package_dir, "upr_cycles")
        self.years_path = sessions_years
        self.years: SourceRows | None = None
        self.session_years: dict[int, tuple[int, int]] = {}  # session -> (year, line)

    def start(self, paths: list[Path]) -> None:
        path = self.years_path or next((p.parent / "upr_sessions_years.csv" for p in paths
                                        if (p.parent / "upr_sessions_years.csv").is_file()), None)
        if path is None:
            raise SourceError(f"{paths[0]}: no upr_sessions_years.csv beside the files, which gives each session's year: "
                              "pass it with --sessions-years")
        self.years = self.read_years(Path(path))

    def finish(self, batch: list[SourceRows]) -> list[SourceRows]:
        """Pair each recommending-state row with the transcription's row that is the same
        recommendation and state (the transcription's rows already in the package)."""
        from rightsdata import upr_matching

        self.check_reviews_once(batch)
        transcription = self.transcription()
        if not transcription:
            for item in batch:
                item.warnings.append(f"{item.path}: the package holds no transcription of UPR recommendations "
                                     "(`rightsdata import-upr`): no row was paired with it")
        uprinfo = [rec for item in batch for rec in recommendations(item.rows.get("upr_reviews", []),
                                                                     item.rows.get("upr_recommendations", []),
                                                                     item.rows.get("upr_recommending_states", []))]
        by_source = {item.source["source_id"]: item for item in batch}
        lines = {(s["recommendation_id"], s["position"], s["source_id"]): s["source_lines"]
                 for item in batch for s in item.rows.get("upr_recommending_states", [])}
        years = {session: year for session, (year, _) in self.session_years.items()}
        for m in upr_matching.match(transcription, uprinfo, years):
            t, u = m.transcription, m.uprinfo
            by_source[u.source_id].add("upr_recommendation_matches", dict(
                recommendation_id=u.recommendation_id, position=u.position, source_id=u.source_id,
                transcription_recommendation_id=t.recommendation_id, transcription_position=t.position,
                transcription_source_id=t.source_id, method=m.method, similarity=m.similarity,
                source_location=f"paired at import with {t.source_id} (rightsdata.upr_matching)",
                source_lines=lines[(u.recommendation_id, u.position, u.source_id)]))
        return [self.years]

    def check_reviews_once(self, batch: list[SourceRows]) -> None:
        """A review in two exports (files of overlapping sessions) would be in the package twice,
        its recommendations paired twice: stop, naming both."""
        ours = {item.source["source_id"] for item in batch}
        kinds = {r["source_id"] for r in tables.read_rows(self.package_dir, "sources")
                 if r["document_type"] == "recommendations_database" and r["source_id"] not in ours}
        held = {(r["country"], int(r["session"])): (r["source_id"], None)
                for _, r in tables.text_rows(self.package_dir, "upr_reviews") if r["source_id"] in kinds and r["session"]}
        for item in batch:
            for review in item.rows.get("upr_reviews", []):
                key = (review["country"], review["session"])
                if key in held:
                    other, path = held[key]
                    raise SourceError(f"{item.path}:{review['source_lines'].split('-')[0].split(';')[0]}: review "
                                      f"{review['review_id']} is already in {other}{f' ({path})' if path else ''}: files of "
                                      "overlapping sessions would hold it twice; import one of them, or remove that "
                                      "source's rows first")
                held[key] = (item.source["source_id"], item.path)

    def transcription(self) -> list:
        """The transcription's recommendations in the package (sources of document type
        recommendations_transcription), as `upr_matching` takes them."""
        kinds = {r["source_id"] for r in tables.read_rows(self.package_dir, "sources")
                 if r["document_type"] == "recommendations_transcription"}
        # Read as text, the few numbers made numbers here: typing every cell of these files took seconds.
        number = lambda cell: int(cell) if cell else None
        rows = {name: source_rows(self.package_dir, name, kinds)
                for name in ("upr_reviews", "upr_recommendations", "upr_recommending_states")}
        for r in rows["upr_reviews"]:
            r.update(session=number(r["session"]), year=number(r["year"]))
        for r in rows["upr_recommending_states"]:
            r.update(position=number(r["position"]), country=r["country"] or None)
        return recommendations(rows["upr_reviews"], rows["upr_recommendations"], rows["upr_recommending_states"],
                               transcription=True)

    @classmethod
    def summary(cls, item: SourceRows) -> str | None:
        if not item.counts:  # upr_sessions_years.csv
            return None
        return (f"{cls.accounted(item, 'upr_reviews', 'upr_recommendations')}; "
                f"{item.counts['repaired']} texts repaired, {item.counts['undecided']} kept as printed, undecided; "
                f"{len(item.rows.get('upr_recommendation_matches', []))} rows paired with the transcription's")

    def read_years(self, path: Path) -> SourceRows:
        data, digest = read_source(path)
        reader = csv.reader(io.StringIO(data.decode("utf-8", errors="replace").removeprefix("\ufeff"), newline=""))
        header = next(reader, None)
        if header != YEARS_HEADER:
            raise SourceError(f"{path}:1: the header is {header}, not {YEARS_HEADER}: is this upr_sessions_years.csv?")
        for row in reader:
            if len(row) != 2 or not all(re.fullmatch(r"[0-9]{1,4}", c.strip()) for c in row):
                raise SourceError(f"{path}:{reader.line_num}: expected a session number and a year, found {row}")
            self.session_years[int(row[0])] = (int(row[1]), reader.line_num)
        source = self.source_row(
            path, digest, YEARS_SOURCE, document_type="sessions_list", report_year=None,
            title="UPR Working Group sessions and the year each was held (sessions 1-53; research repository)")
        source.update(licence=YEARS_LICENCE, publisher=YEARS_PUBLISHER)
        return SourceRows(source, path=path)

    def read(self, path: Path) -> SourceRows:
        data, digest = read_source(path)
        rows, rejected = read_rows(path, data)
        sessions = sorted({int(r["Session"]) for r in rows if DIGITS(r["Session"].strip())})
        if not sessions:
            raise SourceError(f"{path}: no row names a session: not a UPR Info database export")
        entry = importers.manifest_entry(path, digest, self.manifest)
        first, last = sessions[0], sessions[-1]
        source_id = f"upr-info-sessions-{first:02d}-{last:02d}"
        exported = f", exported {entry['exported']}" if entry and entry.get("exported") else ""
        item = SourceRows(self.source_row(
            path, digest, source_id, entry=entry, document_type="recommendations_database", report_year=None,
            title=f"UPR Info database export: recommendations of UPR Working Group sessions {first}-{last}{exported} (CSV)",
            notes=["The sessions are read from the content (column Session)."]), path=path)
        if entry is None:
            item.warnings.append(f"{path}: no entry of MANIFEST.json has this file's SHA-256: its origin is not recorded")
        item.counts["read"] = len(rows) + len(rejected)
        for line, reason in rejected:
            item.reject(line, reason)
        self.check_spellings(path, rows)

        reviews: dict[tuple[str, int], list[Row]] = {}
        for row in rows:
            session = row["Session"].strip()
            if not DIGITS(session):
                item.reject(row.lines[0], f"column Session is {session!r}, not a session number: the row names no review "
                                          f"(state under review {row['SuR'].strip()!r})")
                continue
            if int(session) not in self.session_years:
                raise SourceError(f"{path}:{row.lines[0]}: session {session} is not in upr_sessions_years.csv: add it there")
            reviews.setdefault((self.code(row["SuR"]), int(session)), []).append(row)
            for name, cell in (("Recommendation", row.text), ("other cells", row.others)):
                if cell.undecided:
                    item.counts["undecided"] += 1
                    item.warnings.append(f"{path}:{row.lines[0]}: column {name}: kept as printed, no repair decided for "
                                         + ", ".join(repr(s) for s in cell.undecided))
            if row.text.text != row["Recommendation"].replace("\r\n", "\n"):
                item.counts["repaired"] += 1
        for (country, session), review_rows in sorted(reviews.items()):
            self.add_review(path, item, country, session, review_rows)
        return item

    def code(self, spelling: str) -> str:
        if spelling not in self.codes:
            self.codes[spelling] = self.names.code(spelling)
        return self.codes[spelling]

    def check_spellings(self, path: Path, rows: list[Row]) -> None:
        """Every state, issue and action category the file prints must be known: stop, listing
        every unknown one at once, before anything is written."""
        states: dict[str, int] = {}
        for row in rows:
            states.setdefault(row["SuR"], row.lines[0])
            if row["RS"] != UNKNOWN_STATE:
                states.setdefault(row["RS"], row.lines[0])
        try:  # the unknown states and the unknown codes below are listed together
            importers.check_names(path, states, self.names)
            unknown_states = ""
        except SourceError as e:
            unknown_states = f"{e}\n"
        unknown: dict[str, int] = {}
        for row in rows:
            for label in filter(None, row["Issue"].split(",")):
                if label not in self.issues:
                    close = difflib.get_close_matches(label, list(self.issues), n=3, cutoff=0.6)
                    hint = f" (closest known labels: {', '.join(map(repr, close))})" if close else " (no known label is close)"
                    unknown.setdefault(f"issue {label!r}{hint}", row.lines[0])
            if row["Action"] and not (row["Action"].isdigit() and int(row["Action"]) in self.categories):
                unknown.setdefault(f"action category {row['Action']!r} (known: {sorted(self.categories)})", row.lines[0])
        if unknown:
            listed = "; ".join(f"line {line}: {what}" for what, line in unknown.items())
            raise SourceError(f"{unknown_states}{path}:{min(unknown.values())}: {len(unknown)} values the package's code "
                              f"lists lack: {listed}. Add each to data/upr_issues.csv or data/upr_action_categories.csv "
                              "(source rightsdata-codes)")
        if unknown_states:
            raise SourceError(unknown_states.rstrip("\n"))

    def add_review(self, path: Path, item: SourceRows, country: str, session: int, rows: list[Row]) -> None:
        source_id = item.source["source_id"]
        review_id = f"{country}-s{session}"
        year, year_line = self.session_years[session]
        cycle = next((c["cycle"] for c in self.cycles if c["first_session"] <= session <= c["last_session"]), None)
        if cycle is None:
            raise SourceError(f"{path}:{rows[0].lines[0]}: session {session} is in no cycle of upr_cycles: add the cycle there")
        item.add("upr_reviews", dict(
            review_id=review_id, source_id=source_id, country=country, cycle=cycle, year=year, session=session,
            names_as_printed=list(dict.fromkeys(r["SuR"] for r in rows)),
            regional_group=" | ".join(dict.fromkeys(r["Rgrp"] for r in rows)) or None,
            organisations=" | ".join(dict.fromkeys(r["Org"] for r in rows)) or None,
            source_location=f"rows with SuR = {rows[0]['SuR'].strip()} and Session = {session}; the year from "
                            f"upr_sessions_years.csv line {year_line}",
            source_lines=line_ranges([r.lines for r in rows])))
        # One recommendation per text, response, action and issues, in the order first printed.
        recommendations: dict[tuple, list[Row]] = {}
        for row in rows:
            recommendations.setdefault(RECOMMENDATION_CELLS(row.cells), []).append(row)
        occurrences: Counter = Counter()
        for (text, response, action, issues), rec_rows in recommendations.items():
            occurrences[text] += 1
            rec_id = recommendation_id(review_id, text, occurrences[text])
            repaired = rec_rows[0].text.text
            normalised = " ".join(repaired.split())
            rec_lines = line_ranges([r.lines for r in rec_rows])  # (cited by its issue rows too)
            item.add("upr_recommendations", dict(
                recommendation_id=rec_id, review_id=review_id, occurrence=occurrences[text], text=repaired,
                text_normalised=normalised if normalised != repaired else None,
                response_as_printed=response or None, response=self.responses.get(response),
                action_category=int(action) if action else None, issues_as_printed=issues or None,
                source_id=source_id, source_location="columns Recommendation, Response, Action, Issue",
                source_lines=rec_lines))
            labels = list(filter(None, issues.split(",")))
            if len(set(labels)) < len(labels):  # one row per issue; issues_as_printed keeps the repeat
                item.warnings.append(f"{path}:{rec_rows[0].lines[0]}: column Issue: {issues!r} prints an issue twice: "
                                     "one upr_recommendation_issues row for it")
            if response and response not in self.responses:
                item.warnings.append(f"{path}:{rec_rows[0].lines[0]}: column Response: {response!r} is not how upr_responses "
                                     "prints a response: kept as printed, response left empty")
            for position, label in enumerate(dict.fromkeys(labels), 1):
                item.add("upr_recommendation_issues", dict(
                    recommendation_id=rec_id, issue=self.issues[label], position=position, source_id=source_id,
                    source_location="column Issue", source_lines=rec_lines))
            # A row printed twice exactly is one recommending-state row citing both lines.
            states: dict[tuple, list[Row]] = {}
            for row in rec_rows:
                group = states.setdefault(row.printed, [])
                if group:
                    item.counts["merged"] += 1
                group.append(row)
            for position, group in enumerate(states.values(), 1):
                first = group[0]
                name, regional_group, organisations = first.rs
                item.counts["kept"] += 1
                item.add("upr_recommending_states", dict(
                    recommendation_id=rec_id, position=position, state_as_printed=name,
                    country=None if name == UNKNOWN_STATE else self.code(name),
                    response_as_printed=first["Response"], regional_group=regional_group or None,
                    organisations=organisations or None,
                    text_transform=self.transform_code(path, first.text.transform, first),
                    cells_transform=self.transform_code(path, first.others.transform, first),
                    text_repairs=list(first.text.depths) or None,
                    undecided=["Recommendation"] if first.text.undecided else None,
                    source_id=source_id, source_location="columns RS, Rgrp, Org (the recommending state's)",
                    source_lines=line_ranges([r.lines for r in group])))

    def transform_code(self, path: Path, t: Transform, row: Row) -> str:
        code = self.transforms.get(t)
        if code is None:
            raise SourceError(f"{path}:{row.lines[0]}: the text needs a transform that text_transforms lacks ({t}); add "
                              "it to data/text_transforms.csv")
        return code


def source_rows(package_dir: Path, name: str, source_ids: set[str]) -> list[dict[str, str]]:
    """The rows of `source_ids` in a resource's file as text cells by column name: `tables.text_rows`
    of those rows alone (a dict made for every row of the other sources too, UPR Info's own
    included, took 0.4 s of import-uprinfo's 8 s)."""
    res = tables.resource(package_dir, name)
    path = tables.resource_file(package_dir, res)
    if not path.exists():
        return []
    header, records = tables.read_csv_file(path, res.path, res.column_names)
    source = header.index("source_id")
    return [dict(zip(header, record)) for _, record in records if record[source] in source_ids]


def recommendations(reviews: list[dict], recs: list[dict], states: list[dict], transcription: bool = False) -> list:
    """Rows of upr_reviews, upr_recommendations and upr_recommending_states (of either source) as
    the recommendations `upr_matching.match` pairs (the transcription's with the year it files
    each review under)."""
    from rightsdata.upr_matching import Recommendation, StateRow

    review = {(r["review_id"], r["source_id"]): r for r in reviews}
    out: dict[tuple[str, str], Recommendation] = {}
    for r in recs:
        v = review[(r["review_id"], r["source_id"])]
        out[(r["recommendation_id"], r["source_id"])] = Recommendation(
            r["recommendation_id"], r["source_id"], v["country"], v["session"], v["year"] if transcription else None,
            r["text"], [])
    for s in states:
        out[(s["recommendation_id"], s["source_id"])].states.append(StateRow(
            s["recommendation_id"], s["source_id"], s["position"], s["country"], s["state_as_printed"]))
    return list(out.values())
