"""Which department holds which customers (and how often), before any layout.

Every entity shows up in 2-4 departments, so the pipeline has true duplicates
to find across sources; a few also appear twice inside one department.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from .entities import Company, Person
from .writers import Truth

# Relative likelihood that a company / person is known to a department.
COMPANY_SOURCES = {"key_accounts": 0.8, "channel": 1.2, "east_region": 2.0, "finance": 0.9, "after_sales": 0.6}
PERSON_SOURCES = {"ecommerce": 1.8, "retail_stores": 1.0, "channel": 0.08, "after_sales": 0.45}
COMPANY_SPREAD = {2: 50, 3: 35, 4: 15}     # number of departments per company
PERSON_SPREAD = {2: 60, 3: 40}
DUPLICATE_IN_SOURCE = 0.06                  # same entity typed in twice by one department
NO_NAME_PER_SOURCE = 4                      # rows with every cell but the name filled in

# Department -> what kind of customers it keeps (decides the no-name rows' template).
SOURCE_TYPES = {
    "key_accounts": ("company",), "channel": ("company", "company", "company", "person"),
    "east_region": ("company",), "ecommerce": ("person",), "retail_stores": ("person",),
    "finance": ("company",), "after_sales": ("company", "person"),
}


@dataclass
class Entry:
    """One row to be written: an entity's record, or a reject borrowing an entity's data."""
    entity: Company | Person
    kind: str = "record"        # record | no_name

    @property
    def truth(self) -> Truth:
        e = self.entity
        if self.kind == "no_name":  # the entity's row without its name: matching may still find it
            return Truth(e.entity_id, e.customer_type, "no_name", "")
        return Truth(e.entity_id, e.customer_type, "record", e.lookalike_group)


def weighted_sample(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    pool = dict(weights)
    picked = []
    while pool and len(picked) < k:
        name = rng.choices(list(pool), weights=list(pool.values()))[0]
        picked.append(name)
        del pool[name]
    return picked


def pick_spread(rng: random.Random, spread: dict[int, int]) -> int:
    return rng.choices(list(spread), weights=list(spread.values()))[0]


def plan(seed: int, companies: list[Company], persons: list[Person], scale: float = 1.0) -> dict[str, list[Entry]]:
    rng = random.Random(f"{seed}:departments")
    entries: dict[str, list[Entry]] = {s: [] for s in SOURCE_TYPES}

    def place(entity, sources):
        for source in sources:
            copies = 2 if rng.random() < DUPLICATE_IN_SOURCE else 1
            entries[source].extend(Entry(entity) for _ in range(copies))

    for c in companies:
        # Only the East China office (华东大区) sees east-region companies.
        weights = {s: w for s, w in COMPANY_SOURCES.items() if s != "east_region" or c.city.region == "east"}
        place(c, weighted_sample(rng, weights, pick_spread(rng, COMPANY_SPREAD)))
    for p in persons:
        place(p, weighted_sample(rng, PERSON_SOURCES, pick_spread(rng, PERSON_SPREAD)))

    by_type = {"company": companies, "person": persons}
    east = [c for c in companies if c.city.region == "east"]
    for source, types in SOURCE_TYPES.items():
        for _ in range(max(1, round(NO_NAME_PER_SOURCE * scale))):
            pool = by_type[rng.choice(types)]
            if source == "east_region":
                pool = east
            entries[source].append(Entry(rng.choice(pool), "no_name"))
        # Departments keep rows in their own order, unrelated to our entity ids.
        rng.shuffle(entries[source])
    return entries
