"""Cells round-trip: a value written canonically reads back as itself, and the text reads back to
the same text (so that an importer run twice writes the same bytes)."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regex_text import regex_text
from rightsdata.cells import CellError, csv_text, read_cell, write_cell

FIELDS = {
    "string": st.text(min_size=1),
    "integer": st.integers(-10**15, 10**15),
    "number": st.one_of(st.integers(-10**15, 10**15), st.floats(allow_nan=False, allow_infinity=False)),
    "boolean": st.booleans(),
    "date": st.dates().map(dt.date.isoformat),
    "list": st.lists(st.integers(0, 10**6), min_size=1, max_size=8),
}


def field(kind):
    return {"type": kind, "itemType": "integer", "delimiter": ","} if kind == "list" else {"type": kind}


@pytest.mark.parametrize("kind", sorted(FIELDS))
@given(data=st.data())
def test_values_round_trip_through_cells(kind, data):
    value = data.draw(FIELDS[kind])
    text = write_cell(field(kind), value)
    back = read_cell(field(kind), text)
    assert back == value
    assert write_cell(field(kind), back) == text


@given(st.lists(st.lists(st.text(), min_size=3, max_size=3), max_size=5))
@settings(max_examples=300)
def test_csv_text_reads_back_as_written(rows):
    import csv
    import io

    text = csv_text(["a", "b", "c"], rows)
    assert list(csv.reader(io.StringIO(text, newline="")))[1:] == rows


@pytest.mark.parametrize("kind,cell", [("integer", "1.5"), ("integer", "x"), ("number", "NaN"), ("number", "1,5"),
                                       ("boolean", "yes"), ("date", "2013-02-30"), ("list", "1,,2")])
def test_bad_cells_raise(kind, cell):
    with pytest.raises(CellError):
        read_cell(field(kind), cell)


def test_missing_value_is_the_empty_cell():
    for kind in FIELDS:
        assert read_cell(field(kind), "") is None and write_cell(field(kind), None) == ""


# The readers and writers made once per field (cells.cell_reader, cells.cell_writer: the package's
# tables are read and written through them) give what read_cell and write_cell give, error included.
SHAPES = [{"type": t} for t in ("string", "integer", "number", "boolean", "date")] + [
    {"type": "list", "itemType": t, "delimiter": ";"} for t in ("string", "integer")]
CELLS = st.one_of(st.text(), st.text(alphabet="0123456789+-.eE ;:T", max_size=12),
                  st.sampled_from(["true", "False", "1", "0", "yes", "2016-01-05", "2016-1-5", "0000-01-01", "2016-02-30",
                                   "\u0661\u0662", "1e400", "NaN", "+7", " 7", "a;;b", "1;2"]))
VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.dates(),
                   st.lists(st.one_of(st.text(), st.integers(), st.none()), max_size=4))


def outcome(function, *args):
    try:
        return "value", function(*args)
    except Exception as e:  # (the same kind of error, with the same words)
        return type(e).__name__, str(e)


@given(cell=CELLS)
@settings(max_examples=500)
def test_cell_reader_reads_as_read_cell(cell):
    from rightsdata.cells import cell_reader

    for f in SHAPES:
        want, got = outcome(read_cell, f, cell), outcome(cell_reader(f), cell)
        assert got == want and type(got[1]) is type(want[1]), (f, cell)


@given(value=VALUES)
@settings(max_examples=500)
def test_cell_writer_writes_as_write_cell(value):
    from rightsdata.cells import cell_writer

    for f in SHAPES:
        assert outcome(cell_writer(f), value) == outcome(write_cell, f, value), (f, value)


# `rightsdata format` makes a table's cells canonical through cells.cell_canonicalizer (None: every
# cell of the field kept as it is), which must give what canonical_cell gives, for every field shape.
CANONICAL_SHAPES = SHAPES + [{"type": "list", "itemType": t, "delimiter": d} for t in ("number", "boolean", "date") for d in (";", ",")]
CANONICAL_CELLS = st.one_of(CELLS, regex_text(r"[+-]?[0-9]{0,4}(\.[0-9]{0,3})?0*", fullmatch=True),
                            st.lists(st.sampled_from(["4400.0", "1.50", "-0.00", ".0", "7.", "true", "TRUE", "0", "no", "", "1e3"]),
                                     min_size=1, max_size=4).flatmap(lambda parts: st.sampled_from([";".join(parts), ",".join(parts)])))


@given(cell=CANONICAL_CELLS)
@settings(max_examples=500)
def test_cell_canonicalizer_makes_the_cell_canonical_as_canonical_cell(cell):
    from rightsdata.cells import canonical_cell, cell_canonicalizer

    for f in CANONICAL_SHAPES:
        change = cell_canonicalizer(f)
        assert outcome(change or (lambda cell: cell), cell) == outcome(canonical_cell, f, cell), (f, cell)


@given(cell=CELLS)
@settings(max_examples=300)
def test_sortable_reader_sorts_as_the_value_read(cell):
    from rightsdata.cells import _sortable
    from rightsdata.tables import sortable_reader

    for f in SHAPES:
        want = outcome(lambda f, cell: _sortable(read_cell(f, cell)), f, cell)
        assert repr(outcome(sortable_reader(f), cell)) == repr(want), (f, cell)  # (repr: 1 and 1.0 apart)
