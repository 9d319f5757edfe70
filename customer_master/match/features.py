"""Columns the comparisons need that are views of the standardised fields:
surname and given name (from their own columns, else split from the full name),
their romanised forms, the e-mail user name; and the whole frame the models
compare (`matching_frame`).

Each derived value has its rule as a function of one value (`name_parts_of`,
`email_user_of`, `place_of`, `joined_name_words`, `rarest_word`,
`name_stems`, `subscriber_part`), which the duplicate check calls for its one record
(`check.query`) and the frame applies once per distinct value."""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd
import pyarrow as pa

from customer_master.match.models import UNIQUE_ID
from customer_master.standardise.values import map_distinct, map_distinct_fields, map_distinct_rows
from customer_master.schemas.row_rules import RESIDENT_ID_SHAPE
from customer_master.standardise.text import romanised, simplified
from customer_master.working_db import working_connection

# Two-character surnames; any other Chinese name's surname is its first character.
COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
    "轩辕", "令狐", "端木", "澹台", "申屠", "钟离", "闻人", "赫连", "百里", "南宫", "西门", "呼延", "独孤",
)
_COMPOUND = "|".join(COMPOUND_SURNAMES)
_CJK = re.compile(r"[\u3400-\u9fff]")


_PERSON_SPLIT = re.compile(rf"^(?P<last>{_COMPOUND}|.)(?P<first>.+)$")
_NOT_NAME_CHARACTER = re.compile(r"[^\w\s'-]")


@lru_cache(maxsize=1 << 16)
def name_parts_of(name: str | None) -> tuple[str | None, str | None]:
    """(first_name, last_name) of a full name: a Chinese name is its surname (one
    character, or a compound surname) and the given name after it; a Latin-script
    name its first and (of two or more) its last word, lower-case."""
    if name is None:
        return None, None
    name = name.strip()
    if _CJK.search(name):
        found = _PERSON_SPLIT.search(name)
        return (found.group("first"), found.group("last")) if found else (None, None)
    tokens = _NOT_NAME_CHARACTER.sub(" ", name.lower()).split()
    return (tokens[0] if tokens else None), (tokens[-1] if len(tokens) > 1 else None)


def person_name_parts(rows: pd.DataFrame) -> pd.DataFrame:
    """first_name, last_name (lower-case for Latin script), their romanised forms and
    name_either_order (the two romanised parts in alphabetical order)."""
    derived = map_distinct_fields(rows["name"], name_parts_of, ["first", "last"])
    derived_first, derived_last = derived["first"], derived["last"]
    own_first, own_last = _own_column(rows, "first_name"), _own_column(rows, "last_name")
    # a row that fills either part's own column has said which is which: its full
    # name (often just those parts joined) is not split again, or a lone surname
    # would also stand as the given name and count twice
    from_name = own_first.isna() & own_last.isna()
    given = own_first.fillna(derived_first.where(from_name))
    family = own_last.fillna(derived_last.where(from_name))
    out = pd.DataFrame({"first_name": given.astype(object), "last_name": family.astype(object)}, index=rows.index)
    for column in ("first_name", "last_name"):
        out[column] = out[column].where(out[column].notna(), None)
        out[f"{column}_romanised"] = romanised(out[column])
    out["name_either_order"] = map_distinct_rows([out["first_name_romanised"], out["last_name_romanised"]],
                                                 name_in_either_order)
    return out


def name_in_either_order(first: str | None, last: str | None) -> str | None:
    """The two parts of a name in alphabetical order: the same whichever part a form
    put first (a form filled the wrong way round); None unless both are given."""
    if first is None or last is None:
        return None
    return f"{first} {last}" if first <= last else f"{last} {first}"


def _own_column(rows: pd.DataFrame, column: str) -> pd.Series:
    if column not in rows:
        return pd.Series(pd.NA, index=rows.index, dtype="string")
    values = simplified(rows[column].astype("string").str.strip().replace("", pd.NA))
    values = values.astype("string")
    return values.where(values.str.contains(r"[\u3400-\u9fff]").fillna(False), values.str.lower())


