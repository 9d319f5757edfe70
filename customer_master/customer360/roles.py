"""Customer roles: what a master is to the company. A source row says what its
sheet implies (`roles` in sources.yaml, per source or per file: finance's
receivables list makes debtors, the distributor list distributors); a master
holds every role one of its rows gives it, with those rows as the evidence."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from customer_master.sources import SOURCES_JOINED_BY
from customer_master.working_db import register_source, working_connection

ROLE_COLUMNS = ["master_id", "role", "row_count", "sources", "first_seen_in", "evidence"]
EVIDENCE_ROWS = 20  # source rows listed per role in `evidence` (row_count counts them all)


def customer_roles(rows: pd.DataFrame | Path, xref: pd.DataFrame | Path) -> pd.DataFrame:
    """rows: ingested customer rows (row_key, lineage, roles as comma-separated text);
    xref: row_key, master_id; each a frame or its staged Parquet file (read in DuckDB,
    only these columns: the ingested rows hold every raw cell). One row per master and role."""
    con = working_connection()
    register_source(con, "source_rows", rows, ["row_key", "source", "file", "sheet", "row_number", "roles"])
    register_source(con, "xref", xref, ["row_key", "master_id"])
    return con.execute(f"""
        WITH role_rows AS (
            SELECT x.master_id, unnest(string_split(r.roles, ',')) AS role, r.*
            FROM source_rows r JOIN xref x USING (row_key) WHERE coalesce(r.roles, '') <> ''
        )
        SELECT master_id, role, count(*) AS row_count,
               string_agg(DISTINCT source, '{SOURCES_JOINED_BY}' ORDER BY source) AS sources,
               arg_min(file || CASE WHEN sheet <> '' THEN ' / ' || sheet ELSE '' END
                       || ' row ' || row_number, row_key) AS first_seen_in,
               -- the first rows by row_key, in that order: min_by keeps only them, where a list
               -- of every row sorted and then cut took twice the time
               to_json(min_by({{'source': source, 'file': file, 'sheet': sheet, 'row_number': row_number}},
                              row_key, {EVIDENCE_ROWS}))::VARCHAR AS evidence
        FROM role_rows GROUP BY master_id, role ORDER BY master_id, role""").df()[ROLE_COLUMNS]
