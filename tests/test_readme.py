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


def test_using_the_data_examples_run(repo, monkeypatch):
    readme = (repo / "README.md").read_text(encoding="utf-8")
    using = section(readme, "Using the data")
    (python,) = blocks(using, "python")
    (sql,) = blocks(using, "sql")
    monkeypatch.chdir(repo)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(python, "README.md", "exec"), {})
    expected = [line[2:] for line in python.splitlines() if line.startswith("# ")]
    assert out.getvalue().splitlines() == expected
    rows = duckdb.sql(sql).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (2015, "inspections", 22), (2015, "inspections_desk_review", 0), (2015, "inspections_worksite", 22),
        (2016, "inspections", 4400), (2016, "inspections_desk_review", 0), (2016, "inspections_worksite", 4400)]
