"""The inbox sensor and the nightly schedule, evaluated by Dagster itself."""

import os
import time

import dagster as dg

from conftest import write_csv
from customer_master.pipelines.definitions import build_definitions


def _evaluate(defs, cursor=None, name="inbox_changed"):
    sensor = defs.resolve_sensor_def(name)
    with dg.build_sensor_context(cursor=cursor, resources={"paths": defs.resources["paths"]}) as context:
        return sensor(context), context.cursor


def test_the_sensor_requests_a_run_when_the_inbox_changes(tmp_path):
    inbox = tmp_path / "inbox"
    settled = time.time() - 60
    first = write_csv(inbox / "sales" / "a.csv", ["客户名称", "华信科技"])
    os.utime(first, (settled, settled))
    defs = build_definitions(inbox=inbox, warehouse=tmp_path / "w.duckdb")

    result, cursor = _evaluate(defs)
    assert isinstance(result, dg.RunRequest)
    unchanged, same_cursor = _evaluate(defs, cursor)
    assert isinstance(unchanged, dg.SkipReason) and same_cursor == cursor

    second = write_csv(inbox / "shop" / "b.csv", ["姓名", "张伟"])
    waiting, _ = _evaluate(defs, cursor)  # just written: may still be copying
    assert isinstance(waiting, dg.SkipReason) and "waiting" in waiting.skip_message
    os.utime(second, (settled, settled))
    changed, new_cursor = _evaluate(defs, cursor)
    assert isinstance(changed, dg.RunRequest) and new_cursor != cursor


def test_the_nightly_schedule_runs_at_two_in_shanghai(tmp_path):
    schedule = build_definitions(inbox=tmp_path, warehouse=tmp_path / "w.duckdb").resolve_schedule_def(
        "nightly_consolidation")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", "Asia/Shanghai")
    assert schedule.job_name == "consolidate"


def test_the_review_sensor_requests_a_run_for_a_dropped_workbook(tmp_path):
    review = tmp_path / "review"
    defs = build_definitions(inbox=tmp_path, warehouse=tmp_path / "w.duckdb", review_dir=review)
    nothing, _ = _evaluate(defs, name="review_workbook_dropped")
    assert isinstance(nothing, dg.SkipReason) and "no review workbook" in nothing.skip_message
    workbook = review / "inbox" / "复核_王芳.xlsx"
    workbook.parent.mkdir(parents=True)
    workbook.write_bytes(b"placeholder")
    settled = time.time() - 60
    os.utime(workbook, (settled, settled))
    request, cursor = _evaluate(defs, name="review_workbook_dropped")
    assert isinstance(request, dg.RunRequest) and request.tags["trigger"] == "review_workbook_dropped"
    again, _ = _evaluate(defs, cursor, name="review_workbook_dropped")
    assert isinstance(again, dg.SkipReason)
