"""Validation and standardisation assets."""


import dagster as dg
import pandas as pd

from customer_master.assets.match import is_full_run
from customer_master.assets.metadata import counts_markdown, markdown_table
from customer_master.ingest.inbox import IngestResult
from customer_master.pipelines.resources import PipelinePaths
from customer_master.row_cache import RowCache
from customer_master.standardise.stage import standardise_rows
from customer_master import steward_figures as figures
from customer_master.validate import ValidationResult, validate_rows
from customer_master.warehouse.layout import layout


@dg.asset(group_name="validate", kinds={"pandera"},
          description="Rows that cannot identify a customer quarantined with a reason; field problems recorded.")
def validated_rows(context: dg.AssetExecutionContext, paths: PipelinePaths,
                   ingested_rows: IngestResult) -> ValidationResult:
    stage = RowCache(layout(paths.warehouse_path).row_cache / "validate", "validate").run(
        ingested_rows.rows, lambda rows: vars(validate_rows(rows)), full=is_full_run(context))
    result = ValidationResult(**stage.frames)
    context.add_output_metadata({
        "dagster/row_count": len(result.accepted),
        "files_unchanged": stage.files_reused,  # their rows as the last run validated them
        "rows_validated": stage.rows_computed,
        "rows_quarantined": len(result.rejected),
        "field_issues": len(result.field_issues),
        "rows_by_file": markdown_table(figures.rows_by_file(
            ingested_rows.rows, result.accepted, result.activities, result.rejected, result.field_issues),
            rows=40, empty="no rows read"),
        "rejects_by_reason": markdown_table(figures.rejects_by_reason(result.rejected), empty="no row quarantined"),
        "field_issues_by_kind": markdown_table(figures.field_issues_by_kind(result.field_issues),
                                               empty="no field issue"),
    })
    return result


@dg.asset(group_name="validate", kinds={"pandas"},
          description="Accepted rows with standardised names, phones (E.164), emails, places, ids and dates.")
def standardised_rows(context: dg.AssetExecutionContext, paths: PipelinePaths,
                      validated_rows: ValidationResult) -> pd.DataFrame:
    stage = RowCache(layout(paths.warehouse_path).row_cache / "standardise", "standardise").run(
        validated_rows.accepted, lambda rows: {"rows": standardise_rows(rows)}, full=is_full_run(context))
    result = stage.frames["rows"]
    context.add_output_metadata({
        "dagster/row_count": len(result),
        "files_unchanged": stage.files_reused,  # their rows as the last run standardised them
        "rows_standardised": stage.rows_computed,
        "rows_by_customer_type": counts_markdown(result.customer_type.value_counts(), "customer type"),
        "sample": markdown_table(result[["name", "customer_type", "mobile", "email", "city"]], rows=10),
    })
    return result
