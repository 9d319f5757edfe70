"""The Spark engine: Splink's SparkAPI on a SparkSession (spark_session.py), made to
give DuckDB's answers (dialect.py says what differs and how).

- The rows of a customer type are staged as Parquet in the engine's work folder,
  with DuckDB's hash of every row key and its u-sampling bucket, and Spark reads
  them there.
- Wherever Splink hashes a row to pick a share of the rows (u sampling, the chunks
  it counts u in, EM's samples), the Spark dialect here takes DuckDB's hash from
  those columns, so Spark learns from the very pairs DuckDB learns from.
- Jaro-Winkler is DuckDB's own function, called through a vectorized (Arrow) UDF:
  Splink's Scala UDF computes another Jaro (it differs from DuckDB's on a sixth
  of the sample's names and addresses, by up to 0.13).

Splink's predictions and clusters come back to pandas through Arrow."""

from __future__ import annotations

import logging
import re
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from splink import Linker
from splink.internals.settings_creator import SettingsCreator

from customer_master.match.backends import duckdb_model, spark_settings
from customer_master.match.dialect import DUCKDB_JARO_WINKLER, ROW_KEY_HASH, U_SAMPLE_BUCKET, spark_sql
from customer_master.match.models import UNIQUE_ID
from customer_master.owner_only import private_folder
from customer_master.working_db import working_connection

log = logging.getLogger(__name__)

# A hash of the row key as Splink writes it for a dialect: row_key, l.row_key, r."row_key"
_ROW_KEY = re.compile(rf'(?:(\w+)\.)?[`"]?{UNIQUE_ID}[`"]?')


def _same_hash_api_class():
    """SparkAPI whose dialect hashes a row as DuckDB does (the staged columns)."""
    from splink.backends.spark import SparkAPI
    from splink.internals.dialects import _DETERMINISTIC_SAMPLE_MODULUS, SparkDialect

    from customer_master.match.training import SEED

    class SameHashSparkDialect(SparkDialect):
        def hash_function_expression(self, col_expression: str) -> str:
            found = _ROW_KEY.fullmatch(col_expression.strip())
            if found is None:
                log.warning("match: Spark hashes %s with its own hash, not DuckDB's: the rows it picks may "
                            "differ from DuckDB's", col_expression)
                return super().hash_function_expression(col_expression)
            return f"{found.group(1) + '.' if found.group(1) else ''}{ROW_KEY_HASH}"

        def hash_bucket_expression(self, col_expression: str, modulus: int) -> str:
            return f"({self.hash_function_expression(col_expression)}) % {modulus}"  # DuckDB's: non-negative

        def proportion_sample_sql(self, proportion, unique_id_cols, seed=None) -> str:
            # Splink samples by hash(row_key || '_<seed>'): staged as DuckDB gives it, for training.SEED
            if proportion >= 1.0:
                return ""
            if seed != SEED:
                raise ValueError(f"the staged sample buckets are for seed {SEED}, not {seed}")
            return f" AND {U_SAMPLE_BUCKET} < {max(1, round(proportion * _DETERMINISTIC_SAMPLE_MODULUS))}"

    class SameHashSparkAPI(SparkAPI):
        sql_dialect = SameHashSparkDialect()

    return SameHashSparkAPI


def sample_bucket_sql() -> str:
    """DuckDB's expression for a row's u-sampling bucket, as Splink's DuckDB dialect
    writes it for training.SEED (proportion_sample_sql)."""
    from splink.internals.dialects import _DETERMINISTIC_SAMPLE_MODULUS, DuckDBDialect
    from splink.internals.input_column import InputColumn
    from splink.internals.unique_id_concat import _composite_unique_id_from_nodes_sql

    from customer_master.match.training import SEED

    composite = _composite_unique_id_from_nodes_sql([InputColumn(UNIQUE_ID, sqlglot_dialect_str="duckdb")])
    return DuckDBDialect().hash_bucket_expression(f"({composite}) || '_{SEED}'", _DETERMINISTIC_SAMPLE_MODULUS)


def with_duckdb_hashes(table: pa.Table) -> pa.Table:
    """The rows with DuckDB's hash of each row key and its u-sampling bucket."""
    with working_connection() as con:
        con.register("rows_", table)
        return con.sql(f"""SELECT *, hash({UNIQUE_ID})::DECIMAL(20, 0) AS {ROW_KEY_HASH},
                                  ({sample_bucket_sql()})::BIGINT AS {U_SAMPLE_BUCKET}
                           FROM rows_""").to_arrow_table()


def register_duckdb_functions(session) -> None:
    """DuckDB's jaro_winkler_similarity as the Spark UDF dialect.DUCKDB_JARO_WINKLER,
    vectorized over Arrow batches (None where either side is missing). Defined here,
    so Spark ships it by value: an executor needs duckdb, pyarrow and pandas, not
    this package."""
    from pyspark.sql.functions import pandas_udf

    def duckdb_jaro_winkler(left, right):
        import duckdb
        import pandas
        import pyarrow

        pairs = pyarrow.table({"l": pyarrow.array(left, pyarrow.string()), "r": pyarrow.array(right, pyarrow.string())})
        with duckdb.connect() as con:
            con.register("pairs", pairs)
            scores = con.sql("SELECT jaro_winkler_similarity(l, r) FROM pairs").to_arrow_table().column(0)
        return pandas.Series(scores.to_pandas(), index=left.index)

    session.udf.register(DUCKDB_JARO_WINKLER, pandas_udf(duckdb_jaro_winkler, "double"))


class SparkEngine:
    """Splink on a SparkSession, through its SparkAPI; see the module's doc."""

    name = "spark"

    def __init__(self, session, work: Path):
        self.session = session
        self.stage = work / f"stage-{uuid.uuid4().hex[:8]}"
        self._api_class = _same_hash_api_class()
        register_duckdb_functions(session)

    def close(self) -> None:
        """Remove the rows staged for Spark."""
        shutil.rmtree(self.stage, ignore_errors=True)

    @contextmanager
    def training_api(self):
        yield self.api()

    def api(self):
        """A SparkAPI of its own for each linker (it registers Splink's Scala UDFs): Splink
        caches tables by their name on the API (the blocked pairs, the rows with their
        term frequencies), so two linkers on one API would share the first one's."""
        return self._api_class(spark_session=self.session)

    def linker(self, api, frame: pd.DataFrame, settings: SettingsCreator) -> Linker:
        return Linker(api.register(self._staged(frame)), spark_settings(settings), log_level=logging.ERROR)

    def release(self, api) -> None:
        """Nothing to free in this process: the session is the run's (close)."""

    def rule(self, block):
        sql = block if isinstance(block, str) else block.get_blocking_rule("duckdb").blocking_rule_sql
        return {"blocking_rule": spark_sql(sql), "sql_dialect": "spark"}

    def table(self, frame: pd.DataFrame):
        return self.session.createDataFrame(arrow_table(frame))

    def model(self, linker: Linker, settings: SettingsCreator) -> dict:
        return duckdb_model(linker.misc.save_model_to_json(), settings)

    def _staged(self, frame: pd.DataFrame):
        """The rows as Parquet in the work folder, read back by Spark."""
        path = private_folder(self.stage) / f"{uuid.uuid4().hex}.parquet"
        pq.write_table(with_duckdb_hashes(arrow_table(frame)), path)
        return self.session.read.parquet(str(path))


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """A frame as Arrow, columns no row fills typed as text (Spark types no null column)."""
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    return table.cast(pa.schema([pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f
                                 for f in table.schema]))
