"""The `rightsdata` command line: small commands that each do one job.

Exit codes every command keeps: 0 success (a valid package), 1 invalid data, 2 unusable input (a
package or file that cannot be read, a wrong option). No command prints a traceback: an
unexpected failure is reported in one line, with exit code 2.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
import tempfile
import zipfile
from pathlib import Path

import click

from rightsdata import __version__


class Command(click.Group):
    # The import commands are made from the importers' registrations (rightsdata.importers), read
    # only when an import command or the list of commands is asked for.
    def list_commands(self, ctx):
        from rightsdata.importers import registered

        return sorted(set(super().list_commands(ctx)) | {i.command() for i in registered().values()})

    def get_command(self, ctx, name):
        found = super().get_command(ctx, name)
        if found is None and name.startswith("import-"):
            from rightsdata.importers import registered

            importer = next((i for i in registered().values() if i.command() == name), None)
            found = import_command(importer) if importer else None
        return found

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:  # the reader went away (`rightsdata rules | head`): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as e:  # the promise: one clear line, never a traceback
            # A failure no check foresaw: say what happened in its own words, not as a Python class
            # name a contributor cannot act on, and ask for a report so that it gets a check.
            what = str(e).strip().splitlines()[0] if str(e).strip() else "an unexpected failure"
            click.echo(f"rightsdata: error: {what} (unexpected: please report it, with the command that gave it)", err=True)
            sys.exit(2)


@click.group(cls=Command, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="rightsdata")
@click.pass_context
def main(ctx):
    """rightsdata: build and check the rightsdata data package.

    \b
    Typical use, from the root of a checkout:
      rightsdata validate                  check datapackage.json and every CSV file
      rightsdata validate --format json    the same, as JSON for scripts
      rightsdata generate --check          are schemas/ and datapackage.json up to date?
      rightsdata diff v0.1.0 .             what changed since a release (rows, values, schemas)
      rightsdata release --out dist        build the files of a release
      rightsdata download 0.1.0 --out rd   fetch a release and check its checksums

    Run `rightsdata COMMAND --help` for what each command does and its examples.
    """
    if isinstance(ctx.obj, Process) and ctx.invoked_subcommand in FAST_EXIT:
        # A short-lived process that makes many small objects (findings, fetched rows) and no
        # reference cycles worth collecting: the cyclic collector only costs time here. (An
        # import pauses it itself, in-process too: importers.import_files.)
        gc.disable()
        ctx.obj.fast_exit = True


# Commands whose process ends, when run from the console entry point (`run`), without the
# collector and without teardown. Only there: a command run inside another process (click's
# CliRunner in the tests) leaves that process as it was.
FAST_EXIT = {"validate"}


class Process:
    """What the entry point learns from the command it ran (`main`'s ctx.obj)."""
    fast_exit = False


def run() -> None:
    """The console entry point (pyproject's `rightsdata`, and `python -m rightsdata`): `main`, then
    for a FAST_EXIT command the end of the process without tearing down DuckDB's tables and
    Python's modules piece by piece (measurable at a million rows), once everything written is out."""
    process = Process()
    try:
        main(obj=process)
    except SystemExit as e:
        if not process.fast_exit or not (e.code is None or isinstance(e.code, int)):
            raise
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(e.code or 0)


@main.command()
@click.argument("datapackage", default="datapackage.json", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
              help="text for people; json for programs; github for annotations in GitHub Actions.")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory of rule files and waivers.yaml (default: the package's validators/).")
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True,
              help="With --format text, list at most this many findings per rule (0: all).")
def validate(datapackage: Path, fmt: str, rules_dir: Path | None, limit: int):
    """Check a data package: its schemas (types, required values, patterns, enums, ranges, primary
    and foreign keys), the checksums of the archived sources, and the consistency rules of
    validators/ (see `rightsdata rules`), with the waivers of validators/waivers.yaml. Reads only
    files inside the package; writes nothing.

    DATAPACKAGE is a datapackage.json, the directory that holds one, or a release's zip
    (default: ./datapackage.json).

    \b
    Exit codes:
      0  valid: no error (warnings and waived findings may remain)
      1  invalid: at least one error; each is printed with file:line, field and value
      2  unusable: the package cannot be read (missing or broken descriptor, a path outside
         the package, a missing file)

    \b
    Examples:
      rightsdata validate
      rightsdata validate path/to/datapackage.json --format json | jq '.findings[0]'
      rightsdata validate --format github      # in a GitHub Actions step
      rightsdata validate dist/rightsdata.zip  # a release, as downloaded
    """
    from rightsdata import report
    from rightsdata.validate import validate as run

    with contextlib.ExitStack() as stack:
        if datapackage.is_file() and zipfile.is_zipfile(datapackage):
            result = validate_zip(datapackage, rules_dir, stack)
        else:
            result = run(datapackage, rules_dir, close=False)
        if fmt == "text":
            report.write_text(result, sys.stdout, limit=limit)
        else:
            report.WRITERS[fmt](result, sys.stdout)
    # Flushed here, where a reader that went away is a broken pipe `Command` handles (`run` ends
    # the process without the interpreter's own flush).
    sys.stdout.flush()
    sys.exit(result.exit_code)


def validate_zip(path: Path, rules_dir: Path | None, stack: contextlib.ExitStack):
    """Validate the package in a release zip, unpacked (with the limits of archive.py) into a
    temporary directory that `stack` removes; messages name the zip, not that directory."""
    from rightsdata import archive
    from rightsdata.validate import Result
    from rightsdata.validate import validate as run

    tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="rightsdata-"))
    shown = f"{path}/datapackage.json"
    try:
        archive.extract_zip(path, Path(tmp))
    except archive.ArchiveError as e:
        return Result(descriptor=shown, fatal=str(e))
    result = run(Path(tmp) / "datapackage.json", rules_dir, close=False)
    inside = lambda text: text.replace(tmp, str(path)) if isinstance(text, str) else text
    result.descriptor = shown
    result.fatal = inside(result.fatal)
    for f in result.findings:
        f.message = inside(f.message)
        f.path = inside(f.path)
    return result


