"""The true customers (ground truth): companies and persons, with look-alike groups.

Look-alikes are DIFFERENT entities that look alike on purpose (same brand in
another city or trade, a branch and its head office, namesake persons); the
pipeline must never merge members of one group.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from . import ids
from .textutil import name_pinyin, pinyin
from .vocab import (BIRTH_REGIONS, BRAND_CHARS, CITIES, COMMON_NAMES, GENERIC_MAILBOXES, GIVEN_FEMALE,
                    GIVEN_MALE, LEGAL_FORMS, OFFICE_BUILDINGS, PERSONAL_MAIL, RESIDENCES, STREETS,
                    SURNAMES, TRADE_SHORT, TRADES, City)

BASE_COMPANIES = 600
BASE_PERSONS = 700
# Look-alike company groups per kind at scale 1.0 (see _company_group).
BASE_GROUPS = {"city": 12, "trade": 10, "branch": 10, "mixed": 3}
BASE_NAMESAKE_GROUPS = 16
# tries at a two-character brand before three (a scaled inbox runs out of pairs)
BRAND_ATTEMPTS = 50
TWO_CHARACTER_BRANDS = len(BRAND_CHARS) * (len(BRAND_CHARS) - 1)


@dataclass
class Company:
    brand: str
    trade: str
    trade_en: str
    legal_form: str
    city: City
    district: str
    admin_code: str
    street: str                      # address part after the district
    uscc: str
    local_number: str                # office landline without area code
    contact_name: str
    contact_mobile: str
    email: str | None
    since: dt.date
    head: "Company | None" = None    # set for a branch (分公司)
    en_name: str | None = None
    entity_id: str = ""
    lookalike_group: str = ""
    group_key: str = ""              # temporary, before group ids are assigned
    group_name: str = ""             # the 集团 this company belongs to (see partners.py)
    contacts: list = field(default_factory=list)   # contacts.Contact; [0] is contact_name/contact_mobile
    customer_type: str = field(default="company", init=False)

    @property
    def base_name(self) -> str:
        """Name without the city prefix, for a head office: 华信科技有限公司."""
        return f"{self.brand}{self.trade}{self.legal_form}"

    @property
    def name(self) -> str:
        if self.head is not None:
            return f"{self.head.name}{self.city.name}分公司"
        return f"{self.city.name}{self.base_name}"

    @property
    def address(self) -> str:
        prefix = self.city.province if self.city.is_municipality else f"{self.city.province}{self.city.name}市"
        return f"{prefix}{self.district}{self.street}"


@dataclass
class Person:
    surname: str
    given: str
    gender: str                      # M | F
    birth_date: dt.date
    id_number: str
    mobile: str
    email: str | None
    city: City
    district: str
    street: str
    joined: dt.date
    entity_id: str = ""
    lookalike_group: str = ""
    customer_type: str = field(default="person", init=False)

    @property
    def name(self) -> str:
        return self.surname + self.given

    @property
    def address(self) -> str:
        prefix = self.city.province if self.city.is_municipality else f"{self.city.province}{self.city.name}市"
        return f"{prefix}{self.district}{self.street}"


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


class _Factory:
    """Keeps the uniqueness bookkeeping (brands, phones, e-mails, IDs) in one place."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.brands: set[str] = set()
        self.taken: set[str] = set()   # mobiles, landlines, e-mails, USCCs, ID numbers
        self.two_character_brands = 0  # of self.brands: when all are taken, a try at one cannot succeed

    @classmethod
    def continuing(cls, rng: random.Random, companies: list[Company], persons: list[Person]) -> "_Factory":
        """A factory (own random stream) that avoids everything the given entities already use."""
        f = cls(rng)
        for c in companies:
            f.brands.add(c.brand)
            f.taken.update({c.uscc, c.local_number, c.contact_mobile})
            f.taken.update(k.mobile for k in c.contacts)
            for mail in [c.email] + [k.email for k in c.contacts]:
                if mail:
                    f.taken.update({mail, "@" + mail.split("@")[1]})
        f.two_character_brands = sum(len(b) == 2 for b in f.brands)
        for p in persons:
            f.taken.update({p.mobile, p.id_number} | ({p.email} if p.email else set()))
        return f

    def unique(self, make):
        while True:
            value = make()
            if value not in self.taken:
                self.taken.add(value)
                return value

    def city(self, exclude=()) -> City:
        choices = [c for c in CITIES if c.name not in exclude]
        return self.rng.choices(choices, weights=[c.weight for c in choices])[0]

    def cities(self, n: int) -> list[City]:
        picked: list[City] = []
        while len(picked) < n:
            picked.append(self.city(exclude={c.name for c in picked}))
        return picked

    def brand(self) -> str:
        """A new two-character brand (华信); once those are nearly all taken (a scaled
        inbox of thousands of companies), three characters."""
        sizes = [2] * BRAND_ATTEMPTS + [3] * BRAND_ATTEMPTS
        if self.two_character_brands == TWO_CHARACTER_BRANDS:
            # every two-character brand is taken (from about 4,700 companies on): make the
            # draws those tries would make, without the tries, so that a seed gives the
            # same inbox as before; the tries cost more than the rest of a company
            skip_samples(self.rng, len(BRAND_CHARS), 2, BRAND_ATTEMPTS)
            sizes = sizes[BRAND_ATTEMPTS:]
        for size in sizes:
            brand = "".join(self.rng.sample(BRAND_CHARS, size))
            if brand not in self.brands:
                self.brands.add(brand)
                self.two_character_brands += size == 2
                return brand
        raise RuntimeError("no new brand after many attempts")

    def trade(self, exclude=()) -> tuple[str, str]:
        return self.rng.choice([t for t in TRADES if t[0] not in exclude])

    def person_name(self, gender: str) -> tuple[str, str]:
        # Frequent surnames first: weight falls off along the list.
        surname = self.rng.choices(SURNAMES, weights=[100 / (i + 8) for i in range(len(SURNAMES))])[0]
        pool = GIVEN_MALE if gender == "M" else GIVEN_FEMALE
        given = self.rng.choice(pool) if self.rng.random() < 0.4 else "".join(self.rng.sample(pool, 2))
        return surname, given

    def street(self, office: bool) -> str:
        rng = self.rng
        road = f"{rng.choice(STREETS)}{rng.randint(1, 999)}号"
        if office:
            if rng.random() < 0.6:
                return f"{road}{rng.choice(OFFICE_BUILDINGS)}{rng.randint(2, 32)}层{rng.randint(1, 30):02d}室"
            return road
        return f"{road}{rng.choice(RESIDENCES)}{rng.randint(1, 30)}栋{rng.randint(1, 3)}单元{rng.randint(1, 28)}{rng.randint(1, 4):02d}室"

    def company(self, brand: str, trade: tuple[str, str], city: City, head: Company | None = None) -> Company:
        rng = self.rng
        district, admin_code = rng.choice(city.districts)
        gender = rng.choice("MF")
        surname, given = self.person_name(gender)
        legal = head.legal_form if head else rng.choices([f for f, _ in LEGAL_FORMS], [w for _, w in LEGAL_FORMS])[0]
        company = Company(
            brand=brand, trade=trade[0], trade_en=trade[1], legal_form=legal, city=city,
            district=district, admin_code=admin_code, street=self.street(office=True),
            uscc=self.unique(lambda: ids.make_uscc(rng, admin_code)),
            local_number=self.unique(lambda: ids.make_local_number(rng, city.local_len)),
            contact_name=surname + given, contact_mobile=self.unique(lambda: ids.make_mobile(rng)),
            email=None, since=random_date(rng, dt.date(2005, 1, 1), dt.date(2024, 12, 31)), head=head,
        )
        company.email = self._company_email(company, surname, given) if rng.random() < 0.92 else None
        return company

    def _company_email(self, c: Company, surname: str, given: str) -> str:
        rng = self.rng
        # A branch uses its head office's mail domain when the head office has one.
        if c.head is not None and c.head.email:
            domain = c.head.email.split("@")[1]
        else:
            domain = self._domain(c)
        sur_py, given_py = name_pinyin(surname, given)
        for local in (rng.choice(GENERIC_MAILBOXES), f"{sur_py}{given_py}", f"{given_py}.{sur_py}",
                      f"{sur_py}{given_py}{rng.randint(1, 99)}"):
            if c.head is not None and not local.startswith(sur_py):
                continue  # a branch shares the head office domain, so use a personal mailbox
            if f"{local}@{domain}" not in self.taken:
                self.taken.add(f"{local}@{domain}")
                return f"{local}@{domain}"
        return self.unique(lambda: f"{sur_py}{rng.randint(100, 9999)}@{domain}")

    def _domain(self, c: Company) -> str:
        py, short, city_py = pinyin(c.brand), TRADE_SHORT[c.trade], c.city.pinyin.lower().replace("'", "")
        initials = "".join(p[0] for p in (pinyin(c.brand[0]), pinyin(c.brand[1])))
        for domain in (f"{py}{short}.com", f"{py}-{short}.com.cn", f"{py}{short}.cn", f"{city_py}{py}.com.cn",
                       f"{initials}{short}.com", f"{py}{short}{city_py[:2]}.com"):
            if "@" + domain not in self.taken:
                self.taken.add("@" + domain)
                return domain
        return self.unique(lambda: f"{py}{self.rng.randint(10, 999)}.com")

    def person(self, surname: str, given: str, gender: str, avoid_births=()) -> Person:
        rng = self.rng
        birth = random_date(rng, dt.date(1960, 1, 1), dt.date(2004, 12, 31))
        while birth in avoid_births:  # namesakes must differ in birthday
            birth = random_date(rng, dt.date(1960, 1, 1), dt.date(2004, 12, 31))
        city = self.city()
        district, code = rng.choice(city.districts)
        region = code if rng.random() < 0.7 else rng.choice(
            BIRTH_REGIONS + tuple(d[1] for c in CITIES for d in c.districts))
        sur_py, given_py = name_pinyin(surname, given)
        email = None
        if rng.random() < 0.75:
            host = rng.choices([h for h, _ in PERSONAL_MAIL], [w for _, w in PERSONAL_MAIL])[0]
            local_options = (f"{sur_py}{given_py}{birth:%Y}", f"{given_py}.{sur_py}", f"{sur_py}{given_py}{birth:%m%d}",
                             f"{sur_py}_{given_py}{rng.randint(1, 999)}")
            make = (lambda: f"{rng.randint(10**7, 3 * 10**9)}@{host}") if host == "qq.com" and rng.random() < 0.7 \
                else (lambda: f"{rng.choice(local_options)}@{host}")
            email = self.unique(make)
        return Person(
            surname=surname, given=given, gender=gender, birth_date=birth,
            id_number=self.unique(lambda: ids.make_id_number(rng, region, birth, gender)),
            mobile=self.unique(lambda: ids.make_mobile(rng)), email=email, city=city, district=district,
            street=self.street(office=False), joined=random_date(rng, dt.date(2018, 1, 1), dt.date(2026, 10, 31)),
        )


