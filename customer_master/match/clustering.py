"""Clusters from scored pairs: connected components at the match threshold, with
steward decisions, registered-name links and cannot-link rules; rows without a
name attached to the customer they match best."""

from __future__ import annotations

import logging

import pandas as pd
from splink.clustering import cluster_pairwise_predictions_at_threshold

from customer_master.match.backends import DUCKDB
from customer_master.match.constraints import split_conflicting_clusters
from customer_master.match.models import UNIQUE_ID
from customer_master.schemas.row_rules import NAMELESS_UNMATCHED
from customer_master.working_db import ROW_NUMBER, register_source, working_connection

log = logging.getLogger(__name__)


def without_nameless_clusters(clusters: pd.DataFrame, rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The clusters that hold a named row, and the rows of the others (rows without
    a name that matched no named row) with the reason they are quarantined."""
    named = clusters[UNIQUE_ID].map(rows[[UNIQUE_ID, "name"]].set_index(UNIQUE_ID)["name"].notna())
    has_name = named.groupby(clusters["cluster"]).transform("any")
    unplaced = clusters.loc[~has_name, [UNIQUE_ID]].assign(reason=NAMELESS_UNMATCHED)
    if len(unplaced):
        log.info("match: %d rows without a name matched no named row; quarantined", len(unplaced))
    return clusters[has_name].reset_index(drop=True), unplaced.reset_index(drop=True)


def clusters_at_threshold(rows: pd.DataFrame, scored: pd.DataFrame, threshold: float, customer_type: str,
              decisions: pd.DataFrame | None = None, engine=None) -> pd.DataFrame:
    """Connected components over the pairs at or above the threshold that break no
    cannot-link rule, plus the pairs a steward said match, less the pairs a steward
    said don't and every pair of a detached row; then conflicted clusters rebuilt
    without the conflict. engine: where Splink finds the components (backends.py;
    default DuckDB in this process)."""
    edges = scored[(scored.match_probability >= threshold) & scored.cannot_link.isna()]
    if customer_type == "company":
        edges = pd.concat([edges, registered_name_edges(rows)], ignore_index=True)
    forbidden: set[tuple[int, int]] = set()
    if decisions is not None and len(decisions):
        keys = set(rows[UNIQUE_ID])
        mine = decisions[decisions.row_key_l.isin(keys) & (decisions.row_key_r.isin(keys) |
                                                           decisions.decision.eq("detach"))]
        apart = mine[mine.decision == "no match"]
        forbidden = set(zip(apart.row_key_l.astype("int64"), apart.row_key_r.astype("int64")))
        detached = set(mine.loc[mine.decision == "detach", "row_key_l"])
        edges = edges[~edges.row_key_l.isin(detached) & ~edges.row_key_r.isin(detached)]
        both_ways = pd.DataFrame(list(forbidden) + [(b, a) for a, b in forbidden],
                                 columns=["row_key_l", "row_key_r"]).assign(apart=True)
        edges = edges.merge(both_ways, on=["row_key_l", "row_key_r"], how="left")
        edges = edges[edges["apart"].isna()].drop(columns="apart")
        together = mine[mine.decision == "match"]
        edges = pd.concat([edges, pd.DataFrame({"row_key_l": together.row_key_l.astype("int64"),
                                                "row_key_r": together.row_key_r.astype("int64"),
                                                "match_probability": 1.0})], ignore_index=True)
    nameless = rows.loc[rows["name"].isna(), UNIQUE_ID]
    through_nameless = edges.row_key_l.isin(nameless) | edges.row_key_r.isin(nameless)
    nameless_edges, edges = edges[through_nameless], edges[~through_nameless]
    engine = engine or DUCKDB
    api = engine.api()
    try:
        components = cluster_pairwise_predictions_at_threshold(
            engine.table(rows[[UNIQUE_ID]]), engine.table(edges[["row_key_l", "row_key_r", "match_probability"]]),
            api, node_id_column_name=UNIQUE_ID).as_pandas_dataframe()
    finally:
        engine.release(api)
    clusters = pd.DataFrame({UNIQUE_ID: components[UNIQUE_ID].astype("int64"),
                             "cluster": customer_type[0] + components["cluster_id"].astype(str)})
    clusters = split_conflicting_clusters(clusters, edges, rows, customer_type, forbidden)
    return _attach_nameless(clusters, nameless_edges, set(nameless))


def _attach_nameless(clusters: pd.DataFrame, edges: pd.DataFrame, nameless: set) -> pd.DataFrame:
    """Each row without a name joins the cluster of the named row it matches best
    (edges: its pairs at or above the threshold). It never links two customers:
    one phone on two named rows is a switchboard, not proof they are one."""
    left_nameless = edges.row_key_l.isin(nameless)
    links = pd.DataFrame({
        "nameless": edges.row_key_l.where(left_nameless, edges.row_key_r).astype("int64"),
        "named": edges.row_key_r.where(left_nameless, edges.row_key_l).astype("int64"),
        "match_probability": edges.match_probability})
    links = links[~links.named.isin(nameless)]
    if links.empty:
        return clusters
    best = links.sort_values(["match_probability", "named"], ascending=[False, True]).drop_duplicates("nameless")
    cluster_of = clusters.set_index(UNIQUE_ID)["cluster"]
    moved = pd.Series(cluster_of.reindex(best.named).to_numpy(), index=best.nameless.to_numpy())
    clusters = clusters.copy()
    clusters["cluster"] = clusters[UNIQUE_ID].map(moved).fillna(clusters["cluster"])
    return clusters


def registered_name_edges(rows: pd.DataFrame) -> pd.DataFrame:
    """Links (row_key_l, row_key_r, match_probability 1) between rows that carry the
    same full registered name (with its legal form: 深圳致思软件有限公司, Acme Ltd)
    and no conflicting place: a registered company name is unique in its
    registration area, whatever contacts the rows list. A name seen in several
    places links only within each place (rows without a place stay with the
    model); a credit code or branch that differs still splits the cluster
    (constraints.py)."""
    # in DuckDB: pandas' group-bys over every company row took 1.5 s at a million rows
    with working_connection() as con:
        register_source(con, "rows_", rows[[UNIQUE_ID, "name", "place", "legal_form"]], numbered=True)
        return con.execute(f"""
            WITH named AS (
                SELECT {UNIQUE_ID}, name, place, {ROW_NUMBER} FROM rows_
                WHERE legal_form IS NOT NULL AND name IS NOT NULL
            ), places AS (
                SELECT name, count(DISTINCT place) > 1 AS in_several FROM named GROUP BY name
            ), keyed AS (
                SELECT n.{UNIQUE_ID}, n.{ROW_NUMBER},
                       min(n.{UNIQUE_ID}) OVER (PARTITION BY n.name, CASE WHEN p.in_several THEN n.place END) AS first
                FROM named n JOIN places p USING (name)
                WHERE NOT (p.in_several AND n.place IS NULL)
            )
            SELECT first::BIGINT AS row_key_l, {UNIQUE_ID}::BIGINT AS row_key_r, 1.0::DOUBLE AS match_probability
            FROM keyed WHERE {UNIQUE_ID} <> first ORDER BY {ROW_NUMBER}""").df()


def singletons(rows: pd.DataFrame, customer_type: str) -> pd.DataFrame:
    return pd.DataFrame({UNIQUE_ID: rows[UNIQUE_ID].astype("int64"),
                         "cluster": customer_type[0] + rows[UNIQUE_ID].astype(str)})
