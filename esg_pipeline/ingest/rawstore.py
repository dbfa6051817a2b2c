"""Content-addressed, write-once store for raw report bytes.

Layout: `<root>/sha256/<first two hex>/<full hex>`. A blob is written to a temporary
file under `<root>/tmp` (same filesystem), fsynced, made read-only and then hard-linked
into place; linking fails if the name exists, so a blob is never overwritten, and a
reader never sees a half-written file. A blob whose content no longer matches its hash (disk fault,
tampering) is moved aside to `<root>/quarantine/` -- kept, never deleted -- so the content can be stored
again from its source.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


class RawStoreError(Exception):
    """A store operation failed; the message names the blob or path."""


class BlobTooLarge(RawStoreError):
    def __init__(self, max_bytes: int, seen: int):
        super().__init__(f"content exceeds {max_bytes} bytes (stopped after {seen})")
        self.max_bytes = max_bytes
        self.seen = seen


class BlobMissing(RawStoreError, FileNotFoundError):
    pass


class BlobCorrupted(RawStoreError):
    """The stored content's hash differs from its name."""


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    path: Path
    bytes: int
    created: bool  # False when the same content was already stored


class RawStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    @property
    def _tmp_dir(self) -> Path:
        return self.root / "tmp"

    def path_for(self, sha256: str) -> Path:
        if not _SHA256_RE.match(sha256):
            raise ValueError(f"not a lowercase hex sha256: {sha256!r}")
        return self.root / "sha256" / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    __contains__ = exists

    def put_bytes(self, data: bytes) -> StoredBlob:
        return self.put_stream([data])

    def put_stream(self, chunks: Iterable[bytes], max_bytes: int | None = None) -> StoredBlob:
        """Store the concatenated chunks; raises `BlobTooLarge` (storing nothing) past `max_bytes`."""
        self._tmp_dir.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(prefix="blob-", suffix=".part", dir=self._tmp_dir)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    if not chunk:
                        continue
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise BlobTooLarge(max_bytes, size)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, READ_ONLY)
            sha256 = digest.hexdigest()
            created = self._publish(tmp, self.path_for(sha256))
            return StoredBlob(sha256=sha256, path=self.path_for(sha256), bytes=size, created=created)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def _publish(self, tmp: Path, target: Path) -> bool:
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(tmp, target)
        except FileExistsError:
            return False  # a concurrent writer stored the same content first
        except OSError:
            # Filesystems without hard links: fall back to rename, which may replace a
            # concurrently written twin -- harmless, as both hold identical bytes.
            os.replace(tmp, target)
        _fsync_dir(target.parent)
        return True

    def open(self, sha256: str) -> BinaryIO:
        path = self.path_for(sha256)
        try:
            return path.open("rb")
        except FileNotFoundError as exc:
            raise BlobMissing(f"raw store {self.root}: no blob {sha256}") from exc

    def read(self, sha256: str, verify: bool = True) -> bytes:
        with self.open(sha256) as handle:
            data = handle.read()
        if verify and hashlib.sha256(data).hexdigest() != sha256:
            raise BlobCorrupted(f"raw store {self.root}: blob {sha256} is corrupted (content hash differs)")
        return data

    def intact(self, sha256: str) -> bool:
        """False when the stored blob's content no longer hashes to its name; a missing blob is not corrupt."""
        digest = hashlib.sha256()
        try:
            with self.open(sha256) as handle:
                for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                    digest.update(chunk)
        except BlobMissing:
            return True
        return digest.hexdigest() == sha256

    def quarantine(self, sha256: str) -> Path | None:
        """Move a (corrupted) blob to `<root>/quarantine/<hash>.<UTC time>`, where it stays for inspection:
        the hash's place is free for the content to be stored again. None if the blob is gone already."""
        folder = self.root / "quarantine"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{sha256}.{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S%fZ}"
        try:
            os.rename(self.path_for(sha256), target)
        except FileNotFoundError:  # another run quarantined it first
            return None
        _fsync_dir(folder)
        return target


def _fsync_dir(path: Path) -> None:
    # Makes the new directory entry durable; not supported everywhere, and not fatal.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
