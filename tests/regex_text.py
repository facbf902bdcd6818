"""Strings matching a regular expression, drawn at a fraction of st.from_regex's cost.

st.from_regex draws a repeated character class one character at a time (a choice for the
character and one for "another?"): ~0.5 ms a string for the schemas' patterns, most of the
properties' time. Here a repeated class (or literal) is one st.text draw over the class's
characters, the same strings in one choice; every other element is built as st.from_regex builds
it (sequence, group, alternation, repeat of a group), and anything else (categories such as \\d,
negated classes, look-arounds, ...) is left to st.from_regex whole. The result is filtered by the
regex itself, as st.from_regex does, so a string that does not match is never drawn.
"""

import re
import re._constants as sre
import re._parser as sre_parse

from hypothesis import strategies as st


class _Unsupported(Exception):
    pass


def _chars(code, value) -> str:
    """The characters of a literal or of a (non-negated) class of literals and ranges."""
    if code == sre.LITERAL:
        return chr(value)
    if code == sre.IN and all(c in (sre.LITERAL, sre.RANGE) for c, _ in value):
        out = []
        for c, v in value:
            out.extend([chr(v)] if c == sre.LITERAL else map(chr, range(v[0], v[1] + 1)))
        return "".join(dict.fromkeys(out))
    raise _Unsupported(code)


def _strategy(parsed) -> st.SearchStrategy[str]:
    parts = []
    for code, value in parsed:
        if code in (sre.LITERAL, sre.IN):
            parts.append(st.sampled_from(_chars(code, value)))
        elif code == sre.MAX_REPEAT:
            low, high, sub = value
            high = None if high == sre.MAXREPEAT else high
            if len(sub) == 1 and sub[0][0] in (sre.LITERAL, sre.IN):
                parts.append(st.text(alphabet=_chars(*sub[0]), min_size=low, max_size=high))
            elif low == 0 and high == 1:
                parts.append(st.just("") | _strategy(sub))
            else:
                parts.append(st.lists(_strategy(sub), min_size=low, max_size=high).map("".join))
        elif code == sre.SUBPATTERN:
            parts.append(_strategy(value[-1]))
        elif code == sre.BRANCH:
            parts.append(st.one_of([_strategy(b) for b in value[1]]))
        elif code == sre.AT and value in (sre.AT_BEGINNING, sre.AT_END):
            continue  # anchors: the filter below decides, and the padding for a search
        else:
            raise _Unsupported(code)
    return st.tuples(*parts).map("".join) if len(parts) != 1 else parts[0]


def translated(pattern: str) -> st.SearchStrategy[str] | None:
    """The strategy regex_text builds for `pattern` before its filter, or None where it leaves the
    pattern to st.from_regex (for tests: the translation must match without the filter's help)."""
    try:
        return _strategy(sre_parse.parse(pattern))
    except _Unsupported:
        return None


def regex_text(pattern: str, fullmatch: bool = False) -> st.SearchStrategy[str]:
    """As st.from_regex(pattern, fullmatch=fullmatch), for patterns without flags. A search
    (fullmatch False) is only supported for a pattern anchored at both ends (^...$, as the JSON
    Schemas' are): st.from_regex then adds nothing before and at most a line feed after, which `$`
    lets through, and so does this."""
    regex = re.compile(pattern)
    parsed = sre_parse.parse(pattern)
    anchored = len(parsed) > 1 and parsed[0] == (sre.AT, sre.AT_BEGINNING) and parsed[-1] == (sre.AT, sre.AT_END)
    if not fullmatch and not anchored:
        return st.from_regex(pattern, fullmatch=fullmatch)
    base = translated(pattern)
    if base is None:
        return st.from_regex(pattern, fullmatch=fullmatch)
    if fullmatch:
        return base.filter(regex.fullmatch)
    return st.tuples(base, st.sampled_from(["", "\n"])).map("".join).filter(regex.search)
