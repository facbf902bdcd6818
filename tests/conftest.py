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


def copy_package(repo: Path, target: Path, with_rules: bool) -> Path:
    target.mkdir()
    shutil.copy(repo / "datapackage.json", target / "datapackage.json")
    for name in ("data", "schemas", "sources") + (("validators",) if with_rules else ()):
        shutil.copytree(repo / name, target / name)
    return target


@pytest.fixture
def package_copy(tmp_path, repo) -> Path:
    """A copy of the package, rules and waivers included, in a temporary directory, to break on purpose."""
    return copy_package(repo, tmp_path / "package", with_rules=True)


@pytest.fixture
def data_copy(tmp_path, repo) -> Path:
    """A copy of the package without validators/: schema checks only."""
    return copy_package(repo, tmp_path / "package", with_rules=False)


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rightsdata", *args], cwd=cwd, capture_output=True, text=True, timeout=120)
