"""Turn the figures of a run (customer_master/steward_figures.py) into metadata a
steward reads in the UI at a glance: markdown tables with headers in words, and
plain numbers (Dagster plots an int or float entry over runs in the asset's
Plots tab). Never JSON: a steward should not have to read a blob."""


import dagster as dg
import pandas as pd

# Long cells (an address, a reason with examples) are cut here, so a table keeps its shape.
CELL_CHARS = 160
# The UI shows a markdown entry in place only when it is shorter than 1000 characters
# (longer ones hide behind a "[Show Markdown]" link): tables are cut to fit.
INLINE_CHARS = 999


def _cell(value) -> str:
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return ""
    text = str(value).replace("\r", " ").replace("\n", " ").replace("|", "\\|")
    return text if len(text) <= CELL_CHARS else text[:CELL_CHARS - 1] + "…"


def markdown_table(frame: pd.DataFrame, rows: int = 20, empty: str = "none",
                   numbers: tuple[str, ...] = ()) -> dg.MarkdownMetadataValue:
    """A frame as a markdown table: its column names in words (underscores as spaces),
    the first `rows` rows or as many as the UI shows in place (INLINE_CHARS), and a line
    saying how many were left out. `numbers`: columns aligned right (numeric ones are anyway)."""
    if frame.empty:
        return dg.MetadataValue.md(f"_{empty}_")
    right = {c for c in frame.columns if c in numbers or pd.api.types.is_numeric_dtype(frame[c])}
    lines = ["|" + "|".join(str(c).replace("_", " ") for c in frame.columns) + "|",
             "|" + "|".join("-:" if c in right else "-" for c in frame.columns) + "|"]
    body = ["|" + "|".join(_cell(v) for v in record) + "|"
            for record in frame.head(rows).itertuples(index=False, name=None)]
    shown = len(body)
    while shown and len("\n".join(lines + body[:shown] + _more(len(frame) - shown))) > INLINE_CHARS:
        shown -= 1
    return dg.MetadataValue.md("\n".join(lines + body[:shown] + _more(len(frame) - shown)))


def _more(left_out: int) -> list[str]:
    return ["", f"_and {left_out} more_"] if left_out > 0 else []


def counts_markdown(counts: pd.Series, label: str, unit: str = "rows") -> dg.MarkdownMetadataValue:
    """A value_counts() as a two-column table: label | unit."""
    return markdown_table(counts.rename_axis(label).rename(unit).reset_index(), empty=f"no {label}")


def figures_markdown(figures: dict[str, object], label: str = "figure",
                     unit: str = "count") -> dg.MarkdownMetadataValue:
    """Named figures (in the order given) as a two-column table."""
    return markdown_table(pd.DataFrame({label: list(figures), unit: list(figures.values())}))


def summary_table(lines: list[str]) -> dg.MarkdownMetadataValue:
    """The run summary's lines ("  files          16 read, ...") as a two-column table
    (the heading, the text), so long lines wrap in the UI instead of running off it."""
    rows = [(line[:17].strip(), line[17:].strip()) for line in lines]
    return dg.MetadataValue.md("\n".join(["|run|summary|", "|-|-|"]
                                         + [f"|{_cell(head)}|{_cell(text)}|" for head, text in rows]))