def email_user_of(email: str | None) -> str | None:
    """The user name of an e-mail address (what comes before the @)."""
    return email.split("@")[0] if email is not None else None


def email_user(emails: pd.Series) -> pd.Series:
    return map_distinct(emails, email_user_of)


def place_of(reg_place: str | None, city: str | None) -> str | None:
    """Where a company is registered: the place in its name, else its address's
    city (深圳市 -> 深圳)."""
    if reg_place is not None:
        return reg_place
    return city.removesuffix("市") if city is not None else None


# Words that say what kind of name it is, not whose: they never make a name's key word.
NAME_STOPWORDS = frozenset({"the", "and", "of", "a", "an", "&", "de", "la", "le", "les", "des", "du", "der", "die",
                            "das", "van", "von", "y", "et", "und", "at", "on", "in", "for"})
_NAME_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
SUBSCRIBER_DIGITS = 7


@lru_cache(maxsize=1 << 16)
def name_words(core: str) -> tuple[str, ...]:
    """The distinct words of a Latin-script name, sorted, without the little words
    ("palm, the (los angeles)" -> angeles los palm); () for Chinese names, which
    have no spaces and are compared by their romanised form."""
    if _CJK.search(core):
        return ()
    # a lone letter is an initial or a possessive's s (langtry s): no one's name
    return tuple(sorted({w for w in _NAME_WORD.findall(core.lower()) if len(w) > 1 and w not in NAME_STOPWORDS}))


def word_frequencies(cores: pd.Series) -> dict[str, int]:
    """In how many distinct names of the inbox each word occurs: how common it is."""
    counts: dict[str, int] = {}
    for core in pd.unique(cores.dropna()):
        for word in name_words(core):
            counts[word] = counts.get(word, 0) + 1
    return counts


def rarest_word(core: str | None, frequencies: dict[str, int]) -> str | None:
    """The name's least common word in the inbox (ties: the longest, then the first):
    the word that says whose name it is ("ymca", "mccutcheon", not "school")."""
    words = name_words(core) if core else ()
    if not words:
        return None
    return min(words, key=lambda w: (frequencies.get(w, 0), -len(w), w))


def subscriber_part(number: str | None) -> str | None:
    """The last seven digits of a phone: a local number written without its area
    code still agrees there with its full form."""
    if number is None:
        return None
    digits = re.sub(r"[^0-9]", "", number)
    return digits[-SUBSCRIBER_DIGITS:] if len(digits) >= SUBSCRIBER_DIGITS else None


def joined_name_words(core: str | None) -> str | None:
    """`name_words`, space-joined; None when there are none."""
    return " ".join(name_words(core)) or None if core else None


# A misspelt or shortened word keeps its first letters (konink / koninklijke,
# philips / phillips, deli / delicatessen): words are compared by this many.
STEM_LETTERS = 4


@lru_cache(maxsize=1 << 16)
def name_stems(core: str | None) -> str | None:
    """The name's words cut to their first STEM_LETTERS letters, distinct, sorted and
    space-joined; None for Chinese names and for a name of fewer than two such
    stems, whose first letters say little (aqua / aquavit, felix / felidia)."""
    stems = sorted({w[:STEM_LETTERS] for w in name_words(core)}) if core else []
    return " ".join(stems) if len(stems) >= 2 else None


@lru_cache(maxsize=1 << 16)
def name_acronym(core: str | None) -> str | None:
    """What a Latin-script name of three or more words is shortened to (international
    business machines -> ibm), or the name itself when it is one short word that
    could be such a shortening (ibm): the two meet where one is the other's acronym."""
    if not core or _CJK.search(core):
        return None
    words = [w for w in _NAME_WORD.findall(core.lower()) if w not in NAME_STOPWORDS]
    if len(words) >= 3:
        return "".join(w[0] for w in words)
    if len(words) == 1 and 3 <= len(words[0]) <= 6:
        return words[0]
    return None


