"""Phones to E.164 with the phonenumbers library, mobile and landline told apart,
extensions kept apart. Numbers that Excel turned into floats or scientific
notation are recovered when the digits survived, flagged when they did not.

Each number is read for a region (the country its source's phones belong to,
`phone_country.phone_regions`; None when nobody knows). A number that is not
valid there (a local number without its area code, a number of a country we
were not told) is kept as the digits that were written, with a note, never
dropped: it is still the strongest evidence the row carries, and matching
compares it by its digits. The golden phone never carries a country code the
data did not give.

`parse_phone` is the reference: one cell, one phonenumbers call. `parse_phones`
gives the same answer for a whole column without calling phonenumbers per
number (a million rows hold about a million distinct phones, and one call costs
some 40 microseconds): see `_plain_numbers`."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import PhoneMetadata, PhoneNumberType

from customer_master.freed_memory import per_value_cache
from customer_master.standardise.values import first_present

DEFAULT_REGION = "CN"
MIN_SCIENTIFIC_DIGITS = 7
# A local subscriber number has at least this many digits (5-digit service codes
# and typos stay issues); E.164 allows at most 15.
MIN_KEPT_DIGITS, MAX_DIGITS = 6, 15
KEPT = "kept as its digits"
_PLUS = re.compile(r"^ *\(?\+")
_SCIENTIFIC = re.compile(r"^\s*(\d)(?:\.(\d+))?[eE]\+?(\d+)\s*$")
_FLOAT_TAIL = re.compile(r"^(\+?\d+)\.0+$")
_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|extn\.?|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)
_TYPES = {PhoneNumberType.MOBILE: "mobile", PhoneNumberType.FIXED_LINE: "landline",
          PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline", PhoneNumberType.VOIP: "voip",
          PhoneNumberType.TOLL_FREE: "toll_free"}
PHONE_COLUMNS = ["e164", "kind", "extension", "issue"]


def kept_digits(text: str) -> str | None:
    """The digits of a number that is no valid number of its region, as written
    ('+' kept when written), or None when too few or too many to be a phone."""
    digits = re.sub(r"[^0-9]", "", text)
    if not MIN_KEPT_DIGITS <= len(digits) <= MAX_DIGITS:
        return None
    return ("+" if _PLUS.match(text) else "") + digits


def kept_note(region: str | None) -> str:
    where = f"a {region} number" if region else "a number with its country code"
    return f"not {where}; {KEPT}"


def is_kept(issues: pd.Series) -> pd.Series:
    """Where an issue is a note on a number kept as its digits (not an error)."""
    return issues.astype("string").str.endswith(KEPT).fillna(False).astype(bool)


@per_value_cache(maxsize=1 << 18)
def parse_phone(text: str, region: str | None = DEFAULT_REGION) -> tuple[str | None, str | None, str | None, str | None]:
    """(number, kind, extension, issue) for one cell read for `region`: number is
    E.164 and issue None when valid; the kept digits (kind 'unverified') and a
    note when not valid there but shaped like a phone; None and the issue else."""
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
            return None, None, None, (f"phone lost digits to scientific notation ({raw}): stored as a number in "
                                      "Excel; digits lost, format the column as text and type the number again")
        raw = number
    raw = _FLOAT_TAIL.sub(r"\1", raw)
    extension = None
    found = _EXTENSION.search(raw)
    if found:
        extension, raw = found.group(1), raw[: found.start()]
    try:
        parsed = phonenumbers.parse(raw, region)
        valid = phonenumbers.is_valid_number(parsed)
    except phonenumbers.NumberParseException:
        parsed, valid = None, False
    if not valid:
        digits = kept_digits(raw)
        if digits is not None:
            return digits, "unverified", extension, kept_note(region)
        return None, None, extension, "impossible phone number" if parsed is not None else "not a phone number"
    kind = _TYPES.get(phonenumbers.number_type(parsed), "other")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, kind, extension or (str(parsed.extension) if parsed.extension else None), None


def route_numbers(mobile_number: str | None, mobile_kind: str | None, mobile_extension: str | None,
                  phone_number: str | None, phone_kind: str | None, phone_extension: str | None,
                  ) -> tuple[str | None, str | None, str | None]:
    """(mobile, phone, extension) of a row from its mobile and phone cells as
    `parse_phone` reads them (number, kind, extension). Departments put mobiles in
    the phone column and landlines in the mobile column: each number goes where
    its kind says; a number kept as its digits (kind 'unverified') stays in the
    column it was written in, when that column has no verified number."""
    not_landline = ("mobile", "unverified")
    mobile = first_present(mobile_number if mobile_kind == "mobile" else None,
                    phone_number if phone_kind == "mobile" else None,
                    mobile_number if mobile_kind == "unverified" else None)
    phone = first_present(phone_number if phone_kind not in not_landline else None,
                   mobile_number if mobile_kind not in not_landline else None,
                   phone_number if phone_kind == "unverified" else None)
    return mobile, phone, first_present(phone_extension, mobile_extension)



def parse_phones(values: pd.Series, regions: pd.Series | str | None = DEFAULT_REGION) -> pd.DataFrame:
    """Columns e164, kind, extension, issue for a column of phone cells: what
    parse_phone gives for each cell with its row's region (one region for all,
    or a Series aligned with values)."""
    if not isinstance(regions, pd.Series):
        regions = pd.Series(regions, index=values.index, dtype=object)
    regions = regions.astype(object).where(regions.notna(), None)
    out = pd.DataFrame({c: pd.Series(None, index=values.index, dtype=object) for c in PHONE_COLUMNS})
    for region, cells in values.groupby(regions.fillna(_NO_REGION), sort=False):
        present = cells.dropna()
        distinct = pd.Series(pd.unique(present), dtype=object)
        table = parse_distinct_phones(distinct, None if region == _NO_REGION else region)
        table.index = distinct
        found = table.reindex(cells.where(cells.notna(), None))
        found.index = cells.index
        out.loc[cells.index, PHONE_COLUMNS] = found[PHONE_COLUMNS]
    return out.astype(object).where(out.notna(), None)


_NO_REGION = "\x00none"


def parse_distinct_phones(values: pd.Series, region: str | None = DEFAULT_REGION) -> pd.DataFrame:
    """parse_phone(text, region) for every (distinct, non-null) text, as columns PHONE_COLUMNS.

    Cells of digits and separators only (13800138000, 010-12345678,
    +86 138 0013 8000, (0755)8765-4321) go straight to `_plain_numbers`. Other
    cells get parse_phone's own clean-up first, column-wise (a float's .0 tail,
    an extension 转801 / ext. 22); what is then digits and separators joins them.
    The rest (scientific notation, letters, full-width digits, 86-…) calls
    parse_phone one by one."""
    values = values.reset_index(drop=True)
    n = len(values)
    columns = {c: np.full(n, None, dtype=object) for c in PHONE_COLUMNS}
    if n:
        text = pa.array(values.astype(str).tolist(), pa.string())
        simple = pc.fill_null(pc.match_substring_regex(text, r"^[0-9 ()+\-]*$"), False).to_numpy(zero_copy_only=False)
        cleaned = text.to_numpy(zero_copy_only=False).copy()
        extension = np.full(n, None, dtype=object)
        other = np.flatnonzero(~simple)
        if len(other):
            raw = values.iloc[other].astype(str)
            scientific = raw.str.match(_SCIENTIFIC).to_numpy(dtype=bool)
            tidy = raw.str.strip().str.replace(_FLOAT_TAIL, r"\1", regex=True)
            split = tidy.str.extract(_EXTENSION_SPLIT)
            has_extension = split["extension"].notna().to_numpy()
            tidy = tidy.where(~has_extension, split["head"]).astype(object).to_numpy()
            tidy[scientific] = None  # parse_phone reads these digits another way
            cleaned[other] = tidy
            extension[other] = split["extension"].astype(object).where(has_extension, None).to_numpy()
        candidates = pd.Series(cleaned, dtype=object)
        codes, distinct = pd.factorize(candidates, use_na_sentinel=True)
        e164, kind, issue, done_distinct = _plain_numbers(pd.Series(distinct, dtype=object), region)
        # (no distinct value: every cell went the slow way, scientific notation say)
        done = (codes >= 0) & done_distinct[np.maximum(codes, 0)] if len(distinct) else np.zeros(n, dtype=bool)
        at = codes[done]
        columns["e164"][done], columns["kind"][done], columns["issue"][done] = e164[at], kind[at], issue[at]
        columns["extension"][done] = extension[done]
        for row in np.flatnonzero(~done):
            columns["e164"][row], columns["kind"][row], columns["extension"][row], columns["issue"][row] = \
                parse_phone(values.iat[row], region)
    return pd.DataFrame(columns)


# parse_phone's extension search, as one match of the whole text: the head before it and its digits
_EXTENSION_SPLIT = re.compile(r"^(?P<head>.*?)" + _EXTENSION.pattern.replace(r"(\d{1,6})", r"(?P<extension>\d{1,6})"),
                              re.IGNORECASE | re.DOTALL)


# --- digits-only cells without a phonenumbers call per number ---------------
#
# For a cell of digits and separators, what phonenumbers.parse, is_valid_number
# and number_type decide depends on the digits only through (a) the layout of
# the cell (where the separators, brackets and '+' stand, so also the number of
# digits), (b) whether the national prefix ('0') or a carrier prefix starts the
# number, (c) the first two digits (leading zeros), and (d) whether the national
# number, with and without its first digit, fully matches each number pattern of
# the region's metadata (general, fixed line, mobile, toll free, premium rate,
# shared cost). Cells that agree on all of these form a class; one member per
# class is parsed with parse_phone, and its answer holds for the class. The
# E.164 form is '+86' followed by the national number, with or without its first
# digit, as the class's member shows. A class whose member does not fit that
# form, and every cell outside these layouts (a carrier prefix, '86' without
# '+', an international prefix), is parsed one by one.

_PLAIN_CELL = r"^ *\(?\+?[0-9 ()\-]*[0-9] *$"


@lru_cache(maxsize=None)
def _metadata_patterns(region: str) -> tuple[list[str], str, str, str]:
    metadata = PhoneMetadata.metadata_for_region(region)
    descs = (metadata.general_desc, metadata.fixed_line, metadata.mobile, metadata.toll_free,
             metadata.premium_rate, metadata.shared_cost, metadata.personal_number, metadata.voip,
             metadata.pager, metadata.uan, metadata.voicemail)
    patterns = [d.national_number_pattern for d in descs if d is not None and d.national_number_pattern]
    return (patterns, metadata.national_prefix_for_parsing or "", metadata.international_prefix or "",
            metadata.national_prefix_transform_rule or "")


def _plain_numbers(values: pd.Series, region: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """e164, kind, issue for the digits-only cells among `values`, and where done."""
    n = len(values)
    e164, kind, issue = (np.full(n, None, dtype=object) for _ in range(3))
    done = np.zeros(n, dtype=bool)
    if not n or region is None or PhoneMetadata.metadata_for_region(region) is None:
        return e164, kind, issue, done
    patterns, national_prefix, international_prefix, transform_rule = _metadata_patterns(region)
    country = str(PhoneMetadata.metadata_for_region(region).country_code)
    text = pa.array(values.tolist(), type=pa.string())
    plain = pc.fill_null(pc.match_substring_regex(text, _PLAIN_CELL), False)
    digits = pc.replace_substring_regex(text, "[^0-9]", "")
    plus = pc.fill_null(pc.match_substring_regex(text, r"^ *\(?\+"), False)
    n_digits = pc.utf8_length(digits)
    country_digits = pc.utf8_slice_codeunits(digits, 0, len(country))
    national = pc.if_else(plus, pc.utf8_slice_codeunits(digits, len(country)), digits)
    # the layouts whose parse takes one path: '+86…', or no '+' and neither '86…'
    # nor an international prefix (00…); a national prefix of one digit ('0') or none
    # (a carrier prefix such as 17951 is parsed one by one)
    if national_prefix:
        named = "^(?P<prefix>" + re.sub(r"(?<!\\)\((?!\?)", "(?:", national_prefix) + ")"
        prefix_length = pc.fill_null(pc.utf8_length(pc.struct_field(pc.extract_regex(national, named), [0])), 0)
    else:
        prefix_length = pa.array(np.zeros(n, dtype=np.int64))
    simple_prefix = pc.less_equal(prefix_length, 0 if transform_rule else 1)
    idd = pc.fill_null(pc.match_substring_regex(national, f"^(?:{international_prefix})"), False) \
        if international_prefix else pa.array(np.zeros(n, dtype=bool))
    eligible = pc.and_(plain, pc.and_(pc.greater_equal(n_digits, 5), pc.less_equal(n_digits, 15)))
    eligible = pc.and_(eligible, pc.if_else(plus, pc.equal(country_digits, country), pc.not_equal(country_digits, country)))
    eligible = pc.and_(eligible, pc.and_(simple_prefix, pc.invert(idd)))
    eligible = pc.and_(eligible, pc.invert(pc.starts_with(national, "00")))
    eligible = pc.fill_null(eligible, False).to_numpy(zero_copy_only=False)
    if not eligible.any():
        return e164, kind, issue, done

    rows = np.flatnonzero(eligible)
    take = pa.array(rows)
    text, plus, national = text.take(take), plus.take(take), national.take(take)
    without_first = pc.utf8_slice_codeunits(national, 1)
    # the class key: layout, '+', first digit, and one bit per pattern and number
    layout = pc.dictionary_encode(pc.replace_substring_regex(text, "[0-9]", "d")).indices.to_numpy(zero_copy_only=False)
    first_digit = pc.utf8_slice_codeunits(national, 0, 1)
    key = layout.astype(np.int64) * 10 + pc.cast(pc.if_else(pc.equal(first_digit, ""), "0", first_digit),
                                                  pa.int64()).to_numpy(zero_copy_only=False)
    key = key * 2 + plus.to_numpy(zero_copy_only=False)
    bits = np.zeros(len(rows), dtype=np.int64)
    for i, pattern in enumerate(patterns):
        full = f"^(?:{pattern})$"
        bits |= pc.fill_null(pc.match_substring_regex(national, full), False).to_numpy(zero_copy_only=False).astype(np.int64) << (2 * i)
        bits |= pc.fill_null(pc.match_substring_regex(without_first, full), False).to_numpy(zero_copy_only=False).astype(np.int64) << (2 * i + 1)
    key = key * (1 << (2 * len(patterns))) + bits
    _, first, class_of = np.unique(key, return_index=True, return_inverse=True)
    texts = text.to_numpy(zero_copy_only=False)
    nationals = national.to_numpy(zero_copy_only=False)

    # one parse_phone call per class, and the form of its E.164 number
    form = np.zeros(len(first), dtype=np.int8)  # 0 no fit, 1 none, 2 whole, 3 first digit dropped, 4 kept digits
    class_kind = np.full(len(first), None, dtype=object)
    class_issue = np.full(len(first), None, dtype=object)
    for c, member in enumerate(first):
        number, class_kind[c], extension, class_issue[c] = parse_phone(texts[member], region)
        nat = nationals[member]
        if extension is None:
            form[c] = 1 if number is None else 2 if number == f"+{country}{nat}" else \
                3 if number == f"+{country}{nat[1:]}" else 4 if number == kept_digits(texts[member]) else 0
    row_form = form[class_of]
    fits = row_form > 0
    whole = pc.binary_join_element_wise(f"+{country}", national, "")
    stripped = pc.binary_join_element_wise(f"+{country}", without_first, "")
    as_written = pc.if_else(plus, pc.binary_join_element_wise("+", digits.take(take), ""), digits.take(take))
    numbers = np.where(row_form == 2, whole.to_numpy(zero_copy_only=False),
                       np.where(row_form == 3, stripped.to_numpy(zero_copy_only=False),
                                np.where(row_form == 4, as_written.to_numpy(zero_copy_only=False), None)))
    target = rows[fits]
    e164[target] = numbers[fits]
    kind[target] = class_kind[class_of][fits]
    issue[target] = class_issue[class_of][fits]
    done[target] = True
    return e164, kind, issue, done


def phone_issues_of(values: pd.Series, regions: pd.Series | str | None = DEFAULT_REGION) -> pd.Series:
    """The issue text per cell (None when valid or empty), computed as parse_phones
    does: a vectorised equivalent of parse_phone(value, region)[3] per cell."""
    return parse_phones(values, regions)["issue"]
