"""Two businesses in one building: a phone and an address that name the same
premises count once, and names that each say something the other does not name
two things (a hotel's cafe and its dining room), while abbreviations and a name
within a longer one still match."""

import duckdb
import pandas as pd

from customer_master.check.query import query_rows
from customer_master.match.models import company_settings


def _levels(left: dict, right: dict) -> dict[str, str]:
    """For each comparison of the company model: the label of the level a pair of
    records (standardised as the pipeline does) falls in, as Splink's CASE picks it."""
    rows = query_rows([{**left, "customer_type": "company"}, {**right, "customer_type": "company"}])
    pair = pd.DataFrame([{f"{column}{side}": rows.iloc[i][column] for i, side in ((0, "_l"), (1, "_r"))
                          for column in rows.columns}])
    found = {}
    for comparison in company_settings().get_settings("duckdb").comparisons:
        for level in comparison.comparison_levels:
            if level.sql_condition == "ELSE" or \
                    duckdb.sql(f"SELECT ({level.sql_condition}) IS TRUE FROM pair").fetchall()[0][0]:
                found[comparison.output_column_name] = ("null: " if level.is_null_level else "") + \
                    level.label_for_charts
                break
    return found


CAFE = {"name": "Cafe Ritz-Carlton Buckhead", "phone": "404/237-2700", "address": "3434 Peachtree Rd.",
        "city": "Atlanta"}
DINING_ROOM = {**CAFE, "name": "Dining Room Ritz-Carlton Buckhead"}


def test_names_that_each_say_something_the_other_does_not_are_two_things():
    assert _levels(CAFE, DINING_ROOM)["name"] == "Each name has a word the other lacks"
    assert _levels({"name": "ritz-carlton cafe (buckhead)"},
                   {"name": "ritz-carlton dining room (buckhead)"})["name"] == "Each name has a word the other lacks"


def test_an_abbreviated_word_or_a_name_within_another_is_no_such_difference():
    for left, right in [("art's deli", "art's delicatessen"), ("second street grill", "second street grille"),
                        ("le montrachet", "le montrachet bistro"), ("hotel bel-air", "bel-air hotel")]:
        assert _levels({"name": left}, {"name": right})["name"] != "Each name has a word the other lacks", (left, right)
    # Chinese names have no words to compare this way
    assert _levels({"name": "深圳华信科技有限公司"}, {"name": "深圳华信电子有限公司"})["name"] \
        != "Each name has a word the other lacks"


def test_the_same_phone_at_the_same_address_counts_once():
    levels = _levels(CAFE, DINING_ROOM)
    assert levels["address"] == "Exact match on address"
    assert levels["phone"].startswith("null: ")  # the building is counted in the address
    assert levels["place"].startswith("null: ")
    # elsewhere the same phone is evidence of its own
    moved = _levels(CAFE, {**CAFE, "address": "181 Peachtree St."})
    assert moved["phone"] == "Exact match on phone"
    assert moved["place"] == "Exact match on place"
    # and another phone at the same address still tells two outlets apart
    other_phone = _levels(CAFE, {**CAFE, "phone": "404/659-0400"})
    assert other_phone["phone"] == "All other comparisons"
