"""Dagster resources: where the inbox and the warehouse are, the warehouse's
lock held for the whole run, and an IO manager that hands stage results between
assets as Parquet (columnar), not pickles, readable by their owner only
(owner_only.py)."""


import dataclasses
import importlib
import json
import os
import shutil
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from customer_master.config import (DEFAULT_INBOX, DEFAULT_KEEP_BACKUPS, DEFAULT_REVIEW_DIR, DEFAULT_SETTINGS,
                                    DEFAULT_WAREHOUSE)
from customer_master.freed_memory import give_back_freed_memory, run_allocations_only
from customer_master.ingest.inbox import DEFAULT_MAX_FILE_MB
from customer_master.match.engines import DEFAULT_SPARK_MASTER
from customer_master.match.threshold import MatchSettingError, check_match_settings
from customer_master.owner_only import private_folder, write_private
from customer_master.settings import Settings, SettingsError, load_settings
from customer_master.warehouse.lock import run_lock
from customer_master.pipelines.staged_results import StagedFrame, staged_result, stored_file


class PipelinePaths(dg.ConfigurableResource):
    """Locations of the run. Defaults come from CUSTOMER_MASTER_INBOX /
    CUSTOMER_MASTER_WAREHOUSE, else data/inbox and data/warehouse/customer_master.duckdb."""

    inbox: str = str(DEFAULT_INBOX)
    warehouse: str = str(DEFAULT_WAREHOUSE)
    max_file_mb: float = DEFAULT_MAX_FILE_MB
    review_dir: str = str(DEFAULT_REVIEW_DIR)
    settings: str = str(DEFAULT_SETTINGS)  # business rules of the Customer 360 tables (optional file)
    keep_backups: int = DEFAULT_KEEP_BACKUPS  # published warehouses kept for `customer-master restore`

    @property
    def inbox_path(self) -> Path:
        return Path(self.inbox)

    @property
    def warehouse_path(self) -> Path:
        return Path(self.warehouse)

    @property
    def review_path(self) -> Path:
        return Path(self.review_dir)

    def load_settings(self) -> Settings:
        """The settings file (checked_settings). A run's first steps call this
        (assets/match.py check_run_config), so a mistake in the file fails the run
        before the inbox is read, not at the customer 360 steps."""
        return checked_settings(Path(self.settings))


def checked_settings(path: Path) -> Settings:
    """load_settings, and the match threshold's rule for the one match probability the
    file holds; SettingsError naming the file and the key."""
    settings = load_settings(path)
    resolve = settings.activities.resolve_threshold
    if resolve is not None:
        try:
            check_match_settings(resolve, keys={"match_threshold": f"{path}: activities.resolve_threshold"})
        except MatchSettingError as exc:
            raise SettingsError(str(exc)) from None
    return settings


class WarehouseLock(dg.ConfigurableResource):
    """One run at a time per warehouse (warehouse/lock.py): taken when the run starts,
    before its first step reads the inbox cache, the decisions or the state, and
    released when it ends, whether it published or failed; then the run's staging
    folder goes. The job runs its steps in the run's own process (in_process
    executor), so the lock, which belongs to a process, is held by the run.
    A run started while another holds the warehouse (a `customer-master run`, say)
    waits for it, saying so in its log; with `wait: false` it fails at once."""

    warehouse: str = str(DEFAULT_WAREHOUSE)
    staging: str = ""  # the IO manager's folder: the run's stage results are in <staging>/<run_id>/
    wait: bool = True

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        with run_lock(Path(self.warehouse), wait=self.wait, on_wait=context.log.warning):
            try:
                yield self
            finally:
                if self.staging and context.run is not None:
                    shutil.rmtree(Path(self.staging) / context.run.run_id, ignore_errors=True)


class SparkResource(dg.ConfigurableResource):
    """The SparkSession the match runs on when the run config says `engine: spark`:
    the session the process already has (a `spark-submit` driver, a notebook that
    started one) or, when there is none, one built from `master` and `config`
    (match/spark_session.py). Nothing is started for a DuckDB run."""

    master: str = DEFAULT_SPARK_MASTER  # local[2], CUSTOMER_MASTER_SPARK_MASTER, or a cluster's URL
    config: dict[str, str] = {}  # Spark settings (spark.executor.memory, ...), over the defaults
    # where the rows handed to Spark and Spark's checkpoints are written (owner-only); on a
    # cluster a folder every executor reads. Empty: a private temporary folder of the run.
    work_dir: str = ""

    @contextmanager
    def engine(self, name: str):
        """The match engine `name` (match/backends.py): None for DuckDB, the default."""
        if name != "spark":
            yield None
            return
        from customer_master.match.spark_engine import SparkEngine
        from customer_master.match.spark_session import spark_session, work_folder

        work = work_folder(self.work_dir)
        engine = SparkEngine(spark_session(self.master, self.config, work), work)
        try:
            yield engine
        finally:
            engine.close()


