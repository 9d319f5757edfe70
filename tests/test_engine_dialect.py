"""What the Spark engine takes from DuckDB, checked without Spark (the default tier):
the models rendered in Spark SQL and back, and DuckDB's u-sampling buckets, which
must pick the rows Splink's own DuckDB sampling picks. The Spark engine itself
runs in tests/test_spark_engine.py (`pytest -m spark -n 0`)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
import sqlglot
from splink.internals.input_column import InputColumn
from splink.internals.dialects import DuckDBDialect
from splink.internals.settings_creator import SettingsCreator

from customer_master.match.backends import duckdb_model, spark_settings
from customer_master.match.spark_engine import with_duckdb_hashes
from customer_master.match.dialect import ROW_KEY_HASH, U_SAMPLE_BUCKET, spark_sql
from customer_master.match.models import TRAINING, UNIQUE_ID
from customer_master.match.scoring import compile_model
from customer_master.match.training import SEED, em_rule

# DuckDB functions Spark SQL does not have: none may be left in a rendered condition
DUCKDB_ONLY = {"list_has_any", "list_has_all", "list_distinct", "string_split", "jaro_winkler_similarity",
               "strpos", "hash", "jaro_winkler"}


def _functions(sql: str) -> set[str]:
    tree = sqlglot.parse_one(sql, read="spark")
    return {(f.name if isinstance(f, sqlglot.exp.Anonymous) else f.sql_name()).lower() for f in tree.find_all(
        sqlglot.exp.Func)}


@pytest.mark.parametrize("customer_type", list(TRAINING))
def test_every_condition_of_the_models_renders_as_spark_sql(customer_type):
    settings = spark_settings(TRAINING[customer_type]["settings"]())
    conditions = [level["sql_condition"] for c in settings["comparisons"] for level in c["comparison_levels"]
                  if level["sql_condition"] != "ELSE"]
    rules = [rule["blocking_rule"] for rule in settings["blocking_rules_to_generate_predictions"]]
    assert len(conditions) > 20 and rules
    for sql in conditions + rules:
        assert not _functions(sql) & DUCKDB_ONLY, sql
    assert all(rule["sql_dialect"] == "spark" for rule in settings["blocking_rules_to_generate_predictions"])


def test_the_rewrites_say_in_spark_what_duckdb_says():
    assert "$1" in spark_sql(r"regexp_replace(name_words_l, '(\S{4})\S*', '\1', 'g') = 'x'")
    assert "size(array_except(b, a)) = 0" in spark_sql("list_has_all(a, b)").lower()
    assert "duckdb_jaro_winkler(" in spark_sql("jaro_winkler_similarity(street_l, street_r) >= 0.88").lower()
    # EM on a share of a large block: the row's DuckDB hash, handed to Spark as a column
    frame = pd.DataFrame({UNIQUE_ID: range(3000), "birth_date": ["2000-01-01"] * 3000})
    rule = em_rule(TRAINING["person"]["em_blocks"][1], frame, cap=1000)
    assert "hash(" in rule and f"l.{ROW_KEY_HASH} % 4499" in spark_sql(rule)


@pytest.mark.parametrize("customer_type", list(TRAINING))
def test_a_model_trained_on_spark_is_kept_in_duckdbs_sql(customer_type):
    """The warehouse keeps every model in DuckDB's SQL (the duplicate check and the
    activities compile it for DuckDB): a Spark-rendered model comes back as models.py's
    DuckDB rendering, with its own m, u and prior."""
    creator = TRAINING[customer_type]["settings"]()
    # what a linker on Spark saves (Settings.as_dict of the Spark rendering)
    model = SettingsCreator.from_path_or_dict(spark_settings(creator)).get_settings("spark").as_dict()
    duck = creator.get_settings("duckdb").as_dict()  # what a DuckDB linker saves, untrained
    duck.pop("linker_uid")
    assert model != duck and duckdb_model(model, creator) == duck
    model["probability_two_random_records_match"] = 0.00123
    model["comparisons"][0]["comparison_levels"][1]["m_probability"] = 0.4321
    back = duckdb_model(model, creator)
    assert back["probability_two_random_records_match"] == 0.00123
    assert back["comparisons"][0]["comparison_levels"][1]["m_probability"] == 0.4321
    compiled = compile_model(back)  # what the duplicate check does with it
    assert compiled.prior == 0.00123


@pytest.mark.parametrize("proportion", [0.05, 0.5, 0.93])
def test_the_staged_buckets_pick_the_rows_splinks_duckdb_sampling_picks(proportion):
    """u is learned from a hash sample of the rows; the Spark engine samples by the
    bucket DuckDB's hash gives each row (backends.with_duckdb_hashes), so it must be
    the very rows Splink's DuckDB dialect samples with the training seed."""
    rows = pa.table({UNIQUE_ID: pa.array(range(1, 20001), pa.int64()), "name": ["x"] * 20000})
    staged = with_duckdb_hashes(rows)
    from splink.internals.dialects import _DETERMINISTIC_SAMPLE_MODULUS

    threshold = max(1, round(proportion * _DETERMINISTIC_SAMPLE_MODULUS))
    ours = set(pa.compute.filter(staged[UNIQUE_ID], pa.compute.less(staged[U_SAMPLE_BUCKET], threshold)).to_pylist())
    splinks = DuckDBDialect().proportion_sample_sql(proportion, [InputColumn(UNIQUE_ID, sqlglot_dialect_str="duckdb")],
                                                    seed=SEED)
    con = duckdb.connect()
    con.register("rows_", rows)
    theirs = {key for (key,) in con.execute(f"SELECT {UNIQUE_ID} FROM rows_ WHERE 1=1 {splinks}").fetchall()}
    assert theirs == ours
    assert 0.8 * proportion * 20000 < len(ours) < 1.2 * proportion * 20000


def test_run_engine_spark_without_java_says_what_to_install(tmp_path, monkeypatch, capsys):
    """`run --engine spark` where Spark cannot run (no Java here; pyspark, where the
    spark extra is not installed) stops before the run with what to install, exit 2,
    and leaves no warehouse."""
    from customer_master.cli import main

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on it
    inbox = tmp_path / "inbox"
    (inbox / "sales").mkdir(parents=True)
    warehouse = tmp_path / "wh" / "customer_master.duckdb"
    assert main(["run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--engine", "spark", "--quiet"]) == 2
    error = capsys.readouterr().err
    assert "error: the spark engine needs" in error and ("Java 17" in error or "[spark]" in error)
    assert not warehouse.exists()
    with pytest.raises(SystemExit) as refused:  # argparse: not an engine
        main(["run", "--inbox", str(inbox), "--engine", "hadoop"])
    assert refused.value.code == 2
