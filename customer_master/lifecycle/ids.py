"""Stable master ids: this run's clusters take the ids of the previous run's
masters through the source rows they share.

A source row is known by its identity: its source and its record id where the
sheet has one (客户编号, Customer ID …), so a re-exported sheet with its rows in
another order keeps its ids; else its source, file, sheet and row number.

Rules, in this order:
- masters are served oldest first; each takes the cluster that holds most of
  its rows, unless an older master took that cluster already, then the next;
  so when two masters merge the older id survives, and when one splits the
  largest part keeps the id;
- a master left without a cluster is retired, replaced by the master that now
  holds most of its rows (or by nothing when its rows left the inbox);
- a cluster left without a master gets a new id, derived from its first row and
  never one that was ever used before."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
from customer_master.working_db import working_connection

HISTORY_COLUMNS = ["retired_id", "replaced_by", "reason", "run_id"]


@dataclass
class IdAssignment:
    ids: pd.DataFrame  # cluster, master_id, created_run
    retired: pd.DataFrame  # HISTORY_COLUMNS, this run's retirements
    splits: pd.DataFrame  # master_id (new), split_from (the old master most of its rows came from)
    kept: int
    created: int


# A row's identity (SQL over the standardised rows): its record id where the sheet
# has one, else its position.
ROW_IDENTITY_SQL = ("source || coalesce('|id:' || source_record_id, "
                    "'|row:' || file || '|' || sheet || '|' || row_number::VARCHAR)")
# A row's place as text that sorts in inbox order (SQL over the standardised rows): a
# new cluster's id derives from its first row by this key.
LINEAGE_KEY_SQL = "source || '|' || file || '|' || sheet || '|' || lpad(row_number::VARCHAR, 9, '0')"


def assign_master_ids(members: pd.DataFrame, previous: pd.DataFrame, masters: pd.DataFrame,
                      used_ids: set[str], run_id: str, prefix: str = "M") -> IdAssignment:
    """members: cluster, row_identity, lineage_key (one per accepted row of this run).
    previous: master_id, row_identity (the last run's xref).
    masters: master_id, created_run, created_seq (the last run's masters, with age).
    prefix: the new ids' first letter (contacts use the same rules with "C")."""
    con = working_connection()
    con.register("members", members[["cluster", "row_identity", "lineage_key"]])
    con.register("previous", previous[["master_id", "row_identity"]])
    con.register("masters", masters[["master_id", "created_seq"]])
    overlaps = con.execute("""
        SELECT p.master_id, m.cluster, count(*) AS shared, any_value(o.created_seq) AS age
        FROM members m JOIN previous p USING (row_identity) JOIN masters o USING (master_id)
        GROUP BY ALL ORDER BY age, p.master_id, shared DESC, m.cluster""").fetchall()
    taken: dict[str, str] = {}  # cluster -> master id
    placed: set[str] = set()
    best_home: dict[str, str] = {}  # old master -> cluster holding most of its rows
    for master_id, cluster, _, _ in overlaps:  # oldest master first, its largest part first
        best_home.setdefault(master_id, cluster)
        if master_id in placed or cluster in taken:
            continue
        taken[cluster] = master_id
        placed.add(master_id)

    firsts = con.execute("SELECT cluster, min(lineage_key) FROM members GROUP BY 1 ORDER BY 2").fetchall()
    known = set(used_ids) | set(masters["master_id"])
    ids, created = [], 0
    created_run = dict(zip(masters["master_id"], masters["created_run"]))
    for cluster, first_row in firsts:
        if cluster in taken:
            ids.append((cluster, taken[cluster], created_run.get(taken[cluster], run_id)))
            continue
        new_id = _new_id(first_row, known, prefix)
        known.add(new_id)
        ids.append((cluster, new_id, run_id))
        created += 1
    id_of = {cluster: master_id for cluster, master_id, _ in ids}

    retired = []
    for master_id in masters["master_id"]:
        if master_id in placed:
            continue
        home = best_home.get(master_id)
        replaced_by = id_of.get(home) if home else None
        reason = "merged" if replaced_by else "no rows left"
        retired.append((master_id, replaced_by, reason, run_id))
    ids_frame = pd.DataFrame(ids, columns=["cluster", "master_id", "created_run"])
    con.register("ids_frame", ids_frame)
    con.register("overlap_rows", pd.DataFrame(overlaps, columns=["old_id", "cluster", "shared", "age"]))
    splits = con.execute("""
        SELECT i.master_id, arg_max(o.old_id, o.shared) AS split_from
        FROM ids_frame i JOIN overlap_rows o USING (cluster) WHERE i.created_run = ?
        GROUP BY i.master_id""", [run_id]).df()
    return IdAssignment(
        ids=ids_frame, splits=splits, retired=pd.DataFrame(retired, columns=HISTORY_COLUMNS),
        kept=len(placed), created=created)


def _new_id(first_row: str, known: set[str], prefix: str = "M") -> str:
    """'M' + 16 hex of the first row's lineage; a clash with any id ever used
    (two runs, the same first row, another customer) salts the hash."""
    salt = 0
    while True:
        text = first_row if salt == 0 else f"{first_row}#{salt}"
        text = text if prefix == "M" else f"{prefix}:{text}"
        candidate = prefix + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        if candidate not in known:
            return candidate
        salt += 1
