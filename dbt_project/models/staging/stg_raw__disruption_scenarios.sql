with

source as (
    select * from {{ source('raw', 'disruption_scenarios') }}
),

final as (
    select
        cast(scenario_id as varchar) as scenario_id,
        cast(description as varchar) as description,
        cast(supplier_iso3 as varchar) as supplier_iso3,
        cast(mineral as varchar) as mineral,
        cast(stage as varchar) as stage,
        cast(restricted_share as double) as restricted_share,
        cast(origin as varchar) as origin,
        cast(source_file as varchar) as source_file,
        cast(source_line as integer) as source_line,
    from source
)

select * from final
