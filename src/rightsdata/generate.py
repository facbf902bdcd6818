"""Write the files derived from the metadata: schemas/, datapackage.json and the generated parts
of the pages in docs/ (the resource and field reference, the rules table, the CLI reference, each
source's coverage). `check=True` writes nothing and reports which files are stale."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from rightsdata import metadata, paths, tables
from rightsdata.cells import csv_text

BEGIN = "<!-- BEGIN generated: {name} (rightsdata generate) -->"
END = "<!-- END generated: {name} -->"


def json_text(obj) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


class PageError(ValueError):
    """A docs page lacks a marker of a section generate fills: a hand edit lost it."""


def expected_files(package_dir: Path) -> dict[Path, str]:
    files: dict[Path, str] = {}
    for res in metadata.resources().values():
        files[package_dir / res.table_schema_path] = json_text(res.table_schema())
        files[package_dir / res.json_schema_path] = json_text(res.json_schema())
    files[package_dir / "datapackage.json"] = json_text(metadata.descriptor())
    for page, sections in PAGES.items():
        path = paths.inside(package_dir, page, missing_ok=True)
        if not path.exists():  # a package without its docs (a release, a test's copy): nothing to fill
            continue
        text = path.read_text(encoding="utf-8")
        lost = [name for name in sections if BEGIN.format(name=name) not in text or END.format(name=name) not in text]
        if lost:
            raise PageError(f"{page}: the markers of the generated section {lost[0]!r} are missing "
                            f"({BEGIN.format(name=lost[0])} ... {END.format(name=lost[0])})")
        for name, render in sections.items():
            text = replace_section(text, name, rebase_links(render(package_dir), page))
        files[package_dir / page] = text
    return files


def run(package_dir: Path, check: bool = False) -> list[Path]:
    """Write (or with check, only compare) every derived file; return the ones that differ.
    Raises PathError, before writing anything, when a file to write is a link (or goes through
    one): a write must replace the package's file, never a file the link points at."""
    # Each data file read once: the row counts, the coverage tables and add_new_columns read the
    # same files (79 readings of 32 files took 3.8 s of 5 on the package). The rows kept are
    # millions of objects without a cycle, which each pass of the collector walked: paused, and
    # resumed once they are dropped (resumed before, it walked them all once more: 0.5 s).
    with tables.collector_paused(), tables.reading_once():
        return _run(package_dir, check)


def _run(package_dir: Path, check: bool) -> list[Path]:
    stale = []
    expected = expected_files(package_dir)
    targets = {path: paths.inside(package_dir, paths.relative(package_dir, path), write=True, missing_ok=True)
               for path in expected}
    for path, text in expected.items():
        target = targets[path]
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != text:
            stale.append(path)
            if not check:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8", newline="")
    stale += add_new_columns(package_dir, check)
    if not check:
        known = {p.name for p in expected}
        schemas = paths.inside(package_dir, "schemas", kind=paths.DIRECTORY, write=True)
        for name in sorted(os.listdir(schemas)):
            if name.endswith(".json") and name not in known:
                (schemas / name).unlink()  # (a link is removed itself; what it points at is left alone)
                stale.append(package_dir / "schemas" / name)
    return stale


def add_new_columns(package_dir: Path, check: bool) -> list[Path]:
    """A field just added to a resource in the metadata gets its column, empty, in the resource's
    data file, at its place: adding a field is an edit of fields.yaml and resources.yaml only.
    A file whose header is not the schema's columns less some is left for validate to report (a
    column removed, renamed or moved is a decision about its data, not generate's)."""
    stale = []
    for res in metadata.resources().values():
        target = paths.inside(package_dir, res.path, write=True, missing_ok=True)
        if not target.exists():
            continue
        header, records = tables.read_csv_file(target, res.path)
        columns = res.column_names
        if header == columns or header != [c for c in columns if c in header]:
            continue
        stale.append(package_dir / res.path)
        if not check:
            target.write_text(csv_text(columns, ([dict(zip(header, r)).get(c, "") for c in columns] for _, r in records)),
                              encoding="utf-8", newline="")
    return stale


def replace_section(text: str, name: str, body: str) -> str:
    begin, end = BEGIN.format(name=name), END.format(name=name)
    if begin not in text or end not in text:
        return text
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body}{end}{tail}"


