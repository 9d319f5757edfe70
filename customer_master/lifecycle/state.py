"""What one run hands the next: which source rows each master held, when each
master was created, and every id ever retired. Kept as Parquet files in the
warehouse's own folder (`<warehouse>.d/state/`, warehouse/layout.py), owned by the
pipeline alone (and readable by its owner only), so reading them is never blocked
by a reader that holds the warehouse open. A publish writes them (write_state) into
its pending backup and links them into place once its warehouse is swapped in
(warehouse/publish.py)."""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from customer_master.lifecycle.history import CHANGE_COLUMNS, VERSION_KEY
from customer_master.lifecycle.ids import HISTORY_COLUMNS
from customer_master.owner_only import private_folder, write_private
from customer_master.pipelines.staged_results import staged_result
from customer_master.warehouse.layout import layout

STATE_FILES = {
    "xref": ["master_id", "row_identity", "row_hash"],  # row_hash: the row as survivorship read it (touched.py)
    "masters": ["master_id", "created_run", "created_seq"],
    "id_history": HISTORY_COLUMNS,
    "customers_history": VERSION_KEY,  # + the golden fields
    "change_log": CHANGE_COLUMNS,
    "contact_xref": ["contact_id", "row_identity"],  # which source rows each contact held
    "contacts": ["contact_id", "created_run", "created_seq"],
}


@dataclass
class MasterState:
    xref: pd.DataFrame
    masters: pd.DataFrame
    id_history: pd.DataFrame
    customers_history: pd.DataFrame
    change_log: pd.DataFrame
    contact_xref: pd.DataFrame = None
    contacts: pd.DataFrame = None
    run_seq: int = 1  # the sequence number of the run that starts from this state

    def __post_init__(self):
        for name in ("contact_xref", "contacts"):
            if getattr(self, name) is None:
                setattr(self, name, pd.DataFrame(columns=STATE_FILES[name]))

    @property
    def used_ids(self) -> set[str]:
        return set(self.masters["master_id"]) | set(self.id_history["retired_id"])


def load_state(warehouse: Path, hand_on_in: Path | None = None) -> MasterState:
    """The state the last run left. hand_on_in: a private folder (the run's spill folder)
    into which the state files are linked and handed on unread (staged_results.py), for
    the steps that read them and for the IO manager, which moves them into the run's
    staging: reading them into pandas and writing them back took most of the step."""
    folder = layout(warehouse).state
    frames, files = {}, {}
    for name, columns in STATE_FILES.items():
        path = folder / f"{name}.parquet"
        if hand_on_in is not None and path.exists() and _as_stored(name, pq.read_schema(path)):
            files[name] = _linked(path, private_folder(hand_on_in) / f"state-{uuid.uuid4().hex}-{name}.parquet")
            continue
        frames[name] = pd.read_parquet(path) if path.exists() else pd.DataFrame(columns=columns)
    for name in ("masters", "contacts"):
        if name in frames:
            frames[name] = frames[name].astype({"created_seq": "int64"})
    if "change_log" in frames and "by_steward" not in frames["change_log"]:  # the state of an earlier version
        frames["change_log"]["by_steward"] = False
    if not files:
        return MasterState(**frames)
    return staged_result(MasterState, files, frames)


def _as_stored(name: str, schema: pa.Schema) -> bool:
    """Whether a state file is what load_state would make of it (no column to fix)."""
    if name in ("masters", "contacts"):
        return "created_seq" in schema.names and schema.field("created_seq").type == pa.int64()
    if name == "change_log":
        return "by_steward" in schema.names
    return True


def _linked(path: Path, link: Path) -> Path:
    """`path` at `link` (a hard link: the state's files are replaced, never changed in
    place; a copy on another file system)."""
    try:
        os.link(path, link)
    except OSError:
        shutil.copyfile(path, link)
    return link


def write_state(folder: Path, state: MasterState) -> None:
    """The state files into `folder` (a publish's pending backup). Each field of `state`
    may be a frame, an Arrow table, or the Parquet file a stage result is staged in
    (pipelines/staged_results.py `as_stored`), which is copied as it is."""
    folder = private_folder(folder)
    for name in STATE_FILES:
        write_private(folder / f"{name}.parquet", lambda path, value=getattr(state, name): _write(value, path))


def _write(value, path: str) -> None:
    if isinstance(value, Path):
        shutil.copyfile(value, path)
    elif isinstance(value, pa.Table):
        pq.write_table(value, path)
    else:
        value.to_parquet(path, index=False)
