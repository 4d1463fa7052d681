{#- Yearly incremental builds. Dagster passes the years of the partitions being built as the
    vars min_year / max_year; a run replaces exactly those years: the pre-hook deletes them,
    the model's import CTE selects only them. A full build (no vars) covers every year. -#}

{% macro year_window_filter(column='year') -%}
    {%- if is_incremental() -%}
        where {{ column }} between {{ var('min_year', 0) }} and {{ var('max_year', 9999) }}
    {%- endif -%}
{%- endmacro %}

{% macro delete_year_window(column='year') -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ column }} between {{ var('min_year', 0) }} and {{ var('max_year', 9999) }}
    {%- endif -%}
{%- endmacro %}

{#- The configuration every yearly-partitioned model shares: incremental, appending the years
    being built after the pre-hook has deleted them. -#}
{% macro yearly_incremental() -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_year_window() }}",
    ) }}
{%- endmacro %}
