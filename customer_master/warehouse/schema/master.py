"""The declared schema of the golden records and the matching behind them (schema
`master`): each table's columns, DuckDB types and comments, written once here."""

from __future__ import annotations

from customer_master.warehouse.schema.columns import (BIGINT, BOOLEAN, DATE, DOUBLE, JSON, TIMESTAMP, VARCHAR,
                                                      Table, col, lineage, listed)

MASTER_ID = col("master_id", VARCHAR, "the golden customer's id (M + 16 hex), stable from run to run")
CUSTOMER_TYPE = col("customer_type", VARCHAR, "company or person")
RUN_ID = col("run_id", VARCHAR, "id of the run (meta.runs.run_id)")
# first_name, last_name and postcode are filled only from a source sheet that has
# them as columns of their own; the sample's sheets give whole names and no postcode
GOLDEN_FIELDS = (
    col("name", VARCHAR, "name: a company's full name, a person's whole name"),
    col("name_core", VARCHAR, "a company's name without place, legal form and branch (what matching compares)"),
    col("first_name", VARCHAR, "given name, from a sheet with a given-name column of its own; "
                               "null when no sheet gives it apart (the sample's sheets give whole names)"),
    col("last_name", VARCHAR, "family name, from a sheet with a family-name column of its own; "
                              "null when no sheet gives it apart (the sample's sheets give whole names)"),
    col("legal_form", VARCHAR, "a company's legal form (有限公司, GmbH, Ltd …)"),
    col("reg_place", VARCHAR, "the place in a company's registered name"),
    col("branch", VARCHAR, "a company's branch (分公司 …)"),
    col("uscc", VARCHAR, "unified social credit code (统一社会信用代码), check character verified"),
    col("id_number", VARCHAR, "a person's ID number (resident ID or another scheme's)"),
    col("mobile", VARCHAR, "mobile number, E.164 where valid for its country, else the digits as written"),
    col("phone", VARCHAR, "landline, E.164 where valid for its country, else the digits as written"),
    col("phone_extension", VARCHAR, "extension of the landline"),
    col("email", VARCHAR, "e-mail address, lower case"),
    col("contact_name", VARCHAR, "a company's contact person as the winning row names them"),
    col("address", VARCHAR, "address as standardised"),
    col("province", VARCHAR, "province (standardised, e.g. 江苏省)"),
    col("city", VARCHAR, "city (standardised)"),
    col("district", VARCHAR, "district (standardised)"),
    col("postcode", VARCHAR, "postcode, from a sheet with a postcode column; null when none gives one "
                             "(the sample's sheets have none)"),
    col("birth_date", DATE, "a person's birthday"),
    col("gender", VARCHAR, "a person's gender: M or F"),
)

CUSTOMERS = Table("master.customers", "golden customer",
                  "The golden customer master: one record per customer, each field chosen by survivorship "
                  "(master.field_lineage says from which row and by which rule).", (
    MASTER_ID, CUSTOMER_TYPE, *GOLDEN_FIELDS,
    col("record_count", BIGINT, "source rows merged into this master"),
    col("source_count", BIGINT, "departments with a row of this master"),
    listed("sources", "departments with a row of this master, sorted"),
    col("first_created_at", DATE, "earliest creation date any of its rows gives (its sheet's 创建日期 …)"),
    col("last_updated_at", DATE, "latest update date any of its rows gives (its sheet's 更新日期 …)"),
    col("created_run", VARCHAR, "run that first gave this master id"),
))

CUSTOMERS_HISTORY = Table("master.customers_history", "version of a golden record",
                          "Every version of every golden record: a new version when a golden field changes.", (
    MASTER_ID,
    col("valid_from", TIMESTAMP, "when this version was published (UTC)"),
    col("valid_to", TIMESTAMP, "when the next version replaced it (UTC); null: the current version"),
    RUN_ID, CUSTOMER_TYPE, *GOLDEN_FIELDS,
))

