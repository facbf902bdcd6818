"""`rightsdata format` changes layout only (issue 13, item 11): a value's digits never change (no
trip through float), and a file validate rejects for its layout is refused with file:line and
nothing written."""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import reached_by, run_cli, tree_digest, with_descriptor
from regex_text import regex_text
from rightsdata import metadata, tables
from rightsdata.cells import csv_text

RESOURCE = "enforcement"
COLUMNS = metadata.resources()[RESOURCE].column_names
EXCEPTION_NAME = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception)\b|Traceback")


def enforcement_row(i: int, value: str = "", answer: str = "") -> list[str]:
    cells = dict(country="UKR", report_year="2016", territory="national", data_year="2016", domain="labor",
                 indicator=f"indicator_{i:05d}", occurrence="1", label_as_printed="X", value_as_printed=value,
                 value=value, status="reported", answer=answer, source_id="ilab-countries-2016",
                 source_location="Enforcements/X", source_lines=str(i + 2))
    return [cells.get(c, "") for c in COLUMNS]


def package_of(root: Path, text: str) -> Path:
    """The descriptor and data/enforcement.csv only: format skips the files that are absent."""
    with_descriptor(root)
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "data/enforcement.csv").write_bytes(text.encode("utf-8", errors="surrogateescape"))  # \udce9: byte E9
    return root


def values(text: str) -> list[str]:
    import csv
    import io

    return [row["value"] for row in csv.DictReader(io.StringIO(text, newline=""))]


NUMBER = regex_text(r"-?(0|[1-9][0-9]{0,30})(\.[0-9]{1,25})?([eE][+-]?[0-9]{1,4})?", fullmatch=True)
NUMBERS = st.lists(st.one_of(NUMBER, st.sampled_from(["-0", "1e400", "-1E-400", "1234567890123456789.5",
                                                      "12345678.123456789012", "4400.0", "0.1000000000000000055511"])),
                   min_size=1, max_size=8)


@pytest.fixture(scope="module")
def descriptor_only(tmp_path_factory) -> Path:
    """The descriptor cut down to enforcement and what its foreign keys reach, written once: each
    example below writes only its data file, and format reads 4 schemas, not 32, each time."""
    root = package_of(tmp_path_factory.mktemp("p"), "")
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    kept = reached_by(RESOURCE)
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] in kept]
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return root


@settings(max_examples=200, deadline=None)
@given(NUMBERS)
def test_format_keeps_every_number_digit_for_digit(descriptor_only, numbers):
    root = descriptor_only
    (root / "data/enforcement.csv").write_text(csv_text(COLUMNS, [enforcement_row(i, n) for i, n in enumerate(numbers)]),
                                               encoding="utf-8", newline="")
    tables.canonical(root, RESOURCE)
    out = values((root / "data/enforcement.csv").read_text(encoding="utf-8"))
    for before, after in zip(numbers, out):
        # The text is kept, but for a fraction of zeros only, which is dropped (4400.0 is 4400).
        assert after == before or (before.startswith(after + ".") and set(before[len(after) + 1:]) == {"0"}), (before, after)
        assert Decimal(after) == Decimal(before)


def test_the_numbers_of_the_issue_are_kept_and_the_rest_still_canonical(tmp_path):
    numbers = ["1234567890123456789.5", "12345678.123456789012", "1e400", "4400.0", "-0"]
    rows = [enforcement_row(i, n, "TRUE" if i == 0 else "") for i, n in enumerate(numbers)]
    root = package_of(tmp_path, csv_text(COLUMNS, reversed(rows)).replace("\n", "\r\n"))  # unsorted, CR LF
    result = run_cli("format", "--package-dir", str(root))
    assert result.returncode == 0, result.stderr
    text = (root / "data/enforcement.csv").read_text(encoding="utf-8")
    assert values(text) == ["1234567890123456789.5", "12345678.123456789012", "1e400", "4400", "-0"]
    assert "\r" not in text and ",true," in text  # layout and booleans made canonical
    assert run_cli("format", "--check", "--package-dir", str(root)).returncode == 0


def layout_broken(rows: list[list[str]]) -> dict[str, tuple[str, str]]:
    good = csv_text(COLUMNS, rows)
    lines = good.split("\n")
    assert good.endswith(",3\n")  # the last row's last cell: the row keeps its count of cells
    return {
        "unclosed quote on the last row": (good[:-3] + ',"3\n',
                                           "data/enforcement.csv:4: a quoted cell is not closed before the end of the file"),
        "text after a closing quote": (good.replace(",X,", ',"X"y,', 1), "data/enforcement.csv:2: not readable as CSV"),
        "a cell too few": (good.replace(",X,", ",", 1), "data/enforcement.csv:2: too few cells"),
        "not UTF-8": (good.replace(",X,", ",X\udce9,", 2), "data/enforcement.csv:2: not UTF-8 text (byte 0xE9"),
        "mixed line ends": ("\n".join(lines[:2]) + "\r\n" + "\n".join(lines[2:]),
                            "data/enforcement.csv:2: the line ends with CR LF, line 1 with LF"),
    }


def test_a_file_validate_rejects_for_its_layout_is_refused_and_nothing_written(tmp_path):
    rows = [enforcement_row(i, str(i)) for i in (2, 0, 1)]  # unsorted: format would rewrite it
    for case, (text, message) in layout_broken(rows).items():
        root = package_of(tmp_path / case.replace(" ", "_"), text)
        before = tree_digest(root)
        for args in ((), ("--check",)):
            result = run_cli("format", *args, "--package-dir", str(root))
            assert result.returncode == 1, (case, result.stdout, result.stderr)
            assert message in result.stderr, (case, result.stderr)
            assert not EXCEPTION_NAME.search(result.stderr), result.stderr
            assert tree_digest(root) == before, case


def test_a_huge_integer_is_kept_not_a_python_exception(tmp_path):
    """int() refuses strings of more than 4,300 digits (ValueError: Exceeds the limit)."""
    huge = "9" * 5000
    rows = [enforcement_row(1), enforcement_row(0)]
    rows[0][COLUMNS.index("occurrence")] = huge
    root = package_of(tmp_path, csv_text(COLUMNS, rows))
    result = run_cli("format", "--package-dir", str(root))
    assert result.returncode == 0, result.stderr
    text = (root / "data/enforcement.csv").read_text(encoding="utf-8")
    assert huge in text and text.index("indicator_00000") < text.index("indicator_00001")
