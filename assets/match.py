"""Matching asset: Splink company and person models, trained without labels."""


from pathlib import Path
from typing import Literal

import dagster as dg
import pandas as pd
from pydantic import Field, ValidationError, model_validator

from customer_master.assets.metadata import markdown_table
from customer_master.ingest.inbox import IngestResult
from customer_master.match.engine import ROW_COLUMNS_READ, MatchResult, match_run
from customer_master.match.kept_features import kept_features
from customer_master.match.engines import DEFAULT_ENGINE, EngineUnavailable, check_engine_available
from customer_master import steward_figures as figures
from customer_master.match.threshold import DEFAULT_MATCH_THRESHOLD, check_match_settings
from customer_master.pipelines.resources import AS_PARQUET_FILE, PipelinePaths, SparkResource, WarehouseLock
from customer_master.review.decisions import DEFAULT_BAND, load_decisions
from customer_master.review.folder import import_pending
from customer_master.warehouse.layout import layout
from customer_master.warehouse.open import EncryptionUnavailable, check_encryption_ready


class MatchConfig(dg.Config):
    """The match settings of a run (run config of matched_clusters), checked by
    check_match_settings whenever they are read, and by the run's first steps
    (check_run_config) before anything is read from the inbox."""

    match_threshold: float = Field(
        default=DEFAULT_MATCH_THRESHOLD,
        description="Two rows merge when Splink's match probability reaches this (strictly between 0 and 1). "
                    "Higher: fewer wrong merges, more missed duplicates.")
    review_from: float = Field(default=DEFAULT_BAND[0],
                               description="Pairs scored from here (0-1, at most review_to) ...")
    review_to: float = Field(default=DEFAULT_BAND[1],
                             description="... up to here (0-1) are review candidates for the stewards.")
    full: bool = Field(default=False,
                       description="Train both models afresh and validate, standardise and score every row "
                                   "again. Otherwise the last run's models score the rows while the rows have not "
                                   "drifted, and only new or changed files' rows and their pairs are computed "
                                   "(see the README's 'How rows become one customer').")
    engine: Literal["duckdb", "spark"] = Field(
        default=DEFAULT_ENGINE,
        description="Where Splink trains, scores and clusters: duckdb (in the run's process) or spark "
                    "(the spark resource's session; needs the spark extra). Both give the same masters.")

    @model_validator(mode="after")
    def _settings_in_range(self) -> "MatchConfig":
        check_match_settings(self.match_threshold, (self.review_from, self.review_to))
        return self


def check_run_config(context: dg.AssetExecutionContext) -> MatchConfig:
    """This run's match settings, checked at the start of each first step of the run
    (ingested_rows, previous_state, steward_decisions; a new root asset calls this too),
    so that a run launched with a threshold or band out of range fails before it reads
    the inbox or imports a workbook. Dagster checks run config only against its types
    and builds MatchConfig, where the rule is applied, when matched_clusters starts.
    The settings file (resource paths, `settings`) is checked here as well, and so is
    the encryption key, if one is set."""
    name = matched_clusters.node_def.name
    given = _given_config(context)
    try:
        config = MatchConfig(**given)
    except ValidationError as exc:
        reasons = "; ".join(error["msg"].removeprefix("Value error, ") for error in exc.errors())
        raise dg.Failure(description=f"run config of {name}: {reasons}") from None
    paths = getattr(context.resources, "paths", None)
    if paths is not None:  # the settings file too, read otherwise only by the customer 360 steps
        try:
            paths.load_settings()
        except ValueError as exc:  # SettingsError, MatchSettingError: the message names the file and the key
            raise dg.Failure(description=f"settings file {exc}") from None
    try:  # a key this DuckDB cannot encrypt the new warehouse with (warehouse/open.py)
        check_encryption_ready()
        check_engine_available(config.engine)  # pyspark and Java, for the spark engine
    except (EncryptionUnavailable, EngineUnavailable) as exc:
        raise dg.Failure(description=str(exc)) from None
    return config


def _given_config(context: dg.AssetExecutionContext) -> dict:
    """The run config of matched_clusters as the run was launched with it."""
    return ((context.run.run_config.get("ops") or {}).get(matched_clusters.node_def.name) or {}).get("config") or {}


