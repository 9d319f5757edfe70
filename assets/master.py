"""Master assets: golden records, and the published warehouse with its checks."""


import datetime as dt
from pathlib import Path

import dagster as dg
import pandas as pd

from customer_master.assets.match import check_run_config, is_full_run
from customer_master import steward_figures as figures
from customer_master.assets.metadata import counts_markdown, figures_markdown, markdown_table, summary_table
from customer_master.customer360.activities import ActivityResult
from customer_master.customer360.contacts import ContactResult
from customer_master.ingest.inbox import IngestResult
from customer_master.match.engine import MatchResult
from customer_master.pipelines.resources import AS_PARQUET_FILE, PipelinePaths, WarehouseLock
from customer_master.pipelines.staged_results import as_stored, row_count
from customer_master.review.decisions import load_decisions
from customer_master.survive import GoldenResult, build_golden_records
from customer_master.validate import ValidationResult
from customer_master.warehouse.checks import ALL_CHECKS, CHECK_FIGURES
from customer_master.warehouse.open import opened_warehouse
from customer_master.lifecycle.state import MasterState, load_state
from customer_master.warehouse.publish import read_run_history
from customer_master.warehouse.publish_run import publish_run
from customer_master.run_summary import summary_lines
from customer_master.sources import SOURCES_JOINED_BY
from customer_master.warehouse.tables import Customer360
from customer_master.working_db import spill_folder


@dg.asset(group_name="master", kinds={"duckdb"},
          description="What the last published run left (master ids, their history, contact ids) and this run's "
                      "sequence number: read once, so every step of the run starts from the same state. The "
                      "warehouse's lock, taken when the run started, is held until the run has published.")
def previous_state(context: dg.AssetExecutionContext, paths: PipelinePaths, run_lock: WarehouseLock) -> MasterState:
    check_run_config(context)
    state = load_state(paths.warehouse_path, hand_on_in=spill_folder())  # handed on unread
    state.run_seq = len(read_run_history(paths.warehouse_path)) + 1
    context.add_output_metadata({"run_seq": state.run_seq, "masters": row_count(state, "masters"),
                                 "retired_ids": row_count(state, "id_history")})
    return state


@dg.asset(group_name="master", kinds={"duckdb"},
          ins={"standardised_rows": dg.AssetIn(metadata={AS_PARQUET_FILE: True})},
          description="One golden record per cluster (survivorship rules in survive.py) and the source-row xref. "
                      "A nightly run builds only the masters it touched (lifecycle/touched.py) and carries the "
                      "others from the last published warehouse; a full run builds them all.")
def golden_records(context: dg.AssetExecutionContext, paths: PipelinePaths, ingested_rows: IngestResult,
                   standardised_rows: Path, matched_clusters: MatchResult,
                   previous_state: MasterState) -> GoldenResult:
    result = build_golden_records(standardised_rows, as_stored(matched_clusters, "clusters"),
                                  as_stored(matched_clusters, "pairs"),
                                  previous=previous_state, run_id=context.run.run_id, run_seq=previous_state.run_seq,
                                  file_dates=ingested_rows.files[["file", "modified_at"]],
                                  decisions=load_decisions(paths.warehouse_path),
                                  carry_from=None if is_full_run(context) else paths.warehouse_path)
    customers = result.customers
    context.add_output_metadata({
        "dagster/row_count": len(customers),
        "masters": len(customers),
        "duplicates_merged": int(row_count(result, "xref") - len(customers)),
        # what this run built afresh, and what it carried untouched from the last run (lifecycle/touched.py)
        "masters_built": result.masters_built,
        "masters_carried": result.masters_carried,
        "masters_by_type": markdown_table(figures.masters_by_type(customers), empty="no master"),
        "master_ids": figures_markdown({"kept from the last run": result.ids_kept, "new": result.ids_created,
                                        "retired (see master.id_history)": result.ids_retired,
                                        "rows merged into another row's master": row_count(result, "xref") - len(customers)},
                                       label="master ids", unit="count"),
        "departments_sharing_masters": markdown_table(figures.sources_sharing_masters(as_stored(result, "xref")),
                                                      empty="no master holds rows of two departments"),
        "master_sample": markdown_table(customers.sort_values(["record_count", "master_id"], ascending=[False, True])[
            ["name", "record_count", "sources", "master_id"]].rename(
                columns={"record_count": "rows"}).assign(sources=lambda f: f["sources"].str.replace(SOURCES_JOINED_BY, ", ")),
            rows=10),
    })
    return result


