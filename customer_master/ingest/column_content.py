"""Recognise a column by what it holds when its header says nothing we know.

Headers are the first evidence, but department sheets come headed "A", "B",
"Col3" or in words no alias table lists. A sample of a column's values (up to
200 non-empty cells) is tested against the shapes fields take: e-mail
addresses, websites, resident ID numbers, credit codes, dates, postcodes,
phones, street addresses, company names, person names. A column is taken for a
field when at least `FIT_SHARE` of its sampled values have that field's shape;
the shapes are tried in a fixed order, most specific first.

The last resort of a sheet with no name column at all: a text column whose
values are mostly different words (`wordy`: not numbers, codes, dates or
sentences) can carry a customer's name."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

FIT_SHARE = 0.6
SAMPLE = 200

_CJK = r"\u3400-\u9fff"
_CN_LEGAL = (r"(?:公司|集团|厂|店|中心|研究院|研究所|事务所|合作社|工作室|经营部|门市部|商行|医院|诊所|药房|学校|银行|协会"
             r"|酒店|饭店|餐厅|酒楼|超市)$")
_COMPANY = re.compile(
    _CN_LEGAL
    + r"|\b(?:co|corp|corporation|company|inc|incorporated|ltd|limited|llc|llp|gmbh|plc|group|bv|nv|ag|sa|srl|pty)\.?$"
    # a trade in the name: restaurant guides and shop lists carry no legal form
    + r"|\b(?:restaurant|cafe|café|caffe|grill|bistro|kitchen|diner|deli|delicatessen|pizzeria|trattoria|brasserie"
      r"|steakhouse|tavern|bar|hotel|inn|bakery|shop|store|market|foods|trading)\b",
    re.IGNORECASE)
# shape name -> the shape of one value (matched on the stripped text)
SHAPES: dict[str, re.Pattern] = {
    "email": re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE),
    "website": re.compile(r"^(?:https?://|www\.)\S+$|^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|cn|co|io|biz|info)"
                          r"(?:\.[a-z]{2})?(?:/\S*)?$", re.IGNORECASE),
    "id_number": re.compile(r"^\d{17}[\dXx]$"),
    "uscc": re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"),
    # before postcode and phone: 1990-05-01 has eight digits, like a phone
    "date": re.compile(r"^(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})"
                       r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    "postcode": re.compile(r"^\d{5}(?:-\d{4})?$|^\d{6}$|^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$|^[A-Z]\d[A-Z] ?\d[A-Z]\d$",
                           re.IGNORECASE),
    "mobile": re.compile(r"^(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}$"),
    "phone": re.compile(r"^\+?[\d\s()./-]{7,20}$"),
    # "435 S. La Cienega Blv." or at least six characters with a Chinese place word
    "address": re.compile(rf"^\d+[a-z]?\s+[a-z].*\b[a-z]{{2,}}|^(?=.{{6}})[{_CJK}\w-]{{2,}}(?:省|市|区|县|路|街|道|号|镇|村|弄)",
                          re.IGNORECASE),
    "name": _COMPANY,
    "person_name": re.compile(rf"^[{_CJK}·]{{2,4}}$|^[A-Z][a-z'’-]+(?:\s[A-Z][A-Za-z.'’-]*){{1,2}}$"),
}
# the fields a value may be recognised as, by the shapes that say so
_FIELD_SHAPES = {"name": ("name", "person_name"), "birth_date": ("date",), "phone": ("phone", "mobile")}
# a header that says a date is a birth date (生产日期 / 生效日期 are not)
_BIRTH = re.compile(r"birth|dob|出生|生日|诞辰", re.IGNORECASE)
# a sheet with one of these already names its customer
_NAMED = {"name", "last_name", "first_name"}
_DIGITS = re.compile(r"\d")
_LETTERS = re.compile(rf"[A-Za-z{_CJK}]")


def sample_frame(columns: pd.DataFrame) -> pd.DataFrame:
    """Per column its first `SAMPLE` non-empty values, stripped (None below)."""
    return pd.DataFrame({c: sample_of(columns[c]).reset_index(drop=True) for c in columns.columns},
                        columns=columns.columns, dtype=object)


def sample_of(values: pd.Series) -> pd.Series:
    present = values.dropna().astype(str).str.strip()
    return present[present.ne("")].head(SAMPLE)


def fits(values: pd.Series, shape: str) -> pd.Series:
    """Per value (stripped text), whether it has the shape."""
    fit = values.str.contains(SHAPES[shape])
    if shape == "phone":  # 7 to 15 digits, and no decimal number (an amount)
        fit &= values.str.count(_DIGITS).between(7, 15) & ~values.str.fullmatch(r"-?\d+\.\d+")
    if shape == "address":  # 北京市华信科技有限公司 is a company, not a place
        fit &= ~values.str.contains(_CN_LEGAL)
    return fit.fillna(False).astype(bool)


def wordy(values: pd.Series) -> pd.Series:
    """Per value, whether it could be a name: letters, not mostly digits, short
    (a name, not a sentence: at most 60 characters and 8 words)."""
    short = values.str.len().le(60) & values.str.count(r"\s+").lt(8) & ~values.str.contains(r"[。！？!?]")
    fit = values.str.contains(_LETTERS) & (values.str.count(_DIGITS) < values.str.len() / 2) & short
    return fit.fillna(False).astype(bool)


def fit_masks(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """For a frame of text (None where empty), one boolean array (rows x
    columns) per shape, plus 'present' and 'wordy': every cell judged in one
    pass per shape, so that blocks of rows can be judged by slicing (the header
    row search tries many)."""
    cells = pd.Series(frame.to_numpy(dtype=object).ravel()).fillna("").astype(str).str.strip()
    masks = {"present": cells.ne("")}
    masks.update({shape: fits(cells, shape) for shape in SHAPES})
    masks["wordy"] = wordy(cells)
    return {k: (m & masks["present"]).to_numpy(dtype=bool).reshape(frame.shape) for k, m in masks.items()}


def shares_of(masks: dict[str, np.ndarray], rows: slice, columns: list[int]) -> pd.DataFrame:
    """Share of the present values of each column (by position) within `rows`
    that fit each shape: shapes x columns."""
    present = masks["present"][rows][:, columns].sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        table = {k: np.nan_to_num(m[rows][:, columns].sum(axis=0) / present)
                 for k, m in masks.items() if k != "present"}
    return pd.DataFrame(table, index=columns).T


def _first_shape(shares: dict[str, float], header: object) -> tuple[str, float] | None:
    for shape in SHAPES:
        share = float(shares[shape])
        if share >= FIT_SHARE:
            if shape == "date":
                return ("birth_date", round(share, 2)) if _BIRTH.search(str(header)) else None
            return shape, round(share, 2)
    return None


def guess_field(values: pd.Series, header: object = "") -> tuple[str, float] | None:
    """(shape, share of sampled values that fit it) for the first shape most of
    the column fits, or None. 'person_name' is a shape, not a field: the sheet
    decides whether it is the customer's name or a contact's. A column of dates
    is a birth date only when its header says so; other dates (an order date, a
    created date nobody named) stay unmapped."""
    sample = sample_frame(pd.DataFrame({0: values}))
    return _first_shape(shares_of(fit_masks(sample), slice(None), [0])[0], header)


def _varied(values: pd.Series) -> bool:
    """Mostly different values: a column of a few repeated words is a category
    (a type, a region), not names."""
    present = values.dropna()
    return len(present) >= 2 and present.nunique() >= 0.5 * len(present)


def content_fields(columns: pd.DataFrame, taken: set[str], headers: dict | None = None,
                   shares: pd.DataFrame | None = None) -> dict[str, tuple[str, float]]:
    """For the columns given (column -> values), the field each is recognised as
    by its content: {column: (field, share)}. A field already taken (by a header,
    or by a column to the left) is not given again; a column of person names is
    the customer's name where the sheet has none, else left unmapped. `headers`
    names the columns where their labels are not the header texts; `shares`
    (shares_of these rows, by column) saves judging the values again."""
    if shares is None:
        columns = sample_frame(columns)
        shares = shares_of(fit_masks(columns), slice(None), list(range(columns.shape[1])))
        shares.columns = columns.columns
    by_column = shares.to_dict()
    found: dict[str, tuple[str, float]] = {}
    taken = set(taken)
    for column in columns.columns:
        guess = _first_shape(by_column[column], (headers or {}).get(column, column))
        if guess is None:
            continue
        field, share = guess
        if field == "person_name":
            # the customer's name where the sheet has none; beside a name (or a
            # surname and given name) it may be a contact, an account manager or a
            # clerk: the values cannot say which
            if taken & _NAMED:
                continue
            field = "name"
        if field == "mobile" and "mobile" in taken:
            field = "phone"
        if field in taken:
            continue
        found[column] = (field, share)
        taken.add(field)
    if not taken & _NAMED:  # last resort: a column of varied words can carry a name
        for column in columns.columns:
            if column not in found and by_column[column]["wordy"] >= FIT_SHARE and _varied(columns[column]):
                found[column] = ("name", round(by_column[column]["wordy"], 2))
                break
    return found


def first_data_row(masks: dict[str, np.ndarray], rows: slice, fields: dict[int, str]) -> int | None:
    """The first row within `rows` whose cells fit the fields found for their
    columns (by position) in most of those columns: data, not a title or a
    header row. Rows just above it that fit in some column besides the name's
    are data with gaps (a title line fits at most the name column). A name found
    only as 'some words' fits where a value has a name's shape."""
    fit = np.zeros((masks["present"][rows].shape[0], len(fields)), dtype=bool)
    for position, (column, field) in enumerate(fields.items()):
        shapes = [s for s in _FIELD_SHAPES.get(field, (field,)) if s in SHAPES]
        fit[:, position] = np.logical_or.reduce([masks[s][rows][:, column] for s in shapes])
    most = fit.sum(axis=1) * 2 > len(fields)
    if not fields or not most.any():
        return None
    first = int(most.argmax())
    beside_name = fit[:, [f != "name" for f in fields.values()]].any(axis=1)
    while first > 0 and beside_name[first - 1]:
        first -= 1
    return first
