import dataclasses
import io

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from gapkit.assess.table import make_assessment
from gapkit.outputs import charts
from gapkit.outputs.display import CHART_DPI, MAX_CHART_PIXELS, Chart
from gapkit.scoring import views
from gapkit.scoring.rule import score

MARKING, SOURCE = "OFFICIAL - TEST", "Source: test. SYNTHETIC DEMONSTRATION DATA"
NPCC = "npcc-apsp-2017"


@pytest.fixture(scope="module")
def scale(catalogue, config):
    return config.scale(catalogue.get(NPCC).level_scale)


@pytest.fixture(scope="module")
def scored(catalogue, config, scale):
    ids = [r.id for r in catalogue.get(NPCC).requirements]
    frames = [make_assessment(f, "r", NPCC, {rid: (i + k) % (scale.maximum + 1) for i, rid in enumerate(ids, 1)})
              for k, f in enumerate(["a", "b", "c"])]
    s = score(pd.concat(frames), catalogue, config, framework_ids=[NPCC])
    names = {"a": "Force A", "b": "Force B", "c": "Force C"}
    overall = s.overall.assign(force_name=s.overall["force"].map(names), region=["North", "North", "South"])
    return s, overall, s.requirements.assign(force_name=s.requirements["force"].map(names),
                                             statement="a requirement")


def _texts(fig: Figure) -> str:
    return " ".join(t.get_text() for t in fig.texts) + " ".join(
        ax.get_title() + ax.get_xlabel() + ax.get_ylabel() for ax in fig.axes)


def every_chart(scored, config, scale, long_names: bool = False) -> dict[str, Figure]:
    s, overall, reqs = scored
    if long_names:  # the longest names a chart must fit: many forces, long theme and requirement texts
        overall = pd.concat([overall.assign(force=overall["force"] + str(i),
                                            force_name=overall["force_name"] + f" and Somewhere Constabulary {i}")
                             for i in range(15)], ignore_index=True)
        reqs = reqs.assign(statement="a requirement whose statement is long enough to be cut short at the end")
        s = dataclasses.replace(s, themes=s.themes.assign(theme_name="Recognise, refer and record every allegation"))
    one = s.themes[s.themes["force"] == "a"]
    return {
        "theme_bar": charts.theme_bar(one, "Theme scores", MARKING, SOURCE, previous=one),
        "gaps": charts.gap_bar(views.gaps(reqs[reqs["force"] == "a"], NPCC, limit=15), "Gaps", MARKING, SOURCE,
                               scale),
        "league": charts.league(overall, "League", MARKING, SOURCE),
        "heatmap": charts.heatmap(reqs, "Heatmap", MARKING, SOURCE, scale),
        "categories": charts.category_distribution(views.category_counts(overall, config), "Categories", MARKING,
                                                   SOURCE),
        "regions": charts.region_scores(views.region_scores(overall), "Regions", MARKING, SOURCE),
        "shortfall": charts.theme_shortfall(views.theme_shortfall(s.themes, 75), "Shortfall", MARKING, SOURCE, 75),
        "trend": charts.trend(pd.concat([overall.assign(round="2017"), overall.assign(round="2019")]),
                              "Trend across rounds: a title long enough to be wrapped onto a second line", MARKING,
                              SOURCE * 3),
    }


def test_every_chart_has_title_labels_marking_and_source(scored, config, scale, tmp_path):
    figures = every_chart(scored, config, scale)
    for name, fig in figures.items():
        assert isinstance(fig, Figure)
        text = _texts(fig)
        assert MARKING in text and "SYNTHETIC" in text, name
        assert any(ax.get_title() for ax in fig.axes), name
        paths = Chart(fig, name).save(tmp_path, svg=True)
        assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size > 1000 for p in paths)
        assert [p.suffix for p in Chart(fig, name).save(tmp_path / "png-only")] == [".png"]
    for name in ("theme_bar", "gaps", "league", "regions", "shortfall"):
        assert any(ax.get_xlabel() for ax in figures[name].axes), name


