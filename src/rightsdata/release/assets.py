"""The release's assets (`rightsdata release`): the zip of the package, the SQLite database, one
Parquet file per resource, Datasette's metadata.json, buildinfo.json and SHA256SUMS, written from
the tables the package's validation loaded."""

from __future__ import annotations

import html
import json
import re
import sqlite3
import zipfile
from pathlib import Path

import duckdb

from rightsdata import archive, paths, schema_check
from rightsdata import package as pkg
from rightsdata.generate import json_text
from rightsdata.release import ReleaseError
from rightsdata.release.versioning import parse_version
from rightsdata.schema_check import q  # quoting is the same in DuckDB and SQLite
from rightsdata.tables import collector_paused

# The release's zip holds the package and its documentation; SHA256SUMS lists every artifact.
ZIP_TOP = ["datapackage.json", "README.md", "LICENSE", "CHANGELOG.md"]
# validators: an unzipped release validates with its rules; docs: the README's links work in it
ZIP_DIRS = ["data", "schemas", "sources", "validators", "docs"]
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the zip format's earliest date: no build clock in the bytes
# zlib's default level: 9 took 1.8x its CPU (2.0 s against 1.1 s a build) for a zip 2% smaller (9.33 MB against 9.53 MB).
# The level is part of the code: a commit's builds stay byte-identical; one changing it changes the zip's bytes, not its files.
ZIP_LEVEL = 6


def build(package_dir: Path, out: Path) -> list[Path]:
    """Write the release assets of the package into `out` (which must be empty or new), all at its
    top, as release.yml uploads them: rightsdata.zip, rightsdata.sqlite, <resource>.parquet,
    metadata.json (for Datasette), buildinfo.json (what built them) and SHA256SUMS. The same
    package and the same buildinfo give the same bytes. On failure nothing is left in `out`.

    The database and the Parquet files are written from the tables the validation loads, while it
    runs (validate's `use_tables`): no CSV file is read twice. They are kept only if it passes."""
    from rightsdata.validate import validate

    # Every file the zip would ship, checked before anything is written: a link out of the package
    # (to /proc/self/environ, to .git/config and its token) must never reach a public release.
    names = zip_names(package_dir)
    try:
        with archive.staged(out) as tmp, collector_paused():  # (millions of cells, no cycles: see tables)
            written: dict = {}

            def write(package: pkg.Package, loaded: dict, con) -> None:
                written["package"] = package
                try:
                    written["tables"] = write_tables(package, loaded, con, tmp)
                except (ReleaseError, duckdb.Error, sqlite3.Error, OSError) as e:
                    written["error"] = e  # an invalid package is reported as such, whatever this was

            result = validate(package_dir / "datapackage.json", use_tables=write)
            if result.exit_code != 0:
                raise ReleaseError(result.fatal or "the package does not validate: run rightsdata validate and fix it first")
            if "error" in written:
                raise written["error"]
            package = written["package"]
            parse_version(package.descriptor.get("version"), str(package.descriptor_path))  # the release's tag
            files = [write_zip(package_dir, names, tmp / "rightsdata.zip", {V1_DESCRIPTOR: json_text(v1_descriptor(package))})]
            files += written["tables"]
            files.append(write_json(tmp / "metadata.json", datasette_metadata(package)))
            files.append(write_json(tmp / BUILDINFO, buildinfo()))
            assets = sorted(f.name for f in files)
            (tmp / "SHA256SUMS").write_text("".join(f"{pkg.sha256(tmp / n)}  {n}\n" for n in assets), encoding="utf-8")
    except (duckdb.Error, sqlite3.Error, OSError) as e:
        raise ReleaseError(f"{out}: the release could not be written ({e}); nothing was kept") from None
    return [out / n for n in assets] + [out / "SHA256SUMS"]


BUILDINFO = "buildinfo.json"
ASSET_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")


def buildinfo() -> dict:
    """The versions that decide a release's bytes (DuckDB writes the Parquet files, zlib the zip,
    SQLite the database), and those of every dependency: a rebuild with the same matches."""
    import importlib.metadata as im
    import platform
    import zlib

    deps = {}
    for spec in im.requires("rightsdata") or []:
        if "extra ==" not in spec:  # extras (test) are not what builds a release
            name = re.match(r"[A-Za-z0-9._-]+", spec).group(0)
            deps[name] = im.version(name)
    return {"rightsdata": im.version("rightsdata"), "python": platform.python_version(),
            "zlib": zlib.ZLIB_RUNTIME_VERSION, "sqlite": sqlite3.sqlite_version,
            "packages": dict(sorted(deps.items(), key=lambda kv: kv[0].lower())),
            "install": "pip install --require-hashes -r requirements-release.txt && pip install --no-deps ."}


