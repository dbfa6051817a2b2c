"""Read documents in a child process that is killed at a limit, so no input can hang or exhaust a run.

`BoundedReader.read` takes the arguments of `read_document_bytes` and gives the same `Document` (or the
same `DocumentError`), read by a worker process started on first use and reused for the next documents.
While the worker reads, this process watches the clock and the worker's resident memory; at the time
or memory limit (`ParseLimits`) it kills the worker (and anything it started, such as tesseract) and
raises a one-line `DocumentError` naming the file and the limit. The next document gets a new worker.
Pages and inflated stream sizes are limits of the reader itself (`max_pages`, `max_stream_bytes`).

`BoundedPool` is the same watch over several such workers at once, for a task of the caller's (a run's
per-report read and extraction, `report_work`): each call within the same limits, a call past one
killing its own worker only.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from esg_pipeline import settings
from esg_pipeline.ingest.documents import DEFAULT_MAX_BYTES, DEFAULT_MAX_PAGES, Document, DocumentError

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


class _Worker:
    """One worker process: `python -m esg_pipeline.ingest.documents.bounded`, in a process group of its own
    (a kill reaches what it started, such as tesseract). It says `ready` once it has imported the readers
    and `preload`, then answers one request at a time."""

    def __init__(self, preload: tuple[str, ...] = ()):
        package_root = str(Path(__file__).resolve().parents[3])  # the esg_pipeline this process runs
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
        env = dict(os.environ, PYTHONPATH=path, ESG_READER_PARENT=str(os.getpid()))
        self.process = subprocess.Popen([sys.executable, "-m", "esg_pipeline.ingest.documents.bounded", *preload],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, bufsize=0,
                                        start_new_session=True)
        self.started = time.monotonic()
        self.ready = False
        self.calls = 0  # requests answered
        self.deadline = 0.0  # of the request it is working on (set once it is ready)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def stdout(self) -> IO[bytes]:
        return self.process.stdout

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, request: bytes) -> None:
        _send(self.process.stdin, request)

    def receive(self) -> bytes | None:
        """The next message (the first is `ready`), or None once the process has gone."""
        return _receive(self.process.stdout)

    def resident_bytes(self) -> int:
        return _resident_bytes(self.process.pid)

    def died(self) -> str:
        """Why a worker whose stdout closed has gone: 'SIGKILL', 'exit status 1'."""
        self.process.wait()
        return _signal_name(self.process.returncode)

    def stop(self) -> None:
        process = self.process
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for stream in (process.stdin, process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        process.wait()


def _request(task: str, name: str, args: tuple, kwargs: dict[str, Any]) -> bytes:
    return pickle.dumps((task, name, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)


def _reply(message: bytes) -> Any:
    status, value = pickle.loads(message)
    if status == "ok":
        return value
    raise value


def _over_limit(worker: _Worker, limits: ParseLimits, name: str) -> DocumentError | None:
    """The one-line error of a worker past its time or memory limit (it is then to be killed), else None."""
    if worker.ready and time.monotonic() > worker.deadline:
        return DocumentError(f"{name}: reading took longer than {limits.seconds:g} s")
    if not worker.ready and time.monotonic() - worker.started > START_TIMEOUT_S:
        return DocumentError(f"{name}: the reader process did not start within {START_TIMEOUT_S:g} s")
    if worker.ready and worker.resident_bytes() > limits.memory_mb * 1024 * 1024:
        return DocumentError(f"{name}: reading needed more than {limits.memory_mb} MB of memory")
    return None


READ_TASK = "esg_pipeline.ingest.documents:read_document_bytes"


class BoundedReader:
    """Reads documents one at a time in a killable worker process (see the module docstring)."""

    def __init__(self, limits: ParseLimits | None = None):
        self.limits = limits or ParseLimits()
        self._worker: _Worker | None = None

    def __enter__(self) -> BoundedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, data: bytes, fmt: str | None = None, name: str = "<bytes>", *, content_type: str | None = None,
             max_bytes: int = DEFAULT_MAX_BYTES, max_pages: int = DEFAULT_MAX_PAGES) -> Document:
        """`read_document_bytes(...)`, in the worker, within the limits."""
        request = _request(READ_TASK, name, (data, fmt, name), {
            "content_type": content_type, "max_bytes": max_bytes, "max_pages": max_pages,
            "max_stream_bytes": self.limits.max_stream_bytes})
        self._started(name)
        worker = self._worker
        try:
            worker.send(request)
        except OSError:  # the worker died between documents
            self._stop()
            self._started(name)
            worker = self._worker
            worker.send(request)
        worker.deadline = time.monotonic() + self.limits.seconds
        return _reply(self._wait(worker, name))

    def close(self) -> None:
        self._stop()

    # --- the worker ------------------------------------------------------------------------

    def _started(self, name: str) -> subprocess.Popen:
        if self._worker is not None and self._worker.alive():
            return self._worker.process
        self._stop()
        worker = self._worker = _Worker()
        ready, _, _ = select.select([worker.stdout], [], [], START_TIMEOUT_S)
        if not ready or worker.receive() != _READY:
            self._stop()
            raise DocumentError(f"{name}: the reader process did not start within {START_TIMEOUT_S:g} s")
        worker.ready = True
        return worker.process

    def _wait(self, worker: _Worker, name: str) -> bytes:
        """The worker's reply, or a DocumentError once it passes a limit (the worker is then killed)."""
        while True:
            remaining = worker.deadline - time.monotonic()
            ready, _, _ = select.select([worker.stdout], [], [], max(0.0, min(remaining, WATCH_INTERVAL_S)))
            if ready:
                reply = worker.receive()
                if reply is not None:
                    return reply
                why = worker.died()
                self._stop()
                raise DocumentError(f"{name}: the reader process died ({why}) while reading it")
            error = _over_limit(worker, self.limits, name)
            if error is not None:
                self._stop()
                raise error

    def _stop(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()


@dataclass(frozen=True)
class Call:
    """One request to a `BoundedPool`: `task(*args, **kwargs)`; `name` (the file or URL) heads its errors."""

    name: str
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


class BoundedPool:
    """Runs calls of one task (a 'module:function' the workers import) in up to `workers` worker processes
    at once, each call within `limits` as `BoundedReader.read` is: the time limit counts from the moment its
    worker is ready for it, the memory limit is the worker's resident memory, and a call past either kills
    its worker only. That call's result is the one-line `DocumentError` naming the file and the limit; the
    other workers go on, and the next call gets a new worker. A worker is replaced after `calls_per_worker`
    calls (0: never), so a long backfill's memory stays flat."""

    def __init__(self, limits: ParseLimits, workers: int, *, preload: tuple[str, ...] = (),
                 calls_per_worker: int = 0):
        self.limits = limits
        self.workers = max(1, workers)
        self.preload = preload
        self.calls_per_worker = calls_per_worker

    def map(self, task: str, calls: list[Call],
            on_done: Callable[[int, Any], None] | None = None,
            stop: Callable[[], bool] | None = None) -> list[Any]:
        """Each call's return value, or the exception it raised (a `DocumentError` at a limit), in the calls'
        order; `on_done(index, result)` as each finishes. Once `stop()` is true no call starts and the busy
        workers are stopped: the calls not finished keep None."""
        results: list[Any] = [None] * len(calls)
        pending = list(range(len(calls)))[::-1]  # popped from the end: in order
        idle: list[_Worker] = []
        busy: dict[_Worker, int] = {}

        def finish(worker: _Worker, index: int, result: Any, keep: bool) -> None:
            del busy[worker]
            worker.calls += 1
            if keep and (not self.calls_per_worker or worker.calls < self.calls_per_worker):
                idle.append(worker)
            else:
                worker.stop()
            results[index] = result
            if on_done is not None:
                on_done(index, result)

        try:
            while pending or busy:
                if stop is not None and stop():
                    break
                while pending and len(busy) < self.workers:
                    index = pending.pop()
                    worker = idle.pop() if idle else _Worker(self.preload)
                    call = calls[index]
                    try:
                        worker.send(_request(task, call.name, call.args, call.kwargs))
                    except OSError:  # an idle worker died: a new one takes the call
                        worker.stop()
                        worker = _Worker(self.preload)
                        worker.send(_request(task, call.name, call.args, call.kwargs))
                    worker.deadline = time.monotonic() + self.limits.seconds
                    busy[worker] = index
                readable, _, _ = select.select([w.stdout for w in busy], [], [], WATCH_INTERVAL_S)
                for worker in [w for w in busy if w.stdout in readable]:
                    index, name = busy[worker], calls[busy[worker]].name
                    message = worker.receive()
                    if message is None:
                        finish(worker, index, DocumentError(
                            f"{name}: the reader process died ({worker.died()}) while reading it"), keep=False)
                    elif message == _READY:  # a new worker: its call's clock starts now
                        worker.ready = True
                        worker.deadline = time.monotonic() + self.limits.seconds
                    else:
                        try:
                            result = _reply(message)
                        except Exception as exc:  # the task's own failure: the caller decides what it is
                            result = exc
                        finish(worker, index, result, keep=True)
                for worker in list(busy):
                    error = _over_limit(worker, self.limits, calls[busy[worker]].name)
                    if error is not None:
                        finish(worker, busy[worker], error, keep=False)
        finally:
            for worker in [*idle, *busy]:
                worker.stop()
        return results


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


def _task(name: str) -> Callable[..., Any]:
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def _serve() -> None:
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a library's print cannot break the replies
    _exit_with_parent(int(os.environ.get("ESG_READER_PARENT") or os.getppid()))
    preload = sys.argv[1:]  # the modules its tasks need, named by the parent
    for module in ("esg_pipeline.ingest.documents.html", "esg_pipeline.ingest.documents.pdf",
                   "esg_pipeline.ingest.documents.text", *preload):  # imported before the parent's clock starts
        importlib.import_module(module)

    _send(replies, _READY)
    while (request := _receive(requests)) is not None:
        task, name, args, kwargs = pickle.loads(request)
        del request
        try:
            reply: Any = ("ok", _task(task)(*args, **kwargs))
        except MemoryError:
            reply = ("error", DocumentError(f"{name}: reading needed more memory than there is"))
        except Exception as exc:  # the caller decides what a failure is; it gets the same exception
            reply = ("error", _portable(exc))
        del args, kwargs
        _send(replies, pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    _serve()
