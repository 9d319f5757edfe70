"""Customer 360 assets: contacts, roles, relationships, activities linked to
master ids, segments and review reminders, around the golden records."""


from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow.compute as pc

from customer_master.assets.match import is_full_run
from customer_master.assets.metadata import counts_markdown, markdown_table
from customer_master.customer360.activities import ActivityResult, activity_summary, link_activities
from customer_master.customer360.activity_text import (ACTIVITY_INPUT_COLUMNS, ActivityText, activity_entries,
                                                       from_entries)
from customer_master.customer360.carried_links import ACTIVITIES, NAMES, keep_for_next_run, previous_links
from customer_master.customer360.contacts import (CONTACT_GOLDEN_COLUMNS, ContactResult, build_contacts,
                                                   company_contact_rows)
from customer_master.customer360.relationships import (RELATIONSHIP_CONTACT_COLUMNS, RELATIONSHIP_GOLDEN_COLUMNS,
                                                        build_relationships, rows_naming_organisations)
from customer_master.customer360.review_due import review_due
from customer_master.customer360.roles import customer_roles
from customer_master.customer360.scored_rows import KnownMasters
from customer_master.customer360.segments import customer_segments
from customer_master.ingest.inbox import IngestResult
from customer_master.lifecycle.state import MasterState
from customer_master.match.engine import MatchResult
from customer_master.match.features import match_input
from customer_master.pipelines.resources import AS_PARQUET_FILE, PipelinePaths
from customer_master.pipelines.staged_results import as_stored, frame_columns
from customer_master.row_cache import RowCache, parts_after
from customer_master.sources import load_sources
from customer_master.steward_figures import place_in_inbox
from customer_master.survive import GoldenResult
from customer_master.validate import ValidationResult
from customer_master.warehouse.layout import layout

GROUP = "customer360"


def _known_masters(golden: GoldenResult, match: MatchResult, customer_type: str | None = None) -> KnownMasters:
    """This run's masters and models, for records that name a customer (only the masters
    of `customer_type` and its model when given)."""
    master_of = frame_columns(golden, "xref", ["row_key", "master_id"]).set_index("row_key")["master_id"]
    features, models = match.features, match.models
    if customer_type is not None:  # the other type's rows are not joined to their masters at all
        features = features.filter(pc.equal(features.column("customer_type"), customer_type))
        models = {t: m for t, m in models.items() if t == customer_type}
    return KnownMasters(match_input(features, master_of), models, match.training, match.threshold)


@dg.asset(group_name=GROUP, kinds={"duckdb"},
          description="Interaction and transaction rows, each linked to a master id with the run's models "
                      "(or kept unresolved with the reason).")
def customer_activities(context: dg.AssetExecutionContext, paths: PipelinePaths, ingested_rows: IngestResult,
                        validated_rows: ValidationResult, matched_clusters: MatchResult,
                        golden_records: GoldenResult) -> ActivityResult:
    activities = frame_columns(validated_rows, "activities", ACTIVITY_INPUT_COLUMNS)
    masters = _known_masters(golden_records, matched_clusters) if len(activities) else None
    text, files_unchanged = _activity_text(context, paths, ingested_rows, validated_rows, activities)
    result, next_run = link_activities(activities, masters, matched_clusters.threshold,
                                       paths.load_settings().activities, previous_links(paths.warehouse_path, ACTIVITIES),
                                       text)
    if next_run is not None:
        keep_for_next_run(paths.warehouse_path, context.run.run_id, ACTIVITIES, next_run)
    unresolved = pd.concat([result.interactions, result.transactions]).query("resolution != 'resolved'")
    context.add_output_metadata({
        "dagster/row_count": len(result.interactions) + len(result.transactions),
        "rows_scored": result.rows_scored, "rows_kept": result.rows_kept,
        "files_unchanged": files_unchanged,  # their rows' text as the last run made it (activity_text.py)
        "interactions_unresolved": int(result.interactions["resolution"].ne("resolved").sum()),
        "transactions_unresolved": int(result.transactions["resolution"].ne("resolved").sum()),
        "linked_and_unresolved": markdown_table(activity_summary(result), empty="no activity rows"),
        "unresolved_sample": markdown_table(
            unresolved[["customer_name", "unresolved_reason"]].assign(row=place_in_inbox(unresolved)),
            rows=10, empty="every row linked"),
    })
    return result


def _activity_text(context: dg.AssetExecutionContext, paths: PipelinePaths, ingested_rows: IngestResult,
                   validated_rows: ValidationResult, activities: pd.DataFrame) -> tuple[ActivityText | None, int]:
    """What the activity rows' own cells make of them, read back from the row cache for the
    files whose validated rows did not change (None: computed by link_activities, as when
    ingest hands on no files' keys); and how many files were read back."""
    if ingested_rows.row_parts is None or not len(activities):
        return None, 0
    row_cache = layout(paths.warehouse_path).row_cache
    stage = RowCache(row_cache / "activities", "activities").run(
        as_stored(validated_rows, "activities"), activity_entries, full=is_full_run(context),
        parts=parts_after(row_cache, ingested_rows.row_parts, ["validate"]), in_memory=True)
    return from_entries(stage.frames, activities), stage.files_reused


