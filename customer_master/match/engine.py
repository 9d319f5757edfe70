"""Matching stage: train the company and person models without labels on this
run's rows, score candidate pairs, and cluster at the match threshold.

Models are retrained every run: the inbox changes (new departments, new
spellings) and unsupervised training on ~all rows takes seconds. The trained
model of each run is returned (JSON) so the warehouse keeps it for audit."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import duckdb
import pandas as pd
from splink import DuckDBAPI, Linker
from splink.clustering import cluster_pairwise_predictions_at_threshold
from splink.internals.comparison_vector_values import compute_comparison_vector_values_from_id_pairs_sqls
from splink.internals.pipeline import CTEPipeline
from splink.internals.predict import predict_from_comparison_vectors_sqls_using_settings
from splink.internals.vertically_concatenate import enqueue_df_concat_with_tf

from customer_master.review.decisions import DECISION_COLUMNS, DEFAULT_BAND
from customer_master.schemas.row_rules import NAMELESS_UNMATCHED
from customer_master.match.constraints import pair_conflicts, split_conflicting_clusters, unrelated_names
from customer_master.match.features import matching_frame
from customer_master.match.learned import log_weights, model_weights
from customer_master.match.models import TRAINING, UNIQUE_ID
from customer_master.match.threshold import DEFAULT_MATCH_THRESHOLD

log = logging.getLogger(__name__)

# Pairs scored below the threshold but above this floor are kept as evidence (and,
# later, steward review candidates); below it they are not stored.
EVIDENCE_FLOOR = 0.5
U_SAMPLE_PAIRS = 2_000_000
EM_PAIRS_PER_BLOCK = 1_000_000  # EM trains on at most about this many pairs of each block (em_rule)
SEED = 20261122
# Below this many rows of one customer type the model keeps its prior m and u.
MIN_ROWS_TO_TRAIN = 100
# Candidate pairs a row may bring on average before the log warns: blocking
# that grows with the rows stays far below it (the sample: about 1 a row).
PAIRS_PER_ROW_BUDGET = 50
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
    unplaced: pd.DataFrame = field(  # row_key, reason: rows without a name that matched no named row
        default_factory=lambda: pd.DataFrame({"row_key": pd.Series(dtype="int64"), "reason": pd.Series(dtype=object)}))


def match_customers(rows: pd.DataFrame, threshold: float = DEFAULT_MATCH_THRESHOLD,
                    decisions: pd.DataFrame | None = None) -> MatchResult:
    """decisions: a steward's verdicts (row_key_l, row_key_r, decision: match | no match |
    detach, row_key_r empty for detach); they win over the model."""
    if not 0 < threshold < 1:
        raise ValueError(f"match threshold must be between 0 and 1, not {threshold}")
    logging.getLogger("splink").setLevel(logging.WARNING)
    clusters, pairs, models = [], [], {}
    for customer_type, recipe in TRAINING.items():
        subset = matching_frame(rows[rows.customer_type == customer_type])
        if len(subset) < 2:
            clusters.append(_singletons(subset, customer_type))
            continue
        log.info("match %s: training on %d rows", customer_type, len(subset))
        linker = _trained_linker(subset, recipe, present_columns(subset))
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
        found = _clusters(subset, scored, threshold, customer_type, decisions)
        clusters.append(found)
        pairs.append(scored)
        model = linker.misc.save_model_to_json()
        model.pop("linker_uid", None)  # random per process: not part of the model
        models[customer_type] = model
        log_weights(model_weights({customer_type: model}))
        log.info("match %s: %d rows -> %d clusters", customer_type, len(subset), found["cluster"].nunique())
    all_pairs = pd.concat([p for p in pairs if len(p)], ignore_index=True) if any(len(p) for p in pairs) else \
        pd.DataFrame(columns=PAIR_COLUMNS)
    clusters, unplaced = _without_nameless_clusters(pd.concat(clusters, ignore_index=True), rows)
    return MatchResult(clusters=clusters, pairs=all_pairs, models=models, threshold=threshold, unplaced=unplaced)


def _without_nameless_clusters(clusters: pd.DataFrame, rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The clusters that hold a named row, and the rows of the others (rows without
    a name that matched no named row) with the reason they are quarantined."""
    named = clusters[UNIQUE_ID].map(rows.set_index(UNIQUE_ID)["name"].notna())
    has_name = named.groupby(clusters["cluster"]).transform("any")
    unplaced = clusters.loc[~has_name, [UNIQUE_ID]].assign(reason=NAMELESS_UNMATCHED)
    if len(unplaced):
        log.info("match: %d rows without a name matched no named row; quarantined", len(unplaced))
    return clusters[has_name].reset_index(drop=True), unplaced.reset_index(drop=True)


