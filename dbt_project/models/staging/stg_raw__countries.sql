with

source as (
    select * from {{ source('raw', 'countries') }}
),

final as (
    select
        iso3,
        iso2,
        m49,
        name,
        official_name,
        kind,
        kind in ('country', 'historical') as is_country,
    from source
)

select * from final
