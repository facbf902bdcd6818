"""Importers: each reads one kind of source file and replaces that source's rows in the package.

Shared rules: the source's rows are computed in full before anything is written (a file that
cannot be imported changes nothing); every row names its source and where in it; the output is
canonical (rows sorted by primary key, one way to write each cell), so importing the same file
twice leaves every CSV file byte-identical.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rightsdata import metadata, tables
from rightsdata.cells import control_character  # noqa: F401 (validate reports them: an importer never writes one)
from rightsdata.package import sha256  # noqa: F401 (the importers cite their files by it)


class SourceError(Exception):
    """A file that cannot be imported; the message names the file (and line) and what to do."""


@dataclass
class SourceRows:
    """Everything one source file contributes to the package."""

    source: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, resource: str, row: dict[str, Any]) -> None:
        self.rows.setdefault(resource, []).append(row)


def manifest_entry(path: Path, digest: str, manifest: Path | None = None) -> dict | None:
    """The MANIFEST.json entry of a file, matched by its SHA-256 (names can mislead)."""
    manifest = manifest or path.parent / "MANIFEST.json"
    if not manifest.is_file():
        return None
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise SourceError(f"{manifest}: not valid JSON ({e}); fix it or pass --manifest") from None
    except RecursionError:  # json nests by recursion: "[[[[..." thousands deep
        raise SourceError(f"{manifest}: JSON nested too deep to read; a manifest is a list of objects") from None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("sha256") == digest:
            return entry
    return None


def number_occurrences(batch: list[SourceRows]) -> None:
    """Where a resource's key has `occurrence`, number the rows the source prints more than once
    (1, 2, ...) in the order printed, so that a repeat is kept beside the first printing."""
    for item in batch:
        for name, rows in item.rows.items():
            pk = metadata.resources()[name].primary_key
            if "occurrence" not in pk:
                continue
            seen: dict[tuple, int] = {}
            for row in rows:
                key = tuple(row.get(k) for k in pk if k != "occurrence")
                seen[key] = seen.get(key, 0) + 1
                row["occurrence"] = seen[key]


def check_unique_keys(batch: list[SourceRows]) -> None:
    """Two rows of one source with the same primary key would make the import ambiguous: stop."""
    for item in batch:
        for name, rows in item.rows.items():
            pk = metadata.resources()[name].primary_key
            seen: dict[tuple, dict] = {}
            for row in rows:
                key = tuple(row.get(k) for k in pk)
                if key in seen:
                    raise SourceError(f"{item.source['source_id']}: two {name} rows share the key {dict(zip(pk, key))} "
                                       f"({seen[key].get('source_location')} and {row.get('source_location')})")
                seen[key] = row


def write(package_dir: Path, batch: list[SourceRows], resources: list[str]) -> dict[str, int]:
    """Replace the rows of every source of `batch` in `resources` and in `sources`: all or nothing."""
    number_occurrences(batch)
    check_unique_keys(batch)
    new = {"sources": [item.source for item in batch]}
    for name in resources:
        new[name] = [row for item in batch for row in item.rows.get(name, [])]
    return tables.replace_sources(package_dir, {item.source["source_id"] for item in batch}, new)
