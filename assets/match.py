"""Matching asset: Splink company and person models, trained without labels."""


import dagster as dg
import pandas as pd
from pydantic import Field

from customer_master.match.engine import DEFAULT_MATCH_THRESHOLD, MatchResult, match_customers


class MatchConfig(dg.Config):
    match_threshold: float = Field(
        default=DEFAULT_MATCH_THRESHOLD, gt=0, lt=1,
        description="Two rows merge when Splink's match probability reaches this (0-1). "
                    "Higher: fewer wrong merges, more missed duplicates.")


@dg.asset(group_name="match", kinds={"splink", "duckdb"},
          description="Pairwise match probabilities and clusters of rows that are one customer.")
def matched_clusters(context: dg.AssetExecutionContext, config: MatchConfig,
                     standardised_rows: pd.DataFrame) -> MatchResult:
    result = match_customers(standardised_rows, threshold=config.match_threshold)
    context.add_output_metadata({
        "match_threshold": config.match_threshold,
        "clusters": int(result.clusters.cluster.nunique()),
        "scored_pairs": len(result.pairs),
        "pairs_merged": int((result.pairs.match_probability >= config.match_threshold).sum()),
    })
    return result
