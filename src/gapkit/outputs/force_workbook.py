"""The force's own workbook: summary, every requirement's score and gap, actions and evidence, gaps, the rows of
the action plan that could not be read, method.

Rendered from the force's round model, so every figure is the one the report and the pack show."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from gapkit import __version__
from gapkit.core.cells import put
from gapkit.core.excel import print_setup, write_table
from gapkit.core.fileio import save_workbook
from gapkit.inputs.context import RoundContext
from gapkit.outputs.display import EVIDENCE_HEADER, SYNTHETIC_BANNER
from gapkit.scoring import views
from gapkit.scoring.model import RoundModel


def _yes(flags: pd.Series) -> pd.Series:
    return flags.map({True: "yes", False: ""})


def write_force_workbook(model: RoundModel, ctx: RoundContext, out: Path) -> Path:
    rcfg = ctx.round
    force_name = model.forces["force_name"].iloc[0]
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    title = f"{force_name} - {rcfg.title}"
    put(ws["A1"], title)
    ws["A1"].font = Font(bold=True, size=13)
    put(ws["A2"], f"Marking: {rcfg.marking}. As of {rcfg.as_of}. gapkit {__version__}.")
    if rcfg.synthetic:
        put(ws["A3"], SYNTHETIC_BANNER)
        ws["A3"].font = Font(bold=True, color="C00000")
    overall = model.overall.sort_values(["headline", "framework"], ascending=[False, True])
    summary = pd.DataFrame({"Framework": overall["framework_name"], "Version": overall["framework_version"],
                            "Score": overall["score"].round(1), "Category": overall["category"],
                            "Why this category": overall["category_reason"], "RAG": overall["rag"],
                            "Open items": overall["open_items"], "Overdue items": overall["overdue_items"],
                            "Contradictions": overall["contradictions"], "Change": overall["change"].round(1)})
    flagged = int(overall["force_contradictions"].iloc[0]) if len(overall) else 0
    not_read = int(model.forces["rows_not_read"].iloc[0]) if "rows_not_read" in model.forces else 0
    unread_note = (f" {views.rows_not_read_phrase(not_read)}: see the Input problems sheet; the requirements those "
                   f"rows were about show '{views.ATTENTION}'." if not_read else "")
    put(ws["A4"], f"Contradictions flagged, all frameworks: {flagged} (see the Requirements sheet's Contradiction "
                  f"column and the Method sheet).{unread_note}")
    if not_read:
        ws["A4"].font = Font(bold=True, color="9C2700")
    write_table(ws, summary, start_row=5, name="Summary", widths={"Why this category": 60})
    print_setup(ws, rcfg.marking, title)

    reqs = model.requirements
    # two sheets, so each prints legibly: the scores, then the force's actions and the evidence behind them
    ws = wb.create_sheet("Requirements")
    table = pd.DataFrame({
        "Framework": reqs["framework"], "Ref": reqs["requirement_id"], "Requirement": reqs["statement"],
        "Theme": reqs["theme_name"], "Key": _yes(reqs["key"]), "Level": reqs["level_shown"],
        "Target": reqs["target_label"], "Gap points": reqs["gap_points"].round(1), "Weight": reqs["weight"],
        "Level from": reqs["level_source"], "Credit from": reqs["credit_from"],
        "Not applicable": _yes(reqs["not_applicable"]), "Overdue": _yes(reqs["overdue"]),
        "Contradiction": reqs["contradiction_reason"], "Input needs attention": views.attention_reason(reqs["attention"]),
    })
    write_table(ws, table, name="Requirements", widths={"Framework": 20, "Requirement": 60, "Theme": 22,
                                                        "Level": 24, "Credit from": 24, "Contradiction": 50,
                                                        "Input needs attention": 50})
    print_setup(ws, rcfg.marking, title)
    ws = wb.create_sheet("Actions and evidence")
    details = pd.DataFrame({
        "Framework": reqs["framework"], "Ref": reqs["requirement_id"], "Action": reqs["action"],
        "Owner": reqs["owner"], "Due date": reqs["due_date"].dt.date, "State": reqs["state"],
        "Justification": reqs["na_justification"], "Rationale": reqs["rationale"],
        EVIDENCE_HEADER: reqs["evidence_text"],
    })
    write_table(ws, details, name="ActionsEvidence", widths={"Framework": 20, "Action": 40, "Owner": 18,
                                                              "Justification": 24, "Rationale": 40,
                                                              EVIDENCE_HEADER: 80})
    print_setup(ws, rcfg.marking, title)

    ws = wb.create_sheet("Gaps")
    gaps = views.gaps(reqs)
    write_table(ws, pd.DataFrame({"Framework": gaps["framework"], "Ref": gaps["requirement_id"],
                                  "Requirement": gaps["statement"], "Level": gaps["level_shown"],
                                  "Target": gaps["target_label"], "Gap points": gaps["gap_points"].round(1),
                                  "Rationale": gaps["rationale"]}),
                name="Gaps", widths={"Requirement": 60, "Rationale": 50})
    print_setup(ws, rcfg.marking, title)

    ws = wb.create_sheet("Input problems")
    issues = model.issues
    unread = issues[issues["row_not_read"].astype(bool)] if "row_not_read" in issues else issues.iloc[0:0]
    put(ws["A1"], (f"{views.rows_not_read_phrase(not_read)} and left out; the rest of the action plan was used."
                   if not_read else "Every row of the action plan that holds anything was read."))
    ws["A1"].font = Font(bold=True)
    put(ws["A2"], views.ATTENTION_RULE)
    if not unread.empty:
        write_table(ws, pd.DataFrame({
            "Cell": unread["where"], "File": unread["file"].map(lambda f: Path(f).name),
            "Framework": unread["framework"].replace("", "(not known)"),
            "Ref": unread["requirement_id"].replace("", "(not known)"),
            "Why it was not read": unread["message"].str.removesuffix("; the row was not read"),
            "What to do": unread["fix"]}), start_row=4, name="RowsNotRead",
            widths={"Cell": 22, "File": 24, "Framework": 20, "Why it was not read": 60, "What to do": 60})
    print_setup(ws, rcfg.marking, title)

    ws = wb.create_sheet("Method")
    method = pd.DataFrame([{"Item": "Scoring rule", "Value": "docs/methodology.md (level / maximum, weighted; "
                            "category over key elements)"},
                           {"Item": "Overdue", "Value": "not yet in place and past its due date or the "
                            f"requirement's deadline, as of {rcfg.as_of}"},
                           {"Item": "Contradiction", "Value": views.CONTRADICTION_RULE},
                           {"Item": "Input needs attention", "Value": views.ATTENTION_RULE},
                           {"Item": "Evidence", "Value": views.EVIDENCE_KEY},
                           {"Item": "Scoring settings version", "Value": ctx.settings.version},
                           {"Item": "Crosswalk version", "Value": ctx.catalogue.crosswalk.version}] +
                          [{"Item": f"Framework {f}", "Value": ctx.catalogue.get(f).version}
                           for f in rcfg.frameworks] +
                          [{"Item": f"Framework change {c.framework}", "Value": c.note}
                           for c in views.framework_changes(model.overall).itertuples()])
    write_table(ws, method, widths={"Item": 30, "Value": 80})
    print_setup(ws, rcfg.marking, title)
    wb.properties.title = title
    wb.properties.creator = f"gapkit {__version__}"
    wb.properties.keywords = rcfg.marking
    return save_workbook(wb, out)
