"""The run's data-quality report, written once the warehouse is in place
(customer_master/report/): its path and the charts' previews in the metadata."""


import base64

import dagster as dg

from customer_master.assets.master import customer_warehouse
from customer_master.pipelines.resources import PipelinePaths, WarehouseLock
from customer_master.report.charts import png_preview
from customer_master.report.write import write_report


@dg.asset(group_name="downstream", kinds={"html"}, deps=[customer_warehouse],
          description="The run's data-quality report: one HTML page that opens offline (run summary, rejects and "
                      "field issues per department with their rows, the masters that changed, the review backlog, "
                      "the match-weights and match-probability charts), in <warehouse>.d/reports/<run_id>/ with "
                      "the charts as SVG beside it. `customer-master report` writes it again, or a department's "
                      "xlsx.")
def run_report(context: dg.AssetExecutionContext, paths: PipelinePaths,
               run_lock: WarehouseLock) -> dg.MaterializeResult:
    report = write_report(paths.warehouse_path, context.run.run_id, paths.load_settings().language)
    previews = "\n\n".join(f"**{name}** (`{path}`)\n\n![{name}](data:image/png;base64,"
                           f"{base64.b64encode(png_preview(path.read_text(encoding='utf-8'), 0.6)).decode()})"
                           for name, path in report.charts.items())
    return dg.MaterializeResult(metadata={
        "report": dg.MetadataValue.path(str(report.page.resolve())),
        "charts": dg.MetadataValue.md(previews or "_no chart: no model in this run_"),
    })
