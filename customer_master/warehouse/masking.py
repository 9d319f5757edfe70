"""The masking rules of the read surfaces (read_surfaces.py), each written once as
a DuckDB macro, and which columns of which warehouse table go into a surface,
with which rule.

The column lists are an allowlist: a column that is not listed never leaves the
warehouse, so a column added to the warehouse later stays out of the surfaces
until someone decides how to show it. Raw cells (`attributes`, `cells`) and
free-form lineage of values (`field_values`, `match_input`) are never listed.

Rules (examples are the README's):
- mobile and phone: first 3 and last 4 digits of the national number (+8613800138000 ->
  138****8000); 8-10 digits: the last 4; shorter: stars only; a foreign number keeps its +.
- ID number: first 4 and last 4 (110101199003071234 -> 1101**********1234); shorter than 12: stars.
- e-mail: first character of the user, ***, the domain (zhang.wei@qq.com -> z***@qq.com).
- street address: cut to province, city and district (北京市西城区长江路707号 -> 北京市西城区).
- person names: the family name and a star per character of the given name
  (张伟强 -> 张**, 欧阳娜娜 -> 欧阳**), Latin names the given name's initial and
  the family name (John Smith -> J. Smith). Company names are no personal data
  and stay as they are, except a "company" named by 2-4 Han characters only,
  which is a person's name in a company list as often as a brand.
- birth date: its year only.
- free text (an interaction's content): runs of 7 or more digits and e-mail users
  replaced by *** (a name typed into the text is not recognised).
- a record id shaped like a phone or ID number (11 or more digits): masked like a
  phone; other record ids (KA0174) as they are. row_identity, which repeats it, is left out."""

from __future__ import annotations

from dataclasses import dataclass

# Two-character family names, so 欧阳娜娜 keeps 欧阳 (the list covers the common ones).
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "司徒", "东方", "皇甫", "慕容", "令狐", "尉迟", "公孙",
                     "长孙", "宇文", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "澹台", "百里", "呼延")

_SURNAMES_SQL = ", ".join(f"'{name}'" for name in COMPOUND_SURNAMES)

# name -> (parameters, body). Temporary: they serve the build and are not stored in the surface.
MACROS = {
    "cm_keep_ends": ("v, head, tail", "left(v, head) || repeat('*', greatest(length(v) - head - tail, 0)) "
                                      "|| right(v, tail)"),
    "cm_mask_digits": ("d", "CASE WHEN d IS NULL OR d = '' THEN NULL "
                            "WHEN length(d) >= 11 THEN cm_keep_ends(d, 3, 4) "
                            "WHEN length(d) >= 8 THEN cm_keep_ends(d, 0, 4) "
                            "ELSE repeat('*', length(d)) END"),
    "cm_phone": ("v", "CASE WHEN v IS NULL OR trim(v) = '' THEN NULL "
                      "WHEN trim(v) LIKE '+86%' THEN cm_mask_digits(substr(regexp_replace(v, '[^0-9]', '', 'g'), 3)) "
                      "WHEN trim(v) LIKE '+%' THEN '+' || cm_mask_digits(regexp_replace(v, '[^0-9]', '', 'g')) "
                      "ELSE cm_mask_digits(regexp_replace(v, '[^0-9]', '', 'g')) END"),
    "cm_id_number": ("v", "CASE WHEN v IS NULL OR trim(v) = '' THEN NULL "
                          "WHEN length(trim(v)) >= 12 THEN cm_keep_ends(upper(trim(v)), 4, 4) "
                          "ELSE repeat('*', length(trim(v))) END"),
    "cm_email": ("v", "CASE WHEN v IS NULL OR trim(v) = '' THEN NULL "
                      "WHEN strpos(trim(v), '@') > 1 THEN left(trim(v), 1) || '***' || substr(trim(v), strpos(trim(v), '@')) "
                      "ELSE '***' END"),
    "cm_district": ("province, city, district",
                    "nullif(concat_ws('', province, CASE WHEN city = province THEN NULL ELSE city END, district), '')"),
    "cm_han_name": ("n", f"CASE WHEN length(n) >= 3 AND left(n, 2) IN ({_SURNAMES_SQL}) "
                         "THEN left(n, 2) || repeat('*', length(n) - 2) "
                         "ELSE left(n, 1) || repeat('*', length(n) - 1) END"),
    "cm_person_name": ("v", "CASE WHEN v IS NULL OR trim(v) = '' THEN NULL "
                            "WHEN regexp_matches(trim(v), '^\\p{Han}') THEN cm_han_name(replace(trim(v), ' ', '')) "
                            "WHEN strpos(trim(v), ' ') > 0 "
                            "THEN left(trim(v), 1) || '. ' || regexp_extract(trim(v), '(\\S+)$', 1) "
                            "ELSE left(trim(v), 1) || '.' END"),
    # a record id shaped like a phone or ID number (a shop that numbers members by their mobile)
    "cm_record_id": ("v", "CASE WHEN regexp_matches(trim(v), '^\\+?[0-9][0-9 \\-]{9,}[0-9Xx]$') "
                          "THEN cm_mask_digits(regexp_replace(v, '[^0-9Xx]', '', 'g')) ELSE v END"),
    "cm_initial": ("v", "CASE WHEN v IS NULL OR trim(v) = '' THEN NULL ELSE left(trim(v), 1) || '.' END"),
    "cm_free_text": ("v", "regexp_replace(regexp_replace(v, '[^\\s@,;，；:：<>()（）]+@', '***@', 'g'), "
                          "'\\+?[0-9][0-9 \\-]{5,}[0-9][Xx]?', '***', 'g')"),
}


