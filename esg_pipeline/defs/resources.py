"""Settings reach assets through resources; Definitions binds them to the environment (settings.py)."""

from pathlib import Path

import dagster as dg
from sqlalchemy.engine import Engine

from esg_pipeline import settings
from esg_pipeline.warehouse import make_engine
from esg_pipeline.warehouse.writer import WarehouseWriter


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse as a SQLAlchemy URL (ESG_WAREHOUSE_URL): DuckDB file or PostgreSQL. Assets write
    through `writer()` only (`warehouse/writer.py`)."""

    url: str

    def engine(self, read_only: bool = False) -> Engine:
        return make_engine(self.url, read_only=read_only)

    def writer(self) -> WarehouseWriter:
        """The step's writer: `with warehouse.writer() as writer: writer.replace_owned(...)`."""
        return WarehouseWriter(self.url)


class PipelineSettings(dg.ConfigurableResource):
    """Where the catalog, raw store and inbox live, and the limits ingestion applies."""

    catalog_path: str
    raw_store_dir: str
    inbox_dir: str
    max_report_bytes: int = settings.MAX_REPORT_BYTES
    # Per-document parse limits; None: from the environment (settings.py, README "Failure behaviour").
    max_report_pages: int | None = None  # a longer PDF fails with a ledger reason (ESG_MAX_REPORT_PAGES)
    parse_timeout_s: float | None = None  # ESG_PARSE_TIMEOUT_S
    parse_memory_mb: int | None = None  # ESG_PARSE_MEMORY_MB
    max_stream_mb: int | None = None  # ESG_MAX_STREAM_MB
    connect_timeout_s: float = settings.CONNECT_TIMEOUT_S
    read_timeout_s: float = settings.READ_TIMEOUT_S
    http_retries: int = settings.HTTP_RETRIES
    max_quarantine_share: float = 0.5  # above this a partition is broken, not merely noisy
    extract_cache_dir: str = ""  # extraction output by content; "": ESG_EXTRACT_CACHE, else beside the raw store
    extract_workers: int = 0  # processes reading and extracting reports; 0: ESG_EXTRACT_WORKERS, else one per core
    # `run --force`: read and extract every report again, whatever the cache holds, and skip no load or dbt build
    force_extract: bool = False
    show_progress: bool = False  # a per-report progress bar with ETA on stderr (the CLI, on a terminal)
    # one `esg-pipeline run` (its years' runs): a report that failed in it is not read again in it
    run_session: str = ""

    def cache_dir(self) -> Path:
        return Path(self.extract_cache_dir).resolve() if self.extract_cache_dir \
            else settings.extract_cache_dir(self.raw_store_dir)

    def workers(self) -> int:
        return self.extract_workers if self.extract_workers > 0 else settings.extract_workers()

    def report_pages(self) -> int:
        return settings.max_report_pages() if self.max_report_pages is None else self.max_report_pages

    def parse_limits(self):
        from esg_pipeline.ingest.documents.bounded import ParseLimits

        given = {"seconds": self.parse_timeout_s, "memory_mb": self.parse_memory_mb,
                 "max_stream_mb": self.max_stream_mb}
        return ParseLimits(**{k: v for k, v in given.items() if v is not None})

    def report_job(self, entry, ledger_row: dict, store_root, limits=None):
        """The job that reads and extracts a stored catalog entry (`report_work.ReportJob`): one place, so
        a run and its reading ahead make the same cache key."""
        from esg_pipeline.report_work import ReportJob

        limits = limits or self.parse_limits()
        return ReportJob.create(entry, ledger_row["sha256"], ledger_row["content_type"], raw_store_dir=str(store_root),
                                cache_dir=str(self.cache_dir()), max_bytes=self.max_report_bytes,
                                max_pages=self.report_pages(), max_stream_mb=limits.max_stream_mb)

    def fetch_settings(self):
        from esg_pipeline.ingest.fetch import FetchSettings

        # Inbox files are local sources too: the inbox folder is always a root.
        roots = (*settings.source_roots(self.catalog_path), Path(self.inbox_dir).resolve())
        return FetchSettings(
            connect_timeout=self.connect_timeout_s,
            read_timeout=self.read_timeout_s,
            retries=self.http_retries,
            max_bytes=self.max_report_bytes,
            source_roots=roots,
        )


def default_resources() -> dict:
    from esg_pipeline.defs.dbt import dbt_resource

    url_variable = settings.warehouse_url_variable()
    url = dg.EnvVar(url_variable) if url_variable else settings.default_warehouse_url()
    return {
        "warehouse": WarehouseResource(url=url),
        "pipeline": PipelineSettings(
            catalog_path=str(settings.default_catalog_path()),
            raw_store_dir=str(settings.raw_store_dir()),
            inbox_dir=str(settings.inbox_dir()),
        ),
        "dbt": dbt_resource(),
    }


def ensure_dir(path: str) -> Path:
    p = Path(path)
    p.mkdir(parents=True, exist_ok=True)
    return p
