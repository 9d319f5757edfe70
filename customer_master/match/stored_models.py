"""The models of the last published run, used again while the rows have not drifted.

Training (u from random pairs, EM on every block, the prior refined from several
scoring passes) is most of the match step on a nightly run that adds a file or
two. A model learns how often values agree among matches and among non-matches:
a few new rows barely change that, so a nightly run scores with the model the
last run used, and trains afresh when

- the run is a full one (`customer-master run --full`, the schedule's weekly run),
- the last run kept no model of that customer type (or no record of its training),
- the fields some row carries changed (the model would compare other fields: its
  comparisons and levels are not those of models.py for this inbox),
- the rows of that type differ in number from the rows it was trained on by more
  than DRIFT_SHARE of them.

A reused model is the stored one with its prior (the chance that two random rows
match) for this run's rows: with as many duplicates per row it falls as 1/rows
(prior_for_rows). Term frequencies are not part of a model: Splink counts them on
this run's rows. So a nightly run differs from a full run only by the m and u the
full run would have learned from the new rows and by that prior, and the scale
benchmark measures what that changes in the masters.

What each model was trained on is kept beside it, in `models/<run_id>/training.json`
(warehouse/layout.py): the run that trained it, when, on how many rows, with what prior."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd
from splink import Linker
from splink.internals.settings_creator import SettingsCreator

from customer_master.match.backends import DUCKDB
from customer_master.match.scoring import without_dialect_tags
from customer_master.warehouse.layout import MODEL_TRAINING, layout
from customer_master.warehouse.publish import read_run_history

log = logging.getLogger(__name__)

# Retrain a model when the rows of its type grew or shrank by more than this share
# of the rows it was trained on.
DRIFT_SHARE = 0.10


@dataclass(frozen=True)
class StoredModel:
    model: dict  # the Splink model JSON as the last run used it
    trained_in_run: str
    trained_at: str  # ISO time, UTC
    trained_rows: int
    trained_prior: float  # the prior as training left it, for trained_rows rows

    def facts(self) -> dict:
        """What training.json says of it (training_facts)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "model"}


def training_facts(run_id: str, rows: int, prior: float) -> dict:
    """What training.json says of a model trained in this run on `rows` rows."""
    return {"trained_in_run": run_id, "trained_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "trained_rows": rows, "trained_prior": prior}


def previous_models(warehouse: Path) -> dict[str, StoredModel]:
    """The models of the last run in the warehouse's ledger (a restore's too: it puts
    the restored run's models in place under its own run id), by customer type;
    empty when there is none or it kept no record of their training."""
    history = read_run_history(Path(warehouse))
    if not history:
        return {}
    folder = layout(warehouse).run_models(history[-1]["run_id"])
    try:
        facts = json.loads((folder / MODEL_TRAINING).read_text(encoding="utf-8"))
        return {customer_type: StoredModel(json.loads((folder / f"{customer_type}.json").read_text(encoding="utf-8")),
                                           **fact)
                for customer_type, fact in facts.items()}
    except (OSError, ValueError, TypeError) as exc:  # models of an earlier version, or none kept
        log.info("match: no reusable models from the last run (%s)", exc)
        return {}


def prior_for_rows(prior: float, trained_rows: int, rows: int) -> float:
    """The prior of a model trained on `trained_rows` rows, for `rows` rows: the pipeline
    estimates it as expected matches / pairs (training._refine_prior), and with as many
    duplicates per row it falls as 1/rows."""
    return min(prior * (trained_rows / rows), 0.5)  # the same rows: exactly the same prior


def reuse(frame: pd.DataFrame, settings: SettingsCreator, stored: StoredModel | None,
          engine=None, rows: int | None = None) -> tuple[Linker | None, str]:
    """A linker on `frame` (on `engine`, backends.py; default DuckDB) with models.py's
    `settings` for this run's fields and the stored model's m, u and prior; or None
    and why the model is retrained instead. rows: this run's rows of the type, when
    `frame` holds only some of them (the rows a nightly run scores: carried.py)."""
    rows = len(frame) if rows is None else rows
    if stored is None:
        return None, "the last run kept no model of this type"
    if abs(rows - stored.trained_rows) > DRIFT_SHARE * stored.trained_rows:
        return None, (f"{rows} rows against the {stored.trained_rows} it was trained on "
                      f"(more than {DRIFT_SHARE:.0%} apart)")
    kept = SettingsCreator.from_path_or_dict(without_dialect_tags(stored.model)).get_settings("duckdb").comparisons
    if _structure(settings.get_settings("duckdb").comparisons) != _structure(kept):
        # other fields in this inbox, or another version of models.py
        return None, "the fields it compares are not this inbox's"
    engine = engine or DUCKDB
    linker = engine.linker(engine.api(), frame, settings)
    for comparison, kept_comparison in zip(linker._settings_obj.comparisons, kept):
        for level, kept_level in zip(comparison.comparison_levels, kept_comparison.comparison_levels):
            if not level.is_null_level:
                level._m_probability, level._u_probability = kept_level._m_probability, kept_level._u_probability
    linker._settings_obj._probability_two_random_records_match = prior_for_rows(
        stored.trained_prior, stored.trained_rows, rows)
    return linker, ""


def _structure(comparisons) -> list:
    return [(c.output_column_name, [level.sql_condition for level in c.comparison_levels]) for c in comparisons]
