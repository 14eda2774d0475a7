import pandas as pd
import pytest
from matplotlib.figure import Figure

from gapkit import charts
from gapkit.assessment import make_assessment
from gapkit.scoring import score

MARKING, SOURCE = "OFFICIAL - TEST", "Source: test. SYNTHETIC DEMONSTRATION DATA"


@pytest.fixture(scope="module")
def scored(catalogue, config):
    frames = [make_assessment(f, "r", "npcc-apsp-2017", {f"E{i}": (i + k) % 4 for i in range(1, 13)})
              for k, f in enumerate(["a", "b", "c"])]
    s = score(pd.concat(frames), catalogue, config, framework_ids=["npcc-apsp-2017"])
    names = {"a": "Force A", "b": "Force B", "c": "Force C"}
    overall = s.overall.assign(force_name=s.overall["force"].map(names), region=["North", "North", "South"])
    return s, overall, s.requirements.assign(force_name=s.requirements["force"].map(names),
                                             statement="a requirement")


def _texts(fig: Figure) -> str:
    return " ".join(t.get_text() for t in fig.texts) + " ".join(
        ax.get_title() + ax.get_xlabel() + ax.get_ylabel() for ax in fig.axes)


def test_every_chart_has_title_labels_marking_and_source(scored, config, tmp_path):
    s, overall, reqs = scored
    one = s.themes[s.themes["force"] == "a"]
    figures = {
        "theme_bar": charts.theme_bar(one, "Theme scores", MARKING, SOURCE, previous=one),
        "theme_radar": charts.theme_radar(one, "Radar", MARKING, SOURCE),
        "gaps": charts.gap_bar(reqs[reqs["force"] == "a"], "Gaps", MARKING, SOURCE),
        "league": charts.league(overall, "League", MARKING, SOURCE),
        "heatmap": charts.heatmap(reqs, "Heatmap", MARKING, SOURCE),
        "categories": charts.category_distribution(overall, config.category_names(), "Categories", MARKING, SOURCE),
        "regions": charts.region_scores(overall, "Regions", MARKING, SOURCE),
        "shortfall": charts.theme_shortfall(s.themes, "Shortfall", MARKING, SOURCE),
        "trend": charts.trend(overall.assign(round="2017"), "Trend", MARKING, SOURCE),
    }
    for name, fig in figures.items():
        assert isinstance(fig, Figure)
        text = _texts(fig)
        assert MARKING in text and "SYNTHETIC" in text, name
        assert any(ax.get_title() for ax in fig.axes), name
        paths = charts.save(fig, tmp_path, name)
        assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size > 1000 for p in paths)
    for name in ("theme_bar", "gaps", "league", "regions", "shortfall"):
        assert any(ax.get_xlabel() for ax in figures[name].axes), name


def test_palette_is_okabe_ito():
    assert set(charts.LEVEL_COLOURS.values()) <= set(charts.OKABE_ITO.values())
    assert set(charts.CATEGORY_COLOURS) <= set(charts.OKABE_ITO.values())


def test_category_chart_counts(scored, config):
    _, overall, _ = scored
    fig = charts.category_distribution(overall, config.category_names(), "c", MARKING, SOURCE)
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert sum(heights) == 3 and len(heights) == 4
