"""Write a run's data-quality report: find the warehouse that run published (the
one in place, or a kept backup), read what the report shows, draw the charts, and
write the page and the charts into `<warehouse>.d/reports/<run_id>/` (layout.py),
owner-only like everything there (the report holds personal data)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from customer_master.language import resolve_language
from customer_master.owner_only import private_folder, write_private
from customer_master.report.chart_cache import ChartCache
from customer_master.report.charts import match_weights_svg, probabilities_svg
from customer_master.report.content import ReportContent, read_content
from customer_master.report.labels import labels
from customer_master.report.page import Chart, render_page
from customer_master.warehouse.layout import layout
from customer_master.warehouse.published import read_published

REPORT_FILE = "report.html"


class NoSuchRun(ValueError):
    """No warehouse of that run is in place or kept."""


@dataclass(frozen=True)
class WrittenReport:
    run_id: str
    page: Path
    charts: dict[str, Path]  # chart name -> its SVG beside the page
    content: ReportContent
    charts_drawn: int = 0  # charts drawn afresh, not taken from the chart cache


def write_report(warehouse: Path, run_id: str | None = None, language: str | None = None,
                 out: Path | None = None) -> WrittenReport:
    """The report of run `run_id` (its whole id or a unique beginning; None: the run
    whose warehouse is in place), in `language` (zh, en; None: the locale's), written
    to `out` (default <warehouse>.d/reports/<run_id>/report.html) with its charts
    as SVG files beside it. NotAWarehouse, NoSuchRun."""
    language = resolve_language(language)
    source, run_id = find_run(Path(warehouse), run_id)
    content = read_content(source, run_id)
    # the pipeline's own report keeps its charts for the next run's (another page draws afresh)
    cache = ChartCache(layout(warehouse).chart_cache if out is None else None)
    charts = draw_charts(content, language, cache)
    cache.prune()
    page = Path(out) if out else layout(warehouse).run_report(run_id) / REPORT_FILE
    private_folder(page.parent, ours=out is None)
    text = render_page(content, charts, language)
    write_private(page, lambda path: Path(path).write_text(text, encoding="utf-8"))
    written = {}
    for chart in charts:
        written[chart.name] = write_private(page.parent / f"{chart.name}.svg",
                                            lambda path, svg=chart.svg: Path(path).write_text(svg, encoding="utf-8"))
    return WrittenReport(run_id, page, written, content, cache.drawn)


def find_run(warehouse: Path, run_id: str | None) -> tuple[Path, str]:
    """The warehouse file run `run_id` published and its whole id: the warehouse in
    place when it is that run's (or no run is named), else its kept backup."""
    with read_published(warehouse, ("meta.runs",)) as con:
        current = con.execute("SELECT run_id FROM meta.runs ORDER BY started_at DESC LIMIT 1").fetchone()
    if current is None:
        raise NoSuchRun(f"{warehouse} records no run")
    if not run_id or current[0].startswith(run_id):
        return warehouse, current[0]
    where = layout(warehouse)
    matches = where.kept_backups_of(run_id)
    if len(matches) == 1:
        return where.backup_warehouse(matches[0]), where.backup_run_id(matches[0])
    if len(matches) > 1:
        raise NoSuchRun(f"{run_id!r} names more than one kept run of {warehouse}: give more of its id")
    kept = [where.backup_run_id(folder) for folder in where.kept_backups_of("")]
    shown = ", ".join(sorted({current[0][:8], *(r[:8] for r in kept)}))
    raise NoSuchRun(f"no warehouse of run {run_id!r} is in place or kept for {warehouse} "
                    f"(runs with a report: {shown})")


def draw_charts(content: ReportContent, language: str, cache: ChartCache | None = None) -> list[Chart]:
    """One match-weights chart per model, and the distribution of match probabilities
    (each from `cache` when it holds that chart)."""
    words = labels(language)
    cache = cache or ChartCache(None)
    charts = [Chart(f"{customer_type}_match_weights", words["match_weights"].format(model=customer_type),
                    cache.svg(match_weights_svg, model, words["match_weights"].format(model=customer_type)))
              for customer_type, model in content.models.items()]
    if len(content.probabilities):
        charts.append(Chart("match_probabilities", words["probabilities"],
                            cache.svg(probabilities_svg, content.probabilities, content.run.get("match_threshold"),
                                      content.band, words["probabilities"], words["probability"], words["pairs"])))
    return charts
