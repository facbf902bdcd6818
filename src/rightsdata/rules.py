"""Consistency rules: one YAML file per rule in validators/, each a query that returns the
offending rows.

A rule file holds:
  id           the rule's name (the file is validators/<id>.yaml)
  severity     error (fails validation) or warning (reported only)
  resource     the resource whose rows the query returns (for file:line and the row's key)
  field        optional: the column the finding is about
  description  why it matters, in a sentence or two
  query        SQL (DuckDB) over the package's resources, one view per resource named after it,
               with typed columns and `_rowid`; it returns `_rowid` of each offending row of
               `resource`, and optionally `value` and any column the message uses
  message      the finding's text; {column} is replaced by that column of the row
  for_each     optional: string_columns, code_columns, year_columns or column:NAME; the rule then
               checks every such cell of every table: its query reads {cells}, one row per cell
               (_resource, _rowid, _column, value), and returns _resource, _rowid and _column of
               each offending cell (and value)

The views are typed (integers, numbers, booleans, dates as such; lists as lists). File access is
switched off in DuckDB before any rule runs: a rule reads the package's tables and nothing else.
A query is one SELECT (DuckDB's parser decides), run in a transaction rolled back after it, for at
most RULE_SECONDS, returning at most MAX_ROWS rows of the package; a rule file comes from a
stranger's pull request, so nothing in it may change the tables or exhaust the machine.

Waivers (validators/waivers.yaml) keep findings on purpose: each names a rule (of validators/, or a
waivable built-in check: `rightsdata rules` lists both), the row's key and a reason. A waived
finding is still reported, marked waived, and does not fail the run; a waiver that matches no
finding is itself an error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import operator
import os
import re
import string
import threading
from dataclasses import dataclass, field
from dataclasses import field as dataclass_field
from pathlib import Path

import duckdb
import yaml

from rightsdata import paths
from rightsdata.findings import CHECKS, ERROR, WARNING, Check, Finding, declare
from rightsdata.metadata import YAML_LOADER
from rightsdata.schema_check import LoadedTable, lit, q, typed

RULE_KEYS = {"id", "severity", "resource", "field", "description", "query", "message", "for_each", "examples"}
EXAMPLE_KEYS = {"resource", "row", "set", "reported_at"}
FOR_EACH = ("string_columns", "code_columns", "year_columns")
WAIVERS = "waivers.yaml"
UNMATCHED = declare("waivers/unmatched", "every waiver matches a finding",
                    "A stale waiver would hide the next real problem with the same key.", waivable=False)


class RuleError(Exception):
    """A rule or waiver file that cannot be used (exit 2): the message names the file."""


@dataclass
class Rule:
    id: str
    severity: str
    resource: str | None
    description: str
    query: str
    message: str
    path: str  # relative to the package
    field: str | None = None
    for_each: str | None = None
    # Rows that break the rule, for the tests (validate does not run them): each sets the cells
    # `set` of the `row` of `resource`, and the rule must then report that row (or `reported_at`).
    examples: list[dict] = dataclass_field(default_factory=list)  # (`field` is a column here)


@dataclass
class Waiver:
    rule: str
    key: dict[str, str]
    reason: str
    line: int
    resource: str | None = None
    used: int = 0


@dataclass
class RuleSet:
    rules: list[Rule] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
    waivers_path: str | None = None


def load(directory: Path, root: Path) -> RuleSet:
    """The rules and waivers of `directory` (validators/); an absent directory has none. The
    package's own directory and its files must stay inside the package; a directory named on the
    command line outside it is the user's choice, and its files must stay inside that."""
    out = RuleSet()
    if not directory.exists() and not directory.is_symlink():
        return out
    sub = paths.relative(root, directory)
    base, sub = (root, sub) if not sub.startswith("..") else (directory, ".")
    try:
        real = paths.inside(base, sub, kind=paths.DIRECTORY, missing_ok=True)
        if not real.exists():
            return out
        names = sorted(name for name in os.listdir(real) if name.endswith(".yaml"))
        files = {name: paths.inside(base, f"{sub}/{name}") for name in names}
    except paths.PathError as e:
        raise RuleError(f"rules: {e}; it was not read") from None
    for name, file in files.items():
        if name != WAIVERS:
            out.rules.append(load_rule(directory / name, root, file))
    ids = [r.id for r in out.rules]
    if len(ids) != len(set(ids)):
        raise RuleError(f"{directory}: two rules share an id")
    if WAIVERS in files:
        out.waivers_path = rel(directory / WAIVERS, root)
        out.waivers = load_waivers(directory / WAIVERS, root, set(ids), files[WAIVERS])
    return out


