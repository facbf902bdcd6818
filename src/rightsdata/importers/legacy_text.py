"""Decoding text that earlier conversions mangled, with a transform that can be undone.

The UPR transcription was saved in Mac Roman, but before that some of its text had been through
conversions that read Mac Roman bytes as Windows-1252: "women’s" became "womenÕs" (once) or
"womenÍs" (twice). Repairing text means undoing that conversion as many times as it was done:

    repaired = text.encode("cp1252").decode("mac_roman")      # once

A cell can hold text converted different numbers of times ("São" right beside an apostrophe
mangled twice), so the depth is decided per stretch: each run of non-ASCII characters with the
ASCII word around it ("dÍIvoire", "vis-ö-vis"). Both conversions map ASCII to itself and every
other character to a non-ASCII one, so a text has the same stretches at every depth, which is
what lets `rebuild` find them again. Readings are scored by how plausible they are
(`plausibility`): typographic quotes and accented letters inside words make a reading plausible;
Mac Roman symbols such as ™ ˆ ‡, or a capital inside a lowercase word ("womenÕs"), make it
implausible. A stretch's reading is then decided (`choose`), in this order, by

1. the corpus (`Corpus`): the words of the cells the files print without any repair. When
   exactly one reading of a stretch is such a word ("São", "women’s"), it is taken;
2. when readings tie ("Malé" or "Mal»"), the file's usual depth if it is one of them;
3. the depth that reads the whole cell best, if it reads every stretch plausibly and none against
   the corpus (most cells went through their conversions whole: "Guaraní" beside "Kaiowá", though
   "Guaran’" alone scores a little better);
4. the stretch's most plausible reading.

A stretch none of these decides (a tie without the file's depth, or no plausible reading) is
undecided: kept exactly as decoded (depth 0) and reported, never guessed.

Every repair is recorded as a `Transform` (a row of the `text_transforms` code list; `repairs` is
empty when the stretches of a cell need different depths, which are then listed per cell) and
`rebuild` turns the repaired text back into the file's bytes, which the tests check for every cell.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

# The conversions that mangle text: bytes of the first codec read as the second. The transcription
# knows the first; UPR Info's export, whose few mangled cells ftfy repairs, the second.
MANGLINGS = {"mac_roman_read_as_cp1252": ("mac_roman", "cp1252"), "utf8_read_as_latin1": ("utf-8", "latin-1"),
             "utf8_read_as_cp1252": ("utf-8", "cp1252")}
MAC_ROMAN_AS_CP1252 = "mac_roman_read_as_cp1252"
OPENING = set("“‘„")  # plausible at the start of a word, not inside one ("Sucuzhañay" is not "Sucuzha“ay")
CLOSING = set("”")  # plausible at the end of a word
TYPOGRAPHIC = set("–—")  # plausible anywhere
APOSTROPHE = "’"
PLAUSIBLE_SYMBOLS = set("°«»…§")
RESIDUE = "Â"  # what a UTF-8 no-break space read as Windows-1252 leaves once the space is lost
MAX_DEPTH = 2
# A stretch: a run of non-ASCII characters with the ASCII word around it (letters, digits, "-", "'").
STRETCH = re.compile(r"[A-Za-z0-9'-]*(?:[^\x00-\x7f]+[A-Za-z0-9'-]*)+")
CONTEXT = 2  # characters either side of a stretch that its score sees (ASCII: the same at every depth)


@dataclass(frozen=True)
class Transform:
    """How one cell was decoded: the file's encoding, how many times the mangling was undone,
    whether a trailing residue "Â" was removed, whether CR LF line breaks were written as LF."""

    encoding: str
    repairs: int | None = 0  # None: the stretches of the cell need different depths, listed per cell
    residue_removed: bool = False
    crlf_to_lf: bool = False
    line_breaks_mixed: bool = False  # some breaks were LF already: which ones is not recorded
    mangling: str = MAC_ROMAN_AS_CP1252  # the conversion `repairs` undid (a key of MANGLINGS)

    @classmethod
    def from_row(cls, row: dict) -> Transform:
        """The transform a row of `text_transforms` describes."""
        return cls(**{f.name: row[f.name] for f in dataclasses.fields(cls)})


def mangle(text: str, mangling: str = MAC_ROMAN_AS_CP1252) -> str:
    written, read = MANGLINGS[mangling]
    return text.encode(written).decode(read)


def unmangle(text: str, mangling: str = MAC_ROMAN_AS_CP1252) -> str:
    written, read = MANGLINGS[mangling]
    return text.encode(read).decode(written)


def plausibility(text: str) -> int:
    """A score of how much `text` reads like real text rather than mojibake (0 for ASCII):
    typographic punctuation where it belongs and lowercase accented letters count for it; Mac
    Roman symbols, and capitals or quotes inside words, count against it."""
    score = 0
    for i, ch in enumerate(text):
        if ord(ch) < 128:
            continue
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if ch in TYPOGRAPHIC:
            score += 2
            continue
        if ch == APOSTROPHE:
            score += 2 if is_apostrophe(text, i) else 1
            continue
        if ch in OPENING or ch in CLOSING:
            score += -2 if (before if ch in OPENING else after).isalnum() else 2
            continue
        if ch in PLAUSIBLE_SYMBOLS:
            # ... but not run into the next word ("…tat" is "État" mangled twice)
            score += -1 if ch == "…" and after.isalnum() else 1
            continue
        category = unicodedata.category(ch)
        if category == "Ll":
            score += 1
        elif category == "Lu":
            # A capital after a lowercase letter ("womenÕs", "dÍIvoire"), or between a letter and a
            # lowercase one ("SÇo" for "São" mangled twice), is the mark of mojibake; one that opens
            # a lowercase word ("État") is as plausible as an accented lowercase letter.
            if before.isalpha() and (before.islower() or after.islower()):
                score -= 3
            elif not after.isalpha():
                score -= 1
            elif not before.isalpha() and after.islower():
                score += 1
        elif category == "Zs":
            continue
        else:
            score -= 3
    return score


def is_apostrophe(text: str, i: int) -> bool:
    """Whether the ’ at `i` reads as a closing quote or an apostrophe of English or French
    ("women’s", "don’t", "d’Ivoire", "l’homme"), rather than, say, an í ("Defensor’a" is
    "Defensoría" mangled); inside other words ("Shari’a") it is left undecided."""
    before = text[i - 1] if i else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    if not (before.isalpha() and after.isalpha()):
        return True
    one_letter_word = i < 2 or not text[i - 2].isalpha()
    return after in "stdlmrv" or after.isupper() or one_letter_word


def stretches(text: str) -> list[re.Match]:
    """The stretches of a text; none in an ASCII text (most texts), which is not searched: STRETCH
    tries every start in each word and backtracks through it (26 us for a recommendation's text)."""
    return list(STRETCH.finditer(text)) if not text.isascii() else []


def readings(text: str) -> list[tuple[int, str]]:
    """The text undone 0, 1, ... MAX_DEPTH times, as far as each step is possible."""
    out = [(0, text)]
    for depth in range(1, MAX_DEPTH + 1):
        try:
            text = unmangle(text)
        except UnicodeError:
            break
        out.append((depth, text))
    return out


@functools.lru_cache(maxsize=1 << 16)  # a stretch is scored for the corpus, the file's depth, then repaired
def scores(left: str, stretch: str, right: str, at_end: bool) -> tuple[tuple[int, str, bool], ...]:
    """(score, reading, whether a trailing residue "Â" was dropped) of a stretch at each depth
    0, 1, ... as far as possible. A stretch that ends the cell may end with the residue, dropped
    when the reading scores better without it."""
    out = []
    for _, text in readings(stretch):
        score, residue = plausibility(left + text + right), False
        if at_end and text.endswith(RESIDUE):
            without = plausibility(left + text[:-1] + right)
            if without > score:
                score, residue = without, True
        out.append((score, text[:-1] if residue else text, residue))
    return tuple(out)


def best_of(scored: list[tuple[int, object]]) -> tuple[list[int], int]:
    """The depths whose readings score best (equal readings are one: the lowest depth is kept), and
    that score, from (score, reading) by depth."""
    top = max(score for score, _ in scored)
    seen, best = set(), []
    for depth, (score, reading) in enumerate(scored):
        if score == top and reading not in seen:
            best.append(depth)
        seen.add(reading)
    return best, top


def context(cell: str, m: re.Match) -> tuple[str, str, str, bool]:
    """(left, stretch, right, whether it ends the cell): the ASCII characters either side, which
    read the same whatever depth the neighbouring stretches take."""
    left = re.sub(r".*[^\x00-\x7f]", "", cell[max(m.start() - CONTEXT, 0):m.start()])
    right = re.sub(r"[^\x00-\x7f].*", "", cell[m.end():m.end() + CONTEXT])
    return left, m.group(), right, m.end() == len(cell)


def clear_depth(cell: str, m: re.Match) -> int | None:
    """The depth a stretch's score alone decides, or None when readings tie or none is plausible."""
    best, top = best_of([(score, text) for score, text, _ in scores(*context(cell, m))])
    return best[0] if len(best) == 1 and top >= 0 else None


class Corpus:
    """The words (stretches) of the cells read without any repair: cells whose text reads best,
    and plausibly in every stretch, as decoded ("São Tomé", "women’s" in a file saved once). A
    word printed so is real text, so a reading of another stretch that is one is right. (A
    stretch that merely reads well as decoded inside a cell that needed repair, "s’" for "sí",
    is no evidence.)"""

    def __init__(self):
        self.words: Counter = Counter()

    def add_file(self, cells: list[str]) -> None:
        """Add the words of a file's cells read without repair (ties go to the file's depth)."""
        depth = dominant_depth(cells)
        for cell in cells:
            if cell.isascii():
                continue
            found = [(m, scores(*context(cell, m)), None) for m in stretches(cell)]
            if cell_depth(found, depth) == 0:
                self.words.update(m.group() for m, scored, _ in found if not scored[0][2])  # residue: no word

    def __contains__(self, word: str) -> bool:
        return word in self.words


NO_CORPUS = Corpus()


def dominant_depth(cells: list[str]) -> int:
    """The depth most of a file's stretches clearly need (0 when none is clear)."""
    clear = Counter()
    for cell in cells:
        for m in stretches(cell):
            depth = clear_depth(cell, m)
            if depth is not None:
                clear[depth] += 1
    return clear.most_common(1)[0][0] if clear else 0


def known(stretch: str, corpus: Corpus) -> int | None:
    """The depth of the one reading of a stretch that is a word of the corpus, or None."""
    found = {text: depth for depth, text in reversed(readings(stretch)) if text in corpus}
    return next(iter(found.values())) if len(found) == 1 else None


def cell_depth(found: list[tuple[re.Match, tuple, int | None]], file_depth: int) -> int | None:
    """The one depth that reads the whole cell best, when it reads every stretch plausibly and
    none against the corpus: most cells went through their conversions whole, and a stretch
    whose best reading is only a little better alone ("Guaran’" over "Guaraní") is read as the
    rest of its cell."""
    depths = min(len(s) for _, s, _ in found)
    totals = [(sum(s[d][0] for _, s, _ in found), tuple(s[d][1] for _, s, _ in found)) for d in range(depths)]
    best, _ = best_of(totals)
    depth = best[0] if len(best) == 1 else file_depth if file_depth in best else None
    if depth is None or any(s[depth][0] < 0 or k not in (None, depth) for _, s, k in found):
        return None
    return depth


def choose(scored: tuple, corpus_depth: int | None, file_depth: int, whole: int | None) -> int | None:
    """The depth of a stretch, or None when it is undecided: the one reading that is a word of
    the corpus; else, when readings tie, the file's depth if it is one of them (never the depth
    the rest of the cell needs: "Malé" beside "womenÍs" is as likely printed right as "Mal»"
    mangled twice); else the depth of the whole cell (`cell_depth`); else the reading that
    scores best; never one that is implausible."""
    if corpus_depth is not None:
        return corpus_depth
    best, top = best_of([(score, text) for score, text, _ in scored])
    if len(best) > 1:
        return file_depth if file_depth in best and top >= 0 else None
    if whole is not None:
        return whole
    return best[0] if top >= 0 else None


@functools.cache
def plain(encoding: str) -> Transform:
    return Transform(encoding)


@dataclass(frozen=True)
class Repaired:
    """A decoded cell repaired: its text, the transform that rebuilds it, the depth of each
    stretch when they differ (`transform.repairs` is None), and the stretches kept as decoded
    because no reading could be decided."""

    text: str
    transform: Transform
    depths: tuple[int, ...] = ()
    undecided: tuple[str, ...] = ()


def repair(cell: str, encoding: str, file_depth: int, corpus: Corpus = NO_CORPUS) -> Repaired:
    """The repaired text of a decoded cell and how to rebuild it (never an exception: a stretch
    that cannot be decided is kept as decoded and listed in `undecided`)."""
    if cell.isascii() and "\r" not in cell:  # most cells: nothing to decide (and no object to make but one)
        return Repaired(cell, plain(encoding))
    parts, depths, undecided, residue, pos = [], [], [], False, 0
    if not cell.isascii():
        found = []
        for m in stretches(cell):
            found.append((m, scores(*context(cell, m)), known(m.group(), corpus)))
        whole = cell_depth(found, file_depth)
        for m, scored, corpus_depth in found:
            depth = choose(scored, corpus_depth, file_depth, whole)
            if depth is None:
                undecided.append(m.group())
                text, residue = m.group(), False
                depth = 0
            else:
                _, text, residue = scored[depth]
            parts += [cell[pos:m.start()], text]
            depths.append(depth)
            pos = m.end()
    text = "".join(parts) + cell[pos:]
    # Line breaks are written LF. A cell whose breaks are all CR LF is rebuilt exactly; a cell that
    # mixes CR LF and LF (two in the 2010 file) is flagged, as its rebuild makes every break CR LF.
    crlf = "\r\n" in text and "\r" not in text.replace("\r\n", "")
    mixed = crlf and "\n" in text.replace("\r\n", "")
    if crlf:
        text = text.replace("\r\n", "\n")
    if len(set(depths)) > 1:  # the depths go in the row, stretch by stretch
        return Repaired(text, Transform(encoding, None, residue, crlf, mixed), tuple(depths), tuple(undecided))
    return Repaired(text, Transform(encoding, depths[0] if depths else 0, residue, crlf, mixed), (), tuple(undecided))


def prepared(text: str, transform: Transform) -> str:
    """A repaired text with its line breaks and residue put back: the text whose stretches the
    transform's depths apply to."""
    if transform.crlf_to_lf:
        text = text.replace("\n", "\r\n")
    return text + RESIDUE if transform.residue_removed else text


def rebuild(text: str, transform: Transform, depths: tuple[int, ...] = ()) -> bytes:
    """The bytes the source file holds for a cell that `repair` turned into `text` (but for
    `line_breaks_mixed`, where every line break comes back as CR LF); `depths` are the cell's
    depths by stretch when `transform.repairs` is None."""
    text = prepared(text, transform)
    found = stretches(text)
    if transform.repairs is not None:
        depths = (transform.repairs,) * len(found)
    if len(found) != len(depths):
        raise ValueError(f"{len(depths)} depths for the {len(found)} stretches of {text[:60]!r}")
    parts, pos = [], 0
    for m, depth in zip(found, depths):
        stretch = m.group()
        for _ in range(depth):
            stretch = mangle(stretch, transform.mangling)
        parts += [text[pos:m.start()], stretch]
        pos = m.end()
    return ("".join(parts) + text[pos:]).encode(transform.encoding)


def rebuild_each(texts: list[str], transform: Transform, depths: tuple[int, ...] = ()) -> list[bytes]:
    """`rebuild` of cells that share a transform and whose depths by stretch run on from one
    cell to the next (an empty cell holds no bytes and no stretch)."""
    out, rest = [], list(depths)
    for text in texts:
        if not text:
            out.append(b"")
            continue
        n = len(stretches(prepared(text, transform))) if transform.repairs is None else 0
        out.append(rebuild(text, transform, tuple(rest[:n])))
        del rest[:n]
    if rest:
        raise ValueError(f"{len(rest)} depths left over after the stretches of {len(texts)} cells")
    return out
