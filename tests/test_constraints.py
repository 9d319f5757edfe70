"""Cannot-link rules hold even when a third row chains two conflicting rows."""

import pandas as pd

from customer_master.match.constraints import pair_conflicts, split_conflicting_clusters


def _rows():
    return pd.DataFrame({
        "row_key": [1, 2, 3, 4],
        "branch": [None, None, "上海分公司", None],
        "uscc": ["91350100M000100Y43", None, None, "91110000600037341L"],
        "reg_place": ["北京", None, "北京", "北京"],
    })


def test_pairs_that_break_a_rule_are_named():
    pairs = pd.DataFrame({"row_key_l": [1, 1, 2, 1], "row_key_r": [2, 3, 3, 4]})
    assert pair_conflicts(pairs, _rows(), "company").tolist() == [None, "branch", "branch", "uscc"]


def test_a_chain_through_a_neutral_row_is_cut_at_its_weakest_link():
    # 1 and 4 have different credit codes; 2 (no code) links to both, more strongly to 1
    edges = pd.DataFrame({"row_key_l": [1, 2], "row_key_r": [2, 4], "match_probability": [0.999, 0.97]})
    clusters = pd.DataFrame({"row_key": [1, 2, 4], "cluster": ["c1", "c1", "c1"]})
    out = split_conflicting_clusters(clusters, edges, _rows(), "company").set_index("row_key")["cluster"]
    assert out[1] == out[2] != out[4]


def test_clusters_without_conflict_are_left_as_they_are():
    clusters = pd.DataFrame({"row_key": [1, 2], "cluster": ["c7", "c7"]})
    edges = pd.DataFrame({"row_key_l": [1], "row_key_r": [2], "match_probability": [0.99]})
    assert split_conflicting_clusters(clusters, edges, _rows(), "company").equals(clusters)
