"""Matching evidence of any country: phones read for their source's country and
kept when incomplete, addresses by house number and street, names by their words,
exact registered names, and a prior that cannot collapse."""

import logging

import duckdb
import pandas as pd
import pytest
from splink import DuckDBAPI, Linker

from customer_master.match.clustering import registered_name_edges
from customer_master.match.training import M_FLOOR, _bounded_disagreement, _estimate_prior, _refine_prior
from customer_master.match.features import name_words, rarest_word, word_frequencies
from customer_master.match.models import TRAINING, _address_comparison
from customer_master.standardise.addresses import street_parts
from customer_master.standardise.phone_country import phone_regions, region_of_numbers
from customer_master.standardise.stage import standardise_rows
from customer_master.validate import validate_rows
from customer_master.check.query import validated_rows


def _rows(records: list[dict], source: str = "dept") -> pd.DataFrame:
    rows = validated_rows(records)
    return rows.assign(source=source, file=f"{source}/a.csv", sheet="", sheet_kind="customers",
                       roles="customer", first_cell=rows["name"], row_number=rows["row_number"] + 2)


US_LIST = [{"name": f"Diner {i}", "phone": f"310-246-{1500 + i}"} for i in range(20)]


def test_a_us_phone_without_country_code_stays_a_us_number():
    # valid as a Chinese landline too, but China writes it 0310 246 1501
    assert region_of_numbers(pd.Series([r["phone"] for r in US_LIST])) == "US"
    out = standardise_rows(validate_rows(_rows(US_LIST)).accepted)
    assert out.phone.iloc[0] == "+13102461500"
    chinese = [{"name": f"华信{i}有限公司", "phone": f"1380013{8000 + i}"} for i in range(20)]
    assert standardise_rows(validate_rows(_rows(chinese)).accepted).mobile.iloc[0] == "+8613800138000"


def test_a_local_number_is_kept_as_its_digits_flagged_and_compared():
    records = US_LIST + [{"name": "Arnie Morton's", "phone": "246-1501"}]
    validation = validate_rows(_rows(records))
    issues = validation.field_issues
    assert issues.loc[issues.field.eq("phone"), "issue"].tolist() == ["not a US number; kept as its digits"]
    out = standardise_rows(validation.accepted)
    assert out.phone.iloc[-1] == "2461501"  # no country code the data did not give
    # the full number and the local one agree on the subscriber digits the model compares
    frame = TRAINING["company"]["settings"]  # noqa: F841 - the model below is the pipeline's
    from customer_master.match.features import matching_frame
    matching = matching_frame(out)
    assert matching.phone_subscriber.iloc[-1] == matching.phone_subscriber.iloc[1] == "2461501"


def test_a_number_of_no_known_country_is_kept():
    out = phone_regions(_rows([{"name": "A", "phone": "246-1501"}, {"name": "B", "phone": "937-2020"}]))
    assert out.isna().all()


def test_names_compared_by_their_words_in_any_order():
    assert name_words("bel-air hotel") == name_words("hotel bel-air") == ("air", "bel", "hotel")
    assert name_words("palm the los angeles") == ("angeles", "los", "palm")
    counts = word_frequencies(pd.Series(["ymca school", "central school", "north school", "the palm"]))
    assert rarest_word("ymca school", counts) == "ymca"


def _address_level(left: str, right: str) -> str:
    """The label of the address comparison level a pair of addresses falls in."""
    comparison = _address_comparison().get_comparison("duckdb")
    (house_l, street_l, _), (house_r, street_r, _) = street_parts(left), street_parts(right)
    pair = pd.DataFrame([{"address_l": left, "address_r": right, "house_number_l": house_l,
                          "house_number_r": house_r, "street_l": street_l, "street_r": street_r}])
    for level in comparison.comparison_levels:  # the first level whose condition holds, as Splink's CASE
        if level.sql_condition == "ELSE" or duckdb.sql(f"SELECT ({level.sql_condition}) IS TRUE FROM pair").fetchall()[0][0]:
            return level.label_for_charts


