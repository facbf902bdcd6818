"""The package's metadata: one definition of each field (fields.yaml), resources built from them
(resources.yaml), and the documents generated from both: Table Schemas, JSON Schemas and the
Data Package descriptor.

Only `rightsdata generate` is to read these files. Every other command reads a package's own
datapackage.json and schemas/ (package.py, tables.py): what a command does to a package does not
depend on the rightsdata version installed, so an editable install is no longer needed."""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).parent
# libyaml's parser when PyYAML was built with it: ten times faster (resources.yaml took 0.3 s to
# read, in every command and test process that writes a table); the same safe subset of YAML.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FIELD_OVERRIDES = {"description", "constraints", "required"}
DATA_PACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
TABLE_SCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
# Where an optional field's pattern goes in the Table Schema (see `optional_pattern`).
PATTERN_WHEN_PRESENT = "patternWhenPresent"
# The README's groups of resources (a resource's `family`), in the order it lists them.
FAMILIES = {"recommendations": "Recommendations", "enforcement": "Enforcement",
            "policies": "Policies", "reference": "Reference and code lists"}
# What resources.yaml may say: of the package, of each resource (required, then optional).
PACKAGE_KEYS = {"name", "title", "description", "version", "licenses"}
RESOURCE_KEYS = {"title", "family", "description", "columns", "primary_key"}
OPTIONAL_RESOURCE_KEYS = {"foreign_keys", "no_auto_references"}


class MetadataError(Exception):
    """The metadata files contradict themselves (an unknown field, a bad reference...)."""


@dataclass
class Resource:
    name: str
    title: str
    family: str
    description: str
    fields: list[dict]  # Table Schema field descriptors, in column order
    primary_key: list[str]
    foreign_keys: list[dict]

    @property
    def verbatim(self) -> set[str]:
        """The columns copied exactly from the source (Table Schema property `asPrinted`)."""
        return {f["name"] for f in self.fields if f.get("asPrinted")}

    @property
    def path(self) -> str:
        return f"data/{self.name}.csv"

    @property
    def table_schema_path(self) -> str:
        return f"schemas/{self.name}.tableschema.json"

    @property
    def json_schema_path(self) -> str:
        return f"schemas/{self.name}.jsonschema.json"

    @property
    def column_names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    def table_schema(self) -> dict:
        schema: dict = {"$schema": TABLE_SCHEMA_PROFILE, "fields": self.fields, "missingValues": [""],
                        "primaryKey": self.primary_key}
        if self.foreign_keys:
            schema["foreignKeys"] = self.foreign_keys
        return schema

    def json_schema(self) -> dict:
        return json_schema_for(self.table_schema(), title=self.title, description=self.description)


@functools.cache
def load_yaml(name: str) -> dict:
    with open(HERE / name, encoding="utf-8") as f:
        try:
            return yaml.load(f, Loader=YAML_LOADER)
        except yaml.MarkedYAMLError as e:  # a hand edit gone wrong: say where, as a contributor reads it
            mark = e.problem_mark
            where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
            raise MetadataError(f"{name}{where}: not valid YAML: {e.problem}") from None


def package_metadata() -> dict:
    meta = load_yaml("resources.yaml").get("package")
    if not isinstance(meta, dict):
        raise MetadataError("resources.yaml: no `package` mapping")
    if set(meta) != PACKAGE_KEYS:
        raise MetadataError(f"resources.yaml: package: {describe_keys(meta, PACKAGE_KEYS, set())}")
    return meta


def describe_keys(spec: dict, required: set[str], optional: set[str]) -> str | None:
    """What is wrong with the keys of a mapping of resources.yaml (None when nothing is)."""
    unknown, missing = sorted(set(spec) - required - optional), sorted(required - set(spec))
    if not unknown and not missing:
        return None
    return "; ".join(([f"unknown keys {unknown}"] if unknown else []) + ([f"missing keys {missing}"] if missing else [])) + \
        f" (it takes {', '.join(sorted(required | optional))})"


