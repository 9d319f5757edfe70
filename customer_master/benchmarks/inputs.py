"""A large ingest-shaped table built in memory from the sample generator's parts.

The stage under test caches its library calls (phonenumbers, opencc, pypinyin)
per distinct value, so a benchmark input must have realistic numbers of distinct
values: copying the 3.5k sample rows 300 times would flatter it. Here every row
comes from one of several hundred thousand distinct entities (the sample's
`build_entities`, run for as many seeds as needed), typed the way the sample's
departments type them (`sample.variants`, `sample.formats`): each entity shows up
in 2-4 departments, a few twice in one, with its own spelling noise per row.

Known limits, against real data: the sample's vocabulary has 20 cities with 3-5
districts each and 69 brand characters (4,692 two-character brands, shared by
the seeds), so addresses spread over 72 districts and company names repeat more
than in a real registry; phones, e-mails, credit codes and ID numbers are drawn
per entity and are almost all distinct.
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pandas as pd

from customer_master.ingest.inbox import ROW_COLUMNS
from customer_master.sample import formats, variants
from customer_master.sample.departments import pick_spread, weighted_sample
from customer_master.sample.entities import Company, Person, build_entities, random_date
from customer_master.sample.vocab import BRAND_CHARS

# build_entities draws 2-character brands from BRAND_CHARS without repeats; stay
# well below the number of brands so the draw never stalls.
ENTITY_SCALE = 6.0
ROWS_PER_ENTITY = 2.6  # what the department spreads below give on average
NAMELESS_RATE = 0.001  # rows validation quarantines (name empty)
TOTALS_RATE = 0.0002   # 合计 / Total rows

COMPANY_SOURCES = {"key_accounts": 0.8, "channel": 1.2, "east_region": 2.0, "finance": 0.9, "after_sales": 0.6}
PERSON_SOURCES = {"ecommerce": 1.8, "retail_stores": 1.0, "channel": 0.08, "after_sales": 0.45}
COMPANY_SPREAD = {2: 50, 3: 35, 4: 15}
PERSON_SPREAD = {2: 60, 3: 40}
DUPLICATE_IN_SOURCE = 0.06
PARTY_TYPE = {"key_accounts": "company", "finance": "company", "east_region": "company",
              "retail_stores": "person", "ecommerce": "person", "channel": "auto", "after_sales": "auto"}
TRUST_RANK = {"key_accounts": 1, "finance": 2, "east_region": 3, "retail_stores": 4, "ecommerce": 5,
              "channel": 6, "after_sales": 7}
FILES = {"key_accounts": "key_accounts/大客户名录.xlsx", "finance": "finance/客户开户信息.xlsx",
         "east_region": "east_region/华东大区客户登记表.csv", "retail_stores": "retail_stores/门店会员登记表.xlsx",
         "ecommerce": "ecommerce/会员导出.csv", "channel": "channel/经销商.xlsx", "after_sales": "after_sales/售后服务记录.csv"}
_FIELDS = [c for c in ROW_COLUMNS if c not in ("row_key", "source", "file", "sheet", "row_number", "party_type",
                                               "trust_rank", "first_cell", "extra", "raw")]


def build_entities_for(rows: int, seed: int) -> tuple[list[Company], list[Person]]:
    """Enough distinct entities for about `rows` rows."""
    assert 600 * ENTITY_SCALE < 0.85 * len(BRAND_CHARS) * (len(BRAND_CHARS) - 1)
    companies: list[Company] = []
    persons: list[Person] = []
    n = 0
    while (len(companies) + len(persons)) * ROWS_PER_ENTITY < rows:
        c, p = build_entities(seed * 1000 + n, ENTITY_SCALE)
        companies += c
        persons += p
        n += 1
    return companies, persons


def build_rows(rows: int = 1_000_000, seed: int = 1) -> pd.DataFrame:
    """An ingest-shaped table (ROW_COLUMNS) of exactly `rows` rows."""
    companies, persons = build_entities_for(rows, seed)
    rng = random.Random(f"{seed}:benchmark-rows")
    brands = {c.brand for c in companies}
    records: list[tuple[str, dict]] = []
    entities: list[Company | Person] = companies + persons
    rng.shuffle(entities)
    for entity in entities:
        is_company = isinstance(entity, Company)
        weights = dict(COMPANY_SOURCES if is_company else PERSON_SOURCES)
        if is_company and entity.city.region != "east":
            del weights["east_region"]
        for source in weighted_sample(rng, weights, pick_spread(rng, COMPANY_SPREAD if is_company else PERSON_SPREAD)):
            for _ in range(2 if rng.random() < DUPLICATE_IN_SOURCE else 1):
                records.append((source, _row(rng, source, entity, brands)))
                if len(records) >= rows:
                    break
            if len(records) >= rows:
                break
        if len(records) >= rows:
            break
    if len(records) < rows:  # a shortfall of the estimate: top up with more rows of the same entities
        while len(records) < rows:
            entity = rng.choice(entities)
            source = rng.choice(list(COMPANY_SOURCES if isinstance(entity, Company) else PERSON_SOURCES))
            records.append((source, _row(rng, source, entity, brands)))
    for i in rng.sample(range(rows), round(rows * NAMELESS_RATE)):
        records[i][1]["name"] = None
    for i in rng.sample(range(rows), round(rows * TOTALS_RATE)):
        records[i] = (records[i][0], {"name": rng.choice(("合计", "小计", "Total"))})

    # raw only travels to quarantine; one JSON object per row, as ingest writes it
    raw = [json.dumps({"name": r.get("name")}, ensure_ascii=False) for _, r in records]
    return ingest_shaped([r for _, r in records], [s for s, _ in records], raw)


def ingest_shaped(records: list[dict], sources: list[str], raw: list[str] | None = None) -> pd.DataFrame:
    """Rows (field -> text) of the given sources as ingest hands them on (ROW_COLUMNS)."""
    frame = pd.DataFrame.from_records(records, columns=_FIELDS)
    source = pd.Series(sources, dtype=object)
    frame.insert(0, "row_key", pd.RangeIndex(len(frame), dtype="int64"))
    frame.insert(1, "source", source)
    frame.insert(2, "file", source.map(FILES))
    frame.insert(3, "sheet", "")
    frame.insert(4, "row_number", source.groupby(source).cumcount().astype("int64") + 2)
    frame.insert(5, "party_type", source.map(PARTY_TYPE))
    frame.insert(6, "trust_rank", source.map(TRUST_RANK).astype("int64"))
    frame["first_cell"] = frame["name"]
    frame["extra"] = "{}"
    frame["raw"] = raw if raw is not None else "{}"
    frame = frame[ROW_COLUMNS].astype({c: object for c in _FIELDS})
    for column in _FIELDS:  # ingest leaves an empty cell as None
        frame[column] = frame[column].where(frame[column].notna(), None)
    return frame


def distinct_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Distinct non-empty values per text column the standardise stage reads."""
    return {c: int(frame[c].nunique(dropna=True)) for c in
            ("name", "contact_name", "mobile", "phone", "email", "address", "province", "city", "uscc",
             "id_number", "birth_date", "gender", "created_at", "updated_at", "customer_type")}


