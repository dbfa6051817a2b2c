"""Finding 3: a server that drips a byte every second, each within the read timeout, with a large
Content-Length, must fail at the total deadline (ESG_FETCH_DEADLINE_S), not hang until the body is in."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from esg_pipeline.ingest.catalog import CatalogEntry
from esg_pipeline.ingest.fetch import FetchError, FetchSettings, fetch_to_store
from esg_pipeline.ingest.rawstore import RawStore
from esg_pipeline.ingest.service import ingest_entry
from esg_pipeline_tests.helpers import RawHTTPServer

DEADLINE_S = 1.5


def drip_server(length: int = 1_000_000, interval: float = 1.0) -> tuple[RawHTTPServer, threading.Event]:
    """A real loopback server: announces `length` bytes, then sends one byte every `interval` seconds."""
    stop = threading.Event()

    def drip(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: %d\r\n\r\n" % length)
        for _ in range(length):
            if stop.wait(interval):
                return
            conn.sendall(b"%")

    return RawHTTPServer(drip, "/drip.pdf"), stop


@pytest.fixture
def drip(allow_private_urls, monkeypatch):
    monkeypatch.setenv("ESG_FETCH_DEADLINE_S", str(DEADLINE_S))
    server, stop = drip_server()
    yield server
    stop.set()
    server.close()


def within(seconds: float, call):
    """`call()`'s result or exception, or a test failure (not a hung test) when it takes longer than `seconds`."""
    done: dict = {}

    def work():
        try:
            done["result"] = call()
        except BaseException as exc:  # handed to the test
            done["error"] = exc
    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"still fetching after {seconds} s: the deadline of {DEADLINE_S} s was not enforced")
    if "error" in done:
        raise done["error"]
    return done["result"]


def test_slow_drip_fails_at_the_deadline(drip, tmp_path):
    settings = FetchSettings(read_timeout=5.0, retries=0)  # every byte arrives well within the read timeout
    assert settings.total_timeout == DEADLINE_S
    started = time.monotonic()
    with pytest.raises(FetchError, match=rf"^{drip.url}: download took longer than {DEADLINE_S:g} s$"):
        within(DEADLINE_S + 2, lambda: fetch_to_store(drip.url, RawStore(tmp_path / "raw"), settings))
    assert time.monotonic() - started >= DEADLINE_S


def test_slow_drip_is_a_ledger_failure(drip, tmp_path):
    entry = CatalogEntry(company_id="drip", company_name="Drip Ltd", year=2021, title="Report",
                         source=drip.url, resolved_source=drip.url)
    settings = FetchSettings(read_timeout=5.0, retries=0)
    outcome = within(DEADLINE_S + 2, lambda: ingest_entry(entry, RawStore(tmp_path / "raw"), None, settings))
    assert outcome.status == "failed" and outcome.reason == f"{drip.url}: download took longer than {DEADLINE_S:g} s"
    assert outcome.ledger_row["http_status"] == 200 and not list((tmp_path / "raw").glob("sha256/*/*"))
