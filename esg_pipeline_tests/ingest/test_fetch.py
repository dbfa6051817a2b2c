"""HTTP fetching against real servers on loopback: status codes, retries, timeouts, size and truncation."""
from __future__ import annotations

import dataclasses
import hashlib
import socket
import time
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from esg_pipeline.ingest.fetch import (
    FetchError,
    build_session,
    default_user_agent,
    fetch_to_store,
)
from esg_pipeline_tests.helpers import RawHTTPServer

pytestmark = pytest.mark.usefixtures("allow_private_urls")


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    # Threaded, so a deliberately slow handler does not hold up the retry that follows it.
    http = HTTPServer(host="127.0.0.1", threaded=True)
    http.start()
    yield http
    http.clear()
    if http.is_running():
        http.stop()


@pytest.fixture(autouse=True)
def fresh_server(server):
    server.clear()
    yield


def hits(server: HTTPServer, path: str) -> int:
    return sum(1 for request, _ in server.log if request.path == path)


def test_200_is_stored_with_validators_and_user_agent(server, store, fast_settings, texts):
    body = texts.community_2021.encode()
    server.expect_request("/reports/2021.txt").respond_with_data(
        body, content_type="text/plain; charset=utf-8",
        headers={"ETag": '"v1"', "Last-Modified": "Wed, 05 Jan 2022 08:00:00 GMT"})
    result = fetch_to_store(server.url_for("/reports/2021.txt"), store, fast_settings)
    assert result.http_status == 200 and not result.not_modified
    assert result.blob.sha256 == hashlib.sha256(body).hexdigest() and result.blob.bytes == len(body)
    assert store.read(result.blob.sha256) == body
    assert result.etag == '"v1"' and result.last_modified == "Wed, 05 Jan 2022 08:00:00 GMT"
    assert result.content_type == "text/plain; charset=utf-8"
    request, _ = server.log[-1]
    assert request.headers["User-Agent"] == fast_settings.user_agent
    assert "If-None-Match" not in request.headers


def test_default_user_agent_names_project_and_version():
    agent = default_user_agent()
    assert agent.startswith("esg-pipeline/") and "(+https://github.com/esg-pipeline/esg-pipeline)" in agent


def test_conditional_get_304_downloads_nothing(server, store, fast_settings):
    server.expect_request("/r.pdf", headers={"If-None-Match": '"v1"',
                                             "If-Modified-Since": "Wed, 05 Jan 2022 08:00:00 GMT"}
                          ).respond_with_data(b"", status=304, headers={"ETag": '"v1"'})
    server.expect_request("/r.pdf").respond_with_data(b"%PDF- unconditional body", status=200)
    result = fetch_to_store(server.url_for("/r.pdf"), store, fast_settings, etag='"v1"',
                            last_modified="Wed, 05 Jan 2022 08:00:00 GMT")
    assert result.not_modified and result.http_status == 304 and result.blob is None
    assert result.etag == '"v1"' and result.last_modified == "Wed, 05 Jan 2022 08:00:00 GMT"
    assert not (store.root / "sha256").exists()


def test_404_fails_at_once_without_retries(server, store, fast_settings):
    server.expect_request("/missing.txt").respond_with_data("gone", status=404)
    url = server.url_for("/missing.txt")
    with pytest.raises(FetchError) as info:
        fetch_to_store(url, store, fast_settings)
    assert info.value.http_status == 404
    assert info.value.reason == f"{url}: HTTP 404 NOT FOUND"
    assert hits(server, "/missing.txt") == 1


def test_500_then_200_is_retried(server, store, fast_settings, texts):
    server.expect_oneshot_request("/flaky.txt").respond_with_data("busy", status=500)
    server.expect_oneshot_request("/flaky.txt").respond_with_data("busy", status=503)
    server.expect_request("/flaky.txt").respond_with_data(texts.emissions_2022)
    result = fetch_to_store(server.url_for("/flaky.txt"), store, fast_settings)
    assert result.http_status == 200
    assert store.read(result.blob.sha256) == texts.emissions_2022.encode()
    assert hits(server, "/flaky.txt") == 3


def test_persistent_500_fails_after_all_retries(server, store, fast_settings):
    server.expect_request("/down.txt").respond_with_data("oops", status=500)
    with pytest.raises(FetchError, match=r"down\.txt: HTTP 500 INTERNAL SERVER ERROR after 2 retries") as info:
        fetch_to_store(server.url_for("/down.txt"), store, fast_settings)
    assert info.value.http_status == 500
    assert hits(server, "/down.txt") == fast_settings.retries + 1


def test_429_honours_retry_after(server, store, fast_settings, texts):
    server.expect_oneshot_request("/limited.txt").respond_with_data("slow down", status=429,
                                                                   headers={"Retry-After": "1"})
    server.expect_request("/limited.txt").respond_with_data(texts.community_2021)
    started = time.monotonic()
    result = fetch_to_store(server.url_for("/limited.txt"), store, fast_settings)
    assert result.http_status == 200
    assert time.monotonic() - started >= 0.9  # backoff alone would have waited ~0.01 s


