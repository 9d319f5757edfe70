"""Check characters of the unified social credit code (GB 32100-2015) and the
resident identity number (GB 11643-1999, ISO 7064 MOD 11-2). A valid code is
near-certain evidence of identity; an invalid one is a field issue."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pandas as pd

from customer_master.freed_memory import per_value_cache
from customer_master.standardise.values import map_distinct

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_CODE_NOISE = re.compile(r"[\s\-]")


@per_value_cache(maxsize=1 << 18)
def uscc_issue(code: str) -> str | None:
    lost = scientific_issue(code, "credit code")
    if lost:
        return lost
    if len(code) != 18:
        return f"credit code has {len(code)} characters, not 18"
    if any(c not in USCC_CHARSET for c in code):
        return "credit code has characters outside GB 32100 (I, O, S, V, Z are never used)"
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(code[:17], _USCC_WEIGHTS))
    if USCC_CHARSET[(31 - total % 31) % 31] != code[17]:
        return "credit code check character is wrong"
    return None


@per_value_cache(maxsize=1 << 18)
def id_number_issue(code: str) -> str | None:
    if len(code) == 15 and code.isdigit():
        return None  # first-generation card: no check character to verify
    if len(code) != 18 or not code[:17].isdigit():
        return "ID number is not 18 characters (17 digits and a check character)"
    if not _is_timestamp_date(code[6:14]):
        return "ID number holds no valid birth date"
    total = sum(int(c) * w for c, w in zip(code[:17], _ID_WEIGHTS))
    if _ID_CHECK[total % 11] != code[17]:
        if code.endswith("000"):  # Excel keeps 15 digits of a number: the last three become 000
            return ("ID number ends in 000 and its check character is wrong: probably stored as a number in Excel, "
                    "which keeps 15 digits; digits lost, format the column as text and type the number again")
        return "ID number check character is wrong"
    return None


_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+?\d+$")


def scientific_issue(code: str, what: str) -> str | None:
    """The issue of a code written in scientific notation (1.10105E+17: what Excel
    shows of a number, and writes into a CSV), else None."""
    if not _SCIENTIFIC.match(code):
        return None
    return (f"{what} lost digits to scientific notation ({code}): stored as a number in Excel; digits lost, "
            "format the column as text and type the number again")


# pandas' nanosecond timestamps, which this check used to parse with, end here
_FIRST_TIMESTAMP_DATE, _LAST_TIMESTAMP_DATE = dt.date(1677, 9, 22), dt.date(2262, 4, 11)


def _is_timestamp_date(digits: str) -> bool:
    """Whether 8 digits spell a real date (YYYYMMDD) within pandas' timestamp range:
    what pd.to_datetime(digits, format="%Y%m%d", errors="coerce") accepts, at a
    fraction of its cost per call."""
    try:
        date = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return _FIRST_TIMESTAMP_DATE <= date <= _LAST_TIMESTAMP_DATE


def clean_code_value(value) -> str | None:
    """One code as written: NFKC, upper-case, no spaces or dashes (None stays None)."""
    if value is None:
        return None
    return _CODE_NOISE.sub("", unicodedata.normalize("NFKC", value if isinstance(value, str) else str(value)).upper())


def clean_code(values: pd.Series) -> pd.Series:
    """`clean_code_value` of a column (string dtype, <NA> where missing)."""
    return map_distinct(values, clean_code_value).astype("string")


def code_issues(values: pd.Series, check) -> pd.Series:
    """Issue text per cell (None when valid or empty)."""
    return map_distinct(clean_code(values).astype(object).where(values.notna(), None), check)
