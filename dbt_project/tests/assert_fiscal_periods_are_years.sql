{{ config(meta={'dagster': {'ref': {'name': 'dim_fiscal_period'}}}) }}
-- One fiscal period per company and year; it ends in its metric_year and starts before it ends.
select company_id, metric_year, count(*) as periods, min(period_start) as period_start, max(period_end) as period_end
from {{ ref('dim_fiscal_period') }}
group by company_id, metric_year
having count(*) > 1
    or max(period_start) > min(period_end)
    or max(extract(year from period_end)) <> metric_year
