"""Unsupervised training of a Splink model on one run's rows: u from random
pairs, m by EM on capped blocks, the prior from near-certain rules and refined
from the model's own expected match count, with the guards that keep a model
sane on an inbox it has never seen."""

from __future__ import annotations

import logging
import re

import pandas as pd
import pyarrow as pa
from splink import Linker
from splink.internals.comparison_vector_values import compute_comparison_vector_values_from_id_pairs_sqls
from splink.internals.pipeline import CTEPipeline
from splink.internals.predict import predict_from_comparison_vectors_sqls_using_settings
from splink.internals.vertically_concatenate import enqueue_df_concat_with_tf

from customer_master.match.backends import DUCKDB
from customer_master.match.models import UNIQUE_ID

log = logging.getLogger(__name__)

U_SAMPLE_PAIRS = 2_000_000
EM_PAIRS_PER_BLOCK = 1_000_000  # EM trains on at most about this many pairs of each block (em_rule)
SEED = 20261122
# Below this many rows of one customer type the model keeps its prior m and u.
MIN_ROWS_TO_TRAIN = 100
# No true pair in a thousand differing in a way is taken as EM's artefact, not a fact:
# a true match disagrees on any one field now and then (a typo in an ID number, a
# birthday with its month mistyped, a changed phone), so a level that is evidence
# against a match has an m of at least this (_bounded_disagreement).
M_FLOOR = 0.001
# Candidate pairs a row may bring on average before the log warns: blocking
# that grows with the rows stays far below it (the sample: about 1 a row).
PAIRS_PER_ROW_BUDGET = 50


def present_columns(frame: pd.DataFrame | pa.Table) -> set[str]:
    """The columns some row carries: the model compares those and no others."""
    if isinstance(frame, pa.Table):  # Arrow counts its nulls as it builds a column: no scan
        return {c for c in frame.column_names if frame[c].null_count < frame.num_rows}
    return {c for c in frame.columns if frame[c].notna().any()}


def trained_linker(frame: pd.DataFrame, recipe: dict, present: set[str], engine=None) -> Linker:
    """A model trained on `frame` on `engine` (backends.py; default DuckDB in this process)."""
    engine = engine or DUCKDB
    with engine.training_api() as api:
        linker = engine.linker(api, frame, recipe["settings"](present))
        floor = _estimate_prior(linker, [engine.rule(rule) for rule in recipe["deterministic"]], len(frame))
        if len(frame) < MIN_ROWS_TO_TRAIN:
            # u from random pairs of a handful of rows measures the duplicates, not chance
            log.info("match: %d rows are too few to train on; using the model's prior m and u", len(frame))
        else:
            _train_m_and_u(linker, recipe["em_blocks"], present, frame, engine)
        _restore_untrained_levels(linker, recipe["settings"](present))
        _no_disagreement_for_a_match(linker)
        _bounded_disagreement(linker)
        if len(frame) >= MIN_ROWS_TO_TRAIN:
            _refine_prior(linker, len(frame), floor)
    return linker


def _refine_prior(linker: Linker, rows: int, floor: float, rounds: int = 5) -> None:
    """Re-estimate the prior from the model itself: the expected number of matches
    is the sum of match probabilities over the candidate pairs (pairs the blocking
    rules leave out have ~0). This is EM's update for the prior with m and u held;
    the deterministic-rule estimate undercounts when the data is noisy (names and
    birthdays with typos), which would push true pairs under the threshold.

    It never goes below `floor` (see _estimate_prior): a model that scores unfamiliar
    data poorly would otherwise talk itself out of every match, one round at a
    time (seen: 1.2e-06, "7 expected matches", on nine lists of one set of
    organisations)."""
    settings = linker._settings_obj
    total_pairs = rows * (rows - 1) / 2
    for _ in range(rounds):
        expected = expected_matches(linker)
        prior = settings._probability_two_random_records_match
        updated = max(float(f"{min(expected / total_pairs, 0.5):.6g}"), floor)
        settings._probability_two_random_records_match = updated
        if abs(updated - prior) <= 0.02 * prior:
            break
    if updated <= floor:
        log.warning("match: the prior learned from the scores (%.3g) is below its floor; kept at %.3g, the share "
                    "of pairs the near-certain rules find", expected / total_pairs, floor)
    log.info("match: prior refined to %.3g (%.0f expected matches)", updated, expected)


def candidate_pairs_by_rule(linker: Linker) -> pd.Series:
    """How many candidate pairs each blocking rule adds (a pair counts for the
    first rule that finds it), indexed by the rule's SQL, in the rules' order."""
    blocked, _ = linker.inference._get_or_compute_blocked_pairs_for_predict_chunk(left_chunk=(1, 1),
                                                                                    right_chunk=(1, 1))
    counts = {int(row["match_key"]): int(row["pairs"]) for row in _records(
        linker, blocked, "SELECT CAST(match_key AS INTEGER) AS match_key, count(*) AS pairs "
                         f"FROM {blocked.templated_name} GROUP BY CAST(match_key AS INTEGER)")}
    rules = linker._settings_obj._blocking_rules_to_generate_predictions
    return pd.Series([counts.get(i, 0) for i in range(len(rules))], index=[r.blocking_rule_sql for r in rules],
                     dtype="int64")


