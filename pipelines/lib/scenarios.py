"""Disruption scenarios: read and validate the scenario files (scenarios/*.yaml under the input folder).

A scenario restricts one supplier's exports of one mineral at one or more value-chain stages by a
share k (`restricted_share`: 1.0 = removed entirely, 0.5 = half of its exports lost). Each file is
a mapping with a `scenarios:` list (or a bare list); each entry has:

    id: chn_gallium_export_controls      # unique across the files; 'adhoc' is kept for the launchpad
    description: China's export controls on gallium
    supplier_iso3: CHN                   # a country of data/reference/countries.csv
    mineral: gallium                     # a mineral of data/reference/hs_mineral_map.csv
    stages: [processing]                 # stages the map has for that mineral, one stage, or `all`
    restricted_share: 1.0                # k, 0 < k <= 1

A bad entry (unknown mineral, stage or country, k outside (0, 1], a missing or unknown field, a
duplicate id) is not loaded: it becomes a quarantine record naming the file, the line and the
scenario, and the other entries are still read. A file that cannot be read as a list of
scenarios raises ScenarioConfigError.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from pipelines.lib.frames import QUARANTINE_SCHEMA, source_path, typed_frame
from pipelines.lib.settings import REFERENCE_DIR

ADHOC_ID = "adhoc"
ALL_STAGES = "all"
STAGE_ORDER = ["exploration", "mining", "processing", "recycling", "manufacturing"]
SCENARIO_KEYS = {"id", "description", "supplier_iso3", "mineral", "stage", "stages", "restricted_share"}
SCENARIO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
COUNTRY_KINDS = {"country", "historical"}  # aggregates, unions and "nes" areas are not suppliers
RECORD_CHARS = 500

# One row per scenario and stage.
SCENARIO_SCHEMA: dict[str, str] = {
    "scenario_id": "string",
    "description": "string",
    "supplier_iso3": "string",
    "mineral": "string",
    "stage": "string",
    "restricted_share": "float64",
    "origin": "string",  # 'file' or 'launchpad'
    "source_file": "string",
    "source_line": "Int64",
}


class ScenarioConfigError(ValueError):
    """A scenario file that cannot be read, or an ad hoc scenario that is not valid."""


@dataclass(frozen=True)
class Vocabulary:
    """What a scenario may name: minerals with their stages (from hs_mineral_map), the stages whose
    codes are used in the dependency tables (not baskets), and the country codes with their kind."""

    stages_by_mineral: Mapping[str, tuple[str, ...]]
    used_stages_by_mineral: Mapping[str, tuple[str, ...]]
    country_kinds: Mapping[str, str]

    @classmethod
    def from_reference(cls, reference_dir: Path = REFERENCE_DIR) -> Vocabulary:
        codes = pd.read_csv(reference_dir / "hs_mineral_map.csv", dtype=str, keep_default_na=False)
        codes["mineral"] = codes["mineral"].str.strip().str.lower()
        used = codes[codes["used_in_dependency"].str.lower() == "true"]
        countries = pd.read_csv(reference_dir / "countries.csv", dtype=str, keep_default_na=False)
        return cls(
            stages_by_mineral=_stages(codes),
            used_stages_by_mineral=_stages(used),
            country_kinds=dict(zip(countries["iso3"], countries["kind"], strict=True)),
        )


def _stages(codes: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    found: dict[str, set[str]] = {}
    for mineral, stage in zip(codes["mineral"], codes["stage"], strict=True):
        found.setdefault(mineral, set()).add(stage)
    return {mineral: tuple(s for s in STAGE_ORDER if s in stages) for mineral, stages in found.items()}


def _suggest(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _problems(entry: Mapping[str, Any], vocabulary: Vocabulary) -> tuple[list[str], dict[str, Any]]:
    """Every problem of one scenario entry, and its normalised fields (meaningful when there is none)."""
    problems: list[str] = []
    unknown = sorted(str(key) for key in entry if key not in SCENARIO_KEYS)
    if unknown:
        problems.append(f"unknown field(s) {unknown}; allowed: {sorted(SCENARIO_KEYS)}")

    description = entry.get("description")
    if description is not None and not isinstance(description, str):
        problems.append("`description` must be text")

    supplier = entry.get("supplier_iso3")
    if not isinstance(supplier, str) or not supplier.strip():
        problems.append("`supplier_iso3` is required (an ISO 3166-1 alpha-3 code such as CHN)")
        supplier = None
    else:
        supplier = supplier.strip().upper()
        kind = vocabulary.country_kinds.get(supplier)
        if kind is None:
            problems.append(f"unknown country code {supplier!r} (not in data/reference/countries.csv)"
                            + _suggest(supplier, vocabulary.country_kinds))
        elif kind not in COUNTRY_KINDS:
            problems.append(f"{supplier!r} is not a country (kind {kind!r}); trade statistics name countries as suppliers")

    mineral = entry.get("mineral")
    mineral_stages: tuple[str, ...] = ()
    if not isinstance(mineral, str) or not mineral.strip():
        problems.append("`mineral` is required (a mineral of data/reference/hs_mineral_map.csv)")
        mineral = None
    else:
        mineral = " ".join(mineral.split()).lower()
        if mineral not in vocabulary.stages_by_mineral:
            problems.append(f"unknown mineral {mineral!r} (not in data/reference/hs_mineral_map.csv)"
                            + _suggest(mineral, vocabulary.stages_by_mineral))
            mineral = None
        else:
            mineral_stages = vocabulary.stages_by_mineral[mineral]

    stages: list[str] = []
    if "stage" in entry and "stages" in entry:
        problems.append("give `stages` or `stage`, not both")
    given = entry.get("stages", entry.get("stage", ALL_STAGES))
    if isinstance(given, str) and given.strip().lower() == ALL_STAGES:
        stages = list(mineral_stages)
    else:
        listed = [given] if isinstance(given, str) else given
        if not isinstance(listed, list) or not listed or not all(isinstance(s, str) for s in listed):
            problems.append(f"`stages` must be a stage, a list of stages or 'all', got {given!r}")
        else:
            for stage in (s.strip().lower() for s in listed):
                if stage not in STAGE_ORDER:
                    problems.append(f"unknown stage {stage!r}; stages are {STAGE_ORDER} or 'all'"
                                    + _suggest(stage, STAGE_ORDER))
                elif mineral is not None and stage not in mineral_stages:
                    problems.append(f"{mineral} has no trade code at stage {stage!r} in data/reference/"
                                    f"hs_mineral_map.csv (its stages: {', '.join(mineral_stages)})")
                elif stage not in stages:
                    stages.append(stage)

    share = entry.get("restricted_share")
    if share is None:
        problems.append("`restricted_share` is required: the share k of the supplier's exports lost, "
                        "0 < k <= 1 (1.0 = removed entirely)")
    elif isinstance(share, bool) or not isinstance(share, int | float) or not math.isfinite(share):
        problems.append(f"`restricted_share` must be a number with 0 < k <= 1, got {share!r}")
    elif not 0 < share <= 1:
        problems.append(f"restricted_share {share} is outside (0, 1]: 1.0 removes the supplier entirely, "
                        "0.5 halves its exports")

    fields = {"description": description if isinstance(description, str) else None, "supplier_iso3": supplier,
              "mineral": mineral, "stages": stages, "restricted_share": share}
    return problems, fields


def _rows(scenario_id: str, fields: Mapping[str, Any], origin: str, source_file: str | None,
          source_line: int | None) -> list[dict[str, Any]]:
    description = fields["description"]
    return [
        {
            "scenario_id": scenario_id,
            "description": " ".join(description.split()) if description else None,
            "supplier_iso3": fields["supplier_iso3"],
            "mineral": fields["mineral"],
            "stage": stage,
            "restricted_share": float(fields["restricted_share"]),
            "origin": origin,
            "source_file": source_file,
            "source_line": source_line,
        }
        for stage in fields["stages"]
    ]


def _entry_nodes(path: Path, text: str) -> tuple[list[Any], list[int]]:
    """The scenario entries of a file and the line (1-based) each starts on."""
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ScenarioConfigError(f"{path}{where}: not valid YAML: {exc}") from exc
    if data is None:
        return [], []
    node = root
    if isinstance(data, dict):
        unknown = sorted(str(key) for key in data if key != "scenarios")
        if unknown:
            raise ScenarioConfigError(f"{path}: unknown top-level key(s) {unknown}; expected `scenarios:`")
        data = data.get("scenarios")
        node = next((value for key, value in root.value if key.value == "scenarios"), None)
    if data is None:
        return [], []
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise ScenarioConfigError(f"{path}: expected a list of scenarios under `scenarios:`")
    return data, [item.start_mark.line + 1 for item in node.value]


def read_scenario_file(path: Path, vocabulary: Vocabulary, *, root: Path | None = None,
                       seen: set[str] | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows (one per scenario and stage) of the valid scenarios of one file, and a quarantine
    record for each bad one. `seen` holds the ids already taken (by earlier files); `root` is the
    folder source_file is given relative to."""
    seen = set() if seen is None else seen
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioConfigError(f"{path}: cannot read the scenario file: {exc}") from exc
    entries, lines = _entry_nodes(path, text)
    rel = source_path(path, root)
    rows: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for index, (entry, line) in enumerate(zip(entries, lines, strict=True), start=1):
        label = entry.get("id") if isinstance(entry, dict) else None
        name = repr(label) if isinstance(label, str) and label.strip() else f"#{index}"
        if not isinstance(entry, dict):
            problems, fields = [f"expected a mapping of scenario fields, got {type(entry).__name__}"], {}
        else:
            problems, fields = _problems(entry, vocabulary)
            if not isinstance(label, str) or not SCENARIO_ID.match(label):
                problems.insert(0, "`id` is required: letters, digits, '_', '.', ':' or '-'")
            elif label == ADHOC_ID:
                problems.insert(0, f"id {ADHOC_ID!r} is kept for the ad hoc scenario of the launchpad")
            elif label in seen:
                problems.insert(0, f"duplicate id {label!r}")
        if problems:
            rejected.append({
                "source": label if isinstance(label, str) and label.strip() else path.name,
                "source_file": rel,
                "source_line": line,
                "reason": f"{rel} line {line}, scenario {name}: " + "; ".join(problems),
                "record": json.dumps(entry, default=str, ensure_ascii=False)[:RECORD_CHARS],
            })
            continue
        seen.add(label)
        rows.extend(_rows(label, fields, "file", rel, line))
    return rows, rejected


