"""Pairs a nightly run does not score again: those of two rows that did not change
since the last run, while the last run's model still scores the rows
(stored_models.py).

A row is unchanged when the last run had a row at the same place in the inbox
(source, file, sheet, row number) whose features hash to the same value: every
column the models compare, those that depend on the other rows too (a name's
rarest word, whether a name is uncommon), so a new file that makes a name common
makes its rows new again. Blocking reads only these features, so two unchanged
rows are a candidate pair now exactly when they were then, and the model compares
the same values: the last run's pairs (those it kept, from EVIDENCE_FLOOR up) are
carried with their weights and evidence. The pairs with a new or changed row are
scored now, with the blocking rules restricted to them (`only_pairs_with_new_rows`):
new rows against every row, and among themselves. Clustering then runs over both.

A carried pair differs from scoring it again in one way: Splink's term-frequency
adjustments were counted on the rows of the run that scored it. Its prior is
moved to this run's (the model's prior falls as 1/rows, `prior_for_rows`), so its
probability is the one scoring it now would give with those term frequencies. A
pair that falls below EVIDENCE_FLOOR with the new prior is dropped, as scoring
would drop it; one that would rise above it from below is not known (it was not
kept): the removed file's case, which can only add review candidates below the
threshold. `benchmark-scale` measures how far the masters of a nightly run are
from a full run's.

What a run leaves for the next is kept in `match-carry/<run_id>/` (warehouse/layout.py,
owner only): the features' hashes of its rows, its pairs by the rows' places, and
per customer type the model and prior that scored them. The next run takes the
folder of the last published run; the folders of other runs are removed."""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from splink import Linker
from splink.internals.blocking import BlockingRule
from splink.internals.settings_creator import SettingsCreator
from splink.internals.term_frequencies import term_frequencies_for_single_column_sql

from customer_master.match.models import UNIQUE_ID
from customer_master.owner_only import private_folder, write_private
from customer_master.warehouse.layout import layout
from customer_master.warehouse.publish import read_run_history
from customer_master.working_db import working_connection

log = logging.getLogger(__name__)

NEW_ROW = "is_new_row"  # the column that marks a new or changed row in the frame the linker scores
ROWS, PAIRS, FACTS = "rows.parquet", "pairs.parquet", "facts.json"
# a row's place in the inbox (SQL over the standardised rows): one row, run after run
ROW_PLACE_SQL = "source || '|' || file || '|' || coalesce(sheet, '') || '|' || row_number::VARCHAR"
PAIR_FIELDS = ["match_probability", "match_weight", "evidence", "cannot_link"]


@dataclass
class Carried:
    rows: pd.DataFrame  # customer_type, place, fingerprint: the last run's rows
    # customer_type, place_l, place_r, PAIR_FIELDS: the last run's pairs, as Arrow (about 120k at 200k rows, each
    # with its evidence as JSON text, which pandas turned into Python strings twice a run; DuckDB reads Arrow)
    pairs: pa.Table
    facts: dict[str, dict]  # customer_type -> {"trained_in_run", "prior"}: what scored them


def fingerprints(frame: pa.Table, rows: pd.DataFrame) -> pd.DataFrame:
    """row_key, place, fingerprint of each row of a matching frame (`frame`, the
    columns the models compare, as Arrow: features.text_for_null), its place from
    the standardised `rows`: the hash of its features, computed in DuckDB."""
    columns = [c for c in frame.column_names if c != UNIQUE_ID]
    packed = ", ".join(f'"{c}" := "{c}"' for c in columns)
    with working_connection() as con:
        con.register("frame", frame)
        con.register("places", rows[[UNIQUE_ID, "source", "file", "sheet", "row_number"]])
        return con.sql(f"""
            SELECT f.{UNIQUE_ID}, {ROW_PLACE_SQL} AS place, hash(struct_pack({packed})) AS fingerprint
            FROM frame f JOIN places p USING ({UNIQUE_ID})
            ORDER BY f.{UNIQUE_ID}""").df()


