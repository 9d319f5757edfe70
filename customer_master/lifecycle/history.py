"""Golden-record history: every version of every master (valid from / valid to /
run) and, per run, what was created, updated (which fields), merged, split and
retired. Answers "what did we know about this customer on 1 March, and why did
it change?"."""

from __future__ import annotations

import pandas as pd
from customer_master.working_db import working_connection

VERSION_KEY = ["master_id", "valid_from", "valid_to", "run_id"]
# by_steward: a steward's decision caused the merge or split (review/caused.py)
CHANGE_COLUMNS = ["run_id", "changed_at", "master_id", "change", "fields", "related_id", "by_steward"]


def record_history(customers: pd.DataFrame, fields: list[str], history: pd.DataFrame, retired: pd.DataFrame,
                   splits: pd.DataFrame, run_id: str, now: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """New (history, change_log rows of this run).
    history: the versions so far (VERSION_KEY + fields); customers: this run's golden records;
    retired: retired_id, replaced_by, reason; splits: master_id, split_from."""
    con = working_connection()
    current = customers[["master_id", *fields]].astype({f: "string" for f in fields})
    if history.empty:
        history = pd.DataFrame(columns=[*VERSION_KEY, *fields])
    # the open versions of this run's masters only: a nightly run's are a few of all (carried masters have none here)
    open_versions = history.loc[history["valid_to"].isna() & history["master_id"].isin(current["master_id"]),
                                ["master_id", *fields]].astype({f: "string" for f in fields})
    con.register("now_", current)
    con.register("before_", open_versions)
    differs = " OR ".join(f"n.{f} IS DISTINCT FROM b.{f}" for f in fields)
    changed_fields = "list_filter([" + ", ".join(
        f"CASE WHEN n.{f} IS DISTINCT FROM b.{f} THEN '{f}' END" for f in fields) + "], lambda x: x IS NOT NULL)"
    con.register("splits_", splits[["master_id", "split_from"]])
    con.register("retired_", retired[["retired_id", "replaced_by", "reason"]])
    changes = con.execute(f"""
        SELECT n.master_id, CASE WHEN b.master_id IS NULL THEN 'created' ELSE 'updated' END AS change,
               CASE WHEN b.master_id IS NULL THEN [] ELSE {changed_fields} END AS fields
        FROM now_ n LEFT JOIN before_ b USING (master_id)
        WHERE b.master_id IS NULL OR {differs}""").df()
    con.register("changes_", changes)
    change_log = con.execute("""
        SELECT ? AS run_id, ?::TIMESTAMP AS changed_at, c.master_id,
               CASE WHEN c.change = 'created' AND s.split_from IS NOT NULL THEN 'split' ELSE c.change END AS change,
               to_json(c.fields)::VARCHAR AS fields, s.split_from AS related_id, false AS by_steward
        FROM changes_ c LEFT JOIN splits_ s USING (master_id)
        UNION ALL
        SELECT ?, ?::TIMESTAMP, retired_id, CASE WHEN reason = 'merged' THEN 'merged' ELSE 'retired' END,
               '[]', replaced_by, false
        FROM retired_
        ORDER BY master_id""", [run_id, now, run_id, now]).df()[CHANGE_COLUMNS]

    closing = set(changes.loc[changes.change == "updated", "master_id"]) | set(retired["retired_id"])
    history = history.copy()
    history.loc[history["master_id"].isin(closing) & history["valid_to"].isna(), "valid_to"] = now
    new_versions = customers[customers["master_id"].isin(set(changes["master_id"]))][["master_id", *fields]]
    new_versions = new_versions.assign(valid_from=now, valid_to=pd.NaT, run_id=run_id)
    return append_rows(history, new_versions[[*VERSION_KEY, *fields]]), change_log


def append_rows(before: pd.DataFrame, added: pd.DataFrame) -> pd.DataFrame:
    """before + added; an empty side is left out so it cannot decide the column types."""
    frames = [f for f in (before, added) if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else added.copy()
