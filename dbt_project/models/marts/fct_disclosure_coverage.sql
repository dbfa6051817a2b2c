-- Per company and reporting year, every HKEX ESG KPI and whether the report disclosed it with a number.
-- A report that failed on its latest attempt but keeps figures from an earlier load still counts (is_stale).
with reports as (
    select company_id, report_year, sum(case when is_stale then 1 else 0 end) > 0 as is_stale
    from {{ ref('stg_reports') }}
    where status <> 'failed' or is_stale
    group by company_id, report_year
),

disclosed as (
    select company_id, report_year, hkex_kpi, count(*) as metric_count
    from {{ ref('stg_metrics') }}
    where hkex_kpi is not null
    group by company_id, report_year, hkex_kpi
)

select
    r.company_id,
    c.company_name,
    r.report_year,
    k.hkex_kpi,
    k.kpi_name,
    k.aspect,
    coalesce(d.metric_count, 0) > 0 as disclosed,
    coalesce(d.metric_count, 0) as metric_count,
    r.is_stale
from reports as r
cross join {{ ref('hkex_kpis') }} as k
left join disclosed as d
    on d.company_id = r.company_id and d.report_year = r.report_year and d.hkex_kpi = k.hkex_kpi
left join {{ ref('stg_companies') }} as c on r.company_id = c.company_id
