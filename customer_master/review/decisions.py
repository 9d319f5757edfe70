"""A steward's decisions on pairs of source rows, kept across runs.

A decision names its rows by their identity (see lifecycle/ids.py), so it
survives re-exports and retraining: 'match' merges two rows, 'no match' keeps
them apart whatever the model says, 'detach' takes one row out of its master.
The latest decision on a pair wins. Decisions whose rows are no longer in the
inbox are reported, never silently dropped."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from customer_master.lifecycle.ids import ROW_IDENTITY_SQL
from customer_master.owner_only import private_folder, write_private
from customer_master.warehouse.layout import layout

PAIR_DECISIONS = ("match", "no match")  # about two rows; what a review workbook holds
DECISIONS = (*PAIR_DECISIONS, "detach")  # detach: about one row
# Match probabilities whose pairs go to the stewards unless the run config says otherwise.
DEFAULT_BAND = (0.5, 0.99)
DECISION_COLUMNS = ["row_identity_l", "row_identity_r", "decision", "decided_by", "decided_at", "workbook"]


def decisions_path(warehouse: Path) -> Path:
    return layout(warehouse).decisions


def load_decisions(warehouse: Path) -> pd.DataFrame:
    path = decisions_path(warehouse)
    return pd.read_parquet(path) if path.exists() else pd.DataFrame(columns=DECISION_COLUMNS)


def decision_problem(row_identity_l: str | None, row_identity_r: str | None, decision: str) -> str | None:
    """Why a decision cannot be stored (None: it can). A decision whose rows are not
    named would be stored and then never apply to any row, without a word."""
    if decision not in DECISIONS:
        return f"'{decision}' is not one of {' / '.join(DECISIONS)}"
    if decision == "detach":
        return None if _given(row_identity_l) else "a detach names no row (row_identity_l is empty)"
    empty = [name for name, value in (("row_identity_l", row_identity_l), ("row_identity_r", row_identity_r))
             if not _given(value)]
    if empty:
        return (f"'{decision}' needs both rows' ids, and {' and '.join(empty)} "
                f"{'is' if len(empty) == 1 else 'are'} empty")
    return None


def _given(value) -> bool:
    return value is not None and not pd.isna(value) and bool(str(value).strip())


def add_decisions(warehouse: Path, new: pd.DataFrame) -> int:
    """Store `new` (DECISION_COLUMNS) beside the earlier decisions; ValueError, and
    nothing stored, when one of them cannot be (decision_problem)."""
    problems = [problem for l, r, d in new[["row_identity_l", "row_identity_r", "decision"]].itertuples(index=False)
                if (problem := decision_problem(l, r, d))]
    if problems:
        raise ValueError("; ".join(sorted(set(problems))))
    from customer_master.warehouse.lock import run_lock

    with run_lock(warehouse, what="review"):  # never beside a run (a run holds it already: re-entrant)
        frames = [f for f in (load_decisions(warehouse), new[DECISION_COLUMNS]) if not f.empty]
        combined = pd.concat(frames, ignore_index=True)
        path = decisions_path(warehouse)
        private_folder(path.parent)
        write_private(path, lambda target: combined.to_parquet(target, index=False))
    return len(new)


def resolve_decisions(decisions: pd.DataFrame, rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(row_key_l, row_key_r, decision) for this run's rows, latest decision per pair;
    and the decisions that point at rows no longer in the inbox."""
    if decisions.empty:
        return pd.DataFrame(columns=["row_key_l", "row_key_r", "decision"]), decisions.copy()
    con = duckdb.connect()
    con.register("rows_", rows)
    con.register("decisions_", decisions)
    con.execute(f"CREATE TEMP TABLE ids AS SELECT row_key, {ROW_IDENTITY_SQL} AS row_identity FROM rows_")
    latest = """SELECT * FROM decisions_ QUALIFY row_number() OVER (
                    PARTITION BY least(row_identity_l, coalesce(row_identity_r, '')),
                                 greatest(row_identity_l, coalesce(row_identity_r, ''))
                    ORDER BY decided_at DESC) = 1"""
    resolved = con.execute(f"""
        SELECT l.row_key AS row_key_l, r.row_key AS row_key_r, d.decision
        FROM ({latest}) d JOIN ids l ON l.row_identity = d.row_identity_l
        LEFT JOIN ids r ON r.row_identity = d.row_identity_r
        WHERE d.decision = 'detach' OR r.row_key IS NOT NULL""").df()
    unresolved = con.execute(f"""
        SELECT d.* FROM ({latest}) d
        WHERE d.row_identity_l NOT IN (SELECT row_identity FROM ids)
           OR (d.row_identity_r IS NOT NULL AND d.row_identity_r NOT IN (SELECT row_identity FROM ids))""").df()
    return resolved, unresolved
