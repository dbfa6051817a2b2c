select
    metric_id,
    report_id,
    report_year,
    company_id,
    indicator as indicator_id,
    value,
    unit,
    qualifier,
    quote,
    failed_expectations,
    reason
from {{ source('esg_raw', 'quarantine') }}
