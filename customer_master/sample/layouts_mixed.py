"""Layouts of the departments holding companies and persons: channel and after-sales."""
from __future__ import annotations

import datetime as dt

from . import formats, variants
from .departments import Entry
from .entities import Company, random_date
from .contacts import shown_email
from .rowkit import (CUSTOMER_SHEET_PRIMARY, Context, blank_line, contact_cells, data_line, ensure_one, filled,
                     header_line, keep_company_ids, maybe, sprinkle_blanks)
from .writers import Line, Sheet, Table

# Each distributor uses its own template. Keys are the generator's field names,
# values the header text in that distributor's file (order = column order).
CHANNEL_FILES = {
    "east": ("channel/经销商_华东_2026Q3.xlsx", {
        "seq": "序号", "name": "公司名称", "contact": "联系人", "title": "职务", "mobile": "手机号码", "phone": "联系电话",
        "email": "电子邮箱", "address": "详细地址", "note": "备注"}),
    "north": ("channel/经销商_华北_2026Q3.xlsx", {
        "name": "单位名称", "contact": "联系人", "title": "职位", "mobile": "手机号码", "phone": "联系电话",
        "email": "电子邮箱", "address": "详细地址", "city": "所在城市"}),
    "south": ("channel/distributor_south.xlsx", {
        "name": "Customer Name", "contact": "Contact", "title": "Title", "mobile": "Mobile", "email": "Email", "address": "Address",
        "city": "City", "tax_id": "Tax ID", "updated": "Last Updated"}),
    "west": ("channel/distributor_west.xlsx", {
        "name": "Company Name", "contact": "Contact Person", "title": "Job Title", "mobile": "Mobile Phone",
        "phone": "Telephone", "email": "E-mail", "address": "Address", "city": "City", "tax_id": "Tax ID",
        "parent": "Parent Company"}),
}
ENGLISH_REGIONS = ("south", "west")
NOTES = (
    "说明：",
    "1. 本表由华东区经销商整理提供，数据截至2026年9月30日。",
    "2. “上海客户”与“其他地区客户”两个工作表分别统计，请勿重复录入。",
    "3. 手机号码如有变更，以最新登记为准；如有疑问请联系渠道部。",
)
CHANNEL_NOTES = ("", "", "", "老客户", "季度返利", "需开专票", "新签约", "暂停供货")

AFTER_SALES_HEADERS = ["工单号", "客户", "客户类型", "联系人", "联系电话", "邮箱", "地址", "报修日期", "问题描述"]
ISSUES = ("设备无法开机", "更换配件", "安装调试", "退换货", "发票问题", "上门维修", "咨询使用方法",
          "物流破损", "延保申请", "软件升级")


def _channel_row(rng, side, ctx: Context, entry: Entry, region: str) -> dict:
    """side: the contact stream. The row's "contact_id" is the company contact it names."""
    e, english = entry.entity, region in ENGLISH_REGIONS
    row = {"note": rng.choice(CHANNEL_NOTES), "address": maybe(rng, variants.address(rng, e), 0.12)}
    city = e.city.pinyin if english and rng.random() < 0.4 else variants.city(rng, e)
    row["city"] = maybe(rng, city, 0.05)
    if isinstance(e, Company):
        k, contact, title = contact_cells(side, e, 0.25, english=english, primary_share=CUSTOMER_SHEET_PRIMARY)
        mail = shown_email(e, k)
        row.update(
            name=variants.company_name(rng, e, ctx.brands, english=english),
            contact=maybe(rng, variants.contact_name(rng, contact), 0.10),
            mobile=maybe(rng, formats.mobile(rng, k.mobile), 0.12),
            phone=maybe(rng, formats.landline(rng, e.city.area_code, e.local_number,
                                              " ext. " if english else "转"), 0.30),
            email=maybe(rng, mail and formats.email(rng, mail), 0.30),
            updated=random_date(rng, dt.date(2026, 1, 1), dt.date(2026, 9, 30)),
        )
        row["tax_id"] = maybe(rng, variants.uscc(rng, e.uscc, allow_typo=bool(row["mobile"] or row["phone"])), 0.40)
        keep_company_ids(row, e, k, {"tax_id": lambda: e.uscc,
                                     "phone": lambda: f"{e.city.area_code}-{e.local_number}"})
        row["title"] = title if filled(row["contact"]) else ""
        row["contact_id"] = k.contact_id if filled(row["contact"]) else ""
        row["parent"] = maybe(side, e.head and variants.company_name(side, e.head, ctx.brands, english=english), 0.2)
        fillers = {"mobile": lambda: k.mobile, "email": lambda: mail}
        if "phone" in CHANNEL_FILES[region][1]:
            fillers["phone"] = lambda: f"{e.city.area_code}-{e.local_number}"
        if "tax_id" in CHANNEL_FILES[region][1]:
            fillers["tax_id"] = lambda: e.uscc
    else:
        # Individual shop owners: the person's own name stands in the company column.
        name = variants.person_name(rng, e)
        row.update(name=name, contact=name.strip() if rng.random() < 0.4 else "",
                   mobile=maybe(rng, formats.mobile(rng, e.mobile), 0.05),
                   email=maybe(rng, e.email and formats.email(rng, e.email), 0.40),
                   updated=random_date(rng, dt.date(2026, 1, 1), dt.date(2026, 9, 30)))
        fillers = {"mobile": lambda: e.mobile, "email": lambda: e.email}
    # Only columns this distributor's template has can hold the identifier.
    ensure_one(rng, row, {k: v for k, v in fillers.items() if k in CHANNEL_FILES[region][1]})
    return row


