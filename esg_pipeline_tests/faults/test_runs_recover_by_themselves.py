"""Finding 4: with DAGSTER_HOME set (the shipped dagster.yaml gives the `warehouse` pool one slot), a run
killed with kill -9 must not leave its slot claimed for ever: the next run frees what the dead run held and
completes, and its marts equal a clean run's. SIGTERM and SIGINT stop a run in one line with a non-zero
exit, even while it waits for a pool slot another live run holds."""
from __future__ import annotations

import os
import signal
import socket
import time
import uuid

import dagster as dg
import pytest

from esg_pipeline.recovery import HOST_TAG, PID_TAG, PROCESS_START_TAG, process_tags
from esg_pipeline_tests.faults.runs import (
    clean_marts, dagster_home, finish, marts_snapshot, new_runs, run_env, sample_catalog, start_run, wait_for,
    warehouse_url,
)

POOL = "warehouse"
STAGE_TIMEOUT_S = 600  # from the start of a run to the stage it is killed at, on a loaded machine


def step_started(instance: dg.DagsterInstance, known: set[str], step: str):
    def started() -> bool:
        return any(e.step_key == step for run in new_runs(instance, known)
                   for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_START))
    return started


def holds_slot(instance: dg.DagsterInstance, known: set[str], step: str):
    """True while a run of this test holds a `warehouse` pool slot for `step` (the kill lands inside it)."""
    def holding() -> bool:
        ours = {run.run_id for run in new_runs(instance, known)}
        return any(slot.run_id in ours and slot.step_key == step
                   for slot in instance.event_log_storage.get_concurrency_info(POOL).claimed_slots)
    return holding


# (what the run is doing when it is killed, how the test sees it)
STAGES = [
    ("reading its reports", lambda i, k: step_started(i, k, "raw_reports")),
    ("writing the ledger, holding the pool slot", lambda i, k: holds_slot(i, k, "esg_raw__ingest_ledger")),
    ("extracting", lambda i, k: step_started(i, k, "extracted_metrics")),
    ("loading metrics, holding the pool slot", lambda i, k: holds_slot(i, k, "esg_raw__metrics")),
    ("building the marts with dbt", lambda i, k: step_started(i, k, "esg_dbt_models")),
]


def test_kill_9_at_each_stage_then_a_new_run_completes_with_a_clean_runs_marts(tmp_path):
    expected = clean_marts(tmp_path)
    home = dagster_home(tmp_path / "dagster_home")
    catalog = sample_catalog(tmp_path / "catalog")
    env = run_env(tmp_path / "data", home)
    instance = dg.DagsterInstance.from_config(str(home))
    for what, reached in STAGES:  # each run must get past the runs killed before it to reach its stage
        known = {r.dagster_run.run_id for r in instance.get_run_records()}
        run = start_run(catalog, env)
        try:
            wait_for(reached(instance, known), STAGE_TIMEOUT_S, f"run {what} (stuck behind a killed run?)", run)
        finally:
            os.kill(run.pid, signal.SIGKILL)
            run.communicate()
        assert run.returncode == -signal.SIGKILL

    code, out, err = finish(start_run(catalog, env))
    assert code == 0, out[-2000:] + err[-3000:]
    assert "run(s) of killed esg-pipeline processes failed" in out
    assert marts_snapshot(warehouse_url(tmp_path / "data")) == expected
    assert not instance.event_log_storage.get_concurrency_info(POOL).claimed_slots
    statuses = {r.dagster_run.status for r in instance.get_run_records()}
    assert dg.DagsterRunStatus.STARTED not in statuses  # the killed runs are marked failed, not left running


def stopped_line(err: str, name: str) -> str:
    [line] = [line for line in err.splitlines() if "stopped by" in line]
    assert line.startswith(f"esg-pipeline run: stopped by {name} during ") and "run again" in line
    assert "Traceback" not in err, err[-3000:]
    return line


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_a_run_in_one_line_and_frees_its_slot(tmp_path, signum):
    home = dagster_home(tmp_path / "dagster_home")
    instance = dg.DagsterInstance.from_config(str(home))
    run = start_run(sample_catalog(tmp_path / "catalog"), run_env(tmp_path / "data", home))
    wait_for(step_started(instance, set(), "extracted_metrics"), STAGE_TIMEOUT_S, "extraction", run)
    os.kill(run.pid, signum)
    sent = time.monotonic()
    code, out, err = finish(run, timeout=60)
    assert time.monotonic() - sent < 30
    assert code == 128 + signum
    assert "during reporting year 2021" in stopped_line(err, signal.Signals(signum).name)
    [stopped] = [r.dagster_run for r in instance.get_run_records()]
    assert stopped.status in (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED)
    assert not instance.event_log_storage.get_concurrency_info(POOL).claimed_slots


def test_sigterm_stops_a_run_waiting_for_a_slot_a_live_run_holds(tmp_path):
    """The slot is held by a run of a process that is alive (this test's): it is not freed, the run waits
    for it, and SIGTERM must still stop the run (it used to burn CPU and ignore SIGTERM and SIGINT)."""
    home = dagster_home(tmp_path / "dagster_home")
    instance = dg.DagsterInstance.from_config(str(home))
    holder = dg.DagsterRun(job_name="holder", run_id=str(uuid.uuid4()), status=dg.DagsterRunStatus.STARTED,
                           tags=process_tags())
    assert holder.tags[PID_TAG] == str(os.getpid()) and holder.tags[HOST_TAG] == socket.gethostname()
    assert holder.tags[PROCESS_START_TAG]
    instance.add_run(holder)
    instance.event_log_storage.initialize_concurrency_limit_to_default(POOL)  # dagster.yaml's one slot
    claim = instance.event_log_storage.claim_concurrency_slot(POOL, holder.run_id, "holding")
    assert claim.is_claimed

    run = start_run(sample_catalog(tmp_path / "catalog"), run_env(tmp_path / "data", home))
    waiting = lambda: any(step.run_id != holder.run_id  # noqa: E731
                          for step in instance.event_log_storage.get_concurrency_info(POOL).pending_steps)
    wait_for(waiting, STAGE_TIMEOUT_S, "run waiting for the pool slot", run)
    time.sleep(1)
    os.kill(run.pid, signal.SIGTERM)
    sent = time.monotonic()
    code, out, err = finish(run, timeout=90)
    assert time.monotonic() - sent < 60
    assert code == 128 + signal.SIGTERM
    stopped_line(err, "SIGTERM")
    slots = instance.event_log_storage.get_concurrency_info(POOL)
    assert [s.run_id for s in slots.claimed_slots] == [holder.run_id]  # the live run keeps its slot
    assert all(step.run_id == holder.run_id for step in slots.pending_steps)  # the stopped run waits no more
