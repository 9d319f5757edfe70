"""Matching asset: Splink company and person models, trained without labels."""


import dagster as dg
import pandas as pd
from pydantic import Field

from customer_master.match.engine import MatchResult, match_run
from customer_master.match.threshold import DEFAULT_MATCH_THRESHOLD
from customer_master.pipelines.resources import PipelinePaths
from customer_master.review.decisions import DEFAULT_BAND, load_decisions
from customer_master.review.folder import import_pending


class MatchConfig(dg.Config):
    match_threshold: float = Field(
        default=DEFAULT_MATCH_THRESHOLD, gt=0, lt=1,
        description="Two rows merge when Splink's match probability reaches this (0-1). "
                    "Higher: fewer wrong merges, more missed duplicates.")
    review_from: float = Field(default=DEFAULT_BAND[0], ge=0, le=1,
                               description="Pairs scored from here ...")
    review_to: float = Field(default=DEFAULT_BAND[1], ge=0, le=1,
                             description="... up to here are review candidates for the stewards.")


@dg.asset(group_name="match", kinds={"excel"},
          description="Review workbooks a steward dropped into the review folder, imported as decisions.")
def steward_decisions(context: dg.AssetExecutionContext, paths: PipelinePaths) -> dg.MaterializeResult:
    outcomes = import_pending(paths.review_path, paths.warehouse_path)
    return dg.MaterializeResult(metadata={
        "workbooks": dg.MetadataValue.json({name: result for name, result in outcomes}),
        "decisions_stored": sum(r for _, r in outcomes if isinstance(r, int)),
        "decisions_total": len(load_decisions(paths.warehouse_path)),
    })


@dg.asset(group_name="match", kinds={"splink", "duckdb"}, deps=[steward_decisions],
          description="Pairwise match probabilities and clusters of rows that are one customer.")
def matched_clusters(context: dg.AssetExecutionContext, config: MatchConfig, paths: PipelinePaths,
                     standardised_rows: pd.DataFrame) -> MatchResult:
    result = match_run(standardised_rows, paths.warehouse_path, config.match_threshold,
                       (config.review_from, config.review_to))
    context.add_output_metadata({
        "match_threshold": config.match_threshold,
        "clusters": int(result.clusters.cluster.nunique()),
        "scored_pairs": len(result.pairs),
        "pairs_merged": int((result.pairs.match_probability >= config.match_threshold).sum()),
        "steward_decisions_applied": result.decisions_applied,
        "steward_decisions_unresolved": len(result.unresolved_decisions),
    })
    return result
