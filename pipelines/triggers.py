"""When consolidation runs: nightly, and when the inbox changes."""


import hashlib
import time
from pathlib import Path

import dagster as dg

from customer_master.pipelines.resources import PipelinePaths
from customer_master.review.folder import pending_workbooks

CONSOLIDATE_JOB = "consolidate"
NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Asia/Shanghai"
# A file modified this recently may still be being copied in: wait for the next tick.
SETTLE_SECONDS = 15
# On this weekday (Monday 0) the nightly run trains the match models afresh; the other
# nights use the last run's while the rows have not drifted (match/stored_models.py).
FULL_RUN_WEEKDAY = 6


def build_triggers(job) -> tuple[dg.ScheduleDefinition, dg.SensorDefinition]:
    nightly = dg.ScheduleDefinition(
        name="nightly_consolidation", job=job, cron_schedule=NIGHTLY_CRON, execution_timezone=TIMEZONE,
        description="Consolidate every department's spreadsheets at 02:00 China time; "
                    "on Sundays a full run that trains the match models afresh.",
        default_status=dg.DefaultScheduleStatus.RUNNING, run_config_fn=nightly_run_config,
    )

    @dg.sensor(name="inbox_changed", job=job, minimum_interval_seconds=30,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description="Starts a consolidation when a file in the inbox is added, changed or removed.")
    def inbox_changed(context: dg.SensorEvaluationContext, paths: PipelinePaths):
        inbox = paths.inbox_path
        if not inbox.is_dir():
            return dg.SkipReason(f"inbox {inbox} does not exist")
        files = [p for p in inbox.rglob("*") if p.is_file() and not p.name.startswith(("~$", "."))]
        return _on_change(context, inbox, files, "inbox_changed", "inbox unchanged since the last run request")

    @dg.sensor(name="review_workbook_dropped", job=job, minimum_interval_seconds=30,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description="Starts a consolidation when a filled-in review workbook is dropped into "
                           "the review folder's inbox/; the run imports it before matching.")
    def review_workbook_dropped(context: dg.SensorEvaluationContext, paths: PipelinePaths):
        waiting = pending_workbooks(paths.review_path)
        if not waiting:
            return dg.SkipReason(f"no review workbook waiting in {paths.review_path / 'inbox'}")
        return _on_change(context, paths.review_path, waiting, "review_workbook_dropped",
                          "those workbooks were already handed to a run")

    return nightly, inbox_changed, review_workbook_dropped


def nightly_run_config(context: dg.ScheduleEvaluationContext) -> dict:
    """A full run (MatchConfig.full) on FULL_RUN_WEEKDAY, China time; the defaults otherwise."""
    when = context.scheduled_execution_time  # in the schedule's timezone
    if when is not None and when.weekday() == FULL_RUN_WEEKDAY:
        return {"ops": {"matched_clusters": {"config": {"full": True}}}}
    return {}


def _on_change(context: dg.SensorEvaluationContext, root: Path, files: list[Path], trigger: str,
               unchanged: str) -> dg.RunRequest | dg.SkipReason:
    """A run request when the files' names, sizes and times differ from the cursor's,
    once no file has changed for SETTLE_SECONDS (a copy in progress is not read)."""
    stats = sorted((p.relative_to(root).as_posix(), p.stat()) for p in files)
    now = time.time()
    # (a file stamped in the future by a skewed clock must not block the sensor)
    if any(0 <= now - s.st_mtime < SETTLE_SECONDS for _, s in stats):
        return dg.SkipReason("a file was modified in the last seconds; waiting for copying to finish")
    fingerprint = hashlib.sha256(
        "\n".join(f"{name}\t{s.st_size}\t{s.st_mtime_ns}" for name, s in stats).encode()).hexdigest()
    if fingerprint == context.cursor:
        return dg.SkipReason(unchanged)
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=f"{trigger}:{fingerprint}", tags={"trigger": trigger})