def new_rows(carried: Carried | None, customer_type: str, now: pd.DataFrame,
             model_run: str | None) -> pd.Series | None:
    """Which rows of this run (`now`: fingerprints of its matching frame) are new or
    changed since the last run, by row key; None when nothing can be
    carried: no last run, or its pairs were scored by another model than the one
    trained in `model_run`, the model that would score now."""
    facts = (carried.facts if carried else {}).get(customer_type)
    if facts is None or model_run is None or facts["trained_in_run"] != model_run:
        return None
    before = carried.rows[carried.rows["customer_type"] == customer_type]
    with working_connection() as con:
        con.register("now_rows", now)
        con.register("before_rows", before)
        unchanged = con.sql(f"SELECT {UNIQUE_ID} FROM now_rows JOIN before_rows USING (place, fingerprint)").df()
    return pd.Series(~now[UNIQUE_ID].isin(unchanged[UNIQUE_ID]).to_numpy(), index=now[UNIQUE_ID].to_numpy())


def carried_pairs(carried: Carried, customer_type: str, now: pd.DataFrame, is_new: pd.Series,
                  prior: float) -> pd.DataFrame:
    """The last run's pairs of two unchanged rows (not `is_new`, by row key), by this run's row
    keys, their weights moved to this run's `prior`: customer_type, row_key_l,
    row_key_r, PAIR_FIELDS."""
    shift = _log2_odds(prior) - _log2_odds(carried.facts[customer_type]["prior"])
    with working_connection() as con:
        con.register("unchanged", now.loc[~is_new.reindex(now[UNIQUE_ID]).to_numpy(), [UNIQUE_ID, "place"]])
        con.register("before_pairs", carried.pairs)
        return con.sql(f"""
            WITH moved AS (
                SELECT least(l.{UNIQUE_ID}, r.{UNIQUE_ID}) AS row_key_l,
                       greatest(l.{UNIQUE_ID}, r.{UNIQUE_ID}) AS row_key_r,
                       p.match_weight + {shift!r} AS match_weight, p.evidence, p.cannot_link
                FROM before_pairs p JOIN unchanged l ON l.place = p.place_l JOIN unchanged r ON r.place = p.place_r
                WHERE p.customer_type = '{customer_type}')
            SELECT '{customer_type}' AS customer_type, row_key_l::BIGINT AS row_key_l, row_key_r::BIGINT AS row_key_r,
                   1 / (1 + pow(2, -match_weight)) AS match_probability, match_weight, evidence, cannot_link
            FROM moved ORDER BY row_key_l, row_key_r""").df()


@contextmanager
def only_pairs_with_new_rows(linker: Linker):
    """While in the block, the linker's blocking rules find only pairs with at least
    one row marked NEW_ROW: each rule as it was, and that. A pair is still found by
    the first rule that finds it, as without the restriction (Splink excludes the
    pairs of the rules before each rule). The rules are put back after: the model
    kept for the next run and the duplicate check blocks on every pair."""
    settings = linker._settings_obj
    rules = settings._blocking_rules_to_generate_predictions
    restricted = [BlockingRule(f"({rule.blocking_rule_sql}) AND (l.{NEW_ROW} OR r.{NEW_ROW})", rule._sql_dialect_str)
                  for rule in rules]
    settings._blocking_rules_to_generate_predictions = BlockingRule._add_preceding_rules_to_each_blocking_rule(
        restricted)
    try:
        yield linker
    finally:
        settings._blocking_rules_to_generate_predictions = rules


# a column of either row in a blocking rule's SQL: l."name_core", r.first_name_romanised
_RULE_COLUMN = re.compile(r'\b[lr]\.("?)(\w+)\1')


def rows_paired_with_new(frame: pd.DataFrame, table: pa.Table, is_new: pd.Series,
                         settings: SettingsCreator) -> pd.DataFrame:
    """The rows of `frame` (a matching frame; `table` the same as Arrow) that can be in
    a pair with a new row (`is_new`, by row key), with NEW_ROW: the new rows, and the rows
    some blocking rule of `settings` pairs with one (each rule joined both ways between
    the new rows and every row, in DuckDB, over the Arrow table). Scoring these rows
    with the rules restricted to pairs with a new row (`only_pairs_with_new_rows`)
    finds the same pairs as scoring every row, without Splink's blocking join and
    term-frequency table over the rows that did not change."""
    flags = frame[UNIQUE_ID].map(is_new).to_numpy(dtype=bool)
    rules = settings.get_settings("duckdb")._blocking_rules_to_generate_predictions
    if rules:
        # only the columns the rules compare (a column missed here fails the query, not the result)
        read = sorted({m.group(2) for rule in rules for m in _RULE_COLUMN.finditer(rule.blocking_rule_sql)})
        with working_connection() as con:  # the rows as DuckDB's own table: each rule's join reads it
            con.register("frame_arrow", table.select([UNIQUE_ID, *read]).append_column(NEW_ROW, pa.array(flags)))
            con.execute("CREATE TEMP TABLE frame_rows AS SELECT * FROM frame_arrow")
            con.execute(f"CREATE TEMP TABLE new_rows AS SELECT * FROM frame_rows WHERE {NEW_ROW}")
            partners = " UNION ".join(
                f"SELECT r.{UNIQUE_ID} FROM new_rows l JOIN frame_rows r ON {rule.blocking_rule_sql} "
                f"UNION SELECT l.{UNIQUE_ID} FROM frame_rows l JOIN new_rows r ON {rule.blocking_rule_sql}"
                for rule in rules)
            kept = frame[UNIQUE_ID].isin(con.sql(f"SELECT {UNIQUE_ID} FROM new_rows UNION {partners}").df()[UNIQUE_ID])
    else:
        kept = pd.Series(flags, index=frame.index)
    return frame[kept.to_numpy()].assign(**{NEW_ROW: flags[kept.to_numpy()]}).reset_index(drop=True)


