"""Columns the comparisons need that are views of the standardised fields:
surname and given name (from their own columns, else split from the full name),
their romanised forms, the e-mail user name; and the whole frame the models
compare (`matching_frame`)."""

from __future__ import annotations

import pandas as pd

from customer_master.match.models import UNIQUE_ID
from customer_master.schemas.row_rules import RESIDENT_ID_SHAPE
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


def matching_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The columns the Splink models compare, from standardised rows (the match
    stage's input; the duplicate check builds the same for a new record)."""
    frame = rows[[UNIQUE_ID, "name", "name_core", "name_romanised", "branch", "reg_place", "uscc", "id_number",
                  "phone", "mobile", "email", "email_domain", "free_mail", "contact_name", "city", "postcode",
                  "address", "gender", "birth_date"]].copy()
    # where the company is registered: the place in its name, else its address's city
    frame["place"] = rows["reg_place"].fillna(rows["city"].str.removesuffix("市"))
    frame["birth_date"] = frame["birth_date"].astype("string")
    frame["email_user"] = email_user(rows["email"])
    postcode = rows["postcode"].astype("string").str.lower().str.strip()
    # the postal district: the outward code of a UK postcode (tq13 8df), else the first 4 characters
    frame["postcode_area"] = postcode.str.split(" ").str[0].where(postcode.str.contains(" "), postcode.str[:4])
    # a resident ID that passed its check character (validation blanked the others)
    # is proof of identity; other schemes' numbers may carry typos
    frame["resident_id"] = rows["id_number"].where(rows["id_number"].astype("string").str.match(RESIDENT_ID_SHAPE)
                                                   .fillna(False).astype(bool))
    frame = frame.join(person_name_parts(rows))
    return frame.reset_index(drop=True)


def match_input(standardised: pd.DataFrame, master_of: pd.Series) -> pd.DataFrame:
    """The matching frame of every accepted row with its type and master
    (master_of: row_key -> master_id): what the duplicate check scores against."""
    frame = matching_frame(standardised)
    frame.insert(0, "customer_type", standardised["customer_type"].to_numpy())
    frame.insert(0, "master_id", master_of.reindex(frame[UNIQUE_ID]).to_numpy())
    for column in frame.columns[frame.isna().all()]:  # all-empty columns stay text columns
        frame[column] = frame[column].astype("string")
    return frame
