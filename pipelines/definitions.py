"""The one Dagster `Definitions` of customer-master: assets, checks, job,
schedule, sensor and resources. `dagster dev` loads `defs` from here (see
[tool.dagster] in pyproject.toml); the CLI builds its own with other paths."""


from pathlib import Path

import dagster as dg

from customer_master.assets.customer360 import (
    customer_activities, customer_contacts, customer_relationships, customer_roles_asset, customer_segments_asset,
    review_due_asset)
from customer_master.assets.ingest import ingested_rows
from customer_master.assets.master import customer_warehouse, golden_records, previous_state, warehouse_checks
from customer_master.assets.match import matched_clusters, steward_decisions
from customer_master.assets.read_surfaces import read_surfaces
from customer_master.assets.report import run_report
from customer_master.assets.review import review_workbook
from customer_master.assets.validate import standardised_rows, validated_rows
from customer_master.config import (DEFAULT_INBOX, DEFAULT_KEEP_BACKUPS, DEFAULT_REVIEW_DIR, DEFAULT_SETTINGS,
                                    DEFAULT_WAREHOUSE)
from customer_master.ingest.inbox import DEFAULT_MAX_FILE_MB
from customer_master.pipelines.dagster_home import private_dagster_home
from customer_master.match.engines import DEFAULT_SPARK_MASTER
from customer_master.pipelines.resources import PipelinePaths, SparkResource, StageResultIOManager, WarehouseLock
from customer_master.pipelines.triggers import CONSOLIDATE_JOB, build_triggers
from customer_master.warehouse.layout import layout

ASSETS = [ingested_rows, validated_rows, standardised_rows, steward_decisions, matched_clusters, previous_state,
          golden_records, customer_activities, customer_contacts, customer_roles_asset, customer_relationships,
          customer_segments_asset, review_due_asset, customer_warehouse, read_surfaces, review_workbook, run_report]


def build_definitions(inbox: Path = DEFAULT_INBOX, warehouse: Path = DEFAULT_WAREHOUSE,
                      staging: Path | None = None, max_file_mb: float = DEFAULT_MAX_FILE_MB,
                      review_dir: Path = DEFAULT_REVIEW_DIR, settings: Path = DEFAULT_SETTINGS,
                      keep_backups: int = DEFAULT_KEEP_BACKUPS,
                      spark_master: str = DEFAULT_SPARK_MASTER) -> dg.Definitions:
    """staging: where a run's steps hand stage results on (default <warehouse>.d/staging/);
    spark_master: where the match runs when the run config says `engine: spark`.
    A run that finds another one on its warehouse waits for it; run config
    `resources: {run_lock: {config: {wait: false}}}` makes it fail at once instead."""
    staging = Path(staging or layout(warehouse).staging)
    # every step in the run's process: the warehouse lock (a process's) is held by the run
    consolidate = dg.define_asset_job(
        CONSOLIDATE_JOB, selection=dg.AssetSelection.assets(*ASSETS), executor_def=dg.in_process_executor,
        description="Ingest, validate, standardise, match, survive and publish the customer master.")
    nightly, inbox_changed, review_dropped = build_triggers(consolidate)
    return dg.Definitions(
        assets=ASSETS,
        asset_checks=warehouse_checks,
        jobs=[consolidate],
        schedules=[nightly],
        sensors=[inbox_changed, review_dropped],
        executor=dg.in_process_executor,  # for runs of a selection of assets too
        resources={
            "paths": PipelinePaths(inbox=str(inbox), warehouse=str(warehouse), max_file_mb=max_file_mb,
                                   review_dir=str(review_dir), settings=str(settings), keep_backups=keep_backups),
            "run_lock": WarehouseLock.configure_at_launch(warehouse=str(warehouse), staging=str(staging)),
            "io_manager": StageResultIOManager(base_dir=str(staging)),
            "spark": SparkResource(master=spark_master),
        },
    )


private_dagster_home()  # `dagster dev` (DAGSTER_HOME set): the instance's storage owner-only, before it runs
defs = build_definitions()
