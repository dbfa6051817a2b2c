"""Glue between ingestion, extraction and the warehouse, kept free of Dagster so it is testable alone."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from esg_pipeline.extract import extract_document
from esg_pipeline.ingest.documents import Document


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
    document: Document

    @property
    def text(self) -> str:
        return self.document.text

    @property
    def page_starts(self) -> Sequence[int]:
        return self.document.page_starts

    @property
    def doc_name(self) -> str:
        path = urlsplit(self.source).path if "://" in self.source else self.source
        return PurePosixPath(path.replace("\\", "/")).name or self.report_id


def metric_id(report_id: str, sha256: str, start: int, end: int, unit: str, year: int | None) -> str:
    """Stable across runs, so re-loading a partition yields the same keys."""
    key = f"{report_id}|{sha256}|{start}|{end}|{unit}|{year}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def report_metric_rows(report: ReportText) -> list[dict]:
    """Extract one report's metrics as warehouse rows."""
    rows = []
    for metric in extract_document(report.document, doc=report.doc_name, year=report.report_year,
                                   entity=report.company_name):
        m = metric.to_dict()
        rows.append(
            {
                "metric_id": metric_id(report.report_id, report.sha256, m["start"], m["end"], m["unit"], m["year"]),
                "report_year": report.report_year,
                "report_id": report.report_id,
                "company_id": report.company_id,
                "doc_name": report.doc_name,
                "doc_sha256": report.sha256,
                "value": m["value"],
                "unit": m["unit"],
                "qualifier": m["qualifier"],
                "indicator": m["indicator"],
                "hkex_kpi": m["hkex_kpi"],
                "gri": m.get("gri"),
                "entity": m["entity"],
                "metric_year": m["year"],
                "year_source": m.get("year_source"),
                "subject": m["subject"],
                "quote": m["quote"],
                "raw_text": m.get("raw"),
                "char_start": m["start"],
                "char_end": m["end"],
                "line": m.get("line"),
                "page": m.get("page"),
                "method": m.get("method"),
                "confidence": m.get("confidence"),
                "flags": ",".join(m.get("flags") or []),
            }
        )
    return rows
