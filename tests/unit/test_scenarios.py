"""Disruption scenario files: the shipped defaults, each kind of bad scenario, and the ad hoc scenario."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipelines.lib.scenarios import (
    ScenarioConfigError,
    Vocabulary,
    adhoc_scenario,
    read_scenario_file,
    read_scenarios,
    without_dependency_codes,
)
from pipelines.lib.settings import REPO_ROOT

SHIPPED = REPO_ROOT / "data" / "inputs" / "scenarios"
FIXTURE = REPO_ROOT / "tests" / "fixtures" / "inputs" / "scenarios"

GOOD = """\
scenarios:
  - id: chn_graphite
    description: China's graphite exports removed
    supplier_iso3: CHN
    mineral: graphite
    stages: [mining, processing]
    restricted_share: 1.0
"""


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.from_reference()


def _write(tmp_path: Path, text: str, name: str = "disruption_scenarios.yaml") -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_shipped_scenarios_load_without_quarantine(vocabulary):
    rows, quarantine, per_file = read_scenarios(SHIPPED, vocabulary, root=SHIPPED.parent)
    assert quarantine.empty
    assert per_file == {"scenarios/disruption_scenarios.yaml": {"scenarios": 5, "quarantined": 0}}
    stages = rows.groupby("scenario_id")["stage"].apply(list).to_dict()
    assert stages == {
        "chn_gallium_export_controls": ["processing"],
        "chn_germanium_export_controls": ["processing"],
        "chn_graphite_export_controls": ["mining", "processing"],
        "chn_rare_earth_export_controls": ["processing"],
        "cod_cobalt_export_suspension": ["mining", "processing"],
    }
    assert set(rows["supplier_iso3"]) == {"CHN", "COD"}
    assert (rows["restricted_share"] == 1.0).all() and (rows["origin"] == "file").all()
    assert rows["source_line"].notna().all() and rows["description"].notna().all()
    # gallium and germanium trade only under basket codes: flagged, since they give no impact rows
    assert without_dependency_codes(rows, vocabulary) == [
        "chn_gallium_export_controls: gallium processing", "chn_germanium_export_controls: germanium processing"]
    # the tests run on the same file
    assert (FIXTURE / "disruption_scenarios.yaml").read_text() == (SHIPPED / "disruption_scenarios.yaml").read_text()


def test_a_good_file_gives_a_row_per_stage_with_file_and_line(tmp_path, vocabulary):
    path = _write(tmp_path, GOOD + """\
  - id: idn_nickel_half
    supplier_iso3: idn
    mineral: Nickel
    stage: processing
    restricted_share: 0.5
  - id: cod_cobalt_all
    supplier_iso3: COD
    mineral: cobalt
    stages: all
    restricted_share: 1
""")
    rows, rejected = read_scenario_file(path, vocabulary, root=tmp_path)
    assert rejected == []
    got = [(r["scenario_id"], r["supplier_iso3"], r["mineral"], r["stage"], r["restricted_share"], r["source_line"])
           for r in rows]
    assert got == [
        ("chn_graphite", "CHN", "graphite", "mining", 1.0, 2),
        ("chn_graphite", "CHN", "graphite", "processing", 1.0, 2),
        ("idn_nickel_half", "IDN", "nickel", "processing", 0.5, 8),
        # `all`: every stage the map has for cobalt
        ("cod_cobalt_all", "COD", "cobalt", "mining", 1.0, 13),
        ("cod_cobalt_all", "COD", "cobalt", "processing", 1.0, 13),
        ("cod_cobalt_all", "COD", "cobalt", "recycling", 1.0, 13),
        ("cod_cobalt_all", "COD", "cobalt", "manufacturing", 1.0, 13),
    ]
    assert {r["source_file"] for r in rows} == {"scenarios/disruption_scenarios.yaml"}
    assert rows[0]["description"] == "China's graphite exports removed"


BAD_CASES = [
    ("mineral: galium", "unknown mineral 'galium'", "did you mean 'gallium'?"),
    ("stages: [smelting]", "unknown stage 'smelting'", "stages are"),
    ("stages: [recycling]", "graphite has no trade code at stage 'recycling'", "its stages: mining, processing"),
    ("restricted_share: 0", "restricted_share 0 is outside (0, 1]", ""),
    ("restricted_share: 1.5", "restricted_share 1.5 is outside (0, 1]", ""),
    ("restricted_share: -0.2", "restricted_share -0.2 is outside (0, 1]", ""),
    ("restricted_share: half", "`restricted_share` must be a number", ""),
    ("supplier_iso3: XXX", "unknown country code 'XXX'", "countries.csv"),
    ("supplier_iso3: EUU", "'EUU' is not a country", ""),
]


@pytest.mark.parametrize(("change", "reason", "hint"), BAD_CASES)
def test_a_bad_scenario_is_quarantined_with_its_reason_and_the_others_load(tmp_path, vocabulary, change, reason, hint):
    key = change.split(":")[0]
    bad = "\n".join(f"    {change}" if line.strip().startswith(f"{key}:") else line
                    for line in GOOD.replace("chn_graphite", "bad_one").splitlines()[1:])
    path = _write(tmp_path, GOOD + bad + "\n")
    rows, rejected = read_scenario_file(path, vocabulary, root=tmp_path)
    assert {r["scenario_id"] for r in rows} == {"chn_graphite"}  # the good scenario still loads
    [record] = rejected
    assert record["source"] == "bad_one"
    assert record["source_file"] == "scenarios/disruption_scenarios.yaml"
    assert record["source_line"] == 8
    # the reason names the file, the line and the scenario, then the problem
    assert record["reason"].startswith("scenarios/disruption_scenarios.yaml line 8, scenario 'bad_one': ")
    assert reason in record["reason"] and hint in record["reason"]
    assert '"id": "bad_one"' in record["record"]


def test_missing_fields_unknown_fields_and_duplicate_or_reserved_ids(tmp_path, vocabulary):
    path = _write(tmp_path, GOOD + """\
  - id: chn_graphite
    supplier_iso3: CHN
    mineral: graphite
    restricted_share: 1.0
  - id: adhoc
    supplier_iso3: CHN
    mineral: graphite
    restricted_share: 1.0
  - description: no id, no supplier, no share
    mineral: cobalt
    stagse: [mining]
  - just a string
