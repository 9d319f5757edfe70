"""Columns the comparisons need that are views of the standardised fields:
surname and given name (from their own columns, else split from the full name),
their romanised forms, the e-mail user name."""

from __future__ import annotations

import pandas as pd

from customer_master.standardise.text import romanised, simplified

# Two-character surnames; any other Chinese name's surname is its first character.
COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
    "轩辕", "令狐", "端木", "澹台", "申屠", "钟离", "闻人", "赫连", "百里", "南宫", "西门", "呼延", "独孤",
)
_COMPOUND = "|".join(COMPOUND_SURNAMES)


def person_name_parts(rows: pd.DataFrame) -> pd.DataFrame:
    """first_name, last_name (lower-case for Latin script) and their romanised forms."""
    name = rows["name"].astype("string").str.strip()
    cjk = name.str.contains(r"[\u3400-\u9fff]").fillna(False)
    split_cjk = name.where(cjk).str.extract(rf"^(?P<last>{_COMPOUND}|.)(?P<first>.+)$")
    tokens = name.where(~cjk).str.lower().str.replace(r"[^\w\s'-]", " ", regex=True).str.split()
    derived_first = split_cjk["first"].fillna(tokens.str[0])
    derived_last = split_cjk["last"].fillna(tokens.str[-1].where(tokens.str.len() > 1))
    given = _own_column(rows, "first_name").fillna(derived_first)
    family = _own_column(rows, "last_name").fillna(derived_last)
    out = pd.DataFrame({"first_name": given.astype(object), "last_name": family.astype(object)}, index=rows.index)
    for column in ("first_name", "last_name"):
        out[column] = out[column].where(out[column].notna(), None)
        out[f"{column}_romanised"] = romanised(out[column])
    return out


def _own_column(rows: pd.DataFrame, column: str) -> pd.Series:
    if column not in rows:
        return pd.Series(pd.NA, index=rows.index, dtype="string")
    values = simplified(rows[column].astype("string").str.strip().replace("", pd.NA))
    values = values.astype("string")
    return values.where(values.str.contains(r"[\u3400-\u9fff]").fillna(False), values.str.lower())


def email_user(emails: pd.Series) -> pd.Series:
    user = emails.astype("string").str.split("@").str[0]
    return user.astype(object).where(user.notna(), None)
