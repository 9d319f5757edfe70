"""Splink model definitions: one for companies, one for persons.

Comparisons work on the standardised fields. Fuzzy name levels compare the
romanised (pinyin) form, because DuckDB's string similarity counts bytes on
Chinese text. Blocking rules keep recall (name, any identifier, any contact
channel) without comparing every pair."""

from __future__ import annotations

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

UNIQUE_ID = "row_key"


# Prior m and u per non-null level (first level first, ELSE last). Training
# replaces them; they stand where a run has too little data to estimate a level
# (a small inbox, a level no pair reaches), so scores never come from a NaN.
NAME_U = [0.001, 0.001, 0.005, 0.02, 0.973]
ID_M, ID_U = [0.95, 0.05], [1e-5, 1 - 1e-5]
PHONE_M, PHONE_U = [0.8, 0.2], [1e-4, 1 - 1e-4]


def _name_comparison(column: str = "name_core", m: list[float] | None = None) -> cl.CustomComparison:
    comparison = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column, term_frequency_adjustments=True),
            cll.ExactMatchLevel("name_romanised").configure(label_for_charts="Same pronunciation"),
            cll.JaroWinklerLevel("name_romanised", 0.94),
            cll.JaroWinklerLevel("name_romanised", 0.85),
            cll.ElseLevel(),
        ],
    )
    return comparison.configure(m_probabilities=m or [0.7, 0.1, 0.1, 0.05, 0.05], u_probabilities=NAME_U)


def _exact(column: str, m: list[float], u: list[float], tf: bool = False) -> cl.ExactMatch:
    return cl.ExactMatch(column).configure(term_frequency_adjustments=tf, m_probabilities=m, u_probabilities=u)


def _email_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="email",
        comparison_levels=[
            cll.NullLevel("email"),
            cll.ExactMatchLevel("email"),
            cll.CustomLevel("email_domain_l = email_domain_r AND NOT free_mail_l",
                            label_for_charts="Same company domain"),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=[0.7, 0.2, 0.1], u_probabilities=[1e-4, 1e-3, 1 - 1.1e-3])


def _branch_comparison() -> cl.CustomComparison:
    """A branch is a different customer from its head office and from other branches."""
    return cl.CustomComparison(
        output_column_name="branch",
        comparison_levels=[
            cll.CustomLevel("branch_l IS NULL AND branch_r IS NULL", label_for_charts="Both head office"),
            cll.ExactMatchLevel("branch"),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=[0.9, 0.08, 0.02], u_probabilities=[0.85, 0.01, 0.14])


def company_settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=UNIQUE_ID,
        comparisons=[
            _name_comparison(),
            _branch_comparison(),
            _exact("place", [0.85, 0.15], [0.1, 0.9]),
            _exact("uscc", ID_M, ID_U),
            _exact("phone", PHONE_M, PHONE_U),
            _exact("mobile", PHONE_M, PHONE_U),
            _email_comparison(),
            _exact("contact_name", [0.7, 0.3], [0.001, 0.999], tf=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("name_core"),
            block_on("name_romanised"),
            block_on("uscc"),
            block_on("phone"),
            block_on("mobile"),
            block_on("email"),
        ],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )


def person_settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=UNIQUE_ID,
        comparisons=[
            _name_comparison("name", m=[0.8, 0.08, 0.06, 0.03, 0.03]),
            _exact("mobile", [0.85, 0.15], PHONE_U),
            _exact("id_number", [0.97, 0.03], ID_U),
            _exact("birth_date", [0.9, 0.1], [0.0003, 0.9997]),
            _email_comparison(),
            _exact("phone", PHONE_M, PHONE_U),
            _exact("city", [0.8, 0.2], [0.05, 0.95]),
            _exact("gender", [0.97, 0.03], [0.5, 0.5]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("name"),
            block_on("mobile"),
            block_on("id_number"),
            block_on("email"),
            block_on("name_romanised", "birth_date"),
        ],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )


# Training recipe per model: rules that are near-certain matches (for the prior),
# and the blocks EM runs on (each block leaves some comparisons free to learn).
TRAINING = {
    "company": {
        "settings": company_settings,
        "deterministic": [block_on("uscc"), block_on("name_core", "phone"), block_on("name_core", "mobile")],
        "em_blocks": [block_on("name_core"), block_on("uscc"), block_on("mobile")],
    },
    "person": {
        "settings": person_settings,
        "deterministic": [block_on("id_number"), block_on("name", "mobile"), block_on("name", "birth_date")],
        "em_blocks": [block_on("name"), block_on("mobile"), block_on("id_number")],
    },
}
