-- The trade codes behind every mineral and stage, exactly as the marts use them.

with

codes as (
    select * from {{ ref('int_hs_codes_mapped') }}
),

final as (
    select
        coalesce(hs6, hs_code) as hs6,
        hs_code,
        reported_version,
        code_level,
        hs_version,
        mineral,
        stage,
        is_basket,
        used_in_dependency,
        hs_description,
    from codes
)

select * from final
