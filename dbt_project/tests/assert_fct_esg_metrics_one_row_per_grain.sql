-- The fact mart's grain: company x year x indicator x entity.
select company_id, metric_year, indicator_id, entity, count(*) as rows_in_grain
from {{ ref('fct_esg_metrics') }}
group by company_id, metric_year, indicator_id, entity
having count(*) > 1
