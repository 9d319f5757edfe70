"""The declared schema of the customer 360 tables around the golden records
(customer_master/customer360/): columns, DuckDB types and comments, written once here."""

from __future__ import annotations

from customer_master.warehouse.schema.columns import (BIGINT, DATE, DOUBLE, INTEGER, JSON, VARCHAR,
                                                      Table, col, lineage, listed)
from customer_master.warehouse.schema.master import CUSTOMER_TYPE, MASTER_ID

CONTACT_ID = col("contact_id", VARCHAR, "the contact's id (C + 16 hex), stable from run to run")

CONTACTS = Table("master.contacts", "person at a company customer",
                 "The people the departments name at their company customers, one per person and company.", (
    CONTACT_ID,
    col("master_id", VARCHAR, "the company's master id"),
    col("name", VARCHAR, "the contact's name"),
    col("title", VARCHAR, "job title as written (经理, CFO …)"),
    col("role", VARCHAR, "role at the customer: decision_maker, purchaser, finance, technical, user"),
    col("mobile", VARCHAR, "mobile, E.164 where valid"),
    col("email", VARCHAR, "e-mail, lower case"),
    col("business_area", VARCHAR, "what the contact deals with, from the department's sheet"),
    col("person_master_id", VARCHAR, "the person master with the same mobile, if any"),
    col("row_count", BIGINT, "source rows naming this contact"),
    listed("sources", "departments whose rows name this contact, sorted"),
    col("last_updated_at", DATE, "latest update date of those rows"),
    col("created_run", VARCHAR, "run that first gave this contact id"),
))

CONTACT_ROWS = Table("master.contact_rows", "source row naming a contact",
                     "Each source row that names a contact, and the contact it names.", (
    CONTACT_ID, MASTER_ID, *lineage(),
    col("contact_name", VARCHAR, "the contact's name as the row gives it"),
    col("contact_title", VARCHAR, "the contact's title as the row gives it"),
    col("role", VARCHAR, "the role the title maps to"),
))

CUSTOMER_ROLES = Table("master.customer_roles", "master and role",
                       "What each customer is to us, from which department's sheets.", (
    MASTER_ID,
    col("role", VARCHAR, "customer, debtor, distributor or supplier"),
    col("row_count", BIGINT, "source rows that give the role"),
    listed("sources", "departments whose rows give the role, sorted"),
    col("first_seen_in", VARCHAR, "the file that first gave it"),
    col("evidence", JSON, "the source rows that give it: a list of {source, file, sheet, row_number}"),
))

RELATIONSHIPS = Table("master.relationships", "relationship",
                      "Branches and parents, group membership and who works where.", (
    col("from_type", VARCHAR, "what from_id is: customer or contact"),
    col("from_id", VARCHAR, "a master id or a contact id"),
    col("relationship", VARCHAR, "parent, group_member or employment"),
    col("to_type", VARCHAR, "what to_id is: customer, group or unknown"),
    col("to_id", VARCHAR, "a master id or a group's id; null when the other side is unknown"),
    col("to_name", VARCHAR, "the other side's name as written"),
    col("match_probability", DOUBLE, "how sure the link to to_id is"),
    col("evidence", JSON, "how it was found: a list of {found_by, …}"),
))

_LINK = (
    col("master_id", VARCHAR, "the customer the line is about; null when unresolved"),
    col("match_probability", DOUBLE, "how sure the link to the master is"),
    col("resolution", VARCHAR, "resolved or unresolved"),
    col("unresolved_reason", VARCHAR, "why no master was linked (with the best candidate); null when resolved"),
    col("customer_name", VARCHAR, "the customer as typed in the sheet"),
    CUSTOMER_TYPE,
    col("activity_date", DATE, "date of the line"),
)

INTERACTIONS = Table("master.interactions", "line of an interaction sheet",
                     "Every call, visit and message the departments log, linked to its master where it can be.", (
    *_LINK,
    col("channel", VARCHAR, "channel (phone, visit, wechat …) as written"),
    col("interaction_type", VARCHAR, "kind of interaction as written"),
    col("staff", VARCHAR, "our employee who logged it"),
    col("content", VARCHAR, "what was said, free text"),
    col("outcome", VARCHAR, "outcome, free text"),
    col("next_action", VARCHAR, "next step, free text"),
    col("contact_name", VARCHAR, "the customer's person spoken to"),
    col("phone", VARCHAR, "phone on the line, E.164 where valid"),
    *lineage(),
    col("attributes", JSON, "the line's other columns, header → value"),
))

TRANSACTIONS = Table("master.transactions", "line of a transaction sheet",
                     "Every quote, contract, order, shipment and payment, linked to its master where it can be.", (
    *_LINK,
    col("txn_type", VARCHAR, "quote, contract, order, shipment or payment"),
    col("txn_type_text", VARCHAR, "the type as written in the sheet"),
    col("doc_number", VARCHAR, "document number"),
    col("product", VARCHAR, "product"),
    col("quantity", DOUBLE, "quantity"),
    col("amount", DOUBLE, "amount in the sheet's currency (yuan in the sample)"),
    col("staff", VARCHAR, "our employee responsible"),
    *lineage(),
    col("attributes", JSON, "the line's other columns, header → value"),
))

CUSTOMER_SEGMENTS = Table("master.customer_segments", "master",
                          "Value and lifecycle segments of every master, as of a date (settings: segments).", (
    MASTER_ID, CUSTOMER_TYPE,
    col("value_tier", VARCHAR, "high, medium or low (by amount in the window)"),
    col("lifecycle", VARCHAR, "new, active, dormant or lost"),
    col("rfm_score", INTEGER, "recency + frequency + amount scores"),
    col("recency_score", INTEGER, "score of the days since the last activity"),
    col("frequency_score", INTEGER, "score of the orders in the window"),
    col("amount_score", INTEGER, "score of the amount in the window"),
    col("last_order_date", DATE, "date of the latest order"),
    col("orders_in_window", BIGINT, "orders in the window"),
    col("amount_in_window", DOUBLE, "amount of the orders in the window"),
    col("first_seen", DATE, "earliest date any row or line gives"),
    col("last_activity", DATE, "latest interaction or transaction"),
    col("days_since_activity", INTEGER, "days from last_activity to as_of"),
    col("as_of", DATE, "the date the segments are computed for"),
))

TABLES = (CONTACTS, CONTACT_ROWS, CUSTOMER_ROLES, RELATIONSHIPS, INTERACTIONS, TRANSACTIONS, CUSTOMER_SEGMENTS)
