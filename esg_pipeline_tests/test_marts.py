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

    def run(years, force=False):
        result = run_pipeline(years, catalog_path=str(catalog), warehouse_url=url, raw_store_dir=str(folder / "raw"),
                              inbox_dir=str(folder / "inbox"), log_file=folder / "run.log", progress=lambda _: None,
                              force=force)
        assert result.success, (result.steps, (folder / "run.log").read_text()[-4000:])

    run(sorted(REPORTS))
    yield url, run
    if database:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"drop database if exists {database} with (force)"))
        admin.dispose()


# The README's analyst query: the group's total (dimension_key '') by fiscal year.
COMMUNITY_INVESTMENT_BY_YEAR = """
    select metric_year, value_cny, value_usd, original_value, original_unit, chosen_because
    from marts.fct_esg_metrics
    where company_id = :company and indicator_id = 'community_investment' and entity = company_name
      and dimension_key = ''
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


def test_headline_metrics_long_and_wide(warehouse):
    url, _ = warehouse
    rows = {(r.headline_metric, r.metric_year): r for r in query(url, """
        select headline_metric, metric_year, value, unit, is_derived, chosen_because, period_end
        from marts.fct_headline_metrics where company_id = 'osprey'""")}
    assert rows[("volunteer_hours", 2020)].value == 2400 and rows[("volunteer_hours", 2021)].value == 3100
    money = rows[("community_investment", 2021)]
    assert money.unit == "CNY" and not money.is_derived
    assert money.chosen_because in ("reported in the 2021 report", "verified override")
    assert str(money.period_end)[:10] == "2021-12-31"  # no period stated: the calendar year
    wide = query(url, """
        select metric_year, volunteer_hours, community_investment, ghg_scope1, derived_metrics
        from marts.fct_headline_metrics_wide where company_id = 'osprey' order by metric_year""")
    assert [(r.metric_year, r.volunteer_hours) for r in wide] == [(2020, 2400), (2021, 3100)]
    assert wide[1].community_investment == pytest.approx(rows[("community_investment", 2021)].value)


def test_framework_coverage_by_fiscal_year(warehouse):
    url, _ = warehouse
    rows = {(r.framework, r.part, r.reference): r for r in query(url, """
        select framework, part, reference, disclosed, status, requirement, is_mandatory_missing, disclosed_by
        from marts.fct_framework_coverage where company_id = 'osprey' and metric_year = 2021""")}
    assert rows[("HKEX", "C", "B8.2")].status == "disclosed" and "volunteer_hours" in rows[("HKEX", "C", "B8.2")].disclosed_by
    assert rows[("HKEX", "C", "B6.3")].status == "missing"  # no patents in these reports
    assert any(framework == "GRI" for framework, _, _ in rows)
    assert not any(part == "D" for _, part, _ in rows)  # Part D: fiscal years from 2025 only
    assert not any(r.is_mandatory_missing for r in rows.values())


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
    run([], force=True)  # dbt rebuilds the marts (forced: nothing changed); the grant must hold for the new tables
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
    assert {"fct_esg_metrics", "fct_esg_observations", "fct_headline_metrics", "fct_headline_metrics_wide",
            "fct_metric_sum_of_parts", "fct_framework_coverage", "dim_fiscal_period", "fct_metric_yoy",
            "fct_disclosure_coverage", "dim_indicator"} <= documented


def test_run_summary_reads_every_backend(warehouse):
    from esg_pipeline.summary import format_summary, summarize

    url, _ = warehouse
    rows, failures = summarize(url, [2020, 2021])
    assert [(r.year, r.reports, r.failed_reports) for r in rows] == [(2020, 1, 0), (2021, 1, 0)]
    assert all(r.metrics > 0 and r.mart_rows > 0 for r in rows) and failures == []
    assert "2021" in format_summary(rows, failures)


def _run_catalog(tmp_path, reports, companies):
    catalog = write_catalog(tmp_path, reports, companies=companies)
    url = f"duckdb:///{tmp_path / 'esg.duckdb'}"
    result = run_pipeline(sorted({r["year"] for r in reports}), catalog_path=str(catalog), warehouse_url=url,
                          raw_store_dir=str(tmp_path / "raw"), inbox_dir=str(tmp_path / "inbox"),
                          log_file=tmp_path / "run.log", progress=lambda _: None)
    assert result.success, (result.steps, (tmp_path / "run.log").read_text()[-4000:])
    return url


def test_readme_citic_queries(shared_dir, tmp_path, monkeypatch):
    """The README's acceptance queries on the CITIC seed reports."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    seeds = sorted((shared_dir / "seeds").glob("*.txt"))
    url = _run_catalog(tmp_path, [{"company": "citic", "year": y, "title": f"ESG Report {y}", "source": str(p)}
                                  for y, p in zip([2017, 2019, 2020], seeds)], [{"id": "citic", "name": "CITIC Limited"}])
    rows = {r.metric_year: r for r in query(url, COMMUNITY_INVESTMENT_BY_YEAR, company="citic")}
    assert rows[2019].value_cny == pytest.approx(3e6) and rows[2020].value_cny == pytest.approx(151e6)
    assert rows[2020].chosen_because == "reported in the 2020 report"
    kpis = {k for (k, _) in query(url, """
        select hkex_kpi, kpi_name from marts.fct_disclosure_coverage
        where company_id = 'citic' and report_year = 2020 and disclosed order by hkex_kpi""")}
    assert "B8.2" in kpis


def test_real_data_table_gives_scope_headlines(shared_dir, tmp_path, monkeypatch):
    """Issue 9's acceptance: the real 2019 report's ten-year table in fct_headline_metrics."""
    pdf = shared_dir / "realpdf" / "shell_2019_sustainability_excerpt.pdf"
    if not pdf.exists():
        pytest.skip("../shared/realpdf is not present")
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    url = _run_catalog(tmp_path, [{"company": "shell", "year": 2019, "title": "Sustainability Report 2019",
                                   "source": str(pdf)}], [{"id": "shell", "name": "Royal Dutch Shell plc"}])
    headline = {(m, y): v for m, y, v in query(url, "select headline_metric, metric_year, value from marts.fct_headline_metrics")}
    categories = query(url, """select dimension_key from marts.fct_esg_metrics
                              where indicator_id = 'ghg_scope3' and metric_year = 2019""")
    assert ("ghg_scope3", 2019) not in headline  # Category 11 alone is not the Scope 3 total
    assert [k for (k,) in categories] == ["scope3_category=11"]
    segments = {k for (k,) in query(url, """select dimension_key from marts.fct_esg_metrics
                                           where indicator_id = 'ghg_scope1' and metric_year = 2019""")}
    assert {"segment=Upstream", "segment=Downstream", "segment=Integrated Gas"} <= segments
    assert headline[("ghg_scope1", 2018)] == 71e6 and headline[("ghg_scope2", 2019)] == 10e6
    assert headline[("ghg_scope1", 2019)] == 70e6
