"""Finding 3: a server that drips a byte every second, each within the read timeout, with a large
Content-Length, must fail at the total deadline (ESG_FETCH_DEADLINE_S), not hang until the body is in."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from esg_pipeline.catalog import CatalogEntry
from esg_pipeline.ingest.fetch import FetchError, FetchSettings, fetch_to_store
from esg_pipeline.ingest.rawstore import RawStore
from esg_pipeline.ingest.service import ingest_entry

DEADLINE_S = 1.5


class DripServer:
    """A real loopback server: announces `length` bytes, then sends one byte every `interval` seconds."""

    def __init__(self, length: int = 1_000_000, interval: float = 1.0):
        self.length, self.interval = length, interval
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/drip.pdf"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\n"
                             b"Content-Length: %d\r\n\r\n" % self.length)
                for _ in range(self.length):
                    if self.stop.wait(self.interval):
                        return
                    conn.sendall(b"%")
            except OSError:
                return  # the client gave up: what the test wants

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def drip(allow_private_urls, monkeypatch):
    monkeypatch.setenv("ESG_FETCH_DEADLINE_S", str(DEADLINE_S))
    server = DripServer()
    yield server
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
