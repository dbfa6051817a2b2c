"""The scale-out path: executors chosen by ESG_EXECUTOR with run-config files checked against their schemas,
and a Dagster instance on PostgreSQL running a partition with the multiprocess executor."""
import os
import shutil
import uuid
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
import yaml

from esg_pipeline.defs.definitions import ALL_ASSETS, annual_job, defs
from esg_pipeline.defs.executors import EXECUTORS, ExecutorError, configured_executor, executor_named
from esg_pipeline.settings import PROJECT_DIR
from esg_pipeline_tests.helpers import query, write_catalog

DEPLOY = PROJECT_DIR / "deploy"
EXECUTOR_FILES = sorted((DEPLOY / "executors").glob("*.yaml"))
# What the files read from the environment, as a deployment would set it.
DEPLOYMENT_ENV = {"ESG_CELERY_BROKER_URL": "pyamqp://guest@broker:5672//", "ESG_CELERY_BACKEND_URL": "rpc://",
                  "ESG_WAREHOUSE_URL": "postgresql://esg@db/esg", "ESG_CATALOG": "/srv/esg/catalog.yaml",
                  "ESG_RAW_STORE": "/srv/esg/raw"}


def _job_with(executor: str) -> dg.JobDefinition:
    job = dg.define_asset_job("scale_check", selection=dg.AssetSelection.all(), executor_def=executor_named(executor))
    return dg.Definitions(assets=ALL_ASSETS, jobs=[job], resources=defs.resources).resolve_job_def("scale_check")


def test_every_executor_has_a_config_file():
    assert {p.stem for p in EXECUTOR_FILES} == set(EXECUTORS) - {"in_process"}


@pytest.mark.parametrize("path", EXECUTOR_FILES, ids=lambda p: p.stem)
def test_executor_config_file_is_valid_for_its_executor(path, monkeypatch):
    for name, value in DEPLOYMENT_ENV.items():
        monkeypatch.setenv(name, value)
    config = yaml.safe_load(path.read_text())
    dg.validate_run_config(_job_with(path.stem), config)  # raises DagsterInvalidConfigError on a wrong key or type


def test_a_misspelt_executor_setting_is_refused(monkeypatch):
    config = yaml.safe_load((DEPLOY / "executors" / "multiprocess.yaml").read_text())
    config["execution"]["config"]["max_concurent"] = config["execution"]["config"].pop("max_concurrent")
    with pytest.raises(dg.DagsterInvalidConfigError, match="max_concurent"):
        dg.validate_run_config(_job_with("multiprocess"), config)


def test_the_executor_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("ESG_EXECUTOR", raising=False)
    assert configured_executor() is dg.in_process_executor
    monkeypatch.setenv("ESG_EXECUTOR", "multiprocess")
    assert configured_executor() is dg.multiprocess_executor
    monkeypatch.setenv("ESG_EXECUTOR", "threads")
    with pytest.raises(ExecutorError, match="'threads'.*in_process, multiprocess, celery, k8s"):
        configured_executor()


def test_the_instance_file_keeps_runs_on_postgres_and_frees_dead_runs():
    instance = yaml.safe_load((DEPLOY / "instance" / "dagster.yaml").read_text())
    assert instance["storage"]["postgres"]["postgres_url"] == {"env": "ESG_DAGSTER_POSTGRES_URL"}
    assert instance["run_monitoring"]["enabled"] is True
    assert instance["concurrency"]["pools"]["default_limit"] == 1


REPORT = """\
Heron Logistics Limited
Sustainability Report 2023

In 2023, Heron Logistics donated HK$3.5 million to community programmes.
Total greenhouse gas emissions were 12,400 tCO2e, and electricity consumption reached 18,700 MWh.
We employed 2,310 people at the end of the year.
"""


@pytest.fixture
def postgres_databases():
    """Two fresh databases on the test server: the Dagster instance's and the warehouse's."""
    if not os.environ.get("ESG_TEST_POSTGRES_URL"):
        pytest.skip("ESG_TEST_POSTGRES_URL not set (see .ci/postgres.sh)")
    admin_url = sa.make_url(os.environ["ESG_TEST_POSTGRES_URL"])
    names = [f"esg_scale_{uuid.uuid4().hex[:8]}_{role}" for role in ("dagster", "warehouse")]
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f"create database {name}"))
    yield [admin_url.set(database=n) for n in names]
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f"drop database if exists {name} with (force)"))
    admin.dispose()


def test_an_instance_on_postgres_runs_a_partition_with_the_multiprocess_executor(
        tmp_path, monkeypatch, postgres_databases):
    instance_url, warehouse_url = postgres_databases
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEPLOY / "instance" / "dagster.yaml", home / "dagster.yaml")
    report = tmp_path / "heron_2023.txt"
    report.write_text(REPORT, encoding="utf-8")
    catalog = write_catalog(tmp_path, [{"company": "heron", "year": 2023, "title": "Report 2023",
                                        "source": str(report)}], [{"id": "heron", "name": "Heron Logistics Limited"}])
    plain_instance_url = instance_url.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)
    warehouse = warehouse_url.render_as_string(hide_password=False)
    # The step processes rebuild the definitions from the environment, as a deployment's workers would.
    for name, value in {"DAGSTER_HOME": str(home), "ESG_DAGSTER_POSTGRES_URL": plain_instance_url,
                        "ESG_EXECUTOR": "multiprocess", "ESG_WAREHOUSE_URL": warehouse, "ESG_CATALOG": str(catalog),
                        "ESG_RAW_STORE": str(tmp_path / "raw"), "ESG_INBOX": str(tmp_path / "inbox"),
                        "ESG_DATA_DIR": str(tmp_path / "data")}.items():
        monkeypatch.setenv(name, value)
    run_config = yaml.safe_load((DEPLOY / "executors" / "multiprocess.yaml").read_text())
    # Ingest and extract: two steps side by side after raw_reports, each process importing the project cold.
    selection = [dg.AssetKey(k) for k in ("raw_reports", "report_text", "extracted_metrics")] + [
        dg.AssetKey(["esg_raw", "ingest_ledger"])]

    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = dg.execute_job(dg.reconstructable(annual_job), instance=instance, run_config=run_config,
                                tags={"dagster/partition": "2023"}, asset_selection=selection)
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        step_pids = {e.pid for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_START}
        assert len(step_pids) > 1  # steps ran in their own processes
        stored = instance.get_run_by_id(result.run_id)
        assert stored.status == dg.DagsterRunStatus.SUCCESS and stored.tags["dagster/partition"] == "2023"

    with sa.create_engine(plain_instance_url).connect() as conn:  # the run history lives in PostgreSQL
        assert conn.execute(sa.text("select count(*) from runs where run_id = :r"), {"r": result.run_id}).scalar() == 1
    rows = query(warehouse, "select company_id, report_year, status from esg_raw.ingest_ledger")
    assert rows == [("heron", 2023, "new")]
    extracted = instance.get_latest_materialization_event(dg.AssetKey("extracted_metrics"))
    assert extracted.asset_materialization.partition == "2023"
    assert extracted.asset_materialization.metadata["rows"].value >= 3  # the gift, the emissions, the electricity
