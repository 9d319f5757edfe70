"""Validation and standardisation assets."""


import dagster as dg
import pandas as pd

from customer_master.assets.match import is_full_run
from customer_master.assets.metadata import counts_markdown, markdown_table
from customer_master.ingest.inbox import IngestResult
from customer_master.pipelines.resources import PipelinePaths
from customer_master.pipelines.staged_results import StagedFrame, as_stored, frame_columns, row_count, staged_result
from customer_master.row_cache import RowCache, parts_after
from customer_master.standardise.stage import standardise_rows
from customer_master import steward_figures as figures
from customer_master.validate import ValidationResult, validate_rows
from customer_master.warehouse.layout import layout


@dg.asset(group_name="validate", kinds={"pandera"},
          description="Rows that cannot identify a customer quarantined with a reason; field problems recorded.")
def validated_rows(context: dg.AssetExecutionContext, paths: PipelinePaths,
                   ingested_rows: IngestResult) -> ValidationResult:
    parts = ingested_rows.row_parts  # with the ingest cache: rows handed on as files, keyed by file
    stage = RowCache(layout(paths.warehouse_path).row_cache / "validate", "validate").run(
        ingested_rows.rows if parts is None else as_stored(ingested_rows, "rows"),
        lambda rows: vars(validate_rows(rows)), full=is_full_run(context), parts=parts)
    result = ValidationResult(**stage.frames) if parts is None else staged_result(ValidationResult, stage.frames, {})
    context.add_output_metadata({
        "dagster/row_count": row_count(result, "accepted"),
        "files_unchanged": stage.files_reused,  # their rows as the last run validated them
        "rows_validated": stage.rows_computed,
        "rows_quarantined": row_count(result, "rejected"),
        "field_issues": row_count(result, "field_issues"),
        "rows_by_file": markdown_table(figures.rows_by_file(
            as_stored(ingested_rows, "rows"), *(as_stored(result, name) for name in
                                                ("accepted", "activities", "rejected", "field_issues"))),
            rows=40, empty="no rows read"),
        "rejects_by_reason": markdown_table(figures.rejects_by_reason(result.rejected), empty="no row quarantined"),
        "field_issues_by_kind": markdown_table(figures.field_issues_by_kind(frame_columns(
            result, "field_issues", ["field", "issue", "value", "file", "sheet", "row_number"])),
                                               empty="no field issue"),
    })
    return result


@dg.asset(group_name="validate", kinds={"pandas"}, dagster_type=dg.Any,
          description="Accepted rows with standardised names, phones (E.164), emails, places, ids and dates.")
def standardised_rows(context: dg.AssetExecutionContext, paths: PipelinePaths,
                      ingested_rows: IngestResult, validated_rows: ValidationResult):  # DataFrame | StagedFrame
    parts = None if ingested_rows.row_parts is None else \
        parts_after(layout(paths.warehouse_path).row_cache, ingested_rows.row_parts, ["validate"])
    stage = RowCache(layout(paths.warehouse_path).row_cache / "standardise", "standardise").run(
        validated_rows.accepted if parts is None else as_stored(validated_rows, "accepted"),
        lambda rows: {"rows": standardise_rows(rows)}, full=is_full_run(context), parts=parts)
    result = stage.frames["rows"]  # with parts: its Parquet file, handed on as it is (resources.py)
    shown = ["name", "customer_type", "mobile", "email", "city"]
    frame = pd.read_parquet(result, columns=shown) if parts is not None else result[shown]
    context.add_output_metadata({
        "dagster/row_count": len(frame),
        "files_unchanged": stage.files_reused,  # their rows as the last run standardised them
        "rows_standardised": stage.rows_computed,
        "rows_by_customer_type": counts_markdown(frame.customer_type.value_counts(), "customer type"),
        "sample": markdown_table(frame, rows=10),
    })
    return result if parts is None else StagedFrame(result)
