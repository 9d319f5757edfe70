"""The SparkSession the Spark engine runs on: the one the user's program already
started (a notebook, a `spark-submit` driver), or one built from settings (master
URL, config) with what Splink needs: its UDF jar (Jaro-Winkler, Damerau-Levenshtein),
and a checkpoint folder for the intermediate tables it writes as Parquet.

Spark writes customer rows to disk (Splink's checkpoints, shuffle files, the rows
staged for it): a session built here keeps them in one private folder (0700,
owner_only.py) of its own, removed when the process ends, and its web UI, which
shows queries and plans to anyone who reaches its port, is off unless the config
turns it on."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

from customer_master.match.engines import DEFAULT_SPARK_MASTER
from customer_master.owner_only import private_folder

# Spark settings of a session built here; the user's config wins over each
DEFAULT_SPARK_CONFIG = {
    "spark.app.name": "customer-master",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",  # no progress bars over the run's log
    # Splink's predictions and clusters come back to pandas through Arrow
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    # Spark's default of 200 shuffle partitions suits a cluster, not an inbox on two
    # cores (every stage would run 200 tiny tasks); a cluster's config sets its own
    "spark.sql.shuffle.partitions": "8",
    "spark.default.parallelism": "8",
    # local[N] runs the executors inside the driver's JVM (1g by default); a cluster's
    # config sets spark.executor.memory instead
    "spark.driver.memory": "3g",
}


def work_folder(given: str = "") -> Path:
    """The folder Spark and the engine write rows to: `given`, or a private temporary
    folder of this process, removed when it ends."""
    if given:
        return private_folder(Path(given))
    folder = private_folder(Path(tempfile.mkdtemp(prefix="customer-master-spark-")))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def spark_session(master: str = DEFAULT_SPARK_MASTER, config: dict[str, str] | None = None,
                  work: Path | None = None, use_active: bool = True):
    """The active SparkSession when there is one and `use_active` (the user's), else
    one built from `master` and `config` (DEFAULT_SPARK_CONFIG below the user's),
    with Splink's jar added to spark.jars. Its checkpoints go to `work`/checkpoints
    unless it already has a checkpoint folder."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    work = work or work_folder()
    session = SparkSession.getActiveSession() if use_active else None
    if session is None:
        settings = {**DEFAULT_SPARK_CONFIG, "spark.local.dir": str(private_folder(work / "local")),
                    "spark.sql.warehouse.dir": str(private_folder(work / "spark-warehouse")), **(config or {})}
        settings["spark.jars"] = ",".join(j for j in (settings.get("spark.jars"), similarity_jar_location()) if j)
        # the Python that runs the UDFs (spark_engine.register_duckdb_functions): this one,
        # with its duckdb, unless PYSPARK_PYTHON names the executors' own
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = SparkSession.builder.master(master)
        for key, value in settings.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        # Spark's warnings (a generated class too large to compile, run interpreted instead)
        # would bury the run's progress lines; errors still show
        session.sparkContext.setLogLevel("ERROR")
    if session.sparkContext.getCheckpointDir() is None:
        session.sparkContext.setCheckpointDir(str(private_folder(work / "checkpoints")))
    return session
