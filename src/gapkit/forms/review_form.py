"""The inspector review workbook: force-reported and suggested levels beside the inspector's own columns, every piece
of evidence labelled with who cited it and where, and gapkit's contradiction flag after the inspector's columns
(the evidence and the flag as every output shows them: gapkit.scoring.views). A requirement that a row of the force's
action plan could not be read about shows "input needs attention" in its Force level cell, with the level of the
rows that were read and why (views.attention).

Regenerating it keeps everything the inspector put in it (gapkit.inputs.review finds it all):
- the four Inspector columns cell by cell: values, formulas (as formulas, moved with their row as a spreadsheet
  moves them), formats, fills, comments and links;
- columns the inspector added (after the Inspector columns, with their headers, widths and cells);
- comments and fills on gapkit's own cells;
- entries for requirements that are no longer in the workbook's frameworks, second rows for one requirement, and
  rows inserted by hand without a key: in the 'Kept entries' sheet, each with why;
- sheets the inspector added.
The previous file is copied to reviews/.backup/ before it is replaced. A workbook gapkit cannot recognise, or one
open in Excel or LibreOffice (its lock file is beside it), is never replaced: the error says where and what to do.
The workbook comes back as an input: gapkit.inputs.review reads it."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from html import escape
from copy import copy
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula

from gapkit.catalogue.frameworks import Catalogue
from gapkit.catalogue.settings import ScoringConfig
from gapkit.catalogue.vocabulary import level_choice, status_labels
from gapkit.core.cells import put
from gapkit.core.errors import GapkitError
from gapkit.core.excel import fit_row_heights, print_setup
from gapkit.core.fileio import atomic_path
from gapkit.inputs.review import (COLUMNS, GENERATED_AFTER, GENERATED_COLUMNS, INSPECTOR_COLUMNS, INSPECTOR_FILL,
                                  KEPT_SHEET, REVIEW_SHEET, WHY_KEPT, ReviewBook, Row, load_review_book, own_fill)
from gapkit.scoring import views

GAPKIT_SHEETS = (REVIEW_SHEET, KEPT_SHEET, "About", "Lists")
FIRST_INSPECTOR = len(GENERATED_COLUMNS) + 1
LAST_INSPECTOR = FIRST_INSPECTOR + len(INSPECTOR_COLUMNS) - 1
FLAG_FONT = Font(color="9C0006", bold=True)  # a contradiction flagged (a font: a fill would read as the inspector's)
# level, rationale, name, review date: the date column fits a date and time as spreadsheets write it
# ("2019-09-27 00:00:00"), which would print as ### in a narrower one; the inspector's own formats are kept
INSPECTOR_WIDTHS = [18, 50, 18, 20]


def write_review(out: Path, force: pd.Series, round_id: str, force_rows: pd.DataFrame | None = None,
                 suggestions: pd.DataFrame | None = None, *, catalogue: Catalogue, settings: ScoringConfig,
                 framework_ids: list[str] | None = None, marking: str = "OFFICIAL", synthetic: bool = False,
                 unread: pd.DataFrame | None = None) -> Path:
    """Write (or regenerate) the review workbook, keeping everything the inspector put in `out`.

    `force_rows` are the force's own levels (before any inspector judgement), `suggestions` gapkit's, `unread` the
    rows of the force's action plan that could not be read (gapkit.assess.assess.ForceAssessment.unread)."""
    framework_ids = framework_ids or sorted(catalogue.frameworks)
    scales = {catalogue.get(f).level_scale for f in framework_ids}
    if len(scales) > 1:  # one drop-down list serves the whole sheet
        raise ValueError(f"the review workbook needs one level scale; these frameworks use {sorted(scales)}")
    scale = settings.scale(scales.pop())
    labels = status_labels(scale)
    out = Path(out)
    book = None
    if out.exists():
        refuse_if_open(out)
        book = load_review_book(out, rewrite=True)  # an error if gapkit cannot recognise or keep it all
    wb = book.wb if book is not None else Workbook()
    extras = book.extras if book is not None else []
    # the evidence and the contradiction flags as every output shows them (gapkit.scoring.views)
    cited = views.evidence_text(force_rows, None) if force_rows is not None and not force_rows.empty else None
    flags = views.contradictions(force_rows, suggestions, {fid: scale for fid in framework_ids})
    force_by_key, sugg_by_key, flag_by_key = _by_key(cited), _by_key(suggestions), _by_key(flags)
    attention_by_key = _by_key(views.attention(unread))

    # the inspector's rows, Review sheet first: the first for a requirement in scope goes to its row; every other
    # row that holds anything of theirs (or that one of their formulas reads) goes to the Kept entries sheet
    wanted = [f"{fid}:{req.id}" for fid in framework_ids for req in catalogue.get(fid).requirements]
    in_scope = set(wanted)
    moves = Moves(book, extras)
    read_by_formulas = moves.rows_read()
    placed: dict[str, Row] = {}
    kept: list[tuple[Row, str | None]] = []  # (row, why; None: the row keeps its own 'Why kept')
    for row in (book.rows if book is not None else []):
        if not row.marked() and (row.sheet, row.row) not in read_by_formulas:
            continue
        if row.key in in_scope and row.key not in placed:
            placed[row.key] = row
        else:
            kept.append((row, _why(row, placed)))

    # where every old row and column ends up, so that a formula's references follow the cells they point to
    row_of_key = {key: r for r, key in enumerate(wanted, 2)}
    for r, (row, _) in enumerate(kept, 2):
        moves.rows[(row.sheet, row.row)] = (KEPT_SHEET, r)
    for row in (book.rows if book is not None else []):
        if row.key in row_of_key and (row.sheet, row.row) not in moves.rows:
            moves.rows[(row.sheet, row.row)] = (REVIEW_SHEET, row_of_key[row.key])

    review = wb.create_sheet("gapkit review (new)")
    _header(review, extras, book, moves, why=False)
    for key, r in row_of_key.items():
        fid, rid = key.split(":", 1)
        req = next(q for q in catalogue.get(fid).requirements if q.id == rid)
        f, s = force_by_key.get(key, {}), sugg_by_key.get(key, {})
        generated = [key, fid, rid, req.statement,
                     force_level(level_choice(f.get("level"), bool(f.get("not_applicable", False)), scale),
                                 attention_by_key.get(key, {}).get("attention", "")),
                     f.get("action", ""), f.get("evidence_cited", ""),
                     views.suggested_level_text(s.get("level"), True, scale) if s.get("needs_inspector")
                     else level_choice(s.get("level"), False, scale),
                     s.get("confidence"), views.found_lines(s.get("evidence_refs", "")), s.get("rationale", "")]
        after = [flag_by_key.get(key, {}).get("contradiction_reason", "")]
        for col, value in [*enumerate(generated, 1), *enumerate(after, LAST_INSPECTOR + 1)]:
            put(review.cell(r, col), value)
        _style_row(review, r)
        if after[0]:
            review.cell(r, LAST_INSPECTOR + 1).font = FLAG_FONT
        if key in attention_by_key:
            review.cell(r, COLUMNS.index(FORCE_LEVEL) + 1).font = FLAG_FONT
        if key in placed:
            _carry(placed[key], review, REVIEW_SHEET, r, extras, moves, generated=False)
    _finish_review(review, labels)

    kept_ws = None
    if kept:
        kept_ws = wb.create_sheet("gapkit kept (new)")
        _header(kept_ws, extras, None, moves, why=True)
        for r, (row, why) in enumerate(kept, 2):
            _style_row(kept_ws, r)
            _carry(row, kept_ws, KEPT_SHEET, r, extras, moves, generated=True)
            why_cell = kept_ws.cell(r, len(COLUMNS) + len(extras) + 1)
            if why is None:
                moves.copy(row.cells[WHY_KEPT], row.sheet, why_cell, KEPT_SHEET)
            else:
                put(why_cell, why)
        _finish_kept(kept_ws, len(extras))
    for ws in wb.worksheets:  # the inspector's own sheets: references to the two sheets follow their cells
        if ws.title not in GAPKIT_SHEETS and ws not in (review, kept_ws) and book is not None:
            moves.follow_in(ws)

    results = moves.results({REVIEW_SHEET: review, KEPT_SHEET: kept_ws})  # while the old sheets are there

    about, lists = _about(wb, force, round_id, marking, synthetic), _lists(wb, labels)
    for ws in [w for w in wb.worksheets if w.title in GAPKIT_SHEETS or w.title == "Sheet" and book is None]:
        wb.remove(ws)
    review.title, about.title, lists.title = REVIEW_SHEET, "About", "Lists"
    if kept_ws is not None:
        kept_ws.title = KEPT_SHEET
    ours = [review, *([kept_ws] if kept_ws is not None else []), about, lists]
    for i, ws in enumerate(ours):  # the inspector's own sheets after gapkit's
        wb.move_sheet(ws, offset=i - wb.index(ws))
    wb.active = 0
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws is review
    print_setup(review, marking, f"{force['official_name']} - {round_id} review", wide=True)
    review.print_title_rows = "1:1"
    # about 70 cm of columns: two A3 pages across (the force's and gapkit's columns, then the inspector's), each
    # with the requirement's framework and ref, readable instead of one page at half size
    review.page_setup.fitToWidth = 2
    review.print_title_cols = "B:C"
    wb.properties.title = f"gapkit review: {force['official_name']}, round {round_id}"
    if out.exists():
        backup = out.parent / ".backup" / f"{out.stem}-{dt.datetime.now():%Y%m%dT%H%M%S%f}{out.suffix}"
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out, backup)
    with atomic_path(out) as tmp:
        wb.save(tmp)
        store_results(tmp, results)
    return out


