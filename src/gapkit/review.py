"""The inspector review workbook: force-reported and suggested levels beside the inspector's own columns.

Regenerating it keeps every inspector entry exactly, including entries for requirements that no longer exist
(moved to the 'Kept entries' sheet). The previous file is copied to a backup folder before it is replaced."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from gapkit.assessment import empty_assessment, normalise
from gapkit.config import ScoringConfig, default_config
from gapkit.errors import GapkitError, Issue
from gapkit.fileio import save_workbook
from gapkit.frameworks import Catalogue, default_catalogue
from gapkit.safety import put
from gapkit.submissions import NOT_APPLICABLE, parse_status, status_labels
from gapkit.workbooks import print_setup

REVIEW_SHEET = "Review"
KEPT_SHEET = "Kept entries"
INSPECTOR_COLUMNS = ["Inspector level", "Inspector rationale", "Inspector name", "Review date"]
GENERATED_COLUMNS = [
    ("Key", 4), ("Framework", 18), ("Ref", 7), ("Requirement", 50), ("Force level", 16), ("Force action", 40),
    ("Force evidence", 24), ("Suggested level", 16), ("Confidence", 11), ("Suggested evidence", 50),
    ("Suggestion rationale", 36),
]
COLUMNS = [c for c, _ in GENERATED_COLUMNS] + INSPECTOR_COLUMNS


def is_review_workbook(path: Path) -> bool:
    try:
        wb = load_workbook(path, read_only=True)
    except Exception:
        return False
    found = REVIEW_SHEET in wb.sheetnames
    wb.close()
    return found


def read_inspector_entries(path: Path) -> pd.DataFrame:
    """Every non-empty inspector entry in a review workbook (both sheets), keyed by framework:ref, values as stored."""
    wb = load_workbook(path, data_only=True)
    rows = []
    for sheet in (REVIEW_SHEET, KEPT_SHEET):
        if sheet not in wb.sheetnames:
            continue
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        try:
            key_col = header.index("Key")
            cols = [header.index(c) for c in INSPECTOR_COLUMNS]
        except ValueError:
            raise GapkitError.one(path, f"{sheet} > row 1", "the review sheet's header has been changed",
                                  "restore the header row (Key and the four Inspector columns)") from None
        for r, row in enumerate(ws.iter_rows(min_row=2), 2):
            cells = [row[c] if c < len(row) else None for c in cols]
            values = [c.value if c is not None else None for c in cells]
            if all(v is None or v == "" for v in values):
                continue
            formats = {name: c.number_format for name, c in zip(INSPECTOR_COLUMNS, cells)
                       if c is not None and c.number_format != "General"}
            rows.append({"key": row[key_col].value, "sheet": sheet, "row": r,
                         **dict(zip(INSPECTOR_COLUMNS, values)), "formats": formats})
    wb.close()
    return pd.DataFrame(rows, columns=["key", "sheet", "row", *INSPECTOR_COLUMNS, "formats"], dtype=object)


def _level_label(level: float | None, na: bool, labels: list[str]) -> str:
    if na:
        return NOT_APPLICABLE
    if level is None or pd.isna(level):
        return ""
    return labels[int(level)] if float(level).is_integer() else f"{level:.1f}"


def write_review(out: Path, force: pd.Series, round_id: str, force_rows: pd.DataFrame | None = None,
                 suggestions: pd.DataFrame | None = None, catalogue: Catalogue | None = None,
                 config: ScoringConfig | None = None, framework_ids: list[str] | None = None,
                 marking: str = "OFFICIAL", synthetic: bool = False) -> Path:
    """Write (or regenerate) the review workbook, keeping every inspector entry already in `out`."""
    catalogue = catalogue or default_catalogue()
    config = config or default_config()
    framework_ids = framework_ids or sorted(catalogue.frameworks)
    labels = status_labels(config)
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
                         _level_label(f.get("level"), bool(f.get("not_applicable", False)), labels),
                         f.get("action", ""), f.get("evidence_refs", ""),
                         _level_label(s.get("level"), False, labels),
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


def read_review(path: Path, force: str, round_id: str, config: ScoringConfig | None = None,
                catalogue: Catalogue | None = None) -> tuple[pd.DataFrame, list[Issue]]:
    """Inspector levels as assessment rows (level_source 'inspector'), and any problems with their cells."""
    config = config or default_config()
    catalogue = catalogue or default_catalogue()
    maximum = config.scale("hmicfrs-2017").maximum
    entries = read_inspector_entries(path)
    issues, rows = [], []
    level_col = get_column_letter(len(GENERATED_COLUMNS) + 1)
    for e in entries.to_dict("records"):
        if e["sheet"] != REVIEW_SHEET:
            continue
        where = f"{REVIEW_SHEET} > {level_col}{e['row']}"
        state, level = parse_status(e["Inspector level"], maximum)
        if state == "blank":
            continue  # notes without a level do not change the score, but are kept
        if state == "unknown":
            issues.append(Issue(str(path), where, f"inspector level \"{e['Inspector level']}\" is not a level",
                                f"choose one of: {', '.join(status_labels(config))}"))
            continue
        rationale = "" if e["Inspector rationale"] is None else str(e["Inspector rationale"])
        if state == "na" and not rationale.strip():
            issues.append(Issue(str(path), where, "not applicable needs a justification in Inspector rationale",
                                "say why the requirement does not apply"))
            continue
        fid, _, rid = str(e["key"]).partition(":")
        name = e["Inspector name"] or ""
        rows.append({"force": force, "round": str(round_id), "framework": fid, "requirement_id": rid,
                     "level": level, "not_applicable": state == "na",
                     "na_justification": rationale if state == "na" else "",
                     "rationale": f"{rationale} ({name})" if name else rationale, "level_source": "inspector"})
    frame = normalise(pd.DataFrame(rows)) if rows else empty_assessment()
    return frame, issues


def check_review(path: Path) -> list[Issue]:
    try:
        return read_review(path, "unknown", "check")[1]
    except GapkitError as exc:
        return exc.issues
