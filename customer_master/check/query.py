"""A record to check, as the rows the index holds: standardised exactly as an
ingested row is, then the columns the models compare.

`query_rows` runs the record as a validated-row frame through `standardise_rows`
and `matching_frame`, the pipeline's own code (use it for many records at once;
it costs ~60 ms of pandas overhead per call, whatever the number of rows).
`query_record` / `query_values` give the same for one record of the check's
fields (name, phone, mobile, email, uscc, address, type) in well under a
millisecond: they call the rules themselves, the functions of one value the
stage applies per distinct value (`text.clean_value`, `names.company_name`,
`places.parse_place`, `stage.customer_type_of`, `phones.route_numbers`, ...),
on the given fields only, and skip the rules whose input is empty (dates, gender,
province and city columns, contact). This module only assembles the record;
tests/test_check_scoring.py holds the wiring to the stage's output."""

from __future__ import annotations

import logging
from functools import lru_cache

import pandas as pd

from customer_master.ingest.inbox import ROW_COLUMNS
from customer_master.match.features import (email_user_of, joined_name_words, matching_frame, name_acronym,
                                            name_in_either_order, name_parts_of, name_stems, place_of, rarest_word,
                                            subscriber_part)
from customer_master.standardise import stage
from customer_master.standardise.addresses import street_parts
from customer_master.standardise.emails import standardise_email
from customer_master.standardise.identifiers import clean_code_value
from customer_master.standardise.names import company_name, person_name
from customer_master.standardise.phone_country import region_of_cells
from customer_master.standardise.phones import parse_phone, route_numbers
from customer_master.standardise.places import parse_place, row_divisions
from customer_master.standardise.stage import customer_type_of
from customer_master.standardise.text import clean_value, pinyin, simplify

CUSTOMER_TYPES = ("company", "person")


def validated_rows(records: list[dict], row_keys: list[int] | None = None) -> pd.DataFrame:
    """Records (field -> text; customer_type company | person | None) as the
    validated rows standardisation reads (`ingest.inbox.ROW_COLUMNS`)."""
    rows = []
    for number, record in enumerate(records):
        row = {c: None for c in ROW_COLUMNS}
        row.update(row_key=row_keys[number] if row_keys else number,
                   # each record its own source: its phones' country is read from its own numbers
                   source=f"check {number}", file="", sheet="",
                   row_number=number, party_type=record.get("customer_type") or "auto", trust_rank=0,
                   extra="{}", raw="{}")
        for name, value in record.items():
            if name != "customer_type" and name in row:
                row[name] = _text(value)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=ROW_COLUMNS)
    return frame.astype({"row_key": "int64", "row_number": "int64", "trust_rank": "int64"})


def query_rows(records: list[dict], row_keys: list[int] | None = None) -> pd.DataFrame:
    """Reference: customer_type and the matching frame of each record."""
    standardised = standardised_rows(records, row_keys)
    # the check knows no inbox's word frequencies: a name's rarest word is its longest
    frame = matching_frame(standardised, frequencies={})
    frame.insert(0, "customer_type", standardised["customer_type"].to_numpy())
    return frame


def standardised_rows(records: list[dict], row_keys: list[int] | None = None) -> pd.DataFrame:
    logger = logging.getLogger("customer_master.standardise")
    level = logger.level
    logger.setLevel(logging.WARNING)  # no "standardise: 1 rows" line per check
    try:
        return stage.standardise_rows(validated_rows(records, row_keys))
    finally:
        logger.setLevel(level)


def query_record(name: str | None, phone: str | None = None, email: str | None = None, uscc: str | None = None,
                 address: str | None = None, customer_type: str | None = None, mobile: str | None = None,
                 row_key: int = 0) -> pd.DataFrame:
    """One record's customer_type and matching frame (one row), equal to
    `query_rows([{...}])` for these fields."""
    return pd.DataFrame([query_values(name, phone=phone, email=email, uscc=uscc, address=address,
                                      customer_type=customer_type, mobile=mobile, row_key=row_key)])


def query_values(name: str | None, phone: str | None = None, email: str | None = None, uscc: str | None = None,
                 address: str | None = None, customer_type: str | None = None, mobile: str | None = None,
                 row_key: int = 0) -> dict:
    """`query_record` as a dict (column -> value, None when missing): the check's
    fast path, the stage's rules called on the record's one value per field."""
    if customer_type not in (None, "auto", *CUSTOMER_TYPES):
        raise ValueError(f"customer type must be company or person, not {customer_type!r}")
    raw = {"name": _text(name), "phone": _text(phone), "mobile": _text(mobile), "email": _text(email),
           "uscc": _text(uscc), "address": _text(address)}
    text_name = clean_value(raw["name"])
    party_type = customer_type_of(customer_type or "auto", text_name, has_uscc=raw["uscc"] is not None)
    names = (company_name if party_type == "company" else person_name)(text_name)
    reg_place = getattr(names, "reg_place", None)

    # the phones' country read from the record's own numbers
    region = region_of_cells([raw[c] for c in ("phone", "mobile") if raw[c] is not None])
    cells = [parse_phone(raw[c], region)[:3] if raw[c] is not None else (None, None, None) for c in ("mobile", "phone")]
    mobile_value, phone_value, _ = route_numbers(*cells[0], *cells[1])
    email_value, email_domain, free_mail = standardise_email(raw["email"])

    address_value = simplify(clean_value(raw["address"]))
    address_province, address_city, address_district, rest = parse_place(address_value)
    _, city, _ = row_divisions(None, None, None, address_province, address_city, address_district, reg_place)
    house_number, street, unit = street_parts(rest if rest is not None else address_value) \
        if address_value is not None else (None, None, None)
    first_name, last_name = name_parts_of(names.name)

    record = {
        "customer_type": party_type, "row_key": row_key,
        "name": names.name, "name_core": names.name_core, "name_romanised": names.name_romanised,
        "branch": getattr(names, "branch", None), "reg_place": reg_place,
        "uscc": clean_code_value(clean_value(raw["uscc"])), "id_number": None,
        "phone": phone_value, "mobile": mobile_value, "email": email_value, "email_domain": email_domain,
        "free_mail": free_mail, "contact_name": None, "city": city, "postcode": None, "address": address_value,
        "legal_form": getattr(names, "legal_form", None), "house_number": house_number, "street": street,
        "unit": unit, "middle_name": None, "website": None, "gender": None, "birth_date": None,
        "phone_subscriber": subscriber_part(phone_value), "mobile_subscriber": subscriber_part(mobile_value),
        "name_words": joined_name_words(names.name_core), "name_stems": name_stems(names.name_core),
        "name_rare_word": rarest_word(names.name_core, {}),
        "name_acronym": name_acronym(names.name_core),
        "place": place_of(reg_place, city), "email_user": email_user_of(email_value),
        "postcode_area": None, "resident_id": None,
        "first_name": first_name, "last_name": last_name,
        "first_name_romanised": pinyin(first_name) if first_name is not None else None,
        "last_name_romanised": pinyin(last_name) if last_name is not None else None,
    }
    record["name_either_order"] = name_in_either_order(record["first_name_romanised"], record["last_name_romanised"])
    # one record is no common name (features.if_uncommon)
    record["name_if_uncommon"], record["name_either_order_if_uncommon"] = record["name"], record["name_either_order"]
    return {column: record[column] for column in _column_order()}


@lru_cache(maxsize=1)
def _column_order() -> tuple[str, ...]:
    """The reference's columns, in its order."""
    return tuple(query_rows([{"name": "x"}]).columns)


def _text(value) -> str | None:
    """A cell as ingest gives it: text, None when empty."""
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None
