"""Marts answer analysts' questions in one query, on DuckDB and (when a server is given) PostgreSQL."""
import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from esg_pipeline.runner import run_pipeline
from esg_pipeline.warehouse import make_engine
from esg_pipeline.warehouse.overrides import MetricOverride, record_overrides
from esg_pipeline_tests.helpers import query, write_catalog

REPORTS = {
    2020: """\
        Osprey Foods Group
        Sustainability Report 2020

        Giving back
        In 2020, Osprey Foods Group donated a total of HK$12 million to food banks and school meal schemes.
        Our staff gave 2,400 volunteer hours.

        Environment
        Total greenhouse gas emissions were 30,500 tCO2e, and electricity consumption reached 41,000 MWh.
        """,
    2021: """\
        Osprey Foods Group
        Sustainability Report 2021

        Giving back
        In 2021, Osprey Foods Group donated a total of HK$15 million to food banks and community kitchens.
        Our staff gave 3,100 volunteer hours.

        Environment
        Total greenhouse gas emissions fell to 28,700 tCO2e, and electricity consumption was 39,500 MWh.
        """,
}
GROUP = "Osprey Foods Group"


def _backends():
    yield pytest.param("duckdb", id="duckdb")
    yield pytest.param("postgres", id="postgres", marks=pytest.mark.skipif(
        not os.environ.get("ESG_TEST_POSTGRES_URL"), reason="ESG_TEST_POSTGRES_URL not set (see .ci/postgres.sh)"))


@pytest.fixture(scope="module", params=list(_backends()))
def warehouse(request, tmp_path_factory):
    """Two years of reports run through the real pipeline into a fresh warehouse of the given backend."""
    folder = tmp_path_factory.mktemp(request.param)
    reports = []
    for year, text in REPORTS.items():
        path = folder / f"osprey_{year}.txt"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        reports.append({"company": "osprey", "year": year, "title": f"Report {year}", "source": str(path)})
    catalog = write_catalog(folder, reports, [{"id": "osprey", "name": GROUP}])

    admin_url, database = None, None
    if request.param == "duckdb":
        url = f"duckdb:///{folder / 'esg.duckdb'}"
    else:
        admin_url = sa.make_url(os.environ["ESG_TEST_POSTGRES_URL"])
        database = f"esg_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"create database {database}"))
        admin.dispose()
        url = admin_url.set(database=database).render_as_string(hide_password=False)

    def run(years):
        result = run_pipeline(years, catalog_path=str(catalog), warehouse_url=url, raw_store_dir=str(folder / "raw"),
                              inbox_dir=str(folder / "inbox"), log_file=folder / "run.log", progress=lambda _: None)
        assert result.success, (result.steps, (folder / "run.log").read_text()[-4000:])

    run(sorted(REPORTS))
    yield url, run
    if database:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"drop database if exists {database} with (force)"))
        admin.dispose()


COMMUNITY_INVESTMENT_BY_YEAR = """
    select metric_year, value_cny, value_usd, original_value, original_unit
    from marts.fct_esg_metrics
    where company_id = :company and indicator_id = 'community_investment' and entity = company_name
    order by metric_year
"""


def test_community_investment_by_year_in_cny_and_usd(warehouse):
    url, _ = warehouse
    rows = query(url, COMMUNITY_INVESTMENT_BY_YEAR, company="osprey")
    assert [(r.metric_year, r.original_value, r.original_unit) for r in rows] == [
        (2020, 12e6, "HKD"), (2021, 15e6, "HKD")]
    fx = dict(((y, c), r) for y, c, r in query(url, "select year, currency, units_per_usd from reference.fx_rates_annual"))
    for r in rows:
        assert r.value_usd == pytest.approx(r.original_value / fx[(r.metric_year, "HKD")])
        assert r.value_cny == pytest.approx(r.value_usd * fx[(r.metric_year, "CNY")])


def test_disclosure_coverage_lists_every_kpi_with_a_flag(warehouse):
    url, _ = warehouse
    rows = query(url, """
        select hkex_kpi, disclosed from marts.fct_disclosure_coverage
        where company_id = 'osprey' and report_year = 2021 order by hkex_kpi""")
    disclosed = {kpi for kpi, flag in rows if flag}
    assert {"A1.2", "A2.1", "B8.2"} <= disclosed
    assert "B6.3" not in disclosed  # no patents in these reports
    assert len(rows) == query(url, "select count(*) from marts.dim_hkex_kpi")[0][0]


