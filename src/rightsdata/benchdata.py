"""A synthetic package for benchmarks: the real package's resources and schemas, scaled up.

Values are not invented: the package is scaled by copying whole sources (every row a source
contributes, in every resource) under new source ids, `bench3-ilab-countries-2016` and so on.
Every value therefore looks like a real one because it is one; keys stay unique (the source id is
part of each key); foreign keys join (to the same countries, code lists and recommendations); and
every consistency rule that holds in the real package holds in each copy. Sources whose rows cite
each other's rows (a mid-term report and the recommendations it answers; UPR Info's rows and the
transcription rows they are matched with) are copied together, and each copy cites the other's copy
of the same round, so that a foreign key to another source joins and no row is matched twice.
Waivers travel with the rows they keep. Copies do not cite an archived file, so only the real rows are checked against
the archived text. The seed chooses which sources fill the last, partial copy.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import yaml

from rightsdata import metadata, paths, tables
from rightsdata import package as pkg
from rightsdata.cells import csv_line


def copyable(res: pkg.Resource) -> bool:
    """A resource can take copies of a source's rows when the source id is part of its key
    (reference tables and global identifiers, such as recommendations, cannot)."""
    return res.name != "sources" and "source_id" in res.primary_key


def read(package_dir: Path, res: pkg.Resource) -> tuple[list[str], list[list[str]]]:
    header, records = tables.read_csv_file(paths.inside(package_dir, res.path), res.path, res.column_names)
    return header, [record for _, record in records]


def build(package_dir: Path, out: Path, rows: int, seed: int = 0) -> dict[str, int]:
    """Write a package of at least `rows` rows to `out`; return the rows per resource."""
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out} is not empty; give a new directory")
    # Every file read is checked first (raises PathError, a ValueError): nothing outside the
    # package is copied, and nothing is written when something is refused.
    copied = {rel: paths.inside(package_dir, rel) for rel in
              ["datapackage.json"] + paths.files_under(package_dir, "schemas") + paths.files_under(package_dir, "sources")}
    rules = [rel for rel in paths.files_under(package_dir, "validators") if rel.count("/") == 1 and rel.endswith(".yaml")]
    copied.update({rel: paths.inside(package_dir, rel) for rel in rules if rel != "validators/waivers.yaml"})
    waivers = paths.inside(package_dir, "validators/waivers.yaml", missing_ok=True)
    described = tables.resources(package_dir)
    contents = {name: read(package_dir, res) for name, res in described.items()}
    out.mkdir(parents=True, exist_ok=True)
    (out / "validators").mkdir()
    (out / "data").mkdir()
    for rel, file in copied.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, out / rel)

    per_source: dict[str, int] = {}
    links: list[tuple[str, str]] = []  # (source, another source its rows cite)
    for name in (name for name, res in described.items() if copyable(res)):
        header, body = contents[name]
        i = header.index("source_id")
        cited = [header.index(c) for c in source_references(described[name])]
        for row in body:
            per_source[row[i]] = per_source.get(row[i], 0) + 1
            links.extend((row[i], row[j]) for j in cited if row[j] and row[j] != row[i])
    groups = linked_groups(per_source, links)
    base = sum(len(body) for _, body in contents.values())
    plan: list[tuple[int, str]] = []  # (copy number, source id)
    total, copy = base, 0
    rng = random.Random(seed)
    while total < rows:
        copy += 1
        order = list(groups)
        rng.shuffle(order)
        for group in order:
            if total >= rows:
                break
            plan.extend((copy, sid) for sid in group)
            total += sum(per_source[sid] + 1 for sid in group)  # + the sources row of each copy

    counts = {}
    for name, (header, body) in contents.items():
        path = out / described[name].path
        path.parent.mkdir(parents=True, exist_ok=True)  # (a path checked by paths.inside when it was read)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(csv_line(header))
            for row in body:
                f.write(csv_line(row))
            written = len(body)
            if name == "sources":
                by_id = {r[header.index("source_id")]: r for r in body}
                for n, sid in plan:
                    f.write(csv_line(source_copy(header, by_id[sid], n)))
                    written += 1
            elif copyable(described[name]):
                written += write_copies(f, header, body, plan, source_references(described[name]))
        counts[name] = written

    if waivers.exists():
        items = yaml.load(waivers.read_text(encoding="utf-8"), Loader=metadata.YAML_LOADER) or []
        copied = [dict(w, key=dict(w["key"], source_id=copy_id(n, w["key"]["source_id"])))
                  for w in items for n, sid in plan if w["key"].get("source_id") == sid]
        (out / "validators" / "waivers.yaml").write_text(yaml.safe_dump(items + copied, sort_keys=False, allow_unicode=True),
                                                         encoding="utf-8")
    (out / "bench.json").write_text(json.dumps({"rows": sum(counts.values()), "seed": seed, "copies": copy,
                                                "copied_sources": len(plan), "rows_per_resource": counts}, indent=2) + "\n")
    return counts


def copy_id(n: int, source_id: str) -> str:
    return f"bench{n}-{source_id}"


def source_copy(header: list[str], row: list[str], n: int) -> list[str]:
    out = dict(zip(header, row))
    out.update(source_id=copy_id(n, out["source_id"]), archived_path="",
               note=f"A copy, for benchmarks, of the rows of {out['source_id']}.")
    return [out[h] for h in header]


def source_references(res: pkg.Resource) -> list[str]:
    """The columns besides source_id that name a source (a foreign key to sources.source_id, alone
    or within a key of another resource), such as the transcription source a match points to."""
    columns = []
    for fk in res.foreign_keys:
        for column, target in zip(fk["fields"], fk["reference"]["fields"]):
            if target == "source_id" and column != "source_id" and column not in columns:
                columns.append(column)
    return columns


def linked_groups(per_source: dict[str, int], links: list[tuple[str, str]]) -> list[list[str]]:
    """The sources, in groups of those whose rows cite each other (directly or through another),
    each group sorted, the groups in the order of their first source."""
    parent = {sid: sid for sid in per_source}

    def root(sid: str) -> str:
        while parent[sid] != sid:
            parent[sid] = parent[parent[sid]]
            sid = parent[sid]
        return sid

    for a, b in links:
        if a in parent and b in parent:
            parent[root(a)] = root(b)
    groups: dict[str, list[str]] = {}
    for sid in sorted(per_source):
        groups.setdefault(root(sid), []).append(sid)
    return sorted(groups.values())


def write_copies(f, header: list[str], body: list[list[str]], plan: list[tuple[int, str]], references: list[str] = ()) -> int:
    i = header.index("source_id")
    # identifiers that embed the source id: figure ids and the figure a part belongs to
    prefixed = [header.index(c) for c in ("figure_id", "part_of") if c in header]
    # other sources cited: the copy of the same round when there is one (a linked group is copied whole)
    cited = [header.index(c) for c in references]
    planned = set(plan)
    by_source: dict[str, list[list[str]]] = {}
    for row in body:
        by_source.setdefault(row[i], []).append(row)
    written = 0
    for n, sid in plan:
        for row in by_source.get(sid, []):
            new = list(row)
            new[i] = copy_id(n, sid)
            for j in prefixed:
                if new[j]:
                    new[j] = copy_id(n, new[j])
            for j in cited:
                if (n, new[j]) in planned:
                    new[j] = copy_id(n, new[j])
            f.write(csv_line(new))
            written += 1
    return written
