-- In cooperation_coverage, a row is covered exactly when it has partner suppliers, each listed once,
-- with at least one instrument; covered_imports is covered_share × total_imports.
-- Fails for every row where that does not hold.

with

coverage as (
    select * from {{ ref('cooperation_coverage') }}
)

select
    importer_iso3,
    mineral,
    stage,
    year,
    basis,
    covered_share,
    covered_imports,
    total_imports,
    n_partner_suppliers,
    partner_suppliers,
    instruments,
from coverage
where
    (covered_share > 0) <> (n_partner_suppliers > 0)
    or len(partner_suppliers) <> n_partner_suppliers
    or len(list_distinct(partner_suppliers)) <> n_partner_suppliers
    or (len(instruments) > 0) <> (n_partner_suppliers > 0)
    or abs(covered_imports - covered_share * total_imports) > 1e-9 * greatest(total_imports, 1)
