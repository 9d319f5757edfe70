"""Publish the warehouse atomically: build a complete new DuckDB file beside the
old one, check it, then swap it in with os.replace.

DuckDB locks a file a process has open for writing, so the pipeline never opens
the published file for writing: a reader holding it open keeps reading the old
version (its open file), and the next reader to connect sees the new one.

The new file is built in a private folder beside the warehouse (its write-ahead
log and spill files with it) and is owner-only before any row is written, like
the lock, the run ledger, state/ and models/ (owner_only.py)."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from customer_master.lifecycle.state import MasterState, save_state
from customer_master.match.learned import match_weights_page
from customer_master.owner_only import open_private, private_folder, restrict_file, write_private
from customer_master.warehouse.checks import ALL_CHECKS

log = logging.getLogger(__name__)

SCHEMAS = ("master", "quality", "meta")


class PublishRefused(RuntimeError):
    """The new warehouse failed a check; the old one stays in place."""


@dataclass
class WarehouseTables:
    """Every table of the warehouse, keyed 'schema.table'."""
    tables: dict[str, pd.DataFrame]


def run_history_path(warehouse: Path) -> Path:
    """meta.runs is rebuilt each run from this append-only ledger beside the
    warehouse, so history never depends on reading the old (maybe locked) file."""
    return warehouse.with_name(warehouse.stem + ".runs.jsonl")


def read_run_history(warehouse: Path) -> list[dict]:
    path = run_history_path(warehouse)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@contextmanager
def publishing_lock(warehouse: Path):
    """One publisher at a time per warehouse (a CLI run and a UI run may overlap):
    the swap, the run ledger and the state files are written under this lock."""
    lock_path = warehouse.with_name(f".{warehouse.name}.lock")
    with open_private(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish_warehouse(warehouse: Path, content: WarehouseTables, run: dict,
                      state: MasterState | None = None) -> Path:
    warehouse = Path(warehouse)
    private_folder(warehouse.parent, ours=False)
    with publishing_lock(warehouse):
        return _publish(warehouse, content, run, state)


def _publish(warehouse: Path, content: WarehouseTables, run: dict, state: MasterState | None) -> Path:
    folder = warehouse.with_name(f".{warehouse.name}.building-{run['run_id']}")
    _remove(folder)
    building = private_folder(folder) / warehouse.name
    history = [*read_run_history(warehouse), run]
    try:
        with duckdb.connect(str(building)) as con:
            restrict_file(building)  # before the first table is written
            for schema in SCHEMAS:
                con.execute(f"CREATE SCHEMA {schema}")
            for name, frame in {**content.tables, "meta.runs": _runs_frame(history)}.items():
                con.register("frame", frame)
                con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
                con.unregister("frame")
            problems = {check: found for check, function in ALL_CHECKS.items() if (found := function(con))}
            if problems:
                raise PublishRefused("the new warehouse fails its checks, the old one stays: "
                                     + json.dumps(problems, ensure_ascii=False)[:2000])
            con.execute("CHECKPOINT")
        os.replace(building, warehouse)
    finally:
        _remove(folder)
    with open_private(run_history_path(warehouse), "a", encoding="utf-8") as ledger:
        ledger.write(json.dumps(run, ensure_ascii=False, default=str) + "\n")
    _archive_models(warehouse, content.tables.get("master.models"), run["run_id"])
    if state is not None:  # what the next run maps its clusters onto
        save_state(warehouse, state)
    log.info("publish: %s (%d tables)", warehouse, len(content.tables) + 1)
    return warehouse


def models_dir(warehouse: Path) -> Path:
    return warehouse.parent / "models"


def _archive_models(warehouse: Path, models: pd.DataFrame | None, run_id: str) -> None:
    """Every run's trained models stay on disk (models/<run_id>/<type>.json): the
    warehouse holds only the current run's, an audit may ask for any. Beside each,
    Splink's chart of its match weights (<type>_match_weights.html), so a steward
    can see why rows merged."""
    if models is None or models.empty:
        return
    private_folder(models_dir(warehouse))
    folder = private_folder(models_dir(warehouse) / run_id)
    for customer_type, model_json in models[["customer_type", "model_json"]].itertuples(index=False):
        page = match_weights_page(json.loads(model_json))
        for name, text in ((f"{customer_type}.json", model_json), (f"{customer_type}_match_weights.html", page)):
            write_private(folder / name, lambda path, text=text: Path(path).write_text(text, encoding="utf-8"))


def _runs_frame(history: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(history)
    for column in ("started_at", "finished_at"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column])
    for column in frame.columns:  # nested values (file lists, counts by reason) as JSON text
        if frame[column].map(lambda v: isinstance(v, (dict, list))).any():
            frame[column] = frame[column].map(lambda v: json.dumps(v, ensure_ascii=False, default=str))
    return frame


def _remove(path: Path) -> None:
    """A build folder (or the build file and its log an earlier version left)."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)