# the frames publish copies into the warehouse as they are: handed over as their staged files, which
# DuckDB reads, not read into pandas first
_AS_FILES = ("standardised_rows", "customer_roles", "customer_relationships", "customer_segments", "review_due")


@dg.asset(group_name="master", kinds={"duckdb"},
          ins={name: dg.AssetIn(metadata={AS_PARQUET_FILE: True}) for name in _AS_FILES},
          description="The published warehouse file (master, quality and meta schemas), swapped in atomically.")
def customer_warehouse(context: dg.AssetExecutionContext, paths: PipelinePaths, ingested_rows: IngestResult,
                       validated_rows: ValidationResult, standardised_rows: Path,
                       matched_clusters: MatchResult, golden_records: GoldenResult,
                       customer_activities: ActivityResult, customer_contacts: ContactResult,
                       customer_roles: Path, customer_relationships: Path,
                       customer_segments: Path, review_due: Path,
                       run_lock: WarehouseLock) -> dg.MaterializeResult:
    around = Customer360(activities=customer_activities, contacts=customer_contacts, roles=customer_roles,
                         relationships=customer_relationships, segments=customer_segments, review_due=review_due)
    stats = context.instance.get_run_stats(context.run.run_id)
    started = dt.datetime.fromtimestamp(stats.start_time or dt.datetime.now().timestamp(), dt.timezone.utc)
    published = publish_run(paths.inbox_path, paths.warehouse_path, context.run.run_id, started, ingested_rows,
                            validated_rows, standardised_rows, matched_clusters, golden_records, around,
                            keep_backups=paths.keep_backups, tags=context.run.tags)
    summary = published.summary
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(published.path.resolve())),
        "dagster/row_count": summary["master_customers"],
        # the numbers a steward follows from run to run (the Plots tab)
        "masters": summary["master_customers"],
        "rows_quarantined": summary["rows_rejected"],
        "field_issues": summary["field_issues"],
        "review_due": summary.get("review_due") or 0,
        "activity_rows_unresolved": (summary.get("interactions_unresolved") or 0)
                                    + (summary.get("transactions_unresolved") or 0),
        "run_summary": summary_table(summary_lines(summary, summary["rejected_by_reason"])),
        "rejects_by_reason": counts_markdown(pd.Series(summary["rejected_by_reason"], dtype="int64"), "reason"),
        "tables": markdown_table(pd.DataFrame(sorted(published.tables.row_counts().items()), columns=["table", "rows"]),
                                 rows=100),
    })


def _warehouse_check(name: str, description: str):
    function, figures_of = ALL_CHECKS[name], CHECK_FIGURES[name]

    @dg.asset_check(asset=customer_warehouse, name=name.replace(" ", "_"), description=description, blocking=False)
    def check(paths: PipelinePaths) -> dg.AssetCheckResult:
        with opened_warehouse(paths.warehouse_path) as con:
            problems, figures_now = function(con), figures_of(con)
        # numbers and plain text: the check's page shows them in place (markdown there hides behind a link)
        return dg.AssetCheckResult(passed=not problems, metadata={
            **figures_now,
            "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems)) if problems else "none"})

    return check


@dg.asset_check(asset=customer_warehouse, name="review_due_not_growing", blocking=False,
                description="Warns when quality.review_due lists more masters than after the previous run.")
def review_due_not_growing(paths: PipelinePaths) -> dg.AssetCheckResult:
    counts = [r["review_due"] for r in read_run_history(paths.warehouse_path) if r.get("review_due") is not None]
    now, before = (counts[-1] if counts else 0), (counts[-2] if len(counts) > 1 else None)
    grew = before is not None and now > before
    return dg.AssetCheckResult(passed=not grew, severity=dg.AssetCheckSeverity.WARN, metadata={
        "masters_due": now, "previous_run": before if before is not None else "none",
        "what_to_do": "SELECT * FROM quality.review_due: each row says what to check"})


warehouse_checks = [
    _warehouse_check("row accounting", "Every data row of every readable sheet is in exactly one of "
                                       "master.xref and quality.rejected."),
    _warehouse_check("unique master_id", "master.customers has one row per master_id."),
    _warehouse_check("xref points at a master", "No master.xref row points at a missing master."),
    review_due_not_growing,
]