def rel(path: Path, root: Path) -> str:
    """`path` as the package names it (the link's name, not its target's)."""
    shown = paths.relative(root, path)
    return str(path) if shown.startswith("..") else shown


def yaml_text(path: Path, root: Path, file: Path) -> str:
    """The text of a rule or waivers file, refused when it uses anchors or aliases: nested aliases
    of a few kilobytes ("billion laughs") grow to gigabytes once their values are used."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise RuleError(f"{rel(path, root)}: not valid YAML: {str(e).splitlines()[0]}") from None
    check_no_aliases(rel(path, root), text)
    return text


@functools.lru_cache(maxsize=1024)
def check_no_aliases(shown: str, text: str) -> None:
    """RuleError when the YAML `text` uses anchors or aliases (see yaml_text); each text is read
    once a process (a test run validates copies of one validators/ hundreds of times)."""
    try:
        for event in yaml.parse(text, Loader=YAML_LOADER):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise RuleError(f"{shown}:{event.start_mark.line + 1}: YAML anchors and aliases "
                                "(&name, *name) are not allowed here; write the value out")
    except yaml.YAMLError as e:
        raise RuleError(f"{shown}: not valid YAML: {str(e).splitlines()[0]}") from None


def read_yaml(path: Path, root: Path, text: str):
    try:
        return yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError as e:
        raise RuleError(f"{rel(path, root)}: not valid YAML: {str(e).splitlines()[0]}") from None


def load_rule(path: Path, root: Path, file: Path) -> Rule:
    """The rule of the file `path` names, read from `file` (its real path, checked by paths.inside)."""
    return dataclasses.replace(parse_rule(rel(path, root), path.stem, yaml_text(path, root, file)))


@functools.lru_cache(maxsize=1024)
def parse_rule(shown: str, stem: str, text: str) -> Rule:
    """The rule of the text of the file `shown` (named `stem`.yaml), checked; parsed once a process
    for each text (load_rule hands out copies)."""
    try:
        spec = yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError as e:
        raise RuleError(f"{shown}: not valid YAML: {str(e).splitlines()[0]}") from None
    if not isinstance(spec, dict):
        raise RuleError(f"{shown}: a rule file must be a mapping of {sorted(RULE_KEYS)}")
    unknown = set(spec) - RULE_KEYS
    if unknown:
        raise RuleError(f"{shown}: unknown keys {sorted(unknown)}; a rule has {sorted(RULE_KEYS)}")
    for key in ("id", "severity", "description", "query", "message"):
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            raise RuleError(f"{shown}: '{key}' is required (a non-empty string)")
    if spec["id"] != stem:
        raise RuleError(f"{shown}: id {spec['id']!r} must be the file's name ({stem!r})")
    if spec["severity"] not in (ERROR, WARNING):
        raise RuleError(f"{shown}: severity must be 'error' or 'warning', not {spec['severity']!r}")
    each = spec.get("for_each")
    if each is not None and each not in FOR_EACH and not (isinstance(each, str) and re.fullmatch(r"column:[a-z0-9_]+", each)):
        raise RuleError(f"{shown}: for_each must be one of {', '.join(FOR_EACH)}, or column:NAME")
    if not spec.get("for_each") and not isinstance(spec.get("resource"), str):
        raise RuleError(f"{shown}: 'resource' (the resource whose rows the query returns) is required")
    check_message(spec["message"], shown)
    return Rule(id=spec["id"], severity=spec["severity"], resource=spec.get("resource"),
                description=" ".join(spec["description"].split()), query=spec["query"], message=spec["message"].strip(),
                path=shown, field=spec.get("field"), for_each=spec.get("for_each"),
                examples=check_examples(spec.get("examples", []), shown))


def check_examples(examples: object, shown: str) -> list[dict]:
    """A rule's breaking examples: a list of {resource, row, set[, reported_at: {resource, row}]},
    rows and cells as mappings of a column to a plain value."""
    plain = lambda m: isinstance(m, dict) and m and all(isinstance(k, str) and (v is None or isinstance(v, (str, int, float, bool)))
                                                        for k, v in m.items())
    if not isinstance(examples, list):
        raise RuleError(f"{shown}: 'examples' must be a list of {{resource, row, set}}")
    for i, ex in enumerate(examples, 1):
        where = f"{shown}: example {i}"
        if not isinstance(ex, dict) or set(ex) - EXAMPLE_KEYS or not {"resource", "row", "set"} <= set(ex):
            raise RuleError(f"{where}: must be a mapping of resource, row, set (and reported_at, if another row is reported)")
        if not isinstance(ex["resource"], str) or not plain(ex["row"]) or not plain(ex["set"]):
            raise RuleError(f"{where}: resource is a name; row and set map columns to values")
        at = ex.get("reported_at")
        if at is not None and not (isinstance(at, dict) and set(at) == {"resource", "row"} and isinstance(at["resource"], str)
                                   and plain(at["row"])):
            raise RuleError(f"{where}: reported_at must be a mapping of resource and row")
    return examples


def check_message(message: str, shown: str) -> None:
    """A message template names columns, each as {column} or {column!r}, and nothing more: a
    format spec ({value:>3000000000}) or an attribute ({value.__class__}) could allocate
    gigabytes or reach into Python when a finding is filled in."""
    hint = "write {column} (or {column!r}) for a column's value and {{ for a brace"
    try:
        fields = [(name, conversion, spec) for _, name, spec, conversion in string.Formatter().parse(message)
                  if name is not None]
    except ValueError as e:
        raise RuleError(f"{shown}: the message is not a template of the query's columns ({e}); {hint}") from None
    for name, conversion, spec in fields:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or conversion not in (None, "r", "s") or spec:
            field = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            field = field if len(field) <= 60 else field[:57] + "..."
            raise RuleError(f"{shown}: the message is not a template of the query's columns ({field} is not "
                            f"a column's name); {hint}")


def load_waivers(path: Path, root: Path, rule_ids: set[str], file: Path) -> list[Waiver]:
    shown = rel(path, root)
    content = yaml_text(path, root, file)
    try:
        node = yaml.compose(content, Loader=YAML_LOADER)
    except yaml.YAMLError as e:
        raise RuleError(f"{shown}: not valid YAML: {str(e).splitlines()[0]}") from None
    items = read_yaml(path, root, content) or []
    if not isinstance(items, list):
        raise RuleError(f"{shown}: must be a list of waivers (rule, key, reason)")
    lines = [n.start_mark.line + 1 for n in node.value] if node is not None else []
    waivable = {c.id for c in built_in() if c.waivable}
    out = []
    for item, line in zip(items, lines):
        where = f"{shown}:{line}"
        if not isinstance(item, dict) or set(item) - {"rule", "resource", "key", "keys", "reason"} or \
                ("key" in item) == ("keys" in item):
            raise RuleError(f"{where}: a waiver has rule, key (or keys: a list of keys that share the reason), "
                            "reason, and optionally resource")
        if not isinstance(item.get("reason"), str) or not item["reason"].strip():
            raise RuleError(f"{where}: a waiver needs a reason")
        keys = [item["key"]] if "key" in item else item["keys"]
        if not isinstance(keys, list) or not keys or not all(isinstance(k, dict) and k for k in keys):
            raise RuleError(f"{where}: a waiver needs the key of the row it keeps")
        if not all(isinstance(v, (str, int, float, dt.date)) for k in keys for v in k.values()):
            raise RuleError(f"{where}: each field of a waiver's key has one value (text or a number), "
                            "not a list or a mapping")
        rule = item.get("rule")
        if not isinstance(rule, str) or not (rule in rule_ids or rule in waivable):
            raise RuleError(f"{where}: no rule {rule!r}")
        for key in keys:
            out.append(Waiver(rule=rule, key={k: text(v) for k, v in key.items()}, reason=" ".join(item["reason"].split()),
                              line=line, resource=item.get("resource")))
    return out


def text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- running --------------------------------------------------------------------------------------

def column_value(f: dict, t: LoadedTable) -> str:
    """SQL for a field's typed value in the loaded (text) table `t`: lists as lists."""
    col = q(f["name"])
    if f.get("type") == "list":
        item = {"type": f.get("itemType", "string")}
        value = f"[{typed(item, 'x', read=f['name'] in t.readable)} FOR x IN string_split({col}, {lit(f.get('delimiter', ','))})]"
        return f"CASE WHEN {col} IS NULL THEN NULL ELSE {value} END"
    return t.typed(f, col)


