"""Reference tables that are not per year: the indicator taxonomy and the catalog's companies."""

import dagster as dg

from esg_pipeline.ingest.catalog import load_catalog
from esg_pipeline.defs.resources import PipelineSettings, WarehouseResource
from esg_pipeline.taxonomy import framework_reference_rows, load_taxonomy
from esg_pipeline.warehouse import schema as wh


@dg.asset(key=["esg_raw", "indicators"], group_name="warehouse", kinds={"sqlalchemy"}, pool="warehouse")
def indicators_table(warehouse: WarehouseResource):
    """The indicator taxonomy (esg_pipeline/taxonomy.yaml), the one source of indicator ids."""
    rows = [dict(i.to_dict(), indicator_id=i.id) for i in load_taxonomy()]
    with warehouse.writer() as writer:
        return dg.MaterializeResult(metadata={"rows": writer.replace(wh.indicators, rows)})


@dg.asset(key=["esg_raw", "framework_references"], group_name="warehouse", kinds={"sqlalchemy"}, pool="warehouse")
def framework_references_table(warehouse: WarehouseResource):
    """Each concept's HKEX, GRI, IFRS S2 and ESRS references with versions and effective dates
    (esg_pipeline/taxonomy.yaml): references only, never the frameworks' text."""
    rows = framework_reference_rows(load_taxonomy())
    with warehouse.writer() as writer:
        return dg.MaterializeResult(metadata={"rows": writer.replace(wh.framework_references, rows)})


@dg.asset(key=["esg_raw", "companies"], group_name="warehouse", kinds={"sqlalchemy"}, pool="warehouse")
def companies_table(pipeline: PipelineSettings, warehouse: WarehouseResource):
    """The catalog's companies (inbox files may name any of them); upserted so companies loaded from other
    catalogs stay."""
    catalog = load_catalog(pipeline.catalog_path)
    rows = [{"company_id": cid, "company_name": name} for cid, name in sorted(catalog.companies.items())]
    with warehouse.writer() as writer:
        return dg.MaterializeResult(metadata={"rows": writer.upsert(wh.companies, rows, key="company_id")})
