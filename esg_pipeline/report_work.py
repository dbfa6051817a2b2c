"""The per-report work of a run: read a stored report and extract its warehouse rows, once per content.

A report's rows depend on its bytes, on the code and vocabulary that read them, and on what the catalog
says of it (company, year, currency, source, format). `ReportJob.key` hashes all of that: the raw
sha256, `extractor_version()` and `taxonomy_version()` (`extract/version.py`), the entry's fields and the
read limits. The extraction cache keeps each key's output on disk, so a re-run reads an unchanged
report's rows back instead of parsing and extracting it again; any change of those inputs is a new key.

Reports that miss the cache are read and extracted in parallel by the bounded reader's worker processes
(`extract_reports`, `ingest/documents/bounded.BoundedPool`), one report per call, each within the parse
limits (ESG_PARSE_TIMEOUT_S and ESG_PARSE_MEMORY_MB on the worker, ESG_MAX_STREAM_MB and
ESG_MAX_REPORT_PAGES in the reader): a report past a limit has its worker killed and fails alone with a
one-line reason. Results come back in the jobs' order whatever order the workers finish in. A worker
writes the rows file; this process writes the entry's summary -- the commit that makes it a cache hit --
only for a report that came back whole, so a report that failed, or was killed while its rows were being
written, is never cached as a success.

The cache is derived data: deleting it costs one re-extraction, never a result.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gzip
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from esg_pipeline.ingest.catalog import CatalogEntry
from esg_pipeline.extract.version import extractor_version, taxonomy_version
from esg_pipeline.ingest.documents import DocumentError
from esg_pipeline.ingest.documents.bounded import BoundedPool, Call, ParseLimits

log = logging.getLogger(__name__)

CACHE_LAYOUT = "v1"  # the cache's own file layout; a new one starts an empty folder beside the old
CALLS_PER_WORKER = 50  # a worker is replaced after this many reports, so the pool's memory stays flat
TASK = "esg_pipeline.report_work:read_and_extract"
PRELOAD = ("esg_pipeline.report_work", "esg_pipeline.pipeline")  # imported before a worker's clock starts


@dataclass(frozen=True)
class ReportJob:
    """One stored report to read and extract, and where its output goes."""

    entry: CatalogEntry
    sha256: str
    content_type: str | None
    raw_store_dir: str
    cache_dir: str
    max_bytes: int
    max_pages: int
    max_stream_mb: int
    key: str
    versions: tuple[str, str]  # (extractor, taxonomy) the key was made with

    @classmethod
    def create(cls, entry: CatalogEntry, sha256: str, content_type: str | None, *, raw_store_dir: str,
               cache_dir: str, max_bytes: int, max_pages: int, max_stream_mb: int | None = None,
               versions: tuple[str, str] | None = None) -> ReportJob:
        """`versions`: (extractor, taxonomy); default the running code's (`extract/version.py`).
        `max_stream_mb`: default ESG_MAX_STREAM_MB."""
        extractor, taxonomy = versions or (extractor_version(), taxonomy_version())
        max_stream_mb = ParseLimits().max_stream_mb if max_stream_mb is None else max_stream_mb
        inputs = {
            "sha256": sha256, "extractor": extractor, "taxonomy": taxonomy,
            "entry_id": entry.entry_id, "company_id": entry.company_id, "company_name": entry.company_name,
            "year": entry.year, "source": entry.resolved_source, "format": entry.format,
            "currency": entry.currency, "content_type": content_type, "max_bytes": max_bytes, "max_pages": max_pages,
            "max_stream_mb": max_stream_mb,
        }
        key = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()
        return cls(entry=entry, sha256=sha256, content_type=content_type, raw_store_dir=str(raw_store_dir),
                   cache_dir=str(cache_dir), max_bytes=max_bytes, max_pages=max_pages, max_stream_mb=max_stream_mb,
                   key=key, versions=(extractor, taxonomy))


@dataclass(frozen=True)
class ReportExtraction:
    """What reading and extracting one report gave: a summary; the rows stay in the cache."""

    job: ReportJob
    format: str | None = None
    warnings: tuple[str, ...] = ()
    pages: int | None = None  # PDF pages; None for text and HTML
    chars: int = 0
    metrics: int = 0
    cached: bool = False  # True: read back from the cache, nothing parsed or extracted
    seconds: float = 0.0  # wall time of the read and extraction (0 for a cache hit)
    reason: str | None = None  # the report could not be read: why, naming the source
    pid: int = 0  # the process that read it (0: a cache hit)
    rows: tuple[dict[str, Any], ...] | None = None  # only when the cache could not take them

    @property
    def ok(self) -> bool:
        return self.reason is None


class ExtractionCache:
    """`<root>/v1/<key[:2]>/<key>.json` (the summary) and `<key>.rows.json.gz` (the rows). The rows are
    written first (by the worker that extracted them), the summary last (by the run, once the report came
    back within its limits): the summary's presence means the entry is whole and a success. Every file is
    written to a temporary name and renamed into place."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / CACHE_LAYOUT / key[:2]
        return folder / f"{key}.json", folder / f"{key}.rows.json.gz"

    def get(self, job: ReportJob) -> ReportExtraction | None:
        meta, rows = self._paths(job.key)
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not rows.is_file() or data.get("key") != job.key:
            return None
        return ReportExtraction(job=job, format=data["format"], warnings=tuple(data["warnings"]), pages=data["pages"],
                                chars=data["chars"], metrics=data["metrics"], cached=True)

    def rows(self, key: str) -> list[dict[str, Any]] | None:
        data = self.columnar(key)
        if data is None:
            return None
        columns, values = data
        return [dict(zip(columns, row)) for row in values]

    def columnar(self, key: str) -> tuple[list[str], list[list[Any]]] | None:
        """(columns, rows as lists) of `key`, or None when they cannot be read back (gone, damaged)."""
        try:
            with gzip.open(self._paths(key)[1], "rt", encoding="utf-8") as handle:
                data = json.load(handle, object_hook=_decode)
        except (OSError, ValueError, EOFError):
            return None
        return data["columns"], data["rows"]

    def put_rows(self, key: str, rows: Sequence[dict[str, Any]]) -> None:
        """The rows of an extraction: not yet a cache entry (`commit` makes it one)."""
        rows_path = self._paths(key)[1]
        rows_path.parent.mkdir(parents=True, exist_ok=True)
        columns = list(rows[0]) if rows else []
        payload = {"columns": columns, "rows": [[row[c] for c in columns] for row in rows]}
        _write_atomic(rows_path, gzip.compress(json.dumps(payload, default=_encode).encode(), compresslevel=1, mtime=0))

    def forget(self, key: str) -> None:
        """No entry for `key` any more (its rows file may stay: without a summary it is no hit)."""
        with contextlib.suppress(FileNotFoundError):
            self._paths(key)[0].unlink()

    def commit(self, extraction: ReportExtraction) -> None:
        """Make a successful extraction whose rows are stored a cache entry: its summary, written last."""
        if not extraction.ok:
            raise ValueError(f"{extraction.job.entry.entry_id}: a failed extraction is never cached")
        meta = self._paths(extraction.job.key)[0]
        if not meta.with_name(f"{extraction.job.key}.rows.json.gz").is_file():
            raise FileNotFoundError(f"{meta.parent}: no rows stored for {extraction.job.entry.entry_id}")
        summary = {"key": extraction.job.key, "sha256": extraction.job.sha256, "report_id": extraction.job.entry.entry_id,
                   "extractor": extraction.job.versions[0], "taxonomy": extraction.job.versions[1],
                   "format": extraction.format,
                   "warnings": list(extraction.warnings), "pages": extraction.pages, "chars": extraction.chars,
                   "metrics": extraction.metrics}
        _write_atomic(meta, json.dumps(summary, indent=1).encode())


