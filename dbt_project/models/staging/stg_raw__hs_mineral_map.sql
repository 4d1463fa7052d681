with

source as (
    select * from {{ source('raw', 'hs_mineral_map') }}
),

final as (
    select
        lpad(cast(hs6 as varchar), 6, '0') as hs6,
        hs_version,
        lower(mineral) as mineral,
        stage,
        cast(is_basket as boolean) as is_basket,
        cast(used_in_dependency as boolean) as used_in_dependency,
        hs_description,
        note,
    from source
)

select * from final
