"""The engines the match models run on: DuckDB in this process (the default) or
Spark through Splink's SparkAPI (spark_engine.py). Each gives the linker for the
rows of one customer type with models.py's settings rendered in its SQL
(dialect.py), the database API the clustering runs on, and the model as the
warehouse keeps it: always in DuckDB's SQL, whichever engine trained it, since
the duplicate check and the activities score with it in DuckDB (scoring.py).
Everything before and after the match stage (standardise, survivorship, publish
to the DuckDB warehouse) is the same for both."""

from __future__ import annotations

import copy
import logging
from contextlib import contextmanager

import pandas as pd
from splink import DuckDBAPI, Linker
from splink.internals.settings_creator import SettingsCreator

from customer_master.match.dialect import spark_sql
from customer_master.working_db import working_connection

log = logging.getLogger(__name__)


class DuckDBEngine:
    """Splink on an in-memory DuckDB of this process (working_db.py)."""

    name = "duckdb"

    @contextmanager
    def training_api(self):
        """The API a model trains on. One thread while training: sampled pairs and
        summed floats then come out the same on every run, so the same inbox gives
        the same model and the same masters."""
        con = working_connection()
        threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
        con.execute("SET threads = 1")
        try:
            yield DuckDBAPI(con)
        finally:
            con.execute(f"SET threads = {threads}")

    def api(self) -> DuckDBAPI:
        return DuckDBAPI(working_connection())

    def release(self, api: DuckDBAPI) -> None:
        """Free the in-memory database of an API the stage is done with (a linker's
        rows with their term frequencies, blocked pairs, predictions). Splink's
        table cache keeps an API in a reference cycle, so it would otherwise live
        until the garbage collector's next full pass: the first type's tables
        stayed in memory while the second type trained."""
        api.duckdb_con.close()

    def linker(self, api, frame: pd.DataFrame, settings: SettingsCreator) -> Linker:
        # validate_settings: Splink's check of the settings' columns parses every comparison's SQL (3 s of a
        # profiled nightly run at 200k rows) only to log warnings, which log_level=ERROR hides
        return Linker(api.register(frame), settings, log_level=logging.ERROR, validate_settings=False)

    def rule(self, block):
        """A blocking rule (a creator of models.py, or DuckDB SQL) as this engine takes it."""
        return block

    def table(self, frame: pd.DataFrame):
        """A small frame (clustering's nodes and edges) as this engine's input."""
        return frame

    def model(self, linker: Linker, settings: SettingsCreator) -> dict:
        """The trained model as the warehouse keeps it (Splink's JSON, in DuckDB's SQL)."""
        return _without_uid(linker.misc.save_model_to_json())


def spark_settings(settings: SettingsCreator) -> dict:
    """models.py's settings with every condition rendered in Spark SQL (dialect.py);
    the labels stay those of the DuckDB rendering, so both engines' charts read alike."""
    rendered = _without_uid(settings.create_settings_dict(sql_dialect_str="duckdb"))
    for comparison in rendered["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level["sql_condition"].strip().upper() != "ELSE":
                level["sql_condition"] = spark_sql(level["sql_condition"])
    rendered["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": spark_sql(rule["blocking_rule"]), "sql_dialect": "spark"}
        for rule in rendered["blocking_rules_to_generate_predictions"]]
    return rendered


def duckdb_model(model: dict, settings: SettingsCreator) -> dict:
    """A model trained on another engine as a DuckDB linker would save it: its m, u
    and prior, with the conditions and blocking rules of models.py's DuckDB rendering
    (the same levels in the same order)."""
    duck = _without_uid(settings.get_settings("duckdb").as_dict())
    out = copy.deepcopy(_without_uid(model))
    for comparison, own in zip(out["comparisons"], duck["comparisons"], strict=True):
        comparison.update({key: value for key, value in own.items() if key != "comparison_levels"})
        for level, own_level in zip(comparison["comparison_levels"], own["comparison_levels"], strict=True):
            level["sql_condition"] = own_level["sql_condition"]
    out["blocking_rules_to_generate_predictions"] = duck["blocking_rules_to_generate_predictions"]
    if "sql_dialect" in out:
        out["sql_dialect"] = "duckdb"
    return out


def _without_uid(model: dict) -> dict:
    model = dict(model)
    model.pop("linker_uid", None)  # random per process: not part of the model
    return model


DUCKDB = DuckDBEngine()
