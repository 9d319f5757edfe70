"""Standardisation stage: accepted rows -> the columns matching compares.

Column-wise pandas throughout; the library calls (phonenumbers, opencc, pypinyin)
run once per distinct value."""

from __future__ import annotations

import logging
import re

import pandas as pd

from customer_master.ingest.inbox import LINEAGE_COLUMNS
from customer_master.standardise.dates import parse_dates
from customer_master.standardise.emails import standardise_emails
from customer_master.standardise.identifiers import clean_code
from customer_master.standardise.names import split_company_names, standardise_person_names
from customer_master.standardise.phones import parse_phones
from customer_master.standardise.places import CITIES, LEADING_PLACE, city_of, province_of
from customer_master.standardise.text import clean_text, simplified

log = logging.getLogger(__name__)

_COMPANY_TYPE = re.compile(r"企业|公司|单位|法人|机构|company|corporate|business|b2b|org", re.IGNORECASE)
_PERSON_TYPE = re.compile(r"个人|自然人|会员|散客|person|individual|consumer|private|b2c", re.IGNORECASE)
_COMPANY_WORDS = re.compile(
    r"公司|集团|企业|厂$|商行|店$|中心$|研究院|研究所|事务所|合作社|工作室|经营部|门市部|医院|学校|大学|银行|协会"
    r"|\b(?:co|corp|corporation|company|inc|ltd|limited|llc|gmbh|plc|group|holdings?|bv|nv|ag|sa)\b",
    re.IGNORECASE)
_CJK_PERSON_NAME = re.compile(r"^[\u3400-\u9fff·]{2,4}$")

STANDARD_COLUMNS = [
    "row_key", *LINEAGE_COLUMNS, "trust_rank", "customer_type", "source_record_id",
    "name", "name_core", "name_romanised", "first_name", "last_name", "legal_form", "reg_place", "branch",
    "contact_name", "mobile", "phone", "phone_extension", "email", "email_domain", "free_mail",
    "address", "province", "city", "postcode", "uscc", "id_number", "birth_date", "gender",
    "created_at", "updated_at", "extra",
]


def standardise_rows(rows: pd.DataFrame) -> pd.DataFrame:
    out = rows[["row_key", *LINEAGE_COLUMNS, "trust_rank", "source_record_id", "extra"]].copy()
    text = {c: clean_text(rows[c]) for c in
            ("name", "contact_name", "address", "province", "city", "gender", "customer_type", "uscc", "id_number")}
    out["uscc"] = clean_code(text["uscc"]).astype(object).where(text["uscc"].notna(), None)
    out["id_number"] = clean_code(text["id_number"]).astype(object).where(text["id_number"].notna(), None)
    out["customer_type"] = _customer_type(rows, text)

    names = pd.concat([
        split_company_names(text["name"][out.customer_type.eq("company")]),
        standardise_person_names(text["name"][out.customer_type.eq("person")]),
    ]).reindex(rows.index)
    for column in ("name", "name_core", "name_romanised", "legal_form", "reg_place", "branch"):
        out[column] = names[column].astype(object).where(names[column].notna(), None) if column in names else None
    out["contact_name"] = simplified(text["contact_name"])
    for column in ("first_name", "last_name", "postcode"):  # persons' name parts, postal codes: as given
        out[column] = clean_text(rows[column]) if column in rows else None

    _add_phones(out, rows)
    emails = standardise_emails(rows["email"])
    out["email"], out["email_domain"], out["free_mail"] = emails["email"], emails["domain"], emails["free_mail"]
    _add_places(out, text, names)
    out["birth_date"] = parse_dates(rows["birth_date"]).dt.date
    out["created_at"] = parse_dates(rows["created_at"]).dt.date
    out["updated_at"] = parse_dates(rows["updated_at"]).dt.date
    out["gender"] = _gender(text["gender"])
    out = out.replace({pd.NaT: None})
    log.info("standardise: %d rows (%d companies, %d persons)", len(out),
             out.customer_type.eq("company").sum(), out.customer_type.eq("person").sum())
    return out[STANDARD_COLUMNS].reset_index(drop=True)


def _customer_type(rows: pd.DataFrame, text: dict[str, pd.Series]) -> pd.Series:
    """The source's party type when it sets one, else evidence from the row."""
    name = text["name"].fillna("")
    stated = text["customer_type"].fillna("")
    person_evidence = rows["id_number"].notna() | rows["birth_date"].notna() | rows["gender"].notna()
    guess = pd.Series("company", index=rows.index)
    guess = guess.mask(name.str.contains(_CJK_PERSON_NAME) | person_evidence, "person")
    guess = guess.mask(name.str.contains(_COMPANY_WORDS) | rows["uscc"].notna(), "company")
    guess = guess.mask(stated.str.contains(_PERSON_TYPE), "person").mask(stated.str.contains(_COMPANY_TYPE), "company")
    configured = rows["party_type"]
    return configured.where(configured.ne("auto"), guess)


def _add_phones(out: pd.DataFrame, rows: pd.DataFrame) -> None:
    """Departments put mobiles in the phone column and landlines in the mobile
    column; route each number by what it is."""
    mobile_cell, phone_cell = parse_phones(rows["mobile"]), parse_phones(rows["phone"])
    def pick(first: pd.Series, second: pd.Series) -> pd.Series:
        return first.where(first.notna(), second).astype(object).where(lambda s: s.notna(), None)

    mobile = lambda p: p["e164"].where(p["kind"].eq("mobile"))  # noqa: E731
    landline = lambda p: p["e164"].where(p["kind"].ne("mobile"))  # noqa: E731
    out["mobile"] = pick(mobile(mobile_cell), mobile(phone_cell))
    out["phone"] = pick(landline(phone_cell), landline(mobile_cell))
    out["phone_extension"] = pick(phone_cell["extension"], mobile_cell["extension"])


def _add_places(out: pd.DataFrame, text: dict[str, pd.Series], names: pd.DataFrame) -> None:
    """Province and city from their own columns, else from the start of the address
    (广东省深圳市… gives both), else (companies) from the registration place in the name."""
    address = simplified(text["address"])
    out["address"] = address
    first, second = _leading_places(address)
    from_address_city = first.where(first.isin(CITIES)).fillna(second.where(second.isin(CITIES)))
    province_key = _leading_places(text["province"])[0].fillna(_leading_places(text["city"])[0]).fillna(first)
    city_key = _leading_places(text["city"])[0].fillna(from_address_city)
    if "reg_place" in names:
        province_key = province_key.fillna(names["reg_place"])
        city_key = city_key.fillna(names["reg_place"])
    for column, key, lookup in (("province", province_key, province_of), ("city", city_key, city_of)):
        # a place outside China's divisions (Sydney, devon) keeps its own column's text
        value = key.map(lookup, na_action="ignore").fillna(text[column].str.lower())
        out[column] = value.astype(object).where(value.notna(), None)


def _leading_places(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The place a text starts with, and the place right after it."""
    text = values.astype("string")
    first = text.str.extract(LEADING_PLACE)["place"]
    rest = text.str.replace(LEADING_PLACE, "", n=1, regex=True).where(first.notna())
    return first, rest.str.extract(LEADING_PLACE)["place"]


def _gender(values: pd.Series) -> pd.Series:
    folded = values.astype("string").str.lower().str.strip()
    gender = folded.map({"男": "M", "m": "M", "male": "M", "先生": "M",
                         "女": "F", "f": "F", "female": "F", "女士": "F"}, na_action="ignore")
    return gender.astype(object).where(gender.notna(), None)