""")
    rows, rejected = read_scenario_file(path, vocabulary, root=tmp_path)
    assert len(rows) == 2
    reasons = {r["source_line"]: r["reason"] for r in rejected}
    assert "duplicate id 'chn_graphite'" in reasons[8]
    assert "kept for the ad hoc scenario" in reasons[12]
    third = reasons[16]
    assert "scenario #4" in third and "`id` is required" in third and "`supplier_iso3` is required" in third
    assert "`restricted_share` is required" in third and "unknown field(s) ['stagse']" in third
    assert "scenario #5" in reasons[19] and "expected a mapping" in reasons[19]
    assert [r["source"] for r in rejected] == ["chn_graphite", "adhoc", "disruption_scenarios.yaml",
                                               "disruption_scenarios.yaml"]


def test_ids_are_unique_across_files(tmp_path, vocabulary):
    _write(tmp_path, GOOD)
    _write(tmp_path, GOOD.replace("graphite exports removed", "again"), name="mine.yaml")
    rows, quarantine, per_file = read_scenarios(tmp_path / "scenarios", vocabulary, root=tmp_path)
    assert set(rows["source_file"]) == {"scenarios/disruption_scenarios.yaml"}
    assert quarantine["source_file"].tolist() == ["scenarios/mine.yaml"]
    assert "duplicate id 'chn_graphite'" in quarantine["reason"].iloc[0]
    assert per_file["scenarios/mine.yaml"] == {"scenarios": 0, "quarantined": 1}


def test_an_unreadable_file_raises_naming_the_file_and_line(tmp_path, vocabulary):
    path = _write(tmp_path, "scenarios:\n  - id: x\n    mineral: [cobalt\n")
    with pytest.raises(ScenarioConfigError, match=r"disruption_scenarios.yaml line \d+: not valid YAML"):
        read_scenario_file(path, vocabulary)
    path = _write(tmp_path, "scenarios: {id: x}\n")
    with pytest.raises(ScenarioConfigError, match="expected a list of scenarios"):
        read_scenario_file(path, vocabulary)
    path = _write(tmp_path, "scenario:\n  - id: x\n")
    with pytest.raises(ScenarioConfigError, match=r"unknown top-level key\(s\) \['scenario'\]"):
        read_scenario_file(path, vocabulary)


def test_an_empty_file_has_no_scenarios_and_a_missing_folder_raises(tmp_path, vocabulary):
    _write(tmp_path, "# nothing yet\n")
    rows, quarantine, _ = read_scenarios(tmp_path / "scenarios", vocabulary)
    assert rows.empty and quarantine.empty
    assert list(rows.columns)[:6] == ["scenario_id", "description", "supplier_iso3", "mineral", "stage",
                                      "restricted_share"]
    with pytest.raises(FileNotFoundError, match="no disruption scenario file"):
        read_scenarios(tmp_path / "elsewhere", vocabulary)


def test_adhoc_scenario(vocabulary):
    assert adhoc_scenario(vocabulary).empty  # nothing given: no ad hoc scenario
    rows = adhoc_scenario(vocabulary, supplier_iso3="chn", mineral="Rare Earths", stage="processing",
                          restricted_share=0.5)
    assert rows[["scenario_id", "supplier_iso3", "mineral", "stage", "restricted_share", "origin"]].values.tolist() == [
        ["adhoc", "CHN", "rare earths", "processing", 0.5, "launchpad"]]
    assert rows["description"].iloc[0] == "Ad hoc: CHN's rare earths exports restricted by 0.5"
    assert rows["source_file"].isna().all()
    # defaults: every stage of the mineral, k = 1
    graphite = adhoc_scenario(vocabulary, supplier_iso3="CHN", mineral="graphite", description="mine")
    assert graphite["stage"].tolist() == ["mining", "processing"] and (graphite["restricted_share"] == 1.0).all()
    assert adhoc_scenario(vocabulary, supplier_iso3="COD", mineral="cobalt", stage="mining, processing")[
        "stage"].tolist() == ["mining", "processing"]


@pytest.mark.parametrize(("fields", "message"), [
    ({"supplier_iso3": "CHN", "mineral": "unobtainium"}, "unknown mineral 'unobtainium'"),
    ({"supplier_iso3": "CHN", "mineral": "cobalt", "restricted_share": 2.0}, "outside (0, 1]"),
    ({"supplier_iso3": "ZZZ", "mineral": "cobalt"}, "unknown country code 'ZZZ'"),
    ({"supplier_iso3": "CHN", "mineral": "gallium", "stage": "mining"}, "gallium has no trade code at stage 'mining'"),
    ({"mineral": "cobalt"}, "`supplier_iso3` is required"),
])
def test_a_bad_adhoc_scenario_raises_with_the_reason(vocabulary, fields, message):
    with pytest.raises(ScenarioConfigError, match=r"ad hoc scenario 'adhoc' \(launchpad config\)") as error:
        adhoc_scenario(vocabulary, **fields)
    assert message in str(error.value)