def name_word_columns(cores: pd.Series, frequencies: dict[str, int]) -> pd.DataFrame:
    """name_words (space-joined, sorted), name_stems, name_rare_word and name_acronym, per distinct core."""
    words = map_distinct(cores, joined_name_words)
    stems = map_distinct(cores, name_stems)
    rare = map_distinct(cores, lambda c: rarest_word(c, frequencies))
    acronym = map_distinct(cores, name_acronym)
    return pd.DataFrame({"name_words": words, "name_stems": stems, "name_rare_word": rare, "name_acronym": acronym},
                        index=cores.index)


# the columns of a matching frame that hold a name only where few rows of the frame
# share it (if_uncommon), and the column each is taken from
UNCOMMON_COLUMNS = {"name_if_uncommon": "name", "name_either_order_if_uncommon": "name_either_order"}


def matching_frame(rows: pd.DataFrame, frequencies: dict[str, int] | None = None) -> pd.DataFrame:
    """The columns the Splink models compare, from standardised rows (the match
    stage's input; the duplicate check builds the same for a new record, with the
    word frequencies of the rows it checks against)."""
    kind = rows["customer_type"].to_numpy() if "customer_type" in rows else None
    return with_inbox_features(row_features(rows), frequencies, kind)


# The columns of matching_frame that depend on the other rows of the inbox (how
# common a word or a name is); row_features gives all the others, row by row.
INBOX_FEATURES = ("name_rare_word", "name_if_uncommon", "name_either_order_if_uncommon")
# row_features' columns pandas types as text ("string"): a frame read back from
# Parquet gets them again (restore_types), so it is the frame computed now
STRING_FEATURES = ("birth_date",)


def row_features(rows: pd.DataFrame) -> pd.DataFrame:
    """The columns of matching_frame that depend on each row alone (not INBOX_FEATURES):
    what a nightly run keeps per file and computes only for new rows (match/features_cache.py)."""
    frame = rows[[UNIQUE_ID, "name", "name_core", "name_romanised", "legal_form", "branch", "reg_place", "uscc",
                  "id_number", "phone", "mobile", "email", "email_domain", "free_mail", "contact_name", "city",
                  "postcode", "address", "house_number", "street", "unit", "middle_name", "website", "gender",
                  "birth_date"]].copy()
    frame["middle_name"] = _none_for_null(rows["middle_name"].astype("string").str.lower())
    for column in ("phone", "mobile"):
        frame[f"{column}_subscriber"] = map_distinct(rows[column], subscriber_part)
    cores = rows["name_core"]
    frame["name_words"] = map_distinct(cores, joined_name_words)
    frame["name_stems"] = map_distinct(cores, name_stems)
    frame["name_acronym"] = map_distinct(cores, name_acronym)
    frame["place"] = map_distinct_rows([rows["reg_place"], rows["city"]], place_of)
    frame["birth_date"] = frame["birth_date"].astype("string")
    frame["email_user"] = email_user(rows["email"])
    postcode = rows["postcode"].astype("string").str.lower().str.strip()
    # the postal district: the outward code of a UK postcode (tq13 8df), else the first 4 characters
    frame["postcode_area"] = _none_for_null(postcode.str.split(" ").str[0].where(postcode.str.contains(" "),
                                                                               postcode.str[:4]))
    # a resident ID that passed its check character (validation blanked the others)
    # is proof of identity; other schemes' numbers may carry typos
    frame["resident_id"] = _none_for_null(rows["id_number"].where(
        rows["id_number"].astype("string").str.match(RESIDENT_ID_SHAPE).fillna(False).astype(bool)))
    return frame.join(person_name_parts(rows))


def _none_for_null(values: pd.Series) -> pd.Series:
    """Text with None for a missing value, as the frame read back from Parquet (the
    kept features) has it, so a nightly run's frame is the one computed now."""
    values = values.astype(object)
    return values.where(values.notna(), None)


