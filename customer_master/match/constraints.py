"""Cannot-link rules: facts that make two rows different customers whatever the
model scores, and the clustering step that honours them.

A branch (上海分公司) is not its head office nor another branch; two valid credit
codes that differ are two legal entities; the same brand registered in another
city (北京华信科技 / 上海华信科技) is another company; two valid resident ID numbers
that differ are two people. Connected components can still chain such rows through a
third one, so clusters holding a conflict are rebuilt edge by edge, strongest
first, refusing any union that would put conflicting rows together."""

from __future__ import annotations

import pandas as pd

# per customer type: column -> whether a missing value is a value of its own
# (a row without a branch is a head office; a row without a credit code says nothing)
CANNOT_LINK: dict[str, dict[str, bool]] = {
    "company": {"branch": True, "uscc": False, "reg_place": False},
    "person": {"resident_id": False},
}
HEAD_OFFICE = "<head office>"
UNRELATED_NAMES = "names share nothing"
# Per customer type: the name comparisons whose last level ("share nothing") all
# must reach, and each identifier with the comparison level (gamma) at which two
# rows agree on it.
_NAMES = {"company": ("name",), "person": ("first_name", "last_name")}
_IDENTIFIER_AGREES = {"company": {"uscc": 1, "email": 2, "website": 1},
                      "person": {"id_number": 1, "email": 2, "mobile": 2}}


def unrelated_names(predictions: pd.DataFrame, customer_type: str) -> pd.Series:
    """For each scored pair (Splink's predictions, with their gamma columns): the
    reason it cannot link when the names share nothing (no word, no similar
    spelling: each name comparison's last level; for persons both the given and
    the family name) and no identifier agrees. A customer is known by its name:
    one phone, address or birthday shared by two names is a switchboard, a
    building (a hotel's restaurants, a group's subsidiaries) or a coincidence.
    A person who changed one name keeps the other."""
    apart = pd.Series(None, index=predictions.index, dtype=object)
    names = [f"gamma_{c}" for c in _NAMES[customer_type]]
    if not all(c in predictions for c in names):
        return apart
    identified = pd.Series(False, index=predictions.index)
    for field, level in _IDENTIFIER_AGREES[customer_type].items():
        if f"gamma_{field}" in predictions:
            identified |= predictions[f"gamma_{field}"].eq(level)
    nothing = pd.concat([predictions[c].eq(0) for c in names], axis=1).all(axis=1)
    return apart.mask(nothing & ~identified, UNRELATED_NAMES)


def pair_conflicts(pairs: pd.DataFrame, rows: pd.DataFrame, customer_type: str) -> pd.Series:
    """For each scored pair, the first cannot-link column on which its rows differ
    (None when none)."""
    columns = CANNOT_LINK[customer_type]
    values = _keyed_values(rows, columns)
    left = values.reindex(pairs["row_key_l"]).reset_index(drop=True)
    right = values.reindex(pairs["row_key_r"]).reset_index(drop=True)
    conflict = pd.Series(None, index=range(len(pairs)), dtype=object)
    for column in reversed(list(columns)):
        differs = left[column].notna() & right[column].notna() & left[column].ne(right[column])
        conflict = conflict.mask(differs, column)
    conflict.index = pairs.index
    return conflict.astype(object).where(conflict.notna(), None)


def split_conflicting_clusters(clusters: pd.DataFrame, edges: pd.DataFrame, rows: pd.DataFrame,
                               customer_type: str, forbidden: set[tuple[int, int]] = frozenset()) -> pd.DataFrame:
    """clusters (row_key, cluster) with no cannot-link conflict inside a cluster.
    edges: the pairs at or above the threshold (row_key_l, row_key_r, match_probability);
    forbidden: pairs of row keys a steward said are different customers."""
    columns = CANNOT_LINK[customer_type]
    values = _keyed_values(rows, columns)
    members = clusters.join(values, on="row_key")
    conflicted = [c for c in columns if members.groupby("cluster")[c].nunique().gt(1).any()]
    bad = members.groupby("cluster")[conflicted].nunique().gt(1).any(axis=1) if conflicted else \
        pd.Series(False, index=members["cluster"].unique())
    cluster_of = dict(zip(clusters["row_key"], clusters["cluster"]))
    steward_split = {cluster_of[a] for a, b in forbidden if a in cluster_of and cluster_of.get(b) == cluster_of[a]}
    bad_clusters = set(bad[bad].index) | steward_split
    if not bad_clusters:
        return clusters
    rebuilt = _constrained_union(members[members.cluster.isin(bad_clusters)], edges, conflicted, forbidden)
    keep = clusters[~clusters.cluster.isin(bad_clusters)]
    return pd.concat([keep, rebuilt], ignore_index=True)


def _keyed_values(rows: pd.DataFrame, columns: dict[str, bool]) -> pd.DataFrame:
    # the key and these columns only: set_index on the whole frame copies every column the models compare
    values = rows[["row_key", *columns]].set_index("row_key").astype(object)
    for column, missing_is_value in columns.items():
        if missing_is_value:
            values[column] = values[column].where(values[column].notna(), HEAD_OFFICE)
    return values


def _constrained_union(members: pd.DataFrame, edges: pd.DataFrame, columns: list[str],
                       forbidden: set[tuple[int, int]]) -> pd.DataFrame:
    """Union-find over the conflicted clusters' edges, strongest first; a union is
    refused when the two sides hold different values of a cannot-link column, or
    rows a steward kept apart. Only the few conflicted clusters come here, so a
    Python loop is cheap."""
    keys = members["row_key"].tolist()
    parent = {k: k for k in keys}
    facts = {k: {c: ({v} if pd.notna(v) else set()) for c, v in zip(columns, vals)}
             for k, *vals in members[["row_key", *columns]].itertuples(index=False)}
    inside = {k: {k} for k in keys}
    apart: dict[int, set[int]] = {}
    for a, b in forbidden:
        apart.setdefault(a, set()).add(b)
        apart.setdefault(b, set()).add(a)

    def root(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    inside_edges = edges[edges.row_key_l.isin(parent) & edges.row_key_r.isin(parent)]
    ordered = inside_edges.sort_values(["match_probability", "row_key_l", "row_key_r"],
                                       ascending=[False, True, True])[["row_key_l", "row_key_r"]]
    ordered = list(ordered.itertuples(index=False, name=None))
    for left, right in ordered:
        a, b = root(left), root(right)
        if a == b or any(facts[a][c] and facts[b][c] and facts[a][c] != facts[b][c] for c in columns):
            continue
        if any(apart.get(k, set()) & inside[b] for k in inside[a]):
            continue
        a, b = min(a, b), max(a, b)
        parent[b] = a
        inside[a] |= inside.pop(b)
        for c in columns:
            facts[a][c] |= facts[b][c]
    prefix = members["cluster"].iloc[0][0] if len(members) else "x"
    return pd.DataFrame({"row_key": keys, "cluster": [f"{prefix}{root(k)}" for k in keys]})
