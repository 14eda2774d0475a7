"""Gap charts. matplotlib only, Figure objects (no pyplot state), an Okabe-Ito colour-blind-safe palette, and the
protective marking and data source on every chart."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from gapkit.catalogue.settings import Scale

# Okabe & Ito (2008) colour-blind-safe palette
OKABE_ITO = {"orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000"}
# Level colours from worst to best; a scale of n levels takes n of them, spread so its top is always green
LEVEL_RAMP = [OKABE_ITO["vermillion"], OKABE_ITO["orange"], OKABE_ITO["yellow"], OKABE_ITO["sky"], OKABE_ITO["blue"],
              OKABE_ITO["green"]]
NA_COLOUR = "#BBBBBB"
RAG_COLOURS = {"red": OKABE_ITO["vermillion"], "amber": OKABE_ITO["orange"], "green": OKABE_ITO["green"],
               "not assessed": NA_COLOUR}
CATEGORY_COLOURS = [OKABE_ITO["vermillion"], OKABE_ITO["orange"], OKABE_ITO["sky"], OKABE_ITO["green"]]


def level_colours(scale: Scale) -> list[str]:
    """One colour per level of the scale, worst (no information) to best (in place)."""
    n = len(scale.levels)
    if n == 4:  # the 2017 scale keeps its familiar colours: vermillion, orange, sky blue, green
        return [LEVEL_RAMP[0], LEVEL_RAMP[1], LEVEL_RAMP[3], LEVEL_RAMP[5]]
    picks = np.linspace(0, len(LEVEL_RAMP) - 1, n).round().astype(int)
    return [LEVEL_RAMP[i] for i in picks]


def level_legend(scale: Scale) -> list[Patch]:
    return [Patch(color=c, label=f"{lv.value} {lv.label}") for c, lv in zip(level_colours(scale), scale.levels)]


def stamp(fig: Figure, marking: str, source: str, legend_outside: bool = False) -> Figure:
    """Marking at the top right, source at the bottom left, on every chart; then the layout (`fit`)."""
    fig.text(0.99, 1 - PAD_IN / fig.get_figheight(), marking, ha="right", va="top", fontsize=8, fontweight="bold",
             color="#444444")
    width_chars = int(fig.get_figwidth() * 17)  # about 17 characters an inch at 7 points
    lines = textwrap.wrap(source, width_chars)
    fig.text(0.01, PAD_IN / fig.get_figheight(), "\n".join(lines), ha="left", va="bottom", fontsize=7,
             color="#444444")
    fit(fig, source_lines=len(lines), legend_outside=legend_outside)
    return fig


PAD_IN = 0.06  # inches between the figure's edge, the marking, the source line and the axes' furniture


def fit(fig: Figure, source_lines: int, legend_outside: bool = False) -> None:
    """Place the one pair of axes so that its title, tick labels, axis labels and an outside legend fit between
    the marking (top) and the source line (bottom), which constrained layout does not know about. Sizes are
    measured from the text itself (its layout, no drawing), so this costs a fraction of constrained layout."""
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    inch = fig.dpi

    def extent(texts, attr):
        sizes = [getattr(t.get_window_extent(renderer), attr) for t in texts if t.get_visible() and t.get_text()]
        return max(sizes, default=0) / inch

    w, h = fig.get_figwidth(), fig.get_figheight()
    axis_label = 0.3 if ax.get_xlabel() else 0
    top = PAD_IN + 0.2 + extent([ax.title], "height") + 0.12
    bottom = PAD_IN + source_lines * 0.13 + 0.1 + extent(ax.get_xticklabels(), "height") + axis_label + 0.08
    left = 0.15 + extent(ax.get_yticklabels(), "width") + (0.3 if ax.get_ylabel() else 0)
    right = 0.3 + (extent([t for leg in [ax.get_legend()] if leg for t in leg.get_texts()], "width") + 0.6
                   if legend_outside else 0)
    if not ax.axison:  # a message instead of a chart: the axes only hold it
        bottom, left, right = PAD_IN + source_lines * 0.13 + 0.1, 0.3, 0.3
    fig.subplots_adjust(left=min(left / w, 0.6), right=max(1 - right / w, 0.65), top=max(1 - top / h, 0.4),
                        bottom=min(bottom / h, 0.45))


def _title(ax, title: str) -> None:
    width = int(ax.figure.get_figwidth() * 7)  # the axes are narrower than the figure: wrap early
    ax.set_title("\n".join(textwrap.wrap(title, width)), fontsize=11)


def _new(width: float = 8, height: float = 4.5) -> Figure:
    fig = Figure(figsize=(width, height), dpi=150)
    FigureCanvasAgg(fig)  # a canvas that can measure text (fit) before anything is drawn
    return fig


def _wrap(text: str, width: int = 28) -> str:
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


# ---- one force ----------------------------------------------------------------------------------------------

def theme_bar(themes: pd.DataFrame, title: str, marking: str, source: str,
              previous: pd.DataFrame | None = None) -> Figure:
    """Theme scores (0-100) as horizontal bars, with the previous round as markers."""
    data = themes.dropna(subset=["score"]).sort_values("score")
    fig = _new(8, 0.5 * len(data) + 1.8)
    ax = fig.add_subplot()
    y = np.arange(len(data))
    ax.barh(y, data["score"], color=OKABE_ITO["blue"], label="this round")
    ax.margins(y=0.01)  # no empty band above the top bar
    if previous is not None and not previous.empty:
        prev = previous.set_index("theme")["score"].reindex(data["theme"])
        ax.scatter(prev.values, y, marker="|", s=300, color=OKABE_ITO["black"], label="previous round", zorder=3)
        ax.legend(loc="best", fontsize=8)
    for yi, score in zip(y, data["score"]):
        ax.text(min(score + 1, 92), yi, f"{score:.0f}", va="center", fontsize=9)
    ax.set_yticks(y, [_wrap(t) for t in data["theme_name"]])
    ax.set_xlim(0, 100)
    ax.set_xlabel("Theme score (0-100, weighted)")
    _title(ax, title)
    return stamp(fig, marking, source)


def gap_bar(gaps: pd.DataFrame, title: str, marking: str, source: str, scale: Scale) -> Figure:
    """The gaps given (largest first, as gapkit.scoring.views.gaps orders them), coloured by current level."""
    data = gaps.iloc[::-1]
    fig = _new(8, 0.45 * max(len(data), 2) + 1.9)
    ax = fig.add_subplot()
    if data.empty:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No gaps: every applicable requirement is at its target", ha="center",
                transform=ax.transAxes)
    else:
        palette = level_colours(scale)
        colours = [palette[int(np.floor(lv))] if pd.notna(lv) else NA_COLOUR for lv in data["level"]]
        y = np.arange(len(data))
        ax.barh(y, data["gap_points"], color=colours, edgecolor="#333333", linewidth=0.5)
        ax.margins(y=0.01)  # no empty band above the top bar
        labels = ([f"{ref}: {textwrap.shorten(text, 55)}"
                   for ref, text in zip(data["requirement_id"], data["statement"])]
                  if "statement" in data else list(data["requirement_id"]))
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_xlabel("Gap to target (points of the overall score)")
        ax.legend(handles=level_legend(scale), fontsize=7, loc="best", title="Current level",
                  title_fontsize=7)
    _title(ax, title)
    return stamp(fig, marking, source)


# ---- national -----------------------------------------------------------------------------------------------

def league(league: pd.DataFrame, title: str, marking: str, source: str) -> Figure:
    """Overall scores in the order of views.league, the first at the top."""
    data = league.iloc[::-1]
    fig = _new(8, 0.32 * len(data) + 1.8)
    ax = fig.add_subplot()
    y = np.arange(len(data))
    ax.barh(y, data["score"], color=[RAG_COLOURS.get(r, NA_COLOUR) for r in data["rag"]], edgecolor="#333333",
            linewidth=0.4)
    ax.margins(y=0.01)  # no empty band above the top bar
    ax.set_yticks(y, data["force_name"], fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Overall score (0-100)")
    ax.legend(handles=[Patch(color=RAG_COLOURS[b], label=b) for b in ("red", "amber", "green")], fontsize=8,
              loc="upper left", bbox_to_anchor=(1.01, 1), title="RAG")
    _title(ax, title)
    return stamp(fig, marking, source, legend_outside=True)


ATTENTION_MARK = "!"  # a heatmap cell whose input needs attention (a row of the force's action plan not read)


def heatmap(scores: pd.DataFrame, title: str, marking: str, source: str, scale: Scale) -> Figure:
    """Forces x requirements, coloured by level; not applicable in grey; '!' where the input needs attention (a row
    of the force's action plan about it could not be read: the colour is the level of the rows that were read)."""
    grid = scores.assign(col=scores["requirement_id"]).pivot_table(
        index="force_name", columns="col", values="level", aggfunc="first", sort=False)
    order = scores.drop_duplicates("requirement_id")["requirement_id"].tolist()
    grid = grid.reindex(columns=order)
    fig = _new(max(6, 0.45 * grid.shape[1] + 3), 0.32 * grid.shape[0] + 2)
    ax = fig.add_subplot()
    cmap = ListedColormap(level_colours(scale)).with_extremes(bad=NA_COLOUR)
    ax.imshow(np.ma.masked_invalid(np.floor(grid.to_numpy(dtype=float))), cmap=cmap, vmin=-0.5,
              vmax=scale.maximum + 0.5, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, fontsize=8, rotation=90)
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=8)
    ax.set_xlabel("Requirement")
    handles = level_legend(scale) + [Patch(color=NA_COLOUR, label="Not applicable")]
    flagged = scores[scores["attention"].fillna("") != ""] if "attention" in scores else scores.iloc[0:0]
    if not flagged.empty:
        rows, cols = {n: i for i, n in enumerate(grid.index)}, {c: j for j, c in enumerate(grid.columns)}
        for name, rid in zip(flagged["force_name"], flagged["requirement_id"]):
            if name in rows and rid in cols:
                ax.text(cols[rid], rows[name], ATTENTION_MARK, ha="center", va="center", fontsize=9,
                        fontweight="bold", color="#000000")
        handles.append(Patch(facecolor="#FFFFFF", edgecolor="#333333", linewidth=0.5,
                             label=f"{ATTENTION_MARK} input needs attention"))
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    _title(ax, title)
    return stamp(fig, marking, source, legend_outside=True)


