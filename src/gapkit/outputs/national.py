"""The national overview: every force in a round, rendered from the round model the run wrote (or built here when
there is none, for a notebook run on its own)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from gapkit import __version__
from gapkit.core.paths import INDEX_PAGE
from gapkit.inputs.context import RoundContext
from gapkit.inputs.layout import list_forces
from gapkit.outputs import charts
from gapkit.outputs.display import SYNTHETIC_BANNER, Chart, Link, Note, Panel, RoundLabels, forces_with_reports
from gapkit.scoring import views
from gapkit.scoring.compute import round_model
from gapkit.scoring.model import RoundModel, counted
from gapkit.scoring.files import has_model
from gapkit.scoring.store import read_model


@dataclass
class Overview(RoundLabels):
    ctx: RoundContext
    model: RoundModel       # every force of the round, whatever its status
    charts_dir: Path | None
    svg: bool = False  # also write each chart as SVG
    reports_dir: Path | None = None  # the run's round folder, with a folder per force

    @property
    def included(self) -> RoundModel:
        """The forces whose inputs could be used: the round's figures are made of these."""
        return self.model.included()

    @property
    def summary(self) -> pd.DataFrame:
        """The headline framework's overall row of each included force."""
        overall = self.included.overall
        return overall[overall["headline"]]

    @property
    def history(self) -> pd.DataFrame:
        """Headline scores of this and earlier rounds, of the included forces."""
        hist = self.included.history
        return hist[hist["framework"] == self.round.headline_framework].drop_duplicates(["force", "round"])

    def report_link(self, force: str, name: str) -> Link | str:
        """The force's name, linked to its report when the run wrote one beside this overview
        (display.forces_with_reports)."""
        if force in self.linked_reports:
            return Link(name, f"../{force}/{force}.html")
        return name

    @cached_property
    def linked_reports(self) -> set[str]:
        return forces_with_reports(self.reports_dir, self.model.forces) if self.reports_dir is not None else set()

    def save(self, fig: Figure, name: str) -> Chart:
        """The chart drawn once, written to the charts folder (PNG; SVG too when asked) and shown from the same
        bytes."""
        chart = Chart(fig, name)
        if self.charts_dir is not None:
            chart.save(self.charts_dir, svg=self.svg)
        return chart


def score_round_here(ctx: RoundContext) -> RoundModel:
    """Every force of a round scored in this process (for a notebook run on its own)."""
    return round_model(ctx, list_forces(ctx.data_dir, ctx.round.round))


def build_overview(round_id: str, data_dir: str | Path = "", out_dir: str | Path = "",
                   charts_dir: str | Path = "", svg: bool = False) -> Overview:
    """The round's results from a run's output folder, or scored here when `out_dir` is empty or has none."""
    ctx = RoundContext.load(data_dir, round_id)
    folder = Path(out_dir) / round_id if out_dir else None
    stored = folder is not None and has_model(folder)
    # a run checks the round's model against the schemas when it writes it; read here with its types
    model = read_model(folder, validate=False) if stored else score_round_here(ctx)
    return Overview(ctx, model, Path(charts_dir) if charts_dir else None, svg,
                    folder if stored else None)


def _headline_name(ov: Overview) -> str:
    return ov.catalogue.get(ov.round.headline_framework).short_title


def league_table(ov: Overview) -> Panel:
    items: list = [Note(SYNTHETIC_BANNER, "banner")] if ov.round.synthetic else []
    if ov.reports_dir is not None:  # read from a run's folder: this overview sits in OUT/ROUND/national/
        items.append(Link("Index of this run: every round, force, report and board pack", f"../../{INDEX_PAGE}"))
    table = views.league(ov.summary)
    fig = ov.save(charts.league(table, f"Overall score by force: {_headline_name(ov)}", ov.marking, ov.source),
                  "league")
    items += [fig, pd.DataFrame({"Force": [ov.report_link(r.force, r.force_name) for r in table.itertuples()],
                                 "Region": table["region"],
                                 "Score": table["score"].round(1), "Category": table["category"],
                                 "RAG": table["rag"], "Overdue items (all frameworks)": table["force_overdue_items"],
                                 "Rows of the action plan not read": table["force_rows_not_read"]})]
    unread = int(table["force_rows_not_read"].sum())
    if unread:
        items.append(Note(f"{unread} row(s) of forces' action plans could not be read; those forces are scored on the "
                          f"rows that were read, and the requirements those rows were about show '{views.ATTENTION}' "
                          "(listed under Levels by requirement).", "warning"))
    problems = ov.model.forces[~counted(ov.model.forces)]
    if not problems.empty:
        items.append(Note("Not included (see run.json): " + ", ".join(f"{r.force} ({r.status})"
                                                                       for r in problems.itertuples()), "warning"))
    return Panel("League table", items)


