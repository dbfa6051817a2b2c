"""What a run left in the warehouse, per reporting year: for the CLI and for people."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from esg_pipeline.warehouse import make_engine


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
    year: int
    report_id: str
    reason: str


def _scalar_by_year(conn, sql: str) -> dict[int, int]:
    return {int(year): int(count) for year, count in conn.execute(sa.text(sql))}


def summarize(url: str, years: Iterable[int]) -> tuple[list[YearSummary], list[FailedReport]]:
    engine = make_engine(url, read_only=True)
    years = sorted(set(years))
    with engine.connect() as conn:
        reports = _scalar_by_year(conn, "select report_year, count(*) from esg_raw.reports group by 1")
        failed = _scalar_by_year(
            conn, "select report_year, count(*) from esg_raw.reports where status = 'failed' group by 1")
        metrics = _scalar_by_year(conn, "select report_year, count(*) from esg_raw.metrics group by 1")
        quarantined = _scalar_by_year(conn, "select report_year, count(*) from esg_raw.quarantine group by 1")
        failures = [
            FailedReport(int(y), rid, reason or "")
            for y, rid, reason in conn.execute(sa.text(
                "select report_year, report_id, reason from esg_raw.reports where status = 'failed' order by 1, 2"))
            if int(y) in years
        ]
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
        lines.extend(f"  {f.year} {f.report_id}: {f.reason}" for f in failures)
    return "\n".join(lines)
