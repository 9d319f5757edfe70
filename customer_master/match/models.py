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
            # No term-frequency adjustment: a registered company name is unique in its
            # registration area, so a name that recurs is one company entered many
            # times, not many companies (unlike 张伟 among persons).
            # For the same reason u is fixed: random pairs of an inbox where one company
            # fills half the rows agree on its name all the time, and Splink's u
            # sampling would read that as chance.
            cll.ExactMatchLevel(column).configure(fix_u_probability=True),
            cll.ExactMatchLevel("name_romanised").configure(label_for_charts="Same pronunciation",
                                                            fix_u_probability=True),
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


def _name_part(column: str, m: list[float]) -> cl.CustomComparison:
    """Surname or given name: exact (with term frequencies: 王 and 伟 are common),
    swapped with the other part (a form filled the wrong way round), then fuzzy on
    the romanised form (张玮 and 张伟 sound alike; Jon and John)."""
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column, term_frequency_adjustments=True),
            cll.CustomLevel(
                "jaro_winkler_similarity(first_name_romanised_l, last_name_romanised_r) >= 0.9 AND "
                "jaro_winkler_similarity(last_name_romanised_l, first_name_romanised_r) >= 0.9",
                label_for_charts="Given and family names swapped"),
            cll.JaroWinklerLevel(f"{column}_romanised", 0.92),
            cll.JaroWinklerLevel(f"{column}_romanised", 0.8),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=m, u_probabilities=[0.01, 0.0001, 0.01, 0.05, 0.9299])


def _address_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.NullLevel("address"),
            cll.ExactMatchLevel("address"),
            cll.JaroWinklerLevel("address", 0.9),
            cll.JaroWinklerLevel("address", 0.75),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=[0.6, 0.2, 0.1, 0.1], u_probabilities=[0.001, 0.005, 0.05, 0.944])


def _birth_date_comparison() -> cl.CustomComparison:
    """A typed date slips by one digit, or by a year; the ELSE level is strong evidence against."""
    return cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date"),
            cll.DamerauLevenshteinLevel("birth_date", 1),
            cll.CustomLevel("abs(datediff('day', try_cast(birth_date_l AS DATE), try_cast(birth_date_r AS DATE))) <= 366",
                            label_for_charts="Within a year"),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=[0.85, 0.08, 0.04, 0.03], u_probabilities=[0.0003, 0.003, 0.02, 0.9767])


def _person_email_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="email",
        comparison_levels=[
            cll.NullLevel("email"),
            cll.ExactMatchLevel("email"),
            # a typo keeps the domain; people who share a common name also share
            # look-alike user names (zhangwei88@qq.com, zhangwei1990@163.com)
            cll.CustomLevel("email_domain_l = email_domain_r AND "
                            "jaro_winkler_similarity(email_user_l, email_user_r) >= 0.88",
                            label_for_charts="Similar user name, same domain"),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=[0.7, 0.2, 0.1], u_probabilities=[1e-4, 1e-3, 1 - 1.1e-3])


def person_settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=UNIQUE_ID,
        comparisons=[
            _name_part("last_name", [0.83, 0.02, 0.07, 0.04, 0.04]),
            _name_part("first_name", [0.78, 0.02, 0.1, 0.05, 0.05]),
            _birth_date_comparison(),
            _exact("mobile", [0.85, 0.15], PHONE_U),
            _exact("id_number", [0.97, 0.03], ID_U),
            _person_email_comparison(),
            _exact("phone", PHONE_M, PHONE_U),
            _exact("city", [0.8, 0.2], [0.05, 0.95], tf=True),
            cl.CustomComparison(
                output_column_name="postcode",
                comparison_levels=[
                    cll.NullLevel("postcode"),
                    cll.ExactMatchLevel("postcode", term_frequency_adjustments=True),
                    cll.ExactMatchLevel("postcode_area").configure(label_for_charts="Same postal district"),
                    cll.ElseLevel(),
                ],
            ).configure(m_probabilities=[0.75, 0.15, 0.1], u_probabilities=[0.005, 0.02, 0.975]),
            _address_comparison(),
            _exact("gender", [0.97, 0.03], [0.5, 0.5]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("name"),
            block_on("mobile"),
            block_on("id_number"),
            block_on("email"),
            block_on("first_name_romanised", "last_name_romanised"),
            block_on("last_name_romanised", "birth_date"),
            block_on("first_name_romanised", "birth_date"),
            block_on("postcode", "first_name_romanised"),
            block_on("birth_date", "postcode_area"),
            block_on("birth_date", "city"),
        ],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )


# Training recipe per model: rules that are near-certain matches (for the prior),
# and the blocks EM runs on (each block leaves some comparisons free to learn).
TRAINING = {
    "company": {
        "settings": company_settings,
        "deterministic": [block_on("uscc"), block_on("name_core", "phone"), block_on("name_core", "mobile"),
                          block_on("name_core", "place")],
        "em_blocks": [block_on("name_core"), block_on("uscc"), block_on("mobile")],
    },
    "person": {
        "settings": person_settings,
        "deterministic": [block_on("id_number"), block_on("name", "mobile"), block_on("name", "birth_date")],
        "em_blocks": [block_on("first_name_romanised", "last_name_romanised"), block_on("birth_date"),
                      block_on("mobile"), block_on("id_number")],
    },
}
