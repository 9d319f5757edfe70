"""Script conversions used by the generator: pinyin and simplified->traditional.

Both come from project dependencies (pypinyin, opencc), so the pipeline's own
normalisation (traditional->simplified) can round-trip what we produce.
"""
from __future__ import annotations

from functools import lru_cache

from opencc import OpenCC
from pypinyin import lazy_pinyin

# pypinyin reads these as ordinary words; as surnames they are pronounced differently.
_SURNAME_READINGS = {"曾": "zeng", "覃": "qin", "单": "shan", "仇": "qiu", "区": "ou"}


@lru_cache(maxsize=None)
def _s2t() -> OpenCC:
    return OpenCC("s2t")


def traditional(text: str) -> str:
    return _s2t().convert(text)


@lru_cache(maxsize=1 << 18)  # names and brands repeat; pypinyin takes ~0.1 ms a call
def pinyin(text: str) -> str:
    """Concatenated lowercase pinyin without tones: 华信 -> huaxin."""
    return "".join(lazy_pinyin(text)).replace("ü", "v").lower()


def name_pinyin(surname: str, given: str) -> tuple[str, str]:
    return _SURNAME_READINGS.get(surname, pinyin(surname)), pinyin(given)


def to_fullwidth(text: str) -> str:
    """ASCII letters/digits/punctuation -> their full-width forms (as typed with a Chinese IME)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch == " ":
            out.append("\u3000")
        elif 0x21 <= code <= 0x7E:
            out.append(chr(code + 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)
