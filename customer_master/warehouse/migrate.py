"""A warehouse published by an earlier version keeps its ids: on its first run
with `<warehouse>.d/` (layout.py), what the earlier version kept for it moves in.

- Its ledger (`<stem>.runs.jsonl`) and ingest cache (`<name>.ingest-cache/`)
  were named after it: they always move. So do the model folders of its own
  runs (`models/<run_id>/` for the run ids of its ledger). Its old lock file and
  build leftovers are removed.
- `state/` (ids, history, the stewards' decisions) was shared by every
  warehouse of the folder, so it moves only when it clearly belongs to this one:
  the warehouse file exists and is the only DuckDB file in the folder, or the
  master ids in `state/` are exactly those of this warehouse's `master.customers`.
  The old `staging/` goes with it (intermediate results, no longer used).
  Otherwise `state/` stays where it is, the run warns, and this warehouse starts
  its ids afresh; moving `state/` into `<warehouse>.d/` by hand keeps them."""

from __future__ import annotations

import logging
import os
import shutil

import pandas as pd

from customer_master.owner_only import private_folder
from customer_master.warehouse.layout import Layout
from customer_master.warehouse.open import opened_warehouse

log = logging.getLogger(__name__)


def migrate_old_layout(where: Layout) -> None:
    """Called by the lock's holder (lock.py) before anything is read."""
    old = where.old_layout()
    for name in ("ledger", "ingest_cache"):
        target = getattr(where, name)
        if old[name].exists() and not target.exists():
            os.replace(old[name], target)
            log.warning("moved %s to %s (this warehouse's folder)", old[name], target)
    old["lock"].unlink(missing_ok=True)
    for leftover in where.old_build_leftovers():
        shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)
    _move_own_models(where, old["models"])
    if not old["state"].is_dir() or where.state.exists():
        return
    if _state_belongs_here(where, old["state"]):
        os.replace(old["state"], where.state)
        shutil.rmtree(old["staging"], ignore_errors=True)
        log.warning("moved %s to %s (this warehouse's folder)", old["state"], where.state)
    else:
        log.warning("%s (master ids, history and steward decisions of an earlier version) may belong to another "
                    "warehouse of that folder: not used. %s starts its ids afresh; to keep them, stop and move "
                    "that folder to %s", old["state"], where.warehouse, where.state)


def _move_own_models(where: Layout, old_models) -> None:
    if not old_models.is_dir() or not where.ledger.exists():
        return
    from customer_master.warehouse.publish import read_run_history

    own = [old_models / r["run_id"] for r in read_run_history(where.warehouse) if r.get("run_id")]
    for folder in own:
        if folder.is_dir() and not where.run_models(folder.name).exists():
            private_folder(where.models)
            os.replace(folder, where.run_models(folder.name))
    if not any(old_models.iterdir()):
        old_models.rmdir()


def _state_belongs_here(where: Layout, state) -> bool:
    if not where.warehouse.is_file():
        return False
    others = [p for p in where.warehouse.parent.glob("*.duckdb") if p.name != where.warehouse.name and p.is_file()]
    if not others:
        return True
    try:
        masters = set(pd.read_parquet(state / "masters.parquet", columns=["master_id"]).master_id)
        with opened_warehouse(where.warehouse) as con:
            published = {m for (m,) in con.execute("SELECT master_id FROM master.customers").fetchall()}
    except Exception:  # noqa: BLE001 - no state of masters, a warehouse that cannot be read: not clearly ours
        return False
    return bool(masters) and masters == published