def use_term_frequencies_of(linker: Linker, frame: pd.DataFrame) -> None:
    """Give `linker` (on some of `frame`'s rows) the term frequencies of every row of
    `frame`, counted with Splink's own SQL: the weights of the pairs it scores are
    those scoring every row gives."""
    api = linker._db_api
    api._con.register("every_row_of_type", frame)
    for column in linker._settings_obj._term_frequency_columns:
        counted = api._con.sql(term_frequencies_for_single_column_sql(column, "every_row_of_type")).df()
        linker.table_management.register_term_frequency_lookup(api.register(counted), column.unquote().name)
    api._con.unregister("every_row_of_type")


def previous_carried(warehouse: Path) -> Carried | None:
    """What the last published run's match stage left (None: nothing, or unreadable)."""
    history = read_run_history(Path(warehouse))
    if not history:
        return None
    folder = layout(warehouse).run_match_carry(history[-1]["run_id"])
    try:
        return Carried(rows=pd.read_parquet(folder / ROWS), pairs=pq.read_table(folder / PAIRS),
                       facts=json.loads((folder / FACTS).read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        log.info("match: no pairs carried from the last run (%s)", exc)
        return None


def carried_from(rows: pd.DataFrame, pairs: pd.DataFrame, facts: dict[str, dict]) -> Carried:
    """What the next run carries of this one: its rows (customer_type, row_key, place,
    fingerprint), its pairs (by row key, PAIR_COLUMNS) by their rows' places, and what
    scored them (customer_type -> trained_in_run, prior)."""
    with working_connection() as con:
        con.register("run_rows", rows)
        con.register("run_pairs", pairs)
        by_place = con.sql(f"""
            SELECT p.customer_type, l.place AS place_l, r.place AS place_r, {', '.join(f'p.{c}' for c in PAIR_FIELDS)}
            FROM run_pairs p JOIN run_rows l ON l.{UNIQUE_ID} = p.row_key_l
                 JOIN run_rows r ON r.{UNIQUE_ID} = p.row_key_r
            """).to_arrow_table()
    return Carried(rows=rows[["customer_type", "place", "fingerprint"]], pairs=by_place, facts=facts)


def prune_run_folders(runs: Path, warehouse: Path, run_id: str) -> Path:
    """`runs`/<run id> folders of what runs leave the next one: those of runs other
    than this one and the last published one go; this run's folder, owner-only."""
    history = read_run_history(Path(warehouse))
    keep = {run_id, history[-1]["run_id"] if history else None}
    if runs.is_dir():
        for folder in runs.iterdir():
            if folder.name not in keep:
                shutil.rmtree(folder, ignore_errors=True)
    private_folder(runs)
    return private_folder(runs / run_id)


def keep_for_next_run(warehouse: Path, run_id: str, carried: Carried) -> None:
    """This run's Carried into its folder (prune_run_folders)."""
    folder = prune_run_folders(layout(warehouse).match_carry, warehouse, run_id)
    write_private(folder / ROWS, lambda path: carried.rows.to_parquet(path, index=False))
    write_private(folder / PAIRS, lambda path: pq.write_table(carried.pairs, path))
    text = json.dumps(carried.facts)
    write_private(folder / FACTS, lambda path: Path(path).write_text(text, encoding="utf-8"))


def _log2_odds(probability: float) -> float:
    return math.log2(probability / (1 - probability))
