"""A nightly run scores only the pairs with a new or changed row and carries the
last run's pairs of the others (match/carried.py). The session's sample run, then
the sample inbox with new departments (one before the sample's files: their row
keys move) matched with that run's models: once carrying its pairs, once scoring
every pair."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest

from conftest import SAMPLE_INBOX, write_csv, write_new_departments
from customer_master.ingest.inbox import ingest_inbox
from customer_master.match.carried import ROW_PLACE_SQL, previous_carried
from customer_master.match.engine import EVIDENCE_FLOOR, _match
from customer_master.match.stored_models import previous_models
from customer_master.match.threshold import DEFAULT_MATCH_THRESHOLD
from customer_master.standardise.stage import standardise_rows
from customer_master.validate import validate_rows
from customer_master.working_db import working_connection

PAIR = ["row_key_l", "row_key_r"]
NEW_SOURCES = ("华中大区", "会员中心", "华南办事处")  # write_new_departments'
EARLY_SOURCE = "a_new_office"


def _standardised(inbox) -> pd.DataFrame:
    return standardise_rows(validate_rows(ingest_inbox(inbox).rows).accepted)


def _places(rows: pd.DataFrame) -> pd.Series:
    """Each row's place in the inbox (by its row key, when it has one)."""
    with working_connection() as con:
        con.register("standard_rows", rows)
        places = con.sql(f"SELECT {ROW_PLACE_SQL} AS place FROM standard_rows").df()["place"]
    return places.set_axis(rows["row_key"]) if "row_key" in rows else places


def _partition(clusters: pd.DataFrame, places: pd.Series) -> set[frozenset]:
    return {frozenset(group) for _, group in places.reindex(clusters["row_key"]).groupby(clusters["cluster"].to_numpy())}


@pytest.fixture(scope="module")
def runs(sample_run, tmp_path_factory):
    """The session's sample run (its models and what it left to carry), and the sample
    inbox with new departments matched with them: carrying its pairs, and scoring every pair."""
    with duckdb.connect(str(sample_run.warehouse), read_only=True) as con:
        xref = con.execute("SELECT master_id, source, file, sheet, row_number FROM master.xref").df()
    first = dict(zip(_places(xref), xref["master_id"]))  # place -> master, after the sample run
    carried, stored = previous_carried(sample_run.warehouse), previous_models(sample_run.warehouse)
    inbox = tmp_path_factory.mktemp("carried") / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    write_new_departments(inbox)
    write_csv(inbox / EARLY_SOURCE / "customers.csv", [  # before the sample's folders: their row keys move
        "客户名称,手机,地址", "杭州青禾文化传媒有限公司,13957112345,浙江省杭州市西湖区文三路8号",
        "杭州青禾文化传媒有限公司,13957112345,杭州市西湖区文三路8号"])
    after = _standardised(inbox)
    nightly, _ = _match(after, DEFAULT_MATCH_THRESHOLD, None, stored, "nightly", carried)
    every_pair, _ = _match(after, DEFAULT_MATCH_THRESHOLD, None, stored, "every pair", None)
    return set(carried.rows["place"]), first, after, nightly, every_pair


def test_only_pairs_with_a_new_row_are_scored(runs):
    """...and only the rows such a pair can hold go to Splink, with every row's term
    frequencies: the pairs and their weights are those of scoring every row."""
    places_before, _, after, nightly, every_pair = runs
    places = _places(after)
    added = set(places.index[~places.isin(places_before)])
    assert set(after.loc[after.row_key.isin(added), "source"]) == {*NEW_SOURCES, EARLY_SOURCE}
    assert after.loc[after.source == EARLY_SOURCE, "row_key"].max() < after.row_key.median()  # the others moved

    for customer_type, figures in nightly.scoring.items():
        everything = every_pair.scoring[customer_type]
        assert figures["rows"] == everything["rows"] and figures["new_rows"] < figures["rows"] / 10
        # the candidate pairs scored: a few against every row, not every pair again
        assert 0 < figures["pairs_scored"] < everything["pairs_scored"] / 5
        assert figures["pairs_carried"] > 0
        # Splink saw the new rows and the rows a blocking rule pairs with them, not every row
        assert figures["new_rows"] <= figures["rows_scored"] < figures["rows"] / 2
        assert everything["rows_scored"] == everything["rows"]
        # the model kept for the next run and the duplicate check blocks on every pair, not only on new rows
        assert nightly.models[customer_type] == every_pair.models[customer_type]

    # the pairs with a new row are the ones scoring every pair gives, with the same scores
    night, full = (r.pairs.set_index(PAIR).sort_index() for r in (nightly, every_pair))
    with_new = lambda pairs: pairs[pairs.index.get_level_values(0).isin(added)  # noqa: E731
                                   | pairs.index.get_level_values(1).isin(added)]
    pd.testing.assert_frame_equal(with_new(night), with_new(full))
    # the pairs of two unchanged rows: the last run's, with this run's prior; scoring them
    # again gives the same pairs (but near the floor) and scores but for the term frequencies
    assert len(set(night.index) ^ set(full.index)) < 0.01 * len(full)
    assert (night.match_probability >= EVIDENCE_FLOOR).all()
    carried = night.join(full, how="inner", rsuffix="_now")
    assert (carried.match_probability - carried.match_probability_now).abs().mean() < 0.01


def test_untouched_clusters_keep_their_rows_and_the_masters_are_a_full_scoring(runs):
    places_before, first, after, nightly, every_pair = runs
    places = _places(after)
    assert _partition(nightly.clusters, places) == _partition(every_pair.clusters, places)

    # a master of the last run none of whose rows is paired with a new row keeps exactly its rows
    added = set(places.index[~places.isin(places_before)])
    merged = nightly.pairs[nightly.pairs.match_probability >= DEFAULT_MATCH_THRESHOLD]
    touched_places = set(places.reindex(pd.concat([merged.row_key_l[merged.row_key_r.isin(added)],
                                                   merged.row_key_r[merged.row_key_l.isin(added)]])))
    earlier = {frozenset(group) for _, group in pd.Series(list(first)).groupby(list(first.values()))}
    untouched = {cluster for cluster in earlier if not cluster & touched_places}
    assert len(untouched) > 0.95 * len(earlier)
    assert untouched <= _partition(nightly.clusters, places)
