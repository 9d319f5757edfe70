"""Publish the warehouse atomically: build a complete new DuckDB file in the
warehouse's folder (layout.py), check it, then swap it in with os.replace.

DuckDB locks a file a process has open for writing, so the pipeline never opens
the published file for writing: a reader holding it open keeps reading the old
version (its open file), and the next reader to connect sees the new one.

Everything a run leaves besides the warehouse file (its line of the run ledger,
the state the next run starts from, its trained models) is written before the
swap into a pending backup, `backups/<seq>-<run_id>.pending/`, which also holds a
hard link to the new file. After the swap the pending backup is committed: the
ledger line appended, the state and the models linked into place, the folder
renamed to `backups/<seq>-<run_id>/`, and backups beyond the last N removed. A run
killed between the swap and the end of the commit is finished by the next one
that takes the lock (tidy_folder): the pending backup's file *is* the warehouse
in place (same inode) exactly when the swap happened, so the ledger records a
run only once its warehouse is in place, and always then.

Every file is owner-only (owner_only.py); the new file before any row is written."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from customer_master.config import DEFAULT_KEEP_BACKUPS
from customer_master.lifecycle.state import MasterState, write_state
from customer_master.match.learned import match_weights_page
from customer_master.pipelines.staged_results import parquet_rows
from customer_master.owner_only import TEMPORARY_PREFIX, open_private, private_folder, restrict_file, write_private
from customer_master.warehouse.checks import ALL_CHECKS
from customer_master.warehouse.layout import MODEL_TRAINING, Layout, layout
from customer_master.warehouse.open import WAREHOUSE_ALIAS, attach_warehouse, opened_warehouse
from customer_master.warehouse.lock import run_lock
from customer_master.warehouse.schema import SCHEMAS, TABLES, SchemaMismatch, write_table, write_views
from customer_master.working_db import register_source

log = logging.getLogger(__name__)


class PublishRefused(RuntimeError):
    """The new warehouse failed a check; the old one stays in place."""


@dataclass
class ComputedTable:
    """A table computed in the new warehouse's DuckDB: `select` reads `sources` by
    their names (each a frame, an Arrow table or a stage result's Parquet file, with
    the columns it needs: working_db.register_source; numbered: with its rows' places,
    ROW_NUMBER, for a join that keeps a source's order) and the tables written before
    it. The rows go from the stage results' files into the warehouse without passing
    through pandas."""
    select: str
    sources: dict[str, tuple] = field(default_factory=dict)  # name -> (source, columns or None[, numbered])
    parameters: list = field(default_factory=list)


@dataclass
class WarehouseTables:
    """Every table of the warehouse, keyed 'schema.table': a frame, the Parquet file
    of a stage result that holds it as it is, or a ComputedTable."""
    tables: dict[str, pd.DataFrame | Path | ComputedTable]
    # what each model of master.models was trained on (match/stored_models.py), kept beside it
    training: dict[str, dict] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)  # rows of each table, once the warehouse is built

    def row_counts(self) -> dict[str, int]:
        return {name: self.written[name] if name in self.written else
                parquet_rows(table) if isinstance(table, Path) else len(table)
                for name, table in self.tables.items()}


def read_run_history(warehouse: Path) -> list[dict]:
    """The run ledger: meta.runs is rebuilt each run from this append-only file, so
    history never depends on reading the old (maybe locked) warehouse."""
    path = layout(warehouse).ledger
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def publish_warehouse(warehouse: Path, content: WarehouseTables, run: dict,
                      state: MasterState | None = None, keep_backups: int = DEFAULT_KEEP_BACKUPS) -> Path:
    """Build, check and swap in the warehouse of `run` (its meta.runs row), then record
    it. Under the warehouse's lock (a run holds it already; anyone else waits for it)."""
    warehouse = Path(warehouse)
    with run_lock(warehouse, wait=True) as where:
        history = [*read_run_history(warehouse), run]
        building = _build(where, run["run_id"], lambda con: _write_tables(con, content, history))

        def keep(pending: Path) -> None:
            if state is not None:  # what the next run maps its clusters onto
                write_state(pending / "state", state)
            _write_models(pending / "models", content.tables.get("master.models"), content.training)

        _swap_in(where, building, run, len(history), keep, keep_backups)
    log.info("publish: %s (%d tables)", warehouse, len(content.tables) + 1)
    return warehouse


def _write_tables(con: duckdb.DuckDBPyConnection, content: WarehouseTables, history: list[dict]) -> None:
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA {schema}")
    for name, frame in {**content.tables, "meta.runs": _runs_frame(history)}.items():
        started = time.monotonic()
        write_frame(con, name, frame)
        if name in content.tables:
            content.written[name] = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
            log.info("publish: %s, %d rows in %.2f s", name, content.written[name], time.monotonic() - started)
    write_views(con)
    problems = {check: found for check, function in ALL_CHECKS.items() if (found := function(con))}
    if problems:
        raise PublishRefused("the new warehouse fails its checks, the old one stays: "
                             + json.dumps(problems, ensure_ascii=False)[:2000])


def write_frame(con: duckdb.DuckDBPyConnection, name: str, frame) -> None:
    """Table `name` as its schema declares it (schema/), from a frame (pandas or Arrow),
    a staged Parquet file (copied without loading it into Python) or a ComputedTable."""
    if isinstance(frame, Path):
        write_table(con, name, "read_parquet(?)", [str(frame)])
        return
    if isinstance(frame, ComputedTable):
        for source_name, (source, columns, *numbered) in frame.sources.items():
            register_source(con, source_name, source, columns, numbered=bool(numbered and numbered[0]))
        try:
            write_table(con, name, f"({frame.select})", frame.parameters)
        finally:
            for source_name in frame.sources:  # a registered frame and a file's view alike
                con.execute(f"DROP VIEW IF EXISTS {source_name}")
        return
    con.register("frame", frame)
    try:
        write_table(con, name, "frame")
    finally:
        con.unregister("frame")


def _build(where: Layout, run_id: str, fill: Callable[[duckdb.DuckDBPyConnection], None],
           start_from: Path | None = None) -> Path:
    """A new warehouse file in the run's build folder, encrypted when a key is set
    (open.py): empty (or with what `start_from` holds), filled by `fill`, checkpointed.
    The folder goes if it fails."""
    folder = where.build_folder(run_id)
    shutil.rmtree(folder, ignore_errors=True)
    private_folder(where.building)
    building = private_folder(folder) / where.warehouse.name
    try:
        with opened_warehouse(building, read_only=False) as con:
            restrict_file(building)  # before the first table is written
            if start_from is not None:  # copied by DuckDB, not as bytes: encrypted as the key says now
                attach_warehouse(con, start_from, "start_from")
                con.execute(f"COPY FROM DATABASE start_from TO {WAREHOUSE_ALIAS}")
                con.execute("DETACH start_from")
            fill(con)
            con.execute("CHECKPOINT")
        restrict_file(building)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return building


def _swap_in(where: Layout, building: Path, run: dict, seq: int, keep: Callable[[Path], None],
             keep_backups: int | None) -> None:
    """Everything the run leaves goes into its pending backup first (`keep(folder)` adds
    the state and models), then the swap, then the commit."""
    pending = where.backup(seq, run["run_id"], pending=True)
    try:
        shutil.rmtree(pending, ignore_errors=True)
        private_folder(where.backups)
        private_folder(pending)
        keep(pending)
        text = json.dumps(run, ensure_ascii=False, default=str)
        write_private(pending / "run.json", lambda path: Path(path).write_text(text, encoding="utf-8"))
        os.link(building, where.backup_warehouse(pending))  # the same file: tells later whether the swap happened
    except BaseException:
        shutil.rmtree(pending, ignore_errors=True)
        shutil.rmtree(building.parent, ignore_errors=True)
        raise
    os.replace(building, where.warehouse)
    shutil.rmtree(building.parent, ignore_errors=True)
    commit_publish(where, pending, keep_backups)


def commit_publish(where: Layout, pending: Path, keep_backups: int | None = None) -> Path:
    """Record a publish whose warehouse is in place: its state and models linked into
    place, its ledger line (once), the backup committed, backups beyond the last
    `keep_backups` pruned (None: none pruned; a run prunes by its own setting).
    Every step can be done again: a commit a kill interrupted is finished by the next."""
    run = json.loads((pending / "run.json").read_text(encoding="utf-8"))
    run_id = run["run_id"]
    if (pending / "state").is_dir():
        _install_files(pending / "state", where.state)
    if (pending / "models").is_dir():
        private_folder(where.models)
        _install_files(pending / "models", where.run_models(run_id))
    if run_id not in {r.get("run_id") for r in read_run_history(where.warehouse)}:
        with open_private(where.ledger, "a", encoding="utf-8") as ledger:
            ledger.write(json.dumps(run, ensure_ascii=False, default=str) + "\n")
    committed = pending.with_name(pending.name.removesuffix(".pending"))
    shutil.rmtree(committed, ignore_errors=True)
    os.replace(pending, committed)
    if keep_backups is not None:
        prune_backups(where, keep_backups)
    return committed


def _install_files(source: Path, target: Path) -> None:
    """Each file of `source` into `target` (a hard link, so a backup costs no space
    until the next run replaces the file), each one atomically."""
    private_folder(target)
    for path in sorted(source.iterdir()):
        temporary = target / f"{TEMPORARY_PREFIX}{path.name}"
        temporary.unlink(missing_ok=True)
        try:
            os.link(path, temporary)
        except OSError:  # a file system without hard links
            _copy_private(path, temporary)
        os.replace(temporary, target / path.name)


def _copy_private(source: Path, target: Path) -> None:
    with open(source, "rb") as reader, open_private(target, "wb") as writer:
        shutil.copyfileobj(reader, writer, 1 << 20)


def prune_backups(where: Layout, keep: int) -> None:
    """Keep the backups of the last `keep` published runs."""
    backups = where.backup_folders()
    for folder in backups[:max(0, len(backups) - max(keep, 0))]:
        shutil.rmtree(folder, ignore_errors=True)


def tidy_folder(where: Layout) -> None:
    """At the start of whatever takes the lock: finish a publish that was killed after
    its swap, drop one killed before it, and remove what killed runs left behind
    (build folders with their write-ahead logs, staging Parquet, half-written files)."""
    for pending in where.backup_folders(pending=True):
        if _swapped(where, pending) and (pending / "run.json").exists():
            log.warning("run %s was stopped after its warehouse was swapped in; recording it now",
                        where.backup_run_id(pending))
            commit_publish(where, pending)
        else:
            shutil.rmtree(pending, ignore_errors=True)
    for leftover in (where.building, where.staging):
        if leftover.is_dir() and any(leftover.iterdir()):
            log.info("removing what a stopped run left in %s", leftover)
        shutil.rmtree(leftover, ignore_errors=True)
    for folder in (where.folder, where.state, where.models, where.backups, where.ingest_cache):
        if folder.is_dir():
            for path in folder.rglob(f"{TEMPORARY_PREFIX}*"):
                path.unlink(missing_ok=True)


def warehouse_of_run(warehouse: Path, run_id: str) -> str:
    """What became of `run_id`'s warehouse: 'recorded' (in place and in the ledger),
    'in place, not recorded' (swapped in, its commit interrupted) or 'not published'."""
    where = layout(warehouse)
    for pending in where.backup_folders(pending=True):
        if where.backup_run_id(pending) == run_id and _swapped(where, pending):
            return "in place, not recorded"
    if run_id in {r.get("run_id") for r in read_run_history(warehouse)}:
        return "recorded"
    return "not published"


def _swapped(where: Layout, pending: Path) -> bool:
    """Whether the warehouse in place is the file of this pending publish (its swap happened)."""
    file = where.backup_warehouse(pending)
    return where.warehouse.exists() and file.exists() and os.path.samefile(where.warehouse, file)


def _write_models(folder: Path, models: pd.DataFrame | None, training: dict[str, dict]) -> None:
    """Every run's models stay on disk (models/<run_id>/<type>.json): the warehouse
    holds only the current run's, an audit may ask for any, and the next run uses
    them again while the rows have not drifted (training.json says what each was
    trained on). Beside each, Splink's chart of its match weights
    (<type>_match_weights.html), so a steward can see why rows merged."""
    if models is None or models.empty:
        return
    private_folder(folder)
    files = [(MODEL_TRAINING, json.dumps(training, ensure_ascii=False, indent=1))] if training else []
    for customer_type, model_json in models[["customer_type", "model_json"]].itertuples(index=False):
        page = match_weights_page(json.loads(model_json))
        files += [(f"{customer_type}.json", model_json), (f"{customer_type}_match_weights.html", page)]
    for name, text in files:
        write_private(folder / name, lambda path, text=text: Path(path).write_text(text, encoding="utf-8"))


def _runs_frame(history: list[dict]) -> pd.DataFrame:
    """meta.runs from the ledger: its declared columns (null where a run of an earlier
    version did not record one). A key of the newest run that meta.runs does not
    declare is a SchemaMismatch, so that a new count is declared, not dropped."""
    declared = TABLES["meta.runs"].column_names()
    undeclared = [key for key in history[-1] if key not in declared] if history else []
    if undeclared:
        raise SchemaMismatch(f"meta.runs: columns {undeclared} are not declared in "
                             "customer_master/warehouse/schema/meta.py")
    frame = pd.DataFrame(history).reindex(columns=declared)
    for column in ("started_at", "finished_at"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column])
    for column in frame.columns:  # nested values (file lists, counts by reason, run tags) as JSON text
        if frame[column].map(lambda v: isinstance(v, (dict, list))).any():
            frame[column] = frame[column].map(_json_text)
    return frame


def _json_text(value) -> str | None:
    """A ledger line of an earlier version has no value for a newer column (the audit
    columns of origin.py): NULL in meta.runs, not the text 'NaN'."""
    if not isinstance(value, (dict, list)) and pd.isna(value):
        return None
    return json.dumps(value, ensure_ascii=False, default=str)
