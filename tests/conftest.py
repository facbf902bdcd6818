import csv
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import settings

# No deadline per example: this suite runs on shared 2-core machines whose speed varies 1.6x, where
# a first example that imports a module took 282 ms against the default 200 ms and failed the run.
# Slowness is measured by benchmarks/ and by the hostile tests' linear-time checks, not by a deadline.
settings.register_profile("rightsdata", deadline=None)
settings.load_profile("rightsdata")


def pytest_collection_modifyitems(items):
    """Tests marked slow (3 to 20 s each, the longest of the suite) run first: xdist hands tests
    out in this order, and one handed out last kept its worker busy for seconds after the other
    had finished (2 to 5 s of a run, the tail of test_release.py)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # (a stable sort)


def pytest_collection_finish(session):
    """What collection made (modules, test items, hypothesis's strategies) lives for the whole run:
    moved out of the collector's reach, full collections no longer walk it after every test. And
    the collector runs less often: the tests make millions of short-lived containers (rows, cells,
    findings), few cycles. Its time in a run, both workers (gc callbacks): 10.9 s by default, 9.1 s
    frozen, 5.8 s frozen with these thresholds (700, 10, 10 by default)."""
    import gc

    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def tree_digest(root: Path, pattern: str = "*") -> dict[str, str]:
    """The SHA-256 of every file under `root` (matching `pattern`): compare two to see that nothing changed."""
    from rightsdata.package import sha256

    return {str(p.relative_to(root)): sha256(p) for p in sorted(root.rglob(pattern)) if p.is_file()}


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file as text cells by column name (csv.DictReader's rows, made faster)."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        return [dict(zip(header, record)) if len(record) == len(header) else _dict_row(header, record)
                for record in reader if record]  # (DictReader skips blank lines)


def _dict_row(header: list[str], record: list[str]) -> dict:
    # What csv.DictReader makes of a short or long record: None for a missing cell, the extra
    # cells in a list under the key None.
    row = dict(zip(header, record + [None] * (len(header) - len(record))))
    if len(record) > len(header):
        row[None] = record[len(header):]
    return row


def assert_imports_twice_alike(command: str, path: Path, package: Path) -> None:
    """`rightsdata COMMAND PATH` into `package` succeeds, and a second run changes no byte of data/."""
    assert run_cli(command, str(path), "--package-dir", str(package)).returncode == 0
    first = tree_digest(package / "data")
    assert run_cli(command, str(path), "--package-dir", str(package)).returncode == 0
    assert tree_digest(package / "data") == first


def once_per_run(tmp_path_factory, name: str, build) -> Path:
    """A directory that `build(directory)` fills once for the whole run, every xdist worker
    included (a session fixture alone runs once per worker): the first to come builds it under a
    lock, the others wait and reuse it. Tests only read it. A failed build is retried by the next."""
    import fcntl
    import os

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's directory, above each worker's own
    target, done = root / f"once-{name}", root / f"once-{name}.done"
    with open(root / f"once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            build(target)
            done.touch()
    return target


RUN_DIRECTORY: list = []  # the run's tmp_path_factory, for once_per_run outside fixtures (once_per_repo)


@pytest.fixture(scope="session", autouse=True)
def _run_directory(tmp_path_factory):
    RUN_DIRECTORY[:] = [tmp_path_factory]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is not next to the checkout ({SHARED} does not exist): tests on the shared sources skipped")
    return SHARED


@pytest.fixture(scope="session")
def repo_validated(repo, tmp_path_factory):
    """`validate` of the repository's package as it is, run once for every test that reads its
    result (tests must not change it), and once for the whole run: the other workers read the
    result pickled by the first (2.5 s a validate, 6 ms a read)."""
    import pickle

    from rightsdata.validate import validate

    def build(root: Path) -> None:
        (root / "result.pickle").write_bytes(pickle.dumps(validate(repo / "datapackage.json")))
    return pickle.loads((once_per_run(tmp_path_factory, "repo-validated", build) / "result.pickle").read_bytes())


class Tables(Mapping):
    """Every resource of the package (name -> rows of text cells), each file read when first asked
    for: most tests read a few resources, and a worker reading all of them took 1.7 s."""

    def __init__(self, repo: Path):
        from rightsdata import metadata

        self._paths = {name: repo / res.path for name, res in metadata.resources().items()}
        self._rows: dict[str, list[dict[str, str]]] = {}

    def __getitem__(self, name: str) -> list[dict[str, str]]:
        if name not in self._rows:
            self._rows[name] = read_csv(self._paths[name])
        return self._rows[name]

    def __iter__(self):
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


@pytest.fixture(scope="session")
def tables(repo) -> Mapping[str, list[dict[str, str]]]:
    """Every resource of the package as rows of text cells."""
    return Tables(repo)


# Sources whose rows come from importers reading ../shared (UPR Info's action categories are a
# curated code list, `upr-info-action-categories`, not among them).
IMPORTED = ("ilab-", "upr-recommendations-", "upr-sessions", "upr-info-sessions-")
# The review the Tajikistan report answers, in the transcription and in UPR Info's database: its
# rows stay in small copies.
KEPT_REVIEW = ("TJK-2011", "TJK-s12")


def imported_row(row: dict[str, str]) -> bool:
    """True for a row an importer wrote, except the rows of the review the curated report cites
    (so that its references still resolve) and the sources rows (which everything points at)."""
    source = row.get("source_id", "")
    if source and not source.startswith(IMPORTED):
        return False
    ids = [row[k] for k in ("review_id", "recommendation_id") if row.get(k)]
    if ids:  # (a waiver's key may name a recommendation without its source)
        return not all(i.startswith(KEPT_REVIEW) for i in ids)
    return bool(source) and not (source.startswith("upr-") and "title" in row)  # the UPR sources rows stay


def copy_package(repo: Path, target: Path, with_rules: bool, with_imported: bool = True) -> Path:
    """Copy the package to `target`. Without the imported rows, it holds only the two curated
    documents, the review they cite, and the reference tables: small and fast to validate, for
    tests that break rows on purpose; its waivers keep only those about the rows it has."""
    source = repo if with_imported else small_package(repo)
    target.mkdir()
    shutil.copy(source / "datapackage.json", target / "datapackage.json")
    for name in ("data", "schemas", "sources") + (("validators",) if with_rules else ()):
        shutil.copytree(source / name, target / name)
    return target


SMALL: dict[Path, Path] = {}  # repository -> its small package, made once per test process


def small_package(repo: Path) -> Path:
    """The package without the imported rows (see copy_package), filtered once for the whole run
    (150k rows read: 1.3 s a worker) and then copied file by file; never handed to a test, which
    gets a copy."""
    if repo not in SMALL:
        SMALL[repo] = once_per_repo(repo, "small", lambda root: _filter_package(repo, root / "package")) / "package"
    return SMALL[repo]


def once_per_repo(repo: Path, kind: str, build) -> Path:
    """once_per_run of a directory made from repository `repo`, from outside a fixture (the run's
    tmp_path_factory is RUN_DIRECTORY's), one per kind and repository."""
    (tmp_path_factory,) = RUN_DIRECTORY
    return once_per_run(tmp_path_factory, f"{kind}-{hashlib.sha256(str(repo).encode()).hexdigest()[:12]}", build)


def _filter_package(repo: Path, target: Path) -> None:
    import yaml

    from rightsdata.cells import csv_text

    target.mkdir()
    shutil.copy(repo / "datapackage.json", target / "datapackage.json")
    for name in ("data", "schemas", "sources", "validators"):
        shutil.copytree(repo / name, target / name)
    for path in (target / "data").glob("*.csv"):
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            rows = [r for r in reader if not imported_row(dict(zip(header, r)))]
        path.write_text(csv_text(header, rows), encoding="utf-8", newline="")
    waivers = target / "validators" / "waivers.yaml"
    if waivers.exists():
        kept = []
        for w in yaml.safe_load(waivers.read_text()):
            keys = [k for k in ([w["key"]] if "key" in w else w["keys"]) if not imported_row({k2: str(v) for k2, v in k.items()})]
            if keys:
                w = {k: v for k, v in w.items() if k not in ("key", "keys")} | ({"keys": keys} if "keys" in w else {"key": keys[0]})
                kept.append(w)
        waivers.write_text(yaml.safe_dump(kept, sort_keys=False, allow_unicode=True))


def reached_by(name: str) -> list[str]:
    """Resource `name` and every resource its foreign keys reach, directly or not: the least a
    descriptor cut down to `name` must keep (package.load checks that references resolve)."""
    from rightsdata import metadata

    reached, todo = [], [name]
    while todo:
        n = todo.pop()
        if n not in reached:
            reached.append(n)
            todo += [fk["reference"]["resource"] or n for fk in metadata.resources()[n].foreign_keys]
    return reached


def with_descriptor(root: Path, repo: Path = REPO) -> Path:
    """Copy datapackage.json and schemas/ of the repository into `root`: every command but
    `generate` reads what a resource is from the package's own descriptor, not the installed YAML."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(repo / "datapackage.json", root / "datapackage.json")
    shutil.copytree(repo / "schemas", root / "schemas", dirs_exist_ok=True)
    return root


@pytest.fixture
def package_copy(tmp_path, repo) -> Path:
    """A copy of the package (rules and waivers included) without the imported rows, to break on purpose."""
    return copy_package(repo, tmp_path / "package", with_rules=True, with_imported=False)


@pytest.fixture
def full_copy(tmp_path, repo) -> Path:
    """A copy of the whole package, imported rows included."""
    return copy_package(repo, tmp_path / "package", with_rules=True, with_imported=True)


@pytest.fixture
def data_copy(tmp_path, repo) -> Path:
    """A copy of the package without validators/ and without the imported rows: schema checks only."""
    return copy_package(repo, tmp_path / "package", with_rules=False, with_imported=False)


def run_process(*args: str, cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    """`python -m rightsdata ARGS` in a process of its own: for what only a real process shows (the
    entry point's exit, a broken pipe, bounded memory, environment variables)."""
    return subprocess.run([sys.executable, "-m", "rightsdata", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, **kwargs)


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`rightsdata ARGS` run in this process by click's CliRunner (the commands end with sys.exit,
    the entry point alone ends the process): the same exit code, stdout and stderr, without
    starting Python. An exception that escapes the command is shown as the real process would
    show it, a traceback on stderr, so that tests asserting "no traceback" still see it."""
    import contextlib
    import traceback

    from click.testing import CliRunner

    from rightsdata.cli import main

    with contextlib.chdir(cwd or Path.cwd()):
        result = CliRunner().invoke(main, list(args), prog_name="rightsdata")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(*result.exc_info))
    return subprocess.CompletedProcess(["rightsdata", *args], result.exit_code, result.stdout, stderr)
