"""The review workbook of the run, written beside the review folder's inbox so a
steward opens it from the UI's reach (its path and the pairs waiting are in the
asset's metadata); the `review_workbook_dropped` sensor brings it back."""

import dagster as dg

from customer_master.pipelines.resources import PipelinePaths, WarehouseLock
from customer_master.review.outbox import write_run_workbook


@dg.asset(group_name="match", kinds={"excel"}, deps=["customer_warehouse"],
          description="The doubtful pairs of the run, most doubtful first, in a workbook for the stewards "
                      "(to_review/ in the review folder); fill in the decisions and drop it into the review "
                      "folder's inbox/.")
def review_workbook(context: dg.AssetExecutionContext, paths: PipelinePaths,
                    run_lock: WarehouseLock) -> dg.MaterializeResult:  # run_lock: held from the run's start
    language = paths.load_settings().reading_language()
    exported = write_run_workbook(paths.review_path, paths.warehouse_path, context.run.run_id, language)
    inbox = (paths.review_path / "inbox").resolve()
    if exported.path is None:
        return dg.MaterializeResult(metadata={"pairs_waiting": dg.MetadataValue.int(0),
                                              "what_to_do": "nothing: no pair in the run's review band"})
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(exported.path.resolve())),
        "pairs_waiting": dg.MetadataValue.int(exported.waiting),
        "pairs_in_workbook": dg.MetadataValue.int(exported.pairs),
        "pairs_left_out": dg.MetadataValue.int(exported.left_out),  # the least doubtful, beyond the limit
        "language": language,
        "what_to_do": dg.MetadataValue.md(
            f"Open the workbook, choose *match* or *no match* in the yellow **decision** cells (most doubtful "
            f"pairs first), save it and drop it into `{inbox}`: the next run imports it."),
    })
