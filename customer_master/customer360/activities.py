"""Interactions (calls, visits, emails, complaints) and transactions (quotes,
contracts, orders, shipments, payments) linked to master ids.

An activity row names its customer the way a department does (a name, maybe a
phone, a credit code); it is standardised like a customer row and scored
against the masters with the run's own models (customer_master/check), all rows
in one set-based call. It is linked when the best master reaches the threshold
and no other master comes close; otherwise it is kept, unresolved, with the
reason. No row is dropped."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from customer_master.customer360.activity_text import ActivityText, activity_text
from customer_master.customer360.carried_links import CarriedLinks
from customer_master.customer360.resolve import AMBIGUOUS, RESOLVED, WEAK, decide
from customer_master.customer360.scored_rows import KnownMasters, ScoredRows, score_named_rows
from customer_master.ingest.sheet_kinds import INTERACTIONS, TRANSACTIONS
from customer_master.settings import ActivityRules

LINK_COLUMNS = ["master_id", "match_probability", "resolution", "unresolved_reason", "customer_name",
                "customer_type"]
LINEAGE = ["source", "file", "sheet", "row_number"]
INTERACTION_COLUMNS = [*LINK_COLUMNS, "activity_date", "channel", "interaction_type", "staff", "content",
                       "outcome", "next_action", "contact_name", "phone", *LINEAGE, "attributes"]
TRANSACTION_COLUMNS = [*LINK_COLUMNS, "activity_date", "txn_type", "txn_type_text", "doc_number", "product",
                       "quantity", "amount", "staff", *LINEAGE, "attributes"]

NO_NAME = "names no customer"


@dataclass
class ActivityResult:
    interactions: pd.DataFrame  # INTERACTION_COLUMNS
    transactions: pd.DataFrame  # TRANSACTION_COLUMNS
    rows_scored: int = 0  # named rows scored against the masters in this run
    rows_kept: int = 0  # named rows whose scores the last run's were (customer360/carried_links.py)


def link_activities(activities: pd.DataFrame, masters: KnownMasters | None, threshold: float,
                    rules: ActivityRules = ActivityRules(), carried: CarriedLinks | None = None,
                    text: ActivityText | None = None) -> tuple[ActivityResult, CarriedLinks | None]:
    """activities: validated rows of activity sheets (ingest columns, sheet_kind);
    masters: this run's, to score the rows against; carried: the last run's scores
    (None: every row is scored); text: what the rows' own cells make of them
    (activity_text; None: computed here). Also what the next run may keep of this one's scores."""
    text = activity_text(activities) if text is None else text
    links, scored = _links(activities, masters, rules.resolve_threshold or threshold, rules.min_weight_lead, carried,
                           text.places)
    rows = pd.concat([activities[["sheet_kind", *LINEAGE, "extra"]], links, text.text], axis=1)
    # each kind's columns from its own rows only
    interactions, transactions = (_of_kind(rows, kind, columns) for kind, columns in (
        (INTERACTIONS, INTERACTION_COLUMNS), (TRANSACTIONS, TRANSACTION_COLUMNS)))
    return ActivityResult(interactions=interactions, transactions=transactions,
                          rows_scored=scored.rows_scored, rows_kept=scored.rows_kept), scored.next_run


def _of_kind(rows: pd.DataFrame, kind: str, columns: list[str]) -> pd.DataFrame:
    part = rows[rows["sheet_kind"].eq(kind)]
    part = part.assign(activity_date=part["activity_date"].dt.date, attributes=part["extra"])
    return _tidy(part[columns])


def _links(activities: pd.DataFrame, masters: KnownMasters | None, threshold: float, lead: float,
           carried: CarriedLinks | None, places: pd.DataFrame) -> tuple[pd.DataFrame, ScoredRows]:
    """master_id, match_probability, resolution, unresolved_reason per activity row."""
    links = pd.DataFrame({"master_id": None, "match_probability": float("nan"), "resolution": "unresolved",
                          "unresolved_reason": NO_NAME, "customer_name": activities["name"],
                          "customer_type": None}, index=activities.index)
    named = activities[activities["name"].notna()]
    scored = score_named_rows(named, masters, carried, places.loc[named.index])
    if named.empty:
        return links, scored
    found = decide(scored.scores, threshold, lead)
    links.loc[named.index, "customer_type"] = found["guessed_type"]
    links.loc[named.index, "unresolved_reason"] = "no known customer matches"
    p = found["match_probability"]
    resolved, weak, ambiguous = (found.index[found["status"].eq(s)] for s in (RESOLVED, WEAK, AMBIGUOUS))
    links.loc[found.index, "match_probability"] = p
    links.loc[resolved, ["master_id", "customer_type"]] = found.loc[resolved, ["master_id", "customer_type"]]
    links.loc[resolved, "resolution"] = "resolved"
    links.loc[resolved, "unresolved_reason"] = None
    links.loc[weak, "unresolved_reason"] = (
        "no known customer matches (best: " + found.loc[weak, "master_id"] + " at " + p[weak].map("{:.2f}".format)
        + ")")
    links.loc[ambiguous, "unresolved_reason"] = (
        "ambiguous: " + found.loc[ambiguous, "master_id"] + " " + p[ambiguous].map("{:.3f}".format) + " and "
        + found.loc[ambiguous, "runner_up_id"] + " " + found.loc[ambiguous, "runner_up_probability"].map("{:.3f}".format))
    return links, scored


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.sort_values(["file", "sheet", "row_number"]).reset_index(drop=True)
    for column in frame.columns[frame.dtypes.eq(object)]:
        frame[column] = frame[column].where(frame[column].notna(), None)
    return frame


def activity_summary(result: ActivityResult) -> pd.DataFrame:
    """activity (interactions, transactions), outcome, rows: how many lines were linked to
    a master and, of the others, how many for each kind of reason (the reason without the
    candidates it names: "ambiguous", "no known customer matches", "names no customer")."""
    parts = []
    for name, frame in (("interactions", result.interactions), ("transactions", result.transactions)):
        outcome = frame["unresolved_reason"].fillna("").str.replace(r"\s*[(:].*$", "", regex=True)
        outcome = ("unresolved: " + outcome).where(frame["resolution"].ne("resolved"), "linked to a master")
        parts.append(outcome.value_counts().rename_axis("outcome").rename("rows").reset_index()
                     .assign(activity=name))
    summary = pd.concat(parts, ignore_index=True)
    summary["linked_first"] = summary["outcome"].ne("linked to a master")
    return (summary.sort_values(["activity", "linked_first", "rows"], ascending=[True, True, False])
            [["activity", "outcome", "rows"]].reset_index(drop=True))
