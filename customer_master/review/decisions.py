"""A steward's decisions on pairs of source rows, kept across runs.

A decision names its rows by their identity (see lifecycle/ids.py), so it
survives re-exports and retraining: 'match' merges two rows, 'no match' keeps
them apart whatever the model says, 'detach' takes one row out of its master.
The latest decision on a pair wins. Decisions whose rows are no longer in the
inbox are reported, never silently dropped.

Beside who decided (`decided_by`: the reviewer the importer declared, or the
workbook's last author) each decision keeps who stored it: the importer's OS user
and host and the time (warehouse/origin.py), and the SHA-256 of the workbook it
came from, so that a workbook imported twice stores its decisions once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from customer_master.lifecycle.ids import ROW_IDENTITY_SQL
from customer_master.owner_only import private_folder, write_private
from customer_master.warehouse.layout import layout
from customer_master.warehouse.origin import importer
from customer_master.working_db import working_connection

PAIR_DECISIONS = ("match", "no match")  # about two rows; what a review workbook holds
DECISIONS = (*PAIR_DECISIONS, "detach")  # detach: about one row
# Match probabilities whose pairs go to the stewards unless the run config says otherwise.
DEFAULT_BAND = (0.5, 0.99)
DECISION_COLUMNS = ["row_identity_l", "row_identity_r", "decision", "decided_by", "decided_at", "workbook",
                    "workbook_sha256", "imported_by", "imported_from", "imported_at"]
# a decision already stored from the same workbook (same bytes) is not stored again
SAME_DECISION = ["row_identity_l", "row_identity_r", "decision", "workbook_sha256"]


def decisions_path(warehouse: Path) -> Path:
    return layout(warehouse).decisions


def load_decisions(warehouse: Path) -> pd.DataFrame:
    """The stored decisions; those stored by an earlier version have no importer (NULL)."""
    path = decisions_path(warehouse)
    if not path.exists():
        return pd.DataFrame(columns=DECISION_COLUMNS)
    frame = pd.read_parquet(path)
    for column in DECISION_COLUMNS:
        if column not in frame:
            frame[column] = pd.NaT if column == "imported_at" else None
    return frame


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


@dataclass(frozen=True)
class Stored:
    stored: int  # decisions stored now
    already: int = 0  # decisions of the same workbook stored by an earlier import


def add_decisions(warehouse: Path, new: pd.DataFrame) -> Stored:
    """Store `new` (DECISION_COLUMNS; the importer's columns are filled in when
    missing) beside the earlier decisions, less those stored before from the same
    workbook; ValueError, and nothing stored, when one of them cannot be (decision_problem)."""
    problems = [problem for l, r, d in new[["row_identity_l", "row_identity_r", "decision"]].itertuples(index=False)
                if (problem := decision_problem(l, r, d))]
    if problems:
        raise ValueError("; ".join(sorted(set(problems))))
    from customer_master.warehouse.lock import run_lock

    new = new.reset_index(drop=True).assign(**{k: v for k, v in importer().items() if k not in new})
    if "workbook_sha256" not in new:
        new = new.assign(workbook_sha256=None)
    new["imported_at"] = pd.to_datetime(new["imported_at"]).astype("datetime64[ns]")  # the stored decisions' unit
    with run_lock(warehouse, what="review"):  # never beside a run (a run holds it already: re-entrant)
        earlier = load_decisions(warehouse)
        seen = _fingerprinted(earlier)[SAME_DECISION].drop_duplicates()
        already = list(_fingerprinted(new).merge(seen, on=SAME_DECISION)["index"]) if not seen.empty else []
        fresh = new[DECISION_COLUMNS].drop(index=already)
        if not fresh.empty:
            combined = pd.concat([f for f in (earlier, fresh) if not f.empty], ignore_index=True)
            path = decisions_path(warehouse)
            private_folder(path.parent)
            write_private(path, lambda target: combined.to_parquet(target, index=False))
    return Stored(len(fresh), len(already))


def _fingerprinted(decisions: pd.DataFrame) -> pd.DataFrame:
    """The decisions that came from a workbook (a detach from the command line has none),
    keeping their index; the right rows' id empty for a detach compares equal."""
    rows = decisions[decisions.workbook_sha256.notna() & (decisions.workbook_sha256.astype(str) != "")]
    return rows[SAME_DECISION].fillna("").reset_index()


def resolve_decisions(decisions: pd.DataFrame, rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(row_key_l, row_key_r, decision) for this run's rows, latest decision per pair;
    and the decisions that point at rows no longer in the inbox."""
    if decisions.empty:
        return pd.DataFrame(columns=["row_key_l", "row_key_r", "decision"]), decisions.copy()
    con = working_connection()
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
