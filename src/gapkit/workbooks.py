"""Excel outputs shared by the force workbook and the board pack: safe cells, tables, styling, print set-up."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from gapkit import __version__
from gapkit.fileio import save_workbook
from gapkit.safety import put

HEADER_FILL = PatternFill("solid", fgColor="1F3864")


def print_setup(ws, marking: str, title: str, wide: bool = False) -> None:
    """Landscape, fit to width; the protective marking centred at the top and bottom of every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3 if wide else ws.PAPERSIZE_A4  # wide sheets stay legible on A3
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddHeader.left.text = title
    ws.oddHeader.center.text = marking
    ws.oddFooter.center.text = marking
    ws.oddFooter.right.text = "Page &P of &N"


def write_table(ws, frame: pd.DataFrame, start_row: int = 1, name: str | None = None,
                widths: dict[str, int] | None = None) -> tuple[int, int]:
    """Write a DataFrame as a header + rows (text never as formulas); optionally as a named Excel table.

    Returns (first data row, last row)."""
    for col, header in enumerate(frame.columns, 1):
        cell = ws.cell(start_row, col)
        put(cell, str(header))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(frame.itertuples(index=False), start_row + 1):
        for c, value in enumerate(row, 1):
            cell = ws.cell(r, c)
            put(cell, value)
            cell.alignment = Alignment(wrap_text=isinstance(value, str) and len(value) > 40, vertical="top")
            if isinstance(value, float):
                cell.number_format = "0.0"
            if isinstance(value, pd.Timestamp) or hasattr(value, "year"):
                cell.number_format = "yyyy-mm-dd"
    last = start_row + len(frame)
    col_widths = []
    for col, header in enumerate(frame.columns, 1):
        width = (widths or {}).get(header)
        if width is None:
            sample = [len(str(header))] + [len(str(v)) for v in frame.iloc[:200, col - 1]]
            width = min(max(sample) + 2, 60)
        col_widths.append(max(width, 8))
        ws.column_dimensions[get_column_letter(col)].width = col_widths[-1]
    # row heights for wrapped text: spreadsheet programs do not always grow rows written by openpyxl
    for r, row in enumerate(frame.itertuples(index=False), start_row + 1):
        lines = max([-(-len(str(v)) // max(w - 1, 1)) for v, w in zip(row, col_widths) if isinstance(v, str)] or [1])
        if lines > 1:
            ws.row_dimensions[r].height = min(15 * lines, 150)
    if name and len(frame):
        ref = f"A{start_row}:{get_column_letter(len(frame.columns))}{last}"
        table = Table(displayName=name, ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(table)
    ws.print_title_rows = f"{start_row}:{start_row}"
    ws.freeze_panes = ws.cell(start_row + 1, 1)
    return start_row + 1, last


def write_force_workbook(rep, out: Path) -> Path:
    """The force's own workbook: summary, every requirement's score and gap, overdue actions, evidence, method."""
    from gapkit.report import SYNTHETIC_BANNER, gap_rows

    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    title = f"{rep.force['official_name']} - {rep.round.title}"
    put(ws["A1"], title)
    ws["A1"].font = Font(bold=True, size=13)
    put(ws["A2"], f"Marking: {rep.marking}. As of {rep.round.as_of}. gapkit {__version__}.")
    if rep.round.synthetic:
        put(ws["A3"], SYNTHETIC_BANNER)
        ws["A3"].font = Font(bold=True, color="C00000")
    overall = rep.scores.overall
    summary = pd.DataFrame({"Framework": overall["framework"], "Version": overall["framework_version"],
                            "Score": overall["score"].round(1), "Category": overall["category"],
                            "RAG": overall["rag"], "Overdue items": overall["overdue_items"]})
    write_table(ws, summary, start_row=5, name="Summary")
    print_setup(ws, rep.marking, title)

    reqs = rep.scored
    # two sheets, so each prints legibly: the scores, then the force's actions and the evidence behind them
    ws = wb.create_sheet("Requirements")
    table = pd.DataFrame({
        "Framework": reqs["framework"], "Ref": reqs["requirement_id"], "Requirement": reqs["statement"],
        "Theme": reqs["theme_name"], "Level": reqs["level"], "Target": reqs["target"], "Gap": reqs["gap"],
        "Gap points": reqs["gap_points"], "Weight": reqs["weight"], "Level from": reqs["level_source"],
        "Credit from": reqs["credit_from"], "Not applicable": reqs["not_applicable"].map({True: "yes", False: ""}),
        "Overdue": reqs["overdue"].map({True: "yes", False: ""}),
    })
    write_table(ws, table, name="Requirements", widths={"Framework": 20, "Requirement": 60, "Theme": 22,
                                                        "Credit from": 24})
    print_setup(ws, rep.marking, title)
    ws = wb.create_sheet("Actions and evidence")
    details = pd.DataFrame({
        "Framework": reqs["framework"], "Ref": reqs["requirement_id"], "Action": reqs["action"],
        "Owner": reqs["owner"], "Due date": reqs["due_date"].dt.date, "Justification": reqs["na_justification"],
        "Rationale": reqs["rationale"], "Evidence": reqs["evidence_refs"],
    })
    write_table(ws, details, name="ActionsEvidence", widths={"Framework": 20, "Action": 40, "Owner": 18,
                                                              "Justification": 24, "Rationale": 40, "Evidence": 60})
    print_setup(ws, rep.marking, title)

    ws = wb.create_sheet("Gaps")
    gaps = gap_rows(rep, limit=None)
    write_table(ws, pd.DataFrame({"Framework": gaps["framework"], "Ref": gaps["requirement_id"],
                                  "Requirement": gaps["statement"], "Level": gaps["level"],
                                  "Gap points": gaps["gap_points"], "Rationale": gaps["rationale"]}),
                name="Gaps", widths={"Requirement": 60, "Rationale": 50})
    print_setup(ws, rep.marking, title)

    ws = wb.create_sheet("Method")
    method = pd.DataFrame([{"Item": "Scoring rule", "Value": "docs/methodology.md (level / maximum, weighted; "
                            "category over key elements)"},
                           {"Item": "Scoring settings version", "Value": rep.config.version},
                           {"Item": "Crosswalk version", "Value": rep.catalogue.crosswalk.version}] +
                          [{"Item": f"Framework {f}", "Value": rep.catalogue.get(f).version}
                           for f in rep.round.frameworks])
    write_table(ws, method, widths={"Item": 30, "Value": 80})
    print_setup(ws, rep.marking, title)
    wb.properties.title = title
    wb.properties.creator = f"gapkit {__version__}"
    wb.properties.keywords = rep.marking
    return save_workbook(wb, out)
