"""Activity rows' links a nightly run does not score again.

An activity row's link (customer360/resolve.py) is what the run's models make of
its query (the row standardised, as one or both customer types) against the
masters' rows (the index). Its score changes only when its query changes, or the
rows of a master it is scored against change. So the last run's scores of a row
are kept when:

- the row is at the same place in the inbox with the same content (every input
  column; `row_places`), and the last run's models score it (the same run trained
  them, `facts_of`; the same code: CODE);
- its query's columns that depend on the other queries (a name's rarest word
  among the activity rows, whether few of them share the name) came out the same
  over this run's queries;
- neither its best nor its runner-up master changed: a master's index entry is
  the multiset of its rows' features (`master_entries`), compared with the last
  run's;
- it shares no blocking key with a row of a changed (or new) master (`near`):
  such a row could now score better than its best.

Everything else is scored against this run's index. A kept score differs from
scoring again in what Splink's term frequencies are counted on (the last run's
rows) and the prior: its weights are moved to this run's prior (the model's prior
falls as 1/rows), as match/carried.py does for pairs. A query has at most
`check.index.DEFAULT_KEY_CAP` candidates per key in row order: a common key whose
rows moved may give another cap; `benchmark-scale` compares the links of a
nightly run with a full run's.

The organisations customer rows name as parent or group (customer_relationships)
are carried the same way, each distinct name known by its text.

What a run leaves for the next is kept in `activity-carry/<run_id>/<kind>/`
(warehouse/layout.py, owner only); the next run takes the folder of the last
published run, the folders of other runs are removed."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import feather

from customer_master.check.keys import sharing_a_key
from customer_master.match.carried import ROW_PLACE_SQL, prune_run_folders
from customer_master.match.features import UNCOMMON_COLUMNS, if_uncommon, rarest_word, word_frequencies
from customer_master.match.models import UNIQUE_ID
from customer_master.match.scoring import compiled_model
from customer_master.standardise.values import map_distinct
from customer_master.owner_only import private_folder, write_private
from customer_master.warehouse.layout import layout
from customer_master.warehouse.publish import read_run_history
from customer_master.working_db import working_connection

log = logging.getLogger(__name__)

# the queries, the largest part, as an Arrow file (LZ4): at 200k source rows its 155,000 queries
# read in 0.06 s, against 0.3-1.5 s from Parquet on a loaded machine
ROWS, QUERIES, MASTERS, FACTS = "rows.parquet", "queries.arrow", "masters.parquet", "facts.json"
# what is carried: the activity rows (customer_activities), and the organisations the
# customer rows name as parent or group (customer_relationships), each name once
ACTIVITIES, NAMES = "activities", "organisation-names"
PLACE = "place"
RARE_WORD = "name_rare_word"  # the batch-dependent columns: this one and UNCOMMON_COLUMNS
BATCH_COLUMNS = [RARE_WORD, *UNCOMMON_COLUMNS]
BATCH_INPUTS = list(dict.fromkeys(["customer_type", "name_core", *UNCOMMON_COLUMNS.values()]))  # what they are computed from
_PACKAGE = Path(__file__).parent.parent
# the code that decides what a row's query is and how it scores
CODE = [*sorted((_PACKAGE / "standardise").glob("*.py")), *sorted((_PACKAGE / "check").glob("*.py")),
        _PACKAGE / "match" / "features.py", _PACKAGE / "match" / "pair_scorer.py", _PACKAGE / "match" / "scoring.py",
        _PACKAGE / "customer360" / "resolve.py", _PACKAGE / "customer360" / "scored_rows.py", Path(__file__)]


@dataclass
class CarriedLinks:
    rows: pd.DataFrame  # place, content, SCORE_COLUMNS: the last run's scores of its rows
    queries: pa.Table  # place, customer_type and the matching-frame columns of each query (Arrow: a run
    # turns into pandas only the columns and queries it asks for)
    masters: pd.DataFrame  # master_id, entry: the masters those rows were scored against
    facts: dict  # code, and per customer type trained_in_run and prior


def facts_of(models: dict[str, dict], training: dict[str, dict]) -> dict:
    """What scored this run's rows: the code, each type's model run and prior."""
    return {"code": _code_version(),
            "types": {t: {"trained_in_run": training.get(t, {}).get("trained_in_run"),
                          "prior": float(m["probability_two_random_records_match"])} for t, m in models.items()}}


def usable(carried: CarriedLinks | None, facts: dict) -> bool:
    """Whether the last run's scores can be kept: the same code and models."""
    if carried is None or carried.facts.get("code") != facts["code"]:
        return False
    before, now = carried.facts.get("types", {}), facts["types"]
    return set(before) == set(now) and all(
        now[t]["trained_in_run"] is not None and before[t]["trained_in_run"] == now[t]["trained_in_run"] for t in now)


