"""Matching stage: train the company and person models without labels on this
run's rows (training.py), or take the last run's while the rows have not drifted
(stored_models.py), score candidate pairs, and cluster at the match threshold
(clustering.py). The model of each run is returned (JSON), with what it was
trained on, so the warehouse keeps it for audit and the next run can use it again."""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
from splink import Linker

from customer_master.match.backends import DUCKDB
from customer_master.match.carried import (NEW_ROW, Carried, carried_from, carried_pairs, fingerprints,
                                           keep_for_next_run, new_rows, only_pairs_with_new_rows,
                                           previous_carried, rows_paired_with_new, use_term_frequencies_of)
from customer_master.match.clustering import clusters_at_threshold, singletons, without_nameless_clusters
from customer_master.match.constraints import pair_conflicts, unrelated_names
from customer_master.match.features import matching_frame, text_for_null, with_type
from customer_master.match.kept_features import frame_of_type
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
    # customer_type -> rows, new_rows (new or changed since the last run), rows_scored (the rows
    # Splink blocked and scored: on a nightly run the new rows and those blocking pairs with them), pairs_scored
    # (candidate pairs scored in this run), pairs_carried (kept pairs of unchanged rows: match/carried.py)
    scoring: dict[str, dict] = field(default_factory=dict)


# the columns of the standardised rows match_run reads when it is given their features
ROW_COLUMNS_READ = [UNIQUE_ID, "customer_type", "source", "source_record_id", "file", "sheet", "row_number", "name"]


def match_run(rows: pd.DataFrame, warehouse: Path, threshold: float = DEFAULT_MATCH_THRESHOLD,
              review_band: tuple[float, float] = DEFAULT_BAND, run_id: str = "", full: bool = False,
              engine=None, features: pa.Table | None = None) -> MatchResult:
    """match_customers with the stewards' decisions stored beside `warehouse` and, unless
    `full`, the models of its last run (used again while the rows have not drifted);
    the decisions whose rows left the inbox come back in `unresolved_decisions`.
    engine: where Splink trains, scores and clusters (backends.py; default DuckDB).
    features: every row's row_features with its customer_type (kept_features.py), by
    row key, as Arrow; then `rows` needs only ROW_COLUMNS_READ."""
    check_match_settings(threshold, review_band)
    decisions, unresolved = resolve_decisions(load_decisions(warehouse), rows)
    if len(unresolved):
        log.warning("match: %d steward decision(s) point at rows no longer in the inbox "
                    "(see quality.unresolved_decisions)", len(unresolved))
    result, carried = _match(rows, threshold, decisions, None if full else previous_models(warehouse), run_id,
                             None if full else previous_carried(warehouse), engine, features)
    if run_id:
        keep_for_next_run(warehouse, run_id, carried)
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
    return _match(rows, threshold, decisions, stored, run_id, engine=engine)[0]


