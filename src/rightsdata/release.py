"""Releases: what changed between two versions of the package (`diff`), whether the version number
says so (`check_version`), and the files users download (`build`).

A package to compare is a directory holding datapackage.json, a zip of one (a release), or a git
ref of the repository. Rows are matched by primary key and compared cell by cell as the CSV files
hold them (the files are canonical, see `rightsdata format`, so equal values are equal text).
"""

from __future__ import annotations

import contextlib
import html
import csv
import json
import re
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import duckdb

from rightsdata import archive
from rightsdata import package as pkg
from rightsdata import paths
from rightsdata import schema_check
from rightsdata.generate import json_text
from rightsdata.schema_check import q  # quoting is the same in DuckDB and SQLite

BUMPS = ["none", "patch", "minor", "major"]
# What each kind of change asks of the version (semantic versioning of data: a user's query that
# worked keeps working after a minor or patch release).
BUMP_FOR = {
    "resource_removed": "major", "field_removed": "major", "field_type_changed": "major",
    "primary_key_changed": "major", "foreign_keys_changed": "major",
    "resource_added": "minor", "field_added": "minor", "rows_added": "minor", "rows_removed": "minor",
    "rows_changed": "patch", "field_changed": "patch", "resource_changed": "patch",
}
# The release's zip holds the package and its documentation; SHA256SUMS lists every artifact.
ZIP_TOP = ["datapackage.json", "README.md", "LICENSE", "CHANGELOG.md"]
ZIP_DIRS = ["data", "schemas", "sources", "validators"]  # validators: an unzipped release validates with its rules
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the zip format's earliest date: no build clock in the bytes


# One error for whatever a release reads or writes and cannot (exit 2).
ReleaseError = archive.ArchiveError


# --- opening a package ----------------------------------------------------------------------------

@contextlib.contextmanager
def opened(spec: str, repo: Path = Path(".")) -> Iterator[Path]:
    """The directory of the package `spec` names: a directory, a zip, or a git ref of `repo`
    (`vX.Y.Z` also without the tag: see archive.resolve_ref)."""
    path = Path(spec)
    if path.is_dir():
        if not (path / "datapackage.json").is_file():
            raise ReleaseError(f"{spec}: a directory without datapackage.json")
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="rightsdata-") as tmp:
        target = Path(tmp)
        if path.is_file():
            if not zipfile.is_zipfile(path):
                raise ReleaseError(f"{spec}: neither a package directory nor a zip")
            archive.extract_zip(path, target)
        else:
            commit = archive.resolve_ref(spec, repo)
            if commit is None:
                raise ReleaseError(f"{spec}: not a package directory, a zip or a git ref of {repo.resolve()}"
                                   + (" (nor a version datapackage.json ever had)" if archive.VERSION_TAG.match(spec) else ""))
            archive.extract_commit(repo, commit, target, spec)
        if not (target / "datapackage.json").is_file():
            raise ReleaseError(f"{spec}: holds no datapackage.json at its top")
        yield target


@dataclass
class Table:
    name: str
    schema: dict
    path: str
    header: list[str]
    rows: dict[tuple, dict[str, str]]  # primary key -> row
    key: list[str]


