"""Reading a Data Package descriptor without trusting it.

Every path the descriptor names (data files, schemas) must be a relative path that stays inside
the package directory: no URL, no absolute path, no `..`, no symlink out. Nothing outside the
package is ever opened. Problems that make the package unreadable raise PackageError; problems of
one resource become findings on it, so that one run reports them all.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from rightsdata import paths
from rightsdata.findings import Finding, declare
from rightsdata.paths import unsafe_reason

NAME = re.compile(r"^[a-z0-9._-]+$")
SUPPORTED_TYPES = {"string", "integer", "number", "boolean", "date", "list"}

# The checks of the descriptor itself. Their findings carry no row's key: no waiver can keep them.
VERSION = declare("package/version", "the package's version, when given, is a semantic version MAJOR.MINOR.PATCH",
                  "A release is tagged vX.Y.Z and check-version compares versions: another shape cannot be released.",
                  waivable=False)
UNSAFE_PATH = declare("package/unsafe-path", "each resource's path is a relative path inside the package (no URL, "
                      "absolute path, `..` or link out of it)", "A descriptor from a pull request could otherwise make "
                      "validate or a release read, and publish, any file of the machine.", waivable=False)
MISSING_FILE = declare("package/missing-file", "each resource's file exists",
                       "A resource without its file has no rows to check, load or release.", waivable=False)


class PackageError(Exception):
    """The package cannot be read at all (exit 2). The message names the file and what is wrong."""


@dataclass
class Resource:
    name: str
    path: str | None
    file: Path | None  # resolved, inside the package; None when unusable
    schema: dict | None
    problems: list[Finding] = field(default_factory=list)

    @property
    def fields(self) -> list[dict]:
        return self.schema["fields"] if self.schema else []

    @property
    def column_names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    @property
    def units(self) -> dict[str, str]:
        """Column -> unit of every value (the project's field property `unit`, for Datasette)."""
        return {f["name"]: f["unit"] for f in self.fields if isinstance(f.get("unit"), str)}

    @property
    def primary_key(self) -> list[str]:
        pk = (self.schema or {}).get("primaryKey") or []
        return [pk] if isinstance(pk, str) else list(pk)

    @property
    def foreign_keys(self) -> list[dict]:
        """Each foreign key with `fields` and `reference.fields` as lists (a descriptor may give a string)."""
        return [normalise_foreign_key(fk) for fk in (self.schema or {}).get("foreignKeys") or []]


def normalise_foreign_key(fk: dict) -> dict:
    """A foreign key with `fields` and `reference.fields` as lists and `reference.resource` a
    string ("" for the resource itself, as Table Schema v1 writes it and v2 leaves it out).
    Values of another shape are kept as they are, for `check_references` to reject."""
    as_list = lambda value: [value] if isinstance(value, str) else value
    ref = fk.get("reference")
    ref = ref if isinstance(ref, dict) else {}
    return dict(fk, fields=as_list(fk.get("fields")),
                reference=dict(ref, resource=ref.get("resource") or "", fields=as_list(ref.get("fields"))))


@dataclass
class Package:
    root: Path
    descriptor_path: Path
    descriptor: dict
    resources: dict[str, Resource]
    problems: list[Finding] = field(default_factory=list)  # of the descriptor itself (its version)


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks (a release's database is tens of MB)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
MAX_JSON_BYTES = 16 << 20  # a descriptor or schema is kilobytes; more is not one
MAX_DEPTH = 64  # the descriptor nests about six levels; Python's json gives up near a thousand


def parse_version(text: object) -> tuple[int, int, int] | None:
    """MAJOR.MINOR.PATCH as numbers (what a release's tag vX.Y.Z carries), or None when `text`
    is not a semantic version."""
    m = SEMVER.fullmatch(text) if isinstance(text, str) else None
    return tuple(int(x) for x in m.groups()) if m else None


def read_json(root: Path, rel: str, shown: str):
    """The JSON document of the package file `rel`, strictly: UTF-8, no NaN or Infinity (not
    JSON, and no constraint means anything with them), at most MAX_DEPTH levels deep and
    MAX_JSON_BYTES long. Raises PackageError naming `shown` (and the line where there is one)."""
    try:
        file = paths.inside(root, rel)
    except paths.PathError as e:
        raise PackageError(f"{shown}: {e.reason}") from None
    if file.stat().st_size > MAX_JSON_BYTES:
        raise PackageError(f"{shown}: {file.stat().st_size} bytes; a descriptor or schema over {MAX_JSON_BYTES >> 20} MB is refused")
    try:
        text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise PackageError(f"{shown}: not UTF-8 text (byte {e.start})") from None

    def constant(token: str):
        # json hands over NaN, Infinity and 1e999 without their place: find the token outside strings.
        unquoted = re.compile(r'"(?:[^"\\]|\\.)*"|(?<![\w.+-])(' + re.escape(token) + r')(?![\w.])')
        m = next(m for m in unquoted.finditer(text) if m.group(1))
        key = re.search(r'"((?:[^"\\]|\\.)*)"\s*:\s*$', text[max(0, m.start() - 200):m.start()])
        line = text.count("\n", 0, m.start()) + 1
        raise PackageError(f"{shown}:{line}: {(repr(key.group(1)) + ' is ') if key else ''}{token}, "
                           "which is not a JSON number; write a number or leave the property out")

    def number(token: str) -> float:
        value = float(token)
        if math.isinf(value):
            constant(token)
        return value

    try:
        doc = json.loads(text, parse_constant=constant, parse_float=number)
    except json.JSONDecodeError as e:
        raise PackageError(f"{shown}:{e.lineno}: not valid JSON: {e.msg} (column {e.colno})") from None
    except ValueError as e:  # an integer of thousands of digits
        raise PackageError(f"{shown}: not usable JSON: {e}") from None
    except RecursionError:
        raise PackageError(f"{shown}: nested more than {MAX_DEPTH} levels deep; a descriptor or schema is never that deep") from None
    if depth(doc) > MAX_DEPTH:
        raise PackageError(f"{shown}: nested more than {MAX_DEPTH} levels deep; a descriptor or schema is never that deep")
    return doc


def depth(doc) -> int:
    """How deeply lists and objects nest in a JSON document (without recursion)."""
    deepest, pending = 0, [(doc, 1)]
    while pending:
        node, level = pending.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                pending += [(child, level + 1) for child in (node.values() if isinstance(node, dict) else node)]
    return deepest


def load(descriptor_path: Path, check_profile: bool = True) -> Package:
    """Read and check a descriptor. With check_profile False, the Data Package profile check
    (frictionless, slow to import) is left to the caller: see `check_profile_of`."""
    descriptor_path = Path(descriptor_path)
    if descriptor_path.is_dir():
        descriptor_path = descriptor_path / "datapackage.json"
    shown = str(descriptor_path)
    if not descriptor_path.exists() and not descriptor_path.is_symlink():
        raise PackageError(f"{shown}: no such file; give the path of a datapackage.json (or of the directory holding it)")
    root = descriptor_path.parent
    descriptor = read_json(root, descriptor_path.name, shown)
    if not isinstance(descriptor, dict):
        raise PackageError(f"{shown}: the descriptor must be a JSON object")
    items = descriptor.get("resources")
    if not isinstance(items, list) or not items:
        raise PackageError(f"{shown}: 'resources' must be a non-empty list")
    problems = []
    # The Data Package standard makes `version` optional; given, it must be what a release tags.
    if "version" in descriptor and parse_version(descriptor["version"]) is None:
        problems.append(VERSION.finding(f"version {descriptor.get('version')!r} is not a semantic version MAJOR.MINOR.PATCH "
                                        "(such as 0.2.0), which a release's tag vX.Y.Z and check-version need",
                                        path=descriptor_path.name, field="version", value=descriptor.get("version")))
    resources: dict[str, Resource] = {}
    for i, item in enumerate(items):
        where = f"{shown}: resources[{i}]"
        if not isinstance(item, dict):
            raise PackageError(f"{where}: must be an object")
        name = item.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            raise PackageError(f"{where}: 'name' must be lower-case letters, digits, '.', '_' or '-' (got {name!r})")
        if name in resources:
            raise PackageError(f"{where}: a second resource is named {name!r}")
        where = f"{shown}: resource {name!r}"
        if "data" in item and "path" not in item:
            raise PackageError(f"{where}: inline 'data' is not supported; give a 'path' to a CSV file")
        path = item.get("path")
        if isinstance(path, list):
            raise PackageError(f"{where}: 'path' lists several files; rightsdata reads one CSV file per resource")
        schema = load_schema(root, item.get("schema"), where)
        res = Resource(name=name, path=path if isinstance(path, str) else None, file=None, schema=schema)
        try:
            res.file = paths.inside(root, path, missing_ok=True)
        except paths.PathError as e:
            res.problems.append(UNSAFE_PATH.finding(f"resource {name!r}: path {path!r} {e.reason}; it was not read",
                                                    resource=name, path="datapackage.json", field="path", value=path,
                                                    fatal=True))
        else:
            if not res.file.exists():
                res.problems.append(MISSING_FILE.finding(f"resource {name!r}: file {path!r} does not exist",
                                                         resource=name, path=path, fatal=True))
                res.file = None
        resources[name] = res
    check_references(shown, resources)
    package = Package(root=root, descriptor_path=descriptor_path, descriptor=descriptor, resources=resources, problems=problems)
    if check_profile:
        check_profile_of(package)
    return package


def load_schema(root: Path, schema: object, where: str) -> dict:
    if isinstance(schema, str):
        if unsafe_reason(schema):
            raise PackageError(f"{where}: schema path {schema!r} {unsafe_reason(schema)}")
        schema = read_json(root, schema, f"{where}: schema file {schema}")
    if not isinstance(schema, dict):
        raise PackageError(f"{where}: 'schema' must be a Table Schema object or the path of one")
    fields = schema.get("fields")
    if not isinstance(fields, list) or not fields:
        raise PackageError(f"{where}: the schema's 'fields' must be a non-empty list")
    names = []
    for j, f in enumerate(fields):
        if not isinstance(f, dict) or not isinstance(f.get("name"), str):
            raise PackageError(f"{where}: schema field {j} must be an object with a 'name'")
        kind = f.get("type", "string")
        if kind not in SUPPORTED_TYPES:
            raise PackageError(f"{where}: field {f['name']!r} has type {kind!r}; supported: {', '.join(sorted(SUPPORTED_TYPES))}")
        if kind == "list" and f.get("itemType", "string") not in SUPPORTED_TYPES - {"list"}:
            raise PackageError(f"{where}: field {f['name']!r} has an unsupported itemType {f.get('itemType')!r}")
        constraints = f.get("constraints", {})
        if not isinstance(constraints, dict):
            raise PackageError(f"{where}: field {f['name']!r}: 'constraints' must be an object")
        for key in ("pattern", "patternWhenPresent"):
            pattern = constraints.get("pattern") if key == "pattern" else f.get(key)
            problem = pattern_problem(pattern) if pattern is not None else None
            if problem:
                raise PackageError(f"{where}: field {f['name']!r}: {key} {pattern!r} {problem}")
        for key in ("minLength", "maxLength"):
            value = constraints.get(key)
            if key in constraints and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise PackageError(f"{where}: field {f['name']!r}: {key} {value!r} is not a whole number of 0 or more")
        names.append(f["name"])
    if len(set(names)) != len(names):
        raise PackageError(f"{where}: the schema names a field twice")
    if schema.get("missingValues", [""]) != [""]:
        raise PackageError(f"{where}: only the default missingValues [\"\"] is supported")
    pk = schema.get("primaryKey") or []
    for key in [pk] if isinstance(pk, str) else pk:
        if key not in names:
            raise PackageError(f"{where}: primary key field {key!r} is not a field of the schema")
    return schema


def pattern_problem(pattern: object) -> str | None:
    """Why a field's pattern cannot be used, or None. It must be read alike by Python's `re` (what
    stock frictionless checks with) and by RE2 (what DuckDB, and so `rightsdata validate`, uses)."""
    if not isinstance(pattern, str):
        return "is not a string"
    try:
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as e:
        return f"is not a regular expression Python reads ({e})"
    return re2_problem(pattern)


@functools.lru_cache(maxsize=1024)  # a package repeats a few patterns across its fields
def re2_problem(pattern: str) -> str | None:
    try:
        with re2().cursor() as cursor:
            cursor.execute("SELECT regexp_full_match('', ?)", [pattern]).fetchall()
    except duckdb.Error as e:
        return f"is not a regular expression RE2 (DuckDB) reads ({str(e).split('Error: ', 1)[-1]})"
    return None


@functools.cache
def re2() -> duckdb.DuckDBPyConnection:
    """A connection that only compiles patterns."""
    return duckdb.connect(":memory:")


def check_references(shown: str, resources: dict[str, Resource]) -> None:
    """Foreign keys must point at existing resources and fields."""
    for res in resources.values():
        names = {f["name"] for f in res.fields}
        for fk in res.foreign_keys:
            fields, ref = fk["fields"], fk["reference"]
            target_name = ref["resource"] or res.name
            target = resources.get(target_name)
            where = f"{shown}: resource {res.name!r}: foreign key {fields}"
            if not isinstance(fields, list) or set(fields) - names:
                raise PackageError(f"{where}: names fields the schema does not have")
            if target is None:
                raise PackageError(f"{where}: refers to resource {target_name!r}, which the package does not have")
            ref_fields = ref["fields"]
            if not isinstance(ref_fields, list) or len(ref_fields) != len(fields) or set(ref_fields) - {f["name"] for f in target.fields}:
                raise PackageError(f"{where}: its reference fields {ref_fields} are not fields of {target_name!r}")


def check_profile_of(package: Package) -> None:
    """The descriptor satisfies the Data Package profile, as frictionless checks it (with the
    schemas inlined). Raises PackageError."""
    raise_profile_problems(package, profile_problems(profile_input(package)))


def profile_input(package: Package) -> str:
    """What frictionless is given to check: the descriptor with its schemas inlined, as JSON text."""
    descriptor, resources = package.descriptor, package.resources
    # Unsafe paths are already findings of their own; keep frictionless to the rest.
    return json.dumps(dict(descriptor, resources=[
        dict(item, schema=resources[item["name"]].schema,
             path=item["path"] if unsafe_reason(item.get("path")) is None else f"{item['name']}.csv")
        for item in descriptor["resources"]]))


def raise_profile_problems(package: Package, problems: tuple[str, ...]) -> None:
    if problems:
        raise PackageError(f"{package.descriptor_path}: " + "; ".join(problems))


# frictionless's answer on each descriptor it checked (by `profile_input`): every validation of a
# process whose packages share a descriptor (the tests' copies of the package, hundreds) asked
# again, 0.05 s each, and 0.5 s with frictionless's import in a child process. At most 64 kept.
PROFILE_ANSWERS: dict[str, tuple[str, ...]] = {}
_profile_lock = threading.Lock()


def profile_problems(inlined: str) -> tuple[str, ...]:
    """frictionless's messages on a descriptor (`profile_input`), empty when it is valid."""
    problems = kept_profile_answer(inlined)
    if problems is None:
        from frictionless import Package as FrictionlessPackage

        report = FrictionlessPackage.validate_descriptor(json.loads(inlined))
        problems = tuple(e.message for e in report.errors) if not report.valid else ()
        keep_profile_answer(inlined, problems)
    return problems


def kept_profile_answer(inlined: str) -> tuple[str, ...] | None:
    with _profile_lock:  # (a check may run in a thread)
        return PROFILE_ANSWERS.get(inlined)


def keep_profile_answer(inlined: str, problems: tuple[str, ...]) -> None:
    with _profile_lock:
        if inlined not in PROFILE_ANSWERS and len(PROFILE_ANSWERS) >= 64:
            PROFILE_ANSWERS.pop(next(iter(PROFILE_ANSWERS)))
        PROFILE_ANSWERS[inlined] = problems
