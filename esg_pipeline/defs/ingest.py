"""Ingest: catalog entries of a reporting year -> raw store (write-once) -> report text."""

import datetime as dt
import hashlib
import sys
import time
from collections.abc import Callable
from typing import Any

import dagster as dg

from esg_pipeline.ingest.catalog import CatalogFileError, CatalogLoad, load_catalog
from esg_pipeline.defs.partitions import reporting_year_partitions, targeted_companies, yearly_warehouse_table
from esg_pipeline.defs.resources import PipelineSettings, WarehouseResource, ensure_dir
from esg_pipeline.defs.unchanged import YearOutcomes, decide_year, year_load
from esg_pipeline.ingest.fetch import build_session
from esg_pipeline.ingest.inbox import InboxFile, check_against_catalog, inbox_entries, scan_inbox
from esg_pipeline.ingest.rawstore import RawStore
from esg_pipeline.ingest.service import LEDGER_COLUMNS, WARNING_SEPARATOR, PreviousFetch, ingest_entry
from esg_pipeline.pipeline import ReportText, run_scope
from esg_pipeline.report_work import ReportExtraction, ReportJob, extract_reports
from esg_pipeline.report_work import summary as extraction_summary
from esg_pipeline.warehouse import latest_successful_fetches, reports_with_rows
from esg_pipeline.warehouse import schema as wh


