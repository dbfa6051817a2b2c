"""`esg-pipeline report` on a warehouse built by the real pipeline, checked as HTML and, when present, in Chromium."""
import json
import shutil
import subprocess
import textwrap

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from esg_pipeline.cli import main
from esg_pipeline.report import build_report
from esg_pipeline.runner import run_pipeline
from esg_pipeline.warehouse import ensure_schema, make_engine
from esg_pipeline_tests.helpers import query

# Fictional company, written for this test.
LARKSPUR = {
    2021: """\
        Larkspur Water Holdings Limited
        Environmental, Social and Governance Report 2021

        Environment

        In 2021 our total greenhouse gas emissions were 42,300 tCO2e. The Group consumed 61.5 million kWh
        of electricity across its treatment plants, and total water consumption was 1.2 million m3.

        Our People

        As at 31 December 2021 the Group had 3,840 employees. Employees completed 51,000 training hours.

        Community

        In 2021 the Group donated RMB 4.2 million to rural water schemes and school sanitation projects.
        Our staff contributed 2,600 volunteer hours to river clean-up days.
        """,
    2022: """\
        Larkspur Water Holdings Limited
        Environmental, Social and Governance Report 2022

        Environment

        In 2022 our total greenhouse gas emissions were 39,800 tCO2e. The Group consumed 58.2 million kWh
        of electricity across its treatment plants, and total water consumption was 1.1 million m3.
        The old metering system logged 88,123,456,789,012,345 kWh of electricity in 2022, a figure under review.

        Our People

        As at 31 December 2022 the Group had 4,105 employees. Employees completed 56,400 training hours.

        Community

        In 2022 the Group donated RMB 5.1 million to rural water schemes and school sanitation projects.
        Our staff contributed 3,350 volunteer hours to river clean-up days.
        """,
}
IMPLAUSIBLE_QUOTE = "88,123,456,789,012,345 kWh"  # above the plausibility bound: GX quarantines it
MISSING_SOURCE = "reports/larkspur_2022_annex.txt"  # never written: a failed report
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("report_warehouse")
    (folder / "reports").mkdir()
    reports = []
    for year, text in LARKSPUR.items():
        (folder / "reports" / f"larkspur_{year}.txt").write_text(textwrap.dedent(text), encoding="utf-8")
        reports.append({"company": "larkspur", "year": year, "title": f"ESG Report {year}",
                        "source": f"reports/larkspur_{year}.txt", "format": "txt"})
    reports.append({"company": "larkspur", "year": 2022, "title": "Annex", "source": MISSING_SOURCE, "format": "txt"})
    catalog = folder / "catalog.yaml"
    catalog.write_text(json.dumps({  # JSON is YAML
        "companies": [{"id": "larkspur", "name": "Larkspur Water Holdings Limited"}], "reports": reports,
    }), encoding="utf-8")
    url = f"duckdb:///{folder / 'warehouse' / 'esg.duckdb'}"
    with pytest.MonkeyPatch.context() as env:
        env.delenv("DAGSTER_HOME", raising=False)  # an ephemeral Dagster instance, not the developer's
        result = run_pipeline(sorted(LARKSPUR), catalog_path=str(catalog), warehouse_url=url,
                              raw_store_dir=str(folder / "raw"), inbox_dir=str(folder / "inbox"),
                              log_file=folder / "run.log", progress=lambda _: None)
    assert result.success, result.steps
    return url


@pytest.fixture(scope="module")
def report_file(warehouse, tmp_path_factory):
    return build_report(warehouse, tmp_path_factory.mktemp("report") / "esg_report.html")


