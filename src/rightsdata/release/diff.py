"""What changed between two versions of the package (`rightsdata diff`): rows matched by primary
key and compared cell by cell, schema changes, and the version bump they ask for."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rightsdata.release.opening import Table, read_package
from rightsdata.release.versioning import BUMP_FOR, BUMPS
from rightsdata.tables import collector_paused


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
    old_rows = before.rows if key == before.key else index(before, key)
    new_rows = after.rows if key == after.key else index(after, key)
    if not key or old_rows is None or new_rows is None:
        key, old_rows, new_rows = after.key, {("\0before",) + k: r for k, r in before.rows.items()}, after.rows
    old_at, new_at = before.column, after.column
    same_columns = before.header == after.header  # then two rows are alike when their cells are
    if not d.schema and same_columns and old_rows is before.rows and new_rows is after.rows and old_rows == new_rows:
        return d  # (one comparison in C: what most resources of a release are)
    shared = [(c, old_at[c], new_at[c]) for c in dict.fromkeys(after.header) if c in old_at]
    new_key = [new_at[c] for c in after.key]
    for k, row in new_rows.items():
        old = old_rows.get(k)
        if old is None:
            d.added.append({c: row[i] for c, i in zip(after.key, new_key)})
            continue
        if same_columns and old == row:
            continue
        fields = {c: {"before": old[i], "after": row[j]} for c, i, j in shared if old[i] != row[j]}
        if fields:
            d.changed.append({"key": {c: row[i] for c, i in zip(after.key, new_key)}, "fields": fields})
    old_key = [old_at[c] for c in before.key]
    for k, row in old_rows.items():
        if k not in new_rows:
            d.removed.append({c: row[i] for c, i in zip(before.key, old_key)})
    if d.schema or d.added or d.removed or d.changed:
        d.status = "changed"
    return d


def index(table: Table, key: list[str]) -> dict[tuple, list[str]] | None:
    """The table's rows keyed by `key`, or None when two rows share a key."""
    out = dict(zip(table.keys(key), table.rows.values()))
    return out if len(out) == len(table.rows) else None


def diff(before_root: Path, after_root: Path) -> PackageDiff:
    """The changes from the package at `before_root` to the one at `after_root`, the cyclic
    collector paused meanwhile (tables.collector_paused: the rows of two packages, no cycles)."""
    with collector_paused():
        return _diff(before_root, after_root)


def _diff(before_root: Path, after_root: Path) -> PackageDiff:
    before_descriptor, before = read_package(before_root)
    after_descriptor, after = read_package(after_root, like=before)  # (a file alike on both sides is read once)
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
