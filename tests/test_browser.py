"""The steward's journey through the Dagster UI in a real browser: `dagster dev` on
a copy of the sample inbox (tests/dagster_server.py), opened in headless
Chromium (Debian's `chromium`, driven by Playwright through `executable_path`,
no browser download): the lineage graph renders, the Launchpad launches a run
with another threshold, the run succeeds, every asset shows its metadata as
tables, the checks show with their figures and the Plots tab has the trend.
Each step saves a screenshot (CUSTOMER_MASTER_SCREENSHOTS, default a pytest
tmp folder whose path the test prints).

The server's inbox sensor starts a run when the UI starts (README, "The Dagster
UI"); the Launchpad's run queues behind it, so the asset pages show two runs
and the Plots view a line. 3 to 6 minutes on 2 cores.
"""

from __future__ import annotations

import os
import shutil
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from dagster_server import DagsterServer, dagster_dev, wait_for_run

pytestmark = pytest.mark.browser

PROJECT = Path(__file__).resolve().parents[1]
SAMPLE_INBOX = PROJECT / "data" / "inbox"
JOB = "consolidate"
LAUNCH_THRESHOLD = 0.9
VIEWPORT = {"width": 1920, "height": 1080}  # a steward's full-HD screen: the metadata tables fit beside the definition pane
UI_TIMEOUT_MS = 60_000
# Per asset, the metadata entries whose tables a steward reads first (each a markdown table).
TABLES = {
    "ingested_rows": ["rows_by_source", "files_and_sheets_not_read"],
    "validated_rows": ["rows_by_file", "rejects_by_reason", "field_issues_by_kind"],
    "standardised_rows": ["rows_by_customer_type", "sample"],
    "steward_decisions": [],
    "matched_clusters": ["pairs_by_probability", "rows_per_master", "models_trained_in"],
    "previous_state": [],
    "golden_records": ["masters_by_type", "master_ids", "departments_sharing_masters", "master_sample"],
    "customer_activities": ["linked_and_unresolved", "unresolved_sample"],
    "customer_contacts": ["by_role", "sample"],
    "customer_roles": ["by_role"],
    "customer_relationships": ["by_type"],
    "customer_segments": ["value_tier", "lifecycle"],
    "review_due": ["sample"],
    "customer_warehouse": ["rejects_by_reason", "tables"],
    "read_surfaces": ["masters_per_surface"],
    "run_report": [],
    "review_workbook": [],
}


def _chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("no chromium: `apt-get install chromium fonts-wqy-microhei` (Debian), or set CHROMIUM to "
                    "a Chromium executable; then `pip install -e '.[browser]'` (never `playwright install`)")
    return path


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("CUSTOMER_MASTER_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[DagsterServer]:
    root = tmp_path_factory.mktemp("browser")
    inbox = root / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    with dagster_dev(root, inbox, root / "warehouse" / "customer_master.duckdb") as running:
        yield running


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), headless=True)
        try:
            context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
            context.set_default_timeout(UI_TIMEOUT_MS)
            # the "Join the Dagster community" dialog of a first visit, as if dismissed before
            context.add_init_script("window.localStorage.setItem('communityNux', 'true')")
            yield context.new_page()
        finally:
            browser.close()


def _open(page, server: DagsterServer, path: str) -> None:
    page.goto(server.url + path)
    page.wait_for_load_state("domcontentloaded")


def _shoot(page, folder: Path, name: str, full: bool = True) -> Path:
    """A screenshot of the whole scrolled page (the UI scrolls inside its main pane, so
    the viewport is made as tall as that pane's content first)."""
    if full:
        height = page.evaluate("""() => Math.max(...[...document.querySelectorAll('*')]
            .filter(e => e.scrollHeight > e.clientHeight + 1 && getComputedStyle(e).overflowY !== 'visible')
            .map(e => e.scrollHeight + e.getBoundingClientRect().top), document.body.scrollHeight)""")
        page.set_viewport_size({"width": VIEWPORT["width"], "height": min(int(height) + 40, 12000)})
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size(VIEWPORT)
    return path


def test_the_lineage_graph_renders(server, page, screenshots):
    nodes = server.graphql("{ assetNodes { assetKey { path } groupName } }")["assetNodes"]
    assert {n["assetKey"]["path"][-1] for n in nodes} == set(TABLES), nodes
    groups = sorted({n["groupName"] for n in nodes})
    # every group expanded (the graph starts with them collapsed), then zoomed out to show them all
    expanded = ",".join(f"global@global:{group}" for group in groups)
    page.set_viewport_size({"width": VIEWPORT["width"], "height": 1400})
    _open(page, server, "/asset-groups?" + urllib.parse.urlencode({"expanded": expanded}))
    zoom_out = page.locator('[aria-label="zoom_out"]')
    zoom_out.click()  # the graph draws only the nodes in view: all of them, once zoomed out
    page.wait_for_timeout(1000)
    for asset in ("ingested_rows", "validated_rows", "matched_clusters", "golden_records", "customer_warehouse",
                  "read_surfaces"):
        page.get_by_text(asset, exact=True).first.wait_for(state="visible")
    _shoot(page, screenshots, "01-lineage", full=False)