@dg.asset(
    partitions_def=reporting_year_partitions,
    group_name="ingest",
    kinds={"python", "filesystem"},
    check_specs=[dg.AssetCheckSpec("all_reports_ingested", asset="raw_reports",
                                   description="Every catalog entry of the year was fetched and read.")],
)
def raw_reports(context: dg.AssetExecutionContext, pipeline: PipelineSettings, warehouse: WarehouseResource):
    """The year's catalog entries and inbox files, fetched (http/https) or read into the content-addressed raw
    store, then each report read and extracted once per content: in parallel by bounded worker processes
    (each report within the parse limits), and not at all when the extraction cache holds its output (an
    unchanged report costs its hash)."""
    year = int(context.partition_key)
    started = time.perf_counter()
    try:
        catalog = load_catalog(pipeline.catalog_path)
    except CatalogFileError as exc:
        raise dg.Failure(description=str(exc)) from exc
    targeted = targeted_companies(context.run.tags)
    inbox = scan_inbox(pipeline.inbox_dir, max_bytes=pipeline.max_report_bytes)
    unknown = sorted(targeted - catalog.companies.keys() - {f.company_id for f in inbox}) if targeted else []
    if unknown:  # a mistyped tag would otherwise run nothing and say nothing
        raise dg.Failure(description=f"run tag esg/companies names companies neither in {pipeline.catalog_path} "
                                     f"nor in the inbox: {', '.join(unknown)}")
    if targeted:  # a run for some companies touches only their reports (and their inbox files)
        inbox = [f for f in inbox if f.company_id in targeted]
    inbox = check_against_catalog(inbox, catalog)
    dropped = inbox_entries(inbox, catalog.companies)
    entries = [e for e in catalog.for_year(year) + [e for e in dropped if e.year == year]
               if targeted is None or e.company_id in targeted]
    store = RawStore(ensure_dir(pipeline.raw_store_dir))
    with warehouse.writer() as writer:  # not held while the reports are fetched and read
        previous = latest_successful_fetches(writer.connection, [e.resolved_source for e in entries])
    settings = pipeline.fetch_settings()
    session = build_session(settings)
    limits = pipeline.parse_limits()  # each report is read in a worker process that a limit can kill

    outcomes: list[dict[str, Any]] = []
    jobs: list[tuple[int, ReportJob]] = []  # (outcome, the report to read and extract)
    for number, entry in enumerate(entries, 1):
        if entry.is_url:  # a download can be slow: say which (a local file is hashed in milliseconds)
            context.log.info(f"[{number}/{len(entries)}] ingesting {entry.entry_id} from {entry.source}")
        known = PreviousFetch.from_ledger_row(previous.get(entry.resolved_source))
        outcome = ingest_entry(entry, store, known, settings, session=session, max_pages=pipeline.report_pages(),
                               read=False)
        row = dict(outcome.ledger_row, run_id=context.run_id)
        outcomes.append({"entry": entry.model_dump(), "ledger_row": row, "extraction": None})
        if row["status"] != "failed":
            jobs.append((len(outcomes) - 1, pipeline.report_job(entry, row, store.root, limits)))
    fetched = time.perf_counter()
    extractions = _read_and_extract(context, pipeline, year, [job for _, job in jobs], limits)
    read = time.perf_counter()
    for (index, _), extraction in zip(jobs, extractions):
        outcome = outcomes[index]
        if extraction.ok:
            repaired = [outcome["ledger_row"]["warnings"]] if outcome["ledger_row"]["warnings"] else []
            outcome["ledger_row"].update(format=extraction.format,
                                         warnings=WARNING_SEPARATOR.join([*repaired, *extraction.warnings]) or None)
            outcome["extraction"] = extraction
        else:
            outcome["ledger_row"].update(status="failed", reason=extraction.reason)
    for outcome in outcomes:
        row = outcome["ledger_row"]
        if row["status"] == "failed":
            context.log.warning(f"{row['entry_id']}: {row['reason']}")
        elif row["warnings"]:
            context.log.warning(f"{row['entry_id']}: read with warnings: {row['warnings']}")

    # An entry too broken to ingest still leaves a ledger row, and so does an inbox file of this year that
    # cannot be one (a symlink, an unknown company, a duplicate).
    for row in problem_rows(catalog, inbox, context.run_id, owned=lambda y: y == year):
        context.log.warning(f"{row['source']}: {row['reason']}")
        outcomes.append({"entry": None, "extraction": None, "ledger_row": row})
    # This year's broken entries, and those whose year cannot be read (they may belong to any year).
    catalog_problems = [str(err) for err in catalog.errors if err.year in (year, None)]
    for error in catalog.errors:
        if error.year is None:
            context.log.warning(f"catalog {pipeline.catalog_path}: {error}")
    # Last good data wins: a report failing now keeps the rows an earlier run loaded, and they are marked stale.
    with warehouse.writer() as writer:
        kept = reports_with_rows(writer.connection, year, run_scope(outcomes).failed_reports)
        for outcome in outcomes:
            row = outcome["ledger_row"]
            row["is_stale"] = row["status"] == "failed" and row["entry_id"] in kept
            if row["is_stale"]:
                context.log.warning(f"{row['entry_id']}: the figures an earlier run loaded are kept, marked stale")
        # The year's loads are skipped when their inputs are those of the last successful load (defs/unchanged.py).
        outcomes = YearOutcomes(outcomes)
        outcomes.load = decide_year(writer, outcomes, year=year, max_quarantine_share=pipeline.max_quarantine_share,
                                    force=pipeline.force_extract)
    if outcomes.load.unchanged:
        context.log.info(f"{year}: validation and loads skipped: {outcomes.load.why()}")
    failed = [o["ledger_row"] for o in outcomes if o["ledger_row"]["status"] == "failed"]
    warned = [o["ledger_row"] for o in outcomes if o["ledger_row"]["warnings"]]
    counts = {s: sum(o["ledger_row"]["status"] == s for o in outcomes) for s in ("new", "unchanged", "failed")}
    extracted = [e.job.entry.entry_id for e in extractions if not e.cached]
    yield dg.Output(outcomes, metadata={
        "reports": len(outcomes), **counts, "stale": len(kept), "with_warnings": len(warned),
        "catalog_errors": len(catalog_problems), "companies": ", ".join(sorted(targeted)) if targeted else "all",
        **extraction_summary(extractions),
        "extracted_reports": dg.MetadataValue.json(
            extracted[:50] + ([f"... and {len(extracted) - 50} more"] if len(extracted) > 50 else [])),
        "workers": pipeline.workers(), "forced": pipeline.force_extract,
        "fetch_seconds": round(fetched - started, 3), "extract_seconds": round(read - fetched, 3),
        "reports_per_minute": round(60 * len(jobs) / max(read - started, 1e-9), 1),
        "loads": outcomes.load.why() or "to run", "load_fingerprint": outcomes.load.fingerprint,
    })
    yield dg.AssetCheckResult(
        check_name="all_reports_ingested",
        passed=not failed and not catalog_problems,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "failed_reports": failed_list(failed),
            "catalog_errors": dg.MetadataValue.md("\n".join(f"- {p}" for p in catalog_problems) or "none"),
            "read_with_warnings": dg.MetadataValue.md(
                "\n".join(f"- `{r['entry_id']}`: {r['warnings']}" for r in warned) or "none"
            ),
        },
    )


