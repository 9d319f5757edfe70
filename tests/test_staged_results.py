"""Stage results handed between steps: a step reads only the frames it uses."""

import dataclasses

import dagster as dg
import pandas as pd

from customer_master.customer360.activities import ActivityResult
from customer_master.pipelines.resources import COLUMNS_READ, StageResultIOManager
from customer_master.pipelines.staged_results import staged_result


def test_a_stage_result_reads_a_frame_only_when_a_step_uses_it(tmp_path):
    interactions = pd.DataFrame({"master_id": ["M1", "M2"], "kind": ["call", "visit"]})
    transactions = pd.DataFrame({"master_id": ["M1"], "amount": [12.5]})
    manager = StageResultIOManager(base_dir=str(tmp_path / "staging"))
    output = dg.build_output_context(asset_key=dg.AssetKey("customer_activities"), run_id="run-1")
    manager.handle_output(output, ActivityResult(interactions=interactions, transactions=transactions,
                                                 rows_scored=3, rows_kept=1))

    loaded = manager.load_input(dg.build_input_context(upstream_output=output))
    assert isinstance(loaded, ActivityResult)
    assert [f.name for f in dataclasses.fields(loaded)] == ["interactions", "transactions", "rows_scored", "rows_kept"]
    assert (loaded.rows_scored, loaded.rows_kept) == (3, 1)  # what is not a frame comes back as it was
    assert "interactions" not in vars(loaded) and "transactions" not in vars(loaded)  # nothing read yet
    pd.testing.assert_frame_equal(loaded.interactions, interactions)
    assert "interactions" in vars(loaded) and "transactions" not in vars(loaded)  # only what was used
    pd.testing.assert_frame_equal(loaded.transactions, transactions)
    assert loaded.interactions is loaded.interactions  # read once


def test_a_step_that_names_its_columns_reads_only_those(tmp_path):
    rows = pd.DataFrame({"row_key": [1, 2], "name": ["甲", "乙"], "notes": ["long text", None]})
    manager = StageResultIOManager(base_dir=str(tmp_path / "staging"))
    output = dg.build_output_context(asset_key=dg.AssetKey("standardised_rows"), run_id="run-1")
    manager.handle_output(output, rows)

    narrow = manager.load_input(dg.build_input_context(upstream_output=output,
                                                       definition_metadata={COLUMNS_READ: ["row_key", "name"]}))
    pd.testing.assert_frame_equal(narrow, rows[["row_key", "name"]])
    pd.testing.assert_frame_equal(manager.load_input(dg.build_input_context(upstream_output=output)), rows)


def test_a_frame_set_on_a_staged_result_replaces_the_staged_one(tmp_path):
    path = tmp_path / "interactions.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(path)
    result = staged_result(ActivityResult, {"interactions": path, "transactions": tmp_path / "missing.parquet"}, {})
    result.transactions = pd.DataFrame({"b": [2]})
    assert result.transactions.b.tolist() == [2]
    assert result.interactions.a.tolist() == [1]
    replaced = dataclasses.replace(result, interactions=pd.DataFrame({"a": [3]}))
    assert replaced.interactions.a.tolist() == [3] and replaced.transactions.b.tolist() == [2]


def test_a_step_asks_for_a_count_or_some_columns_without_reading_the_whole_frame(tmp_path):
    from customer_master.pipelines.staged_results import frame_columns, row_count, stored_file
    path = tmp_path / "interactions.parquet"
    pd.DataFrame({"master_id": ["M1", "M2", "M3"], "note": ["a", "b", "c"]}).to_parquet(path)
    staged = staged_result(ActivityResult, {"interactions": path, "transactions": path}, {})
    assert stored_file(staged, "interactions") == path
    assert row_count(staged, "interactions") == 3
    assert frame_columns(staged, "interactions", ["note"]).note.tolist() == ["a", "b", "c"]
    assert "interactions" not in vars(staged)  # still not read whole
    staged.interactions.loc[0, "note"] = "changed"  # read now: the frame in memory is what counts
    assert stored_file(staged, "interactions") is None
    assert frame_columns(staged, "interactions", ["note"]).note.tolist() == ["changed", "b", "c"]
    plain = ActivityResult(interactions=pd.DataFrame({"x": [1, 2]}), transactions=pd.DataFrame())
    assert stored_file(plain, "interactions") is None and row_count(plain, "interactions") == 2


def test_an_arrow_table_in_a_stage_result_comes_back_as_one(tmp_path):
    import pyarrow as pa
    table = pa.table({"master_id": ["M1", "M2"], "value": ["深圳", None]})
    manager = StageResultIOManager(base_dir=str(tmp_path / "staging"))
    output = dg.build_output_context(asset_key=dg.AssetKey("golden"), run_id="run-1")
    manager.handle_output(output, ActivityResult(interactions=pd.DataFrame({"a": [1]}), transactions=table))
    loaded = manager.load_input(dg.build_input_context(upstream_output=output))
    assert isinstance(loaded.transactions, pa.Table) and loaded.transactions.equals(table)
    assert isinstance(loaded.interactions, pd.DataFrame)
