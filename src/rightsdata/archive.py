"""Reading packages out of archives and git history without trusting them: a zip (a release, or
someone's upload) and a git commit (of someone's repository) are unpacked into a directory with
bounded size, no symbolic links, no paths outside it, and no program of theirs run.

Also `staged`: write a directory of output next to its final place and move it there only when
everything is written, so that a failure leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from rightsdata import package as pkg

# The package unpacks to about 31 MB; its most compressible file deflates about 18 times. The
# limits leave room to grow and stop a zip bomb before a byte is written.
MAX_TOTAL_BYTES = 1 << 30
MAX_MEMBERS = 100_000
MAX_RATIO = 200  # uncompressed / compressed, for members over RATIO_FROM bytes
RATIO_FROM = 1 << 20
CHUNK = 1 << 20


class ArchiveError(Exception):
    """An archive or a git ref that cannot be read safely (exit 2)."""


# --- zips -----------------------------------------------------------------------------------------

def check_zip(z: zipfile.ZipFile, where: str) -> list[zipfile.ZipInfo]:
    """The zip's file members, after refusing whatever would be unsafe to extract; nothing is
    decompressed here (the sizes are the zip's own directory's)."""
    infos = z.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ArchiveError(f"{where}: {len(infos)} members, more than the {MAX_MEMBERS} a package may have")
    seen: set[str] = set()
    total = 0
    files = []
    for info in infos:
        name = info.filename
        clean = name.rstrip("/")
        reason = pkg.unsafe_reason(clean)
        if reason:
            raise ArchiveError(f"{where}: member {name!r} is a path outside the package (it {reason}); nothing was extracted")
        if clean in seen:
            raise ArchiveError(f"{where}: member {name!r} appears twice; nothing was extracted")
        seen.add(clean)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise ArchiveError(f"{where}: member {name!r} is a symbolic link; nothing was extracted")
        if info.is_dir():
            continue
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ArchiveError(f"{where}: member {name!r} would expand {info.file_size} bytes from "
                               f"{info.compress_size} (more than {MAX_RATIO} times): refused as a zip bomb")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise ArchiveError(f"{where}: its members would expand past {MAX_TOTAL_BYTES} bytes: refused as a zip bomb")
        files.append(info)
    return files


def extract_zip(path: Path, target: Path, where: str | None = None) -> None:
    """Extract the zip at `path` into the directory `target`, refusing unsafe zips before writing;
    messages name it `where` (default: its path)."""
    where = where or str(path)
    try:
        with zipfile.ZipFile(path) as z:
            files = check_zip(z, where)
            for info in files:
                dest = target / info.filename
                dest.parent.mkdir(parents=True, exist_ok=True)
                # zipfile stops at the size the directory gives (and a lie fails the CRC check).
                with z.open(info) as src, open(dest, "xb") as out:
                    shutil.copyfileobj(src, out, CHUNK)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as e:
        raise ArchiveError(f"{where}: not a readable zip ({e})") from None


# --- git ------------------------------------------------------------------------------------------

# Run git with none of the repository's programs: no hooks, no fsmonitor, no system config; and
# only plumbing that reads objects (ls-tree, cat-file), which applies no filter or textconv.
GIT_SAFE = ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "protocol.allow=never"]
VERSION_TAG = re.compile(r"^v(\d+\.\d+\.\d+)$")


def git(repo: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0")
    try:
        return subprocess.run(["git", *GIT_SAFE, "-C", str(repo), *args], input=stdin, capture_output=True,
                              env=env, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ArchiveError(f"git {args[0]} in {repo}: {e}") from None


def resolve_ref(spec: str, repo: Path) -> str | None:
    """The commit `spec` names in `repo`: a ref, or for `vX.Y.Z` without such a tag (a fresh
    clone has none) the first commit whose datapackage.json says version X.Y.Z; None if neither."""
    if spec.startswith("-"):
        return None
    found = git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{spec}^{{commit}}")
    if found.returncode == 0:
        return found.stdout.decode().strip()
    m = VERSION_TAG.match(spec)
    if not m:
        return None
    version = m.group(1)
    pattern = r'"version": *"' + re.escape(version) + '"'
    log = git(repo, "log", "--all", "--reverse", "--format=%H", "-G", pattern, "--", "datapackage.json")
    for commit in log.stdout.decode().split():
        blob = git(repo, "cat-file", "blob", f"{commit}:datapackage.json")
        try:
            if blob.returncode == 0 and json.loads(blob.stdout).get("version") == version:
                return commit
        except (ValueError, AttributeError):
            continue
    return None


def extract_commit(repo: Path, commit: str, target: Path, where: str) -> None:
    """Write the files of `commit` into `target` as git stores them (no filters). A committed
    symbolic link is refused, as in a zip: a package's files are its own, not links to others."""
    listing = git(repo, "ls-tree", "-r", "-z", "--long", "--full-tree", commit)
    if listing.returncode != 0:
        raise ArchiveError(f"{where}: git ls-tree failed: {listing.stderr.decode(errors='replace').strip()}")
    blobs = []
    total = 0
    for entry in listing.stdout.decode("utf-8", errors="surrogateescape").split("\0"):
        if not entry:
            continue
        meta, name = entry.split("\t", 1)
        mode, kind, sha, size = meta.split()
        if kind != "blob":
            continue  # submodules are no part of a package
        if mode == "120000":
            raise ArchiveError(f"{where}: the commit holds {name!r}, a symbolic link; a package's files are regular files")
        reason = pkg.unsafe_reason(name)
        if reason:
            raise ArchiveError(f"{where}: the commit holds {name!r}, which {reason}")
        total += int(size)
        if total > MAX_TOTAL_BYTES:
            raise ArchiveError(f"{where}: its files add up to more than {MAX_TOTAL_BYTES} bytes")
        blobs.append((sha, name))
    if not blobs:
        return
    batch = git(repo, "cat-file", "--batch", stdin="".join(f"{sha}\n" for sha, _ in blobs).encode())
    if batch.returncode != 0:
        raise ArchiveError(f"{where}: git cat-file failed: {batch.stderr.decode(errors='replace').strip()}")
    data, pos = batch.stdout, 0
    for sha, name in blobs:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        if len(header) != 3 or header[0].decode() != sha:
            raise ArchiveError(f"{where}: git cat-file gave no blob for {name!r}")
        size = int(header[2])
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data[end + 1:end + 1 + size])
        pos = end + 1 + size + 1  # the blob, then a newline


# --- staged output --------------------------------------------------------------------------------

@contextlib.contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A fresh directory beside `out` to write into; it becomes `out` when the block succeeds and
    is removed when it fails. `out` must not exist or be an empty directory."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ArchiveError(f"{out}: not empty; give a new or empty directory")
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=parent))
    try:
        yield tmp
        if out.exists():
            out.rmdir()
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