# A renderer links to the package's files from its root (`data/goods.csv`); a page in docs/ links
# from its own directory, so its links are rebased. URLs and anchors are left as they are.
LINK = re.compile(r"\]\((?![a-z][a-z0-9+.-]*:|#|/)([^)\s]+)\)")


def rebase_links(markdown: str, page: str) -> str:
    up = "../" * page.count("/")
    return LINK.sub(lambda m: f"]({up}{m.group(1)})", markdown) if up else markdown


# --- generated sections of the docs pages ---------------------------------------------------------

def count_rows(package_dir: Path, rel: str) -> int | None:
    path = paths.inside(package_dir, rel, missing_ok=True)
    if not path.exists():
        return None
    return len(tables.read_csv_file(path, rel)[1])


def resources_table(package_dir: Path) -> str:
    lines = ["| family | resource | rows | what it holds |", "|---|---|---:|---|"]
    for family, title in metadata.FAMILIES.items():
        for res in metadata.resources().values():
            if res.family != family:
                continue
            rows = count_rows(package_dir, res.path)
            lines.append(f"| {title} | [`{res.name}`]({res.path}) | {rows if rows is not None else '-'} | {res.description} |")
    return "\n".join(lines) + "\n"


def fields_reference(package_dir: Path) -> str:
    out = []
    for res in metadata.resources().values():
        out.append(f"<details><summary><code>{res.name}</code>: {res.title}</summary>\n")
        out.append(f"Primary key: {', '.join(f'`{k}`' for k in res.primary_key)}. "
                   f"Schemas: [`{res.table_schema_path}`]({res.table_schema_path}), [`{res.json_schema_path}`]({res.json_schema_path}).\n")
        out.append("| column | type | required | description |")
        out.append("|---|---|---|---|")
        for f in res.fields:
            kind = f["type"] + (f" of {f['itemType']}" if f["type"] == "list" else "")
            required = "yes" if f.get("constraints", {}).get("required") else ""
            desc = f["description"].replace("|", "\\|")
            enum = f.get("constraints", {}).get("enum")
            if enum:
                desc += " One of: " + ", ".join(f"`{e}`" for e in enum) + "."
            out.append(f"| `{f['name']}` | {kind} | {required} | {desc} |")
        out.append("\n</details>\n")
    return "\n".join(out)


def rules_table(package_dir: Path) -> str:
    from rightsdata import rules

    return rules.markdown_table(rules.catalogue(package_dir / "validators", package_dir))


def read_table(package_dir: Path, name: str) -> list[dict[str, str]]:
    rel = metadata.resources()[name].path
    path = paths.inside(package_dir, rel, missing_ok=True)
    if not path.exists():
        return []
    return tables.read_csv_dicts(path, rel)  # (once a run: generate reads the UPR files four times)


