-- Every trade code the marts may use, with the mineral and stage it stands for:
-- the reviewed six-digit map, plus four-digit headings whose every HS 2022
-- subheading is mapped, used in dependency and of one mineral and stage (some
-- sources report only at heading level, e.g. Comtrade HS 2846, Trade Map 2510).
-- `reported_version` is 'any' for these. Codes that changed between HS editions
-- get rows of their own for the edition they are reported in (from the
-- concordance): such a code is used in dependency only when every HS 2022 code
-- it became maps to the same single mineral and stage; otherwise it is a basket.

with

hs_map as (
    select * from {{ ref('stg_raw__hs_mineral_map') }}
),

nomenclature as (
    select * from {{ ref('stg_raw__hs_nomenclature') }}
),

concordance as (
    select * from {{ ref('stg_raw__hs_concordance') }}
),

six_digit as (
    select
        hs6 as hs_code,
        'any' as reported_version,
        6 as code_level,
        hs6,
        hs_version,
        mineral,
        stage,
        is_basket,
        used_in_dependency,
        hs_description,
    from hs_map
),

subheadings_per_heading as (
    select
        left(hs_code, 4) as heading,
        count(*) as n_subheadings,
    from nomenclature
    where code_level = 6
    group by 1
),

mapped_per_heading as (
    select
        left(hs6, 4) as heading,
        count(distinct hs6) as n_mapped,
        count(distinct mineral || '|' || stage) as n_mineral_stages,
        bool_and(used_in_dependency) as all_used,
        min(mineral) as mineral,
        min(stage) as stage,
    from hs_map
    group by 1
),

headings as (
    select
        mapped_per_heading.heading as hs_code,
        'any' as reported_version,
        4 as code_level,
        null::varchar as hs6,
        'HS2022' as hs_version,
        mapped_per_heading.mineral,
        mapped_per_heading.stage,
        false as is_basket,
        true as used_in_dependency,
        nomenclature.description as hs_description,
    from mapped_per_heading
    inner join subheadings_per_heading
        on mapped_per_heading.heading = subheadings_per_heading.heading
    inner join nomenclature
        on mapped_per_heading.heading = nomenclature.hs_code
    where
        mapped_per_heading.n_mineral_stages = 1
        and mapped_per_heading.all_used
        and mapped_per_heading.n_mapped = subheadings_per_heading.n_subheadings
),

targets_per_code as (
    select
        from_version,
        from_code,
        count(distinct to_code) as n_targets,
    from concordance
    group by from_version, from_code
),

converted_targets as (
    select
        concordance.from_version,
        concordance.from_code,
        concordance.to_code,
        hs_map.mineral,
        hs_map.stage,
        hs_map.used_in_dependency,
        hs_map.is_basket,
    from concordance
    inner join hs_map on concordance.to_code = hs_map.hs6
),

converted_summary as (
    select
        converted_targets.from_version,
        converted_targets.from_code,
        string_agg(distinct converted_targets.to_code, ', ' order by converted_targets.to_code) as targets,
        count(distinct converted_targets.mineral || '|' || converted_targets.stage) = 1
        and bool_and(converted_targets.used_in_dependency)
        and count(distinct converted_targets.to_code) = any_value(targets_per_code.n_targets) as single_target,
    from converted_targets
    inner join targets_per_code
        on
            converted_targets.from_version = targets_per_code.from_version
            and converted_targets.from_code = targets_per_code.from_code
    group by converted_targets.from_version, converted_targets.from_code
),

converted as (
    select distinct
        converted_targets.from_code as hs_code,
        converted_targets.from_version as reported_version,
        6 as code_level,
        converted_targets.from_code as hs6,
        converted_targets.from_version as hs_version,
        converted_targets.mineral,
        converted_targets.stage,
        not converted_summary.single_target as is_basket,
        converted_summary.single_target as used_in_dependency,
        'Reported in ' || converted_targets.from_version || '; in HS 2022: ' || converted_summary.targets
            as hs_description,
    from converted_targets
    inner join converted_summary
        on
            converted_targets.from_version = converted_summary.from_version
            and converted_targets.from_code = converted_summary.from_code
),

final as (
    select * from six_digit
    union all
    select * from headings
    union all
    select * from converted
)

select * from final
