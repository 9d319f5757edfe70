"""Splink model definitions: one for companies, one for persons.

Comparisons work on the standardised fields. Fuzzy name levels compare the
romanised (pinyin) form: a Chinese name is two to four characters, so one
different character is a large share of it (张伟 / 张玮: Jaro-Winkler 0.67), while a
mistyped character from a pinyin input method is most often a homophone, the
same in pinyin (zhang wei), and pinyin's letters grade nearer sounds. Blocking rules keep recall (name, any identifier, any contact
channel) without comparing every pair."""

from __future__ import annotations

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

UNIQUE_ID = "row_key"


# Prior m and u per non-null level (first level first, ELSE last). Training
# replaces them; they stand where a run has too little data to estimate a level
# (a small inbox, a level no pair reaches), so scores never come from a NaN.
NAME_U = [0.001, 0.001, 1e-5, 1e-5, 0.005, 0.005, 0.02, 0.0001, 0.005, 0.02, 0.94288]
ID_M, ID_U = [0.95, 0.05], [1e-5, 1 - 1e-5]


def _name_stems(side: str) -> str:
    """A Latin-script name's words cut to their first letters, as a list
    (features.name_stems; null for a name of one word)."""
    return f"string_split(name_stems_{side}, ' ')"


# the names share a word, and each has one the other lacks
_EACH_HAS_ITS_OWN_WORD = (f"list_has_any({_name_stems('l')}, {_name_stems('r')}) "
                          f"AND NOT list_has_all({_name_stems('l')}, {_name_stems('r')}) "
                          f"AND NOT list_has_all({_name_stems('r')}, {_name_stems('l')})")


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
            # the same words in another order (hotel bel-air / bel-air hotel), or but for
            # a misspelt or shortened ending (electronics konink philips / electronic
            # koninklijke phillips; art's deli / art's delicatessen). u is fixed for the
            # reason above: where one company fills many rows, its variants meet it in
            # random pairs all the time. Different companies' names agree so about once in
            # 100,000 pairs (4 of the 372,000 pairs of the restaurant guides that are not
            # matches share their words, none their stems; none of the patent applicants'
            # 2.5 million).
            cll.ExactMatchLevel("name_words").configure(label_for_charts="Same words, any order",
                                                        fix_u_probability=True),
            cll.ExactMatchLevel("name_stems").configure(label_for_charts="Same words, spelt alike",
                                                        fix_u_probability=True),
            cll.JaroWinklerLevel("name_romanised", 0.94),
            # cafe ritz-carlton / dining room ritz-carlton: each name says what the
            # other does not, so they name two things (two outlets of one hotel), however
            # alike the strings look; before the fuzzy levels, which a long shared
            # prefix fools
            cll.CustomLevel(_EACH_HAS_ITS_OWN_WORD, label_for_charts="Each name has a word the other lacks"),
            cll.JaroWinklerLevel("name_romanised", 0.85),
            # IBM / International Business Machines: a one-word name that is the other's initials
            cll.CustomLevel("name_acronym_l = name_acronym_r AND "
                            "(strpos(name_words_l, ' ') = 0) <> (strpos(name_words_r, ' ') = 0)",
                            label_for_charts="One name is the other's acronym"),
            # the word that says whose name it is, weighted by how rare it is in the
            # inbox: "ymca" counts, "cafe" hardly
            cll.ExactMatchLevel("name_rare_word", term_frequency_adjustments=True).configure(
                label_for_charts="Same rarest word"),
            # the palm / palm, the (los angeles); mifune / mifune japan center
            cll.CustomLevel("list_has_any(string_split(name_words_l, ' '), string_split(name_words_r, ' '))",
                            label_for_charts="A word in common"),
            cll.ElseLevel(),
        ],
    )
    # m stands where training cannot reach a level (an inbox of names alone): the
    # exact-name m is the one this model had before the word levels came
    return comparison.configure(m_probabilities=m or [0.7, 0.08, 0.04, 0.05, 0.02, 0.02, 0.04, 0.01, 0.02, 0.02, 0.02],
                                u_probabilities=NAME_U)


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


