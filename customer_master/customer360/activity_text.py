"""What an activity row's own cells make of it: its date, amounts, channel and type,
cleaned text, and its place and content (what the last run's scores of the row are
known by, carried_links.row_places). Each row's comes from that row alone, so a
file's rows give the same whatever the other files hold: a nightly run reads back
what the last run made of a file that did not change (row_cache.py, stage
"activities", keyed by the file's validated rows) instead of computing it again."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from customer_master.customer360.carried_links import row_places
from customer_master.ingest.inbox import ROW_COLUMNS
from customer_master.ingest.sheet_kinds import INTERACTIONS, TRANSACTIONS
from customer_master.standardise.amounts import parse_amounts
from customer_master.standardise.dates import parse_dates
from customer_master.standardise.text import clean_text, simplified

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

# the columns computed from each kind's rows (activity_date as datetime64: a date kept in a file)
INTERACTION_TEXT = ["activity_date", "staff", "channel", "interaction_type", "content", "outcome", "next_action",
                    "contact_name", "phone"]
TRANSACTION_TEXT = ["activity_date", "staff", "txn_type", "txn_type_text", "doc_number", "product", "quantity",
                    "amount"]
TEXT_COLUMNS = list(dict.fromkeys(INTERACTION_TEXT + TRANSACTION_TEXT))
PLACES, TEXT = "places", "text"  # the frames of a file's entry in the row cache


@dataclass
class ActivityText:
    places: pd.DataFrame  # place, content per row (indexed like the rows)
    text: pd.DataFrame  # TEXT_COLUMNS per row (those of its kind filled)


def activity_text(rows: pd.DataFrame) -> ActivityText:
    """rows: validated activity rows (ACTIVITY_INPUT_COLUMNS at least)."""
    text = lambda frame, c: simplified(clean_text(frame[c]))  # noqa: E731
    parts = []
    interactions = rows[rows["sheet_kind"].eq(INTERACTIONS)]
    if len(interactions):
        parts.append(_common(interactions).assign(
            channel=_normalised(text(interactions, "channel"), CHANNELS),
            interaction_type=_normalised(text(interactions, "interaction_type"), INTERACTION_TYPES),
            content=text(interactions, "content"), outcome=text(interactions, "outcome"),
            next_action=text(interactions, "next_action"), contact_name=text(interactions, "contact_name"),
            phone=clean_text(interactions["mobile"]).fillna(clean_text(interactions["phone"]))))
    transactions = rows[rows["sheet_kind"].eq(TRANSACTIONS)]
    if len(transactions):
        txn_text = text(transactions, "txn_type")
        parts.append(_common(transactions).assign(
            txn_type=_normalised(txn_text, TXN_TYPES), txn_type_text=txn_text,
            doc_number=clean_text(transactions["doc_number"]), product=text(transactions, "product"),
            quantity=parse_amounts(transactions["quantity"]), amount=parse_amounts(transactions["amount"])))
    computed = pd.concat(parts) if parts else pd.DataFrame(columns=["activity_date", "staff"])
    columns = {c: computed[c] if c in computed else pd.Series(None, index=computed.index, dtype=object)
               for c in TEXT_COLUMNS}
    for c in ("quantity", "amount"):
        columns[c] = columns[c].astype("float64")
    columns["activity_date"] = columns["activity_date"].astype("datetime64[s]")
    return ActivityText(places=row_places(rows[[c for c in ACTIVITY_INPUT_COLUMNS if c in rows]]),
                        text=pd.DataFrame(columns).reindex(rows.index))


def activity_entries(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """activity_text as the row cache keeps it: PLACES and TEXT, each with row_key and file."""
    rows = rows.sort_values("row_key", kind="stable")
    found = activity_text(rows)
    lineage = rows[["row_key", "file"]]
    return {PLACES: pd.concat([lineage, found.places], axis=1).reset_index(drop=True),
            TEXT: pd.concat([lineage, found.text], axis=1).reset_index(drop=True)}


def from_entries(frames: dict, rows: pd.DataFrame) -> ActivityText | None:
    """The ActivityText of `rows` from the row cache's PLACES and TEXT (Arrow tables or
    frames, in row_key order); None when they do not hold exactly these rows."""
    places, text = (frames[name] for name in (PLACES, TEXT))
    places, text = (t.to_pandas() if not isinstance(t, pd.DataFrame) else t for t in (places, text))
    keys = rows["row_key"].to_numpy()
    for frame in (places, text):
        if len(frame) != len(rows) or not np.array_equal(frame["row_key"].to_numpy(), keys):
            return None
    text = text[TEXT_COLUMNS].set_axis(rows.index)
    text["activity_date"] = text["activity_date"].astype("datetime64[s]")
    return ActivityText(places=places[["place", "content"]].set_axis(rows.index), text=text)


def _common(rows: pd.DataFrame) -> pd.DataFrame:
    """The columns interactions and transactions share."""
    return pd.DataFrame({"activity_date": parse_dates(rows["activity_date"]),
                         "staff": simplified(clean_text(rows["staff"]))}, index=rows.index)


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
