"""Read documents in a child process that is killed at a limit, so no input can hang or exhaust a run.

`BoundedReader.read` takes the arguments of `read_document_bytes` and gives the same `Document` (or the
same `DocumentError`), read by a worker process started on first use and reused for the next documents.
While the worker reads, this process watches the clock and the worker's resident memory; at the time
or memory limit (`ParseLimits`) it kills the worker (and anything it started, such as tesseract) and
raises a one-line `DocumentError` naming the file and the limit. The next document gets a new worker.
Pages and inflated stream sizes are limits of the reader itself (`max_pages`, `max_stream_bytes`).

The worker is `python -m esg_pipeline.ingest.documents.bounded`: requests and replies are pickles, each
after its length, on the worker's stdin and stdout; it exits when its stdin closes or its parent dies.
"""
from __future__ import annotations

import importlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from esg_pipeline import settings
from esg_pipeline.ingest.documents import (
    DEFAULT_MAX_BYTES, DEFAULT_MAX_PAGES, Document, DocumentError, read_document_bytes,
)

_HEADER = struct.Struct("<Q")
_READY = b"ready"
WATCH_INTERVAL_S = 0.02  # how often the worker's memory is looked at while it reads
START_TIMEOUT_S = 120.0  # a worker that has not imported the readers by then is broken, not slow
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class ParseLimits:
    """Per-document limits of the bounded reader (settings.py: ESG_PARSE_TIMEOUT_S, ESG_PARSE_MEMORY_MB,
    ESG_MAX_STREAM_MB; pages are `max_pages` of each read)."""

    seconds: float = field(default_factory=settings.parse_timeout_s)
    memory_mb: int = field(default_factory=settings.parse_memory_mb)
    max_stream_mb: int = field(default_factory=settings.max_stream_mb)

    @property
    def max_stream_bytes(self) -> int:
        return self.max_stream_mb * 1024 * 1024


def _send(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_HEADER.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    parts, wanted = [], size
    while wanted:
        part = stream.read(wanted)
        if not part:
            return None
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


def _receive(stream: IO[bytes]) -> bytes | None:
    """One message, or None when the other side has gone."""
    header = _read_exactly(stream, _HEADER.size)
    if header is None:
        return None
    return _read_exactly(stream, _HEADER.unpack(header)[0])


def _resident_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE
    except (OSError, IndexError, ValueError):  # gone, or not Linux: the time limit still holds
        return 0


def _signal_name(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return f"exit status {returncode}"


class BoundedReader:
    """Reads documents one at a time in a killable worker process (see the module docstring)."""

    def __init__(self, limits: ParseLimits | None = None):
        self.limits = limits or ParseLimits()
        self._worker: subprocess.Popen | None = None

    def __enter__(self) -> BoundedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, data: bytes, fmt: str | None = None, name: str = "<bytes>", *, content_type: str | None = None,
             max_bytes: int = DEFAULT_MAX_BYTES, max_pages: int = DEFAULT_MAX_PAGES) -> Document:
        """`read_document_bytes(...)`, in the worker, within the limits."""
        request = pickle.dumps((data, fmt, name, content_type, max_bytes, max_pages, self.limits.max_stream_bytes),
                               protocol=pickle.HIGHEST_PROTOCOL)
        worker = self._started(name)
        try:
            _send(worker.stdin, request)
        except OSError:  # the worker died between documents
            self._stop()
            worker = self._started(name)
            _send(worker.stdin, request)
        reply = self._wait(worker, name)
        status, value = pickle.loads(reply)
        if status == "ok":
            return value
        raise value

    def close(self) -> None:
        self._stop()

    # --- the worker ------------------------------------------------------------------------

    def _started(self, name: str) -> subprocess.Popen:
        if self._worker is not None and self._worker.poll() is None:
            return self._worker
        self._stop()
        package_root = str(Path(__file__).resolve().parents[3])  # the esg_pipeline this process runs
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
        env = dict(os.environ, PYTHONPATH=path, ESG_READER_PARENT=str(os.getpid()))
        worker = subprocess.Popen([sys.executable, "-m", "esg_pipeline.ingest.documents.bounded"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, bufsize=0,
                                  start_new_session=True)  # its own group: a kill reaches tesseract too
        self._worker = worker
        ready, _, _ = select.select([worker.stdout], [], [], START_TIMEOUT_S)
        if not ready or _receive(worker.stdout) != _READY:
            self._stop()
            raise DocumentError(f"{name}: the reader process did not start within {START_TIMEOUT_S:g} s")
        return worker

    def _wait(self, worker: subprocess.Popen, name: str) -> bytes:
        """The worker's reply, or a DocumentError once it passes a limit (the worker is then killed)."""
        deadline = time.monotonic() + self.limits.seconds
        memory_limit = self.limits.memory_mb * 1024 * 1024
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._stop()
                raise DocumentError(f"{name}: reading took longer than {self.limits.seconds:g} s")
            ready, _, _ = select.select([worker.stdout], [], [], min(remaining, WATCH_INTERVAL_S))
            if ready:
                reply = _receive(worker.stdout)
                if reply is not None:
                    return reply
                worker.wait()
                returncode = worker.returncode
                self._stop()
                raise DocumentError(f"{name}: the reader process died ({_signal_name(returncode)}) while reading it")
            if _resident_bytes(worker.pid) > memory_limit:
                self._stop()
                raise DocumentError(f"{name}: reading needed more than {self.limits.memory_mb} MB of memory")

    def _stop(self) -> None:
        worker, self._worker = self._worker, None
        if worker is None:
            return
        if worker.poll() is None:
            try:
                os.killpg(worker.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for stream in (worker.stdin, worker.stdout):
            try:
                stream.close()
            except OSError:
                pass
        worker.wait()


# --- the worker's side -------------------------------------------------------------------------

def _exit_with_parent(parent: int) -> None:
    """A worker whose parent was killed (kill -9 of a run) stops too, even in the middle of a document."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()


def _portable(exc: BaseException) -> BaseException:
    """The exception itself if it survives pickling, else a RuntimeError with its words."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _serve() -> None:
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a library's print cannot break the replies
    _exit_with_parent(int(os.environ.get("ESG_READER_PARENT") or os.getppid()))
    for reader in ("html", "pdf", "text"):  # imported before the parent's clock starts
        importlib.import_module(f"esg_pipeline.ingest.documents.{reader}")

    _send(replies, _READY)
    while (request := _receive(requests)) is not None:
        data, fmt, name, content_type, max_bytes, max_pages, max_stream_bytes = pickle.loads(request)
        del request
        try:
            reply: Any = ("ok", read_document_bytes(data, fmt, name, content_type=content_type, max_bytes=max_bytes,
                                                    max_pages=max_pages, max_stream_bytes=max_stream_bytes))
        except MemoryError:
            reply = ("error", DocumentError(f"{name}: reading needed more memory than there is"))
        except Exception as exc:  # the caller decides what a failure is; it gets the same exception
            reply = ("error", _portable(exc))
        del data
        _send(replies, pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    _serve()
