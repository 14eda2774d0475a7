"""Forces' action plans: filled gapkit templates and forces' own trackers, read into action rows.

Reading reports every problem in one pass (file > sheet > cell) and returns the raw action rows (one per action,
several per requirement possible); combining them into one level per requirement is the assessment stage's job
(gapkit.assess.combine). A workbook with errors gives no rows."""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from gapkit.catalogue.frameworks import Catalogue
from gapkit.catalogue.settings import ScoringConfig
from gapkit.catalogue.textmatch import RequirementIndex
from gapkit.catalogue.vocabulary import (
    DateRules,
    date_rules,
    header_aliases,
    ignored_headers,
    norm,
    parse_status,
    quiet_hidden_sheets,
    status_labels,
)
from gapkit.core.errors import GapkitError, Issue
from gapkit.core.limits import check_regular_file, check_zip_archive
from gapkit.core.text import clean, clean_value

ACTIONS_SHEET = "Actions"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
CONVERT_FIX = "open it in Excel or LibreOffice, save it as .xlsx (Excel Workbook) and submit the .xlsx"
MAX_ROWS = 200_000
TEXT_MATCH_ACCEPT = 0.35  # below this, a requirement text is not matched (measured on the tracker fixtures)
TEXT_MATCH_CONFIRM = 0.6  # below this, a match is reported for the inspector to confirm
UNREAD_COLUMNS = ["cell", "framework", "requirement_id", "why"]  # a row left out, and the requirement it was for
ACTION_COLUMNS = ["force", "round", "framework", "requirement_id", "level", "not_applicable", "na_justification",
                  "action", "evidence_refs", "owner", "due_date", "rationale", "level_source", "cell"]

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y",
                 "%B %Y", "%b %Y", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M")


def parse_date(value: object, rules: DateRules | None = None) -> tuple[str, pd.Timestamp | None]:
    """('ok', date) / ('blank', None) / ('bad', None) / ('range', None). Accepts dates, Excel serial numbers and
    common text forms; a date outside the window of tracker_headers.yaml (dates: earliest, latest) is 'range'.
    Placeholders such as 'TBC' are 'bad' here: read_submission checks them first (DateRules.placeholder)."""
    rules = rules or date_rules()
    if value is None or (isinstance(value, str) and not clean(value).strip()):
        return "blank", None
    if isinstance(value, bool):
        return "bad", None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, (int, float)):
        if not (math.isfinite(value) and 1 <= value < 2958466):  # Excel's date range
            return "bad", None
        try:
            day = from_excel(value).date()
        except (ValueError, OverflowError):
            return "bad", None
    elif isinstance(value, str):
        day = _text_date(clean(value).strip())
        if day is None:
            return "bad", None
    else:  # a time of day, a duration
        return "bad", None
    if not rules.earliest <= day <= rules.latest:
        return "range", None
    return "ok", pd.Timestamp(day)


def _text_date(text: str) -> dt.date | None:
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    for fmt in _DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        if fmt in ("%B %Y", "%b %Y"):  # a month means its last day
            return parsed.date().replace(day=calendar.monthrange(parsed.year, parsed.month)[1])
        return parsed.date()
    return None


# ---- reading ------------------------------------------------------------------------------------------------

@dataclass
class SubmissionResult:
    path: Path
    actions: pd.DataFrame | None  # one row per action read (ACTION_COLUMNS); None when the workbook is unusable
    issues: list[Issue] = field(default_factory=list)
    matches: pd.DataFrame = field(default_factory=pd.DataFrame)  # text matches for the inspector to confirm
    # rows that could not be read (UNREAD_COLUMNS): each is also an error issue; the rest of the workbook is used
    unread: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=UNREAD_COLUMNS))

    @property
    def ok(self) -> bool:
        return self.actions is not None


