"""The per-force report: what the force notebook shows, section by section, and the files it writes."""

from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from gapkit import __version__, charts, paths
from gapkit.config import ScoringConfig, default_config
from gapkit.dataset import ForceAssessment, RoundConfig, assess_force, input_hashes, load_round
from gapkit.errors import errors_only
from gapkit.forces import lookup, registry
from gapkit.frameworks import Catalogue, default_catalogue, requirements_table
from gapkit.safety import safe_frame
from gapkit.scoring import Scores, score

SYNTHETIC_BANNER = "SYNTHETIC DEMONSTRATION DATA - fictional forces, not real police data"
PANEL_STYLE = ("<style>.gapkit-panel table.gapkit-table{border-collapse:collapse;font-size:13px;margin:6px 0 14px;"
               "table-layout:auto}"
               ".gapkit-panel table.gapkit-table th{background:#1F3864!important;color:#fff!important;"
               "text-align:left!important;padding:4px 6px;vertical-align:top}"
               ".gapkit-panel table.gapkit-table td{text-align:left!important;padding:4px 6px;vertical-align:top;"
               "border-bottom:1px solid #ddd;max-width:420px;white-space:pre-wrap}</style>")
NOTE_STYLES = {"banner": "background:#FFF2CC;border:2px solid #C00000;color:#C00000;font-weight:bold;padding:6px",
               "warning": "color:#9C2700;font-weight:bold"}


# ---- display ------------------------------------------------------------------------------------------------

@dataclass
class Panel:
    """A notebook section's output: headings, notes, tables and charts, shown as HTML."""

    title: str
    items: list = field(default_factory=list)

    def _repr_html_(self) -> str:
        parts = [f"<section class='gapkit-panel' aria-label='{html.escape(self.title)}'>{PANEL_STYLE}"]
        for item in self.items:
            if isinstance(item, Figure):
                parts.append(f"<img alt='{html.escape(_figure_title(item))}' style='max-width:100%' "
                             f"src='data:image/png;base64,{figure_png(item)}'/>")
            elif isinstance(item, pd.DataFrame):
                parts.append(item.to_html(index=False, escape=True, na_rep="", border=0, classes="gapkit-table"))
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


def _figure_title(fig: Figure) -> str:
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    return titles[0] if titles else "chart"


def figure_png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")


# ---- building the report ------------------------------------------------------------------------------------

class RoundLabels:
    """The marking and source line every output of a round carries (reports, charts, packs)."""

    round: RoundConfig

    @property
    def marking(self) -> str:
        return self.round.marking

    @property
    def source(self) -> str:
        base = f"Source: gapkit {__version__}, round {self.round.round}, as of {self.round.as_of}"
        return f"{base}. {SYNTHETIC_BANNER}" if self.round.synthetic else base


@dataclass
class ForceReport(RoundLabels):
    force: pd.Series
    round: RoundConfig
    assessed: ForceAssessment
    scores: Scores
    previous: Scores | None
    requirements: pd.DataFrame  # catalogue texts
    config: ScoringConfig
    catalogue: Catalogue
    data_dir: Path
    out_dir: Path | None

    @cached_property
    def scored(self) -> pd.DataFrame:
        """Requirement scores with each requirement's statement (what tables and charts show)."""
        return self.scores.requirements.merge(self.requirements[["framework", "requirement_id", "statement"]],
                                              on=["framework", "requirement_id"], how="left")

    @property
    def charts_dir(self) -> Path | None:
        return self.out_dir / "charts" if self.out_dir else None

    def save(self, fig: Figure, name: str) -> Figure:
        if self.charts_dir is not None:
            charts.save(fig, self.charts_dir, name)
        return fig


def score_force(assessed: ForceAssessment, rcfg: RoundConfig, catalogue: Catalogue,
                config: ScoringConfig) -> Scores:
    frame = assessed.assessment
    if frame.empty:  # nothing at all: every requirement counts as no information
        frame = pd.DataFrame([{"force": assessed.force, "round": assessed.round,
                               "framework": rcfg.headline_framework,
                               "requirement_id": catalogue.get(rcfg.headline_framework).requirements[0].id,
                               "level": 0.0, "level_source": "not-assessed"}])
        from gapkit.assessment import normalise
        frame = normalise(frame)
    return score(frame, catalogue, config, as_of=rcfg.as_of, framework_ids=rcfg.frameworks, grouping=rcfg.grouping)


