"""`rightsdata validate`: the schema checks, the archived sources' checksums and (when the
package has them) the consistency rules, in one pass over one DuckDB connection."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rightsdata import package as pkg
from rightsdata import provenance, rules, schema_check
from rightsdata.findings import ERROR, Finding

EXIT_VALID, EXIT_INVALID, EXIT_UNUSABLE = 0, 1, 2
NO_RULES = "no rules: validators/ not found; only schema checks ran"


@dataclass
class Result:
    descriptor: str
    findings: list[Finding] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    fatal: str | None = None  # why the package could not be read at all
    notes: list[str] = field(default_factory=list)  # what the reader should know about the run itself

    @property
    def exit_code(self) -> int:
        if self.fatal or any(f.fatal for f in self.findings):
            return EXIT_UNUSABLE
        if any(f.severity == ERROR and not f.waived for f in self.findings):
            return EXIT_INVALID
        return EXIT_VALID


def validate(descriptor_path: Path, rules_dir: Path | None = None, close: bool = True,
             use_tables: Callable[[pkg.Package, dict[str, schema_check.LoadedTable], Any], None] | None = None) -> Result:
    """Validate the package at `descriptor_path` with the rules of `rules_dir` (default: the
    package's validators/ directory). With close=False the DuckDB connection is left to the end
    of the process (a command that exits right after: freeing the tables one by one takes time).
    `use_tables(package, loaded, connection)` is called once the tables are loaded and their typed
    views made (rules.create_views), before the rules run and SQL is shut off from files: a release
    writes its tables from them."""
    result = Result(descriptor=str(descriptor_path))
    try:
        package = pkg.load(Path(descriptor_path), check_profile=False)
        ruleset = rules.load(rules_dir or package.root / "validators", package.root)
        if rules_dir is None and not (package.root / "validators").is_dir():
            result.notes.append(NO_RULES)
    except (pkg.PackageError, rules.RuleError) as e:
        result.fatal = str(e)
        return result
    # The profile check imports frictionless, which takes a while: it runs beside the data checks.
    profile_checked = start_profile_check(package)
    findings, loaded, con = schema_check.load_all(package)
    findings = package.problems + findings
    try:
        rules.create_views(con, loaded)
        if use_tables is not None:
            use_tables(package, loaded, con)
        rules.shut_off(con)
        # Everything that reads the loaded tables, in one pool, costliest first: no core waits for
        # the last foreign-key check before the rules start.
        jobs = schema_check.foreign_key_jobs(loaded)
        jobs += [(lambda cursor: provenance.check_checksums(package, loaded, cursor), 0),
                 (lambda cursor: provenance.check(package, loaded, cursor), 0)]
        jobs += rules.jobs(loaded, ruleset, resources=set(package.resources))
        for found in schema_check.run_jobs(con, jobs):
            findings += found
        profile_checked()
    except (rules.RuleError, pkg.PackageError) as e:
        result.fatal = str(e)
        return result
    finally:
        if close:
            con.close()
    findings += rules.apply_waivers(findings, ruleset)
    result.findings = findings
    result.rows = {name: t.rows for name, t in loaded.items()}
    return result


def start_profile_check(package: pkg.Package) -> Callable[[], None]:
    """Start checking the descriptor against the Data Package profile; returns what waits for the
    answer (raising the check's PackageError). In a child process, forked before any other thread
    exists: frictionless (0.3 s to import, 0.2 s to check) then holds no lock the data checks wait
    for. Where a fork is not safe or not possible (other threads running, as in a test run; no
    fork on the system), in a thread; in a thread too where frictionless is imported already (a
    process that validates again, as the tests do): the check alone then takes milliseconds, and
    forking a large process costs more (0.1 s of CPU a validation, the child's pages copied). A
    descriptor checked before in this process is not checked again: the child's answer is kept
    here (pkg.PROFILE_ANSWERS)."""
    inlined = pkg.profile_input(package)
    known = pkg.kept_profile_answer(inlined)
    if known is not None:
        return lambda: pkg.raise_profile_problems(package, known)
    if not hasattr(os, "fork") or threading.active_count() > 1 or "frictionless" in sys.modules:
        pool = ThreadPoolExecutor(max_workers=1)
        checked = pool.submit(pkg.profile_problems, inlined)
        pool.shutdown(wait=False)  # (the check still runs; the thread ends with it)
        return lambda: pkg.raise_profile_problems(package, checked.result())
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one answer down the pipe, then gone without running any cleanup
        os.close(read)
        try:
            answer = json.dumps(pkg.profile_problems(inlined)).encode("utf-8")
        except BaseException:  # anything else: the parent checks in-process and reports it there
            answer = b"again"
        with os.fdopen(write, "wb") as out:
            out.write(answer)
        os._exit(0)
    os.close(write)

    def result() -> None:
        with os.fdopen(read, "rb") as got:
            answer = got.read()
        os.waitpid(pid, 0)
        try:
            problems = tuple(json.loads(answer))
        except ValueError:  # "again", or nothing (the child was killed)
            problems = pkg.profile_problems(inlined)
        pkg.keep_profile_answer(inlined, problems)
        pkg.raise_profile_problems(package, problems)

    return result
