"""Which masters a run touched (customer_master/lifecycle/touched.py): a cluster is
untouched only when it holds exactly the rows its master held, each unchanged."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd

from customer_master.lifecycle.ids import HISTORY_COLUMNS, assign_master_ids
from customer_master.lifecycle.state import MasterState
from customer_master.lifecycle.touched import row_hash_sql, untouched_clusters
from customer_master.survive import _master_ids
from customer_master.working_db import working_connection

BEFORE = pd.DataFrame({  # the last run's xref state
    "master_id": ["A", "A", "B", "C", "C", "D", "E", "E"],
    "row_identity": ["a1", "a2", "b1", "c1", "c2", "d1", "e1", "e1"],  # e1 twice: a record id given twice
    "row_hash": ["h", "h", "h", "h", "h", "h", "h", "h"],
})


def _untouched(now: list[tuple[int, str, str]], before: pd.DataFrame = BEFORE) -> set[str]:
    con = working_connection()
    con.register("now_", pd.DataFrame(now, columns=["cluster", "row_identity", "row_hash"]))
    con.register("before_", before)
    return set(untouched_clusters(con, "now_", "before_")["master_id"])


def test_only_a_master_with_the_same_rows_unchanged_is_untouched():
    now = [
        (1, "a1", "h"), (1, "a2", "h"),  # A's rows: untouched
        (2, "b1", "changed"),  # its row changed
        (3, "c1", "h"),  # c2 left it
        (4, "d1", "h"), (4, "x1", "h"),  # a new row joined it
        (5, "e1", "h"),  # one of its two e1 rows left
        (6, "m1", "h"),  # a new master
    ]
    assert _untouched(now) == {"A"}
    assert _untouched([(5, "e1", "h"), (5, "e1", "h")]) == {"E"}


def test_a_master_sharing_a_row_identity_with_another_is_touched():
    """Master ids follow row identities (lifecycle/ids.py): a cluster keeps its master's id
    without the ids being assigned again only when no other cluster or master holds one
    of its identities."""
    # E's two e1 rows as they were, and a new row with the same record id in another cluster
    assert _untouched([(5, "e1", "h"), (5, "e1", "h"), (7, "e1", "new")]) == set()
    # a1 was in A and in F before; A's rows are the same, but F competes for the id
    before = pd.concat([BEFORE, pd.DataFrame({"master_id": ["F"], "row_identity": ["a1"], "row_hash": ["g"]})])
    assert _untouched([(1, "a1", "h"), (1, "a2", "h"), (2, "b1", "h")], before) == {"B"}
    # two clusters, each exactly one master: both untouched
    assert _untouched([(1, "a1", "h"), (1, "a2", "h"), (2, "b1", "h")]) == {"A", "B"}


def test_a_state_without_fingerprints_touches_every_master():
    now = [(1, "a1", "h"), (1, "a2", "h")]
    assert _untouched(now, BEFORE.drop(columns="row_hash")) == set()
    assert _untouched(now, BEFORE.iloc[:0]) == set()


def test_the_fingerprint_covers_every_column_and_tells_null_from_text():
    con = working_connection()
    rows = pd.DataFrame({"name": ["x", "x", "x", None, "NULL"], "city": ["a", "a", "b", "a", "a"]})
    hashes = con.execute(f"SELECT {row_hash_sql(['name', 'city'])} FROM rows").fetchall()
    assert hashes[0] == hashes[1]
    assert len({h for (h,) in hashes[1:]}) == 4


def test_the_fingerprint_is_the_same_in_another_process():
    """A nightly run compares its rows' fingerprints with those the last run, another
    process, stored: a hash seeded per process would touch every master every night."""
    query = f"SELECT {row_hash_sql(['name', 'city'])} FROM (VALUES ('深圳致思', NULL), ('x', 'a')) t(name, city)"
    here = [h for (h,) in working_connection().execute(query).fetchall()]
    script = ("import duckdb, sys; print('\\n'.join(h for (h,) in duckdb.connect().execute(sys.argv[1]).fetchall()))")
    there = subprocess.run([sys.executable, "-c", script, query], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout.split()
    assert there == here and len(set(here)) == 2


def test_master_ids_assigned_to_the_touched_clusters_only_are_a_full_assignment():
    """survive._master_ids gives the untouched clusters their masters' ids and assigns the
    others with assign_master_ids: the same ids, retirements, splits and order as assigning
    every cluster (a merge, a split, a new cluster, a leaving row and carried clusters)."""
    before = pd.DataFrame({
        "master_id": ["A", "A", "B", "C", "C", "C", "D", "E", "G", "G"],
        "row_identity": ["a1", "a2", "b1", "c1", "c2", "c3", "d1", "e1", "g1", "g2"],
        "row_hash": ["h"] * 10})
    masters = pd.DataFrame({"master_id": list("ABCDEG"), "created_run": ["r0"] * 6, "created_seq": [1, 1, 2, 2, 3, 1]})
    now = [  # cluster, row identity, hash, lineage key (the row's place)
        ("k1", "a1", "h", "s|f|x|01"), ("k1", "a2", "h", "s|f|x|02"),  # A, untouched
        ("k2", "b1", "h", "s|f|x|03"), ("k2", "d1", "h", "s|f|x|04"),  # B and D merge
        ("k3", "c1", "h", "s|f|x|05"), ("k4", "c2", "h", "s|f|x|06"), ("k4", "c3", "h", "s|f|x|07"),  # C splits
        ("k5", "n1", "h", "s|f|x|00"),  # a new customer, first in inbox order
        ("k6", "g1", "h", "s|f|x|08"), ("k6", "g2", "h", "s|f|x|09"),  # G, untouched; E's row left
    ]
    con = working_connection()
    con.register("members_", pd.DataFrame(now, columns=["cluster", "row_identity", "row_hash", "lineage_key"]))
    con.execute("CREATE TEMP TABLE members AS SELECT * FROM members_")
    con.register("previous_xref", before)
    carried = untouched_clusters(con, "members", "previous_xref")
    assert dict(zip(carried.cluster, carried.master_id)) == {"k1": "A", "k6": "G"}
    con.execute("CREATE TEMP TABLE carried_ AS SELECT cluster, master_id FROM carried")
    state = MasterState(xref=before, masters=masters, id_history=pd.DataFrame(columns=HISTORY_COLUMNS),
                        customers_history=pd.DataFrame(), change_log=pd.DataFrame())
    touched_only = _master_ids(con, state, carried, "r1")
    every = assign_master_ids(con.execute("SELECT cluster, row_identity, lineage_key FROM members").df(), before,
                              masters, state.used_ids, "r1")
    pd.testing.assert_frame_equal(touched_only.ids, every.ids)
    pd.testing.assert_frame_equal(touched_only.retired, every.retired)
    pd.testing.assert_frame_equal(touched_only.splits.sort_values("master_id", ignore_index=True),
                                  every.splits.sort_values("master_id", ignore_index=True))
    assert (touched_only.kept, touched_only.created) == (every.kept, every.created) == (4, 2)
