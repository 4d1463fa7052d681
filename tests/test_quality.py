"""The GX suites accept good frames and name what is wrong in bad ones."""

import pandas as pd
import pytest

from pipelines.lib.quality import suite_for, validate

CODES = ["USA", "IND", "CHN", "NOR", "XWD"]


def _flows(**overrides):
    frame = pd.DataFrame({
        "source": ["trademap", "baci_extract"],
        "source_vintage": ["ITC Trade Map export", "BACI"],
        "reported_by": ["importer", "reconciled"],
        "year": [2021, 2022],
        "hs_version": ["HS2017", "HS2017"],
        "hs_code": ["810520", "2846"],
        "exporter_iso3": ["NOR", "CHN"],
        "importer_iso3": ["USA", "IND"],
        "value_usd": [None, 1200.0],
        "quantity_t": [3149.0, None],
        "source_file": ["a.txt", "b.csv"],
        "source_line": [3, 7],
    })
    for column, values in overrides.items():
        frame[column] = values
    return frame


def test_good_trade_flows_pass():
    outcome = validate(_flows(), "trade_flows", suite_for("trade_flows", CODES))
    assert outcome.success, outcome.describe_failures()
    assert outcome.rows == 2


@pytest.mark.parametrize(
    ("column", "values", "expectation"),
    [
        ("quantity_t", [1e11, None], "expect_column_values_to_be_between"),
        ("value_usd", [None, -1.0], "expect_column_values_to_be_between"),
        ("exporter_iso3", ["NOR", "ZZZ"], "expect_column_values_to_be_in_set"),
        ("hs_code", ["810520", "81052"], "expect_column_values_to_match_regex"),
        ("year", [2021, 1900], "expect_column_values_to_be_between"),
        ("importer_iso3", ["USA", None], "expect_column_values_to_not_be_null"),
    ],
)
def test_bad_trade_flows_fail_and_name_the_problem(column, values, expectation):
    outcome = validate(_flows(**{column: values}), "trade_flows", suite_for("trade_flows", CODES))
    assert not outcome.success
    failed = [(o.expectation, o.column) for o in outcome.failed]
    assert (expectation, column) in failed
    assert all(o.reason for o in outcome.outcomes), "every expectation carries its reason"
    assert column in outcome.describe_failures()


def test_empty_mart_fails():
    frame = pd.DataFrame(columns=["hs6", "hs_code", "mineral", "stage"])
    outcome = validate(frame, "hs_mineral_map", suite_for("hs_mineral_map", CODES))
    assert not outcome.success
    assert outcome.failed[0].expectation == "expect_table_row_count_to_be_between"


def test_hhi_above_one_fails():
    frame = pd.DataFrame({
        "importer_iso3": ["USA"], "mineral": ["cobalt"], "stage": ["processing"], "year": [2021],
        "basis": ["quantity_t"], "total_imports": [10.0], "n_suppliers": [2],
        "top_supplier_iso3": ["NOR"], "top_supplier_share": [0.6], "top3_share": [1.0], "hhi": [1.2],
        "has_previous_year": [True], "hhi_change": [0.2],
    })
    outcome = validate(frame, "value_chain_dependency", suite_for("value_chain_dependency", CODES))
    assert [o.column for o in outcome.failed] == ["hhi"]
    jump = validate(frame.assign(hhi=[0.6], hhi_change=[-1.5]), "value_chain_dependency",
                    suite_for("value_chain_dependency", CODES))
    assert [o.column for o in jump.failed] == ["hhi_change"]


def test_unknown_table_has_no_suite():
    with pytest.raises(KeyError, match="no quality suite"):
        suite_for("nonexistent", CODES)


def test_failing_rows_point_back_to_the_input_file_and_line():
    from pipelines.lib.quality import failing_rows

    frame = _flows(quantity_t=[1e11, None])
    outcome = validate(frame, "trade_flows", suite_for("trade_flows", CODES))
    [too_big] = [o for o in outcome.failed if o.column == "quantity_t"]
    rows = failing_rows(frame, too_big)
    assert rows.to_dict(orient="records") == [{"quantity_t": 1e11, "source_file": "a.txt", "source_line": 3}]

    missing = validate(_flows(importer_iso3=["USA", None]), "trade_flows", suite_for("trade_flows", CODES))
    [null_importer] = [o for o in missing.failed if o.expectation == "expect_column_values_to_not_be_null"]
    assert failing_rows(_flows(importer_iso3=["USA", None]), null_importer)["source_line"].tolist() == [7]


