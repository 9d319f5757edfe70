"""A mistake in the settings file of a Dagster run (data/settings.yaml or
CUSTOMER_MASTER_SETTINGS) fails the run's first steps with a message naming the key, before
the inbox is read or a review workbook imported (issue 11: it failed only at the
customer 360 steps, after ingest, validation, standardisation and matching)."""

import dagster as dg
import pytest

from conftest import write_csv, write_xlsx
from customer_master.cli import main
from customer_master.pipelines.definitions import build_definitions
from customer_master.pipelines.triggers import CONSOLIDATE_JOB
from customer_master.warehouse.layout import layout


@pytest.mark.parametrize("text, named", [
    ("segments: {recency_days: [365, 90]}", "segments.recency_days"),
    ("segments: {window: 30}", "segments.window is not a setting"),
    ("activities: {resolve_threshold: 1.5}", "activities.resolve_threshold must be between 0 and 1"),
])
def test_a_bad_settings_file_fails_the_first_steps_naming_the_key(tmp_path, text, named):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "sales" / "a.csv", ["客户名称,手机", "华信科技有限公司,13800138000"])
    review = tmp_path / "review"
    dropped = write_xlsx(review / "inbox" / "复核.xlsx", {"review": [["decision", "row_identity_l", "row_identity_r"]]})
    settings = tmp_path / "settings.yaml"
    settings.write_text(text + "\n", encoding="utf-8")
    warehouse = tmp_path / "wh" / "customer_master.duckdb"
    defs = build_definitions(inbox=inbox, warehouse=warehouse, staging=tmp_path / "staging", review_dir=review,
                             settings=settings)  # as the UI is given it: CUSTOMER_MASTER_SETTINGS
    result = defs.resolve_job_def(CONSOLIDATE_JOB).execute_in_process(  # as the Launchpad runs the job
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert not result.success
    assert [e.step_key for e in result.all_events if e.is_step_success] == []
    failed = {e.step_key: e.step_failure_data.error.message for e in result.all_events if e.is_step_failure}
    assert "ingested_rows" in failed
    assert all(named in message and str(settings) in message for message in failed.values()), failed
    assert not layout(warehouse).ingest_cache.exists() and not warehouse.exists()
    assert dropped.exists() and not (review / "imported").exists()


def test_the_command_line_refuses_the_same_mistake_before_the_run(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "sales" / "a.csv", ["客户名称", "华信科技有限公司"])
    settings = tmp_path / "settings.yaml"
    settings.write_text("activities: {resolve_threshold: 1.5}\n", encoding="utf-8")
    warehouse = tmp_path / "wh" / "customer_master.duckdb"
    assert main(["run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--settings", str(settings),
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"error: {settings}: activities.resolve_threshold must be between 0 and 1 (exclusive), not 1.5" in err
    assert not warehouse.parent.exists()
