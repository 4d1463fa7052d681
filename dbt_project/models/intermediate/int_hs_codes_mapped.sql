-- Every trade code the marts may use, with the mineral and stage it stands for:
-- the reviewed six-digit map, plus four-digit headings whose every HS 2022
-- subheading is mapped, used in dependency and of one mineral and stage (some
-- sources report only at heading level, e.g. Comtrade HS 2846, Trade Map 2510).

with

hs_map as (
    select * from {{ ref('stg_raw__hs_mineral_map') }}
),

nomenclature as (
    select * from {{ ref('stg_raw__hs_nomenclature') }}
),

six_digit as (
    select
        hs6 as hs_code,
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

final as (
    select * from six_digit
    union all
    select * from headings
)

select * from final
