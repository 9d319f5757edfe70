"""What one run hands the next: which source rows each master held, when each
master was created, and every id ever retired. Kept as Parquet files in the
warehouse's own folder (`<warehouse>.d/state/`, warehouse/layout.py), owned by the
pipeline alone (and readable by its owner only), so reading them is never blocked
by a reader that holds the warehouse open. A publish writes them (write_state) into
its pending backup and links them into place once its warehouse is swapped in
(warehouse/publish.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from customer_master.lifecycle.history import CHANGE_COLUMNS, VERSION_KEY
from customer_master.lifecycle.ids import HISTORY_COLUMNS
from customer_master.owner_only import private_folder, write_private
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


def load_state(warehouse: Path) -> MasterState:
    folder = layout(warehouse).state
    frames = {}
    for name, columns in STATE_FILES.items():
        path = folder / f"{name}.parquet"
        frames[name] = pd.read_parquet(path) if path.exists() else pd.DataFrame(columns=columns)
    for name in ("masters", "contacts"):
        frames[name] = frames[name].astype({"created_seq": "int64"})
    if "by_steward" not in frames["change_log"]:  # the state of an earlier version
        frames["change_log"]["by_steward"] = False
    return MasterState(**frames)


def write_state(folder: Path, state: MasterState) -> None:
    """The state files into `folder` (a publish's pending backup)."""
    folder = private_folder(folder)
    for name in STATE_FILES:
        write_private(folder / f"{name}.parquet",
                      lambda path, frame=getattr(state, name): frame.to_parquet(path, index=False))
