"""Matching stage: train the company and person models without labels on this
run's rows (training.py), score candidate pairs, and cluster at the match
threshold (clustering.py).

Models are retrained every run: the inbox changes (new departments, new
spellings) and unsupervised training on ~all rows takes seconds. The trained
model of each run is returned (JSON) so the warehouse keeps it for audit."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from customer_master.match.clustering import clusters_at_threshold, singletons, without_nameless_clusters
from customer_master.match.constraints import pair_conflicts, unrelated_names
from customer_master.match.features import matching_frame, typed_features
from customer_master.match.learned import log_weights, model_weights
from customer_master.match.models import TRAINING, UNIQUE_ID
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
    # customer_type and the columns the models compared, of every row: what the
    # duplicate check and the activities score against (features.match_input), so
    # they see what the models saw and nothing computes it twice
    features: pa.Table | None = None


def match_run(rows: pd.DataFrame, warehouse: Path, threshold: float = DEFAULT_MATCH_THRESHOLD,
              review_band: tuple[float, float] = DEFAULT_BAND) -> MatchResult:
    """match_customers with the stewards' decisions stored beside `warehouse`; the
    decisions whose rows left the inbox come back in `unresolved_decisions`."""
    check_match_settings(threshold, review_band)
    decisions, unresolved = resolve_decisions(load_decisions(warehouse), rows)
    if len(unresolved):
        log.warning("match: %d steward decision(s) point at rows no longer in the inbox "
                    "(see quality.unresolved_decisions)", len(unresolved))
    result = match_customers(rows, threshold=threshold, decisions=decisions)
    result.unresolved_decisions, result.review_band, result.decisions_applied = unresolved, list(review_band), \
        len(decisions)
    return result


def match_customers(rows: pd.DataFrame, threshold: float = DEFAULT_MATCH_THRESHOLD,
                    decisions: pd.DataFrame | None = None) -> MatchResult:
    """decisions: a steward's verdicts (row_key_l, row_key_r, decision: match | no match |
    detach, row_key_r empty for detach); they win over the model."""
    check_match_settings(threshold)
    logging.getLogger("splink").setLevel(logging.WARNING)
    clusters, pairs, models, features = [], [], {}, []
    for customer_type, recipe in TRAINING.items():
        subset = matching_frame(rows[rows.customer_type == customer_type])
        features.append(typed_features(subset, customer_type))
        if len(subset) < 2:
            clusters.append(singletons(subset, customer_type))
            continue
        log.info("match %s: training on %d rows", customer_type, len(subset))
        linker = trained_linker(subset, recipe, present_columns(subset))
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
        found = clusters_at_threshold(subset, scored, threshold, customer_type, decisions)
        clusters.append(found)
        pairs.append(scored)
        model = linker.misc.save_model_to_json()
        model.pop("linker_uid", None)  # random per process: not part of the model
        models[customer_type] = model
        log_weights(model_weights({customer_type: model}))
        log.info("match %s: %d rows -> %d clusters", customer_type, len(subset), found["cluster"].nunique())
    all_pairs = pd.concat([p for p in pairs if len(p)], ignore_index=True) if any(len(p) for p in pairs) else \
        pd.DataFrame(columns=PAIR_COLUMNS)
    clusters, unplaced = without_nameless_clusters(pd.concat(clusters, ignore_index=True), rows)
    return MatchResult(clusters=clusters, pairs=all_pairs, models=models, threshold=threshold, unplaced=unplaced,
                       features=pa.concat_tables(features, promote_options="permissive"))


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

