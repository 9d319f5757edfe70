"""Phones to E.164 with the phonenumbers library, mobile and landline told apart,
extensions kept apart. Numbers that Excel turned into floats or scientific
notation are recovered when the digits survived, flagged when they did not."""

from __future__ import annotations

import re
from functools import lru_cache
from decimal import Decimal, InvalidOperation

import phonenumbers
import pandas as pd
from phonenumbers import PhoneNumberType

from customer_master.standardise.values import map_distinct

DEFAULT_REGION = "CN"
MIN_SCIENTIFIC_DIGITS = 7
_SCIENTIFIC = re.compile(r"^\s*(\d)(?:\.(\d+))?[eE]\+?(\d+)\s*$")
_FLOAT_TAIL = re.compile(r"^(\+?\d+)\.0+$")
_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|extn\.?|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)
_TYPES = {PhoneNumberType.MOBILE: "mobile", PhoneNumberType.FIXED_LINE: "landline",
          PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline", PhoneNumberType.VOIP: "voip",
          PhoneNumberType.TOLL_FREE: "toll_free"}


@lru_cache(maxsize=1 << 18)
def parse_phone(text: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(e164, kind, extension, issue) for one cell; issue is None when valid."""
    raw = text.strip()
    scientific = _SCIENTIFIC.match(raw)
    if scientific:
        significant = 1 + len(scientific.group(2) or "")
        try:
            number = str(int(Decimal(raw)))
        except InvalidOperation:
            return None, None, None, "not a phone number"
        # Excel's narrow-column forms (1.38E+10, 1.38001E+10) keep 3-6 digits: the
        # rest of the number is gone. 7 or more means the tail was zeros.
        if significant < MIN_SCIENTIFIC_DIGITS:
            return None, None, None, f"phone lost digits to scientific notation ({raw}); re-export the column as text"
        raw = number
    raw = _FLOAT_TAIL.sub(r"\1", raw)
    extension = None
    found = _EXTENSION.search(raw)
    if found:
        extension, raw = found.group(1), raw[: found.start()]
    try:
        parsed = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None, None, extension, "not a phone number"
    if not phonenumbers.is_valid_number(parsed):
        return None, None, extension, "impossible phone number"
    kind = _TYPES.get(phonenumbers.number_type(parsed), "other")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, kind, extension or (str(parsed.extension) if parsed.extension else None), None


def parse_phones(values: pd.Series) -> pd.DataFrame:
    """Columns e164, kind, extension, issue for a column of phone cells."""
    parsed = map_distinct(values, parse_phone)
    empty = (None, None, None, None)
    return pd.DataFrame([p if isinstance(p, tuple) else empty for p in parsed],
                        columns=["e164", "kind", "extension", "issue"], index=values.index)
