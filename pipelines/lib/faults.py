"""Fault points: named places where a run can be made to die on purpose, to show that a crash at
any moment leaves the warehouse and the publication consistent (tests/test_fault_injection.py).

`MINERALS_FAULT_POINT=<name>` makes the process kill itself with SIGKILL the first time it reaches
the point `<name>`; `<name>:<n>` the n-th time (counted in this process). A point that passes a
detail (the dbt model just built) can also be named `<name>/<detail>`, for example
`dbt.model_built/marts__supplier_shares`. Before dying the process writes
`fault point reached: <name> (<n>)` to stderr and, when `MINERALS_FAULT_MARKER` names a file, appends
the same line to that file and flushes it to disk, so that a test can tell a kill at the point from a
death anywhere else. The kill takes the whole process group when the process leads one (start the
run with `start_new_session=True`), so a running dbt subprocess dies with it; a process that does not
lead its group kills its child processes, then itself. Nothing is cleaned up and no handler runs, as
with `kill -9` or the out-of-memory killer. With the variable unset, `fault_point()` is one
dictionary look-up.

The points, by stage:

ingest (pipelines/defs/ingest.py)
    ingest.reference_table          a reference table replaced (once per table: `:3` is after the third)
    ingest.trade_flows.read         every trade file read and checked, nothing written yet
    ingest.trade_flows.raw_written  raw.trade_flows' years replaced, the load's quarantine rows not yet
    ingest.documents.recorded       new announcement document versions stored, raw.announcements not rebuilt
    ingest.<table>.raw_written      raw.<table> replaced, its quarantine rows not yet (usgs_production,
                                    announcements, diplomacy_events, disruption_scenarios)
dbt (pipelines/defs/transform.py)
    dbt.model_built                 dbt reported a model built (counted over the run, so `:7` is the seventh
                                    model; `/<schema>__<model>` names one); dbt goes on meanwhile, so the kill
                                    lands in a later model or test of the same build
publish (pipelines/lib/publish.py)
    publish.table_copied            a table copied into the new version's database (half-written database)
    publish.database_written        the new version's database complete in versions/.tmp-<id>/
    publish.parquet_written         its Parquet files written
    publish.manifest_written        its manifest written, the folder not yet renamed
    publish.version_renamed         the folder renamed to its version name, `latest` not yet switched
    publish.switched                `latest` switched to the new version, old versions not yet pruned
    publish.pruning                 an old version renamed to versions/.del-<name>, not yet deleted
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path

FAULT_POINT_VARIABLE = "MINERALS_FAULT_POINT"
FAULT_MARKER_VARIABLE = "MINERALS_FAULT_MARKER"

_reached: dict[str, int] = {}


def fault_point(name: str, detail: str | None = None) -> None:
    """Kill this run here when MINERALS_FAULT_POINT names this point (and this is its n-th time)."""
    wanted = os.environ.get(FAULT_POINT_VARIABLE)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name and (detail is None or point != f"{name}/{detail}"):
        return
    count = _reached[point] = _reached.get(point, 0) + 1
    if count != (int(nth) if nth else 1):
        return
    _announce(f"fault point reached: {point} ({count})\n")
    _kill()


def _announce(line: str) -> None:
    marker = os.environ.get(FAULT_MARKER_VARIABLE)
    if marker:
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    with contextlib.suppress(OSError, AttributeError, ValueError):
        os.write(sys.__stderr__.fileno(), line.encode())


def _children(pid: int) -> list[int]:
    """Every descendant of `pid` (from /proc), deepest last."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found + [grandchild for child in found for grandchild in _children(child)]


def _kill() -> None:
    pid = os.getpid()
    if os.getpgrp() == pid:
        os.killpg(pid, signal.SIGKILL)
    for child in _children(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)