def is_full_run(context: dg.AssetExecutionContext) -> bool:
    """Whether this run computes everything afresh (MatchConfig.full): no stage
    takes what the last run left (row_cache.py, match/carried.py)."""
    return bool(_given_config(context).get("full", MatchConfig.model_fields["full"].default))


@dg.asset(group_name="match", kinds={"excel"},
          description="Review workbooks a steward dropped into the review folder, imported as decisions.")
def steward_decisions(context: dg.AssetExecutionContext, paths: PipelinePaths,
                      run_lock: WarehouseLock) -> dg.MaterializeResult:  # run_lock: held from the run's start
    check_run_config(context)
    outcomes = import_pending(paths.review_path, paths.warehouse_path)
    return dg.MaterializeResult(metadata={
        "workbooks": markdown_table(pd.DataFrame(
            [(name, f"{result} decisions stored" if isinstance(result, int) else result) for name, result in outcomes],
            columns=["workbook", "outcome"]), empty="no workbook waiting in the review folder"),
        "decisions_stored": sum(r for _, r in outcomes if isinstance(r, int)),
        "decisions_total": len(load_decisions(paths.warehouse_path)),
    })


@dg.asset(group_name="match", kinds={"splink", "duckdb", "spark"}, deps=[steward_decisions],
          ins={"standardised_rows": dg.AssetIn(metadata={AS_PARQUET_FILE: True})},
          description="Pairwise match probabilities and clusters of rows that are one customer "
                      "(on DuckDB, or on Spark with run config engine: spark).")
def matched_clusters(context: dg.AssetExecutionContext, config: MatchConfig, paths: PipelinePaths,
                     spark: SparkResource, ingested_rows: IngestResult, standardised_rows: Path) -> MatchResult:
    features, kept = None, None
    if ingested_rows.row_parts is not None:  # each row's features as the last run computed them (kept_features.py)
        features, kept = kept_features(standardised_rows, ingested_rows.row_parts,
                                       layout(paths.warehouse_path).row_cache, full=config.full)
    rows = pd.read_parquet(standardised_rows, columns=ROW_COLUMNS_READ if features is not None else None)
    with spark.engine(config.engine) as engine:
        result = match_run(rows, paths.warehouse_path, config.match_threshold,
                           (config.review_from, config.review_to), run_id=context.run.run_id, full=config.full,
                           engine=engine, features=features)
    band = (config.review_from, config.review_to)
    context.add_output_metadata({
        "engine": config.engine,
        "rows_featured": kept.rows_computed if kept is not None else len(rows),  # matching features computed
        "match_threshold": config.match_threshold,
        "review_band": f"{band[0]:g} – {band[1]:g} (match probability)",
        "models_trained_in": markdown_table(pd.DataFrame(
            [{"model": t, "trained in run": f["trained_in_run"]} for t, f in result.training.items()]),
            empty="no model"),
        "masters": int(result.clusters.cluster.nunique()),
        "scored_pairs": len(result.pairs),
        # a nightly run scores only the pairs with a new or changed row and carries the others (match/carried.py)
        "rows_new_or_changed": sum(f["new_rows"] for f in result.scoring.values()),
        "candidate_pairs_scored": sum(f["pairs_scored"] for f in result.scoring.values()),
        "pairs_carried": sum(f["pairs_carried"] for f in result.scoring.values()),
        "scoring": markdown_table(pd.DataFrame([{"customer type": customer_type, **scored}
                                                for customer_type, scored in result.scoring.items()]),
                                  empty="no rows"),
        "pairs_merged": int((result.pairs.match_probability >= config.match_threshold).sum()),
        "pairs_in_review_band": figures.pairs_in_band(result.pairs, band),
        "pairs_by_probability": markdown_table(figures.pairs_by_probability(result.pairs, config.match_threshold, band),
                                               empty="no pair scored"),
        "rows_per_master": markdown_table(figures.cluster_sizes(result.clusters), empty="no rows"),
        "steward_decisions_applied": result.decisions_applied,
        "steward_decisions_unresolved": len(result.unresolved_decisions),
    })
    return result
