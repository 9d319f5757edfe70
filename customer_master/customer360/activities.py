"""Interactions (calls, visits, emails, complaints) and transactions (quotes,
contracts, orders, shipments, payments) linked to master ids.

An activity row names its customer the way a department does (a name, maybe a
phone, a credit code); it is standardised like a customer row and scored
against the masters with the run's own models (customer_master/check), all rows
in one set-based call. It is linked when the best master reaches the threshold
and no other master comes close; otherwise it is kept, unresolved, with the
reason. No row is dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from customer_master.customer360.carried_links import CarriedLinks
from customer_master.customer360.resolve import AMBIGUOUS, RESOLVED, WEAK, decide
from customer_master.customer360.scored_rows import KnownMasters, ScoredRows, score_named_rows
from customer_master.ingest.inbox import ROW_COLUMNS
from customer_master.ingest.sheet_kinds import INTERACTIONS, TRANSACTIONS
from customer_master.settings import ActivityRules
from customer_master.standardise.amounts import parse_amounts
from customer_master.standardise.dates import parse_dates
from customer_master.standardise.text import clean_text, simplified

LINK_COLUMNS = ["master_id", "match_probability", "resolution", "unresolved_reason", "customer_name",
                "customer_type"]
LINEAGE = ["source", "file", "sheet", "row_number"]
INTERACTION_COLUMNS = [*LINK_COLUMNS, "activity_date", "channel", "interaction_type", "staff", "content",
                       "outcome", "next_action", "contact_name", "phone", *LINEAGE, "attributes"]
TRANSACTION_COLUMNS = [*LINK_COLUMNS, "activity_date", "txn_type", "txn_type_text", "doc_number", "product",
                       "quantity", "amount", "staff", *LINEAGE, "attributes"]

NO_NAME = "names no customer"
# what link_activities reads of the validated activity rows: not the raw cells (every
# cell of the row as JSON), which only quarantine and the audit use
ACTIVITY_INPUT_COLUMNS = [c for c in ROW_COLUMNS if c not in ("raw", "cell_issues", "first_cell")]

# First matching keyword wins; anything else keeps its own text.
TXN_TYPES = (("报价|询价|quot", "quote"), ("合同|协议|contract", "contract"), ("发货|出库|送货|ship|deliver", "shipment"),
             ("回款|收款|付款|到账|payment|receipt", "payment"), ("订单|下单|order", "order"))
CHANNELS = (("电话|致电|来电|call|phone", "call"), ("拜访|上门|面访|面谈|visit", "visit"), ("微信|wechat", "wechat"),
            ("邮件|email|e-mail|mail", "email"), ("会议|视频|meeting", "meeting"), ("短信|sms", "sms"))
INTERACTION_TYPES = (("投诉|complain", "complaint"), ("咨询|询问|inquir|enquir", "inquiry"),
                     ("回访|follow", "follow_up"), ("反馈|建议|feedback", "feedback"),
                     ("洽谈|商务|谈判|negotiat", "negotiation"), ("报修|维修|售后|repair|service", "service"))


@dataclass
class ActivityResult:
    interactions: pd.DataFrame  # INTERACTION_COLUMNS
    transactions: pd.DataFrame  # TRANSACTION_COLUMNS
    rows_scored: int = 0  # named rows scored against the masters in this run
    rows_kept: int = 0  # named rows whose scores the last run's were (customer360/carried_links.py)


def link_activities(activities: pd.DataFrame, masters: KnownMasters | None, threshold: float,
                    rules: ActivityRules = ActivityRules(),
                    carried: CarriedLinks | None = None) -> tuple[ActivityResult, CarriedLinks | None]:
    """activities: validated rows of activity sheets (ingest columns, sheet_kind);
    masters: this run's, to score the rows against; carried: the last run's scores
    (None: every row is scored). Also what the next run may keep of this one's scores."""
    links, scored = _links(activities, masters, rules.resolve_threshold or threshold, rules.min_weight_lead, carried)
    rows = activities.drop(columns=[c for c in LINK_COLUMNS if c in activities]).join(links)
    # each kind's columns from its own rows only
    interactions, transactions = (rows[rows["sheet_kind"].eq(kind)] for kind in (INTERACTIONS, TRANSACTIONS))
    text = lambda frame, c: simplified(clean_text(frame[c]))  # noqa: E731
    interactions = _common(interactions).assign(
        channel=_normalised(text(interactions, "channel"), CHANNELS),
        interaction_type=_normalised(text(interactions, "interaction_type"), INTERACTION_TYPES),
        content=text(interactions, "content"), outcome=text(interactions, "outcome"),
        next_action=text(interactions, "next_action"), contact_name=text(interactions, "contact_name"),
        phone=clean_text(interactions["mobile"]).fillna(clean_text(interactions["phone"])))
    txn_text = text(transactions, "txn_type")
    transactions = _common(transactions).assign(
        txn_type=_normalised(txn_text, TXN_TYPES), txn_type_text=txn_text,
        doc_number=clean_text(transactions["doc_number"]), product=text(transactions, "product"),
        quantity=parse_amounts(transactions["quantity"]), amount=parse_amounts(transactions["amount"]))
    return ActivityResult(interactions=_tidy(interactions[INTERACTION_COLUMNS]),
                          transactions=_tidy(transactions[TRANSACTION_COLUMNS]),
                          rows_scored=scored.rows_scored, rows_kept=scored.rows_kept), scored.next_run


def _common(rows: pd.DataFrame) -> pd.DataFrame:
    """The columns interactions and transactions share."""
    return pd.DataFrame({
        **{c: rows[c] for c in LINK_COLUMNS},
        "activity_date": parse_dates(rows["activity_date"]).dt.date,
        "staff": simplified(clean_text(rows["staff"])),
        **{c: rows[c] for c in LINEAGE},
        "attributes": rows["extra"],
    }, index=rows.index)


def _links(activities: pd.DataFrame, masters: KnownMasters | None, threshold: float, lead: float,
           carried: CarriedLinks | None) -> tuple[pd.DataFrame, ScoredRows]:
    """master_id, match_probability, resolution, unresolved_reason per activity row."""
    links = pd.DataFrame({"master_id": None, "match_probability": float("nan"), "resolution": "unresolved",
                          "unresolved_reason": NO_NAME, "customer_name": activities["name"],
                          "customer_type": None}, index=activities.index)
    named = activities[activities["name"].notna()]
    scored = score_named_rows(named, masters, carried)
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


def _normalised(values: pd.Series, table: tuple[tuple[str, str], ...]) -> pd.Series:
    """The name of the first pattern a value holds, else the value in lower case;
    computed once per distinct value (a sheet repeats a few channels and types)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    distinct = pd.Series(distinct, dtype=object)
    out = pd.Series(None, index=distinct.index, dtype=object)
    lower = distinct.str.lower()
    for pattern, name in table:
        out = out.where(out.notna() | ~lower.str.contains(pattern, flags=re.IGNORECASE), name)
    named = out.where(out.notna(), lower).to_numpy(dtype=object)
    return pd.Series(np.append(named, None)[codes], index=values.index, dtype=object)


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
