import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is not next to the checkout ({SHARED} does not exist): tests on the shared sources skipped")
    return SHARED


@pytest.fixture(scope="session")
def tables(repo) -> dict[str, list[dict[str, str]]]:
    """Every resource of the package as rows of text cells."""
    from rightsdata import metadata

    return {name: read_csv(repo / res.path) for name, res in metadata.resources().items()}


IMPORTED = ("ilab-",)  # sources whose rows come from importers reading ../shared


def copy_package(repo: Path, target: Path, with_rules: bool, with_imported: bool = True) -> Path:
    """Copy the package to `target`. Without the imported rows, it holds only the two curated
    documents (and the reference tables): small and fast to validate, for tests that break rows
    on purpose; its waivers keep only those about the rows it has."""
    import yaml

    target.mkdir()
    shutil.copy(repo / "datapackage.json", target / "datapackage.json")
    for name in ("data", "schemas", "sources") + (("validators",) if with_rules else ()):
        shutil.copytree(repo / name, target / name)
    if not with_imported:
        from rightsdata.cells import csv_text

        for path in (target / "data").glob("*.csv"):
            with open(path, encoding="utf-8", newline="") as f:
                reader = csv.reader(f)
                header = next(reader)
                rows = list(reader)
            if "source_id" in header:
                i = header.index("source_id")
                rows = [r for r in rows if not r[i].startswith(IMPORTED)]
            path.write_text(csv_text(header, rows), encoding="utf-8", newline="")
        waivers = target / "validators" / "waivers.yaml"
        if waivers.exists():
            kept = [w for w in yaml.safe_load(waivers.read_text()) if not str(w["key"].get("source_id", "")).startswith(IMPORTED)]
            waivers.write_text(yaml.safe_dump(kept, sort_keys=False, allow_unicode=True))
    return target


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


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rightsdata", *args], cwd=cwd, capture_output=True, text=True, timeout=120)