def _open_workbook(path: Path):
    """Open with cached formula values; give a clear issue for everything that is not a readable workbook. The
    file's kind, size and zip parts are checked (gapkit.core.limits) before openpyxl reads anything."""
    path = Path(path)
    name = path.name
    check_regular_file(path)
    if path.stat().st_size == 0:
        raise GapkitError.one(path, "", "the file is empty", "save the workbook again from Excel or LibreOffice")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise GapkitError.one(path, "", f"'{name}' is in the old Excel 97-2003 format (.xls), which gapkit does not "
                              "read", CONVERT_FIX)
    if suffix not in WORKBOOK_SUFFIXES:
        kind = f"a {suffix} file" if suffix else "a file with no extension"
        raise GapkitError.one(path, "", f"'{name}' is {kind}; gapkit reads Excel workbooks "
                              f"({', '.join(WORKBOOK_SUFFIXES)})", CONVERT_FIX)
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise GapkitError.one(path, "", "the workbook is encrypted (password protected) or in the old .xls format",
                              "remove the password, or save as .xlsx (Excel Workbook), and submit again")
    if not zipfile.is_zipfile(path):
        raise GapkitError.one(path, "", f"'{name}' is not an Excel workbook",
                              "submit an .xlsx or .xlsm file saved from Excel or LibreOffice")
    check_zip_archive(path)
    try:
        return load_workbook(path, data_only=True, keep_vba=False)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise GapkitError.one(path, "", f"the workbook cannot be read ({type(exc).__name__}: {exc})",
                              "open it in Excel or LibreOffice, save it as .xlsx and submit again") from None


def _header_map(values: list[object]) -> dict[str, int]:
    aliases = header_aliases()
    best: dict[str, tuple[int, int]] = {}  # field -> (rank, column)
    for idx, value in enumerate(values):
        hit = aliases.get(norm(value)) if value is not None else None
        if hit and (hit[0] not in best or hit[1] < best[hit[0]][0]):
            best[hit[0]] = (hit[1], idx)
    return {fld: col for fld, (_, col) in best.items()}


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    """Sorted numbers as (first, last) runs: [3, 4, 5, 9] -> [(3, 5), (9, 9)]."""
    out: list[tuple[int, int]] = []
    for n in sorted(numbers):
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


