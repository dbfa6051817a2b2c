-- The comparable headline set: one row per company x fiscal year x headline metric, totals only (no
-- dimension members), the group's own figure, in the concept's canonical unit.
-- Per metric: the stated total chosen in fct_esg_metrics; for ghg_scope2 with no stated total, the
-- location-based figure; else the sum of its parts over one dimension (is_derived). Scope 2 also
-- gives ghg_scope2_location_based and ghg_scope2_market_based where the report states them.
with metrics as (
    select * from {{ ref('fct_esg_metrics') }}
    where is_group_entity and headline_metric is not null and is_canonical_unit
),

stated as (
    select
        company_id, company_name, metric_year, period_start, period_end, indicator_id, indicator_name,
        case
            when dimension_key = '' then headline_metric
            when dimension_key = 'scope2_method=location_based' then 'ghg_scope2_location_based'
            when dimension_key = 'scope2_method=market_based' then 'ghg_scope2_market_based'
        end as headline_metric,
        value, unit, value_cny, value_hkd, value_usd,
        false as is_derived,
        case when dimension_key = '' then 'stated total' else 'stated by method' end as value_source,
        chosen_because, observations, is_restated, is_verified, is_stale, report_year, report_id, metric_id, quote,
        1 as source_rank,
        0 as parts,
        cast(null as varchar(100)) as dimension
    from metrics
    where dimension_key = ''
        or (indicator_id = 'ghg_scope2'
            and dimension_key in ('scope2_method=location_based', 'scope2_method=market_based'))
),

location_based_as_total as (
    select
        company_id, company_name, metric_year, period_start, period_end, indicator_id, indicator_name,
        headline_metric,
        value, unit, value_cny, value_hkd, value_usd,
        false as is_derived,
        'location-based (no total stated)' as value_source,
        chosen_because, observations, is_restated, is_verified, is_stale, report_year, report_id, metric_id, quote,
        2 as source_rank,
        0 as parts,
        cast(null as varchar(100)) as dimension
    from metrics
    where indicator_id = 'ghg_scope2' and dimension_key = 'scope2_method=location_based'
),

derived as (
    select
        company_id, company_name, metric_year, period_start, period_end, indicator_id, indicator_name,
        headline_metric,
        value, unit,
        cast(null as double precision) as value_cny,
        cast(null as double precision) as value_hkd,
        cast(null as double precision) as value_usd,
        true as is_derived,
        'sum of ' || cast(parts as varchar(10)) || ' parts by ' || dimension as value_source,
        'sum of ' || cast(parts as varchar(10)) || ' parts by ' || dimension || ' (no total stated)'
            as chosen_because,
        parts as observations,
        false as is_restated,
        false as is_verified,
        is_stale,
        cast(null as integer) as report_year,
        cast(null as varchar(255)) as report_id,
        cast(null as varchar(64)) as metric_id,
        cast(null as varchar(255)) as quote,
        3 as source_rank,
        parts,
        dimension
    from {{ ref('fct_metric_sum_of_parts') }}
    where is_derived and is_group_entity and headline_metric is not null and is_canonical_unit
),

candidates as (
    select * from stated
    union all
    select * from location_based_as_total
    union all
    select * from derived
),

ranked as (
    select
        *,
        row_number() over (
            partition by company_id, metric_year, headline_metric
            -- among sums, the finer breakdown (more parts) first, then the dimension's name
            order by source_rank, parts desc, dimension
        ) as rank_in_grain
    from candidates
)

select
    company_id,
    company_name,
    metric_year,
    period_start,
    period_end,
    headline_metric,
    indicator_id,
    indicator_name,
    value,
    unit,
    value_cny,
    value_hkd,
    value_usd,
    is_derived,
    value_source,
    chosen_because,
    observations,
    is_restated,
    is_verified,
    is_stale,
    report_year,
    report_id,
    metric_id,
    quote
from ranked
where rank_in_grain = 1
