"""The engines the match models can run on, and the Spark engine's defaults, in a
module light enough for the CLI and the run config to import without Splink or
pyspark. What differs between the engines' SQL is in dialect.py; the engines
themselves are in backends.py, the Spark session in spark_session.py."""

from __future__ import annotations

import os

ENGINES = ("duckdb", "spark")
DEFAULT_ENGINE = "duckdb"
# where the Spark engine runs when nothing else is said: this machine, two cores
# (CUSTOMER_MASTER_SPARK_MASTER, or `run --spark-master`, names a cluster's master URL)
DEFAULT_SPARK_MASTER = os.environ.get("CUSTOMER_MASTER_SPARK_MASTER", "local[2]")


class EngineUnavailable(RuntimeError):
    """The Spark engine was asked for where pyspark or Java is missing."""


def check_engine_available(engine: str) -> None:
    """Raise EngineUnavailable (saying what to install) when `engine` cannot run here;
    ValueError for a name that is no engine."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine != "spark":
        return
    import importlib.util
    import shutil

    if importlib.util.find_spec("pyspark") is None:
        raise EngineUnavailable("the spark engine needs pyspark: pip install -e '.[spark]'")
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise EngineUnavailable("the spark engine needs Java 17 or later (java on the PATH, or JAVA_HOME)")