@main.command("rules")
@click.option("--package-dir", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
def list_rules(package_dir: Path, fmt: str):
    """List the checks `rightsdata validate` runs: the built-in schema checks and the consistency
    rules of validators/ (one YAML file per rule), with severity and why each matters.

    \b
    Add a rule by adding a file validators/<id>.yaml (see any of them, and docs/contributing.md);
    waive a finding in validators/waivers.yaml.
    """
    import json

    from rightsdata import rules

    try:
        catalogue = rules.catalogue(package_dir / "validators", package_dir)
    except rules.RuleError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps(catalogue, indent=2, ensure_ascii=False))
    elif fmt == "markdown":
        click.echo(rules.markdown_table(catalogue), nl=False)
    else:
        width = max(len(r["id"]) for r in catalogue)
        for r in catalogue:
            click.echo(f"{r['id']:<{width}}  {r['severity']:<7}  {r['applies_to']}")
            click.echo(f"{'':<{width}}  {r['description']}\n")


@main.command()
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a generated file is out of date.")
@click.option("--package-dir", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True)
def generate(check: bool, package_dir: Path):
    """Write the files generated from the metadata (src/rightsdata/metadata/*.yaml): the Table
    Schemas and JSON Schemas in schemas/, datapackage.json, and the generated parts of the pages
    in docs/ (the resource and field reference, the rules table, the CLI reference, the sources'
    coverage).

    Edit the YAML files, never the generated ones; then run `rightsdata generate`.
    """
    from rightsdata import generate as gen
    from rightsdata import metadata, paths, rules, tables

    try:
        stale = gen.run(package_dir, check=check)
    except (paths.PathError, rules.RuleError, gen.PageError, tables.TableError, metadata.MetadataError) as e:
        click.echo(f"error: {e}; nothing was written", err=True)
        sys.exit(2)
    for path in stale:
        click.echo(f"{'out of date' if check else 'wrote'}: {path.relative_to(package_dir) if path.is_relative_to(package_dir) else path}")
    if check and stale:
        click.echo("run `rightsdata generate` to update them", err=True)
        sys.exit(1)


@main.command("format")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a file is not in canonical form.")
@click.option("--package-dir", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True)
def format_(check: bool, package_dir: Path):
    """Rewrite the CSV files of data/ in canonical form: rows sorted by primary key, LF line ends,
    cells written one way (true/false, 4400 not 4400.0, quotes only where needed). Importers write
    this form, so that running one twice changes nothing; run it after editing a file by hand.
    It changes layout only: a value's text is kept digit for digit (1e400 stays 1e400). A file
    validate rejects for its layout (a quoted cell not closed, a cell too many or too few, mixed
    line ends) is named with its line and nothing is written.
    """
    from rightsdata import paths, tables

    # Every file is worked out, and every target checked, before any is written: a file that cannot
    # be read, or a file that is a link (never written through), changes nothing.
    changed = {}
    try:
        for res in tables.resources(package_dir).values():  # (the descriptor read once for every file)
            source = tables.resource_file(package_dir, res, write=not check)
            if not source.exists():
                continue
            text = tables.canonical_text(package_dir, res)
            if text.encode("utf-8") != source.read_bytes():
                changed[res.path] = (source, text)
    except paths.PathError as e:
        click.echo(f"error: {e}; nothing was written", err=True)
        sys.exit(2)
    except ValueError as e:
        click.echo(f"error: {e}", err=True)
        click.echo("nothing was written", err=True)
        sys.exit(1)
    if not check:
        for source, text in changed.values():
            source.write_text(text, encoding="utf-8", newline="")
    for path in changed:
        click.echo(f"{'not canonical' if check else 'rewrote'}: {path}")
    if check and changed:
        click.echo("run `rightsdata format` to rewrite them", err=True)
        sys.exit(1)