FORCE_LEVEL = "Force level"


def force_level(choice: str, attention: str) -> str:
    """The force's level as the review shows it: its choice ('2 - Started'), or, where a row of its action plan
    about the requirement could not be read, 'input needs attention' with the level of the rows that were read and
    why (views.attention's text)."""
    if not attention:
        return choice
    read = f"rows read: {choice}" if choice else "no row about it was read"
    return f"{views.ATTENTION} ({read})\n{attention.removeprefix(views.ATTENTION + ': ')}"


def refuse_if_open(out: Path) -> None:
    """An error if Excel or LibreOffice has the workbook open (their lock file is beside it): saving over it would
    lose what the inspector is typing, or be lost when they save."""
    candidates = [(out.with_name(f".~lock.{out.name}#"), "LibreOffice"), (out.with_name(f"~${out.name}"), "Excel"),
                  (out.with_name(f"~${out.name[2:]}"), "Excel")]
    for lock, program in candidates:
        if lock.exists():
            raise GapkitError.one(out, "", f"the workbook is open in {program} (its lock file {lock.name} is beside "
                                  "it); gapkit review will not replace it while it is open",
                                  f"save and close it, then run gapkit review again (if nobody has it open, delete "
                                  f"{lock})")


KEPT_REASONS = {"no key": "a row with no key", "second": "a second row for", "gone": "requirement no longer in"}