Factory = _Factory


def skip_samples(rng: random.Random, population: int, k: int, times: int) -> None:
    """Advance `rng` as `times` calls of rng.sample(<a sequence of `population`>, k)
    would, without building the samples: CPython's sample draws its k distinct
    indices one by one, drawing again on a repeat, whenever the population is larger
    than 21 (tests/test_sample_generator.py holds this against rng.sample)."""
    if population <= 21 or k > 5:  # sample's other method: let it draw
        for _ in range(times):
            rng.sample(range(population), k)
        return
    below = rng._randbelow
    for _ in range(times):
        chosen: set[int] = set()
        for _ in range(k):
            j = below(population)
            while j in chosen:
                j = below(population)
            chosen.add(j)


def _company_group(f: _Factory, kind: str) -> list[Company]:
    rng, brand = f.rng, f.brand()
    if kind == "city":        # 北京华信科技 vs 上海华信科技
        trade = f.trade()
        return [f.company(brand, trade, city) for city in f.cities(rng.choice((2, 2, 3)))]
    if kind == "trade":       # 华信科技 vs 华信物流
        trades, used = [], set()
        for _ in range(rng.choice((2, 2, 3))):
            trades.append(f.trade(exclude=used))
            used.add(trades[-1][0])
        city = f.city()
        return [f.company(brand, t, city if rng.random() < 0.6 else f.city()) for t in trades]
    if kind == "branch":      # head office + its 分公司 in other cities
        head_city, *branch_cities = f.cities(1 + rng.choice((1, 1, 2)))
        head = f.company(brand, f.trade(), head_city)
        return [head] + [f.company(brand, (head.trade, head.trade_en), c, head=head) for c in branch_cities]
    # mixed: all three kinds of confusion under one brand
    a, b, c = f.cities(3)
    t1 = f.trade()
    t2 = f.trade(exclude={t1[0]})
    head = f.company(brand, t1, a)
    return [head, f.company(brand, t1, b), f.company(brand, t2, a), f.company(brand, t1, c, head=head)]


