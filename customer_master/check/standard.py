"""The standardisation of one record's check fields as plain Python, value by value.

The pipeline's standardisation (`customer_master.standardise`) is column-wise
pandas, made for a million rows; on one record its fixed costs (Series, frames,
factorising) are some 30 ms. These functions do the same steps on one value with
the same regular expressions and libraries (the pandas string methods of the
stage run Python's `re`, `str` and `unicodedata` per element, so the steps are
the same calls), in tens of microseconds. tests/test_check.py holds them equal to
the stage (`query.query_rows`) on the sample's values and on generated variants;
a change to the stage shows there first.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from customer_master.match.features import _COMPOUND
from customer_master.standardise import names as _names
from customer_master.standardise import places as _places
from customer_master.standardise.emails import EMAIL_PATTERN, FREE_MAIL_DOMAINS
from customer_master.standardise.text import _SPACE_BETWEEN_CJK, _T2S, _pinyin, _traditional_characters

_WHITESPACE = re.compile(r"\s+")
_CODE_NOISE = re.compile(r"[\s\-]")
_MAILTO = re.compile(r"^mailto:")
_EMAIL = re.compile(EMAIL_PATTERN)
_CJK_ANY = re.compile(r"[\u3400-\u9fff]")
_EN_INITIALS = re.compile(r"\b([a-z])\.\s?(?=[a-z]\b\.?)")
_EN_LEGAL_GROUP = re.compile(r"(?P<legal>" + _names._EN_LEGAL.pattern + ")", flags=re.IGNORECASE)
_PERSON_SPLIT = re.compile(rf"^(?P<last>{_COMPOUND}|.)(?P<first>.+)$")
_NOT_WORD = re.compile(r"[^\w\s'-]")


def clean_text(value: str | None) -> str | None:
    """`standardise.text.clean_text` of one value."""
    if value is None:
        return None
    s = _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", value)).strip()
    return s if s != "" else None


def simplified(value: str | None) -> str | None:
    """`standardise.text.simplified` of one value."""
    if value is None:
        return None
    if _traditional_characters().isdisjoint(value):
        return value
    return _T2S.convert(value)


def clean_code(value: str | None) -> str | None:
    """`standardise.identifiers.clean_code` of one value."""
    if value is None:
        return None
    return _CODE_NOISE.sub("", unicodedata.normalize("NFKC", value).upper())


@lru_cache(maxsize=1 << 14)
def company_name(text: str | None) -> dict:
    """`standardise.names.split_company_names` of one (cleaned) name."""
    if text is None:
        return dict.fromkeys(("name", "name_core", "legal_form", "reg_place", "branch", "name_romanised"))
    name = _SPACE_BETWEEN_CJK.sub("", simplified(text))
    cjk = _names._HAS_CJK.search(name) is not None
    if cjk:
        work = _WHITESPACE.sub("", name)
    else:
        work = _EN_INITIALS.sub(r"\1", name.lower()).replace(".", " ")
        work = _WHITESPACE.sub(" ", work).strip()

    bracketed = None
    if "(" in work:
        found = _places.BRACKETED_PLACE.search(work)
        bracketed = found.group("place") if found else None
    if bracketed is not None:
        work = _places.BRACKETED_PLACE.sub("", work)
    leading = None
    if cjk and bracketed is None:
        found = _places.LEADING_PLACE.search(work)
        leading = found.group("place") if found else None
        if leading is not None:
            work = _places.LEADING_PLACE.sub("", work, count=1)
    reg_place = bracketed if bracketed is not None else leading

    branch = None
    if cjk:
        if re.search(_names._BRANCH_MARKERS, work):
            found = _names._CN_BRANCH.search(work)
            if found:
                branch = next((g for g in (found.group("after_legal"), found.group("placed"), found.group("bare"))
                               if g is not None), None)
    else:
        found = _names._EN_BRANCH.search(work)
        branch = found.group("branch") if found else None
    if branch is not None:
        work = _names._EN_BRANCH.sub("", _names._CN_BRANCH.sub("", work))

    legal = None
    if cjk:
        found = _names._CN_LEGAL.search(work)
        legal = found.group(1) if found else None
    else:
        found = _EN_LEGAL_GROUP.search(work)
        legal = found.group("legal").strip(" ,") if found else None
    work = _names._EN_LEGAL.sub("", _names._CN_LEGAL.sub("", work))

    core = work if cjk else _names._EN_NOISE.sub(" ", work)
    core = _WHITESPACE.sub(" ", core).strip()
    if core == "":
        core = _WHITESPACE.sub("", name)
    return {"name": name, "name_core": core, "legal_form": legal, "reg_place": reg_place, "branch": branch,
            "name_romanised": _pinyin(core)}


@lru_cache(maxsize=1 << 14)
def person_name(text: str | None) -> dict:
    """`standardise.names.standardise_person_names` of one (cleaned) name."""
    if text is None:
        return dict.fromkeys(("name", "name_core", "name_romanised"))
    name = _SPACE_BETWEEN_CJK.sub("", simplified(text))
    if _names._HAS_CJK.search(name) is None:
        name = name.title()
    return {"name": name, "name_core": name, "name_romanised": _pinyin(name)}


def name_parts(name: str | None) -> dict:
    """`match.features.person_name_parts` of a name without its own first and last
    name columns."""
    first = last = None
    if name is not None:
        name = name.strip()
        if _CJK_ANY.search(name):
            found = _PERSON_SPLIT.search(name)
            if found:
                last, first = found.group("last"), found.group("first")
        else:
            tokens = _NOT_WORD.sub(" ", name.lower()).split()
            first = tokens[0] if tokens else None
            last = tokens[-1] if len(tokens) > 1 else None
    return {"first_name": first, "last_name": last,
            "first_name_romanised": _pinyin(first) if first is not None else None,
            "last_name_romanised": _pinyin(last) if last is not None else None}


def email(value: str | None) -> tuple[str | None, str | None, bool]:
    """(email, domain, free_mail) as `standardise.emails.standardise_emails`."""
    if value is None:
        return None, None, False
    s = _MAILTO.sub("", unicodedata.normalize("NFKC", value).strip().lower())
    if not _EMAIL.match(s):
        return None, None, False
    domain = s.split("@")[-1]
    return s, domain, domain in FREE_MAIL_DOMAINS


@lru_cache(maxsize=1 << 14)
def places(text: str | None) -> tuple[str | None, str | None, str | None, str | None]:
    """(province, city, district, rest) as `standardise.places.parse_places`."""
    if text is None:
        return None, None, None, None
    original = str(text)
    remaining = _places._LEAD.sub("", original)
    by_length, short_forms = _lookups()
    longest = by_length[0][0]
    words, ends, consumed = [], [], 0
    for _ in range(_places._MAX_TOKENS):
        head = remaining[:longest + 2]
        found = 0
        for length, forms in by_length:
            prefix = head[:length]
            if len(prefix) != length or prefix not in forms:
                continue
            if prefix in short_forms and _places._NOT_AFTER_SHORT.search(head[length:length + 2]):
                continue
            found = length
            break
        if not found:
            break
        words.append(remaining[:found])
        ends.append(consumed + found)
        cut = remaining[found:].lstrip()
        consumed += len(remaining) - len(cut)
        remaining = cut
    province, city, district, used = _places._resolve(tuple(words))
    if used > 0:
        rest = _cut(_places._LEAD.sub("", original), ends[used - 1])
    else:
        rest = original.strip()
    return province, city, district, (rest if rest != "" else None)


def _cut(text: str, start: int) -> str:
    return text[start:].lstrip()


@lru_cache(maxsize=1)
def _lookups() -> tuple[list[tuple[int, frozenset[str]]], frozenset[str]]:
    by_length, short = _places._lookup()
    return [(n, frozenset(forms.to_pylist())) for n, forms in by_length], frozenset(short.to_pylist())
