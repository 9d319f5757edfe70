"""Company and person names into the parts matching compares.

A company name is split into its registration place (北京华信科技有限公司 or
华信(北京)科技有限公司 -> 北京), its legal form (有限公司, Co., Ltd.), a branch
marker (上海分公司, Branch) and the core that remains (华信科技). A branch is a
different customer from its head office, so the branch part stays with the core."""

from __future__ import annotations

import re

import pandas as pd

from customer_master.standardise.places import PLACE_ALTERNATION, BRACKETED_PLACE, LEADING_PLACE
from customer_master.standardise.text import romanised, simplified, squeeze_cjk_spaces
from customer_master.standardise.values import on_distinct

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
_HAS_CJK = re.compile(r"[\u3400-\u9fff]")


def split_company_names(names: pd.Series) -> pd.DataFrame:
    """Columns: name (cleaned display form), name_core, legal_form, reg_place, branch,
    name_romanised (of the core, for fuzzy comparison)."""
    return on_distinct(names, _split_company_names)


def _only_where(mask: pd.Series, values: pd.Series, change) -> pd.Series:
    """change(values) where mask holds, values elsewhere; change runs on those rows only."""
    if not mask.any():
        return values
    out = values.copy()
    out[mask] = change(values[mask])
    return out


def _split_company_names(names: pd.Series) -> pd.DataFrame:
    name = squeeze_cjk_spaces(simplified(names).astype("string"))
    cjk = name.str.contains(_HAS_CJK).fillna(False)
    parts = pd.DataFrame(index=names.index)
    parts["name"] = name.astype(object).where(name.notna(), None)

    work = _only_where(cjk, name.str.lower(), lambda _: name[cjk].str.replace(r"\s+", "", regex=True))
    # English names: N.V. / Co., Ltd. -> tokens, so the legal-form pattern sees them
    work = _only_where(~cjk, work, lambda w: w.str.replace(r"\b([a-z])\.\s?(?=[a-z]\b\.?)", r"\1", regex=True)
                       .str.replace(".", " ", regex=False).str.replace(r"\s+", " ", regex=True).str.strip())

    bracketed = work.where(work.str.contains("(", regex=False).fillna(False)).str.extract(BRACKETED_PLACE)["place"]
    work = _only_where(bracketed.notna(), work, lambda w: w.str.replace(BRACKETED_PLACE, "", regex=True))
    # with a place in brackets (安康(北京)医药) the name starts with its brand, even
    # when the brand is also a place name
    leading = work.where(cjk & bracketed.isna()).str.extract(LEADING_PLACE)["place"]
    work = _only_where(leading.notna(), work, lambda w: w.str.replace(LEADING_PLACE, "", n=1, regex=True))
    parts["reg_place"] = bracketed.fillna(leading).astype(object).where(lambda s: s.notna(), None)

    found = work.where(cjk & work.str.contains(_BRANCH_MARKERS).fillna(False)).str.extract(_CN_BRANCH)
    branch_cn = found["after_legal"].fillna(found["placed"]).fillna(found["bare"])
    branch_en = work.where(~cjk).str.extract(_EN_BRANCH)["branch"]
    branch = branch_cn.fillna(branch_en)
    work = _only_where(branch.notna(), work,
                       lambda w: w.str.replace(_CN_BRANCH, "", regex=True).str.replace(_EN_BRANCH, "", regex=True))
    parts["branch"] = branch.astype(object).where(branch.notna(), None)

    legal_cn = work.where(cjk).str.extract(_CN_LEGAL)[0]
    legal_en = work.where(~cjk).str.extract(r"(?P<legal>" + _EN_LEGAL.pattern + ")", flags=re.IGNORECASE)["legal"]
    legal = legal_cn.fillna(legal_en.str.strip(" ,"))
    work = work.str.replace(_CN_LEGAL, "", regex=True).str.replace(_EN_LEGAL, "", regex=True)
    parts["legal_form"] = legal.astype(object).where(legal.notna(), None)

    core = _only_where(~cjk, work, lambda w: w.str.replace(_EN_NOISE, " ", regex=True))
    core = core.str.replace(r"\s+", " ", regex=True).str.strip()
    core = _only_where(core.fillna("").eq(""), core, lambda c: name[c.index].str.replace(r"\s+", "", regex=True))
    parts["name_core"] = core.astype(object).where(core.notna(), None)
    parts["name_romanised"] = romanised(parts["name_core"])
    return parts


def standardise_person_names(names: pd.Series) -> pd.DataFrame:
    """Columns: name (simplified, no spaces between Chinese characters), name_romanised."""
    return on_distinct(names, _standardise_person_names)


def _standardise_person_names(names: pd.Series) -> pd.DataFrame:
    name = squeeze_cjk_spaces(simplified(names).astype("string"))
    cjk = name.str.contains(_HAS_CJK).fillna(False)
    name = name.where(cjk, name.str.title())
    out = pd.DataFrame({"name": name.astype(object).where(name.notna(), None)}, index=names.index)
    out["name_core"] = out["name"]
    out["name_romanised"] = romanised(out["name"])
    return out
