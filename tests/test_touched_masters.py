"""Which masters a run touched (customer_master/lifecycle/touched.py): a cluster is
untouched only when it holds exactly the rows its master held, each unchanged."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd

from customer_master.lifecycle.touched import row_hash_sql, untouched_clusters
from customer_master.working_db import working_connection

BEFORE = pd.DataFrame({  # the last run's xref state
    "master_id": ["A", "A", "B", "C", "C", "D", "E", "E"],
    "row_identity": ["a1", "a2", "b1", "c1", "c2", "d1", "e1", "e1"],  # e1 twice: a record id given twice
    "row_hash": ["h", "h", "h", "h", "h", "h", "h", "h"],
})


def _untouched(now: list[tuple[int, str, str, str]], before: pd.DataFrame = BEFORE) -> set[str]:
    con = working_connection()
    con.register("now_", pd.DataFrame(now, columns=["cluster", "master_id", "row_identity", "row_hash"]))
    return set(untouched_clusters(con, "now_", before)["master_id"])


def test_only_a_master_with_the_same_rows_unchanged_is_untouched():
    now = [
        (1, "A", "a1", "h"), (1, "A", "a2", "h"),  # the same rows: untouched
        (2, "B", "b1", "changed"),  # its row changed
        (3, "C", "c1", "h"),  # c2 left it
        (4, "D", "d1", "h"), (4, "D", "x1", "h"),  # a new row joined it
        (5, "E", "e1", "h"),  # one of its two e1 rows left
        (6, "M", "m1", "h"),  # a new master
    ]
    assert _untouched(now) == {"A"}
    assert _untouched([(5, "E", "e1", "h"), (5, "E", "e1", "h")]) == {"E"}


def test_a_state_without_fingerprints_touches_every_master():
    now = [(1, "A", "a1", "h"), (1, "A", "a2", "h")]
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
