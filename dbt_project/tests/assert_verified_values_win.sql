{{ config(meta={'dagster': {'ref': {'name': 'fct_esg_metrics'}}}) }}
-- Wherever an analyst verified a value, the fact mart shows that value, as the total of its grain.
select o.company_id, o.metric_year, o.indicator_id, o.entity
from {{ ref('stg_metric_overrides') }} as o
left join {{ ref('fct_esg_metrics') }} as f
    on f.company_id = o.company_id and f.metric_year = o.metric_year
    and f.indicator_id = o.indicator_id and f.entity = o.entity and f.dimension_key = ''
where f.is_verified is distinct from true or f.original_value <> o.value
    or f.chosen_because is distinct from 'verified override'
