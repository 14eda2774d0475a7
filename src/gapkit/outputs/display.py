"""What every output shows the same way: the synthetic-data banner, the marking and source line, and the panels
(headings, notes, tables, charts) a notebook section displays."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gapkit import __version__
from gapkit.catalogue.frameworks import Catalogue
from gapkit.catalogue.settings import ScoringConfig
from gapkit.core.fileio import atomic_path, write_bytes
from gapkit.inputs.context import RoundContext
from gapkit.inputs.layout import RoundConfig

SYNTHETIC_BANNER = "SYNTHETIC DEMONSTRATION DATA - fictional forces, not real police data"
PANEL_STYLE = ("<style>.gapkit-panel table.gapkit-table{border-collapse:collapse;font-size:13px;margin:6px 0 14px;"
               "table-layout:auto}"
               ".gapkit-panel table.gapkit-table th{background:#1F3864!important;color:#fff!important;"
               "text-align:left!important;padding:4px 6px;vertical-align:top}"
               ".gapkit-panel table.gapkit-table td{text-align:left!important;padding:4px 6px;vertical-align:top;"
               "border-bottom:1px solid #ddd;max-width:420px;white-space:pre-wrap}"
               ".gapkit-panel .rag{font-weight:bold;padding:1px 6px;border-radius:3px;color:#1b1b1b}"
               ".gapkit-panel .rag-red{background:#F4B183}.gapkit-panel .rag-amber{background:#FFE699}"
               ".gapkit-panel .rag-green{background:#A9D08E}</style>")
RAG_WORDS = ("red", "amber", "green")  # shown in colour with the word, in every RAG column (the pack uses the same)
NOTE_STYLES = {"banner": "background:#FFF2CC;border:2px solid #C00000;color:#C00000;font-weight:bold;padding:6px",
               "warning": "color:#9C2700;font-weight:bold"}


CHART_DPI = 150  # sharp on screen and in print; shown at the figure's size in inches x 100 pixels
# a chart's largest image: a 200-force heatmap (66 x 20 inches) would be 29 million pixels at CHART_DPI, about
# 120 MB to draw in every process that draws it; above this, the resolution is lowered to fit
MAX_CHART_PIXELS = 12_000_000


@dataclass
class Chart:
    """A chart drawn once: the same PNG bytes go into the HTML report and the PNG file. SVG only when asked for."""

    figure: Figure
    name: str = "chart"

    @cached_property
    def png(self) -> bytes:
        buf = io.BytesIO()
        # glyphs drawn without font hinting: the same look at this resolution, and a sixth less drawing time
        with matplotlib.rc_context({"text.hinting": "none"}):
            self.figure.savefig(buf, format="png", dpi=chart_dpi(self.figure))
        # a fresh canvas: the one just drawn on keeps its full-size image buffer (48 MB for a 200-force chart)
        # for as long as the figure lives, and the figure lives as long as its notebook's output
        FigureCanvasAgg(self.figure)
        return buf.getvalue()

    @property
    def title(self) -> str:
        titles = [ax.get_title() for ax in self.figure.axes if ax.get_title()]
        return " ".join(titles[0].split()) if titles else "chart"

    def html(self) -> str:
        width = int(self.figure.get_figwidth() * 100)
        return (f"<img alt='{html.escape(self.title)}' width='{width}' style='max-width:100%;height:auto' "
                f"src='data:image/png;base64,{base64.b64encode(self.png).decode('ascii')}'/>")

    def save(self, folder: Path, svg: bool = False) -> list[Path]:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = [write_bytes(folder / f"{self.name}.png", self.png)]
        if svg:
            target = folder / f"{self.name}.svg"
            with atomic_path(target) as tmp:
                self.figure.savefig(tmp, format="svg", metadata={"Date": None})
            written.append(target)
        return written


def chart_dpi(figure: Figure) -> float:
    """CHART_DPI, or less for a figure so large that its image would exceed MAX_CHART_PIXELS."""
    width, height = figure.get_size_inches()
    return min(CHART_DPI, (MAX_CHART_PIXELS / (width * height)) ** 0.5)


def forces_with_reports(round_folder: Path, forces: pd.DataFrame) -> set[str]:
    """The forces of a run's round folder whose report can be linked: it is there, or the round's model says the
    force did not fail (a run makes the national overview and the pack while the forces' reports are being
    written; when one of those fails, the run makes both again)."""
    return {force for force, status in zip(forces["force"], forces["status"])
            if status != "failed" or (Path(round_folder) / force / f"{force}.html").exists()}


@dataclass(frozen=True)
class Link:
    """A table cell that links to another report (relative address)."""

    text: str
    href: str

    def html(self) -> str:
        return f"<a href='{html.escape(self.href, quote=True)}'>{html.escape(self.text)}</a>"

    def __str__(self) -> str:
        return self.text


SHORT_TOKEN = 12  # a cell of one word at most this long ("CAP-1", "2019-06-28") is never broken across lines


def _cell_html(value: object) -> object:
    if isinstance(value, Link):
        return value.html()
    if isinstance(value, str):
        if 0 < len(value) <= SHORT_TOKEN and not any(c.isspace() for c in value):
            return f"<span style='white-space:nowrap'>{html.escape(value)}</span>"
        return html.escape(value).replace("\n", "<br>")
    return value


def _rag_html(value: object) -> object:
    if isinstance(value, str) and value in RAG_WORDS:
        return f"<span class='rag rag-{value}'>{value}</span>"
    return _cell_html(value)


def table_html(frame: pd.DataFrame) -> str:
    """A table with every text escaped and its line breaks kept; Link cells become links; a RAG column shows each
    rating in its colour, with its word."""
    safe = frame.map(_cell_html) if len(frame) else frame.copy()
    for col in frame.columns:
        if str(col) == "RAG" and len(frame):
            safe[col] = frame[col].map(_rag_html)
    safe.columns = [html.escape(str(c)) for c in frame.columns]
    return safe.to_html(index=False, escape=False, na_rep="", border=0, classes="gapkit-table")


EVIDENCE_HEADER = "Evidence (each line: who cited it, where)"  # the evidence column of the workbooks


def clip_lines(texts: pd.Series, limit: int = 300) -> pd.Series:
    """Each line of each text cut to `limit` characters (with an ellipsis), for a table cell: every line of labelled
    evidence keeps its label (who cited it and where) however long the quote."""
    def clip(text: object) -> str:
        lines = str(text or "").split("\n")
        return "\n".join(line if len(line) <= limit else line[: limit - 1].rstrip() + "…" for line in lines)
    return texts.map(clip)


@dataclass
class Panel:
    """A notebook section's output: headings, notes, tables and charts, shown as HTML."""

    title: str
    items: list = field(default_factory=list)

    def _repr_html_(self) -> str:
        parts = [f"<section class='gapkit-panel' aria-label='{html.escape(self.title)}'>{PANEL_STYLE}"]
        for item in self.items:
            if isinstance(item, Figure):
                item = Chart(item)
            if isinstance(item, Chart):
                parts.append(item.html())
            elif isinstance(item, pd.DataFrame):
                parts.append(table_html(item))
            elif isinstance(item, Link):
                parts.append(f"<p class='gapkit-link'>{item.html()}</p>")
            elif isinstance(item, Note):
                style = NOTE_STYLES.get(item.kind, "")
                parts.append(f"<p class='gapkit-{item.kind}' style='{style}'>{html.escape(item.text)}</p>")
            else:
                parts.append(f"<p>{html.escape(str(item))}</p>")
        parts.append("</section>")
        return "\n".join(parts)


@dataclass
class Note:
    text: str
    kind: str = "note"  # note | banner | warning


class RoundLabels:
    """What every output of a round reads from its context: the round, catalogue and settings, and the marking and
    source line it carries (reports, charts, packs). Subclasses are dataclasses with a `ctx` field."""

    ctx: RoundContext

    @property
    def round(self) -> RoundConfig:
        return self.ctx.round

    @property
    def catalogue(self) -> Catalogue:
        return self.ctx.catalogue

    @property
    def config(self) -> ScoringConfig:
        return self.ctx.settings

    def framework_name(self, framework_id: str) -> str:
        return self.ctx.catalogue.get(framework_id).short_title

    @property
    def marking(self) -> str:
        return self.round.marking

    @property
    def source(self) -> str:
        base = f"Source: gapkit {__version__}, round {self.round.round}, as of {self.round.as_of}"
        return f"{base}. {SYNTHETIC_BANNER}" if self.round.synthetic else base
