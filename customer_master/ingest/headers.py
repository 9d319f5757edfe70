"""Recognise a sheet's header row and map its headers onto canonical fields.

Department spreadsheets name the same column many ways (客户名称 / 公司名称 /
Customer Name). A header is normalised (NFKC, case, spaces, bracketed notes such
as "(必填)" removed) and looked up in an exact alias table first, then in an
ordered list of "contains" rules for the long tail.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

# Canonical fields every stage after ingest understands.
CANONICAL_FIELDS = (
    "source_record_id",
    "name",
    "first_name",
    "middle_name",
    "last_name",
    "customer_type",
    "contact_name",
    "mobile",
    "phone",
    "email",
    "address",
    "province",
    "city",
    "district",
    "street",
    "house_number",
    "unit",
    "postcode",
    "country",
    "website",
    "uscc",
    "id_number",
    "birth_date",
    "gender",
    "created_at",
    "updated_at",
    # a company's contact, and how the company hangs together
    "contact_title",
    "business_area",
    "parent_name",
    "group_name",
    # activity sheets: interactions (calls, visits, complaints) and transactions
    "activity_date",
    "interaction_type",
    "channel",
    "staff",
    "content",
    "outcome",
    "next_action",
    "txn_type",
    "doc_number",
    "product",
    "quantity",
    "amount",
)

# Fields only an activity sheet uses; a customer sheet keeps such columns as
# extra attributes (an order number on a delivery list is not lost).
INTERACTION_FIELDS = ("activity_date", "interaction_type", "channel", "staff", "content", "outcome", "next_action")
TRANSACTION_FIELDS = ("activity_date", "txn_type", "doc_number", "product", "quantity", "amount", "staff")
ACTIVITY_FIELDS = tuple(dict.fromkeys(INTERACTION_FIELDS + TRANSACTION_FIELDS))

_ALIASES: dict[str, tuple[str, ...]] = {
    "source_record_id": (
        "客户编号", "客户编码", "客户id", "客户代码", "会员编号", "会员id", "编号",
        "customerid", "customerno", "customernumber", "customercode", "accountid",
        "accountno", "id", "recordid",
    ),
    "name": (
        "客户名称", "公司名称", "单位名称", "企业名称", "客户", "客户名", "姓名", "会员姓名",
        "客户姓名", "名称", "购买方名称", "经销商客户", "经销商名称", "供应商名称", "往来单位", "customername", "companyname",
        "company", "name", "fullname", "accountname", "customer", "clientname",
        "client", "organisation", "organization",
        # the long tail departments actually write
        "客户全称", "单位全称", "公司全称", "企业全称", "客户简称", "机构名称", "组织名称", "商户名称", "店铺名称",
        "门店名称", "经销商", "代理商名称", "购货单位", "收货单位", "开票名称", "开票抬头", "抬头",
        "orgname", "organisationname", "organizationname", "businessname", "account", "legalname",
        "tradingname", "restaurant", "shop", "storename", "firm", "firmname",
    ),
    "first_name": ("名", "名字", "firstname", "givenname", "forename", "givennames"),
    "middle_name": ("middlename", "middleinitial", "middlenames", "中间名"),
    "last_name": ("姓", "姓氏", "surname", "lastname", "familyname"),
    "postcode": ("邮编", "邮政编码", "postcode", "postalcode", "zip", "zipcode", "postcodefake", "zip4", "zip+4",
                 "zippostalcode", "postalzipcode", "zipcodepostalcode", "plz"),
    "district": ("区县", "区", "县", "所在区县", "所属区县", "区域县", "district", "county", "borough"),
    "street": ("街道", "路", "streetname", "street", "road"),
    "house_number": ("门牌号", "门牌", "housenumber", "houseno", "streetnumber", "streetno", "buildingnumber"),
    "unit": ("室", "房号", "unit", "suite", "apt", "apartment", "address2", "addressline2", "unitno"),
    "country": ("国家", "国别", "国家地区", "country", "nation", "countryregion"),
    "website": ("网址", "主页", "网站", "官网", "公司网址", "website", "web", "url", "homepage", "webpage",
                "webaddress"),
    "customer_type": (
        "客户类型", "客户类别", "类型", "customertype", "type", "partytype",
    ),
    "contact_name": (
        "联系人", "联系人姓名", "对接人", "contact", "contactperson", "contactname",
    ),
    "mobile": (
        "手机", "手机号", "手机号码", "移动电话", "联系手机", "mobile", "mobilephone",
        "mobileno", "cell", "cellphone",
    ),
    "phone": (
        "电话", "联系电话", "固定电话", "座机", "办公电话", "phone", "telephone", "tel",
        "phoneno", "officephone", "landline", "telno", "phonenumber", "telephonenumber", "telephoneno",
    ),
    "email": ("邮箱", "电子邮箱", "电子邮件", "邮件", "邮件地址", "电子邮件地址", "email", "e-mail", "mail",
              "emailaddress"),
    "address": (
        "地址", "详细地址", "联系地址", "注册地址", "收货地址", "通讯地址", "办公地址",
        "address", "streetaddress", "fulladdress", "addr", "address1", "addressline1", "addressline", "location",
    ),
    "province": ("省份", "省", "所在省份", "所属省份", "province", "state", "stateprovince", "stateorprovince",
                 "provincestate"),
    "city": ("城市", "市", "所在城市", "所属城市", "地市", "city", "town", "suburb", "towncity", "locality"),
    "uscc": (
        "统一社会信用代码", "社会信用代码", "信用代码", "纳税人识别号", "税号",
        "uscc", "taxid", "taxno", "taxnumber", "creditcode",
    ),
    "id_number": ("身份证号", "身份证号码", "身份证", "证件号码", "证件号", "idnumber", "idno", "idcard", "socsecid",
                  "ssn", "socialsecuritynumber", "nationalid", "nationalidnumber", "passportno", "passportnumber"),
    "birth_date": ("出生日期", "生日", "出生年月日", "birthday", "birthdate", "dateofbirth", "dob"),
    "gender": ("性别", "gender", "sex"),
    "created_at": (
        "创建日期", "创建时间", "登记日期", "注册日期", "开户日期", "建档日期", "created",
        "createdat", "createddate", "registerdate", "registrationdate", "opendate",
    ),
    "updated_at": (
        "更新日期", "更新时间", "最后更新", "最后更新日期", "修改日期", "updated",
        "updatedat", "lastupdated", "lastupdate", "lastmodified", "modifieddate",
    ),
    "contact_title": ("职务", "职位", "头衔", "岗位", "联系人职务", "联系人职位", "title", "jobtitle", "position",
                      "contacttitle"),
    "business_area": ("负责业务", "业务范围", "分管业务", "分管", "部门", "所属部门", "businessarea",
                      "responsibility", "department"),
    "parent_name": ("上级单位", "上级公司", "总公司", "母公司", "总部", "parent", "parentcompany", "headoffice",
                    "headquarters"),
    "group_name": ("所属集团", "集团", "集团名称", "group", "groupname", "corporategroup"),
    "activity_date": (
        "日期", "跟进日期", "跟进时间", "拜访日期", "沟通日期", "沟通时间", "联系日期", "记录日期", "发生日期",
        "交易日期", "单据日期", "订单日期", "下单日期", "下单时间", "date", "activitydate", "orderdate",
        "transactiondate", "visitdate", "calldate",
    ),
    "interaction_type": ("事项类型", "记录类型", "互动类型", "跟进类型", "事项", "interactiontype", "activitytype"),
    "channel": ("沟通方式", "跟进方式", "联系途径", "沟通渠道", "方式", "channel", "contactmethod"),
    "staff": ("跟进人", "业务员", "销售", "销售员", "销售代表", "经办人", "拜访人", "客服", "负责人",
              "staff", "salesrep", "salesperson", "owner", "agent", "handledby"),
    "content": ("内容", "沟通内容", "跟进内容", "拜访内容", "事由", "问题描述", "详情", "content", "notes",
                "summary", "description", "subject"),
    "outcome": ("结果", "处理结果", "跟进结果", "outcome", "result", "resolution"),
    "next_action": ("下一步", "下一步计划", "后续计划", "下次跟进", "nextaction", "nextstep", "followup"),
    "txn_type": ("单据类型", "业务类型", "交易类型", "transactiontype", "documenttype", "doctype"),
    "doc_number": ("单据编号", "单据号", "单号", "订单号", "订单编号", "合同号", "合同编号", "工单号",
                   "orderno", "ordernumber", "documentno", "docno", "invoiceno"),
    "product": ("产品", "产品名称", "商品", "商品名称", "品名", "型号", "product", "productname", "item", "sku"),
    "quantity": ("数量", "qty", "quantity"),
    "amount": ("金额", "含税金额", "总金额", "订单金额", "合同金额", "回款金额", "报价金额", "amount",
               "totalamount", "orderamount"),
}

# Long-tail rules, tried in order after the exact table ("手机号码(必填)" is handled
# by the bracket stripping; these catch "客户联系手机", "Company Name (CN)" …).
_CONTAINS_RULES: tuple[tuple[str, str], ...] = (
    ("信用代码", "uscc"),
    ("纳税人", "uscc"),
    ("身份证", "id_number"),
    ("手机", "mobile"),
    ("mobile", "mobile"),
    ("邮箱", "email"),
    ("email", "email"),
    ("邮件", "email"),  # 邮件地址 is an e-mail address, not a postal one
    ("联系人", "contact_name"),
    ("电话", "phone"),
    ("phone", "phone"),
    ("地址", "address"),
    ("address", "address"),
    ("出生", "birth_date"),
    ("金额", "amount"),
    ("客户名称", "name"),
    ("客户全称", "name"),
    ("公司名称", "name"),
    ("单位名称", "name"),
    ("customername", "name"),
    ("companyname", "name"),
)

# A fax column stays an extra attribute: it holds a phone-shaped number nobody
# answers. Only where fax comes before any phone word (电话/传真 is a phone).
_FAX = re.compile(r"^(?:(?!电话|phone|tel).)*(?:fax|传真)")

_ALIAS_LOOKUP = {alias: field for field, aliases in _ALIASES.items() for alias in aliases}
_BRACKETS = re.compile(r"[\(\[（【<].*?[\)\]）】>]")
_NOISE = re.compile(r"[\s_\-\.:：*＊#/\\·]+")

# How far down a sheet the header row may sit under a title block.
HEADER_SEARCH_ROWS = 30


def normalise_header(text: object) -> str:
    """Fold a header cell to the key used for alias lookup."""
    s = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    s = _BRACKETS.sub("", s)
    return _NOISE.sub("", s)


def field_for_header(text: object, overrides: Mapping[str, str | None] | None = None) -> str | None:
    """Canonical field for one header cell, or None for an unknown column."""
    raw = str(text or "").strip()
    if overrides:
        for key in (raw, normalise_header(raw)):
            if key in overrides:
                return overrides[key]
    key = normalise_header(raw)
    if not key:
        return None
    if key in _ALIAS_LOOKUP:
        return _ALIAS_LOOKUP[key]
    if _FAX.search(key):
        return None
    for needle, field in _CONTAINS_RULES:
        if needle in key:
            return field
    return None


def header_source(text: object, overrides: Mapping[str, str | None] | None = None) -> str:
    """How a header cell is recognised: 'sources.yaml' (an override, also one that
    keeps the column unmapped), 'header' (the alias table), 'header_contains' (a
    contains rule; also a fax column, known and kept unmapped), or 'unknown'
    (only such a column may be recognised by its values)."""
    raw = str(text or "").strip()
    if overrides and (raw in overrides or normalise_header(raw) in overrides):
        return "sources.yaml"
    key = normalise_header(raw)
    if key in _ALIAS_LOOKUP:
        return "header"
    if _FAX.search(key):
        return "header_contains"
    if key and any(needle in key for needle, _ in _CONTAINS_RULES):
        return "header_contains"
    return "unknown"


def map_headers(
    headers: Sequence[object], overrides: Mapping[str, str | None] | None = None
) -> list[str | None]:
    """Canonical field per column; a field claimed twice keeps its first column only
    (the later ones stay extra attributes, so nothing is dropped)."""
    seen: set[str] = set()
    mapped: list[str | None] = []
    for header in headers:
        field = field_for_header(header, overrides)
        if field in seen:
            field = None
        if field:
            seen.add(field)
        mapped.append(field)
    return mapped


NAME_FIELDS = {"name", "last_name"}


def find_header_row(
    rows: Sequence[Sequence[str]], overrides: Mapping[str, str | None] | None = None
) -> int | None:
    """Index of the header row: the first of the top rows that names a customer
    (a name, or a surname, column) and at least one other canonical field. None
    when no row does."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        fields = [f for f in map_headers(row, overrides) if f]
        if NAME_FIELDS & set(fields) and len(fields) >= 2:
            return index
    return None