@dg.asset(group_name=GROUP, kinds={"duckdb"},
          ins={"standardised_rows": dg.AssetIn(metadata={AS_PARQUET_FILE: True})},
          description="The people at company customers, one per person within their master, with a role "
                      "from the title and a stable contact_id.")
def customer_contacts(context: dg.AssetExecutionContext, paths: PipelinePaths, standardised_rows: Path,
                      golden_records: GoldenResult, previous_state: MasterState) -> ContactResult:
    overrides = {name: config.contact_roles for name, config in load_sources(paths.inbox_path).items()}
    overrides[""] = paths.load_settings().contact_roles
    result = build_contacts(company_contact_rows(standardised_rows, as_stored(golden_records, "xref")),
                            frame_columns(golden_records, "customers", CONTACT_GOLDEN_COLUMNS),
                            previous_state.contact_xref, previous_state.contacts, context.run.run_id,
                            previous_state.run_seq, overrides)
    context.add_output_metadata({
        "dagster/row_count": len(result.contacts),
        "by_role": counts_markdown(result.contacts["role"].value_counts(), "role"),
        "sample": markdown_table(result.contacts[["name", "title", "role", "mobile", "master_id", "contact_id"]],
                                 rows=10, empty="no contact"),
    })
    return result


@dg.asset(name="customer_roles", group_name=GROUP, kinds={"duckdb"},
          description="What each master is: customer, debtor, distributor, supplier, with the source rows "
                      "that say so.")
def customer_roles_asset(context: dg.AssetExecutionContext, ingested_rows: IngestResult,
                         golden_records: GoldenResult) -> pd.DataFrame:
    roles = customer_roles(as_stored(ingested_rows, "rows"), as_stored(golden_records, "xref"))
    context.add_output_metadata({"dagster/row_count": len(roles),
                                 "by_role": counts_markdown(roles["role"].value_counts(), "role")})
    return roles


@dg.asset(group_name=GROUP, kinds={"duckdb"},
          ins={"standardised_rows": dg.AssetIn(metadata={AS_PARQUET_FILE: True})},
          description="Parent / branch, group membership and contact employment between masters, with evidence.")
def customer_relationships(context: dg.AssetExecutionContext, paths: PipelinePaths, standardised_rows: Path,
                           matched_clusters: MatchResult, golden_records: GoldenResult,
                           customer_contacts: ContactResult) -> pd.DataFrame:
    named = rows_naming_organisations(standardised_rows, as_stored(golden_records, "xref"))
    # a named organisation is a company: scored against the company masters alone
    masters = _known_masters(golden_records, matched_clusters, "company") if len(named) else None
    rules = paths.load_settings().activities  # a named organisation resolves like an activity row's customer
    customers = frame_columns(golden_records, "customers", RELATIONSHIP_GOLDEN_COLUMNS)
    contacts = frame_columns(customer_contacts, "contacts", RELATIONSHIP_CONTACT_COLUMNS)
    relationships, names = build_relationships(customers, named, contacts, masters,
                                               rules.resolve_threshold or matched_clusters.threshold,
                                               rules.min_weight_lead, previous_links(paths.warehouse_path, NAMES))
    if names.next_run is not None:
        keep_for_next_run(paths.warehouse_path, context.run.run_id, NAMES, names.next_run)
    context.add_output_metadata({"dagster/row_count": len(relationships), "names_scored": names.rows_scored,
                                 "names_kept": names.rows_kept,
                                 "by_type": counts_markdown(relationships["relationship"].value_counts(), "type")})
    return relationships


@dg.asset(name="customer_segments", group_name=GROUP, kinds={"duckdb"},
          description="Value tier (RFM) and lifecycle stage per master; thresholds in settings.yaml.")
def customer_segments_asset(context: dg.AssetExecutionContext, paths: PipelinePaths,
                            golden_records: GoldenResult, customer_activities: ActivityResult) -> pd.DataFrame:
    settings = paths.load_settings()
    segments = customer_segments(as_stored(golden_records, "customers"), as_stored(customer_activities, "interactions"),
                                 as_stored(customer_activities, "transactions"), settings.segments,
                                 settings.reference_date())
    context.add_output_metadata({
        "dagster/row_count": len(segments),
        "value_tier": counts_markdown(segments["value_tier"].value_counts(), "tier"),
        "lifecycle": counts_markdown(segments["lifecycle"].value_counts(), "stage"),
    })
    return segments


@dg.asset(name="review_due", group_name=GROUP, kinds={"duckdb"},
          ins={"standardised_rows": dg.AssetIn(metadata={AS_PARQUET_FILE: True})},
          description="Masters whose key fields no source confirmed lately, or with open field issues, "
                      "and what to check.")
def review_due_asset(context: dg.AssetExecutionContext, paths: PipelinePaths, ingested_rows: IngestResult,
                     validated_rows: ValidationResult, standardised_rows: Path,
                     golden_records: GoldenResult) -> pd.DataFrame:
    settings = paths.load_settings()
    due = review_due(as_stored(golden_records, "customers"), standardised_rows, as_stored(golden_records, "xref"),
                     validated_rows.field_issues, ingested_rows.files, settings.review_due,
                     settings.reference_date())
    context.add_output_metadata({
        "dagster/row_count": len(due),
        "sample": markdown_table(due[["name", "what_to_check", "master_id"]], rows=10,
                                 empty="no master due for review"),
    })
    return due
