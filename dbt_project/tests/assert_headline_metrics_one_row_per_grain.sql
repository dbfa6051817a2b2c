{{ config(meta={'dagster': {'ref': {'name': 'fct_headline_metrics'}}}) }}
-- One headline value per company x fiscal year x metric, and one wide row per company x fiscal year.
select 'long' as model, company_id, metric_year, headline_metric, count(*) as rows_in_grain
from {{ ref('fct_headline_metrics') }}
group by company_id, metric_year, headline_metric
having count(*) > 1
union all
select 'wide' as model, company_id, metric_year, cast(null as varchar(100)) as headline_metric, count(*) as rows_in_grain
from {{ ref('fct_headline_metrics_wide') }}
group by company_id, metric_year
having count(*) > 1
