"""Customers that look alike but are different stay apart, next to real
duplicates that merge. The rows are added to the sample inbox so the models
train on a realistic volume, as they would in production."""

import duckdb
import pytest


@pytest.fixture(scope="module")
def lookalike_run(new_departments_run):
    """Source row -> master of the look-alike departments (conftest.write_new_departments)."""
    with duckdb.connect(str(new_departments_run.warehouse), read_only=True) as con:
        return dict(con.execute("SELECT source || ':' || row_number, master_id FROM master.xref "
                                "WHERE source IN ('华中大区', '会员中心')").fetchall())


def test_the_same_company_spelled_two_ways_merges(lookalike_run):
    assert lookalike_run["华中大区:2"] == lookalike_run["华中大区:3"]


@pytest.mark.parametrize("a, b, why", [
    ("华中大区:2", "华中大区:4", "same brand registered in another city"),
    ("华中大区:2", "华中大区:5", "a branch is not its head office"),
    ("华中大区:4", "华中大区:5", "a branch is not the company in its own city"),
    ("华中大区:2", "华中大区:6", "same brand, another trade"),
    ("会员中心:2", "会员中心:4", "same common name, other mobile and birthday"),
    ("会员中心:4", "会员中心:5", "same common name (traditional), other mobile and birthday"),
])
def test_lookalikes_stay_apart(lookalike_run, a, b, why):
    assert lookalike_run[a] != lookalike_run[b], why


def test_the_same_person_spelled_two_ways_merges(lookalike_run):
    assert lookalike_run["会员中心:2"] == lookalike_run["会员中心:3"]