def row_places(rows: pd.DataFrame) -> pd.DataFrame:
    """place, content per row (same index): where the row is in the inbox, and a
    hash of every input column but row_key (its position in this run's inbox)."""
    columns = [c for c in rows.columns if c != UNIQUE_ID]
    packed = ", ".join(f'"{c}" := "{c}"' for c in columns)
    with working_connection() as con:
        con.register("activity_rows", rows)  # DuckDB reads the frame's columns in place (no copy of every row)
        found = con.sql(f"""SELECT {ROW_PLACE_SQL} AS {PLACE}, hash(struct_pack({packed})) AS content
                            FROM activity_rows""").df()  # a scan in order: one row per input row, as given
    return found.set_axis(rows.index)


def master_entries(match_input: pa.Table) -> pd.DataFrame:
    """master_id, entry: each master's rows as the index holds them (their features,
    not their row keys, which move), as one number."""
    columns = [c for c in match_input.column_names if c not in ("master_id", UNIQUE_ID)]
    packed = ", ".join(f'"{c}" := "{c}"' for c in columns)
    with working_connection() as con:
        con.register("known_rows", match_input)
        return con.sql(f"""SELECT master_id, sum(hash(struct_pack({packed}))::HUGEINT)::VARCHAR AS entry
                           FROM known_rows GROUP BY master_id""").df()


def changed_masters(before: pd.DataFrame, now: pd.DataFrame) -> set[str]:
    """Masters that are new, gone, or whose rows changed."""
    both = before.merge(now, on="master_id", how="outer", suffixes=("_before", "_now"))
    return set(both.loc[both["entry_before"].ne(both["entry_now"]) | both["entry_before"].isna()
                        | both["entry_now"].isna(), "master_id"])


def with_batch_columns(queries: pd.DataFrame) -> pd.DataFrame:
    """The queries' columns that depend on the other queries, computed over all of
    them, as matching_frame computes them over the rows it is given."""
    frequencies = word_frequencies(queries["name_core"])
    out = queries.assign(**{RARE_WORD: map_distinct(queries["name_core"], lambda c: rarest_word(c, frequencies))})
    for column, source in UNCOMMON_COLUMNS.items():
        out[column] = if_uncommon(out[source], out["customer_type"].to_numpy())
    for column in BATCH_COLUMNS:
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def batch_changed(carried: pd.DataFrame, now: pd.DataFrame) -> pd.Series:
    """Per query (same index): whether its batch-dependent columns differ from the carried ones."""
    differs = pd.Series(False, index=now.index)
    for column in BATCH_COLUMNS:
        a, b = carried[column], now[column]
        differs |= ~((a == b) | (a.isna() & b.isna()))
    return differs


