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


def test_using_the_data_examples_run(repo, monkeypatch):
    readme = (repo / "README.md").read_text(encoding="utf-8")
    using = section(readme, "Using the data")
    (python,) = blocks(using, "python")
    (sql,) = blocks(using, "sql")
    monkeypatch.chdir(repo)
    assert_prints_its_comments(python)
    rows = duckdb.sql(sql).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (2015, "inspections", 22), (2015, "inspections_desk_review", 0), (2015, "inspections_worksite", 22),
        (2016, "inspections", 4400), (2016, "inspections_desk_review", 0), (2016, "inspections_worksite", 4400)]


def test_upr_examples_run(repo, monkeypatch):
    readme = (repo / "README.md").read_text(encoding="utf-8")
    upr = section(readme, "UPR recommendations, 2008-2013")
    (python,) = blocks(upr, "python")
    (sql,) = blocks(upr, "sql")
    monkeypatch.chdir(repo)
    assert_prints_its_comments(python)
    numbers = [r[0] for r in duckdb.sql(sql).fetchall()]
    # The supported recommendations of Tajikistan's 2011 review that its 2014 report cites nowhere.
    assert numbers == ["88.1", "88.1.1", "88.1.2", "88.1.3", "88.3", "88.5.1", "88.8", "88.12", "88.23.1", "88.43",
                       "88.48.1", "88.52", "88.57", "88.63", "88.64", "88.65", "88.66", "88.67", "88.70"]
    assert "Nineteen rows" in upr
