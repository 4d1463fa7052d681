with

source as (
    select * from {{ source('raw', 'import_reliance_basis') }}
),

final as (
    select
        mineral,
        stage,
        cast(hs_code as varchar) as hs_code,
        length(cast(hs_code as varchar)) as code_level,
        trade_measure,
        production_measure,
        note,
    from source
)

select * from final