def read_package(root: Path) -> tuple[dict, dict[str, Table]]:
    """The descriptor and every resource's rows, keyed by primary key."""
    try:
        package = pkg.load(root / "datapackage.json", check_profile=False)
    except pkg.PackageError as e:
        raise ReleaseError(str(e)) from None
    tables = {}
    for name, res in package.resources.items():
        if res.file is None or res.schema is None:
            problem = res.problems[0].message if res.problems else "unreadable"
            raise ReleaseError(f"{name}: {problem}")
        key = res.primary_key or [f["name"] for f in res.fields]
        try:
            with open(res.file, encoding="utf-8", newline="") as f:
                reader = csv.reader(f)
                header = next(reader, [])
                missing = set(key) - set(header)
                if missing:
                    raise ReleaseError(f"{res.path}:1: the primary key columns {sorted(missing)} are not in the header")
                rows: dict[tuple, dict[str, str]] = {}
                for record in reader:
                    row = dict(zip(header, record))
                    k = tuple(row.get(c, "") for c in key)
                    if k in rows:
                        raise ReleaseError(f"{res.path}:{reader.line_num}: the primary key {dict(zip(key, k))} "
                                           "repeats; run rightsdata validate")
                    rows[k] = row
        except (UnicodeDecodeError, csv.Error) as e:
            raise ReleaseError(f"{res.path}: not readable as UTF-8 CSV ({e})") from None
        tables[name] = Table(name, res.schema, res.path, header, rows, key)
    return package.descriptor, tables


# --- diff -----------------------------------------------------------------------------------------

@dataclass
class ResourceDiff:
    name: str
    status: str  # added, removed, changed, unchanged
    rows_before: int = 0
    rows_after: int = 0
    schema: list[dict] = field(default_factory=list)  # {change, field?, before?, after?}
    added: list[dict] = field(default_factory=list)  # keys
    removed: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)  # {key, fields: {name: {before, after}}}

    def changes(self) -> list[str]:
        """The kinds of change (keys of BUMP_FOR) this resource has."""
        kinds = [c["change"] for c in self.schema]
        if self.status in ("added", "removed"):
            return [f"resource_{self.status}"]
        kinds += ["rows_added"] * bool(self.added) + ["rows_removed"] * bool(self.removed) + ["rows_changed"] * bool(self.changed)
        return kinds

    def as_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "rows_before": self.rows_before, "rows_after": self.rows_after,
                "schema": self.schema, "added": self.added, "removed": self.removed, "changed": self.changed}


@dataclass
class PackageDiff:
    version_before: str | None
    version_after: str | None
    resources: list[ResourceDiff]
    descriptor: list[dict] = field(default_factory=list)  # changes of the package's own properties

    @property
    def bump(self) -> str:
        """The least version bump the changes ask for."""
        kinds = [k for r in self.resources for k in r.changes()] + ["resource_changed"] * bool(self.descriptor)
        return max((BUMP_FOR[k] for k in kinds), key=BUMPS.index, default="none")

    def reasons(self) -> list[str]:
        out = []
        for r in self.resources:
            for kind in dict.fromkeys(r.changes()):
                out.append(f"{r.name}: {kind.replace('_', ' ')} ({BUMP_FOR[kind]})")
        return out

    def as_dict(self) -> dict:
        return {"version_before": self.version_before, "version_after": self.version_after, "bump": self.bump,
                "descriptor": self.descriptor, "resources": [r.as_dict() for r in self.resources]}


def schema_changes(before: dict, after: dict) -> list[dict]:
    old = {f["name"]: f for f in before.get("fields", [])}
    new = {f["name"]: f for f in after.get("fields", [])}
    out = []
    for name in old.keys() - new.keys():
        out.append({"change": "field_removed", "field": name})
    for name in new.keys() - old.keys():
        out.append({"change": "field_added", "field": name, "after": new[name].get("type", "string")})
    for name in old.keys() & new.keys():
        a, b = old[name], new[name]
        if (a.get("type", "string"), a.get("itemType")) != (b.get("type", "string"), b.get("itemType")):
            out.append({"change": "field_type_changed", "field": name, "before": a.get("type"), "after": b.get("type")})
        elif a != b:
            keys = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
            out.append({"change": "field_changed", "field": name, "before": {k: a.get(k) for k in keys},
                        "after": {k: b.get(k) for k in keys}})
    pk = lambda s: [s["primaryKey"]] if isinstance(s.get("primaryKey"), str) else list(s.get("primaryKey") or [])
    if pk(before) != pk(after):
        out.append({"change": "primary_key_changed", "before": pk(before), "after": pk(after)})
    fks = lambda s: sorted(json.dumps(fk, sort_keys=True) for fk in s.get("foreignKeys") or [])
    if fks(before) != fks(after):
        out.append({"change": "foreign_keys_changed", "before": [json.loads(x) for x in fks(before)],
                    "after": [json.loads(x) for x in fks(after)]})
    return sorted(out, key=lambda c: (c["change"], c.get("field", "")))


