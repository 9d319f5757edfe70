"""Company and person names into the parts matching compares.

A company name is split into its registration place (北京华信科技有限公司 or
华信(北京)科技有限公司 -> 北京), its legal form (有限公司, Co., Ltd.), a branch
marker (上海分公司, Branch) and the core that remains (华信科技). A branch is a
different customer from its head office, so the branch part stays with the core.

`company_name(text)` and `person_name(text)` are the rules for one (cleaned)
name; `split_company_names(column)` and `standardise_person_names(column)` apply
them once per distinct value."""

from __future__ import annotations

import re
from typing import NamedTuple

import pandas as pd

from customer_master.freed_memory import per_value_cache
from customer_master.standardise.places import PLACE_ALTERNATION, BRACKETED_PLACE, LEADING_PLACE
from customer_master.standardise.text import pinyin, simplify, squeeze_cjk_spaces
from customer_master.standardise.values import map_distinct_fields

_CN_LEGAL_FORMS = (
    "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "集团公司", "股份公司", "合伙企业",
    "个人独资企业", "公司", "厂", "商行", "工作室", "经营部",
)
_CN_LEGAL = re.compile("(" + "|".join(map(re.escape, _CN_LEGAL_FORMS)) + ")$")
_BRANCH_MARKERS = "(?:分公司|办事处|分店|营业部|分部|分厂|门市部)"
# the branch is what follows the head office's legal form (…有限公司上海分公司),
# else a place before the marker (华信科技上海分公司), else the bare marker
_CN_BRANCH = re.compile(
    rf"(?:(?<=公司)(?P<after_legal>[\u4e00-\u9fff()]{{1,12}}?{_BRANCH_MARKERS})"
    rf"|(?P<placed>(?:{PLACE_ALTERNATION})[省市]?{_BRANCH_MARKERS})|(?P<bare>{_BRANCH_MARKERS}))$")
_EN_LEGAL = re.compile(
    r"(?:[,\s]+(?:co|company|corp|corporation|inc|incorporated|llc|ltd|limited|plc|gmbh|ag|sa|nv|bv|"
    r"pte|pty|srl|spa|oy|ab|as|kk)\b\.?)+\s*$", re.IGNORECASE)
_EN_BRANCH = re.compile(r"[,\s\-]+(?P<branch>(?:[a-z]+\s+)?branch(?:\s+office)?)\s*$", re.IGNORECASE)
_EN_NOISE = re.compile(r"[^a-z0-9\s]")
_EN_LEGAL_GROUP = re.compile(r"(?P<legal>" + _EN_LEGAL.pattern + ")", flags=re.IGNORECASE)
# N.V. / Co., Ltd. -> tokens, so the legal-form pattern sees them
_EN_INITIALS = re.compile(r"\b([a-z])\.\s?(?=[a-z]\b\.?)")
_HAS_CJK = re.compile(r"[\u3400-\u9fff]")
_WHITESPACE = re.compile(r"\s+")


class CompanyName(NamedTuple):
    name: str | None            # cleaned display form
    name_core: str | None       # what remains without place, branch and legal form
    legal_form: str | None
    reg_place: str | None       # the registration place written in the name
    branch: str | None
    name_romanised: str | None  # of the core, for fuzzy comparison


class PersonName(NamedTuple):
    name: str | None            # simplified, no spaces between Chinese characters
    name_core: str | None       # the name itself
    name_romanised: str | None


@per_value_cache(maxsize=1 << 14)
def company_name(text: str | None) -> CompanyName:
    """A company's (cleaned) name in its parts."""
    if text is None:
        return CompanyName(None, None, None, None, None, None)
    name = squeeze_cjk_spaces(simplify(text))
    cjk = _HAS_CJK.search(name) is not None
    if cjk:
        work = _WHITESPACE.sub("", name)
    else:
        work = _EN_INITIALS.sub(r"\1", name.lower()).replace(".", " ")
        work = _WHITESPACE.sub(" ", work).strip()

    # with a place in brackets (安康(北京)医药) the name starts with its brand, even
    # when the brand is also a place name
    bracketed = leading = None
    if "(" in work:
        found = BRACKETED_PLACE.search(work)
        if found:
            bracketed = found.group("place")
            work = BRACKETED_PLACE.sub("", work)
    if cjk and bracketed is None:
        found = LEADING_PLACE.search(work)
        if found:
            leading = found.group("place")
            work = LEADING_PLACE.sub("", work, count=1)
    reg_place = bracketed if bracketed is not None else leading

    branch = None
    if cjk:
        found = _CN_BRANCH.search(work) if re.search(_BRANCH_MARKERS, work) else None
        if found:
            branch = next((g for g in (found.group("after_legal"), found.group("placed"), found.group("bare"))
                           if g is not None), None)
    else:
        found = _EN_BRANCH.search(work)
        branch = found.group("branch") if found else None
    if branch is not None:
        work = _EN_BRANCH.sub("", _CN_BRANCH.sub("", work))

    if cjk:
        found = _CN_LEGAL.search(work)
        legal = found.group(1) if found else None
    else:
        found = _EN_LEGAL_GROUP.search(work)
        legal = found.group("legal").strip(" ,") if found else None
    work = _EN_LEGAL.sub("", _CN_LEGAL.sub("", work))

    core = _WHITESPACE.sub(" ", work if cjk else _EN_NOISE.sub(" ", work)).strip()
    if core == "":
        core = _WHITESPACE.sub("", name)
    return CompanyName(name, core, legal, reg_place, branch, pinyin(core))


@per_value_cache(maxsize=1 << 14)
def person_name(text: str | None) -> PersonName:
    """A person's (cleaned) name: Latin script in title case."""
    if text is None:
        return PersonName(None, None, None)
    name = squeeze_cjk_spaces(simplify(text))
    if _HAS_CJK.search(name) is None:
        name = name.title()
    return PersonName(name, name, pinyin(name))


def split_company_names(names: pd.Series) -> pd.DataFrame:
    """`company_name` of a column: columns name, name_core, legal_form, reg_place,
    branch, name_romanised."""
    return map_distinct_fields(names, company_name, CompanyName._fields)


def standardise_person_names(names: pd.Series) -> pd.DataFrame:
    """`person_name` of a column: columns name, name_core, name_romanised."""
    return map_distinct_fields(names, person_name, PersonName._fields)
