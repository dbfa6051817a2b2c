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
    reason
from {{ source('esg_raw', 'reports') }}
