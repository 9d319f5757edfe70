"""Ingest asset: every department spreadsheet in the inbox, with lineage."""


import dagster as dg

from customer_master.ingest.cache import IngestCache
from customer_master.ingest.inbox import IngestResult, ingest_inbox
from customer_master.assets.match import check_run_config
from customer_master.assets.metadata import table_preview
from customer_master.pipelines.resources import PipelinePaths, WarehouseLock
from customer_master.warehouse.layout import layout


@dg.asset(group_name="ingest", kinds={"python", "excel"},
          description="Every non-blank data row of every readable sheet in the inbox, with its lineage.")
def ingested_rows(context: dg.AssetExecutionContext, paths: PipelinePaths,
                  run_lock: WarehouseLock) -> IngestResult:  # run_lock: held from the run's start
    check_run_config(context)
    result = ingest_inbox(paths.inbox_path, max_file_mb=paths.max_file_mb,
                          cache=IngestCache(layout(paths.warehouse_path).ingest_cache))
    sheets = result.sheets[result.sheets.status == "read"]
    context.add_output_metadata({
        "dagster/row_count": len(result.rows),
        "files_read": int((result.files.status == "read").sum()),
        "files_rejected": int((result.files.status == "rejected").sum()),
        "sheets_rejected": int((result.sheets.status == "rejected").sum()),
        "blank_rows_skipped": int(sheets.blank_rows_skipped.sum()),
        "header_rows_skipped": int(sheets.header_rows_skipped.sum()),
        "rows_by_source": dg.MetadataValue.json(result.rows.source.value_counts().to_dict()),
        "rejected_files": table_preview(result.rejected_files, rows=20),
        "files_unchanged": result.files_unchanged,
    })
    return result
