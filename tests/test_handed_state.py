"""The state the last run left is handed to this run's steps unread (previous_state links
its files into the run's spill folder; the IO manager moves the links into staging), and
a publish writes the next state from the stage results' staged files as they are. Both
must give the steps exactly the frames load_state reads, and fix an earlier version's
state as load_state does."""

import os
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from customer_master.lifecycle.state import STATE_FILES, MasterState, load_state, write_state
from customer_master.pipelines.staged_results import stored_file
from customer_master.warehouse.layout import layout


def _state() -> MasterState:
    return MasterState(
        xref=pd.DataFrame({"master_id": ["M1", "M1", "M2"], "row_identity": ["a", "b", "c"],
                           "row_hash": ["h1", "h2", "h3"]}),
        masters=pd.DataFrame({"master_id": ["M1", "M2"], "created_run": ["r1", "r1"], "created_seq": [1, 1]}),
        id_history=pd.DataFrame({"retired_id": ["M0"], "replaced_by": ["M1"], "reason": ["merged"],
                                 "run_id": ["r1"]}),
        customers_history=pd.DataFrame({"master_id": ["M1", "M2"], "version": [1, 1], "name": ["甲公司", "张伟"]}),
        change_log=pd.DataFrame({"run_id": ["r1"], "master_id": ["M1"], "change": ["created"],
                                 "by_steward": [False]}),
        contact_xref=pd.DataFrame({"contact_id": ["C1"], "row_identity": ["a"]}),
        contacts=pd.DataFrame({"contact_id": ["C1"], "created_run": ["r1"], "created_seq": [1]}))


def test_state_handed_on_unread_is_the_state_load_state_reads(tmp_path: Path):
    warehouse = tmp_path / "w.duckdb"
    write_state(layout(warehouse).state, _state())
    read = load_state(warehouse)
    handed = load_state(warehouse, hand_on_in=tmp_path / "spill")
    for name in STATE_FILES:
        linked = stored_file(handed, name)
        assert linked is not None and linked.parent == tmp_path / "spill", name  # not read into pandas
        assert os.path.samefile(linked, layout(warehouse).state / f"{name}.parquet")  # linked, not copied
        pd.testing.assert_frame_equal(getattr(handed, name), getattr(read, name))
    assert handed.used_ids == read.used_ids == {"M0", "M1", "M2"}
    # the next publish replaces the state's files (a new file each): what was handed on stays as it was
    changed = _state()
    changed.masters = changed.masters.assign(created_run="r2")
    handed = load_state(warehouse, hand_on_in=tmp_path / "spill")
    write_state(layout(warehouse).state, changed)
    assert list(handed.masters["created_run"]) == ["r1", "r1"]


def test_an_earlier_versions_state_is_read_and_fixed_as_before(tmp_path: Path):
    warehouse = tmp_path / "w.duckdb"
    old = _state()
    old.change_log = old.change_log.drop(columns="by_steward")  # before steward changes were marked
    old.masters = old.masters.astype({"created_seq": "int32"})
    write_state(layout(warehouse).state, old)
    handed = load_state(warehouse, hand_on_in=tmp_path / "spill")
    assert stored_file(handed, "change_log") is None and stored_file(handed, "masters") is None  # read, fixed
    assert list(handed.change_log["by_steward"]) == [False]
    assert handed.masters["created_seq"].dtype == "int64"
    assert stored_file(handed, "xref") is not None


def test_a_publish_writes_the_state_from_staged_files_as_they_are(tmp_path: Path):
    staged = tmp_path / "staged"
    write_state(staged, _state())  # stand-ins for the stage results' staged files
    files = {name: staged / f"{name}.parquet" for name in STATE_FILES}
    xref = pq.read_table(files["xref"])  # publish hands the xref's state columns as Arrow
    write_state(tmp_path / "next", MasterState(**{**files, "xref": xref}))
    for name, path in files.items():
        written = tmp_path / "next" / f"{name}.parquet"
        if name != "xref":
            assert written.read_bytes() == path.read_bytes(), name
        pd.testing.assert_frame_equal(pd.read_parquet(written), pd.read_parquet(path))
    assert oct((tmp_path / "next" / "masters.parquet").stat().st_mode & 0o777) == "0o600"
