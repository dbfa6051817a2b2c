-- Every observation of a metric, extracted or verified by an analyst, with its value in the
-- indicator's canonical unit and money also in CNY, HKD and USD (annual average rates).
-- An analyst's override keeps its grain (company x metric_year x indicator x entity) and applies to
-- the total: dimension_key '' and no dimension members.
with extracted as (
    select
        metric_id,
        company_id,
        metric_year,
        period_start,
        period_end,
        basis,
        report_year,
        indicator_id,
        entity,
        dimension_key,
        {% for column in dimension_columns() %}{{ column }},
        {% endfor %}subject,
        value,
        unit,
        qualifier,
        quote,
        raw_text,
        report_id,
        doc_name,
        doc_sha256,
        page,
        line,
        char_start,
        char_end,
        method,
        confidence,
        flags,
        year_source,
        false as is_verified,
        cast(null as varchar(255)) as verification_note
    from {{ ref('stg_metrics') }}
),

verified as (
    select
        'override:' || company_id || ':' || cast(metric_year as varchar(4)) || ':' || indicator_id || ':' || entity
            as metric_id,
        company_id,
        metric_year,
        cast(null as date) as period_start,
        cast(null as date) as period_end,
        'reported' as basis,
        metric_year as report_year,
        indicator_id,
        entity,
        '' as dimension_key,
        {% for column in dimension_columns() %}cast(null as varchar(255)) as {{ column }},
        {% endfor %}cast(null as varchar(255)) as subject,
        value,
        unit,
        'exact' as qualifier,
        reason as quote,
        cast(null as varchar(255)) as raw_text,
        cast(null as varchar(255)) as report_id,
        cast(null as varchar(255)) as doc_name,
        cast(null as varchar(64)) as doc_sha256,
        cast(null as integer) as page,
        cast(null as integer) as line,
        cast(null as integer) as char_start,
        cast(null as integer) as char_end,
        'analyst_' || action as method,
        1.0 as confidence,
        cast(null as varchar(255)) as flags,
        'analyst' as year_source,
        true as is_verified,
        action || ' by ' || verified_by || ': ' || reason as verification_note
    from {{ ref('stg_metric_overrides') }}
),

observations as (
    select * from extracted
    union all
    select * from verified
),

joined as (
    select
        o.*,
        i.hkex_kpi,
        i.gri,
        i.canonical_unit,
        i.unit_kind,
        conversion.factor as unit_factor,
        rate_own.units_per_usd as own_per_usd,
        rate_canonical.units_per_usd as canonical_per_usd,
        rate_cny.units_per_usd as cny_per_usd,
        rate_hkd.units_per_usd as hkd_per_usd
    from observations as o
    left join {{ ref('stg_indicators') }} as i on o.indicator_id = i.indicator_id
    left join {{ ref('unit_conversions') }} as conversion
        on conversion.from_unit = o.unit and conversion.to_unit = i.canonical_unit
    left join {{ ref('stg_fx_rates') }} as rate_own on rate_own.currency = o.unit and rate_own.year = o.metric_year
    left join {{ ref('stg_fx_rates') }} as rate_canonical
        on rate_canonical.currency = i.canonical_unit and rate_canonical.year = o.metric_year
    left join {{ ref('stg_fx_rates') }} as rate_cny on rate_cny.currency = 'CNY' and rate_cny.year = o.metric_year
    left join {{ ref('stg_fx_rates') }} as rate_hkd on rate_hkd.currency = 'HKD' and rate_hkd.year = o.metric_year
)

select
    metric_id,
    company_id,
    metric_year,
    period_start,
    period_end,
    basis,
    report_year,
    indicator_id,
    hkex_kpi,
    gri,
    entity,
    dimension_key,
    {% for column in dimension_columns() %}{{ column }},
    {% endfor %}subject,
    case
        when unit = canonical_unit then value
        when unit_kind = 'money' then value / own_per_usd * canonical_per_usd
        else value * unit_factor
    end as value_canonical,
    canonical_unit,
    case when unit_kind = 'money' then value / own_per_usd * cny_per_usd end as value_cny,
    case when unit_kind = 'money' then value / own_per_usd * hkd_per_usd end as value_hkd,
    case when unit_kind = 'money' then value / own_per_usd end as value_usd,
    value as original_value,
    unit as original_unit,
    qualifier,
    quote,
    raw_text,
    report_id,
    doc_name,
    doc_sha256,
    page,
    line,
    char_start,
    char_end,
    method,
    confidence,
    flags,
    year_source,
    is_verified,
    verification_note
from joined