def _channel_lines(rng, side, ctx: Context, entries: list[Entry], region: str) -> list[Line]:
    fields = CHANNEL_FILES[region][1]
    headers = list(fields.values())
    lines = []
    for n, entry in enumerate(entries, 1):
        row = _channel_row(rng, side, ctx, entry, region)
        row["seq"] = n
        named = {fields[k]: v for k, v in row.items() if k in fields}
        # A no-name row also loses its contact: with party_type auto a contact could pass for a person's name.
        lines.append(data_line(headers, named, entry, (fields["name"], fields["contact"]),
                               contact_id=row.get("contact_id", "")))
    return lines


def build_channel(ctx: Context, entries: list[Entry]) -> list[Table]:
    rng = ctx.rng("channel")
    side = ctx.rng("channel:contacts")
    by_region: dict[str, list[Entry]] = {r: [] for r in CHANNEL_FILES}
    for entry in entries:
        by_region[entry.entity.city.region].append(entry)
    tables = []
    for region, (path, fields) in CHANNEL_FILES.items():
        headers = list(fields.values())
        source_entries = by_region[region]
        if region == "east":
            # Two customer sheets in one workbook, plus a notes sheet without any header.
            shanghai = [e for e in source_entries if e.entity.city.name == "上海"]
            others = [e for e in source_entries if e.entity.city.name != "上海"]
            sheets = [Sheet("上海客户", [header_line(headers)] + _channel_lines(rng, side, ctx, shanghai, region)),
                      Sheet("其他地区客户", [header_line(headers)] + _channel_lines(rng, side, ctx, others, region)),
                      Sheet("说明", [Line([text], "notes") for text in NOTES])]
        elif region == "north":
            # Two exports pasted one under the other: the header repeats mid-sheet.
            body = _channel_lines(rng, side, ctx, source_entries, region)
            cut = len(body) * 3 // 5
            body = body[:cut] + [blank_line(), header_line(headers)] + body[cut:]
            sheets = [Sheet("Sheet1", [header_line(headers)] + body)]
        else:
            body = sprinkle_blanks(rng, _channel_lines(rng, side, ctx, source_entries, region), 1 if region == "west" else 0)
            sheets = [Sheet("Customers" if region == "south" else "Sheet1", [header_line(headers)] + body)]
        tables.append(Table("channel", path, sheets))
    if ctx.world is not None:
        from .layouts_crm import build_distributors
        tables += build_distributors(ctx)
    return tables


def build_after_sales(ctx: Context, entries: list[Entry]) -> list[Table]:
    rng = ctx.rng("after_sales")
    h = AFTER_SALES_HEADERS
    lines = []
    for n, entry in enumerate(entries, 1):
        e = entry.entity
        row = {"工单号": f"SH2026{n:05d}", "地址": maybe(rng, variants.address(rng, e), 0.15),
               "报修日期": formats.date_text(rng, random_date(rng, dt.date(2026, 1, 1), dt.date(2026, 10, 31)),
                                         ("iso", "iso", "slash")),
               "问题描述": rng.choice(ISSUES)}
        if isinstance(e, Company):
            phone = formats.mobile(rng, e.contact_mobile) if rng.random() < 0.5 else \
                formats.landline(rng, e.city.area_code, e.local_number)
            row.update({"客户": variants.company_name(rng, e, ctx.brands), "客户类型": maybe(rng, "企业", 0.06),
                        "联系人": maybe(rng, variants.contact_name(rng, e.contact_name), 0.2),
                        "联系电话": maybe(rng, phone, 0.05),
                        "邮箱": maybe(rng, e.email and formats.email(rng, e.email), 0.5)})
            fillers = {"联系电话": lambda: e.contact_mobile, "邮箱": lambda: e.email}
        else:
            row.update({"客户": variants.person_name(rng, e), "客户类型": maybe(rng, "个人", 0.06),
                        "联系电话": maybe(rng, formats.mobile(rng, e.mobile), 0.03),
                        "邮箱": maybe(rng, e.email and formats.email(rng, e.email), 0.5)})
            fillers = {"联系电话": lambda: e.mobile, "邮箱": lambda: e.email}
        ensure_one(rng, row, fillers)
        lines.append(data_line(h, row, entry, ("客户", "联系人")))
    # A row of bare commas, as left behind by a deleted spreadsheet row.
    body = sprinkle_blanks(rng, lines, 1)
    for line in body:
        if line.kind == "blank":
            line.cells = [""] * len(h)
    sheet = Sheet("", [header_line(h)] + body)
    return [Table("after_sales", "after_sales/售后服务记录_2026.csv", [sheet], encoding="utf-8", newline="\n")]
