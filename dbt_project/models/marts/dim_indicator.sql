select
    indicator_id,
    indicator_name,
    hkex_kpi,
    gri,
    canonical_unit,
    unit_kind,
    description,
    is_additive,
    headline_metric,
    dimensions
from {{ ref('stg_indicators') }}
