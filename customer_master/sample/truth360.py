"""The Customer 360 truth, beside the row truth: contacts and entities.

For `--truth data/sample_truth.csv` this writes `data/sample_truth_contacts.csv`
and `data/sample_truth_entities.csv` (the truth file's stem + `_contacts` /
`_entities`).

contacts: one row per contact of a company (contact_id = <company>-K<n>), with
the role its title implies and `rows`, the number of customer-sheet rows that
name it (0: known to the generator only, or named in activity rows only; no
customer sheet shows it). The contacts of the unknown customers come last.

entities: one row per entity (customers, partners known only from the
distributor/supplier lists, unknown customers seen only in activity sheets):
- roles: what the customer sheets holding it say (sources.yaml `roles`, per
  file), comma-separated in the order customer, debtor, distributor, supplier;
  empty for an unknown customer;
- group_name, parent_entity_id (a branch's head office);
- value_tier (the planned tier of a buyer: high / medium / low) and rfm_tier
  (the tier the default settings' RFM rules give: data/settings.yaml);
- lifecycle from ALL its activity dates (interactions and transactions up to
  REFERENCE_DATE) with the default settings: first activity within 90 days new,
  else last activity within 180 days active, within 365 dormant, older lost;
  empty without any activity;
- order_count, order_amount (sum of its 订单 lines), first_activity,
  last_activity, last_order, interactions, transactions (row counts).
"""
from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path

from customer_master.sources import CUSTOMER_ROLES, load_sources, source_config

from .entities import Company
from .world import World

CONTACT_COLUMNS = ["contact_id", "company_id", "name", "title", "role", "mobile", "email", "business_area", "rows"]
ENTITY_COLUMNS = ["entity_id", "customer_type", "name", "roles", "group_name", "parent_entity_id", "lookalike_group",
                  "value_tier", "rfm_tier", "lifecycle", "order_count", "order_amount", "first_activity",
                  "last_activity", "last_order", "interactions", "transactions"]

# The defaults of customer_master.settings (data/settings.yaml), for the truth's rfm_tier and lifecycle.
NEW_DAYS, ACTIVE_DAYS, LOST_DAYS = 90, 180, 365
WINDOW_DAYS, RECENCY, FREQUENCY, AMOUNT, HIGH_SCORE, MEDIUM_SCORE = 365, (90, 365), (3, 10), (50_000, 500_000), 8, 5


def truth_paths(truth_path: Path) -> dict[str, Path]:
    truth_path = Path(truth_path)
    return {kind: truth_path.with_name(f"{truth_path.stem}_{kind}{truth_path.suffix or '.csv'}")
            for kind in ("contacts", "entities")}


def lifecycle(first: dt.date | None, last: dt.date | None, ref: dt.date) -> str:
    if first is None or last is None:
        return ""
    if (ref - first).days <= NEW_DAYS:
        return "new"
    days = (ref - last).days
    return "active" if days <= ACTIVE_DAYS else "dormant" if days <= LOST_DAYS else "lost"


def rfm_tier(order_dates: list[dt.date], order_amounts: list[float], ref: dt.date) -> str:
    if not order_dates:
        return ""
    window = [(d, a) for d, a in zip(order_dates, order_amounts) if 0 <= (ref - d).days < WINDOW_DAYS]
    recency = (ref - max(order_dates)).days
    r = 3 if recency <= RECENCY[0] else 2 if recency <= RECENCY[1] else 1
    n, amount = len(window), sum(a for _, a in window)
    f = 3 if n >= FREQUENCY[1] else 2 if n >= FREQUENCY[0] else 1 if n >= 1 else 0
    m = 3 if amount >= AMOUNT[1] else 2 if amount >= AMOUNT[0] else 1 if amount > 0 else 0
    score = r + f + m
    return "high" if score >= HIGH_SCORE else "medium" if score >= MEDIUM_SCORE else "low"


def write_truth_360(truth_path: Path, world: World, truth: list[dict], inbox: Path) -> dict[str, Path]:
    paths = truth_paths(truth_path)
    customer_rows = [t for t in truth if t["sheet_kind"] == "customers" and t["row_kind"] == "record"]
    shown = Counter(t["contact_id"] for t in customer_rows if t["contact_id"])
    with paths["contacts"].open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CONTACT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        unknown = [u for u in world.unknown if isinstance(u, Company)]     # named in activity rows only
        for c in sorted(world.all_companies, key=lambda c: c.entity_id) + unknown:
            for k in c.contacts:
                writer.writerow({"contact_id": k.contact_id, "company_id": c.entity_id, "name": k.name,
                                 "title": k.title, "role": k.role, "mobile": k.mobile, "email": k.email or "",
                                 "business_area": k.business_area, "rows": shown[k.contact_id]})

    sources = load_sources(Path(inbox))
    roles: dict[str, set[str]] = defaultdict(set)
    for t in customer_rows:
        roles[t["entity_id"]].update(source_config(sources, t["source"]).for_file(t["file"]).roles)
    activity = [t for t in truth if t["sheet_kind"] != "customers" and t["entity_id"]]
    rows_of = Counter((t["entity_id"], t["sheet_kind"]) for t in activity)
    dates: dict[str, list[dt.date]] = defaultdict(list)
    for b in world.buyers:
        dates[b.entity.entity_id].extend(s.date for s in b.steps)
    for i in world.interactions:
        if i.entity is not None:
            dates[i.entity.entity_id].append(i.date)
    buyers = {b.entity.entity_id: b for b in world.buyers}
    ref = world.reference_date
    with paths["entities"].open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=ENTITY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for e in world.all_companies + world.persons + world.unknown:
            b, d = buyers.get(e.entity_id), dates.get(e.entity_id, [])
            orders = b.orders if b else []
            is_company = isinstance(e, Company)
            writer.writerow({
                "entity_id": e.entity_id, "customer_type": e.customer_type, "name": e.name,
                "roles": ",".join(r for r in CUSTOMER_ROLES if r in roles[e.entity_id]),
                "group_name": e.group_name if is_company else "",
                "parent_entity_id": e.head.entity_id if is_company and e.head is not None else "",
                "lookalike_group": e.lookalike_group,
                "value_tier": b.tier if b else "",
                "rfm_tier": rfm_tier([s.date for s in orders], [s.amount for s in orders], ref),
                "lifecycle": lifecycle(min(d, default=None), max(d, default=None), ref),
                "order_count": len(orders), "order_amount": f"{sum(s.amount for s in orders):.2f}",
                "first_activity": min(d, default=""), "last_activity": max(d, default=""),
                "last_order": max((s.date for s in orders), default=""),
                "interactions": rows_of[(e.entity_id, "interactions")],
                "transactions": rows_of[(e.entity_id, "transactions")],
            })
    return paths
