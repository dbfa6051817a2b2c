"""`esg-pipeline export` on a warehouse the real pipeline built from the bundled sample catalog."""
import pandas as pd
import pyarrow.parquet as pq
import pyarrow.types as pat
import pytest
import sqlalchemy as sa

from esg_pipeline.cli import main
from esg_pipeline.export import export_marts
from esg_pipeline.runner import run_pipeline
from esg_pipeline.settings import PROJECT_DIR
from esg_pipeline.warehouse import make_engine

BUNDLED_CATALOG = PROJECT_DIR / "data" / "catalog.yaml"
YEAR = 2022  # both sample companies report for it: one partition keeps the build short


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("export_warehouse")
    url = f"duckdb:///{folder / 'warehouse' / 'esg.duckdb'}"
    with pytest.MonkeyPatch.context() as env:
        env.delenv("DAGSTER_HOME", raising=False)  # an ephemeral Dagster instance, not the developer's
        result = run_pipeline([YEAR], catalog_path=str(BUNDLED_CATALOG), warehouse_url=url,
                              raw_store_dir=str(folder / "raw"), inbox_dir=str(folder / "inbox"),
                              log_file=folder / "run.log", progress=lambda _: None)
    assert result.success, result.steps
    return url


def mart_row_counts(url: str) -> dict[str, int]:
    """Independently of the exporter: the catalog's view of the marts schema, counted in SQL."""
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            names = [n for (n,) in conn.execute(sa.text(
                "select table_name from information_schema.tables where table_schema = 'marts'"))]
            return {n: conn.execute(sa.text(f'select count(*) from marts."{n}"')).scalar_one() for n in names}
    finally:
        engine.dispose()


def test_every_mart_is_written_as_parquet_and_csv_with_its_rows(warehouse, tmp_path):
    expected = mart_row_counts(warehouse)
    assert {"fct_esg_metrics", "fct_esg_observations", "fct_headline_metrics", "fct_headline_metrics_wide",
            "fct_metric_sum_of_parts", "fct_framework_coverage", "dim_fiscal_period", "fct_metric_yoy",
            "fct_disclosure_coverage", "dim_report"} <= set(expected)
    assert expected["fct_esg_metrics"] > 0

    exported = export_marts(warehouse, tmp_path)

    assert {t.table: t.rows for t in exported} == expected
    for table, rows in expected.items():
        assert pq.read_metadata(tmp_path / f"{table}.parquet").num_rows == rows
        assert len(pd.read_csv(tmp_path / f"{table}.csv")) == rows


def test_parquet_keeps_column_names_and_types(warehouse, tmp_path):
    export_marts(warehouse, tmp_path, ["parquet"])
    engine = make_engine(warehouse, read_only=True)
    with engine.connect() as conn:
        columns = list(conn.execute(sa.text("select * from marts.fct_esg_metrics limit 0")).keys())
    engine.dispose()

    schema = pq.read_schema(tmp_path / "fct_esg_metrics.parquet")
    assert schema.names == columns
    assert pat.is_boolean(schema.field("is_verified").type)
    assert pat.is_integer(schema.field("metric_year").type)
    assert pat.is_integer(schema.field("line").type)  # NULL-able integers stay integers, not floats
    assert pat.is_floating(schema.field("value").type) and pat.is_floating(schema.field("value_usd").type)
    assert pat.is_string(schema.field("company_id").type) or pat.is_large_string(schema.field("company_id").type)
    assert pat.is_timestamp(pq.read_schema(tmp_path / "dim_report.parquet").field("fetched_at").type)

    metrics = pd.read_parquet(tmp_path / "fct_esg_metrics.parquet")
    money = metrics[metrics["unit"] == "CNY"]
    assert not money.empty
    # value_cny of a CNY figure is the value itself, up to the float rounding of the FX path.
    assert ((money["value_cny"] - money["value"]).abs() <= 1e-9 * money["value"].abs()).all()


def test_metrics_are_exported_with_their_dimensions_and_why_they_were_chosen(warehouse, tmp_path):
    from esg_pipeline.observation import dimension_fields

    export_marts(warehouse, tmp_path, ["parquet", "csv"])
    dimensions = [f.name for f in dimension_fields()]
    for fmt, read in (("parquet", pd.read_parquet), ("csv", pd.read_csv)):
        metrics = read(tmp_path / f"fct_esg_metrics.{fmt}")
        assert {"dimension_key", "period_start", "period_end", "basis", "chosen_because", "observations",
                *dimensions} <= set(metrics.columns), fmt
        assert metrics["chosen_because"].notna().all()
    schema = pq.read_schema(tmp_path / "fct_esg_metrics.parquet")
    assert pat.is_date(schema.field("period_end").type)
    assert pat.is_integer(schema.field("observations").type)
    wide = pq.read_schema(tmp_path / "fct_headline_metrics_wide.parquet")
    assert {"ghg_scope1", "ghg_scope2", "employees_total", "community_investment"} <= set(wide.names)
    assert pat.is_integer(wide.field("derived_metrics").type)


def test_cli_writes_the_chosen_format_and_prints_row_counts(warehouse, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ESG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ESG_WAREHOUSE_URL", warehouse)
    out = tmp_path / "bi"

    assert main(["export", "--output", str(out), "--format", "csv"]) == 0

    expected = mart_row_counts(warehouse)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.csv" for t in expected)
    printed = capsys.readouterr().out.splitlines()
    for table, rows in expected.items():
        assert any(line.split()[:2] == [table, f"{rows:,}"] for line in printed), (table, printed)


def test_cli_defaults_to_both_formats_in_the_data_dir(warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("ESG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ESG_WAREHOUSE_URL", warehouse)
    assert main(["export"]) == 0
    files = {p.name for p in (tmp_path / "exports").iterdir()}
    assert {"dim_company.parquet", "dim_company.csv", "fct_esg_metrics.parquet", "fct_esg_metrics.csv"} <= files


def test_cli_rejects_unknown_formats_and_missing_marts(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ESG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ESG_WAREHOUSE_URL", f"duckdb:///{tmp_path / 'nothing.duckdb'}")
    assert main(["export", "--format", "xlsx"]) == 2
    assert "xlsx" in capsys.readouterr().err
    assert main(["export"]) == 2
    assert "esg-pipeline" in capsys.readouterr().err
    assert not (tmp_path / "exports").exists()
