"""The national overview: every force in a round, read from the run's outputs (or scored here when there are none)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gapkit.safety import read_csv
from gapkit import __version__, charts, paths
from gapkit.config import ScoringConfig, default_config
from gapkit.dataset import RoundConfig, list_forces, list_rounds, load_round
from gapkit.frameworks import Catalogue, default_catalogue
from gapkit.report import SYNTHETIC_BANNER, Note, Panel, RoundLabels, build_force_report, force_tables


@dataclass
class Overview(RoundLabels):
    round: RoundConfig
    summary: pd.DataFrame   # headline framework, one row per force that scored
    scores: pd.DataFrame    # requirement rows
    themes: pd.DataFrame
    history: pd.DataFrame   # headline summary rows of every round up to this one
    status: pd.DataFrame    # per force: status (ok / input errors / failed)
    config: ScoringConfig
    catalogue: Catalogue
    charts_dir: Path | None

    def save(self, fig, name: str):
        if self.charts_dir is not None:
            charts.save(fig, self.charts_dir, name)
        return fig


def score_round_here(data_dir: Path, round_id: str) -> dict[str, pd.DataFrame]:
    """Score every force of a round in this process (for a notebook run on its own)."""
    parts: dict[str, list[pd.DataFrame]] = {"summary": [], "scores": [], "themes": []}
    status = []
    for force in list_forces(data_dir, round_id):
        rep = build_force_report(force, round_id, data_dir)
        failed = any(i.severity == "error" for i in rep.assessed.issues)
        status.append({"force": force, "status": "input errors" if failed else "ok"})
        if failed:
            continue
        for name, frame in force_tables(rep).items():
            parts[name].append(frame)
    out = {name: pd.concat(frames, ignore_index=True) if frames else pd.DataFrame() for name, frames in parts.items()}
    out["status"] = pd.DataFrame(status)
    return out


def read_round_outputs(out_dir: Path, round_id: str) -> dict[str, pd.DataFrame] | None:
    folder = Path(out_dir) / round_id
    if not (folder / "summary.csv").exists():
        return None
    summary = read_csv(folder / "summary.csv", dtype={"round": str})
    return {"summary": summary[summary["status"] == "ok"] if "status" in summary else summary,
            "scores": read_csv(folder / "scores.csv", dtype={"round": str}),
            "themes": read_csv(folder / "themes.csv", dtype={"round": str}),
            "status": summary.drop_duplicates("force")[["force", "status"]] if "status" in summary
            else pd.DataFrame({"force": summary["force"].unique(), "status": "ok"})}


def build_overview(round_id: str, data_dir: str | Path = "", out_dir: str | Path = "",
                   charts_dir: str | Path = "") -> Overview:
    """The round's results from a run's output folder, or scored here when `out_dir` is empty or has none."""
    catalogue, config = default_catalogue(), default_config()
    data_dir = Path(data_dir) if data_dir else paths.DEMO_DIR
    out = Path(out_dir) if out_dir else None
    rcfg = load_round(data_dir, round_id, catalogue)
    tables = (read_round_outputs(out, round_id) if out else None) or score_round_here(data_dir, round_id)
    headline = tables["summary"][tables["summary"]["framework"] == rcfg.headline_framework]
    history = []
    for rid in list_rounds(data_dir):
        if rid > round_id:
            continue
        other = tables if rid == round_id else ((read_round_outputs(out, rid) if out else None)
                                                or score_round_here(data_dir, rid))
        cfg = load_round(data_dir, rid, catalogue)
        history.append(other["summary"][other["summary"]["framework"] == cfg.headline_framework])
    return Overview(rcfg, headline, tables["scores"], tables["themes"],
                    pd.concat(history, ignore_index=True), tables["status"], config, catalogue,
                    Path(charts_dir) if charts_dir else None)


def _headline_name(ov: Overview) -> str:
    return ov.catalogue.get(ov.round.headline_framework).short_title


def league_table(ov: Overview) -> Panel:
    items: list = [Note(SYNTHETIC_BANNER, "banner")] if ov.round.synthetic else []
    fig = ov.save(charts.league(ov.summary, f"Overall score by force: {_headline_name(ov)}", ov.marking, ov.source),
                  "league")
    table = ov.summary.sort_values("score", ascending=False)
    items += [fig, pd.DataFrame({"Force": table["force_name"], "Region": table["region"],
                                 "Score": table["score"].round(1), "Category": table["category"],
                                 "RAG": table["rag"], "Overdue items": table["overdue_items"]})]
    problems = ov.status[ov.status["status"] != "ok"]
    if not problems.empty:
        items.append(Note("Not included (see run.json): " + ", ".join(f"{r.force} ({r.status})"
                                                                       for r in problems.itertuples()), "warning"))
    return Panel("League table", items)


def categories(ov: Overview) -> Panel:
    names = ov.config.category_names()
    fig = ov.save(charts.category_distribution(ov.summary, names, f"Forces in each category: {_headline_name(ov)}",
                                               ov.marking, ov.source), "categories")
    counts = ov.summary["category"].value_counts().reindex(list(reversed(names)), fill_value=0)
    table = pd.DataFrame({"Category": counts.index, "Forces": counts.values})
    note = Note("HMICFRS's review of 2017 found 11 forces with insufficient information, 15 with a plan not started, "
                "15 started and 2 with all elements in place (HMICFRS, 5 October 2017).")
    return Panel("Forces in each category", [fig, table, note])


def heatmap(ov: Overview) -> Panel:
    fid = "npcc-apsp-2017" if "npcc-apsp-2017" in ov.round.frameworks else ov.round.headline_framework
    data = ov.scores[ov.scores["framework"] == fid]
    fig = ov.save(charts.heatmap(data, f"Level by requirement: {ov.catalogue.get(fid).short_title}", ov.marking,
                                 ov.source), "heatmap")
    return Panel("Levels by requirement", [fig])


def regions(ov: Overview) -> Panel:
    fig = ov.save(charts.region_scores(ov.summary, f"Mean score by region: {_headline_name(ov)}", ov.marking,
                                       ov.source), "regions")
    table = ov.summary.groupby("region", as_index=False).agg(forces=("force", "count"), mean_score=("score", "mean"))
    return Panel("Scores by region", [fig, table.round(1)])


def shortfall(ov: Overview) -> Panel:
    fid = "npcc-apsp-2017" if "npcc-apsp-2017" in ov.round.frameworks else ov.round.headline_framework
    themes = ov.themes[ov.themes["framework"] == fid]
    fig = ov.save(charts.theme_shortfall(themes, f"Where forces fall short: {ov.catalogue.get(fid).short_title}",
                                         ov.marking, ov.source), "shortfall")
    table = themes.groupby("theme_name", as_index=False)["score"].agg(["mean", "min", "max"]).round(1)
    return Panel("Themes where most forces fall short", [fig, table])


def trend(ov: Overview) -> Panel:
    fig = ov.save(charts.trend(ov.history, f"Trend across rounds: {_headline_name(ov)}", ov.marking, ov.source),
                  "trend")
    table = ov.history.groupby("round", as_index=False)["score"].agg(["count", "mean", "min", "max"]).round(1)
    return Panel("Trend across rounds", [fig, table])


def provenance(ov: Overview) -> Panel:
    versions = pd.DataFrame([{"Framework": f, "Version": ov.catalogue.get(f).version} for f in ov.round.frameworks])
    items: list = [Note(f"gapkit {__version__}; scoring settings {ov.config.version}; marking {ov.marking}; "
                        f"as of {ov.round.as_of}. Method: docs/methodology.md."), versions]
    if ov.round.synthetic:
        items.insert(0, Note(SYNTHETIC_BANNER, "banner"))
    return Panel("Method and provenance", items)
