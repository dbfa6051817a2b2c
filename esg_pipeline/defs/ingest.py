"""Ingest: catalog entries of a reporting year -> raw store (write-once) -> report text."""

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import dagster as dg

from esg_pipeline.ingest.catalog import CatalogFileError, CatalogLoad, load_catalog
from esg_pipeline.defs.partitions import reporting_year_partitions, targeted_companies, yearly_warehouse_table
from esg_pipeline.defs.resources import PipelineSettings, WarehouseResource, ensure_dir
from esg_pipeline.ingest.documents.bounded import BoundedReader
from esg_pipeline.ingest.fetch import build_session
from esg_pipeline.ingest.inbox import InboxFile, check_against_catalog, inbox_entries, scan_inbox
from esg_pipeline.ingest.rawstore import RawStore
from esg_pipeline.ingest.service import LEDGER_COLUMNS, PreviousFetch, ingest_entry
from esg_pipeline.pipeline import ReportText, run_scope
from esg_pipeline.warehouse import latest_successful_fetches, replace_owned_rows, reports_with_rows, upsert_rows
from esg_pipeline.warehouse import schema as wh


@dg.asset(
    partitions_def=reporting_year_partitions,
    group_name="ingest",
    kinds={"python", "filesystem"},
    check_specs=[dg.AssetCheckSpec("all_reports_ingested", asset="raw_reports",
                                   description="Every catalog entry of the year was fetched and read.")],
)
def raw_reports(context: dg.AssetExecutionContext, pipeline: PipelineSettings, warehouse: WarehouseResource):
    """The year's catalog entries and inbox files, fetched (http/https) or read into the content-addressed raw store."""
    year = int(context.partition_key)
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
    engine = warehouse.writable_engine()
    previous = latest_successful_fetches(engine, [e.resolved_source for e in entries])
    settings = pipeline.fetch_settings()
    session = build_session(settings)
    reader = BoundedReader(pipeline.parse_limits())  # documents are read in a process that a limit can kill

    outcomes: list[dict[str, Any]] = []
    for number, entry in enumerate(entries, 1):
        context.log.info(f"[{number}/{len(entries)}] ingesting {entry.entry_id} from {entry.source}")
        known = PreviousFetch.from_ledger_row(previous.get(entry.resolved_source))
        outcome = ingest_entry(entry, store, known, settings, session=session, max_pages=pipeline.report_pages(),
                               reader=reader.read)
        row = dict(outcome.ledger_row, run_id=context.run_id)
        if row["status"] == "failed":
            context.log.warning(f"{entry.entry_id}: {row['reason']}")
        elif row["warnings"]:
            context.log.warning(f"{entry.entry_id}: read with warnings: {row['warnings']}")
        outcomes.append({"entry": entry.model_dump(), "ledger_row": row, "document": outcome.document})
    reader.close()

    # An entry too broken to ingest still leaves a ledger row, and so does an inbox file of this year that
    # cannot be one (a symlink, an unknown company, a duplicate).
    for row in problem_rows(catalog, inbox, context.run_id, owned=lambda y: y == year):
        context.log.warning(f"{row['source']}: {row['reason']}")
        outcomes.append({"entry": None, "document": None, "ledger_row": row})
    # This year's broken entries, and those whose year cannot be read (they may belong to any year).
    catalog_problems = [str(err) for err in catalog.errors if err.year in (year, None)]
    for error in catalog.errors:
        if error.year is None:
            context.log.warning(f"catalog {pipeline.catalog_path}: {error}")
    # Last good data wins: a report failing now keeps the rows an earlier run loaded, and they are marked stale.
    kept = reports_with_rows(engine, year, run_scope(outcomes).failed_reports)
    for outcome in outcomes:
        row = outcome["ledger_row"]
        row["is_stale"] = row["status"] == "failed" and row["entry_id"] in kept
        if row["is_stale"]:
            context.log.warning(f"{row['entry_id']}: the figures an earlier run loaded are kept, marked stale")
    failed = [o["ledger_row"] for o in outcomes if o["ledger_row"]["status"] == "failed"]
    warned = [o["ledger_row"] for o in outcomes if o["ledger_row"]["warnings"]]
    counts = {s: sum(o["ledger_row"]["status"] == s for o in outcomes) for s in ("new", "unchanged", "failed")}
    yield dg.Output(outcomes, metadata={"reports": len(outcomes), **counts, "stale": len(kept),
                                        "with_warnings": len(warned), "catalog_errors": len(catalog_problems),
                                        "companies": ", ".join(sorted(targeted)) if targeted else "all"})
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
    upsert_rows(warehouse.writable_engine(), wh.ingest_ledger, [dict(r, attempt_id=_attempt_id(r)) for r in rows],
                key="attempt_id")
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
    rows = [dict(o["ledger_row"], attempt_id=_attempt_id(o["ledger_row"])) for o in raw_reports]
    upsert_rows(warehouse.writable_engine(), wh.ingest_ledger, rows, key="attempt_id")
    return dg.MaterializeResult(metadata={"attempts": len(rows)})


@dg.asset(partitions_def=reporting_year_partitions, group_name="ingest", kinds={"python"})
def report_text(context: dg.AssetExecutionContext, raw_reports: list[dict]) -> list[ReportText]:
    """Every report of the year that could be read: its blocks and table grids over its text, with PDF pages."""
    texts = []
    for outcome in raw_reports:
        document, row, entry = outcome["document"], outcome["ledger_row"], outcome["entry"]
        if document is None or row["status"] == "failed":
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
                format=document.format,
                document=document,
                currency=entry.get("currency"),
            )
        )
    context.add_output_metadata({"reports": len(texts), "characters": sum(len(t.text) for t in texts)})
    return texts


@yearly_warehouse_table(["esg_raw", "reports"])
def reports_table(context: dg.AssetExecutionContext, raw_reports: list[dict], report_text: list[ReportText],
                  extracted_metrics, warehouse: WarehouseResource):
    """One row per catalog entry of the year: source, content hash, pages, status and reason."""
    year = int(context.partition_key)
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
            "pages": len(text.page_starts) or None if text else None,
            "chars": len(text.text) if text else None,
            "metrics_found": found.get(row["entry_id"], 0),
            "fetched_at": row["attempted_at"],
        })
    # this run's companies only: another catalog's reports in the same warehouse stay
    loaded = replace_owned_rows(warehouse.writable_engine(), wh.reports, rows, year=year,
                                companies=run_scope(raw_reports).companies)
    return dg.MaterializeResult(metadata={"rows": loaded})
