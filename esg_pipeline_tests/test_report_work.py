"""Per-report work: the extraction cache (keyed by content, extractor and taxonomy versions) and the bounded
worker processes that read and extract reports within the parse limits, on the bundled sample reports (text,
HTML, PDF), hostile PDFs and a real raw store."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pytest

from esg_pipeline.ingest.catalog import load_catalog
from esg_pipeline.extract.version import extractor_version, taxonomy_version
from esg_pipeline.ingest.rawstore import RawStore
from esg_pipeline.ingest.service import ingest_entry
from esg_pipeline.ingest.documents.bounded import ParseLimits
from esg_pipeline.report_work import (
    ExtractionCache, ReportJob, _read_and_extract, extract_reports, read_and_extract, report_rows,
)
from esg_pipeline.settings import PROJECT_DIR
from esg_pipeline_tests.faults.test_every_parse_is_bounded import text_operator_pdf, within

SAMPLES = PROJECT_DIR / "data"
VERSIONS = (extractor_version(), taxonomy_version())


def sample_jobs(folder: Path, versions=VERSIONS, copies: int = 1) -> list[ReportJob]:
    """The bundled catalog's reports (txt, html, pdf) stored in a raw store of the test's own; `copies`
    repeats each under another company so a pool has enough reports to share out."""
    catalog = load_catalog(SAMPLES / "catalog.yaml")
    store = RawStore(folder / "raw")
    jobs = []
    for copy in range(copies):
        for entry in catalog.entries:
            if copy:
                entry = entry.model_copy(update={"company_id": f"{entry.company_id}{copy}",
                                                 "entry_id": f"{entry.entry_id}-{copy}"})
            row = ingest_entry(entry, store, None, read=False).ledger_row
            assert row["status"] == "new", row["reason"]
            jobs.append(ReportJob.create(entry, row["sha256"], row["content_type"], raw_store_dir=str(store.root),
                                         cache_dir=str(folder / "extract-cache"), max_bytes=10**8, max_pages=2000,
                                         versions=versions))
    return jobs


def test_rows_read_back_from_the_cache_equal_freshly_extracted_rows(tmp_path):
    jobs = sample_jobs(tmp_path)
    first = extract_reports(jobs, workers=1)
    assert [e.format for e in first] == ["txt", "html", "pdf", "txt", "txt"]
    assert not any(e.cached for e in first) and all(e.metrics > 20 for e in first)
    again = extract_reports(jobs, workers=1)
    assert all(e.cached and e.pid == 0 for e in again)
    assert [(e.format, e.pages, e.chars, e.metrics, e.warnings) for e in again] == \
        [(e.format, e.pages, e.chars, e.metrics, e.warnings) for e in first]
    for job, cached in zip(jobs, again):
        rows = report_rows(cached)
        fresh = _read_and_extract(job)[1]
        assert rows == fresh
        assert [[type(v) for v in r.values()] for r in rows] == [[type(v) for v in r.values()] for r in fresh]
    pdf_rows = report_rows(again[2])
    assert any(isinstance(r["period_end"], dt.date) for r in pdf_rows) and {r["page"] for r in pdf_rows} >= {1, 2}


def test_a_new_extractor_or_taxonomy_version_or_catalog_field_misses_the_cache(tmp_path):
    extractor, taxonomy = VERSIONS
    extract_reports(sample_jobs(tmp_path), workers=1)
    shutil.rmtree(tmp_path / "raw")  # the same reports, stored again: their keys depend on content, not on runs
    assert all(e.cached for e in extract_reports(sample_jobs(tmp_path), workers=1))

    for versions in [(extractor + "-next", taxonomy), (extractor, taxonomy + "-edited")]:
        shutil.rmtree(tmp_path / "raw")
        again = extract_reports(sample_jobs(tmp_path, versions=versions), workers=1)
        assert not any(e.cached for e in again), versions

    job = sample_jobs(tmp_path / "renamed")[0]
    renamed = ReportJob.create(job.entry.model_copy(update={"company_name": "Harbourline Group"}), job.sha256,
                               job.content_type, raw_store_dir=job.raw_store_dir, cache_dir=job.cache_dir,
                               max_bytes=job.max_bytes, max_pages=job.max_pages)
    assert renamed.key != job.key  # the entity of every row is the company's name


def test_force_reads_and_extracts_every_report_again(tmp_path):
    jobs = sample_jobs(tmp_path)
    extract_reports(jobs, workers=1)
    forced = extract_reports(jobs, workers=1, force=True)
    assert not any(e.cached for e in forced) and all(e.ok for e in forced)


def test_the_pool_gives_the_in_process_output_in_catalog_order(tmp_path):
    jobs = sample_jobs(tmp_path / "pool", copies=2)
    finished = []
    pooled = extract_reports(jobs, workers=2, on_done=lambda index, e: finished.append(index))
    serial = extract_reports(sample_jobs(tmp_path / "serial", copies=2), workers=1)
    in_process = [_read_and_extract(job) for job in sample_jobs(tmp_path / "in-process", copies=2)]
    assert sorted(finished) == list(range(len(jobs)))
    assert len({e.pid for e in pooled} - {0, os.getpid()}) == 2  # read by two worker processes
    assert len({e.pid for e in serial}) == 1 and os.getpid() not in {e.pid for e in serial}
    assert [e.job.entry.entry_id for e in pooled] == [j.entry.entry_id for j in jobs]
    assert [(e.format, e.metrics, e.chars) for e in pooled] == [(e.format, e.metrics, e.chars) for e in serial] \
        == [(e.format, e.metrics, e.chars) for e, _ in in_process]
    assert [report_rows(e) for e in pooled] == [report_rows(e) for e in serial] == [rows for _, rows in in_process]


def test_an_unreadable_report_fails_alone_with_its_reason(tmp_path):
    jobs = sample_jobs(tmp_path, copies=2)
    store = RawStore(tmp_path / "raw")
    broken = store.put_bytes(b"%PDF-1.7\n this is not a PDF body at all \n%%EOF\n")
    bad = ReportJob.create(jobs[2].entry, broken.sha256, "application/pdf", raw_store_dir=str(store.root),
                           cache_dir=jobs[2].cache_dir, max_bytes=10**8, max_pages=2000)
    jobs[2] = bad
    results = extract_reports(jobs, workers=2)
    assert [e.ok for e in results] == [i != 2 for i in range(len(jobs))]
    assert results[2].reason.startswith(str(jobs[2].entry.resolved_source))
    assert ExtractionCache(bad.cache_dir).get(bad) is None  # a failure is not cached: the next run tries again


@pytest.mark.parametrize("damage", ["summary", "rows"])
def test_a_damaged_cache_entry_is_extracted_again(tmp_path, damage):
    jobs = sample_jobs(tmp_path)
    first = extract_reports(jobs, workers=1)
    fresh_rows = report_rows(first[0])
    summary, rows = ExtractionCache(tmp_path / "extract-cache")._paths(jobs[0].key)
    target = summary if damage == "summary" else rows
    assert target.is_file()
    os.truncate(target, 10)
    again = extract_reports(jobs, workers=1)
    if damage == "summary":
        assert not again[0].cached and again[0].ok
    assert report_rows(again[0]) == fresh_rows


def hostile_job(folder: Path, like: ReportJob) -> ReportJob:
    """A 4 KB PDF of 20,000 text operators (minutes to read unbounded) in the place of `like`."""
    store = RawStore(folder / "raw")
    blob = store.put_bytes(text_operator_pdf(20_000))
    return ReportJob.create(like.entry, blob.sha256, "application/pdf", raw_store_dir=str(store.root),
                            cache_dir=like.cache_dir, max_bytes=10**8, max_pages=2000)


def test_a_report_past_the_time_limit_fails_alone_and_is_not_cached(tmp_path):
    # 10 s: minutes for the hostile PDF, while a sample report on a loaded 2-core machine may take over 3 s
    limit = ParseLimits(seconds=10)
    jobs = sample_jobs(tmp_path, copies=2)
    assert jobs[2].entry.resolved_source.endswith(".pdf")
    jobs[2] = hostile_job(tmp_path, jobs[2])
    results = within(180, lambda: extract_reports(jobs, workers=2, limits=limit))
    source = jobs[2].entry.resolved_source
    assert results[2].reason == f"{source}: reading took longer than 10 s"
    assert [e.ok for e in results] == [i != 2 for i in range(len(jobs))]  # the other worker and the next went on
    assert ExtractionCache(jobs[2].cache_dir).get(jobs[2]) is None
    again = extract_reports(jobs, workers=2, limits=limit)
    assert [e.cached for e in again] == [i != 2 for i in range(len(jobs))]  # tried again, never a cached success
    assert again[2].reason == results[2].reason


def test_a_report_past_the_memory_limit_fails_alone(tmp_path):
    jobs = sample_jobs(tmp_path)
    store = RawStore(tmp_path / "raw")
    blob = store.put_bytes(text_operator_pdf(40_000))
    jobs.insert(0, ReportJob.create(jobs[2].entry.model_copy(update={"entry_id": "hungry"}), blob.sha256,
                                    "application/pdf", raw_store_dir=str(store.root), cache_dir=jobs[0].cache_dir,
                                    max_bytes=10**8, max_pages=2000))
    results = within(180, lambda: extract_reports(jobs, workers=1, limits=ParseLimits(seconds=300, memory_mb=200)))
    assert results[0].reason == f"{jobs[0].entry.resolved_source}: reading needed more than 200 MB of memory"
    assert all(e.ok for e in results[1:])


def test_stream_and_page_limits_reach_the_workers(tmp_path):
    from esg_pipeline_tests.faults.test_every_parse_is_bounded import inflating_pdf

    [job] = [j for j in sample_jobs(tmp_path) if j.entry.resolved_source.endswith(".pdf")]
    streams = RawStore(tmp_path / "raw").put_bytes(inflating_pdf(20))
    inflating = ReportJob.create(job.entry, streams.sha256, "application/pdf", raw_store_dir=job.raw_store_dir,
                                 cache_dir=job.cache_dir, max_bytes=10**8, max_pages=2000, max_stream_mb=16)
    one_page = ReportJob.create(job.entry, job.sha256, job.content_type, raw_store_dir=job.raw_store_dir,
                                cache_dir=job.cache_dir, max_bytes=10**8, max_pages=1)
    streamed, paged = extract_reports([inflating, one_page], workers=2)
    assert streamed.reason.endswith("a PDF stream inflates to more than the limit of 16 MB")
    assert "more than the limit of 1" in paged.reason


def test_a_worker_leaves_no_cache_hit_until_the_run_commits_its_report(tmp_path):
    """The worker writes the rows; only the run's commit, once the report came back within its limits, makes
    them a hit: a worker killed after writing its rows leaves a miss."""
    [job] = sample_jobs(tmp_path)[:1]
    extraction = read_and_extract(job)  # what a worker does before it replies
    cache = ExtractionCache(job.cache_dir)
    assert extraction.ok and cache.rows(job.key) and cache.get(job) is None
    cache.commit(extraction)
    assert cache.get(job) is not None
    failed = type(extraction)(job=job, reason="x: reading took longer than 1 s")
    with pytest.raises(ValueError, match="never cached"):
        cache.commit(failed)


def test_a_years_frame_holds_its_reports_rows_in_compact_dtypes(tmp_path):
    """extracted_metrics builds the year's frame report by report through Arrow: the same values as a frame
    of the rows one dict at a time, but the repeated columns categorical and the texts Arrow-backed, so a
    year's rows take well under half the memory (a year of 100 reports is 230,000 rows)."""
    import pandas as pd

    from esg_pipeline.defs.metrics import METRIC_COLUMNS
    from esg_pipeline.report_work import REPEATED_COLUMNS, metrics_frame

    def values(frame):
        return frame.astype(object).where(frame.notna(), None)

    extractions = extract_reports(sample_jobs(tmp_path, copies=2), workers=2)
    plain = pd.DataFrame([row for e in extractions for row in report_rows(e)], columns=METRIC_COLUMNS)
    frame = metrics_frame(extractions, METRIC_COLUMNS)
    assert len(frame) > 200
    pd.testing.assert_frame_equal(values(frame), values(plain))
    assert {c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)} == \
        REPEATED_COLUMNS | {c for c in METRIC_COLUMNS if c.startswith("dim_")}
    assert all(frame[c].dtype == "str" and frame[c].dtype.storage == "pyarrow" for c in ("metric_id", "quote"))
    assert frame.memory_usage(deep=True).sum() < 0.5 * plain.memory_usage(deep=True).sum()
    carried = [type(e)(job=e.job, format=e.format, metrics=e.metrics, rows=tuple(report_rows(e))) for e in extractions]
    for e in extractions:  # rows the cache could not take travel in the reply
        ExtractionCache(e.job.cache_dir).forget(e.job.key)
        summary, rows = ExtractionCache(e.job.cache_dir)._paths(e.job.key)
        rows.unlink(missing_ok=True)
    pd.testing.assert_frame_equal(metrics_frame(carried, METRIC_COLUMNS), frame)
    empty = metrics_frame([], METRIC_COLUMNS)
    assert list(empty.columns) == METRIC_COLUMNS and len(empty) == 0