def _encode(value: Any) -> Any:
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot store {type(value).__name__} in the extraction cache")


def _decode(obj: dict[str, Any]) -> Any:
    return dt.date.fromisoformat(obj["$date"]) if len(obj) == 1 and "$date" in obj else obj


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def read_and_extract(job: ReportJob) -> ReportExtraction:
    """The bounded workers' task: read the stored report and extract its rows into the cache's rows file.
    The entry is not whole until the run commits it (`ExtractionCache.commit`, in the parent, for a report
    that came back within its limits); rows the cache could not take travel back in the reply."""
    extraction, rows = _read_and_extract(job)
    if not extraction.ok:
        return extraction
    try:
        ExtractionCache(job.cache_dir).put_rows(job.key, rows)
    except OSError as exc:  # a full or read-only disk costs a re-extraction later, not the report
        log.warning("extraction cache %s: cannot store %s: %s", job.cache_dir, job.entry.entry_id, exc)
        return dataclasses.replace(extraction, rows=tuple(rows))
    return extraction


def _read_and_extract(job: ReportJob) -> tuple[ReportExtraction, list[dict[str, Any]]]:
    """Read and extract in this process, unbounded: the bounded workers' own work (and tests')."""
    from esg_pipeline.ingest.fetch import FetchSettings
    from esg_pipeline.ingest.rawstore import RawStore
    from esg_pipeline.ingest.service import read_stored
    from esg_pipeline.pipeline import ReportText, report_metric_rows

    start = time.perf_counter()
    entry = job.entry
    document, reason = read_stored(entry, RawStore(job.raw_store_dir), job.sha256, job.content_type,
                                   FetchSettings(max_bytes=job.max_bytes), max_pages=job.max_pages,
                                   max_stream_bytes=job.max_stream_mb * 1024 * 1024)
    if document is None:
        return ReportExtraction(job=job, reason=reason, seconds=time.perf_counter() - start, pid=os.getpid()), []
    try:
        rows = report_metric_rows(ReportText(
            report_id=entry.entry_id, company_id=entry.company_id, company_name=entry.company_name,
            report_year=entry.year, title=entry.title, source=entry.source, sha256=job.sha256,
            format=document.format, document=document, currency=entry.currency))
    except Exception as exc:  # an extractor bug in one report must not stop the others
        log.exception("extracting %s failed unexpectedly", entry.resolved_source)
        return ReportExtraction(job=job, reason=f"{entry.resolved_source}: internal error while extracting: "
                                                f"{type(exc).__name__}: {exc}",
                                seconds=time.perf_counter() - start, pid=os.getpid()), []
    extraction = ReportExtraction(job=job, format=document.format, warnings=tuple(document.warnings),
                                  pages=len(document.page_starts) or None, chars=len(document.text),
                                  metrics=len(rows), seconds=time.perf_counter() - start, pid=os.getpid())
    return extraction, rows


