{{ config(meta={'dagster': {'ref': {'name': 'fct_esg_metrics'}}}) }}
-- Targets and baselines are not reported values: no chosen figure is one.
select f.metric_id, o.basis
from {{ ref('fct_esg_metrics') }} as f
inner join {{ ref('fct_esg_observations') }} as o on o.metric_id = f.metric_id
where o.basis in ('target', 'baseline') or o.is_generic
