"""Layouts of the Customer 360 sheets: finance's receivables, the distributor and
supplier lists, the sales follow-up log (interactions) and the sales document
lines (transactions).

Each sheet draws from its own random stream (Context.rng), so adding or changing
one leaves every other file as it was. Activity rows name their customer the way
sales types it (variants.py), sometimes with a phone or a credit code.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from . import formats, variants
from .activity import Buyer
from .contacts import Contact, shown_email
from .entities import Company, Person, random_date
from .rowkit import Context, blank_line, contact_cells, ensure_one, filled, header_line, maybe, sprinkle_blanks
from .vocab_crm import CHANNELS, CONTENT, INTERACTION_TYPES, NEXT_ACTIONS, OUTCOMES, PRODUCTS, STAFF
from .world import ACTIVITY_START, World
from .writers import Cell, Line, Sheet, Table, Truth

RECEIVABLES_PATH = "finance/应收账款明细_2026-11.xlsx"
RECEIVABLES_HEADERS = ["序号", "客户名称", "统一社会信用代码", "联系人", "职务", "联系电话", "应收金额", "账龄",
                       "最近发货日期", "业务员", "备注"]
DISTRIBUTORS_PATH = "channel/经销商名录_2026.xlsx"
DISTRIBUTOR_HEADERS = ["经销商编码", "经销商名称", "统一社会信用代码", "联系人", "职务", "手机", "电话", "邮箱",
                       "地址", "代理区域", "合作等级", "签约日期"]
SUPPLIERS_PATH = "purchasing/供应商名录.xlsx"
SUPPLIER_HEADERS = ["供应商编码", "供应商名称", "纳税人识别号", "联系人", "职位", "联系电话", "邮箱", "地址",
                    "供货类别", "付款条件", "开户银行"]
INTERACTIONS_PATH = "sales/客户跟进记录.xlsx"
INTERACTION_HEADERS = ["跟进日期", "客户名称", "联系人", "联系电话", "沟通方式", "事项类型", "沟通内容", "结果",
                       "下一步", "跟进人"]
TRANSACTIONS_PATH = "sales/销售单据明细_2024-2026.xlsx"
TRANSACTION_HEADERS = ["单据日期", "单据类型", "单据编号", "客户名称", "统一社会信用代码", "联系电话", "产品名称",
                       "数量", "金额", "业务员", "备注"]

# Headers the alias table does not know; sources.yaml maps them (columns:).
NAME_COLUMNS = {"channel": {"经销商名称": "name"}, "purchasing": {"供应商名称": "name"}}

DOC_PREFIX = {"报价": "QT", "合同": "HT", "订单": "SO", "发货": "DN", "回款": "RC"}
AGING = ((30, "30天以内"), (90, "31-90天"), (180, "91-180天"), (10**6, "180天以上"))
DISTRIBUTOR_LEVELS = ("一级经销商", "二级经销商", "核心经销商", "普通经销商")
SUPPLY_CATEGORIES = ("电子元器件", "包装材料", "办公用品", "物流服务", "IT设备", "原材料", "外包服务", "劳保用品")
PAYMENT_TERMS = ("月结30天", "月结60天", "货到付款", "预付30%", "季度结算")
BANKS = ("中国工商银行", "中国建设银行", "中国银行", "招商银行", "交通银行", "兴业银行")
REGIONS = {"east": "华东", "north": "华北", "south": "华南", "west": "西南"}
NO_CUSTOMER_ROWS = 2


@dataclass
class Interaction:
    entity: object            # Company | Person (an unknown customer too), or None: the row names no customer
    date: dt.date
    channel: str
    kind: str                 # 咨询 | 投诉 | 反馈 | 回访 | 商务洽谈
    product: str
    known: bool = True        # False: an unknown customer (truth row_kind unknown_customer)


def _weighted(rng: random.Random, table) -> str:
    return rng.choices([t[0] for t in table], [t[1] for t in table])[0]


def _buyer_index(world: World) -> dict[str, Buyer]:
    return {b.entity.entity_id: b for b in world.buyers}


def plan_interactions(seed: int, world: World) -> list[Interaction]:
    """Follow-ups of buyers (never after a dormant or lost buyer's last deal line,
    so the activity keeps its lifecycle), of some customers who never bought, and
    of the unknown customers; sorted by date."""
    rng = random.Random(f"{seed}:interactions")
    ref = world.reference_date
    out: list[Interaction] = []
    per_tier = {"high": (4, 8), "medium": (2, 5), "low": (0, 3)}
    for b in world.buyers:
        if not b.steps:
            continue
        n = rng.randint(*(per_tier[b.tier] if isinstance(b.entity, Company) else (0, 2)))
        if not b.known:
            n = rng.randint(1, 3)
        first = max(ACTIVITY_START, min(s.date for s in b.steps) - dt.timedelta(days=45))
        last = ref if b.lifecycle == "active" else b.last_date
        products = [s.product for s in b.steps if s.product] or [PRODUCTS[0][0]]
        for _ in range(n):
            out.append(_interaction(rng, b.entity, random_date(rng, first, last), rng.choice(products), b.known))
    buyers = {b.entity.entity_id for b in world.buyers}
    quiet = sorted((c for c in world.companies if c.entity_id not in buyers), key=lambda c: c.entity_id)
    for c in rng.sample(quiet, min(len(quiet), max(3, round(60 * len(world.companies) / 600)))):
        for _ in range(rng.randint(1, 3)):
            out.append(_interaction(rng, c, random_date(rng, ACTIVITY_START, ref), rng.choice(PRODUCTS)[0], True))
    for _ in range(NO_CUSTOMER_ROWS):
        out.append(_interaction(rng, None, random_date(rng, dt.date(2026, 1, 1), ref), rng.choice(PRODUCTS)[0], True))
    out.sort(key=lambda i: i.date)
    return out


def _interaction(rng: random.Random, entity, date: dt.date, product: str, known: bool) -> Interaction:
    kinds = INTERACTION_TYPES if isinstance(entity, Company) or entity is None else \
        tuple(t for t in INTERACTION_TYPES if t[0] != "商务洽谈")
    return Interaction(entity, date, _weighted(rng, CHANNELS), _weighted(rng, kinds), product, known)


def _truth(entity, known: bool = True, kind: str = "", contact_id: str = "") -> Truth:
    if entity is None:
        return Truth("", "", "no_customer")
    return Truth(entity.entity_id, entity.customer_type, kind if known else "unknown_customer",
                 entity.lookalike_group, contact_id)


def _line(headers: list[str], row: dict, truth: Truth | None) -> Line:
    return Line([row.get(h, "") for h in headers], "data", truth)


def _name(rng: random.Random, ctx: Context, e) -> str:
    return variants.company_name(rng, e, ctx.brands) if isinstance(e, Company) else variants.person_name(rng, e)


def _amount_cell(rng: random.Random, amount: float):
    """An amount the way people type it: mostly a number cell, else 12,345.00 / ¥8,000 / 1.2万."""
    r = rng.random()
    if r < 0.06 and amount >= 10_000 and amount % 100 == 0:
        return f"{amount / 10_000:g}万"
    if r < 0.14 and amount == int(amount):
        return f"¥{int(amount):,}"
    if r < 0.28:
        return f"{amount:,.2f}"
    return Cell(amount, "#,##0.00")


def _uscc_text(rng: random.Random, c: Company) -> str:
    return variants.uscc(rng, c.uscc)


# --- finance: receivables ---------------------------------------------------------------------------------------

def debtors(world: World) -> list[tuple[Company, float, dt.date]]:
    """Known company buyers with an open balance at the reference date: (company,
    amount shipped but not paid, date of the oldest unpaid shipment)."""
    out = []
    for b in world.buyers:
        if not b.known or not isinstance(b.entity, Company):
            continue
        balance, oldest = 0.0, None
        for deal in sorted({s.deal for s in b.steps}):
            steps = [s for s in b.steps if s.deal == deal]
            shipped = [s for s in steps if s.kind == "发货"]
            orders = [s for s in steps if s.kind == "订单"]
            if not shipped or not orders:
                continue
            open_amount = round(orders[0].amount - sum(s.amount for s in steps if s.kind == "回款"), 2)
            if open_amount > 0.5:
                balance += open_amount
                oldest = min(oldest or shipped[0].date, shipped[0].date)
        if balance > 0:
            out.append((b.entity, round(balance, 2), oldest))
    return sorted(out, key=lambda t: t[0].entity_id)


def build_receivables(ctx: Context) -> list[Table]:
    rng, side = ctx.rng("receivables"), ctx.rng("receivables:contacts")
    world: World = ctx.world
    h = RECEIVABLES_HEADERS
    staff = {b.entity.entity_id: rng.choice(STAFF) for b in world.buyers}
    rows = debtors(world)
    rng.shuffle(rows)
    lines: list[Line] = []
    total = 0.0
    for n, (c, balance, oldest) in enumerate(rows, 1):
        k, contact, title = contact_cells(side, c, 0.1, prefer=("finance", "finance", "purchaser"))
        days = (world.reference_date - oldest).days
        phone = formats.mobile(rng, k.mobile) if rng.random() < 0.7 else \
            formats.landline(rng, c.city.area_code, c.local_number)
        row = {
            "序号": n, "客户名称": variants.company_name(rng, c, ctx.brands),
            "统一社会信用代码": maybe(rng, _uscc_text(rng, c), 0.15),
            "联系人": maybe(rng, variants.contact_name(rng, contact), 0.1),
            "联系电话": maybe(rng, phone, 0.1),
            "应收金额": Cell(balance, "#,##0.00") if rng.random() < 0.85 else f"{balance:,.2f}",
            "账龄": next(label for limit, label in AGING if days <= limit),
            "最近发货日期": Cell(oldest, "yyyy-mm-dd"),
            "业务员": staff[c.entity_id], "备注": rng.choice(("", "", "", "已催款", "分期付款", "对账中")),
        }
        ensure_one(rng, row, {"统一社会信用代码": lambda: c.uscc, "联系电话": lambda: k.mobile})
        named = filled(row["联系人"])
        row["职务"] = title if named else ""
        total += balance
        lines.append(_line(h, row, _truth(c, kind="record", contact_id=k.contact_id if named else "")))
    lines = sprinkle_blanks(rng, lines, 1)
    title = [Line([f"应收账款明细表（截至{world.reference_date.year}年{world.reference_date.month}月"
                   f"{world.reference_date.day}日）"], "title"), blank_line(), header_line(h)]
    footer = [Line([{"客户名称": "合计", "应收金额": Cell(round(total, 2), "#,##0.00")}.get(x, "") for x in h],
                   "data", Truth("", "company", "totals"))]
    sheet = Sheet("应收明细", title + lines + footer, merges=[f"A1:{chr(ord('A') + len(h) - 1)}1"])
    return [Table("finance", RECEIVABLES_PATH, [sheet])]


# --- channel: distributors; purchasing: suppliers ----------------------------------------------------------------

def _partner_row(rng, side, ctx: Context, c: Company, english_title: bool = False) -> tuple[dict, Contact, str]:
    k, contact, title = contact_cells(side, c, 0.15, english=english_title)
    return {"name": variants.company_name(rng, c, ctx.brands),
            "contact": maybe(rng, variants.contact_name(rng, contact), 0.05),
            "title": title, "mobile": maybe(rng, formats.mobile(rng, k.mobile), 0.1),
            "phone": maybe(rng, formats.landline(rng, c.city.area_code, c.local_number), 0.3),
            "email": maybe(rng, (m := shown_email(c, k)) and formats.email(rng, m), 0.3),
            "address": maybe(rng, variants.address(rng, c), 0.1),
            "uscc": maybe(rng, _uscc_text(rng, c), 0.1)}, k, contact


def build_distributors(ctx: Context) -> list[Table]:
    rng, side = ctx.rng("distributors"), ctx.rng("distributors:contacts")
    h = DISTRIBUTOR_HEADERS
    lines = []
    for n, c in enumerate(ctx.world.distributors, 1):
        r, k, _ = _partner_row(rng, side, ctx, c)
        row = {"经销商编码": f"JXS{n:03d}", "经销商名称": r["name"], "统一社会信用代码": r["uscc"],
               "联系人": r["contact"], "手机": r["mobile"], "电话": r["phone"], "邮箱": r["email"],
               "地址": r["address"], "代理区域": REGIONS[c.city.region], "合作等级": rng.choice(DISTRIBUTOR_LEVELS),
               "签约日期": Cell(random_date(rng, dt.date(2018, 1, 1), dt.date(2026, 6, 30)), "yyyy/m/d")}
        ensure_one(rng, row, {"统一社会信用代码": lambda: c.uscc, "手机": lambda: k.mobile})
        named = filled(row["联系人"])
        row["职务"] = r["title"] if named else ""
        lines.append(_line(h, row, _truth(c, kind="record", contact_id=k.contact_id if named else "")))
    return [Table("channel", DISTRIBUTORS_PATH, [Sheet("经销商", [header_line(h)] + lines)])]


def build_suppliers(ctx: Context, entries=()) -> list[Table]:
    rng, side = ctx.rng("suppliers"), ctx.rng("suppliers:contacts")
    h = SUPPLIER_HEADERS
    lines = []
    for n, c in enumerate(ctx.world.suppliers, 1):
        r, k, _ = _partner_row(rng, side, ctx, c)
        phone = r["mobile"] if rng.random() < 0.6 else r["phone"]
        row = {"供应商编码": f"GYS{n:04d}", "供应商名称": r["name"], "纳税人识别号": r["uscc"],
               "联系人": r["contact"], "联系电话": phone, "邮箱": r["email"], "地址": r["address"],
               "供货类别": rng.choice(SUPPLY_CATEGORIES), "付款条件": rng.choice(PAYMENT_TERMS),
               "开户银行": f"{rng.choice(BANKS)}{c.city.name}分行"}
        ensure_one(rng, row, {"纳税人识别号": lambda: c.uscc, "联系电话": lambda: k.mobile})
        named = filled(row["联系人"])
        row["职位"] = r["title"] if named else ""
        lines.append(_line(h, row, _truth(c, kind="record", contact_id=k.contact_id if named else "")))
    lines = sprinkle_blanks(rng, lines, 1)
    return [Table("purchasing", SUPPLIERS_PATH, [Sheet("合格供应商", [header_line(h)] + lines)])]


# --- sales: follow-ups and document lines ------------------------------------------------------------------------

def _date_cell(rng: random.Random, d: dt.date):
    r = rng.random()
    if r < 0.8:
        return Cell(d, "yyyy-mm-dd")
    return formats.date_text(rng, d, ("slash", "cn", "iso", "dot"))


def _interaction_line(rng, side, ctx: Context, i: Interaction, staff: dict[str, str]) -> Line:
    e = i.entity
    content = rng.choice(CONTENT[i.kind]).format(p=i.product)
    row = {"跟进日期": _date_cell(rng, i.date), "沟通方式": i.channel, "事项类型": i.kind, "沟通内容": content,
           "结果": rng.choice(OUTCOMES[i.kind]), "下一步": rng.choice(NEXT_ACTIONS),
           "跟进人": staff.get(e.entity_id, "") if e is not None else rng.choice(STAFF)}
    contact_id = ""
    if isinstance(e, Company):
        k, contact, _ = contact_cells(side, e, 1.0)
        row["客户名称"] = _name(rng, ctx, e)
        row["联系人"] = maybe(rng, contact, 0.3)
        r = rng.random()
        row["联系电话"] = formats.mobile(rng, k.mobile) if r < 0.4 else \
            formats.landline(rng, e.city.area_code, e.local_number) if r < 0.55 else ""
        contact_id = k.contact_id if row["联系人"] else ""
    elif isinstance(e, Person):
        row["客户名称"] = _name(rng, ctx, e)
        row["联系电话"] = maybe(rng, formats.mobile(rng, e.mobile), 0.4)
    else:   # a note typed without saying about whom
        row["联系人"] = rng.choice(("", "王经理", "李总"))
        row["联系电话"] = ""
    if e is not None and i.kind == "投诉" and rng.random() < 0.2:
        row["下一步"] = "升级至客服主管"
    return _line(INTERACTION_HEADERS, row, _truth(e, i.known, "interaction", contact_id))


def _staff(seed: int, world: World) -> dict[str, str]:
    rng = random.Random(f"{seed}:staff")
    entities = world.all_companies + world.persons + world.unknown
    return {e.entity_id: rng.choice(STAFF) for e in sorted(entities, key=lambda e: e.entity_id)}


def build_sales(ctx: Context, entries=()) -> list[Table]:
    staff = _staff(ctx.seed, ctx.world)
    return [_interactions_table(ctx, staff), _transactions_table(ctx, staff)]


def _interactions_table(ctx: Context, staff: dict[str, str]) -> Table:
    rng, side = ctx.rng("interactions"), ctx.rng("interactions:contacts")
    h = INTERACTION_HEADERS
    sheets = []
    for year in sorted({i.date.year for i in ctx.world.interactions}):
        lines = [_interaction_line(rng, side, ctx, i, staff) for i in ctx.world.interactions if i.date.year == year]
        sheets.append(Sheet(f"{year}年", [header_line(h)] + sprinkle_blanks(rng, lines, 1)))
    return Table("sales", INTERACTIONS_PATH, sheets, kind="interactions")


def _transactions_table(ctx: Context, staff: dict[str, str]) -> Table:
    rng = ctx.rng("transactions")
    h = TRANSACTION_HEADERS
    steps = sorted(((s.date, b.entity.entity_id, j, b, s) for b in ctx.world.buyers for j, s in enumerate(b.steps)),
                   key=lambda t: t[:3])
    seq: dict[tuple[str, dt.date], int] = {}
    lines, total = [], 0.0
    for d, _, _, b, s in steps:
        e = b.entity
        seq[(s.kind, d)] = seq.get((s.kind, d), 0) + 1
        row = {"单据日期": _date_cell(rng, d), "单据类型": s.kind,
               "单据编号": f"{DOC_PREFIX[s.kind]}{d:%Y%m%d}{seq[(s.kind, d)]:03d}", "客户名称": _name(rng, ctx, e),
               "产品名称": s.product, "金额": _amount_cell(rng, s.amount), "业务员": staff[e.entity_id],
               "备注": rng.choice(("", "", "", "", "含税", "加急", "分批发货")) if s.kind != "回款" else
               rng.choice(("", "银行转账", "承兑汇票", "电汇"))}
        if s.quantity is not None:
            row["数量"] = s.quantity if rng.random() < 0.9 else f"{s.quantity}台"
        if isinstance(e, Company):
            row["统一社会信用代码"] = _uscc_text(rng, e) if rng.random() < 0.35 else ""
            r = rng.random()
            row["联系电话"] = formats.mobile(rng, e.contacts[0].mobile) if r < 0.15 else \
                formats.landline(rng, e.city.area_code, e.local_number) if r < 0.3 else ""
        else:
            row["联系电话"] = maybe(rng, formats.mobile(rng, e.mobile), 0.15)
        total += s.amount
        lines.append(_line(h, row, _truth(e, b.known, "transaction")))
    footer = [Line([{"客户名称": "合计", "金额": Cell(round(total, 2), "#,##0.00")}.get(x, "")
                    for x in h], "data", Truth("", "", "totals"))]
    return Table("sales", TRANSACTIONS_PATH, [Sheet("单据明细", [header_line(h)] + lines + footer)],
                 kind="transactions")
