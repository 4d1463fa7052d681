with

source as (
    select * from {{ source('raw', 'trade_flows') }}
),

final as (
    select
        source,
        source_vintage,
        reported_by,
        cast(year as integer) as year,
        hs_version,
        hs_code,
        length(hs_code) as code_level,
        exporter_iso3,
        importer_iso3,
        value_usd,
        quantity_t,
        source_file,
        source_line,
    from source
)

select * from final
