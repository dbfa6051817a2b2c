"""Where things live by default. Functions, not module globals, so the environment is read when asked."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DBT_PROJECT_DIR = PROJECT_DIR / "dbt_project"


def data_dir() -> Path:
    return Path(os.environ.get("ESG_DATA_DIR", PROJECT_DIR / "data")).resolve()


def default_catalog_path() -> Path:
    """ESG_CATALOG, else the bundled sample catalog (ESG_DATA_DIR moves outputs, not the samples)."""
    return Path(os.environ.get("ESG_CATALOG", PROJECT_DIR / "data" / "catalog.yaml")).resolve()


def default_warehouse_url() -> str:
    return f"duckdb:///{data_dir() / 'warehouse' / 'esg.duckdb'}"


def warehouse_url() -> str:
    return os.environ.get("ESG_WAREHOUSE_URL") or default_warehouse_url()


def quiet_third_party_output() -> None:
    """Runs are logs, not terminals: no GX analytics, no progress bars."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
