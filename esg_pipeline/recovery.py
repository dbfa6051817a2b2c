"""Runs recover by themselves: what a killed run left behind is cleared at the next start, and SIGTERM or
SIGINT stop a run in one line.

- Each `esg-pipeline run` tags its Dagster runs with its process (host, pid, and the process's start
  time, so a reused pid is not taken for the same process). At start, `free_dead_runs` marks the runs of
  this host whose process is gone (kill -9, a crash, a power cut) as failed and frees the concurrency
  pool slots they held or were queued for, and frees the slots still held by finished runs, as Dagster's
  run monitoring does for the daemon (`free_slots_after_run_end_seconds` in dagster_home/dagster.yaml).
- `stop_on_signals` turns SIGTERM and SIGINT into `RunStopped`. Dagster swaps in its own handler while
  a run executes and interrupts the running step, so the run ends itself; a watchdog thread, woken by
  Python's signal wakeup fd whoever handles the signal, ends the process after `STOP_GRACE_S` when the
  run did not (a step waiting for a pool slot never looks at interrupts), after marking this process's
  runs failed and freeing their slots. A second signal ends it at once.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg

PID_TAG, HOST_TAG, PROCESS_START_TAG = "esg/pid", "esg/host", "esg/process_start"
STOP_GRACE_S = 10.0  # after a signal, how long the run may take to end itself before the process ends it


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # fields after the command name, which may hold spaces


def process_tags() -> dict[str, str]:
    """Tags naming this process, for the Dagster runs it executes."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname(), PROCESS_START_TAG: _process_start(os.getpid()) or ""}


def _process_gone(tags: dict[str, str]) -> bool:
    """Whether the process a run's tags name is no longer running (False for another host's runs)."""
    if tags.get(HOST_TAG) != socket.gethostname() or not tags.get(PID_TAG, "").isdigit():
        return False
    pid = int(tags[PID_TAG])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        pass
    started = _process_start(pid)
    return started is not None and bool(tags.get(PROCESS_START_TAG)) and started != tags[PROCESS_START_TAG]


def _fail_runs(instance: dg.DagsterInstance, message: str, pick: Callable[[dict[str, str]], bool]) -> list[str]:
    records = instance.get_run_records(filters=dg.RunsFilter(
        statuses=[dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
                  dg.DagsterRunStatus.CANCELING],
        tags={HOST_TAG: socket.gethostname()}))
    failed = []
    for record in records:
        run = record.dagster_run
        if pick(dict(run.tags)):
            instance.report_run_failed(run, message=message.format(pid=run.tags.get(PID_TAG)))
            failed.append(run.run_id)
    return failed


def _free_slots(instance: dg.DagsterInstance, run_ids: list[str]) -> None:
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return
    for run_id in set(run_ids) | storage.get_concurrency_run_ids():
        run = instance.get_run_by_id(run_id)
        if run_id in run_ids or run is None or run.is_finished:
            storage.free_concurrency_slots_for_run(run_id)


def free_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the runs whose `esg-pipeline run` process is gone and free the pool slots of those and of
    finished runs; the ids of the runs marked failed."""
    dead = _fail_runs(instance, "the process that ran it (pid {pid}) is gone (killed?): marked failed by "
                                "the next esg-pipeline run", _process_gone)
    _free_slots(instance, dead)
    return dead


def fail_own_runs(instance: dg.DagsterInstance, reason: str) -> list[str]:
    """Mark failed the runs of this process that have not finished, and free their slots."""
    mine = str(os.getpid())
    failed = _fail_runs(instance, reason, lambda tags: tags.get(PID_TAG) == mine)
    _free_slots(instance, failed)
    return failed


def _terminate_children() -> None:
    """SIGTERM to this process's children (dbt); the document reader's worker stops with its parent."""
    for children in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        for pid in children.read_text().split():
            with contextlib.suppress(OSError):
                os.kill(int(pid), signal.SIGTERM)


class RunStopped(Exception):
    """SIGTERM or SIGINT stopped the run."""

    def __init__(self, signum: int, doing: str = ""):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.doing = doing  # what was running, for the message

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    def line(self) -> str:
        during = f" during {self.doing}" if self.doing else ""
        return f"esg-pipeline run: stopped by {self}{during}; run again to finish (loads are idempotent)"


class SignalStop:
    """State of `stop_on_signals`: the signal received, if any, and what the run is doing (for messages)."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.doing = ""

    def check(self) -> None:
        """Raise RunStopped if a stop signal has arrived."""
        if self.signum is not None:
            raise RunStopped(self.signum, self.doing)


@contextlib.contextmanager
def stop_on_signals(instance: dg.DagsterInstance) -> Iterator[SignalStop]:
    """SIGTERM and SIGINT stop the run (see the module docstring): RunStopped out of the block, after this
    process's unfinished runs are marked failed and their pool slots freed."""
    state = SignalStop()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    ended = threading.Event()

    def handler(signum, frame):  # between Dagster runs, where this handler is in place
        state.signum = state.signum or signum
        raise RunStopped(signum, state.doing)

    def hard_stop(signum: int) -> None:
        stopped = RunStopped(signum, state.doing)
        try:
            _terminate_children()
            fail_own_runs(instance, f"stopped by {stopped}")
        finally:  # to the process's own stderr: sys.stderr may be redirected to the run's log file
            os.write(2, (stopped.line() + "\n").encode())
            os._exit(stopped.exit_code)

    def watch() -> None:
        first: int | None = None
        while not ended.is_set():
            try:
                received = os.read(read_end, 1)
            except OSError:
                return
            if not received or ended.is_set():
                return
            signum = received[0]
            if signum not in (signal.SIGTERM, signal.SIGINT):
                continue
            if first is not None:  # a second signal: no more waiting
                hard_stop(signum)
            first = signum
            state.signum = state.signum or signum
            timer = threading.Timer(STOP_GRACE_S, lambda: ended.is_set() or hard_stop(signum))
            timer.daemon = True
            timer.start()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    watcher = threading.Thread(target=watch, name="esg-signal-watch", daemon=True)
    watcher.start()
    try:
        yield state
    except RunStopped as stopped:
        fail_own_runs(instance, f"stopped by {stopped}")
        raise
    finally:
        ended.set()
        signal.set_wakeup_fd(previous_fd)
        for sig, old in previous.items():
            signal.signal(sig, old)
        os.close(write_end)  # the watcher's read returns
        watcher.join(1.0)
        os.close(read_end)
