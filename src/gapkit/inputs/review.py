"""Reading the inspector review workbook: the inspector's levels, rationale, name and date, cell by cell.

The workbook itself is written by gapkit.forms.review_form; its layout (sheets and columns) is defined here, where
it is read, so that reader and writer cannot drift apart.

Everything an inspector may have put in the workbook is found here, so that regenerating it can keep it: the four
Inspector columns (values, formulas, formats, comments, fills), columns the inspector added, comments and fills on
gapkit's own cells, and rows the inspector inserted (which have no key). A workbook gapkit cannot recognise (its
Review sheet renamed, the Key or an Inspector column deleted, pictures gapkit cannot keep) is an error naming the
file, the place and the fix: gapkit never writes a fresh workbook over one."""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.cell.rich_text import CellRichText
from openpyxl.utils import get_column_letter

from gapkit.catalogue.frameworks import Catalogue
from gapkit.catalogue.settings import Scale, ScoringConfig
from gapkit.catalogue.vocabulary import norm, parse_status, status_labels, status_words
from gapkit.core.errors import GapkitError, Issue
from gapkit.core.limits import check_regular_file, check_zip_archive

REVIEW_SHEET = "Review"
KEPT_SHEET = "Kept entries"
INSPECTOR_COLUMNS = ["Inspector level", "Inspector rationale", "Inspector name", "Review date"]
GENERATED_COLUMNS = [
    ("Key", 4), ("Framework", 18), ("Ref", 7), ("Requirement", 50), ("Force level", 16), ("Force action", 40),
    ("Force evidence", 24), ("Suggested level", 16), ("Confidence", 11), ("Suggested evidence", 50),
    ("Suggestion rationale", 36),
]
# gapkit's read-only columns after the Inspector columns (which stay where inspectors and the demo expect them)
GENERATED_AFTER = [("Contradiction flag (gapkit)", 50)]
COLUMNS = [c for c, _ in GENERATED_COLUMNS] + INSPECTOR_COLUMNS + [c for c, _ in GENERATED_AFTER]
GENERATED_NAMES = [c for c, _ in GENERATED_COLUMNS + GENERATED_AFTER]
WHY_KEPT = "Why kept"  # the last column of the Kept entries sheet
INSPECTOR_FILL = "E2EFDA"  # the Inspector columns' green (gapkit's own; any other fill is the inspector's)
ROW_COLUMNS = ["force", "round", "framework", "requirement_id", "level", "not_applicable", "na_justification",
               "rationale", "level_source"]


def _recover(path: Path) -> str:
    return f"restore it from its copy in {Path(path).parent / '.backup'} (or undo the change); gapkit review will " \
        "not write over it"


# ---- the workbook as found --------------------------------------------------------------------------------

@dataclass
class Extra:
    """A column the inspector added: its header cell (None for a column with no header) and an id that matches it
    between the two sheets (the header text; a number is added to a repeated one)."""

    id: str
    header: object  # the openpyxl header cell, or None
    width: float | None = None


@dataclass
class Row:
    """One row of the Review or Kept entries sheet, with its cells by column name (gapkit's columns) and by extra
    column id. `key` is None for a row with no key (inserted by hand)."""

    sheet: str
    row: int
    key: str | None
    cells: dict[str, object] = field(default_factory=dict)   # column name -> openpyxl cell
    extras: dict[str, object] = field(default_factory=dict)  # extra column id -> openpyxl cell

    def inspector_cells(self) -> list:
        return [self.cells[c] for c in INSPECTOR_COLUMNS if c in self.cells] + list(self.extras.values())

    def marked(self) -> bool:
        """Whether the inspector put anything in this row: a value or formula in an Inspector or added column (in a
        row with no key: in any column), a comment anywhere, or a fill of their own anywhere."""
        theirs = [c for n, c in self.cells.items() if n != WHY_KEPT] if self.key is None else \
            self.inspector_cells()
        if any(has_value(c) for c in theirs):
            return True
        for name, cell in [*self.cells.items(), *self.extras.items()]:
            if cell.comment is not None or own_fill(cell, name in INSPECTOR_COLUMNS):
                return True
        return False

    def why(self) -> str | None:
        cell = self.cells.get(WHY_KEPT)
        return None if cell is None or cell.value in (None, "") else str(cell.value)


@dataclass
class ReviewBook:
    """A review workbook as found: the workbook (formulas as written), each formula's last saved result, the
    columns the inspector added and every row of both sheets."""

    path: Path
    wb: object
    cached: dict[tuple[str, str], object]  # (sheet, coordinate) -> a formula's saved result
    extras: list[Extra]
    rows: list[Row]
    header_comments: dict[str, object] = field(default_factory=dict)  # gapkit's column name -> the comment on it
    # each sheet's columns as found: column number -> ("column", gapkit's name) or ("extra", extra column id)
    layout: dict[str, dict[int, tuple[str, str]]] = field(default_factory=dict)

    def value(self, cell, sheet: str):
        """What the cell shows: a formula's last saved result (None if it was never calculated)."""
        if cell.data_type == "f":
            return self.cached.get((sheet, cell.coordinate))
        return _plain(cell.value)


