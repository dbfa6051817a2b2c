{{ config(meta={'dagster': {'ref': {'name': 'fct_framework_coverage'}}}) }}
-- One coverage row per company x fiscal year x framework reference (x part and version).
select company_id, metric_year, framework, coalesce(part, '') as part, reference, version, count(*) as rows_in_grain
from {{ ref('fct_framework_coverage') }}
group by company_id, metric_year, framework, coalesce(part, ''), reference, version
having count(*) > 1