def write_json(path: Path, doc: dict) -> Path:
    path.write_text(json_text(doc), encoding="utf-8")
    return path


def zip_names(package_dir: Path) -> list[str]:
    """The package's files a release ships, each checked by paths.inside. Raises ReleaseError."""
    try:
        for name in ZIP_TOP:
            if not paths.inside(package_dir, name, missing_ok=True).exists():
                raise ReleaseError(f"{package_dir / name}: missing; a release ships it")
        return sorted(ZIP_TOP + [name for d in ZIP_DIRS for name in paths.files_under(package_dir, d)])
    except paths.PathError as e:
        raise ReleaseError(f"{package_dir}: {e}; a release ships only the package's own files") from None


def write_zip(package_dir: Path, names: list[str], target: Path, extra: dict[str, str] | None = None) -> Path:
    """The package's files `names` (checked by zip_names), and `extra` files (name -> text) beside them."""
    extra = extra or {}
    with zipfile.ZipFile(target, "w") as z:
        for name in sorted(set(names) | set(extra)):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, whatever the machine
            try:
                data = extra[name].encode("utf-8") if name in extra else paths.inside(package_dir, name).read_bytes()
            except paths.PathError as e:  # changed since zip_names looked
                raise ReleaseError(f"{package_dir}: {e}") from None
            z.writestr(info, data, compresslevel=ZIP_LEVEL)
    return target


# Data Package v1 readers (the Python `datapackage`/`tableschema` and npm `datapackage` libraries)
# reject v2's list fields. The release's zip holds this descriptor beside datapackage.json for them.
V1_DESCRIPTOR = "datapackage-v1.json"


def v1_descriptor(package: pkg.Package) -> dict:
    """The package's descriptor as Data Package v1 (tabular-data-package): schemas inline, each list
    field a string field whose description names its delimiter, v2 and project properties dropped."""
    d = {k: v for k, v in package.descriptor.items() if k != "$schema"} | {"profile": "tabular-data-package"}
    resources = []
    for item in package.descriptor["resources"]:
        res = package.resources[item["name"]]
        fields = []
        for f in res.fields:
            v1 = {k: v for k, v in f.items() if k in ("name", "type", "format", "title", "description", "constraints")}
            if f["type"] == "list":
                v1["type"] = "string"
                v1["description"] = f"{f.get('description', '')} A list: items separated by {f.get('delimiter', ',')!r}.".strip()
            fields.append(v1)
        schema = {k: v for k, v in res.schema.items() if k not in ("$schema", "fields")} | {"fields": fields}
        resources.append(dict(item, profile="tabular-data-resource", schema=schema))
    d["resources"] = resources
    return d


SQLITE_TYPES = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER", "date": "TEXT", "list": "TEXT", "string": "TEXT"}


def write_tables(package: pkg.Package, loaded: dict, con, out: Path) -> list[Path]:
    """The SQLite database (every resource a table with its primary and foreign keys; lists as JSON
    arrays, booleans 0/1, dates ISO text) and one Parquet file per resource (typed, lists as lists),
    from the validation's connection: its `loaded` tables and their typed views (rules.create_views)."""
    con.execute("SET threads = 1")  # one writer: the same bytes every time
    database = out / "rightsdata.sqlite"
    db = sqlite3.connect(database)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")  # no waits for the disk: a failed build is thrown away whole (archive.staged)
    written = []
    for name, res in package.resources.items():
        if not ASSET_NAME.fullmatch(name):  # the name becomes a file name among the assets
            raise ReleaseError(f"resource {name!r}: a release needs names of letters, digits, '.', '_' and '-'")
        if name not in loaded:  # (the validation reports why; this release is not kept)
            raise ReleaseError(f"resource {name!r}: could not be read")
        columns = [f["name"] for f in res.fields]
        select = ", ".join(export_column(f) for f in res.fields)
        query = f"SELECT {select} FROM {schema_check.q(name)} ORDER BY _rowid"
        target = out / f"{name}.parquet"
        con.execute(f"COPY ({query}) TO {schema_check.lit(str(target))} (FORMAT PARQUET, COMPRESSION ZSTD)")
        written.append(target)
        db.execute(create_table(res))
        for columns_referenced in referenced_keys(package, name):
            # SQLite wants the columns a foreign key points at to be the primary key or unique.
            db.execute(f"CREATE UNIQUE INDEX {q(name + '__' + '__'.join(columns_referenced))} "
                       f"ON {q(name)} ({', '.join(map(q, columns_referenced))})")
        rows = con.execute(query).fetchall()
        db.executemany(f"INSERT INTO {q(name)} VALUES ({', '.join('?' * len(columns))})", sqlite_rows(rows, res.fields))
    db.commit()
    db.execute("VACUUM")
    db.close()
    return [database] + written