# The key of an input's metadata listing the only columns a step reads of a staged frame
# (dg.AssetIn(metadata={COLUMNS_READ: [...]})).
COLUMNS_READ = "columns_read"
# The key of an input's metadata asking for a staged frame as its Parquet file (a Path),
# for a step that reads it in DuckDB (working_db.register_source), not into pandas
# (dg.AssetIn(metadata={AS_PARQUET_FILE: True})).
AS_PARQUET_FILE = "as_parquet_file"


class StageResultIOManager(dg.ConfigurableIOManager):
    """Stores a stage result (a DataFrame, or a dataclass whose fields are
    DataFrames, Arrow tables and JSON-able values) as a folder of Parquet files, under
    <base_dir>/<run_id>/ (removed when the run ends: WarehouseLock)."""

    base_dir: str

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        # the step boundaries' collections (_step_begins) walk only what the run allocated
        with run_allocations_only():
            yield self

    def _folder(self, context: dg.OutputContext) -> Path:
        return Path(self.base_dir).joinpath(context.run_id, *context.asset_key.path)

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        folder = self._folder(context)
        staging = folder.with_name(folder.name + ".writing")
        shutil.rmtree(staging, ignore_errors=True)
        private_folder(Path(self.base_dir))
        private_folder(folder.parent)
        private_folder(staging)
        if isinstance(obj, pd.DataFrame):
            manifest = {"kind": "frame"}
            _write_frame(obj, staging / "frame.parquet")
        elif isinstance(obj, StagedFrame):  # a frame the step left in a Parquet file: moved, not read and written
            manifest = {"kind": "frame"}
            shutil.move(obj.path, staging / "frame.parquet")
        elif dataclasses.is_dataclass(obj):
            manifest = {"kind": "dataclass", "type": f"{type(obj).__module__}:{type(obj).__qualname__}",
                        "frames": [], "arrow": [], "values": {}}
            for field in dataclasses.fields(obj):
                on_disk = stored_file(obj, field.name)
                if on_disk is not None:  # a frame the step left in a Parquet file: moved, not read and written
                    shutil.move(on_disk, staging / f"{field.name}.parquet")
                    manifest["frames"].append(field.name)
                    if getattr(getattr(type(obj), field.name, None), "arrow", False):
                        manifest["arrow"].append(field.name)
                    continue
                value = getattr(obj, field.name)
                if isinstance(value, pd.DataFrame):
                    _write_frame(value, staging / f"{field.name}.parquet")
                    manifest["frames"].append(field.name)
                elif isinstance(value, pa.Table):
                    write_private(staging / f"{field.name}.parquet", partial(pq.write_table, value))
                    manifest["frames"].append(field.name)
                    manifest["arrow"].append(field.name)
                else:
                    manifest["values"][field.name] = value
        else:
            raise TypeError(f"cannot store {type(obj).__name__}; return a DataFrame or a dataclass of them")
        text = json.dumps(manifest, ensure_ascii=False)
        write_private(staging / "manifest.json", lambda path: Path(path).write_text(text, encoding="utf-8"))
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(staging, folder)

    def load_input(self, context: dg.InputContext):
        _step_begins(context)
        folder = self._folder(context.upstream_output)
        if not (folder / "manifest.json").exists():
            raise FileNotFoundError(
                f"no stage result of {context.upstream_output.asset_key.to_user_string()} in {folder.parent}: a run "
                "hands stage results between its own steps and removes them when it ends, so materialize the "
                "whole graph (job consolidate), not one asset of it")
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest["kind"] == "frame":
            if (context.definition_metadata or {}).get(AS_PARQUET_FILE):
                return folder / "frame.parquet"
            # a step that names the columns it reads (AssetIn metadata, COLUMNS_READ) gets
            # only those: a whole frame of every standardised row costs memory that grows
            # with the inbox
            return pd.read_parquet(folder / "frame.parquet",
                                   columns=(context.definition_metadata or {}).get(COLUMNS_READ))
        module, name = manifest["type"].split(":")
        cls = getattr(importlib.import_module(module), name)
        return staged_result(cls, {f: folder / f"{f}.parquet" for f in manifest["frames"]}, manifest["values"],
                             arrow=tuple(manifest.get("arrow", ())))


_step_loading: list[str | None] = [None]  # the step whose inputs were loaded last


def _step_begins(context: dg.InputContext) -> None:
    """Before a step's first input is loaded: the memory the steps before it freed
    goes back to the system (freed_memory.py), so its peak is its own."""
    try:
        step_key = context.step_context.step.key
    except dg.DagsterInvariantViolationError:  # an input context built outside a run (a test's)
        step_key = None
    if step_key != _step_loading[0]:
        _step_loading[0] = step_key
        give_back_freed_memory()


def _write_frame(frame: pd.DataFrame, path: Path) -> None:
    write_private(path, lambda target: frame.to_parquet(target, index=False))