def _read_and_extract(context: dg.AssetExecutionContext, pipeline: PipelineSettings, year: int,
                      jobs: list[ReportJob], limits) -> list[ReportExtraction]:
    """Every stored report read and extracted (or found in the cache), with a progress bar on the CLI."""
    from tqdm import tqdm

    with tqdm(total=len(jobs), desc=f"{year} read+extract", unit="report", file=sys.stderr,
              disable=not pipeline.show_progress or not jobs, dynamic_ncols=True) as bar:
        def done(index: int, extraction: ReportExtraction) -> None:
            # One line per report read (a Dagster log line costs ~5 ms: 1,000 cache hits cost 5 s in lines)
            if not extraction.cached:
                how = f"{extraction.metrics} metrics in {extraction.seconds:.1f} s" if extraction.ok else "unreadable"
                context.log.info(f"[{index + 1}/{len(jobs)}] {extraction.job.entry.entry_id}: {how}")
            bar.update(1)

        extractions = extract_reports(jobs, workers=pipeline.workers(), force=pipeline.force_extract, limits=limits,
                                      on_done=done, session=pipeline.run_session)
        context.log.info(f"{year}: {sum(e.cached for e in extractions)} of {len(jobs)} reports from the extraction "
                         f"cache (unchanged), {sum(not e.cached for e in extractions)} read and extracted")
        return extractions


def local_report_jobs(pipeline: PipelineSettings, years: list[int], companies: frozenset[str] | None):
    """(year, job) for each local-file catalog entry of `years` (of `companies`; None: all), stored in the raw
    store as `raw_reports` stores it, yielded in year order as each is stored: what `report_work.ExtractAhead`
    reads ahead of the years' runs. URL sources (each run fetches them, conditionally) and inbox files are
    left to the runs."""
    catalog = load_catalog(pipeline.catalog_path)
    store = RawStore(ensure_dir(pipeline.raw_store_dir))
    settings, limits = pipeline.fetch_settings(), pipeline.parse_limits()
    for year in years:
        for entry in catalog.for_year(year):
            if entry.is_url or (companies is not None and entry.company_id not in companies):
                continue
            row = ingest_entry(entry, store, None, settings, max_pages=pipeline.report_pages(), read=False).ledger_row
            if row["status"] != "failed":
                yield year, pipeline.report_job(entry, row, store.root, limits)


def problem_rows(catalog: CatalogLoad, inbox: list[InboxFile], run_id: str,
                 owned: Callable[[int | None], bool]) -> list[dict[str, Any]]:
    """Failed ledger rows for the catalog's errors and the inbox's unusable files whose year is `owned`."""
    rows = [failed_row(_problem_id("catalog", error.year, f"{error.section}-{error.index}"), error.year,
                       f"{catalog.path}#{error.section}[{error.index}]", f"invalid catalog entry: {error}", run_id)
            for error in catalog.errors if owned(error.year)]
    rows += [failed_row(_problem_id("inbox", file.year, file.path.name), file.year, str(file.path), file.problem,
                        run_id, company_id=file.company_id)
             for file in inbox if file.problem and owned(file.year)]
    return rows


def failed_list(rows: list[dict[str, Any]]) -> dg.MetadataValue:
    """Failed ledger rows as a check's markdown list, one line each."""
    return dg.MetadataValue.md("\n".join(f"- `{r['entry_id']}`: {r['reason']}"
                                         + " (earlier figures kept: stale)" * bool(r["is_stale"]) for r in rows)
                               or "none")


def _problem_id(kind: str, year: int | None, name: str) -> str:
    return f"{kind}/{year}/{name}" if year is not None else f"{kind}/{name}"


@dg.asset(group_name="ingest", kinds={"python", "sqlalchemy"}, pool="warehouse", check_specs=[
    dg.AssetCheckSpec("every_entry_has_a_year", asset="failures_without_a_year",
                      description="No catalog entry or inbox file has a year without a reporting-year partition.")])
def failures_without_a_year(context: dg.AssetExecutionContext, pipeline: PipelineSettings,
                            warehouse: WarehouseResource):
    """Catalog entries and inbox files that no reporting year can own -- their year is unreadable, or has no
    reporting-year partition (1800, 2999) -- as failed rows of esg_raw.ingest_ledger, on every run; the
    problems of a year with a partition are recorded by that partition (raw_reports)."""
    try:
        catalog = load_catalog(pipeline.catalog_path)
    except CatalogFileError as exc:
        raise dg.Failure(description=str(exc)) from exc
    years = {int(key) for key in reporting_year_partitions.get_partition_keys()}
    inbox = check_against_catalog(scan_inbox(pipeline.inbox_dir, max_bytes=pipeline.max_report_bytes), catalog)
    rows = problem_rows(catalog, inbox, context.run_id, owned=lambda y: y not in years)
    for row in rows:
        context.log.warning(f"{row['source']}: {row['reason']}")
    with warehouse.writer() as writer:
        writer.upsert(wh.ingest_ledger, [dict(r, attempt_id=_attempt_id(r)) for r in rows], key="attempt_id")
    return dg.MaterializeResult(metadata={"failed": len(rows)}, check_results=[dg.AssetCheckResult(
        check_name="every_entry_has_a_year", passed=not rows, severity=dg.AssetCheckSeverity.WARN,
        metadata={"failed": failed_list(rows)})])


