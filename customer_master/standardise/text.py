"""Text clean-up shared by every field: NFKC (full-width -> half-width), trimmed
and collapsed whitespace, traditional -> simplified Chinese, pinyin.

Each rule is a function of one text (`clean_value`, `simplify`,
`squeeze_cjk_spaces`, `pinyin`), which the duplicate check calls directly; the
column forms (`clean_text`, `simplified`, `romanised`) apply it once per distinct
value."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import chain

import pandas as pd
from opencc import OpenCC
from pypinyin import Style
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

from customer_master.freed_memory import per_value_cache
from customer_master.standardise.values import map_distinct

_T2S = OpenCC("t2s")
_CJK = r"\u3400-\u9fff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_WHITESPACE = re.compile(r"\s+")


def clean_value(value) -> str | None:
    """One cell's text: NFKC, trimmed, inner whitespace collapsed; None when
    missing or empty."""
    if value is None:
        return None
    text = _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", value if isinstance(value, str) else str(value)))
    return text.strip() or None


def clean_text(values: pd.Series) -> pd.Series:
    """`clean_value` of a column."""
    return map_distinct(values, clean_value)


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


def simplify(text: str | None) -> str | None:
    """Traditional characters to simplified (華信 -> 华信). OpenCC runs only on a
    text that holds a character it can change."""
    if text is None or _traditional_characters().isdisjoint(text):
        return text
    return _T2S.convert(text)


def simplified(values: pd.Series) -> pd.Series:
    """`simplify` of a column (object dtype, None where missing)."""
    return map_distinct(values, simplify)


def squeeze_cjk_spaces(text: str) -> str:
    """'张 伟' -> '张伟': spaces between Chinese characters carry no meaning."""
    return _SPACE_BETWEEN_CJK.sub("", text)


# what pypinyin.lazy_pinyin(text, errors="default") builds on every call
_PINYIN = Pinyin(UltimateConverter(v_to_u=False, neutral_tone_with_five=False, tone_sandhi=False))


@per_value_cache(maxsize=1 << 16)
def _word_pinyin(word: str) -> tuple[str, ...]:
    """The syllables of one segment; pypinyin converts each segment on its own,
    and names repeat their segments (surnames, brands, trade words)."""
    return tuple(chain.from_iterable(_PINYIN._converter.convert(word, Style.NORMAL, False, "default", strict=True)))


# bounded as well as emptied between steps: one step's distinct names (about
# 50 MB per 300,000) need not all stay; callers already convert distinct values
@per_value_cache(maxsize=1 << 16)
def pinyin(text: str) -> str:
    """" ".join(lazy_pinyin(text)).lower(), with the segments' pinyin cached."""
    return " ".join(chain.from_iterable(map(_word_pinyin, _PINYIN.seg(text)))).lower()


def romanised(values: pd.Series) -> pd.Series:
    """Toneless pinyin, syllables separated by spaces ('张伟' -> 'zhang wei').

    A pinyin input method's typo is most often a homophone (张伟 / 张玮 are both
    zhang wei), and on a name of two or three characters one different character
    is a large share of it; on pinyin, fuzzy comparisons grade by sound."""
    return map_distinct(values, pinyin)
