-- World production by country in tonnes, per mineral and stage (mining, processing), from USGS:
-- the production series of int_usgs_series_values.

with

final as (
    select
        mineral,
        stage,
        year,
        iso3,
        edition,
        series,
        basis,
        content,
        unit,
        value_t as production_t,
    from {{ ref('int_usgs_series_values') }}
    where statistic = 'production'
)

select * from final
