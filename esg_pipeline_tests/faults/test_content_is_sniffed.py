"""Finding 10: an HTML page served or named as a PDF (an error or login page) is reported as
"HTML, not a PDF", not as a corrupt PDF."""
from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from esg_pipeline.ingest.catalog import CatalogEntry
from esg_pipeline.ingest.rawstore import RawStore
from esg_pipeline.ingest.service import ingest_entry

LOGIN_PAGE = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form>...</form></body></html>"

# (file name, catalog format, bytes)
LOCAL = [
    ("report.pdf", None, LOGIN_PAGE),
    ("report.pdf", "pdf", b"\xef\xbb\xbf  <!-- cached -->\n<html><body>Not found</body></html>"),
    ("report.html", "pdf", b"<HTML><BODY>moved</BODY></HTML>"),
    ("report.pdf", None, b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'><body/></html>"),
]


def entry(source: str, fmt: str | None = None) -> CatalogEntry:
    return CatalogEntry(company_id="harbourline", company_name="Harbourline Holdings Limited", year=2021,
                        title="ESG Report", source=source, resolved_source=source, format=fmt)


@pytest.mark.parametrize("name,fmt,data", LOCAL)
def test_html_named_as_pdf_is_reported_as_html(tmp_path, name, fmt, data):
    path = tmp_path / name
    path.write_bytes(data)
    outcome = ingest_entry(entry(str(path), fmt), RawStore(tmp_path / "raw"), None)
    assert outcome.status == "failed"
    assert outcome.reason == f"{path}: HTML, not a PDF (the content is a web page, not the report)"


def test_html_served_as_pdf_is_reported_as_html(tmp_path, allow_private_urls):
    with HTTPServer(host="127.0.0.1") as server:
        server.expect_request("/report.pdf").respond_with_data(LOGIN_PAGE, content_type="application/pdf")
        url = server.url_for("/report.pdf")
        outcome = ingest_entry(entry(url), RawStore(tmp_path / "raw"), None)
    assert outcome.status == "failed" and outcome.reason.startswith(f"{url}: HTML, not a PDF")
    assert outcome.ledger_row["content_type"] == "application/pdf"


def test_other_bytes_are_still_a_corrupt_pdf(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(b"just some text, no header")
    outcome = ingest_entry(entry(str(path)), RawStore(tmp_path / "raw"), None)
    assert outcome.reason == f"{path}: corrupt PDF: no %PDF header"