def _why(row: Row, placed: dict[str, Row]) -> str | None:
    """Why a row goes to the Kept entries sheet; None when it was kept before for the same reason (its own text,
    which says where it came from, stays)."""
    where = f"was {row.sheet} row {row.row}"
    if row.key is None:
        reason, text = "no key", f"a row with no key (inserted by hand; {where}): a level here does not count"
    elif row.key in placed:
        reason, text = "second", (f"a second row for {row.key} ({where}); the requirement's own row is in the "
                                  f"{REVIEW_SHEET} sheet")
    else:
        reason, text = "gone", f"requirement no longer in this workbook's frameworks ({where})"
    own = row.why() if row.sheet == KEPT_SHEET else None
    return None if own and own.startswith(KEPT_REASONS[reason]) else text


def _by_key(frame: pd.DataFrame | None) -> dict[str, dict]:
    if frame is None or frame.empty:
        return {}
    return {f"{r['framework']}:{r['requirement_id']}": r for r in frame.to_dict("records")}


# ---- copying the inspector's cells --------------------------------------------------------------------------

REFERENCE = re.compile(r"^(?:(?P<sheet>'(?:[^']|'')+'|[^'!]+)!)?(?P<first>[^:]+)(?::(?P<second>[^:]+))?$")
CELL = re.compile(r"^(\$?)([A-Za-z]{1,3})?(\$?)(\d+)?$")


