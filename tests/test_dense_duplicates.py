"""An inbox where a few companies fill most rows, each written many ways (the
patent applicants' list: one company in 676 of 2,379 rows). Random pairs of such
an inbox are often the same company, so agreement there is no measure of chance:
the names that agree word for word but for misspelt or shortened endings must
still be paired and merged, and names that only look alike must not."""

import pandas as pd

from customer_master.check.query import validated_rows
from customer_master.match.engine import match_customers
from customer_master.match.features import name_stems
from customer_master.standardise.stage import standardise_rows
from customer_master.validate import validate_rows

# one company in 80 rows, written five ways, as a patent office's clerks did
PHILIPS = (["Electronics Konink Philips"] * 56 + ["Electronic Konink Phillips"] * 8
           + ["Electronics Koninklijke Philips"] * 8 + ["Elecronics Konink Philps"] * 4
           + ["Electronics Konink Philips NV"] * 4)
OTHERS = (["Akzo Nobel"] * 20 + ["Philip Morris International"] * 4 + ["Aquavit"] * 3 + ["Aqua"] * 3
          + ["Shell Research"] * 10 + ["Shell Chemicals"] * 3
          + [f"{word} Holdings" for word in ("Alpha", "Beta", "Gamma", "Delta", "Sigma", "Omega", "Kappa")])


def _rows(names: list[str]) -> pd.DataFrame:
    rows = validated_rows([{"name": n} for n in names])
    return rows.assign(source="applicants", file="applicants/a.csv", sheet="", sheet_kind="customers",
                       roles="customer", first_cell=rows["name"], row_number=rows["row_number"] + 2,
                       party_type="company")


def test_a_misspelt_or_shortened_word_keeps_the_name_s_stems():
    assert name_stems("electronics konink philips") == name_stems("electronic koninklijke phillips") \
        == "elec koni phil"
    assert name_stems("art s deli") == name_stems("art s delicatessen") == "art deli"
    # one word's first letters say little (aqua / aquavit); Chinese names have no words
    assert name_stems("aquavit") is None and name_stems("华信科技有限公司") is None


def test_a_company_written_many_ways_in_a_names_only_inbox_is_one_customer():
    names = PHILIPS + OTHERS
    validation = validate_rows(_rows(names))
    result = match_customers(standardise_rows(validation.accepted))
    cluster = result.clusters.set_index("row_key")["cluster"].sort_index().to_numpy()
    of = pd.Series(cluster, index=names).groupby(level=0).unique()
    assert len(set(cluster[:len(PHILIPS)])) == 1  # every spelling of it, one customer
    assert of["Akzo Nobel"].size == 1
    philips = cluster[0]
    for other in ("Philip Morris International", "Aquavit", "Aqua", "Shell Research", "Shell Chemicals"):
        assert philips not in of[other]
    # names that share a word but not the rest stay apart
    assert set(of["Aqua"]).isdisjoint(of["Aquavit"])
    assert set(of["Shell Research"]).isdisjoint(of["Shell Chemicals"])
    assert len({c for n in OTHERS[-7:] for c in of[n]}) == 7