def check_resource_spec(name: str, spec: object) -> None:
    """A resource of resources.yaml has the keys it needs, no others, and a known family: a typo
    would otherwise drop it silently (a family the README does not list leaves it out)."""
    if not isinstance(spec, dict):
        raise MetadataError(f"resources.yaml: {name}: must be a mapping")
    problem = describe_keys(spec, RESOURCE_KEYS, OPTIONAL_RESOURCE_KEYS)
    if problem:
        raise MetadataError(f"resources.yaml: {name}: {problem}")
    if spec["family"] not in FAMILIES:
        raise MetadataError(f"resources.yaml: {name}: family {spec['family']!r} is not one of {', '.join(FAMILIES)}")
    if not isinstance(spec["columns"], list) or not spec["columns"]:
        raise MetadataError(f"resources.yaml: {name}: `columns` must be a non-empty list")
    if not isinstance(spec["primary_key"], list) or not spec["primary_key"]:
        raise MetadataError(f"resources.yaml: {name}: `primary_key` must be a non-empty list of columns")


@functools.cache
def resources() -> dict[str, Resource]:
    """Every resource, its fields resolved from fields.yaml, in the order of resources.yaml."""
    fields = load_yaml("fields.yaml")
    doc = load_yaml("resources.yaml")
    if not isinstance(doc, dict) or set(doc) != {"package", "resources"} or not isinstance(doc["resources"], dict):
        raise MetadataError("resources.yaml: must be a mapping of `package` and `resources` (a mapping by resource name)")
    out: dict[str, Resource] = {}
    for name, spec in doc["resources"].items():
        check_resource_spec(name, spec)
        columns, foreign_keys = [], []
        skip_refs = set(spec.get("no_auto_references", []))
        for entry in spec["columns"]:
            entry = {"name": entry} if isinstance(entry, str) else dict(entry)
            column = entry.pop("name")
            base_name = entry.pop("field", column)
            if base_name not in fields:
                raise MetadataError(f"resources.yaml: {name}.{column}: no field {base_name!r} in fields.yaml")
            unknown = set(entry) - FIELD_OVERRIDES
            if unknown:
                raise MetadataError(f"resources.yaml: {name}.{column}: cannot override {sorted(unknown)}")
            base = copy.deepcopy(fields[base_name])
            descriptor = {"name": column, "type": base.pop("type")}
            for key in ("itemType", "delimiter"):
                if key in base:
                    descriptor[key] = base.pop(key)
            descriptor["description"] = " ".join(entry.get("description", base.pop("description")).split())
            base.pop("description", None)
            constraints = dict(base.pop("constraints", {}))
            constraints.update(entry.get("constraints", {}))
            if entry.get("required") or column in spec["primary_key"]:
                constraints["required"] = True
            optional_pattern(descriptor, constraints)
            if constraints:
                descriptor["constraints"] = dict(sorted(constraints.items()))
            as_printed = base.pop("verbatim", False)
            if as_printed:
                descriptor["asPrinted"] = as_printed
            unit = base.pop("unit", None)
            if unit:
                descriptor["unit"] = unit  # for readers of the descriptor (Datasette's units: release.py)
            ref = base.pop("references", None)
            if ref and column not in skip_refs:
                ref_resource, ref_field = ref.split(".")
                foreign_keys.append({"fields": [column], "reference": {"resource": ref_resource, "fields": [ref_field]}})
            if base:
                raise MetadataError(f"fields.yaml: {base_name}: unknown keys {sorted(base)}")
            columns.append(descriptor)
        names = [c["name"] for c in columns]
        for key in spec["primary_key"]:
            if key not in names:
                raise MetadataError(f"resources.yaml: {name}: primary key field {key!r} is not a column")
        # frictionless (to_pandas, SQL) gathers key values in column order but names them in key order.
        if spec["primary_key"] != sorted(spec["primary_key"], key=names.index):
            raise MetadataError(f"resources.yaml: {name}: primary key {spec['primary_key']} must list its "
                                f"columns in column order: {sorted(spec['primary_key'], key=names.index)}")
        foreign_keys += spec.get("foreign_keys", [])
        out[name] = Resource(
            name=name,
            title=spec["title"],
            family=spec["family"],
            description=" ".join(spec["description"].split()),
            fields=columns,
            primary_key=spec["primary_key"],
            foreign_keys=foreign_keys,
        )
    for res in out.values():
        for fk in res.foreign_keys:
            target = out.get(fk["reference"]["resource"]) if fk["reference"]["resource"] else res
            if target is None:
                raise MetadataError(f"{res.name}: foreign key to unknown resource {fk['reference']['resource']!r}")
            missing = set(fk["reference"]["fields"]) - set(target.column_names)
            if missing:
                raise MetadataError(f"{res.name}: foreign key to {target.name} names unknown fields {sorted(missing)}")
    return out