def install_macros(con) -> None:
    """The rules as temporary macros of the connection that builds a surface."""
    for name, (parameters, body) in MACROS.items():
        con.execute(f"CREATE OR REPLACE TEMP MACRO {name}({parameters}) AS {body}")


def _text(column: str) -> str:
    return f'CAST("{column}" AS VARCHAR)'  # columns that are all null are typed NULL in the warehouse


# Each builder gives one surface column: (output name, SQL expression, warehouse columns it needs).
Column = tuple[str, str, tuple[str, ...]]


def keep(*names: str) -> list[Column]:
    return [(name, f'"{name}"', (name,)) for name in names]


def phone(name: str) -> Column:
    return name, f"cm_phone({_text(name)})", (name,)


def id_number(name: str) -> Column:
    return name, f"cm_id_number({_text(name)})", (name,)


def email(name: str) -> Column:
    return name, f"cm_email({_text(name)})", (name,)


def person_name(name: str) -> Column:
    return name, f"cm_person_name({_text(name)})", (name,)


def record_id(name: str) -> Column:
    return name, f"cm_record_id({_text(name)})", (name,)


def initial(name: str) -> Column:
    return name, f"cm_initial({_text(name)})", (name,)


def customer_name(name: str, full_name: str | None = None, type_column: str = "customer_type") -> Column:
    """A company's name as it is; anything else (a person, an unresolved line) masked. A
    "company" whose full name is a bare 2-4 Han characters (a person's name in a company
    list: 程波成) is masked too; a short brand name (华为) is masked with it."""
    full = _text(full_name or name)
    company = f"{type_column} = 'company' AND NOT regexp_matches(coalesce({full}, ''), '^\\p{{Han}}{{2,4}}$')"
    return (name, f"CASE WHEN {company} THEN {_text(name)} ELSE cm_person_name({_text(name)}) END",
            (name, full_name or name, type_column))


def district_address(name: str = "address") -> Column:
    parts = ", ".join(_text(c) for c in ("province", "city", "district"))
    return name, f"cm_district({parts})", ("province", "city", "district")


def birth_year(name: str = "birth_date") -> Column:
    return "birth_year", f"year(TRY_CAST(\"{name}\" AS DATE))", (name,)


def free_text(name: str) -> Column:
    return name, f"cm_free_text({_text(name)})", (name,)