def diff_tables(before: Table, after: Table) -> ResourceDiff:
    d = ResourceDiff(before.name, "unchanged", len(before.rows), len(after.rows), schema_changes(before.schema, after.schema))
    # Rows are matched on the new key's columns that both sides have (all of them, unless the key
    # gained a column); when those do not tell rows apart on both sides, no row is matched.
    key = [c for c in after.key if c in before.header]
    old_rows = index(before.rows.values(), key)
    new_rows = index(after.rows.values(), key)
    if not key or old_rows is None or new_rows is None:
        key, old_rows, new_rows = after.key, {("\0before",) + k: r for k, r in before.rows.items()}, after.rows
    shared = [c for c in after.header if c in before.header]
    for k, row in new_rows.items():
        old = old_rows.get(k)
        if old is None:
            d.added.append({c: row[c] for c in after.key})
            continue
        fields = {c: {"before": old[c], "after": row[c]} for c in shared if old[c] != row[c]}
        if fields:
            d.changed.append({"key": {c: row[c] for c in after.key}, "fields": fields})
    for k, row in old_rows.items():
        if k not in new_rows:
            d.removed.append({c: row.get(c, "") for c in before.key})
    if d.schema or d.added or d.removed or d.changed:
        d.status = "changed"
    return d


def index(rows, key: list[str]) -> dict[tuple, dict] | None:
    """The rows keyed by `key`, or None when two rows share a key."""
    out = {}
    for row in rows:
        k = tuple(row.get(c, "") for c in key)
        if k in out:
            return None
        out[k] = row
    return out


def diff(before_root: Path, after_root: Path) -> PackageDiff:
    before_descriptor, before = read_package(before_root)
    after_descriptor, after = read_package(after_root)
    out = []
    for name in list(after) + [n for n in before if n not in after]:
        if name not in before:
            out.append(ResourceDiff(name, "added", 0, len(after[name].rows)))
        elif name not in after:
            out.append(ResourceDiff(name, "removed", len(before[name].rows), 0))
        else:
            out.append(diff_tables(before[name], after[name]))
    package_props = lambda d: {k: v for k, v in d.items() if k not in ("resources", "version")}
    a, b = package_props(before_descriptor), package_props(after_descriptor)
    descriptor = [{"property": k, "before": a.get(k), "after": b.get(k)} for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)]
    return PackageDiff(before_descriptor.get("version"), after_descriptor.get("version"), out, descriptor)


