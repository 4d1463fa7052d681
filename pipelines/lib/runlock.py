"""One run at a time per warehouse: a lock file beside the warehouse, held for the whole run.

DuckDB lets a single process at a time open a database file for writing, and a run opens and
closes the warehouse many times (each ingest asset, each dbt build, each quality check, the
publish). Two runs started together would take turns at those steps and interleave their writes,
or fail in whichever step found the file taken. `warehouse_lock()` makes the second run stop
before it does anything, with a message naming the warehouse and the run that holds it.

The lock is an advisory `flock` on `<warehouse>.lock`. The kernel releases it when the holder
exits, however it exits, so a killed run never leaves a stale lock behind; the file only records
the holder's pid for the message.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(f"{warehouse.name}.lock")


def _holder(fd: int, wait_s: float = 2.0) -> str:
    """The holder's pid. A holder that has just taken the lock writes its pid a moment later,
    so an empty file is read again for a short while before the pid is called unknown."""
    deadline = time.monotonic() + wait_s
    while True:
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
        if text.isdigit():
            return text
        if time.monotonic() >= deadline:
            return "unknown"
        time.sleep(0.02)


@contextmanager
def warehouse_lock(warehouse: Path) -> Iterator[Path]:
    """Hold the warehouse for the length of a `with` block; raise WarehouseBusy at once when
    another process holds it."""
    path = lock_path(Path(warehouse))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by subprocesses (dbt)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy(
                f"another run is writing to {warehouse} (pid {_holder(fd)}); this run did not start. "
                "Start it again once that run has finished."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock
