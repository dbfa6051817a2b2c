select indicator_id, indicator_name, hkex_kpi, gri, canonical_unit, unit_kind, description
from {{ ref('stg_indicators') }}
