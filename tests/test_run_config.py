"""The match threshold and the review band are checked before a run starts, by
one rule (match/threshold.py), whichever way the run is started: the Launchpad's
run config (the job executed here as Dagster executes it), `run --threshold`,
`review export --band`."""

import dagster as dg
import pytest
from pydantic import ValidationError

from conftest import write_csv, write_xlsx
from customer_master.assets.match import MatchConfig
from customer_master.cli import main
from customer_master.warehouse.layout import layout
from customer_master.pipelines.definitions import build_definitions
from customer_master.pipelines.triggers import CONSOLIDATE_JOB


@pytest.mark.parametrize("config, named", [
    ({"match_threshold": 1.5}, "match_threshold must be between 0 and 1 (exclusive), not 1.5"),
    ({"match_threshold": 0.0}, "match_threshold must be between 0 and 1 (exclusive), not 0.0"),
    ({"review_from": 0.9, "review_to": 0.6}, "review_from (0.9) must not be above review_to (0.6)"),
    ({"review_to": 1.2}, "review_to must be between 0 and 1, not 1.2"),
])
def test_a_run_config_out_of_range_fails_before_any_step_runs(tmp_path, config, named):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "sales" / "a.csv", ["客户名称,手机", "华信科技有限公司,13800138000"])
    review = tmp_path / "review"
    dropped = write_xlsx(review / "inbox" / "复核.xlsx",
                         {"review": [["decision", "row_identity_l", "row_identity_r"]]})
    warehouse = tmp_path / "wh" / "customer_master.duckdb"
    defs = build_definitions(inbox=inbox, warehouse=warehouse, staging=tmp_path / "staging", review_dir=review)
    result = defs.resolve_job_def(CONSOLIDATE_JOB).execute_in_process(
        run_config={"ops": {"matched_clusters": {"config": config}}},
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert not result.success
    assert [e.step_key for e in result.all_events if e.is_step_success] == []
    failed = {e.step_key: e.step_failure_data.error.message for e in result.all_events if e.is_step_failure}
    assert "ingested_rows" in failed
    assert all(named in message for message in failed.values()), failed
    # nothing was read, imported or written
    assert not layout(warehouse).ingest_cache.exists() and not warehouse.exists()
    assert dropped.exists() and not (review / "imported").exists()


def test_the_config_class_applies_the_same_rule():
    with pytest.raises(ValidationError, match="review_from"):
        MatchConfig(review_from=-0.1)
    with pytest.raises(ValidationError, match="match_threshold"):
        MatchConfig(match_threshold=float("nan"))
    # the band need not hold the threshold: pairs on either side may be reviewed
    assert MatchConfig(match_threshold=0.95, review_from=0.6, review_to=0.9).review_to == 0.9


def test_the_command_line_says_which_option_is_out_of_range(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    write_csv(inbox / "sales" / "a.csv", ["客户名称", "华信科技有限公司"])
    warehouse = tmp_path / "wh" / "customer_master.duckdb"
    assert main(["run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--threshold", "1.5"]) == 2
    assert "error: --threshold must be between 0 and 1 (exclusive), not 1.5" in capsys.readouterr().err
    assert not warehouse.parent.exists()
    assert main(["review", "export", "--warehouse", str(warehouse), "--out", str(tmp_path / "r.xlsx"),
                 "--band", "0.9", "0.6"]) == 2
    err = capsys.readouterr().err
    assert "error: --band LOW (0.9) must not be above --band HIGH (0.6)" in err and "Traceback" not in err
