"""The read surfaces for downstream teams, rebuilt from the warehouse each run has
just put in place (customer_master/warehouse/read_surfaces.py)."""


import dagster as dg

import pandas as pd

from customer_master.assets.master import customer_warehouse
from customer_master.assets.metadata import markdown_table
from customer_master.pipelines.resources import PipelinePaths, WarehouseLock
from customer_master.warehouse.read_surfaces import publish_read_surfaces


@dg.asset(group_name="downstream", kinds={"duckdb"}, deps=[customer_warehouse],
          description="The masked copy of the master for downstream readers (masked.duckdb in the folder "
                      "WAREHOUSE.shared beside the warehouse file) "
                      "and one file per role of settings.yaml's read_surfaces.roles. Runs after the warehouse is "
                      "in place: when it fails, the run fails here, the new warehouse stays published and the "
                      "surfaces of the previous run stay as they were.")
def read_surfaces(context: dg.AssetExecutionContext, paths: PipelinePaths,
                  run_lock: WarehouseLock) -> dg.MaterializeResult:
    settings = paths.load_settings().read_surfaces
    report = publish_read_surfaces(paths.warehouse_path, settings)
    for warning in report.warnings:
        context.log.warning(warning)
    return dg.MaterializeResult(metadata={
        "enabled": settings.enabled,
        "folder": dg.MetadataValue.path(str(report.folder.resolve())),
        "masters_per_surface": markdown_table(pd.DataFrame(list(report.masters.items()),
                                                           columns=["surface", "masters"]), empty="no surface built"),
        "warnings": dg.MetadataValue.md("\n".join(f"- {w}" for w in report.warnings) or "none"),
        "removed": dg.MetadataValue.md("\n".join(f"- {p}" for p in report.removed) or "none"),
    })
