"""The one way into the package's files: `inside` resolves a path of the package and refuses what
leaves it.

Every command reads and writes package files through it (the descriptor, CSV files, schemas,
archived sources, rules and waivers, the README's generated parts, a release's zip). A path may
not be a URL, absolute, or go up with '..'; a symbolic link anywhere along it may be read through
only when it stays inside the package, and is never written through (a write replaces what the
package holds, never a file elsewhere); what is read must be a regular file (not a FIFO, a device
or a directory). Hidden files and directories (.git, .env) lie inside a checkout but are never
part of the package: no path may name one or lead to one.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath

FILE, DIRECTORY = "file", "directory"


class PathError(ValueError):
    """A path the package may not use. `reason` completes a sentence that starts with the path
    ("... is an absolute path"); str() is the whole sentence."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path} {reason}")
        self.path, self.reason = path, reason


def unsafe_reason(rel: object) -> str | None:
    """Why `rel` may not be read as a path inside the package (by its text alone), or None."""
    if not isinstance(rel, str) or not rel.strip():
        return "is not a non-empty string"
    if "\x00" in rel:
        return "contains a NUL character"
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", rel) or rel.startswith("//"):
        return "is a URL; rightsdata reads only files inside the package"
    if rel.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", rel):
        return "is an absolute path; paths must be relative to datapackage.json"
    if "\\" in rel:
        return "contains a backslash; use forward slashes"
    if ".." in PurePosixPath(rel).parts:
        return "goes up with '..'; paths must stay inside the package"
    return None


def inside(root: Path, rel: str, kind: str | None = FILE, write: bool = False, missing_ok: bool = False) -> Path:
    """The file (or with kind=DIRECTORY, the directory; kind=None, either) that `rel` names inside
    the package directory `root`. Raises PathError when it is unsafe, leaves the package, is
    missing (unless missing_ok: then the path it would have), or is of another kind. For a read
    it returns the real path, links resolved; with `write`, a path with no link along it."""
    reason = unsafe_reason(rel)
    if reason:
        raise PathError(repr(rel), reason)
    base = Path(os.path.realpath(root))
    current = base
    parts = PurePosixPath(rel).parts
    if hidden(parts):
        raise PathError(repr(rel), f"names {hidden(parts)!r}, a hidden file or directory: not part of the package")
    try:
        mode = os.stat(base).st_mode  # (rel '.' is the root itself)
    except OSError as e:
        raise PathError(repr(rel), f"cannot be opened: the package directory {str(root)!r} cannot be read ({e.strerror})") from None
    for i, part in enumerate(parts):
        current = current / part
        so_far = "/".join(parts[:i + 1])
        try:
            mode = os.lstat(current).st_mode
            if stat.S_ISLNK(mode):
                link = f"goes through the symbolic link {so_far!r}" if i < len(parts) - 1 else "is a symbolic link"
                if write:
                    raise PathError(repr(rel), f"{link}; rightsdata never writes through a link "
                                               "(replace the link by the file itself)")
                current = Path(os.path.realpath(current))
                if not current.is_relative_to(base):
                    raise PathError(repr(rel), f"{link} to a place outside the package")
                if hidden(current.relative_to(base).parts):
                    raise PathError(repr(rel), f"{link} to {current.relative_to(base).as_posix()!r}, a hidden file "
                                               "or directory (such as .git): not part of the package")
                mode = os.stat(current).st_mode
        except FileNotFoundError:
            if missing_ok:
                return base.joinpath(*parts) if write else current.joinpath(*parts[i + 1:])
            raise PathError(repr(rel), "does not exist in the package") from None
        except OSError as e:  # a link loop, a directory that cannot be listed
            raise PathError(repr(rel), f"cannot be opened ({e.strerror})") from None
        if i < len(parts) - 1 and not stat.S_ISDIR(mode):
            raise PathError(repr(rel), f"goes through {so_far!r}, which is not a directory")
    if kind == FILE and not stat.S_ISREG(mode):
        what = "a directory" if stat.S_ISDIR(mode) else "not a regular file (a FIFO, socket or device)"
        raise PathError(repr(rel), f"is {what}; a file was expected")
    if kind == DIRECTORY and not stat.S_ISDIR(mode):
        raise PathError(repr(rel), "is not a directory")
    if kind is None and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise PathError(repr(rel), "is not a regular file (a FIFO, socket or device)")
    return current


def hidden(parts: tuple[str, ...]) -> str | None:
    """The first hidden name of a path: .git (whose config holds CI's token), .env, .venv are
    inside the checkout but never part of the package."""
    return next((part for part in parts if part.startswith(".")), None)


def relative(root: Path, path: Path) -> str:
    """`path` (under `root`, as the caller built it) as the relative path `inside` takes."""
    return Path(os.path.relpath(path, root)).as_posix()


def files_under(root: Path, rel_dir: str) -> list[str]:
    """The relative paths of every file under the package's directory `rel_dir` (none when it does
    not exist), sorted. Raises PathError on any entry that leaves the package or is not a regular
    file: a link is followed only inside the package, each directory once (no loops)."""
    if not inside(root, rel_dir, kind=None, missing_ok=True).exists():
        return []
    out, seen, pending = [], set(), [rel_dir]
    while pending:
        rel = pending.pop()
        real = inside(root, rel, kind=None)
        if real.is_file():
            out.append(rel)
            continue
        if real in seen:
            continue
        seen.add(real)
        pending += [f"{rel}/{name}" for name in os.listdir(real)]
    return sorted(out)
