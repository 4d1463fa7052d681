with

source as (
    select * from {{ source('raw', 'hs_nomenclature') }}
),

final as (
    select
        cast(hscode as varchar) as hs_code,
        cast(level as integer) as code_level,
        description,
        cast(parent as varchar) as parent_code,
    from source
    where cast(level as integer) in (4, 6)
)

select * from final