def _english_name(c: Company) -> str:
    if c.head is not None:
        return f"{_english_name(c.head)} {c.city.pinyin} Branch"
    return f"{c.city.pinyin} {pinyin(c.brand).capitalize()} {c.trade_en} Co., Ltd."


def build_entities(seed: int, scale: float = 1.0) -> tuple[list[Company], list[Person]]:
    rng = random.Random(f"{seed}:entities")
    f = _Factory(rng)

    companies: list[Company] = []
    for kind, base in BASE_GROUPS.items():
        for i in range(max(1, round(base * scale))):
            for member in _company_group(f, kind):
                member.group_key = f"{kind}{i}"
                companies.append(member)
    while len(companies) < round(BASE_COMPANIES * scale):
        companies.append(f.company(f.brand(), f.trade(), f.city()))
    for c in companies:
        if rng.random() < 0.15 or (c.head is not None and c.head.en_name):
            c.en_name = _english_name(c)

    persons: list[Person] = []
    for name, gender in rng.sample(COMMON_NAMES, min(len(COMMON_NAMES), max(1, round(BASE_NAMESAKE_GROUPS * scale)))):
        births: set[dt.date] = set()
        for _ in range(rng.choices((2, 3, 4), (5, 3, 2))[0]):
            persons.append(f.person(name[0], name[1:], gender, avoid_births=births))
            births.add(persons[-1].birth_date)
    while len(persons) < round(BASE_PERSONS * scale):
        gender = rng.choice("MF")
        persons.append(f.person(*f.person_name(gender), gender))

    # Shuffle so that entity ids do not reveal which entities belong together.
    rng.shuffle(companies)
    rng.shuffle(persons)
    for i, c in enumerate(companies, 1):
        c.entity_id = f"C{i:05d}"
    for i, p in enumerate(persons, 1):
        p.entity_id = f"P{i:05d}"
    _assign_groups(companies, persons)
    return companies, persons


def _assign_groups(companies: list[Company], persons: list[Person]) -> None:
    groups: dict[str, list] = {}
    for c in companies:
        if c.group_key:
            groups.setdefault("c:" + c.group_key, []).append(c)
    # Any shared person name is a namesake group, planned or accidental.
    for p in persons:
        groups.setdefault("p:" + p.name, []).append(p)
    ordered = sorted((g for g in groups.values() if len(g) > 1),
                     key=lambda g: (g[0].customer_type, min(e.entity_id for e in g)))
    for n, members in enumerate(ordered, 1):
        for e in members:
            e.lookalike_group = f"L{n:03d}"
