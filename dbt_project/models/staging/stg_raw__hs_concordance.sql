with

source as (
    select * from {{ source('raw', 'hs_concordance') }}
),

final as (
    select
        from_version,
        lpad(cast(from_code as varchar), 6, '0') as from_code,
        to_version,
        lpad(cast(to_code as varchar), 6, '0') as to_code,
        note,
    from source
)

select * from final
