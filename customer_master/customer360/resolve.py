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

import pandas as pd

from customer_master.check import CandidateIndex
from customer_master.standardise.stage import standardise_rows

RESOLVED, AMBIGUOUS, WEAK, NO_CANDIDATE = "resolved", "ambiguous", "weak", "no candidate"
RESOLVE_COLUMNS = ["status", "master_id", "match_probability", "customer_type", "guessed_type", "runner_up_id",
                   "runner_up_probability"]


def resolve_rows(rows: pd.DataFrame, index: CandidateIndex | None, threshold: float, lead: float) -> pd.DataFrame:
    """rows: ingest-shaped rows with a name (row_key, party_type and the
    canonical fields). One row per input row (same index): RESOLVE_COLUMNS
    (guessed_type: the type standardisation gives the row, as for a customer row;
    customer_type: the type of the master it resolved to)."""
    out = pd.DataFrame({"status": NO_CANDIDATE, "master_id": None, "match_probability": float("nan"),
                        "customer_type": None, "guessed_type": None, "runner_up_id": None,
                        "runner_up_probability": float("nan")}, index=rows.index)
    if rows.empty:
        return out
    standard, origin = _as_both_types(rows)
    out["guessed_type"] = standard["customer_type"].to_numpy()[:len(rows)]
    if index is None:
        return out
    best, runner_up = _best_two(standard, origin, index)
    weight_lead = best["match_weight"] - runner_up["match_weight"].reindex(best.index)
    reaches = best["match_probability"] >= threshold
    status = pd.Series(WEAK, index=best.index).mask(reaches, RESOLVED).mask(reaches & (weight_lead < lead), AMBIGUOUS)
    out.loc[best.index, "status"] = status
    out.loc[best.index, "master_id"] = best["master_id"]
    out.loc[best.index, "match_probability"] = best["match_probability"]
    out.loc[best.index, "customer_type"] = best["customer_type"]
    out.loc[runner_up.index, "runner_up_id"] = runner_up["master_id"]
    out.loc[runner_up.index, "runner_up_probability"] = runner_up["match_probability"]
    return out


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


def _best_two(standard: pd.DataFrame, origin: "pd.Index", index: CandidateIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The best and the runner-up master per row (indexed like the rows)."""
    scores = index.score(standard, top=2)
    at = scores["row_key"].to_numpy()
    scores = scores.assign(origin=origin.to_numpy()[at], customer_type=standard["customer_type"].to_numpy()[at])
    scores = (scores.sort_values(["origin", "match_weight", "master_id"], ascending=[True, False, True])
              .drop_duplicates(["origin", "master_id"]))
    place = scores.groupby("origin").cumcount()
    return scores[place == 0].set_index("origin"), scores[place == 1].set_index("origin")