class _VisibleSheet:
    """A worksheet as its reader sees it: hidden rows and columns are never read, and a cell of a merged range
    has the range's top-left value (trackers merge a recommendation over its actions, and titles and headers
    across columns) unless that top-left cell is itself hidden. Every text value is cleaned (gapkit.core.text)."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.max_row, self.max_column = ws.max_row, ws.max_column
        self.hidden_columns = {c for dim in ws.column_dimensions.values() if dim.hidden and dim.min
                               for c in range(dim.min, min(dim.max or dim.min, self.max_column) + 1)}
        self.hidden_rows = {r for r, dim in ws.row_dimensions.items() if dim.hidden and r <= self.max_row}
        self._merged: dict[int, tuple[list[int], list[tuple[int, int, int]]]] = {}  # col -> (starts, ranges)
        spans: dict[int, list[tuple[int, int, int, int]]] = {}
        for rng in ws.merged_cells.ranges:
            if rng.min_row in self.hidden_rows or rng.min_col in self.hidden_columns:
                continue  # a hidden cell's text is never shown, not even in the visible part of its range
            for c in range(rng.min_col, min(rng.max_col, self.max_column) + 1):
                spans.setdefault(c, []).append((rng.min_row, rng.max_row, rng.min_row, rng.min_col))
        for c, items in spans.items():
            items.sort()
            self._merged[c] = ([i[0] for i in items], [(i[1], i[2], i[3]) for i in items])

    def visible(self, r: int, c: int) -> bool:
        return r not in self.hidden_rows and c not in self.hidden_columns

    def origin(self, r: int, c: int) -> tuple[int, int]:
        """The cell whose value (r, c) shows: the top-left of its merged range, or itself."""
        if c in self._merged:
            starts, ranges = self._merged[c]
            i = bisect.bisect_right(starts, r) - 1
            if i >= 0 and ranges[i][0] >= r:
                return ranges[i][1], ranges[i][2]
        return r, c

    def value(self, r: int, c: int) -> object:
        if not self.visible(r, c):
            return None
        return clean_value(self.ws.cell(*self.origin(r, c)).value)

    def find_table(self, first_rows: int = 15) -> tuple[int, dict[str, int], list[object]] | None:
        """The header row (1-based), field -> column index (0-based) and the header values, within the first
        rows: the visible row that names the most fields among those with a Status and a Ref or Recommendation
        column (a header may sit under a title row, or span two rows merged)."""
        best = None
        for r in range(1, min(first_rows, self.max_row) + 1):
            if r in self.hidden_rows:
                continue
            values = [self.value(r, c) for c in range(1, self.max_column + 1)]
            mapping = _header_map(values)
            named = "status" in mapping and ({"ref", "requirement_text"} & set(mapping))
            if named and (best is None or len(mapping) > len(best[1])):
                best = (r, mapping, values)
        return best


def _formula_cells(path: Path, sheet: str) -> set[str]:
    """Coordinates of formula cells (read without cached values) so that missing cached values can be reported."""
    wb = load_workbook(path, data_only=False, read_only=True)
    out = set()
    for row in wb[sheet].iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                out.add(cell.coordinate)
    wb.close()
    return out


def _resolve_ref(ref: object, framework: object, catalogue: Catalogue,
                 framework_ids: list[str]) -> list[tuple[str, str]]:
    if ref is None or str(ref).strip() == "":
        return []
    text = str(ref).strip()
    if ":" in text:
        framework, text = text.split(":", 1)
    fws = [str(framework).strip()] if framework not in (None, "") else framework_ids
    hits = []
    for fid in fws:
        fw = catalogue.frameworks.get(fid)
        if fw is None:
            continue
        for req in fw.requirements:
            if norm(req.id) == norm(text):
                hits.append((fid, req.id))
    return hits


def read_submission(path: Path, force: str, round_id: str, *, catalogue: Catalogue, settings: ScoringConfig,
                    framework_ids: list[str] | None = None) -> SubmissionResult:
    """Read a filled template or a force's own tracker into action rows (level_source force-reported)."""
    framework_ids = framework_ids or sorted(catalogue.frameworks)
    path = Path(path)
    try:
        wb = _open_workbook(path)
    except GapkitError as exc:
        return SubmissionResult(path, None, exc.issues)
    issues: list[Issue] = []

    def add(where: str, message: str, fix: str = "", severity: str = "error") -> None:
        issues.append(Issue(str(path), where, message, fix, severity))

    # choose the sheet: "Actions" if present, else the first visible sheet with a recognisable header. Hidden
    # sheets are never read, and named by position only (their title may say what they hold).
    quiet = quiet_hidden_sheets()
    visible = []
    for ws in wb.worksheets:
        if ws.sheet_state == "visible":
            visible.append(ws)
        elif ws.title not in quiet:
            add("", f"sheet {wb.sheetnames.index(ws.title) + 1} is hidden and was not read",
                "unhide it if it should be read; delete it if it holds anything that should not be sent", "warning")
    candidates = [ws for ws in visible if ws.title == ACTIONS_SHEET] + [ws for ws in visible if ws.title != ACTIONS_SHEET]
    chosen = None
    for ws in candidates:
        sheet = _VisibleSheet(ws)
        table = sheet.find_table()
        if table is not None:
            chosen = (sheet, *table)
            break
    if chosen is None:
        add("", "no sheet has a header row gapkit recognises (it needs a Status column and a Ref or Recommendation column)",
            "use the gapkit template, or add your header words to data/config/tracker_headers.yaml")
        return SubmissionResult(path, None, issues)
    sheet, header_row, cols, header_values = chosen
    ws = sheet.ws
    if ws.max_row > MAX_ROWS:
        add(ws.title, f"the sheet has {ws.max_row:,} rows, more than the {MAX_ROWS:,} gapkit reads",
            "delete unused rows or split the workbook")
        return SubmissionResult(path, None, issues)
    unhide = "unhide it if it should be read; delete it if it holds anything that should not be sent"
    for first, last in _runs(sorted(sheet.hidden_columns)):
        span = (f"column {get_column_letter(first)} is hidden and was" if first == last
                else f"columns {get_column_letter(first)}-{get_column_letter(last)} are hidden and were")
        add(ws.title, f"{span} not read", unhide, "warning")
    for first, last in _runs(sorted(sheet.hidden_rows)):
        span = f"row {first} is hidden and was" if first == last else f"rows {first}-{last} are hidden and were"
        add(ws.title, f"{span} not read", unhide, "warning")
    # columns not used: visible ones only, by header and letter; one under another's merged header by letter only
    known = set(cols.values())
    ignored = ignored_headers()
    extra = []
    for i, v in enumerate(header_values):
        c = i + 1
        if v in (None, "") or i in known or norm(v) in ignored or c in sheet.hidden_columns:
            continue
        origin_col = sheet.origin(header_row, c)[1]
        if origin_col != c:
            extra.append(f"{get_column_letter(c)} (under the merged header of column {get_column_letter(origin_col)})")
        else:
            extra.append(f"{v} (column {get_column_letter(c)})")
    if extra:
        add(f"{ws.title} > row {header_row}", f"columns not used by gapkit: {', '.join(extra)}",
            "add a header word to data/config/tracker_headers.yaml if one of these should be read", "warning")
    rules = date_rules()
    formula_cells = _formula_cells(path, ws.title) if path.suffix.lower() in (".xlsx", ".xlsm") else set()
    index = None
    rows, matches, unread = [], [], []

    def skip(where: str, message: str, fix: str, target: tuple[str, str] | None = None) -> None:
        """A row that cannot be read: an error naming its cell, the row left out, the rest of the sheet used."""
        add(where, f"{message}; the row was not read", fix)
        unread.append({"cell": where, "framework": target[0] if target else "",
                       "requirement_id": target[1] if target else "", "why": message})

    for r in range(header_row + 1, sheet.max_row + 1):
        if r in sheet.hidden_rows:
            continue
        cells = {fld: ws.cell(r, c + 1) for fld, c in cols.items()}
        values = {fld: sheet.value(r, c + 1) for fld, c in cols.items()}
        if all(v is None or str(v).strip() == "" for v in values.values()):
            continue
        where = lambda fld: f"{ws.title} > {cells[fld].coordinate}"  # noqa: E731
        for fld, cell in cells.items():
            if cell.coordinate in formula_cells and cell.value is None:
                add(where(fld), "formula with no saved result",
                    "open the workbook in Excel or LibreOffice and save it, so the result is stored", "warning")
        # which requirement
        targets = _resolve_ref(values.get("ref"), values.get("framework"), catalogue, framework_ids)
        ref_given = str(values.get("ref") or "").strip() != ""
        text_given = str(values.get("requirement_text") or "").strip() != ""
        if ref_given and not targets and not text_given:
            skip(where("ref"), f"reference '{values['ref']}' is not a requirement in the frameworks"
                 + (f" ({values.get('framework')})" if values.get("framework") else ""),
                 "use a requirement id from the template (for example P1 or E3)")
            continue
        if len(targets) > 1:
            skip(where("ref"), f"reference '{values['ref']}' is ambiguous: "
                 f"{', '.join(f + ':' + i for f, i in targets)}", "add a Framework column or write framework:ref")
            continue
        if not targets:
            text = values.get("requirement_text")
            if text in (None, "") or not str(text).strip():
                skip(f"{ws.title} > row {r}", "row has no requirement reference or text",
                     "give the requirement's Ref, or its text")
                continue
            index = index or RequirementIndex.build(catalogue, framework_ids)
            key, confidence = index.best(str(text))
            if confidence < TEXT_MATCH_ACCEPT:
                add(where("requirement_text"), f"row not used: cannot match '{str(text)[:60]}' to a requirement "
                    f"(best {key[0]}:{key[1]}, confidence {confidence:.2f})",
                    "add the requirement's Ref if this row answers one", "warning")
                continue
            if ref_given:
                add(where("ref"), f"reference '{values['ref']}' is not a requirement; matched by its text instead",
                    "correct the reference", "warning")
            matches.append({"cell": where("requirement_text"), "text": str(text), "framework": key[0],
                            "requirement_id": key[1], "confidence": round(confidence, 2),
                            "to_confirm": confidence < TEXT_MATCH_CONFIRM})
            if confidence < TEXT_MATCH_CONFIRM:
                add(where("requirement_text"), f"matched by text to {key[0]}:{key[1]} with confidence "
                    f"{confidence:.2f}", "confirm the match, or add the Ref", "warning")
            targets = [key]
        fid, rid = targets[0]
        scale = settings.scale(catalogue.get(fid).level_scale)
        # status
        state, level = parse_status(values.get("status"), scale)
        if state == "blank":
            if values.get("action") in (None, ""):
                continue  # an untouched template row: the requirement stays 'no information'
            skip(where("status") if "status" in cells else f"{ws.title} > row {r}",
                 "status is empty", "choose a status from the list", (fid, rid))
            continue
        if state == "unknown":
            allowed = ", ".join(status_labels(scale))
            skip(where("status"), f"status \"{values['status']}\" is not a known status",
                 f"use one of: {allowed}; or add the word to data/config/status_vocabulary.yaml", (fid, rid))
            continue
        na = state == "na"
        justification = str(values.get("na_justification") or "").strip()
        if na and not justification:
            skip(where("na_justification") if "na_justification" in cells else where("status"),
                 "not applicable needs a justification", "say why the requirement does not apply to the force",
                 (fid, rid))
            continue
        due = None
        if "due_date" in cells:
            if rules.placeholder(values.get("due_date")):
                add(where("due_date"), f"due date \"{values['due_date']}\" is not a date; read as no due date",
                    "enter the date when it is known", "warning")
                dstate = "blank"
            else:
                dstate, due = parse_date(values.get("due_date"), rules)
            if dstate == "bad":
                skip(where("due_date"), f"due date \"{values['due_date']}\" is not a date",
                     "enter a date such as 31/03/2018", (fid, rid))
                continue
            if dstate == "range":
                shown = values["due_date"]
                shown = shown.date().isoformat() if isinstance(shown, dt.datetime) else shown
                skip(where("due_date"), f"due date \"{shown}\" is outside the dates gapkit accepts "
                     f"({rules.earliest:%d/%m/%Y} to {rules.latest:%d/%m/%Y})", "correct the date", (fid, rid))
                continue
        rows.append({"force": force, "round": str(round_id), "framework": fid, "requirement_id": rid,
                     "level": level, "not_applicable": na, "na_justification": justification,
                     "action": _text(values.get("action")) or _text(values.get("update")),
                     "evidence_refs": _text(values.get("evidence")), "owner": _text(values.get("owner")),
                     "due_date": due, "rationale": _text(values.get("update")),
                     "level_source": "force-reported", "cell": f"{ws.title} > row {r}"})
    wb.close()
    return SubmissionResult(path, pd.DataFrame(rows, columns=ACTION_COLUMNS), issues, pd.DataFrame(matches),
                            pd.DataFrame(unread, columns=UNREAD_COLUMNS))


def _text(value: object) -> str:
    return "" if value is None else clean(str(value)).strip()