def ilab_coverage(package_dir: Path) -> str:
    """Report years x countries of the publisher's data, counted from the package itself."""
    sources = {r["source_id"]: r for r in read_table(package_dir, "sources") if r["source_id"].startswith("ilab-countries-")}
    if not sources:
        return "The ILAB data is not imported.\n"
    counts: dict[str, dict[str, set]] = {sid: {} for sid in sources}
    for name in ("assessments", "enforcement", "legal_standards", "statistics", "goods", "suggested_actions"):
        for row in read_table(package_dir, name):
            if row["source_id"] in counts:
                counts[row["source_id"]].setdefault(name, set()).add(row["country"])
    rows_of = {name: {} for name in ("enforcement", "suggested_actions", "goods")}
    for name in rows_of:
        for row in read_table(package_dir, name):
            if row["source_id"] in counts:
                rows_of[name][row["source_id"]] = rows_of[name].get(row["source_id"], 0) + 1
    lines = ["| report year | countries | assessed | with enforcement data | with minimum ages | enforcement rows | goods "
             "| suggested actions | file in its origin repository |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for sid in sorted(sources, key=lambda s: sources[s]["report_year"]):
        c = counts[sid]
        everyone = set().union(*c.values()) if c else set()
        origin = sources[sid]["origin"].split(", ")[1] if sources[sid]["origin"].count(", ") >= 2 else "?"
        lines.append(f"| {sources[sid]['report_year']} | {len(everyone)} | {len(c.get('assessments', ()))} | "
                     f"{len(c.get('enforcement', ()))} | {len(c.get('legal_standards', ()))} | {rows_of['enforcement'].get(sid, 0)} | "
                     f"{rows_of['goods'].get(sid, 0)} | {rows_of['suggested_actions'].get(sid, 0)} | `{origin}` |")
    return "\n".join(lines) + "\n"


def upr_coverage(package_dir: Path) -> str:
    """Review years x reviews, recommendations and states rows of the UPR transcription."""
    sources = {r["source_id"]: r for r in read_table(package_dir, "sources") if r["source_id"].startswith("upr-recommendations-")}
    if not sources:
        return "The UPR transcription is not imported.\n"
    counts = {sid: {} for sid in sources}
    reviews = {}
    for name in ("upr_reviews", "upr_recommendations", "upr_recommending_states"):
        for row in read_table(package_dir, name):
            if row["source_id"] in counts:
                counts[row["source_id"]][name] = counts[row["source_id"]].get(name, 0) + 1
                if name == "upr_reviews":
                    reviews.setdefault(row["source_id"], set()).add(int(row["session"]) if row["session"] else None)
    lines = ["| review year | sessions | reviews | recommendations | recommending-state rows | responses coded "
             "| file in its origin repository |",
             "|---:|---|---:|---:|---:|---:|---|"]
    coded = {}
    for row in read_table(package_dir, "upr_recommendations"):
        if row["source_id"] in counts and row["response"]:
            coded[row["source_id"]] = coded.get(row["source_id"], 0) + 1
    for sid in sorted(sources, key=lambda s: sources[s]["report_year"]):
        c = counts[sid]
        sessions = sorted(s for s in reviews.get(sid, ()) if s is not None)
        span = f"{sessions[0]}-{sessions[-1]}" if sessions else "?"
        origin = sources[sid]["origin"].split(", ")[1] if (sources[sid]["origin"] or "").count(", ") >= 2 else "?"
        lines.append(f"| {sources[sid]['report_year']} | {span} | {c.get('upr_reviews', 0)} | {c.get('upr_recommendations', 0)} | "
                     f"{c.get('upr_recommending_states', 0)} | {coded.get(sid, 0)} | `{origin}` |")
    return "\n".join(lines) + "\n"


UPR_TABLES = ("sources", "upr_cycles", "upr_reviews", "upr_recommendations", "upr_recommending_states", "upr_recommendation_matches")


def upr_counts(package_dir: Path) -> tuple[dict[tuple[str, int | None], Counter], dict, dict] | None:
    """`count_upr`, worked out once a run while its files are unchanged (the session table and the
    cycle table are both made of it: half a second of generate's three)."""
    files = [paths.inside(package_dir, metadata.resources()[name].path, missing_ok=True) for name in UPR_TABLES]
    return tables.once_for_files(files, ("upr_counts",), lambda: count_upr(package_dir))


def count_upr(package_dir: Path) -> tuple[dict[tuple[str, int | None], Counter], dict, dict] | None:
    """For each UPR source kind ("transcription", "uprinfo") and session: reviews, recommendations,
    recommending-state rows and those paired with the other source; the year of each session and
    the cycles. None when UPR Info's export is not imported. (It reads the files of UPR_TABLES.)"""
    kinds = {"recommendations_transcription": "transcription", "recommendations_database": "uprinfo"}
    side = {r["source_id"]: kinds[r["document_type"]] for r in read_table(package_dir, "sources")
            if r["document_type"] in kinds}
    if "uprinfo" not in side.values():
        return None
    cycles = {int(r["cycle"]): (int(r["first_session"]), int(r["last_session"])) for r in read_table(package_dir, "upr_cycles")}
    years, review_of, rec_of = {}, {}, {}
    counts: dict[tuple[str, int | None], Counter] = {}
    for r in read_table(package_dir, "upr_reviews"):
        if r["source_id"] in side:
            session = int(r["session"]) if r["session"] else None
            review_of[(r["review_id"], r["source_id"])] = session
            counts.setdefault((side[r["source_id"]], session), Counter())["reviews"] += 1
            if side[r["source_id"]] == "uprinfo":
                years[session] = r["year"]
    for r in read_table(package_dir, "upr_recommendations"):
        if r["source_id"] in side:
            session = review_of[(r["review_id"], r["source_id"])]
            rec_of[(r["recommendation_id"], r["source_id"])] = session
            counts[(side[r["source_id"]], session)]["recommendations"] += 1
    for r in read_table(package_dir, "upr_recommending_states"):
        if r["source_id"] in side:
            counts[(side[r["source_id"]], rec_of[(r["recommendation_id"], r["source_id"])])]["states"] += 1
    paired = set()  # distinct state rows: a transcription row UPR Info split is in a pair with each part
    for m in read_table(package_dir, "upr_recommendation_matches"):
        paired.add(("uprinfo", m["recommendation_id"], m["position"], m["source_id"]))
        paired.add(("transcription", m["transcription_recommendation_id"], m["transcription_position"], m["transcription_source_id"]))
    for kind, rec, _, source in paired:
        counts[(kind, rec_of[(rec, source)])]["paired"] += 1
    return counts, years, cycles


def share(n: int, total: int) -> str:
    return f"{n} ({100 * n / total:.1f}%)" if total else ""


def upr_coverage_table(package_dir: Path, by: str) -> str:
    """The two UPR sources side by side, by session or by cycle (`by`)."""
    found = upr_counts(package_dir)
    if found is None:
        return "UPR Info's export is not imported.\n"
    counts, years, cycles = found
    cycle_of = {s: next((c for c, (a, b) in cycles.items() if a <= s <= b), None) for _, s in counts if s is not None}
    groups: dict = {}
    for (kind, session), c in counts.items():
        key = session if by == "session" else cycle_of.get(session)
        c = Counter(c)
        if kind == "uprinfo" and counts.get(("transcription", session), Counter())["states"]:
            c["shared"] = c["states"]  # UPR Info's rows of the sessions the transcription holds too
        groups.setdefault(key, {}).setdefault(kind, Counter()).update(c)
    first = (["| cycle | session | held in |", "|---:|---:|---:|"] if by == "session"
             else ["| cycle | sessions |", "|---:|---|"])
    lines = [first[0] + " UPR Info: reviews | recommendations | state rows | transcription: reviews | recommendations "
             "| state rows | transcription's state rows paired | UPR Info's state rows paired (of the sessions both hold) |",
             first[1] + "---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key in sorted(k for k in groups if k is not None) + ([None] if None in groups else []):
        u, t = groups[key].get("uprinfo", Counter()), groups[key].get("transcription", Counter())
        if by == "session":
            head = f"| {cycle_of.get(key) or ''} | {key or 'unknown'} | {years.get(key, '')} |"
        else:
            head = f"| {key or 'unknown'} | {'-'.join(map(str, cycles[key])) if key else ''} |"
        lines.append(f"{head} {u['reviews'] or ''} | {u['recommendations'] or ''} | {u['states'] or ''} | {t['reviews'] or ''} | "
                     f"{t['recommendations'] or ''} | {t['states'] or ''} | {share(t['paired'], t['states'])} | "
                     f"{share(u['paired'], u['shared'])} |")
    return "\n".join(lines) + "\n"


def cli_reference(package_dir: Path) -> str:
    """Every command's --help, as `rightsdata COMMAND --help` prints it at a fixed width (so that
    the page does not depend on the terminal that generated it)."""
    from rightsdata import cli

    width = 100
    # make_context, not Context: it applies the group's context_settings (-h, the width) as --help does
    root = cli.main.make_context("rightsdata", [], resilient_parsing=True, terminal_width=width)
    out = ["## `rightsdata`\n", "```text", cli.main.get_help(root).rstrip(), "```\n"]
    for name in cli.main.list_commands(root):  # with the import commands, made from the importers' registrations
        command = cli.main.get_command(root, name)
        ctx = command.make_context(name, [], parent=root, resilient_parsing=True, terminal_width=width)
        out += [f"## `rightsdata {name}`\n", "```text", command.get_help(ctx).rstrip(), "```\n"]
    return "\n".join(out)


# Each page of docs/ that has generated parts, and what fills each part.
PAGES: dict[str, dict[str, Callable[[Path], str]]] = {
    "docs/reference/resources.md": {"resources": resources_table, "fields": fields_reference},
    "docs/rules.md": {"rules": rules_table},
    "docs/cli.md": {"cli": cli_reference},
    "docs/sources/ilab.md": {"ilab_coverage": ilab_coverage},
    "docs/sources/upr.md": {"upr_coverage": upr_coverage},
    "docs/sources/uprinfo.md": {"upr_sessions": lambda d: upr_coverage_table(d, "session")},
    "README.md": {"upr_cycles": lambda d: upr_coverage_table(d, "cycle")},
}
