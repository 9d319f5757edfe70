"""The default match threshold, and the one rule for the match settings, in a module
light enough for the duplicate check and the CLI to import without Splink: the
match probability at which two rows merge, and the band of match probabilities
whose pairs go to the stewards."""

from __future__ import annotations

DEFAULT_MATCH_THRESHOLD = 0.95

# what the settings are called in the run config (the Launchpad's keys)
SETTING_KEYS = {"match_threshold": "match_threshold", "review_from": "review_from", "review_to": "review_to"}


class MatchSettingError(ValueError):
    """A match threshold or review band out of range; the message names the key."""


def check_match_settings(threshold: float | None = None, review_band: tuple[float, float] | None = None,
                         keys: dict[str, str] | None = None) -> None:
    """Raise MatchSettingError naming the key unless the threshold lies strictly
    between 0 and 1 (0 would merge every pair, 1 none) and the review band's bounds
    lie in [0, 1] with review_from <= review_to. Every entry applies this rule before
    a run or an export starts: the Launchpad's run config, `run --threshold`,
    `review export --band`, a call from Python. keys: how the caller names each
    setting where that is not the run config's name (`--threshold`).

    The band need not hold the threshold: it is a filter on the scored pairs (those
    of 0.5 and more are kept), and the workbook says of each pair whether it is
    merged now, so a band on either side of the threshold is a steward's choice."""
    names = {**SETTING_KEYS, **(keys or {})}
    if threshold is not None and not 0 < threshold < 1:
        raise MatchSettingError(f"{names['match_threshold']} must be between 0 and 1 (exclusive), not {threshold}")
    if review_band is None:
        return
    low, high = review_band
    for key, value in (("review_from", low), ("review_to", high)):
        if not 0 <= value <= 1:
            raise MatchSettingError(f"{names[key]} must be between 0 and 1, not {value}")
    if low > high:
        raise MatchSettingError(f"{names['review_from']} ({low}) must not be above {names['review_to']} ({high})")