def report_candidate_pairs(linker: Linker, customer_type: str, rows: int) -> int:
    """Log the candidate pairs, and warn when they pass PAIRS_PER_ROW_BUDGET a row:
    a blocking rule then pairs rows by a value that many rows share, and the
    cost grows with the square of the inbox (the log names that rule). Returns
    how many there are."""
    by_rule = candidate_pairs_by_rule(linker)
    total = int(by_rule.sum())
    log.info("match %s: %d candidate pairs (%.1f a row)", customer_type, total, total / max(rows, 1))
    if total > PAIRS_PER_ROW_BUDGET * rows:
        log.warning("match %s: %d candidate pairs, over the budget of %d a row; most from %s (%d)", customer_type,
                    total, PAIRS_PER_ROW_BUDGET, by_rule.idxmax(), by_rule.max())
    return total


def expected_matches(linker: Linker) -> float:
    """The sum of match probabilities over the candidate pairs, summed inside DuckDB
    as the pairs are scored: no table of scored pairs is written (at a million rows
    that table, with every compared column, outgrew the machine's memory).

    Splink's own predict() pipeline (the same SQL, for the same candidate pairs,
    which it caches for the predict() that follows) ending in a sum instead of a
    table; splink.internals is pinned by the splink<6 requirement, and
    tests/test_match_scale.py checks the sum against predict()."""
    settings = linker._settings_obj
    columns = settings.column_info_settings
    blocked, _ = linker.inference._get_or_compute_blocked_pairs_for_predict_chunk(left_chunk=(1, 1),
                                                                                    right_chunk=(1, 1))
    pipeline = CTEPipeline([blocked])
    enqueue_df_concat_with_tf(linker, pipeline)
    pipeline.enqueue_list_of_sqls(compute_comparison_vector_values_from_id_pairs_sqls(
        settings._columns_to_select_for_blocking, settings._columns_to_select_for_comparison_vector_values,
        input_tablename_l="__splink__df_concat_with_tf", input_tablename_r="__splink__df_concat_with_tf",
        source_dataset_input_column=columns.source_dataset_input_column,
        unique_id_input_column=columns.unique_id_input_column, link_type=settings._link_type,
        sql_dialect_str=linker._sql_dialect_str))
    pipeline.enqueue_list_of_sqls(predict_from_comparison_vectors_sqls_using_settings(settings, None, None))
    pipeline.enqueue_sql("SELECT coalesce(sum(match_probability), 0) AS expected FROM __splink__df_predict",
                         "__splink__expected_matches")
    total = linker._db_api.sql_pipeline_to_splink_dataframe(pipeline)
    expected = total.as_record_list()[0]["expected"]
    total.drop_table_from_database_and_remove_from_cache()
    return float(expected)


def _records(linker: Linker, table, sql: str) -> list[dict]:
    """The rows of a query over one of Splink's tables, on the linker's engine."""
    pipeline = CTEPipeline([table])
    pipeline.enqueue_sql(sql, "__splink__customer_master_query")
    result = linker._db_api.sql_pipeline_to_splink_dataframe(pipeline)
    try:
        return result.as_record_list()
    finally:
        result.drop_table_from_database_and_remove_from_cache()


def _estimate_prior(linker: Linker, deterministic_rules: list, rows: int) -> float:
    """Probability that two random rows match, from near-certain rules; kept between
    one match among all pairs (at most 1 in 100) and one half, since no evidence
    outweighs a prior of 0 and a handful of rows can give 1. Returns the prior's
    floor: the pairs the near-certain rules find are matches, so the share of all
    pairs that match is at least theirs (and at least one pair)."""
    training = linker.training
    recall = 0.8
    try:
        training.estimate_probability_two_random_records_match(deterministic_rules, recall=recall)
    except ValueError:  # tiny inputs: more certain pairs than 80% recall allows
        recall = 1.0
        training.estimate_probability_two_random_records_match(deterministic_rules, recall=recall)
    total_pairs = rows * (rows - 1) / 2
    floor = min(1 / total_pairs, 0.01)
    settings = linker._settings_obj
    prior = settings._probability_two_random_records_match
    if not floor <= prior <= 0.5:  # also catches NaN
        settings._probability_two_random_records_match = min(max(floor, prior if prior == prior else 0), 0.5)
        start = settings._probability_two_random_records_match
        if prior == prior and prior < floor:
            log.info("match: the near-certain rules (same ID, same name and phone …) find no pair in this inbox; "
                     "training starts from one match among all pairs (prior %.3g)", start)
        else:
            log.info("match: the near-certain rules give a prior of %.3g; training starts from %.3g", prior, start)
    return max(floor, min(settings._probability_two_random_records_match * recall, 0.5))


