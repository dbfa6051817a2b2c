select hkex_kpi, kpi_name, aspect
from {{ ref('hkex_kpis') }}
