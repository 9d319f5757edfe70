"""Contacts: the people at a company customer, from the contact columns of its
rows (联系人, 职务, 手机, 邮箱, 负责业务), one per person within their master.

Two rows of one master are one contact when they give the same name (spaces and
case aside), the same mobile, or the same personal email (a shared mailbox such
as info@ or sales@ says nothing about who). Each contact's values come from the
most trusted source that has one, then the most recently updated row. The role
follows from the title (contact_roles.py). A contact keeps its `contact_id` from
run to run by the source rows it shares with the last run's contacts, under the
same rules as master ids (lifecycle/ids.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from customer_master.customer360.components import components
from customer_master.customer360.contact_roles import contact_roles
from customer_master.customer360.grouped_text import joined_per_group
from customer_master.lifecycle.ids import LINEAGE_KEY_SQL, assign_master_ids
from customer_master.sources import SOURCES_JOINED_BY
from customer_master.working_db import ROW_NUMBER, register_source, working_connection

CONTACT_COLUMNS = ["contact_id", "master_id", "name", "title", "role", "mobile", "email", "business_area",
                   "person_master_id", "row_count", "sources", "last_updated_at", "created_run"]
CONTACT_ROW_COLUMNS = ["contact_id", "master_id", "source", "file", "sheet", "row_number", "contact_name",
                       "contact_title", "role"]
# what build_contacts reads of the standardised rows
CONTACT_SOURCE_COLUMNS = ["row_key", "customer_type", "source", "file", "sheet", "row_number", "trust_rank",
                          "updated_at", "contact_name", "contact_title", "mobile", "email", "business_area"]
# what build_contacts reads of the golden records
CONTACT_GOLDEN_COLUMNS = ["master_id", "customer_type", "mobile"]
SHARED_MAILBOXES = r"^(?:info|sales|service|contact|admin|office|hr|support|cs|kefu|market|marketing|mail|postmaster)@"


@dataclass
class ContactResult:
    contacts: pd.DataFrame  # CONTACT_COLUMNS
    rows: pd.DataFrame  # CONTACT_ROW_COLUMNS: the source rows behind each contact
    state_xref: pd.DataFrame  # contact_id, row_identity: what the next run maps onto
    state_ids: pd.DataFrame  # contact_id, created_run, created_seq


def company_contact_rows(rows: pd.DataFrame | Path, xref: pd.DataFrame | Path) -> pd.DataFrame:
    """The standardised rows of companies that name a contact (CONTACT_SOURCE_COLUMNS),
    in their order, each with its master_id, row_identity and lineage_key (its place,
    as survivorship writes it for master ids): read and joined in DuckDB, so the other
    rows (persons, companies without a contact) never reach pandas. rows, xref: frames
    or their staged Parquet files."""
    con = working_connection()
    register_source(con, "source_rows", rows, CONTACT_SOURCE_COLUMNS, numbered=True)
    register_source(con, "xref", xref, ["row_key", "master_id", "row_identity"])
    return con.execute(f"""
        SELECT {", ".join(f"r.{c}" for c in CONTACT_SOURCE_COLUMNS)}, x.master_id, x.row_identity,
               {LINEAGE_KEY_SQL} AS lineage_key
        FROM source_rows r JOIN xref x USING (row_key)
        WHERE r.customer_type = 'company' AND r.contact_name IS NOT NULL
        ORDER BY r.{ROW_NUMBER}""").df()


def build_contacts(found: pd.DataFrame, customers: pd.DataFrame,
                   previous_xref: pd.DataFrame, previous_ids: pd.DataFrame, run_id: str, run_seq: int,
                   role_overrides: dict[str, dict[str, str]] | None = None) -> ContactResult:
    """found: the rows of companies that name a contact, with master_id, row_identity and
    lineage_key (company_contact_rows); customers: the golden records, CONTACT_GOLDEN_COLUMNS at
    least (a contact whose mobile is a person master's is linked to that person);
    role_overrides: source -> {title keyword: role}, with key "" for the keywords that
    hold for every source."""
    found = found.assign(
        name_key=found["contact_name"].str.lower().str.replace(r"[\s·.\-]", "", regex=True),
        personal_email=found["email"].where(~found["email"].fillna("").str.match(SHARED_MAILBOXES)),
        role=_roles(found, role_overrides or {}),
        # dates and gaps as one comparable type, in nanoseconds as pandas reads a date (DuckDB hands microseconds)
        updated_at=pd.to_datetime(found["updated_at"]).astype("datetime64[ns]"),
    )
    found["contact"] = components(found, "master_id", ["name_key", "mobile", "personal_email"])
    # the most trusted source first, then the most recently updated row, then inbox order
    ordered = found.sort_values(["contact", "trust_rank", "updated_at", "row_key"],
                                ascending=[True, True, False, True], na_position="last")
    golden = ordered.groupby("contact").agg(
        master_id=("master_id", "first"), name=("contact_name", "first"), title=("contact_title", "first"),
        role=("role", "first"), mobile=("mobile", "first"), email=("personal_email", "first"),
        business_area=("business_area", "first"), row_count=("row_key", "size"),
        last_updated_at=("updated_at", "max"),
    ).reset_index()
    # each contact's sources, once each, in order: joined per contact from one sorted frame
    sources = found[["contact", "source"]].drop_duplicates().sort_values(["contact", "source"])
    # text even with no contact (mapping an empty frame gives float64, which the warehouse cannot split)
    golden["sources"] = golden["contact"].map(joined_per_group(sources["contact"], sources["source"],
                                                               SOURCES_JOINED_BY)).astype(object)
    golden["role"] = golden["role"].fillna("user")

    members = found.assign(cluster=found["contact"].astype(str))
    previous_ids = previous_ids.rename(columns={"contact_id": "master_id"})
    assigned = assign_master_ids(members, previous_xref.rename(columns={"contact_id": "master_id"}),
                                 previous_ids, set(previous_ids["master_id"]), run_id, prefix="C")
    ids = assigned.ids.rename(columns={"master_id": "contact_id"})
    golden = golden.assign(cluster=golden["contact"].astype(str)).merge(ids, on="cluster")
    golden["person_master_id"] = _person_masters(golden, customers)
    contacts = golden[CONTACT_COLUMNS].sort_values(["master_id", "contact_id"]).reset_index(drop=True)

    members = members.merge(ids[["cluster", "contact_id"]], on="cluster")
    seq = dict(zip(previous_ids["master_id"], previous_ids["created_seq"]))
    state_ids = ids[["contact_id", "created_run"]].assign(
        created_seq=[int(seq.get(c, run_seq)) for c in ids["contact_id"]])
    return ContactResult(
        contacts=contacts,
        rows=members[CONTACT_ROW_COLUMNS].sort_values(["contact_id", "source", "file", "sheet", "row_number"])
        .reset_index(drop=True),
        state_xref=members[["contact_id", "row_identity"]],
        state_ids=state_ids,
    )


def _roles(rows: pd.DataFrame, overrides: dict[str, dict[str, str]]) -> pd.Series:
    """Role per row from its title, with its source's keywords tried first."""
    general = overrides.get("", {})
    parts = [contact_roles(group["contact_title"], {**overrides.get(source, {}), **general})
             for source, group in rows.groupby("source")]
    return pd.concat(parts).reindex(rows.index) if parts else pd.Series(None, index=rows.index, dtype=object)


def _person_masters(contacts: pd.DataFrame, customers: pd.DataFrame) -> pd.Series:
    """The person master with the contact's mobile, where there is one: the
    purchaser of a company who also buys for themselves."""
    persons = customers.loc[customers["customer_type"].eq("person") & customers["mobile"].notna(),
                            ["mobile", "master_id"]].drop_duplicates("mobile")
    found = contacts[["mobile"]].merge(persons, on="mobile", how="left")["master_id"]
    return found.where(found.notna(), None).to_numpy()
