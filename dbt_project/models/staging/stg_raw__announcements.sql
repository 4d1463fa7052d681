with

source as (
    select * from {{ source('raw', 'announcements') }}
),

final as (
    select
        announcement_id,
        cast(published_date as date) as published_date,
        title,
        source,
        kind,
        url,
        parties,
        mentioned_countries,
        minerals,
        stages,
        instrument,
        is_cooperation,
        source_file,
    from source
)

select * from final