@dataclass(frozen=True)
class SurfaceTable:
    columns: list[Column]
    role_filter: str  # which rows a role sees: SQL over the table's columns and the role's `allowed(master_id)`


_OF_MASTER = "master_id IN (SELECT master_id FROM allowed)"
_LINEAGE = keep("source", "file", "sheet", "row_number")

SURFACE_TABLES: dict[str, SurfaceTable] = {
    "master.customers": SurfaceTable([
        *keep("master_id", "customer_type"), customer_name("name"), customer_name("name_core", "name"),
        *keep("legal_form", "reg_place", "branch", "uscc"), id_number("id_number"), phone("mobile"), phone("phone"),
        *keep("phone_extension"), email("email"), person_name("contact_name"), initial("first_name"),
        *keep("last_name"), district_address(), *keep("province", "city", "district"), birth_year(),
        *keep("gender", "record_count", "source_count", "sources", "first_created_at", "last_updated_at",
              "created_run"),
    ], _OF_MASTER),
    "master.xref": SurfaceTable([
        *keep("master_id"), *_LINEAGE, record_id("source_record_id"), *keep("match_probability"),
    ], _OF_MASTER),
    "master.id_history": SurfaceTable(
        keep("retired_id", "replaced_by", "reason", "run_id"), "replaced_by IN (SELECT master_id FROM allowed)"),
    "master.contacts": SurfaceTable([
        *keep("contact_id", "master_id"), person_name("name"), *keep("title", "role"), phone("mobile"),
        email("email"), *keep("business_area", "person_master_id", "row_count", "sources", "last_updated_at",
                              "created_run"),
    ], _OF_MASTER),
    "master.contact_rows": SurfaceTable([
        *keep("contact_id", "master_id"), *_LINEAGE, person_name("contact_name"), *keep("contact_title", "role"),
    ], _OF_MASTER),
    "master.customer_roles": SurfaceTable(
        keep("master_id", "role", "row_count", "sources", "first_seen_in", "evidence"), _OF_MASTER),
    "master.relationships": SurfaceTable(
        keep("from_type", "from_id", "relationship", "to_type", "to_id", "to_name", "match_probability", "evidence"),
        "from_id IN (SELECT master_id FROM allowed) OR to_id IN (SELECT master_id FROM allowed)"),
    "master.customer_segments": SurfaceTable(
        keep("master_id", "customer_type", "value_tier", "lifecycle", "rfm_score", "recency_score",
             "frequency_score", "amount_score", "last_order_date", "orders_in_window", "amount_in_window",
             "first_seen", "last_activity", "days_since_activity", "as_of"), _OF_MASTER),
    "master.interactions": SurfaceTable([
        *keep("master_id", "match_probability", "resolution", "unresolved_reason"), customer_name("customer_name"),
        *keep("customer_type", "activity_date", "channel", "interaction_type", "staff"), free_text("content"),
        free_text("outcome"), free_text("next_action"), person_name("contact_name"), phone("phone"), *_LINEAGE,
    ], _OF_MASTER),
    "master.transactions": SurfaceTable([
        *keep("master_id", "match_probability", "resolution", "unresolved_reason"), customer_name("customer_name"),
        *keep("customer_type", "activity_date", "txn_type", "txn_type_text", "doc_number", "product", "quantity",
              "amount", "staff"), *_LINEAGE,
    ], _OF_MASTER),
    "meta.change_log": SurfaceTable(
        keep("run_id", "changed_at", "master_id", "change", "fields", "related_id", "by_steward"),
        f"{_OF_MASTER} OR related_id IN (SELECT master_id FROM allowed)"),
}


def select_list(table: str, present: set[str]) -> str:
    """The SELECT list of `table`'s surface: the listed columns whose warehouse columns exist."""
    parts = [f'{expression} AS "{name}"' for name, expression, needs in SURFACE_TABLES[table].columns
             if set(needs) <= present]
    return ", ".join(parts)
