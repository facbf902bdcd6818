"""The README's and docs/'s examples run and print what they say they print; their links lead
somewhere; the CLI reference documents every command. (test_clients.py and test_release.py run the
README's "Loading the data" and "Loading a release" examples with these helpers.)"""

import contextlib
import io
import re
from pathlib import Path

import duckdb
import yaml
from click.testing import CliRunner

from rightsdata import cli, generate

# The pages whose examples and links are checked here: the README, every page of docs/, and the
# benchmarks' README.
PAGE_GLOBS = ("README.md", "docs/**/*.md", "benchmarks/README.md")
# The README's sections whose examples a test runs (the Quick start's second block is .ci/run's).
README_RUN = {"Using the data": "test_readme.py", "Loading the data": "test_clients.py",
              "Two sources of the same recommendations": "test_readme.py", "Loading a release": "test_release.py"}


def section(readme: str, heading: str) -> str:
    return readme.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```$", text, flags=re.S | re.M)


def pages(repo: Path) -> list[Path]:
    found = sorted({p for pattern in PAGE_GLOBS for p in repo.glob(pattern)})
    assert repo / "README.md" in found and repo / "docs/cli.md" in found
    return found


def assert_prints_its_comments(python: str, name: str = "README.md") -> None:
    """Run an example; it must print exactly its `# ` comment lines."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(python, name, "exec"), {})
    assert out.getvalue().splitlines() == [line[2:] for line in python.splitlines() if line.startswith("# ")]


def test_using_the_data_examples_run(repo, monkeypatch):
    """The README's one Python example prints its comments; its one SQL example returns these rows."""
    text = section((repo / "README.md").read_text(encoding="utf-8"), "Using the data")
    (python,) = blocks(text, "python")
    (sql,) = blocks(text, "sql")
    monkeypatch.chdir(repo)
    assert_prints_its_comments(python)
    rows = duckdb.sql(sql).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (2015, "inspections", 22), (2015, "inspections_desk_review", 0), (2015, "inspections_worksite", 22),
        (2016, "inspections", 4400), (2016, "inspections_desk_review", 0), (2016, "inspections_worksite", 4400)]


def test_two_sources_examples_run(repo, monkeypatch):
    """The README's example on Tajikistan's pending recommendations, with DuckDB and with stock
    frictionless: both give what the README says (57 pending in 2011: 30 supported in the end, 24
    of them answered by the 2014 report; 23 noted, 1 answered; 4 split by UPR Info and supported
    in part, all 4 answered)."""
    text = section((repo / "README.md").read_text(encoding="utf-8"), "Two sources of the same recommendations")
    (python,) = blocks(text, "python")
    (sql,) = blocks(text, "sql")
    monkeypatch.chdir(repo)
    assert duckdb.sql(sql).fetchall() == [("supported", 30, 24), ("noted", 23, 1), ("in part", 4, 4)]
    assert "30 supported (24 answered), 23 noted (1), 4 in\npart (4)" in text
    assert_prints_its_comments(python)


def test_upr_sql_example_returns_what_the_page_says(repo, monkeypatch):
    """(test_every_docs_example_runs runs the page's Python example.)"""
    upr = (repo / "docs/sources/upr.md").read_text(encoding="utf-8").split("\n## ", 1)[0]
    (sql,) = blocks(upr, "sql")
    monkeypatch.chdir(repo)
    numbers = [r[0] for r in duckdb.sql(sql).fetchall()]
    # The supported recommendations of Tajikistan's 2011 review that its 2014 report cites nowhere.
    assert numbers == ["88.1", "88.1.1", "88.1.2", "88.1.3", "88.3", "88.5.1", "88.8", "88.12", "88.23.1", "88.43",
                       "88.48.1", "88.52", "88.57", "88.63", "88.64", "88.65", "88.66", "88.67", "88.70"]
    assert "Nineteen rows" in upr


def test_every_docs_example_runs(repo, monkeypatch):
    """Every Python example of docs/ prints its comments and every SQL example returns rows, run
    from the repository root, so that an example added to a page is run without a test of its own."""
    monkeypatch.chdir(repo)
    ran = 0
    for page in sorted((repo / "docs").glob("**/*.md")):
        text = page.read_text(encoding="utf-8")
        for python in blocks(text, "python"):
            assert_prints_its_comments(python, str(page.relative_to(repo)))
            ran += 1
        for sql in blocks(text, "sql"):
            assert duckdb.sql(sql).fetchall(), f"{page.relative_to(repo)}: an example returns no rows"
            ran += 1
    assert ran >= 2  # the UPR page's two: the loop did look into docs/


