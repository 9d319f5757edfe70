"""Contact persons of the companies (1-3 each), and how a row picks and spells one.

The first contact of a company is its existing contact_name / contact_mobile, so
rows that show the primary contact look as they always did. Contacts come from
their own random stream: adding them leaves the entity and layout draws alone.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from .entities import Company, Factory
from .ids import make_mobile
from .textutil import name_pinyin, traditional
from .vocab import GENERIC_MAILBOXES, PERSONAL_MAIL
from .vocab_crm import BUSINESS_AREAS, NAME_SLIPS, TITLE_VARIANTS, TITLES

CONTACTS_PER_COMPANY = {1: 45, 2: 35, 3: 20}
PRIMARY_SHARE = 0.75        # a row shows the primary contact this often (unless a role is preferred)


@dataclass
class Contact:
    contact_id: str          # C00012-K1
    company_id: str
    name: str
    title: str
    role: str                # decision_maker | purchaser | technical | finance | user
    title_en: str
    mobile: str
    email: str | None
    business_area: str


def build_contacts(seed: int, companies: list[Company], factory_entities: tuple[list, list]) -> None:
    """Give every company its contacts (sets Company.contacts)."""
    rng = random.Random(f"{seed}:contacts")
    f = Factory.continuing(rng, *factory_entities)
    for c in sorted(companies, key=lambda c: c.entity_id):
        n = rng.choices(list(CONTACTS_PER_COMPANY), list(CONTACTS_PER_COMPANY.values()))[0]
        titles = _titles(rng, n)
        names = [c.contact_name]
        while len(names) < n:
            gender = rng.choice("MF")
            name = "".join(f.person_name(gender))
            if name not in names:
                names.append(name)
        c.contacts = []
        for i, (name, (title, role, _, title_en)) in enumerate(zip(names, titles), 1):
            mobile = c.contact_mobile if i == 1 else f.unique(lambda: make_mobile(rng))
            c.contacts.append(Contact(
                contact_id=f"{c.entity_id}-K{i}", company_id=c.entity_id, name=name, title=title, role=role,
                title_en=title_en, mobile=mobile, email=_email(rng, f, c, name, primary=i == 1),
                business_area=rng.choice(BUSINESS_AREAS[role])))


def _titles(rng: random.Random, n: int) -> list[tuple]:
    picked: list[tuple] = []
    while len(picked) < n:
        t = rng.choices(TITLES, [t[2] for t in TITLES])[0]
        if t not in picked:
            picked.append(t)
    return picked


def _email(rng: random.Random, f: Factory, c: Company, name: str, primary: bool) -> str | None:
    sur_py, given_py = name_pinyin(name[0], name[1:])
    if primary:
        # The rows that show the primary contact show the company mailbox, as they
        # always did: it is this person's own address unless it is a shared one.
        return None if not c.email or is_shared(c.email) else c.email
    r = rng.random()
    if r < 0.2:
        return None
    if r < 0.75 and c.email:
        domain = c.email.split("@")[1]
        return f.unique(lambda: f"{rng.choice((sur_py + given_py, given_py + '.' + sur_py))}"
                                f"{rng.choice(('', '', str(rng.randint(1, 99))))}@{domain}")
    host = rng.choices([h for h, _ in PERSONAL_MAIL], [w for _, w in PERSONAL_MAIL])[0]
    return f.unique(lambda: f"{sur_py}{given_py}{rng.randint(1, 9999)}@{host}")


def is_shared(email: str) -> bool:
    """info@, sales@ ...: a mailbox of the company, not of a person."""
    return email.split("@")[0] in GENERIC_MAILBOXES


def shown_email(c: Company, k: Contact) -> str | None:
    """The e-mail a row that names contact k shows: the company mailbox for the
    primary contact (as before contacts existed), else the contact's own address,
    else the company's shared mailbox (never another person's address)."""
    if k is c.contacts[0]:
        return c.email
    if k.email:
        return k.email
    return c.email if c.email and is_shared(c.email) else None


def pick(rng: random.Random, c: Company, prefer: tuple[str, ...] = (), primary_share: float = PRIMARY_SHARE) -> Contact:
    """The contact a department has on file for this row (mostly the primary one)."""
    others = c.contacts[1:]
    preferred = [k for k in others if k.role in prefer]
    if preferred and rng.random() < 0.5:
        return rng.choice(preferred)
    if not others or rng.random() < primary_share:
        return c.contacts[0]
    return rng.choice(others)


def name_text(rng: random.Random, name: str) -> str:
    """The contact's name as typed: sometimes traditional, rarely one character wrong."""
    r = rng.random()
    if r < 0.04:
        return traditional(name)
    if r < 0.06:
        for i in range(len(name) - 1, 0, -1):
            if name[i] in NAME_SLIPS:
                return name[:i] + NAME_SLIPS[name[i]] + name[i + 1:]
    return name


def title_text(rng: random.Random, k: Contact, english: bool = False) -> str:
    """The contact's title as typed by a department (another wording, traditional, English)."""
    if english and rng.random() < 0.6:
        return k.title_en if rng.random() < 0.85 else k.title_en.upper()
    r = rng.random()
    if r < 0.2:
        return rng.choice(TITLE_VARIANTS.get(k.title, (k.title,)))
    if r < 0.23:
        return traditional(k.title)
    return k.title
