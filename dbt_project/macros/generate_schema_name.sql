{# Use the configured schema as is (staging, marts, reference) instead of prefixing the target
   schema, so BI tools and the loader see stable names on DuckDB and PostgreSQL alike. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
