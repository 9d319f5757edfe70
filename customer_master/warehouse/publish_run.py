"""A run's stage results into the published warehouse: the tables, the run's row
of meta.runs and the state the next run starts from, in one call."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from customer_master.config import DEFAULT_KEEP_BACKUPS
from customer_master.ingest.inbox import IngestResult
from customer_master.lifecycle.state import STATE_FILES, MasterState
from customer_master.match.engine import MatchResult
from customer_master.pipelines.staged_results import as_stored
from customer_master.review.decision_table import TABLE as DECISION_TABLE, steward_decisions_table
from customer_master.review.decisions import load_decisions
from customer_master.survive import GoldenResult
from customer_master.validate import ValidationResult
from customer_master.warehouse.origin import run_origin
from customer_master.warehouse.publish import WarehouseTables, publish_warehouse
from customer_master.warehouse.tables import Customer360, quarantined, run_summary, warehouse_tables


@dataclass
class PublishedRun:
    path: Path  # the warehouse file now in place
    summary: dict  # run_summary: what a steward wants after the run
    tables: WarehouseTables


def publish_run(inbox: Path, warehouse: Path, run_id: str, started: dt.datetime, ingest: IngestResult,
                validation: ValidationResult, standardised, match: MatchResult, golden: GoldenResult,
                around: Customer360, keep_backups: int = DEFAULT_KEEP_BACKUPS,
                tags: Mapping[str, str] | None = None) -> PublishedRun:
    """started: when the run began (UTC); keep_backups: published warehouses kept;
    tags: the Dagster run's tags (who and what started it: origin.py)."""
    rejected = quarantined(ingest, validation, match)  # read once: it holds the rows' raw cells
    summary = run_summary(ingest, validation, match, golden, around, rejected)
    run = {"run_id": run_id, "started_at": started.replace(tzinfo=None),
           "finished_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
           "inbox": str(inbox), "warehouse": str(warehouse), "match_threshold": match.threshold,
           **run_origin(tags), **summary}
    tables = warehouse_tables(ingest, validation, standardised, golden, match, run_id, around, rejected)
    # the stewards' decisions, as stored beside the warehouse (the run holds its lock: none is added meanwhile)
    xref = as_stored(golden, "xref")
    tables.tables[DECISION_TABLE] = steward_decisions_table(load_decisions(warehouse), xref)
    # the state the next run starts from: the stage results' staged files copied as they are
    # (read into pandas and written again, they took a second at 200k rows)
    state = MasterState(xref=_columns(xref, STATE_FILES["xref"]), masters=as_stored(golden, "masters"),
                        id_history=as_stored(golden, "id_history"),
                        customers_history=as_stored(golden, "customers_history"),
                        change_log=as_stored(golden, "change_log"),
                        contact_xref=as_stored(around.contacts, "state_xref"),
                        contacts=as_stored(around.contacts, "state_ids"))
    return PublishedRun(publish_warehouse(warehouse, tables, run, state, keep_backups), summary, tables)


def _columns(frame: pd.DataFrame | Path, columns: list[str]) -> pd.DataFrame | pa.Table:
    """`columns` of a frame, or of a staged Parquet file as Arrow (not through pandas)."""
    return pq.read_table(frame, columns=columns) if isinstance(frame, Path) else frame[columns]
