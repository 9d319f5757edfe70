"""Customer 360 tables on the sample inbox, measured against the generator's
truth: which contact, role, relationship, customer and segment each row stands for."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from conftest import PROJECT, SAMPLE_AS_OF, SAMPLE_TRUTH

TRUTH_CONTACTS = PROJECT / "data" / "sample_truth_contacts.csv"
TRUTH_ENTITIES = PROJECT / "data" / "sample_truth_entities.csv"
ROW = ["file", "sheet", "row_number"]


@pytest.fixture(scope="module")
def wh(sample_run):
    con = duckdb.connect(str(sample_run.warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    frame = pd.read_csv(SAMPLE_TRUTH, dtype=str, keep_default_na=False)
    return frame.astype({"row_number": "int64"})


@pytest.fixture(scope="module")
def entities() -> pd.DataFrame:
    return pd.read_csv(TRUTH_ENTITIES, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def master_of(wh, truth) -> pd.Series:
    """entity_id -> the master holding most of its record rows."""
    xref = wh.execute("SELECT master_id, file, sheet, row_number FROM master.xref").df()
    rows = truth[truth.row_kind == "record"].merge(xref, on=ROW)
    return rows.groupby("entity_id")["master_id"].agg(lambda s: s.value_counts().index[0])


def test_contacts_are_the_truths_people_with_their_roles(wh, truth):
    rows = wh.execute("SELECT contact_id, role, " + ", ".join(ROW) + " FROM master.contact_rows").df()
    named = truth[(truth.row_kind == "record") & (truth.contact_id != "")][[*ROW, "contact_id"]]
    rows = rows.merge(named.rename(columns={"contact_id": "true_contact"}), on=ROW)
    assert len(rows) >= 0.95 * len(named), "rows naming a contact that made no contact row"
    # purity: a contact's rows name one true person; completeness: a person is one contact
    purity = rows.groupby("contact_id")["true_contact"].agg(lambda s: s.value_counts().iat[0] / len(s))
    split = rows.groupby("true_contact")["contact_id"].nunique()
    print(f"contacts: purity {purity.mean():.3f}, people split over several contacts {int((split > 1).sum())}")
    assert purity.mean() >= 0.98 and (split > 1).mean() <= 0.03

    # the role follows from a title; a contact no sheet gives a title for is a "user" by default
    contacts = wh.execute("SELECT contact_id, role FROM master.contacts WHERE title IS NOT NULL").df()
    assert (wh.execute("SELECT DISTINCT role FROM master.contacts WHERE title IS NULL").fetchall() == [("user",)])
    people = pd.read_csv(TRUTH_CONTACTS, dtype=str, keep_default_na=False)
    majority = rows.groupby("contact_id")["true_contact"].agg(lambda s: s.value_counts().index[0])
    judged = contacts.assign(true_contact=contacts.contact_id.map(majority)).dropna(subset=["true_contact"])
    judged = judged.merge(people[["contact_id", "role"]].rename(columns={"contact_id": "true_contact",
                                                                         "role": "true_role"}), on="true_contact")
    accuracy = (judged.role == judged.true_role).mean()
    print(f"contact roles: {accuracy:.3f} right over {len(judged)} contacts")
    assert len(judged) > 400 and accuracy >= 0.95
    assert set(judged.role) == {"decision_maker", "purchaser", "technical", "finance", "user"}


def test_customer_roles_match_the_truth(wh, entities, master_of):
    found = wh.execute("SELECT master_id, role FROM master.customer_roles").df()
    found_pairs = set(zip(found.master_id, found.role))
    true_pairs = {(master_of[e], role) for e, roles in zip(entities.entity_id, entities.roles)
                  for role in roles.split(",") if role and e in master_of.index}
    recall = len(true_pairs & found_pairs) / len(true_pairs)
    precision = len(true_pairs & found_pairs) / len(found_pairs)
    print(f"customer roles: precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.98 and recall >= 0.98
    by_role = found.role.value_counts()
    assert {"customer", "debtor", "distributor", "supplier"} <= set(by_role.index) and by_role["debtor"] >= 20


def test_relationships_match_the_truths_branches_and_groups(wh, truth, entities, master_of):
    rel = wh.execute("SELECT * FROM master.relationships").df()
    xref = wh.execute("SELECT master_id, file, sheet, row_number FROM master.xref").df()
    entity_of = truth[truth.row_kind == "record"].merge(xref, on=ROW).groupby("master_id")["entity_id"].agg(
        lambda s: s.value_counts().index[0])  # a master's entity (a missed merge leaves two masters of one)
    parent_of = entities.set_index("entity_id")["parent_entity_id"]
    branches = entities[(entities.parent_entity_id != "") & entities.entity_id.isin(master_of.index)
                        & entities.parent_entity_id.isin(master_of.index)]
    parents = rel[(rel.relationship == "parent") & (rel.to_type == "customer")]
    right = parents.from_id.map(entity_of).map(parent_of) == parents.to_id.map(entity_of)
    found = set(parents.from_id.map(entity_of)[right])
    print(f"parents: {len(found)} of {len(branches)} branches found, {int((~right).sum())} wrong")
    assert len(branches) >= 10 and right.all() and len(found & set(branches.entity_id)) >= 0.75 * len(branches)

    groups = rel[rel.relationship == "group_member"].set_index("from_id")["to_id"]
    members = entities[(entities.group_name != "") & entities.entity_id.isin(master_of.index)]
    for group, part in members.groupby("group_name"):
        targets = part.entity_id.map(master_of).map(groups)
        assert targets.notna().all() and targets.nunique() == 1, f"group {group}: {targets.tolist()}"
    assert groups.nunique() == members.group_name.nunique()

    employment = rel[rel.relationship == "employment"]
    assert len(employment) == wh.execute("SELECT count(*) FROM master.contacts").fetchone()[0]


@pytest.mark.parametrize("table, kind", [("interactions", "interaction"), ("transactions", "transaction")])
def test_activity_rows_link_to_the_right_master_or_stay_unresolved(wh, truth, master_of, table, kind):
    rows = wh.execute(f"SELECT * FROM master.{table}").df().merge(truth[[*ROW, "row_kind", "entity_id"]], on=ROW)
    assert len(rows) == len(wh.execute(f"SELECT 1 FROM master.{table}").fetchall()), "every row has its truth"
    known = rows[rows.row_kind == kind]
    resolved = known[known.resolution == "resolved"]
    right = (resolved.master_id == resolved.entity_id.map(master_of)).mean()
    share = len(resolved) / len(known)
    print(f"{table}: {share:.3f} of {len(known)} known-customer rows linked, {right:.4f} of them to the right master")
    assert share >= 0.9 and right >= 0.99
    unknown = rows[rows.row_kind == "unknown_customer"]
    assert len(unknown) and (unknown.resolution == "unresolved").all()
    assert unknown.unresolved_reason.str.startswith("no known customer matches").all()
    unnamed = rows[rows.row_kind == "no_customer"]
    assert (unnamed.unresolved_reason == "names no customer").all()


def test_segments_follow_the_truths_deals(wh, entities, master_of):
    seg = wh.execute("SELECT * FROM master.customer_segments").df()
    assert str(seg.as_of.iat[0])[:10] == SAMPLE_AS_OF and len(seg) == wh.execute(
        "SELECT count(*) FROM master.customers").fetchone()[0]
    buyers = entities[(entities.rfm_tier != "") & entities.entity_id.isin(master_of.index)]
    judged = buyers.assign(master_id=buyers.entity_id.map(master_of)).merge(seg, on="master_id",
                                                                             suffixes=("_true", ""))
    tier = (judged.value_tier == judged.rfm_tier).mean()
    print(f"value tier as the truth's deals give it: {tier:.3f} of {len(judged)} buyers")
    assert len(judged) > 150 and tier >= 0.85
    settled = judged[judged.lifecycle_true.isin(["dormant", "lost"])]
    stage = (settled.lifecycle_true == settled.lifecycle).mean()
    print(f"lifecycle dormant/lost as the truth's dates give it: {stage:.3f} of {len(settled)}")
    assert stage >= 0.9
    # active in the truth: active, or new where a record's creation date is recent
    active = judged[judged.lifecycle_true == "active"]
    assert active.lifecycle.isin(["active", "new"]).mean() >= 0.95
    assert set(seg.value_tier) == {"high", "medium", "low"}
    assert set(seg.lifecycle) == {"new", "active", "dormant", "lost"}


def test_review_due_lists_masters_with_issues_or_old_confirmations(wh):
    due = wh.execute("SELECT * FROM quality.review_due").df()
    with_issues = {m for (m,) in wh.execute("""SELECT DISTINCT x.master_id FROM quality.field_issues i
        JOIN master.xref x USING (file, sheet, row_number)""").fetchall()}
    flagged = set(due[due.reasons.map(lambda r: "field issue" in list(r))].master_id)
    assert with_issues and flagged == with_issues
    stale = due[due.reasons.map(lambda r: "stale" in list(r))]
    cutoff = pd.Timestamp(SAMPLE_AS_OF) - pd.Timedelta(days=365)
    assert len(stale) >= 20 and (pd.to_datetime(stale.oldest_confirmation) < cutoff).all()
    assert stale.what_to_check.str.contains("last confirmed").all()
