"""Assemble the warehouse tables (the published contract) from the stages'
outputs, and the run summary that goes into meta.runs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from customer_master.customer360.activities import ActivityResult
from customer_master.customer360.contacts import ContactResult
from customer_master.ingest.inbox import IngestResult
from customer_master.match.engine import PAIR_COLUMNS, MatchResult
from customer_master.match.features import MATCH_INPUT_SQL
from customer_master.match.learned import model_weights
from customer_master.pipelines.staged_results import as_stored, frame_columns, parquet_rows, row_count, stored_file
from customer_master.survive import GoldenResult, XREF_COLUMNS
from customer_master.validate import REJECTED_COLUMNS, ValidationResult
from customer_master.warehouse.publish import ComputedTable, WarehouseTables
from customer_master.working_db import ROW_NUMBER

LINEAGE = ["source", "file", "sheet", "row_number"]


SOURCE_ROW_FIELDS = ["customer_type", "name", "mobile", "phone", "email", "address", "province", "city", "district",
                     "address_rest", "uscc", "id_number", "birth_date"]
# what publishing reads of the standardised rows
SOURCE_ROW_COLUMNS = ["row_key", *LINEAGE, *SOURCE_ROW_FIELDS]


@dataclass
class Customer360:
    """The tables around the golden records (customer_master/customer360/)."""
    activities: ActivityResult
    contacts: ContactResult
    # each a frame, or its staged Parquet file (copied into the warehouse without pandas)
    roles: pd.DataFrame | Path
    relationships: pd.DataFrame | Path
    segments: pd.DataFrame | Path
    review_due: pd.DataFrame | Path


def warehouse_tables(ingest: IngestResult, validation: ValidationResult, standardised: pd.DataFrame | Path,
                     golden: GoldenResult, match: MatchResult, run_id: str,
                     around: Customer360 | None = None, rejected: pd.DataFrame | None = None) -> WarehouseTables:
    """standardised: the standardised rows (SOURCE_ROW_COLUMNS at least), a frame or its
    staged Parquet file. The tables with a row per source row or pair are computed in
    the warehouse's DuckDB from the stage results' files (ComputedTable). rejected:
    quarantined()'s rows, when the caller has them already."""
    xref = as_stored(golden, "xref")
    models = pd.DataFrame([{"run_id": run_id, "customer_type": t, "model_json": json.dumps(m, ensure_ascii=False)}
                           for t, m in match.models.items()], columns=["run_id", "customer_type", "model_json"])
    rejected = quarantined(ingest, validation, match) if rejected is None else rejected
    rejected = rejected.rename(columns={"raw": "cells"}).drop(columns="row_key")
    tables = {
        "master.customers": golden.customers,
        "master.xref": ComputedTable("SELECT * FROM xref", {"xref": (xref, XREF_COLUMNS)}),
        "master.match_pairs": _match_pairs(ingest, match, xref),
        "master.review_candidates": ComputedTable(  # (cannot_link: null in all of them)
            "SELECT * EXCLUDE (cannot_link) FROM master.match_pairs WHERE match_probability BETWEEN ? AND ? "
            "AND cannot_link IS NULL ORDER BY rowid", parameters=list(match.review_band)),
        "master.id_history": as_stored(golden, "id_history"),
        "master.source_rows": ComputedTable(f"""
            SELECT {", ".join(f"s.{c}" for c in LINEAGE)}, x.row_identity, {", ".join(f"s.{c}" for c in SOURCE_ROW_FIELDS)}
            FROM standardised s JOIN xref x USING (row_key) ORDER BY s.{ROW_NUMBER}""",
            {"standardised": (standardised, SOURCE_ROW_COLUMNS, True), "xref": (xref, ["row_key", "row_identity"])}),
        # what the models compared, per row, with its master: the duplicate check's candidates (computed in
        # the warehouse's DuckDB from the staged files: no Arrow copy of every row's features on the way)
        "master.match_input": ComputedTable(MATCH_INPUT_SQL, {"features": (as_stored(match, "features"), None),
                                                              "masters": (xref, ["row_key", "master_id"])}),
        "quality.unresolved_decisions": match.unresolved_decisions,
        # the largest tables, copied as they are: from their staged file where there is one
        "master.field_lineage": as_stored(golden, "field_lineage"),
        "master.field_values": as_stored(golden, "field_values"),
        "master.customers_history": as_stored(golden, "customers_history"),
        "meta.change_log": as_stored(golden, "change_log"),
        "master.models": models,
        "master.model_weights": model_weights(match.models).assign(run_id=run_id),
        "quality.rejected": rejected,
        "quality.rejected_files": ingest.rejected_files,
        "quality.field_issues": validation.field_issues.drop(columns="row_key"),
        "quality.sheets": ingest.sheets,
        "meta.files": ingest.files,
    }
    if around is not None:
        tables.update({
            "master.contacts": around.contacts.contacts,
            "master.contact_rows": as_stored(around.contacts, "rows"),
            "master.customer_roles": around.roles,
            "master.relationships": around.relationships,
            "master.interactions": as_stored(around.activities, "interactions"),
            "master.transactions": as_stored(around.activities, "transactions"),
            "master.customer_segments": around.segments,
            "quality.review_due": around.review_due,
        })
    return WarehouseTables(tables=tables, training=match.training)


