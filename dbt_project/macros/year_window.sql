{#- Yearly incremental builds. Dagster passes the years of the partitions being built in the
    environment variables MINERALS_MIN_YEAR / MINERALS_MAX_YEAR (read when a model is compiled,
    so a new year needs no re-parse of the project); a run replaces exactly those years: the
    pre-hook deletes them, the model's import CTE selects only them. A full build (variables
    unset) covers every year. -#}

{#- `before` / `after` widen the window by that many years on each side: a model comparing a year
    with the previous one reads one year before the window, and rebuilds the year after it so that
    year's comparison follows a replaced year. -#}
{% macro year_window_bounds(before=0, after=0) -%}
    {{ env_var('MINERALS_MIN_YEAR', '0') | int - before }} and {{ env_var('MINERALS_MAX_YEAR', '9999') | int + after }}
{%- endmacro %}

{% macro year_window_filter(column='year', before=0, after=0) -%}
    {%- if is_incremental() -%}
        where {{ column }} between {{ year_window_bounds(before, after) }}
    {%- endif -%}
{%- endmacro %}

{% macro delete_year_window(column='year', after=0) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ column }} between {{ year_window_bounds(0, after) }}
    {%- endif -%}
{%- endmacro %}

{#- The configuration every yearly-partitioned model shares: incremental, appending the years
    being built after the pre-hook has deleted them. -#}
{% macro yearly_incremental(after=0) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_year_window(after=" ~ after ~ ") }}",
    ) }}
{%- endmacro %}
