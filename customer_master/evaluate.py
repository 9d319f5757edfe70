"""Match quality of a published warehouse against a truth file.

Pairwise measures, the usual ones for entity resolution: every pair of source
rows that the warehouse puts under one master id, against every pair of rows
that share a truth entity id. Computed from group sizes in DuckDB, so a million
rows cost nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from customer_master.warehouse.open import attach_warehouse
from customer_master.working_db import working_connection

# the columns a truth file must have (row_kind and lookalike_group are optional)
TRUTH_COLUMNS = ["source", "file", "sheet", "row_number", "entity_id"]


def evaluate_warehouse(warehouse: Path, truth: Path) -> dict:
    """Metrics of a warehouse against a truth CSV (the sample generator's format)."""
    frame = pd.read_csv(truth, dtype=str, keep_default_na=False)
    return evaluate_against_truth(warehouse, frame)


def evaluate_against_truth(warehouse: Path, truth: pd.DataFrame) -> dict:
    """truth: one row per data row (source, file, sheet, row_number, entity_id; optional
    row_kind and lookalike_group). A record the run quarantined counts as a master of
    its own: its missed pairs lower the recall."""
    con = working_connection()
    attach_warehouse(con, Path(warehouse), "wh")
    frame = truth.astype({"row_number": "int64"}).assign(sheet=truth["sheet"].fillna(""))
    for column, default in (("row_kind", "record"), ("lookalike_group", "")):
        if column not in frame:
            frame[column] = default
    con.register("truth_frame", frame[["source", "file", "sheet", "row_number", "entity_id", "row_kind",
                                       "lookalike_group"]].astype({"entity_id": str}))
    con.execute("""
        CREATE TEMP TABLE labelled AS
        SELECT t.*, x.master_id, r.reason AS rejected_reason
        FROM truth_frame t
        LEFT JOIN wh.master.xref x ON x.source = t.source AND x.file = t.file AND x.sheet = t.sheet
             AND x.row_number = t.row_number
        LEFT JOIN wh.quality.rejected r ON r.source = t.source AND r.file = t.file AND r.sheet = t.sheet
             AND r.row_number = t.row_number""")
    metrics = pairwise_metrics(con, """
        SELECT coalesce(master_id, 'not in master: ' || file || '|' || sheet || '|' || row_number) AS predicted,
               entity_id AS actual
        FROM labelled WHERE row_kind = 'record'""")
    placement = dict(con.execute("""
        SELECT 'records_in_master', count(*) FILTER (WHERE row_kind = 'record' AND master_id IS NOT NULL) FROM labelled
        UNION ALL SELECT 'records_quarantined', count(*) FILTER (WHERE row_kind = 'record' AND rejected_reason IS NOT NULL) FROM labelled
        UNION ALL SELECT 'records_missing', count(*) FILTER (WHERE row_kind = 'record' AND master_id IS NULL AND rejected_reason IS NULL) FROM labelled
        UNION ALL SELECT 'non_records_quarantined', count(*) FILTER (WHERE row_kind <> 'record' AND rejected_reason IS NOT NULL) FROM labelled
        UNION ALL SELECT 'non_records_in_master', count(*) FILTER (WHERE row_kind <> 'record' AND master_id IS NOT NULL) FROM labelled
        -- a row without a name that matching placed: with its own entity's records, or not
        UNION ALL SELECT 'nameless_in_own_master', count(*) FROM labelled n WHERE n.row_kind = 'no_name' AND EXISTS (
            SELECT 1 FROM labelled r WHERE r.row_kind = 'record' AND r.master_id = n.master_id AND r.entity_id = n.entity_id)
        UNION ALL SELECT 'nameless_in_other_master', count(*) FROM labelled n WHERE n.row_kind = 'no_name'
            AND n.master_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM labelled r WHERE r.row_kind = 'record'
            AND r.master_id = n.master_id AND r.entity_id = n.entity_id)
    """).fetchall())
    lookalikes = con.execute("""
        SELECT count(*) FROM (
            SELECT DISTINCT a.entity_id, b.entity_id FROM labelled a JOIN labelled b
              ON a.master_id = b.master_id AND a.lookalike_group = b.lookalike_group AND a.entity_id < b.entity_id
            WHERE a.row_kind = 'record' AND b.row_kind = 'record' AND a.lookalike_group <> '')""").fetchone()[0]
    return {**metrics, "lookalike_entity_pairs_merged": int(lookalikes), **{k: int(v) for k, v in placement.items()}}


def pairwise_metrics(con: duckdb.DuckDBPyConnection, assignments_sql: str) -> dict:
    """Pairwise precision/recall/F1 of (predicted, actual) cluster labels per record."""
    tp, predicted, actual, records = con.execute(f"""
        WITH a AS ({assignments_sql}),
        both_ AS (SELECT count(*) AS n FROM a GROUP BY predicted, actual),
        pred AS (SELECT count(*) AS n FROM a GROUP BY predicted),
        act AS (SELECT count(*) AS n FROM a GROUP BY actual)
        SELECT (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM both_),
               (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM pred),
               (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM act),
               (SELECT count(*) FROM a)""").fetchone()
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"records": int(records), "true_pairs": int(actual), "predicted_pairs": int(predicted),
            "true_positive_pairs": int(tp), "precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(f1, 4)}
