import pandas as pd
import pytest
from matplotlib.figure import Figure

from gapkit.assess.table import make_assessment
from gapkit.outputs import charts
from gapkit.outputs.display import Chart
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


def test_every_chart_has_title_labels_marking_and_source(scored, config, scale, tmp_path):
    s, overall, reqs = scored
    one = s.themes[s.themes["force"] == "a"]
    figures = {
        "theme_bar": charts.theme_bar(one, "Theme scores", MARKING, SOURCE, previous=one),
        "theme_radar": charts.theme_radar(one, "Radar", MARKING, SOURCE),
        "gaps": charts.gap_bar(views.gaps(reqs[reqs["force"] == "a"], NPCC, limit=15), "Gaps", MARKING, SOURCE,
                               scale),
        "league": charts.league(overall, "League", MARKING, SOURCE),
        "heatmap": charts.heatmap(reqs, "Heatmap", MARKING, SOURCE, scale),
        "categories": charts.category_distribution(views.category_counts(overall, config), "Categories", MARKING,
                                                   SOURCE),
        "regions": charts.region_scores(views.region_scores(overall), "Regions", MARKING, SOURCE),
        "shortfall": charts.theme_shortfall(views.theme_shortfall(s.themes, 75), "Shortfall", MARKING, SOURCE, 75),
        "trend": charts.trend(overall.assign(round="2017"), "Trend", MARKING, SOURCE),
    }
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
