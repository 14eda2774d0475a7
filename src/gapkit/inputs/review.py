"""Reading the inspector review workbook: the inspector's levels, rationale, name and date, cell by cell.

The workbook itself is written by gapkit.forms.review_form; its layout (sheets and columns) is defined here, where
it is read, so that reader and writer cannot drift apart."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from gapkit.catalogue.frameworks import Catalogue
from gapkit.catalogue.settings import ScoringConfig
from gapkit.catalogue.vocabulary import parse_status, status_labels
from gapkit.core.errors import GapkitError, Issue

REVIEW_SHEET = "Review"
KEPT_SHEET = "Kept entries"
INSPECTOR_COLUMNS = ["Inspector level", "Inspector rationale", "Inspector name", "Review date"]
GENERATED_COLUMNS = [
    ("Key", 4), ("Framework", 18), ("Ref", 7), ("Requirement", 50), ("Force level", 16), ("Force action", 40),
    ("Force evidence", 24), ("Suggested level", 16), ("Confidence", 11), ("Suggested evidence", 50),
    ("Suggestion rationale", 36),
]
COLUMNS = [c for c, _ in GENERATED_COLUMNS] + INSPECTOR_COLUMNS
ROW_COLUMNS = ["force", "round", "framework", "requirement_id", "level", "not_applicable", "na_justification",
               "rationale", "level_source"]


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


def read_review(path: Path, force: str, round_id: str, *, catalogue: Catalogue,
                settings: ScoringConfig) -> tuple[pd.DataFrame, list[Issue]]:
    """Inspector levels as rows (level_source 'inspector', ROW_COLUMNS), and any problems with their cells."""
    entries = read_inspector_entries(path)
    issues, rows = [], []
    level_col = get_column_letter(len(GENERATED_COLUMNS) + 1)
    for e in entries.to_dict("records"):
        if e["sheet"] != REVIEW_SHEET:
            continue
        where = f"{REVIEW_SHEET} > {level_col}{e['row']}"
        fid, _, rid = str(e["key"]).partition(":")
        if fid not in catalogue.frameworks:
            issues.append(Issue(str(path), f"{REVIEW_SHEET} > row {e['row']}", f"unknown framework in key '{e['key']}'",
                                "regenerate the review workbook with 'gapkit review'"))
            continue
        scale = settings.scale(catalogue.get(fid).level_scale)
        state, level = parse_status(e["Inspector level"], scale)
        if state == "blank":
            continue  # notes without a level do not change the score, but are kept
        if state == "unknown":
            issues.append(Issue(str(path), where, f"inspector level \"{e['Inspector level']}\" is not a level",
                                f"choose one of: {', '.join(status_labels(scale))}"))
            continue
        rationale = "" if e["Inspector rationale"] is None else str(e["Inspector rationale"])
        if state == "na" and not rationale.strip():
            issues.append(Issue(str(path), where, "not applicable needs a justification in Inspector rationale",
                                "say why the requirement does not apply"))
            continue
        name = e["Inspector name"] or ""
        rows.append({"force": force, "round": str(round_id), "framework": fid, "requirement_id": rid,
                     "level": level, "not_applicable": state == "na",
                     "na_justification": rationale if state == "na" else "",
                     "rationale": f"{rationale} ({name})" if name else rationale, "level_source": "inspector"})
    return pd.DataFrame(rows, columns=ROW_COLUMNS), issues


def check_review(path: Path, *, catalogue: Catalogue, settings: ScoringConfig) -> list[Issue]:
    try:
        return read_review(path, "unknown", "check", catalogue=catalogue, settings=settings)[1]
    except GapkitError as exc:
        return exc.issues