def soup_of(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_report_charts_every_indicator_with_two_years(warehouse, report_file):
    trending = {name for (name,) in query(warehouse, """
        select indicator_name from marts.fct_esg_metrics where company_id = 'larkspur' and dimension_key = ''
        group by indicator_name having count(distinct metric_year) >= 2""")}
    assert {"Community investment and donations", "Greenhouse gas emissions", "Total workforce"} <= trending

    section = soup_of(report_file).find("section", id="company-larkspur")
    charts = {fig.figcaption.contents[0].strip(): fig for fig in section.find_all("figure", class_="chart")}
    assert set(charts) == trending
    for figure in charts.values():
        svg = figure.find("svg")
        assert svg is not None and svg.find_all("path"), "each chart is an inline SVG with drawn bars"
    # Money is charted in CNY, with both years' values labelled on the bars.
    money = charts["Community investment and donations"]
    assert "CNY" in money.figcaption.text
    assert {"4.2M", "5.1M"} <= {t.text.strip() for t in money.find_all("text")}
    assert "2022 vs 2021" in money.text


def test_headline_table_shows_the_headline_mart_by_fiscal_year(warehouse, report_file):
    headline = {(metric, year): value for metric, year, value in query(warehouse, """
        select headline_metric, metric_year, value from marts.fct_headline_metrics where company_id = 'larkspur'""")}
    assert headline[("employees_total", 2021)] == 3840 and headline[("employees_total", 2022)] == 4105
    assert headline[("community_investment", 2022)] == pytest.approx(5.1e6)  # CNY, the canonical unit

    table = soup_of(report_file).find("section", id="company-larkspur").find("table", class_="headline")
    assert [th.text.strip() for th in table.thead.find_all("th", class_="year")] == ["FY2021", "FY2022"]
    rows = {tr.th.text.strip(): [td.text.strip() for td in tr.find_all("td")] for tr in table.tbody.find_all("tr")}
    assert rows["Employees"] == ["count", "3,840", "4,105"]
    assert rows["Community investment"] == ["CNY", "4,200,000", "5,100,000"]
    assert len(rows) == len({metric for metric, _ in headline})
    cell = table.tbody.find("td", class_="num")
    assert cell["title"].startswith(("reported in", "restated in", "verified", "sum of"))  # why it was chosen


def test_framework_table_counts_references_per_fiscal_year(warehouse, report_file):
    expected = {(year, framework, part or None): (int(total), int(disclosed)) for year, framework, part, total, disclosed
                in query(warehouse, """
        select metric_year, framework, part, count(*), sum(case when disclosed then 1 else 0 end)
        from marts.fct_framework_coverage where company_id = 'larkspur' group by 1, 2, 3""")}
    assert (2022, "HKEX", "C") in expected and (2022, "GRI", None) in expected
    table = soup_of(report_file).find("section", id="company-larkspur").find("table", class_="frameworks")
    shown = {(tr.find_all("td")[0].text.strip(), tr.find_all("td")[1].text.strip()): tr.find_all("td")[2].text.strip()
             for tr in table.tbody.find_all("tr")}
    total, disclosed = expected[(2022, "HKEX", "C")]
    assert shown[("FY2022", "HKEX Part C KPIs")] == f"{disclosed} of {total}"
    assert len(shown) == len(expected)


def test_coverage_matrix_marks_disclosed_kpis_per_report(warehouse, report_file):
    disclosed = {(kpi, count) for kpi, count in query(warehouse, """
        select hkex_kpi, metric_count from marts.fct_disclosure_coverage
        where company_id = 'larkspur' and report_year = 2021 and disclosed = true""")}
    all_kpis = {kpi for (kpi,) in query(warehouse, "select distinct hkex_kpi from marts.fct_disclosure_coverage")}
    assert {"A1.2", "A2.1", "A2.2", "B1.1", "B8.2"} <= {kpi for kpi, _ in disclosed}

    table = soup_of(report_file).find("table", class_="coverage")
    years = [th.text.strip() for th in table.find_all("th", class_="year")]
    assert years == ["2021", "2022"]
    rows = {tr.th.text.strip(): tr.find_all("td", class_="cell") for tr in table.tbody.find_all("tr") if tr.td}
    assert set(rows) == all_kpis
    shown = {(kpi, int(cells[0].text)) for kpi, cells in rows.items() if "yes" in cells[0]["class"]}
    assert shown == disclosed
    assert all(cells[0].text.strip() == "–" for kpi, cells in rows.items() if kpi not in dict(disclosed))


def test_quality_section_lists_quarantined_rows_and_failed_reports(report_file):
    quality = soup_of(report_file).find("section", id="quality")
    tables = quality.find_all("table")
    quarantine_text, failed_text = tables[0].text, tables[1].text
    assert IMPLAUSIBLE_QUOTE in quarantine_text
    assert "expect_column_values_to_be_between(value)" in quarantine_text
    assert MISSING_SOURCE.split("/")[-1] in failed_text
    assert "Verified overrides (0)" in quality.text


def test_report_is_self_contained(report_file):
    soup = soup_of(report_file)
    assert not soup.find_all("script") and not soup.find_all("link") and not soup.find_all("img")
    for tag in soup.find_all(href=True):
        assert tag["href"].startswith("#"), tag
    assert "@import" not in soup.style.text and "url(http" not in report_file.read_text(encoding="utf-8")


def test_cli_writes_to_the_data_dir_by_default(warehouse, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ESG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ESG_WAREHOUSE_URL", warehouse)
    assert main(["report"]) == 0
    written = tmp_path / "reports_out" / "esg_report.html"
    assert str(written) in capsys.readouterr().out
    assert soup_of(written).find("table", class_="coverage") is not None


@pytest.mark.parametrize("state", ["no_file", "raw_tables_only"])
def test_cli_asks_for_a_pipeline_run_when_marts_are_missing(state, tmp_path, monkeypatch, capsys):
    url = f"duckdb:///{tmp_path / 'warehouse' / 'esg.duckdb'}"
    if state == "raw_tables_only":
        engine = make_engine(url)
        ensure_schema(engine)
        engine.dispose()
    monkeypatch.setenv("ESG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ESG_WAREHOUSE_URL", url)
    assert main(["report"]) == 2
    assert "esg-pipeline" in capsys.readouterr().err
    assert not (tmp_path / "reports_out").exists()


def chromium() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        pytest.skip("chromium is not installed")
    return browser


def test_chromium_renders_the_charts_and_coverage(report_file, tmp_path):
    browser = chromium()
    dom = subprocess.run(
        [browser, *CHROME_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
         "--dump-dom", report_file.as_uri()],
        capture_output=True, text=True, timeout=60, check=True,
    )
    rendered = BeautifulSoup(dom.stdout, "html.parser")
    source = soup_of(report_file)
    assert len(rendered.select("figure.chart svg")) == len(source.select("figure.chart svg")) >= 5
    assert rendered.find("table", class_="coverage").find_all("td", class_="yes")
    assert "ERR_" not in dom.stderr and "Uncaught" not in dom.stderr  # nothing failed to load or run


def test_chromium_screenshot_shows_a_drawn_page(report_file, tmp_path):
    from PIL import Image

    browser = chromium()
    png = tmp_path / "report.png"
    subprocess.run(
        [browser, *CHROME_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}",
         "--window-size=1280,2000", report_file.as_uri()],
        capture_output=True, timeout=60, check=True,
    )
    image = Image.open(png).convert("RGB")
    assert image.size == (1280, 2000)
    # A blank or error page has a handful of colours; header, charts and table give many.
    assert len(image.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 50
