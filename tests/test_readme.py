"""The README's examples run, and print what the README says they print."""

import contextlib
import io
import os
import re

import duckdb


def section(readme: str, heading: str) -> str:
    return readme.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```$", text, flags=re.S | re.M)


def assert_prints_its_comments(python: str) -> None:
    """Run a README example; it must print exactly its `# ` comment lines."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(python, "README.md", "exec"), {})
    assert out.getvalue().splitlines() == [line[2:] for line in python.splitlines() if line.startswith("# ")]


def run_section_examples(repo, monkeypatch, heading: str) -> tuple[str, list[tuple]]:
    """Run the one Python and the one SQL example of a README section from the repository root:
    the Python must print its comments; returns the section's text and the SQL's rows."""
    text = section((repo / "README.md").read_text(encoding="utf-8"), heading)
    (python,) = blocks(text, "python")
    (sql,) = blocks(text, "sql")
    monkeypatch.chdir(repo)
    assert_prints_its_comments(python)
    return text, duckdb.sql(sql).fetchall()


def test_using_the_data_examples_run(repo, monkeypatch):
    _, rows = run_section_examples(repo, monkeypatch, "Using the data")
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (2015, "inspections", 22), (2015, "inspections_desk_review", 0), (2015, "inspections_worksite", 22),
        (2016, "inspections", 4400), (2016, "inspections_desk_review", 0), (2016, "inspections_worksite", 4400)]


def test_upr_examples_run(repo, monkeypatch):
    upr, rows = run_section_examples(repo, monkeypatch, "UPR recommendations, 2008-2013")
    numbers = [r[0] for r in rows]
    # The supported recommendations of Tajikistan's 2011 review that its 2014 report cites nowhere.
    assert numbers == ["88.1", "88.1.1", "88.1.2", "88.1.3", "88.3", "88.5.1", "88.8", "88.12", "88.23.1", "88.43",
                       "88.48.1", "88.52", "88.57", "88.63", "88.64", "88.65", "88.66", "88.67", "88.70"]
    assert "Nineteen rows" in upr
