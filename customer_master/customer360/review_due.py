"""Stale-record reminders: masters a steward should look at, and what to check.

A master is due when one of its key fields (ReviewDueRules.key_fields) has a
golden value that no source row confirmed within `confirm_within_days` before
as_of (a row confirms a value when it holds it; its date is its `updated_at`,
else its file's date: the same recency survivorship uses), or when one of its
rows carries an open field issue (a value that failed validation)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from customer_master.customer360.dates import as_dates
from customer_master.settings import ReviewDueRules
from customer_master.working_db import register_source, working_connection

REVIEW_DUE_COLUMNS = ["master_id", "customer_type", "name", "reasons", "stale_fields", "oldest_confirmation",
                      "open_issues", "what_to_check", "as_of"]


def review_due(customers: pd.DataFrame | Path, rows: pd.DataFrame | Path, xref: pd.DataFrame | Path,
               field_issues: pd.DataFrame, file_dates: pd.DataFrame, rules: ReviewDueRules,
               as_of: dt.date) -> pd.DataFrame:
    """customers: golden records; rows: standardised customer rows; xref: row_key,
    master_id (customers, rows and xref: frames or their staged Parquet files, read in
    DuckDB, only the columns the query names); field_issues: quality.field_issues with
    row_key; file_dates: file, modified_at."""
    con = working_connection()
    register_source(con, "source_rows", rows)
    register_source(con, "xref", xref, ["row_key", "master_id"])
    register_source(con, "customers", customers)
    columns = {c for c, *_ in con.execute("DESCRIBE source_rows").fetchall()}
    golden_columns = {c for c, *_ in con.execute("DESCRIBE customers").fetchall()}
    fields = [f for f in rules.key_fields if f in golden_columns and f in columns]
    con.register("issues", field_issues[["row_key", "file", "sheet", "row_number", "field", "value", "issue"]])
    con.register("file_dates", file_dates[["file", "modified_at"]])
    casts = ", ".join(f"{f}::VARCHAR AS {f}" for f in fields)
    on = ", ".join(fields)
    due = con.execute(f"""
        WITH golden AS (
            UNPIVOT (SELECT master_id, {casts} FROM customers) ON {on} INTO NAME field VALUE value
        ), held AS (
            UNPIVOT (SELECT x.master_id, r.source, coalesce(r.updated_at::DATE, f.modified_at::DATE) AS confirmed,
                            {", ".join(f"r.{f}::VARCHAR AS {f}" for f in fields)}
                     FROM source_rows r JOIN xref x USING (row_key) LEFT JOIN file_dates f USING (file))
            ON {on} INTO NAME field VALUE value
        ), confirmation AS (
            SELECT g.master_id, g.field, g.value, max(h.confirmed) AS confirmed,
                   arg_max(h.source, h.confirmed) AS confirmed_by
            FROM golden g LEFT JOIN held h USING (master_id, field, value) GROUP BY ALL
        ), stale AS (
            SELECT master_id, list(field ORDER BY field) AS stale_fields, min(confirmed) AS oldest_confirmation,
                   string_agg(field || ' ' || value || ' last confirmed '
                              || coalesce(confirmed::VARCHAR || ' (' || confirmed_by || ')', 'never'),
                              '; ' ORDER BY field) AS stale_text
            FROM confirmation
            WHERE confirmed IS NULL OR confirmed < $as_of - INTERVAL {int(rules.confirm_within_days)} DAY
            GROUP BY 1
        ), open_issues AS (
            SELECT x.master_id, count(*) AS open_issues,
                   string_agg(i.field || ' ''' || i.value || ''' in ' || i.file
                              || CASE WHEN i.sheet <> '' THEN ' / ' || i.sheet ELSE '' END
                              || ' row ' || i.row_number || ': ' || i.issue, '; '
                              ORDER BY i.file, i.sheet, i.row_number, i.field) AS issue_text
            FROM issues i JOIN xref x USING (row_key) GROUP BY 1
        )
        SELECT c.master_id, c.customer_type, c.name,
               list_filter([CASE WHEN s.master_id IS NOT NULL THEN 'stale' END,
                            CASE WHEN o.master_id IS NOT NULL THEN 'field issue' END], lambda x: x IS NOT NULL) AS reasons,
               coalesce(s.stale_fields, []) AS stale_fields, s.oldest_confirmation,
               coalesce(o.open_issues, 0) AS open_issues,
               concat_ws('; ', s.stale_text, o.issue_text) AS what_to_check, $as_of AS as_of
        FROM customers c LEFT JOIN stale s USING (master_id) LEFT JOIN open_issues o USING (master_id)
        WHERE s.master_id IS NOT NULL OR o.master_id IS NOT NULL
        ORDER BY c.master_id""", {"as_of": as_of}).df()[REVIEW_DUE_COLUMNS]
    return as_dates(due, ["oldest_confirmation", "as_of"])