def _clusters(rows: pd.DataFrame, scored: pd.DataFrame, threshold: float, customer_type: str,
              decisions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Connected components over the pairs at or above the threshold that break no
    cannot-link rule, plus the pairs a steward said match, less the pairs a steward
    said don't and every pair of a detached row; then conflicted clusters rebuilt
    without the conflict."""
    edges = scored[(scored.match_probability >= threshold) & scored.cannot_link.isna()]
    if customer_type == "company":
        edges = pd.concat([edges, registered_name_edges(rows)], ignore_index=True)
    forbidden: set[tuple[int, int]] = set()
    if decisions is not None and len(decisions):
        keys = set(rows[UNIQUE_ID])
        mine = decisions[decisions.row_key_l.isin(keys) & (decisions.row_key_r.isin(keys) |
                                                           decisions.decision.eq("detach"))]
        apart = mine[mine.decision == "no match"]
        forbidden = set(zip(apart.row_key_l.astype("int64"), apart.row_key_r.astype("int64")))
        detached = set(mine.loc[mine.decision == "detach", "row_key_l"])
        edges = edges[~edges.row_key_l.isin(detached) & ~edges.row_key_r.isin(detached)]
        both_ways = pd.DataFrame(list(forbidden) + [(b, a) for a, b in forbidden],
                                 columns=["row_key_l", "row_key_r"]).assign(apart=True)
        edges = edges.merge(both_ways, on=["row_key_l", "row_key_r"], how="left")
        edges = edges[edges["apart"].isna()].drop(columns="apart")
        together = mine[mine.decision == "match"]
        edges = pd.concat([edges, pd.DataFrame({"row_key_l": together.row_key_l.astype("int64"),
                                                "row_key_r": together.row_key_r.astype("int64"),
                                                "match_probability": 1.0})], ignore_index=True)
    nameless = rows.loc[rows["name"].isna(), UNIQUE_ID]
    through_nameless = edges.row_key_l.isin(nameless) | edges.row_key_r.isin(nameless)
    nameless_edges, edges = edges[through_nameless], edges[~through_nameless]
    db_api = DuckDBAPI(duckdb.connect())
    components = cluster_pairwise_predictions_at_threshold(
        rows[[UNIQUE_ID]], edges[["row_key_l", "row_key_r", "match_probability"]], db_api,
        node_id_column_name=UNIQUE_ID).as_pandas_dataframe()
    clusters = pd.DataFrame({UNIQUE_ID: components[UNIQUE_ID].astype("int64"),
                             "cluster": customer_type[0] + components["cluster_id"].astype(str)})
    clusters = split_conflicting_clusters(clusters, edges, rows, customer_type, forbidden)
    return _attach_nameless(clusters, nameless_edges, set(nameless))


def _attach_nameless(clusters: pd.DataFrame, edges: pd.DataFrame, nameless: set) -> pd.DataFrame:
    """Each row without a name joins the cluster of the named row it matches best
    (edges: its pairs at or above the threshold). It never links two customers:
    one phone on two named rows is a switchboard, not proof they are one."""
    left_nameless = edges.row_key_l.isin(nameless)
    links = pd.DataFrame({
        "nameless": edges.row_key_l.where(left_nameless, edges.row_key_r).astype("int64"),
        "named": edges.row_key_r.where(left_nameless, edges.row_key_l).astype("int64"),
        "match_probability": edges.match_probability})
    links = links[~links.named.isin(nameless)]
    if links.empty:
        return clusters
    best = links.sort_values(["match_probability", "named"], ascending=[False, True]).drop_duplicates("nameless")
    cluster_of = clusters.set_index(UNIQUE_ID)["cluster"]
    moved = pd.Series(cluster_of.reindex(best.named).to_numpy(), index=best.nameless.to_numpy())
    clusters = clusters.copy()
    clusters["cluster"] = clusters[UNIQUE_ID].map(moved).fillna(clusters["cluster"])
    return clusters


def present_columns(frame: pd.DataFrame) -> set[str]:
    """The columns some row carries: the model compares those and no others."""
    return {c for c in frame.columns if frame[c].notna().any()}


def registered_name_edges(rows: pd.DataFrame) -> pd.DataFrame:
    """Links (row_key_l, row_key_r, match_probability 1) between rows that carry the
    same full registered name (with its legal form: 深圳致思软件有限公司, Acme Ltd)
    and no conflicting place: a registered company name is unique in its
    registration area, whatever contacts the rows list. A name seen in several
    places links only within each place (rows without a place stay with the
    model); a credit code or branch that differs still splits the cluster
    (constraints.py)."""
    named = rows.loc[rows["legal_form"].notna() & rows["name"].notna(), [UNIQUE_ID, "name", "place"]]
    places = named.groupby("name")["place"].nunique()
    in_several = named["name"].map(places).gt(1)
    named = named[~(in_several & named["place"].isna())]
    key = named["name"] + "\x00" + named["place"].where(in_several, "").fillna("")
    first = named.groupby(key)[UNIQUE_ID].transform("min")
    linked = named[UNIQUE_ID].ne(first)
    return pd.DataFrame({"row_key_l": first[linked].astype("int64"), "row_key_r": named.loc[linked, UNIQUE_ID]
                         .astype("int64"), "match_probability": 1.0}).reset_index(drop=True)


def _trained_linker(frame: pd.DataFrame, recipe: dict, present: set[str]) -> Linker:
    con = duckdb.connect()
    # One thread while training: sampled pairs and summed floats then come out the
    # same on every run, so the same inbox gives the same model and the same masters.
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    con.execute("SET threads = 1")
    db_api = DuckDBAPI(con)
    linker = Linker(db_api.register(frame), recipe["settings"](present), log_level=logging.ERROR)
    floor = _estimate_prior(linker, recipe["deterministic"], len(frame))
    if len(frame) < MIN_ROWS_TO_TRAIN:
        # u from random pairs of a handful of rows measures the duplicates, not chance
        log.info("match: %d rows are too few to train on; using the model's prior m and u", len(frame))
    else:
        _train_m_and_u(linker, recipe["em_blocks"], present, frame)
    _restore_untrained_levels(linker, recipe["settings"](present))
    _no_disagreement_for_a_match(linker)
    if len(frame) >= MIN_ROWS_TO_TRAIN:
        _refine_prior(linker, len(frame), floor)
    con.execute(f"SET threads = {threads}")
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
    counts = dict(linker._db_api._con.execute(
        f"SELECT match_key::INTEGER, count(*) FROM {blocked.physical_name} GROUP BY ALL").fetchall())
    rules = linker._settings_obj._blocking_rules_to_generate_predictions
    return pd.Series([counts.get(i, 0) for i in range(len(rules))], index=[r.blocking_rule_sql for r in rules],
                     dtype="int64")


def report_candidate_pairs(linker: Linker, customer_type: str, rows: int) -> None:
    """Log the candidate pairs, and warn when they pass PAIRS_PER_ROW_BUDGET a row:
    a blocking rule then pairs rows by a value that many rows share, and the
    cost grows with the square of the inbox (the log names that rule)."""
    by_rule = candidate_pairs_by_rule(linker)
    total = int(by_rule.sum())
    log.info("match %s: %d candidate pairs (%.1f a row)", customer_type, total, total / max(rows, 1))
    if total > PAIRS_PER_ROW_BUDGET * rows:
        log.warning("match %s: %d candidate pairs, over the budget of %d a row; most from %s (%d)", customer_type,
                    total, PAIRS_PER_ROW_BUDGET, by_rule.idxmax(), by_rule.max())


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
    expected = linker._db_api._con.execute(f"SELECT expected FROM {total.physical_name}").fetchall()[0][0]
    total.drop_table_from_database_and_remove_from_cache()
    return float(expected)


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
        log.info("match: prior %.3g out of range; using %.3g", prior, settings._probability_two_random_records_match)
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


def _train_m_and_u(linker: Linker, em_blocks: list, present: set[str], frame: pd.DataFrame) -> None:
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
            training.estimate_parameters_using_expectation_maximisation(em_rule(block, frame),
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


def _evidence(predictions: pd.DataFrame, customer_type: str) -> pd.DataFrame:
    """One row per scored pair with the match weight of every field (term-frequency
    adjustment included) as a JSON object, built in DuckDB rather than per row."""
    fields = [c.removeprefix("mw_") for c in predictions.columns
              if c.startswith("mw_") and not c.startswith("mw_tf_adj_")]
    weight = lambda f: f'"mw_{f}"' + (f' + coalesce("mw_tf_adj_{f}", 0)' if f"mw_tf_adj_{f}" in predictions else "")  # noqa: E731
    struct = ", ".join(f"'{f}': round({weight(f)}, 3)" for f in fields)
    return duckdb.sql(f"""
        SELECT '{customer_type}' AS customer_type,
               {UNIQUE_ID}_l::BIGINT AS row_key_l, {UNIQUE_ID}_r::BIGINT AS row_key_r,
               match_probability::DOUBLE AS match_probability, match_weight::DOUBLE AS match_weight,
               to_json({{{struct}}})::VARCHAR AS evidence
        FROM predictions""").df()


def _singletons(rows: pd.DataFrame, customer_type: str) -> pd.DataFrame:
    return pd.DataFrame({UNIQUE_ID: rows[UNIQUE_ID].astype("int64"),
                         "cluster": customer_type[0] + rows[UNIQUE_ID].astype(str)})
