{#- Join trade rows to the mineral codes they stand for, minding the HS edition they were
    reported in: a code that changed between editions maps through its edition's own rows
    (reported_version = the row's hs_version); every other code through the 'any' rows.
    `converted` must list (reported_version, hs_code) of all edition-specific rows. -#}
{% macro join_mapped_codes(flows, codes, converted) -%}
    left join {{ converted }}
        on
            {{ flows }}.hs_version = {{ converted }}.reported_version
            and {{ flows }}.hs_code = {{ converted }}.hs_code
    inner join {{ codes }}
        on
            {{ flows }}.hs_code = {{ codes }}.hs_code
            and {{ codes }}.reported_version
            = case when {{ converted }}.hs_code is null then 'any' else {{ flows }}.hs_version end
{%- endmacro %}
