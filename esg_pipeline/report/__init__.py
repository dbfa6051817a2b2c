"""`esg-pipeline report`: a self-contained HTML report on the marts for BI users and people."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from esg_pipeline.export import MartsUnavailable, open_marts
from esg_pipeline.report.data import load_report_data
from esg_pipeline.report.render import render_html

__all__ = ["MartsUnavailable", "build_report"]


def build_report(url: str, output: Path) -> Path:
    """Read the marts through a read-only engine and write the HTML page; MartsUnavailable if not built."""
    engine, tables = open_marts(url)
    try:
        data = load_report_data(engine, tables)
    finally:
        engine.dispose()
    page = render_html(
        data,
        source=make_url(url).render_as_string(hide_password=True),
        generated=datetime.now().astimezone(),
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(page, encoding="utf-8")
    return output
