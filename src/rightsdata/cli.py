"""The `rightsdata` command line: small commands that each do one job.

Exit codes every command keeps: 0 success (a valid package), 1 invalid data, 2 unusable input (a
package or file that cannot be read, a wrong option). No command prints a traceback: an
unexpected failure is reported in one line, with exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rightsdata import __version__


class Command(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as e:  # the promise: one clear line, never a traceback
            click.echo(f"rightsdata: error: {type(e).__name__}: {e}", err=True)
            sys.exit(2)


@click.group(cls=Command, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="rightsdata")
def main():
    """rightsdata: build and check the rightsdata data package.

    \b
    Typical use, from the root of a checkout:
      rightsdata validate                  check datapackage.json and every CSV file
      rightsdata validate --format json    the same, as JSON for scripts
      rightsdata generate --check          are schemas/ and datapackage.json up to date?

    Run `rightsdata COMMAND --help` for what each command does and its examples.
    """


@main.command()
@click.argument("datapackage", default="datapackage.json", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
              help="text for people; json for programs; github for annotations in GitHub Actions.")
def validate(datapackage: Path, fmt: str):
    """Check a data package: its schemas (types, required values, patterns, enums, ranges, primary
    and foreign keys) and the checksums of the archived sources. Reads only files inside the
    package; writes nothing.

    DATAPACKAGE is a datapackage.json or the directory that holds one (default: ./datapackage.json).

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
    """
    from rightsdata import report
    from rightsdata.validate import validate as run

    result = run(datapackage)
    report.WRITERS[fmt](result, sys.stdout)
    sys.exit(result.exit_code)


@main.command()
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a generated file is out of date.")
@click.option("--package-dir", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True)
def generate(check: bool, package_dir: Path):
    """Write the files generated from the metadata (src/rightsdata/metadata/*.yaml): the Table
    Schemas and JSON Schemas in schemas/, datapackage.json, and the generated tables of README.md.

    Edit the YAML files, never the generated ones; then run `rightsdata generate`.
    """
    from rightsdata import generate as gen

    stale = gen.run(package_dir, check=check)
    for path in stale:
        click.echo(f"{'out of date' if check else 'wrote'}: {path.relative_to(package_dir) if path.is_relative_to(package_dir) else path}")
    if check and stale:
        click.echo("run `rightsdata generate` to update them", err=True)
        sys.exit(1)


@main.command("build-countries")
@click.option("--package-dir", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True)
def build_countries(package_dir: Path):
    """Regenerate the ISO 3166-1 rows of `countries` and `country_names` (and the pycountry row of
    `sources`) from the installed pycountry. Curated rows (Kosovo, name variants found in
    sources) are kept."""
    from rightsdata import countries

    for name, n in countries.build(package_dir).items():
        click.echo(f"{name}: {n} rows from pycountry {countries.pycountry_version()}")


if __name__ == "__main__":
    main()
