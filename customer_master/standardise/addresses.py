"""A street address's parts that identify a building: house number, street, unit.

A house number identifies a building on its street: the same number on a similar
street is strong evidence of one place, another number on the same street is
evidence of another. Western addresses (435 S. La Cienega Blvd., Suite 2) are
read number first, with the usual abbreviations folded (Street/St., Avenue/Ave,
Boulevard/Blvd/Blv., Road/Rd, North/N, Fifth/5th) and the street ending at its
street type and direction (what follows, "between park ave. and broadway", is a
note). Chinese addresses (科技园路1号3栋502室) give the road (路/街/大道/巷/弄...),
the number before 号 and the room.

`street_parts(text)` is the rule for one address; `parse_streets(column)`
applies it once per distinct value."""

from __future__ import annotations

import re

import pandas as pd

from customer_master.freed_memory import per_value_cache
from customer_master.standardise.values import map_distinct

STREET_COLUMNS = ["house_number", "street", "unit"]

_STREET_TYPES = {
    "street": "st", "st": "st", "str": "st", "avenue": "ave", "ave": "ave", "av": "ave", "boulevard": "blvd",
    "blvd": "blvd", "blv": "blvd", "road": "rd", "rd": "rd", "drive": "dr", "dr": "dr", "lane": "ln", "ln": "ln",
    "la": "ln", "place": "pl", "pl": "pl", "court": "ct", "ct": "ct", "highway": "hwy", "hwy": "hwy",
    "parkway": "pkwy", "pkwy": "pkwy", "way": "way", "terrace": "ter", "ter": "ter", "square": "sq", "sq": "sq",
    "circle": "cir", "cir": "cir", "crescent": "cres", "cres": "cres", "close": "cl", "alley": "aly",
    "plaza": "plz", "plz": "plz", "circuit": "cct", "cct": "cct", "parade": "pde", "pde": "pde", "row": "row",
    "walk": "walk", "grove": "gr", "gr": "gr", "broadway": "broadway", "center": "ctr", "centre": "ctr",
    "expressway": "expy", "freeway": "fwy", "turnpike": "tpke", "pike": "pike", "trail": "trl", "trl": "trl",
}
_DIRECTIONS = {"north": "n", "south": "s", "east": "e", "west": "w", "northeast": "ne", "northwest": "nw",
               "southeast": "se", "southwest": "sw", "n": "n", "s": "s", "e": "e", "w": "w", "ne": "ne",
               "nw": "nw", "se": "se", "sw": "sw"}
_ORDINALS = {"first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th", "sixth": "6th",
             "seventh": "7th", "eighth": "8th", "ninth": "9th", "tenth": "10th", "eleventh": "11th",
             "twelfth": "12th"}
_UNIT_WORDS = r"(?:suite|ste|apt|apartment|unit|room|rm|flat|floor|fl|level|lvl|#)"
_UNIT = re.compile(rf"(?:^|[\s,]){_UNIT_WORDS}\.?\s*#?\s*(?P<unit>[a-z0-9][a-z0-9-]*)\b")
_WESTERN = re.compile(r"^(?P<number>\d+[a-z]?(?:[-/]\d+[a-z]?)?)\s+(?P<street>.+)$")
_CJK = re.compile(r"[\u3400-\u9fff]")
_CN_STREET = re.compile(r"(?P<street>[\u3400-\u9fffA-Za-z0-9]{1,20}?(?:大道|大街|胡同|路|街|道|巷|弄|里))"
                        r"(?P<number>\d+(?:-\d+)?)[号號]")
_CN_UNIT = re.compile(r"(?P<unit>\d+[室房])")


@per_value_cache(maxsize=1 << 16)
def street_parts(text: str) -> tuple[str | None, str | None, str | None]:
    """(house_number, street, unit) of one address; None where not found."""
    if _CJK.search(text):
        found = _CN_STREET.search(text)
        unit = _CN_UNIT.search(text[found.end():] if found else text)
        return (found.group("number") if found else None, found.group("street") if found else None,
                unit.group("unit") if unit else None)
    folded = re.sub(r"[.,;()]", " ", text.lower())
    unit = _UNIT.search(folded)
    if unit:
        folded = folded[:unit.start()] + " " + folded[unit.end():]
    found = _WESTERN.match(folded.strip())
    number = found.group("number") if found else None
    street = _street_name((found.group("street") if found else folded).split())
    return number, street, unit.group("unit") if unit else None


# words after which an address goes on with a note, not with its street
_BREAKS = {"between", "btwn", "near", "nr", "at", "and", "off", "corner", "&", "@", "opposite", "opp"}


def _street_name(words: list[str]) -> str | None:
    """The street's words, folded, up to its street type (and a direction after
    it). A street type ends the street where the address ends or a note or a
    direction follows it (La Cienega, St. James keep their first word); else the
    last street type does."""
    words = [_ORDINALS.get(w, w) for w in words]
    if not words:
        return None
    ends = [i for i, w in enumerate(words) if i and w in _STREET_TYPES]
    closing = [i for i in ends if i + 1 == len(words) or words[i + 1] in _DIRECTIONS or words[i + 1] in _BREAKS]
    end = closing[0] if closing else (ends[-1] if ends else len(words) - 1)
    out = [_DIRECTIONS.get(w, w) for w in words[:end]]
    if end < len(words):
        out.append(_STREET_TYPES.get(words[end], words[end]) if end in ends else words[end])
        if end + 1 < len(words) and words[end + 1] in _DIRECTIONS and end in ends:
            out.append(_DIRECTIONS[words[end + 1]])
    return " ".join(out) or None


def parse_streets(addresses: pd.Series) -> pd.DataFrame:
    """STREET_COLUMNS for a column of addresses (None where not found)."""
    parts = map_distinct(addresses, street_parts)
    out = pd.DataFrame(index=addresses.index)
    for position, column in enumerate(STREET_COLUMNS):
        values = parts.map(lambda p: p[position], na_action="ignore")
        out[column] = values.astype(object).where(values.notna(), None)
    return out