def categories(ov: Overview) -> Panel:
    counts = views.category_counts(ov.summary, ov.config)
    fig = ov.save(charts.category_distribution(counts, f"Forces in each category: {_headline_name(ov)}",
                                               ov.marking, ov.source), "categories")
    table = counts.rename(columns={"category": "Category", "forces": "Forces"})
    note = Note("HMICFRS's review of 2017 found 11 forces with insufficient information, 15 with a plan not started, "
                "15 started and 2 with all elements in place (HMICFRS, 5 October 2017).")
    return Panel("Forces in each category", [fig, table, note])


def heatmap(ov: Overview) -> Panel:
    fid = ov.round.focus
    data = ov.included.requirements[ov.included.requirements["framework"] == fid]
    fig = ov.save(charts.heatmap(data, f"Level by requirement: {ov.catalogue.get(fid).short_title}", ov.marking,
                                 ov.source, ov.ctx.scale(fid)), "heatmap")
    items: list = [fig]
    reqs = ov.included.requirements
    touched = reqs[reqs["attention"] != ""].assign(other=lambda d: d["framework"] != fid).sort_values(
        ["force_name", "other", "framework", "order"])
    if not touched.empty:
        items.append(Note(f"{len(touched)} requirement(s) need attention (marked ! in the chart where they are "
                          f"charted): {views.ATTENTION_RULE}", "warning"))
        items.append(pd.DataFrame({"Force": touched["force_name"], "Framework": touched["framework"],
                                   "Ref": touched["requirement_id"], "Level": touched["level_shown"],
                                   "Why": views.attention_reason(touched["attention"])}))
    return Panel("Levels by requirement", items)


def regions(ov: Overview) -> Panel:
    table = views.region_scores(ov.summary)
    fig = ov.save(charts.region_scores(table, f"Mean score by region: {_headline_name(ov)}", ov.marking,
                                       ov.source), "regions")
    shown = pd.DataFrame({"Region": table["region"], "Forces": table["forces"],
                          "Mean score": table["mean_score"].round(1)})
    return Panel("Scores by region", [fig, shown])


def shortfall(ov: Overview) -> Panel:
    fid = ov.round.focus
    themes = ov.included.themes[ov.included.themes["framework"] == fid]
    threshold = ov.config.rag[0].min_score  # below the green band
    table = views.theme_shortfall(themes, threshold)
    fig = ov.save(charts.theme_shortfall(table, f"Where forces fall short: {ov.catalogue.get(fid).short_title}",
                                         ov.marking, ov.source, threshold), "shortfall")
    shown = pd.DataFrame({"Theme": table["theme_name"],
                          f"Forces below {threshold:.0f} (%)": table["share_below"].round(0).astype(int),
                          "Mean score": table["mean"].round(1), "Lowest": table["lowest"].round(1),
                          "Highest": table["highest"].round(1)})
    return Panel("Themes where most forces fall short", [fig, shown])


def trend(ov: Overview) -> Panel:
    fig = ov.save(charts.trend(ov.history, f"Trend across rounds: {_headline_name(ov)}", ov.marking, ov.source),
                  "trend")
    table = views.round_trend(ov.history)
    shown = pd.DataFrame({"Round": table["round"], "Forces": table["count"], "Mean score": table["mean"].round(1),
                          "Lowest": table["min"].round(1), "Highest": table["max"].round(1)})
    changes = [Note(note, "warning") for note in views.framework_changes(ov.included.overall)["note"]]
    return Panel("Trend across rounds", [fig, *changes, shown])


def provenance(ov: Overview) -> Panel:
    versions = pd.DataFrame([{"Framework": f, "Version": ov.catalogue.get(f).version} for f in ov.round.frameworks])
    items: list = [Note(f"gapkit {__version__}; scoring settings {ov.config.version}; marking {ov.marking}; "
                        f"as of {ov.round.as_of}. Method: docs/methodology.md."), versions]
    if ov.round.synthetic:
        items.insert(0, Note(SYNTHETIC_BANNER, "banner"))
    return Panel("Method and provenance", items)
