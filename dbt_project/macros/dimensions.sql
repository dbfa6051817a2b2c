{# The dimension columns of the observation record (esg_pipeline/observation.py: one dim_<id> column per
   taxonomy dimension). esg_pipeline_tests/test_dbt_project.py keeps this list in step with the record. #}
{% macro dimension_columns() -%}
    {{ return([
        'dim_scope2_method',
        'dim_scope3_category',
        'dim_gas',
        'dim_segment',
        'dim_site',
        'dim_region',
        'dim_gender',
        'dim_age_band',
        'dim_employee_category',
        'dim_employment_type',
    ]) }}
{%- endmacro %}

{# Dimensions whose members are alternative measurements of one total, not parts of it: Scope 2
   location-based and market-based figures are the same emissions counted two ways, so they never add up. #}
{% macro alternative_dimensions() -%}
    {{ return(['scope2_method']) }}
{%- endmacro %}

{# The last day of a calendar year as a date (portable: DuckDB and PostgreSQL). #}
{% macro year_end(year_column) -%}
    cast(cast({{ year_column }} as varchar(4)) || '-12-31' as date)
{%- endmacro %}

{% macro year_start(year_column) -%}
    cast(cast({{ year_column }} as varchar(4)) || '-01-01' as date)
{%- endmacro %}