class Moves:
    """Where the old workbook's rows and columns end up in the regenerated one: (sheet, row) -> (sheet, row) and
    (sheet, column) -> column. Copies cells there, and rewrites formulas so that each reference follows the cell
    it points to (as a spreadsheet does when rows move), wherever the formula itself goes.

    It also keeps each formula's last saved result where it still holds (every cell it refers to has the same value
    in the new workbook), since openpyxl saves formulas without results and gapkit reads the results."""

    MAX_CELLS = 2000  # a formula over more cells than this loses its saved result (it is recalculated on opening)

    def __init__(self, book: ReviewBook | None, extras: list) -> None:
        self.book = book
        self.rows: dict[tuple[str, int], tuple[str, int]] = {(REVIEW_SHEET, 1): (REVIEW_SHEET, 1),
                                                             (KEPT_SHEET, 1): (KEPT_SHEET, 1)}
        new_column = {("column", name): i for i, name in enumerate(COLUMNS, 1)}
        new_column.update({("extra", x.id): len(COLUMNS) + i for i, x in enumerate(extras, 1)})
        new_column[("column", WHY_KEPT)] = len(COLUMNS) + len(extras) + 1
        self.columns = {(sheet, col): new_column[what] for sheet, layout in (book.layout if book else {}).items()
                        for col, what in layout.items() if what in new_column}
        self.pending: list[tuple[str, str, object, list | None]] = []  # (sheet, cell, result, cells it reads)

    def copy(self, source, source_sheet: str, target, target_sheet: str) -> None:
        """Value (a formula as a formula; text as text even if it looks like one), style, comment and link."""
        value = source.value
        if isinstance(value, ArrayFormula) or source.data_type == "f" and isinstance(value, str):
            reads: list | None = []
            text = self.formula(value.text if isinstance(value, ArrayFormula) else value, source_sheet, target_sheet,
                                reads)
            target.value = ArrayFormula(target.coordinate, text) if isinstance(value, ArrayFormula) else text
            target.data_type = "f"
            result = self.book.cached.get((source_sheet, source.coordinate)) if self.book is not None else None
            if result is not None:
                self.pending.append((target_sheet, target.coordinate, result, reads))
        else:
            target.value = value
            if value is not None:
                target.data_type = source.data_type
        if source.has_style:
            target._style = copy(source._style)
        target.comment = copy(source.comment) if source.comment is not None else None
        if source.hyperlink is not None:
            link = copy(source.hyperlink)
            link.ref = target.coordinate
            target.hyperlink = link

    def formula(self, formula: str, home: str, new_home: str, reads: list | None = None) -> str:
        """The formula with its references to cells of the two sheets pointing where those cells now are; a
        formula gapkit cannot parse stays as it is. The cells it reads are added to `reads` (its last item None
        when they cannot all be known)."""
        try:
            tokens = Tokenizer(formula)
            for token in tokens.items:
                if token.type == Token.OPERAND and token.subtype == Token.RANGE:
                    token.value = self._reference(token.value, home, new_home, reads)
            return tokens.render()
        except Exception:  # noqa: BLE001  (an unusual formula is kept exactly rather than lost)
            if reads is not None:
                reads.append(None)
            return formula

    def rows_read(self) -> set[tuple[str, int]]:
        """The rows of the two sheets that a formula anywhere in the workbook reads."""
        reads: list = []
        for ws in (self.book.wb.worksheets if self.book is not None else []):
            if ws.title in ("About", "Lists"):
                continue
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        value = cell.value
                        self.formula(value.text if isinstance(value, ArrayFormula) else str(value), ws.title,
                                     ws.title, reads)
        return {(sheet, row) for sheet, row, _ in filter(None, reads)}

    def follow_in(self, ws) -> None:
        """Formulas in one of the inspector's own sheets."""
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" and isinstance(cell.value, str):
                    cell.value = self.formula(cell.value, ws.title, ws.title)

    def results(self, new_sheets: dict[str, object]) -> dict[tuple[str, str], object]:
        """(sheet, cell) -> a formula's saved result that still holds in the new sheets."""
        out = {}
        for sheet, coordinate, result, reads in self.pending:
            if None not in reads and all(self._unchanged(cell, new_sheets) for cell in reads):
                out[(sheet, coordinate)] = result
        return out

    def _unchanged(self, read: tuple[str, int, int], new_sheets: dict[str, object]) -> bool:
        sheet, row, col = read
        old = self.book.wb[sheet].cell(row, col) if sheet in self.book.wb.sheetnames else None
        if old is None or old.data_type == "f":
            return False  # another formula: its own result is not known here
        if sheet not in (REVIEW_SHEET, KEPT_SHEET):
            return True  # the inspector's own sheets are not changed
        where, new_row = self.rows.get((sheet, row), (sheet, row))
        ws = new_sheets.get(where)
        if ws is None:
            return old.value in (None, "")
        new = ws.cell(new_row, self.columns.get((sheet, col), col))
        return new.data_type != "f" and (new.value in (None, "") and old.value in (None, "") or
                                         (new.value == old.value and type(new.value) is type(old.value)))

    def _reference(self, text: str, home: str, new_home: str, reads: list | None) -> str:
        match = REFERENCE.match(text)
        if not match:
            return text
        quoted = match["sheet"]
        sheet = quoted[1:-1].replace("''", "'") if quoted and quoted.startswith("'") else quoted or home
        ends, lands, corners = [], set(), []
        for part in (match["first"], match["second"]):
            if part is None:
                continue
            cell = CELL.match(part)
            if not cell or (cell[2] is None and cell[4] is None):
                if reads is not None:
                    reads.append(None)  # a defined name: what it reads is not followed
                return text
            col_abs, letters, row_abs, number = cell.groups()
            row = int(number) if number else None
            col = column_index_from_string(letters) if letters else None
            corners.append((row, col))
            where = sheet
            if row is not None and (sheet, row) in self.rows:
                where, row = self.rows[(sheet, row)]
            if col is not None:
                col = self.columns.get((sheet, col), col)
            lands.add(where)
            ends.append(f"{col_abs}{get_column_letter(col) if col else ''}{row_abs}{row if row is not None else ''}")
        if reads is not None:
            reads.extend(self._cells(sheet, corners))
        if sheet not in (REVIEW_SHEET, KEPT_SHEET) or len(lands) != 1:
            return text  # another sheet's cell, or the two ends of a range went to different sheets: as written
        where = lands.pop()
        if where != new_home:
            prefix = (quoted if quoted and sheet == where else _quoted(where)) + "!"
        else:  # a qualifier only as the inspector wrote it (not one gapkit added while the row was kept)
            prefix = quoted + "!" if quoted and home == new_home and sheet == where else ""
        return prefix + ":".join(ends)

    def _cells(self, sheet: str, corners: list[tuple[int | None, int | None]]) -> list:
        (r1, c1), (r2, c2) = corners[0], corners[-1]
        if None in (r1, c1, r2, c2):
            return [None]  # a whole row or column
        rows, cols = range(min(r1, r2), max(r1, r2) + 1), range(min(c1, c2), max(c1, c2) + 1)
        if len(rows) * len(cols) > self.MAX_CELLS:
            return [None]
        return [(sheet, r, c) for r in rows for c in cols]