def test_reading_ahead_fills_the_cache_year_by_year_as_read_in_this_session(tmp_path):
    """A run of several years reads every year's reports in the background (`ExtractAhead`); a year's run
    finds them in the cache, counted as read in this session, not as unchanged reports of an earlier run."""
    from esg_pipeline.report_work import ExtractAhead

    jobs = sample_jobs(tmp_path, copies=2)
    years = [(2030 + index % 2, job) for index, job in enumerate(jobs)]  # two "years" of reports, interleaved
    order = sorted(years, key=lambda pair: pair[0])
    seen = []
    with ExtractAhead(lambda: order, workers=2, session="run-1", progress=lambda done, total: seen.append(total)) as ahead:
        ahead.wait_for(2030)
        first_year = [job for year, job in order if year == 2030]
        assert all(ExtractionCache(job.cache_dir).get(job) for job in first_year)
        ahead.wait_for(2031)
    assert ahead.extracted == len(jobs) and seen and set(seen) == {len(jobs)} and ahead.error is None
    in_session = extract_reports(jobs, workers=1, session="run-1")
    assert all(e.ok and not e.cached and e.pid == 0 and e.seconds > 0 for e in in_session)  # read by the ahead
    later = extract_reports(jobs, workers=1, session="run-2")
    assert all(e.cached for e in later)