# One building: the same address, or the same house number on a similar street.
_SAME_NUMBER_SIMILAR_STREET = "house_number_l = house_number_r AND jaro_winkler_similarity(street_l, street_r) >= 0.88"
_SAME_BUILDING = f"(address_l = address_r OR ({_SAME_NUMBER_SIMILAR_STREET}))"
# One set of premises: the same building and the same phone (a switchboard)
_SAME_PREMISES = f"(phone_l = phone_r OR phone_subscriber_l = phone_subscriber_r) AND {_SAME_BUILDING}"


def _place_comparison() -> cl.CustomComparison:
    """Where the company is: the same place, or a spelling of it (new york / new york city).
    At one set of premises (_SAME_PREMISES) the place is known, and two spellings of
    it (los angeles / w. hollywood, a city and its district) say nothing."""
    return cl.CustomComparison(
        output_column_name="place",
        comparison_levels=[
            cll.CustomLevel(f"place_l IS NULL OR place_r IS NULL OR ({_SAME_PREMISES})",
                            label_for_charts="Missing, or at the same premises (counted there)"
                            ).configure(is_null_level=True),
            cll.ExactMatchLevel("place"),
            cll.JaroWinklerLevel("place", 0.9),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=[0.8, 0.05, 0.15], u_probabilities=[0.1, 0.01, 0.89])


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


def company_settings(present: set[str] | None = None) -> SettingsCreator:
    """present: the columns some row of the inbox carries (None: all); a comparison
    of columns no row carries adds nothing and is left out."""
    return _settings(present, [
        (_name_comparison(), {"name_core"}),
        (_branch_comparison(), {"branch"}),
        (_place_comparison(), {"place"}),
        (_exact("uscc", ID_M, ID_U), {"uscc"}),
        (_phone_comparison("phone", premises=True), {"phone"}),
        (_phone_comparison("mobile"), {"mobile"}),
        (_email_comparison(), {"email"}),
        (_exact("website", [0.8, 0.2], [1e-4, 1 - 1e-4]), {"website"}),
        (_address_comparison(), {"address", "street"}),
        (_postcode_comparison(), {"postcode"}),
        (_exact("contact_name", [0.7, 0.3], [0.001, 0.999], tf=True), {"contact_name"}),
    ], [
        block_on("name_core"),
        block_on("name_romanised"),
        block_on("name_words"),
        block_on("name_stems"),
        block_on("name_rare_word"),
        block_on("uscc"),
        block_on("phone_subscriber"),
        block_on("mobile_subscriber"),
        block_on("email"),
        block_on("website"),
        block_on("house_number", "street"),
    ])


def _settings(present: set[str] | None, comparisons: list[tuple], blocking: list) -> SettingsCreator:
    used = [c for c, needs in comparisons if present is None or needs & present]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=UNIQUE_ID,
        comparisons=used,
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )


_SWAPPED = ("jaro_winkler_similarity(first_name_romanised_l, last_name_romanised_r) >= 0.9 AND "
            "jaro_winkler_similarity(last_name_romanised_l, first_name_romanised_r) >= 0.9")


def _name_part(column: str, m: list[float], counts_swap: bool) -> cl.CustomComparison:
    """Surname or given name: exact (with term frequencies: 王 and 伟 are common),
    swapped with the other part (a form filled the wrong way round), then fuzzy on
    the romanised form (张玮 and 张伟 sound alike; Jon and John).

    A swap is one fact about the whole name: the comparison that `counts_swap`
    weighs it, the other says nothing about it (a null level). Counted in both, a
    swapped name outweighed the same name written the right way round."""
    if counts_swap:
        first = [cll.NullLevel(column), cll.ExactMatchLevel(column, term_frequency_adjustments=True),
                 cll.CustomLevel(_SWAPPED, label_for_charts="Given and family names swapped")]
        u = [0.01, 0.0001, 0.01, 0.05, 0.9299]
    else:
        first = [cll.CustomLevel(f"{column}_l IS NULL OR {column}_r IS NULL OR ({_SWAPPED})",
                                 label_for_charts="Missing, or swapped (weighed with the given name)")
                 .configure(is_null_level=True),
                 cll.ExactMatchLevel(column, term_frequency_adjustments=True)]
        m = [m[0], *m[2:]]
        u = [0.01, 0.01, 0.05, 0.9399]
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            *first,
            cll.JaroWinklerLevel(f"{column}_romanised", 0.92),
            cll.JaroWinklerLevel(f"{column}_romanised", 0.8),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=m, u_probabilities=u)