def failed_row(entry_id: str, year: int | None, source: str, reason: str, run_id: str,
               **fields: Any) -> dict[str, Any]:
    """A ledger row for something that never became a report to ingest."""
    row: dict[str, Any] = dict.fromkeys(LEDGER_COLUMNS)
    row.update(fields)
    row.update({"entry_id": entry_id, "report_year": year, "source": source,
                "attempted_at": dt.datetime.now(dt.timezone.utc), "status": "failed", "reason": reason,
                "run_id": run_id, "is_stale": False})
    return row


def _attempt_id(row: dict[str, Any]) -> str:
    """The same attempt always gets the same id, so re-loading the ledger asset adds nothing twice."""
    key = f"{row['run_id']}|{row['entry_id']}|{row['source']}|{row['attempted_at']}"
    return hashlib.sha256(key.encode()).hexdigest()[:36]


@yearly_warehouse_table(["esg_raw", "ingest_ledger"])
def ingest_ledger(context: dg.AssetExecutionContext, raw_reports: list[dict], warehouse: WarehouseResource):
    """Append-only record of every ingestion attempt: status new / unchanged / failed and why, and the
    reader's warnings for a report read with problems on some pages."""
    started = time.perf_counter()
    rows = [dict(o["ledger_row"], attempt_id=_attempt_id(o["ledger_row"])) for o in raw_reports]
    with warehouse.writer() as writer:
        writer.upsert(wh.ingest_ledger, rows, key="attempt_id")
    return dg.MaterializeResult(metadata={"attempts": len(rows), "seconds": round(time.perf_counter() - started, 3)})


@dg.asset(partitions_def=reporting_year_partitions, group_name="ingest", kinds={"python"})
def report_text(context: dg.AssetExecutionContext, raw_reports: list[dict]) -> list[ReportText]:
    """Every report of the year that could be read: where it came from, its format, pages and characters, and
    its extraction (the document itself was read by raw_reports' workers; its rows are in the extraction cache)."""
    started = time.perf_counter()
    texts = []
    for outcome in raw_reports:
        extraction, row, entry = outcome["extraction"], outcome["ledger_row"], outcome["entry"]
        if extraction is None or row["status"] == "failed":
            continue
        texts.append(
            ReportText(
                report_id=row["entry_id"],
                company_id=entry["company_id"],
                company_name=entry["company_name"],
                report_year=entry["year"],
                title=entry["title"],
                source=entry["source"],
                sha256=row["sha256"],
                format=extraction.format,
                document=None,  # read by raw_reports' workers, or not at all: the rows are in the cache
                currency=entry.get("currency"),
                extraction=extraction,
            )
        )
    context.add_output_metadata({"reports": len(texts), "characters": sum(t.chars for t in texts),
                                 "from_cache": sum(t.extraction.cached for t in texts),
                                 "seconds": round(time.perf_counter() - started, 3)})
    return texts


@yearly_warehouse_table(["esg_raw", "reports"])
def reports_table(context: dg.AssetExecutionContext, raw_reports: list[dict], report_text: list[ReportText],
                  extracted_metrics, warehouse: WarehouseResource):
    """One row per catalog entry of the year: source, content hash, pages, status and reason."""
    year = int(context.partition_key)
    started = time.perf_counter()
    texts = {t.report_id: t for t in report_text}
    found = extracted_metrics["report_id"].value_counts().to_dict() if len(extracted_metrics) else {}
    rows = []
    for outcome in raw_reports:
        if outcome["entry"] is None:  # an invalid catalog entry: recorded in the ledger, not a report
            continue
        row = outcome["ledger_row"]
        text = texts.get(row["entry_id"])
        rows.append({
            **row,
            "report_id": row["entry_id"],
            "report_year": year,
            "pages": text.pages if text else None,
            "chars": text.chars if text else None,
            "metrics_found": found.get(row["entry_id"], 0),
            "fetched_at": row["attempted_at"],
        })
    # this run's companies only: another catalog's reports in the same warehouse stay
    load = year_load(raw_reports)
    with warehouse.writer() as writer:
        loaded = writer.replace_owned(wh.reports, rows, year=year, companies=run_scope(raw_reports).companies,
                                      state=load.state(wh.reports, context.run_id) if load else None)
    return dg.MaterializeResult(metadata={"rows": loaded, "seconds": round(time.perf_counter() - started, 3)})