def test_the_same_street_with_another_house_number_is_evidence_against():
    assert _address_level("1020 Cross Link Rd", "910 Cross Link Road") == "Another house number"
    assert _address_level("435 S. La Cienega Blv.", "435 s. la cienega blvd.") == "Same house number, similar street"
    assert _address_level("科技园路1号3栋", "科技园路1号") == "Same house number, similar street"


def test_an_exact_registered_name_in_one_city_links_without_other_agreement():
    rows = pd.DataFrame({
        "row_key": [1, 2, 3, 4, 5, 6],
        "name": ["深圳致思软件有限公司"] * 3 + ["致思软件"] * 2 + ["深圳致思软件有限公司"],
        "legal_form": ["有限公司"] * 3 + [None] * 2 + ["有限公司"],
        "place": ["深圳", "深圳", None, None, None, "深圳"],
    })
    edges = registered_name_edges(rows)
    linked = set(zip(edges.row_key_l, edges.row_key_r))
    assert linked == {(1, 2), (1, 3), (1, 6)}  # a name without its legal form is no registered name
    elsewhere = rows.assign(place=["深圳", "广州", None, None, None, "深圳"])
    assert set(zip(*registered_name_edges(elsewhere)[["row_key_l", "row_key_r"]].T.values)) == {(1, 6)}


def test_the_learned_prior_never_falls_below_its_floor():
    # a model that scores every pair as unlike would talk the prior down to nothing
    from customer_master.match.features import matching_frame
    records = [{"name": f"Shop {i % 40} Ltd", "phone": f"555-01{i % 40:02d}"} for i in range(120)]
    frame = matching_frame(standardise_rows(validate_rows(_rows(records)).accepted))
    recipe = TRAINING["company"]
    linker = Linker(DuckDBAPI(duckdb.connect()).register(frame), recipe["settings"](), log_level=logging.ERROR)
    floor = _estimate_prior(linker, recipe["deterministic"], len(frame))
    for comparison in linker._settings_obj.comparisons:  # every agreement made worthless
        for level in comparison.comparison_levels:
            if not level.is_null_level:
                level._m_probability, level._u_probability = 0.001, 0.999
    _refine_prior(linker, len(frame), floor)
    pairs_found = 40 * 3  # each shop's three rows share name and phone: three pairs a shop
    assert floor == pytest.approx(pairs_found / (120 * 119 / 2), rel=0.01)
    assert linker._settings_obj._probability_two_random_records_match >= floor


def test_evidence_against_a_match_is_never_absolute():
    # EM on an inbox whose duplicates never differ on a field drives that field's
    # "values differ" m towards 0: one mistyped ID number would then outweigh every
    # other agreement. The bound keeps it at M_FLOOR, and leaves evidence for a
    # match alone however rare (a small m above its u).
    from customer_master.match.features import matching_frame
    records = [{"name": f"Shop {i % 40} Ltd", "phone": f"555-01{i % 40:02d}"} for i in range(120)]
    frame = matching_frame(standardise_rows(validate_rows(_rows(records)).accepted))
    linker = Linker(DuckDBAPI(duckdb.connect()).register(frame), TRAINING["company"]["settings"](),
                    log_level=logging.ERROR)
    phone = next(c for c in linker._settings_obj.comparisons if c.output_column_name == "phone")
    levels = [level for level in phone.comparison_levels if not level.is_null_level]
    differ, rare = levels[-1], levels[1]
    differ._m_probability, differ._u_probability = 1e-27, 0.99  # what EM left on the sample's ID numbers
    rare._m_probability, rare._u_probability = 1e-5, 1e-7
    before = [level._m_probability for level in levels[:-1]]
    _bounded_disagreement(linker)
    assert differ._m_probability == M_FLOOR
    # the others scaled so that m sums to 1, in the same proportions: the rare level not raised
    assert [level._m_probability for level in levels[:-1]] == pytest.approx(
        [m * (1 - M_FLOOR) / sum(before) for m in before], rel=1e-9)
    assert rare._m_probability < 2e-5


