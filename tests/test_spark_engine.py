"""The Spark engine (issue 13) against the DuckDB engine, on a real local[2] Spark
with Splink's SparkAPI: the sample inbox through the whole asset graph with
`engine: spark` publishes the masters the session's DuckDB run published.

Not in the default tier: it needs the `spark` extra and Java 17, and a Spark run of
the sample takes minutes on two cores.

    .venv/bin/pip install -e ".[test,spark]"
    .venv/bin/pytest -m spark -n 0
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from conftest import SAMPLE_INBOX, run_pipeline
from customer_master.match.dialect import spark_sql
from customer_master.match.models import TRAINING
from customer_master.warehouse.open import opened_warehouse

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark_run(tmp_path_factory, sample_settings_file):
    """The sample inbox consolidated with the Spark engine on local[2], with the
    settings of the session's DuckDB run (sample_run)."""
    warehouse = tmp_path_factory.mktemp("spark_sample") / "customer_master.duckdb"
    outcome = run_pipeline(SAMPLE_INBOX, warehouse, settings=sample_settings_file, engine="spark",
                           spark_master="local[2]")
    assert outcome.success, f"spark run failed in {outcome.failed_step}: {outcome.error}"
    return outcome


def _table(warehouse, sql: str) -> pd.DataFrame:
    with opened_warehouse(warehouse) as con:
        return con.execute(sql).df()


def test_the_spark_engine_publishes_the_masters_of_the_duckdb_engine(spark_run, sample_run):
    """Same clusters, same golden values, same ids: every column of master.customers
    but the run that created it, and the master of every source row."""
    assert spark_run.asset_metadata["matched_clusters"]["engine"].value == "spark"
    assert sample_run.asset_metadata["matched_clusters"]["engine"].value == "duckdb"
    ordered = "SELECT * EXCLUDE (created_run) FROM master.customers ORDER BY master_id"
    spark, duck = _table(spark_run.warehouse, ordered), _table(sample_run.warehouse, ordered)
    assert len(duck) > 1000
    pd.testing.assert_frame_equal(spark, duck)
    rows = "SELECT source, file, sheet, row_number, master_id FROM master.xref ORDER BY ALL"
    pd.testing.assert_frame_equal(_table(spark_run.warehouse, rows), _table(sample_run.warehouse, rows))
    rejected = "SELECT source, file, sheet, row_number, reason FROM quality.rejected ORDER BY ALL"
    pd.testing.assert_frame_equal(_table(spark_run.warehouse, rejected), _table(sample_run.warehouse, rejected))
    assert spark_run.run["master_customers"] == sample_run.run["master_customers"]


def test_spark_scores_the_pairs_duckdb_scores(spark_run, sample_run):
    """The same candidate pairs above 0.5, each with the same evidence and cannot-link
    reason, and a match probability equal up to the order floats were summed in."""
    pairs = ("SELECT customer_type, source_l, file_l, sheet_l, row_number_l, source_r, file_r, sheet_r, "
             "row_number_r, match_probability, match_weight, evidence, cannot_link FROM master.match_pairs ORDER BY ALL")
    spark, duck = _table(spark_run.warehouse, pairs), _table(sample_run.warehouse, pairs)
    assert len(duck) > 1000
    keys = [c for c in duck.columns if c not in ("match_probability", "match_weight", "evidence")]
    pd.testing.assert_frame_equal(spark[keys], duck[keys])
    assert np.allclose(spark.match_probability, duck.match_probability, rtol=0, atol=1e-9)
    assert np.allclose(spark.match_weight, duck.match_weight, rtol=0, atol=1e-6)
    assert (spark.evidence == duck.evidence).mean() > 0.999  # rounded to 3 decimals: a tie may round apart


