"""Decoding text that earlier conversions mangled, with a transform that can be undone.

The UPR transcription was saved in Mac Roman, but before that some of its text had been through
conversions that read Mac Roman bytes as Windows-1252: "women’s" became "womenÕs" (once) or
"womenÍs" (twice). Repairing a cell means undoing that conversion as many times as it was done:

    repaired = cell.encode("cp1252").decode("mac_roman")      # once

Which depth a cell needs is decided by how plausible each reading is (`plausibility`): typographic
quotes and accented letters inside words make a reading plausible; Mac Roman symbols such as ™ ˆ ‡,
or a capital letter inside a lowercase word ("womenÕs"), make it implausible. A file has a depth most
of its cells need; a cell whose readings tie takes the file's depth. A cell whose best reading is
still implausible stops the import: the package never writes mojibake.

Every repair is recorded as a `Transform` (a row of the `text_transforms` code list) and `rebuild`
turns the repaired text back into the file's bytes, which the tests check for every cell.
"""

from __future__ import annotations

import dataclasses
import functools
import unicodedata
from collections import Counter
from dataclasses import dataclass

MANGLED_FROM, MANGLED_AS = "mac_roman", "cp1252"  # the conversion that mangled the text
OPENING = set("“‘„")  # plausible at the start of a word, not inside one ("Sucuzhañay" is not "Sucuzha“ay")
CLOSING = set("”")  # plausible at the end of a word
TYPOGRAPHIC = set("–—")  # plausible anywhere
APOSTROPHE = "’"
PLAUSIBLE_SYMBOLS = set("°«»…§")
RESIDUE = "Â"  # what a UTF-8 no-break space read as Windows-1252 leaves once the space is lost
MAX_DEPTH = 2


@dataclass(frozen=True)
class Transform:
    """How one cell was decoded: the file's encoding, how many times the mangling was undone,
    whether a trailing residue "Â" was removed, whether CR LF line breaks were written as LF."""

    encoding: str
    repairs: int = 0
    residue_removed: bool = False
    crlf_to_lf: bool = False
    line_breaks_mixed: bool = False  # some breaks were LF already: which ones is not recorded

    @classmethod
    def from_row(cls, row: dict) -> "Transform":
        """The transform a row of `text_transforms` describes."""
        return cls(**{f.name: row[f.name] for f in dataclasses.fields(cls)})


def mangle(text: str) -> str:
    return text.encode(MANGLED_FROM).decode(MANGLED_AS)


def unmangle(text: str) -> str:
    return text.encode(MANGLED_AS).decode(MANGLED_FROM)


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
            # A capital after a lowercase letter ("womenÕs", "dÍIvoire") is the mark of mojibake;
            # one that opens a lowercase word ("État") is as plausible as an accented lowercase letter.
            if before.isalpha() and before.islower():
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


def readings(cell: str) -> list[tuple[int, str]]:
    """The cell undone 0, 1, ... MAX_DEPTH times, as far as each step is possible."""
    out = [(0, cell)]
    text = cell
    for depth in range(1, MAX_DEPTH + 1):
        try:
            text = unmangle(text)
        except UnicodeError:
            break
        out.append((depth, text))
    return out


@functools.lru_cache(maxsize=1 << 16)  # each cell is scored for the file's depth, then repaired
def best_depths(cell: str) -> tuple[dict[int, str], int]:
    """The readings that score best, by depth (all of them when they tie), and that score."""
    scored = [(plausibility(text), depth, text) for depth, text in readings(cell)]
    top = max(score for score, _, _ in scored)
    texts: dict[str, int] = {}
    for score, depth, text in scored:
        if score == top:
            texts.setdefault(text, depth)  # equal readings are one reading: keep the lowest depth
    return {depth: text for text, depth in sorted(texts.items(), key=lambda item: item[1])}, top


def dominant_depth(cells: list[str]) -> int:
    """The depth most of a file's non-ASCII cells clearly need (0 when none is clear)."""
    clear = Counter()
    for cell in cells:
        best, _ = best_depths(cell)
        if len(best) == 1:
            (depth,) = best
            clear[depth] += 1
    return clear.most_common(1)[0][0] if clear else 0


class UndecidableText(ValueError):
    """No reading of a cell is plausible, or two readings are equally plausible."""


def repair(cell: str, encoding: str, file_depth: int) -> tuple[str, Transform]:
    """The repaired text of a decoded cell and the transform that rebuilds it."""
    residue = False
    text = cell
    if not cell.isascii():
        best, _ = best_depths(cell)
        if len(best) > 1:
            if file_depth not in best:
                raise UndecidableText(f"readings at depths {list(best)} are equally plausible: "
                                      + " / ".join(repr(text[:60]) for text in best.values()))
            depth = file_depth
        else:
            (depth,) = best
        text = best[depth]
        if text.endswith(RESIDUE) and plausibility(text[:-1]) > plausibility(text):
            text, residue = text[:-1], True
        if plausibility(text) < 0:
            raise UndecidableText(f"no reading is plausible; the best is {text[:80]!r}")
    else:
        depth = 0
    # Line breaks are written LF. A cell whose breaks are all CR LF is rebuilt exactly; a cell that
    # mixes CR LF and LF (two in the 2010 file) is flagged, as its rebuild makes every break CR LF.
    crlf = "\r\n" in text and "\r" not in text.replace("\r\n", "")
    mixed = crlf and "\n" in text.replace("\r\n", "")
    if crlf:
        text = text.replace("\r\n", "\n")
    return text, Transform(encoding, depth, residue, crlf, mixed)


def rebuild(text: str, transform: Transform) -> bytes:
    """The bytes the source file holds for a cell that `repair` turned into `text` (but for
    `line_breaks_mixed`, where every line break comes back as CR LF)."""
    if transform.crlf_to_lf:
        text = text.replace("\n", "\r\n")
    if transform.residue_removed:
        text += RESIDUE
    for _ in range(transform.repairs):
        text = mangle(text)
    return text.encode(transform.encoding)