def scenario_files(scenarios_dir: Path) -> list[Path]:
    """The scenario files of the folder (*.yaml and *.yml), in name order."""
    return sorted(p for pattern in ("*.yaml", "*.yml") for p in scenarios_dir.glob(pattern) if p.is_file())


def read_scenarios(scenarios_dir: Path, vocabulary: Vocabulary, *, root: Path | None = None,
                   ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Every valid scenario of every file in `scenarios_dir` (one row per scenario and stage), the
    quarantined entries, and counts per file. No file at all raises FileNotFoundError."""
    files = scenario_files(scenarios_dir)
    if not files:
        raise FileNotFoundError(f"no disruption scenario file (*.yaml) in {scenarios_dir}")
    rows: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    seen: set[str] = set()
    per_file: dict[str, Any] = {}
    for path in files:
        good, bad = read_scenario_file(path, vocabulary, root=root, seen=seen)
        rows.extend(good)
        rejected.extend(bad)
        per_file[source_path(path, root)] = {"scenarios": len({r["scenario_id"] for r in good}),
                                             "quarantined": len(bad)}
    return typed_frame(rows, SCENARIO_SCHEMA), typed_frame(rejected, QUARANTINE_SCHEMA), per_file


def adhoc_scenario(vocabulary: Vocabulary, *, supplier_iso3: str | None = None, mineral: str | None = None,
                   stage: str | None = None, restricted_share: float | None = None,
                   description: str | None = None) -> pd.DataFrame:
    """The rows of the ad hoc scenario (id 'adhoc'); empty when neither a supplier nor a mineral is
    given. `stage` is one stage, several separated by commas, or 'all' (the default); the
    restricted share defaults to 1.0. An invalid scenario raises ScenarioConfigError."""
    given = {"supplier_iso3": supplier_iso3, "mineral": mineral, "stage": stage,
             "restricted_share": restricted_share, "description": description}
    if not any(value not in (None, "") for value in given.values()):
        return typed_frame([], SCENARIO_SCHEMA)
    entry: dict[str, Any] = {
        "supplier_iso3": supplier_iso3,
        "mineral": mineral,
        "stages": [s.strip() for s in stage.split(",") if s.strip()] if stage and stage.strip().lower() != ALL_STAGES
        else ALL_STAGES,
        "restricted_share": 1.0 if restricted_share is None else restricted_share,
        "description": description or None,
    }
    problems, fields = _problems(entry, vocabulary)
    if problems:
        raise ScenarioConfigError(f"ad hoc scenario {ADHOC_ID!r} (launchpad config): " + "; ".join(problems))
    if fields["description"] is None:
        fields = {**fields, "description": f"Ad hoc: {fields['supplier_iso3']}'s {fields['mineral']} exports "
                                           f"restricted by {float(fields['restricted_share']):g}"}
    return typed_frame(_rows(ADHOC_ID, fields, "launchpad", None, None), SCENARIO_SCHEMA)


def without_dependency_codes(scenarios: pd.DataFrame, vocabulary: Vocabulary) -> list[str]:
    """'id: mineral stage' for each scenario stage whose only trade codes are baskets left out of the
    dependency tables (e.g. gallium): such a stage gives no row in disruption_impacts."""
    return [
        f"{sid}: {mineral} {stage}"
        for sid, mineral, stage in zip(scenarios["scenario_id"], scenarios["mineral"], scenarios["stage"], strict=True)
        if stage not in vocabulary.used_stages_by_mineral.get(mineral, ())
    ]
