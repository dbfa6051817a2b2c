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


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def source_roots(catalog_path: str | Path) -> list[Path]:
    """Folders local report sources may be read from: ESG_SOURCE_ROOTS (os.pathsep-separated), else the
    catalog's folder and the project's data/. /proc, /sys and /dev are refused whatever this says."""
    configured = os.environ.get("ESG_SOURCE_ROOTS")
    if configured:
        return [Path(p).expanduser().resolve() for p in configured.split(os.pathsep) if p.strip()]
    return [Path(catalog_path).resolve().parent, (PROJECT_DIR / "data").resolve()]


def allow_private_urls() -> bool:
    """ESG_ALLOW_PRIVATE_URLS: fetch http(s) sources on loopback, private, link-local and reserved addresses."""
    return _truthy("ESG_ALLOW_PRIVATE_URLS")


def fetch_deadline_s() -> float:
    """ESG_FETCH_DEADLINE_S: the most one download may take, start to last byte (default 600 s)."""
    return float(os.environ.get("ESG_FETCH_DEADLINE_S") or 600.0)


def extract_cache_dir(raw_store_dir: str | Path) -> Path:
    """ESG_EXTRACT_CACHE, else `extract-cache` beside the raw store (derived data: safe to delete)."""
    configured = os.environ.get("ESG_EXTRACT_CACHE")
    return Path(configured).resolve() if configured else Path(raw_store_dir).resolve().parent / "extract-cache"


def extract_workers() -> int:
    """ESG_EXTRACT_WORKERS: processes that read and extract reports in parallel; default (and 0) one per core."""
    configured = int(os.environ.get("ESG_EXTRACT_WORKERS") or 0)
    if configured > 0:
        return configured
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
