"""Dates from the shapes departments type them in: ISO, 2026/3/5, 2026.3.5,
2026年3月5日, 20260305, and Excel serial numbers (days since 1899-12-30)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from customer_master.standardise.values import on_distinct

_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Serials from 1910 to 2100: a bare number outside that is no date.
_SERIAL_RANGE = (3654, 73051)


def parse_dates(values: pd.Series) -> pd.Series:
    """datetime64 (date part) per cell; NaT where the cell is empty or no date."""
    return on_distinct(values, _parse_dates)


def _parse_dates(values: pd.Series) -> pd.Series:
    s = values.astype("string").str.normalize("NFKC").str.strip()
    # 2026年3月5日 / 2026.3.5 / 2026/3/5 -> 2026-3-5 (a time part after a space is dropped)
    s = s.str.replace(r"\s+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "", regex=True)
    s = s.str.replace(r"^(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$", r"\1-\2-\3", regex=True)
    s = s.str.replace(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", regex=True)
    iso = pd.DataFrame({"text": s.where(s.str.contains("-", regex=False))})
    # DuckDB, not pandas: pandas' nanosecond timestamps stop at 1677, and a
    # historical figure's birthday (1630-08-01) is a date like any other
    parsed = duckdb.query_df(iso, "iso", "SELECT try_strptime(text, '%Y-%m-%d')::TIMESTAMP AS d FROM iso").df()["d"]
    parsed = parsed.astype("datetime64[s]").set_axis(s.index)
    numeric = pd.to_numeric(s.where(~s.str.contains("-", regex=False)), errors="coerce")
    # plain float64 with NaN: a masked (Float64) array keeps the out-of-range values
    # under its mask, and to_timedelta converts those too (1.38E+10 days overflows)
    serial = numeric.where(numeric.between(*_SERIAL_RANGE)).astype("float64")
    # whole days added in numpy, the empty cells set apart first: pandas' to_timedelta
    # casts NaN to an integer on the way (a RuntimeWarning, "overflow encountered in multiply")
    days = serial.floordiv(1)
    from_serial = pd.Series(np.where(days.notna(), _EXCEL_EPOCH.to_datetime64().astype("datetime64[D]")
                                     + days.fillna(0).astype("int64").to_numpy().astype("timedelta64[D]"),
                                     np.datetime64("NaT", "D")), index=serial.index).astype("datetime64[s]")
    return parsed.fillna(from_serial).dt.normalize()