def referenced_keys(package: pkg.Package, name: str) -> list[list[str]]:
    """The column lists of `name` that foreign keys point at, other than its primary key."""
    out = []
    for res in package.resources.values():
        for fk in res.foreign_keys:
            ref = fk["reference"]
            if (ref.get("resource") or res.name) == name and ref["fields"] != package.resources[name].primary_key \
                    and ref["fields"] not in out:
                out.append(ref["fields"])
    return out


def export_column(f: dict) -> str:
    col = schema_check.q(f["name"])
    if f.get("type") == "integer":
        return f"CAST({col} AS BIGINT) AS {col}"
    if f.get("type") == "list" and f.get("itemType") == "integer":
        return f"CAST({col} AS BIGINT[]) AS {col}"
    return col


def create_table(res: pkg.Resource) -> str:
    parts = [f"{q(f['name'])} {SQLITE_TYPES[f.get('type', 'string')]}"
             + (" NOT NULL" if f.get("constraints", {}).get("required") else "") for f in res.fields]
    if res.primary_key:
        parts.append(f"PRIMARY KEY ({', '.join(map(q, res.primary_key))})")
    for fk in res.foreign_keys:
        ref = fk["reference"]
        parts.append(f"FOREIGN KEY ({', '.join(map(q, fk['fields']))}) REFERENCES "
                     f"{q(ref.get('resource') or res.name)} ({', '.join(map(q, ref['fields']))})")
    return f"CREATE TABLE {q(res.name)} (\n  " + ",\n  ".join(parts) + "\n)"


# The values SQLite cannot take as DuckDB gives them; the others (text, numbers) go as they are.
SQLITE_VALUES = {"list": lambda value: json.dumps(list(value), ensure_ascii=False), "boolean": int,
                 "date": lambda value: value.isoformat()}


def sqlite_rows(rows: list[tuple], fields: list[dict]):
    """The rows as SQLite takes them: lists as JSON arrays, booleans 0/1, dates ISO text, None as
    NULL, other values as they are. Only the columns of those types are converted (a call per value
    made a third of a release's time): the rows as they are when none is."""
    convert = [(i, SQLITE_VALUES[f.get("type", "string")]) for i, f in enumerate(fields) if f.get("type", "string") in SQLITE_VALUES]
    if not convert:
        return rows

    def row_values(row: tuple) -> list:
        values = list(row)
        for i, to_sqlite in convert:
            if values[i] is not None:
                values[i] = to_sqlite(values[i])
        return values
    return map(row_values, rows)


# The package's units as Datasette (pint) units: an age gets a unit of its own, so that Datasette
# prints "17 years" (pint's own year prints as "17 a").
DATASETTE_UNITS = {"years": ("years_of_age", "years_of_age = [age] = years")}


# Descriptions use Markdown's `code` only. Datasette shows a description as text (so the backticks
# showed) unless given as description_html; column descriptions are text only.
CODE = re.compile(r"`([^`]+)`")


def markdown_html(text: str) -> str:
    return CODE.sub(r"<code>\1</code>", html.escape(text, quote=False))


def markdown_text(text: str) -> str:
    return CODE.sub(r"\1", text)


def datasette_metadata(package: pkg.Package) -> dict:
    """Datasette's metadata.json: the package's title, licence and sources, and each table's
    title, description, column descriptions and units, from the one definition of each field."""
    d = package.descriptor
    licence = (d.get("licenses") or [{}])[0]
    tables = {}
    for name, res in package.resources.items():
        spec = next((r for r in d["resources"] if r.get("name") == name), {})
        table = {"title": spec.get("title", name), "description_html": markdown_html(spec.get("description", "")),
                 "columns": {f["name"]: markdown_text(f.get("description", "")) for f in res.fields}}
        if res.units:
            table["units"] = {column: DATASETTE_UNITS[unit][0] for column, unit in res.units.items()}
        if res.primary_key:
            table["sort"] = res.primary_key[0]
        tables[name] = table
    return {
        "title": d.get("title", d.get("name")),
        "description_html": markdown_html(d.get("description", "")),
        "license": licence.get("name"),
        "license_url": licence.get("path"),
        "source": f"rightsdata {d.get('version')}: every row names its source document (see the sources table)",
        "custom_units": sorted({DATASETTE_UNITS[u][1] for r in package.resources.values() for u in r.units.values()}),
        "databases": {"rightsdata": {"tables": tables}},
    }