def _match(rows: pd.DataFrame, threshold: float, decisions: pd.DataFrame | None,
           stored: dict[str, StoredModel] | None, run_id: str, carried: Carried | None = None,
           engine=None, features: pa.Table | None = None) -> tuple[MatchResult, Carried]:
    """match_customers, scoring only the pairs with a new or changed row where the
    last run's pairs can be carried (`carried`: match/carried.py); also what the next
    run carries of this one."""
    check_match_settings(threshold)
    engine = engine or DUCKDB
    logging.getLogger("splink").setLevel(logging.WARNING)
    clusters, pairs, models, training, compared, prints, scoring, scored_with = [], [], {}, {}, [], [], {}, {}
    for customer_type, recipe in TRAINING.items():
        # the frame Splink compares (pandas) and the same as Arrow, which DuckDB scans and the result hands on
        if features is None:
            subset = matching_frame(rows[rows.customer_type == customer_type])
            table = text_for_null(pa.Table.from_pandas(subset, preserve_index=False))
        else:
            subset, table = frame_of_type(features, customer_type)
        compared.append(with_type(table, customer_type))
        prints.append(fingerprints(table, rows).assign(customer_type=customer_type))
        if len(subset) < 2:
            clusters.append(singletons(subset, customer_type))
            continue
        present = present_columns(table)
        kept_model = (stored or {}).get(customer_type)
        is_new = new_rows(carried, customer_type, prints[-1], kept_model.trained_in_run if kept_model else None)
        # on DuckDB, only the rows a pair with a new row can hold go to Splink, with every row's term frequencies
        partial = is_new is not None and engine is DUCKDB
        if partial:
            scored_frame = rows_paired_with_new(subset, table, is_new, recipe["settings"](present))
        else:
            scored_frame = subset if is_new is None else subset.assign(**{NEW_ROW: subset[UNIQUE_ID].map(is_new)})
        linker, training[customer_type] = _linker(subset, customer_type, recipe, stored, run_id, engine,
                                                  present, scored_frame)
        if partial and training[customer_type]["trained_in_run"] == kept_model.trained_in_run:
            use_term_frequencies_of(linker, subset)
        prior = linker._settings_obj._probability_two_random_records_match
        scored_with[customer_type] = {"trained_in_run": training[customer_type]["trained_in_run"], "prior": prior}
        if training[customer_type]["trained_in_run"] != (kept_model.trained_in_run if kept_model else None):
            is_new = None  # trained afresh: every pair is scored
        kept = carried_pairs(carried, customer_type, prints[-1], is_new, prior) if is_new is not None else \
            pd.DataFrame(columns=PAIR_COLUMNS)
        kept = kept[kept.match_probability >= EVIDENCE_FLOOR]
        if is_new is not None:
            log.info("match %s: %d of %d rows new or changed; %d pairs of the others carried from the last run",
                     customer_type, int(is_new.sum()), len(subset), len(kept))
        # with pairs carried, only the pairs with a new or changed row are scored
        with only_pairs_with_new_rows(linker) if is_new is not None else nullcontext(linker) as scorer:
            scoring[customer_type] = {
                "rows": len(subset), "new_rows": int(is_new.sum()) if is_new is not None else len(subset),
                # the rows Splink blocked and scored: on a nightly run the new ones and their partners only
                "rows_scored": len(scored_frame) if partial and is_new is not None else len(subset),
                "pairs_scored": report_candidate_pairs(scorer, customer_type, len(subset)),
                "pairs_carried": len(kept)}
            log.info("match %s: scoring candidate pairs", customer_type)
            predictions = scorer.inference.predict(threshold_match_probability=EVIDENCE_FLOOR)
        predicted = _scores(linker, predictions)
        scored = _evidence(predicted, customer_type)
        # names that share nothing, keyed by the pair (scored is built apart from predicted)
        unrelated = pd.Series(unrelated_names(predicted, customer_type).to_numpy(), index=pd.MultiIndex.from_arrays(
            [predicted[f"{UNIQUE_ID}_l"].astype("int64"), predicted[f"{UNIQUE_ID}_r"].astype("int64")]))
        unrelated = unrelated.reindex(pd.MultiIndex.from_arrays([scored.row_key_l, scored.row_key_r])).to_numpy()
        conflicts = pair_conflicts(scored, subset, customer_type)
        cannot_link = conflicts.where(conflicts.notna(), pd.Series(unrelated, index=scored.index))
        scored["cannot_link"] = cannot_link.astype(object).where(cannot_link.notna(), None)  # carried pairs' too
        if is_new is not None:
            scored = pd.concat([p for p in (kept[PAIR_COLUMNS], scored) if len(p)] or [scored], ignore_index=True) \
                .sort_values(["row_key_l", "row_key_r"], ignore_index=True)
        found = clusters_at_threshold(subset, scored, threshold, customer_type, decisions, engine)
        clusters.append(found)
        pairs.append(scored)
        model = engine.model(linker, recipe["settings"](present))
        engine.release(linker._db_api)  # before the next type trains
        models[customer_type] = model
        log_weights(model_weights({customer_type: model}))
        log.info("match %s: %d rows -> %d clusters", customer_type, len(subset), found["cluster"].nunique())
    all_pairs = pd.concat([p for p in pairs if len(p)], ignore_index=True) if any(len(p) for p in pairs) else \
        pd.DataFrame(columns=PAIR_COLUMNS)
    clusters, unplaced = without_nameless_clusters(pd.concat(clusters, ignore_index=True), rows)
    result = MatchResult(clusters=clusters, pairs=all_pairs, models=models, threshold=threshold, unplaced=unplaced,
                         training=training, features=pa.concat_tables(compared, promote_options="permissive"),
                         scoring=scoring)
    return result, carried_from(pd.concat(prints, ignore_index=True), all_pairs, scored_with)


def _linker(subset: pd.DataFrame, customer_type: str, recipe: dict, stored: dict[str, StoredModel] | None,
            run_id: str, engine, present: set[str], scored_frame: pd.DataFrame | None = None) -> tuple[Linker, dict]:
    """The linker that scores this run's rows of one type, with its training facts:
    the stored model's where it still fits them (on `scored_frame`, the rows with
    the column that marks the new ones, when given), else one trained now. present:
    the columns some row of `subset` carries (training.present_columns)."""
    kept = (stored or {}).get(customer_type)
    linker, why = reuse(subset if scored_frame is None else scored_frame, recipe["settings"](present), kept,
                        engine, rows=len(subset)) if stored is not None else (None, "a full run")
    if linker is not None:
        log.info("match %s: %d rows, scored with the model trained in run %s on %d rows", customer_type,
                 len(subset), kept.trained_in_run[:8], kept.trained_rows)
        return linker, kept.facts()
    log.info("match %s: training on %d rows (%s) on %s", customer_type, len(subset), why, engine.name)
    linker = trained_linker(subset, recipe, present, engine)
    return linker, training_facts(run_id, len(subset), linker._settings_obj._probability_two_random_records_match)


def _scores(linker: Linker, predictions) -> pd.DataFrame:
    """Of Splink's predictions, what the stage reads: the pair, its probability and
    weight, and each comparison's level (gamma_) and match weight (mw_). Not the
    compared values of both rows nor their term frequencies, which were most of the
    match step's memory (at 200k rows, 0.3 GiB of Python strings for 260,000 pairs)."""
    names = [column.unquote().name for column in predictions.columns]
    kept = [name for name in names if name in (f"{UNIQUE_ID}_l", f"{UNIQUE_ID}_r", "match_probability",
                                               "match_weight") or name.startswith(("gamma_", "mw_"))]
    return linker.misc.query_sql(f"SELECT {', '.join(kept)} FROM {predictions.physical_name}",
                                 output_type="pandas")


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