def _address_comparison() -> cl.CustomComparison:
    """A house number identifies a building on its street: the same number on a
    similar street is strong evidence, another number on the same street is
    evidence against, whatever the rest of the text shares."""
    different_number = "house_number_l <> house_number_r"
    return cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.CustomLevel("(address_l IS NULL OR address_r IS NULL) AND (street_l IS NULL OR street_r IS NULL)",
                            label_for_charts="No address").configure(is_null_level=True),
            cll.ExactMatchLevel("address"),
            cll.CustomLevel(_SAME_NUMBER_SIMILAR_STREET, label_for_charts="Same house number, similar street"),
            cll.CustomLevel(different_number, label_for_charts="Another house number"),
            cll.JaroWinklerLevel("address", 0.9),
            cll.JaroWinklerLevel("address", 0.75),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=[0.5, 0.3, 0.02, 0.08, 0.05, 0.05],
                u_probabilities=[0.0005, 0.001, 0.05, 0.005, 0.05, 0.8935])


def _phone_comparison(column: str, m: list[float] | None = None, premises: bool = False) -> cl.CustomComparison:
    """The same number, else the same subscriber digits (a local number written
    without its area code, or with another country code).

    premises: the column is a premises' phone (a company's switchboard), which names
    the same fact as its address, the building: a hotel's restaurants, a tower's
    offices share both. At the same address the same phone says nothing more (it
    would count the building twice); another phone there still tells two outlets apart."""
    null = cll.NullLevel(column)
    if premises:
        null = cll.CustomLevel(f"{column}_l IS NULL OR {column}_r IS NULL OR ({_SAME_PREMISES})",
                               label_for_charts="Missing, or the same at the same address (counted there)"
                               ).configure(is_null_level=True)
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            null,
            cll.ExactMatchLevel(column),
            cll.ExactMatchLevel(f"{column}_subscriber").configure(label_for_charts="Same last seven digits"),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=m or [0.75, 0.05, 0.2], u_probabilities=[1e-4, 2e-4, 1 - 3e-4])


def _postcode_comparison() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="postcode",
        comparison_levels=[
            cll.NullLevel("postcode"),
            cll.ExactMatchLevel("postcode", term_frequency_adjustments=True),
            cll.ExactMatchLevel("postcode_area").configure(label_for_charts="Same postal district"),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=[0.75, 0.15, 0.1], u_probabilities=[0.005, 0.02, 0.975])


def _birth_date_comparison() -> cl.CustomComparison:
    """A typed date slips by one digit, or by a year; the ELSE level is strong evidence against."""
    return cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            # 1 January is where a year alone lands when it is typed as a date (1860 ->
            # 1860-01-01): two such dates agree on the year, not on the day
            cll.CustomLevel("birth_date_l = birth_date_r AND substr(birth_date_l, 6, 5) = '01-01'",
                            label_for_charts="Same year, written as 1 January"),
            cll.ExactMatchLevel("birth_date"),
            cll.DamerauLevenshteinLevel("birth_date", 1),
            cll.CustomLevel("abs(datediff('day', try_cast(birth_date_l AS DATE), try_cast(birth_date_r AS DATE))) <= 366",
                            label_for_charts="Within a year"),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=[0.02, 0.83, 0.08, 0.04, 0.03],
                u_probabilities=[0.0003, 0.0003, 0.003, 0.02, 0.9764])


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


