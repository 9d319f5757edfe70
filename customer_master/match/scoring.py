"""The scoring SQL of a saved Splink model, compiled once from its JSON, for
scoring new records against the known rows outside a Splink run: the duplicate
check (customer_master/check) and the customer 360's resolver run it in DuckDB
(`engine="sql"`), and `pair_scorer.PairScorer` evaluates the same model in numpy.

The model JSON is read back by Splink's own settings classes, so every level's
m and u (defaults for unset ones, the 1e-6 of a level not observed in training,
the clamp before the log) and every term-frequency adjustment (its weight, its
minimum u, the u of the exact-match level it scales) come out as Splink computes
them; the SQL fragments are Splink's own (`_case_statement`, `_match_weight_sql`,
`_tf_adjustment_sql`, the prior combination of `predict`). A pair scored here
gets Splink's match weight and probability to the last bit.

The compiled query reads a table of pairs with Splink's column convention:
`<column>_l` (the record checked) and `<column>_r` (a known row), and for every
column with term-frequency adjustments `tf_<column>_l` / `tf_<column>_r`."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp
from splink.internals.predict import _combine_prior_and_mws
from splink.internals.settings_creator import SettingsCreator
from splink.internals.dialects import SplinkDialect

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BlockingKey:
    """One blocking rule: what it requires equal on both sides (what candidates
    are looked up by: a column, or an expression of the row such as
    `substr(first_name, 1, 1)`), the columns those read, and the whole rule as a
    condition on a pair table."""
    columns: tuple[str, ...]
    condition: str  # SQL over <column>_l / <column>_r
    parts: tuple[str, ...] = ()  # SQL over the row's columns, one per equality


@dataclass
class CompiledModel:
    unique_id: str
    prior: float
    comparisons: list[str]  # output column names, in model order (the evidence fields)
    columns: list[str]  # input columns the comparisons read
    tf_columns: list[str]  # columns with term-frequency adjustments
    blocking: list[BlockingKey]
    select_sql: str  # select list over the pair table: gamma_*, mw_*, mw_tf_adj_*
    match_weight_sql: str  # over the select list's output
    match_probability_sql: str
    evidence_sql: str  # JSON text: match weight per comparison, tf adjustment included
    field_weights: dict[str, str]  # comparison -> its match weight (tf adjustment included) over the select list

    @property
    def key_columns(self) -> list[str]:
        return sorted({c for key in self.blocking for c in key.columns})


def compile_model(model: dict) -> CompiledModel:
    settings = SettingsCreator.from_path_or_dict(without_dialect_tags(model)).get_settings("duckdb")
    dialect = SplinkDialect.from_string("duckdb")
    comparisons = settings.comparisons
    select, mw_terms, fields, columns, tf_columns = [], [], [], [], []
    for comparison in comparisons:
        fields.append(comparison.output_column_name)
        for column in comparison._input_columns_used_by_case_statement:
            name = column.unquote().name
            if name not in columns:
                columns.append(name)
        for column in comparison._tf_adjustment_input_columns:
            name = column.unquote().name
            if name not in tf_columns:
                tf_columns.append(name)
        select.append(comparison._case_statement)
        gamma = comparison._gamma_column_name
        levels = comparison.comparison_levels
        select.append("CASE\n" + "\n".join(level._match_weight_sql(gamma) for level in levels)
                      + f"\nEND AS {comparison._mw_column_name}")
        if comparison._has_tf_adjustments:
            select.append("CASE\n" + "\n".join(level._tf_adjustment_sql(gamma, levels) for level in levels)
                          + f"\nEND AS {comparison._mw_tf_adj_column_name}")
        mw_terms.extend(comparison._match_weight_columns_to_sum)
    prior = settings.core_model_settings.probability_two_random_records_match
    match_weight, match_probability = _combine_prior_and_mws(prior, mw_terms, dialect)

    def field_weight(comparison) -> str:
        weight = comparison._mw_column_name
        if comparison._has_tf_adjustments:
            weight += f" + coalesce({comparison._mw_tf_adj_column_name}, 0)"
        return weight
    evidence = "to_json({" + ", ".join(f"'{c.output_column_name}': round({field_weight(c)}, 3)"
                                       for c in comparisons) + "})::VARCHAR"
    unique_id = settings.column_info_settings.unique_id_input_columns[0].unquote().name
    blocking = [blocking_key(rule.blocking_rule_sql) for rule in settings._blocking_rules_to_generate_predictions]
    return CompiledModel(unique_id=unique_id, prior=prior, comparisons=fields, columns=columns,
                         tf_columns=tf_columns, blocking=blocking, select_sql=",\n".join(select),
                         match_weight_sql=match_weight, match_probability_sql=match_probability,
                         evidence_sql=evidence,
                         field_weights={c.output_column_name: field_weight(c) for c in comparisons})


def compiled_model(model: dict) -> CompiledModel:
    """compile_model, once per model in a process: a run's customer 360 steps compile
    the same models for their indexes and blocking keys (about half a second each)."""
    try:
        text = json.dumps(model, sort_keys=True)
    except TypeError:  # a value JSON cannot hold: compiled as it is
        return compile_model(model)
    return _compiled(text)


@lru_cache(maxsize=8)
def _compiled(model_json: str) -> CompiledModel:
    return compile_model(json.loads(model_json))


def without_dialect_tags(model: dict) -> dict:
    model = dict(model)
    model["blocking_rules_to_generate_predictions"] = [
        {k: v for k, v in rule.items() if k != "sql_dialect"} if isinstance(rule, dict) else rule
        for rule in model.get("blocking_rules_to_generate_predictions", [])]
    return model


def blocking_key(rule_sql: str) -> BlockingKey:
    """l."a" = r."a" AND substr(l."b", 1, 1) = substr(r."b", 1, 1) [AND anything else]
    -> parts (a, substr(b, 1, 1)), the columns they read, and the rule rewritten
    onto a pair table. Every equality of the same expression on both sides is a
    part of the key, so the candidates looked up are the rule's own and not a
    wider set (the surname alone, for surname + birth year + initial). A rule
    without such an equality cannot be looked up by key, and is refused rather
    than scanned."""
    tree = sqlglot.parse_one(rule_sql, read="duckdb")
    parts, columns = [], []
    for part in (tree.flatten() if isinstance(tree, exp.And) else [tree]):
        if not isinstance(part, exp.EQ):
            continue
        left, right = _one_side(part.left), _one_side(part.right)
        if left and right and {left[0], right[0]} == {"l", "r"} and left[1] == right[1]:
            parts.append(left[1])
            columns += [c.name for c in part.left.find_all(exp.Column)]
    if not parts:
        raise ValueError(f"blocking rule {rule_sql!r} has no equality of one column or expression on both sides "
                         "(l.x = r.x); the duplicate check looks candidates up by such keys")

    def on_pair_table(node):
        if isinstance(node, exp.Column) and node.table.lower() in ("l", "r"):
            return exp.column(f"{node.name}_{node.table.lower()}", quoted=True)
        return node
    condition = tree.transform(on_pair_table).sql(dialect="duckdb")
    return BlockingKey(tuple(dict.fromkeys(columns)), condition, tuple(dict.fromkeys(parts)))


def _one_side(node: exp.Expression) -> tuple[str, str] | None:
    """(l or r, the expression's SQL without that qualifier) when every column of
    the expression belongs to the same side; a bare column's SQL is its name."""
    sides = {c.table.lower() for c in node.find_all(exp.Column)}
    if len(sides) != 1 or not sides <= {"l", "r"}:
        return None
    if isinstance(node, exp.Column):
        return sides.pop(), node.name
    bare = node.transform(lambda n: exp.column(n.name, quoted=True) if isinstance(n, exp.Column) else n)
    return sides.pop(), bare.sql(dialect="duckdb")


_SAFE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quoted(name: str) -> str:
    return name if _SAFE.match(name) else '"' + name.replace('"', '""') + '"'
