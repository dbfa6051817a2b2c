"""HTTP(S) download of report sources into the raw store.

A `requests.Session` with urllib3 retries (connection errors, 429 and 5xx, honouring
Retry-After), bounded timeouts, a total deadline and a size cap enforced while streaming,
conditional GET and truncation checks. Hosts on loopback, private and other non-public
addresses are refused, redirect targets included, unless allowed. Failures raise
`FetchError` whose message names the URL.
"""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, IncompleteRead, NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

from esg_pipeline import settings as app_settings
from esg_pipeline.ingest.boundary import SourceRefused, check_host
from esg_pipeline.ingest.rawstore import BlobTooLarge, RawStore, StoredBlob

ALLOWED_SCHEMES = ("http", "https")
RETRY_STATUSES = (429, 500, 502, 503, 504)
PROJECT_URL = "https://github.com/esg-pipeline/esg-pipeline"


def default_user_agent() -> str:
    try:
        pkg_version = version("esg-pipeline")
    except PackageNotFoundError:
        pkg_version = "dev"
    return f"esg-pipeline/{pkg_version} (+{PROJECT_URL})"


@dataclass(frozen=True)
class FetchSettings:
    connect_timeout: float = app_settings.CONNECT_TIMEOUT_S
    read_timeout: float = app_settings.READ_TIMEOUT_S  # max silence between bytes, not the whole download
    # Whole download, enforced while streaming: stops a server trickling bytes forever (ESG_FETCH_DEADLINE_S).
    total_timeout: float | None = field(default_factory=app_settings.fetch_deadline_s)
    retries: int = app_settings.HTTP_RETRIES
    backoff_factor: float = 0.5  # sleeps 0.5, 1, 2, 4 ... seconds between attempts
    backoff_max: float = 60.0
    max_retry_after: float = 120.0  # cap on a server's Retry-After so one host cannot stall a run
    max_bytes: int = app_settings.MAX_REPORT_BYTES
    user_agent: str = field(default_factory=default_user_agent)
    chunk_size: int = 64 * 1024
    allow_private_urls: bool | None = None  # None: ESG_ALLOW_PRIVATE_URLS decides when a fetch starts
    source_roots: tuple[Path, ...] | None = None  # local sources below these only; None: anywhere but /proc...

    def private_urls_allowed(self) -> bool:
        return app_settings.allow_private_urls() if self.allow_private_urls is None else self.allow_private_urls


class FetchError(Exception):
    """A download failed; `reason` names the URL and the problem."""

    def __init__(self, reason: str, http_status: int | None = None, content_type: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status
        self.content_type = content_type


@dataclass(frozen=True)
class FetchResult:
    url: str
    http_status: int
    not_modified: bool  # 304: nothing downloaded, `blob` is None
    blob: StoredBlob | None
    content_type: str | None
    etag: str | None
    last_modified: str | None


class _CappedRetry(Retry):
    """Retry that honours Retry-After but never sleeps longer than `max_retry_after`."""

    max_retry_after: float = 120.0

    def get_retry_after(self, response):  # type: ignore[override]
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.max_retry_after)

    def new(self, **kw):  # type: ignore[override]
        retry = super().new(**kw)
        retry.max_retry_after = self.max_retry_after
        return retry


def build_retry(settings: FetchSettings) -> Retry:
    retry = _CappedRetry(
        total=settings.retries,
        connect=settings.retries,
        read=settings.retries,
        status=settings.retries,
        other=0,
        backoff_factor=settings.backoff_factor,
        backoff_max=settings.backoff_max,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,  # hand back the last 5xx so the reason can name its status
    )
    retry.max_retry_after = settings.max_retry_after
    return retry


def build_session(settings: FetchSettings | None = None) -> requests.Session:
    settings = settings or FetchSettings()
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=build_retry(settings))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = settings.user_agent
    return session


def check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise FetchError(f"{url}: disallowed URL scheme '{parts.scheme}' (only http and https are fetched)")
    if not parts.netloc:
        raise FetchError(f"{url}: URL has no host")


def check_url(url: str, settings: FetchSettings) -> None:
    """Scheme, then host: a host on a non-public address is refused unless private URLs are allowed."""
    check_scheme(url)
    if settings.private_urls_allowed():
        return
    try:
        check_host(urlsplit(url).hostname)
    except SourceRefused as exc:
        raise FetchError(f"{url}: {exc}") from None


def _redirect_guard(source: str, session: requests.Session, settings: FetchSettings):
    """A response hook refusing a redirect to a disallowed scheme or a non-public host before it is followed."""
    def hook(response: requests.Response, **_):
        target = session.get_redirect_target(response) if response.is_redirect else None
        if target is not None:
            try:
                check_url(urljoin(response.url, target), settings)
            except FetchError as exc:
                response.close()
                raise FetchError(f"{source}: redirected to {exc.reason}") from None
        return response
    return hook