def restore_types(features: pd.DataFrame) -> pd.DataFrame:
    """row_features read back from Parquet, typed as row_features gives them (in
    place: astype over the whole frame would copy every column)."""
    for column in STRING_FEATURES:
        if column in features:
            features[column] = features[column].astype("string")
    return features


def with_inbox_features(features: pd.DataFrame, frequencies: dict[str, int] | None = None,
                        kind=None) -> pd.DataFrame:
    """row_features of the rows (of one customer type, or `kind` gives each row's)
    with INBOX_FEATURES, counted over these rows (the word frequencies: `frequencies`,
    when given), in matching_frame's order."""
    return add_inbox_features(features.reset_index(drop=True), frequencies, kind)  # a copy: the columns go in


def add_inbox_features(frame: pd.DataFrame, frequencies: dict[str, int] | None = None,
                       kind=None) -> pd.DataFrame:
    """with_inbox_features into `frame` itself (a frame of the caller's own, with a
    default index), not into a copy."""
    cores = frame["name_core"]
    frequencies = frequencies if frequencies is not None else word_frequencies(cores)
    rare = map_distinct(cores, lambda core: rarest_word(core, frequencies))
    frame.insert(frame.columns.get_loc("name_stems") + 1, "name_rare_word", rare)
    for column, source in UNCOMMON_COLUMNS.items():
        frame[column] = if_uncommon(frame[source], kind)
    return frame


# A blocking rule on a person's name alone pairs every two rows of the name: for a
# common name (张伟, John Smith, "Sir Baronet") that grows with the square of the
# inbox. Such a rule keeps only names that at most this many rows carry, so it adds
# at most COMMON_NAME_ROWS / 2 pairs a row; the rules that pair the name with a
# second fact (birthday, city, phone, postcode) still find the rest.
COMMON_NAME_ROWS = 30


def if_uncommon(values: pd.Series, kind=None) -> pd.Series:
    """Each value where at most COMMON_NAME_ROWS rows (of its customer type, when
    `kind` gives each row's) carry it, else None."""
    keys = [values] if kind is None else [pd.Series(kind, index=values.index), values]
    counts = values.groupby(keys, dropna=True).transform("size")
    return values.where(counts.le(COMMON_NAME_ROWS)).astype(object).where(lambda v: v.notna(), None)


def typed_features(frame: pd.DataFrame, customer_type: str) -> pa.Table:
    """A matching frame of one customer type as Arrow, with its type: columns no
    row fills stay text columns (Arrow would type them null)."""
    return with_type(text_for_null(pa.Table.from_pandas(frame, preserve_index=False)), customer_type)


def text_for_null(table: pa.Table) -> pa.Table:
    """`table` with its null-typed columns (no row fills them) typed as text."""
    return table.cast(pa.schema([pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f
                                 for f in table.schema]))


def with_type(table: pa.Table, customer_type: str) -> pa.Table:
    """An Arrow matching frame of one customer type with the type as its first column."""
    return table.add_column(0, "customer_type", pa.array([customer_type] * table.num_rows, pa.string()))


# match_input's rows, over `features` (MatchResult.features) and `masters` (row_key, master_id):
# publish runs it inside the new warehouse's DuckDB, from the stage results' files
MATCH_INPUT_SQL = (f"SELECT m.master_id, f.* FROM features f JOIN masters m USING ({UNIQUE_ID}) "
                   f"ORDER BY f.customer_type, f.{UNIQUE_ID}")


def match_input(features: pa.Table, master_of: pd.Series) -> pa.Table:
    """The features of every row in a master (the match stage's, MatchResult.features)
    with its master (master_of: row_key -> master_id): what the duplicate check and
    the activities score against."""
    masters = pa.table({UNIQUE_ID: pa.array(master_of.index.to_numpy(), pa.int64()),
                        "master_id": pa.array(master_of.to_numpy(), pa.string())})
    with working_connection() as con:
        con.register("features", features)
        con.register("masters", masters)
        return con.sql(MATCH_INPUT_SQL).to_arrow_table()