def build_force_report(force: str, round_id: str, data_dir: str | Path, out_dir: str | Path | None = None,
                       as_of: str | None = None, frameworks: list[str] | None = None) -> ForceReport:
    """Read, combine and score one force for one round (and its previous round, if there is one)."""
    catalogue, config = default_catalogue(), default_config()
    data_dir = Path(data_dir) if data_dir else paths.DEMO_DIR
    rcfg = load_round(data_dir, round_id, catalogue)
    if as_of:
        rcfg = rcfg.model_copy(update={"as_of": pd.Timestamp(as_of).date()})
    if frameworks:
        rcfg = rcfg.model_copy(update={"frameworks": list(frameworks)})
    force_row = lookup(force, registry(data_dir / "forces.csv"))
    force_id = force_row["force_id"]
    assessed = assess_force(data_dir, round_id, force_id, catalogue, config)
    scores = score_force(assessed, rcfg, catalogue, config)
    previous = None
    if rcfg.previous:
        prev_cfg = load_round(data_dir, rcfg.previous, catalogue)
        prev_assessed = assess_force(data_dir, rcfg.previous, force_id, catalogue, config)
        if not prev_assessed.failed and prev_assessed.inputs:
            previous = score_force(prev_assessed, prev_cfg, catalogue, config)
    return ForceReport(force_row, rcfg, assessed, scores, previous, requirements_table(catalogue, rcfg.frameworks),
                       config, catalogue, data_dir, Path(out_dir) if out_dir else None)


# ---- sections -----------------------------------------------------------------------------------------------

def _name(rep: ForceReport, fid: str) -> str:
    return rep.catalogue.get(fid).short_title


def headline(rep: ForceReport) -> Panel:
    """Overall score, category and RAG per framework, and the change since the previous round."""
    items: list = []
    if rep.round.synthetic:
        items.append(Note(SYNTHETIC_BANNER, "banner"))
    items.append(Note(f"{rep.force['official_name']} - {rep.round.title}. Marking: {rep.marking}. "
                      f"As of {rep.round.as_of}."))
    errors = errors_only(rep.assessed.issues)
    if errors:
        items.append(Note(f"{len(errors)} input error(s): the force's submission could not be used; see Method "
                          "and provenance. Scores below rest on the other inputs only.", "warning"))
    table = rep.scores.overall.copy()
    if rep.previous is not None:
        prev = rep.previous.overall[["framework", "score", "category"]].rename(
            columns={"score": "previous_score", "category": "previous_category"})
        table = table.merge(prev, on="framework", how="left")
        table["change"] = table["score"] - table["previous_score"]
    else:
        table["previous_score"], table["previous_category"], table["change"] = None, "", None
    table["framework_name"] = table["framework"].map(lambda f: _name(rep, f))
    table["headline"] = table["framework"] == rep.round.headline_framework
    table = table.sort_values(["headline", "framework"], ascending=[False, True])
    shown = pd.DataFrame({
        "Framework": table["framework_name"], "Score (0-100)": table["score"].round(1),
        "Category": table["category"], "RAG": table["rag"], "Overdue items": table["overdue_items"],
        "Previous score": table["previous_score"].astype(float).round(1),
        "Change": table["change"].astype(float).round(1), "Previous category": table["previous_category"].fillna(""),
    })
    items.append(shown)
    return Panel("Headline", items)


def _framework_focus(rep: ForceReport) -> str:
    """The framework whose themes are charted: the NPCC strategy if in the round, else the headline one."""
    return "npcc-apsp-2017" if "npcc-apsp-2017" in rep.round.frameworks else rep.round.headline_framework


def theme_scores(rep: ForceReport) -> Panel:
    fid = _framework_focus(rep)
    themes = rep.scores.themes[rep.scores.themes["framework"] == fid]
    prev = rep.previous.themes[rep.previous.themes["framework"] == fid] if rep.previous is not None else None
    title = f"{rep.force['short_name']}: theme scores against the {_name(rep, fid)}"
    bar = rep.save(charts.theme_bar(themes, title, rep.marking, rep.source, prev), "theme_bar")
    radar = rep.save(charts.theme_radar(themes, title, rep.marking, rep.source), "theme_radar")
    all_themes = rep.scores.themes.assign(Framework=lambda d: d["framework"].map(lambda f: _name(rep, f)))
    table = pd.DataFrame({"Framework": all_themes["Framework"], "Theme": all_themes["theme_name"],
                          "Score": all_themes["score"].round(1), "Requirements": all_themes["requirements"],
                          "Not applicable": all_themes["not_applicable"]})
    return Panel("Theme scores", [bar, radar, table])


