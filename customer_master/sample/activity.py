"""Who buys what and when: the deals behind the order-line sheet, with their truth.

Buying customers fall into value tiers that their total ordered amount (the sum
of their 订单 lines) separates without overlap, and into lifecycles that the
date of their last deal separates (all relative to REFERENCE_DATE):

    tier    deals  amount per deal      total ordered
    high    4-7    50,000-800,000       >= 200,000
    medium  2-3    20,000-60,000        40,000-180,000
    low     1-2    < 20,000             < 40,000      (persons are always low)

    lifecycle  last order, days before the reference date
    active     3-85      (later steps of that deal may still be open)
    dormant    185-360   (every line of the last deal inside the band)
    lost       370-560   (idem)
"""
from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from .entities import Company
from .vocab_crm import PERSON_PRODUCTS, PRODUCTS
from .world import ACTIVITY_START, World, _count

BASE_COMPANY_BUYERS = 135
BASE_PERSON_BUYERS = 40
TIER_SHARES = {"high": 0.10, "medium": 0.30}          # of all buyers; the rest are low
LIFECYCLES = {"active": (3, 85), "dormant": (185, 360), "lost": (370, 560)}
LIFECYCLE_SHARES = {"active": 0.5, "dormant": 0.25, "lost": 0.25}
DEALS = {"high": (4, 7), "medium": (2, 3), "low": (1, 2)}
AMOUNTS = {"high": (50_000, 800_000), "medium": (20_000, 60_000), "low": (2_000, 19_500), "person": (200, 12_000)}
FULL_CHAIN = ("报价", "合同", "订单", "发货", "回款")


@dataclass
class Step:
    kind: str                 # 报价 | 合同 | 订单 | 发货 | 回款
    date: dt.date
    amount: float
    product: str
    quantity: int | None
    deal: int = 0             # which deal of the buyer the step belongs to (0 = the first)


@dataclass
class Buyer:
    entity: object            # Company | Person (or an unknown customer)
    tier: str                 # high | medium | low
    lifecycle: str            # active | dormant | lost
    steps: list[Step] = field(default_factory=list)
    known: bool = True        # False: in no customer sheet (truth row_kind unknown_customer)

    @property
    def orders(self) -> list[Step]:
        return [s for s in self.steps if s.kind == "订单"]

    @property
    def order_amount(self) -> float:
        return round(sum(s.amount for s in self.orders), 2)

    @property
    def last_order(self) -> dt.date:
        return max(s.date for s in self.orders)

    @property
    def last_date(self) -> dt.date:
        return max(s.date for s in self.steps)


def _spread(rng: random.Random, shares: dict[str, float], n: int, rest: str) -> list[str]:
    labels = [k for k, share in shares.items() for _ in range(max(1, round(share * n)) if n >= len(shares) else 0)]
    return (labels + [rest] * n)[:n]


def plan_buyers(seed: int, world: World, scale: float) -> list[Buyer]:
    rng = random.Random(f"{seed}:buyers")
    ref = world.reference_date
    # by id: `c in world.suppliers` compared every field of every pair (quadratic)
    suppliers = {c.entity_id for c in world.suppliers}
    suppliers_only = {c.entity_id for c in world.partners if c.entity_id in suppliers}
    pool = sorted((c for c in world.all_companies if c.entity_id not in suppliers_only), key=lambda c: c.entity_id)
    companies = rng.sample(pool, min(len(pool), _count(BASE_COMPANY_BUYERS, scale)))
    persons = rng.sample(world.persons, min(len(world.persons), _count(BASE_PERSON_BUYERS, scale)))
    n = len(companies) + len(persons)
    tiers = _spread(rng, TIER_SHARES, n, "low")[:len(companies)]
    tiers += ["low"] * (len(companies) - len(tiers))
    lifecycles = _spread(rng, LIFECYCLE_SHARES, n, "active")
    rng.shuffle(lifecycles)
    buyers = [Buyer(e, t, lc) for e, t, lc in zip(companies + persons, tiers + ["low"] * len(persons), lifecycles)]
    for b in buyers:
        b.steps = _deals(rng, b, ref, rng.randint(*DEALS[b.tier]))
    unknown = [Buyer(e, "low", rng.choice(list(LIFECYCLES)), known=False) for e in world.unknown]
    for b in unknown:
        b.steps = _deals(rng, b, ref, rng.randint(1, 2))
    return buyers + unknown


def _amount(rng: random.Random, low: float, high: float) -> float:
    value = math.exp(rng.uniform(math.log(low), math.log(high)))
    return round(value, -2) if value > 5000 else round(value, 2)


def _chain(rng: random.Random, b: Buyer) -> list[tuple[str, int, float]]:
    """(kind, day offset, amount factor) of one deal."""
    if not isinstance(b.entity, Company):
        paid = rng.randint(0, 1)
        return [("订单", 0, 1.0), ("回款", paid, 1.0), ("发货", paid + rng.randint(1, 5), 1.0)]
    kinds = list(FULL_CHAIN) if b.tier != "low" else (
        ["报价", "订单", "发货", "回款"] if rng.random() < 0.4 else ["订单", "发货", "回款"])
    out, day = [], 0
    gaps = {"报价": (0, 0), "合同": (3, 20), "订单": (0, 7), "发货": (2, 15), "回款": (10, 60)}
    for kind in kinds:
        day += rng.randint(*gaps[kind]) if out else 0
        factor = round(rng.uniform(1.02, 1.12), 3) if kind == "报价" else 1.0
        if kind == "回款" and b.tier == "high" and rng.random() < 0.3:
            first = rng.choice((0.3, 0.5))
            out.append((kind, day, first))
            day += rng.randint(20, 60)
            factor = round(1 - first, 2)
        out.append((kind, day, factor))
    return out


def _deals(rng: random.Random, b: Buyer, ref: dt.date, n: int) -> list[Step]:
    chains = [_chain(rng, b) for _ in range(n)]
    low, high = AMOUNTS[b.tier if isinstance(b.entity, Company) else "person"]
    steps: list[Step] = []
    last = chains[-1]
    order_day = next(d for k, d, _ in last if k == "订单")
    lo, hi = LIFECYCLES[b.lifecycle]
    if b.lifecycle == "active":
        start = ref - dt.timedelta(days=rng.randint(lo, hi) + order_day)
    else:
        span = last[-1][1]
        latest = max(hi - lo - span, 0)
        start = ref - dt.timedelta(days=hi - rng.randint(0, latest))
    starts = []
    for chain in chains[:-1]:
        # an earlier deal is over (every step of it) before the last one starts
        room = (start - ACTIVITY_START).days - chain[-1][1] - 1
        starts.append(ACTIVITY_START + dt.timedelta(days=rng.randint(0, max(room, 0))))
    starts.append(start)
    for deal, (chain, begin) in enumerate(zip(chains, starts)):
        amount = _amount(rng, low, high)
        products = PRODUCTS if isinstance(b.entity, Company) else PERSON_PRODUCTS
        product, price = rng.choice([p for p in products if p[1] <= amount] or [min(products, key=lambda p: p[1])])
        quantity = max(1, round(amount / price * rng.uniform(0.8, 1.0)))
        for kind, day, factor in chain:
            date = begin + dt.timedelta(days=day)
            if date > ref:
                break                                # the deal is still open
            paid = kind == "回款"
            steps.append(Step(kind, date, round(amount * factor, 2), "" if paid else product,
                              None if paid else quantity, deal))
    return steps