def optional_pattern(descriptor: dict, constraints: dict) -> None:
    """Move the pattern of an optional field out of `constraints` into the field's own
    PATTERN_WHEN_PRESENT property, which `rightsdata validate` and the JSON Schemas enforce.

    Stock frictionless's SQL export (`frictionless index`, `datapackage-to-datasette`) turns a pattern
    into a CHECK calling a Python REGEXP function that raises on NULL (frictionless-py 5.x,
    formats/sql/adapter.py `regexp`), so an empty cell in a field with a pattern fails the whole
    table. A required field has no empty cell and keeps its pattern where every reader sees it."""
    if "pattern" in constraints and not constraints.get("required"):
        descriptor[PATTERN_WHEN_PRESENT] = constraints.pop("pattern")


def field_constraints(f: dict) -> dict:
    """A Table Schema field's constraints, with the pattern of an optional field (optional_pattern) back in."""
    constraints = dict(f.get("constraints", {}))
    if PATTERN_WHEN_PRESENT in f:
        constraints.setdefault("pattern", f[PATTERN_WHEN_PRESENT])
    return constraints


def descriptor() -> dict:
    """The Data Package descriptor (datapackage.json)."""
    meta = package_metadata()
    return {
        # Data Package v2: list fields and `delimiter` are v2's (see release/assets.py for a v1 reader's copy).
        "$schema": DATA_PACKAGE_PROFILE,
        "name": meta["name"],
        "title": meta["title"],
        "description": " ".join(meta["description"].split()),
        "version": meta["version"],
        "licenses": meta["licenses"],
        "resources": [
            {
                "name": r.name,
                "title": r.title,
                "description": r.description,
                "path": r.path,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": r.table_schema_path,
            }
            for r in resources().values()
        ],
    }


# --- JSON Schema ----------------------------------------------------------------------------------
# A CSV cell cannot tell an empty string from a missing value, so a JSON string is never empty and
# a JSON list never empty: both stand for the missing value, which is null.

def json_schema_for(table_schema: dict, title: str = "", description: str = "") -> dict:
    """The JSON Schema of one row of a table, as an object keyed by field name."""
    properties, required = {}, []
    for f in table_schema["fields"]:
        constraints = field_constraints(f)
        prop = json_value_schema(f["type"], constraints, f.get("itemType"), f.get("delimiter", ","))
        if constraints.get("required"):
            required.append(f["name"])
        else:
            prop = {"anyOf": [prop, {"type": "null"}]}
        prop["description"] = f.get("description", "")
        properties[f["name"]] = prop
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "description": description,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    return schema


def json_value_schema(kind: str, constraints: dict, item_type: str | None = None, delimiter: str = ",") -> dict:
    if kind == "string":
        prop: dict = {"type": "string", "minLength": max(1, constraints.get("minLength", 1))}
        if "maxLength" in constraints:
            prop["maxLength"] = constraints["maxLength"]
        if "pattern" in constraints:
            prop["pattern"] = f"^(?:{constraints['pattern']})$"
    elif kind in ("integer", "number"):
        prop = {"type": kind}
        for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if key in constraints:
                prop[key] = constraints[key]
    elif kind == "boolean":
        prop = {"type": "boolean"}
    elif kind == "date":
        prop = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    elif kind == "list":
        # A text item cannot hold the delimiter: in the CSV cell it would split into two items.
        item_constraints = {"pattern": f"[^{re.escape(delimiter)}]+"} if (item_type or "string") == "string" else {}
        prop = {"type": "array", "minItems": 1, "items": json_value_schema(item_type or "string", item_constraints)}
    else:
        raise MetadataError(f"no JSON Schema mapping for Table Schema type {kind!r}")
    if "enum" in constraints:
        prop["enum"] = constraints["enum"]
    return prop
