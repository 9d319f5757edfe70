"""Calendar dates as dates: DuckDB hands DATE columns to pandas as timestamps,
which would be published as TIMESTAMP; python dates are published as DATE."""

from __future__ import annotations

import pandas as pd


def as_dates(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    frame = frame.copy()
    for column in columns:
        values = pd.to_datetime(frame[column])
        frame[column] = pd.Series(values.dt.date, index=frame.index, dtype=object).where(values.notna(), None)
    return frame
