"""Run the Dagster asset graph in this process (what `customer-master run` does),
and read back what a steward wants to see afterwards."""

from __future__ import annotations

import json
import logging
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from customer_master.config import DEFAULT_KEEP_BACKUPS
from customer_master.ingest.inbox import DEFAULT_MAX_FILE_MB
from customer_master.match.engines import DEFAULT_ENGINE, DEFAULT_SPARK_MASTER
from customer_master.match.threshold import DEFAULT_MATCH_THRESHOLD
from customer_master.run_summary import summary_lines
from customer_master.warehouse.open import opened_warehouse

log = logging.getLogger("customer_master.run")


@dataclass
class RunOutcome:
    success: bool
    warehouse: Path
    failed_step: str = ""
    error: str = ""
    run: dict = field(default_factory=dict)  # the meta.runs row of this run
    checks: dict[str, bool] = field(default_factory=dict)
    warnings: set[str] = field(default_factory=set)  # checks of WARN severity: reported, never a failed run
    steps: dict[str, tuple[float, float]] = field(default_factory=dict)  # step -> (start, end), epoch seconds
    run_id: str = ""
    # what became of the run's warehouse (publish.warehouse_of_run): 'recorded',
    # 'in place, not recorded' or 'not published'; had_warehouse: one was in place before
    published: str = ""
    had_warehouse: bool = False
    review_workbook: str = ""  # the workbook the run left for the stewards (review/outbox.py)
    pairs_waiting: int = 0  # its pairs no steward has decided yet
    # what the UI shows on each asset and check: asset (or check) name -> its metadata entries
    asset_metadata: dict[str, dict] = field(default_factory=dict)
    check_metadata: dict[str, dict] = field(default_factory=dict)

    def failure_consequence(self) -> str:
        """What a failed run did to the warehouse, truthfully (after a failure in or after the swap too)."""
        if self.published == "recorded":
            return (f"This run's warehouse was published before the failure and is in place: {self.warehouse} "
                    f"(run {self.run_id[:8]} in meta.runs).")
        if self.published == "in place, not recorded":
            return (f"This run's warehouse was swapped in before the failure: {self.warehouse} holds its masters, "
                    f"but recording run {self.run_id[:8]} (the run ledger, the state the next run starts from) did "
                    "not finish. The next run, restore or review on this warehouse finishes it before anything "
                    "else.")
        if self.had_warehouse:
            return f"The previous warehouse is unchanged: {self.warehouse}."
        return f"No warehouse was published (there was none at {self.warehouse} before)."

    @property
    def checks_passed(self) -> bool:
        return all(ok or name in self.warnings for name, ok in self.checks.items())

    def format_summary(self, seconds: float) -> str:
        r = self.run
        lines = [
            "",
            f"customer-master run {r['run_id'][:8]} finished in {seconds:.1f} s",
            *summary_lines(r, json.loads(r.get("rejected_by_reason") or "{}")),
            *([f"  to review      {self.pairs_waiting} pairs wait for a steward's decision: "
               f"{_shown(self.review_workbook)}"] if self.review_workbook else []),
            "  checks         " + ", ".join(f"{name}: {self._check_word(name, ok)}" for name, ok in self.checks.items()),
            f"  warehouse      {self.warehouse}",
        ]
        return "\n".join(lines)

    def _check_word(self, name: str, ok: bool) -> str:
        return "ok" if ok else ("warning" if name in self.warnings else "FAILED")


