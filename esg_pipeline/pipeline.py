"""Glue between ingestion, extraction and the warehouse, kept free of Dagster so it is testable alone."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from esg_pipeline.extract import extract_document
from esg_pipeline.ingest.documents import Document
from esg_pipeline.observation import observation_rows

if TYPE_CHECKING:
    from esg_pipeline.report_work import ReportExtraction


@dataclass(frozen=True)
class ReportText:
    """A report of one reporting year as read (blocks and table grids over its text), with where it came from."""

    report_id: str
    company_id: str
    company_name: str
    report_year: int
    title: str
    source: str
    sha256: str
    format: str
    document: Document | None  # None when a pool worker or the extraction cache did the reading (`extraction`)
    currency: str | None = None  # the catalog's reporting currency (a bare '$' in the report)
    extraction: ReportExtraction | None = None

    @property
    def text(self) -> str:
        return self.document.text

    @property
    def page_starts(self) -> Sequence[int]:
        return self.document.page_starts

    @property
    def pages(self) -> int | None:
        """PDF pages (None for text and HTML)."""
        return self.extraction.pages if self.document is None else len(self.page_starts) or None

    @property
    def chars(self) -> int:
        return self.extraction.chars if self.document is None else len(self.text)

    @property
    def doc_name(self) -> str:
        path = urlsplit(self.source).path if "://" in self.source else self.source
        return PurePosixPath(path.replace("\\", "/")).name or self.report_id


def report_metric_rows(report: ReportText) -> list[dict]:
    """Extract one report's metrics as warehouse rows (the observation record); a report extracted
    earlier (by a pool worker, or a run before) gives its rows from the extraction cache."""
    if report.document is None:
        from esg_pipeline.report_work import report_rows

        return report_rows(report.extraction)
    context = {"report_id": report.report_id, "report_year": report.report_year, "company_id": report.company_id,
               "doc_name": report.doc_name, "sha256": report.sha256}
    return observation_rows(extract_document(report.document, doc=report.doc_name, year=report.report_year,
                                             entity=report.company_name, currency=report.currency), context)


@dataclass(frozen=True)
class RunScope:
    """What one run of a reporting year owns in the warehouse: the companies of its catalog entries and
    inbox files, and the reports among them that failed this time (whose earlier rows are kept)."""

    companies: frozenset[str]
    failed_reports: frozenset[str]


def run_scope(outcomes: Sequence[dict]) -> RunScope:
    """The scope of a year's ingest outcomes (`raw_reports`: one ledger row per entry)."""
    rows = [o["ledger_row"] for o in outcomes if o.get("ledger_row")]
    # Entries only: a file or catalog item that never became one (an inbox file of a company the catalog
    # does not know, say) owns nothing, so it cannot take another catalog's company.
    return RunScope(companies=frozenset(o["entry"]["company_id"] for o in outcomes if o.get("entry")),
                    failed_reports=frozenset(r["entry_id"] for r in rows if r.get("status") == "failed"
                                             and r.get("entry_id")))