def test_a_lone_surname_is_not_also_the_given_name():
    # the sheet has its own first and last name columns; a row with only the
    # surname says nothing about a given name (it would count twice)
    from customer_master.match.features import person_name_parts
    rows = pd.DataFrame({"name": ["Hunter", "James Hunter", "Mary Ann Smith"],
                         "first_name": [None, "James", None], "last_name": ["Hunter", "Hunter", None]})
    parts = person_name_parts(rows)
    assert parts.first_name.tolist() == [None, "james", "mary"]
    assert parts.last_name.tolist() == ["hunter", "hunter", "smith"]


def test_a_source_says_which_country_its_phones_belong_to(tmp_path):
    from customer_master.ingest.inbox import ingest_inbox
    from customer_master.sources import SourcesFileError, load_sources
    inbox = tmp_path / "inbox"
    (inbox / "london").mkdir(parents=True)
    (inbox / "london" / "a.csv").write_text("Company,Tel\nAcme Ltd,020 7946 0958\nBeta Ltd,7946 0959\n",
                                            encoding="utf-8")
    (inbox / "sources.yaml").write_text("sources:\n  london: {country: United Kingdom}\n", encoding="utf-8")
    validation = validate_rows(ingest_inbox(inbox).rows)
    out = standardise_rows(validation.accepted)
    assert out.phone.tolist() == ["+442079460958", "79460959"]  # the local one kept as written
    (inbox / "sources.yaml").write_text("sources:\n  london: {country: Atlantis}\n", encoding="utf-8")
    with pytest.raises(SourcesFileError, match="london.country"):
        load_sources(inbox)


def test_a_one_word_name_meets_the_name_it_abbreviates():
    from customer_master.match.features import name_acronym
    from customer_master.match.models import _name_comparison
    assert name_acronym("international business machines") == name_acronym("ibm") == "ibm"
    assert name_acronym("华信科技") is None and name_acronym("acme trading") is None
    level = next(lv for lv in _name_comparison().get_comparison("duckdb").comparison_levels
                 if lv.label_for_charts == "One name is the other's acronym")
    pairs = pd.DataFrame({"name_acronym_l": ["ibm", "abc"], "name_acronym_r": ["ibm", "abc"],
                          "name_words_l": ["ibm", "alpha beta capital"],
                          "name_words_r": ["business international machines", "american bank corp"]})
    held = duckdb.sql(f"SELECT ({level.sql_condition}) IS TRUE FROM pairs").fetchall()
    assert [h for (h,) in held] == [True, False]  # two long names with the same initials are not it


def _name_weight(left: tuple[str, str], right: tuple[str, str]) -> float:
    """The weight the person model's two name comparisons give a pair of (given,
    family) names at their prior m and u: each comparison's first level that holds."""
    import math
    from customer_master.match.models import person_settings
    pair = pd.DataFrame([{f"{column}{side}": value for side, (first, last) in (("_l", left), ("_r", right))
                          for column, value in (("first_name", first), ("last_name", last),
                                                ("first_name_romanised", first), ("last_name_romanised", last))}])
    total = 0.0
    for comparison in person_settings().get_settings("duckdb").comparisons:
        if comparison.output_column_name not in ("first_name", "last_name"):
            continue
        for level in comparison.comparison_levels:
            if level.sql_condition == "ELSE" or duckdb.sql(f"SELECT ({level.sql_condition}) IS TRUE FROM pair").fetchall()[0][0]:
                if not level.is_null_level:
                    total += math.log2(level.m_probability / level.u_probability)
                break
    return total


def test_a_name_written_the_wrong_way_round_counts_once():
    from customer_master.match.features import name_in_either_order
    # a form filled the wrong way round meets its row in blocking ...
    assert name_in_either_order("knight", "isabella") == name_in_either_order("isabella", "knight")
    assert name_in_either_order("knight", None) is None
    # ... and weighs as one fact: for the name, less than the name in its order,
    # more than one part alone
    same = _name_weight(("isabella", "knight"), ("isabella", "knight"))
    swapped = _name_weight(("isabella", "knight"), ("knight", "isabella"))
    one_part = _name_weight(("isabella", "knight"), ("isabella", "carter"))
    assert one_part < swapped < same
