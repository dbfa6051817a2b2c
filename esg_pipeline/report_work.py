"""The per-report work of a run: read a stored report and extract its warehouse rows, once per content.

A report's rows depend on its bytes, on the code and vocabulary that read them, and on what the catalog
says of it (company, year, currency, source, format). `ReportJob.key` hashes all of that: the raw
sha256, `extractor_version()` and `taxonomy_version()` (`extract/version.py`), the entry's fields and the
read limits. The extraction cache keeps each key's output on disk, so a re-run reads an unchanged
report's rows back instead of parsing and extracting it again; any change of those inputs is a new key.

Reports that miss the cache are read and extracted in parallel by a process pool (`extract_reports`),
one report per task; results come back in the jobs' order whatever order the workers finish in, and
the rows go to the cache from the worker, so only a small summary crosses the process boundary.

The cache is derived data: deleting it costs one re-extraction, never a result.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import json
import logging
import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from esg_pipeline.catalog import CatalogEntry
from esg_pipeline.extract.version import extractor_version, taxonomy_version

log = logging.getLogger(__name__)

CACHE_LAYOUT = "v1"  # the cache's own file layout; a new one starts an empty folder beside the old
TASKS_PER_WORKER = 25  # a worker is replaced after this many reports, so the pool's memory stays flat
MIN_POOL_REPORTS = 4  # fewer reports to read are read in this process: starting workers would cost more


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
    key: str
    versions: tuple[str, str]  # (extractor, taxonomy) the key was made with

    @classmethod
    def create(cls, entry: CatalogEntry, sha256: str, content_type: str | None, *, raw_store_dir: str,
               cache_dir: str, max_bytes: int, max_pages: int,
               versions: tuple[str, str] | None = None) -> ReportJob:
        """`versions`: (extractor, taxonomy); default the running code's (`extract/version.py`)."""
        extractor, taxonomy = versions or (extractor_version(), taxonomy_version())
        inputs = {
            "sha256": sha256, "extractor": extractor, "taxonomy": taxonomy,
            "entry_id": entry.entry_id, "company_id": entry.company_id, "company_name": entry.company_name,
            "year": entry.year, "source": entry.resolved_source, "format": entry.format,
            "currency": entry.currency, "content_type": content_type, "max_bytes": max_bytes, "max_pages": max_pages,
        }
        key = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()
        return cls(entry=entry, sha256=sha256, content_type=content_type, raw_store_dir=str(raw_store_dir),
                   cache_dir=str(cache_dir), max_bytes=max_bytes, max_pages=max_pages, key=key,
                   versions=(extractor, taxonomy))


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

    @property
    def ok(self) -> bool:
        return self.reason is None


class ExtractionCache:
    """`<root>/v1/<key[:2]>/<key>.json` (the summary) and `<key>.rows.json.gz` (the rows). A summary is
    written last, so its presence means the entry is whole; every file is written to a temporary name
    and renamed into place."""

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
        try:
            with gzip.open(self._paths(key)[1], "rt", encoding="utf-8") as handle:
                data = json.load(handle, object_hook=_decode)
        except (OSError, ValueError, EOFError):
            return None
        columns = data["columns"]
        return [dict(zip(columns, values)) for values in data["rows"]]

    def put(self, extraction: ReportExtraction, rows: Sequence[dict[str, Any]]) -> None:
        meta, rows_path = self._paths(extraction.job.key)
        meta.parent.mkdir(parents=True, exist_ok=True)
        columns = list(rows[0]) if rows else []
        payload = {"columns": columns, "rows": [[row[c] for c in columns] for row in rows]}
        _write_atomic(rows_path, gzip.compress(json.dumps(payload, default=_encode).encode(), compresslevel=1, mtime=0))
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
    """Read the stored report and extract its rows into the cache (in a pool worker, or in-process)."""
    extraction, _rows = _read_and_extract(job)
    return extraction


def _read_and_extract(job: ReportJob) -> tuple[ReportExtraction, list[dict[str, Any]]]:
    from esg_pipeline.ingest.fetch import FetchSettings
    from esg_pipeline.ingest.rawstore import RawStore
    from esg_pipeline.ingest.service import read_stored
    from esg_pipeline.pipeline import ReportText, report_metric_rows

    start = time.perf_counter()
    entry = job.entry
    document, reason = read_stored(entry, RawStore(job.raw_store_dir), job.sha256, job.content_type,
                                   FetchSettings(max_bytes=job.max_bytes), max_pages=job.max_pages)
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
    try:
        ExtractionCache(job.cache_dir).put(extraction, rows)
    except OSError as exc:  # a full or read-only disk costs a re-extraction later, not the report
        log.warning("extraction cache %s: cannot store %s: %s", job.cache_dir, entry.entry_id, exc)
    return extraction, rows


def report_rows(extraction: ReportExtraction) -> list[dict[str, Any]]:
    """The rows of a report read and extracted earlier: from the cache, else extracted again here."""
    rows = ExtractionCache(extraction.job.cache_dir).rows(extraction.job.key)
    if rows is None:
        again, rows = _read_and_extract(extraction.job)
        if not again.ok:
            raise RuntimeError(again.reason)
    return rows


def extract_reports(jobs: Sequence[ReportJob], *, workers: int, force: bool = False,
                    on_done: Callable[[int, ReportExtraction], None] | None = None) -> list[ReportExtraction]:
    """Each job's extraction, in the jobs' order: from the cache unless `force`, the rest read and
    extracted by `workers` processes (in this process for one worker or fewer than `MIN_POOL_REPORTS`).
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
    if workers <= 1 or len(misses) < MIN_POOL_REPORTS:
        for index in misses:
            results[index] = read_and_extract(jobs[index])
            done(index, results[index])
    else:
        _run_pool(jobs, misses, results, min(workers, len(misses)), done)
    return [r for r in results if r is not None]


def _pool(workers: int) -> ProcessPoolExecutor:
    # Not fork: the run's threads (Dagster's, the HTTP session's) may hold locks at the fork. The forkserver
    # imports the extractor once, and workers fork from it ready to work.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["esg_pipeline.report_work", "esg_pipeline.pipeline"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, max_tasks_per_child=TASKS_PER_WORKER)


def _run_pool(jobs: Sequence[ReportJob], pending: list[int], results: list[ReportExtraction | None], workers: int,
              done: Callable[[int, ReportExtraction], None]) -> None:
    pool = _pool(workers)
    broken = False
    try:
        futures: dict[Future, int] = {pool.submit(read_and_extract, jobs[i]): i for i in pending}
        while futures and not broken:
            finished, _ = wait(futures, return_when=FIRST_COMPLETED)
            for future in finished:
                index = futures.pop(future)
                try:
                    results[index] = future.result()
                except BrokenProcessPool:  # a worker died: killed, out of memory, a crash in native code
                    broken = True
                    continue
                done(index, results[index])
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    # Which report killed its worker is unknown: each one left gets a worker of its own, so only it fails.
    for index in [i for i in pending if results[i] is None]:
        results[index] = _alone(jobs[index])
        done(index, results[index])


def _alone(job: ReportJob) -> ReportExtraction:
    pool = _pool(1)
    try:
        return pool.submit(read_and_extract, job).result()
    except BrokenProcessPool as exc:
        return ReportExtraction(job=job, reason=f"{job.entry.resolved_source}: the process reading it died ({exc})")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


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
