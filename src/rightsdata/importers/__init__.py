"""Importers: each reads one kind of source file and replaces that source's rows in the package.

Shared rules: the source's rows are computed in full before anything is written (a file that
cannot be imported changes nothing); every row names its source and where in it; every source
row is accounted for (kept, merged into an identical one, or rejected with a reason); the output
is canonical (rows sorted by primary key, one way to write each cell), so importing the same file
twice leaves every CSV file byte-identical.

A source is one module of this package holding a subclass of `Importer` decorated with
`@register`: its name, help and extra options make its command (`rightsdata import-NAME`), its
`columns` map says where each column of the source goes, and `read` turns one file into a
`SourceRows`. `import_files` does the rest, the same way for every source.
"""

from __future__ import annotations

import abc
import csv
import hashlib
import importlib
import io
import json
import pkgutil
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from rightsdata import metadata, tables
from rightsdata.countries import CountryNames, UnknownCountry


class SourceError(Exception):
    """A file that cannot be imported; the message names the file (and line) and what to do."""


@dataclass
class SourceRows:
    """Everything one source file contributes to the package, and how its rows were accounted for:
    counts["read"] == kept + merged + rejected, each rejection with its line and reason."""

    source: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None
    counts: Counter = field(default_factory=Counter)
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def add(self, resource: str, row: dict[str, Any]) -> None:
        self.rows.setdefault(resource, []).append(row)

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append((line, reason))
        self.counts["rejected"] += 1
        self.warnings.append(f"{self.path}:{line}: rejected: {reason}")


def read_source(path: Path) -> tuple[bytes, str]:
    """A source file's bytes and their SHA-256 (the package cites files by it), or a SourceError."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except OSError as e:
        raise SourceError(f"{path}: cannot read ({e.strerror})") from None
    return data, hashlib.sha256(data).hexdigest()


def check_names(path: Path, spellings: dict[str, int], names: CountryNames, what: str = "state") -> None:
    """Stop the import (SourceError) when any spelling maps to no country, listing every unknown
    spelling of the file at once, each with the line it is first printed on and the closest known
    names (difflib on country_names), and saying how to fix it (add the name to
    data/country_names.csv, source rightsdata-codes).

    `spellings`: every spelling the file prints -> the line it is first printed on; `what` names
    what the spelling is in the file ("state under review", "country name")."""
    unknown = {}
    for spelling, line in spellings.items():
        try:
            names.code(spelling)
        except UnknownCountry:
            unknown[spelling] = line
    if not unknown:
        return
    problems = []
    for spelling, line in sorted(unknown.items(), key=lambda item: (item[1], item[0])):
        close = names.closest(spelling)
        hint = ("closest known names: " + ", ".join(f"{known!r} ({names.code(known)})" for known in close)
                if close else "no known name is close")
        problems.append(f"{path}:{line}: the {what} {spelling!r} maps to no country in country_names ({hint})")
    some = "a spelling of the {} maps" if len(unknown) == 1 else f"{len(unknown)} spellings of the {{}} map"
    raise SourceError(f"{path}: {some.format(what)} to no country:\n" + "\n".join(problems) + "\nadd each to "
                      "data/country_names.csv (the name as printed, its code, kind source_variant, source_id "
                      "rightsdata-codes, a note saying where it is printed) and import again")


def text_reader(path: Path, text: str, delimiter: str = ","):
    """A csv reader of a source file's text and the file's header row, or a SourceError when the
    file is empty or its first line is no CSV."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return reader, next(reader)
    except StopIteration:
        raise SourceError(f"{path}: the file is empty") from None
    except csv.Error as e:
        raise SourceError(f"{path}:1: not a readable CSV header ({e})") from None


