"""Standardisation stage: accepted rows -> the columns matching compares.

Each rule is a function of one value (or of one row's few values), in the module
that owns it (`text.clean_value`, `names.company_name`, `emails.standardise_email`,
`places.parse_place`, `places.row_divisions`, `phones.route_numbers`,
`customer_type_of` here, ...); the duplicate check (`check.query`) calls the same
functions on the one record it checks. Here they are applied column-wise, once
per distinct value or distinct combination of values (`values.map_distinct`,
`map_distinct_fields`, `map_distinct_rows`); the library calls (phonenumbers,
opencc, pypinyin) run once per distinct value, and less where a whole class of
values provably gives the same answer (see phones.py and text.py). Its speed at a
million rows: `customer-master benchmark-standardise` (README, "Speed")."""

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
from customer_master.standardise.phones import parse_phones, route_numbers
from customer_master.standardise.places import parse_places, row_divisions
from customer_master.standardise.text import clean_text, simplified
from customer_master.standardise.values import map_distinct_rows

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


def customer_type_of(party_type: str | None, name: str | None, type_text: str | None = None,
                     person_evidence: bool = False, has_uscc: bool = False) -> str | None:
    """A row's customer type: the source's party type unless it is "auto"; else
    the row's type column (企业 / 个人 ...), else a company word in the (cleaned)
    name or a credit code, else a short Chinese name or a person's ID number,
    birthday or gender (person_evidence); company when nothing says."""
    if party_type != "auto":
        return party_type
    if type_text is not None and _COMPANY_TYPE.search(type_text):
        return "company"
    if type_text is not None and _PERSON_TYPE.search(type_text):
        return "person"
    if has_uscc or (name is not None and _COMPANY_WORDS.search(name)):
        return "company"
    if person_evidence or (name is not None and _CJK_PERSON_NAME.search(name)):
        return "person"
    return "company"


def _customer_type(rows: pd.DataFrame, text: dict[str, pd.Series]) -> pd.Series:
    """`customer_type_of` per row."""
    person_evidence = rows["id_number"].notna() | rows["birth_date"].notna() | rows["gender"].notna()
    return map_distinct_rows([rows["party_type"], text["name"], text["customer_type"], person_evidence,
                              rows["uscc"].notna()], customer_type_of)


def _add_phones(out: pd.DataFrame, rows: pd.DataFrame) -> None:
    """mobile, phone and phone_extension: each cell read for its row's phone
    region, then `phones.route_numbers` (each number to the column of its kind)."""
    regions = rows[PHONE_REGION] if PHONE_REGION in rows else phone_regions(rows)
    both = parse_phones(pd.concat([rows["mobile"], rows["phone"]], ignore_index=True),
                        pd.concat([regions, regions], ignore_index=True))
    cells = [both[column].iloc[part].set_axis(rows.index) for part in (slice(None, len(rows)), slice(len(rows), None))
             for column in ("e164", "kind", "extension")]
    routed = map_distinct_rows(cells, route_numbers, ["mobile", "phone", "phone_extension"])
    for column in routed.columns:
        out[column] = routed[column]


def _add_places(out: pd.DataFrame, text: dict[str, pd.Series], names: pd.DataFrame) -> None:
    """address (simplified), its divisions (`places.parse_place`: 广东省深圳市… gives
    both) and the rest; province, city and district from the own columns, the
    address and the registration place in the name (`places.row_divisions`); the
    building's parts."""
    address = simplified(text["address"])
    out["address"] = address
    in_address = parse_places(address)
    nothing = pd.Series(None, index=out.index, dtype=object)
    divisions = map_distinct_rows(
        [text["province"], text["city"], text.get("district", nothing), in_address["province"], in_address["city"],
         in_address["district"], names["reg_place"] if "reg_place" in names else nothing],
        row_divisions, ["province", "city", "district"])
    for column in divisions.columns:
        out[column] = divisions[column]
    out["address_rest"] = in_address["rest"]
    # the building: from the address after its divisions, or the sheet's own columns
    streets = parse_streets(in_address["rest"].where(in_address["rest"].notna(), address))
    for column in ("house_number", "street", "unit"):
        own = text.get(column)
        value = streets[column] if own is None else own.str.lower().fillna(streets[column])
        out[column] = value.astype(object).where(value.notna(), None)


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
