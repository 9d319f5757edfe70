"""Dagster resources: where the inbox and the warehouse are, and an IO manager
that hands stage results between assets as Parquet (columnar), not pickles,
readable by their owner only (owner_only.py)."""


import dataclasses
import importlib
import json
import os
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd

from customer_master.config import DEFAULT_INBOX, DEFAULT_REVIEW_DIR, DEFAULT_SETTINGS, DEFAULT_WAREHOUSE
from customer_master.ingest.inbox import DEFAULT_MAX_FILE_MB
from customer_master.owner_only import private_folder, write_private
from customer_master.settings import Settings, load_settings


class PipelinePaths(dg.ConfigurableResource):
    """Locations of the run. Defaults come from CUSTOMER_MASTER_INBOX /
    CUSTOMER_MASTER_WAREHOUSE, else data/inbox and data/warehouse/customer_master.duckdb."""

    inbox: str = str(DEFAULT_INBOX)
    warehouse: str = str(DEFAULT_WAREHOUSE)
    max_file_mb: float = DEFAULT_MAX_FILE_MB
    review_dir: str = str(DEFAULT_REVIEW_DIR)
    settings: str = str(DEFAULT_SETTINGS)  # business rules of the Customer 360 tables (optional file)

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
        return load_settings(Path(self.settings))


class StageResultIOManager(dg.ConfigurableIOManager):
    """Stores a stage result (a DataFrame, or a dataclass whose fields are
    DataFrames and JSON-able values) as a folder of Parquet files."""

    base_dir: str

    def _folder(self, context) -> Path:
        return Path(self.base_dir).joinpath(*context.asset_key.path)

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        folder = self._folder(context)
        staging = folder.with_name(folder.name + ".writing")
        shutil.rmtree(staging, ignore_errors=True)
        private_folder(Path(self.base_dir))
        private_folder(staging)
        if isinstance(obj, pd.DataFrame):
            manifest = {"kind": "frame"}
            _write_frame(obj, staging / "frame.parquet")
        elif dataclasses.is_dataclass(obj):
            manifest = {"kind": "dataclass", "type": f"{type(obj).__module__}:{type(obj).__qualname__}",
                        "frames": [], "values": {}}
            for field in dataclasses.fields(obj):
                value = getattr(obj, field.name)
                if isinstance(value, pd.DataFrame):
                    _write_frame(value, staging / f"{field.name}.parquet")
                    manifest["frames"].append(field.name)
                else:
                    manifest["values"][field.name] = value
        else:
            raise TypeError(f"cannot store {type(obj).__name__}; return a DataFrame or a dataclass of them")
        text = json.dumps(manifest, ensure_ascii=False)
        write_private(staging / "manifest.json", lambda path: Path(path).write_text(text, encoding="utf-8"))
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(staging, folder)

    def load_input(self, context: dg.InputContext):
        folder = self._folder(context.upstream_output)
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest["kind"] == "frame":
            return pd.read_parquet(folder / "frame.parquet")
        module, name = manifest["type"].split(":")
        cls = getattr(importlib.import_module(module), name)
        frames = {f: pd.read_parquet(folder / f"{f}.parquet") for f in manifest["frames"]}
        return cls(**frames, **manifest["values"])


def _write_frame(frame: pd.DataFrame, path: Path) -> None:
    write_private(path, lambda target: frame.to_parquet(target, index=False))
