"""The observation record is defined once (esg_pipeline/observation.py): the warehouse tables, the rows
the pipeline loads, the quality suite's columns and dbt's staging model all follow it."""
from __future__ import annotations

import re
from pathlib import Path

from esg_pipeline.extract.metric import Metric
from esg_pipeline.observation import all_fields, dimension_key, observation_row
from esg_pipeline.taxonomy import load_dimensions
from esg_pipeline.warehouse import schema

STG_METRICS = Path(__file__).resolve().parents[1] / "dbt_project" / "models" / "staging" / "stg_metrics.sql"
REPORT = {"report_id": "acme-2024", "report_year": 2024, "company_id": "acme", "doc_name": "acme.pdf", "sha256": "ab" * 32}


def _metric(**changes) -> Metric:
    fields = dict(doc="acme.pdf", value=41200.0, unit="tCO2e", qualifier="exact", hkex_kpi="A1.2", gri="305-1",
                  indicator="ghg_scope1", entity="Acme", year=2024, year_source="column", subject="Scope 1 – Ports",
                  quote="Scope 1 – Ports [2024]: 41,200", start=10, end=16, line=3, page=2, method="table_cell",
                  confidence=0.9, raw="41,200")
    return Metric(**{**fields, **changes})


def test_warehouse_tables_are_the_record():
    names = [f.name for f in all_fields()]
    assert [c.name for c in schema.metrics.columns] == names
    assert [c.name for c in schema.quarantine.columns][:len(names)] == names
    assert {f"dim_{d.id}" for d in load_dimensions()} <= set(names)


def test_rows_are_made_from_the_record():
    metric = _metric(dimensions={"segment": "Ports", "gas": "co2"}, period_start="2024-01-01", period_end="2024-12-31")
    row = observation_row(metric, REPORT)
    assert list(row) == [c.name for c in schema.metrics.columns]
    assert row["dimension_key"] == "gas=co2;segment=Ports"
    assert (row["dim_segment"], row["dim_gas"], row["dim_gender"]) == ("Ports", "co2", None)
    assert row["period_end"].isoformat() == "2024-12-31" and row["basis"] == "reported"
    assert row["metric_id"] == observation_row(_metric(), REPORT)["metric_id"]  # stable: members are no key


def test_a_total_has_an_empty_dimension_key():
    assert dimension_key({}) == ""
    assert observation_row(_metric(), REPORT)["dimension_key"] == ""


def test_dbt_staging_carries_every_field():
    sql = STG_METRICS.read_text(encoding="utf-8")
    missing = [f.name for f in all_fields() if not re.search(rf"\b{re.escape(f.name)}\b", sql)]
    assert not missing, f"stg_metrics.sql lacks {missing}"
