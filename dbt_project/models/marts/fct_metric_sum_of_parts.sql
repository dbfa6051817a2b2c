-- Sum of parts for additive concepts: per company x fiscal year x concept x entity and dimension, the
-- stated total (dimension_key '') beside the sum of the figures broken down by that one dimension
-- (dimension_key with exactly one member, e.g. 'segment=Upstream'). A stated total beats the sum of
-- its parts (value_source 'stated total'); both are kept and a gap over 1 % is flagged. Where no total
-- is stated, the sum of two or more parts stands in, flagged as derived. Members of alternative dimensions (Scope 2
-- location- vs market-based) measure the same total twice and are never summed.
with metrics as (
    select * from {{ ref('fct_esg_metrics') }}
    where is_additive
),

parts as (
    select
        company_id,
        metric_year,
        indicator_id,
        entity,
        {{ dbt.split_part('dimension_key', "'='", 1) }} as dimension,
        count(*) as parts,
        case when min(unit) = max(unit) then sum(value) end as sum_of_parts,
        min(unit) as parts_unit,
        min(unit) = max(unit) as parts_share_unit,
        count(*) = sum(case when is_canonical_unit then 1 else 0 end) as parts_canonical,
        sum(case when is_stale then 1 else 0 end) > 0 as parts_stale
    from metrics
    where dimension_key <> '' and dimension_key not like '%;%'
    group by company_id, metric_year, indicator_id, entity, {{ dbt.split_part('dimension_key', "'='", 1) }}
),

totals as (
    select company_id, company_name, metric_year, period_start, period_end, indicator_id, entity,
        value, unit, is_canonical_unit, metric_id, is_stale
    from metrics
    where dimension_key = ''
),

labels as (
    select
        company_id, metric_year, indicator_id, entity,
        min(company_name) as company_name,
        min(period_start) as period_start,
        max(period_end) as period_end,
        min(indicator_name) as indicator_name,
        min(headline_metric) as headline_metric
    from metrics
    group by company_id, metric_year, indicator_id, entity
),

compared as (
    select
        p.company_id,
        p.metric_year,
        p.indicator_id,
        p.entity,
        p.dimension,
        p.parts,
        t.value as stated_total,
        t.unit as total_unit,
        t.metric_id as total_metric_id,
        t.is_canonical_unit as total_canonical,
        p.sum_of_parts,
        p.parts_unit,
        p.parts_share_unit,
        p.parts_canonical,
        coalesce(t.is_stale, false) or p.parts_stale as is_stale
    from parts as p
    left join totals as t
        on t.company_id = p.company_id and t.metric_year = p.metric_year
        and t.indicator_id = p.indicator_id and t.entity is not distinct from p.entity
    where p.dimension not in ({% for d in alternative_dimensions() %}'{{ d }}'{% if not loop.last %}, {% endif %}{% endfor %})
)

select
    c.company_id,
    l.company_name,
    c.metric_year,
    l.period_start,
    l.period_end,
    c.indicator_id,
    l.indicator_name,
    l.headline_metric,
    c.entity,
    c.entity is null or c.entity = l.company_name as is_group_entity,
    c.dimension,
    c.parts,
    c.stated_total,
    c.sum_of_parts,
    coalesce(c.total_unit, c.parts_unit) as unit,
    case when c.stated_total is not null then c.total_canonical else c.parts_canonical end as is_canonical_unit,
    c.stated_total is not null and c.total_unit = c.parts_unit and c.parts_share_unit as is_comparable,
    case when c.total_unit = c.parts_unit then c.sum_of_parts - c.stated_total end as difference,
    case when c.total_unit = c.parts_unit and c.stated_total <> 0
        then abs(c.sum_of_parts - c.stated_total) / abs(c.stated_total) end as mismatch_share,
    coalesce(
        c.total_unit = c.parts_unit and c.stated_total <> 0
            and abs(c.sum_of_parts - c.stated_total) / abs(c.stated_total) > 0.01,
        false
    ) as is_mismatch,
    c.stated_total is not null as has_stated_total,
    -- one part alone (a single Scope 3 category, one segment) is never taken for the total
    c.stated_total is null and c.sum_of_parts is not null and c.parts >= 2 as is_derived,
    coalesce(c.stated_total, case when c.parts >= 2 then c.sum_of_parts end) as value,
    case
        when c.stated_total is not null then 'stated total'
        when c.sum_of_parts is not null and c.parts >= 2 then 'sum of parts'
    end as value_source,
    c.total_metric_id,
    c.is_stale
from compared as c
left join labels as l
    on l.company_id = c.company_id and l.metric_year = c.metric_year
    and l.indicator_id = c.indicator_id and l.entity is not distinct from c.entity
