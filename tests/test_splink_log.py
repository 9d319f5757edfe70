"""Splink's warning that a comparison has no null level is filtered for the
company model's branch comparison, where it is deliberate (models.py), and still
given for any other comparison."""

import logging

import splink.comparison_library as cl
from splink import SettingsCreator, block_on

from customer_master.match.models import company_settings


def _warnings(caplog, settings: SettingsCreator) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="splink"):
        settings.get_settings("duckdb")
    return [r.getMessage() for r in caplog.records if "No null level" in r.getMessage()]


def test_the_branch_comparisons_deliberate_warning_is_filtered_and_others_are_not(caplog):
    assert _warnings(caplog, company_settings()) == []
    mistaken = SettingsCreator(link_type="dedupe_only", blocking_rules_to_generate_predictions=[block_on("city")],
                               comparisons=[cl.CustomComparison(output_column_name="city", comparison_levels=[
                                   {"sql_condition": "city_l = city_r", "label_for_charts": "same"},
                                   {"sql_condition": "ELSE", "label_for_charts": "other"}])])
    assert len(_warnings(caplog, mistaken)) == 1
