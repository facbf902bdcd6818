"""The archived sources: each matches its recorded checksum, and values copied from one are in
the lines their row cites.

A field marked `asPrinted` in its Table Schema holds text copied exactly from the source. For every
row whose source is archived in the package (`sources.archived_path`) and that cites
`source_lines`, the check reads those lines and looks for the value in them, ignoring whitespace
(the extraction wrapped lines) and the footnote markers † and ‡ (the package moves them into
boolean columns). A changed number, a retyped name or a wrong line reference is reported at its
row and field.
"""

from __future__ import annotations

import re

from rightsdata import package as pkg
from rightsdata import paths
from rightsdata.cells import LIST_DELIMITER
from rightsdata.findings import Finding, declare
from rightsdata.schema_check import LoadedTable, lit, q

SHA256 = declare("sources/sha256", "archived sources match the SHA-256 in `sources`", "Provenance is only as good as the "
                 "archived copy: a changed source invalidates the line references.")
CITED_LINES = declare("sources/lines", "cited source_lines exist in the archived source",
                      "A row that cites a line its source does not have cannot be checked against it.")
AS_PRINTED = declare("sources/as-printed", "values marked asPrinted are in the lines their row cites",
                     "A retyped number or name is caught where it was introduced, against the document itself.")

LINES = re.compile(rf"^[1-9][0-9]*(-[1-9][0-9]*)?({LIST_DELIMITER}[1-9][0-9]*(-[1-9][0-9]*)?)*$")


def squash(text: str) -> str:
    return re.sub(r"[\s†‡]", "", text)


def pieces(kind, value: str) -> list[str]:
    """The parts of a value that each stand as printed: a paragraph, or a parenthesised group, can
    be separated from the next by other text in the source."""
    if kind == "groups":
        return re.findall(r"\([^)]*\)", value) or [value]
    if kind == "paragraphs":
        return [p for p in value.split("\n\n") if p.strip()]
    return [value]


def lines_problem(spec: str, count: int) -> str | None:
    """What is wrong with the line numbers `spec` (of the LINES form) of a source of `count` lines,
    worked out from the bounds of its ranges without listing their lines: a contribution citing
    `189-999999999` is a finding at its row, not a list of a billion numbers."""
    total = 0
    for part in spec.split(LIST_DELIMITER):
        first, _, last = part.partition("-")
        last = last or first
        for n in (first, last):
            # (compared as text first: int() refuses numbers of thousands of digits)
            if len(n) > len(str(count)) or int(n) > count:
                shown = n if len(n) <= 20 else n[:17] + "..."
                return f"cites line {shown}, but the source has {count} lines"
        if int(last) < int(first):
            return f"the range {part} runs backwards; write the first line first"
        total += int(last) - int(first) + 1
        if total > count:  # only ranges that repeat lines get here
            return f"cites more lines than the source has ({count}): ranges repeat lines"
    return None


def line_numbers(spec: str) -> list[int]:
    out = []
    for part in spec.split(LIST_DELIMITER):
        first, _, last = part.partition("-")
        out.extend(range(int(first), int(last or first) + 1))
    return out


def archived_texts(package: pkg.Package, loaded: dict[str, LoadedTable], con) -> dict[str, list[str]]:
    """source_id -> lines of its archived file, for the sources whose file is in the package."""
    t = loaded.get("sources")
    if t is None or not {"source_id", "archived_path"} <= {f["name"] for f in t.resource.fields}:
        return {}
    out = {}
    for source_id, archived in con.execute(
            f"SELECT source_id, archived_path FROM {q(t.table)} WHERE archived_path IS NOT NULL").fetchall():
        try:
            file = paths.inside(package.root, archived)
            out[source_id] = file.read_text(encoding="utf-8").split("\n")
        except (paths.PathError, OSError, UnicodeDecodeError):
            continue  # the checksum check reports the file
    return out


class Where:
    """A row's place, turned into a line number only when a finding needs it (working out the
    lines of a file whose cells span lines costs a query)."""

    def __init__(self, resource, path, table, rowid, key):
        self.resource, self.path, self.table, self.rowid, self.key = resource, path, table, rowid, key

    def fields(self) -> dict:
        return dict(resource=self.resource, path=self.path, line=self.table.line(self.rowid), key=self.key)


def check(package: pkg.Package, loaded: dict[str, LoadedTable], con) -> list[Finding]:
    texts = archived_texts(package, loaded, con)
    if not texts:
        return []
    findings = []
    for t in loaded.values():
        res = t.resource
        names = {f["name"] for f in res.fields}
        printed = [f for f in res.fields if f.get("asPrinted")]
        if not printed or not {"source_id", "source_lines"} <= names:
            continue
        pk = res.primary_key
        columns = ", ".join(q(c) for c in ["source_id", "source_lines", *[f["name"] for f in printed], *pk])
        sources = ", ".join(lit(s) for s in texts)
        rows = con.execute(f"SELECT {t.row}, {columns} FROM {q(t.table)} WHERE source_id IN ({sources}) "
                           f"AND source_lines IS NOT NULL ORDER BY {t.row}").fetchall()
        for row in rows:
            rowid, source_id, spec = row[0], row[1], row[2]
            values = row[3:3 + len(printed)]
            key = dict(zip(pk, row[3 + len(printed):]))
            lines = texts[source_id]
            where = Where(resource=res.name, path=res.path, table=t, rowid=rowid, key=key)
            problem = lines_problem(spec, len(lines)) if LINES.match(spec) else None
            if problem:
                shown = spec if len(spec) <= 80 else spec[:77] + "..."
                findings.append(CITED_LINES.finding(f"source_lines {shown} {problem.replace('the source', source_id)}",
                                                    field="source_lines", value=spec, **where.fields()))
                continue
            numbers = line_numbers(spec) if LINES.match(spec) else []
            cited = squash("".join(lines[n - 1] for n in numbers))
            for f, value in zip(printed, values):
                if value is None:
                    continue
                for piece in pieces(f["asPrinted"], value):
                    if squash(piece) not in cited:
                        shown = piece if len(piece) <= 80 else piece[:77] + "..."
                        findings.append(AS_PRINTED.finding(f"{f['name']}: {shown!r} is not in lines {spec} of {source_id}",
                                                           field=f["name"], value=value, **where.fields()))
                        break
    return findings


def check_checksums(package: pkg.Package, loaded: dict, con) -> list[Finding]:
    """Every source with an archived copy in the package must match its recorded SHA-256."""
    t = loaded.get("sources")
    if t is None or not {"archived_path", "sha256", "source_id"} <= {f["name"] for f in t.resource.fields}:
        return []
    out = []
    rows = con.execute(f'SELECT {t.row}, source_id, archived_path, sha256 FROM "{t.table}" '
                       f"WHERE archived_path IS NOT NULL ORDER BY {t.row}").fetchall()
    for rowid, source_id, archived, expected in rows:
        where = dict(resource="sources", path=t.resource.path, line=t.line(rowid),
                     key={"source_id": source_id}, field="archived_path", value=archived)
        try:
            file = paths.inside(package.root, archived, missing_ok=True)
        except paths.PathError as e:
            out.append(SHA256.finding(f"archived_path {archived!r} {e.reason}; it was not read", **where))
            continue
        if not file.exists():
            out.append(SHA256.finding(f"archived_path {archived!r}: no such file in the package", **where))
            continue
        actual = pkg.sha256(file)
        if actual != expected:
            out.append(SHA256.finding(f"sha256 of {archived} is {actual}, not the recorded {expected}: "
                                      "the archived source changed (or the checksum is wrong)",
                                      **dict(where, field="sha256", value=expected)))
    return out
