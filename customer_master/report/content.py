"""What the data-quality report shows, read from one published warehouse with SQL:
the run's summary and the runs before it, per department the rows accepted and
quarantined with their row references, the field issues, the masters that
changed, the review backlog, and the models and match probabilities the charts
are drawn from. Long lists are cut to `limit` rows; the counts are always whole."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from customer_master.warehouse.published import read_published

TABLES = ("meta.runs", "meta.change_log", "meta.files", "master.customers", "master.xref", "master.models",
          "master.match_pairs", "quality.rejected", "quality.rejected_files", "quality.field_issues",
          "quality.review_due")
SUMMARY_FIELDS = ["started_at", "finished_at", "launched_by", "started_by", "match_threshold", "files_read",
                  "files_rejected", "sheets_rejected", "rows_ingested", "rows_accepted", "rows_rejected",
                  "activity_rows", "field_issues", "master_customers", "company_masters", "person_masters",
                  "duplicates_merged", "master_ids_kept", "master_ids_created", "master_ids_retired", "review_due"]
TREND_FIELDS = ["master_customers", "rows_rejected", "field_issues", "review_due"]
HISTOGRAM_BIN = 0.02  # match probabilities per 2 %


@dataclass
class Department:
    source: str
    accepted: int
    quarantined: int
    field_issue_count: int
    rejected: pd.DataFrame        # file, sheet, row_number, reason, cells (as "header: value; ...")
    field_issues: pd.DataFrame    # file, sheet, row_number, field, value, issue
    rejected_files: pd.DataFrame  # file, sheet, reason


@dataclass
class ReportContent:
    run_id: str
    run: dict                      # the run's meta.runs row
    history: pd.DataFrame          # the runs up to this one: run_id, started_at and TREND_FIELDS
    departments: list[Department]
    changes_by_kind: pd.DataFrame  # change, count
    changes: pd.DataFrame          # master_id, change, customer_type, name, fields, related_id
    changes_total: int
    band: tuple[float, float] | None
    pairs_in_band: pd.DataFrame    # customer_type, pairs, merged_now, not_merged
    closest_pairs: pd.DataFrame    # match_probability, merged_now, row_a, row_b
    due_by_reason: pd.DataFrame    # reason, count
    due: pd.DataFrame              # master_id, customer_type, name, what_to_check
    due_total: int
    unresolved_decisions: int
    models: dict[str, dict]        # customer type -> the trained Splink model
    probabilities: pd.DataFrame    # customer_type, bin_start, pairs


def read_content(warehouse: Path, run_id: str, department_limit: int = 500, limit: int = 200) -> ReportContent:
    """The report of run `run_id` from `warehouse`, the warehouse that run published."""
    with read_published(warehouse, TABLES) as con:
        runs = con.execute("SELECT * FROM meta.runs ORDER BY started_at").df()
        if run_id not in set(runs.run_id):
            raise ValueError(f"{warehouse} holds no run {run_id!r}")
        position = runs.index[runs.run_id == run_id][0]
        run = {k: _plain(v) for k, v in runs.loc[position].items()}
        history = runs.loc[:position, ["run_id", "started_at", *[c for c in TREND_FIELDS if c in runs]]]
        departments = [_department(con, source, department_limit) for source in _sources(con)]
        changes_by_kind = con.execute("SELECT change, count(*) AS count FROM meta.change_log WHERE run_id = ? "
                                      "GROUP BY change ORDER BY count DESC, change", [run_id]).df()
        changes = con.execute("""
            SELECT l.master_id, l.change, c.customer_type, c.name, l.fields::VARCHAR AS fields,
                   l.related_id::VARCHAR AS related_id
            FROM meta.change_log l LEFT JOIN master.customers c USING (master_id)
            WHERE l.run_id = ?
            ORDER BY l.change = 'created', l.change, l.master_id LIMIT ?""", [run_id, limit]).df()
        band, pairs_in_band, closest = _review_pairs(con, run.get("match_threshold"), limit)
        due_by_reason = con.execute("SELECT unnest(reasons) AS reason, count(*) AS count FROM quality.review_due "
                                    "GROUP BY reason ORDER BY count DESC, reason").df()
        due = con.execute("SELECT master_id, customer_type, name, what_to_check FROM quality.review_due "
                          "ORDER BY open_issues DESC, master_id LIMIT ?", [limit]).df()
        return ReportContent(
            run_id=run_id, run=run, history=history, departments=departments,
            changes_by_kind=changes_by_kind, changes=changes,
            changes_total=_count(con, "SELECT count(*) FROM meta.change_log WHERE run_id = ?", [run_id]),
            band=band, pairs_in_band=pairs_in_band, closest_pairs=closest, due_by_reason=due_by_reason, due=due,
            due_total=_count(con, "SELECT count(*) FROM quality.review_due"),
            unresolved_decisions=_unresolved(con),
            models={t: json.loads(m) for t, m in con.execute(
                "SELECT customer_type, model_json FROM master.models ORDER BY customer_type").fetchall()},
            probabilities=con.execute(f"""
                SELECT customer_type,  -- a probability of 1 in the last bin
                       least(floor(match_probability / {HISTOGRAM_BIN}), 1 / {HISTOGRAM_BIN} - 1) * {HISTOGRAM_BIN}
                           AS bin_start,
                       count(*) AS pairs
                FROM master.match_pairs GROUP BY ALL ORDER BY ALL""").df())


def _sources(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every department (inbox folder) the run saw a file of, or kept a row or a problem from."""
    return [s for (s,) in con.execute("""
        SELECT DISTINCT source FROM (
            SELECT source FROM meta.files UNION ALL SELECT source FROM master.xref
            UNION ALL SELECT source FROM quality.rejected UNION ALL SELECT source FROM quality.field_issues
            UNION ALL SELECT source FROM quality.rejected_files)
        WHERE source IS NOT NULL ORDER BY source""").fetchall()]


