"""CandidateIndex: the known rows (master.match_input), their term frequencies,
key lookups for every blocking rule of the saved models, and the models' scoring
SQL, held in memory to score new records against.

Candidates are the rows a model's own blocking rules would pair with the record
(equality on the rule's columns, looked up through `keys.KeyIndex`); pairs are
scored from the saved model's match-weight tables in numpy
(`match.pair_scorer`; `engine="sql"` runs the compiled SQL of
`match.scoring.compile_model` instead, the reference the tests hold it to), so a
score is Splink's score of that pair."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from customer_master.check.keys import ValueTable, key_part_values, keys_hashes
from customer_master.check.scored_pairs import batches, pairs_at, scored_by_sql, top_hits
from customer_master.check.type_index import TypeIndex, build_type_index, query_columns
from customer_master.check.warehouse_file import file_stamp, read_warehouse
from customer_master.match.scoring import compiled_model
from customer_master.match.threshold import DEFAULT_MATCH_THRESHOLD
from customer_master.working_db import working_connection

log = logging.getLogger(__name__)

# At most this many known rows per query and blocking rule: a key thousands of
# rows share (a common name among a million persons) is little evidence, and the
# true master is also found through its other keys.
DEFAULT_KEY_CAP = 500
PAIRS_PER_BATCH = 250_000  # candidate pairs scored at once (at 1,000,000 the activities of 200k rows peaked 0.14 GiB higher)
DISPLAY_COLUMNS = ["name", "mobile", "phone", "email", "address", "city"]
RESULT_COLUMNS = ["row_key", "rank", "master_id", "match_probability", "match_weight", "evidence", "source_row_key"]


@dataclass
class _Source:
    path: Path
    stamp: tuple  # (inode, mtime_ns, size) of the file the index was read from


@dataclass
class IndexStats:
    rows: dict[str, int] = field(default_factory=dict)
    masters: int = 0
    load_seconds: float = 0.0
    run_id: str | None = None


class CandidateIndex:
    def __init__(self, match_input: pa.Table, models: dict[str, dict], threshold: float = DEFAULT_MATCH_THRESHOLD,
                 customers: pa.Table | None = None, key_cap: int = DEFAULT_KEY_CAP,
                 counted_on: pa.Table | None = None):
        """counted_on: the known rows term frequencies are counted on, when `match_input`
        holds only some of them (the rows a batch of queries may meet; default: match_input)."""
        started = time.monotonic()
        self.threshold = float(threshold)
        self.key_cap = key_cap
        self.models = models
        self._types: dict[str, TypeIndex] = {}
        self._con = working_connection()
        self._lock = threading.Lock()
        self._source: _Source | None = None
        self.stats = IndexStats()
        customer_type = match_input.column("customer_type")
        for name, model in models.items():
            subset = match_input.filter(pc.equal(customer_type, name))
            counted = None
            if counted_on is not None:  # only the columns counted, of this type's rows
                tf_columns = [c for c in compiled_model(model).tf_columns if c in counted_on.column_names]
                counted = counted_on.select(["customer_type", *tf_columns])
                counted = counted.filter(pc.equal(counted.column("customer_type"), name))
            self._types[name] = build_type_index(subset, compiled_model(model), model, counted)
            self.stats.rows[name] = subset.num_rows
        self._customers = None
        if customers is not None and customers.num_rows:
            customers = customers.combine_chunks()
            self._customers = (customers, ValueTable(customers.column("master_id"),
                                                     np.arange(customers.num_rows, dtype=np.int64)))
            self.stats.masters = customers.num_rows
        else:
            self.stats.masters = len(pc.unique(match_input.column("master_id")))
        self.stats.load_seconds = time.monotonic() - started

    # --- constructors -------------------------------------------------------------

    @classmethod
    def from_frames(cls, match_input: pd.DataFrame, models: dict[str, dict | str],
                    threshold: float = DEFAULT_MATCH_THRESHOLD, customers: pd.DataFrame | None = None,
                    key_cap: int = DEFAULT_KEY_CAP) -> "CandidateIndex":
        """match_input: master_id, customer_type and the matching frame's columns
        (`matching_frame` of standardised rows); models: customer_type -> Splink model
        JSON (dict or text); customers (optional): master_id and the display columns."""
        models = {t: json.loads(m) if isinstance(m, str) else m for t, m in models.items()}
        table = pa.Table.from_pandas(match_input.reset_index(drop=True), preserve_index=False)
        shown = None
        if customers is not None:
            keep = ["master_id", *[c for c in DISPLAY_COLUMNS if c in customers]]
            shown = pa.Table.from_pandas(customers[keep].reset_index(drop=True), preserve_index=False)
        return cls(table, models, threshold, shown, key_cap)

    @classmethod
    def from_warehouse(cls, path: Path | str, key_cap: int = DEFAULT_KEY_CAP) -> "CandidateIndex":
        """Read what the check needs from a published warehouse into memory and close
        it (the pipeline swaps in a new file with os.replace; see `refresh`)."""
        path = Path(path)
        started = time.monotonic()
        match_input, models, threshold, customers, run_id, stamp = read_warehouse(path, DISPLAY_COLUMNS)
        threshold = DEFAULT_MATCH_THRESHOLD if threshold is None else threshold
        index = cls(match_input, models, threshold, customers, key_cap)
        index._source = _Source(path, stamp)
        index.stats.run_id = run_id
        index.stats.load_seconds = time.monotonic() - started
        return index

    # --- reloading ----------------------------------------------------------------

    @property
    def warehouse(self) -> Path | None:
        return self._source.path if self._source else None

    def is_stale(self) -> bool:
        """Whether the warehouse file was replaced since the index read it."""
        if self._source is None:
            return False
        try:
            return file_stamp(self._source.path) != self._source.stamp
        except FileNotFoundError:
            return False  # between an unlink and a rename, or gone: keep what we have

    def refresh(self, force: bool = False) -> bool:
        """Reload from the warehouse when it was republished; True when reloaded.
        Scoring goes on against the old index until the new one is complete."""
        if self._source is None or not (force or self.is_stale()):
            return False
        fresh = CandidateIndex.from_warehouse(self._source.path, self.key_cap)
        with self._lock:
            self.__dict__.update({k: v for k, v in fresh.__dict__.items() if k != "_lock"})
        log.info("check: index reloaded from %s (run %s)", self._source.path, self.stats.run_id)
        return True

    # --- scoring ------------------------------------------------------------------

    @property
    def customer_types(self) -> list[str]:
        return list(self._types)

    def score(self, queries: pd.DataFrame, top: int = 5, engine: str = "numpy") -> pd.DataFrame:
        """queries: standardised rows (`standardise_rows` output: row_key, customer_type
        and the standardised fields). Per query row_key, the `top` most likely masters:
        RESULT_COLUMNS, one row per (query, master) from the master's best-scoring row."""
        from customer_master.match.features import matching_frame

        frame = matching_frame(queries)
        frame.insert(0, "customer_type", queries["customer_type"].to_numpy())
        return self.score_matching(frame, top, engine)

    def score_matching(self, frame: pd.DataFrame, top: int = 5, engine: str = "numpy",
                       evidence: bool = True) -> pd.DataFrame:
        """Like `score`, from matching-frame rows (customer_type, row_key and the
        compared columns) rather than standardised rows. Column by column: a run's
        tens of thousands of activity rows are never turned into dicts. evidence=False:
        the column is None (a JSON text per hit that linking activity rows never reads)."""
        if not frame.index.equals(pd.RangeIndex(len(frame))):
            frame = frame.reset_index(drop=True)
        row_keys = frame[_ROW_KEY].to_numpy() if _ROW_KEY in frame else np.full(len(frame), None)
        parts = []
        for name, scored in self.score_pairs_arrays(frame, engine, top=top).items():
            index = self._types[name]
            at, rank = top_hits(scored, index, top)
            c = scored["row"][at]
            fields = {f: w[at].tolist() for f, w in scored["fields"].items()} if evidence else {}
            parts.append(pd.DataFrame({
                "query": scored["query"][at],
                "row_key": row_keys[scored["query"][at]], "rank": rank, "master_id": index.master_ids[c],
                "match_probability": scored["match_probability"][at], "match_weight": scored["match_weight"][at],
                "evidence": [json.dumps({f: round(w[i], 3) for f, w in fields.items()}, ensure_ascii=False)
                             for i in range(len(at))] if evidence else None,
                "source_row_key": index.row_keys[c]}))
        parts = [p for p in parts if len(p)]
        if not parts:
            return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
                RESULT_COLUMNS, ["int64", "int64", "object", "float64", "float64", "object", "int64"])})
        out = pd.concat(parts, ignore_index=True).sort_values(["query", "rank"], ignore_index=True)
        return out[RESULT_COLUMNS]

    def score_records(self, records: list[dict], top: int = 5, engine: str = "numpy") -> list[list[dict]]:
        """Per record (customer_type and the matching-frame columns, as `query.query_values`
        gives them), the `top` most likely masters, most likely first: dicts of rank,
        master_id, match_probability, match_weight, evidence (match weight per
        comparison, rounded to 3 places) and source_row_key (the master's row that scored best)."""
        out = [[] for _ in records]
        for name, scored in self.score_pairs_arrays(records, engine, top=top).items():
            index = self._types[name]
            at, rank = top_hits(scored, index, top)
            for i, r in zip(at.tolist(), rank.tolist()):
                c = scored["row"][i]
                out[int(scored["query"][i])].append({
                    "rank": r,
                    "master_id": index.master_ids[c],
                    "match_probability": float(scored["match_probability"][i]),
                    "match_weight": float(scored["match_weight"][i]),
                    "evidence": {f: round(float(w[i]), 3) for f, w in scored["fields"].items()},
                    "source_row_key": int(index.row_keys[c]),
                })
        return out

    def score_pairs_arrays(self, records: list[dict] | pd.DataFrame, engine: str = "numpy",
                           top: int | None = None) -> dict[str, dict]:
        """Every candidate pair of every record, scored, per customer type: query
        (position in records), row (position in the type's rows), match_weight,
        match_probability, fields (weight per comparison), as numpy arrays.
        records: dicts, or a frame of them (positions are its rows' positions).
        top: only the pairs `top_hits(..., top)` would pick (a record's `top` masters
        by their best rows), kept batch by batch, so that a run's activity rows do
        not hold every candidate pair's weights at once."""
        if self._source is not None:
            self.refresh()
        if isinstance(records, pd.DataFrame):
            types = records["customer_type"].to_numpy() if len(records) else np.empty(0, object)
        else:
            types = np.array([r.get("customer_type") for r in records], dtype=object)
        out = {}
        with self._lock:
            for name, index in self._types.items():
                mine = np.flatnonzero(types == name)
                if len(mine):
                    chosen = records.iloc[mine] if isinstance(records, pd.DataFrame) else [records[i] for i in mine]
                    scored = self._score_type(index, query_columns(chosen, index), engine, top)
                    scored["query"] = mine.astype(np.int64)[scored["query"]]
                    out[name] = scored
        return out

    def score_pairs(self, frame: pd.DataFrame, engine: str = "numpy") -> pd.DataFrame:
        """Every candidate pair of every query, scored: query (position in frame),
        row_key (the query's), source_row_key (the known row's), master_id,
        match_weight, match_probability, evidence."""
        frame = frame.reset_index(drop=True)
        row_keys = frame[_ROW_KEY].to_numpy() if _ROW_KEY in frame else np.full(len(frame), None)
        parts = []
        for name, scored in self.score_pairs_arrays(frame, engine).items():
            index = self._types[name]
            q, c = scored["query"], scored["row"]
            parts.append(pd.DataFrame({
                "query": q, "row_key": row_keys[q],
                "source_row_key": index.row_keys[c], "master_id": index.master_ids[c],
                "match_weight": scored["match_weight"], "match_probability": scored["match_probability"],
                "evidence": [json.dumps({f: round(float(w[i]), 3) for f, w in scored["fields"].items()})
                             for i in range(len(q))]}))
        parts = [p for p in parts if len(p)]
        if not parts:
            return pd.DataFrame(columns=["query", "row_key", "source_row_key", "master_id", "match_weight",
                                         "match_probability", "evidence"])
        return pd.concat(parts, ignore_index=True)

    def candidates(self, index: "TypeIndex", query: dict) -> tuple[np.ndarray, np.ndarray]:
        """(query position, row position) of every pair a blocking rule's keys give
        (at most key_cap rows per query and rule), for the queries' columns."""
        return self._candidates(index, self._query_keys(index, query))

    def _candidates(self, index: "TypeIndex", keys: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        found_q, found_c = [], []
        for (hashes, present), lookup in zip(keys, index.keys):
            q, c = lookup.join(hashes, present, self.key_cap)
            found_q.append(q)
            found_c.append(c)
        q, c = np.concatenate(found_q), np.concatenate(found_c)
        if len(q):
            n = np.int64(index.rows.num_rows)
            pair_id = np.unique(q * n + c)
            q, c = pair_id // n, pair_id % n
        return q, c

    def _query_keys(self, index: "TypeIndex", query: dict) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each blocking key's (hash, present) per query."""
        columns = list(dict.fromkeys(c for key in index.model.blocking for c in key.columns))
        table = pa.table({c: query[c][1] for c in columns})
        return keys_hashes(key_part_values(table, index.model.blocking, self._con))

    def _score_type(self, index: "TypeIndex", query: dict, engine: str, top: int | None = None) -> dict:
        """The queries (their columns) scored in batches of about PAIRS_PER_BATCH
        candidate pairs, so that memory stays bounded however many queries come at
        once (a run's activity rows)."""
        keys = self._query_keys(index, query)
        per_query = sum(np.minimum(lookup.counts(hashes, present), self.key_cap)
                        for (hashes, present), lookup in zip(keys, index.keys))
        parts = []
        for start, stop in batches(np.asarray(per_query, np.int64), PAIRS_PER_BATCH):
            part = self._score_batch(index, {k: (v[0][start:stop], None if v[1] is None else v[1][start:stop])
                                             for k, v in query.items()},
                                     [(h[start:stop], p[start:stop]) for h, p in keys], engine)
            part["query"] = part["query"] + start
            if top is not None:  # a query's pairs are all in one batch: its best are among them
                part = pairs_at(part, np.sort(top_hits(part, index, top)[0]))
            parts.append(part)
        if len(parts) == 1:
            return parts[0]
        return {"query": np.concatenate([p["query"] for p in parts]),
                "row": np.concatenate([p["row"] for p in parts]),
                "match_weight": np.concatenate([p["match_weight"] for p in parts]),
                "match_probability": np.concatenate([p["match_probability"] for p in parts]),
                "fields": {f: np.concatenate([p["fields"][f] for p in parts]) for f in index.model.comparisons}}

    def _score_batch(self, index: "TypeIndex", query: dict, keys: list, engine: str) -> dict:
        q, c = self._candidates(index, keys)
        model = index.model
        empty = {"query": np.empty(0, np.int64), "row": np.empty(0, np.int64), "match_weight": np.empty(0),
                 "match_probability": np.empty(0), "fields": {f: np.empty(0) for f in model.comparisons}}
        if not len(q):
            return empty
        known = index.rows.select(index.pair_columns).take(pa.array(c))
        columns = {}
        for column in index.pair_columns:
            right = known.column(column).to_numpy(zero_copy_only=False)
            columns[f"{column}_l"] = query[column][0][q]
            columns[f"{column}_r"] = right.astype(np.float64) if column.startswith("tf_") else right
        if engine == "sql":
            scored = scored_by_sql(self._con, index, columns, len(q))
        else:
            scored = index.scorer.score(columns, len(q), self._con)
        keep = scored["blocked"]
        return {"query": q[keep], "row": c[keep], "match_weight": scored["match_weight"][keep],
                "match_probability": scored["match_probability"][keep],
                "fields": {f: w[keep] for f, w in scored["fields"].items()}}

    # --- display ------------------------------------------------------------------

    def masters(self, master_ids: list[str]) -> pd.DataFrame:
        """The golden display fields of these masters (master_id only when the index
        was built without customers)."""
        return pd.DataFrame(self.master_records(master_ids), columns=["master_id", *self._display_columns()])

    def master_records(self, master_ids: list[str]) -> list[dict]:
        """The golden display fields of these masters, as dicts, in the order given."""
        if self._customers is None or not master_ids:
            return [{"master_id": m} for m in master_ids]
        table, lookup = self._customers
        at, found = lookup.get(pa.array(master_ids, pa.string()))
        rows = table.take(pa.array(np.where(found, at, 0))).to_pylist()
        return [row if ok and row["master_id"] == m else {"master_id": m}
                for m, row, ok in zip(master_ids, rows, found.tolist())]

    def _display_columns(self) -> list[str]:
        return [c for c in self._customers[0].column_names if c != "master_id"] if self._customers else []


_ROW_KEY = "row_key"
