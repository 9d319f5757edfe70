"""Noisy spellings of names, addresses and identifiers, as departments type them.

Every function takes the rng explicitly; the probabilities are rough guesses
at how often each slip shows up in real department spreadsheets.
"""
from __future__ import annotations

import random

from .entities import Company, Person
from .ids import USCC_CHARSET, uscc_check_char
from .textutil import to_fullwidth, traditional
from .vocab import SLIP_CHARS

LEGAL_SWAP = {"有限公司": "有限责任公司", "有限责任公司": "有限公司", "股份有限公司": "股份公司"}


def _spaced(rng: random.Random, parts: list[str]) -> str:
    """Join parts, putting a stray (half- or full-width) space at one boundary."""
    cut = rng.randrange(1, len(parts))
    gap = rng.choice((" ", " ", "  ", "\u3000"))
    return "".join(parts[:cut]) + gap + "".join(parts[cut:])


def _head_parts(c: Company, legal: str, with_city: bool) -> list[str]:
    return ([c.city.name] if with_city else []) + [c.brand, c.trade, legal]


def _slip(rng: random.Random, c: Company, name: str, brands: set[str]) -> str | None:
    """Replace one brand character by a look-alike, unless that spells another real brand."""
    for i in rng.sample((0, 1), 2):
        for ch in SLIP_CHARS.get(c.brand[i], ""):
            brand = c.brand[:i] + ch + c.brand[i + 1:]
            if brand not in brands:
                return name.replace(c.brand, brand, 1)
    return None


def company_name(rng: random.Random, c: Company, brands: set[str], english: bool = False) -> str:
    if english and c.en_name and rng.random() < 0.65:
        return english_name(rng, c.en_name)
    head = c.head or c
    suffix = f"{c.city.name}分公司" if c.head is not None else ""
    r = rng.random()
    if r < 0.45:
        name = c.name
    elif r < 0.60:       # city prefix dropped: 华信科技有限公司
        name = "".join(_head_parts(head, head.legal_form, False)) + suffix
    elif r < 0.70:       # city in parentheses: 华信(北京)科技有限公司 / 华信（北京）科技有限公司
        lp, rp = rng.choice((("(", ")"), ("（", "）"), ("（", "）")))
        name = f"{head.brand}{lp}{head.city.name}{rp}{head.trade}{head.legal_form}{suffix}"
    elif r < 0.78:       # legal form written differently
        name = "".join(_head_parts(head, LEGAL_SWAP[head.legal_form], rng.random() < 0.7)) + suffix
    elif r < 0.87:       # stray spaces
        parts = _head_parts(head, head.legal_form, True) + ([suffix] if suffix else [])
        name = _spaced(rng, parts)
    elif r < 0.91:
        name = traditional(c.name)
    elif r < 0.93:
        name = _slip(rng, c, c.name, brands) or c.name
    else:
        name = c.name
    if rng.random() < 0.04:
        name = rng.choice((name + " ", " " + name, name + "\u3000"))
    return name


def english_name(rng: random.Random, en: str) -> str:
    r = rng.random()
    if r < 0.6:
        return en
    if r < 0.75:
        return en.upper()
    if r < 0.9:
        return en.replace("Co., Ltd.", rng.choice(("Co.,Ltd.", "Co., Ltd", "CO., LTD.", "Company Limited")))
    return en.replace(" ", "  ", 1)


def person_name(rng: random.Random, p: Person) -> str:
    r = rng.random()
    if r < 0.08:         # padded with spaces, as done to line up 2- and 3-character names
        if len(p.given) == 1:
            return p.surname + rng.choice((" ", "  ", "\u3000")) + p.given
        return rng.choice((p.surname + " " + p.given, " ".join(p.name)))
    if r < 0.12:
        trad = traditional(p.name)
        if trad != p.name:
            return trad
    if r < 0.14:
        return p.name + " "
    return p.name


def contact_name(rng: random.Random, name: str) -> str:
    if rng.random() < 0.06 and len(name) == 2:
        return name[0] + " " + name[1]
    return name


def address(rng: random.Random, e: Company | Person) -> str:
    city, full = e.city, e.address
    r = rng.random()
    if r < 0.55:
        return full
    if r < 0.72:         # province omitted (municipalities: the 市 is dropped instead)
        return full[len(city.province):] if not city.is_municipality else city.name + full[len(city.province):]
    if r < 0.82:         # spaced out
        prefix = city.province if city.is_municipality else f"{city.province} {city.name}市"
        return f"{prefix} {e.district} {e.street}"
    if r < 0.94 and "号" in e.street:  # building/room part left out
        return full[: full.index("号", len(full) - len(e.street)) + 1]
    if r < 0.97:
        return to_fullwidth(full)   # digits typed full-width
    return full


def province(rng: random.Random, e: Company | Person) -> str:
    return e.city.province if rng.random() < 0.6 else e.city.province.rstrip("省市")


def city(rng: random.Random, e: Company | Person) -> str:
    return e.city.name + "市" if rng.random() < 0.5 else e.city.name


def uscc(rng: random.Random, code: str, allow_typo: bool = False) -> str:
    r = rng.random()
    if allow_typo and r < 0.015:
        # One mistyped character: the checksum no longer holds.
        i = rng.randrange(2, 17)
        wrong = rng.choice([ch for ch in USCC_CHARSET if ch != code[i]])
        bad = code[:i] + wrong + code[i + 1:]
        return bad if uscc_check_char(bad[:17]) != bad[17] else code
    if r < 0.06:
        return code.lower()
    if r < 0.09:
        return f" {code} "
    return code


def id_number(rng: random.Random, code: str) -> str:
    if code.endswith("X") and rng.random() < 0.5:
        return code[:-1] + "x"
    if rng.random() < 0.02:
        return f"{code[:6]} {code[6:14]} {code[14:]}"
    return code


def gender(rng: random.Random, g: str, style: str = "zh") -> str:
    if style == "en":
        return g if rng.random() < 0.7 else {"M": "Male", "F": "Female"}[g]
    return {"M": "男", "F": "女"}[g]
