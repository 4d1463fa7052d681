with

source as (
    select * from {{ source('raw', 'diplomacy_events') }}
),

final as (
    select
        event_id,
        cast(event_date as date) as event_date,
        date_precision,
        event_type,
        title,
        parties,
        includes_group,
        minerals,
        stages,
        instrument,
        is_cooperation,
        source_urls,
        confidence,
    from source
)

select * from final
