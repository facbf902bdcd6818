"""`rightsdata download`: fetch a release's assets as release.yml publishes them, check each against
SHA256SUMS, and unpack the package. Standard library only (urllib), bounded in size and time."""

from __future__ import annotations

import hashlib
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

from rightsdata import archive
from rightsdata.archive import ArchiveError

# The project's repository on GitHub (also named in docs/releases.md).
REPOSITORY = "rightsdata/rightsdata"
URL = "https://github.com/{repo}/releases/download/v{version}/"
TIMEOUT = 60  # seconds without a byte before a request fails
DEADLINE = 1800  # seconds for the whole download (a server that sends a byte a minute)
MAX_SUMS_BYTES = 1 << 16
MAX_TOTAL_BYTES = 2 << 30  # the release is about 50 MB
SUMS_LINE = re.compile(r"^([0-9a-f]{64})  ([A-Za-z0-9_][A-Za-z0-9._-]*)$")
VERSION = re.compile(r"^v?(\d+\.\d+\.\d+)$")


def base_url(version: str, repo: str = REPOSITORY) -> str:
    m = VERSION.match(version)
    if not m:
        raise ArchiveError(f"{version!r}: not a release version (X.Y.Z or vX.Y.Z)")
    if not re.fullmatch(r"[A-Za-z0-9-]+/[A-Za-z0-9._-]+", repo):
        raise ArchiveError(f"--repo {repo!r}: not a GitHub repository's OWNER/NAME")
    return URL.format(repo=repo, version=m.group(1))


def fetch(url: str, dest: Path, limit: int, deadline: float) -> tuple[str, int]:
    """Write `url` to `dest` (at most `limit` bytes, before time.monotonic() reaches `deadline`);
    returns its SHA-256 and size."""
    h = hashlib.sha256()
    size = 0
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response, open(dest, "xb") as out:
            while chunk := response.read(1 << 16):
                size += len(chunk)
                if size > limit:
                    raise ArchiveError(f"{url}: more than the {limit} bytes left for the release; refused")
                if time.monotonic() > deadline:
                    raise ArchiveError(f"{url}: the download took more than {DEADLINE} seconds; stopped")
                h.update(chunk)
                out.write(chunk)
    except urllib.error.HTTPError as e:
        raise ArchiveError(f"{url}: the server answered {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        raise ArchiveError(f"{url}: cannot download ({reason})") from None
    return h.hexdigest(), size


def parse_sums(text: str, url: str) -> dict[str, str]:
    """SHA256SUMS as {asset name: sha256}; names must be plain file names (no directories)."""
    sums = {}
    for n, line in enumerate(text.splitlines(), 1):
        m = SUMS_LINE.match(line)
        if not m:
            raise ArchiveError(f"{url}, line {n}: not '<sha256>  <file name>' ({line[:80]!r})")
        if m.group(2) in sums or m.group(2) == "SHA256SUMS":
            raise ArchiveError(f"{url}, line {n}: {m.group(2)} is listed twice")
        sums[m.group(2)] = m.group(1)
    if "rightsdata.zip" not in sums:
        raise ArchiveError(f"{url}: lists no rightsdata.zip")
    return sums


def download(base: str, out: Path) -> list[Path]:
    """Fetch SHA256SUMS and every asset it lists from `base` into `out` (new or empty), refuse any
    whose checksum differs, and unpack rightsdata.zip into out/rightsdata. On failure `out` is
    left as it was."""
    if not re.match(r"^https?://", base):
        raise ArchiveError(f"{base}: not an http(s) URL")
    if not base.endswith("/"):
        base += "/"
    deadline = time.monotonic() + DEADLINE
    try:
        with archive.staged(out) as tmp:
            sums_url = base + "SHA256SUMS"
            fetch(sums_url, tmp / "SHA256SUMS", MAX_SUMS_BYTES, deadline)
            try:
                sums = parse_sums((tmp / "SHA256SUMS").read_text(encoding="utf-8"), sums_url)
            except UnicodeDecodeError:
                raise ArchiveError(f"{sums_url}: not UTF-8 text") from None
            budget = MAX_TOTAL_BYTES
            for name, expected in sums.items():
                actual, size = fetch(base + name, tmp / name, budget, deadline)
                budget -= size
                if actual != expected:
                    raise ArchiveError(f"{name}: its SHA-256 is {actual}, but SHA256SUMS says {expected}: "
                                       "the download is damaged or was tampered with; nothing was kept")
            (tmp / "rightsdata").mkdir()
            archive.extract_zip(tmp / "rightsdata.zip", tmp / "rightsdata", where=base + "rightsdata.zip")
    except OSError as e:
        raise ArchiveError(f"{out}: cannot write the download ({e}); nothing was kept") from None
    return [out / name for name in sums] + [out / "SHA256SUMS", out / "rightsdata"]