def _quoted(sheet: str) -> str:
    return sheet if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", sheet) else "'" + sheet.replace("'", "''") + "'"


def _carry(row: Row, ws, sheet: str, r: int, extras: list, moves: Moves, generated: bool) -> None:
    """Put the inspector's cells of `row` into row r of `ws` (which will be `sheet`). gapkit's own columns: their
    comments and the inspector's fills, or (`generated`, for a kept row) every cell as it was."""
    for name, cell in row.cells.items():
        if name not in COLUMNS:
            continue
        target = ws.cell(r, COLUMNS.index(name) + 1)
        if name in INSPECTOR_COLUMNS or generated:
            moves.copy(cell, row.sheet, target, sheet)
        else:
            if cell.comment is not None:
                target.comment = copy(cell.comment)
            if own_fill(cell, False):
                target.fill = copy(cell.fill)
    for i, extra in enumerate(extras):
        if extra.id in row.extras:
            moves.copy(row.extras[extra.id], row.sheet, ws.cell(r, len(COLUMNS) + i + 1), sheet)


# ---- layout and styles ---------------------------------------------------------------------------------------

HEAD_FONT = Font(bold=True, color="FFFFFF")
GAPKIT_HEAD = PatternFill("solid", fgColor="1F3864")
INSPECTOR_HEAD = PatternFill("solid", fgColor="375623")
INSPECTOR_CELL = PatternFill("solid", fgColor=INSPECTOR_FILL)
WRAP = Alignment(wrap_text=True, vertical="top")


