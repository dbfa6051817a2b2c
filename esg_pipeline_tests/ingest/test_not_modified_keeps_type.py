"""A 304 Not Modified usually has no Content-Type. The stored copy keeps the type it was fetched with, so it
reads with the same charset and keys the extraction cache as before: found by bench_backfill.py --http, where
every unchanged HTTP report was answered 304 and still read and extracted again."""
from __future__ import annotations

import pytest

from esg_pipeline.ingest.catalog import CatalogEntry
from esg_pipeline.ingest.service import PreviousFetch, ingest_entry
from esg_pipeline.report_work import ReportJob
from esg_pipeline_tests.helpers import RawHTTPServer

BODY = "In 2022 we emitted 12,300 tCO2e of Scope 1 emissions.\n".encode("utf-16")


def answer(conn, calls=[]):  # noqa: B006 (counts this server's connections)
    calls.append(1)
    if len(calls) == 1:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-16\r\nETag: \"v1\"\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(BODY) + BODY)
    else:
        conn.sendall(b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nConnection: close\r\n\r\n")


@pytest.mark.usefixtures("allow_private_urls")
def test_a_304_keeps_the_stored_copys_content_type_and_cache_key(store, fast_settings, tmp_path):
    server = RawHTTPServer(answer, "/r.txt")
    try:
        report = CatalogEntry(company_id="acme", company_name="Acme", year=2022, title="ESG", source=server.url,
                             resolved_source=server.url)
        first = ingest_entry(report, store, None, fast_settings).ledger_row
        previous = PreviousFetch.from_ledger_row(first)
        second = ingest_entry(report, store, previous, fast_settings, read=False).ledger_row
    finally:
        server.close()
    assert (first["http_status"], second["http_status"]) == (200, 304)
    assert second["content_type"] == first["content_type"] == "text/plain; charset=utf-16"

    def key(row):
        return ReportJob.create(report, row["sha256"], row["content_type"], raw_store_dir=str(store.root),
                                cache_dir=str(tmp_path / "cache"), max_bytes=10**8, max_pages=2000).key

    assert key(second) == key(first)
