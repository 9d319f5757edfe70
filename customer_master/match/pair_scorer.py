"""Scoring a few pairs of a saved Splink model in numpy.

The duplicate check (customer_master/check) and the customer 360's resolver
(through the check's `CandidateIndex`) score tens to a few thousand pairs per
call; a DuckDB query per call costs more than the arithmetic. `PairScorer` evaluates the same model in numpy:
every level's condition is read from its SQL (sqlglot) and evaluated with SQL's
three-valued logic on column arrays; the parts numpy cannot evaluate as DuckDB
does (jaro_winkler_similarity, damerau_levenshtein, dates...) go to DuckDB in one
query per call, as whole predicates, so their truth is DuckDB's own. The match
weights are the m/u tables Splink's classes compute, summed in the order of the
SQL, so a pair's weight and probability equal the compiled SQL's (and Splink's)."""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sqlglot
from sqlglot import exp
from splink.internals.misc import prob_to_match_weight
from splink.internals.settings_creator import SettingsCreator

from customer_master.match.scoring import blocking_key, quoted, without_dialect_tags
from customer_master.working_db import parsed_statement


# Up to this many pairs the opaque predicates' inputs go to DuckDB as list parameters
# (0.2 ms less than registering an Arrow table for a check's few pairs); above it as
# an Arrow table (no Python object per pair).
LISTED_PAIRS = 256
_OPAQUE_PAIRS = "opaque_pairs"


class _Bool:
    """A SQL boolean column: value where not null."""
    __slots__ = ("value", "null")

    def __init__(self, value, null):
        self.value, self.null = value, null

    @property
    def true(self):
        return self.value & ~self.null


@dataclass
class _Level:
    condition: object  # compiled condition (callable on a _Frame) or None for ELSE
    value: int  # comparison vector value
    weight: float
    tf_column: str | None = None
    tf_weight: float = 0.0
    tf_log2_u: float = 0.0
    tf_min_u: float = 0.0


@dataclass
class _Comparison:
    name: str
    levels: list[_Level]
    has_tf: bool


class _Frame:
    """The pair columns one evaluation reads: <column>_l / _r as numpy arrays."""

    def __init__(self, columns: dict[str, np.ndarray], opaque: dict[str, _Bool], n: int):
        self.columns, self.opaque, self.n = columns, opaque, n
        self._nulls: dict[str, np.ndarray] = {}

    def null(self, name: str) -> np.ndarray:
        found = self._nulls.get(name)
        if found is None:
            values = self.columns[name]
            found = _null_mask(values)
            self._nulls[name] = found
        return found


def _null_mask(values: np.ndarray) -> np.ndarray:
    if values.dtype == object:
        # `v is None` per value, in C: an identity test, never a value's own __eq__
        return np.frompyfunc(operator.is_, 2, 1)(values, None).astype(bool) if len(values) else \
            np.zeros(0, bool)
    if values.dtype.kind == "f":
        return np.isnan(values)
    return np.zeros(len(values), bool)


class Unsupported(Exception):
    pass


_COMPARE = {exp.EQ: np.equal, exp.NEQ: np.not_equal, exp.GT: np.greater, exp.GTE: np.greater_equal,
            exp.LT: np.less, exp.LTE: np.less_equal}