def _middle_name_comparison() -> cl.CustomComparison:
    """A middle name, or its initial where one row gives only that."""
    return cl.CustomComparison(
        output_column_name="middle_name",
        comparison_levels=[
            cll.NullLevel("middle_name"),
            cll.ExactMatchLevel("middle_name", term_frequency_adjustments=True),
            cll.CustomLevel("left(middle_name_l, 1) = left(middle_name_r, 1) AND "
                            "(length(middle_name_l) = 1 OR length(middle_name_r) = 1)",
                            label_for_charts="Same initial"),
            cll.ElseLevel(),
        ],
    ).configure(m_probabilities=[0.8, 0.1, 0.1], u_probabilities=[0.01, 0.03, 0.96])


_GIVEN, _FAMILY = "first_name_romanised", "last_name_romanised"


def person_settings(present: set[str] | None = None) -> SettingsCreator:
    """present: as company_settings."""
    return _settings(present, [
        (_name_part("last_name", [0.83, 0.02, 0.07, 0.04, 0.04], counts_swap=False), {"last_name"}),
        (_name_part("first_name", [0.78, 0.02, 0.1, 0.05, 0.05], counts_swap=True), {"first_name"}),
        (_middle_name_comparison(), {"middle_name"}),
        (_birth_date_comparison(), {"birth_date"}),
        (_phone_comparison("mobile", [0.8, 0.05, 0.15]), {"mobile"}),
        (_exact("id_number", [0.97, 0.03], ID_U), {"id_number"}),
        (_person_email_comparison(), {"email"}),
        (_phone_comparison("phone"), {"phone"}),
        (_exact("city", [0.8, 0.2], [0.05, 0.95], tf=True), {"city"}),
        (_postcode_comparison(), {"postcode"}),
        (_address_comparison(), {"address", "street"}),
        (_exact("gender", [0.97, 0.03], [0.5, 0.5]), {"gender"}),
    ], [
        # a name alone only where it is uncommon in the inbox (features.if_uncommon)
        block_on("name_if_uncommon"),
        block_on("mobile_subscriber"),
        block_on("id_number"),
        block_on("email"),
        # the full name in either order: a form filled the wrong way round (the
        # comparison's "Given and family names swapped" level)
        block_on("name_either_order_if_uncommon"),
        # the birthday and either name, in either field
        block_on("birth_date", f"least({_GIVEN}, {_FAMILY})"),
        block_on("birth_date", f"greatest({_GIVEN}, {_FAMILY})"),
        block_on("postcode", "first_name_romanised"),
        block_on("birth_date", "postcode_area"),
        block_on("birth_date", "city"),
        block_on("phone_subscriber", "first_name_romanised"),
        block_on("house_number", "street", "first_name_romanised"),
        # a name typed two ways (Jon/John, Alen/Allen): the birthday and one initial
        block_on("birth_date", "substr(first_name_romanised, 1, 1)"),
        block_on("birth_date", "substr(last_name_romanised, 1, 1)"),
        block_on("email_user"),
        # the family name and one more fact; an initial keeps common surnames' blocks small
        block_on("last_name_romanised", "city", "substr(first_name_romanised, 1, 1)"),
        block_on("last_name_romanised", "substr(birth_date, 1, 4)", "substr(first_name_romanised, 1, 1)"),
        block_on("last_name_romanised", "postcode_area"),
        block_on("first_name_romanised", "city", "substr(last_name_romanised, 1, 1)"),
    ])


# Training recipe per model: rules that are near-certain matches (for the prior),
# and the blocks EM runs on (each block leaves some comparisons free to learn).
TRAINING = {
    "company": {
        "settings": company_settings,
        "deterministic": [block_on("uscc"), block_on("name_core", "phone"), block_on("name_core", "mobile"),
                          block_on("name_core", "place"), block_on("name_core", "house_number", "street")],
        "em_blocks": [block_on("name_core"), block_on("uscc"), block_on("mobile"), block_on("phone_subscriber"),
                      block_on("house_number", "street")],
    },
    "person": {
        "settings": person_settings,
        "deterministic": [block_on("id_number"), block_on("name", "mobile"), block_on("name", "birth_date")],
        "em_blocks": [block_on("first_name_romanised", "last_name_romanised"), block_on("birth_date"),
                      block_on("mobile"), block_on("id_number")],
    },
}
