"""How phone numbers, e-mails and dates get written in cells.

Text formats mimic what people type; the numeric ones (int/float cells,
"13800138000.0", "1.3800138E+10") mimic what Excel exports do to long numbers.
"""
from __future__ import annotations

import datetime as dt
import random

from .textutil import to_fullwidth
from .writers import Cell

EXCEL_EPOCH = dt.date(1899, 12, 30)


def _pick(rng: random.Random, options: list[tuple[float, object]]):
    return rng.choices([o for _, o in options], weights=[w for w, _ in options])[0]


def mobile(rng: random.Random, m: str, fullwidth_ok: bool = True) -> str:
    style = _pick(rng, [(60, "plain"), (8, "dash"), (8, "space"), (8, "intl"), (5, "intl_compact"),
                        (3, "86dash"), (3, "paren"), (1 if fullwidth_ok else 0, "fullwidth")])
    a, b, c = m[:3], m[3:7], m[7:]
    return {
        "plain": m, "dash": f"{a}-{b}-{c}", "space": f"{a} {b} {c}", "intl": f"+86 {a} {b} {c}",
        "intl_compact": f"+86{m}", "86dash": f"86-{m}", "paren": f"(+86){m}", "fullwidth": to_fullwidth(m),
    }[style]


def landline(rng: random.Random, area: str, local: str, ext_word: str = "转") -> str:
    half = len(local) - 4
    split = f"{local[:half]} {local[half:]}"
    style = _pick(rng, [(45, "dash"), (12, "paren"), (10, "intl"), (8, "compact"), (8, "space"),
                        (10, "ext"), (5, "paren_split")])
    return {
        "dash": f"{area}-{local}", "paren": f"({area}){local}", "intl": f"+86 {area[1:]} {split}",
        "compact": f"{area}{local}", "space": f"{area} {split}",
        "ext": f"{area}-{local}{ext_word}{rng.randint(100, 8999)}",
        "paren_split": f"({area}) {local[:half]}-{local[half:]}",
    }[style]


def mobile_cell(rng: random.Random, m: str) -> int | Cell:
    """A mobile stored as a number, as happens when a column is typed without text format.

    xlsx keeps every number as a double, so "float" mobiles are the ones Excel
    shows in scientific notation (1.38E+10) or with decimals (13800138000.00).
    """
    r = rng.random()
    if r < 0.15:
        return Cell(int(m), "0.00E+00")
    if r < 0.25:
        return Cell(int(m), "0.00")
    return int(m)


def mobile_exported(rng: random.Random, m: str) -> str:
    """A mobile after a round trip through a numeric Excel column and 'save as CSV'."""
    style = _pick(rng, [(50, "plain"), (30, "float"), (20, "sci")])
    if style == "float":
        return f"{m}.0"
    if style == "sci":
        mantissa = (m[0] + "." + m[1:]).rstrip("0").rstrip(".")
        return f"{mantissa}E+{len(m) - 1}"
    return m


def email(rng: random.Random, e: str) -> str:
    style = _pick(rng, [(70, "asis"), (12, "cap"), (8, "upper"), (6, "mixed"), (4, "spaced")])
    if style == "cap":
        return e[0].upper() + e[1:]
    if style == "upper":
        return e.upper()
    if style == "mixed":
        return "".join(ch.upper() if rng.random() < 0.3 else ch for ch in e)
    if style == "spaced":
        return f" {e} "
    return e


def date_text(rng: random.Random, d: dt.date, styles: tuple[str, ...]) -> str:
    style = rng.choice(styles)
    return {
        "iso": f"{d:%Y-%m-%d}", "slash": f"{d.year}/{d.month}/{d.day}", "slash0": f"{d:%Y/%m/%d}",
        "cn": f"{d.year}年{d.month}月{d.day}日", "dot": f"{d:%Y.%m.%d}", "compact": f"{d:%Y%m%d}",
    }[style]


def excel_serial(d: dt.date) -> int:
    return (d - EXCEL_EPOCH).days