class PairScorer:
    """A saved model's comparisons as numpy evaluations over pair columns."""

    def __init__(self, model: dict, column_types: dict[str, str] | None = None):
        settings = SettingsCreator.from_path_or_dict(without_dialect_tags(model)).get_settings("duckdb")
        self.column_types = column_types or {}
        self.opaque: dict[str, tuple[str, list[str]]] = {}  # key -> (DuckDB SQL, pair columns read)
        self.prior_weight = prob_to_match_weight(settings.core_model_settings.probability_two_random_records_match)
        self.comparisons: list[_Comparison] = []
        for comparison in settings.comparisons:
            levels = comparison.comparison_levels
            compiled = []
            for lvl in levels:
                condition = None if lvl._is_else_level else self._compile(sqlglot.parse_one(lvl.sql_condition,
                                                                                            read="duckdb"))
                entry = _Level(condition, lvl.comparison_vector_value, float(lvl._match_weight))
                if not (lvl.comparison_vector_value == -1 or not lvl._has_tf_adjustments
                        or lvl._tf_adjustment_weight == 0 or lvl._is_else_level):
                    entry.tf_column = lvl._tf_adjustment_input_column.unquote().name
                    entry.tf_weight = float(lvl._tf_adjustment_weight)
                    entry.tf_log2_u = math.log2(lvl._u_probability_corresponding_to_exact_match(levels))
                    entry.tf_min_u = float(lvl._tf_minimum_u_value)
                compiled.append(entry)
            self.comparisons.append(_Comparison(comparison.output_column_name, compiled,
                                                comparison._has_tf_adjustments))
        self.blocking = [self._compile(sqlglot.parse_one(blocking_key(rule.blocking_rule_sql).condition,
                                                         read="duckdb"))
                         for rule in settings._blocking_rules_to_generate_predictions]
        self._opaque_sql = None
        if self.opaque:
            inputs = sorted({c for _, cols in self.opaque.values() for c in cols})
            self._opaque_inputs = inputs
            cast = {c: self.column_types.get(c.rsplit("_", 1)[0]) or "VARCHAR" for c in inputs}
            self._opaque_keys = list(self.opaque)
            select = ", ".join(f"({self.opaque[k][0]}) AS o{i}" for i, k in enumerate(self._opaque_keys))
            listed = ", ".join(f"unnest(?::{cast[c]}[]) AS {quoted(c)}" for c in inputs)
            self._opaque_sql = f"SELECT {select} FROM (SELECT {listed})"
            typed = ", ".join(f"CAST({quoted(c)} AS {cast[c]}) AS {quoted(c)}" for c in inputs)
            self._opaque_table_sql = f"SELECT {select} FROM (SELECT {typed} FROM {_OPAQUE_PAIRS})"

    # --- compiling conditions ------------------------------------------------------

    def _compile(self, node):
        """A condition tree as a function of a _Frame giving a value (numpy array or
        scalar, with a null mask) or a _Bool."""
        if isinstance(node, exp.Paren):
            return self._compile(node.this)
        if isinstance(node, exp.And) or isinstance(node, exp.Or):
            left, right = self._compile(node.this), self._compile(node.expression)
            conj = isinstance(node, exp.And)

            def junction(frame):
                a, b = _as_bool(left(frame), frame), _as_bool(right(frame), frame)
                a_false, b_false = ~a.value & ~a.null, ~b.value & ~b.null
                if conj:
                    true, false = a.true & b.true, a_false | b_false
                else:
                    true, false = a.true | b.true, a_false & b_false
                return _Bool(true, ~(true | false))
            return junction
        if isinstance(node, exp.Not):
            inner = self._compile(node.this)

            def negation(frame):
                a = _as_bool(inner(frame), frame)
                return _Bool(~a.value, a.null)
            return negation
        if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
            inner = self._compile(node.this)

            def is_null(frame):
                _, null = _as_value(inner(frame), frame)
                return _Bool(np.broadcast_to(null, (frame.n,)).copy(), np.zeros(frame.n, bool))
            return is_null
        if isinstance(node, exp.Column) and node.table == "":
            name = node.name

            def column(frame):
                return ("column", name)
            return column
        if type(node) in _COMPARE and all(isinstance(side, (exp.Column, exp.Literal, exp.Paren))
                                          for side in (node.this, node.expression)) \
                and not any(isinstance(side, exp.Literal) for side in (node.this, node.expression)):
            left, right, op = self._compile(node.this), self._compile(node.expression), _COMPARE[type(node)]
            if op is not np.equal and op is not np.not_equal:
                return self._opaque(node)

            def compare(frame):
                a, a_null = _as_value(left(frame), frame)
                b, b_null = _as_value(right(frame), frame)
                null = a_null | b_null
                with np.errstate(all="ignore"):
                    value = _elementwise(op, a, b, frame.n)
                return _Bool(value & ~null, null)
            return compare
        return self._opaque(node)

    def _opaque(self, node):
        """A predicate DuckDB evaluates (one query per scoring call, all of them at once)."""
        columns = sorted({c.name for c in node.find_all(exp.Column)})
        for c in columns:
            if not (c.endswith("_l") or c.endswith("_r")):
                raise Unsupported(f"column {c} is not a pair column")
        sql = node.sql(dialect="duckdb")
        key = sql
        self.opaque.setdefault(key, (sql, columns))

        def opaque(frame):
            return frame.opaque[key]
        return opaque

    # --- evaluating ------------------------------------------------------------------

    def evaluate_opaque(self, con, columns: dict[str, np.ndarray], n: int) -> dict[str, _Bool]:
        """Every opaque predicate over the n pairs, in one DuckDB query: a few pairs (a
        single check: 5 at the median) as list parameters of a statement parsed once,
        many (an activities batch) as an Arrow table, with no Python object per pair."""
        if not self.opaque:
            return {}
        if not n:  # no pairs: no query (scoring them gives empty arrays)
            return {key: _Bool(np.zeros(0, bool), np.zeros(0, bool)) for key in self._opaque_keys}
        if n > LISTED_PAIRS:
            table = _arrow_table({c: columns[c] for c in self._opaque_inputs})
            if table is not None:
                con.register(_OPAQUE_PAIRS, table)
                try:
                    result = con.sql(self._opaque_table_sql).to_arrow_table()
                finally:
                    con.unregister(_OPAQUE_PAIRS)
                return {key: _arrow_bool(result.column(i), n) for i, key in enumerate(self._opaque_keys)}
        result = con.execute(parsed_statement(self._opaque_sql), [columns[c].tolist() for c in self._opaque_inputs]).fetchall()
        values = np.empty((n, len(self._opaque_keys)), dtype=object)
        values[:] = result
        out = {}
        for i, key in enumerate(self._opaque_keys):
            null = _null_mask(values[:, i])
            out[key] = _Bool(_truth(values[:, i], null), null)
        return out

    def score(self, columns: dict[str, np.ndarray], n: int, con) -> dict[str, np.ndarray]:
        """columns: <column>_l / _r (and tf_<column>_l / _r, float with NaN) for n pairs.
        Returns blocked (bool), match_weight, match_probability and the weight per
        comparison (tf adjustment included)."""
        frame = _Frame(columns, self.evaluate_opaque(con, columns, n), n)
        blocked = np.zeros(n, bool)
        for rule in self.blocking:
            blocked |= _as_bool(rule(frame), frame).true
        total = np.full(n, self.prior_weight, dtype=np.float64)
        fields = {}
        for comparison in self.comparisons:
            gamma_at = np.full(n, -1, dtype=np.int64)  # position of the level taken
            undecided = np.ones(n, bool)
            for position, level in enumerate(comparison.levels):
                if level.condition is None:
                    hit = undecided
                else:
                    hit = _as_bool(level.condition(frame), frame).true & undecided
                gamma_at[hit] = position
                undecided &= ~hit
                if not undecided.any():
                    break
            weights = np.array([lvl.weight for lvl in comparison.levels], dtype=np.float64)
            mw = weights[gamma_at] if n else np.zeros(0)
            total = total + mw
            field = mw
            if comparison.has_tf:
                tf = np.zeros(n, dtype=np.float64)
                for position, level in enumerate(comparison.levels):
                    if level.tf_column is None:
                        continue
                    here = gamma_at == position
                    if not here.any():
                        continue
                    left = columns[f"tf_{level.tf_column}_l"]
                    right = columns[f"tf_{level.tf_column}_r"]
                    lr = np.where(np.isnan(left), right, left)
                    rl = np.where(np.isnan(right), left, right)
                    exists = ~np.isnan(lr)
                    with np.errstate(all="ignore"):
                        greatest = np.maximum(np.maximum(lr, rl), level.tf_min_u)
                        adj = level.tf_weight * (level.tf_log2_u - np.log2(greatest))
                    tf = np.where(here & exists, adj, tf)
                total = total + tf
                field = mw + tf
            fields[comparison.name] = field
        with np.errstate(over="ignore"):
            probability = np.where(total >= 0, 1.0 / (1.0 + np.power(2.0, -total)),
                                   np.power(2.0, total) / (1.0 + np.power(2.0, total)))
        return {"blocked": blocked, "match_weight": total, "match_probability": probability, "fields": fields}


