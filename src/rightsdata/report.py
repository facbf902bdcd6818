"""Printing a validation result: for people (text), for programs (json), for GitHub Actions (github)."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from typing import TextIO

from rightsdata.findings import ERROR, Finding
from rightsdata.validate import Result

MAX_ANNOTATIONS = 10


def counts(result: Result) -> dict[str, int]:
    c = {"errors": 0, "warnings": 0, "waived": 0}
    for f in result.findings:
        if f.waived:
            c["waived"] += 1
        elif f.severity == ERROR:
            c["errors"] += 1
        else:
            c["warnings"] += 1
    return c


def summary_line(result: Result) -> str:
    if result.fatal:
        return "cannot read the package"
    c = counts(result)
    rows = sum(result.rows.values())
    verdict = {0: "valid", 1: "INVALID", 2: "cannot be read in full"}[result.exit_code]
    return (f"{result.descriptor}: {verdict}: {plural(len(result.rows), 'resource')}, {plural(rows, 'row')}; "
            f"{plural(c['errors'], 'error')}, {plural(c['warnings'], 'warning')}, {c['waived']} waived")


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def write_text(result: Result, out: TextIO, limit: int = 20) -> None:
    """Findings grouped by rule, errors first; at most `limit` per rule (0: all), unwaived first."""
    if result.fatal:
        out.write(f"error: {result.fatal}\n")
        return
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        groups[f.rule].append(f)
    order = sorted(groups, key=lambda rule: (all(f.waived for f in groups[rule]), groups[rule][0].severity != ERROR))
    for rule in order:
        items = sorted(groups[rule], key=lambda f: f.waived)
        severity = items[0].severity
        waived = sum(f.waived for f in items)
        out.write(f"\n{rule} ({severity}, {plural(len(items), 'finding')}{f', {waived} waived' if waived else ''})\n")
        for f in items[:limit or None]:
            mark = " [waived: " + (f.waiver_reason or "") + "]" if f.waived else ""
            out.write(f"  {f.location()}: {f.message}{mark}\n")
        if limit and len(items) > limit:
            out.write(f"  ... and {len(items) - limit} more (--limit 0 lists them all; --format json gives every field)\n")
    for note in result.notes:
        out.write(f"\n{note}")
    out.write(("\n" if groups or result.notes else "") + summary_line(result) + "\n")


def write_json(result: Result, out: TextIO) -> None:
    doc = {
        "descriptor": result.descriptor,
        "valid": result.exit_code == 0,
        "exit_code": result.exit_code,
        "error": result.fatal,
        "notes": result.notes,
        "counts": counts(result),
        "rows": result.rows,
        "findings": [f.as_json() for f in result.findings],
    }
    json.dump(doc, out, indent=2, ensure_ascii=False, default=str)
    out.write("\n")


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def write_github(result: Result, out: TextIO) -> None:
    """At most ten workflow-command annotations (errors first), then the full table in
    $GITHUB_STEP_SUMMARY when it is set; a plain summary line on stdout."""
    if result.fatal:
        out.write(f"::error title=rightsdata validate::{escape_data(result.fatal)}\n")
    shown = sorted((f for f in result.findings if not f.waived), key=lambda f: f.severity != ERROR)[:MAX_ANNOTATIONS]
    for f in shown:
        kind = "error" if f.severity == ERROR else "warning"
        props = [f"file={escape_property(f.path or 'datapackage.json')}"]
        if f.line:
            props.append(f"line={f.line}")
        props.append(f"title={escape_property(f.rule)}")
        out.write(f"::{kind} {','.join(props)}::{escape_data(f.message)}\n")
    for note in result.notes:
        out.write(f"::notice title=rightsdata validate::{escape_data(note)}\n")
    hidden = sum(1 for f in result.findings if not f.waived) - len(shown)
    if hidden > 0:
        out.write(f"{hidden} more findings are in the job summary.\n")
    out.write(summary_line(result) + "\n")
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(markdown_summary(result))


def markdown_summary(result: Result) -> str:
    lines = ["## rightsdata validate", "", summary_line(result), ""]
    if result.fatal:
        lines += [f"**Cannot read the package:** {result.fatal}", ""]
    lines += [f"_{note}_" for note in result.notes] + [""] * bool(result.notes)
    if result.findings:
        lines += ["| severity | rule | location | message | waived |", "|---|---|---|---|---|"]
        # What failed the run first: errors, then warnings, then what is waived (sorted is stable).
        for f in sorted(result.findings, key=lambda f: (f.waived, f.severity != ERROR)):
            cell = lambda s: str(s).replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {f.severity} | `{f.rule}` | `{f.location()}` | {cell(f.message)} | "
                         f"{cell(f.waiver_reason) if f.waived else ''} |")
    return "\n".join(lines) + "\n"


WRITERS = {"text": write_text, "json": write_json, "github": write_github}
