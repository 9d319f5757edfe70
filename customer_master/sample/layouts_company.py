"""Layouts of the company-only departments: key accounts, East China office, finance."""
from __future__ import annotations

import datetime as dt

from . import formats, variants
from .departments import Entry
from .entities import random_date
from .contacts import shown_email
from .rowkit import (CUSTOMER_SHEET_PRIMARY, Context, blank_line, contact_cells, data_line, ensure_one, filled,
                     header_line, keep_company_ids, maybe, sprinkle_blanks, totals_line)
from .world import group_text
from .vocab import ACCOUNT_MANAGERS
from .writers import Cell, Line, Sheet, Table

KEY_ACCOUNTS_HEADERS = ["客户编号", "客户名称", "统一社会信用代码", "联系人", "职务", "负责业务", "手机", "电话",
                        "邮箱", "地址", "省份", "城市", "所属集团", "上级单位", "更新日期", "客户经理"]
EAST_REGION_HEADERS = ["客户名称", "纳税人识别号", "联系人", "职务", "手机", "座机", "邮箱", "所在省份", "所在城市",
                       "地址", "总公司", "登记日期"]
FINANCE_HEADERS = ["序号", "单位名称", "纳税人识别号", "开户日期", "Contact", "Title", "Phone", "Email", "开票地址",
                   "开户银行"]
BANKS = ("中国工商银行", "中国建设银行", "中国银行", "中国农业银行", "招商银行", "交通银行", "浦发银行", "兴业银行")


def _uscc_after_others(rng, row: dict, col: str, code: str, others: tuple[str, ...], blank_rate: float) -> None:
    # A mistyped USCC is only allowed when another identifier can still carry the row.
    allow_typo = any(row.get(o) for o in others)
    row[col] = maybe(rng, variants.uscc(rng, code, allow_typo=allow_typo), blank_rate)


def build_key_accounts(ctx: Context, entries: list[Entry]) -> list[Table]:
    rng = ctx.rng("key_accounts")
    side = ctx.rng("key_accounts:contacts")     # contacts, groups, parents: their own stream
    h = KEY_ACCOUNTS_HEADERS
    lines: list[Line] = []
    for n, entry in enumerate(entries, 1):
        c = entry.entity
        k, contact, title = contact_cells(side, c, 0.08, primary_share=CUSTOMER_SHEET_PRIMARY)
        mail = shown_email(c, k)
        row = {
            "客户编号": f"KA{n:04d}",
            "客户名称": variants.company_name(rng, c, ctx.brands),
            "联系人": maybe(rng, variants.contact_name(rng, contact), 0.05),
            # Typed into a General-format column, so Excel keeps the mobile as a number.
            "手机": maybe(rng, formats.mobile_cell(rng, k.mobile), 0.10),
            "电话": maybe(rng, formats.landline(rng, c.city.area_code, c.local_number), 0.20),
            "邮箱": maybe(rng, mail and formats.email(rng, mail), 0.20),
            "地址": maybe(rng, variants.address(rng, c), 0.08),
            "省份": maybe(rng, variants.province(rng, c), 0.05),
            "城市": maybe(rng, variants.city(rng, c), 0.05),
            "更新日期": random_date(rng, dt.date(2025, 1, 1), dt.date(2026, 10, 31)),
            "客户经理": rng.choice(ACCOUNT_MANAGERS),
        }
        _uscc_after_others(rng, row, "统一社会信用代码", c.uscc, ("手机", "电话", "邮箱"), 0.10)
        ensure_one(rng, row, {"统一社会信用代码": lambda: c.uscc, "手机": lambda: int(k.mobile),
                              "电话": lambda: f"{c.city.area_code}-{c.local_number}", "邮箱": lambda: mail})
        keep_company_ids(row, c, k, {"统一社会信用代码": lambda: c.uscc,
                                     "电话": lambda: f"{c.city.area_code}-{c.local_number}"})
        named = filled(row["联系人"])
        row["职务"] = title if named else ""
        row["负责业务"] = maybe(side, k.business_area, 0.6) if named else ""
        row["所属集团"] = maybe(side, c.group_name and group_text(side, c.group_name), 0.1)
        row["上级单位"] = maybe(side, c.head and variants.company_name(side, c.head, ctx.brands), 0.15)
        lines.append(data_line(h, row, entry, ("客户名称",), contact_id=k.contact_id if named else ""))
    lines = sprinkle_blanks(rng, lines, 2)
    data_rows = sum(1 for line in lines if line.kind == "data")
    title = [
        Line(["大客户名录 2026年10月"], "title"),
        Line([f"制表人：{rng.choice(ACCOUNT_MANAGERS)}  部门：大客户部"], "title"),
        blank_line(),
        header_line(h),
    ]
    footer = [totals_line(h, {"客户编号": data_rows, "客户名称": "合计"})]
    sheet = Sheet("大客户名录", title + lines + footer, merges=[f"A1:{chr(ord('A') + len(h) - 1)}1"])
    return [Table("key_accounts", "key_accounts/大客户名录_2026-10.xlsx", [sheet])]


