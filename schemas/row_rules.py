"""The validation stage's rules as pandera schemas.

`IdentifiableRow`: a row that fails one of these cannot name a customer and is
quarantined with the check's name as its reason. `FieldFormats`: a failure is a
field issue; the row goes on with that field treated as missing."""

from __future__ import annotations

import re

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from customer_master.standardise.amounts import parse_amounts
from customer_master.standardise.dates import parse_dates
from customer_master.standardise.emails import standardise_emails
from customer_master.standardise.identifiers import clean_code, id_number_issue, scientific_issue, uscc_issue
from customer_master.standardise.phones import DEFAULT_REGION, phone_issues_of

TOTALS_ROW = re.compile(r"^\s*(?:合\s*计|总\s*计|小\s*计|共\s*计|总数|total|totals|grand total|subtotal|sum)\b\s*[:：]?", re.IGNORECASE)
HAS_LETTER = re.compile(r"[A-Za-z\u3400-\u9fff]")

NO_NAME = "no customer name"
# A row without a name that carries one of these can still be matched to a named
# row (an e-commerce account known by its phone, an after-sales call by its mobile):
# it goes on to matching, and is quarantined only if it matches no named row.
IDENTIFYING_FIELDS = ("email", "mobile", "phone", "id_number", "uscc")
NAMELESS_UNMATCHED = "no customer name, and its contacts match no named customer"
TOTALS = "totals row (合计/Total), not a customer"
NO_LETTERS = "name has no letters or Chinese characters"


class IdentifiableRow(pa.DataFrameModel):
    name: Series[str] = pa.Field(nullable=False)

    class Config:
        strict = False

    @pa.dataframe_check(name=TOTALS)
    def not_totals(cls, df: pd.DataFrame) -> Series[bool]:
        label = df["name"].fillna(df["first_cell"]).fillna("")
        return ~label.str.contains(TOTALS_ROW)

    @pa.check("name", name=NO_LETTERS)
    def has_letters(cls, name: Series[str]) -> Series[bool]:
        return name.isna() | name.fillna("").str.contains(HAS_LETTER)


# When a row breaks several rules, the reason given is the first of these.
REASON_PRIORITY = (TOTALS, NO_NAME, NO_LETTERS)


# The column validation adds: the region each row's phones are read for
# (standardise.phone_country); a frame without it is read for the default region.
PHONE_REGION = "phone_region"
PHONE_FIELDS = ("mobile", "phone")


def phone_issues(rows: pd.DataFrame, field: str) -> pd.Series:
    """Issue text per cell of a phone column, each read for its row's region. A
    number kept as its digits has a note here, not an error (phones.is_kept)."""
    regions = rows[PHONE_REGION] if PHONE_REGION in rows else DEFAULT_REGION
    return phone_issues_of(rows[field], regions)  # parsed once per class of equivalent numbers


# Issue text per field for a column of cells (None where valid or empty); used by
# the checks below and by the validation stage for the detailed message.


def email_issues(values: pd.Series) -> pd.Series:
    bad = ~standardise_emails(values)["valid"]
    return pd.Series(None, index=values.index, dtype=object).mask(bad, "not a valid email address")


def uscc_issues(values: pd.Series) -> pd.Series:
    return clean_code(values).map(uscc_issue, na_action="ignore").astype(object)


# Only numbers shaped like a mainland resident ID are checked; other schemes (a
# passport, another country's social security number) have no check we know.
RESIDENT_ID_SHAPE = r"^\d{14,17}[\dX]$"


def id_number_issues(values: pd.Series) -> pd.Series:
    codes = clean_code(values)
    resident = codes.str.match(RESIDENT_ID_SHAPE).fillna(False).astype(bool)
    issues = codes.where(resident).map(id_number_issue, na_action="ignore").astype(object)
    # any scheme's number in scientific notation lost its digits to Excel
    scientific = codes.str.contains("E", regex=False).fillna(False).astype(bool) & ~resident
    lost = codes.where(scientific).map(lambda code: scientific_issue(code, "ID number"), na_action="ignore")
    return issues.where(issues.notna(), lost.astype(object)).where(lambda s: s.notna(), None)


def date_issues(values: pd.Series) -> pd.Series:
    bad = values.notna() & parse_dates(values).isna()
    return pd.Series(None, index=values.index, dtype=object).mask(bad, "not a date")


def number_issues(values: pd.Series) -> pd.Series:
    bad = values.notna() & parse_amounts(values).isna()
    return pd.Series(None, index=values.index, dtype=object).mask(bad, "not a number")


FIELD_RULES = {
    "email": email_issues, "uscc": uscc_issues,
    "id_number": id_number_issues, "birth_date": date_issues, "created_at": date_issues,
    "updated_at": date_issues, "activity_date": date_issues, "amount": number_issues, "quantity": number_issues,
}


def _no_issue(rule):
    return lambda values: rule(values).isna()


def field_issues_of(rows: pd.DataFrame, field: str) -> pd.Series:
    """Issue text per row for one field (None where valid or empty)."""
    return phone_issues(rows, field) if field in PHONE_FIELDS else FIELD_RULES[field](rows[field])


def _phone_check(field: str) -> pa.Check:
    """Phones are read for their row's region, so their check sees the frame."""
    return pa.Check(lambda df: phone_issues(df, field).isna() if field in df else pd.Series(True, index=df.index),
                    name=f"{field} format")


FieldFormats = pa.DataFrameSchema(
    {field: pa.Column(object, nullable=True, required=False, checks=pa.Check(_no_issue(rule), name=f"{field} format"))
     for field, rule in FIELD_RULES.items()},
    checks=[_phone_check(field) for field in PHONE_FIELDS],
    strict=False,
    name="FieldFormats",
)
CHECKED_FIELDS = (*PHONE_FIELDS, *FIELD_RULES)