def has_value(cell) -> bool:
    return cell is not None and cell.value is not None and not (isinstance(cell.value, str) and cell.value == "")


def own_fill(cell, inspector_column: bool) -> bool:
    """A fill the inspector chose (gapkit's cells have none, except the Inspector columns' green)."""
    fill = cell.fill
    if fill is None or fill.fill_type in (None, "none"):
        return False
    colour = fill.fgColor.rgb if fill.fgColor is not None else None
    ours = fill.fill_type == "solid" and isinstance(colour, str) and colour[-6:].upper() == INSPECTOR_FILL
    return not (inspector_column and ours)


def _plain(value):
    """Rich text (kept as it is in the workbook) as plain text for reading."""
    return str(value) if isinstance(value, CellRichText) else value


def load_review_book(path: Path, rewrite: bool = False) -> ReviewBook:
    """Open a review workbook and find everything in it; an error naming the place and the fix if gapkit cannot
    recognise it (or, to `rewrite` it, cannot keep everything in it)."""
    path = Path(path)
    check_regular_file(path)  # the input limits (data/config/limits.yaml), before anything is parsed
    if zipfile.is_zipfile(path):
        check_zip_archive(path)
        if rewrite:
            _refuse_drawings(path)
    try:
        wb = load_workbook(path, rich_text=True)
        cached_wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise GapkitError.one(path, "", f"not a review workbook gapkit can open ({type(exc).__name__}: {exc})",
                              _recover(path)) from None
    if REVIEW_SHEET not in wb.sheetnames:
        others = [n for n in wb.sheetnames if n not in (KEPT_SHEET, "About", "Lists")]
        which = f"the sheet '{others[0]}'" if len(others) == 1 else "the review sheet"
        raise GapkitError.one(path, f"sheets: {', '.join(wb.sheetnames)}", f"there is no '{REVIEW_SHEET}' sheet "
                              "(was it renamed or deleted?)", f"rename {which} back to '{REVIEW_SHEET}', or "
                              + _recover(path))
    cached = {}
    for ws in wb.worksheets:
        if ws.title in (REVIEW_SHEET, KEPT_SHEET):
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        cached[(ws.title, cell.coordinate)] = cached_wb[ws.title][cell.coordinate].value
    cached_wb.close()
    extras: dict[str, Extra] = {}
    rows, layout = [], {}
    for sheet in (REVIEW_SHEET, KEPT_SHEET):
        if sheet in wb.sheetnames:
            found, layout[sheet] = _read_sheet(path, wb[sheet], extras)
            rows += found
    review = wb[REVIEW_SHEET]
    comments = {str(c.value).strip(): c.comment for c in review[1] if c.comment is not None and c.value in COLUMNS}
    return ReviewBook(path, wb, cached, list(extras.values()), rows, comments, layout)


def _refuse_drawings(path: Path) -> None:
    """Pictures, charts and shapes are dropped by openpyxl: a workbook with them is not rewritten."""
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if re.fullmatch(r"xl/drawings/drawing\d+\.xml", name) and \
                    re.search(rb"<(\w+:)?(twoCellAnchor|oneCellAnchor|absoluteAnchor)\b", zf.read(name)):
                raise GapkitError.one(path, "", "the workbook holds pictures, charts or shapes, which gapkit "
                                      "cannot keep when it regenerates the workbook",
                                      "move them to a document of their own, then run gapkit review again")


