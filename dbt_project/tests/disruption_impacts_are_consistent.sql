-- disruption_impacts keeps its invariants: lost_share = k × supplier_share and lost_amount = k ×
-- supplier_amount; remaining_imports = total_imports − lost_amount; a supply is fully lost exactly when
-- no supplier remains, and then hhi_after, top_supplier_after and top_supplier_share_after are NULL;
-- otherwise hhi_after equals the closed form (hhi_before − share_e² + ((1 − k) × share_e)²) /
-- (1 − lost_share)² and lies between 1 / n_suppliers_after and 1; n_suppliers_after drops by one
-- exactly when k = 1; partner_supplies says whether partner_suppliers is non-empty.
-- Fails for every row where one of these does not hold.

with

impacts as (
    select * from {{ ref('disruption_impacts') }}
)

select
    scenario_id,
    importer_iso3,
    mineral,
    stage,
    year,
    basis,
    restricted_share,
    supplier_share,
    lost_share,
    hhi_before,
    hhi_after,
    n_suppliers_before,
    n_suppliers_after,
    supply_fully_lost,
from impacts
where
    abs(lost_share - restricted_share * supplier_share) > 1e-12
    or abs(lost_amount - restricted_share * supplier_amount) > 1e-9 * greatest(supplier_amount, 1)
    or abs(remaining_imports - (total_imports - lost_amount)) > 1e-9 * greatest(total_imports, 1)
    or supply_fully_lost <> (n_suppliers_after = 0)
    or supply_fully_lost <> (hhi_after is null)
    or supply_fully_lost <> (top_supplier_after is null)
    or supply_fully_lost <> (top_supplier_share_after is null)
    or (supply_fully_lost and (restricted_share < 1 or n_suppliers_before <> 1))
    or n_suppliers_after <> n_suppliers_before - (case when restricted_share = 1 then 1 else 0 end)
    or (
        not supply_fully_lost
        and (
            -- compared multiplied out by (1 − lost_share)², so a nearly total loss does not magnify rounding
            abs(
                hhi_after * (1 - lost_share) ^ 2
                - (hhi_before - supplier_share ^ 2 + ((1 - restricted_share) * supplier_share) ^ 2)
            ) > 1e-9
            or hhi_after < 1.0 / n_suppliers_after - 1e-9
            or hhi_after > 1
        )
    )
    or partner_supplies <> (len(partner_suppliers) > 0)
