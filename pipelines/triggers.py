"""When consolidation runs: nightly, and when the inbox changes."""


import hashlib
import time

import dagster as dg

from customer_master.pipelines.resources import PipelinePaths

CONSOLIDATE_JOB = "consolidate"
NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Asia/Shanghai"
# A file modified this recently may still be being copied in: wait for the next tick.
SETTLE_SECONDS = 15


def build_triggers(job) -> tuple[dg.ScheduleDefinition, dg.SensorDefinition]:
    nightly = dg.ScheduleDefinition(
        name="nightly_consolidation", job=job, cron_schedule=NIGHTLY_CRON, execution_timezone=TIMEZONE,
        description="Consolidate every department's spreadsheets at 02:00 China time.",
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )

    @dg.sensor(name="inbox_changed", job=job, minimum_interval_seconds=30,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description="Starts a consolidation when a file in the inbox is added, changed or removed.")
    def inbox_changed(context: dg.SensorEvaluationContext, paths: PipelinePaths):
        inbox = paths.inbox_path
        if not inbox.is_dir():
            return dg.SkipReason(f"inbox {inbox} does not exist")
        files = sorted(p for p in inbox.rglob("*") if p.is_file() and not p.name.startswith(("~$", ".")))
        stats = [(p.relative_to(inbox).as_posix(), p.stat()) for p in files]
        now = time.time()
        # (a file stamped in the future by a skewed clock must not block the sensor)
        if any(0 <= now - s.st_mtime < SETTLE_SECONDS for _, s in stats):
            return dg.SkipReason("a file was modified in the last seconds; waiting for copying to finish")
        fingerprint = hashlib.sha256(
            "\n".join(f"{name}\t{s.st_size}\t{s.st_mtime_ns}" for name, s in stats).encode()).hexdigest()
        if fingerprint == context.cursor:
            return dg.SkipReason("inbox unchanged since the last run request")
        context.update_cursor(fingerprint)
        return dg.RunRequest(run_key=fingerprint, tags={"trigger": "inbox_changed"})

    return nightly, inbox_changed
