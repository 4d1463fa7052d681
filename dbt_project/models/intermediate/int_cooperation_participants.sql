-- Who takes part in each cooperation instrument, and in which years (at the end of the year).
-- One row per instrument, country and way of taking part: named on the instrument (or a member
-- state of the EU when the EU, EUU, is named), or a member of the group the instrument names
-- (includes_group, e.g. MSP). Only agreements, frameworks, MoUs, partnerships and joint
-- statements count; meetings and the other kinds do not. Rules: see the model description in
-- _int_cooperation.yml.

with

agreements as (
    select * from {{ ref('cooperation_agreements') }}
    where instrument in ('agreement', 'framework', 'mou', 'partnership', 'joint_statement')
),

eu_members as (
    select * from {{ ref('int_eu_member_states') }}
),

listed as (
    select
        agreement_id,
        unnest(parties) as listed_as,
        year(start_date) as first_year,
    from agreements
),

-- The countries named on each instrument; the EU stands for its member states of each year.
named as (
    select
        agreement_id,
        listed_as as iso3,
        listed_as,
        first_year,
        null::integer as last_year,
    from listed
    where listed_as <> 'EUU'
    union all
    select
        listed.agreement_id,
        eu_members.iso3,
        listed.listed_as,
        greatest(listed.first_year, eu_members.first_year) as first_year,
        eu_members.last_year,
    from listed
    inner join eu_members on listed.listed_as = 'EUU'
    where eu_members.last_year is null or eu_members.last_year >= listed.first_year
),

groups as (
    select
        agreement_id,
        trim(unnest(string_split(includes_group, ';'))) as group_name,
        year(start_date) as first_year,
    from agreements
    where includes_group is not null
),

-- A country is a member of a group from the year of the first instrument of that group that
-- names it (a launch, a joining, a joint statement of the group).
memberships as (
    select
        groups.group_name,
        named.iso3,
        named.last_year,
        min(named.first_year) as first_year,
    from groups
    inner join named on groups.agreement_id = named.agreement_id
    group by groups.group_name, named.iso3, named.last_year
),

-- An instrument of a group binds the countries it names to every member of the group.
through_groups as (
    select
        groups.agreement_id,
        memberships.iso3,
        null::varchar as listed_as,
        groups.group_name as through_group,
        greatest(groups.first_year, memberships.first_year) as first_year,
        memberships.last_year,
    from groups
    inner join memberships on groups.group_name = memberships.group_name
),

participants as (
    select
        agreement_id,
        iso3,
        listed_as,
        null::varchar as through_group,
        first_year,
        last_year,
    from named
    union all
    select
        agreement_id,
        iso3,
        listed_as,
        through_group,
        first_year,
        last_year,
    from through_groups
    where last_year is null or last_year >= first_year
),

final as (
    select
        participants.agreement_id,
        agreements.instrument,
        agreements.start_date,
        participants.iso3,
        participants.listed_as,
        participants.through_group,
        participants.first_year::integer as first_year,
        participants.last_year::integer as last_year,
        agreements.minerals,
        agreements.stages,
    from participants
    inner join agreements on participants.agreement_id = agreements.agreement_id
)

select * from final