XREF = Table("master.xref", "accepted source row",
             "The crosswalk: every accepted customer row and the master it is in.", (
    MASTER_ID, *lineage(),
    col("source_record_id", VARCHAR, "the row's own record id in its sheet (客户编号 …), as written"),
    col("row_identity", VARCHAR, "the row's stable identity (source|record id or source|row:file|sheet|row): "
                                 "what steward decisions refer to"),
    col("match_probability", DOUBLE, "best link to another row of its master; null for a one-row master"),
    col("attributes", JSON, "the row's columns that are no canonical field, header → value"),
))

_PAIR = (
    CUSTOMER_TYPE, *lineage("_l", "the left row"), *lineage("_r", "the right row"),
    col("match_probability", DOUBLE, "Splink's match probability of the pair"),
    col("match_weight", DOUBLE, "Splink's match weight (log2 of the Bayes factor)"),
    col("evidence", JSON, "match weight per compared field, field → weight (a field not compared is absent)"),
)
MATCH_PAIRS = Table("master.match_pairs", "scored pair (probability ≥ 0.5)",
                    "Every pair the models scored at 0.5 or more, with both rows' lineage and masters.", (
    *_PAIR,
    col("cannot_link", VARCHAR, "why the pair may not merge whatever its probability (branch, "
                                "names share nothing, a steward's decision); null: it may"),
    col("master_id_l", VARCHAR, "master of the left row"),
    col("master_id_r", VARCHAR, "master of the right row"),
))

REVIEW_CANDIDATES = Table("master.review_candidates", "pair in the run's review band",
                          "The pairs a steward should look at: those of master.match_pairs in the run's review band "
                          "(run config review_from … review_to) that nothing forbids to merge; "
                          "`customer-master review export` writes them to a workbook.", (
    *_PAIR,
    col("master_id_l", VARCHAR, "master of the left row"),
    col("master_id_r", VARCHAR, "master of the right row (the same as the left: merged now)"),
))

MODELS = Table("master.models", "model of this run", "The Splink models this run trained, for audit.", (
    RUN_ID, CUSTOMER_TYPE,
    col("model_json", JSON, "the trained Splink model (its settings and learned m and u probabilities)"),
))

MODEL_WEIGHTS = Table("master.model_weights", "level of a comparison of this run's models",
                      "What the models learned, one row per comparison level.", (
    CUSTOMER_TYPE,
    col("comparison", VARCHAR, "the compared field; '(prior: two random rows match)' for the prior"),
    col("level", VARCHAR, "the comparison level (Exact match on name_core …)"),
    col("m_probability", DOUBLE, "share of matching pairs at this level"),
    col("u_probability", DOUBLE, "share of non-matching pairs at this level"),
    col("match_weight", DOUBLE, "log2(m/u); the prior's row: its log2 odds"),
    RUN_ID,
))

FIELD_LINEAGE = Table("master.field_lineage", "golden field",
                      "Where each golden field came from: its value, the rule that chose it and the source row.", (
    MASTER_ID,
    col("field", VARCHAR, "the golden field (a column of master.customers)"),
    col("value", VARCHAR, "its value, as text"),
    col("rule", VARCHAR, "the survivorship rule that chose it (most trusted source, most frequent …)"),
    col("candidates", BIGINT, "distinct values the master's rows gave"),
    *lineage(whose="the row the value came from"),
))

FIELD_VALUES = Table("master.field_values", "distinct value of a field of a master",
                     "Every value the rows of a master gave for a field, the losers too.", (
    MASTER_ID,
    col("field", VARCHAR, "the golden field"),
    col("value", VARCHAR, "one value, as text"),
    col("golden", BOOLEAN, "whether it is the golden value"),
    col("rows", BIGINT, "rows that gave it"),
    listed("sources", "departments whose rows gave it, sorted"),
))

