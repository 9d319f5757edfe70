"""Layouts of the person-only departments: e-commerce exports and retail stores."""
from __future__ import annotations

import datetime as dt

from . import formats, variants
from .departments import Entry
from .entities import random_date
from .rowkit import Context, data_line, ensure_one, header_line, maybe, sprinkle_blanks
from .writers import Cell, Line, Sheet, Table

MEMBERS_HEADERS = ["会员ID", "会员姓名", "手机号", "邮箱", "生日", "性别", "注册日期", "会员等级"]
ORDERS_HEADERS = ["订单号", "姓名", "手机号", "收货地址", "邮箱", "下单时间"]
LEVELS = ("普通会员", "普通会员", "普通会员", "银卡会员", "金卡会员", "钻石会员")

RETAIL_HEADERS = ["会员卡号", "姓名", "手机", "身份证号", "出生日期", "性别", "地址"]
# Store sheet -> the city it serves; customers from elsewhere register at any store.
STORES = (("上海徐汇店", "上海"), ("杭州西湖店", "杭州"), ("南京新街口店", "南京"), ("北京朝阳店", "北京"),
          ("广州天河店", "广州"), ("成都春熙路店", "成都"))


def _timestamp(rng, start: dt.date, end: dt.date) -> str:
    d = random_date(rng, start, end)
    return f"{d:%Y-%m-%d} {rng.randint(8, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"


def _mobile_text(rng, m: str) -> str:
    # Shops collect the mobile as the login, so it is mostly clean digits.
    return m if rng.random() < 0.8 else formats.mobile(rng, m)


def _member_line(rng, entry: Entry, n: int) -> Line:
    p = entry.entity
    sex = rng.random()
    row = {
        "会员ID": f"M{10000000 + n * 37:08d}",
        "会员姓名": variants.person_name(rng, p),
        "手机号": maybe(rng, _mobile_text(rng, p.mobile), 0.02),
        "邮箱": maybe(rng, p.email and formats.email(rng, p.email), 0.3),
        "生日": maybe(rng, formats.date_text(rng, p.birth_date, ("compact", "compact", "iso")), 0.12),
        "性别": "" if sex < 0.1 else "保密" if sex < 0.13 else variants.gender(rng, p.gender),
        "注册日期": _timestamp(rng, p.joined, dt.date(2026, 10, 31)),
        "会员等级": rng.choice(LEVELS),
    }
    ensure_one(rng, row, {"手机号": lambda: p.mobile, "邮箱": lambda: p.email})
    return data_line(MEMBERS_HEADERS, row, entry, ("会员姓名",))


def _order_line(rng, entry: Entry, n: int) -> Line:
    p = entry.entity
    row = {
        "订单号": f"{2026_0000_0000 + n * 7919}",
        "姓名": variants.person_name(rng, p),
        "手机号": maybe(rng, _mobile_text(rng, p.mobile), 0.02),
        "收货地址": maybe(rng, variants.address(rng, p), 0.03),
        "邮箱": maybe(rng, p.email and formats.email(rng, p.email), 0.6),
        "下单时间": _timestamp(rng, dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
    }
    ensure_one(rng, row, {"手机号": lambda: p.mobile, "邮箱": lambda: p.email})
    return data_line(ORDERS_HEADERS, row, entry, ("姓名",))


def build_ecommerce(ctx: Context, entries: list[Entry]) -> list[Table]:
    rng = ctx.rng("ecommerce")
    members, orders = [], []
    seen: set[str] = set()
    for entry in entries:
        # A person listed twice usually shows up once in each export.
        second = entry.kind == "record" and entry.entity.entity_id in seen
        seen.add(entry.entity.entity_id)
        to_members = rng.random() < 0.55
        if second and rng.random() < 0.8:
            to_members = not to_members
        (members if to_members else orders).append(entry)
    member_lines = [_member_line(rng, e, n) for n, e in enumerate(members, 1)]
    order_lines = sprinkle_blanks(rng, [_order_line(rng, e, n) for n, e in enumerate(orders, 1)], 1)
    return [
        Table("ecommerce", "ecommerce/会员导出_20261101.csv",
              [Sheet("", [header_line(MEMBERS_HEADERS)] + member_lines)], encoding="utf-8-sig"),
        Table("ecommerce", "ecommerce/订单收货人_2026Q3.csv",
              [Sheet("", [header_line(ORDERS_HEADERS)] + order_lines)], encoding="utf-8-sig"),
    ]


def _birth_cell(rng, d: dt.date):
    r = rng.random()
    if r < 0.45:
        return d                                   # a real date cell
    if r < 0.65:
        return formats.excel_serial(d)             # a date that lost its format: 33000
    if r < 0.85:
        return formats.date_text(rng, d, ("dot", "iso", "slash", "compact"))
    return ""


def _retail_line(rng, entry: Entry, n: int, store_no: int) -> Line:
    p = entry.entity
    mobile = formats.mobile_cell(rng, p.mobile) if rng.random() < 0.3 else _mobile_text(rng, p.mobile)
    row = {
        "会员卡号": f"VIP{store_no}{n:05d}",
        "姓名": variants.person_name(rng, p),
        "手机": maybe(rng, mobile, 0.05),
        "身份证号": maybe(rng, variants.id_number(rng, p.id_number), 0.25),
        "出生日期": _birth_cell(rng, p.birth_date),
        "性别": maybe(rng, variants.gender(rng, p.gender), 0.05),
        "地址": maybe(rng, variants.address(rng, p), 0.2),
    }
    ensure_one(rng, row, {"手机": lambda: p.mobile, "身份证号": lambda: p.id_number})
    return data_line(RETAIL_HEADERS, row, entry, ("姓名",))


def build_retail_stores(ctx: Context, entries: list[Entry]) -> list[Table]:
    rng = ctx.rng("retail_stores")
    per_store: dict[str, list[Entry]] = {name: [] for name, _ in STORES}
    home = {city: name for name, city in STORES}
    for entry in entries:
        store = home.get(entry.entity.city.name)
        if store is None or rng.random() < 0.1:  # travellers and visitors
            store = rng.choice(STORES)[0]
        per_store[store].append(entry)
    sheets = []
    for store_no, (store, _) in enumerate(STORES, 1):
        lines = [_retail_line(rng, e, n, store_no) for n, e in enumerate(per_store[store], 1)]
        lines = sprinkle_blanks(rng, lines, rng.randint(1, 2))
        for line in lines:
            if line.kind == "data" and isinstance(line.cells[4], dt.date):
                line.cells[4] = Cell(line.cells[4], "yyyy-mm-dd")
        sheets.append(Sheet(store, [header_line(RETAIL_HEADERS)] + lines))
    return [Table("retail_stores", "retail_stores/门店会员登记表.xlsx", sheets)]