def category_distribution(counts: pd.DataFrame, title: str, marking: str, source: str) -> Figure:
    """Forces per category, worst first (the form HMICFRS published in 2017), from views.category_counts."""
    worst_first = list(counts["category"])
    counts = counts.set_index("category")["forces"]
    fig = _new(7, 4)
    ax = fig.add_subplot()
    colours = (CATEGORY_COLOURS + [NA_COLOUR])[: len(worst_first)]
    bars = ax.bar([_wrap(c, 14) for c in worst_first], counts.values, color=colours,
                  edgecolor="#333333", linewidth=0.5)
    ax.bar_label(bars, fontsize=10)
    ax.set_ylabel("Number of forces")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # forces are counted in whole numbers
    ax.set_ylim(0, max(counts.max(), 1) * 1.2)
    _title(ax, title)
    return stamp(fig, marking, source)


def region_scores(regions: pd.DataFrame, title: str, marking: str, source: str) -> Figure:
    """Mean score per region (views.region_scores), the highest at the top."""
    data = regions.iloc[::-1]
    fig = _new(7, 0.4 * len(data) + 1.8)
    ax = fig.add_subplot()
    ax.barh(data["region"], data["mean_score"], color=OKABE_ITO["blue"])
    ax.margins(y=0.01)  # no empty band above the top bar
    ax.set_xlim(0, 100)
    ax.set_xlabel("Mean overall score of the region's forces")
    _title(ax, title)
    return stamp(fig, marking, source)