def manifest_entry(path: Path, digest: str, manifest: Path | None = None) -> dict | None:
    """The MANIFEST.json entry of a file, matched by its SHA-256 (names can mislead); by default
    the manifest beside the file (beside the file a link points to). A file the manifest names
    but with another SHA-256 is a truncated or edited copy of it: a SourceError, since importing
    it would replace the source's rows with fewer or other ones without a word."""
    real = Path(path).resolve()
    manifest = manifest or real.parent / "MANIFEST.json"
    if not manifest.is_file():
        return None
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise SourceError(f"{manifest}: not valid JSON ({e}); fix it or pass --manifest") from None
    except RecursionError:  # json nests by recursion: "[[[[..." thousands deep
        raise SourceError(f"{manifest}: JSON nested too deep to read; a manifest is a list of objects") from None
    entries = [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    for entry in entries:
        if entry.get("sha256") == digest:
            return entry
    for entry in entries:
        if entry.get("file") in (Path(path).name, real.name) and entry.get("sha256"):
            listed = ", ".join(f"{entry[k]} {k}" for k in ("bytes", "rows") if isinstance(entry.get(k), int))
            raise SourceError(f"{path}: {manifest} lists {entry['file']} ({listed or 'with its SHA-256'}), but this file "
                              f"({real.stat().st_size} bytes) has another SHA-256: a truncated or edited copy? Import "
                              "the file the manifest lists, or pass --manifest with one that lists this file")
    return None


def origin_of(entry: dict | None) -> str | None:
    """A manifest entry as the sources row cites it; a repository named owner/name, without a
    host, is on GitHub."""
    if not entry:
        return None
    repository = str(entry.get("origin_repository"))
    if "." not in repository.split("/")[0]:
        repository = "https://github.com/" + repository
    return f"{repository}, {entry.get('origin_path')}, commit {entry.get('origin_commit')}"


class Importer(abc.ABC):
    """What a source declares (class attributes) and how it reads one file (`read`)."""

    name: ClassVar[str]  # the command is `import-NAME`
    help: ClassVar[str]  # the command's --help
    options: ClassVar[list] = []  # click.Option of the command besides --package-dir and --manifest
    resources: ClassVar[list[str]]  # the resources whose rows of its sources it replaces
    publisher: ClassVar[str]
    licence: ClassVar[str]
    # Each column (or element path) of the source -> the package columns it goes to, as
    # "resource.column" (checked against the schemas), or "dropped: why".
    columns: ClassVar[dict[str, str]]
    optional_columns: ClassVar[tuple[str, ...]] = ()  # trailing columns a tabular file may lack
    file_kind: ClassVar[str] = "file"  # "a UPR recommendations file": named when a header is wrong

    def __init__(self, package_dir: Path, manifest: Path | None = None):
        self.package_dir = package_dir
        self.manifest = manifest

    @classmethod
    def command(cls) -> str:
        return f"import-{cls.name}"

    def start(self, paths: list[Path]) -> None:  # noqa: B027 (a hook a source may leave as it is)
        """Called once before the files are read (to read what the files share)."""

    @abc.abstractmethod
    def read(self, path: Path) -> SourceRows:
        """One file's sources row and rows (a SourceError naming file:line if it cannot be read)."""

    def finish(self, batch: list[SourceRows]) -> list[SourceRows]:
        """Called once all files are read: complete their rows; return more sources to write."""
        return []

    @classmethod
    def summary(cls, item: SourceRows) -> str | None:
        """The line the command prints for a source, or None to print none."""
        rows = sum(len(v) for v in item.rows.values())
        return f"{item.source['source_id']}: {rows} rows"

    @staticmethod
    def accounted(item: SourceRows, *resources: str) -> str:
        """How a file's rows were accounted for (read = kept + merged + rejected), and the rows
        of `resources` it gives: the start of a summary line."""
        c = item.counts
        rows = "; " + ", ".join(f"{len(item.rows.get(name, []))} {name.removeprefix('upr_')}" for name in resources) if resources else ""
        return (f"{item.source['source_id']}: read {c['read']} rows: kept {c['kept']}, merged {c['merged']} exact "
                f"duplicates, rejected {c['rejected']}{rows}")

    # -- shared pieces ---------------------------------------------------------------------------

    def check_header(self, path: Path, header: list[str]) -> None:
        """A tabular file's header must be the declared columns, in order (trailing optional
        columns may be missing)."""
        names = list(self.columns)
        required = len(names) - len([c for c in names if c in self.optional_columns])
        if header not in [names[:n] for n in range(required, len(names) + 1)]:
            raise SourceError(f"{path}:1: the header is {header}, not {names}: is this {self.file_kind}?")

    def unmapped(self, path: Path, found: Counter) -> list[str]:
        """Warnings for the columns (element paths) of a file that the column map lacks."""
        return [f"{path}: element path {p} ({n} times) is not mapped; it was not imported"
                for p, n in sorted(found.items()) if p not in self.columns]

    def source_row(self, path: Path, digest: str, source_id: str, *, title: str, document_type: str,
                   report_year: int | None, notes: list[str] = (), entry: dict | None = None) -> dict:
        """The source's row of `sources`: a file read from outside the package, cited by its
        SHA-256 and (from MANIFEST.json) where it came from."""
        entry = entry or manifest_entry(path, digest, self.manifest)
        note = [f"Read from {path.name}; not archived in the package (import it with `rightsdata {self.command()}`).",
                *notes]
        return dict(source_id=source_id, title=title, publisher=self.publisher, document_type=document_type,
                    country=None, report_year=report_year, date=None, origin=origin_of(entry), archived_path=None,
                    sha256=digest, licence=self.licence, note=" ".join(note))


REGISTRY: dict[str, type[Importer]] = {}


def register(cls: type[Importer]) -> type[Importer]:
    """Class decorator: make the importer a command of the CLI."""
    if cls.name in REGISTRY and REGISTRY[cls.name] is not cls:
        raise ValueError(f"two importers are named {cls.name!r}")
    REGISTRY[cls.name] = cls
    return cls


def registered() -> dict[str, type[Importer]]:
    """Every importer: the modules of this package are imported, and each registers its own."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return dict(REGISTRY)


def column_map_problems(cls: type[Importer]) -> list[str]:
    """Where an importer's column map names a package column that no schema has, or drops a
    column without saying why."""
    resources = metadata.resources()
    problems = []
    mention = re.compile(r"\b(" + "|".join(map(re.escape, cls.resources)) + r")(?: \([^)]*\))?\.([a-z_]+)")
    for column, target in cls.columns.items():
        if target.startswith("dropped:"):
            if len(target.removeprefix("dropped:").strip()) < 10:
                problems.append(f"{cls.name}: {column}: dropped without a reason")
            continue
        found = mention.findall(target)
        if not found and not any(re.search(rf"\b{r}\b", target) for r in cls.resources):
            problems.append(f"{cls.name}: {column}: {target!r} names none of its resources {cls.resources}")
        for resource, name in found:
            if name not in resources[resource].column_names:
                problems.append(f"{cls.name}: {column}: {resource} has no column {name}")
    return problems


def import_files(cls: type[Importer], package_dir: Path, paths: list[Path], manifest: Path | None = None,
                 **options) -> tuple[list[SourceRows], dict[str, int]]:
    """Read every file, then replace their sources' rows in the package (all files or none): the
    batch of sources read, and the rows written per resource. Python's cyclic collector is paused
    meanwhile (`tables.collector_paused`): an import makes millions of cells and no cycles, and the
    collector's passes over them took a third of import-uprinfo's time (15 s with it, 8 s without)."""
    with tables.collector_paused(), tables.reading_once():  # the package's files, read to pair and to replace rows
        return _import_files(cls, package_dir, paths, manifest, **options)


def _import_files(cls: type[Importer], package_dir: Path, paths: list[Path], manifest: Path | None = None,
                  **options) -> tuple[list[SourceRows], dict[str, int]]:
    importer = cls(package_dir, manifest, **options)
    paths = [Path(p) for p in paths]
    importer.start(paths)
    batch = []
    for path in paths:
        item = importer.read(path)
        item.path = path
        batch.append(item)
    batch += importer.finish(batch)
    files: dict[str, Path] = {}
    for item in batch:
        sid = item.source["source_id"]
        if sid in files:
            raise SourceError(f"two files hold the same source {sid} ({files[sid]} and {item.path}); import one of them")
        files[sid] = item.path
        account(item)
    return batch, write(package_dir, batch, cls.resources)


def account(item: SourceRows) -> None:
    """Every row a source's file was read with is kept, merged or rejected: an importer that lost
    one would write a package that silently lacks it."""
    c = item.counts
    if not c:
        return  # a source of no rows (an XML tree, a list read whole)
    if c["read"] != c["kept"] + c["merged"] + c["rejected"] or c["rejected"] != len(item.rejected):
        raise SourceError(f"{item.path}: {c['read']} rows read, but {c['kept']} kept, {c['merged']} merged and "
                          f"{c['rejected']} rejected ({len(item.rejected)} with a reason): rows were lost "
                          "(a fault of the importer: please report it)")


def number_occurrences(batch: list[SourceRows], keys: dict[str, list[str]]) -> None:
    """Where a resource's key has `occurrence`, number the rows the source prints more than once
    (1, 2, ...) in the order printed, so that a repeat is kept beside the first printing."""
    for item in batch:
        for name, rows in item.rows.items():
            pk = keys[name]
            if "occurrence" not in pk:
                continue
            seen: dict[tuple, int] = {}
            others = [k for k in pk if k != "occurrence"]
            for row in rows:
                key = tuple([row.get(k) for k in others])  # (a list: a generator a row is slower)
                seen[key] = seen.get(key, 0) + 1
                row["occurrence"] = seen[key]


def check_unique_keys(package_dir: Path, new: dict[str, list[dict]], source_ids: set[str],
                      keys: dict[str, list[str]]) -> None:
    """Two rows with the same primary key would make the import ambiguous: stop, whether both are
    new or one is a row of another source already in the package."""
    for name, rows in new.items():
        pk = keys[name]
        seen: dict[tuple, dict] = {}
        for row in rows:
            key = tuple([row.get(k) for k in pk])  # (a list: a generator a row is slower)
            if key in seen:
                raise SourceError(f"{row['source_id']}: two {name} rows share the key {dict(zip(pk, key))} "
                                  f"({seen[key].get('source_location')} and {row.get('source_location')})")
            seen[key] = row
        if "source_id" in pk:
            continue  # a key with the source in it: the rows of another source cannot have it
        for old in tables.read_rows(package_dir, name):
            key = tuple([old.get(k) for k in pk])
            if old.get("source_id") not in source_ids and key in seen:
                row = seen[key]
                where = f" ({row['source_location']})" if row.get("source_location") else ""
                raise SourceError(f"{row['source_id']}: the {name} row {dict(zip(pk, key))}{where} has the key of a "
                                  f"row of the source {old.get('source_id')} already in the package; keys are unique "
                                  "across sources")


def check_own_sources(package_dir: Path, batch: list[SourceRows]) -> None:
    """An import replaces every row of its sources: a source id that already names a source of
    another publisher (another database of the same reviews) would wipe that source's rows."""
    publishers = {r["source_id"]: r["publisher"] for r in tables.read_rows(package_dir, "sources")}
    for item in batch:
        sid = item.source["source_id"]
        if publishers.get(sid, item.source["publisher"]) != item.source["publisher"]:
            raise SourceError(f"{item.path}: its source id {sid} names a source of another publisher in the package "
                              f"({publishers[sid]}), whose rows the import would replace: give the source an id of its own")


def write(package_dir: Path, batch: list[SourceRows], resources: list[str]) -> dict[str, int]:
    """Replace the rows of every source of `batch` in `resources` and in `sources`: all or nothing."""
    # The keys of the package written to (its own datapackage.json), not of the installed metadata.
    keys = {name: res.primary_key for name, res in tables.resources(package_dir).items()}
    number_occurrences(batch, keys)
    new = {"sources": [item.source for item in batch]}
    for name in resources:
        new[name] = [row for item in batch for row in item.rows.get(name, [])]
    source_ids = {item.source["source_id"] for item in batch}
    check_own_sources(package_dir, batch)
    check_unique_keys(package_dir, new, source_ids, keys)
    return tables.replace_sources(package_dir, source_ids, new)
