select
    indicator_id,
    name as indicator_name,
    hkex_kpi,
    gri,
    canonical_unit,
    unit_kind,
    description,
    coalesce(additive, false) as is_additive,
    headline as headline_metric,
    dimensions
from {{ source('esg_raw', 'indicators') }}
