select
    report_id,
    report_year,
    company_id,
    title,
    source,
    format,
    sha256,
    bytes,
    pages,
    chars,
    metrics_found,
    fetched_at,
    status,
    reason,
    -- failed this time, with the figures an earlier run loaded kept (null in warehouses older than the column)
    coalesce(is_stale, false) as is_stale
from {{ source('esg_raw', 'reports') }}