def gap_rows(rep: ForceReport, limit: int | None = 20) -> pd.DataFrame:
    reqs = rep.scored
    gaps = reqs[reqs["applicable"] & (reqs["gap"] > 0)].sort_values("gap_points", ascending=False)
    return gaps.head(limit) if limit else gaps


def gap_table(rep: ForceReport) -> Panel:
    """The largest weighted gaps, with level, target, rationale and evidence quotes."""
    fid = _framework_focus(rep)
    reqs = rep.scored
    fig = rep.save(charts.gap_bar(reqs[reqs["framework"] == fid],
                                  f"{rep.force['short_name']}: largest gaps against the {_name(rep, fid)}",
                                  rep.marking, rep.source), "gaps")
    gaps = gap_rows(rep)
    scale = rep.config.scale("hmicfrs-2017")
    table = pd.DataFrame({
        "Framework": gaps["framework"], "Ref": gaps["requirement_id"], "Requirement": gaps["statement"],
        "Level": gaps["level"].map(scale.label), "Target": gaps["target"].map(scale.label),
        "Gap (points)": gaps["gap_points"].round(1), "Level from": gaps["level_source"],
        "Credit from": gaps["credit_from"], "Rationale": gaps["rationale"].str.slice(0, 300),
        "Evidence": gaps["evidence_refs"].str.slice(0, 400),
    })
    return Panel("Largest gaps", [fig, table if not table.empty else Note("No gaps to target.")])


def action_health(rep: ForceReport) -> Panel:
    """Owners, due dates and overdue items in the force's action plan."""
    reqs = rep.scores.requirements
    with_action = reqs[(reqs["action"] != "") & reqs["applicable"]]
    open_items = with_action[with_action["level"] < with_action["max_level"]]
    stats = pd.DataFrame([{
        "Requirements with an action": len(with_action),
        "Open (not yet in place)": len(open_items),
        "Open without an owner": int((open_items["owner"] == "").sum()),
        "Open without a due date": int(open_items["due_date"].isna().sum()),
        "Overdue": int(reqs["overdue"].sum()),
    }])
    overdue = reqs[reqs["overdue"]]
    table = pd.DataFrame({
        "Framework": overdue["framework"], "Ref": overdue["requirement_id"], "Action": overdue["action"],
        "Owner": overdue["owner"], "Due date": overdue["due_date"].dt.date,
        "Deadline": overdue["deadline"].dt.date,
        "Why overdue": [", ".join(w for w, f in (("past due date", a), ("past deadline", b)) if f)
                        for a, b in zip(overdue["past_due_date"], overdue["past_deadline"])],
    })
    items = [stats, Note(f"Overdue means not yet in place and past its due date or the requirement's deadline, "
                         f"as of {rep.round.as_of}.")]
    items.append(table if not table.empty else Note("No overdue items."))
    return Panel("Action plan health", items)


def evidence_found(rep: ForceReport) -> Panel:
    """Passages found in the plan documents, with the suggested level and why."""
    sugg = rep.assessed.suggestions
    items: list = []
    plan_issues = [i for i in rep.assessed.issues if Path(i.file).suffix.lower() in (".docx", ".pdf", ".md", ".txt")]
    for issue in plan_issues:
        items.append(Note(str(issue), "warning"))
    if sugg.empty or (sugg["similarity"] == 0).all():
        items.append(Note("No plan documents, or nothing in them matched a requirement."))
        return Panel("Evidence in plan documents", items)
    found = sugg[sugg["similarity"] > 0].sort_values(["framework", "requirement_id"])
    scale = rep.config.scale("hmicfrs-2017")
    items.append(pd.DataFrame({
        "Framework": found["framework"], "Ref": found["requirement_id"],
        "Suggested level": found["level"].map(scale.label), "Confidence": found["confidence"],
        "Why": found["rationale"], "Quotes (file, place)": found["evidence_refs"].str.slice(0, 600),
    }))
    items.append(Note("Suggestions never override the force's or the inspector's level; they fill requirements "
                      "neither has judged, marked 'auto-suggested'."))
    return Panel("Evidence in plan documents", items)