def import_command(importer) -> click.Command:
    """The command `import-NAME` of an importer (see rightsdata.importers), from its registration:
    FILES, --package-dir, its own options, --manifest."""
    def run(files: tuple[Path, ...], package_dir: Path, manifest: Path | None, **options):
        from rightsdata.importers import SourceError, import_files
        from rightsdata.paths import PathError
        from rightsdata.tables import TableError

        try:
            batch, written = import_files(importer, package_dir, list(files), manifest, **options)
        except (SourceError, PathError, TableError) as e:  # a file to import, or one of the package's, that cannot be read
            click.echo(f"error: {e}", err=True)
            click.echo("nothing was written", err=True)
            sys.exit(2)
        for item in batch:
            line = importer.summary(item)
            if line:
                click.echo(line)
            for warning in item.warnings:
                click.echo(f"warning: {warning}", err=True)
        click.echo("rows written: " + ", ".join(f"{k} {v}" for k, v in written.items() if k != "sources"))

    params = [click.Argument(["files"], nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)),
              click.Option(["--package-dir"], type=click.Path(file_okay=False, path_type=Path), default=".",
                           show_default=True),
              *importer.options,
              click.Option(["--manifest"], type=click.Path(dir_okay=False, path_type=Path), default=None,
                           help="MANIFEST.json naming where each file came from (default: the one beside each file).")]
    return click.Command(importer.command(), callback=run, params=params, help=importer.help)


@main.command("diff")
@click.argument("before")
@click.argument("after", default=".")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True,
              help="With --format markdown, list at most this many rows of each kind per resource (0: all).")
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="The git repository in which BEFORE or AFTER are refs.")
def diff_command(before: str, after: str, fmt: str, limit: int, repo: Path):
    """What changed from package BEFORE to package AFTER (default: the current directory).

    Each is a package directory, a release zip or a git ref (tag, branch, commit). Rows are
    matched by primary key; for each resource it reports the rows added, removed and changed (with
    each changed field's old and new value) and the schema changes, and says which version bump
    the changes ask for. Exit 0 whether or not anything changed; 2 when a package cannot be read.

    \b
    Examples:
      rightsdata diff v0.1.0                        the working tree against a release (the tag,
                                                    or without tags the first commit of version 0.1.0)
      rightsdata diff main HEAD --format json       two refs, every change as JSON
      rightsdata diff old/rightsdata.zip new/rightsdata.zip
    """
    from rightsdata.release import ReleaseError, diff, opening

    try:
        with opening.opened(before, repo) as old, opening.opened(after, repo) as new:
            d = diff.diff(old, new)
    except ReleaseError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps(d.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(diff.markdown(d, limit), nl=False)


@main.command("check-version")
@click.option("--base", required=True, help="The git ref to compare with (in CI: the pull request's base branch).")
@click.option("--package-dir", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True)
def check_version(base: str, package_dir: Path):
    """Does datapackage.json's version fit what changed since BASE?

    Corrected values ask for a patch release (0.2.0 -> 0.2.1); added rows, fields or resources
    (and removed rows) for a minor one (0.3.0); removed fields or resources, a changed type or a
    changed primary or foreign key for a major one (1.0.0). A new version needs its section in
    CHANGELOG.md. Exit 0 when the version fits (or nothing changed), 1 when it does not, 2 when
    a package cannot be read.

    \b
    Example (CI, on a pull request):
      rightsdata check-version --base origin/main
    """
    from rightsdata import paths
    from rightsdata.release import ReleaseError, diff, opening, versioning

    try:
        with opening.opened(base, package_dir) as old:
            d = diff.diff(old, package_dir)
        changelog = paths.inside(package_dir, "CHANGELOG.md", missing_ok=True)
        problems = versioning.check_version(d, changelog.read_text(encoding="utf-8") if changelog.exists() else "")
    except (ReleaseError, paths.PathError) as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    click.echo(f"{base}: version {d.version_before}; now: {d.version_after}; the changes ask for: {d.bump}")
    for reason in d.reasons():
        click.echo(f"  {reason}")
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    sys.exit(1 if problems else 0)


@main.command("release")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="A new (or empty) directory.")
@click.option("--package-dir", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True)
def release_command(out: Path, package_dir: Path):
    """Build the files of a release of the package into OUT.

    \b
      rightsdata.zip        the data package: datapackage.json, data/, schemas/, sources/,
                            validators/, README.md, LICENSE, CHANGELOG.md (frictionless reads
                            it as it is)
      rightsdata.sqlite     every resource a table, with its primary and foreign keys
      NAME.parquet          every resource, typed (lists as lists)
      metadata.json         titles, descriptions and units for Datasette
      buildinfo.json        the versions of Python, DuckDB, zlib, SQLite... that built them
      SHA256SUMS            the checksum of every file above

    All sit at the top of OUT, as the GitHub release carries them. The package must validate
    first. Two builds of the same package with the same buildinfo.json are byte-identical (no
    timestamps; entries sorted). On failure OUT is left as it was. Exit 0 when built, 2 when it
    cannot be.

    \b
    Example:
      rightsdata release --out dist && cd dist && sha256sum -c SHA256SUMS
      datasette dist/rightsdata.sqlite --metadata dist/metadata.json
    """
    from rightsdata.release import ReleaseError, assets

    try:
        files = assets.build(package_dir, out)
    except ReleaseError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    for f in files:
        click.echo(f"{f}  {f.stat().st_size} bytes")


