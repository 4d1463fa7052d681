with

source as (
    select * from {{ source('raw', 'usgs_series') }}
),

final as (
    select
        mineral,
        stage,
        statistic,
        measure,
        lower(measure) as measure_key,
        series,
        basis,
        content,
        note,
    from source
)

select * from final
