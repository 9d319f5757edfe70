"""A contact's role from the job title: decision maker, purchaser, technical,
finance or user. The first keyword found wins; keywords of a function (采购,
财务, 技术) come before titles of rank (总监, 经理), so 技术总监 is technical and
财务总监 finance, while 总经理 and 董事长 decide."""

from __future__ import annotations

import re

import pandas as pd

from customer_master.standardise.values import on_distinct

DEFAULT_ROLE = "user"
# role -> keywords, tried in this order (case-insensitive; Latin words whole)
BUILT_IN_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("user", ("助理", "秘书", "assistant", "secretary")),
    ("finance", ("财务", "会计", "出纳", "结算", "cfo", "finance", "financial", "accountant", "accounting",
                 "cashier", "treasurer", "controller", "bookkeeper")),
    ("purchaser", ("采购", "采买", "供应链", "purchas\\w*", "procurement", "buyer", "sourcing")),
    ("technical", ("技术", "工程师", "研发", "信息", "it", "cto", "cio", "engineer\\w*", "technical", "developer")),
    ("decision_maker", ("董事长", "董事", "总经理", "总裁", "副总", "老板", "法人", "合伙人", "ceo", "president",
                        "chairman", "chairwoman", "chairperson", "owner", "founder", "general manager",
                        "managing director", "gm", "vp")),
)


def _pattern(keywords) -> re.Pattern:
    # a Latin keyword stands alone (IT in IT经理, not in "unit")
    parts = [rf"(?<![a-z]){k}(?![a-z])" if re.match(r"^[a-z]", k) else re.escape(k) for k in keywords]
    return re.compile("|".join(parts), re.IGNORECASE)


def contact_roles(titles: pd.Series, overrides: dict[str, str] | None = None) -> pd.Series:
    """Role per title (None where there is no title). overrides: keyword -> role,
    tried before the built-in keywords (settings.yaml, a source's contact_roles)."""
    rules = [(role, re.compile(re.escape(k), re.IGNORECASE)) for k, role in (overrides or {}).items()]
    rules += [(role, _pattern(keywords)) for role, keywords in BUILT_IN_KEYWORDS]

    def classify(values: pd.Series) -> pd.Series:
        role = pd.Series(None, index=values.index, dtype=object)
        text = values.fillna("")
        for name, pattern in rules:
            role = role.where(role.notna() | ~text.str.contains(pattern), name)
        return role.where(values.isna() | role.notna(), DEFAULT_ROLE)

    roles = on_distinct(titles, classify)
    return roles.astype(object).where(roles.notna(), None)
