"""Small helpers shared by the tests that build a real warehouse."""
import json
from pathlib import Path

import sqlalchemy as sa

from esg_pipeline.warehouse import make_engine


def query(url: str, sql: str, **params) -> list:
    """Rows of a read-only query, the way a BI reader would open the warehouse."""
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).all()
    finally:
        engine.dispose()


def write_catalog(folder: Path, reports: list[dict], companies: list[dict]) -> Path:
    path = folder / "catalog.yaml"
    path.write_text(json.dumps({"companies": companies, "reports": reports}), encoding="utf-8")  # JSON is YAML
    return path