def queries_at(queries: pa.Table, label_of: pd.Series) -> tuple[pa.Table, np.ndarray]:
    """The carried queries of the places `label_of` gives a row label (place -> label),
    and each one's label, in the carried order."""
    places = queries.column(PLACE)
    try:  # Arrow's hash lookup: the carried places never become Python strings
        at = pc.index_in(places, value_set=pa.array(label_of.index.to_numpy(), places.type))
        found = pc.is_valid(at).to_numpy(zero_copy_only=False)
        at = pc.fill_null(at, -1).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        at = pd.Index(label_of.index).get_indexer(places.to_pandas())
        found = at >= 0
    return queries.filter(pa.array(found)), label_of.to_numpy()[at[found]]


def with_columns(queries: pa.Table, columns: pd.DataFrame) -> pa.Table:
    """The Arrow queries with `columns` (text, in their order) in place of their own."""
    for name in columns.columns:
        values = pa.Array.from_pandas(columns[name].reset_index(drop=True), type=pa.string())
        at = queries.schema.get_field_index(name)
        queries = queries.set_column(at, name, values) if at >= 0 else queries.append_column(name, values)
    return queries


def joined_queries(kept: pa.Table | None, fresh: pa.Table) -> pa.Table:
    """What the next run keeps of the queries: the kept ones, then the fresh ones."""
    if kept is None or not kept.num_rows:
        return fresh
    if not fresh.num_rows:
        return kept
    try:  # a column only nulls filled in one of them is text in both
        return pa.concat_tables([kept.replace_schema_metadata(None),
                                 fresh.select(kept.column_names).replace_schema_metadata(None)],
                                promote_options="permissive")
    except (KeyError, pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pa.Table.from_pandas(pd.concat([kept.to_pandas(), fresh.to_pandas()], ignore_index=True),
                                    preserve_index=False)


def near(queries: pd.DataFrame | pa.Table, known: pa.Table, models: dict[str, dict]) -> np.ndarray:
    """Per query (position): whether it shares a blocking key of its type's model with
    one of the `known` rows (match_input rows): whether they could be a candidate pair."""
    hit = np.zeros(len(queries), bool)
    with working_connection() as con:
        for blocking, mine, _, asked, rows in _by_type(queries, known, models):
            hit[mine[sharing_a_key(asked, rows, blocking, con)]] = True
    return hit


def known_near(known: pa.Table, queries: pd.DataFrame, models: dict[str, dict]) -> np.ndarray:
    """Per known row (match_input rows, position): whether it shares a blocking key of its
    type's model with one of the queries: the rows that may be their candidates."""
    hit = np.zeros(known.num_rows, bool)
    with working_connection() as con:
        for blocking, _, theirs, asked, rows in _by_type(queries, known, models):
            hit[theirs[sharing_a_key(rows, asked, blocking, con)]] = True
    return hit


def _by_type(queries: pd.DataFrame | pa.Table, known: pa.Table, models: dict[str, dict]):
    """Per customer type with queries and known rows: its model's blocking keys, the
    positions of its queries and of its known rows, and their key columns (the queries'
    in the known rows' types)."""
    if not len(queries) or not known.num_rows:
        return
    arrow = isinstance(queries, pa.Table)
    types = queries.column("customer_type").to_numpy(zero_copy_only=False) if arrow else \
        queries["customer_type"].to_numpy()
    known_types = known.column("customer_type").to_numpy(zero_copy_only=False)
    for name, model in models.items():
        mine, theirs = np.flatnonzero(types == name), np.flatnonzero(known_types == name)
        if not len(mine) or not len(theirs):
            continue
        blocking = compiled_model(model).blocking
        columns = list(dict.fromkeys(c for key in blocking for c in key.columns))
        rows = known.select(columns).take(pa.array(theirs))
        asked = pa.table({c: _as_type(_column(queries, c, mine), len(mine), rows.schema.field(c).type)
                          for c in columns})
        yield blocking, mine, theirs, asked, rows.cast(asked.schema)


def shifted(scores: pd.DataFrame, before: dict, now: dict) -> pd.DataFrame:
    """Scores moved from the priors they were made with to this run's (per type)."""
    out = scores.copy()
    for weight, probability, kind in (("match_weight", "match_probability", "customer_type"),
                                      ("runner_up_weight", "runner_up_probability", "runner_up_type")):
        for name, facts in now.items():
            shift = _log2_odds(facts["prior"]) - _log2_odds(before[name]["prior"])
            if shift == 0:
                continue
            at = out[kind].eq(name) & out[weight].notna()
            moved = out.loc[at, weight].astype(float) + shift
            out.loc[at, weight] = moved
            out.loc[at, probability] = 1 / (1 + np.power(2.0, -moved))
    return out


def previous_links(warehouse: Path, kind: str) -> CarriedLinks | None:
    """What the last published run left of `kind` (ACTIVITIES, NAMES; None: nothing, or unreadable)."""
    history = read_run_history(Path(warehouse))
    if not history:
        return None
    folder = layout(warehouse).run_activity_carry(history[-1]["run_id"]) / kind
    try:
        return CarriedLinks(rows=pd.read_parquet(folder / ROWS), queries=feather.read_table(folder / QUERIES),
                            masters=pd.read_parquet(folder / MASTERS),
                            facts=json.loads((folder / FACTS).read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        log.info("%s: no scores carried from the last run (%s)", kind, exc)
        return None


def keep_for_next_run(warehouse: Path, run_id: str, kind: str, carried: CarriedLinks) -> None:
    """This run's scores of `kind` into its folder; the folders of runs other than this
    one and the last published one go."""
    folder = private_folder(prune_run_folders(layout(warehouse).activity_carry, warehouse, run_id) / kind)
    try:
        for name, frame in ((ROWS, carried.rows), (MASTERS, carried.masters)):
            write_private(folder / name, lambda path, frame=frame: frame.to_parquet(path, index=False))
        write_private(folder / QUERIES, lambda path: feather.write_feather(carried.queries, path, compression="lz4"))
        text = json.dumps(carried.facts)
        write_private(folder / FACTS, lambda path: Path(path).write_text(text, encoding="utf-8"))
    except (ValueError, TypeError, OSError) as exc:  # values Parquet cannot hold: the next run scores every row
        log.info("%s: scores not kept for the next run (%s)", kind, exc)
        shutil.rmtree(folder, ignore_errors=True)


def _column(queries: pd.DataFrame | pa.Table, column: str, at: np.ndarray) -> pd.Series | pa.Array | None:
    """A column of the queries at positions `at` (None: they have no such column)."""
    if isinstance(queries, pa.Table):
        return queries.column(column).take(pa.array(at)) if column in queries.column_names else None
    return queries[column].iloc[at] if column in queries else None


def _as_type(values: pd.Series | pa.ChunkedArray | None, n: int, arrow_type: pa.DataType) -> pa.Array:
    if pa.types.is_null(arrow_type):
        arrow_type = pa.string()
    if values is None:
        return pa.nulls(n, arrow_type)
    if not isinstance(values, pd.Series):  # Arrow: cast as it is, else value by value as below
        try:
            return pc.cast(values, arrow_type).combine_chunks() if isinstance(values, pa.ChunkedArray) else \
                pc.cast(values, arrow_type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            values = values.to_pandas()
    try:  # column by column; values of another type than the known rows' go value by value
        return pa.Array.from_pandas(values.reset_index(drop=True), type=arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    listed = [None if v is None or (isinstance(v, float) and v != v) or v is pd.NA else v
              for v in values.astype(object).tolist()]
    if pa.types.is_string(arrow_type):
        listed = [v if v is None or isinstance(v, str) else str(v) for v in listed]
    return pa.array(listed, arrow_type)


def _log2_odds(probability: float) -> float:
    return math.log2(probability / (1 - probability))


@lru_cache(maxsize=None)
def _code_version() -> str:
    digest = hashlib.sha256()
    for module in CODE:
        digest.update(module.read_bytes())
    return digest.hexdigest()