def test_a_report_that_failed_in_a_session_fails_again_in_it_unread(tmp_path):
    jobs = sample_jobs(tmp_path)
    store = RawStore(tmp_path / "raw")
    broken = store.put_bytes(b"%PDF-1.7\n this is not a PDF body at all \n%%EOF\n")
    bad = ReportJob.create(jobs[2].entry, broken.sha256, "application/pdf", raw_store_dir=str(store.root),
                           cache_dir=jobs[2].cache_dir, max_bytes=10**8, max_pages=2000)
    [first] = extract_reports([bad], workers=1, session="run-1")
    assert not first.ok and first.pid != 0
    [again] = extract_reports([bad], workers=1, session="run-1")
    assert again.reason == first.reason and again.pid == 0  # not read a second time in the same run
    [other] = extract_reports([bad], workers=1, session="run-2")
    assert other.reason == first.reason and other.pid != 0  # a later run tries again


def test_closing_the_reading_ahead_stops_its_workers(tmp_path):
    """A run stopped (a signal, a locked warehouse) while reports are read ahead: closing stops the busy
    workers at once instead of waiting for a long report."""
    from esg_pipeline.report_work import ExtractAhead

    jobs = sample_jobs(tmp_path)
    slow = hostile_job(tmp_path, jobs[0])  # minutes to read unbounded
    ahead = ExtractAhead(lambda: [(2030, slow), (2031, jobs[1])], workers=1, session="run-1",
                         limits=ParseLimits(seconds=600))
    with ahead:
        time.sleep(2)
        started = time.monotonic()
    assert time.monotonic() - started < 15
    ahead.wait_for(2031)  # ended: waiting returns at once
    assert ExtractionCache(slow.cache_dir).get(slow) is None
