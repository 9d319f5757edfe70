"""Contract of the ingest stage's table: one row per non-blank data row of every
readable sheet, with its lineage. All canonical fields are text (or null)."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series


class IngestedRows(pa.DataFrameModel):
    row_key: Series[int] = pa.Field(unique=True, ge=0)
    source: Series[str] = pa.Field(str_length={"min_value": 1})
    file: Series[str] = pa.Field(str_length={"min_value": 1})
    sheet: Series[str]
    row_number: Series[int] = pa.Field(ge=1)
    sheet_kind: Series[str] = pa.Field(isin=["customers", "interactions", "transactions"])
    party_type: Series[str] = pa.Field(isin=["auto", "company", "person"])
    trust_rank: Series[int]
    name: Series[str] = pa.Field(nullable=True)
    first_cell: Series[str] = pa.Field(nullable=True)
    extra: Series[str]
    raw: Series[str]

    class Config:
        strict = False  # the other canonical fields are optional text columns

    @pa.dataframe_check(name="one row per source cell row")
    def unique_lineage(cls, df):
        return ~df.duplicated(["source", "file", "sheet", "row_number"])
