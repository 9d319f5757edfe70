"""`master.steward_decisions`: every decision a steward stored, as a warehouse
table (the store itself is a Parquet file the runs own, review/decisions.py), with
the masters its rows are in after the run and whether it is in force."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from customer_master.review.decisions import DECISION_COLUMNS
from customer_master.working_db import register_source, working_connection

TABLE = "master.steward_decisions"
# in force: the latest decision on its pair (or detached row) and all its rows are in this run's masters
STATUSES = ("in force", "superseded", "rows not in the inbox")


def steward_decisions_table(decisions: pd.DataFrame, xref: pd.DataFrame | Path) -> pa.Table:
    """decisions: the stored decisions (DECISION_COLUMNS); xref: this run's
    master_id and row_identity per source row (a frame, or its staged Parquet file,
    read in DuckDB). Typed columns also when there is no decision yet."""
    con = working_connection()
    con.register("decisions_", decisions[DECISION_COLUMNS].astype(object).where(decisions[DECISION_COLUMNS].notna(),
                                                                                 None))
    register_source(con, "xref_", xref, ["master_id", "row_identity"])
    return con.sql(f"""
        WITH d AS (
            SELECT row_identity_l::VARCHAR AS row_identity_l, nullif(row_identity_r::VARCHAR, '') AS row_identity_r,
                   decision::VARCHAR AS decision, decided_by::VARCHAR AS decided_by,
                   decided_at::TIMESTAMP AS decided_at, nullif(workbook::VARCHAR, '') AS workbook,
                   nullif(workbook_sha256::VARCHAR, '') AS workbook_sha256, imported_by::VARCHAR AS imported_by,
                   imported_from::VARCHAR AS imported_from, imported_at::TIMESTAMP AS imported_at,
                   row_number() OVER (PARTITION BY least(row_identity_l, coalesce(row_identity_r, '')),
                                                   greatest(row_identity_l, coalesce(row_identity_r, ''))
                                      ORDER BY decided_at::TIMESTAMP DESC) = 1 AS latest
            FROM decisions_
        )
        SELECT d.decided_at, d.decided_by, d.decision, d.row_identity_l, d.row_identity_r,
               l.master_id AS master_id_l, r.master_id AS master_id_r,
               CASE WHEN l.master_id IS NULL OR (d.row_identity_r IS NOT NULL AND r.master_id IS NULL)
                    THEN '{STATUSES[2]}' WHEN d.latest THEN '{STATUSES[0]}' ELSE '{STATUSES[1]}' END AS status,
               d.workbook, d.workbook_sha256, d.imported_by, d.imported_from, d.imported_at
        FROM d LEFT JOIN xref_ l ON l.row_identity = d.row_identity_l
        LEFT JOIN xref_ r ON r.row_identity = d.row_identity_r
        ORDER BY d.decided_at, d.row_identity_l, d.row_identity_r""").to_arrow_table()
