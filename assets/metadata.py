"""Turn the figures of a run (customer_master/steward_figures.py) into metadata a
steward reads in the UI at a glance: markdown tables with headers in words, and
plain numbers (Dagster plots an int or float entry over runs in the asset's
Plots tab). Never JSON: a steward should not have to read a blob."""


import dagster as dg
import pandas as pd

# Long cells (an address, a reason with examples) are cut here, so a table keeps its shape.
CELL_CHARS = 160


def _cell(value) -> str:
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return ""
    text = str(value).replace("\r", " ").replace("\n", " ").replace("|", "\\|")
    return text if len(text) <= CELL_CHARS else text[:CELL_CHARS - 1] + "…"


def markdown_table(frame: pd.DataFrame, rows: int = 20, empty: str = "none",
                   numbers: tuple[str, ...] = ()) -> dg.MarkdownMetadataValue:
    """A frame as a markdown table: its column names in words (underscores as spaces),
    the first `rows` rows, a line saying how many were left out. `numbers`: columns
    aligned right (numeric columns are, anyway)."""
    if frame.empty:
        return dg.MetadataValue.md(f"_{empty}_")
    right = {c for c in frame.columns if c in numbers or pd.api.types.is_numeric_dtype(frame[c])}
    header = "| " + " | ".join(str(c).replace("_", " ") for c in frame.columns) + " |"
    rule = "|" + "|".join("---:" if c in right else "---" for c in frame.columns) + "|"
    body = ["| " + " | ".join(_cell(v) for v in record) + " |"
            for record in frame.head(rows).itertuples(index=False, name=None)]
    more = [f"", f"_and {len(frame) - rows} more_"] if len(frame) > rows else []
    return dg.MetadataValue.md("\n".join([header, rule, *body, *more]))


def counts_markdown(counts: pd.Series, label: str, unit: str = "rows") -> dg.MarkdownMetadataValue:
    """A value_counts() as a two-column table: label | unit."""
    return markdown_table(counts.rename_axis(label).rename(unit).reset_index(), empty=f"no {label}")


def figures_markdown(figures: dict[str, object], label: str = "figure",
                     unit: str = "count") -> dg.MarkdownMetadataValue:
    """Named figures (in the order given) as a two-column table."""
    return markdown_table(pd.DataFrame({label: list(figures), unit: list(figures.values())}))


def text_block(lines: list[str]) -> dg.MarkdownMetadataValue:
    """Preformatted lines (the run summary), shown as the CLI prints them."""
    return dg.MetadataValue.md("```\n" + "\n".join(lines) + "\n```")
