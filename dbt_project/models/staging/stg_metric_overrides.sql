select
    company_id,
    metric_year,
    indicator_id,
    entity,
    cast(value as double precision) as value,
    unit,
    action,
    reason,
    verified_by,
    verified_at
from {{ source('esg_raw', 'metric_overrides') }}