# Columns whose values repeat across a year's rows (one per report, or a small vocabulary): categorical in
# the year's frame, a code per row instead of the string (doc_sha256 alone was 72 bytes a row as a string).
REPEATED_COLUMNS = frozenset({
    "report_id", "company_id", "doc_name", "doc_sha256", "unit", "qualifier", "indicator", "hkex_kpi", "gri",
    "entity", "year_source", "basis", "dimension_key", "subject", "method", "flags",
})


def metrics_frame(extractions: Sequence[ReportExtraction], columns: Sequence[str], limits: ParseLimits | None = None):
    """The rows of these reports as one DataFrame of `columns`, typed as the warehouse's `esg_raw.metrics`
    (`warehouse/db.arrow_array`): Arrow-backed strings, the `REPEATED_COLUMNS` and taxonomy dimension
    columns categorical. Each report's rows become Arrow columns before the next report is read, so the
    Python objects of only one report's rows are alive at a time (the whole year's rows as Python lists
    first cost ~3 KB a row, +700 MB for a year of 100 reports); the frame is then ~330 bytes a row."""
    import pyarrow as pa

    from esg_pipeline.warehouse import schema as wh
    from esg_pipeline.warehouse.db import _arrow_type

    known = {c.name: c for c in wh.metrics.columns}
    types = [_arrow_type(known[c]) if c in known else None for c in columns]
    parts: list[pa.Table] = []
    for extraction in extractions:
        data = ExtractionCache(extraction.job.cache_dir).columnar(extraction.job.key)
        if data is not None and list(data[0]) == list(columns):
            values = data[1]
        else:  # carried in the reply, extracted again, or in other columns (an older cache entry)
            values = [[row.get(c) for c in columns] for row in report_rows(extraction, limits)]
        parts.append(_arrow_part(values, columns, types))
        del values, data
    if not parts:
        parts.append(_arrow_part([], columns, types))
    table = pa.concat_tables(parts, promote_options="permissive").unify_dictionaries()
    del parts
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    pa.default_memory_pool().release_unused()  # Arrow's allocator keeps freed blocks otherwise
    return frame