def test_validate_years_checks_the_years_rows_and_the_whole_tables_count():
    from pipelines.lib.quality import validate_years

    suite = suite_for("trade_flows", CODES)
    good = validate_years(_flows(), 2, "trade_flows", suite)
    assert good.success, good.describe_failures()
    # a year with no rows is fine while the table holds other years …
    assert validate_years(_flows().iloc[0:0], 10, "trade_flows", suite).success
    # … but an empty table is not, and the failure says so
    empty = validate_years(_flows().iloc[0:0], 0, "trade_flows", suite)
    assert [(o.column, o.observed) for o in empty.failed][0][0] == "table_rows"
    assert "table_rows" in empty.describe_failures()
    # row-level expectations still apply to the rows of the years checked
    bad = validate_years(_flows(quantity_t=[1e11, None]), 2, "trade_flows", suite)
    assert [o.column for o in bad.failed] == ["quantity_t"]


def _lookthrough(**overrides):
    frame = pd.DataFrame({
        "importer_iso3": ["USA", "USA"], "mineral": ["cobalt", "cobalt"], "stage": ["processing", "processing"],
        "upstream_stage": ["mining", "mining"], "year": [2021, 2021], "basis": ["quantity_t", "quantity_t"],
        "origin_iso3": ["CHN", "UNKNOWN"], "effective_share": [0.75, 0.25], "coverage_of_data": [0.75, 0.75],
    })
    for column, values in overrides.items():
        frame[column] = values
    return frame


def test_lookthrough_suite_accepts_unknown_origin_and_rejects_bad_rows():
    suite = suite_for("lookthrough_dependency", CODES)
    good = validate(_lookthrough(), "lookthrough_dependency", suite)
    assert good.success, good.describe_failures()

    bad = validate(_lookthrough(origin_iso3=["ZZZ", "UNKNOWN"], effective_share=[1.5, 0.0], stage=["mining", "processing"]),
                   "lookthrough_dependency", suite)
    assert {o.column for o in bad.failed} == {"origin_iso3", "effective_share", "stage"}
    assert all(o.reason for o in bad.outcomes)


def test_year_batches_bound_the_rows_held_at_once():
    from pipelines.lib.quality import year_batches

    assert year_batches({2020: 10, 2021: 10, 2022: 10}, 25) == [(2020, 2021), (2022, 2022)]
    assert year_batches({2020: 30, 2021: 5}, 25) == [(2020, 2020), (2021, 2021)]  # a big year stands alone
    assert year_batches({1995: 1, 2020: 1}, 25) == [(1995, 2020)]
    assert year_batches({}, 25) == []


def test_outcomes_of_batches_merge_into_one():
    from pipelines.lib.quality import merge_outcomes, validate_years

    suite = suite_for("trade_flows", CODES)
    good = validate_years(_flows(), 4, "trade_flows", suite)
    bad = validate_years(_flows(quantity_t=[1e11, None]), 4, "trade_flows", suite)
    merged = merge_outcomes([good, bad])
    assert merged.rows == 4 and not merged.success
    assert [(o.column, o.unexpected_count) for o in merged.failed] == [("quantity_t", 1)]
    assert merge_outcomes([good, good]).success


def _coverage(**overrides):
    frame = pd.DataFrame({
        "importer_iso3": ["USA", "USA"], "mineral": ["cobalt", "graphite"], "stage": ["processing", "mining"],
        "year": [2024, 2024], "basis": ["value_usd", "value_usd"], "source": ["baci_extract", "baci_extract"],
        "total_imports": [100.0, 50.0], "n_suppliers": [2, 1], "top_supplier_iso3": ["NOR", "CHN"],
        "top_supplier_share": [0.75, 1.0], "hhi": [0.625, 1.0], "covered_imports": [75.0, 0.0],
        "covered_share": [0.75, 0.0], "n_partner_suppliers": [1, 0],
        "partner_suppliers": [["NOR"], []], "instruments": [["event:us_no"], []],
    })
    for column, values in overrides.items():
        frame[column] = values
    return frame


def test_cooperation_coverage_suite_accepts_lists_and_rejects_bad_rows():
    suite = suite_for("cooperation_coverage", CODES)
    good = validate(_coverage(), "cooperation_coverage", suite)
    assert good.success, good.describe_failures()

    bad = validate(_coverage(covered_share=[1.5, 0.0], importer_iso3=["USA", "ZZZ"], mineral=["cobalt", "cobalt"],
                             stage=["processing", "processing"]), "cooperation_coverage", suite)
    failed = {(o.expectation, o.column) for o in bad.failed}
    assert {("expect_column_values_to_be_between", "covered_share"),
            ("expect_column_values_to_be_in_set", "importer_iso3")} <= failed
    # the same importer, mineral, stage, year and basis twice
    twice = validate(_coverage(importer_iso3=["USA", "USA"], mineral=["cobalt", "cobalt"],
                               stage=["processing", "processing"]), "cooperation_coverage", suite)
    assert [o.expectation for o in twice.failed] == ["expect_compound_columns_to_be_unique"]
    assert all(o.reason for o in bad.outcomes)
    # an empty coverage table means the dependencies were lost
    empty = validate(_coverage().iloc[0:0], "cooperation_coverage", suite)
    assert empty.failed[0].expectation == "expect_table_row_count_to_be_between"


