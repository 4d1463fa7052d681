-- Reserves by country in tonnes, per mineral, from USGS: the reserves series of
-- int_usgs_series_values. Reserves are where the not-yet-mined supply sits: the exploration-stage
-- view of concentration.

with

final as (
    select
        mineral,
        year,
        iso3,
        edition,
        series,
        basis,
        content,
        unit,
        value_t as reserves_t,
    from {{ ref('int_usgs_series_values') }}
    where statistic = 'reserves'
)

select * from final
