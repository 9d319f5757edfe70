"""Which masters a run touched: the one definition that lets a nightly run build
again only what changed (survivorship here; the customer 360 steps may ask the same).

Each accepted row gets a fingerprint (`row_hash`): a hash of everything about it
that survivorship reads (its cells, its lineage, the date its file stands in for
it) together with SURVIVE_CODE_KEY, a hash of the code that turns rows into golden
records. The state a run leaves keeps each row's fingerprint beside its master
(lifecycle/state.py, `xref.row_hash`).

A cluster of this run is untouched when it is exactly a master of the last run:
it holds the same row identities as that master held, each with the same
fingerprint. Everything else is touched: a new or changed row, a row that left or
joined (a steward's decision that moved a row shows up here, as the membership it
changed), a master whose rows were re-read with another file date, and every master
when the survivorship code or a library it leans on changed (every fingerprint
differs then), when the last run left no fingerprints, or on a full run.

Whatever depends only on a master's rows (its golden values, field values and
lineage, its version in the history) is the same for an untouched master as the
last run left it, and can be carried from there."""

from __future__ import annotations

import hashlib
import importlib.metadata
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

_PACKAGE = Path(__file__).resolve().parent.parent
# the code that decides a golden record from its rows
SURVIVE_CODE = [_PACKAGE / "survive.py", _PACKAGE / "lifecycle" / "ids.py", _PACKAGE / "lifecycle" / "touched.py",
                _PACKAGE / "sources.py"]


@lru_cache(maxsize=1)
def survive_code_key() -> str:
    digest = hashlib.sha256(importlib.metadata.version("duckdb").encode())
    for path in SURVIVE_CODE:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def row_hash_sql(columns: list[str]) -> str:
    """SQL for a row's fingerprint over `columns` (and the code key): DuckDB's 64-bit
    hash of the row's values as one struct, which tells NULL from text. It is computed
    for every row of every run, and md5 over the row's JSON took five times as long
    (1.9 s against 0.35 s for the 121k rows of a 200k inbox, on a loaded machine). The
    hash may differ between DuckDB versions; the code key holds the version, so a new
    one touches every master, as it should."""
    fields = ", ".join(f"{c} := {c}" for c in columns)
    return f"'{survive_code_key()}:' || hash(struct_pack({fields}))::VARCHAR"


def untouched_clusters(con: duckdb.DuckDBPyConnection, members: str, previous: str) -> pd.DataFrame:
    """cluster, master_id of this run's clusters that are exactly a master of the last
    run, row for row. `members`: a table of `con` with cluster, row_identity and
    row_hash of this run's rows. `previous`: one of `con` with the last run's xref
    state (master_id, row_identity, row_hash); without row_hash (an earlier version's
    state) nothing is untouched.

    Such a cluster keeps its master's id (lifecycle/ids.py) when no identity of its
    rows is in another cluster now or was in another master then: ids follow row
    identities, so only then does nothing else compete for the id, and the master ids
    need to be assigned to the touched clusters only. A cluster sharing an identity
    (a record id given twice, its rows apart) counts as touched."""
    columns = {c for (c,) in con.execute(f"SELECT column_name FROM (DESCRIBE {previous})").fetchall()}
    if "row_hash" not in columns or not con.execute(
            f"SELECT count(*) FILTER (WHERE row_hash IS NOT NULL) > 0 FROM {previous}").fetchall()[0][0]:
        return pd.DataFrame({"cluster": pd.Series(dtype="int64"), "master_id": pd.Series(dtype=str)})
    # a row identity may repeat (a sheet with a record id twice): rows compared as counts per key
    return con.execute(f"""
        WITH now_ AS (
            SELECT cluster, row_identity, row_hash, count(*) AS n FROM {members} GROUP BY ALL
        ), before_ AS (
            SELECT master_id, row_identity, row_hash, count(*) AS n FROM {previous} GROUP BY ALL
        ), shared_ AS (
            SELECT row_identity FROM {members} GROUP BY ALL HAVING count(DISTINCT cluster) > 1
            UNION SELECT row_identity FROM {previous} GROUP BY ALL HAVING count(DISTINCT master_id) > 1
        ), clusters_ AS (
            SELECT n.cluster, min(b.master_id) AS master_id, count(DISTINCT b.master_id) AS masters,
                   count(*) AS keys, count(*) FILTER (WHERE b.n = n.n) AS same_keys,
                   count(*) FILTER (WHERE n.row_identity IN (SELECT row_identity FROM shared_)) AS shared
            FROM now_ n LEFT JOIN before_ b USING (row_identity, row_hash)
            GROUP BY n.cluster
        )
        SELECT c.cluster, c.master_id
        FROM clusters_ c JOIN (SELECT master_id, count(*) AS keys FROM before_ GROUP BY ALL) b USING (master_id)
        WHERE c.masters = 1 AND c.keys = c.same_keys AND c.keys = b.keys AND c.shared = 0
        ORDER BY c.master_id""").df()
