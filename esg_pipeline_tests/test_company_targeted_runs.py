"""A run can target some companies inside its year partitions (the `esg/companies` tag): only their reports
are ingested, extracted and loaded, and every other company's rows stay exactly as they were."""
import pytest

from esg_pipeline.runner import run_pipeline
from esg_pipeline_tests.helpers import query, write_catalog

TEXT = {
    "heron": "Heron Logistics Limited\nSustainability Report {year}\n\nIn {year}, Heron Logistics donated HK${gift} million "
             "to community programmes.\nTotal greenhouse gas emissions were 12,400 tCO2e.\n",
    "osprey": "Osprey Foods Group\nSustainability Report {year}\n\nIn {year}, Osprey Foods Group donated HK${gift} million "
              "to food banks.\nElectricity consumption reached 18,700 MWh.\n",
}
NAMES = {"heron": "Heron Logistics Limited", "osprey": "Osprey Foods Group"}


@pytest.fixture(scope="module")
def two_companies(tmp_path_factory):
    """Two companies x two years, loaded once for the module (the tests run in file order)."""
    tmp_path = tmp_path_factory.mktemp("targeted")
    reports = []
    for company in TEXT:
        for year in (2022, 2023):
            path = tmp_path / f"{company}_{year}.txt"
            path.write_text(TEXT[company].format(year=year, gift=3), encoding="utf-8")
            reports.append({"company": company, "year": year, "title": f"Report {year}", "source": str(path)})
    catalog = write_catalog(tmp_path, reports, [{"id": c, "name": n} for c, n in NAMES.items()])
    url = f"duckdb:///{tmp_path / 'esg.duckdb'}"

    def run(years, companies=()):
        return run_pipeline(years, catalog_path=str(catalog), warehouse_url=url, raw_store_dir=str(tmp_path / "raw"),
                            inbox_dir=str(tmp_path / "inbox"), log_file=tmp_path / "run.log", progress=lambda _: None,
                            companies=companies)

    assert run([2022, 2023]).success
    return tmp_path, url, run


def _metrics(url):
    return sorted(query(url, "select company_id, report_year, indicator, value from esg_raw.metrics"))


def test_a_run_for_an_unknown_company_fails_and_names_it(two_companies):
    _, url, run = two_companies
    before = _metrics(url)
    result = run([2023], companies=["hreon"])
    assert not result.success
    assert any("hreon" in e for step in result.steps for e in step.errors), result.steps
    assert _metrics(url) == before


def test_a_run_for_one_company_touches_only_its_reports(two_companies):
    folder, url, run = two_companies
    before = _metrics(url)
    attempts_before = query(url, "select count(*) from esg_raw.ingest_ledger")[0][0]
    (folder / "heron_2023.txt").write_text(TEXT["heron"].format(year=2023, gift=7), encoding="utf-8")
    (folder / "osprey_2023.txt").write_text(TEXT["osprey"].format(year=2023, gift=9), encoding="utf-8")  # not targeted

    result = run([2023], companies=["heron"])

    assert result.success, result.steps
    attempts = query(url, "select company_id, status from esg_raw.ingest_ledger order by attempted_at")[attempts_before:]
    assert attempts == [("heron", "new")]  # osprey's changed file was not even looked at
    after = _metrics(url)
    changed = set(before) ^ set(after)
    assert {(c, y) for c, y, _, _ in changed} == {("heron", 2023)}
    assert ("heron", 2023, "community_investment", 7_000_000.0) in after
    assert ("osprey", 2023, "community_investment", 3_000_000.0) in after  # as loaded before, not the new 9
    gifts = query(url, "select company_id, metric_year, value_cny from marts.fct_esg_metrics "
                       "where indicator_id = 'community_investment' and metric_year = 2023 order by company_id")
    assert [(c, y) for c, y, _ in gifts] == [("heron", 2023), ("osprey", 2023)]


def test_a_backfill_of_one_company_over_two_years_runs_two_dagster_partitions(two_companies, tmp_path, monkeypatch):
    """Issue 11's company x year backfill: one company's 2022 and 2023, as two partition runs on a Dagster
    instance that keeps them; only those two company-years change."""
    import dagster as dg

    folder, url, run = two_companies
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    before = _metrics(url)
    for year, gift in ((2022, 11), (2023, 13)):
        (folder / f"heron_{year}.txt").write_text(TEXT["heron"].format(year=year, gift=gift), encoding="utf-8")
        (folder / f"osprey_{year}.txt").write_text(TEXT["osprey"].format(year=year, gift=gift), encoding="utf-8")

    result = run([2022, 2023], companies=["heron"])

    assert result.success, result.steps
    with dg.DagsterInstance.get() as instance:
        runs = [instance.get_run_by_id(run_id) for run_id in result.run_ids]
        partition_runs = sorted((r.tags.get("dagster/partition"), r.tags.get("esg/companies"), r.status.value)
                                for r in runs if r.tags.get("dagster/partition"))
    assert partition_runs == [("2022", "heron", "SUCCESS"), ("2023", "heron", "SUCCESS")]
    changed = set(before) ^ set(_metrics(url))
    assert {(c, y) for c, y, _, _ in changed} == {("heron", 2022), ("heron", 2023)}
    assert ("heron", 2022, "community_investment", 11_000_000.0) in _metrics(url)
    assert ("osprey", 2022, "community_investment", 3_000_000.0) in _metrics(url)  # not targeted: as loaded