def create_views(con, loaded: dict[str, LoadedTable]) -> None:
    """One view per loaded resource, named after it, with typed columns and `_rowid`."""
    for name, t in loaded.items():
        columns = ", ".join(f"{column_value(f, t)} AS {q(f['name'])}" for f in t.resource.fields)
        con.execute(f"CREATE VIEW {q(name)} AS SELECT {t.row} AS _rowid, {columns} FROM {q(t.table)}")


# A table of at most this many matching cells is one branch of {cells} (below), not one per column.
UNNEST_CELLS = 20_000


def cells_relation(for_each: str, loaded: dict[str, LoadedTable]) -> str | None:
    """SQL for {cells}: every non-empty cell of the matching columns of every table, one row each
    (_resource, _rowid, _column, value); None when no column matches. Read from the loaded tables
    rather than the views: DuckDB plans a branch without the view's other columns (planning a
    union over views took longer than running it). A large table has one branch per column, into
    which DuckDB pushes the rule's WHERE, so that a cell that passes never becomes a row. A small
    one (at most UNNEST_CELLS cells, its columns of one type) has a single branch that unnests its
    columns: planning a branch costs more than reading a small table's cells (on the small package,
    the 271 branches of string_columns took 0.13 s to plan and run under upr-text-without-mojibake,
    the 36 branches 0.02 s; on the repository as long as before). The same rows either way (a
    cell that does not read as its type is a row with a NULL value in both); the rules' rows are
    put in a stable order afterwards (in_stable_order)."""
    by_table: dict[str, list[dict]] = {}
    for resource, f in matching_columns(for_each, loaded):
        by_table.setdefault(resource, []).append(f)
    branches = []
    for resource, fields in by_table.items():
        t = loaded[resource]
        values = [column_value(f, t) for f in fields]
        if len(fields) > 1 and t.rows * len(fields) <= UNNEST_CELLS and len({f.get("type", "string") for f in fields}) == 1 \
                and fields[0].get("type", "string") != "list":
            names = ", ".join(lit(f["name"]) for f in fields)
            present = ", ".join(f"{q(f['name'])} IS NOT NULL" for f in fields)  # the cell, not its typed value
            branches.append(f"SELECT {lit(resource)} AS _resource, _rowid, _column, value FROM (SELECT {t.row} AS _rowid, "
                            f"unnest([{names}]) AS _column, unnest([{', '.join(values)}]) AS value, unnest([{present}]) AS _present "
                            f"FROM {q(t.table)}) WHERE _present")
            continue
        for f, value in zip(fields, values):
            branches.append(f"SELECT {lit(resource)} AS _resource, {t.row} AS _rowid, {lit(f['name'])} AS _column, "
                            f"{value} AS value FROM {q(t.table)} WHERE {q(f['name'])} IS NOT NULL")
    return "(" + " UNION ALL ".join(branches) + ")" if branches else None


