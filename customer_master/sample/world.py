"""Everything the Customer 360 sheets need beyond the department plan.

Contacts of every company, ~10 groups (集团) of companies, distributors and
suppliers (some already customers, some known only from that list), and a few
"unknown" customers that show up in the activity sheets but in no customer
sheet. Each part draws from its own random stream, so the customer files of the
original plan keep their content.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from .contacts import Contact, build_contacts
from .departments import Entry
from .entities import Company, Factory, Person
from .textutil import traditional
from .vocab_crm import GROUP_BRANDS, GROUP_SUFFIXES, TITLES

REFERENCE_DATE = dt.date(2026, 11, 15)     # "today" for the activity sheets and the segments
ACTIVITY_START = dt.date(2024, 6, 1)       # first date in the follow-up log and the order lines
BASE_GROUPS = 10
BASE_DISTRIBUTORS = 40
BASE_SUPPLIERS = 40
BASE_UNKNOWN = 12
DISTRIBUTORS_ALREADY_CUSTOMERS = 0.45
SUPPLIERS_ALREADY_CUSTOMERS = 0.4


@dataclass
class World:
    companies: list[Company]            # the customers of the department plan
    persons: list[Person]
    partners: list[Company] = field(default_factory=list)    # known only from the distributor/supplier list
    distributors: list[Company] = field(default_factory=list)
    suppliers: list[Company] = field(default_factory=list)
    unknown: list = field(default_factory=list)              # in activity sheets only, never a customer row
    groups: dict[str, list[Company]] = field(default_factory=dict)
    reference_date: dt.date = REFERENCE_DATE
    buyers: list = field(default_factory=list)               # activity.Buyer, set by activity.plan_buyers
    interactions: list = field(default_factory=list)         # layouts_crm.Interaction, set by plan_interactions

    @property
    def all_companies(self) -> list[Company]:
        return self.companies + self.partners

    @property
    def brands(self) -> set[str]:
        return {c.brand for c in self.all_companies} | {e.brand for e in self.unknown if isinstance(e, Company)}


def _count(base: int, scale: float, least: int = 2) -> int:
    return max(least, round(base * scale))


def build_world(seed: int, scale: float, companies: list[Company], persons: list[Person],
                plan: dict[str, list[Entry]]) -> World:
    rng = random.Random(f"{seed}:partners")
    world = World(companies, persons)
    f = Factory.continuing(rng, companies, persons)

    n_dist, n_sup = _count(BASE_DISTRIBUTORS, scale), _count(BASE_SUPPLIERS, scale)
    known_dist = round(n_dist * DISTRIBUTORS_ALREADY_CUSTOMERS)
    known_sup = round(n_sup * SUPPLIERS_ALREADY_CUSTOMERS)
    picked = rng.sample(sorted(companies, key=lambda c: c.entity_id), known_dist + known_sup)
    world.distributors, world.suppliers = picked[:known_dist], picked[known_dist:]
    next_id = len(companies) + 1
    for target, n in ((world.distributors, n_dist - known_dist), (world.suppliers, n_sup - known_sup)):
        for _ in range(n):
            c = f.company(f.brand(), f.trade(), f.city())
            c.entity_id, next_id = f"C{next_id:05d}", next_id + 1
            world.partners.append(c)
            target.append(c)
    rng.shuffle(world.distributors)
    rng.shuffle(world.suppliers)

    build_contacts(seed, world.all_companies, (world.all_companies, persons))
    f = Factory.continuing(rng, world.all_companies, persons)
    world.unknown = _unknown_customers(rng, f, world, _count(BASE_UNKNOWN, scale, 3))
    world.groups = _groups(rng, world, plan, _count(BASE_GROUPS, scale, 1))
    return world


def _unknown_customers(rng: random.Random, f: Factory, world: World, n: int) -> list:
    """Customers the sales team talks to that no department has registered yet."""
    taken_names = {p.name for p in world.persons} | {k.name for c in world.all_companies for k in c.contacts}
    out: list = []
    for i in range(n):
        if i % 3 == 2:
            gender = rng.choice("MF")
            while True:
                surname, given = f.person_name(gender)
                if surname + given not in taken_names:
                    break
            taken_names.add(surname + given)
            p = f.person(surname, given, gender)
            p.entity_id = f"X{i + 1:05d}"
            out.append(p)
        else:
            c = f.company(f.brand(), f.trade(), f.city())
            c.entity_id = f"X{i + 1:05d}"
            title, role, _, title_en = rng.choices(TITLES, [t[2] for t in TITLES])[0]
            c.contacts = [Contact(f"{c.entity_id}-K1", c.entity_id, c.contact_name, title, role, title_en, c.contact_mobile,
                                  None, "")]
            out.append(c)
    return out


def _groups(rng: random.Random, world: World, plan: dict[str, list[Entry]], n: int) -> dict[str, list[Company]]:
    """Groups of 2-4 head offices / standalone companies, all listed by key accounts
    (whose 所属集团 column names the group)."""
    listed = {e.entity.entity_id for e in plan["key_accounts"] if e.kind == "record"}
    pool = sorted((c for c in world.companies if c.entity_id in listed and c.head is None),
                  key=lambda c: c.entity_id)
    rng.shuffle(pool)
    brands, used = world.brands, set()
    groups: dict[str, list[Company]] = {}
    for _ in range(n):
        size = rng.choice((2, 2, 3, 3, 4))
        if len(pool) < size:
            break
        members = [pool.pop() for _ in range(size)]
        if rng.random() < 0.5 and members[0].brand not in used:
            brand = members[0].brand                      # 华信集团 over 华信科技, 鼎盛物流, ...
        else:
            brand = rng.choice([b for b in GROUP_BRANDS if b not in brands and b not in used] or [members[0].brand])
        name = brand + rng.choice(GROUP_SUFFIXES)
        if name in groups:
            name = brand + "控股集团" if not name.endswith("控股集团") else brand + "实业集团"
        used.add(brand)
        for m in members:
            m.group_name = name
        groups[name] = members
    return groups


def group_text(rng: random.Random, name: str) -> str:
    """A group's name as typed in 所属集团: sometimes with its legal form, rarely traditional."""
    r = rng.random()
    if r < 0.2:
        return name + "有限公司"
    if r < 0.25:
        return name + "股份有限公司"
    if r < 0.28:
        return traditional(name)
    return name
