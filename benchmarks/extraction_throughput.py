"""Documents per second of the announcement extractor on one core.

Cycles the labelled development documents (``tests/fixtures/announcements_dev/dev_set.jsonl``)
until ``--documents`` (default 10,000) titles and bodies have gone through
``pipelines.lib.extraction.extract``, in this process only (one core). The compiled vocabularies
are built once before timing starts, as they are in a long-running pipeline. Prints one JSON
object and writes it to ``benchmarks/results/extraction_throughput.json``.

The target is 1,000 documents per second or more. Not a test: timings depend on the machine.

Run ``python benchmarks/extraction_throughput.py [--documents N] [--repeats R]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipelines.lib.evaluation import load_labeled  # noqa: E402
from pipelines.lib.extraction import extract  # noqa: E402

DEV_SET = REPO / "tests" / "fixtures" / "announcements_dev" / "dev_set.jsonl"
RESULT = REPO / "benchmarks" / "results" / "extraction_throughput.json"
TARGET_DOCS_PER_SECOND = 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000, help="documents per timed run (at least 5,000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs; the median is reported")
    parser.add_argument("--dev-set", type=Path, default=DEV_SET)
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args(argv)
    if args.documents < 5000:
        parser.error("--documents must be at least 5000")

    if hasattr(os, "sched_setaffinity"):  # pin to one core so the figure is per core
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    records = load_labeled(args.dev_set)
    documents = [(record["title"], record["body"]) for record in records]
    extract(*documents[0])  # build the compiled tables outside the timed runs

    rates = []
    for _ in range(args.repeats):
        batch = list(itertools.islice(itertools.cycle(documents), args.documents))
        started = time.perf_counter()
        for title, body in batch:
            extract(title, body)
        elapsed = time.perf_counter() - started
        rates.append(args.documents / elapsed)

    characters = sum(len(title) + len(body) for title, body in documents) / len(documents)
    result = {
        "benchmark": "extraction_throughput",
        "documents_per_run": args.documents,
        "repeats": args.repeats,
        "distinct_documents": len(documents),
        "mean_characters_per_document": round(characters),
        "docs_per_second_median": round(statistics.median(rates), 1),
        "docs_per_second_runs": [round(rate, 1) for rate in rates],
        "target_docs_per_second": TARGET_DOCS_PER_SECOND,
        "meets_target": statistics.median(rates) >= TARGET_DOCS_PER_SECOND,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{result['docs_per_second_median']:.0f} docs/s (median of {args.repeats} runs of {args.documents} documents)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