@pytest.fixture(scope="module")
def launched_run(server, page, screenshots) -> dict:
    """A run launched from the Launchpad with another threshold, as a steward would."""
    config = f"ops:\n  matched_clusters:\n    config:\n      match_threshold: {LAUNCH_THRESHOLD}\n"
    repo = f"{server.repository}@{server.location}"
    _open(page, server, f"/locations/{urllib.parse.quote(repo, safe='@')}/jobs/{JOB}/playground/setup?"
                        + urllib.parse.urlencode({"config": config}))
    launch = page.get_by_role("button", name="Launch Run")
    try:
        launch.wait_for(state="visible")
        page.get_by_text("match_threshold").first.wait_for(state="visible")  # the config editor shows ours
        _shoot(page, screenshots, "02-launchpad", full=False)
        clicked = time.monotonic()
        launch.click()
        page.wait_for_url("**/runs/*", timeout=UI_TIMEOUT_MS)
    except Exception:
        _shoot(page, screenshots, "02-launchpad-failed", full=False)
        raise
    run_id = page.url.rstrip("/").split("/runs/")[1].split("?")[0]
    run = wait_for_run(server, run_id, timeout_s=600)
    run["seconds_from_click"] = time.monotonic() - clicked
    return run


def test_the_launchpad_launches_a_run_with_another_threshold_and_it_succeeds(server, page, screenshots,
                                                                            launched_run):
    assert launched_run["status"] == "SUCCESS", server.explain(f"run {launched_run['runId']}: {launched_run}")
    assert f"match_threshold: {LAUNCH_THRESHOLD}" in launched_run["runConfigYaml"]
    _open(page, server, f"/runs/{launched_run['runId']}")
    page.get_by_text("Success", exact=True).first.wait_for(state="visible")
    _shoot(page, screenshots, "03-run", full=False)
    print(f"\nLaunchpad run: {launched_run['seconds_from_click']:.1f} s from the click to its end, "
          f"{launched_run['endTime'] - launched_run['startTime']:.1f} s running")


@pytest.mark.parametrize("asset", list(TABLES))
def test_each_asset_shows_its_metadata_as_tables(server, page, screenshots, launched_run, asset):
    _open(page, server, f"/assets/{asset}?view=overview")
    page.get_by_text("Metadata", exact=True).first.wait_for(state="visible")
    table_keys = TABLES[asset]
    for key in table_keys:
        # the key's row holds a rendered table (markdown → <table>), not text
        row = page.locator("tr", has=page.get_by_text(key, exact=True)).first
        row.wait_for(state="visible")
        row.locator("table").first.wait_for(state="visible")  # drawn once the markdown renderer has loaded
    text = page.locator("body").inner_text()
    assert '{"' not in text and "{'" not in text, f"{asset} shows a JSON blob"
    if asset == "matched_clusters":  # the launched run's threshold is the one shown
        threshold = page.locator("tr", has=page.get_by_text("match_threshold", exact=True)).first
        assert str(LAUNCH_THRESHOLD) in threshold.inner_text()
    _shoot(page, screenshots, f"asset-{list(TABLES).index(asset) + 1:02d}-{asset}")
    if asset == "run_report":  # the chart previews are images: the UI opens them from a link, in a dialog
        page.locator("tr", has=page.get_by_text("charts", exact=True)).first.get_by_text("[Show Markdown]").click()
        page.get_by_role("dialog").locator("img").first.wait_for(state="visible")
        page.wait_for_timeout(1000)  # the dialog fades in
        _shoot(page, screenshots, f"asset-{list(TABLES).index(asset) + 1:02d}-{asset}-charts", full=False)


def test_the_checks_show_with_their_figures(server, page, screenshots, launched_run):
    _open(page, server, "/assets/customer_warehouse?view=checks")
    for check in ("row_accounting", "unique_master_id", "xref_points_at_a_master", "review_due_not_growing"):
        page.get_by_text(check, exact=True).first.wait_for(state="visible")
    page.get_by_text("row_accounting", exact=True).first.click()
    page.get_by_text("data_rows_read").first.wait_for(state="visible")
    _shoot(page, screenshots, "04-checks")


def test_the_plots_tab_shows_the_trend_over_runs(server, page, screenshots, launched_run):
    _open(page, server, "/assets/customer_warehouse?view=overview")
    page.get_by_role("button", name="Plots").first.click()
    for key in ("masters", "rows_quarantined", "review_due"):
        page.get_by_text(key, exact=True).first.wait_for(state="visible")
    assert page.locator("canvas").count() >= 3, "no plot drawn"
    _shoot(page, screenshots, "05-plots")
