"""What training learned, for people: per model the prior and every comparison
level's m, u and match weight, as a table (`master.model_weights`) and as log
lines; and Splink's match-weights chart as a page that works offline."""

from __future__ import annotations

import logging
import math

import pandas as pd
from splink.internals.settings_creator import SettingsCreator

log = logging.getLogger(__name__)

WEIGHT_COLUMNS = ["customer_type", "comparison", "level", "m_probability", "u_probability", "match_weight"]
PRIOR = "(prior: two random rows match)"


def model_weights(models: dict[str, dict]) -> pd.DataFrame:
    """One row per level of every comparison (null levels left out: they weigh 0),
    and one per model for its prior (its match weight is the log2 odds)."""
    rows = []
    for customer_type, model in models.items():
        prior = model.get("probability_two_random_records_match")
        rows.append((customer_type, PRIOR, "", prior, None, _log2_odds(prior)))
        for comparison in model.get("comparisons", []):
            for level in comparison["comparison_levels"]:
                if level.get("is_null_level"):
                    continue
                m, u = level.get("m_probability"), level.get("u_probability")
                weight = math.log2(m / u) if m and u else None
                rows.append((customer_type, comparison["output_column_name"], level.get("label_for_charts", ""),
                             m, u, weight))
    return pd.DataFrame(rows, columns=WEIGHT_COLUMNS)


def log_weights(weights: pd.DataFrame) -> None:
    for (customer_type, comparison), levels in weights.groupby(["customer_type", "comparison"], sort=False):
        shown = ", ".join(f"{level or 'odds'} {w:+.1f}" for level, w in zip(levels.level, levels.match_weight)
                          if w is not None and not pd.isna(w))
        log.info("learned %s %s: %s", customer_type, comparison, shown)


def match_weights_page(model: dict) -> str:
    """Splink's match-weights chart of a saved model, as a complete HTML page with
    its scripts inline (it opens without a network)."""
    settings = SettingsCreator.from_path_or_dict(model).get_settings("duckdb")
    return settings.match_weights_chart().to_html(inline=True)


def _log2_odds(probability: float | None) -> float | None:
    if probability is None or not 0 < probability < 1:
        return None
    return math.log2(probability / (1 - probability))
