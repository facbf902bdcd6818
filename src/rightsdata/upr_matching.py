"""Which recommending-state row of UPR Info's export is the same as a row of the UPR transcription.

Pure: no I/O. The importer of UPR Info's export (issue 16, Reconciliation) builds both sides as
`Recommendation`s and calls `match`. A pair is made only between rows of the same review (state
under review and Working Group session), of the same recommending state (equal country codes), and
whose texts are the same once the transcription's paragraph number and closing parentheses naming
states, case, accents, spacing and punctuation are set aside; failing that, whose texts are the
closest of their review and state and close enough (`SIMILAR`), or of which one is nearly word for
word a part of the other (`PART`: UPR Info splits some recommendations). Each row is paired at
most once. A row left unpaired is better than a doubtful pair: two candidates nearly equally close
(`MARGIN`) pair with neither. `METHODS` says what each method code of a `Match` means.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

METHODS = {
    "same_text": "The two texts are the same once the transcription's paragraph number and the closing parentheses naming "
                 "the recommending states are set aside, and case, accents, spacing, punctuation and a leading \"To\" "
                 "ignored (only letters and digits compared).",
    "same_ascii_text": "The two texts are the same once, in addition, every character outside ASCII is ignored: one of them "
                       "holds characters mangled by an encoding conversion (\"GuaranÃ\\xades\" for \"Guaraníes\").",
    "similar_text": "The texts differ by a few words or characters (a typo, a word added or left out by one source, \"To ensure\" "
                    "for \"Ensure\"): their similarity is at least SIMILAR, and each is the other's closest text, by a margin, "
                    "among the rows of its review and recommending state that no surer method paired.",
    "part_of_text": "One text is, nearly word for word, a part of the other (UPR Info split the recommendation in two, kept "
                    "one of its clauses, or the transcription split a paragraph into sub-paragraphs): the shorter text, of at "
                    "least PART_WORDS words, aligns with a part of the longer with a similarity of at least PART, and each is "
                    "the other's closest, by a margin, among the rows of its review and recommending state that no surer "
                    "method paired. The other parts stay unpaired: pairs are one-to-one.",
    "other_part_of_text": "UPR Info split one recommendation into several, and this is one more of its parts: the UPR Info "
                          "text, of at least PART_WORDS words, aligns with a part of the transcription's text with a "
                          "similarity of at least PART, and with no other text of its review and recommending state. "
                          "The transcription row is then in a pair with each part (the only pairs a transcription row "
                          "can be in more than once); the UPR Info row, in one pair.",
}

SIMILAR = 0.9
"""Lowest similarity (rapidfuzz's normalised Indel similarity of the normalised texts) of a
`similar_text` pair."""

PART = 0.85
"""Lowest similarity (rapidfuzz's partial ratio: the shorter text against the best-aligned part of
the longer) of a `part_of_text` pair."""

PART_WORDS = 5
"""Fewest words of the shorter text of a `part_of_text` pair."""

MARGIN = 0.02
"""How much closer a `similar_text` or `part_of_text` pair must be than either side's next best
candidate (for `part_of_text`: on the part's similarity or on the whole texts'): a row with two
nearly equally close candidates stays unpaired."""


@dataclass(frozen=True)
class StateRow:
    """One recommending-state row of either source."""

    recommendation_id: str
    source_id: str
    position: int
    country: str | None  # ISO alpha-3, None when unmapped
    state_as_printed: str


@dataclass
class Recommendation:
    recommendation_id: str
    source_id: str
    country: str  # state under review (alpha-3)
    session: int | None  # UPR Working Group session; None when unknown (transcription)
    year: int | None  # the transcription's review year (sessions held late in a year carry the next year); None for UPR Info
    text: str
    states: list[StateRow]


@dataclass(frozen=True)
class Match:
    transcription: StateRow
    uprinfo: StateRow
    method: str  # a key of METHODS
    similarity: float  # 0..1, rounded to 3 places: how close the whole normalised texts are (rapidfuzz's ratio)


_NUMBER = re.compile(r"^\s*\d+(?:\s*\.+\s*\d+)*\.?(?:\s+\d+(?:\.+\d+)+\.?|\s+\d+\.(?=\s))?")
_NON_WORD = re.compile(r"[\W_]+")
# An ASCII text's bytes with its letters lower-cased, its digits kept and every other byte a space.
_ASCII_FOLD = bytes(c + 32 if 65 <= c <= 90 else c if c < 128 and chr(c).isalnum() else 32 for c in range(256))
_LEADING_TO = re.compile(r"^(?:and )?to (?=\w)")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def strip_number(text: str) -> str:
    """The text without its leading paragraph number (`88.1`, `88.1.`, `88. 1`, `88.1..1`, `108.91 108.92`,
    `135.122. 122.`)."""
    return _NUMBER.sub("", text, count=1)


_BRACKET = {")": 1, "(": -1}  # how a character changes the depth of parentheses, read from the end


def strip_closing_parentheses(text: str) -> str:
    """The text without its last parenthesised group when nothing but punctuation follows it
    (`... (Norway);`, `... (Bolivia (Plurinational State of)).`, `... (Egypt). );`, with a
    footnote mark `... (Germany)7; );`); the text unchanged otherwise."""
    end = len(text)
    while end and not text[end - 1].isalnum() or text[:end].rstrip("0123456789").endswith(")"):
        if text[end - 1] == ")":
            depth = 0
            for i in range(end - 1, -1, -1):
                depth += _BRACKET.get(text[i], 0)
                if depth == 0:
                    return text[:i]
        end -= 1  # not a group's end (a stray bracket, punctuation, a footnote's digit): looked past
    return text


def words(text: str) -> str:
    """Letters and digits only, case and accents folded, words joined by one space; a leading
    "to" (the transcription's "To ratify CEDAW" for UPR Info's "Ratify CEDAW") set aside."""
    if text.isascii():  # (most texts: ASCII's letters and digits, its lower case, without Unicode's tables or a regex)
        folded = " ".join(text.encode("ascii").translate(_ASCII_FOLD).decode("ascii").split())
    else:
        folded = _NON_WORD.sub(" ", _COMBINING.sub("", unicodedata.normalize("NFKD", text)).casefold()).strip()
    return _LEADING_TO.sub("", folded) if folded.startswith(("to ", "and to ")) else folded


def ascii_words(text: str) -> str:
    """`words` of the text's ASCII characters only: mangled characters ("Ã©" for "é") and the
    letters they stand for both drop out."""
    return words(text.encode("ascii", "ignore").decode())


@dataclass
class _Row:
    row: StateRow
    texts: tuple[str, ...]  # normalised variants, surest first (the transcription's: without, then with its last parentheses)
    ascii_texts: tuple[str, ...]

    @property
    def key(self) -> tuple:
        return _key(self.row)


def _key(row: StateRow) -> tuple:
    return (row.source_id, row.recommendation_id, row.position, row.country or "", row.state_as_printed)


def _transcription_variants(text: str) -> list[str]:
    body = strip_number(text)
    stripped = strip_closing_parentheses(body)
    return [stripped, body] if stripped != body else [body]


class _Texts(dict):
    """A recommendation's normalised texts, computed the first time a bucket needs them (most
    UPR Info recommendations, of reviews the transcription lacks, never need them)."""

    def of(self, rec: Recommendation, transcription: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
        found = self.get(id(rec))
        if found is None:
            variants = _transcription_variants(rec.text) if transcription else [rec.text]
            texts = tuple(dict.fromkeys(words(v) for v in variants))
            ascii_texts = texts if all(v.isascii() for v in variants) else tuple(dict.fromkeys(ascii_words(v) for v in variants))
            found = self[id(rec)] = (texts, ascii_texts)
        return found


def _compact(text: str) -> str:
    return text.replace(" ", "")


def match(transcription: list[Recommendation], uprinfo: list[Recommendation], session_years: dict[int, int]) -> list[Match]:
    """Pairs of a transcription state row and the UPR Info state row of the same recommendation,
    sorted by the transcription row (source, recommendation, position). See the module's
    docstring and METHODS. `session_years` maps a session to the calendar year it was held in:
    a transcription review without a session is taken to be the UPR Info review of its state
    whose session was held in the review's year or the year before (the transcription labels
    sessions held late in a year with the next year), when there is exactly one."""
    sessions: dict[str, set[int]] = defaultdict(set)
    buckets: dict[tuple, tuple[list, list]] = defaultdict(lambda: ([], []))
    for rec in uprinfo:
        if rec.session is None:
            continue
        sessions[rec.country].add(rec.session)
        for state in rec.states:
            if state.country is not None:
                buckets[(rec.country, rec.session, state.country)][1].append((state, rec))
    for rec in transcription:
        session = rec.session
        if session is None:
            years = (rec.year, rec.year - 1) if rec.year is not None else ()
            candidates = {s for s in sessions.get(rec.country, ()) if session_years.get(s) in years}
            if len(candidates) != 1:
                continue
            session = candidates.pop()
        for state in rec.states:
            if state.country is not None:
                buckets[(rec.country, session, state.country)][0].append((state, rec))
    texts = _Texts()
    matches: list[Match] = []
    for key in sorted(buckets):
        ours, theirs = buckets[key]
        if ours and theirs:
            rows = [sorted((_Row(state, *texts.of(rec, side == 0)) for state, rec in found), key=lambda r: r.key)
                    for side, found in enumerate((ours, theirs))]
            matches.extend(_match_bucket(*rows))
    return sorted(matches, key=lambda m: (_key(m.transcription), _key(m.uprinfo)))


def _match_bucket(ours: list[_Row], theirs: list[_Row]) -> Iterable[Match]:
    """The pairs of one review and recommending state: equal texts first, then equal ASCII
    texts, then the closest similar texts (both lists sorted by key, so that the result does not
    depend on the input's order)."""
    left, right = list(ours), list(theirs)
    whole: set[int] = set()  # the transcription rows paired with a whole text (not a part of theirs)
    for method, attr in (("same_text", "texts"), ("same_ascii_text", "ascii_texts")):
        index: dict[str, list[_Row]] = defaultdict(list)
        for r in right:
            index[_compact(getattr(r, attr)[0])].append(r)
        for variant in range(2):  # the transcription's text without its closing parentheses, then with them
            unpaired = []
            for r in left:
                texts = getattr(r, attr)
                hits = index.get(_compact(texts[variant]), []) if variant < len(texts) else []
                if hits:
                    other = hits.pop(0)
                    whole.add(id(r))
                    yield Match(r.row, other.row, method, round(fuzz.ratio(texts[variant], getattr(other, attr)[0]) / 100, 3))
                else:
                    unpaired.append(r)
            left = unpaired
        remaining = {id(r) for rows in index.values() for r in rows}
        right = [r for r in right if id(r) in remaining]
    for method, scorer, threshold in (("similar_text", _similar, SIMILAR), ("part_of_text", _part, PART)):
        if not left or not right:
            break
        paired = list(_closest(left, right, scorer, threshold))
        for i, j, (_, similarity) in paired:
            if method != "part_of_text":
                whole.add(id(left[i]))
            yield Match(left[i].row, right[j].row, method, round(similarity, 3))
        done_left, done_right = {i for i, _, _ in paired}, {j for _, j, _ in paired}
        left = [r for i, r in enumerate(left) if i not in done_left]
        right = [r for j, r in enumerate(right) if j not in done_right]
    yield from _other_parts([r for r in ours if id(r) not in whole], right)


def _other_parts(ours: list[_Row], theirs: list[_Row]) -> Iterable[Match]:
    """The UPR Info rows left unpaired that are one more part of a transcription text UPR Info
    split: a text of at least PART_WORDS words that aligns with a part of exactly one longer
    transcription text of the review and state (by MARGIN over any other), unpaired or paired
    with another part (`ours`: not those paired with a whole text)."""
    for r in theirs:
        text = r.texts[0]
        if text.count(" ") + 1 < PART_WORDS:
            continue
        scored = sorted(((fuzz.partial_ratio(text, o.texts[0]) / 100, k) for k, o in enumerate(ours)
                         if len(o.texts[0]) > len(text)), reverse=True)
        if not scored or scored[0][0] < PART or (len(scored) > 1 and scored[0][0] - scored[1][0] < MARGIN):
            continue
        other = ours[scored[0][1]]
        yield Match(other.row, r.row, "other_part_of_text", round(fuzz.ratio(other.texts[0], text) / 100, 3))


def _similar(a: str, b: str, cutoff: float) -> tuple[float, float] | None:
    """The texts' similarity, twice (it is both what pairs them and their whole similarity)."""
    score = fuzz.ratio(a, b, score_cutoff=cutoff * 100) / 100
    return (score, score) if score else None


def _part(a: str, b: str, cutoff: float) -> tuple[float, float] | None:
    """How well the shorter text, of at least PART_WORDS words, aligns with a part of the longer;
    then their whole similarity (of two parts of a text, the longer is the closer)."""
    if min(a.count(" "), b.count(" ")) + 1 < PART_WORDS:
        return None
    part = fuzz.partial_ratio(a, b, score_cutoff=cutoff * 100) / 100
    return (part, fuzz.ratio(a, b) / 100) if part else None


def _closest(left: list[_Row], right: list[_Row], scorer, threshold: float) -> Iterable[tuple[int, int, tuple[float, float]]]:
    """Pairs (i, j, scores) of rows whose texts score at least `threshold`, closest first, each
    row at most once. A pair is not made (doubtful) when one of its rows has another unpaired
    candidate within MARGIN of it on both of the scorer's measures."""
    score: dict[tuple[int, int], tuple[float, float]] = {}
    for i, a in enumerate(left):
        for j, b in enumerate(right):
            found = scorer(a.texts[0], b.texts[0], threshold - MARGIN)  # the transcription's text without its parentheses
            if found:
                score[i, j] = found
    used_left: set[int] = set()
    used_right: set[int] = set()
    for (i, j), s in sorted(score.items(), key=lambda item: (-item[1][0], -item[1][1], item[0])):
        if s[0] < threshold or i in used_left or j in used_right:
            continue
        rivals = [score.get((i, k)) for k in range(len(right)) if k != j and k not in used_right] + \
                 [score.get((k, j)) for k in range(len(left)) if k != i and k not in used_left]
        if any(r and s[0] - r[0] < MARGIN and s[1] - r[1] < MARGIN for r in rivals):
            continue  # another candidate nearly as close: doubtful, left unpaired
        used_left.add(i)
        used_right.add(j)
        yield i, j, s


PARTS = {"part_of_text", "other_part_of_text"}


def pairing_problems(matches: list[Match]) -> list[str]:
    """What makes pairs other than one-to-one: a UPR Info row in two pairs, or a transcription row
    in two pairs that are not all parts of a recommendation UPR Info split. Empty when none."""
    problems, methods, seen = [], defaultdict(list), set()
    for m in matches:
        if m.uprinfo in seen:
            problems.append(f"the UPR Info row {m.uprinfo} is in two pairs")
        seen.add(m.uprinfo)
        methods[m.transcription].append(m.method)
    problems += [f"the transcription row {row} is in {len(found)} pairs ({', '.join(found)})"
                 for row, found in methods.items() if len(found) > 1 and not set(found) <= PARTS]
    return problems
