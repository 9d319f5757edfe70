"""Standardisation stage: accepted rows -> the columns matching compares.

Column-wise pandas (and pyarrow) throughout, on the distinct values of a column
(`values.on_distinct`); the library calls (phonenumbers, opencc, pypinyin) run once
per distinct value, and less where a whole class of values provably gives the
same answer (see phones.py and text.py). A million rows take about 33 s on two
cores: `customer-master benchmark-standardise`."""

from __future__ import annotations

import logging
import re

import pandas as pd

from customer_master.ingest.inbox import LINEAGE_COLUMNS
from customer_master.standardise.addresses import parse_streets
from customer_master.standardise.dates import parse_dates
from customer_master.standardise.emails import standardise_emails
from customer_master.standardise.identifiers import clean_code
from customer_master.standardise.names import split_company_names, standardise_person_names
from customer_master.schemas.row_rules import PHONE_REGION
from customer_master.standardise.phone_country import phone_regions
from customer_master.standardise.phones import parse_phones
from customer_master.standardise.places import city_of, district_in_city, parse_places, province_of
from customer_master.standardise.text import clean_text, simplified
from customer_master.standardise.values import on_distinct

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
    "address", "province", "city", "district", "address_rest", "house_number", "street", "unit", "postcode", "country",
    "middle_name", "website", "uscc", "id_number", "birth_date", "gender",
    "created_at", "updated_at", "contact_title", "business_area", "parent_name", "group_name", "extra",
]
# Free text kept as written (cleaned, simplified characters): who a contact is,
# what a company belongs to.
DESCRIPTIVE_FIELDS = ("contact_title", "business_area", "parent_name", "group_name")


def standardise_rows(rows: pd.DataFrame) -> pd.DataFrame:
    out = rows[["row_key", *LINEAGE_COLUMNS, "trust_rank", "source_record_id", "extra"]].copy()
    text = {c: clean_text(rows[c]) for c in
            ("name", "contact_name", "address", "province", "city", "gender", "customer_type", "uscc", "id_number",
             "district", "house_number", "street", "unit") if c in rows}
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
    for column in DESCRIPTIVE_FIELDS:
        out[column] = simplified(clean_text(rows[column])) if column in rows else None
    # persons' name parts, postal codes, countries: as given; a website by its host
    for column in ("first_name", "middle_name", "last_name", "postcode", "country"):
        out[column] = clean_text(rows[column]) if column in rows else None
    out["website"] = _website(clean_text(rows["website"])) if "website" in rows else None

    _add_phones(out, rows)
    emails = standardise_emails(rows["email"])
    out["email"], out["email_domain"], out["free_mail"] = emails["email"], emails["domain"], emails["free_mail"]
    _add_places(out, text, names)
    for column in ("birth_date", "created_at", "updated_at"):
        dates = parse_dates(rows[column])
        out[column] = dates.dt.date.astype(object).where(dates.notna(), None)
    out["gender"] = _gender(text["gender"])
    for column in out.columns[out.dtypes.eq(object)]:  # every missing value is None
        out[column] = out[column].where(out[column].notna(), None)
    log.info("standardise: %d rows (%d companies, %d persons)", len(out),
             out.customer_type.eq("company").sum(), out.customer_type.eq("person").sum())
    return out[STANDARD_COLUMNS].reset_index(drop=True)


def _customer_type(rows: pd.DataFrame, text: dict[str, pd.Series]) -> pd.Series:
    """The source's party type when it sets one, else evidence from the row."""
    def contains(values: pd.Series, pattern: re.Pattern) -> pd.Series:
        return on_distinct(values, lambda v: v.fillna("").str.contains(pattern)).to_numpy()

    person_evidence = rows["id_number"].notna() | rows["birth_date"].notna() | rows["gender"].notna()
    guess = pd.Series("company", index=rows.index)
    guess = guess.mask(contains(text["name"], _CJK_PERSON_NAME) | person_evidence, "person")
    guess = guess.mask(contains(text["name"], _COMPANY_WORDS) | rows["uscc"].notna(), "company")
    guess = guess.mask(contains(text["customer_type"], _PERSON_TYPE), "person")
    guess = guess.mask(contains(text["customer_type"], _COMPANY_TYPE), "company")
    configured = rows["party_type"]
    return configured.where(configured.ne("auto"), guess)


