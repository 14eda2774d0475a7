"""The inspector review workbook: force-reported and suggested levels beside the inspector's own columns.

Regenerating it keeps every inspector entry exactly, including entries for requirements that no longer exist
(moved to the 'Kept entries' sheet). The previous file is copied to a backup folder before it is replaced.
The workbook comes back as an input: gapkit.inputs.review reads it."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from gapkit.catalogue.frameworks import Catalogue
from gapkit.catalogue.settings import ScoringConfig
from gapkit.catalogue.vocabulary import level_choice, status_labels
from gapkit.core.cells import put
from gapkit.core.excel import print_setup
from gapkit.core.fileio import save_workbook
from gapkit.inputs.review import (COLUMNS, GENERATED_COLUMNS, INSPECTOR_COLUMNS, KEPT_SHEET, REVIEW_SHEET,
                                  read_inspector_entries)


def write_review(out: Path, force: pd.Series, round_id: str, force_rows: pd.DataFrame | None = None,
                 suggestions: pd.DataFrame | None = None, *, catalogue: Catalogue, settings: ScoringConfig,
                 framework_ids: list[str] | None = None, marking: str = "OFFICIAL", synthetic: bool = False) -> Path:
    """Write (or regenerate) the review workbook, keeping every inspector entry already in `out`.

    `force_rows` are the force's own levels (before any inspector judgement), `suggestions` gapkit's."""
    framework_ids = framework_ids or sorted(catalogue.frameworks)
    scales = {catalogue.get(f).level_scale for f in framework_ids}
    if len(scales) > 1:  # one drop-down list serves the whole sheet
        raise ValueError(f"the review workbook needs one level scale; these frameworks use {sorted(scales)}")
    scale = settings.scale(scales.pop())
    labels = status_labels(scale)
    out = Path(out)
    kept = read_inspector_entries(out) if out.exists() else pd.DataFrame(columns=["key", *INSPECTOR_COLUMNS])
    kept_by_key = {k: grp for k, grp in kept.groupby("key", sort=False)} if not kept.empty else {}
    force_by_key = _by_key(force_rows)
    sugg_by_key = _by_key(suggestions)

    wb = Workbook()
    ws = wb.active
    ws.title = REVIEW_SHEET
    ws.append(COLUMNS)
    keys_written = set()
    for fid in framework_ids:
        fw = catalogue.get(fid)
        for req in fw.requirements:
            key = f"{fid}:{req.id}"
            f = force_by_key.get(key, {})
            s = sugg_by_key.get(key, {})
            generated = [key, fid, req.id, req.statement,
                         level_choice(f.get("level"), bool(f.get("not_applicable", False)), scale),
                         f.get("action", ""), f.get("evidence_refs", ""),
                         level_choice(s.get("level"), False, scale),
                         s.get("confidence"), s.get("evidence_refs", ""), s.get("rationale", "")]
            entry = kept_by_key.pop(key, None)
            inspector, formats = [None] * 4, {}
            if entry is not None:
                first = entry.iloc[0]
                inspector, formats = [first[c] for c in INSPECTOR_COLUMNS], first["formats"] or {}
                for _, extra in entry.iloc[1:].iterrows():  # duplicates of a key survive in the kept sheet
                    kept_by_key.setdefault(f"{key}#dup", []).append(extra)
            row = ws.max_row + 1
            for col, value in enumerate(generated + inspector, 1):
                put(ws.cell(row, col), value)
            for offset, name in enumerate(INSPECTOR_COLUMNS, len(GENERATED_COLUMNS) + 1):
                if name in formats:  # the inspector's own cell format (a date stays shown as they typed it)
                    ws.cell(row, offset).number_format = formats[name]
            keys_written.add(key)
    _style_review(ws, labels)

    leftovers = []
    for key, grp in kept_by_key.items():
        frames = grp if isinstance(grp, list) else [r for _, r in grp.iterrows()]
        for r in frames:
            leftovers.append(([r["key"], *[r[c] for c in INSPECTOR_COLUMNS]], r["formats"] or {}))
    if leftovers:
        ks = wb.create_sheet(KEPT_SHEET)
        ks.append(["Key", *INSPECTOR_COLUMNS, "Why kept"])
        for values, formats in leftovers:
            row = ks.max_row + 1
            for col, value in enumerate(values + ["requirement no longer in the frameworks, or a duplicate row"], 1):
                put(ks.cell(row, col), value)
            for offset, name in enumerate(INSPECTOR_COLUMNS, 2):
                if name in formats:
                    ks.cell(row, offset).number_format = formats[name]
        ks.column_dimensions["A"].width = 28
        ks.column_dimensions["C"].width = 50

    about = wb.create_sheet("About")
    about.append(["gapkit inspector review"])
    about.append(["Force", force["official_name"]])
    about.append(["Round", str(round_id)])
    about.append(["Protective marking", marking])
    if synthetic:
        about.append(["Data", "SYNTHETIC DEMONSTRATION DATA about a fictional force"])
    about.append(["How to use", "Fill the four Inspector columns (green). The inspector's level always wins over "
                                "the force's and the suggestion. Regenerating this workbook keeps every entry."])
    about.column_dimensions["B"].width = 100
    lists = wb.create_sheet("Lists")
    for i, label in enumerate(labels, 1):
        lists.cell(i, 1, label)
    lists.sheet_state = "hidden"
    print_setup(ws, marking, f"{force['official_name']} - {round_id} review", wide=True)
    ws.print_title_rows = "1:1"
    wb.properties.title = f"gapkit review: {force['official_name']}, round {round_id}"
    if out.exists():
        backup = out.parent / ".backup" / f"{out.stem}-{dt.datetime.now():%Y%m%dT%H%M%S%f}{out.suffix}"
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out, backup)
    return save_workbook(wb, out)


def _by_key(frame: pd.DataFrame | None) -> dict[str, dict]:
    if frame is None or frame.empty:
        return {}
    return {f"{r['framework']}:{r['requirement_id']}": r for r in frame.to_dict("records")}


def _style_review(ws, labels: list[str]) -> None:
    widths = [w for _, w in GENERATED_COLUMNS] + [18, 50, 18, 12]
    inspector_fill = PatternFill("solid", fgColor="E2EFDA")
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
        head = ws.cell(1, col)
        head.font = Font(bold=True, color="FFFFFF")
        head.fill = PatternFill("solid", fgColor="375623" if col > len(GENERATED_COLUMNS) else "1F3864")
        head.alignment = Alignment(wrap_text=True, vertical="top")
    first_inspector = len(GENERATED_COLUMNS) + 1
    for row in ws.iter_rows(min_row=2, max_row=ws.max_row):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell in row[first_inspector - 1:]:
            cell.fill = inspector_fill
            cell.protection = Protection(locked=False)
    ws.column_dimensions["A"].hidden = True
    level_col = get_column_letter(first_inspector)
    dv = DataValidation(type="list", formula1=f"=Lists!$A$1:$A${len(labels)}", allow_blank=True)
    dv.add(f"{level_col}2:{level_col}{ws.max_row}")
    ws.add_data_validation(dv)
    ws.freeze_panes = "D2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{ws.max_row}"
