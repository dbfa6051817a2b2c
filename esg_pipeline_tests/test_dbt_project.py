"""The dbt project stays in step with the observation record and the taxonomy (no warehouse needed)."""
import re

import yaml

from esg_pipeline.observation import dimension_fields
from esg_pipeline.settings import DBT_PROJECT_DIR
from esg_pipeline.taxonomy import load_dimensions, load_taxonomy

SCOPE2_METHODS = {"ghg_scope2_location_based", "ghg_scope2_market_based"}


def _macro_list(name: str) -> list[str]:
    text = (DBT_PROJECT_DIR / "macros" / "dimensions.sql").read_text(encoding="utf-8")
    body = re.search(r"macro " + name + r"\(\).*?return\(\[(.*?)\]\)", text, re.S).group(1)
    return re.findall(r"'([^']+)'", body)


def test_dimension_columns_macro_lists_every_dimension_of_the_record():
    assert _macro_list("dimension_columns") == [f.name for f in dimension_fields()]


def test_alternative_dimensions_are_taxonomy_dimensions():
    assert set(_macro_list("alternative_dimensions")) <= {d.id for d in load_dimensions()}


def test_headline_set_covers_every_headline_concept():
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    wide_columns = project["vars"]["headline_metrics"]
    headlines = {i.headline for i in load_taxonomy() if i.headline}
    assert set(wide_columns) == headlines | SCOPE2_METHODS, "add the headline to vars.headline_metrics"
    marts = yaml.safe_load((DBT_PROJECT_DIR / "models" / "marts" / "_marts.yml").read_text(encoding="utf-8"))
    headline_model = next(m for m in marts["models"] if m["name"] == "fct_headline_metrics")
    column = next(c for c in headline_model["columns"] if c["name"] == "headline_metric")
    accepted = next(t["accepted_values"] for t in column["data_tests"] if isinstance(t, dict))
    assert set(accepted["arguments"]["values"]) == set(wide_columns)
    wide_model = next(m for m in marts["models"] if m["name"] == "fct_headline_metrics_wide")
    assert set(wide_columns) <= {c["name"] for c in wide_model["columns"]}


def test_every_mart_model_and_column_is_documented():
    marts = yaml.safe_load((DBT_PROJECT_DIR / "models" / "marts" / "_marts.yml").read_text(encoding="utf-8"))
    documented = {m["name"] for m in marts["models"]}
    models = {p.stem for p in (DBT_PROJECT_DIR / "models" / "marts").glob("*.sql")}
    assert models == documented
    for model in marts["models"]:
        assert model.get("description"), model["name"]


def test_unit_test_names_fit_postgres_identifiers():
    tests = yaml.safe_load((DBT_PROJECT_DIR / "models" / "marts" / "_unit_tests.yml").read_text(encoding="utf-8"))
    names = [t["name"] for t in tests["unit_tests"]]
    assert len(names) == len(set(names)) and all(len(n) <= 63 for n in names)


def test_the_stale_flag_of_the_record_reaches_every_mart_that_names_a_report():
    """`is_stale` is defined once (warehouse/schema.py, on the reports and the ledger); staging carries it and
    every mart whose rows come from a report shows it."""
    from esg_pipeline.warehouse import schema

    assert {"is_stale"} <= set(schema.reports.c.keys()) & set(schema.ingest_ledger.c.keys())
    for table, model in ((schema.reports, "stg_reports"), (schema.ingest_ledger, "stg_ingest_ledger")):
        sql = (DBT_PROJECT_DIR / "models" / "staging" / f"{model}.sql").read_text(encoding="utf-8")
        columns = table.columns if table is schema.reports else [table.c.is_stale]
        missing = [c.name for c in columns if not re.search(rf"\b{c.name}\b", sql)]
        assert not missing, f"{model}.sql lacks {missing}"
    marts = yaml.safe_load((DBT_PROJECT_DIR / "models" / "marts" / "_marts.yml").read_text(encoding="utf-8"))
    for model in marts["models"]:
        columns = {c["name"] for c in model.get("columns", [])}
        if columns & {"report_id", "report_year", "total_metric_id"}:
            assert "is_stale" in columns, model["name"]
            sql = (DBT_PROJECT_DIR / "models" / "marts" / f"{model['name']}.sql").read_text(encoding="utf-8")
            assert model["name"] == "dim_report" or re.search(r"\bis_stale\b", sql), model["name"]