def _department(con: duckdb.DuckDBPyConnection, source: str, limit: int) -> Department:
    return Department(
        source=source,
        accepted=_count(con, "SELECT count(*) FROM master.xref WHERE source = ?", [source]),
        quarantined=_count(con, "SELECT count(*) FROM quality.rejected WHERE source = ?", [source]),
        field_issue_count=_count(con, "SELECT count(*) FROM quality.field_issues WHERE source = ?", [source]),
        rejected=department_rejects(con, source, limit),
        field_issues=department_field_issues(con, source, limit),
        rejected_files=con.execute("SELECT file, sheet, reason FROM quality.rejected_files WHERE source = ? "
                                   "ORDER BY file, sheet", [source]).df())


def department_rejects(con: duckdb.DuckDBPyConnection, source: str, limit: int | None = None) -> pd.DataFrame:
    """A department's quarantined rows with their place in its files and every non-empty
    original cell as "header: value; ..." (so the row can be found and fixed)."""
    return con.execute(f"""
        SELECT file, sheet, row_number, reason,
               array_to_string(list_transform(
                   list_filter(map_entries(cells::JSON::MAP(VARCHAR, VARCHAR)), lambda e: e.value IS NOT NULL),
                   lambda e: e.key || ': ' || e.value), '; ') AS cells
        FROM quality.rejected WHERE source = ? ORDER BY file, sheet, row_number
        {'' if limit is None else f'LIMIT {int(limit)}'}""", [source]).df()


def department_field_issues(con: duckdb.DuckDBPyConnection, source: str, limit: int | None = None) -> pd.DataFrame:
    return con.execute(f"""
        SELECT file, sheet, row_number, field, value::VARCHAR AS value, issue
        FROM quality.field_issues WHERE source = ? ORDER BY file, sheet, row_number, field
        {'' if limit is None else f'LIMIT {int(limit)}'}""", [source]).df()


def _review_pairs(con: duckdb.DuckDBPyConnection, threshold: float | None, limit: int):
    """The run's review band (the probabilities of master.review_candidates, its run
    config), the pairs in it per customer type, and those closest to the threshold."""
    if not _has_table(con, "master", "review_candidates"):
        return None, pd.DataFrame(columns=["customer_type", "pairs", "merged_now", "not_merged"]), \
            pd.DataFrame(columns=["match_probability", "merged_now", "row_a", "row_b"])
    low, high = con.execute("SELECT min(match_probability), max(match_probability) "
                            "FROM master.review_candidates").fetchone()
    per_type = con.execute("""
        SELECT customer_type, count(*) AS pairs, count(*) FILTER (WHERE master_id_l = master_id_r) AS merged_now,
               count(*) FILTER (WHERE master_id_l <> master_id_r) AS not_merged
        FROM master.review_candidates GROUP BY customer_type ORDER BY customer_type""").df()
    closest = con.execute("""
        SELECT match_probability, master_id_l = master_id_r AS merged_now,
               concat_ws(' / ', file_l, nullif(sheet_l, ''), row_number_l::VARCHAR) AS row_a,
               concat_ws(' / ', file_r, nullif(sheet_r, ''), row_number_r::VARCHAR) AS row_b
        FROM master.review_candidates ORDER BY abs(match_probability - ?), row_a, row_b LIMIT ?""",
                          [threshold if threshold is not None else 0.5, limit]).df()
    return (None if low is None else (low, high)), per_type, closest


def _unresolved(con: duckdb.DuckDBPyConnection) -> int:
    if not _has_table(con, "quality", "unresolved_decisions"):
        return 0
    return _count(con, "SELECT count(*) FROM quality.unresolved_decisions")


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(_count(con, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                       [schema, table]) or
                _count(con, "SELECT count(*) FROM duckdb_views() WHERE schema_name = ? AND view_name = ?",
                       [schema, table]))


def _count(con: duckdb.DuckDBPyConnection, sql: str, parameters: list | None = None) -> int:
    return int(con.execute(sql, parameters or []).fetchone()[0])


def _plain(value):
    """A value of a pandas row as Python (NaN and NaT: None)."""
    if isinstance(value, (list, dict)):
        return value
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value