def _read_sheet(path: Path, ws, extras: dict[str, Extra]) -> tuple[list[Row], dict[int, tuple[str, str]]]:
    header = {}
    extra_cols = {}
    seen: dict[str, int] = {}
    known = COLUMNS + ([WHY_KEPT] if ws.title == KEPT_SHEET else [])
    filled = {c for row in ws.iter_rows(min_row=2) for c, cell in enumerate(row, 1)
              if has_value(cell) or cell.comment is not None}
    for col in range(1, max(ws.max_column, max(filled, default=0)) + 1):
        cell = ws.cell(1, col)
        name = _plain(cell.value)
        name = str(name).strip() if name not in (None, "") else ""
        if name in known and name not in header:
            header[name] = col
        elif name or col in filled or cell.comment is not None:
            base = name or f"(column {get_column_letter(col)}, no header)"
            seen[base] = seen.get(base, 0) + 1
            xid = base if seen[base] == 1 else f"{base} ({seen[base]})"
            extra_cols[xid] = col
            if xid not in extras:
                width = ws.column_dimensions[get_column_letter(col)].width \
                    if get_column_letter(col) in ws.column_dimensions else None
                extras[xid] = Extra(xid, cell if name or cell.comment is not None else None, width)
    missing = [c for c in ["Key", *INSPECTOR_COLUMNS] if c not in header]
    if missing:
        issues = []
        for name in missing:
            cell = ws.cell(1, COLUMNS.index(name) + 1)  # where gapkit put it
            now = f"{cell.coordinate} now says '{_plain(cell.value)}'" if cell.value not in (None, "") else \
                f"{cell.coordinate} is empty"
            why = "so gapkit cannot tell which entry belongs to which requirement" if name == "Key" else \
                "so gapkit cannot find the inspector's entries in it"
            issues.append(Issue(str(path), f"{ws.title} > {cell.coordinate}", f"the header has no '{name}' column "
                                f"(deleted or renamed? {now}), {why}",
                                "put the column back with its header as it was, or " + _recover(path)))
        raise GapkitError(issues)
    rows = []
    for r in range(2, ws.max_row + 1):
        key = _plain(ws.cell(r, header["Key"]).value)
        key = str(key).strip() if key not in (None, "") and str(key).strip() else None
        cells = {name: ws.cell(r, col) for name, col in header.items()}
        row = Row(ws.title, r, key, cells, {xid: ws.cell(r, col) for xid, col in extra_cols.items()})
        if row.key is not None or row.marked():
            rows.append(row)
    layout = {col: ("column", name) for name, col in header.items()}
    layout.update({col: ("extra", xid) for xid, col in extra_cols.items()})
    return rows, layout


# ---- reading the inspector's entries -------------------------------------------------------------------------

def is_review_workbook(path: Path) -> bool:
    try:
        wb = load_workbook(path, read_only=True)
    except Exception:
        return False
    found = REVIEW_SHEET in wb.sheetnames
    wb.close()
    return found


def read_inspector_entries(path: Path) -> pd.DataFrame:
    """Every inspector entry in a review workbook (both sheets), keyed by framework:ref (None for a row with no
    key): the four Inspector columns as the workbook shows them (a formula's saved result), each formula, each
    cell format other than General, and the columns the inspector added."""
    book = load_review_book(path)
    out = []
    for row in book.rows:
        cells = {c: row.cells[c] for c in INSPECTOR_COLUMNS}
        if not any(has_value(c) for c in [*cells.values(), *row.extras.values()]):
            continue
        out.append({"key": row.key, "sheet": row.sheet, "row": row.row,
                    **{name: book.value(c, row.sheet) for name, c in cells.items()},
                    "formats": {n: c.number_format for n, c in cells.items() if c.number_format != "General"},
                    "formulas": {n: c.value for n, c in [*cells.items(), *row.extras.items()]
                                 if c.data_type == "f"},
                    "extras": {x: book.value(c, row.sheet) for x, c in row.extras.items() if has_value(c)}})
    book.wb.close()
    return pd.DataFrame(out, columns=["key", "sheet", "row", *INSPECTOR_COLUMNS, "formats", "formulas", "extras"],
                        dtype=object)


def inspector_level(value: object, scale: Scale) -> tuple[str, float | None, str]:
    """An inspector's level, strictly: ('ok', level, ''), ('na', None, ''), ('blank', None, '') or
    ('bad', None, why). A level is one of the scale's values (a whole number from 0 to its top, alone or with its
    own label: '2', 2, '2 - Started'), one of its labels, a status word for a level it has, or Not applicable.

    gapkit.catalogue.vocabulary.parse_status is lenient with forces' trackers; here the raw cell is checked first,
    since it reads '-1' and -1 as 1, 1.5 and '2,5' as a truncated level, TRUE as 1, '+2' as 2, '2 - In place' as
    2 and '3 apples' as 3, and takes status words without checking the scale has their level."""
    top = scale.maximum
    span = f"this scale's levels are 0 to {top}"
    if value is None or (isinstance(value, str) and not value.strip()):
        return "blank", None, ""
    if isinstance(value, bool):
        return "bad", None, f"{str(value).upper()} is not a level"
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return "bad", None, f"{value} is a date or time, not a level"
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number) or not number.is_integer():
            return "bad", None, f"{value} is not a whole level"
        if not 0 <= number <= top:
            return "bad", None, f"level {value:g} is out of range ({span})"
        return "ok", number, ""
    text = str(_plain(value)).strip()
    number = re.match(r"^([+-]?)(\d+)(?:[.,](\d+))?(?!\d)(.*)$", text, re.S)
    if number:
        sign, whole, fraction, rest = number.groups()
        level = int(whole)
        if fraction and int(fraction):
            return "bad", None, f"\"{text}\" is not a whole level"
        if sign == "-" and level:
            return "bad", None, f"\"{text}\" is out of range ({span})"
        if sign:
            return "bad", None, f"\"{text}\" is not a level (a level has no sign)"
        if level > top:
            return "bad", None, f"\"{text}\" is out of range ({span})"
        label = scale.levels[level].label  # its own label, or a status word for that level, may follow
        if norm(rest) not in ("", norm(label)) and status_words().get(norm(rest), -1) != level:
            return "bad", None, f"\"{text}\": level {level} is \"{label}\", not \"{rest.strip(' -')}\""
        return "ok", float(level), ""
    for lv in scale.levels:
        if norm(text) == norm(lv.label):
            return "ok", float(lv.value), ""
    state, level = parse_status(text, scale)
    if state == "ok" and not 0 <= level <= top:
        return "bad", None, f"\"{text}\" means level {level:g}, which this scale does not have ({span})"
    if state in ("ok", "na"):
        return state, level, ""
    return "bad", None, f"\"{text}\" is not a level"


