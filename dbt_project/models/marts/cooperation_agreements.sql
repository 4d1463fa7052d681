-- One row per dated cooperation instrument between two or more parties, from
-- the curated diplomacy events and from announcements. An announcement of the
-- same parties, instrument and date as an event is the same instrument: the
-- event row is kept and the announcement is listed as further evidence.

with

events as (
    select * from {{ ref('stg_raw__diplomacy_events') }}
    where is_cooperation and (len(parties) >= 2 or includes_group is not null)
),

announcements as (
    select * from {{ ref('stg_raw__announcements') }}
    where is_cooperation and len(parties) >= 2 and published_date is not null
),

from_events as (
    select
        'event:' || event_id as agreement_id,
        instrument,
        title,
        event_date as start_date,
        list_sort(parties) as parties,
        includes_group,
        minerals,
        stages,
        'diplomacy_events' as origin,
        source_urls[1] as source_url,
    from events
),

from_announcements as (
    select
        'announcement:' || announcement_id as agreement_id,
        instrument,
        title,
        published_date as start_date,
        list_sort(parties) as parties,
        null::varchar as includes_group,
        minerals,
        stages,
        'announcements' as origin,
        url as source_url,
    from announcements
),

new_announcements as (
    select from_announcements.*
    from from_announcements
    anti join from_events
        on
            from_announcements.parties = from_events.parties
            and from_announcements.start_date = from_events.start_date
            and from_announcements.instrument = from_events.instrument
),

final as (
    select * from from_events
    union all
    select * from new_announcements
)

select * from final
