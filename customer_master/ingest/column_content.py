"""Recognise a column by what it holds when its header says nothing we know.

Headers are the first evidence, but department sheets come headed "A", "B",
"Col3" or in words no alias table lists. A sample of a column's values (up to
200 non-empty cells) is tested against the shapes fields take: e-mail
addresses, websites, credit codes, resident ID numbers, postcodes, phones,
street addresses, company names, person names. A column is taken for a field
when at least `FIT_SHARE` of its sampled values have that field's shape; the
shapes are tried in a fixed order, most specific first.

`looks_like_a_name` is the last resort of a sheet with no name column at all:
a text column whose values are mostly different words (not numbers, codes or
dates) can carry a customer's name."""

from __future__ import annotations

import re

import pandas as pd

FIT_SHARE = 0.6
SAMPLE = 200

_CJK = r"\u3400-\u9fff"
# field -> the shape of one value (matched on the stripped text)
SHAPES: tuple[tuple[str, re.Pattern], ...] = (
    ("email", re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)),
    ("website", re.compile(r"^(?:https?://|www\.)\S+$|^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|cn|co|io|biz|info)"
                           r"(?:\.[a-z]{2})?(?:/\S*)?$", re.IGNORECASE)),
    ("id_number", re.compile(r"^\d{17}[\dXx]$")),
    ("uscc", re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")),
    ("postcode", re.compile(r"^\d{5}(?:-\d{4})?$|^\d{6}$|^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$", re.IGNORECASE)),
    ("mobile", re.compile(r"^(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}$")),
    ("phone", re.compile(r"^\+?[\d\s()./-]{7,20}$")),
    ("address", re.compile(rf"^\d+[a-z]?\s+[a-z].*\b[a-z]{{2,}}|^[{_CJK}\w-]{{2,}}(?:省|市|区|县|路|街|道|号|镇|村|弄)",
                           re.IGNORECASE)),
    ("name", re.compile(rf"(?:公司|集团|厂|店|中心|研究院|事务所|合作社|工作室|经营部|医院|学校|银行|协会)$"
                        r"|\b(?:co|corp|corporation|company|inc|ltd|limited|llc|gmbh|plc|group|bv|nv|ag|sa)\.?$",
                        re.IGNORECASE)),
    ("person_name", re.compile(rf"^[{_CJK}·]{{2,4}}$|^[A-Z][a-z'’-]+(?:\s[A-Z][a-z.'’-]*){{1,2}}$")),
)
_DIGITS = re.compile(r"\d")
_LETTERS = re.compile(rf"[A-Za-z{_CJK}]")


def sample_of(values: pd.Series) -> pd.Series:
    present = values.dropna().astype(str).str.strip()
    return present[present.ne("")].head(SAMPLE)


def guess_field(values: pd.Series) -> tuple[str, float] | None:
    """(shape, share of sampled values that fit it) for the first shape most of
    the column fits, or None. 'person_name' is a shape, not a field: the sheet
    decides whether it is the customer's name or a contact's."""
    sample = sample_of(values)
    if len(sample) == 0:
        return None
    for field, shape in SHAPES:
        share = float(sample.str.contains(shape).mean())
        if field == "phone":  # a phone has 7 to 15 digits and is no decimal number (an amount)
            digits = sample.str.count(_DIGITS)
            decimal = sample.str.fullmatch(r"-?\d+\.\d+")
            share = float((sample.str.contains(shape) & digits.between(7, 15) & ~decimal).mean())
        if share >= FIT_SHARE:
            return field, round(share, 2)
    return None


def looks_like_a_name(values: pd.Series) -> float:
    """The share of sampled values that could be a name: letters, not mostly
    digits, short (a name, not a sentence: at most 60 characters and 8 words),
    and mostly different from each other (a column of a few repeated words is a
    category such as a type or a region). 0 for such a column."""
    sample = sample_of(values)
    if len(sample) < 2:
        return 0.0
    short = sample.str.len().le(60) & sample.str.count(r"\s+").lt(8) & ~sample.str.contains(r"[。！？!?]")
    wordy = sample.str.contains(_LETTERS) & (sample.str.count(_DIGITS) < sample.str.len() / 2) & short
    if sample.nunique() < 0.5 * len(sample):
        return 0.0
    return round(float(wordy.mean()), 2)


def content_fields(columns: pd.DataFrame, taken: set[str]) -> dict[str, tuple[str, float]]:
    """For the columns given (header -> values), the field each is recognised as
    by its content: {header: (field, share)}. A field already taken (by a header,
    or by a column to the left) is not given again; a column of person names is
    the customer's name where the sheet has none, else left unmapped."""
    found: dict[str, tuple[str, float]] = {}
    taken = set(taken)
    for header in columns.columns:
        guess = guess_field(columns[header])
        if guess is None:
            continue
        field, share = guess
        if field == "person_name":
            # the customer's name where the sheet has none; beside a name it may be a
            # contact, an account manager or a clerk: the values cannot say which
            if "name" in taken:
                continue
            field = "name"
        if field == "mobile" and "mobile" in taken:
            field = "phone"
        if field in taken:
            continue
        found[header] = (field, share)
        taken.add(field)
    if "name" not in taken:  # last resort: a column that can carry a name
        for header in columns.columns:
            if header in found:
                continue
            share = looks_like_a_name(columns[header])
            if share >= FIT_SHARE:
                found[header] = ("name", share)
                break
    return found
