"""What a run left in the warehouse, per reporting year: for the CLI and for people."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from esg_pipeline.warehouse import make_engine
from esg_pipeline.warehouse import schema


@dataclass(frozen=True)
class YearSummary:
    year: int
    reports: int
    failed_reports: int
    metrics: int
    quarantined: int
    mart_rows: int


@dataclass(frozen=True)
class FailedReport:
    year: int | None  # None: a catalog entry or inbox file no reporting year can own (year 1800, say)
    report_id: str
    reason: str
    is_stale: bool = False  # its figures from an earlier run are kept, marked stale


def _scalar_by_year(conn, sql: str) -> dict[int, int]:
    return {int(year): int(count) for year, count in conn.execute(sa.text(sql))}


def _failed_attempts(conn, run_ids: list[str]) -> list[FailedReport]:
    if not run_ids:
        return []
    ledger = schema.ingest_ledger
    query = (sa.select(ledger.c.report_year, ledger.c.entry_id, ledger.c.reason, ledger.c.is_stale)
             .where(ledger.c.status == "failed", ledger.c.run_id.in_(run_ids)))
    failures = [FailedReport(None if year is None else int(year), entry_id or "", reason or "", bool(stale))
                for year, entry_id, reason, stale in conn.execute(query)]
    return sorted(failures, key=lambda f: (f.year or 0, f.report_id))


def summarize(url: str, years: Iterable[int],
              run_ids: Iterable[str] = ()) -> tuple[list[YearSummary], list[FailedReport]]:
    """Per year, what the warehouse holds; and the failed ledger rows of the Dagster runs `run_ids` (a CLI
    run's own: not another catalog's, not an earlier run's)."""
    engine = make_engine(url, read_only=True)
    years = sorted(set(years))
    run_ids = sorted(set(run_ids))
    with engine.connect() as conn:
        reports = _scalar_by_year(conn, "select report_year, count(*) from esg_raw.reports group by 1")
        failed = _scalar_by_year(
            conn, "select report_year, count(*) from esg_raw.reports where status = 'failed' group by 1")
        metrics = _scalar_by_year(conn, "select report_year, count(*) from esg_raw.metrics group by 1")
        quarantined = _scalar_by_year(conn, "select report_year, count(*) from esg_raw.quarantine group by 1")
        failures = _failed_attempts(conn, run_ids)
        try:  # last: on PostgreSQL a failed statement aborts the rest of the transaction
            mart = _scalar_by_year(conn, "select report_year, count(*) from marts.fct_esg_metrics group by 1")
        except sa.exc.DBAPIError:  # marts not built (dbt step failed)
            mart = {}
    engine.dispose()
    rows = [
        YearSummary(y, reports.get(y, 0), failed.get(y, 0), metrics.get(y, 0), quarantined.get(y, 0), mart.get(y, 0))
        for y in years
    ]
    return rows, failures


def format_summary(rows: list[YearSummary], failures: list[FailedReport]) -> str:
    header = f"{'year':>6} {'reports':>8} {'failed':>7} {'metrics':>8} {'quarantined':>12} {'in mart':>8}"
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(f"{r.year:>6} {r.reports:>8} {r.failed_reports:>7} {r.metrics:>8} {r.quarantined:>12} {r.mart_rows:>8}")
    if failures:
        lines.append("")
        lines.append("Reports that failed (recorded in esg_raw.ingest_ledger):")
        lines.extend(f"  {f.year or '-'} {f.report_id}: {f.reason}" + " (earlier figures kept: stale)" * f.is_stale
                     for f in failures)
    return "\n".join(lines)
