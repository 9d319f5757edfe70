"""Ingest asset: every department spreadsheet in the inbox, with lineage."""


import dagster as dg

from customer_master.ingest.cache import IngestCache
from customer_master.ingest.inbox import IngestResult, ingest_inbox
from customer_master.assets.match import check_run_config
from customer_master.assets.metadata import markdown_table
from customer_master.pipelines.resources import PipelinePaths, WarehouseLock
from customer_master.pipelines.staged_results import as_stored, row_count
from customer_master.steward_figures import files_not_read, rows_by_source
from customer_master.warehouse.layout import layout


@dg.asset(group_name="ingest", kinds={"python", "excel"},
          description="Every non-blank data row of every readable sheet in the inbox, with its lineage.")
def ingested_rows(context: dg.AssetExecutionContext, paths: PipelinePaths,
                  run_lock: WarehouseLock) -> IngestResult:  # run_lock: held from the run's start
    check_run_config(context)
    result = ingest_inbox(paths.inbox_path, max_file_mb=paths.max_file_mb,
                          cache=IngestCache(layout(paths.warehouse_path).ingest_cache))
    sheets = result.sheets[result.sheets.status == "read"]
    not_read = files_not_read(result.files, result.sheets)
    context.add_output_metadata({
        "dagster/row_count": row_count(result, "rows"),
        "files_read": int((result.files.status == "read").sum()),
        "files_unchanged": result.files_unchanged,  # taken from the ingest cache, not read again
        "files_not_read": int(not_read["what"].eq("file").sum()),
        "sheets_not_read": int(not_read["what"].eq("sheet").sum()),
        "blank_rows_skipped": int(sheets.blank_rows_skipped.sum()),
        "header_rows_skipped": int(sheets.header_rows_skipped.sum()),
        "rows_by_source": markdown_table(rows_by_source(as_stored(result, "rows")), empty="no rows read"),
        "files_and_sheets_not_read": markdown_table(
            not_read, empty="every file and sheet was read"),
    })
    return result
