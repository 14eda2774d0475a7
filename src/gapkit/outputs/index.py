"""OUT/index.html: one page listing what a run made, every round and force with its headline category, score, RAG
and status, and links to each report, notebook, workbook, national overview and board pack. Its tables sort (click
a heading) and filter (type in the box) with a few lines of inline script: no network, no library to fetch."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from gapkit import __version__
from gapkit.core import paths
from gapkit.core.fileio import write_text
from gapkit.outputs.display import SYNTHETIC_BANNER
from gapkit.scoring.files import has_model
from gapkit.scoring.store import read_model

INDEX = paths.INDEX_PAGE


@dataclass
class ForceRow:
    force: str
    name: str
    region: str
    status: str
    detail: str
    category: str
    score: float | None
    rag: str
    change: float | None
    overdue: int | None
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, relative address)
    rows_not_read: int = 0  # rows of the force's action plan that could not be read


@dataclass
class RoundEntry:
    round: str
    title: str
    marking: str
    framework_changes: list[str]  # "npcc-apsp-2017: framework changed from 2017.1 (round 2017) to 2017.2"
    headline: str  # the headline framework's name
    synthetic: bool
    links: list[tuple[str, str]]
    forces: list[ForceRow]


def _link(out_dir: Path, path: Path, text: str) -> list[tuple[str, str]]:
    return [(text, path.relative_to(out_dir).as_posix())] if path.exists() else []


def _round_entry(out_dir: Path, round_dir: Path) -> RoundEntry:
    model = read_model(round_dir, validate=False)  # checked against the schemas by the run that wrote it
    rnd = round_dir.name
    run_json = round_dir / "run.json"
    try:  # gapkit's own record of the run; without it the page still lists the round
        facts = json.loads(run_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        facts = {}
    links = (_link(out_dir, round_dir / "national" / "national_overview.html", "National overview")
             + _link(out_dir, round_dir / "national" / "national_overview.ipynb", "notebook")
             + [link for suffix, text in ((".xlsx", "Board pack (Excel)"), (".html", "Board pack (HTML)"),
                                          (".pdf", "Board pack (PDF)"))
                for link in _link(out_dir, round_dir / f"board-pack-{rnd}{suffix}", text)]
             + _link(out_dir, round_dir / "summary.csv", "summary.csv"))
    headline = model.overall[model.overall["headline"]].set_index("force")
    rows = []
    for f in model.forces.sort_values("force_name").itertuples():
        h = headline.loc[f.force] if f.force in headline.index else None
        unread = getattr(f, "rows_not_read", 0)
        folder = round_dir / f.force
        rows.append(ForceRow(
            f.force, f.force_name, f.region, f.status, f.status_detail,
            h["category"] if h is not None else "",
            None if h is None or pd.isna(h["score"]) else float(h["score"]),
            h["rag"] if h is not None else "",
            None if h is None or pd.isna(h["change"]) else float(h["change"]),
            None if h is None else int(h["force_overdue_items"]),  # all frameworks, as the pack and overview
            _link(out_dir, folder / f"{f.force}.html", "Report") + _link(out_dir, folder / f"{f.force}.ipynb",
                                                                         "Notebook")
            + _link(out_dir, folder / f"{f.force}-{rnd}.xlsx", "Workbook"),
            0 if pd.isna(unread) else int(unread)))
    name = model.overall.loc[model.overall["headline"], "framework_name"]
    synthetic = bool(model.forces["force"].size and model.overall["synthetic"].any())
    changes = [str(c.get("note", "")) for c in facts.get("framework_changes") or [] if isinstance(c, dict)]
    return RoundEntry(rnd, facts.get("title", f"Round {rnd}"), facts.get("marking", ""), changes,
                      name.iloc[0] if len(name) else "", synthetic, links, rows)


def build_index(out_dir: Path) -> str:
    """The index page's HTML for every round in `out_dir` that has a round model."""
    out_dir = Path(out_dir)
    rounds = [_round_entry(out_dir, d) for d in sorted(p for p in out_dir.iterdir() if p.is_dir()
                                                        and not p.name.startswith(".") and has_model(p))]
    env = Environment(loader=PackageLoader("gapkit.outputs", "templates"), autoescape=select_autoescape(["j2"]))
    return env.get_template("index.html.j2").render(
        rounds=rounds, synthetic=any(r.synthetic for r in rounds), banner=SYNTHETIC_BANNER, version=__version__,
        made=dt.datetime.now().isoformat(timespec="minutes"))


def write_index(out_dir: Path) -> Path:
    """Write OUT/index.html (atomically; it is cheap, so it is made again after every run)."""
    return write_text(Path(out_dir) / INDEX, build_index(out_dir))
