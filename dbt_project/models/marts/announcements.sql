-- One row per announcement document, with what it announces.

with

announcements as (
    select * from {{ ref('stg_raw__announcements') }}
),

final as (
    select
        announcement_id,
        published_date,
        title,
        source,
        url,
        parties,
        mentioned_countries,
        minerals,
        stages,
        instrument,
        is_cooperation,
    from announcements
)

select * from final
