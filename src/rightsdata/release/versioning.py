"""The version policy: what each kind of change asks of the version number, and whether a new
version (and its changelog) says so (`rightsdata check-version`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rightsdata import package as pkg
from rightsdata.release import ReleaseError

if TYPE_CHECKING:
    from rightsdata.release.diff import PackageDiff

BUMPS = ["none", "patch", "minor", "major"]
# What each kind of change asks of the version (semantic versioning of data: a user's query that
# worked keeps working after a minor or patch release).
BUMP_FOR = {
    "resource_removed": "major", "field_removed": "major", "field_type_changed": "major",
    "primary_key_changed": "major", "foreign_keys_changed": "major",
    "resource_added": "minor", "field_added": "minor", "rows_added": "minor", "rows_removed": "minor",
    "rows_changed": "patch", "field_changed": "patch", "resource_changed": "patch",
}


def parse_version(text: str | None, where: str) -> tuple[int, int, int]:
    version = pkg.parse_version(text)
    if version is None:
        raise ReleaseError(f"{where}: version {text!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    return version


def least_version(before: tuple[int, int, int], bump: str) -> tuple[int, int, int]:
    """The lowest version after `before` that a `bump` allows. Before 1.0.0 (initial development,
    as semantic versioning has it) a breaking change asks for a minor bump: 0.2.0 -> 0.3.0."""
    major, minor, patch = before
    if major == 0 and bump == "major":
        bump = "minor"
    return {"none": before, "patch": (major, minor, patch + 1), "minor": (major, minor + 1, 0),
            "major": (major + 1, 0, 0)}[bump]


def check_version(d: PackageDiff, changelog: str | None) -> list[str]:
    """Why the new version does not fit the changes (empty when it does)."""
    before = parse_version(d.version_before, "the base's datapackage.json")
    after = parse_version(d.version_after, "datapackage.json")
    problems = []
    if after < before:
        problems.append(f"the version went down, from {d.version_before} to {d.version_after}")
    need = least_version(before, d.bump)
    if after < need:
        problems.append(f"the changes ask for a {d.bump} release: version {'.'.join(map(str, need))} or later "
                        f"(datapackage.json says {d.version_after}); set `version` in src/rightsdata/metadata/resources.yaml "
                        "and run rightsdata generate")
    if after != before and changelog is not None and not re.search(rf"^## \[{re.escape(d.version_after)}\]", changelog, re.M):
        problems.append(f"CHANGELOG.md has no section '## [{d.version_after}]': record the release's data changes "
                        f"(rightsdata diff BASE . --format markdown writes them)")
    return problems
