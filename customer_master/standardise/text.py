"""Text clean-up shared by every field: NFKC (full-width -> half-width), trimmed
and collapsed whitespace, traditional -> simplified Chinese."""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain

import pandas as pd
from opencc import OpenCC
from pypinyin import Style
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

from customer_master.standardise.values import map_distinct, on_distinct

_T2S = OpenCC("t2s")
_CJK = r"\u3400-\u9fff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


def clean_text(values: pd.Series) -> pd.Series:
    """NFKC, trimmed, inner whitespace collapsed; empty -> None."""
    def clean(distinct: pd.Series) -> pd.Series:
        s = distinct.astype("string").str.normalize("NFKC").str.replace(r"\s+", " ", regex=True).str.strip()
        return s.astype(object).where(s.fillna("").ne(""), None)
    return on_distinct(values, clean)


@lru_cache(maxsize=1)
def _traditional_characters() -> frozenset[str]:
    """Characters of which every text that OpenCC's t2s conversion changes holds
    at least one: the characters a same-length dictionary entry rewrites, and for
    an entry of another length (鍾繇 -> "钟繇 锺繇") one of its characters. A text
    with none of them comes out of the conversion as it went in."""
    _T2S.convert("")  # loads the dictionaries
    entries: list[tuple[str, str]] = []

    def collect(chain) -> None:
        for item in chain:
            if isinstance(item, list):
                collect(item)
            else:
                entries.extend((k, v) for k, v in item[2].items() if k != v)
    collect(_T2S._dict_chain_data)
    changing = {k for key, value in entries if len(key) == len(value) for k, v in zip(key, value) if k != v}
    for key, value in entries:
        if len(key) != len(value) and not changing.intersection(key):
            changing.add(key[0])
    return frozenset(changing)


def simplified(values: pd.Series) -> pd.Series:
    """Traditional characters to simplified (華信 -> 华信). OpenCC runs only on the
    distinct texts that hold a character it can change."""
    traditional = _traditional_characters()

    def convert(distinct: pd.Series) -> pd.Series:
        needed = distinct.map(lambda v: isinstance(v, str) and not traditional.isdisjoint(v))
        out = distinct.astype(object).where(distinct.notna(), None)
        out[needed] = map_distinct(distinct[needed], _T2S.convert)
        return out
    return on_distinct(values, convert)


def squeeze_cjk_spaces(values: pd.Series) -> pd.Series:
    """'张 伟' -> '张伟': spaces between Chinese characters carry no meaning."""
    return values.str.replace(_SPACE_BETWEEN_CJK, "", regex=True)


# what pypinyin.lazy_pinyin(text, errors="default") builds on every call
_PINYIN = Pinyin(UltimateConverter(v_to_u=False, neutral_tone_with_five=False, tone_sandhi=False))


@lru_cache(maxsize=1 << 16)
def _word_pinyin(word: str) -> tuple[str, ...]:
    """The syllables of one segment; pypinyin converts each segment on its own,
    and names repeat their segments (surnames, brands, trade words)."""
    return tuple(chain.from_iterable(_PINYIN._converter.convert(word, Style.NORMAL, False, "default", strict=True)))


@lru_cache(maxsize=None)
def _pinyin(text: str) -> str:
    """" ".join(lazy_pinyin(text)).lower(), with the segments' pinyin cached."""
    return " ".join(chain.from_iterable(map(_word_pinyin, _PINYIN.seg(text)))).lower()


def romanised(values: pd.Series) -> pd.Series:
    """Toneless pinyin, syllables separated by spaces ('张伟' -> 'zhang wei').

    DuckDB's string similarity counts bytes on Chinese text; on pinyin it counts
    letters, so fuzzy comparisons behave."""
    return map_distinct(values, _pinyin)
