select
    indicator_id,
    name as indicator_name,
    hkex_kpi,
    gri,
    canonical_unit,
    unit_kind,
    description
from {{ source('esg_raw', 'indicators') }}
