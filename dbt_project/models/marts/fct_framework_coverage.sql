-- Disclosure coverage per framework: per company x fiscal year x framework reference (HKEX Part C KPIs
-- and Part D climate metrics, GRI, IFRS S2, ESRS) that applies to that fiscal year, whether the
-- company disclosed a figure for it (any concept mapped to the reference, any dimension or entity,
-- in fct_esg_metrics) or it is missing.
-- A reference applies by its framework's rule (seed framework_applicability), on the company's own
-- fiscal dates (dim_fiscal_period: period_end, else 31 December of metric_year):
--   year_overlaps: the reference is in force during the fiscal year (period_end >= effective_from and
--     period_start <= effective_to): HKEX Part C, GRI;
--   year_starts_within: the fiscal year starts within effective_from .. effective_to: HKEX Part D
--     (financial years starting on or after 2025-01-01, so a year ending 31 March 2025 is not yet
--     under it), IFRS S2, ESRS.
-- A framework without a rule is taken as year_overlaps.
with periods as (
    select * from {{ ref('dim_fiscal_period') }}
),

rules as (
    select framework, part, applies_when from {{ ref('framework_applicability') }}
),

refs as (
    select
        r.indicator_id,
        r.framework,
        r.reference,
        r.version,
        r.part,
        r.requirement,
        r.effective_from,
        r.effective_to,
        coalesce(a.applies_when, 'year_overlaps') as applies_when
    from {{ ref('stg_framework_references') }} as r
    left join rules as a
        on a.framework = r.framework and coalesce(a.part, '') = coalesce(r.part, '')
),

applicable as (
    select
        p.company_id,
        p.metric_year,
        p.period_start,
        p.period_end,
        p.is_period_stated,
        p.has_own_report,
        r.framework,
        r.part,
        r.reference,
        r.version,
        r.requirement,
        r.applies_when,
        r.indicator_id
    from periods as p
    inner join refs as r
        on (r.effective_from is null
            or (case when r.applies_when = 'year_starts_within' then p.period_start else p.period_end end)
                >= r.effective_from)
        and (r.effective_to is null or p.period_start <= r.effective_to)
),

figures as (
    select
        company_id,
        metric_year,
        indicator_id,
        count(*) as figures,
        sum(case when dimension_key = '' and is_group_entity then 1 else 0 end) as group_totals
    from {{ ref('fct_esg_metrics') }}
    group by company_id, metric_year, indicator_id
),

matched as (
    select
        a.*,
        coalesce(f.figures, 0) as figures,
        coalesce(f.group_totals, 0) as group_totals
    from applicable as a
    left join figures as f
        on f.company_id = a.company_id and f.metric_year = a.metric_year and f.indicator_id = a.indicator_id
),

disclosed_concepts as (
    select
        company_id, metric_year, framework, part, reference, version,
        {{ dbt.listagg('indicator_id', "', '", 'order by indicator_id') }} as disclosed_by
    from (
        select distinct company_id, metric_year, framework, part, reference, version, indicator_id
        from matched
        where figures > 0
    ) as concepts
    group by company_id, metric_year, framework, part, reference, version
),

coverage as (
    select
        company_id,
        metric_year,
        min(period_start) as period_start,
        max(period_end) as period_end,
        {{ dbt.bool_or('is_period_stated') }} as is_period_stated,
        {{ dbt.bool_or('has_own_report') }} as has_own_report,
        framework,
        part,
        reference,
        version,
        -- a reference mapped from several concepts takes its strictest requirement
        case max(case requirement
                    when 'mandatory' then 4 when 'comply_or_explain' then 3
                    when 'disclose' then 2 when 'voluntary' then 1 else 0 end)
            when 4 then 'mandatory' when 3 then 'comply_or_explain'
            when 2 then 'disclose' when 1 then 'voluntary'
        end as requirement,
        min(applies_when) as applies_when,
        count(distinct indicator_id) as concepts,
        count(distinct case when figures > 0 then indicator_id end) as concepts_disclosed,
        cast(sum(figures) as integer) as figures,
        sum(group_totals) > 0 as has_group_total
    from matched
    group by company_id, metric_year, framework, part, reference, version
)

select
    c.company_id,
    co.company_name,
    c.metric_year,
    c.period_start,
    c.period_end,
    c.is_period_stated,
    c.has_own_report,
    c.framework,
    c.part,
    c.reference,
    c.version,
    c.requirement,
    c.applies_when,
    c.concepts,
    c.concepts_disclosed,
    c.figures,
    c.concepts_disclosed > 0 as disclosed,
    case when c.concepts_disclosed > 0 then 'disclosed' else 'missing' end as status,
    c.requirement = 'mandatory' and c.concepts_disclosed = 0 as is_mandatory_missing,
    c.has_group_total,
    d.disclosed_by
from coverage as c
left join {{ ref('stg_companies') }} as co on co.company_id = c.company_id
left join disclosed_concepts as d
    on d.company_id = c.company_id and d.metric_year = c.metric_year and d.framework = c.framework
    and d.part is not distinct from c.part and d.reference = c.reference and d.version = c.version
