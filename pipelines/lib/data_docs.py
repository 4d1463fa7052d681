"""Great Expectations Data Docs of the quality gate: kept at check time, rendered at publication.

Each Great Expectations check (defs/publish.py) validates in its own ephemeral GX context, so what
GX returned is written to disk as JSON at once: one file per checked table and run,

    <warehouse folder>/validation_results/<dagster run id>/<schema>.<table>.json

holding the suite (its expectations, each with the reason it exists in `meta` and `notes`) and the
`ExpectationSuiteValidationResult` of every batch validated (the run's years in batches, and the
whole table's row count). The check names the file in its metadata (`validation_results`).

At publication `build` loads the files of the checks' latest evaluations into a fresh ephemeral GX
context whose only Data Docs site is a folder of the new version (`versions/<v>/data_docs/`) and
renders it with GX's site builder: an index of the suites and validation results, a page per suite
(expectations and their reasons) and a page per validation result (observed values, unexpected
counts and samples). The docs are part of the version, so they change with it in one step, and a
publication that does not happen leaves no docs anywhere. `prune` removes the run folders no
latest evaluation refers to any more.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResultSchema
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

RESULTS_DIR = "validation_results"
SITE = "publication"
INDEX = "index.html"
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")

logging.getLogger("great_expectations").setLevel(logging.WARNING)


def results_root(warehouse: Path) -> Path:
    """Where the checks keep their validation results: beside the warehouse file."""
    return Path(warehouse).parent / RESULTS_DIR


def results_path(warehouse: Path, run_id: str, schema: str, table: str) -> Path:
    """The file of one check's validation results in one run."""
    return results_root(warehouse) / _safe(run_id) / f"{_safe(schema)}.{_safe(table)}.json"


def _safe(name: str) -> str:
    """A file-name part made only of letters, digits, '_', '.' and '-'."""
    cleaned = _SAFE.sub("_", str(name)).strip(".")
    if not cleaned:
        raise ValueError(f"cannot make a file name of {name!r}")
    return cleaned


def save(path: Path, document: dict[str, Any]) -> Path:
    """Write `document` as JSON to `path` (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(document, default=str), encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def load(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _suite(document: dict[str, Any]) -> gx.ExpectationSuite:
    fields = {key: document[key] for key in ("name", "id", "expectations", "meta", "notes") if key in document}
    return gx.ExpectationSuite(**fields)


def build(target: Path, documents: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Render the validation results of `documents` (as written by the checks) as a Data Docs site in
    `target`, which must not exist yet. Returns what the manifest lists: the suites, the checks with
    their run and outcome, and how many validation results were rendered."""
    target = Path(target)
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    # the one site: without this the ephemeral context would also build its default site in a temporary folder
    context.variables.data_docs_sites = {SITE: {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(target)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }}
    schema = ExpectationSuiteValidationResultSchema()
    suites: dict[str, gx.ExpectationSuite] = {}
    checks: list[dict[str, Any]] = []
    rendered = 0
    for document in documents:
        names = []
        for number, validation in enumerate(document.get("validations", []), start=1):
            suite = _suite(validation["suite"])
            if suite.name not in suites:
                suites[suite.name] = context.suites.add(suite)
            names.append(suite.name)
            result = schema.load(validation["result"])
            run = result.meta.get("run_id")
            run_id = run if isinstance(run, RunIdentifier) else RunIdentifier(**(run or {}))
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.name),
                run_id=run_id,
                batch_identifier=f"{number:03d}_{_safe(validation.get('batch', 'batch'))}",
            )
            context.validation_results_store.set(key, result)
            rendered += 1
        checks.append({
            "asset": document.get("asset"),
            "check": document.get("check"),
            "run_id": document.get("run_id"),
            "scope": document.get("scope"),
            "success": document.get("success"),
            "suites": sorted(set(names)),
        })
    target.mkdir(parents=True)
    try:
        context.build_data_docs(site_names=[SITE])
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    if not (target / INDEX).is_file():
        raise RuntimeError(f"Great Expectations built no {INDEX} in {target}")
    return {"suites": sorted(suites), "validation_results": rendered, "checks": checks}


def prune(root: Path, keep: set[str], active: Callable[[str], bool]) -> list[str]:
    """Delete the run folders under `root` that are not in `keep` and whose run is not `active`
    (still running: its checks may be writing). Returns the run ids removed."""
    root = Path(root)
    if not root.is_dir():
        return []
    removed = []
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or folder.name in keep or active(folder.name):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder.name)
    return removed