# --- one row as a department types it (mirrors customer_master/sample/layouts_*.py) ---

def _maybe(rng: random.Random, value, blank_rate: float):
    if value is None or value == "" or rng.random() < blank_rate:
        return None
    return value


def _date(d: dt.date) -> str:
    """A date cell, as ingest turns it into text."""
    return d.isoformat()


def _timestamp(rng: random.Random, start: dt.date, end: dt.date) -> str:
    d = random_date(rng, start, end)
    return f"{d:%Y-%m-%d} {rng.randint(8, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"


def _mobile_text(rng: random.Random, m: str) -> str:
    return m if rng.random() < 0.8 else formats.mobile(rng, m)


def _row(rng: random.Random, source: str, e: Company | Person, brands: set[str]) -> dict:
    if isinstance(e, Company):
        return _company_row(rng, source, e, brands)
    return _person_row(rng, source, e)


def _company_row(rng: random.Random, source: str, c: Company, brands: set[str]) -> dict:
    landline = formats.landline(rng, c.city.area_code, c.local_number, " ext. " if rng.random() < 0.2 else "转")
    row = {"name": variants.company_name(rng, c, brands, english=source == "channel"),
           "contact_name": _maybe(rng, variants.contact_name(rng, c.contact_name), 0.1),
           "email": _maybe(rng, c.email and formats.email(rng, c.email), 0.3),
           "address": _maybe(rng, variants.address(rng, c), 0.1),
           "uscc": _maybe(rng, variants.uscc(rng, c.uscc, allow_typo=True), 0.15)}
    if source == "key_accounts":
        row.update(mobile=_maybe(rng, c.contact_mobile, 0.1), phone=_maybe(rng, landline, 0.2),
                   province=_maybe(rng, variants.province(rng, c), 0.05), city=_maybe(rng, variants.city(rng, c), 0.05),
                   updated_at=_date(random_date(rng, dt.date(2025, 1, 1), dt.date(2026, 10, 31))),
                   source_record_id=f"KA{rng.randrange(10**6):06d}")
    elif source == "east_region":
        row.update(mobile=_maybe(rng, formats.mobile_exported(rng, c.contact_mobile), 0.12),
                   phone=_maybe(rng, landline, 0.25),
                   province=_maybe(rng, variants.province(rng, c), 0.03), city=_maybe(rng, variants.city(rng, c), 0.03),
                   created_at=_maybe(rng, formats.date_text(rng, random_date(rng, dt.date(2019, 1, 1), dt.date(2026, 10, 31)),
                                                            ("slash", "slash", "cn", "iso")), 0.05))
    elif source == "finance":
        phone = formats.mobile(rng, c.contact_mobile) if rng.random() < 0.4 else landline
        opened = random_date(rng, dt.date(2024, 1, 1), dt.date(2026, 10, 31))
        row.update(phone=_maybe(rng, phone, 0.1),
                   created_at=_date(opened) if rng.random() < 0.85 else formats.date_text(rng, opened, ("dot", "slash", "iso")))
    elif source == "channel":
        row.update(mobile=_maybe(rng, formats.mobile(rng, c.contact_mobile), 0.12), phone=_maybe(rng, landline, 0.3),
                   city=_maybe(rng, c.city.pinyin if rng.random() < 0.2 else variants.city(rng, c), 0.05),
                   updated_at=_date(random_date(rng, dt.date(2026, 1, 1), dt.date(2026, 9, 30))))
    else:  # after_sales
        phone = formats.mobile(rng, c.contact_mobile) if rng.random() < 0.5 else landline
        row.update(phone=_maybe(rng, phone, 0.05), customer_type=_maybe(rng, "企业", 0.06),
                   created_at=formats.date_text(rng, random_date(rng, dt.date(2026, 1, 1), dt.date(2026, 10, 31)),
                                                ("iso", "iso", "slash")))
    return row