def fetch_to_store(
    url: str,
    store: RawStore,
    settings: FetchSettings,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    session: requests.Session | None = None,
) -> FetchResult:
    """GET `url` into `store`; with `etag`/`last_modified` the request is conditional (304 → no body)."""
    check_url(url, settings)
    started = time.monotonic()
    own_session = session is None
    session = session or build_session(settings)
    headers = {"User-Agent": settings.user_agent}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        try:
            response = session.get(url, headers=headers, stream=True,
                                   timeout=(settings.connect_timeout, settings.read_timeout),
                                   hooks={"response": _redirect_guard(url, session, settings)})
        except requests.RequestException as exc:
            raise FetchError(f"{url}: {describe_request_error(exc, settings)}") from exc
        with response, _Deadline(response, settings.total_timeout, started) as deadline:
            try:
                return _receive(url, response, store, settings, etag, last_modified)
            except FetchError as exc:
                if deadline.expired:
                    raise FetchError(f"{url}: {_too_slow(settings)}", http_status=exc.http_status,
                                     content_type=exc.content_type) from exc
                raise
    finally:
        if own_session:
            session.close()


def _receive(url: str, response: requests.Response, store: RawStore, settings: FetchSettings,
             etag: str | None, last_modified: str | None) -> FetchResult:
    status = response.status_code
    content_type = response.headers.get("Content-Type")
    new_etag = response.headers.get("ETag")
    new_last_modified = response.headers.get("Last-Modified")
    if status == 304:
        return FetchResult(url=url, http_status=status, not_modified=True, blob=None,
                           content_type=content_type, etag=new_etag or etag,
                           last_modified=new_last_modified or last_modified)
    if status != 200:
        retried = status in RETRY_STATUSES and settings.retries > 0
        suffix = f" after {settings.retries} retries" if retried else ""
        raise FetchError(f"{url}: HTTP {status} {response.reason or ''}".rstrip() + suffix,
                         http_status=status, content_type=content_type)

    def fail(problem: str) -> FetchError:
        return FetchError(f"{url}: {problem}", http_status=status, content_type=content_type)

    announced = _content_length(response)
    if announced is not None and announced > settings.max_bytes:
        raise fail(f"Content-Length {announced} exceeds the limit of {settings.max_bytes} bytes")
    try:
        blob = store.put_stream(_body_chunks(response, settings), max_bytes=settings.max_bytes)
    except BlobTooLarge as exc:
        raise fail(f"download exceeds the limit of {exc.max_bytes} bytes") from exc
    except _DownloadTooSlow as exc:
        raise fail(str(exc)) from exc
    except requests.RequestException as exc:
        problem = describe_request_error(exc, settings)
        raise fail(problem if problem.startswith("truncated") else f"download interrupted: {problem}") from exc
    # Content-Length counts encoded bytes; only comparable when the body was not decompressed.
    if announced is not None and not response.headers.get("Content-Encoding") and blob.bytes < announced:
        raise fail(f"truncated body: received {blob.bytes} of {announced} bytes")
    return FetchResult(url=url, http_status=status, not_modified=False, blob=blob,
                       content_type=content_type, etag=new_etag, last_modified=new_last_modified)


class _DownloadTooSlow(Exception):
    pass


def _too_slow(settings: FetchSettings) -> str:
    return f"download took longer than {settings.total_timeout:g} s"


class _Deadline:
    """Cuts the response's socket when the total timeout passes, so a read blocked on a server that drips
    a byte now and then (each within the read timeout) ends at the deadline instead of the 64 KiB chunk."""

    def __init__(self, response: requests.Response, seconds: float | None, started: float):
        self.response = response
        self.expired = False
        self._timer = None if seconds is None else threading.Timer(
            max(0.0, started + seconds - time.monotonic()), self._cut)
        if self._timer is not None:
            self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        if self._timer is not None:
            self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _cut(self) -> None:
        self.expired = True
        connection = getattr(self.response.raw, "connection", None)
        sock = getattr(connection, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed: the read has ended anyway


def _body_chunks(response: requests.Response, settings: FetchSettings) -> Iterator[bytes]:
    started = time.monotonic()
    for chunk in response.iter_content(chunk_size=settings.chunk_size):
        if settings.total_timeout is not None and time.monotonic() - started > settings.total_timeout:
            raise _DownloadTooSlow(_too_slow(settings))
        yield chunk


def _content_length(response: requests.Response) -> int | None:
    value = response.headers.get("Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def describe_request_error(exc: BaseException, settings: FetchSettings) -> str:
    """A one-line cause for a requests/urllib3 failure, looking through wrapped exceptions."""
    chain = _exception_chain(exc)
    refused = next((e for e in chain if isinstance(e, NewConnectionError)), None)
    # urllib3 makes NewConnectionError a ConnectTimeoutError, so it is checked first.
    if refused is not None and "timed out" not in str(refused):
        return f"cannot connect: {_short(refused)}"
    if any(isinstance(e, (ConnectTimeoutError, requests.ConnectTimeout)) for e in chain):
        return f"connection timed out after {settings.connect_timeout:g} s"
    if any(isinstance(e, (ReadTimeoutError, requests.ReadTimeout)) for e in chain):
        return f"no response within the read timeout of {settings.read_timeout:g} s"
    if isinstance(exc, requests.exceptions.InvalidSchema):
        return f"redirected to a disallowed URL scheme: {exc}"
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return "too many redirects"
    short_read = next((e for e in chain if isinstance(e, IncompleteRead)), None)
    if short_read is not None:
        return (f"truncated body: connection closed after {short_read.partial} bytes, "
                f"{short_read.expected} more expected")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return f"connection broken mid-body (truncated): {_short(exc)}"
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS error: {_short(exc)}"
    return f"{type(exc).__name__}: {_short(exc)}"


def _exception_chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    stack = [exc]
    while stack:
        current = stack.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        stack.extend(e for e in linked if isinstance(e, BaseException))
    return seen


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:297] + "..."