def _header(ws, extras: list, book: ReviewBook | None, moves: Moves, why: bool) -> None:
    """gapkit's column headers, then the inspector's added columns (their header cells as they were), then (on the
    Kept entries sheet) Why kept."""
    for col, name in enumerate(COLUMNS, 1):
        cell = ws.cell(1, col)
        put(cell, name)
        cell.font, cell.alignment = HEAD_FONT, WRAP
        cell.fill = INSPECTOR_HEAD if name in INSPECTOR_COLUMNS else GAPKIT_HEAD
        if book is not None and name in book.header_comments:
            cell.comment = copy(book.header_comments[name])
    for i, extra in enumerate(extras):
        col = len(COLUMNS) + i + 1
        if extra.header is not None:
            moves.copy(extra.header, extra.header.parent.title, ws.cell(1, col), REVIEW_SHEET if not why else KEPT_SHEET)
        if extra.width:
            ws.column_dimensions[get_column_letter(col)].width = extra.width
    if why:
        cell = ws.cell(1, len(COLUMNS) + len(extras) + 1)
        put(cell, WHY_KEPT)
        cell.font, cell.alignment, cell.fill = HEAD_FONT, WRAP, GAPKIT_HEAD


def _style_row(ws, r: int) -> None:
    for col in range(1, len(COLUMNS) + 1):
        cell = ws.cell(r, col)
        cell.alignment = WRAP
        if FIRST_INSPECTOR <= col <= LAST_INSPECTOR:
            cell.fill = INSPECTOR_CELL
            cell.protection = Protection(locked=False)


def _finish_review(ws, labels: list[str]) -> None:
    widths = [w for _, w in GENERATED_COLUMNS] + INSPECTOR_WIDTHS + [w for _, w in GENERATED_AFTER]
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.column_dimensions["A"].hidden = True
    last = max(ws.max_row, 2)
    level_col, date_col = get_column_letter(FIRST_INSPECTOR), get_column_letter(LAST_INSPECTOR)
    choices = ", ".join(labels)
    level = DataValidation(type="list", formula1=f"Lists!$A$1:$A${len(labels)}", allow_blank=True,
                           showErrorMessage=True, errorStyle="stop", errorTitle="Not a level",
                           error=f"Choose the level from the list: {choices}."[:255],
                           showInputMessage=True, promptTitle="Inspector level",
                           prompt="Choose from the list. The inspector's level wins over the force's and the "
                                  "suggestion.")
    level.add(f"{level_col}2:{level_col}{last}")
    date = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True,
                          showErrorMessage=True, errorStyle="warning", errorTitle="Not a date",
                          error="Type the date of the review, e.g. 2019-09-27.")
    date.add(f"{date_col}2:{date_col}{last}")
    ws.add_data_validation(level)
    ws.add_data_validation(date)
    fit_row_heights(ws, 2, last)
    ws.freeze_panes = "D2"
    ws.auto_filter.ref = f"A1:{get_column_letter(ws.max_column)}{ws.max_row}"