def em_rule(block, frame: pd.DataFrame, cap: int = EM_PAIRS_PER_BLOCK) -> str:
    """The blocking rule EM trains on: the block itself, or where it holds more
    than `cap` pairs, a fixed share of them (the pairs whose left row's key hashes
    into one bucket of as many as it takes). EM needs enough pairs to learn from,
    not all of them: a block on the birthday holds the square of the inbox."""
    rule = block.get_blocking_rule("duckdb").blocking_rule_sql
    columns = re.findall(r'l\."(\w+)"', rule)
    sizes = frame.groupby(columns, dropna=True).size() if set(columns) <= set(frame.columns) else pd.Series([])
    pairs = int((sizes * (sizes - 1) // 2).sum())
    buckets = -(-pairs // cap)
    if buckets <= 1:
        return rule
    log.info("match: EM on %s: %d pairs, trained on one in %d", rule, pairs, buckets)
    return f'({rule}) AND hash(l."{UNIQUE_ID}") % {buckets} = 0'


def _train_m_and_u(linker: Linker, em_blocks: list, present: set[str], frame: pd.DataFrame, engine) -> None:
    training, settings = linker.training, linker._settings_obj
    training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=SEED)
    for block in em_blocks:
        rule = block.get_blocking_rule("duckdb").blocking_rule_sql
        if not set(re.findall(r'l\."(\w+)"', rule)) <= present:
            continue  # a block on a field no row carries has no pairs to learn from
        if len(settings.comparisons) < 2:
            log.warning("match: the inbox gives one field to compare; its levels keep the defaults of models.py "
                        "(EM needs a second field to tell matches from chance)")
            break
        # A failed EM session leaves Splink's model without the comparisons it had
        # set aside for the blocking rule: keep a copy to put back.
        before = settings.core_model_settings.copy()
        try:
            training.estimate_parameters_using_expectation_maximisation(engine.rule(em_rule(block, frame)),
                                                                        estimate_without_term_frequencies=True)
        except Exception as exc:  # noqa: BLE001 - a block with too few pairs teaches nothing
            settings.core_model_settings = before
            log.warning("match: EM on %s skipped: %s", rule, str(exc).splitlines()[0])


def _restore_untrained_levels(linker: Linker, priors) -> None:
    """Where training left a level without a usable m or u (None, NaN or 0: a level
    no sampled pair reached), put back the prior from models.py."""
    prior_levels = {(c.output_column_name, level.comparison_vector_value): level
                    for c in priors.get_settings("duckdb").comparisons for level in c.comparison_levels}
    restored = []
    for comparison in linker._settings_obj.comparisons:
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            prior = prior_levels[(comparison.output_column_name, level.comparison_vector_value)]
            for attribute in ("_m_probability", "_u_probability"):
                value = getattr(level, attribute)
                if value is None or not 0 < value <= 1:  # NaN fails the comparison too
                    setattr(level, attribute, getattr(prior, attribute))
                    restored.append(f"{comparison.output_column_name}/{level.label_for_charts}{attribute[:2]}")
    if restored:
        log.info("match: prior kept for %d untrained level parameters", len(restored))


def _no_disagreement_for_a_match(linker: Linker) -> None:
    """Values that differ (a comparison's last level) are never evidence that two
    rows match. EM can learn that they are where the inbox's true pairs happen to
    differ more often than random pairs (fuzzy byte-wise similarity on Chinese
    addresses, say); such a level is set to weigh nothing (m = u), with a note."""
    for comparison in linker._settings_obj.comparisons:
        last = comparison.comparison_levels[-1]
        m, u = last._m_probability, last._u_probability
        if m is not None and u is not None and m > u:
            last._m_probability = u
            log.info("match: %s: 'values differ' learned as evidence for a match (m %.3g > u %.3g); weighs 0",
                     comparison.output_column_name, m, u)


def _bounded_disagreement(linker: Linker, floor: float = M_FLOOR) -> None:
    """A level that is evidence against a match (m < u) gets an m of at least `floor`
    (or u, if u is smaller: it never becomes evidence for), the comparison's other
    levels scaled so that its m still sums to 1. EM drives such an m towards 0 where
    no true pair of this inbox differs that way (seen on the sample: different ID
    numbers weighed -89, birthdays within a year -513), and a row with one mistyped
    field could then never join its customer, whatever else agrees."""
    bounded = []
    for comparison in linker._settings_obj.comparisons:
        levels = [level for level in comparison.comparison_levels if not level.is_null_level]
        raised = {}
        for level in levels:
            m, u = level._m_probability, level._u_probability
            if m is not None and u is not None and m < u and m < floor:
                raised[id(level)] = min(floor, u)
                bounded.append(f"{comparison.output_column_name}/{level.label_for_charts}")
        if not raised:
            continue
        others = [level for level in levels if id(level) not in raised]
        rest = 1 - sum(raised.values())
        total = sum(level._m_probability for level in others)
        for level in levels:
            if id(level) in raised:
                level._m_probability = raised[id(level)]
            elif total > 0:
                level._m_probability = level._m_probability * rest / total
    if bounded:
        log.info("match: m raised to its floor (%g) for %d levels that EM had all but ruled out: %s", floor,
                 len(bounded), ", ".join(bounded))