def _birth_cell(rng: random.Random, d: dt.date) -> str | None:
    r = rng.random()
    if r < 0.45:
        return _date(d)
    if r < 0.65:
        return str(formats.excel_serial(d))
    if r < 0.85:
        return formats.date_text(rng, d, ("dot", "iso", "slash", "compact"))
    return None


def _person_row(rng: random.Random, source: str, p: Person) -> dict:
    row = {"name": variants.person_name(rng, p)}
    if source == "ecommerce":
        if rng.random() < 0.55:  # member export
            sex = rng.random()
            row.update(mobile=_maybe(rng, _mobile_text(rng, p.mobile), 0.02),
                       email=_maybe(rng, p.email and formats.email(rng, p.email), 0.3),
                       birth_date=_maybe(rng, formats.date_text(rng, p.birth_date, ("compact", "compact", "iso")), 0.12),
                       gender=None if sex < 0.1 else "保密" if sex < 0.13 else variants.gender(rng, p.gender),
                       created_at=_timestamp(rng, p.joined, dt.date(2026, 10, 31)),
                       source_record_id=f"M{rng.randrange(10**8):08d}")
        else:  # order export
            row.update(mobile=_maybe(rng, _mobile_text(rng, p.mobile), 0.02),
                       address=_maybe(rng, variants.address(rng, p), 0.03),
                       email=_maybe(rng, p.email and formats.email(rng, p.email), 0.6),
                       created_at=_timestamp(rng, dt.date(2026, 7, 1), dt.date(2026, 9, 30)))
    elif source == "retail_stores":
        mobile = p.mobile if rng.random() < 0.3 else _mobile_text(rng, p.mobile)
        row.update(mobile=_maybe(rng, mobile, 0.05), id_number=_maybe(rng, variants.id_number(rng, p.id_number), 0.25),
                   birth_date=_birth_cell(rng, p.birth_date), gender=_maybe(rng, variants.gender(rng, p.gender), 0.05),
                   address=_maybe(rng, variants.address(rng, p), 0.2))
    elif source == "channel":
        row.update(contact_name=row["name"].strip() if rng.random() < 0.4 else None,
                   mobile=_maybe(rng, formats.mobile(rng, p.mobile), 0.05),
                   email=_maybe(rng, p.email and formats.email(rng, p.email), 0.4),
                   address=_maybe(rng, variants.address(rng, p), 0.12),
                   city=_maybe(rng, variants.city(rng, p), 0.05),
                   updated_at=_date(random_date(rng, dt.date(2026, 1, 1), dt.date(2026, 9, 30))))
    else:  # after_sales
        row.update(customer_type=_maybe(rng, "个人", 0.06), phone=_maybe(rng, formats.mobile(rng, p.mobile), 0.03),
                   email=_maybe(rng, p.email and formats.email(rng, p.email), 0.5),
                   address=_maybe(rng, variants.address(rng, p), 0.15),
                   created_at=formats.date_text(rng, random_date(rng, dt.date(2026, 1, 1), dt.date(2026, 10, 31)),
                                                ("iso", "iso", "slash")))
    return row