def build_east_region(ctx: Context, entries: list[Entry]) -> list[Table]:
    rng = ctx.rng("east_region")
    side = ctx.rng("east_region:contacts")
    h = EAST_REGION_HEADERS
    lines = [header_line(h)]
    for entry in entries:
        c = entry.entity
        k, contact, title = contact_cells(side, c, 0.3, primary_share=CUSTOMER_SHEET_PRIMARY)
        mail = shown_email(c, k)
        row = {
            "客户名称": variants.company_name(rng, c, ctx.brands),
            "联系人": maybe(rng, variants.contact_name(rng, contact), 0.08),
            # Saved from a numeric Excel column: "13800138000.0" or "1.3800138E+10".
            "手机": maybe(rng, formats.mobile_exported(rng, k.mobile), 0.12),
            "座机": maybe(rng, formats.landline(rng, c.city.area_code, c.local_number), 0.25),
            "邮箱": maybe(rng, mail and formats.email(rng, mail), 0.30),
            "所在省份": maybe(rng, variants.province(rng, c), 0.03),
            "所在城市": maybe(rng, variants.city(rng, c), 0.03),
            "地址": maybe(rng, variants.address(rng, c), 0.10),
            "登记日期": maybe(rng, formats.date_text(rng, random_date(rng, dt.date(2019, 1, 1), dt.date(2026, 10, 31)),
                                                    ("slash", "slash", "cn", "iso")), 0.05),
        }
        _uscc_after_others(rng, row, "纳税人识别号", c.uscc, ("手机", "座机", "邮箱"), 0.12)
        ensure_one(rng, row, {"纳税人识别号": lambda: c.uscc, "手机": lambda: k.mobile,
                              "座机": lambda: f"{c.city.area_code}-{c.local_number}", "邮箱": lambda: mail})
        keep_company_ids(row, c, k, {"纳税人识别号": lambda: c.uscc,
                                     "座机": lambda: f"{c.city.area_code}-{c.local_number}"})
        named = filled(row["联系人"])
        row["职务"] = title if named else ""
        row["总公司"] = maybe(side, c.head and variants.company_name(side, c.head, ctx.brands), 0.3)
        lines.append(data_line(h, row, entry, ("客户名称",), contact_id=k.contact_id if named else ""))
    sheet = Sheet("", lines)
    return [Table("east_region", "east_region/华东大区客户登记表.csv", [sheet], encoding="gbk", newline="\r\n")]


def _finance_row(rng, side, ctx: Context, entry: Entry, n: int, opened: dt.date) -> tuple[dict, str]:
    """The row and the contact id it names ("" when the contact cell is empty)."""
    c = entry.entity
    k, contact, title = contact_cells(side, c, 0.2, english=True, primary_share=CUSTOMER_SHEET_PRIMARY)
    mail = shown_email(c, k)
    use_mobile = rng.random() < 0.4
    phone = formats.mobile(rng, k.mobile) if use_mobile else \
        formats.landline(rng, c.city.area_code, c.local_number)
    row = {
        "序号": n,
        "单位名称": variants.company_name(rng, c, ctx.brands),
        # Mostly real date cells; some typed as text by hand.
        "开户日期": opened if rng.random() < 0.85 else formats.date_text(rng, opened, ("dot", "slash", "iso")),
        "Contact": maybe(rng, variants.contact_name(rng, contact), 0.15),
        "Phone": maybe(rng, phone, 0.10),
        "Email": maybe(rng, mail and formats.email(rng, mail), 0.25),
        "开票地址": maybe(rng, variants.address(rng, c), 0.05),
        "开户银行": f"{rng.choice(BANKS)}{c.city.name}{c.district.replace('新区', '').rstrip('区')}支行",
    }
    _uscc_after_others(rng, row, "纳税人识别号", c.uscc, ("Phone", "Email"), 0.03)
    ensure_one(rng, row, {"纳税人识别号": lambda: c.uscc, "Phone": lambda: k.mobile, "Email": lambda: mail})
    keep_company_ids(row, c, k, {"纳税人识别号": lambda: c.uscc})
    named = filled(row["Contact"])
    row["Title"] = title if named else ""
    return row, k.contact_id if named else ""


def build_finance(ctx: Context, entries: list[Entry]) -> list[Table]:
    rng = ctx.rng("finance")
    side = ctx.rng("finance:contacts")
    h = FINANCE_HEADERS
    dated = sorted(((random_date(rng, dt.date(2024, 1, 1), dt.date(2026, 10, 31)), i, e) for i, e in enumerate(entries)),
                   key=lambda t: (t[0], t[1]))
    lines = [header_line(h)]
    n = 0
    # One block per year with a 小计 row after it, then a grand Total, as finance keeps it.
    for year in (2024, 2025, 2026):
        block = [(d, e) for d, _, e in dated if d.year == year]
        for d, entry in block:
            n += 1
            row, contact_id = _finance_row(rng, side, ctx, entry, n, d)
            lines.append(data_line(h, row, entry, ("单位名称",), contact_id=contact_id))
        lines.append(totals_line(h, {"单位名称": "小计", "开户日期": f"{year}年", "序号": len(block)}))
    lines.append(totals_line(h, {"单位名称": "Total", "序号": n}))
    # Date cells shown the way the finance team formats them.
    for line in lines:
        if line.kind == "data" and isinstance(line.cells[3], dt.date):
            line.cells[3] = Cell(line.cells[3], "yyyy/m/d")
    tables = [Table("finance", "finance/客户开户信息.xlsx", [Sheet("开户清单", lines)])]
    if ctx.world is not None:
        from .layouts_crm import build_receivables
        tables += build_receivables(ctx)
    return tables
