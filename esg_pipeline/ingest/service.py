"""Ingest one catalog entry: fetch or read its source, store the raw bytes, extract text.

`ingest_entry` never raises for bad input; every problem becomes a failed outcome whose
`reason` names the file or URL and the problem, so the other reports of a partition
still load. A report read with problems on some pages (no text layer, say) loads, and the
reader's warnings go to the row's `warnings`. The outcome's `ledger_row` is one row of the
warehouse ingestion ledger.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import requests

from esg_pipeline.ingest.catalog import CatalogEntry
from esg_pipeline.ingest.documents import (
    DEFAULT_MAX_PAGES, DEFAULT_MAX_STREAM_BYTES, Document, DocumentError, detect_format, read_document_bytes,
)
from esg_pipeline.ingest.boundary import SourceRefused, check_local_path
from esg_pipeline.ingest.fetch import FetchError, FetchSettings, fetch_to_store
from esg_pipeline.ingest.rawstore import BlobTooLarge, RawStore, RawStoreError, StoredBlob

log = logging.getLogger(__name__)

Status = Literal["new", "unchanged", "failed"]
LEDGER_COLUMNS = ("entry_id", "company_id", "report_year", "title", "source", "attempted_at", "sha256", "bytes",
                  "content_type", "format", "status", "reason", "http_status", "etag", "last_modified", "raw_path",
                  "warnings", "is_stale")
WARNING_SEPARATOR = "; "  # Document.warnings in one ledger field; a warning itself may contain commas
_READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class PreviousFetch:
    """What the ledger recorded for this source at its last successful attempt."""

    sha256: str | None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None  # of the stored copy: a 304 often omits it

    @classmethod
    def from_ledger_row(cls, row: dict[str, Any] | None) -> PreviousFetch | None:
        if not row or row.get("status") == "failed" or not row.get("sha256"):
            return None
        return cls(sha256=row["sha256"], etag=row.get("etag"), last_modified=row.get("last_modified"),
                   content_type=row.get("content_type"))


@dataclass(frozen=True)
class IngestOutcome:
    ledger_row: dict[str, Any]
    document: Document | None

    @property
    def status(self) -> Status:
        return self.ledger_row["status"]

    @property
    def reason(self) -> str | None:
        return self.ledger_row["reason"]

    @property
    def ok(self) -> bool:
        return self.status != "failed"


class _Failed(Exception):
    """Internal: abort the attempt with a reason (and whatever ledger fields are known)."""

    def __init__(self, reason: str, **fields: Any):
        super().__init__(reason)
        self.reason = reason
        self.fields = fields


def ingest_entry(entry: CatalogEntry, store: RawStore, previous: PreviousFetch | None,
                 settings: FetchSettings | None = None, session: requests.Session | None = None, *,
                 max_pages: int = DEFAULT_MAX_PAGES, reader: Callable[..., Document] | None = None,
                 read: bool = True) -> IngestOutcome:
    """Fetch or read `entry`, store its bytes and read them into a Document (at most `max_pages` PDF pages)
    with `reader` (`read_document_bytes`'s arguments; a caller passes `BoundedReader.read`, the reader
    within its time and memory limits; default: `read_document_bytes` in this process).

    With `read=False` the bytes are only stored (their hash is the whole cost of an unchanged local
    report): the outcome has no document, and a run reads the blob later in its bounded workers
    (`report_work`), or not at all when the extraction cache already holds the report."""
    settings = settings or FetchSettings()
    row: dict[str, Any] = dict.fromkeys(LEDGER_COLUMNS)
    row.update(entry_id=entry.entry_id, company_id=entry.company_id, report_year=entry.year, title=entry.title,
               source=entry.resolved_source, attempted_at=dt.datetime.now(dt.timezone.utc))
    try:
        blob, reused, repaired = _stored_blob(entry, store, previous, settings, session, row)
        row.update(sha256=blob.sha256, bytes=blob.bytes, raw_path=str(blob.path))
        if entry.sha256 and blob.sha256 != entry.sha256:
            raise _Failed(f"{entry.resolved_source}: sha256 mismatch: catalog expects {entry.sha256}, "
                          f"content is {blob.sha256}")
        document = _parse(entry, store, blob.sha256, row, settings, max_pages, reader or read_document_bytes) \
            if read else None
        if document is not None:
            row["format"] = document.format
        row["warnings"] = WARNING_SEPARATOR.join([*repaired, *(document.warnings if document else ())]) or None
        unchanged = reused or (previous is not None and previous.sha256 == blob.sha256)
        row["status"] = "unchanged" if unchanged else "new"
        return IngestOutcome(ledger_row=row, document=document)
    except _Failed as failure:
        row.update(failure.fields)
        row.update(status="failed", reason=failure.reason)
    except Exception as exc:  # a bug or an environment fault must not stop the partition's other reports
        log.exception("ingesting %s failed unexpectedly", entry.resolved_source)
        row.update(status="failed", reason=f"{entry.resolved_source}: internal error: {type(exc).__name__}: {exc}")
    return IngestOutcome(ledger_row=row, document=None)


def _stored_blob(entry: CatalogEntry, store: RawStore, previous: PreviousFetch | None, settings: FetchSettings,
                 session: requests.Session | None, row: dict[str, Any]) -> tuple[StoredBlob, bool, list[str]]:
    """(blob, reused, notes): the source fetched or read into the store. A stored blob whose content no longer
    matches its hash is quarantined (moved aside, never deleted) and the source fetched (unconditionally) or
    read again; the note says so."""
    blob, reused = _acquire(entry, store, previous, settings, session, row)
    if blob.created or store.intact(blob.sha256):  # a blob written just now was hashed as it was written
        return blob, reused, []
    moved = store.quarantine(blob.sha256)
    note = (f"raw store blob {blob.sha256} was corrupted: quarantined to {moved or 'elsewhere'} and the report "
            f"{'fetched' if entry.is_url else 'read'} again from its source")
    log.warning("%s: %s", entry.resolved_source, note)
    row["reason"] = None
    blob, reused = _acquire(entry, store, None, settings, session, row)
    return blob, reused, [note]


def _acquire(entry: CatalogEntry, store: RawStore, previous: PreviousFetch | None, settings: FetchSettings,
             session: requests.Session | None, row: dict[str, Any]) -> tuple[StoredBlob, bool]:
    if entry.is_url:
        return _fetch(entry, store, previous, settings, session, row)
    return _read_local(entry, store, settings, row), False


def _fetch(entry: CatalogEntry, store: RawStore, previous: PreviousFetch | None, settings: FetchSettings,
           session: requests.Session | None, row: dict[str, Any]) -> tuple[StoredBlob, bool]:
    """Returns (blob, reused): reused is True when the server said 304 and the stored copy is used."""
    url = entry.resolved_source
    # Conditional GET only when the stored copy exists: a 304 is useless without it.
    have_copy = previous is not None and previous.sha256 is not None and store.exists(previous.sha256)
    etag = previous.etag if have_copy and previous else None
    last_modified = previous.last_modified if have_copy and previous else None
    try:
        result = fetch_to_store(url, store, settings, etag=etag, last_modified=last_modified, session=session)
    except FetchError as exc:
        raise _Failed(exc.reason, http_status=exc.http_status, content_type=exc.content_type) from exc
    row.update(http_status=result.http_status, content_type=result.content_type, etag=result.etag,
               last_modified=result.last_modified)
    if result.not_modified:
        if not have_copy or previous is None or previous.sha256 is None:
            raise _Failed(f"{url}: server answered 304 Not Modified but there is no stored copy")
        path = store.path_for(previous.sha256)
        row["reason"] = "not modified (HTTP 304); stored copy reused"
        # the copy's own type, so it reads (charset) and keys the extraction cache as it did when fetched
        row["content_type"] = row["content_type"] or previous.content_type
        return StoredBlob(sha256=previous.sha256, path=path, bytes=path.stat().st_size, created=False), True
    assert result.blob is not None
    return result.blob, False


def read_stored(entry: CatalogEntry, store: RawStore, sha256: str, content_type: str | None = None,
                settings: FetchSettings | None = None, *, max_pages: int = DEFAULT_MAX_PAGES,
                max_stream_bytes: int = DEFAULT_MAX_STREAM_BYTES) -> tuple[Document | None, str | None]:
    """Read a stored blob of `entry` into a Document in this process: (document, None), or (None, the reason
    naming the source). Runs call it in a bounded worker (`report_work`), which the time and memory limits
    watch; pages and PDF streams are limited here."""
    row: dict[str, Any] = {"content_type": content_type}
    read = functools.partial(read_document_bytes, max_stream_bytes=max_stream_bytes)
    try:
        return _parse(entry, store, sha256, row, settings or FetchSettings(), max_pages, read), None
    except _Failed as failure:
        return None, failure.reason
    except Exception as exc:  # as in ingest_entry: one report's bug must not stop the others
        log.exception("reading %s failed unexpectedly", entry.resolved_source)
        return None, f"{entry.resolved_source}: internal error: {type(exc).__name__}: {exc}"


def _read_local(entry: CatalogEntry, store: RawStore, settings: FetchSettings, row: dict[str, Any]) -> StoredBlob:
    path = Path(entry.resolved_source)
    row["content_type"] = mimetypes.guess_type(path.name)[0]
    try:
        check_local_path(path, settings.source_roots)
    except SourceRefused as exc:
        raise _Failed(f"{path}: {exc}") from None
    if not path.exists():
        raise _Failed(f"{path}: file not found")
    if not path.is_file():
        raise _Failed(f"{path}: not a regular file")
    size = path.stat().st_size
    if size > settings.max_bytes:
        raise _Failed(f"{path}: file exceeds {settings.max_bytes} bytes ({size} bytes)", bytes=size)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise _Failed(f"{path}: cannot read file: {exc.strerror or exc}") from exc
    with handle:
        try:
            stored = _stored_copy(handle, store, settings.max_bytes)
            if stored is not None:  # an unchanged file costs one read and its hash: nothing is written
                return stored
            handle.seek(0)
            return store.put_stream(iter(lambda: handle.read(_READ_CHUNK), b""), max_bytes=settings.max_bytes)
        except BlobTooLarge as exc:  # the file grew after stat()
            raise _Failed(f"{path}: file exceeds {exc.max_bytes} bytes") from exc
        except OSError as exc:
            raise _Failed(f"{path}: cannot copy into the raw store {store.root}: {exc}") from exc


def _stored_copy(handle, store: RawStore, max_bytes: int) -> StoredBlob | None:
    """The stored blob with the content of `handle`, if the store has it (whether it is intact is
    `_stored_blob`'s question), without writing and syncing a copy that would be thrown away."""
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: handle.read(_READ_CHUNK), b""):
        size += len(chunk)
        if size > max_bytes:
            raise BlobTooLarge(max_bytes, size)
        digest.update(chunk)
    sha256 = digest.hexdigest()
    if not store.exists(sha256):
        return None
    return StoredBlob(sha256=sha256, path=store.path_for(sha256), bytes=size, created=False)


def _parse(entry: CatalogEntry, store: RawStore, sha256: str, row: dict[str, Any],
           settings: FetchSettings, max_pages: int, read: Callable[..., Document]) -> Document:
    try:
        data = store.read(sha256)
    except RawStoreError as exc:
        raise _Failed(f"{entry.resolved_source}: {exc}") from exc
    fmt = entry.format or detect_format(data, entry.resolved_source, row["content_type"])
    row["format"] = fmt
    try:
        return read(data, fmt, entry.resolved_source, content_type=row["content_type"],
                    max_bytes=settings.max_bytes, max_pages=max_pages)
    except DocumentError as exc:
        raise _Failed(str(exc)) from exc
