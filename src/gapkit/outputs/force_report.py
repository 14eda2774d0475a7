"""The per-force report: what the force notebook shows, section by section, and the files it writes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from gapkit import __version__
from gapkit.catalogue.forces import lookup
from gapkit.core.errors import Issue
from gapkit.inputs.context import RoundContext
from gapkit.inputs.plans import PLAN_SUFFIXES
from gapkit.outputs import charts
from gapkit.outputs.display import SYNTHETIC_BANNER, Chart, Link, Note, Panel, RoundLabels, clip_lines
from gapkit.outputs.index import INDEX
from gapkit.outputs.force_workbook import write_force_workbook
from gapkit.scoring import views
from gapkit.scoring.compute import force_model
from gapkit.scoring.model import RoundModel
from gapkit.scoring.store import read_model, write_model

@dataclass
class ForceReport(RoundLabels):
    """One force in one round: its context and its model (which carries the previous round's figures too)."""

    ctx: RoundContext
    force: pd.Series
    model: RoundModel
    out_dir: Path | None
    svg: bool = False  # also write each chart as SVG
    model_dir: Path | None = None  # where its model was read from: a run's folder (None: computed here)

    @property
    def in_run(self) -> bool:
        """Made by gapkit run (its model read from the run's folder): the run's index is two folders up."""
        return self.model_dir is not None

    @property
    def has_previous(self) -> bool:
        return bool(self.round.previous) and self.model.requirements["previous_level"].notna().any()

    @property
    def rows_not_read(self) -> int:
        """Rows of the force's action plan that could not be read (the headline's figure)."""
        forces = self.model.forces
        return int(forces["rows_not_read"].iloc[0]) if len(forces) and "rows_not_read" in forces else 0

    @property
    def framework_changes(self) -> list[str]:
        """A note for each framework whose version changed since the previous round (views.framework_changes)."""
        return list(views.framework_changes(self.model.overall)["note"])

    @property
    def charts_dir(self) -> Path | None:
        return self.out_dir / "charts" if self.out_dir else None

    def save(self, fig: Figure, name: str) -> Chart:
        """The chart drawn once, written to the charts folder (PNG; SVG too when asked) and shown from the same
        bytes."""
        chart = Chart(fig, name)
        if self.charts_dir is not None:
            chart.save(self.charts_dir, svg=self.svg)
        return chart


def build_force_report(force: str, round_id: str, data_dir: str | Path, out_dir: str | Path | None = None,
                       as_of: str | None = None, frameworks: list[str] | None = None,
                       model_dir: str | Path | None = None, svg: bool = False) -> ForceReport:
    """One force's report for one round: its model read from `model_dir` when a run computed it there, else read,
    combined and scored here (with its previous round, if there is one)."""
    ctx = RoundContext.load(data_dir, round_id, as_of=as_of, frameworks=frameworks)
    force_row = lookup(force, ctx.forces)
    if model_dir:  # the schemas' types; their checks are made on the round's model, once per run
        model = read_model(Path(model_dir), validate=False).force(force_row["force_id"])
    else:
        model = force_model(ctx, force_row["force_id"])
    return ForceReport(ctx, force_row, model, Path(out_dir) if out_dir else None, svg,
                       model_dir=Path(model_dir) if model_dir else None)


# ---- sections -----------------------------------------------------------------------------------------------

def headline(rep: ForceReport) -> Panel:
    """Overall score, category with its reason, and RAG per framework, and the change since the previous round."""
    items: list = []
    if rep.round.synthetic:
        items.append(Note(SYNTHETIC_BANNER, "banner"))
    items.append(Note(f"{rep.force['official_name']} - {rep.round.title}. Marking: {rep.marking}. "
                      f"As of {rep.round.as_of}."))
    if rep.in_run:  # OUT/ROUND/FORCE/FORCE.html -> OUT/index.html
        items.append(Link("Index of this run: every round, force, report and board pack", f"../../{INDEX}"))
    if rep.rows_not_read:
        items.append(Note(f"{views.rows_not_read_text(rep.rows_not_read)} The requirements those rows were about "
                          f"show '{views.ATTENTION}'; their scores rest on the rows that were read.", "warning"))
    errors = _other_errors(rep.model.issues)
    if len(errors):
        other = " other" if rep.rows_not_read else ""
        items.append(Note(f"{len(errors)}{other} input error(s): some inputs could not be used; see Method and "
                          "provenance. Scores below rest on the other inputs only.", "warning"))
    table = rep.model.overall.sort_values(["headline", "framework"], ascending=[False, True])
    shown = pd.DataFrame({
        "Framework": table["framework_name"], "Score (0-100)": table["score"].round(1),
        "Category": table["category"], "Why this category": table["category_reason"], "RAG": table["rag"],
        "Open items": table["open_items"], "Overdue items": table["overdue_items"],
        "Contradictions": table["contradictions"],
        "Previous score": table["previous_score"].round(1), "Change": table["change"].round(1),
        "Previous category": table["previous_category"],
    })
    items.append(shown)
    total = int(rep.model.overall["force_overdue_items"].iloc[0]) if len(rep.model.overall) else 0
    items.append(Note(f"Overdue items, all frameworks: {total}. Overdue means not yet in place and past its due "
                      f"date or the requirement's deadline, as of {rep.round.as_of}. Change is against round "
                      f"{rep.round.previous or '(none)'}."))
    items += [Note(note, "warning") for note in rep.framework_changes]
    flagged = int(rep.model.overall["force_contradictions"].iloc[0]) if len(rep.model.overall) else 0
    items.append(Note(f"Contradictions flagged, all frameworks: {flagged}. {views.CONTRADICTION_RULE} They are "
                      "listed under Contradictions to check."))
    return Panel("Headline", items)


def _other_errors(issues: pd.DataFrame) -> pd.DataFrame:
    """Input errors other than rows of the action plan not read."""
    unread = issues["row_not_read"].astype(bool) if "row_not_read" in issues else False
    return issues[(issues["severity"] == "error") & ~unread]


def theme_scores(rep: ForceReport) -> Panel:
    fid = rep.round.focus
    themes = rep.model.themes[rep.model.themes["framework"] == fid]
    prev = themes[["theme", "previous_score"]].rename(columns={"previous_score": "score"}).dropna() \
        if rep.has_previous else None
    title = f"{rep.force['short_name']}: theme scores against the {rep.framework_name(fid)}"
    bar = rep.save(charts.theme_bar(themes, title, rep.marking, rep.source, prev), "theme_bar")
    all_themes = rep.model.themes.assign(Framework=lambda d: d["framework"].map(lambda f: rep.framework_name(f)))
    table = pd.DataFrame({"Framework": all_themes["Framework"], "Theme": all_themes["theme_name"],
                          "Score": all_themes["score"].round(1), "Requirements": all_themes["requirements"],
                          "Not applicable": all_themes["not_applicable"]})
    return Panel("Theme scores", [bar, table])


GAP_CHART_ROWS = 15


def gap_table(rep: ForceReport) -> Panel:
    """The focus framework's largest weighted gaps: the chart and the table show the same rows."""
    fid = rep.round.focus
    gaps = views.gaps(rep.model.requirements, fid, limit=GAP_CHART_ROWS)
    fig = rep.save(charts.gap_bar(gaps, f"{rep.force['short_name']}: largest gaps against the {rep.framework_name(fid)}",
                                  rep.marking, rep.source, rep.ctx.scale(fid)), "gaps")
    table = pd.DataFrame({
        "Ref": gaps["requirement_id"], "Requirement": gaps["statement"], "Level": gaps["level_shown"],
        "Target": gaps["target_label"], "Gap (points)": gaps["gap_points"].round(1),
        "Level from": gaps["level_source"], "Credit from": gaps["credit_from"],
        "Rationale": gaps["rationale"].str.slice(0, 300), "Evidence": clip_lines(gaps["evidence_text"], 240),
    })
    others = views.gaps(rep.model.requirements)
    others = others[others["framework"] != fid]
    note = Note(f"The {len(gaps)} largest gaps against the {rep.framework_name(fid)}, in points of its overall score. "
                f"{len(others)} gap(s) against the round's other frameworks are in the workbook's Gaps sheet. "
                + views.EVIDENCE_KEY)
    return Panel("Largest gaps", [fig, note, table if not table.empty else Note("No gaps to target.")])


def _date(series: pd.Series) -> pd.Series:
    """Dates as a person writes them; blank where there is none (never NaT)."""
    return series.map(lambda d: f"{d:%d %b %Y}" if pd.notna(d) else "")


def next_steps(rep: ForceReport) -> Panel:
    """Every open item of the focus framework, then the others: its action, owner, due date and state, and the
    points closing its gap would add to its framework's score."""
    steps = rep.model.actions.assign(other=lambda d: d["framework"] != rep.round.focus).sort_values(
        ["other", "framework", "gap_points", "order"], ascending=[True, True, False, True])
    table = pd.DataFrame({
        "Framework": steps["framework"].map(rep.framework_name), "Ref": steps["requirement_id"],
        "Requirement": steps["statement"], "Level now": steps["level_shown"], "Target": steps["target_label"],
        "Points to gain": steps["gap_points"].round(1), "Action": steps["action"], "Owner": steps["owner"],
        "Due date": _date(steps["due_date"]), "State": steps["state"],
    })
    note = Note(f"{len(table)} open item(s): not yet in place. The {rep.framework_name(rep.round.focus)} comes "
                "first; within each framework the largest gain first. State is as of "
                f"{rep.round.as_of}: overdue, due within 90 days, or open.")
    return Panel("Next steps", [note, table if not table.empty else Note("Nothing open: every applicable "
                                                                         "requirement is in place.")])


def requirements_table(rep: ForceReport) -> Panel:
    """Every requirement of the round's frameworks: level, target, where the level came from, evidence and plan."""
    reqs = rep.model.requirements
    table = pd.DataFrame({
        "Framework": reqs["framework"].map(rep.framework_name), "Ref": reqs["requirement_id"],
        "Key": reqs["key"].map({True: "key", False: ""}), "Requirement": reqs["statement"],
        "Level": reqs["level_shown"], "Target": reqs["target_label"], "Level from": reqs["level_source"],
        "Evidence": clip_lines(reqs["evidence_text"], 200), "Contradiction": reqs["contradiction_reason"],
        "Owner": reqs["owner"], "Due date": _date(reqs["due_date"]),
        "Overdue": reqs["overdue"].map({True: "overdue", False: ""}),
    })
    note = ("Key elements decide a framework's category. Level from: inspector, force-reported (the force's action "
            "plan), auto-suggested (gapkit's reading of the plan documents) or not-assessed (no information). "
            + views.EVIDENCE_KEY)
    if (reqs["attention"] != "").any():  # which rows were not read, beside the level they leave in doubt
        table.insert(table.columns.get_loc("Level from"), "Input needs attention",
                     views.attention_reason(reqs["attention"]))
        note += " " + views.ATTENTION_RULE
    return Panel("Every requirement", [Note(note), table])


def action_health(rep: ForceReport) -> Panel:
    """Owners, due dates and overdue items in the force's action plan."""
    reqs = rep.model.requirements
    with_action = reqs[(reqs["action"] != "") & reqs["applicable"]]
    open_items = views.open_items(reqs)
    stats = pd.DataFrame([{
        "Requirements with an action": len(with_action),
        "Open (not yet in place)": len(open_items),
        "Open without an owner": int((open_items["owner"] == "").sum()),
        "Open without a due date": int(open_items["due_date"].isna().sum()),
        "Overdue": int(rep.model.overall["overdue_items"].sum()),
    }])
    overdue = rep.model.actions[rep.model.actions["state"] == "overdue"]
    table = pd.DataFrame({
        "Framework": overdue["framework"], "Ref": overdue["requirement_id"], "Action": overdue["action"],
        "Owner": overdue["owner"], "Due date": _date(overdue["due_date"]), "Deadline": _date(overdue["deadline"]),
        "Why overdue": overdue["why_overdue"],
    })
    items = [stats, Note(f"Overdue means not yet in place and past its due date or the requirement's deadline, "
                         f"as of {rep.round.as_of}; counted over all the round's frameworks.")]
    items.append(table if not table.empty else Note("No overdue items."))
    return Panel("Action plan health", items)


def contradictions(rep: ForceReport) -> Panel:
    """Requirements where the force's own level contradicts its plan documents (or it says in place with no
    evidence at all), each with why: for the inspector to settle."""
    reqs = rep.model.requirements
    flagged = reqs[reqs["contradiction"]].assign(other=lambda d: d["framework"] != rep.round.focus).sort_values(
        ["other", "framework", "order"])
    table = pd.DataFrame({
        "Framework": flagged["framework"].map(rep.framework_name), "Ref": flagged["requirement_id"],
        "Requirement": flagged["statement"], "Level now": flagged["level_shown"],
        "Level from": flagged["level_source"], "Why flagged": flagged["contradiction_reason"],
        "Evidence": clip_lines(flagged["evidence_text"], 240),
    })
    note = Note(f"{len(table)} contradiction(s) flagged. {views.CONTRADICTION_RULE} The level now is the one that "
                "counts (the inspector's where there is one). " + views.EVIDENCE_KEY)
    return Panel("Contradictions to check", [note, table if not table.empty else Note("No contradictions.")])


def input_problems(rep: ForceReport) -> Panel:
    """Rows of the force's action plan that could not be read (each named by its cell, with why and what to do), and
    the requirements they leave needing attention; the rest of the action plan was used."""
    issues = rep.model.issues
    unread = issues[issues["row_not_read"].astype(bool)] if "row_not_read" in issues else issues.iloc[0:0]
    reqs = rep.model.requirements
    touched = reqs[reqs["attention"] != ""].assign(other=lambda d: d["framework"] != rep.round.focus).sort_values(
        ["other", "framework", "order"])
    if not rep.rows_not_read:
        items: list = [Note("Every row of the action plan that holds anything was read.")]
    else:
        unknown = int((unread["requirement_id"] == "").sum())
        items = [Note(f"{views.rows_not_read_phrase(rep.rows_not_read)} and left out; the rest of the action plan "
                      f"was used. {len(touched)} requirement(s) need attention"
                      + (f"; {unknown} row(s) could not be placed against a requirement" if unknown else "")
                      + f". {views.ATTENTION_RULE}", "warning"),
                 pd.DataFrame({
                     "Cell": unread["where"], "File": unread["file"].map(lambda f: Path(f).name),
                     "Framework": unread["framework"].map(lambda f: rep.framework_name(f) if f else "(not known)"),
                     "Ref": unread["requirement_id"].replace("", "(not known)"),
                     "Why it was not read": unread["message"].str.removesuffix("; the row was not read"),
                     "What to do": unread["fix"]})]
        if not touched.empty:
            items.append(pd.DataFrame({
                "Framework": touched["framework"].map(rep.framework_name), "Ref": touched["requirement_id"],
                "Requirement": touched["statement"], "Level": touched["level_shown"],
                "Level from": touched["level_source"], "Why": views.attention_reason(touched["attention"])}))
    others = _other_errors(issues)
    if len(others):
        items.append(Note(f"{len(others)} other input error(s) and every warning are listed under Method and "
                          "provenance.", "warning"))
    return Panel("Input problems", items)


def evidence_found(rep: ForceReport) -> Panel:
    """Passages found in the plan documents, with the suggested level and why."""
    sugg = rep.model.evidence
    items: list = []
    issues = rep.model.issues
    in_plans = f"/plans/{rep.force['force_id']}/"  # the force's plan documents (a tracker is .xlsx too: not here)
    plan_doc = issues["file"].map(lambda f: Path(f).suffix.lower() in PLAN_SUFFIXES and in_plans in "/" +
                                  Path(f).as_posix())
    for issue in issues[plan_doc].itertuples():
        items.append(Note(str(Issue(issue.file, issue.where, issue.message, issue.fix, issue.severity)), "warning"))
    if sugg.empty or (sugg["similarity"] == 0).all():
        items.append(Note("No plan documents, or nothing in them matched a requirement."))
        return Panel("Evidence in plan documents", items)
    found = sugg[sugg["similarity"] > 0].sort_values(["framework", "requirement_id"])
    items.append(pd.DataFrame({
        "Framework": found["framework"], "Ref": found["requirement_id"],
        "Suggested level": [views.suggested_level_text(lv, bool(ni), rep.ctx.scale(f)) for f, lv, ni in
                            zip(found["framework"], found["level"], found.get("needs_inspector", False))],
        "Confidence": found["confidence"], "Why": found["rationale"],
        "Quotes (who found them, file, place)": clip_lines(found["evidence_found"], 300),
    }))
    items.append(Note("Suggestions never override the force's or the inspector's level; they fill requirements "
                      "neither has judged, marked 'auto-suggested'."))
    return Panel("Evidence in plan documents", items)


def change_since_previous(rep: ForceReport) -> Panel:
    if not rep.has_previous:
        return Panel("Change since the previous round", [Note("No previous round for this force.")])
    both = rep.model.requirements[rep.model.requirements["previous_label"] != ""]
    changed = both[both["level"].fillna(-1) != both["previous_level"].fillna(-1)]
    table = pd.DataFrame({
        "Framework": changed["framework"], "Ref": changed["requirement_id"],
        "Previous level": changed["previous_label"], "Level now": changed["level_shown"],
        "Change (levels)": (changed["level"] - changed["previous_level"]).round(1),
    }).sort_values("Change (levels)")
    note = Note(f"Compared with round {rep.round.previous}: {int((table['Change (levels)'] > 0).sum())} "
                f"requirement(s) up, {int((table['Change (levels)'] < 0).sum())} down.")
    changes = [Note(text, "warning") for text in rep.framework_changes]
    return Panel("Change since the previous round", [note, *changes,
                                                     table if not table.empty else Note("No change.")])


def provenance(rep: ForceReport) -> Panel:
    """Framework versions, scoring settings, input file hashes, gapkit version, marking and input issues."""
    versions = pd.DataFrame([{"Framework": fid, "Title": rep.catalogue.get(fid).short_title,
                              "Version": rep.catalogue.get(fid).version,
                              "Unverified requirements": sum(r.verification == "unverified"
                                                             for r in rep.catalogue.get(fid).requirements)}
                             for fid in rep.round.frameworks])
    inputs = pd.DataFrame({"File": rep.model.inputs["file"], "SHA-256": rep.model.inputs["sha256"].str.slice(0, 16) + "..."})
    items: list = [
        Note(f"gapkit {__version__}; scoring settings {rep.config.version}; crosswalk "
             f"{rep.catalogue.crosswalk.version}; marking {rep.marking}; as of {rep.round.as_of}. "
             "Method: docs/methodology.md."),
        versions,
        inputs if not inputs.empty else Note("No input files."),
    ]
    if rep.round.synthetic:
        items.insert(0, Note(SYNTHETIC_BANNER, "banner"))
    issues = rep.model.issues
    if len(issues):
        items.append(pd.DataFrame({"Severity": issues["severity"], "File": issues["file"].map(lambda f: Path(f).name),
                                   "Where": issues["where"], "Problem": issues["message"], "What to do": issues["fix"]}))
    return Panel("Method and provenance", items)


# ---- files --------------------------------------------------------------------------------------------------

def write_outputs(rep: ForceReport) -> Panel:
    """Write the force's model (CSVs) and workbook into the output folder."""
    if rep.out_dir is None:
        return Panel("Files", [Note("No output folder given: nothing written.")])
    rep.out_dir.mkdir(parents=True, exist_ok=True)
    if rep.model_dir is None or rep.model_dir.resolve() != rep.out_dir.resolve():  # a run wrote it there already
        write_model(rep.model, rep.out_dir)
    book = write_force_workbook(rep.model, rep.ctx, rep.out_dir / f"{rep.force['force_id']}-{rep.round.round}.xlsx")
    files = sorted(p.name for p in rep.out_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    if rep.charts_dir is not None and rep.charts_dir.exists():
        files += sorted(f"charts/{p.name}" for p in rep.charts_dir.iterdir())
    return Panel("Files", [Note("Files beside this report: " + ", ".join(files)), Note(f"Workbook: {book.name}")])