def change_since_previous(rep: ForceReport) -> Panel:
    if rep.previous is None:
        return Panel("Change since the previous round", [Note("No previous round for this force.")])
    key = ["framework", "requirement_id"]
    now = rep.scores.requirements[key + ["level"]]
    before = rep.previous.requirements[key + ["level"]].rename(columns={"level": "previous_level"})
    both = now.merge(before, on=key)
    changed = both[both["level"].fillna(-1) != both["previous_level"].fillna(-1)]
    scale = rep.config.scale("hmicfrs-2017")
    table = pd.DataFrame({
        "Framework": changed["framework"], "Ref": changed["requirement_id"],
        "Previous level": changed["previous_level"].map(scale.label), "Level now": changed["level"].map(scale.label),
        "Change": (changed["level"] - changed["previous_level"]).round(1),
    }).sort_values("Change")
    note = Note(f"Compared with round {rep.round.previous}: {int((table['Change'] > 0).sum())} requirement(s) up, "
                f"{int((table['Change'] < 0).sum())} down.")
    return Panel("Change since the previous round", [note, table if not table.empty else Note("No change.")])


def provenance(rep: ForceReport) -> Panel:
    """Framework versions, scoring settings, input file hashes, gapkit version, marking and input issues."""
    versions = pd.DataFrame([{"Framework": fid, "Title": rep.catalogue.get(fid).short_title,
                              "Version": rep.catalogue.get(fid).version,
                              "Unverified requirements": sum(r.verification == "unverified"
                                                             for r in rep.catalogue.get(fid).requirements)}
                             for fid in rep.round.frameworks])
    hashes = input_hashes(rep.assessed.inputs, rep.data_dir)
    inputs = pd.DataFrame([{"File": k, "SHA-256": v[:16] + "..."} for k, v in hashes.items()])
    items: list = [
        Note(f"gapkit {__version__}; scoring settings {rep.config.version}; crosswalk "
             f"{rep.catalogue.crosswalk.version}; marking {rep.marking}; as of {rep.round.as_of}. "
             "Method: docs/methodology.md."),
        versions,
        inputs if not inputs.empty else Note("No input files."),
    ]
    if rep.round.synthetic:
        items.insert(0, Note(SYNTHETIC_BANNER, "banner"))
    if rep.assessed.issues:
        items.append(pd.DataFrame([{"Severity": i.severity, "File": Path(i.file).name, "Where": i.where,
                                    "Problem": i.message, "What to do": i.fix} for i in rep.assessed.issues]))
    return Panel("Method and provenance", items)


# ---- files --------------------------------------------------------------------------------------------------

def force_tables(rep: ForceReport) -> dict[str, pd.DataFrame]:
    """The per-force rows that go into the round's summary.csv, scores.csv and themes.csv."""
    force_id, name = rep.force["force_id"], rep.force["official_name"]
    overall = rep.scores.overall.assign(force_name=name, region=rep.force["region"], synthetic=rep.round.synthetic,
                                        headline=lambda d: d["framework"] == rep.round.headline_framework)
    reqs = rep.scored.assign(force_name=name, synthetic=rep.round.synthetic)
    themes = rep.scores.themes.assign(force_name=name, synthetic=rep.round.synthetic)
    return {"summary": overall.assign(force=force_id), "scores": reqs, "themes": themes}


def write_outputs(rep: ForceReport) -> Panel:
    """Write the force's CSVs and workbook into the output folder."""
    if rep.out_dir is None:
        return Panel("Files", [Note("No output folder given: nothing written.")])
    from gapkit.workbooks import write_force_workbook

    rep.out_dir.mkdir(parents=True, exist_ok=True)
    tables = force_tables(rep)
    for name, frame in tables.items():
        safe_frame(frame).to_csv(rep.out_dir / f"{name}.csv", index=False)
    suggestions = rep.assessed.suggestions
    safe_frame(suggestions).to_csv(rep.out_dir / "evidence.csv", index=False)
    (rep.out_dir / "issues.json").write_text(json.dumps([vars(i) for i in rep.assessed.issues], indent=1))
    book = write_force_workbook(rep, rep.out_dir / f"{rep.force['force_id']}-{rep.round.round}.xlsx")
    files = sorted(p.name for p in rep.out_dir.iterdir() if p.is_file()) + \
        sorted(f"charts/{p.name}" for p in (rep.out_dir / "charts").glob("*")) if rep.charts_dir else []
    return Panel("Files", [Note(f"Written to {rep.out_dir.name}/: " + ", ".join(files)), Note(f"Workbook: {book.name}")])