def test_coverage_gaps_and_partner_potential_suites():
    gaps = _coverage().drop(columns=["covered_imports", "covered_share", "n_partner_suppliers", "partner_suppliers",
                                     "instruments"])
    gaps["hhi_weighted_imports"] = gaps["hhi"] * gaps["total_imports"]
    gaps["gap_rank"] = [2, 1]
    suite = suite_for("coverage_gaps", CODES)
    assert validate(gaps, "coverage_gaps", suite).success
    # an empty gaps table is allowed (every dependency partly covered)
    assert validate(gaps.iloc[0:0], "coverage_gaps", suite).success
    tied = validate(gaps.assign(gap_rank=[0, 0]), "coverage_gaps", suite)
    assert {(o.expectation, o.column) for o in tied.failed} == {
        ("expect_compound_columns_to_be_unique", None), ("expect_column_values_to_be_between", "gap_rank")}

    potential = pd.DataFrame({
        "agreement_id": ["event:us_in_icet", "event:us_in_icet"], "instrument": ["partnership", "partnership"],
        "partner_iso3": ["IND", "USA"], "is_named_party": [True, True], "mineral": ["copper", "copper"],
        "stage": ["processing", "processing"], "year": [2024, 2024], "measure": ["production", "production"],
        "source_edition": ["MCS 2026", "MCS 2026"],
        "partner_amount_t": [545000.0, 921000.0], "world_total_t": [27600000.0, 27600000.0],
        "partner_share_of_world": [0.0197, 0.0334],
    })
    suite = suite_for("cooperation_partner_potential", CODES)
    assert validate(potential, "cooperation_partner_potential", suite).success
    bad = validate(potential.assign(instrument=["meeting", "partnership"], stage=["recycling", "processing"],
                                    partner_share_of_world=[1.2, 0.0334]),
                   "cooperation_partner_potential", suite)
    assert {o.column for o in bad.failed} == {"instrument", "stage", "partner_share_of_world"}


def _impacts(**overrides):
    # (1) China's graphite removed from the US (its only supplier): fully lost, no HHI after;
    # (2) half of India's 0.4 of Norway's processed cobalt lost: 0.25/0.75 after, HHI 0.625.
    frame = pd.DataFrame({
        "scenario_id": ["chn_graphite", "ind_half"], "scenario_description": ["China's graphite", None],
        "supplier_iso3": ["CHN", "IND"], "restricted_share": [1.0, 0.5], "importer_iso3": ["USA", "NOR"],
        "mineral": ["graphite", "cobalt"], "stage": ["mining", "processing"], "year": [2024, 2024],
        "basis": ["value_usd", "value_usd"], "source": ["baci_extract", "baci_extract"],
        "total_imports": [50.0, 100.0], "supplier_amount": [50.0, 40.0], "supplier_share": [1.0, 0.4],
        "lost_share": [1.0, 0.2], "lost_amount": [50.0, 20.0], "remaining_imports": [0.0, 80.0],
        "n_suppliers_before": [1, 2], "n_suppliers_after": [0, 2], "hhi_before": [1.0, 0.52],
        "hhi_after": [None, 0.625], "top_supplier_after": [None, "USA"], "top_supplier_share_after": [None, 0.75],
        "supply_fully_lost": [True, False], "partner_supplies": [True, False],
        "partner_suppliers": [["NOR"], []],
    })
    for column, values in overrides.items():
        frame[column] = values
    return frame


def test_disruption_impacts_suite_allows_a_fully_lost_supply_and_rejects_bad_rows():
    suite = suite_for("disruption_impacts", CODES)
    good = validate(_impacts(), "disruption_impacts", suite)
    assert good.success, good.describe_failures()
    # no scenario hitting any trade is not an error
    assert validate(_impacts().iloc[0:0], "disruption_impacts", suite).success

    bad = validate(_impacts(restricted_share=[0.0, 0.5], lost_share=[1.0, 0.6], hhi_after=[None, 1.3],
                            importer_iso3=["USA", "ZZZ"]), "disruption_impacts", suite)
    failed = {(o.expectation, o.column) for o in bad.failed}
    assert {("expect_column_values_to_be_between", "restricted_share"),
            ("expect_column_values_to_be_between", "hhi_after"),
            ("expect_column_values_to_be_in_set", "importer_iso3"),
            ("expect_column_pair_values_a_to_be_greater_than_b", None)} <= failed
    assert all(o.reason for o in bad.outcomes)
    # the same scenario and dependency twice
    twice = validate(_impacts(scenario_id=["s", "s"], importer_iso3=["USA", "USA"], mineral=["cobalt", "cobalt"],
                              stage=["processing", "processing"]), "disruption_impacts", suite)
    assert [o.expectation for o in twice.failed] == ["expect_compound_columns_to_be_unique"]
    # only the after-columns may be NULL
    missing = validate(_impacts(lost_share=[None, 0.2]), "disruption_impacts", suite)
    assert ("expect_column_values_to_not_be_null", "lost_share") in {(o.expectation, o.column) for o in missing.failed}