def _boxes(fig: Figure) -> dict[str, list]:
    """Where each kind of text landed on the drawn figure (display units)."""
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    lo_x, hi_x = sorted(ax.get_xlim())
    lo_y, hi_y = sorted(ax.get_ylim())
    x_ticks = [t for t in ax.get_xticklabels() if lo_x - 1e-9 <= t.get_position()[0] <= hi_x + 1e-9]
    y_ticks = [t for t in ax.get_yticklabels() if lo_y - 1e-9 <= t.get_position()[1] <= hi_y + 1e-9]
    boxes = {"marking": [fig.texts[0]], "source": [fig.texts[1]], "title": [ax.title],
             "x ticks": x_ticks, "x label": [ax.xaxis.label], "y ticks": y_ticks,
             "legend": [ax.get_legend()] if ax.get_legend() else []}
    return {k: [a.get_window_extent(renderer) for a in v if a.get_visible() and (not hasattr(a, "get_text")
                                                                                   or a.get_text())]
            for k, v in boxes.items()}


@pytest.mark.parametrize("long_names", [False, True], ids=["short names", "long names"])
def test_no_text_on_a_chart_overlaps_another_or_leaves_the_figure(scored, config, scale, long_names):
    for name, fig in every_chart(scored, config, scale, long_names).items():
        FigureCanvasAgg(fig).draw()
        boxes = _boxes(fig)
        page = fig.bbox
        for kind, found in boxes.items():
            for box in found:
                assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1 and page.y0 - 1 <= box.y0 and \
                    box.y1 <= page.y1 + 1, f"{name}: {kind} leaves the figure"
        apart = [("marking", "title"), ("source", "x ticks"), ("source", "x label"), ("x ticks", "x label"),
                 ("title", "legend"), ("source", "legend"), ("marking", "legend")]
        for a, b in apart:
            for box_a in boxes[a]:
                for box_b in boxes[b]:
                    assert not box_a.overlaps(box_b), f"{name}: {a} overlaps {b}"
        axes = fig.axes[0].get_window_extent()
        for kind in ("y ticks", "marking", "source", "title"):
            for box in boxes[kind]:
                assert not (box.overlaps(axes) and kind != "y ticks") or name == "trend", f"{name}: {kind} on the axes"
                if kind == "y ticks" and name != "categories":
                    assert box.x1 <= axes.x0 + 1, f"{name}: a y tick label runs into the axes"


def test_gap_chart_shows_the_gaps_it_is_given(scored, scale):
    _, _, reqs = scored
    gaps = views.gaps(reqs[reqs["force"] == "a"], NPCC, limit=5)
    fig = charts.gap_bar(gaps, "Gaps", MARKING, SOURCE, scale)
    bars = fig.axes[0].patches
    assert len(bars) == len(gaps) == 5
    assert sorted(b.get_width() for b in bars) == pytest.approx(sorted(gaps["gap_points"]))
    empty = charts.gap_bar(gaps.iloc[0:0], "No gaps", MARKING, SOURCE, scale)
    assert "No gaps" in " ".join(t.get_text() for ax in empty.axes for t in ax.texts)


def test_palette_is_okabe_ito(config):
    okabe_ito = set(charts.OKABE_ITO.values())
    assert set(charts.LEVEL_RAMP) <= okabe_ito
    assert set(charts.CATEGORY_COLOURS) <= okabe_ito
    assert set(charts.RAG_COLOURS.values()) - {charts.NA_COLOUR} <= okabe_ito
    for name, scale in config.scales.items():
        colours = charts.level_colours(scale)
        assert len(colours) == len(scale.levels), name
        assert set(colours) <= okabe_ito and colours[-1] == charts.OKABE_ITO["green"], name  # the top is green


def test_category_chart_counts(scored, config):
    _, overall, _ = scored
    counts = views.category_counts(overall, config)
    fig = charts.category_distribution(counts, "c", MARKING, SOURCE)
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert sum(heights) == len(overall) == 3 and len(heights) == len(config.category_names())
    assert heights == list(counts["forces"])


def test_a_very_large_chart_is_drawn_at_a_lower_resolution_and_a_usual_one_is_not():
    """A 200-force heatmap would be 29 million pixels at the usual resolution: it is drawn within the limit."""
    usual, huge = Figure(figsize=(8, 15.6)), Figure(figsize=(19.6, 66))
    for fig in (usual, huge):
        FigureCanvasAgg(fig)
        fig.add_subplot().plot([0, 1], [0, 1])
    w, h = Image.open(io.BytesIO(Chart(usual).png)).size
    assert (w, h) == (round(8 * CHART_DPI), round(15.6 * CHART_DPI))
    w, h = Image.open(io.BytesIO(Chart(huge).png)).size
    assert w * h <= MAX_CHART_PIXELS * 1.01 and h > 5000  # still tall enough to read every force's name