ID_HISTORY = Table("master.id_history", "retired master id",
                   "Master ids a run retired (their clusters merged or split) and the id that replaced each.", (
    col("retired_id", VARCHAR, "the master id no longer given"),
    col("replaced_by", VARCHAR, "the master id its rows went to; null when no rows are left"),
    col("reason", VARCHAR, "why it was retired: merged, or no rows left"),
    col("run_id", VARCHAR, "run that retired it"),
))

SOURCE_ROWS = Table("master.source_rows", "accepted source row",
                    "Each accepted customer row's standardised values, so a steward sees the rows behind a master.", (
    *lineage(),
    col("row_identity", VARCHAR, "the row's stable identity (as master.xref.row_identity)"),
    CUSTOMER_TYPE,
    col("name", VARCHAR, "name as standardised"),
    col("mobile", VARCHAR, "mobile, E.164 where valid"),
    col("phone", VARCHAR, "landline, E.164 where valid"),
    col("email", VARCHAR, "e-mail, lower case"),
    col("address", VARCHAR, "address as standardised"),
    col("province", VARCHAR, "province"),
    col("city", VARCHAR, "city"),
    col("district", VARCHAR, "district"),
    col("address_rest", VARCHAR, "the address after province, city and district"),
    col("uscc", VARCHAR, "unified social credit code"),
    col("id_number", VARCHAR, "ID number"),
    col("birth_date", DATE, "birthday"),
))

_FEATURE = "matching feature"
MATCH_INPUT = Table("master.match_input", "accepted source row",
                    "The columns the models compare, per accepted row, with its master: what "
                    "`customer-master check` scores a new record against. Built for the models, not for reading.", (
    MASTER_ID, CUSTOMER_TYPE,
    col("row_key", BIGINT, "the row's number in this run (not stable from run to run)"),
    col("name", VARCHAR, f"{_FEATURE}: the name"),
    col("name_core", VARCHAR, f"{_FEATURE}: a company's name without place, legal form and branch"),
    col("name_romanised", VARCHAR, f"{_FEATURE}: the name in pinyin"),
    col("legal_form", VARCHAR, f"{_FEATURE}: legal form"),
    col("branch", VARCHAR, f"{_FEATURE}: branch"),
    col("reg_place", VARCHAR, f"{_FEATURE}: place in the registered name"),
    col("uscc", VARCHAR, f"{_FEATURE}: credit code"),
    col("id_number", VARCHAR, f"{_FEATURE}: ID number"),
    col("phone", VARCHAR, f"{_FEATURE}: landline"),
    col("mobile", VARCHAR, f"{_FEATURE}: mobile"),
    col("email", VARCHAR, f"{_FEATURE}: e-mail"),
    col("email_domain", VARCHAR, f"{_FEATURE}: the e-mail's domain"),
    col("free_mail", BOOLEAN, f"{_FEATURE}: whether the domain is a free mail provider (qq.com …)"),
    col("contact_name", VARCHAR, f"{_FEATURE}: contact person"),
    col("city", VARCHAR, f"{_FEATURE}: city"),
    col("postcode", VARCHAR, f"{_FEATURE}: postcode (null when the row has none)"),
    col("address", VARCHAR, f"{_FEATURE}: address"),
    col("house_number", VARCHAR, f"{_FEATURE}: house number of the address"),
    col("street", VARCHAR, f"{_FEATURE}: street of the address"),
    col("unit", VARCHAR, f"{_FEATURE}: unit of the address (room, floor)"),
    col("middle_name", VARCHAR, f"{_FEATURE}: middle name, lower case (null when the row has none: "
                               "the sample's sheets have no middle names)"),
    col("website", VARCHAR, f"{_FEATURE}: website (null when the row has none: the sample's sheets have none)"),
    col("gender", VARCHAR, f"{_FEATURE}: gender"),
    col("birth_date", DATE, f"{_FEATURE}: birthday (the models compare it as ISO text)"),
    col("phone_subscriber", VARCHAR, f"{_FEATURE}: the landline without its area code"),
    col("mobile_subscriber", VARCHAR, f"{_FEATURE}: the mobile without its country code"),
    col("name_words", VARCHAR, f"{_FEATURE}: the name's words"),
    col("name_stems", VARCHAR, f"{_FEATURE}: the name's words cut to their first letters (names of two or more words)"),
    col("name_rare_word", VARCHAR, f"{_FEATURE}: the name's rarest word"),
    col("name_acronym", VARCHAR, f"{_FEATURE}: the name's acronym"),
    col("place", VARCHAR, f"{_FEATURE}: registered place or city"),
    col("email_user", VARCHAR, f"{_FEATURE}: the e-mail's user part"),
    col("postcode_area", VARCHAR, f"{_FEATURE}: postal district of the postcode (null without one)"),
    col("resident_id", VARCHAR, f"{_FEATURE}: a resident ID that passed its check character"),
    col("first_name", VARCHAR, f"{_FEATURE}: given name (split from the whole name)"),
    col("last_name", VARCHAR, f"{_FEATURE}: family name (split from the whole name)"),
    col("first_name_romanised", VARCHAR, f"{_FEATURE}: given name in pinyin"),
    col("last_name_romanised", VARCHAR, f"{_FEATURE}: family name in pinyin"),
    col("name_either_order", VARCHAR, f"{_FEATURE}: the name's parts sorted (family and given in either order)"),
    col("name_if_uncommon", VARCHAR, f"{_FEATURE}: the name where few rows carry it (for blocking)"),
    col("name_either_order_if_uncommon", VARCHAR, f"{_FEATURE}: name_either_order where few rows carry it"),
))

