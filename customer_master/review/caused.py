"""Which of a run's merges and splits a steward caused, for `meta.change_log.by_steward`.

A merge (master X retired into Y) is a steward's when a `match` decision in force
names a row X held before the run and a row Y holds now that X did not hold. A
split (master M created out of S) is a steward's when a row M holds now was in S
before and a decision in force detached it, or said `no match` between it and
another row S held before that M does not hold now."""

from __future__ import annotations

import pandas as pd

from customer_master.review.decisions import latest_decisions
from customer_master.working_db import working_connection


def mark_steward_changes(changes: pd.DataFrame, before: pd.DataFrame, now: pd.DataFrame,
                         decisions: pd.DataFrame | None) -> pd.DataFrame:
    """`changes` (this run's change_log rows) with by_steward set where a steward's
    decision caused the merge or split; before, now: master_id and row_identity of
    the previous run's masters and of this run's."""
    changes = changes.assign(by_steward=False)
    if decisions is None or decisions.empty or not changes.change.isin(["merged", "split"]).any():
        return changes
    con = working_connection()
    con.register("changes_", changes.reset_index(drop=True).assign(at_=range(len(changes))))
    con.register("decided_", latest_decisions(decisions)[["row_identity_l", "row_identity_r", "decision"]])
    con.register("before_", before[["master_id", "row_identity"]])
    con.register("now_", now[["master_id", "row_identity"]])
    marked = con.execute("""
        WITH sides AS (  -- each decision once from each of its rows' side
            SELECT row_identity_l AS row_identity, row_identity_r AS other, decision FROM decided_
            UNION ALL SELECT row_identity_r, row_identity_l, decision FROM decided_ WHERE row_identity_r IS NOT NULL
        ), merges AS (
            SELECT DISTINCT x.master_id AS master_id, y.master_id AS related_id
            FROM sides s JOIN before_ x ON x.row_identity = s.row_identity
            JOIN now_ y ON y.row_identity = s.other
            LEFT JOIN before_ held ON held.row_identity = s.other AND held.master_id = x.master_id
            WHERE s.decision = 'match' AND held.row_identity IS NULL
        ), splits AS (
            SELECT DISTINCT m.master_id, b.master_id AS related_id
            FROM sides s JOIN now_ m ON m.row_identity = s.row_identity
            JOIN before_ b ON b.row_identity = s.row_identity
            LEFT JOIN before_ ob ON ob.row_identity = s.other AND ob.master_id = b.master_id
            LEFT JOIN now_ om ON om.row_identity = s.other AND om.master_id = m.master_id
            WHERE s.decision = 'detach' OR (s.decision = 'no match' AND ob.row_identity IS NOT NULL
                                            AND om.row_identity IS NULL)
        )
        SELECT c.* REPLACE (
            (c.change = 'merged' AND EXISTS (SELECT 1 FROM merges g WHERE g.master_id = c.master_id
                                                                      AND g.related_id = c.related_id))
            OR (c.change = 'split' AND EXISTS (SELECT 1 FROM splits g WHERE g.master_id = c.master_id
                                                                        AND g.related_id = c.related_id))
            AS by_steward)
        FROM changes_ c ORDER BY at_""").df()
    return marked[list(changes.columns)]
