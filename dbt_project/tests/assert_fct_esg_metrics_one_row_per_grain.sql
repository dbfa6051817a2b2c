-- The fact mart's grain: company x fiscal year x concept x dimension members x entity.
select company_id, metric_year, indicator_id, dimension_key, entity, count(*) as rows_in_grain
from {{ ref('fct_esg_metrics') }}
group by company_id, metric_year, indicator_id, dimension_key, entity
having count(*) > 1