def matching_columns(for_each: str, loaded: dict[str, LoadedTable]) -> list[tuple[str, dict]]:
    """(resource, field) of every column a for_each rule covers."""
    out = []
    for name, t in loaded.items():
        keyed = {f for fk in t.resource.foreign_keys for f in fk["fields"]}
        for f in t.resource.fields:
            kind, constraints = f.get("type", "string"), f.get("constraints", {})
            if for_each.startswith("column:"):
                match = f["name"] == for_each.split(":", 1)[1]
            elif for_each == "string_columns":
                match = kind == "string"
            elif for_each == "code_columns":
                match = kind == "string" and ("enum" in constraints or f["name"] in keyed or f["name"] in t.resource.primary_key)
            else:  # year_columns
                match = kind == "integer" and (f["name"] == "year" or f["name"].endswith("_year"))
            if match:
                out.append((name, f))
    return out


# Only these are replaced in a query, so that SQL may use braces of its own (regular expressions).
MAX_ROWS = 100_000  # rows a rule may return: more is a broken query, not a finding per row
RULE_SECONDS = 60  # a rule's query runs at most this long (far beyond what any rule here needs: benchmarks/README.md)

PLACEHOLDER = re.compile(r"\{(resource|cells|current_year)\}")


class Defaults(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def prepare(con, loaded: dict[str, LoadedTable]) -> None:
    """Make the views the rules read, then shut SQL off from everything else."""
    create_views(con, loaded)
    shut_off(con)


def shut_off(con) -> None:
    """No file, no network, no changing that back: for the rules, which come from strangers."""
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def jobs(loaded: dict[str, LoadedTable], ruleset: RuleSet, resources: set[str] | None = None,
         today: dt.date | None = None) -> list[tuple]:
    """(function of a cursor, estimated cost) of each rule, to run after `prepare`, in any order
    and concurrently (schema_check.run_jobs); each returns the rule's findings, to which
    `apply_waivers` applies the waivers. The cost is the rows of the tables the rule reads.
    `resources` names every resource of the package: a rule that reads one that could not be
    loaded is skipped with a warning; any other failure of its query is an error in the rule."""
    unreadable = (resources or set()) - set(loaded)
    today = today or dt.date.today()
    out = []
    for rule in ruleset.rules:
        if rule.for_each:
            cost = sum(t.rows for t in loaded.values())
        else:  # the tables its query names (one scan of its words: a search per table took a tenth of a second)
            named = set(re.findall(r"\w+", rule.query)) | {rule.resource}
            cost = sum(t.rows for name, t in loaded.items() if name in named)
        out.append((lambda cursor, rule=rule: run_rule(cursor, loaded, rule, resources, unreadable, today), cost))
    return out


def run_one(con, loaded: dict[str, LoadedTable], rule: Rule, today: dt.date | None = None) -> list[Finding]:
    """The findings of `rule` alone, on a connection `prepare` made ready (before waivers): a rule
    tried on its breaking example without validating the whole package."""
    return run_rule(con, loaded, rule, set(loaded), set(), today or dt.date.today())


def run_rule(con, loaded: dict[str, LoadedTable], rule: Rule, resources: set[str] | None, unreadable: set[str],
             today: dt.date) -> list[Finding]:
    """One rule, one query. A plain rule reads its tables (the views); a for_each rule reads
    {cells}. Keys are fetched afterwards for the rows the query returned."""
    params = dict(current_year=str(today.year))
    cells = None
    if rule.for_each:
        cells = cells_relation(rule.for_each, loaded)
        if cells is None:
            return []
        # {cells} is a view of the rule's own, by a name no resource has: the query is then run
        # as DuckDB's parser checked it (field names inside the relation's SQL could otherwise
        # turn into statements, placed in quotes by the query around them), at no cost in parsing.
        taken = {name.lower() for name in loaded}
        name = "_cells"
        while name in taken:
            name = "_" + name
        params["cells"] = q(name)
        select = "SELECT *"
    else:
        if rule.resource not in loaded:
            if resources is not None and rule.resource not in resources:
                raise RuleError(f"{rule.path}: resource {rule.resource!r} is not a resource of the package")
            return [Finding(rule=rule.id, severity=WARNING, path=rule.path,
                            message=f"not run: resource {rule.resource!r} could not be read")]
        params["resource"] = q(rule.resource)
        select = f"SELECT {lit(rule.resource)} AS _resource, {lit(rule.field or '')} AS _column, r.*"
    sql = PLACEHOLDER.sub(lambda m: params[m.group(1)], rule.query)
    # (A line feed before the parenthesis: a query that ends in a -- comment still closes it.)
    wrapped = f"{select} FROM ({sql}\n) r LIMIT {MAX_ROWS + 1}"
    # A transaction of the rule's own, rolled back whatever happens: nothing a query could change
    # is seen by the other checks (they run beside it) or kept, the {cells} view included.
    con.execute("BEGIN TRANSACTION")
    # A query that runs on (a join of every row with every other) is stopped, not waited for.
    timer = threading.Timer(RULE_SECONDS, con.interrupt)
    timer.start()
    try:
        if cells is not None:
            con.execute(f"CREATE TEMPORARY VIEW {params['cells']} AS {cells}")
        return rule_findings(con, loaded, rule, unreadable, sql, wrapped)
    except duckdb.InterruptException:
        raise RuleError(f"{rule.path}: the query ran for more than {RULE_SECONDS} s and was stopped; "
                        "a rule should take well under a second (a join without its condition?)") from None
    finally:
        timer.cancel()
        con.execute("ROLLBACK")


def one_select(con, rule: Rule, sql: str, wrapped: str) -> None:
    """A rule runs one SELECT and nothing else: stacked statements (`...) r; DELETE FROM ...`)
    would change what the other checks read. DuckDB's own parser decides, on the query alone and
    as it is run."""
    if sql in ONE_SELECT and wrapped in ONE_SELECT:
        return
    failed = None
    for text in (sql, wrapped):
        try:
            kinds = [s.type.name for s in con.extract_statements(text)]
        except Exception as e:  # duckdb's own classes: not SQL (the query alone, or as it is run)
            failed = failed or e
            continue
        if kinds != ["SELECT"]:
            found = ", ".join(kinds) if kinds else "none"
            raise RuleError(f"{rule.path}: the query must be one SELECT statement and nothing else "
                            f"(found {len(kinds)}: {found}); it was not run")
    if failed:
        raise RuleError(f"{rule.path}: the query failed: {str(failed).splitlines()[0]}")
    if len(ONE_SELECT) >= 4096:
        ONE_SELECT.clear()
    ONE_SELECT.update((sql, wrapped))


# Query texts DuckDB's parser found to be one SELECT: a process that validates again (a test run,
# hundreds of times) does not parse the same 45 queries twice each again (a tenth of the rules' time).
ONE_SELECT: set[str] = set()


def rule_findings(con, loaded: dict[str, LoadedTable], rule: Rule, unreadable: set[str], sql: str,
                  wrapped: str) -> list[Finding]:
    one_select(con, rule, sql, wrapped)
    try:
        cursor = con.execute(wrapped)
    except duckdb.InterruptException:
        raise
    except Exception as e:  # duckdb raises its own classes; any of them means the rule is broken
        missing = [n for n in re.findall(r"Table with name (\w+) does not exist", str(e)) if n in unreadable]
        if missing:
            return [Finding(rule=rule.id, severity=WARNING, path=rule.path,
                            message=f"not run: resource {missing[0]!r} could not be read")]
        raise RuleError(f"{rule.path}: the query failed: {str(e).splitlines()[0]}") from None
    names = [d[0] for d in cursor.description]
    needed = ("_resource", "_rowid", "_column")
    if not set(needed) <= set(names):
        missing = ", ".join(n for n in needed if n not in names)
        raise RuleError(f"{rule.path}: the query returns no {missing} column{'s' * (', ' in missing)}; it returns the _rowid "
                        f"{'(and _resource and _column) ' if rule.for_each else ''}of each offending row")
    at_resource, at_rowid, at_column = (names.index(n) for n in needed)
    at_value = names.index("value") if "value" in names else None
    # Only the columns the message names are shown (a rule may return thousands of rows).
    used = placeholders(rule.message) - {"resource", "column", "_resource", "_column"}
    shown = [(n, i) for i, n in enumerate(names) if n in used]
    rows = cursor.fetchall()
    if len(rows) > MAX_ROWS:
        raise RuleError(f"{rule.path}: the query returns more than {MAX_ROWS} rows; a rule returns the offending "
                        "rows, and this many means the query is wrong (a join without its condition?)")
    for row in rows:  # each a row of a loaded table, as the views and {cells} give them
        t = loaded.get(row[at_resource]) if isinstance(row[at_resource], str) else None
        rowid = row[at_rowid]
        if t is None or not isinstance(rowid, int) or isinstance(rowid, bool) or not 0 <= rowid < t.rows:
            raise RuleError(f"{rule.path}: the query returned _resource {show(row[at_resource])!r}, _rowid "
                            f"{show(rowid)[:30]!r}, which is no row of the package; return _rowid (and _resource) "
                            "as the views and {cells} give them")
    rows = in_stable_order(rows, at_resource, at_rowid)
    keys = row_keys(con, loaded, {(row[at_resource], row[at_rowid]) for row in rows})
    findings = []
    for row in rows:
        resource, rowid, column = row[at_resource], row[at_rowid], row[at_column] or None
        t = loaded[resource]
        fill = Defaults({n: show(row[i]) for n, i in shown}, resource=resource, column=column or "")
        findings.append(Finding(rule=rule.id, severity=rule.severity, resource=resource, path=t.resource.path,
                                line=t.line(rowid), field=column or rule.field,
                                value=None if at_value is None else show(row[at_value]), key=keys[(resource, rowid)],
                                message=rule.message.format_map(fill)))
    return findings


def placeholders(message: str) -> set[str]:
    """The names a message template fills in: {value!r} and {value} both name value, and
    {value:{width}} names width too."""
    out = set()
    for _, name, spec, _ in string.Formatter().parse(message):
        if name:
            out.add(re.split(r"[.\[]", name, maxsplit=1)[0])
        if spec:
            out |= placeholders(spec)
    return out


def in_stable_order(rows: list[tuple], at_resource: int, at_rowid: int) -> list[tuple]:
    """By file and row; a row the query returns more than once (against two other sources, say)
    by its other columns too, so that it is reported in the same order on every run."""
    by_row = operator.itemgetter(at_resource, at_rowid)
    out = []
    for _, same in itertools.groupby(sorted(rows, key=by_row), key=by_row):
        same = list(same)
        out += same if len(same) == 1 else sorted(same, key=lambda row: [repr(v) for v in row])
    return out


def row_keys(con, loaded: dict[str, LoadedTable], rows: set[tuple[str, int]]) -> dict[tuple[str, int], dict[str, str]]:
    """The primary key of each (resource, rowid) a rule returned, read once per resource."""
    wanted: dict[str, list[int]] = {}
    for resource, rowid in rows:
        wanted.setdefault(resource, []).append(int(rowid))
    out = {}
    for resource, ids in wanted.items():
        t = loaded[resource]
        pk = t.resource.primary_key
        columns = ", ".join(q(k) for k in pk) if pk else "NULL"
        # The row ids as one list parameter (a semi-join), not thousands of literals to plan. The
        # loaded table holds text, so a key is shown as written.
        for rowid, *values in con.execute(f"SELECT {t.row}, {columns} FROM {q(t.table)} "
                                          f"WHERE {t.row} IN (SELECT unnest(?::BIGINT[]))", [ids]).fetchall():
            out[(resource, rowid)] = dict(zip(pk, map(str, values))) if pk else {}
    return out


def show(value) -> str:
    if value is None:
        return "empty"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def apply_waivers(findings: list[Finding], ruleset: RuleSet) -> list[Finding]:
    """Mark waived findings; return an error for every waiver that matches none."""
    by_key: dict[tuple, list[Waiver]] = {}  # (rule, key as text): the waivers, in file order
    for w in ruleset.waivers:
        by_key.setdefault((w.rule, frozenset(w.key.items())), []).append(w)
    waived_rules = {w.rule for w in ruleset.waivers}
    for f in findings:
        if f.key is None or f.rule not in waived_rules:  # most findings: no need to build the key
            continue
        for w in by_key.get((f.rule, frozenset((k, text(v)) for k, v in f.key.items())), ()):
            if w.resource is None or w.resource == f.resource:
                f.waived, f.waiver_reason = True, w.reason
                w.used += 1
                break
    unmatched = [UNMATCHED.finding(f"waiver of {w.rule} for {w.key} matches no finding; remove it (or fix its key)",
                                   path=ruleset.waivers_path, line=w.line)
                 for w in ruleset.waivers if not w.used]
    return unmatched


# --- documentation --------------------------------------------------------------------------------

# The order `rightsdata rules` lists the built-in checks in: as validate reads a package.
GROUPS = ("package", "file", "schema", "sources", "waivers")


def built_in() -> list[Check]:
    """Every built-in check, each declared by the module that emits it, by GROUPS (a group new to
    GROUPS last), in their modules' order within a group."""
    from rightsdata import provenance  # noqa: F401 (declares the sources/ checks; the others are imported above)

    group = lambda c: GROUPS.index(c.id.split("/")[0]) if c.id.split("/")[0] in GROUPS else len(GROUPS)
    return sorted(CHECKS.values(), key=group)


def catalogue(directory: Path, root: Path) -> list[dict]:
    """Every check of `rightsdata validate`: the built-in ones, then the rules of `directory`."""
    out = [dict(id=c.id, severity=c.severity, applies_to=c.applies_to, description=c.why, built_in=True)
           for c in built_in()]
    for rule in load(directory, root).rules:
        if rule.for_each and rule.for_each.startswith("column:"):
            applies = f"every table with a {rule.for_each.split(':', 1)[1]} column"
        elif rule.for_each:
            applies = f"every {rule.for_each.replace('_', ' ')[:-1]}"
        else:
            applies = rule.resource
        out.append(dict(id=rule.id, severity=rule.severity, applies_to=applies, description=rule.description,
                        built_in=False, file=rule.path))
    return out


def markdown_table(catalogue: list[dict]) -> str:
    lines = ["| rule | severity | applies to | why it matters |", "|---|---|---|---|"]
    for r in catalogue:
        name = f"[`{r['id']}`]({r['file']})" if r.get("file") else f"`{r['id']}`"
        lines.append(f"| {name} | {r['severity']} | {r['applies_to']} | {r['description'].replace('|', '/')} |")
    return "\n".join(lines) + "\n"
