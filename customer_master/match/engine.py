"""Matching stage: train the company and person models without labels on this
run's rows (training.py), or take the last run's while the rows have not drifted
(stored_models.py), score candidate pairs, and cluster at the match threshold
(clustering.py). The model of each run is returned (JSON), with what it was
trained on, so the warehouse keeps it for audit and the next run can use it again."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
from splink import Linker

from customer_master.match.backends import DUCKDB
from customer_master.match.clustering import clusters_at_threshold, singletons, without_nameless_clusters
from customer_master.match.constraints import pair_conflicts, unrelated_names
from customer_master.match.features import matching_frame, typed_features
from customer_master.match.learned import log_weights, model_weights
from customer_master.match.models import TRAINING, UNIQUE_ID
from customer_master.match.stored_models import StoredModel, previous_models, reuse, training_facts
from customer_master.match.threshold import DEFAULT_MATCH_THRESHOLD, check_match_settings
from customer_master.match.training import present_columns, report_candidate_pairs, trained_linker
from customer_master.review.decisions import DECISION_COLUMNS, DEFAULT_BAND, load_decisions, resolve_decisions
from customer_master.working_db import working_connection

log = logging.getLogger(__name__)

# Pairs scored below the threshold but above this floor are kept as evidence (and,
# later, steward review candidates); below it they are not stored.
EVIDENCE_FLOOR = 0.5
PAIR_COLUMNS = ["customer_type", "row_key_l", "row_key_r", "match_probability", "match_weight", "evidence",
                "cannot_link"]


@dataclass
class MatchResult:
    clusters: pd.DataFrame  # row_key, cluster (text, unique across types)
    pairs: pd.DataFrame  # PAIR_COLUMNS: scored pairs above EVIDENCE_FLOOR
    models: dict[str, dict] = field(default_factory=dict)  # customer_type -> Splink model JSON
    unresolved_decisions: pd.DataFrame = field(  # steward decisions whose rows left the inbox
        default_factory=lambda: pd.DataFrame(columns=DECISION_COLUMNS))
    review_band: list[float] = field(default_factory=lambda: list(DEFAULT_BAND))  # pairs in it go to the stewards
    threshold: float = DEFAULT_MATCH_THRESHOLD  # the match probability at which rows merged
    decisions_applied: int = 0  # steward decisions about this run's rows
    unplaced: pd.DataFrame = field(  # row_key, reason: rows without a name that matched no named row
        default_factory=lambda: pd.DataFrame({"row_key": pd.Series(dtype="int64"), "reason": pd.Series(dtype=object)}))
    training: dict[str, dict] = field(default_factory=dict)  # customer_type -> stored_models.training_facts
    # customer_type and the columns the models compared, of every row: what the
    # duplicate check and the activities score against (features.match_input), so
    # they see what the models saw and nothing computes it twice
    features: pa.Table | None = None


def match_run(rows: pd.DataFrame, warehouse: Path, threshold: float = DEFAULT_MATCH_THRESHOLD,
              review_band: tuple[float, float] = DEFAULT_BAND, run_id: str = "", full: bool = False,
              engine=None) -> MatchResult:
    """match_customers with the stewards' decisions stored beside `warehouse` and, unless
    `full`, the models of its last run (used again while the rows have not drifted);
    the decisions whose rows left the inbox come back in `unresolved_decisions`.
    engine: where Splink trains, scores and clusters (backends.py; default DuckDB)."""
    check_match_settings(threshold, review_band)
    decisions, unresolved = resolve_decisions(load_decisions(warehouse), rows)
    if len(unresolved):
        log.warning("match: %d steward decision(s) point at rows no longer in the inbox "
                    "(see quality.unresolved_decisions)", len(unresolved))
    result = match_customers(rows, threshold=threshold, decisions=decisions,
                             stored=None if full else previous_models(warehouse), run_id=run_id, engine=engine)
    result.unresolved_decisions, result.review_band, result.decisions_applied = unresolved, list(review_band), \
        len(decisions)
    return result


def match_customers(rows: pd.DataFrame, threshold: float = DEFAULT_MATCH_THRESHOLD,
                    decisions: pd.DataFrame | None = None, stored: dict[str, StoredModel] | None = None,
                    run_id: str = "", engine=None) -> MatchResult:
    """decisions: a steward's verdicts (row_key_l, row_key_r, decision: match | no match |
    detach, row_key_r empty for detach); they win over the model. stored: the last
    run's models, used where the rows have not drifted (None: a full run, all trained).
    engine: backends.DuckDBEngine (the default) or backends.SparkEngine; the clusters,
    pairs and models come out the same on either (tests/test_spark_engine.py)."""
    check_match_settings(threshold)
    engine = engine or DUCKDB
    logging.getLogger("splink").setLevel(logging.WARNING)
    clusters, pairs, models, training, features = [], [], {}, {}, []
    for customer_type, recipe in TRAINING.items():
        subset = matching_frame(rows[rows.customer_type == customer_type])
        features.append(typed_features(subset, customer_type))
        if len(subset) < 2:
            clusters.append(singletons(subset, customer_type))
            continue
        linker, training[customer_type] = _linker(subset, customer_type, recipe, stored, run_id, engine)
        report_candidate_pairs(linker, customer_type, len(subset))
        log.info("match %s: scoring candidate pairs", customer_type)
        predictions = linker.inference.predict(threshold_match_probability=EVIDENCE_FLOOR)
        predicted = predictions.as_pandas_dataframe()
        scored = _evidence(predicted, customer_type)
        # names that share nothing, keyed by the pair (scored is built apart from predicted)
        unrelated = pd.Series(unrelated_names(predicted, customer_type).to_numpy(), index=pd.MultiIndex.from_arrays(
            [predicted[f"{UNIQUE_ID}_l"].astype("int64"), predicted[f"{UNIQUE_ID}_r"].astype("int64")]))
        unrelated = unrelated.reindex(pd.MultiIndex.from_arrays([scored.row_key_l, scored.row_key_r])).to_numpy()
        conflicts = pair_conflicts(scored, subset, customer_type)
        scored["cannot_link"] = conflicts.where(conflicts.notna(), pd.Series(unrelated, index=scored.index))
        found = clusters_at_threshold(subset, scored, threshold, customer_type, decisions, engine)
        clusters.append(found)
        pairs.append(scored)
        model = engine.model(linker, recipe["settings"](present_columns(subset)))
        models[customer_type] = model
        log_weights(model_weights({customer_type: model}))
        log.info("match %s: %d rows -> %d clusters", customer_type, len(subset), found["cluster"].nunique())
    all_pairs = pd.concat([p for p in pairs if len(p)], ignore_index=True) if any(len(p) for p in pairs) else \
        pd.DataFrame(columns=PAIR_COLUMNS)
    clusters, unplaced = without_nameless_clusters(pd.concat(clusters, ignore_index=True), rows)
    return MatchResult(clusters=clusters, pairs=all_pairs, models=models, threshold=threshold, unplaced=unplaced,
                       training=training, features=pa.concat_tables(features, promote_options="permissive"))


def _linker(subset: pd.DataFrame, customer_type: str, recipe: dict, stored: dict[str, StoredModel] | None,
            run_id: str, engine) -> tuple[Linker, dict]:
    """The linker that scores this run's rows of one type, with its training facts:
    the stored model's where it still fits them, else one trained now."""
    present = present_columns(subset)
    kept = (stored or {}).get(customer_type)
    linker, why = reuse(subset, recipe["settings"](present), kept, engine) if stored is not None else \
        (None, "a full run")
    if linker is not None:
        log.info("match %s: %d rows, scored with the model trained in run %s on %d rows", customer_type,
                 len(subset), kept.trained_in_run[:8], kept.trained_rows)
        return linker, kept.facts()
    log.info("match %s: training on %d rows (%s) on %s", customer_type, len(subset), why, engine.name)
    linker = trained_linker(subset, recipe, present, engine)
    return linker, training_facts(run_id, len(subset), linker._settings_obj._probability_two_random_records_match)


def _evidence(predictions: pd.DataFrame, customer_type: str) -> pd.DataFrame:
    """One row per scored pair with the match weight of every field (term-frequency
    adjustment included) as a JSON object, built in DuckDB rather than per row."""
    fields = [c.removeprefix("mw_") for c in predictions.columns
              if c.startswith("mw_") and not c.startswith("mw_tf_adj_")]
    weight = lambda f: f'"mw_{f}"' + (f' + coalesce("mw_tf_adj_{f}", 0)' if f"mw_tf_adj_{f}" in predictions else "")  # noqa: E731
    struct = ", ".join(f"'{f}': round({weight(f)}, 3)" for f in fields)
    with working_connection() as con:
        con.register("predictions", predictions)
        return con.sql(f"""
            SELECT '{customer_type}' AS customer_type,
                   {UNIQUE_ID}_l::BIGINT AS row_key_l, {UNIQUE_ID}_r::BIGINT AS row_key_r,
                   match_probability::DOUBLE AS match_probability, match_weight::DOUBLE AS match_weight,
                   to_json({{{struct}}})::VARCHAR AS evidence
            FROM predictions""").df()