def _match_pairs(ingest: IngestResult, match: MatchResult, xref) -> ComputedTable:
    """master.match_pairs: each scored pair with both rows' lineage and masters, in the
    match stage's order."""
    return ComputedTable(f"""
        SELECT p.customer_type, {", ".join(f"l.{c} AS {c}_l" for c in LINEAGE)},
               {", ".join(f"r.{c} AS {c}_r" for c in LINEAGE)},
               p.match_probability, p.match_weight, p.evidence, p.cannot_link,
               ml.master_id AS master_id_l, mr.master_id AS master_id_r
        FROM pairs p JOIN lineage l ON l.row_key = p.row_key_l JOIN lineage r ON r.row_key = p.row_key_r
        LEFT JOIN masters ml ON ml.row_key = p.row_key_l LEFT JOIN masters mr ON mr.row_key = p.row_key_r
        ORDER BY p.{ROW_NUMBER}""",
        {"pairs": (as_stored(match, "pairs"), PAIR_COLUMNS, True),
         "lineage": (as_stored(ingest, "rows"), ["row_key", *LINEAGE]),
         "masters": (xref, ["row_key", "master_id"])})


def quarantined(ingest: IngestResult, validation: ValidationResult, match: MatchResult) -> pd.DataFrame:
    """Every quarantined row (REJECTED_COLUMNS): those validation refused and those
    matching could not place (no name, and no named row matched)."""
    unplaced = match.unplaced
    if unplaced.empty:
        return validation.rejected
    rows = _ingested_rows(ingest, unplaced.row_key, ["row_key", *LINEAGE, "raw"]).set_index("row_key")
    rows = rows.loc[unplaced.row_key]
    late = rows[[*LINEAGE, "raw"]].reset_index().assign(reason=unplaced.reason.to_numpy())
    return pd.concat([validation.rejected, late[REJECTED_COLUMNS]]).sort_values("row_key").reset_index(drop=True)


def _ingested_rows(ingest: IngestResult, row_keys: pd.Series, columns: list[str]) -> pd.DataFrame:
    """`columns` of the ingested rows `row_keys`: from a staged file only those rows are
    read (every row's raw cells, as Python objects, took seconds at 200k rows)."""
    path = stored_file(ingest, "rows")
    if path is None:
        return ingest.rows.loc[ingest.rows["row_key"].isin(set(row_keys)), columns]
    return pd.read_parquet(path, columns=columns, filters=[("row_key", "in", list(row_keys))])


def run_summary(ingest: IngestResult, validation: ValidationResult, match: MatchResult, golden: GoldenResult,
                around: Customer360 | None = None, rejected: pd.DataFrame | None = None) -> dict:
    """Counts a steward wants after a run (also the meta.runs row, less times and ids);
    rejected: quarantined()'s rows, when the caller has them already."""
    files = ingest.files
    read_sheets = ingest.sheets[ingest.sheets.status == "read"]
    rejected = quarantined(ingest, validation, match) if rejected is None else rejected
    rejects = rejected["reason"].value_counts().to_dict()
    return {
        "files_seen": int(len(files)),
        "files_read": int((files.status == "read").sum()),
        "files_unchanged": ingest.files_unchanged,  # taken from the ingest cache, not read again
        "files_rejected": int((files.status == "rejected").sum()),
        "sheets_rejected": int((ingest.sheets.status == "rejected").sum()),
        "rows_ingested": row_count(ingest, "rows"),
        "rows_accepted": row_count(validation, "accepted") - int(len(match.unplaced)),
        "rows_rejected": int(len(rejected)),
        "activity_rows": row_count(validation, "activities"),  # rows of interaction and transaction sheets
        "rejected_by_reason": rejects,
        "blank_rows_skipped": int(read_sheets.blank_rows_skipped.sum()),
        "header_rows_skipped": int(read_sheets.header_rows_skipped.sum()),
        "field_issues": int(len(validation.field_issues)),
        "master_customers": int(len(golden.customers)),
        "company_masters": int((golden.customers.customer_type == "company").sum()),
        "person_masters": int((golden.customers.customer_type == "person").sum()),
        "duplicates_merged": int(row_count(golden, "xref") - len(golden.customers)),
        "master_ids_kept": golden.ids_kept,
        "master_ids_created": golden.ids_created,
        "master_ids_retired": golden.ids_retired,
        **(_customer360_counts(around) if around is not None else {}),
        "files": files[["file", "sha256", "size_bytes", "status"]].to_dict("records"),
    }


def _customer360_counts(around: Customer360) -> dict:
    interactions = frame_columns(around.activities, "interactions", ["resolution"])
    transactions = frame_columns(around.activities, "transactions", ["resolution"])
    return {
        "contacts": int(len(around.contacts.contacts)),
        "interactions": int(len(interactions)),
        "interactions_unresolved": int(interactions["resolution"].ne("resolved").sum()),
        "transactions": int(len(transactions)),
        "transactions_unresolved": int(transactions["resolution"].ne("resolved").sum()),
        "relationships": _rows(around.relationships),
        "review_due": _rows(around.review_due),
    }


def _rows(frame: pd.DataFrame | Path) -> int:
    return parquet_rows(frame) if isinstance(frame, Path) else len(frame)
