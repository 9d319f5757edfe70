"""A record to check, as the rows the index holds: standardised exactly as an
ingested row is, then the columns the models compare.

`query_rows` is the reference: the record as a validated-row frame through
`standardise_rows` and `matching_frame`, the same code the pipeline runs (use
it for many records at once; it costs ~60 ms of pandas overhead per call,
whatever the number of rows). `query_record` gives the same result for one record
of the check's fields (name, phone, mobile, email, uscc, address, type) in a
fraction of that: it calls the same standardisation functions on the given
fields only and skips the stages whose input is empty (dates, gender, province
and city columns, contact). tests/test_check.py holds the two to equality."""

from __future__ import annotations

import logging
from functools import lru_cache

import pandas as pd

from customer_master.ingest.inbox import ROW_COLUMNS
from customer_master.match.features import matching_frame, name_words, rarest_word, subscriber_part
from customer_master.standardise import stage
from customer_master.check import standard as std
from customer_master.standardise.addresses import street_parts
from customer_master.standardise.phone_country import region_of_numbers
from customer_master.standardise.phones import parse_phone
from customer_master.standardise.places import city_of, province_of

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
    fast path, plain Python on one value per field (see `check.standard`)."""
    if customer_type not in (None, "auto", *CUSTOMER_TYPES):
        raise ValueError(f"customer type must be company or person, not {customer_type!r}")
    raw = {"name": _text(name), "phone": _text(phone), "mobile": _text(mobile), "email": _text(email),
           "uscc": _text(uscc), "address": _text(address)}
    text_name, text_address, text_uscc = (std.clean_text(raw[f]) for f in ("name", "address", "uscc"))
    uscc_value = std.clean_code(text_uscc)

    # stage._customer_type for a row without id number, birthday, gender or type column
    party_type = customer_type or "auto"
    if party_type == "auto":
        guess = "company"
        if stage._CJK_PERSON_NAME.search(text_name or ""):
            guess = "person"
        if stage._COMPANY_WORDS.search(text_name or "") or raw["uscc"] is not None:
            guess = "company"
        party_type = guess
    names = (std.company_name if party_type == "company" else std.person_name)(text_name)
    reg_place = names.get("reg_place")

    # stage._add_phones: each number read for the country its digits fit, routed by what it is
    region = region_of_numbers(pd.Series([raw["phone"], raw["mobile"]], dtype=object))
    mobile_cell = parse_phone(raw["mobile"], region) if raw["mobile"] is not None else (None, None, None, None)
    phone_cell = parse_phone(raw["phone"], region) if raw["phone"] is not None else (None, None, None, None)
    as_mobile = lambda p: p[0] if p[1] == "mobile" else None  # noqa: E731
    as_landline = lambda p: p[0] if p[1] not in ("mobile", "unverified") else None  # noqa: E731
    as_written = lambda p: p[0] if p[1] == "unverified" else None  # noqa: E731
    mobile_value = _first(as_mobile(mobile_cell), as_mobile(phone_cell), as_written(mobile_cell))
    phone_value = _first(as_landline(phone_cell), as_landline(mobile_cell), as_written(phone_cell))

    email_value, email_domain, free_mail = std.email(raw["email"])

    # stage._add_places without province and city columns
    address_value = std.simplified(text_address)
    in_province, in_city, in_district, rest = std.places(address_value)
    house_number, street, unit = street_parts(rest if rest is not None else address_value) \
        if address_value is not None else (None, None, None)
    reg_province = province_of(reg_place) if reg_place is not None else None
    reg_city = city_of(reg_place) if reg_place is not None else None
    province = _first(in_province, reg_province)
    city = None
    for candidate_province, candidate_city in ((in_province, in_city), (reg_province, reg_city)):
        if city is None and (province is None or candidate_province is None or candidate_province == province):
            city = candidate_city

    # features.matching_frame
    record = {
        "customer_type": party_type, "row_key": row_key,
        "name": names["name"], "name_core": names["name_core"], "name_romanised": names["name_romanised"],
        "branch": names.get("branch"), "reg_place": reg_place, "uscc": uscc_value, "id_number": None,
        "phone": phone_value, "mobile": mobile_value, "email": email_value, "email_domain": email_domain,
        "free_mail": free_mail, "contact_name": None, "city": city, "postcode": None, "address": address_value,
        "legal_form": names.get("legal_form"), "house_number": house_number, "street": street, "unit": unit,
        "middle_name": None, "website": None, "gender": None, "birth_date": None,
        "phone_subscriber": subscriber_part(phone_value), "mobile_subscriber": subscriber_part(mobile_value),
        "name_words": " ".join(name_words(names["name_core"])) or None if names["name_core"] else None,
        "name_rare_word": rarest_word(names["name_core"], {}),
        "place": reg_place if reg_place is not None else (city.removesuffix("市") if city is not None else None),
        "email_user": email_value.split("@")[0] if email_value is not None else None,
        "postcode_area": None, "resident_id": None,
    }
    record.update(std.name_parts(names["name"]))
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


def _first(*values):
    return next((v for v in values if v is not None), None)