def theme_shortfall(shortfall: pd.DataFrame, title: str, marking: str, source: str, threshold: float) -> Figure:
    """Share of forces below the threshold in each theme (views.theme_shortfall), the largest at the top."""
    data = shortfall.iloc[::-1]
    fig = _new(7, 0.45 * len(data) + 1.8)
    ax = fig.add_subplot()
    ax.barh([_wrap(t) for t in data["theme_name"]], data["share_below"], color=OKABE_ITO["vermillion"])
    ax.margins(y=0.01)  # no empty band above the top bar
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"Forces scoring below {threshold:.0f} in the theme (%)")
    _title(ax, title)
    return stamp(fig, marking, source)


def trend(history: pd.DataFrame, title: str, marking: str, source: str) -> Figure:
    """Mean score and the spread across forces, per round."""
    fig = _new(7, 4)
    ax = fig.add_subplot()
    if history["round"].nunique() < 2:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "One round only: a trend needs two or more", ha="center", transform=ax.transAxes)
    else:
        stats = history.groupby("round")["score"].agg(["mean", "min", "max"]).sort_index()
        x = np.arange(len(stats))
        ax.fill_between(x, stats["min"], stats["max"], color=OKABE_ITO["sky"], alpha=0.35, label="range of forces")
        ax.plot(x, stats["mean"], marker="o", color=OKABE_ITO["blue"], label="mean")
        ax.set_xticks(x, stats.index)
        ax.set_ylim(0, 100)
        ax.set_xlabel("Round")
        ax.set_ylabel("Overall score (0-100)")
        ax.legend(fontsize=8)
    _title(ax, title)
    return stamp(fig, marking, source)
