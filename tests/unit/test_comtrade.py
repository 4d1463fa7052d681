"""UN Comtrade API v1 reader on a trimmed real response."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipelines.lib.comtrade import CLASSIFICATIONS, comtrade_files, read_comtrade
from pipelines.lib.countries import CountryMatcher
from pipelines.lib.frames import FLOW_COLUMNS, QUARANTINE_COLUMNS

FIXTURES = Path(__file__).parents[1] / "fixtures" / "readers"
REAL_2024 = FIXTURES / "comtrade" / "china_imports_2846" / "2024.json"


@pytest.fixture(scope="module")
def matcher() -> CountryMatcher:
    return CountryMatcher.from_reference()


def test_real_response(matcher: CountryMatcher) -> None:
    flows, quarantine, stats = read_comtrade([REAL_2024], matcher, FIXTURES)
    assert list(flows.columns) == FLOW_COLUMNS
    assert list(quarantine.columns) == QUARANTINE_COLUMNS and quarantine.empty
    # record 3 is a breakdown by second partner (partner2Code 156): not a total, filtered out
    assert flows["source_line"].tolist() == [1, 2, 4]
    assert flows["exporter_iso3"].tolist() == ["XWD", "AUT", "MMR"]
    assert set(flows["importer_iso3"]) == {"CHN"}
    assert set(flows["reported_by"]) == {"importer"}
    assert set(flows["hs_version"]) == {"HS2022"} and set(flows["hs_code"]) == {"2846"}
    myanmar = flows.iloc[2]
    assert myanmar.year == 2024
    assert myanmar.value_usd == 817835388.0
    assert myanmar.quantity_t == pytest.approx(44365.512)  # netWgt kg -> t
    assert myanmar.source_file == "comtrade/china_imports_2846/2024.json"
    assert stats == {
        "files_read": 1,
        "files_quarantined": 0,
        "rows_read": 4,
        "rows_filtered": 1,
        "rows_kept": 3,
        "cells_without_quantity": 0,
        "rows_quarantined": 0,
        "quarantine_reasons": {},
    }


def test_broken_files_are_quarantined_and_others_flow(tmp_path: Path, matcher: CountryMatcher) -> None:
    shutil.copy(REAL_2024, tmp_path / "2024.json")
    (tmp_path / "2023.json").write_text(
        '{"elapsedTime":"0.1 secs","count":1,"data":[{"refYear":', encoding="utf-8"
    )
    (tmp_path / "2022.json").write_text(
        json.dumps({"elapsedTime": "0.0 secs", "count": 0, "data": [], "error": "Too many requests"}),
        encoding="utf-8",
    )
    (tmp_path / "2021.json").write_text(
        json.dumps({"statusCode": 429, "message": "Rate limit"}), encoding="utf-8"
    )
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    files = comtrade_files(tmp_path)
    assert [f.name for f in files] == ["2021.json", "2022.json", "2023.json", "2024.json"]
    flows, quarantine, stats = read_comtrade(files, matcher, tmp_path)
    assert len(flows) == 3
    assert quarantine["source_line"].tolist() == [0, 0, 0]
    assert quarantine["source_file"].tolist() == ["2021.json", "2022.json", "2023.json"]
    reasons = quarantine["reason"].tolist()
    assert reasons[0] == "response has no 'data' list"
    assert reasons[1] == "API returned an error: Too many requests"
    assert reasons[2].startswith("invalid JSON: ")
    assert quarantine["record"].iloc[2] == '{"elapsedTime":"0.1 secs","count":1,"data":[{"refYear":'
    assert stats["files_quarantined"] == 3


def record(**changes: object) -> dict:
    base = {
        "refYear": 2005,
        "reporterCode": 156,
        "reporterISO": "CHN",
        "flowCode": "M",
        "partnerCode": 842,
        "partnerISO": "USA",
        "partnerDesc": "USA",
        "partner2Code": 0,
        "classificationCode": "H2",
        "cmdCode": "2846",
        "customsCode": "C00",
        "motCode": 0,
        "qtyUnitCode": 8,
        "qty": 1500.0,
        "netWgt": 1500.0,
        "primaryValue": 2000.0,
    }
    return {**base, **changes}


def test_record_rules(tmp_path: Path, matcher: CountryMatcher) -> None:
    data = [
        record(),  # 1 kept
        record(flowCode="X", classificationCode="H0", netWgt=None, qtyUnitCode=-1),  # 2 export, no weight
        record(customsCode="C01"),  # 3 filtered
        record(motCode=1000),  # 4 filtered
        record(partnerCode=9999, partnerDesc="Atlantis"),  # 5 unknown partner
        record(primaryValue=-1.0),  # 6 negative
        record(primaryValue="12"),  # 7 not a JSON number
        record(classificationCode="S4"),  # 8 SITC, not HS
        record(flowCode="RX"),  # 9 re-export flow, not handled
        record(partnerCode=490, partnerISO="S19"),  # 10 Other Asia, nes -> XAS
    ]
    path = tmp_path / "2005.json"
    path.write_text(json.dumps({"elapsedTime": "0 secs", "count": len(data), "data": data, "error": ""}))
    flows, quarantine, stats = read_comtrade([path], matcher, tmp_path)
    got = flows.set_index("source_line")
    assert got.loc[1, ["exporter_iso3", "importer_iso3", "reported_by", "hs_version"]].tolist() == [
        "USA",
        "CHN",
        "importer",
        "HS2002",
    ]
    assert got.loc[1, "quantity_t"] == 1.5
    assert got.loc[2, ["exporter_iso3", "importer_iso3", "reported_by", "hs_version"]].tolist() == [
        "CHN",
        "USA",
        "exporter",
        "HS1992",
    ]
    assert math.isnan(got.loc[2, "quantity_t"])
    assert got.loc[10, "exporter_iso3"] == "XAS"
    assert sorted(got.index) == [1, 2, 10]
    assert dict(zip(quarantine["source_line"], quarantine["reason"], strict=True)) == {
        5: "unknown partner code 9999 ('Atlantis')",
        6: "negative primaryValue or netWgt",
        7: "non-numeric value or weight: '12' is not a number",
        8: "unknown classificationCode 'S4'",
        9: "unknown flowCode 'RX'",
    }
    assert json.loads(quarantine["record"].iloc[0])["partnerCode"] == 9999
    assert stats["rows_filtered"] == 2 and stats["cells_without_quantity"] == 1


def test_classification_codes() -> None:
    assert CLASSIFICATIONS == {
        "H0": "HS1992",
        "H1": "HS1996",
        "H2": "HS2002",
        "H3": "HS2007",
        "H4": "HS2012",
        "H5": "HS2017",
        "H6": "HS2022",
    }


def test_empty_input(matcher: CountryMatcher) -> None:
    flows, quarantine, stats = read_comtrade([], matcher)
    assert isinstance(flows, pd.DataFrame) and flows.empty and list(flows.columns) == FLOW_COLUMNS
    assert quarantine.empty and stats["rows_kept"] == 0
