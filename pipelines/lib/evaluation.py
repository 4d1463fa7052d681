"""Score the announcement extractor against hand-labelled documents.

A labelled file is JSON Lines: one object per document with `id`, `title`, `body` and the
expected `parties`, `mentioned_countries`, `minerals`, `stages` (lists), `instrument` (one of
INSTRUMENTS), `is_cooperation` (bool) and `published_date` (YYYY-MM-DD or null). Other keys
(`style`, `tricky`, ...) are carried along and ignored.

`score` runs the extractor on every document and reports micro-averaged precision, recall and F1
over the list fields (true positives, false positives and false negatives summed over all
documents), accuracy for instrument, is_cooperation and published_date, and per document the
fields that differ. Pure Python, no I/O besides `load_labeled`.

Run `python -m pipelines.lib.evaluation PATH [PATH ...]` to print a report per file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pipelines.lib.extraction import INSTRUMENTS, extract

SET_FIELDS = ("parties", "mentioned_countries", "minerals", "stages")
EXACT_FIELDS = ("instrument", "is_cooperation", "published_date")
REQUIRED_KEYS = ("id", "title", "body", *SET_FIELDS, *EXACT_FIELDS)

Extractor = Callable[[str, str], dict[str, Any]]


class LabeledDataError(ValueError):
    """A labelled file is missing or malformed; the message names the file and line."""


def _check_record(record: Any, where: str) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise LabeledDataError(f"{where}: expected a JSON object, got {type(record).__name__}")
    missing = [key for key in REQUIRED_KEYS if key not in record]
    if missing:
        raise LabeledDataError(f"{where}: missing key(s) {missing}")
    for key in ("id", "title", "body"):
        if not isinstance(record[key], str):
            raise LabeledDataError(f"{where}: `{key}` must be a string")
    for key in SET_FIELDS:
        value = record[key]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise LabeledDataError(f"{where}: `{key}` must be a list of strings")
    if record["instrument"] not in INSTRUMENTS:
        raise LabeledDataError(f"{where}: unknown instrument {record['instrument']!r}; expected one of {list(INSTRUMENTS)}")
    if not isinstance(record["is_cooperation"], bool):
        raise LabeledDataError(f"{where}: `is_cooperation` must be true or false")
    published = record["published_date"]
    if published is not None:
        from datetime import date

        try:
            date.fromisoformat(published)
        except (TypeError, ValueError):
            raise LabeledDataError(f"{where}: `published_date` must be YYYY-MM-DD or null, got {published!r}") from None
    return record


def load_labeled(path: str | Path) -> list[dict[str, Any]]:
    """Labelled documents of one JSON Lines file; blank lines are skipped.

    Raises LabeledDataError naming the file (and line) when the file cannot be read, a line is
    not JSON, a key is missing or has the wrong type, or an id repeats.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LabeledDataError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LabeledDataError(f"{path}: cannot read: {exc}") from None
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabeledDataError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        record = _check_record(record, where)
        if record["id"] in seen:
            raise LabeledDataError(f"{where}: duplicate id {record['id']!r} (first on line {seen[record['id']]})")
        seen[record["id"]] = number
        records.append(record)
    if not records:
        raise LabeledDataError(f"{path}: no labelled documents")
    return records


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def score(records: Iterable[dict[str, Any]], extract_fn: Extractor = extract) -> dict[str, Any]:
    """Micro P/R/F1 for the list fields, accuracy for the others, and per-document errors."""
    counts = {field: [0, 0, 0] for field in SET_FIELDS}
    correct = dict.fromkeys(EXACT_FIELDS, 0)
    errors: list[dict[str, Any]] = []
    n = 0
    for record in records:
        n += 1
        found = extract_fn(record["title"], record["body"])
        problems: dict[str, Any] = {}
        for field in SET_FIELDS:
            expected, got = set(record[field]), set(found.get(field) or [])
            tp, fp, fn = len(expected & got), len(got - expected), len(expected - got)
            counts[field][0] += tp
            counts[field][1] += fp
            counts[field][2] += fn
            if fp or fn:
                problems[field] = {"missing": sorted(expected - got), "extra": sorted(got - expected)}
        for field in EXACT_FIELDS:
            expected, got = record[field], found.get(field)
            if field == "published_date" and got is not None:
                got = str(got)[:10]
            if expected == got:
                correct[field] += 1
            else:
                problems[field] = {"expected": expected, "got": got}
        if problems:
            errors.append({"id": record["id"], "title": record["title"], "errors": problems})
    return {
        "documents": n,
        "sets": {field: _prf(*counts[field]) for field in SET_FIELDS},
        "accuracy": {field: (correct[field] / n if n else 0.0) for field in EXACT_FIELDS},
        "errors": errors,
    }