def _shown(path: str) -> str:
    """A path as a person typed it: relative to the working folder when it is inside it."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def run_consolidation(inbox: Path, warehouse: Path, staging: Path | None = None,
                      threshold: float = DEFAULT_MATCH_THRESHOLD, max_file_mb: float = DEFAULT_MAX_FILE_MB,
                      settings: Path | None = None, wait: bool = False,
                      keep_backups: int = DEFAULT_KEEP_BACKUPS, review_dir: Path | None = None,
                      full: bool = False, engine: str = DEFAULT_ENGINE, spark_master: str = DEFAULT_SPARK_MASTER
                      ) -> RunOutcome:
    """One run of the asset graph on `warehouse`, under its lock (warehouse/lock.py), taken
    before the Dagster run starts: WarehouseBusy when another run holds it, unless `wait`.
    staging: where the steps hand stage results on (default <warehouse>.d/staging/);
    review_dir: the review folder (default data/review or CUSTOMER_MASTER_REVIEW): workbooks
    dropped into its inbox/ are imported, and the run's workbook is written to its to_review/;
    full: train the match models afresh instead of using the last run's (match/stored_models.py);
    engine: duckdb or spark (on `spark_master`), where Splink trains, scores and clusters."""
    import dagster as dg

    from customer_master.pipelines.definitions import build_definitions
    from customer_master.pipelines.triggers import CONSOLIDATE_JOB

    from customer_master.config import DEFAULT_REVIEW_DIR, DEFAULT_SETTINGS
    from customer_master.pipelines.resources import checked_settings
    from customer_master.warehouse.layout import layout
    from customer_master.warehouse.lock import run_lock
    from customer_master.warehouse.origin import CLI, LAUNCHED_BY_TAG
    from customer_master.warehouse.publish import warehouse_of_run

    checked_settings(settings or DEFAULT_SETTINGS)  # a mistake in the file stops here, before any step runs
    warehouse = Path(warehouse)
    defs = build_definitions(inbox=inbox, warehouse=warehouse, staging=staging, max_file_mb=max_file_mb,
                             settings=settings or DEFAULT_SETTINGS, keep_backups=keep_backups,
                             review_dir=review_dir or DEFAULT_REVIEW_DIR, spark_master=spark_master)
    job = defs.resolve_job_def(CONSOLIDATE_JOB)
    instance = dg.DagsterInstance.ephemeral()
    with ExitStack() as held:
        try:
            held.enter_context(run_lock(warehouse, wait=wait, on_wait=lambda message: log.warning("%s", message)))
        except OSError as exc:  # the warehouse's folder cannot be made (a file in the way, no permission)
            return RunOutcome(False, warehouse, "", f"cannot use {layout(warehouse).folder}: {exc.strerror or exc}",
                              published="not published", had_warehouse=warehouse.is_file())
        had_warehouse = warehouse.exists()
        result = _execute_in_process(
            job,
            run_config={"ops": {"matched_clusters": {"config": {"match_threshold": threshold, "full": full,
                                                                "engine": engine}}},
                        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
            instance=instance,
            tags={LAUNCHED_BY_TAG: CLI},  # meta.runs.launched_by (warehouse/origin.py)
        )
        published = warehouse_of_run(warehouse, result.run_id)
    steps = _step_times(instance, result.run_id)
    asset_metadata = _asset_metadata(instance, result.run_id)
    if not result.success:
        failure = next((e for e in result.all_events if e.is_step_failure), None)
        error = failure.step_failure_data.error if failure else _run_failure_error(result)
        message = _root_message(error) if error else "unknown error"
        return RunOutcome(False, warehouse, failure.step_key if failure else "", message, steps=steps,
                          run_id=result.run_id, published=published, had_warehouse=had_warehouse,
                          asset_metadata=asset_metadata)
    evaluations = result.get_asset_check_evaluations()
    checks = {e.asset_check_key.name: e.passed for e in evaluations}
    warnings = {e.asset_check_key.name for e in evaluations if e.severity == dg.AssetCheckSeverity.WARN}
    with opened_warehouse(warehouse) as con:
        frame = con.execute("SELECT * FROM meta.runs WHERE run_id = ?", [result.run_id]).df()
    review = {key: value.value for event in result.asset_materializations_for_node("review_workbook")
              for key, value in event.metadata.items()}
    return RunOutcome(True, warehouse, run=frame.iloc[0].to_dict(), checks=checks, warnings=warnings, steps=steps,
                      run_id=result.run_id, published=published, had_warehouse=had_warehouse,
                      review_workbook=review.get("path", ""), pairs_waiting=review.get("pairs_waiting", 0),
                      asset_metadata=asset_metadata,
                      check_metadata={e.asset_check_key.name: dict(e.metadata) for e in evaluations})


def _execute_in_process(job, run_config: dict, instance, tags: dict):
    """`job.execute_in_process(..., raise_on_error=False)` without keeping every step's
    output in memory until the run ends. Dagster's version keeps them for the result's
    `output_for_node`; this pipeline hands its stage results on through files (the IO
    manager) and never asks for them, and the kept outputs held every stage's frames
    at once (at 200k rows, the ingested, validated and standardised rows stayed
    alive to the last step). Dagster's own steps otherwise (dagster is pinned <1.14)."""
    from dagster._core.definitions.job_base import InMemoryJob
    from dagster._core.execution.execute_in_process import core_execute_in_process, merge_run_tags

    return core_execute_in_process(
        job=InMemoryJob(job_def=job.as_ephemeral_job(resource_defs={}, input_values={})),
        run_config=run_config, instance=instance, output_capturing_enabled=False, raise_on_error=False,
        run_tags=merge_run_tags(job_def=job, partition_key=None, tags=tags, asset_selection=None,
                                instance=instance, run_config=run_config),
    )


def _step_times(instance, run_id: str) -> dict[str, tuple[float, float]]:
    """When each step of the run started and ended (epoch seconds), from Dagster's event log."""
    import dagster as dg

    starts, ends = {}, {}
    for entry in instance.all_logs(run_id, of_type={dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS,
                                                    dg.DagsterEventType.STEP_FAILURE}):
        (starts if entry.dagster_event.event_type == dg.DagsterEventType.STEP_START else ends)[entry.step_key] = \
            entry.timestamp
    return {step: (start, ends.get(step, start)) for step, start in sorted(starts.items(), key=lambda kv: kv[1])}


def _asset_metadata(instance, run_id: str) -> dict[str, dict]:
    """The metadata each asset of the run recorded (what the UI shows), from Dagster's event log."""
    import dagster as dg

    return {entry.dagster_event.asset_key.to_user_string(): dict(entry.dagster_event.materialization.metadata)
            for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)}


def _run_failure_error(result):
    """The error of a run that failed outside its steps (a resource that could not start)."""
    for event in result.all_events:
        if event.is_run_failure and event.event_specific_data is not None:
            return getattr(event.event_specific_data, "error", None)
    return None


def _root_message(error) -> str:
    """The innermost cause of a Dagster step error, as one line."""
    while error.cause is not None:
        error = error.cause
    return f"{error.cls_name}: {error.message.strip()}"
