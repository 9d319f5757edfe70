"""Segments per master: a value tier from recency, frequency and amount of
orders (RFM), and a lifecycle stage from activity dates. Thresholds are in
settings (SegmentRules; data/settings.yaml documents each).

- value tier: R, F and M score 1-3 points each (a master without orders: 0 on
  every count, tier low); R + F + M >= high_score is high, >= medium_score medium.
- lifecycle: first seen (the earliest of its first activity and its records'
  creation dates) within new_days: new; else last activity (interaction or
  transaction; without any, the last update of its records) within active_days:
  active; within lost_days: dormant; older, or never: lost."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from customer_master.customer360.dates import as_dates
from customer_master.settings import SegmentRules
from customer_master.working_db import register_source, working_connection

SEGMENT_COLUMNS = ["master_id", "customer_type", "value_tier", "lifecycle", "rfm_score", "recency_score",
                   "frequency_score", "amount_score", "last_order_date", "orders_in_window", "amount_in_window",
                   "first_seen", "last_activity", "days_since_activity", "as_of"]


def customer_segments(customers: pd.DataFrame | Path, interactions: pd.DataFrame | Path,
                      transactions: pd.DataFrame | Path, rules: SegmentRules, as_of: dt.date) -> pd.DataFrame:
    """customers: golden records (master_id, customer_type, first_created_at,
    last_updated_at); interactions, transactions: master.interactions/transactions.
    Each a frame or its staged Parquet file, which DuckDB reads, only these columns:
    reading the whole frames into pandas cost more than the segments themselves."""
    con = working_connection()
    # typed views: an empty or all-null column must still compare as a date
    register_source(con, "customers_in", customers, ["master_id", "customer_type", "first_created_at",
                                                     "last_updated_at"])
    register_source(con, "interactions_in", interactions, ["master_id", "activity_date"])
    register_source(con, "transactions_in", transactions, ["master_id", "activity_date", "txn_type", "amount"])
    con.execute("""CREATE TEMP VIEW customers AS SELECT master_id::VARCHAR AS master_id, customer_type::VARCHAR
                       AS customer_type, first_created_at::DATE AS first_created_at,
                       last_updated_at::DATE AS last_updated_at FROM customers_in""")
    con.execute("""CREATE TEMP VIEW interactions AS SELECT master_id::VARCHAR AS master_id,
                       activity_date::DATE AS activity_date FROM interactions_in""")
    con.execute("""CREATE TEMP VIEW transactions AS SELECT master_id::VARCHAR AS master_id,
                       activity_date::DATE AS activity_date, txn_type::VARCHAR AS txn_type,
                       amount::DOUBLE AS amount FROM transactions_in""")
    r, f, m = rules.recency_days, rules.frequency, rules.amount
    revenue = ", ".join(f"'{t}'" for t in rules.revenue_types) or "NULL"
    segments = con.execute(f"""
        WITH orders AS (
            SELECT master_id, max(activity_date) AS last_order_date,
                   count(*) FILTER (WHERE activity_date > $as_of - INTERVAL {rules.window_days} DAY
                                    AND activity_date <= $as_of) AS orders_in_window,
                   coalesce(sum(amount) FILTER (WHERE activity_date > $as_of - INTERVAL {rules.window_days} DAY
                                                AND activity_date <= $as_of), 0) AS amount_in_window
            FROM transactions WHERE master_id IS NOT NULL AND txn_type IN ({revenue}) GROUP BY 1
        ), activity AS (
            SELECT master_id, min(activity_date) AS first_activity, max(activity_date) AS last_activity
            FROM (SELECT master_id, activity_date FROM interactions
                  UNION ALL SELECT master_id, activity_date FROM transactions)
            WHERE master_id IS NOT NULL AND activity_date <= $as_of GROUP BY 1
        ), scored AS (
            SELECT c.master_id, c.customer_type, o.last_order_date,
                   coalesce(o.orders_in_window, 0) AS orders_in_window,
                   coalesce(o.amount_in_window, 0)::DOUBLE AS amount_in_window,
                   CASE WHEN o.last_order_date IS NULL THEN 0
                        WHEN $as_of - o.last_order_date <= {r[0]} THEN 3
                        WHEN $as_of - o.last_order_date <= {r[1]} THEN 2 ELSE 1 END AS recency_score,
                   CASE WHEN coalesce(o.orders_in_window, 0) >= {f[1]} THEN 3
                        WHEN coalesce(o.orders_in_window, 0) >= {f[0]} THEN 2
                        WHEN coalesce(o.orders_in_window, 0) >= 1 THEN 1 ELSE 0 END AS frequency_score,
                   CASE WHEN coalesce(o.amount_in_window, 0) >= {m[1]} THEN 3
                        WHEN coalesce(o.amount_in_window, 0) >= {m[0]} THEN 2
                        WHEN coalesce(o.amount_in_window, 0) > 0 THEN 1 ELSE 0 END AS amount_score,
                   least(a.first_activity, c.first_created_at::DATE) AS first_seen,
                   coalesce(a.last_activity, c.last_updated_at::DATE) AS last_activity
            FROM customers c LEFT JOIN orders o USING (master_id) LEFT JOIN activity a USING (master_id)
        )
        SELECT master_id, customer_type,
               CASE WHEN rfm_score >= {rules.high_score} THEN 'high'
                    WHEN rfm_score >= {rules.medium_score} THEN 'medium' ELSE 'low' END AS value_tier,
               CASE WHEN $as_of - first_seen <= {rules.new_days} THEN 'new'
                    WHEN $as_of - last_activity <= {rules.active_days} THEN 'active'
                    WHEN $as_of - last_activity <= {rules.lost_days} THEN 'dormant' ELSE 'lost' END AS lifecycle,
               rfm_score, recency_score, frequency_score, amount_score, last_order_date, orders_in_window,
               amount_in_window, first_seen, last_activity, ($as_of - last_activity)::INTEGER AS days_since_activity,
               $as_of AS as_of
        FROM (SELECT *, recency_score + frequency_score + amount_score AS rfm_score FROM scored)
        ORDER BY master_id""", {"as_of": as_of}).df()[SEGMENT_COLUMNS]
    return as_dates(segments, ["last_order_date", "first_seen", "last_activity", "as_of"])
