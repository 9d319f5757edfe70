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
RESOLVE_COLUMNS = ["status", "master_id", "match_probability", "customer_type", "runner_up_id",
                   "runner_up_probability"]


def resolve_rows(rows: pd.DataFrame, index: CandidateIndex, threshold: float, lead: float) -> pd.DataFrame:
    """rows: ingest-shaped rows with a name (row_key, party_type and the
    canonical fields). One row per input row (same index): RESOLVE_COLUMNS."""
    out = pd.DataFrame({"status": NO_CANDIDATE, "master_id": None, "match_probability": float("nan"),
                        "customer_type": None, "runner_up_id": None, "runner_up_probability": float("nan")},
                       index=rows.index)
    if rows.empty:
        return out
    best, runner_up = _best_two(rows, index)
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


def _best_two(rows: pd.DataFrame, index: CandidateIndex) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The best and the runner-up master per row (indexed like `rows`)."""
    auto = rows["party_type"].eq("auto")
    queries = pd.concat([rows.assign(party_type=rows["party_type"].where(~auto, "company")),
                         rows[auto].assign(party_type="person")])
    origin = queries.index.to_numpy()
    queries = queries.reset_index(drop=True).assign(row_key=range(len(queries)))
    standard = standardise_rows(queries)
    scores = index.score(standard, top=2)
    at = scores["row_key"].to_numpy()
    scores = scores.assign(origin=origin[at], customer_type=standard["customer_type"].to_numpy()[at])
    scores = (scores.sort_values(["origin", "match_weight", "master_id"], ascending=[True, False, True])
              .drop_duplicates(["origin", "master_id"]))
    place = scores.groupby("origin").cumcount()
    return scores[place == 0].set_index("origin"), scores[place == 1].set_index("origin")
