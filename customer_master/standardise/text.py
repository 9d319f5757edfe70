"""Text clean-up shared by every field: NFKC (full-width -> half-width), trimmed
and collapsed whitespace, traditional -> simplified Chinese."""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd
from opencc import OpenCC
from pypinyin import lazy_pinyin

from customer_master.standardise.values import map_distinct

_T2S = OpenCC("t2s")
_CJK = r"\u3400-\u9fff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


def clean_text(values: pd.Series) -> pd.Series:
    """NFKC, trimmed, inner whitespace collapsed; empty -> None."""
    s = values.astype("string").str.normalize("NFKC").str.replace(r"\s+", " ", regex=True).str.strip()
    return s.astype(object).where(s.fillna("").ne(""), None)


def simplified(values: pd.Series) -> pd.Series:
    """Traditional characters to simplified (華信 -> 华信)."""
    return map_distinct(values, _T2S.convert)


def squeeze_cjk_spaces(values: pd.Series) -> pd.Series:
    """'张 伟' -> '张伟': spaces between Chinese characters carry no meaning."""
    return values.str.replace(_SPACE_BETWEEN_CJK, "", regex=True)


@lru_cache(maxsize=None)
def _pinyin(text: str) -> str:
    return " ".join(lazy_pinyin(text, errors="default")).lower()


def romanised(values: pd.Series) -> pd.Series:
    """Toneless pinyin, syllables separated by spaces ('张伟' -> 'zhang wei').

    DuckDB's string similarity counts bytes on Chinese text; on pinyin it counts
    letters, so fuzzy comparisons behave."""
    return map_distinct(values, _pinyin)