def _add_phones(out: pd.DataFrame, rows: pd.DataFrame) -> None:
    """Departments put mobiles in the phone column and landlines in the mobile
    column; route each number by what it is. A number kept as its digits (no
    valid number of its region) stays in the column it was written in."""
    regions = rows[PHONE_REGION] if PHONE_REGION in rows else phone_regions(rows)
    both = parse_phones(pd.concat([rows["mobile"], rows["phone"]], ignore_index=True),
                        pd.concat([regions, regions], ignore_index=True))
    mobile_cell = both.iloc[:len(rows)].set_axis(rows.index)
    phone_cell = both.iloc[len(rows):].set_axis(rows.index)

    def pick(first: pd.Series, second: pd.Series) -> pd.Series:
        return first.where(first.notna(), second).astype(object).where(lambda s: s.notna(), None)

    unverified = lambda p: p["e164"].where(p["kind"].eq("unverified"))  # noqa: E731
    mobile = lambda p: p["e164"].where(p["kind"].eq("mobile"))  # noqa: E731
    landline = lambda p: p["e164"].where(~p["kind"].isin(["mobile", "unverified"]))  # noqa: E731
    out["mobile"] = pick(pick(mobile(mobile_cell), mobile(phone_cell)), unverified(mobile_cell))
    out["phone"] = pick(pick(landline(phone_cell), landline(mobile_cell)), unverified(phone_cell))
    out["phone_extension"] = pick(phone_cell["extension"], mobile_cell["extension"])


def _add_places(out: pd.DataFrame, text: dict[str, pd.Series], names: pd.DataFrame) -> None:
    """Province and city from their own columns, else from the start of the address
    (广东省深圳市… gives both), else (companies) from the registration place in the
    name; district and the rest of the address from the address. A city (or
    district) from the address or the name is taken only when it lies in the
    province the row already has."""
    address = simplified(text["address"])
    out["address"] = address
    in_address = parse_places(address)
    in_province, in_city = parse_places(text["province"]), parse_places(text["city"])
    reg_place = names["reg_place"] if "reg_place" in names else pd.Series(None, index=out.index, dtype=object)
    reg_province = on_distinct(reg_place, lambda v: v.map(province_of, na_action="ignore"))
    reg_city = on_distinct(reg_place, lambda v: v.map(city_of, na_action="ignore"))

    province = in_province["province"].fillna(in_city["province"]).fillna(in_address["province"]).fillna(reg_province)
    city = in_city["city"].fillna(in_province["city"])
    for candidate_province, candidate_city in ((in_address["province"], in_address["city"]), (reg_province, reg_city)):
        fits = province.isna() | candidate_province.isna() | candidate_province.eq(province)
        city = city.fillna(candidate_city.where(fits))
    district = in_city["district"].fillna(in_address["district"])
    known = pd.DataFrame({"district": district, "city": city})
    fits = on_distinct_pairs(known, lambda d, c: district_in_city(d, c))
    district = district.where(city.isna() | fits)

    # a place outside China's divisions (Sydney, devon) keeps its own column's text
    province = province.fillna(text["province"].str.lower())
    city = city.fillna(text["city"].str.lower())
    own_district = simplified(text["district"]).str.lower() if "district" in text else None
    if own_district is not None:
        district = district.fillna(own_district)
    for column, value in (("province", province), ("city", city), ("district", district),
                          ("address_rest", in_address["rest"])):
        out[column] = value.astype(object).where(value.notna(), None)
    # the building: from the address after its divisions, or the sheet's own columns
    streets = parse_streets(in_address["rest"].where(in_address["rest"].notna(), address))
    for column in ("house_number", "street", "unit"):
        own = text.get(column)
        value = streets[column] if own is None else own.str.lower().fillna(streets[column])
        out[column] = value.astype(object).where(value.notna(), None)


def on_distinct_pairs(frame: pd.DataFrame, function) -> pd.Series:
    """function(a, b) per row of a two-column frame, once per distinct pair."""
    pairs = frame.astype(object).where(frame.notna(), None)
    key = pd.MultiIndex.from_frame(pairs)
    distinct = key.unique()
    lookup = pd.Series([function(a, b) for a, b in distinct], index=distinct, dtype=bool)
    return pd.Series(lookup.reindex(key).to_numpy(), index=frame.index)


def _website(values: pd.Series) -> pd.Series:
    """A website as its host without www. (http://www.HuaXin.com/about -> huaxin.com)."""
    host = values.str.lower().str.replace(r"^[a-z]+://", "", regex=True).str.split("/").str[0]
    host = host.str.removeprefix("www.").str.strip()
    return host.astype(object).where(host.fillna("").ne(""), None)


def _gender(values: pd.Series) -> pd.Series:
    folded = values.astype("string").str.lower().str.strip()
    gender = folded.map({"男": "M", "m": "M", "male": "M", "先生": "M",
                         "女": "F", "f": "F", "female": "F", "女士": "F"}, na_action="ignore")
    return gender.astype(object).where(gender.notna(), None)