def test_every_readme_example_is_in_a_section_a_test_runs(repo):
    """A Python, SQL or R example outside the sections of README_RUN would run nowhere."""
    readme = (repo / "README.md").read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", readme, flags=re.M)
    for heading, body in zip(parts[1::2], parts[2::2]):
        for lang in ("python", "sql", "r"):
            assert not blocks(body, lang) or heading in README_RUN, f"README: a {lang} example under '## {heading}' runs in no test"
    for heading, test in README_RUN.items():
        assert f'"{heading}"' in (repo / "tests" / test).read_text(encoding="utf-8"), f"{test} no longer runs '{heading}'"


def test_the_contributing_examples_are_real(repo):
    """The rule and the waiver the contributing page shows are the package's own."""
    text = (repo / "docs/contributing.md").read_text(encoding="utf-8")
    rule, waiver = (yaml.safe_load(b) for b in blocks(text, "yaml"))
    real = yaml.safe_load((repo / "validators" / f"{rule['id']}.yaml").read_text(encoding="utf-8"))
    assert set(rule) - {"field"} <= set(real) and rule["resource"] == real["resource"]
    waivers = yaml.safe_load((repo / "validators/waivers.yaml").read_text(encoding="utf-8"))
    assert any(w.get("rule") == waiver[0]["rule"] and w.get("key") == waiver[0]["key"] for w in waivers)


# --- links ---------------------------------------------------------------------------------------

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*_]|<[^>]+>", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    prose = re.sub(r"^```.*?^```$", "", markdown, flags=re.S | re.M)  # a `# ` line of an example is no heading
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", prose, flags=re.M)}


def test_every_relative_link_leads_to_a_file_and_heading(repo):
    checked = 0
    for page in pages(repo):
        prose = re.sub(r"^```.*?^```$", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
        for target in LINK.findall(prose):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):
                continue  # a URL
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            where = f"{page.relative_to(repo)}: link {target}"
            assert file.is_relative_to(repo) and file.exists(), f"{where}: no such file"
            if anchor:
                assert file.suffix == ".md", f"{where}: an anchor into a file that is not a page"
                assert anchor in anchors(file.read_text(encoding="utf-8")), f"{where}: no such heading"
            checked += 1
    assert checked > 50


def test_slug_is_githubs():
    assert slug("Add a field or a resource") == "add-a-field-or-a-resource"
    assert slug("## `rightsdata import-ilab`".lstrip("# ")) == "rightsdata-import-ilab"
    assert slug("What the publisher's data gets wrong, and how the package shows it") == \
        "what-the-publishers-data-gets-wrong-and-how-the-package-shows-it"


# --- the CLI reference --------------------------------------------------------------------------------

def test_the_cli_reference_documents_every_command_as_its_help_says(repo):
    page = (repo / "docs/cli.md").read_text(encoding="utf-8")
    documented = re.findall(r"^## `rightsdata (\S+)`$", page, flags=re.M)
    commands = cli.main.list_commands(None)  # the import commands are made from the importers' registrations
    assert documented == commands and "import-upr" in commands, "run `rightsdata generate`"
    for name in commands:
        help_text = CliRunner().invoke(cli.main, [name, "--help"], prog_name="rightsdata", terminal_width=100).output
        # what --help prints is on the page, line for line (the runner's width is the page's)
        body = page.split(f"## `rightsdata {name}`\n", 1)[1].split("\n```\n", 1)[0]
        assert body.split("```text\n", 1)[1].rstrip() == help_text.rstrip(), f"docs/cli.md: {name} is stale"


def test_generate_fills_pages_that_exist_and_refuses_one_that_lost_its_markers(repo, tmp_path):
    """(test_package.py's test_generated_files_are_current checks that every page is up to date.)"""
    assert set(generate.PAGES) <= {str(p.relative_to(repo)) for p in pages(repo)}
    page = tmp_path / "docs/rules.md"
    page.parent.mkdir()
    page.write_text("# Checks and rules\n\nThe table was deleted by hand.\n")
    result = CliRunner().invoke(cli.main, ["generate", "--check", "--package-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: docs/rules.md: the markers of the generated section 'rules' are missing "
        f"({generate.BEGIN.format(name='rules')} ... {generate.END.format(name='rules')}); nothing was written"]


def test_generated_tables_link_from_the_page_they_are_on():
    assert generate.rebase_links("[`goods`](data/goods.csv) [x](https://a.b/c) [y](#y)", "docs/reference/resources.md") == \
        "[`goods`](../../data/goods.csv) [x](https://a.b/c) [y](#y)"
    assert generate.rebase_links("[a](data/a.csv)", "README.md") == "[a](data/a.csv)"


def test_the_readme_stays_short_and_generates_nothing(repo):
    """The reference lives in docs/: the README says what the project is and how to start. The one
    table it generates is the UPR sources' coverage by cycle (a few lines; by session: docs/)."""
    readme = (repo / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 260
    assert re.findall(r"<!-- BEGIN generated: (\w+)", readme) == ["upr_cycles"]
    assert len(readme.split("<!-- BEGIN generated: upr_cycles")[1].split("<!-- END")[0].splitlines()) <= 8