@main.command("download")
@click.argument("version")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="A new (or empty) directory.")
@click.option("--repo", default=None, help="OWNER/NAME of the GitHub repository [default: the project's].")
@click.option("--base-url", default=None, help="Fetch the assets from this URL instead of the GitHub release.")
def download_command(version: str, out: Path, repo: str | None, base_url: str | None):
    """Download release VERSION (0.1.0 or v0.1.0) into OUT, check every file against its
    SHA256SUMS, and unpack the package into OUT/rightsdata.

    Any file whose checksum differs is refused by name and nothing is kept. Exit 0 when
    downloaded and checked, 2 when it cannot be.

    \b
    Example:
      rightsdata download 0.1.0 --out rightsdata-0.1.0
      rightsdata validate rightsdata-0.1.0/rightsdata
    """
    from rightsdata import download

    try:
        base = base_url or download.base_url(version, repo or download.REPOSITORY)
        files = download.download(base, out)
    except download.ArchiveError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    for f in files:
        click.echo(f"{f}")
    click.echo(f"\nevery file matches SHA256SUMS. Open it with:\n"
               f"  rightsdata validate {out / 'rightsdata'}\n"
               f"  datasette {out / 'rightsdata.sqlite'} --metadata {out / 'metadata.json'}")


@main.command("bench-data")
@click.option("--rows", type=click.IntRange(min=1), required=True, help="At least this many rows in all.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="A new (or empty) directory.")
@click.option("--seed", type=int, default=0, show_default=True, help="Chooses which sources fill the last, partial copy.")
@click.option("--package-dir", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True)
def bench_data(rows: int, out: Path, seed: int, package_dir: Path):
    """Write a synthetic package for benchmarks: the real package's resources, schemas and rules,
    scaled to at least ROWS rows by copying whole sources under new source ids (so values,
    keys and rules behave as in the real data). The same ROWS and SEED give the same bytes.

    \b
    Example:
      rightsdata bench-data --rows 1000000 --out /tmp/bench-1m
      rightsdata validate /tmp/bench-1m
    """
    from rightsdata import benchdata

    try:
        counts = benchdata.build(package_dir, out, rows, seed)
    except ValueError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    click.echo(f"{out}: {sum(counts.values())} rows in {len(counts)} resources")


@main.command("build-countries")
@click.option("--package-dir", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True)
def build_countries(package_dir: Path):
    """Regenerate the ISO 3166-1 rows of `countries` and `country_names` (and the pycountry row of
    `sources`) from the installed pycountry. Curated rows (Kosovo, name variants found in
    sources) are kept."""
    from rightsdata import countries
    from rightsdata.paths import PathError

    try:
        built = countries.build(package_dir)
    except PathError as e:
        click.echo(f"error: {e}; nothing was written", err=True)
        sys.exit(2)
    for name, n in built.items():
        click.echo(f"{name}: {n} rows from pycountry {countries.pycountry_version()}")


if __name__ == "__main__":
    run()
