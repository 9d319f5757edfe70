"""Relationships between masters, typed, with the evidence:

- `parent`: the from-master is a branch (分公司) or subsidiary of the to-master.
  Found from the name (北京华信科技有限公司上海分公司 → 北京华信科技有限公司: same core
  name and registration place, no branch) and from an explicit parent column
  (上级单位, 总公司, Parent Company), whose text is matched to a master like any
  new record; a parent that matches no master is kept with its name.
- `group_member`: the master belongs to the group in its 所属集团 column. The
  group is a master when its name matches one, else a group node `G…`.
- `employment`: a contact (master.contacts) works for the customer."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from customer_master.customer360.carried_links import PLACE, CarriedLinks
from customer_master.customer360.grouped_text import joined_per_group
from customer_master.customer360.resolve import RESOLVED, decide
from customer_master.customer360.scored_rows import KnownMasters, ScoredRows, score_named_rows
from customer_master.ingest.inbox import ROW_COLUMNS as _INGEST_SHAPE
from customer_master.standardise.names import split_company_names
from customer_master.standardise.text import simplified
from customer_master.standardise.values import on_distinct
from customer_master.working_db import ROW_NUMBER, register_source, working_connection

RELATIONSHIP_COLUMNS = ["from_type", "from_id", "relationship", "to_type", "to_id", "to_name", "match_probability",
                        "evidence"]

# what build_relationships reads of the standardised rows, the golden records and the contacts
RELATIONSHIP_SOURCE_COLUMNS = ["row_key", "source", "file", "sheet", "row_number", "parent_name", "group_name"]
RELATIONSHIP_GOLDEN_COLUMNS = ["master_id", "customer_type", "branch", "name", "name_core", "reg_place", "legal_form"]
RELATIONSHIP_CONTACT_COLUMNS = ["contact_id", "master_id", "title", "role", "row_count"]


def rows_naming_organisations(rows: pd.DataFrame | Path, xref: pd.DataFrame | Path) -> pd.DataFrame:
    """The standardised rows with a parent or group name (RELATIONSHIP_SOURCE_COLUMNS),
    in their order, each with its master_id: read and joined in DuckDB, so the rows
    that name nothing (most of them) never reach pandas. rows, xref (row_key, master_id):
    frames or their staged Parquet files."""
    con = working_connection()
    register_source(con, "source_rows", rows, RELATIONSHIP_SOURCE_COLUMNS, numbered=True)
    register_source(con, "xref", xref, ["row_key", "master_id"])
    return con.execute(f"""
        SELECT {", ".join(f"r.{c}" for c in RELATIONSHIP_SOURCE_COLUMNS)}, x.master_id
        FROM source_rows r JOIN xref x USING (row_key)
        WHERE r.parent_name IS NOT NULL OR r.group_name IS NOT NULL
        ORDER BY r.{ROW_NUMBER}""").df()


def build_relationships(customers: pd.DataFrame, rows: pd.DataFrame, contacts: pd.DataFrame,
                        masters: KnownMasters | None, threshold: float, lead: float = 2.0,
                        carried: CarriedLinks | None = None) -> tuple[pd.DataFrame, ScoredRows]:
    """customers: golden records (RELATIONSHIP_GOLDEN_COLUMNS at least); rows: the
    rows that name a parent or group, with their master_id (rows_naming_organisations);
    contacts: master.contacts (RELATIONSHIP_CONTACT_COLUMNS at least); masters: the
    company masters the named organisations are scored against; threshold and lead:
    when a named organisation is a master (customer360/resolve.py); carried: the last
    run's scores of the names (customer360/carried_links.py). Also how the names were
    scored, with what the next run may keep."""
    names = pd.Series(pd.unique(pd.concat([rows["parent_name"], rows["group_name"]]).dropna()), dtype=object)
    resolved, scored = _resolve_names(names, masters, threshold, lead, carried)
    named = [_named_links(rows, column, kind, resolved)
             for column, kind in (("parent_name", "parent"), ("group_name", "group_member"))]
    parts = [_parents_by_name(customers), *named, _employment(contacts)]
    found = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else \
        pd.DataFrame(columns=RELATIONSHIP_COLUMNS)
    found = found[found["from_id"] != found["to_id"]]  # a name that resolves to itself says nothing
    found = _unknown_parent_into_known(found)
    # one row per relationship; the evidence of every way it was found
    grouped = found.groupby(["from_type", "from_id", "relationship", "to_type", "to_id"], dropna=False, sort=True)
    out = grouped.agg(to_name=("to_name", "first"), match_probability=("match_probability", "max")).reset_index()
    # each evidence is a JSON object as json.dumps writes it: the list of them, as it would
    group = grouped.ngroup().to_numpy()  # the row of `out` each found row goes to
    order = np.argsort(group, kind="stable")  # a relationship's evidence in the order it was found
    evidence = joined_per_group(pd.Series(group[order]), found["evidence"].iloc[order], ", ")
    out["evidence"] = "[" + evidence.reindex(range(len(out))).to_numpy(dtype=object) + "]"
    return out[RELATIONSHIP_COLUMNS], scored


def _unknown_parent_into_known(found: pd.DataFrame) -> pd.DataFrame:
    """A parent column that matched no master, of a branch whose one head office
    is known from its name, names that head office: one relationship, both evidences."""
    parents = found[(found["relationship"] == "parent") & (found["to_type"] == "customer")]
    single = parents.groupby("from_id")["to_id"].agg(lambda s: s.iat[0] if s.nunique() == 1 else None).dropna()
    unknown = (found["relationship"] == "parent") & (found["to_type"] == "unknown") & found["from_id"].isin(single.index)
    found = found.copy()
    found.loc[unknown, "to_id"] = found.loc[unknown, "from_id"].map(single)
    found.loc[unknown, "to_type"] = "customer"
    found.loc[unknown, "to_name"] = None  # the head office's own name comes first in the group
    return found.sort_values("to_name", na_position="last", kind="stable")


def _parents_by_name(customers: pd.DataFrame) -> pd.DataFrame:
    companies = customers[customers["customer_type"].eq("company")]
    branches = companies[companies["branch"].notna()]
    heads = companies[companies["branch"].isna()][["master_id", "name", "name_core", "reg_place", "legal_form"]]
    key = ["name_core", "reg_place"]
    pairs = branches[["master_id", "name", "branch", *key, "legal_form"]].merge(
        heads, on=key, suffixes=("", "_head"), how="inner")
    # a head office with the branch's own legal form first, then the oldest id
    pairs = pairs.assign(same_form=pairs["legal_form"].eq(pairs["legal_form_head"]))
    pairs = pairs.sort_values(["master_id", "same_form", "master_id_head"], ascending=[True, False, True])
    pairs = pairs.drop_duplicates("master_id")
    return pd.DataFrame({
        "from_type": "customer", "from_id": pairs["master_id"], "relationship": "parent", "to_type": "customer",
        "to_id": pairs["master_id_head"], "to_name": pairs["name_head"], "match_probability": float("nan"),
        "evidence": _evidence("name", {"branch": pairs["branch"], "name": pairs["name"]}),
    })


def _named_links(rows: pd.DataFrame, column: str, relationship: str, resolved: pd.DataFrame) -> pd.DataFrame:
    """A column that names another organisation (parent, group), with what each
    distinct name resolved to (`resolved`: text, master, probability)."""
    named = rows[rows[column].notna()][["master_id", column, "source", "file", "sheet", "row_number"]]
    if named.empty:
        return pd.DataFrame(columns=RELATIONSHIP_COLUMNS)
    named = named.merge(resolved, left_on=column, right_on="text")
    group_node = "G" + _group_keys(named[column]).map(lambda t: hashlib.sha256(t.encode("utf-8")).hexdigest()[:16])
    is_master = named["master"].notna()
    missing_type = "group" if relationship == "group_member" else "unknown"
    evidence = _evidence("column", {"column": pd.Series(column, index=named.index), "value": named[column],
                                    "source": named["source"], "file": named["file"], "sheet": named["sheet"]},
                         {"row_number": named["row_number"]})
    return pd.DataFrame({
        "from_type": "customer", "from_id": named["master_id"], "relationship": relationship,
        "to_type": is_master.map({True: "customer", False: missing_type}),
        "to_id": named["master"].where(is_master, group_node if relationship == "group_member" else None),
        "to_name": named[column], "match_probability": named["probability"], "evidence": evidence,
    })


def _group_keys(names: pd.Series) -> pd.Series:
    """One key per group however it is typed: 天成集团, 天成集团有限公司 and 天成集團 alike."""
    split = split_company_names(simplified(names))
    core = split["name_core"].fillna(names).str.replace(r"集团$", "", regex=True)  # 集团 may go with the legal form
    return (split["reg_place"].fillna("") + "|" + core).set_axis(names.index)


def _resolve_names(names: pd.Series, masters: KnownMasters | None, threshold: float, lead: float,
                   carried: CarriedLinks | None) -> tuple[pd.DataFrame, ScoredRows]:
    """text, master (or None), probability for each organisation name, each scored
    once as a company (or its score kept from the last run)."""
    query = pd.DataFrame({c: None for c in _INGEST_SHAPE}, index=names.index)
    query = query.assign(row_key=range(len(names)), source="", file="", sheet="", row_number=1,
                         party_type="company", trust_rank=99, name=names.to_numpy(), extra="{}")
    scored = score_named_rows(query, masters, carried, pd.DataFrame({PLACE: names, "content": "name"}))
    found = decide(scored.scores, threshold, lead)
    return pd.DataFrame({"text": names, "master": found["master_id"].where(found["status"].eq(RESOLVED), None),
                         "probability": found["match_probability"]}), scored


def _employment(contacts: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "from_type": "contact", "from_id": contacts["contact_id"], "relationship": "employment",
        "to_type": "customer", "to_id": contacts["master_id"], "to_name": None, "match_probability": float("nan"),
        "evidence": _evidence("contact columns", {"title": contacts["title"], "role": contacts["role"]},
                              {"rows": contacts["row_count"]}),
    })


def _evidence(found_by: str, texts: dict[str, pd.Series], counts: dict[str, pd.Series] | None = None) -> np.ndarray:
    """Per row, the JSON object {"found_by": found_by, each text, then each count} as
    json.dumps(..., ensure_ascii=False) writes it, without a call per row: each distinct
    text is written once (a run has about as many contacts as rows have names)."""
    text = pd.Series('{"found_by": ' + json.dumps(found_by, ensure_ascii=False), index=next(iter(texts.values())).index)
    for key, values in texts.items():
        written = on_distinct(values, lambda v: v.map(lambda x: json.dumps(x, ensure_ascii=False)))
        text = text + ", " + json.dumps(key, ensure_ascii=False) + ": " + written
    for key, values in (counts or {}).items():
        text = text + ", " + json.dumps(key, ensure_ascii=False) + ": " + values.astype("int64").astype(str)
    return (text + "}").to_numpy(dtype=object)

