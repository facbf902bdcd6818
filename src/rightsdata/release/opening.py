"""A package to compare: a directory holding datapackage.json, a zip of one (a release), or a git
ref of the repository; and its rows, keyed by primary key as the CSV files hold them (the files
are canonical, see `rightsdata format`, so equal values are equal text)."""

from __future__ import annotations

import contextlib
import operator
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rightsdata import archive
from rightsdata import package as pkg
from rightsdata.release import ReleaseError
from rightsdata.tables import TableError, read_csv_file


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
    rows: dict[tuple, list[str]]  # primary key -> the row's cells, in the order of `header`
    key: list[str]
    file: Path | None = None  # the CSV file the rows were read from

    @property
    def column(self) -> dict[str, int]:
        """Where each column's cell is in a row (a name the header repeats: its last, as a dict of
        the row by name would hold)."""
        return {c: i for i, c in enumerate(self.header)}

    def keys(self, columns: list[str]) -> list[tuple]:
        """Each row's cells of `columns`, in the order of `rows`."""
        return row_keys(self.rows.values(), [self.column[c] for c in columns])


def row_keys(records, where: list[int]) -> list[tuple]:
    """The cells at `where` of each record, as tuples (one pass in C: a generator per row made a
    diff of the whole package slow)."""
    if not where:
        return [() for _ in records]
    get = operator.itemgetter(*where)
    return list(map(get, records)) if len(where) > 1 else [(k,) for k in map(get, records)]


def same_bytes(a: Path | None, b: Path) -> bool:
    """Whether the files hold the same bytes (not filecmp.cmp: its cache trusts a size and a time)."""
    return a is not None and a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


def read_package(root: Path, like: dict[str, Table] | None = None) -> tuple[dict, dict[str, Table]]:
    """The descriptor and every resource's rows, keyed by primary key. A resource whose file has the
    same bytes and whose key has the same columns as its table in `like` (the other side of a diff)
    shares that table's header and rows: it is not read again (most files of two releases are alike)."""
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
        other = (like or {}).get(name)
        if other is not None and other.key == key and same_bytes(other.file, res.file):
            tables[name] = Table(name, res.schema, res.path, other.header, other.rows, key, res.file)
            continue
        try:
            header, records = read_csv_file(res.file, res.path)
        except TableError as e:
            raise ReleaseError(str(e)) from None
        missing = set(key) - set(header)
        if missing:
            raise ReleaseError(f"{res.path}:1: the primary key columns {sorted(missing)} are not in the header")
        column = {c: i for i, c in enumerate(header)}
        cells = [record for _, record in records]
        keys = row_keys(cells, [column[c] for c in key])
        rows = dict(zip(keys, cells))
        if len(rows) < len(cells):
            seen = set()
            for (line, _), k in zip(records, keys):
                if k in seen:
                    raise ReleaseError(f"{res.path}:{line}: the primary key {dict(zip(key, k))} repeats; run rightsdata validate")
                seen.add(k)
        tables[name] = Table(name, res.schema, res.path, header, rows, key, res.file)
    return package.descriptor, tables