def _slow(seconds: float, body: bytes):
    def handler(request: Request) -> Response:
        time.sleep(seconds)
        return Response(body, status=200)
    return handler


def test_slow_response_past_read_timeout_fails(server, store, fast_settings):
    server.expect_request("/slow.txt").respond_with_handler(_slow(1.0, b"late"))
    settings = dataclasses.replace(fast_settings, read_timeout=0.2, retries=1)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"slow\.txt: no response within the read timeout of 0\.2 s"):
        fetch_to_store(server.url_for("/slow.txt"), store, settings)
    assert time.monotonic() - started < 0.9  # gave up on the timeout, did not wait for the server


def test_read_timeout_is_retried(server, store, fast_settings, texts):
    server.expect_oneshot_request("/once-slow.txt").respond_with_handler(_slow(0.8, b"late"))
    server.expect_request("/once-slow.txt").respond_with_data(texts.community_2021)
    settings = dataclasses.replace(fast_settings, read_timeout=0.2, retries=1)
    result = fetch_to_store(server.url_for("/once-slow.txt"), store, settings)
    assert store.read(result.blob.sha256) == texts.community_2021.encode()


def test_announced_oversize_is_refused_before_download(server, store, fast_settings):
    server.expect_request("/huge.pdf").respond_with_data(b"%PDF-" + b"0" * 5000)
    settings = dataclasses.replace(fast_settings, max_bytes=1000)
    with pytest.raises(FetchError, match=r"huge\.pdf: Content-Length 5005 exceeds the limit of 1000 bytes"):
        fetch_to_store(server.url_for("/huge.pdf"), store, settings)
    assert not (store.root / "sha256").exists()


def test_streamed_oversize_without_length_is_aborted(server, store, fast_settings):
    def endless(request: Request) -> Response:
        return Response((b"y" * 1000 for _ in range(50)), status=200, content_type="text/plain")

    server.expect_request("/stream.txt").respond_with_handler(endless)
    settings = dataclasses.replace(fast_settings, max_bytes=4000)
    with pytest.raises(FetchError, match=r"stream\.txt: download exceeds the limit of 4000 bytes"):
        fetch_to_store(server.url_for("/stream.txt"), store, settings)
    assert not (store.root / "sha256").exists()


def test_trickling_download_stops_at_total_timeout(server, store, fast_settings):
    def trickle(request: Request) -> Response:
        def chunks():
            for _ in range(20):
                time.sleep(0.1)  # each chunk well within the read timeout
                yield b"z" * 100
        return Response(chunks(), status=200, content_type="text/plain")

    server.expect_request("/trickle.txt").respond_with_handler(trickle)
    settings = dataclasses.replace(fast_settings, total_timeout=0.4)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"trickle\.txt: download took longer than 0\.4 s"):
        fetch_to_store(server.url_for("/trickle.txt"), store, settings)
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("url,scheme", [("ftp://files.example.org/r.pdf", "ftp"),
                                        ("file:///etc/hostname", "file"),
                                        ("gopher://old.example.org/", "gopher")])
def test_disallowed_schemes_fail_without_network(store, fast_settings, url, scheme):
    with pytest.raises(FetchError, match=f"disallowed URL scheme '{scheme}' \\(only http and https"):
        fetch_to_store(url, store, fast_settings)


def test_unreachable_host_fails_after_retries(store, fast_settings):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/report.txt"
    with pytest.raises(FetchError, match=rf"{url}: cannot connect") as info:
        fetch_to_store(url, store, fast_settings)
    assert info.value.http_status is None


def test_redirect_to_disallowed_scheme_fails(server, store, fast_settings):
    server.expect_request("/moved").respond_with_data("", status=302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(FetchError, match="disallowed URL scheme|redirected to a disallowed"):
        fetch_to_store(server.url_for("/moved"), store, fast_settings)


def _truncating_server(body: bytes, announced: int) -> RawHTTPServer:
    """Announces more bytes than it sends, then closes the connection."""
    head = (f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {announced}\r\n"
            f"Connection: close\r\n\r\n").encode()
    return RawHTTPServer(lambda conn: conn.sendall(head + body), "/cut.txt")


def test_truncated_body_is_detected(store, fast_settings, texts):
    body = texts.community_2021.encode()
    server = _truncating_server(body[:60], announced=len(body))
    try:
        with pytest.raises(FetchError, match=r"cut\.txt: truncated body: connection closed after 60 bytes") as info:
            fetch_to_store(server.url, store, dataclasses.replace(fast_settings, retries=0))
    finally:
        server.close()
    assert info.value.http_status == 200
    assert not (store.root / "sha256").exists()


def test_shared_session_is_reused(server, store, fast_settings, texts):
    server.expect_request("/a.txt").respond_with_data(texts.community_2021)
    server.expect_request("/b.txt").respond_with_data(texts.emissions_2022)
    with build_session(fast_settings) as session:
        first = fetch_to_store(server.url_for("/a.txt"), store, fast_settings, session=session)
        second = fetch_to_store(server.url_for("/b.txt"), store, fast_settings, session=session)
    assert first.blob.sha256 != second.blob.sha256
