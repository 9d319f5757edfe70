"""The pairs a steward reviews, read from the published warehouse: each pair's two
source rows side by side, what the run did with it and why, and the decision a
steward already gave it; the most doubtful first (closest to the run's match
threshold), those already decided last."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from customer_master.match.threshold import DEFAULT_MATCH_THRESHOLD, check_match_settings
from customer_master.review.decisions import DEFAULT_BAND, PAIR_DECISIONS, latest_decisions, load_decisions
from customer_master.warehouse.published import read_published

FIELDS = ["name", "mobile", "phone", "email", "address", "uscc", "id_number", "birth_date", "city"]


def review_candidates(warehouse: Path, band: tuple[float, float] | None = None) -> tuple[pd.DataFrame, dict]:
    """(pairs, run): pairs in the band (default: the last run's review band, its run
    config); run: the last run's run_id and match threshold.

    Each pair says why it is or is not in one master now (`why`): the threshold,
    other pairs of the same master, a registered company name both rows carry, a
    cannot-link rule, or a steward's decision."""
    if band is not None:
        check_match_settings(review_band=band, keys={"review_from": "band LOW", "review_to": "band HIGH"})
    side = ", ".join(f"{s}.{f}::VARCHAR AS {f}_{s}" for f in FIELDS for s in ("a", "b"))
    tables = ("master.match_pairs", "master.source_rows", "master.customers", "master.match_input", "meta.runs") + (
        ("master.review_candidates",) if band is None else ())
    decided = latest_decisions(load_decisions(warehouse))
    decided = decided[decided.decision.isin(PAIR_DECISIONS)]
    with read_published(warehouse, tables) as con:
        if band is None:
            band = con.sql("SELECT min(match_probability), max(match_probability) "
                           "FROM master.review_candidates").fetchall()[0]
            band = band if band[0] is not None else DEFAULT_BAND
        last = con.sql("SELECT run_id, match_threshold FROM meta.runs ORDER BY started_at DESC LIMIT 1").fetchall()
        run_id, threshold = last[0] if last else ("", None)
        threshold = DEFAULT_MATCH_THRESHOLD if threshold is None else float(threshold)
        con.register("decided_", decided[["row_identity_l", "row_identity_r", "decision", "decided_by",
                                          "decided_at"]])
        pairs = con.execute(f"""
            WITH pairs AS (
                SELECT p.customer_type, p.match_probability, p.master_id_l = p.master_id_r AS merged_now,
                       p.evidence, p.master_id_l AS master_id, m.record_count AS master_rows,
                       concat_ws(' / ', a.source, a.file, nullif(a.sheet, ''), 'row ' || a.row_number) AS row_a,
                       concat_ws(' / ', b.source, b.file, nullif(b.sheet, ''), 'row ' || b.row_number) AS row_b,
                       {side}, a.row_identity AS row_identity_l, b.row_identity AS row_identity_r
                FROM master.match_pairs p
                JOIN master.source_rows a ON a.source = p.source_l AND a.file = p.file_l AND a.sheet = p.sheet_l
                     AND a.row_number = p.row_number_l
                JOIN master.source_rows b ON b.source = p.source_r AND b.file = p.file_r AND b.sheet = p.sheet_r
                     AND b.row_number = p.row_number_r
                LEFT JOIN master.customers m ON m.master_id = p.master_id_l
                WHERE p.match_probability BETWEEN ? AND ? AND p.cannot_link IS NULL
            )
            SELECT p.*, d.decision AS earlier_decision, d.decided_by, d.decided_at,
                   CASE WHEN d.decision = 'match' AND p.merged_now THEN 'steward_match'
                        WHEN d.decision = 'no match' AND NOT p.merged_now THEN 'steward_no_match'
                        WHEN p.merged_now AND p.match_probability >= ? THEN 'above_threshold'
                        WHEN p.merged_now AND p.customer_type = 'company' AND p.name_a = p.name_b AND EXISTS (
                             SELECT 1 FROM master.match_input i WHERE i.master_id = p.master_id
                                    AND i.name = p.name_a AND i.legal_form IS NOT NULL) THEN 'same_registered_name'
                        WHEN p.merged_now THEN 'through_others'
                        WHEN p.match_probability >= ? THEN 'kept_apart'
                        ELSE 'below_threshold' END AS why
            FROM pairs p LEFT JOIN decided_ d
              ON least(d.row_identity_l, d.row_identity_r) = least(p.row_identity_l, p.row_identity_r)
             AND greatest(d.row_identity_l, d.row_identity_r) = greatest(p.row_identity_l, p.row_identity_r)
            ORDER BY d.decision IS NOT NULL, abs(p.match_probability - ?), p.row_identity_l, p.row_identity_r""",
                            [*band, threshold, threshold, threshold]).df()
    return pairs, {"run_id": run_id, "threshold": threshold}