STEWARD_DECISIONS = Table("master.steward_decisions", "decision a steward stored, ever",
                          "Every decision stewards stored (review workbooks, review detach), with who made it, "
                          "who imported it, and whether it is in force this run.", (
    col("decided_at", TIMESTAMP, "when the decision was stored (UTC; the import time for a workbook's decisions)"),
    col("decided_by", VARCHAR, "who decided: the reviewer declared at import, else the workbook's last author; "
                               "unknown when that author is a program, cli for a detach without --reviewer"),
    col("decision", VARCHAR, "match, no match or detach"),
    col("row_identity_l", VARCHAR, "identity of the first row (record id, else file/sheet/row); the detached row "
                                   "for a detach"),
    col("row_identity_r", VARCHAR, "identity of the second row; null for a detach"),
    col("master_id_l", VARCHAR, "the master holding row_identity_l after this run; null when the row is not in "
                                "this run"),
    col("master_id_r", VARCHAR, "the master holding row_identity_r after this run; null for a detach or a row "
                                "not in this run"),
    col("status", VARCHAR, "in force (the latest decision on its pair or row, its rows in this run), superseded "
                           "(a later decision on the same pair), or rows not in the inbox"),
    col("workbook", VARCHAR, "file name of the workbook the decision came from; null for a detach"),
    col("workbook_sha256", VARCHAR, "SHA-256 of that workbook's bytes (a workbook imported again stores nothing "
                                    "twice); null for a detach"),
    col("imported_by", VARCHAR, "the OS user who stored the decision; null for decisions stored by an earlier "
                                "version"),
    col("imported_from", VARCHAR, "the host the decision was stored from; null for decisions stored by an "
                                  "earlier version"),
    col("imported_at", TIMESTAMP, "when the decision was stored (UTC); null for decisions stored by an earlier "
                                  "version"),
))

TABLES = (CUSTOMERS, XREF, MATCH_PAIRS, REVIEW_CANDIDATES, MODELS, MODEL_WEIGHTS, FIELD_LINEAGE, FIELD_VALUES,
          SOURCE_ROWS, MATCH_INPUT, ID_HISTORY, CUSTOMERS_HISTORY, STEWARD_DECISIONS)
