with

source as (
    select * from {{ source('raw', 'usgs_production') }}
),

final as (
    select
        edition,
        commodity,
        statistics_detail,
        iso3,
        country_name,
        statistic,
        mineral,
        stage,
        unit,
        cast(year as integer) as year,
        value,
        value_t,
        value_raw,
        value_flag,
        is_estimate,
        source_file,
        source_line,
    from source
)

select * from final
