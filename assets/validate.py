"""Validation and standardisation assets."""


import dagster as dg
import pandas as pd

from customer_master.assets.metadata import counts_markdown, table_preview
from customer_master.ingest.inbox import IngestResult
from customer_master.standardise.stage import standardise_rows
from customer_master.validate import ValidationResult, validate_rows


@dg.asset(group_name="validate", kinds={"pandera"},
          description="Rows that cannot identify a customer quarantined with a reason; field problems recorded.")
def validated_rows(context: dg.AssetExecutionContext, ingested_rows: IngestResult) -> ValidationResult:
    result = validate_rows(ingested_rows.rows)
    context.add_output_metadata({
        "dagster/row_count": len(result.accepted),
        "rows_rejected": len(result.rejected),
        "rejects_by_reason": counts_markdown(result.rejected.reason.value_counts(), "reason"),
        "field_issues_by_kind": counts_markdown(
            result.field_issues.groupby(["field", "issue"]).size().rename(lambda k: f"{k[0]}: {k[1]}"), "issue"),
        "rejected_sample": table_preview(result.rejected.drop(columns=["row_key", "raw"])),
    })
    return result


@dg.asset(group_name="validate", kinds={"pandas"},
          description="Accepted rows with standardised names, phones (E.164), emails, places, ids and dates.")
def standardised_rows(context: dg.AssetExecutionContext, validated_rows: ValidationResult) -> pd.DataFrame:
    result = standardise_rows(validated_rows.accepted)
    context.add_output_metadata({
        "dagster/row_count": len(result),
        "by_customer_type": dg.MetadataValue.json(result.customer_type.value_counts().to_dict()),
        "sample": table_preview(result[["source", "row_number", "customer_type", "name", "name_core",
                                        "mobile", "phone", "email", "city"]]),
    })
    return result