def read_review(path: Path, force: str, round_id: str, *, catalogue: Catalogue,
                settings: ScoringConfig) -> tuple[pd.DataFrame, list[Issue]]:
    """Inspector levels as rows (level_source 'inspector', ROW_COLUMNS), and any problems with their cells."""
    book = load_review_book(path)
    try:
        return _inspector_rows(book, force, round_id, catalogue, settings)
    finally:
        book.wb.close()


def _inspector_rows(book: ReviewBook, force: str, round_id: str, catalogue: Catalogue,
                    settings: ScoringConfig) -> tuple[pd.DataFrame, list[Issue]]:
    path = str(book.path)
    issues, rows, levelled = [], [], {}
    for entry in book.rows:
        if entry.sheet != REVIEW_SHEET:
            continue
        cells = {c: entry.cells[c] for c in INSPECTOR_COLUMNS}
        level_cell = cells["Inspector level"]
        where = f"{REVIEW_SHEET} > {level_cell.coordinate}"
        for name, cell in cells.items():
            if cell.data_type == "f" and book.value(cell, REVIEW_SHEET) is None:
                issues.append(Issue(path, f"{REVIEW_SHEET} > {cell.coordinate}",
                                    f"{name} is a formula ({cell.value}) with no saved result, so gapkit cannot "
                                    "read it", "open the workbook in Excel or LibreOffice and save it (that stores "
                                    "the result), or type the value", "error" if name == "Inspector level" else
                                    "warning"))
        raw = book.value(level_cell, REVIEW_SHEET)
        date = book.value(cells["Review date"], REVIEW_SHEET)
        if date not in (None, "") and not isinstance(date, (dt.date, dt.datetime)):
            issues.append(Issue(path, f"{REVIEW_SHEET} > {cells['Review date'].coordinate}",
                                f"Review date \"{date}\" is not a date", "type the date (e.g. 2019-09-27)",
                                "warning"))
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue  # notes without a level do not change the score, but are kept
        if entry.key is None:
            issues.append(Issue(path, where, f"a level (\"{raw}\") in a row with no key (a row inserted by hand) "
                                "does not count", "give the level in the requirement's own row; this row's "
                                "entries move to the 'Kept entries' sheet when the workbook is regenerated"))
            continue
        fid, _, rid = entry.key.partition(":")
        if fid not in catalogue.frameworks:
            issues.append(Issue(path, f"{REVIEW_SHEET} > row {entry.row}", f"unknown framework in key '{entry.key}'",
                                "regenerate the review workbook with 'gapkit review'"))
            continue
        if rid not in {r.id for r in catalogue.get(fid).requirements}:
            issues.append(Issue(path, f"{REVIEW_SHEET} > row {entry.row}", f"{fid} has no requirement '{rid}' "
                                f"(key '{entry.key}')", "regenerate the review workbook with 'gapkit review'"))
            continue
        scale = settings.scale(catalogue.get(fid).level_scale)
        state, level, why = inspector_level(raw, scale)
        if state == "bad":
            issues.append(Issue(path, where, f"inspector level {why}",
                                f"choose one of: {', '.join(status_labels(scale))}"))
            continue
        if entry.key in levelled:
            issues.append(Issue(path, where, f"a second level for {entry.key} (the first is in row "
                                f"{levelled[entry.key]})", "keep one level per requirement"))
            continue
        levelled[entry.key] = entry.row
        rationale = book.value(cells["Inspector rationale"], REVIEW_SHEET)
        rationale = "" if rationale is None else str(rationale)
        if state == "na" and not rationale.strip():
            issues.append(Issue(path, where, "not applicable needs a justification in Inspector rationale",
                                "say why the requirement does not apply"))
            continue
        name = book.value(cells["Inspector name"], REVIEW_SHEET)
        name = "" if name is None else str(name)
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