def markdown(d: PackageDiff, limit: int = 20) -> str:
    """The diff as Markdown: a summary table (what the changelog records), then the changes of
    each resource, at most `limit` rows of each kind (0: all)."""
    lines = [f"Data changes from {d.version_before} to {d.version_after} (asks for a {d.bump} release):", "",
             "| resource | rows before | rows after | added | removed | changed | schema changes |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in d.resources:
        if r.status == "unchanged":
            continue
        kinds: dict[str, list[str]] = {}
        for c in r.schema:
            kinds.setdefault(c["change"].replace("_", " "), []).append(c.get("field", ""))
        schema = "; ".join(f"{kind} {', '.join(f for f in fields if f)}".strip() for kind, fields in kinds.items())
        label = {"added": "new resource", "removed": "resource removed"}.get(r.status, schema)
        lines.append(f"| `{r.name}` | {r.rows_before} | {r.rows_after} | {len(r.added)} | {len(r.removed)} | "
                     f"{len(r.changed)} | {label} |")
    if len(lines) == 4:
        lines.append("| (no changes) | | | | | | |")
    for p in d.descriptor:
        lines.append(f"\nPackage property `{p['property']}`: {json.dumps(p['before'])} -> {json.dumps(p['after'])}")
    shown = lambda items: items if not limit else items[:limit]
    for r in d.resources:
        if not (r.added or r.removed or r.changed):
            continue
        lines += ["", f"#### `{r.name}`", ""]
        for title, items in (("added", r.added), ("removed", r.removed)):
            for k in shown(items):
                lines.append(f"- {title}: {key_text(k)}")
            if len(items) > len(shown(items)):
                lines.append(f"- ... and {len(items) - len(shown(items))} more {title} (`--limit 0` lists all)")
        for c in shown(r.changed):
            changes = ", ".join(f"`{f}` {json.dumps(v['before'], ensure_ascii=False)} -> {json.dumps(v['after'], ensure_ascii=False)}"
                                for f, v in c["fields"].items())
            lines.append(f"- changed: {key_text(c['key'])}: {changes}")
        if len(r.changed) > len(shown(r.changed)):
            lines.append(f"- ... and {len(r.changed) - len(shown(r.changed))} more changed (`--limit 0` lists all)")
    return "\n".join(lines) + "\n"


def key_text(key: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in key.items())


# --- versions -------------------------------------------------------------------------------------

def parse_version(text: str | None, where: str) -> tuple[int, int, int]:
    version = pkg.parse_version(text)
    if version is None:
        raise ReleaseError(f"{where}: version {text!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    return version


def least_version(before: tuple[int, int, int], bump: str) -> tuple[int, int, int]:
    """The lowest version after `before` that a `bump` allows. Before 1.0.0 (initial development,
    as semantic versioning has it) a breaking change asks for a minor bump: 0.2.0 -> 0.3.0."""
    major, minor, patch = before
    if major == 0 and bump == "major":
        bump = "minor"
    return {"none": before, "patch": (major, minor, patch + 1), "minor": (major, minor + 1, 0),
            "major": (major + 1, 0, 0)}[bump]


def check_version(d: PackageDiff, changelog: str | None) -> list[str]:
    """Why the new version does not fit the changes (empty when it does)."""
    before = parse_version(d.version_before, "the base's datapackage.json")
    after = parse_version(d.version_after, "datapackage.json")
    problems = []
    if after < before:
        problems.append(f"the version went down, from {d.version_before} to {d.version_after}")
    need = least_version(before, d.bump)
    if after < need:
        problems.append(f"the changes ask for a {d.bump} release: version {'.'.join(map(str, need))} or later "
                        f"(datapackage.json says {d.version_after}); set `version` in src/rightsdata/metadata/resources.yaml "
                        "and run rightsdata generate")
    if after != before and changelog is not None and not re.search(rf"^## \[{re.escape(d.version_after)}\]", changelog, re.M):
        problems.append(f"CHANGELOG.md has no section '## [{d.version_after}]': record the release's data changes "
                        f"(rightsdata diff BASE . --format markdown writes them)")
    return problems


# --- release artifacts ----------------------------------------------------------------------------

def build(package_dir: Path, out: Path) -> list[Path]:
    """Write the release assets of the package into `out` (which must be empty or new), all at its
    top, as release.yml uploads them: rightsdata.zip, rightsdata.sqlite, <resource>.parquet,
    metadata.json (for Datasette), buildinfo.json (what built them) and SHA256SUMS. The same
    package and the same buildinfo give the same bytes. On failure nothing is left in `out`."""
    from rightsdata.validate import validate

    # Every file the zip would ship, checked before anything is written: a link out of the package
    # (to /proc/self/environ, to .git/config and its token) must never reach a public release.
    names = zip_names(package_dir)
    result = validate(package_dir / "datapackage.json")
    if result.exit_code != 0:
        raise ReleaseError(result.fatal or "the package does not validate: run rightsdata validate and fix it first")
    package = pkg.load(package_dir / "datapackage.json", check_profile=False)
    parse_version(package.descriptor.get("version"), str(package.descriptor_path))  # the release's tag
    try:
        with archive.staged(out) as tmp:
            files = [write_zip(package_dir, names, tmp / "rightsdata.zip", {V1_DESCRIPTOR: json_text(v1_descriptor(package))})]
            files += write_tables(package, tmp)
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
            z.writestr(info, data, compresslevel=9)
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


def write_tables(package: pkg.Package, out: Path) -> list[Path]:
    """The SQLite database (every resource a table with its primary and foreign keys; lists as JSON
    arrays, booleans 0/1, dates ISO text) and one Parquet file per resource (typed, lists as lists)."""
    from rightsdata import rules

    findings, loaded, con = schema_check.check(package, workers=1)
    try:
        rules.create_views(con, loaded)
        con.execute("SET threads = 1")  # one writer: the same bytes every time
        database = out / "rightsdata.sqlite"
        db = sqlite3.connect(database)
        db.execute("PRAGMA journal_mode = OFF")
        written = []
        for name, res in package.resources.items():
            if not ASSET_NAME.fullmatch(name):  # the name becomes a file name among the assets
                raise ReleaseError(f"resource {name!r}: a release needs names of letters, digits, '.', '_' and '-'")
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
            kinds = [f.get("type", "string") for f in res.fields]
            db.executemany(f"INSERT INTO {q(name)} VALUES ({', '.join('?' * len(columns))})",
                           [tuple(sqlite_value(v, k) for v, k in zip(row, kinds)) for row in rows])
        db.commit()
        db.execute("VACUUM")
        db.close()
        return [database] + written
    finally:
        con.close()


def referenced_keys(package: pkg.Package, name: str) -> list[list[str]]:
    """The column lists of `name` that foreign keys point at, other than its primary key."""
    out = []
    for res in package.resources.values():
        for fk in res.foreign_keys:
            ref = fk["reference"]
            fields = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
            if (ref.get("resource") or res.name) == name and fields != package.resources[name].primary_key \
                    and fields not in out:
                out.append(fields)
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
        fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
        ref = fk["reference"]
        ref_fields = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
        parts.append(f"FOREIGN KEY ({', '.join(map(q, fields))}) REFERENCES "
                     f"{q(ref.get('resource') or res.name)} ({', '.join(map(q, ref_fields))})")
    return f"CREATE TABLE {q(res.name)} (\n  " + ",\n  ".join(parts) + "\n)"


def sqlite_value(value, kind: str):
    if value is None:
        return None
    if kind == "list":
        return json.dumps(list(value), ensure_ascii=False)
    if kind == "boolean":
        return int(value)
    if kind == "date":
        return value.isoformat()
    return value


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
    from rightsdata import metadata

    d = package.descriptor
    licence = (d.get("licenses") or [{}])[0]
    defined = metadata.resources()
    tables = {}
    for name, res in package.resources.items():
        spec = next((r for r in d["resources"] if r.get("name") == name), {})
        table = {"title": spec.get("title", name), "description_html": markdown_html(spec.get("description", "")),
                 "columns": {f["name"]: markdown_text(f.get("description", "")) for f in res.fields}}
        units = defined[name].units if name in defined else {}
        if units:
            table["units"] = {column: DATASETTE_UNITS[unit][0] for column, unit in units.items()}
        if res.primary_key:
            table["sort"] = res.primary_key[0]
        tables[name] = table
    return {
        "title": d.get("title", d.get("name")),
        "description_html": markdown_html(d.get("description", "")),
        "license": licence.get("name"),
        "license_url": licence.get("path"),
        "source": f"rightsdata {d.get('version')}: every row names its source document (see the sources table)",
        "custom_units": sorted({DATASETTE_UNITS[u][1] for r in defined.values() for u in r.units.values()}),
        "databases": {"rightsdata": {"tables": tables}},
    }
