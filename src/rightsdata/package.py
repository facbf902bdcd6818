"""Reading a Data Package descriptor without trusting it.

Every path the descriptor names (data files, schemas) must be a relative path that stays inside
the package directory: no URL, no absolute path, no `..`, no symlink out. Nothing outside the
package is ever opened. Problems that make the package unreadable raise PackageError; problems of
one resource become findings on it, so that one run reports them all.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from rightsdata.findings import Finding

NAME = re.compile(r"^[a-z0-9._-]+$")
SUPPORTED_TYPES = {"string", "integer", "number", "boolean", "date", "list"}


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
    def primary_key(self) -> list[str]:
        pk = (self.schema or {}).get("primaryKey") or []
        return [pk] if isinstance(pk, str) else list(pk)

    @property
    def foreign_keys(self) -> list[dict]:
        return (self.schema or {}).get("foreignKeys") or []


@dataclass
class Package:
    root: Path
    descriptor_path: Path
    descriptor: dict
    resources: dict[str, Resource]

    def resource(self, name: str) -> Resource | None:
        return self.resources.get(name)


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks (a release's database is tens of MB)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def unsafe_reason(rel: object) -> str | None:
    """Why `rel` may not be read as a path inside the package, or None when it may."""
    if not isinstance(rel, str) or not rel.strip():
        return "is not a non-empty string"
    if "\x00" in rel:
        return "contains a NUL character"
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", rel) or rel.startswith("//"):
        return "is a URL; rightsdata reads only files inside the package"
    if rel.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", rel):
        return "is an absolute path; paths must be relative to datapackage.json"
    if "\\" in rel:
        return "contains a backslash; use forward slashes"
    if ".." in PurePosixPath(rel).parts:
        return "goes up with '..'; paths must stay inside the package"
    return None


def resolve_inside(root: Path, rel: str) -> Path:
    """The file `rel` names inside `root`; raises ValueError when it is unsafe or escapes."""
    reason = unsafe_reason(rel)
    if reason:
        raise ValueError(reason)
    target = (root / rel).resolve()
    if not target.is_relative_to(root.resolve()):
        raise ValueError("resolves (through a symbolic link) to a place outside the package")
    return target


def load(descriptor_path: Path, check_profile: bool = True) -> Package:
    """Read and check a descriptor. With check_profile False, the Data Package profile check
    (frictionless, slow to import) is left to the caller: see `check_profile_of`."""
    descriptor_path = Path(descriptor_path)
    if descriptor_path.is_dir():
        descriptor_path = descriptor_path / "datapackage.json"
    shown = str(descriptor_path)
    if not descriptor_path.is_file():
        raise PackageError(f"{shown}: no such file; give the path of a datapackage.json (or of the directory holding it)")
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise PackageError(f"{shown}: not UTF-8 text (byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise PackageError(f"{shown}:{e.lineno}: not valid JSON: {e.msg} (column {e.colno})") from None
    if not isinstance(descriptor, dict):
        raise PackageError(f"{shown}: the descriptor must be a JSON object")
    items = descriptor.get("resources")
    if not isinstance(items, list) or not items:
        raise PackageError(f"{shown}: 'resources' must be a non-empty list")
    root = descriptor_path.parent
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
            res.file = resolve_inside(root, path)
        except ValueError as e:
            res.problems.append(Finding(rule="package/unsafe-path", resource=name, path="datapackage.json", field="path",
                                        value=path, fatal=True,
                                        message=f"resource {name!r}: path {path!r} {e}; it was not read"))
        else:
            if not res.file.is_file():
                res.problems.append(Finding(rule="package/missing-file", resource=name, path=path, fatal=True,
                                            message=f"resource {name!r}: file {path!r} does not exist"))
                res.file = None
        resources[name] = res
    check_references(shown, resources)
    package = Package(root=root, descriptor_path=descriptor_path, descriptor=descriptor, resources=resources)
    if check_profile:
        check_profile_of(package)
    return package


def load_schema(root: Path, schema: object, where: str) -> dict:
    if isinstance(schema, str):
        try:
            file = resolve_inside(root, schema)
        except ValueError as e:
            raise PackageError(f"{where}: schema path {schema!r} {e}") from None
        if not file.is_file():
            raise PackageError(f"{where}: schema file {schema!r} does not exist")
        try:
            schema = json.loads(file.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise PackageError(f"{where}: schema file {schema!r} is not valid JSON: {e}") from None
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
        for pattern in [p for p in (constraints.get("pattern"), f.get("patternWhenPresent")) if p is not None]:
            try:
                re.compile(pattern)
            except (re.error, TypeError) as e:
                raise PackageError(f"{where}: field {f['name']!r}: pattern {pattern!r} is not a regular expression: {e}") from None
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


def check_references(shown: str, resources: dict[str, Resource]) -> None:
    """Foreign keys must point at existing resources and fields."""
    for res in resources.values():
        names = {f["name"] for f in res.fields}
        for fk in res.foreign_keys:
            fields = fk.get("fields")
            fields = [fields] if isinstance(fields, str) else fields
            ref = fk.get("reference") or {}
            target_name = ref.get("resource") or res.name
            target = resources.get(target_name)
            where = f"{shown}: resource {res.name!r}: foreign key {fields}"
            if not isinstance(fields, list) or set(fields) - names:
                raise PackageError(f"{where}: names fields the schema does not have")
            if target is None:
                raise PackageError(f"{where}: refers to resource {target_name!r}, which the package does not have")
            ref_fields = ref.get("fields")
            ref_fields = [ref_fields] if isinstance(ref_fields, str) else ref_fields
            if not isinstance(ref_fields, list) or len(ref_fields) != len(fields) or set(ref_fields) - {f["name"] for f in target.fields}:
                raise PackageError(f"{where}: its reference fields {ref_fields} are not fields of {target_name!r}")


def check_profile_of(package: Package) -> None:
    """The descriptor satisfies the Data Package profile, as frictionless checks it (with the
    schemas inlined). Raises PackageError."""
    from frictionless import Package as FrictionlessPackage

    descriptor, resources = package.descriptor, package.resources
    shown = str(package.descriptor_path)
    # Unsafe paths are already findings of their own; keep frictionless to the rest.
    inlined = dict(descriptor, resources=[
        dict(item, schema=resources[item["name"]].schema,
             path=item["path"] if unsafe_reason(item.get("path")) is None else f"{item['name']}.csv")
        for item in descriptor["resources"]])
    report = FrictionlessPackage.validate_descriptor(inlined)
    if not report.valid:
        raise PackageError(f"{shown}: " + "; ".join(e.message for e in report.errors))