def _finish_kept(ws, n_extras: int) -> None:
    widths = [28] + [w for _, w in GENERATED_COLUMNS[1:]] + INSPECTOR_WIDTHS + [w for _, w in GENERATED_AFTER]
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.column_dimensions[get_column_letter(len(COLUMNS) + n_extras + 1)].width = 50
    ws.freeze_panes = "B2"


def _about(wb, force: pd.Series, round_id: str, marking: str, synthetic: bool):
    about = wb.create_sheet("gapkit about (new)")
    about.append(["gapkit inspector review"])
    about.append(["Force", force["official_name"]])
    about.append(["Round", str(round_id)])
    about.append(["Protective marking", marking])
    if synthetic:
        about.append(["Data", "SYNTHETIC DEMONSTRATION DATA about a fictional force"])
    about.append(["How to use", "Fill the four Inspector columns (green). The inspector's level always wins over "
                                "the force's and the suggestion. Regenerating this workbook keeps every entry, "
                                "formula, comment, fill and added column; rows without a key and entries for "
                                "requirements no longer in scope move to the 'Kept entries' sheet."])
    about.append(["Evidence", views.EVIDENCE_KEY + " 'Force evidence' is what the force cited; 'Suggested "
                              "evidence' is what gapkit found."])
    about.append([GENERATED_AFTER[0][0], "gapkit's flag, after the Inspector columns (it is rewritten each time): "
                                         + views.CONTRADICTION_RULE])
    about.append(["", "gapkit rewrites this sheet and the Lists sheet; sheets you add are kept."])
    about.column_dimensions["B"].width = 100
    return about


def _lists(wb, labels: list[str]):
    lists = wb.create_sheet("gapkit lists (new)")
    for i, label in enumerate(labels, 1):
        lists.cell(i, 1, label)
    lists.sheet_state = "hidden"
    return lists


# ---- formulas' saved results -----------------------------------------------------------------------------------

def store_results(path: Path, results: dict[tuple[str, str], object]) -> None:
    """Put formulas' saved results into a workbook openpyxl has just written (it writes each formula with an empty
    result), so that gapkit, and any reader that does not calculate, reads what the inspector's spreadsheet showed.
    Spreadsheet programs recalculate on opening (openpyxl sets fullCalcOnLoad)."""
    if not results:
        return
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    workbook = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    targets = {m["id"]: m["target"] for m in re.finditer(r'<Relationship[^>]*Target="(?P<target>[^"]+)"[^>]*'
                                                          r'Id="(?P<id>[^"]+)"', rels)}
    for sheet in {s for s, _ in results}:
        found = re.search(r'<sheet [^>]*name="' + re.escape(escape(sheet, quote=True)) + r'"[^>]*r:id="([^"]+)"',
                          workbook)
        if not found or found[1] not in targets:
            continue
        part = targets[found[1]].lstrip("/")
        part = part if part.startswith("xl/") else "xl/" + part
        xml = parts[part].decode()
        for (where, coordinate), result in results.items():
            if where == sheet:
                xml = _with_result(xml, coordinate, result)
        parts[part] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _with_result(xml: str, coordinate: str, result: object) -> str:
    if isinstance(result, bool):
        kind, text = "b", "1" if result else "0"
    elif isinstance(result, (int, float)):
        kind, text = None, repr(float(result)) if isinstance(result, float) else str(result)
    elif isinstance(result, (dt.datetime, dt.date, dt.time)):
        kind, text = None, repr(float(to_excel(result)))
    elif isinstance(result, str) and result in ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"):
        kind, text = "e", result
    else:
        kind, text = "str", escape(str(result), quote=False)
    pattern = re.compile(r'<c r="' + coordinate + r'"(?P<attrs>[^>]*)><f(?P<f>[^>]*)>(?P<formula>.*?)</f><v\s*/?>'
                         r'(?:</v>)?</c>', re.S)

    def fill(m: re.Match) -> str:
        attrs = re.sub(r'\st="[^"]*"', "", m["attrs"]) + (f' t="{kind}"' if kind else "")
        return f'<c r="{coordinate}"{attrs}><f{m["f"]}>{m["formula"]}</f><v>{text}</v></c>'

    return pattern.sub(fill, xml, count=1)