def format_report(scores: dict[str, Any], *, name: str | None = None, max_errors: int | None = None) -> str:
    """A plain-text table of the scores followed by the per-document errors."""
    lines = [f"{name}: {scores['documents']} documents" if name else f"{scores['documents']} documents", ""]
    lines.append(f"{'field':<22}{'precision':>10}{'recall':>10}{'F1':>10}{'tp':>6}{'fp':>6}{'fn':>6}")
    for field, value in scores["sets"].items():
        lines.append(
            f"{field:<22}{value['precision']:>10.3f}{value['recall']:>10.3f}{value['f1']:>10.3f}"
            f"{value['tp']:>6}{value['fp']:>6}{value['fn']:>6}"
        )
    lines.append("")
    lines.append(f"{'field':<22}{'accuracy':>10}")
    for field, value in scores["accuracy"].items():
        lines.append(f"{field:<22}{value:>10.3f}")
    errors = scores["errors"]
    lines.append("")
    lines.append(f"documents with errors: {len(errors)}")
    for error in errors[: max_errors if max_errors is not None else len(errors)]:
        lines.append(f"- {error['id']}: {error['title']}")
        for field, detail in error["errors"].items():
            if "missing" in detail:
                lines.append(f"    {field}: missing {detail['missing']} extra {detail['extra']}")
            else:
                lines.append(f"    {field}: expected {detail['expected']!r} got {detail['got']!r}")
    return "\n".join(lines)


TARGETS = {"parties": 0.90, "minerals": 0.90, "stages": 0.90}  # F1, micro-averaged over sets
INSTRUMENT_TARGET = 0.85  # accuracy


def target_lines(scores: dict[str, Any]) -> tuple[list[str], bool]:
    """One line per target with the measured value, and whether all targets are met."""
    lines, met = [], True
    for field, target in TARGETS.items():
        value = scores["sets"][field]["f1"]
        met &= value >= target
        lines.append(f"target {field} F1 >= {target:.2f}: {value:.3f} {'met' if value >= target else 'NOT met'}")
    value = scores["accuracy"]["instrument"]
    met &= value >= INSTRUMENT_TARGET
    lines.append(f"target instrument accuracy >= {INSTRUMENT_TARGET:.2f}: {value:.3f} "
                 f"{'met' if value >= INSTRUMENT_TARGET else 'NOT met'}")
    return lines, met


def main(argv: list[str] | None = None) -> int:
    """`python -m pipelines.lib.evaluation [--summary] [--check-targets] PATH [PATH ...]`."""
    parser = argparse.ArgumentParser(prog="python -m pipelines.lib.evaluation",
                                     description="Score announcement extraction on labeled JSON Lines files.")
    parser.add_argument("paths", nargs="+", metavar="LABELED.jsonl")
    parser.add_argument("--summary", action="store_true", help="scores only, no per-document errors")
    parser.add_argument("--check-targets", action="store_true", help="exit 1 when a target is not met")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    loaded = []
    for path in args.paths:
        try:
            loaded.append((path, load_labeled(path)))
        except LabeledDataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    per_file_met = True
    for index, (path, records) in enumerate(loaded):
        if index:
            print()
        scores = score(records)
        print(format_report(scores, name=path, max_errors=0 if args.summary else None))
        lines, met = target_lines(scores)
        per_file_met &= met
        print("\n".join(lines))
    if len(loaded) == 1:
        return 1 if args.check_targets and not per_file_met else 0
    # several files: the targets apply to all their documents together (micro-averaged over the sets)
    together = score([record for _, records in loaded for record in records])
    print()
    print(format_report(together, name=f"all {len(loaded)} files together", max_errors=0))
    lines, met = target_lines(together)
    print("\n".join(lines))
    return 1 if args.check_targets and not met else 0


if __name__ == "__main__":
    raise SystemExit(main())