def _as_value(result, frame: _Frame):
    """(values, null mask) of a compiled value expression."""
    if isinstance(result, tuple) and result[0] == "column":
        name = result[1]
        return frame.columns[name], frame.null(name)
    if isinstance(result, _Bool):
        return result.value, result.null
    raise Unsupported(f"cannot use {result!r} as a value")


def _as_bool(result, frame: _Frame) -> _Bool:
    if isinstance(result, _Bool):
        return result
    values, null = _as_value(result, frame)
    if values.dtype == object:
        values = _truth(values, null)
    return _Bool(values.astype(bool), null)


def _truth(values: np.ndarray, null: np.ndarray) -> np.ndarray:
    """bool(v) of each non-null value of an object column, False where null."""
    out = np.zeros(len(values), bool)
    if not null.all():
        out[~null] = values[~null].astype(bool)
    return out


def _elementwise(op, a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """x == y (or x != y) per pair, as Python compares two values (numpy's object
    loop calls the same comparison); by value where it cannot (a value whose
    comparison is no plain truth value)."""
    try:
        value = op(a, b)
        if isinstance(value, np.ndarray) and value.dtype == bool and value.shape == (n,):
            return value
    except (TypeError, ValueError):
        pass
    if op is np.equal:
        return np.fromiter((x == y for x, y in zip(a, b)), bool, n)
    return np.fromiter((x != y for x, y in zip(a, b)), bool, n)


def _arrow_table(columns: dict[str, np.ndarray]) -> pa.Table | None:
    """The opaque predicates' input columns as Arrow (types as inferred; the query
    casts them), or None when a column's values are not of one type."""
    try:
        return pa.table({c: pa.array(v, from_pandas=False) for c, v in columns.items()})
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None


def _arrow_bool(column: pa.ChunkedArray, n: int) -> _Bool:
    """A predicate's result column: (truth, null mask) as numpy."""
    null = column.is_null().to_numpy(zero_copy_only=False) if column.null_count else np.zeros(n, bool)
    if pa.types.is_boolean(column.type):
        return _Bool(pc.fill_null(column, False).to_numpy(zero_copy_only=False), null)
    values = np.empty(n, dtype=object)
    values[:] = column.to_pylist()
    return _Bool(_truth(values, null), null)
