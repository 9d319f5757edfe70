"""Small helpers that turn stage results into metadata a steward reads in the UI."""


import dagster as dg
import pandas as pd


def table_preview(frame: pd.DataFrame, rows: int = 10) -> dg.TableMetadataValue:
    """The first rows of a frame as a Dagster table (values as text)."""
    sample = frame.head(rows).astype(object).where(frame.head(rows).notna(), None)
    schema = dg.TableSchema(columns=[dg.TableColumn(name=str(c), type="string") for c in sample.columns])
    records = [dg.TableRecord({str(k): (None if v is None else str(v)) for k, v in r.items()})
               for r in sample.to_dict("records")]
    return dg.MetadataValue.table(records=records, schema=schema)


def counts_markdown(counts: pd.Series, label: str) -> dg.MarkdownMetadataValue:
    if counts.empty:
        return dg.MetadataValue.md(f"_no {label}_")
    lines = [f"| {label} | rows |", "|---|---:|"] + [f"| {k} | {v} |" for k, v in counts.items()]
    return dg.MetadataValue.md("\n".join(lines))
