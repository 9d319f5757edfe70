"""Dates from the shapes departments type them in: ISO, 2026/3/5, 2026.3.5,
2026年3月5日, 20260305, and Excel serial numbers (days since 1899-12-30)."""

from __future__ import annotations

import pandas as pd

_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Serials from 1910 to 2100: a bare number outside that is no date.
_SERIAL_RANGE = (3654, 73051)


def parse_dates(values: pd.Series) -> pd.Series:
    """datetime64 (date part) per cell; NaT where the cell is empty or no date."""
    s = values.astype("string").str.normalize("NFKC").str.strip()
    # 2026年3月5日 / 2026.3.5 / 2026/3/5 -> 2026-3-5 (a time part after a space is dropped)
    s = s.str.replace(r"\s+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "", regex=True)
    s = s.str.replace(r"^(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$", r"\1-\2-\3", regex=True)
    s = s.str.replace(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", regex=True)
    parsed = pd.to_datetime(s.where(s.str.contains("-", regex=False)), format="%Y-%m-%d", errors="coerce")
    numeric = pd.to_numeric(s.where(~s.str.contains("-", regex=False)), errors="coerce")
    serial = numeric.where(numeric.between(*_SERIAL_RANGE))
    from_serial = _EXCEL_EPOCH + pd.to_timedelta(serial.floordiv(1), unit="D")
    return parsed.fillna(from_serial).dt.normalize()
