"""The action-plan template a force fills in: one row per requirement, drop-down statuses, dates checked on entry.

What a force sends back is read by gapkit.inputs.tracker."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from gapkit.catalogue.frameworks import Catalogue
from gapkit.catalogue.settings import ScoringConfig
from gapkit.catalogue.vocabulary import status_labels
from gapkit.core.excel import fit_row_heights, print_setup, write_cell
from gapkit.inputs.tracker import ACTIONS_SHEET

EXTRA_ROWS = 50  # blank rows under the requirements, for more actions against one requirement
TEMPLATE_COLUMNS = [
    # (header, width, input?)
    ("Framework", 18, False), ("Ref", 7, False), ("Requirement", 50, False), ("Theme", 16, False),
    ("Deadline", 11, False), ("Typical evidence", 28, False), ("Action", 40, True), ("Owner", 16, True),
    ("Due date", 11, True), ("Status", 22, True), ("Evidence reference", 24, True),
    ("Not applicable justification", 24, True), ("Last updated", 11, True),
]


def write_template(force: pd.Series, round_id: str, out: Path, *, catalogue: Catalogue, settings: ScoringConfig,
                   framework_ids: list[str] | None = None, marking: str = "OFFICIAL",
                   synthetic: bool = False) -> Path:
    """Write the action-plan workbook a force fills in."""
    framework_ids = framework_ids or sorted(catalogue.frameworks)
    wb = Workbook()
    about = wb.active
    about.title = "About"
    _write_about(about, force, round_id, catalogue, framework_ids, marking, synthetic)
    ws = wb.create_sheet(ACTIONS_SHEET)
    lists = wb.create_sheet("Lists")
    scales = {catalogue.get(f).level_scale for f in framework_ids}
    if len(scales) > 1:  # one drop-down list serves the whole sheet
        raise ValueError(f"the template needs one level scale; these frameworks use {sorted(scales)}")
    labels = status_labels(settings.scale(scales.pop()))
    for i, label in enumerate(labels, 1):
        lists.cell(i, 1, label)
    lists.sheet_state = "hidden"

    ws.append([h for h, _, _ in TEMPLATE_COLUMNS])
    header_fill = PatternFill("solid", fgColor="1F3864")
    for col, (_, width, is_input) in enumerate(TEMPLATE_COLUMNS, 1):
        cell = ws.cell(1, col)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill if not is_input else PatternFill("solid", fgColor="2E75B6")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(col)].width = width
    input_fill = PatternFill("solid", fgColor="FFF9E5")
    for fid in framework_ids:
        fw = catalogue.get(fid)
        for req in fw.requirements:
            ws.append([fid, req.id, req.statement, fw.theme_name(req.theme), req.deadline,
                       "; ".join(req.typical_evidence)] + [None] * 7)
    last = ws.max_row
    for row in ws.iter_rows(min_row=2, max_row=last + EXTRA_ROWS):
        extra = row[0].row > last  # a blank row for another action: its Framework and Ref are the force's to enter
        for col, (_, _, is_input) in enumerate(TEMPLATE_COLUMNS, 1):
            cell = row[col - 1]
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if is_input or (extra and col in (1, 2)):
                cell.protection = Protection(locked=False)
                cell.fill = input_fill
        row[4].number_format = "yyyy-mm-dd"
        row[8].number_format = "yyyy-mm-dd"
        row[12].number_format = "yyyy-mm-dd"
    fit_row_heights(ws, 2, last)
    status_col = get_column_letter(_col("Status"))
    dv_status = DataValidation(type="list", formula1=f"=Lists!$A$1:$A${len(labels)}", allow_blank=True,
                               showErrorMessage=True, errorTitle="Status",
                               error="Choose a status from the list.")
    dv_status.add(f"{status_col}2:{status_col}{last + EXTRA_ROWS}")
    dv_framework = DataValidation(type="list", formula1='"' + ",".join(framework_ids) + '"', allow_blank=True,
                                  showErrorMessage=True, errorTitle="Framework",
                                  error="Choose the framework of the requirement this action is for.")
    dv_framework.add(f"A{last + 1}:A{last + EXTRA_ROWS}")
    ws.add_data_validation(dv_framework)
    dv_date = DataValidation(type="date", operator="between", formula1="DATE(2010,1,1)",
                             formula2="DATE(2040,12,31)", allow_blank=True, showErrorMessage=True,
                             errorTitle="Date", error="Enter a date, for example 31/03/2018.")
    for name in ("Due date", "Last updated"):
        letter = get_column_letter(_col(name))
        dv_date.add(f"{letter}2:{letter}{last + EXTRA_ROWS}")
    ws.add_data_validation(dv_status)
    ws.add_data_validation(dv_date)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(TEMPLATE_COLUMNS))}{last}"
    ws.protection.sheet = True
    ws.protection.formatRows = False
    ws.protection.insertRows = False
    ws.protection.autoFilter = False
    ws.protection.sort = False
    print_setup(ws, marking, f"{force['official_name']} - {round_id} action plan", wide=True)
    ws.print_title_rows = "1:1"
    wb.properties.title = f"gapkit action plan: {force['official_name']}, round {round_id}"
    wb.properties.creator = "gapkit"
    wb.active = 1
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def _col(header: str) -> int:
    return next(i for i, (h, _, _) in enumerate(TEMPLATE_COLUMNS, 1) if h == header)


def _write_about(ws, force, round_id, catalogue, framework_ids, marking, synthetic) -> None:
    rows = [
        ("gapkit action plan", None),
        ("Protective marking", marking),
        ("Force", force["official_name"]),
        ("Force id", force["force_id"]),
        ("Round", round_id),
    ]
    if synthetic:
        rows.append(("Data", "SYNTHETIC DEMONSTRATION DATA about a fictional force"))
    rows += [(None, None), ("Frameworks", "Version")]
    rows += [(f"{catalogue.get(f).short_title} ({f})", catalogue.get(f).version) for f in framework_ids]
    rows += [(None, None), ("Deadlines set by the sources", "Requirements")]
    deadlines: dict = {}
    for fid in framework_ids:
        for req in catalogue.get(fid).requirements:
            if req.deadline:
                deadlines.setdefault(req.deadline, []).append(f"{fid}:{req.id}")
    rows += [(f"{day:%d %B %Y}", ", ".join(refs)) for day, refs in sorted(deadlines.items())] or [("None", "")]
    rows += [(None, None), ("How to fill this in", None)]
    steps = [
        "1. On the Actions sheet, each row is one requirement. Fill in the yellow columns; the blue ones are locked.",
        "2. Action: what the force has done or will do. Owner: the person accountable. Due date: when it will be in place.",
        "3. Status: choose from the list: 0 No information, 1 Planned (not started), 2 Started, 3 In place, or Not applicable.",
        "4. Not applicable needs a justification in its column.",
        "5. Evidence reference: the document, page or paragraph that shows it (for example 'APSP plan v2, section 4').",
        f"6. Several actions for one requirement: use the {EXTRA_ROWS} blank rows below the requirements (their "
        "Framework and Ref cells are open): enter the requirement's Framework and Ref, then the action.",
        "7. Deadlines are those set by the source; a requirement past its deadline and not in place is flagged overdue.",
        "8. The Actions sheet prints landscape on A3, with the header row repeated on every page.",
    ]
    rows += [(s, None) for s in steps]
    for r, row in enumerate(rows, 1):  # names and markings come from outside: never written as formulas
        for c, value in enumerate(row, 1):
            write_cell(ws, r, c, value)
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 100
    ws.column_dimensions["B"].width = 40
    for cell in ws["A"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    print_setup(ws, marking, f"{force['official_name']} - {round_id}")
