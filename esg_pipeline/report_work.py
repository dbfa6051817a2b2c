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
import functools
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from esg_pipeline.ingest.catalog import CatalogEntry
from esg_pipeline.extract.version import extractor_version, taxonomy_version
from esg_pipeline.ingest.documents import DocumentError
from esg_pipeline.ingest.documents.bounded import BoundedPool, Call, ParseLimits
from esg_pipeline.observation import all_fields

log = logging.getLogger(__name__)

CACHE_LAYOUT = "v2"  # the cache's own file layout (v2: Arrow rows); a new one starts an empty folder beside the old
CALLS_PER_WORKER = 50  # a worker is replaced after this many reports, so the pool's memory stays flat
TASK = "esg_pipeline.report_work:read_and_extract"
# imported before a worker's clock starts (pyarrow and the warehouse types: the rows' Arrow table)
PRELOAD = ("esg_pipeline.report_work", "esg_pipeline.pipeline", "pyarrow.ipc", "esg_pipeline.warehouse.db",
           "esg_pipeline.warehouse.schema")


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
    """`<root>/v2/<key[:2]>/<key>.json` (the summary) and `<key>.rows.arrow` (the rows: an Arrow IPC file,
    zstd-compressed, in the warehouse's column types with the repeated columns dictionary-encoded, so the
    year's frame is the files concatenated, with no Python object per value). The rows are written first
    (by the worker that extracted them), the summary last (by the run, once the report came back within its
    limits): the summary's presence means the entry is whole and a success. Every file is written to a
    temporary name and renamed into place."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / CACHE_LAYOUT / key[:2]
        return folder / f"{key}.json", folder / f"{key}.rows.arrow"

    def get(self, job: ReportJob, session: str = "") -> ReportExtraction | None:
        """The entry of `job`, or None. An entry made in `session` (read ahead in this run) counts as read
        in it, not as read back from the cache."""
        meta, rows = self._paths(job.key)
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not rows.is_file() or data.get("key") != job.key:
            return None
        fresh = bool(session) and data.get("session") == session
        return ReportExtraction(job=job, format=data["format"], warnings=tuple(data["warnings"]), pages=data["pages"],
                                chars=data["chars"], metrics=data["metrics"], cached=not fresh,
                                seconds=data.get("seconds", 0.0) if fresh else 0.0)

    def rows(self, key: str) -> list[dict[str, Any]] | None:
        """The rows of `key` as dicts, or None when they cannot be read back (gone, damaged)."""
        table = self.table(key)
        return None if table is None else table.to_pylist()

    def table(self, key: str) -> Any:
        """The rows of `key` as an Arrow table, or None when they cannot be read back (gone, damaged)."""
        import pyarrow as pa

        try:
            with pa.OSFile(str(self._paths(key)[1])) as source:
                return pa.ipc.open_file(source).read_all()
        except (OSError, pa.ArrowException):
            return None

    def put_rows(self, key: str, rows: Sequence[dict[str, Any]]) -> None:
        """The rows of an extraction: not yet a cache entry (`commit` makes it one)."""
        import pyarrow as pa

        rows_path = self._paths(key)[1]
        rows_path.parent.mkdir(parents=True, exist_ok=True)
        columns = list(rows[0]) if rows else [f.name for f in all_fields()]
        table = rows_table([[row[c] for c in columns] for row in rows], columns)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_file(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
            writer.write_table(table)
        _write_atomic(rows_path, sink.getvalue().to_pybytes())

    def forget(self, key: str) -> None:
        """No entry for `key` any more (its rows file may stay: without a summary it is no hit)."""
        with contextlib.suppress(FileNotFoundError):
            self._paths(key)[0].unlink()

    def _failure_path(self, key: str) -> Path:
        return self._paths(key)[0].with_name(f"{key}.failed.json")

    def remember_failure(self, extraction: ReportExtraction, session: str) -> None:
        """A report that failed in `session` (one `esg-pipeline run`): not tried again in that session, so a
        report read ahead by `ExtractAhead` and failed is not read a second time by its year's run. Failures
        are never a cache hit: another session tries again."""
        path = self._failure_path(extraction.job.key)
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, json.dumps({"key": extraction.job.key, "session": session,
                                        "reason": extraction.reason}).encode())

    def failure(self, job: ReportJob, session: str) -> ReportExtraction | None:
        """The failure of `job` remembered in `session`, or None."""
        try:
            data = json.loads(self._failure_path(job.key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("session") != session or data.get("key") != job.key or not data.get("reason"):
            return None
        return ReportExtraction(job=job, reason=data["reason"])

    def lookup(self, job: ReportJob, session: str = "") -> ReportExtraction | None:
        """What is known of `job` without reading it: its entry, else its failure in `session`, else None."""
        hit = self.get(job, session)
        return hit if hit is not None or not session else self.failure(job, session)

    def commit(self, extraction: ReportExtraction, session: str = "") -> None:
        """Make a successful extraction whose rows are stored a cache entry: its summary, written last.
        `session`: the run that read it."""
        if not extraction.ok:
            raise ValueError(f"{extraction.job.entry.entry_id}: a failed extraction is never cached")
        meta, rows = self._paths(extraction.job.key)
        if not rows.is_file():
            raise FileNotFoundError(f"{meta.parent}: no rows stored for {extraction.job.entry.entry_id}")
        summary = {"key": extraction.job.key, "sha256": extraction.job.sha256, "report_id": extraction.job.entry.entry_id,
                   "extractor": extraction.job.versions[0], "taxonomy": extraction.job.versions[1],
                   "format": extraction.format,
                   "warnings": list(extraction.warnings), "pages": extraction.pages, "chars": extraction.chars,
                   "metrics": extraction.metrics, "session": session, "seconds": round(extraction.seconds, 3)}
        _write_atomic(meta, json.dumps(summary, indent=1).encode())


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


# Columns whose values repeat across a year's rows (the observation fields marked `repeats`: one value per
# report, or a small vocabulary): dictionary-encoded in the cache and categorical in the year's frame, a
# code per row instead of the string (doc_sha256 alone was 72 bytes a row as a string).
REPEATED_COLUMNS = frozenset(f.name for f in all_fields() if f.repeats)


def metrics_frame(extractions: Sequence[ReportExtraction], columns: Sequence[str], limits: ParseLimits | None = None):
    """The rows of these reports as one DataFrame of `columns`, typed as the warehouse's `esg_raw.metrics`
    (`rows_table`): Arrow-backed strings, the `REPEATED_COLUMNS` categorical. Each report's rows are read as
    the Arrow table its worker stored, so no Python object is made per value (the whole year's rows as
    Python lists first cost ~3 KB a row, +700 MB for a year of 100 reports); the frame is ~330 bytes a row."""
    import pyarrow as pa

    parts: list[pa.Table] = []
    for extraction in extractions:
        table = ExtractionCache(extraction.job.cache_dir).table(extraction.job.key)
        if table is None or table.column_names != list(columns):
            # carried in the reply, extracted again, or in other columns
            table = rows_table([[row.get(c) for c in columns] for row in report_rows(extraction, limits)], columns)
        parts.append(table)
    if not parts:
        parts.append(rows_table([], columns))
    table = pa.concat_tables(parts, promote_options="permissive").unify_dictionaries()
    del parts
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    pa.default_memory_pool().release_unused()  # Arrow's allocator keeps freed blocks otherwise
    return frame


def rows_table(values: list[list[Any]], columns: Sequence[str]) -> Any:
    """One report's rows (lists in `columns` order) as an Arrow table in the types of the warehouse's
    `esg_raw.metrics` (`warehouse/db.arrow_array`), the `REPEATED_COLUMNS` dictionary-encoded."""
    import pyarrow as pa

    from esg_pipeline.warehouse.db import arrow_array

    types = _column_types()
    transposed = list(zip(*values)) if values else [()] * len(columns)
    arrays = []
    for name, column in zip(columns, transposed):
        arrow_type = types.get(name)
        array = arrow_array(list(column), arrow_type) if arrow_type is not None else None
        if array is None:  # a column the warehouse does not type, or a value its type cannot take
            array = pa.array(list(column), from_pandas=True)
        if name in REPEATED_COLUMNS:
            array = array.dictionary_encode()
        arrays.append(array)
    return pa.table(arrays, names=list(columns))


@functools.cache
def _column_types() -> dict[str, Any]:
    from esg_pipeline.warehouse import schema as wh
    from esg_pipeline.warehouse.db import arrow_type_of

    return {c.name: arrow_type_of(c) for c in wh.metrics.columns}


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
                    on_done: Callable[[int, ReportExtraction], None] | None = None,
                    session: str = "", stop: Callable[[], bool] | None = None) -> list[ReportExtraction]:
    """Each job's extraction, in the jobs' order: from the cache unless `force`, the rest read and
    extracted by up to `workers` bounded worker processes, each report within `limits` (default: the
    settings'): a report past the time or memory limit has its worker killed and fails with the one-line
    reason, and the others go on. Only a report that came back whole is committed to the cache.
    `on_done(index, extraction)` is called as each report finishes. `session` (one `esg-pipeline run`):
    a report that failed earlier in the same session fails again with its reason, unread. Once `stop()` is
    true no report starts; the unfinished ones are None."""
    done = on_done or (lambda index, extraction: None)
    results: list[ReportExtraction | None] = [None] * len(jobs)
    misses = []
    for index, job in enumerate(jobs):
        hit = None if force else ExtractionCache(job.cache_dir).lookup(job, session)
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
                cache.commit(extraction, session)
            elif not extraction.ok:  # (`force`) an earlier success of the same inputs no longer stands
                cache.forget(job.key)
                if session:
                    cache.remember_failure(extraction, session)
        except OSError as exc:
            log.warning("extraction cache %s: %s: %s", job.cache_dir, job.entry.entry_id, exc)
        results[index] = extraction
        done(index, extraction)

    pool = BoundedPool(limits or ParseLimits(), min(workers, len(misses)), preload=PRELOAD,
                       calls_per_worker=CALLS_PER_WORKER)
    pool.map(TASK, [Call(jobs[i].entry.resolved_source, (jobs[i],)) for i in misses], on_done=finished, stop=stop)
    return results  # type: ignore[return-value]


class ExtractAhead:
    """Reads and extracts the reports of a run's years into the extraction cache in a background thread,
    year after year, so a run of several years keeps every core extracting: while one year's run validates,
    loads and builds on one core, the workers are already reading the next years' reports. A year's run
    starts once its reports are done (`wait_for`) and finds them in the cache; a report that failed is
    remembered for the `session` and fails in its year's run with the same reason, unread.

    `make_jobs()` yields the (year, job) pairs in the order the years run; it runs in the thread, and an
    error there only ends the reading ahead (each year's run then reads its own reports)."""

    def __init__(self, make_jobs: Callable[[], Iterable[tuple[int, ReportJob]]], *, workers: int,
                 limits: ParseLimits | None = None, session: str, progress: Callable[[int, int], None] | None = None):
        import threading

        self._make_jobs = make_jobs
        self._workers = workers
        self._limits = limits
        self._session = session
        self._progress = progress or (lambda done, total: None)
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._left: dict[int, int] = {}  # reports of each year to read, not finished yet
        self._years_listed: set[int] = set()  # years whose reports are all listed (and looked up in the cache)
        self._all_listed = False
        self._ended = False
        self._thread = threading.Thread(target=self._run, name="esg-extract-ahead", daemon=True)
        self.error: str | None = None
        self.extracted = 0

    def __enter__(self) -> ExtractAhead:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading ahead: no report starts, the busy workers are stopped."""
        self._stop.set()
        self._thread.join()

    def wait_for(self, year: int) -> None:
        """Until every report of `year` is read and extracted (or failed), or the reading ahead ended."""
        with self._changed:
            while not (self._ended or (self._listed(year) and not self._left.get(year))):
                self._changed.wait(timeout=1.0)  # a signal's handler can interrupt the wait

    def _listed(self, year: int) -> bool:
        return self._all_listed or year in self._years_listed

    def _run(self) -> None:
        try:
            misses: list[tuple[int, ReportJob]] = []
            current = None
            # The cache is looked up as the jobs are listed, year by year: a year whose reports are all in
            # the cache (a re-run) can start before the later years' reports are even hashed.
            for year, job in self._make_jobs():
                if self._stop.is_set():
                    return
                if year != current:
                    self._list(current)
                    current = year
                if ExtractionCache(job.cache_dir).lookup(job, self._session) is None:
                    misses.append((year, job))
                    with self._changed:
                        self._left[year] = self._left.get(year, 0) + 1
            self._list(current, last=True)
            finished = 0

            def done(index: int, extraction: ReportExtraction) -> None:
                nonlocal finished
                finished += 1
                self.extracted += extraction.ok and not extraction.cached
                self._progress(finished, len(misses))
                with self._changed:
                    self._left[misses[index][0]] -= 1
                    self._changed.notify_all()

            if misses:
                extract_reports([job for _, job in misses], workers=self._workers, limits=self._limits, on_done=done,
                                session=self._session, stop=self._stop.is_set)
        except Exception as exc:  # reading ahead is an optimisation: each year's run reads what is left
            self.error = f"{type(exc).__name__}: {exc}"
            log.warning("reading reports ahead stopped: %s", self.error)
        finally:
            with self._changed:
                self._ended = True
                self._changed.notify_all()

    def _list(self, year: int | None, last: bool = False) -> None:
        with self._changed:
            if year is not None:
                self._years_listed.add(year)
            self._all_listed = last
            self._changed.notify_all()


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
