"""Which known master does a row name? Activity rows and the parent or group a
customer row names are scored against this run's masters with its own models
(customer_master/check), all rows in one set-based call.

The question is not whether two records are one customer (the merge threshold)
but which of the known customers a row means: the best master must reach
`threshold` and lead the runner-up by `lead` in match weight (2: four times as
likely), else the row is ambiguous. A sheet that does not say whether its rows
are companies or persons is scored as both: a short company name (华信科技)
looks like a person's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_master.check import CandidateIndex
from customer_master.match.features import matching_frame
from customer_master.standardise.stage import standardise_rows

RESOLVED, AMBIGUOUS, WEAK, NO_CANDIDATE = "resolved", "ambiguous", "weak", "no candidate"
RESOLVE_COLUMNS = ["status", "master_id", "match_probability", "customer_type", "guessed_type", "runner_up_id",
                   "runner_up_probability"]
# what scoring a row found, before the threshold and the lead decide (customer_type,
# runner_up_type: the type of each master, whose model scored it)
SCORE_COLUMNS = ["guessed_type", "master_id", "match_weight", "match_probability", "customer_type",
                 "runner_up_id", "runner_up_weight", "runner_up_probability", "runner_up_type"]
ORIGIN = "origin"  # in the queries: the label of the row each query stands for


def resolve_rows(rows: pd.DataFrame, index: CandidateIndex | None, threshold: float, lead: float) -> pd.DataFrame:
    """rows: ingest-shaped rows with a name (row_key, party_type and the
    canonical fields). One row per input row (same index): RESOLVE_COLUMNS
    (guessed_type: the type standardisation gives the row, as for a customer row;
    customer_type: the type of the master it resolved to)."""
    return decide(score_rows(rows, index)[0], threshold, lead)


def score_rows(rows: pd.DataFrame, index: CandidateIndex | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SCORE_COLUMNS per row (same index; no master where the index is None or
    finds no candidate), and the queries that were scored (`queries_of`)."""
    queries = queries_of(rows)
    scores = pd.DataFrame({"guessed_type": queries["customer_type"].to_numpy()[:len(rows)]}, index=rows.index)
    return with_masters(scores, queries, index), queries


def queries_of(rows: pd.DataFrame) -> pd.DataFrame:
    """The queries the rows are scored as: ORIGIN (the row's label), customer_type
    and the matching-frame columns; a row of a sheet that does not say its type is
    two queries, the first of them in the rows' order (its type is the row's guessed type)."""
    if rows.empty:
        return pd.DataFrame(columns=[ORIGIN, "customer_type"])
    standard, origin = _as_both_types(rows)
    queries = matching_frame(standard)
    queries.insert(0, "customer_type", standard["customer_type"].to_numpy())
    del standard
    queries[ORIGIN] = origin.to_numpy()  # in place: the queries of every activity row are not copied
    return queries


def with_masters(scores: pd.DataFrame, queries: pd.DataFrame, index: CandidateIndex | None) -> pd.DataFrame:
    """`scores` (indexed like the queries' origins; guessed_type) with the best and the
    runner-up master of each, found by scoring the queries against the index."""
    scores = scores.assign(**{c: None for c in SCORE_COLUMNS if c != "guessed_type"})
    for column in ("match_weight", "match_probability", "runner_up_weight", "runner_up_probability"):
        scores[column] = np.nan
    if index is None or queries.empty:
        return scores[SCORE_COLUMNS]
    # the positions _best_two reads, on a shallow copy (the caller's queries are neither changed nor copied)
    queries = queries.reset_index(drop=True) if not queries.index.equals(pd.RangeIndex(len(queries))) else \
        queries.copy(deep=False)
    queries["row_key"] = np.arange(len(queries), dtype="int64")
    best, runner_up = _best_two(queries, pd.Index(queries[ORIGIN]), index)
    found = ["master_id", "match_weight", "match_probability", "customer_type"]
    scores.loc[best.index, found] = best[found].to_numpy()
    scores.loc[runner_up.index, ["runner_up_id", "runner_up_weight", "runner_up_probability", "runner_up_type"]] = \
        runner_up[found].to_numpy()
    return scores[SCORE_COLUMNS]


def decide(scores: pd.DataFrame, threshold: float, lead: float) -> pd.DataFrame:
    """RESOLVE_COLUMNS from SCORE_COLUMNS: resolved when the best master reaches
    `threshold` and leads the runner-up by `lead` in match weight, ambiguous when it
    reaches it without that lead, weak below it."""
    out = pd.DataFrame({"status": NO_CANDIDATE, "master_id": scores["master_id"],
                        "match_probability": scores["match_probability"].astype(float),
                        "customer_type": scores["customer_type"], "guessed_type": scores["guessed_type"],
                        "runner_up_id": scores["runner_up_id"],
                        "runner_up_probability": scores["runner_up_probability"].astype(float)}, index=scores.index)
    found = scores["master_id"].notna()
    weight_lead = scores["match_weight"].astype(float) - scores["runner_up_weight"].astype(float)
    reaches = out["match_probability"] >= threshold
    status = pd.Series(WEAK, index=scores.index).mask(reaches, RESOLVED).mask(reaches & (weight_lead < lead), AMBIGUOUS)
    out["status"] = status.where(found, NO_CANDIDATE)
    return out[RESOLVE_COLUMNS]


def _as_both_types(rows: pd.DataFrame) -> tuple[pd.DataFrame, "pd.Index"]:
    """The rows standardised as given (type guessed where the sheet does not say),
    then the guessed ones again as the other type; and each query's row index."""
    first = standardise_rows(rows.assign(row_key=range(len(rows))))
    auto = rows["party_type"].eq("auto").to_numpy()
    other = {"company": "person", "person": "company"}
    again = rows[auto].assign(party_type=first["customer_type"].to_numpy()[auto])
    again = again.assign(party_type=again["party_type"].map(other), row_key=range(len(rows), len(rows) + auto.sum()))
    standard = pd.concat([first, standardise_rows(again)], ignore_index=True) if auto.any() else first
    return standard, rows.index.append(rows.index[auto])


def _best_two(queries: pd.DataFrame, origin: "pd.Index", index: CandidateIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The best and the runner-up master per row (indexed like the rows)."""
    scores = index.score_matching(queries, top=2, evidence=False)  # the weights decide, not their parts
    at = scores["row_key"].to_numpy()
    scores = scores.assign(origin=origin.to_numpy()[at], customer_type=queries["customer_type"].to_numpy()[at])
    return best_two(scores)


def best_two(scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """From scored (origin, master) pairs: the best and the runner-up master per origin."""
    scores = (scores.sort_values(["origin", "match_weight", "master_id"], ascending=[True, False, True])
              .drop_duplicates(["origin", "master_id"]))
    place = scores.groupby("origin").cumcount()
    return scores[place == 0].set_index("origin"), scores[place == 1].set_index("origin")
