"""One run at a time per warehouse, end to end.

A run takes the lock before it reads anything of the warehouse's folder (the
ingest cache, the stewards' decisions, the state) and holds it until its
warehouse is swapped in and its state written: two runs on one warehouse never
compute from the same state. The lock is `fcntl.flock` on `<warehouse>.d/lock`,
so it holds across processes (a CLI run and a run of the Dagster UI) and the
kernel releases it when its process ends, also by kill -9. The file says who
holds it (pid, host, when), for the message a second run gives.

Within one process the lock is re-entrant: `customer-master run` takes it
before the Dagster run starts and the run's own resource (which takes it for
runs launched from the UI) finds it held already.

Whoever takes the lock first tidies the folder (tidy_folder): it finishes a
publish that was killed after its swap, and removes what a killed run left
(its build folder, its staging Parquet, half-written files)."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import socket
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from customer_master.owner_only import FILE_MODE, private_folder
from customer_master.warehouse.layout import Layout, layout

log = logging.getLogger(__name__)

_held: dict[str, int] = {}  # lock file (real path) -> open descriptor, for the locks this process holds


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse (and the caller chose not to wait)."""


@contextmanager
def run_lock(warehouse: Path, wait: bool = False, on_wait: Callable[[str], None] | None = None,
             what: str = "run") -> Iterator[Layout]:
    """Hold the lock of `warehouse` for the block. wait: block until the holder is done
    (on_wait(message) says so first), else raise WarehouseBusy naming the holder."""
    where = layout(warehouse)
    private_folder(where.warehouse.parent, ours=False)
    private_folder(where.folder)
    key = os.path.realpath(where.lock)
    if key in _held:  # this process holds it already (the CLI took it before the Dagster run)
        yield where
        return
    handle = os.open(where.lock, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(handle, FILE_MODE)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            message = busy_message(where)
            if not wait:
                raise WarehouseBusy(message) from None
            (on_wait or log.warning)(f"{message}; waiting for it to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        os.ftruncate(handle, 0)
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "what": what,
                  "started": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")}
        os.pwrite(handle, json.dumps(holder).encode(), 0)
        _held[key] = handle
        try:
            from customer_master.warehouse.migrate import migrate_old_layout
            from customer_master.warehouse.publish import tidy_folder

            migrate_old_layout(where)
            tidy_folder(where)
            yield where
        finally:
            del _held[key]
            os.ftruncate(handle, 0)  # nobody holds it now
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


def busy_message(where: Layout) -> str:
    """'another run on <warehouse> is in progress (pid …, started …)'."""
    try:
        holder = json.loads(where.lock.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        holder = {}
    if holder.get("pid"):
        host = f" on {holder['host']}" if holder.get("host") and holder["host"] != socket.gethostname() else ""
        who = f"pid {holder['pid']}{host}, started {holder.get('started', 'at an unknown time')}"
        if holder.get("what") not in (None, "run"):
            who = f"{holder['what']}, {who}"
    else:
        who = "pid unknown: it has only just started"
    return f"another run on {where.warehouse} is in progress ({who})"

