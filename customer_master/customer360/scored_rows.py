"""The scores of a run's named activity rows: scored against this run's masters
where something they depend on changed, kept from the last run where nothing did
(customer360/carried_links.py says when that is)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from customer_master.check import CandidateIndex
from customer_master.customer360.carried_links import (BATCH_COLUMNS, BATCH_INPUTS, PLACE, CarriedLinks,
                                                       batch_changed, changed_masters, facts_of, joined_queries,
                                                       known_near, master_entries, near, queries_at, row_places,
                                                       shifted, usable, with_batch_columns, with_columns)
from customer_master.customer360.resolve import ORIGIN, SCORE_COLUMNS, queries_of, with_masters

log = logging.getLogger(__name__)


# queries this many times fewer than the known rows are scored against the rows they may
# meet alone; more, and finding those rows would cost about what it saves
FEW_QUERIES = 5


@dataclass
class KnownMasters:
    """This run's masters as rows are scored against them: the features of every row
    in a master (features.match_input), the models and what trained them."""
    match_input: pa.Table
    models: dict[str, dict]
    training: dict[str, dict]
    threshold: float

    def index_for(self, queries: pd.DataFrame) -> CandidateIndex:
        """The index of the known rows these queries may meet (those that share a blocking
        key with one of them), term frequencies counted on every known row: it scores them
        as the index of every known row does (a key's rows keep their order, so a common
        key's first `key_cap` rows are the same), without hashing the keys of the rest."""
        if len(queries) * FEW_QUERIES > self.match_input.num_rows:  # (a full run: every row is near some)
            return CandidateIndex(self.match_input, self.models, self.threshold)
        near_rows = known_near(self.match_input, queries, self.models)
        if near_rows.all():
            return CandidateIndex(self.match_input, self.models, self.threshold)
        return CandidateIndex(self.match_input.filter(pa.array(near_rows)), self.models, self.threshold,
                              counted_on=self.match_input)


# named rows standardised into queries at once: at a million source rows, standardising the
# 388k activity rows in one go took 1.6 GiB for the moment it lasted
QUERY_BATCH_ROWS = 100_000


def queries_in_batches(rows: pd.DataFrame) -> pd.DataFrame:
    """queries_of(rows), QUERY_BATCH_ROWS rows at a time, in queries_of's order (every row's
    first query in the rows' order, then the second queries). Standardising a row depends
    on that row alone; the columns that depend on the other queries come out per batch here
    and are counted again over all of them by with_batch_columns."""
    if len(rows) <= QUERY_BATCH_ROWS:
        return queries_of(rows)
    firsts, seconds = [], []
    for start in range(0, len(rows), QUERY_BATCH_ROWS):
        batch = rows.iloc[start:start + QUERY_BATCH_ROWS]
        queries = queries_of(batch)
        firsts.append(queries.iloc[:len(batch)])
        seconds.append(queries.iloc[len(batch):])
    queries = pd.concat([q for q in firsts + seconds if len(q)], ignore_index=True)
    if "row_key" in queries:  # a query's place among all of them, as queries_of numbers them
        queries["row_key"] = np.arange(len(queries), dtype=queries["row_key"].dtype)
    return queries


@dataclass
class ScoredRows:
    scores: pd.DataFrame  # SCORE_COLUMNS per row (indexed like the rows)
    next_run: CarriedLinks | None  # what the next run may keep of these scores
    rows_scored: int  # rows scored against the masters in this run
    rows_kept: int  # rows whose scores came from the last run


def score_named_rows(rows: pd.DataFrame, masters: KnownMasters | None, carried: CarriedLinks | None = None,
                     places: pd.DataFrame | None = None) -> ScoredRows:
    """rows: ingest-shaped rows with a name; carried: the last run's (None: score every
    row); places: place and content per row, what a row is known by from run to run
    (default: `row_places`, its place in the inbox and its cells)."""
    if masters is None or rows.empty:
        queries = queries_of(rows)
        scores = with_masters(pd.DataFrame({"guessed_type": queries["customer_type"].to_numpy()[:len(rows)]},
                                           index=rows.index), queries, None)
        return ScoredRows(scores, None, 0, 0)
    facts = facts_of(masters.models, masters.training)
    places = row_places(rows) if places is None else places
    entries = master_entries(masters.match_input)
    if not usable(carried, facts):
        carried = None
    before = carried.rows.drop_duplicates(PLACE).set_index(PLACE) if carried is not None else None
    if before is not None:
        same = places[PLACE].map(before["content"]).eq(places["content"])
        kept = places.index[same.fillna(False).astype(bool).to_numpy()]
    else:
        kept = rows.index[:0]
    new = rows.drop(index=kept) if len(kept) else rows  # (a full run: no copy of every row)
    fresh = queries_in_batches(new)
    guessed = pd.Series(fresh["customer_type"].to_numpy()[:len(new)], index=new.index, dtype=object)
    again = new.index
    del new

    kept_queries, kept_origin = None, np.empty(0, object)
    if len(kept):  # the last run's queries of the kept rows, as Arrow: only the columns asked for become pandas
        label_of = pd.Series(kept, index=places.loc[kept, PLACE].to_numpy())
        kept_queries, kept_origin = queries_at(carried.queries, label_of)
    # the batch-dependent columns over every query, from the few columns they depend on; the
    # carried ones when this run's queries are the last run's (they were counted over those)
    same_queries = bool(len(kept)) and fresh.empty and kept_queries.num_rows == carried.queries.num_rows
    differs, kept_now = _batch_columns(fresh, kept_queries, kept, same_queries)
    if kept_now is not None:
        kept_queries = with_columns(kept_queries, kept_now[BATCH_COLUMNS])
    elif same_queries:  # text, as with_columns makes them (a column of nulls alone comes back of Arrow's null type)
        kept_queries = kept_queries.cast(pa.schema(
            [f.with_type(pa.string()) if f.name in BATCH_COLUMNS else f for f in kept_queries.schema],
            metadata=kept_queries.schema.metadata))
    moved = kept_origin[differs]  # kept queries whose batch-dependent columns changed

    if len(kept):
        old = before.loc[places.loc[kept, PLACE]].set_axis(kept)
        guessed = pd.concat([old["guessed_type"], guessed])
        changed = changed_masters(carried.masters, entries)
        # a query whose neighbours in the batch changed, or whose masters did, or that could meet a changed master
        touched = kept[(old["master_id"].isin(changed) | old["runner_up_id"].isin(changed)).to_numpy()]
        rows_of_changed = masters.match_input.filter(pc.is_in(masters.match_input.column("master_id"),
                                                              pa.array(sorted(changed), pa.string())))
        met = kept_origin[near(kept_queries, rows_of_changed, masters.models)]
        parts = [np.asarray(part) for part in (again, moved, touched, met) if len(part)]
        again = pd.Index(np.unique(np.concatenate(parts))) if parts else again
    asked = fresh
    if len(kept):
        scored_again = pd.Series(kept_origin).isin(again).to_numpy()
        if scored_again.any():
            asked_kept = kept_queries.filter(pa.array(scored_again)).drop_columns([PLACE]).to_pandas()
            asked = pd.concat([asked_kept.assign(**{ORIGIN: kept_origin[scored_again]}), fresh], ignore_index=True)
    scored = with_masters(pd.DataFrame({"guessed_type": guessed.loc[again]}, index=again),
                          asked, masters.index_for(asked)) if len(again) else pd.DataFrame(columns=SCORE_COLUMNS)
    del asked
    fresh_next = pa.Table.from_pandas(fresh.assign(**{PLACE: fresh[ORIGIN].map(places[PLACE]).to_numpy()})
                                      .drop(columns=ORIGIN), preserve_index=False)
    del fresh
    remain = kept.difference(again)
    carried_scores = shifted(before.loc[places.loc[remain, PLACE], SCORE_COLUMNS].set_axis(remain),
                             carried.facts["types"], facts["types"]) if len(remain) else \
        pd.DataFrame(columns=SCORE_COLUMNS)
    scores = pd.concat([s for s in (scored, carried_scores) if len(s)] or [scored]).reindex(rows.index)[SCORE_COLUMNS]
    log.info("%d named rows scored against the masters, %d kept from the last run", len(again), len(remain))
    next_run = CarriedLinks(
        rows=pd.concat([places, scores], axis=1),
        queries=joined_queries(kept_queries, fresh_next),
        masters=entries, facts=facts)
    return ScoredRows(scores, next_run, len(again), len(remain))


def _batch_columns(fresh: pd.DataFrame, kept_queries: pa.Table | None, kept: pd.Index,
                   same_queries: bool) -> tuple[np.ndarray, pd.DataFrame | None]:
    """BATCH_COLUMNS into `fresh` (in place), counted over the kept and the fresh queries;
    and per kept query whether its columns changed, and the kept queries' columns now
    (None: as carried, when `same_queries`: nothing to count again)."""
    if same_queries:
        for column in BATCH_COLUMNS:
            fresh[column] = pd.Series(dtype=object)
        return np.zeros(kept_queries.num_rows, bool), None
    kept_before = kept_queries.select(BATCH_INPUTS + BATCH_COLUMNS).to_pandas() if len(kept) else None
    inputs = fresh.reindex(columns=BATCH_INPUTS)
    batch = with_batch_columns(pd.concat([kept_before[BATCH_INPUTS], inputs], ignore_index=True)
                               if len(kept) else inputs)
    n_kept = len(kept_before) if len(kept) else 0
    for column in BATCH_COLUMNS:  # (queries_in_batches numbers its queries from 0: fresh alone needs no renumbering)
        fresh[column] = batch[column].to_numpy()[n_kept:]
    if not len(kept):
        return np.zeros(0, bool), None
    kept_now = batch.iloc[:n_kept].reset_index(drop=True)
    return batch_changed(kept_before, kept_now).to_numpy(), kept_now
