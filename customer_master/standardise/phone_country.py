"""Which country a row's phones belong to: never assumed, always from the data.

In order: the row's own country column (`country`, where the sheet has one);
else its source's `country:` in sources.yaml (`source_country`); else what the
source's numbers show. A country fits a number when the number is valid there
and the country's own national format writes it with the same digits: people
write the numbers of their own country the way its format does (a Chinese
landline with its trunk 0, a US number as ten digits). `310-246-1501` is valid in
China too, but China writes it `0310 246 1501`, so it is read as American.

Countries are tried in a fixed order and the first that fits nine numbers in
ten of a source's sample is taken; else the one that fits most, if it fits at
least a third; else none, and the numbers are kept as their digits."""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd
import phonenumbers

from customer_master.standardise.phones import _EXTENSION, _FLOAT_TAIL

# The order countries are tried in: the project's home market first, then the
# largest telephone markets. Any other country comes from a country column or
# from sources.yaml.
CANDIDATE_REGIONS = (
    "CN", "US", "GB", "HK", "TW", "SG", "MY", "JP", "KR", "IN", "AU", "NZ", "CA", "DE", "FR", "NL", "BE",
    "ES", "IT", "PT", "CH", "AT", "IE", "SE", "NO", "DK", "FI", "PL", "BR", "MX", "AE", "ZA", "ID", "TH",
    "VN", "PH", "RU", "TR",
)
SURE_SHARE, MIN_SHARE = 0.9, 1 / 3
SAMPLE_NUMBERS = 60

# Country names departments write in a country column, beside ISO codes.
_COUNTRY_NAMES = {
    "中国": "CN", "中华人民共和国": "CN", "china": "CN", "prc": "CN", "中国大陆": "CN", "香港": "HK",
    "hong kong": "HK", "台湾": "TW", "taiwan": "TW", "澳门": "MO", "macau": "MO", "macao": "MO",
    "usa": "US", "united states": "US", "united states of america": "US", "america": "US", "美国": "US",
    "uk": "GB", "united kingdom": "GB", "england": "GB", "great britain": "GB", "scotland": "GB", "wales": "GB",
    "英国": "GB", "australia": "AU", "澳大利亚": "AU", "canada": "CA", "加拿大": "CA", "germany": "DE", "德国": "DE",
    "france": "FR", "法国": "FR", "japan": "JP", "日本": "JP", "singapore": "SG", "新加坡": "SG", "india": "IN",
    "new zealand": "NZ", "korea": "KR", "south korea": "KR", "韩国": "KR",
}


def region_of_country(text: str | None) -> str | None:
    """ISO region for a country cell (an ISO code or a common name), None if unknown."""
    if text is None:
        return None
    folded = str(text).strip().lower().rstrip(".")
    if folded.upper() in phonenumbers.SUPPORTED_REGIONS:
        return folded.upper()
    if folded.upper() == "UK":
        return "GB"
    return _COUNTRY_NAMES.get(folded)


@lru_cache(maxsize=1 << 16)
def fits(text: str, region: str) -> bool:
    """The number is valid in `region` and written as that region writes it."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_valid_number(number):
        return False
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return re.sub(r"\D", "", national) == re.sub(r"\D", "", text)


def region_of_numbers(numbers: pd.Series) -> str | None:
    """The country a list of phone cells belongs to (see the module's docstring);
    numbers written with a '+' carry their own and are left out."""
    return region_of_cells(pd.unique(numbers.dropna().astype(str)))


def region_of_cells(cells) -> str | None:
    """region_of_numbers of distinct cells (text): the check reads one record's two
    phones through this without a pandas frame around them."""
    distinct = {cell for cell in map(_as_parsed, cells) if not cell.startswith("+") and _DIGIT.search(cell)}
    if not distinct:
        return None
    distinct = sorted(distinct)
    sample = distinct[:: max(1, len(distinct) // SAMPLE_NUMBERS)][:SAMPLE_NUMBERS]
    best, best_share = None, 0.0
    for region in CANDIDATE_REGIONS:
        share = sum(fits(cell, region) for cell in sample) / len(sample)
        if share >= SURE_SHARE:
            return region
        if share > best_share:
            best, best_share = region, share
    return best if best_share >= MIN_SHARE else None


_DIGIT = re.compile(r"\d")


def _as_parsed(cell: str) -> str:
    """A cell as parse_phone reads it: without a float's .0 tail or an extension."""
    return _EXTENSION.sub("", _FLOAT_TAIL.sub(r"\1", cell.strip()))


def phone_regions(rows: pd.DataFrame) -> pd.Series:
    """The region to read each row's phones for: its country column, else its
    source's configured country, else its source's numbers (None where none tells)."""
    own = rows["country"] if "country" in rows else pd.Series(None, index=rows.index, dtype=object)
    regions = own.map(region_of_country, na_action="ignore").astype(object)
    if "source_country" in rows:
        regions = regions.where(regions.notna(), rows["source_country"])
    phones = pd.concat([rows[c] for c in ("mobile", "phone") if c in rows], axis=1)
    undecided = regions.isna()
    for source, index in rows.index[undecided].groupby(rows.loc[undecided, "source"].fillna("").to_numpy()).items():
        cells = phones.loc[index].stack() if len(phones.columns) else pd.Series(dtype=object)
        regions.loc[index] = region_of_numbers(cells)
    return regions.where(regions.notna(), None)