def _arrow_part(values: list[list[Any]], columns: Sequence[str], types: list) -> Any:
    """One report's rows (lists in `columns` order) as an Arrow table in the warehouse's types, the
    repeated columns dictionary-encoded."""
    import pyarrow as pa

    from esg_pipeline.warehouse.db import arrow_array

    transposed = list(zip(*values)) if values else [()] * len(columns)
    arrays = []
    for name, arrow_type, column in zip(columns, types, transposed):
        array = arrow_array(list(column), arrow_type) if arrow_type is not None else None
        if array is None:  # a column the warehouse does not type, or a value its type cannot take
            array = pa.array(list(column), from_pandas=True)
        if name in REPEATED_COLUMNS or name.startswith("dim_"):
            array = array.dictionary_encode()
        arrays.append(array)
    return pa.table(arrays, names=list(columns))


def report_rows(extraction: ReportExtraction, limits: ParseLimits | None = None) -> list[dict[str, Any]]:
    """The rows of a report read and extracted earlier: from the cache, from the reply that carried them,
    else read and extracted again by a bounded worker (the cache was emptied in between)."""
    rows = ExtractionCache(extraction.job.cache_dir).rows(extraction.job.key)
    if rows is None and extraction.rows is not None:
        rows = list(extraction.rows)
    if rows is None:
        [again] = extract_reports([extraction.job], workers=1, force=True, limits=limits)
        if not again.ok:
            raise RuntimeError(again.reason)
        rows = ExtractionCache(again.job.cache_dir).rows(again.job.key)
        rows = list(again.rows) if rows is None else rows
    return rows


def extract_reports(jobs: Sequence[ReportJob], *, workers: int, force: bool = False,
                    limits: ParseLimits | None = None,
                    on_done: Callable[[int, ReportExtraction], None] | None = None) -> list[ReportExtraction]:
    """Each job's extraction, in the jobs' order: from the cache unless `force`, the rest read and
    extracted by up to `workers` bounded worker processes, each report within `limits` (default: the
    settings'): a report past the time or memory limit has its worker killed and fails with the one-line
    reason, and the others go on. Only a report that came back whole is committed to the cache.
    `on_done(index, extraction)` is called as each report finishes."""
    done = on_done or (lambda index, extraction: None)
    results: list[ReportExtraction | None] = [None] * len(jobs)
    misses = []
    for index, job in enumerate(jobs):
        hit = None if force else ExtractionCache(job.cache_dir).get(job)
        if hit is None:
            misses.append(index)
        else:
            results[index] = hit
            done(index, hit)
    if not misses:
        return results  # type: ignore[return-value]

    def finished(position: int, result: Any) -> None:
        index = misses[position]
        job = jobs[index]
        if isinstance(result, ReportExtraction):
            extraction = result
        elif isinstance(result, DocumentError):  # a limit: the worker was killed
            extraction = ReportExtraction(job=job, reason=str(result))
        else:  # the task itself failed unexpectedly (it catches the reader's and extractor's own errors)
            extraction = ReportExtraction(job=job, reason=f"{job.entry.resolved_source}: internal error: "
                                                          f"{type(result).__name__}: {result}")
        cache = ExtractionCache(job.cache_dir)
        try:
            if extraction.ok and extraction.rows is None:
                cache.commit(extraction)
            elif not extraction.ok:  # (`force`) an earlier success of the same inputs no longer stands
                cache.forget(job.key)
        except OSError as exc:
            log.warning("extraction cache %s: %s: %s", job.cache_dir, job.entry.entry_id, exc)
        results[index] = extraction
        done(index, extraction)

    pool = BoundedPool(limits or ParseLimits(), min(workers, len(misses)), preload=PRELOAD,
                       calls_per_worker=CALLS_PER_WORKER)
    pool.map(TASK, [Call(jobs[i].entry.resolved_source, (jobs[i],)) for i in misses], on_done=finished)
    return results  # type: ignore[return-value]


def summary(extractions: Sequence[ReportExtraction]) -> dict[str, Any]:
    """Counts and timings for Dagster metadata."""
    read = [e for e in extractions if not e.cached]
    return {
        "from_cache": sum(e.cached for e in extractions),
        "extracted": sum(e.ok for e in read),
        "unreadable": sum(not e.ok for e in extractions),
        "extract_cpu_seconds": round(sum(e.seconds for e in read), 3),
        "metrics": sum(e.metrics for e in extractions),
    }
