"""What differs between the two engines' SQL, in one place.

The models (models.py) are written once, in DuckDB's SQL: the comparison levels,
the blocking rules, the training recipes. For Spark each condition is rendered
from that text by `spark_sql` (parsed with sqlglot as DuckDB, the functions below
rewritten, printed as Spark SQL). Nothing else in the match stage writes SQL for
one engine only. What differs, and how it is made to give the same answers:

| DuckDB | Spark | why |
|---|---|---|
| `jaro_winkler_similarity(a, b)` | `duckdb_jaro_winkler(a, b)` | DuckDB's own function, called from Spark through a vectorized UDF (spark_engine.py): Splink's Scala `jaro_winkler` computes another Jaro, which differs from DuckDB's on a sixth of the sample's names and addresses (by up to 0.13, so levels at 0.94, 0.85 and 0.75 differed); rapidfuzz's, the library DuckDB took its code from, differs by up to 3e-8 |
| `damerau_levenshtein(a, b)` | Splink's Scala UDF of the same name | agrees on every pair of the sample's birth dates |
| `list_has_any(a, b)` | `arrays_overlap(a, b)` | |
| `list_has_all(a, b)` | `size(array_except(b, a)) = 0` | Spark has no "contains all" |
| `list_distinct`, `string_split(s, ' ')` | `array_distinct`, `split` (a regex: the space is quoted) | |
| `regexp_replace(s, p, '\\1', 'g')` | `regexp_replace(s, p, '$1')` | Java writes a group as `$1`, and always replaces every match |
| `datediff('day', a, b)`, `try_cast(x AS DATE)` | `datediff(DAY, a, b)`, `try_cast` | Spark 4; dates are ISO text (`yyyy-MM-dd`, what standardise writes), so no format string is needed on either side (DuckDB's `%Y%m%d` is Spark's `yyyyMMdd`: a level that parses another format must say it in both) |
| `hash(row_key)` (EM on a share of a large block, training.em_rule) | `row_key_hash` | Spark's hash is another function: the Spark engine hands it DuckDB's hash of every row as a column (spark_engine.with_duckdb_hashes) |
| u from a hash sample of the rows (`estimate_u_using_random_sampling`, seed training.SEED), counted in chunks picked by hash until every level has 100 pairs | the same rows, the same chunks | Splink samples and chunks by the engine's own hash; the Spark engine's dialect takes DuckDB's from the staged columns (spark_engine.SameHashSparkDialect), so both engines learn u from the same pairs |
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

# Columns the Spark engine adds to the rows it hands Spark: what DuckDB's hash gives
# for each row (see the table above). Names the models never use.
ROW_KEY_HASH = "row_key_hash"
U_SAMPLE_BUCKET = "u_sample_bucket"
DUCKDB_JARO_WINKLER = "duckdb_jaro_winkler"  # DuckDB's jaro_winkler_similarity, as a Spark UDF


def _fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.JarowinklerSimilarity):
        return _fn(DUCKDB_JARO_WINKLER, node.this, node.expression)
    if isinstance(node, exp.ArrayOverlaps):
        return _fn("arrays_overlap", node.this, node.expression)
    if isinstance(node, exp.RegexpReplace):
        replacement = node.args.get("replacement")
        if isinstance(replacement, exp.Literal):
            # a group is \1 in DuckDB (RE2), $1 in Java
            text = replacement.this
            for group in range(9, -1, -1):
                text = text.replace(f"\\{group}", f"${group}")
            return exp.RegexpReplace(this=node.this, expression=node.expression,
                                     replacement=exp.Literal.string(text))
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        args = node.expressions
        if name == "list_has_all":  # every element of the second is in the first
            return exp.Paren(this=exp.EQ(this=_fn("size", _fn("array_except", args[1], args[0])),
                                         expression=exp.Literal.number(0)))
        if name == "hash" and len(args) == 1 and isinstance(args[0], exp.Column):
            return exp.Column(this=exp.to_identifier(ROW_KEY_HASH), table=args[0].args.get("table"))
    return node


def spark_sql(duckdb_sql: str) -> str:
    """A condition of the models (a comparison level or a blocking rule) in DuckDB's
    SQL, as Spark SQL that gives the same answer."""
    tree = sqlglot.parse_one(duckdb_sql, read="duckdb")
    for node in reversed(list(tree.walk())):  # the innermost first: a rewritten call keeps its rewritten arguments
        new = _rewrite(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree.sql(dialect="spark")


def rendered(duckdb_sql: str, engine: str) -> str:
    """The condition for `engine` ("duckdb": as written)."""
    return duckdb_sql if engine == "duckdb" else spark_sql(duckdb_sql)