def test_the_models_spark_trained_are_duckdbs_and_kept_in_duckdb_sql(spark_run, sample_run):
    """Both engines learn the same m, u and prior (u from the same sampled pairs), and
    the warehouse keeps the Spark-trained model in DuckDB's SQL, as the duplicate
    check and the activities read it."""
    weights = "SELECT customer_type, comparison, level, m_probability, u_probability FROM master.model_weights ORDER BY ALL"
    spark, duck = _table(spark_run.warehouse, weights), _table(sample_run.warehouse, weights)
    pd.testing.assert_frame_equal(spark[["customer_type", "comparison", "level"]],
                                  duck[["customer_type", "comparison", "level"]])
    for column in ("m_probability", "u_probability"):
        assert np.allclose(spark[column].astype(float), duck[column].astype(float), rtol=1e-6, atol=1e-12,
                           equal_nan=True), column
    models = "SELECT customer_type, model_json FROM master.models ORDER BY customer_type"
    for (_, spark_json), (_, duck_json) in zip(_table(spark_run.warehouse, models).itertuples(index=False),
                                                 _table(sample_run.warehouse, models).itertuples(index=False)):
        spark_model, duck_model = json.loads(spark_json), json.loads(duck_json)
        assert _without_numbers(spark_model) == _without_numbers(duck_model)  # the same SQL, labels, keys
        assert spark_model["probability_two_random_records_match"] == pytest.approx(
            duck_model["probability_two_random_records_match"], rel=1e-6)


def _without_numbers(model):
    """A model's JSON with every number blanked (they agree up to float summation)."""
    if isinstance(model, dict):
        return {key: _without_numbers(value) for key, value in model.items()}
    if isinstance(model, list):
        return [_without_numbers(value) for value in model]
    return "<number>" if isinstance(model, float) else model


@pytest.fixture(scope="module")
def spark_session_for_tests(spark_run):
    """The session the Spark run built (local[2]), with the engine's functions."""
    from pyspark.sql import SparkSession

    from customer_master.match.spark_engine import _same_hash_api_class, register_duckdb_functions

    session = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    _same_hash_api_class()(spark_session=session)
    register_duckdb_functions(session)
    return session


@pytest.mark.parametrize("customer_type", list(TRAINING))
def test_every_level_picks_the_pairs_duckdb_picks(spark_session_for_tests, customer_type, sample_run):
    """Every comparison level of the model, rendered for Spark (dialect.py), holds for
    exactly the pairs its DuckDB SQL holds for, on 20,000 random pairs of the sample's
    rows and on every pair of the run's match_pairs (Jaro-Winkler near its thresholds,
    names that share words, swapped names, dates a year apart)."""
    features = _table(sample_run.warehouse, f"SELECT * FROM master.match_input WHERE customer_type = '{customer_type}'")
    frame = features.drop(columns=["master_id", "customer_type"]).reset_index(drop=True)
    # the warehouse types birth_date as a date; the match stage compares its ISO text
    frame["birth_date"] = pd.to_datetime(frame["birth_date"]).dt.strftime("%Y-%m-%d").astype(object)
    frame["birth_date"] = frame["birth_date"].where(frame["birth_date"].notna(), None)
    rng = np.random.default_rng(13)
    left, right = rng.integers(0, len(frame), 20000), rng.integers(0, len(frame), 20000)
    same_master = features.groupby("master_id").indices
    near = [(ids[0], other) for ids in same_master.values() for other in ids[1:]]  # pairs of one master
    left = np.concatenate([left, [a for a, _ in near]])
    right = np.concatenate([right, [b for _, b in near]])
    pairs = pd.concat([frame.iloc[left].reset_index(drop=True).add_suffix("_l"),
                       frame.iloc[right].reset_index(drop=True).add_suffix("_r")], axis=1)
    pairs["pair"] = range(len(pairs))
    table = pa.Table.from_pandas(pairs, preserve_index=False)
    table = table.cast(pa.schema([pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f
                                  for f in table.schema]))
    con = duckdb.connect()
    con.register("pairs", table)
    spark = spark_session_for_tests
    spark.createDataFrame(table).createOrReplaceTempView("pairs")
    settings = TRAINING[customer_type]["settings"]().create_settings_dict(sql_dialect_str="duckdb")
    checked = 0
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            sql = level["sql_condition"]
            if sql == "ELSE":
                continue
            duck = {p for (p,) in con.execute(f"SELECT pair FROM pairs WHERE {sql}").fetchall()}
            ours = {row[0] for row in spark.sql(f"SELECT pair FROM pairs WHERE {spark_sql(sql)}").collect()}
            assert ours == duck, (comparison["output_column_name"], level["label_for_charts"])
            checked += bool(duck)
    assert checked > 15  # levels some pair reached
