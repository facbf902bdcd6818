"""`rightsdata generate` after a field is added to a resource in the metadata: the two YAML files
are all a contributor edits; the data file gets the new column, empty, at its place."""

import csv

from conftest import run_cli


def drop_column(path, column: str) -> list[list[str]]:
    """Remove `column` from a CSV file (as the file was before its field was added); return the rows as they were."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    i = rows[0].index(column)
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([r[:i] + r[i + 1:] for r in rows])
    return rows


def test_generate_gives_a_new_field_its_empty_column(data_copy):
    path = data_copy / "data" / "activities.csv"
    before = drop_column(path, "citations_as_printed")  # the schema (the metadata) has it, the file not yet
    assert run_cli("generate", "--check", "--package-dir", str(data_copy)).returncode == 1

    result = run_cli("generate", "--package-dir", str(data_copy))
    assert result.returncode == 0, result.stderr
    assert "wrote: data/activities.csv" in result.stdout
    with open(path, encoding="utf-8", newline="") as f:
        after = list(csv.reader(f))
    i = before[0].index("citations_as_printed")
    assert after[0] == before[0]
    assert [r[:i] + r[i + 1:] for r in after] == [r[:i] + r[i + 1:] for r in before]  # every other cell as it was
    assert {r[i] for r in after[1:]} == {""}
    assert run_cli("validate", str(data_copy / "datapackage.json")).returncode == 0
    assert run_cli("generate", "--check", "--package-dir", str(data_copy)).returncode == 0


def test_generate_leaves_a_renamed_column_for_validate_to_report(data_copy):
    path = data_copy / "data" / "activities.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("citations_as_printed", "citations_printed", 1), encoding="utf-8")
    result = run_cli("generate", "--package-dir", str(data_copy))
    assert result.returncode == 0 and "activities.csv" not in result.stdout
    assert path.read_text(encoding="utf-8") == text.replace("citations_as_printed", "citations_printed", 1)