def test_year_over_year_change(warehouse):
    url, _ = warehouse
    rows = query(url, """
        select metric_year, value, previous_value, pct_change, comparability from marts.fct_metric_yoy
        where company_id = 'osprey' and indicator_id = 'ghg_emissions' order by metric_year""")
    assert [r.comparability for r in rows] == ["first_year", "ok"]
    assert rows[1].pct_change == pytest.approx((28700 - 30500) / 30500 * 100)


def test_verified_override_wins_and_survives_a_rerun(warehouse):
    url, run = warehouse
    engine = make_engine(url)
    record_overrides(engine, [MetricOverride(
        company_id="osprey", metric_year=2021, indicator_id="community_investment", entity=GROUP,
        value=15.5e6, unit="HKD", action="correct", reason="Annual report restates the total", verified_by="jlee")])
    engine.dispose()
    before = query(url, "select count(*) from esg_raw.metrics")[0][0]
    run(sorted(REPORTS))  # a full re-run: loads replace the years, the override stays
    assert query(url, "select count(*) from esg_raw.metrics")[0][0] == before  # idempotent
    rows = {r.metric_year: r for r in query(url, """
        select metric_year, original_value, is_verified, verification_note from marts.fct_esg_metrics
        where company_id = 'osprey' and indicator_id = 'community_investment' and entity = company_name""")}
    assert rows[2021].original_value == 15.5e6 and rows[2021].is_verified
    assert "jlee" in rows[2021].verification_note
    assert rows[2020].original_value == 12e6 and not rows[2020].is_verified


def test_bi_role_reads_marts_and_nothing_else(warehouse):
    url, run = warehouse
    if url.startswith("duckdb"):
        reader = make_engine(url, read_only=True)  # DuckDB's read-only way in
        with pytest.raises(sa.exc.DBAPIError):
            with reader.begin() as conn:
                conn.execute(sa.text("delete from marts.fct_esg_metrics"))
        reader.dispose()
        return
    from esg_pipeline.warehouse.access import grant_read_only

    role = f"bi_{uuid.uuid4().hex[:8]}"
    owner = make_engine(url)
    grant_read_only(owner, role)
    run([])  # dbt rebuilds the marts; the grant must hold for the new tables
    as_role = make_engine(sa.make_url(url).set(username=role, password=None).render_as_string(hide_password=False))
    try:
        with as_role.connect() as conn:
            assert conn.execute(sa.text("select count(*) from marts.fct_esg_metrics")).scalar() > 0
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                conn.execute(sa.text("select count(*) from esg_raw.metrics"))
    finally:
        as_role.dispose()
        with owner.begin() as conn:
            conn.execute(sa.text(f"drop owned by {role}"))
            conn.execute(sa.text(f"drop role {role}"))
        owner.dispose()


def test_dbt_docs_generate_documents_every_mart(warehouse, tmp_path):

    from esg_pipeline.settings import DBT_PROJECT_DIR
    from esg_pipeline.warehouse import dbt_environment

    url, _ = warehouse
    dbt = str(Path(sys.executable).with_name("dbt"))
    done = subprocess.run(
        [dbt, "docs", "generate", "--profiles-dir", ".", "--target-path", str(tmp_path), "--quiet"],
        cwd=DBT_PROJECT_DIR, env={**os.environ, **dbt_environment(url)}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    catalog = json.loads((tmp_path / "catalog.json").read_text())
    documented = {node["metadata"]["name"] for node in catalog["nodes"].values()}
    assert {"fct_esg_metrics", "fct_metric_yoy", "fct_disclosure_coverage", "dim_indicator"} <= documented


def test_run_summary_reads_every_backend(warehouse):
    from esg_pipeline.summary import format_summary, summarize

    url, _ = warehouse
    rows, failures = summarize(url, [2020, 2021])
    assert [(r.year, r.reports, r.failed_reports) for r in rows] == [(2020, 1, 0), (2021, 1, 0)]
    assert all(r.metrics > 0 and r.mart_rows > 0 for r in rows) and failures == []
    assert "2021" in format_summary(rows, failures)
