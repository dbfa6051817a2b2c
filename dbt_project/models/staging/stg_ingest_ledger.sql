select
    attempt_id,
    run_id,
    entry_id as report_id,
    company_id,
    report_year,
    source,
    attempted_at,
    sha256,
    bytes,
    content_type,
    format,
    status,
    reason,
    warnings,
    coalesce(is_stale, false) as is_stale,
    http_status
from {{ source('esg_raw', 'ingest_ledger') }}
