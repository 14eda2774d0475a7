"""Forces' action plans: filled gapkit templates and forces' own trackers, read into action rows.

Reading reports every problem in one pass (file > sheet > cell) and returns the raw action rows (one per action,
several per requirement possible); combining them into one level per requirement is the assessment stage's job
(gapkit.assess.combine). A workbook with errors gives no rows."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from gapkit.catalogue.frameworks import Catalogue
from gapkit.catalogue.settings import ScoringConfig
from gapkit.catalogue.textmatch import RequirementIndex
from gapkit.catalogue.vocabulary import header_aliases, ignored_headers, norm, parse_status, status_labels
from gapkit.core.errors import GapkitError, Issue, errors_only

ACTIONS_SHEET = "Actions"
MAX_ROWS = 200_000
TEXT_MATCH_ACCEPT = 0.35  # below this, a requirement text is not matched (measured on the tracker fixtures)
TEXT_MATCH_CONFIRM = 0.6  # below this, a match is reported for the inspector to confirm
ACTION_COLUMNS = ["force", "round", "framework", "requirement_id", "level", "not_applicable", "na_justification",
                  "action", "evidence_refs", "owner", "due_date", "rationale", "level_source", "cell"]

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y",
                 "%B %Y", "%b %Y", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M")


def parse_date(value: object) -> tuple[str, pd.Timestamp | None]:
    """('ok', date) / ('blank', None) / ('bad', None). Accepts dates, Excel serial numbers and common text forms."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "blank", None
    if isinstance(value, (dt.datetime, dt.date)):
        return "ok", pd.Timestamp(value).normalize()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's date range
            return "ok", pd.Timestamp(from_excel(value)).normalize()
        return "bad", None
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", str(value).strip())
    for fmt in _DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        if fmt in ("%B %Y", "%b %Y"):  # a month means its last day
            return "ok", (pd.Timestamp(parsed) + pd.offsets.MonthEnd(0)).normalize()
        return "ok", pd.Timestamp(parsed).normalize()
    return "bad", None


# ---- reading ------------------------------------------------------------------------------------------------

@dataclass
class SubmissionResult:
    path: Path
    actions: pd.DataFrame | None  # one row per action (ACTION_COLUMNS); None when the workbook has errors
    issues: list[Issue] = field(default_factory=list)
    matches: pd.DataFrame = field(default_factory=pd.DataFrame)  # text matches for the inspector to confirm

    @property
    def ok(self) -> bool:
        return self.actions is not None


def _open_workbook(path: Path):
    """Open with cached formula values; give a clear issue for everything that is not a readable workbook."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise GapkitError.one(path, "", "file not found", "check the path")
    size = path.stat().st_size
    if size == 0:
        raise GapkitError.one(path, "", "the file is empty", "save the workbook again from Excel or LibreOffice")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise GapkitError.one(path, "", "the workbook is encrypted (password protected) or in the old .xls format",
                              "remove the password, or save as .xlsx (Excel Workbook), and submit again")
    if not zipfile.is_zipfile(path):
        raise GapkitError.one(path, "", f"'{name}' is not an Excel workbook",
                              "submit an .xlsx or .xlsm file saved from Excel or LibreOffice")
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


def _find_table(ws) -> tuple[int, dict[str, int]] | None:
    """The header row (1-based) and field -> column index, within the first 15 rows."""
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=15, values_only=True), 1):
        mapping = _header_map(list(row))
        if "status" in mapping and ({"ref", "requirement_text"} & set(mapping)):
            return r, mapping
    return None


def _unmerge_values(ws) -> None:
    """Give every cell of a merged range the top-left value (trackers merge a recommendation over its actions)."""
    for rng in list(ws.merged_cells.ranges):
        value = ws.cell(rng.min_row, rng.min_col).value
        ws.unmerge_cells(str(rng))
        for row in ws.iter_rows(min_row=rng.min_row, max_row=rng.max_row, min_col=rng.min_col, max_col=rng.max_col):
            for cell in row:
                cell.value = value


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

    # choose the sheet: "Actions" if present, else the first visible sheet with a recognisable header
    candidates = [ws for ws in wb.worksheets if ws.title == ACTIONS_SHEET] + \
                 [ws for ws in wb.worksheets if ws.title != ACTIONS_SHEET]
    chosen = None
    for ws in candidates:
        table = _find_table(ws)
        if table is None:
            continue
        if ws.sheet_state != "visible":
            add(ws.title, "this hidden sheet looks like an action plan; it was not read",
                "unhide it if it is the one to read", "warning")
        elif chosen is None:
            chosen = (ws, *table)
    if chosen is None:
        add("", "no sheet has a header row gapkit recognises (it needs a Status column and a Ref or Recommendation column)",
            "use the gapkit template, or add your header words to data/config/tracker_headers.yaml")
        return SubmissionResult(path, None, issues)
    ws, header_row, cols = chosen
    if ws.max_row > MAX_ROWS:
        add(ws.title, f"the sheet has {ws.max_row:,} rows, more than the {MAX_ROWS:,} gapkit reads",
            "delete unused rows or split the workbook")
        return SubmissionResult(path, None, issues)
    _unmerge_values(ws)
    header_values = [c.value for c in ws[header_row]]
    known = set(cols.values())
    ignored = ignored_headers()
    extra = [str(v) for i, v in enumerate(header_values)
             if v not in (None, "") and i not in known and norm(v) not in ignored]
    if extra:
        add(f"{ws.title} > row {header_row}", f"columns not used by gapkit: {', '.join(extra)}",
            "add a header word to data/config/tracker_headers.yaml if one of these should be read", "warning")
    formula_cells = _formula_cells(path, ws.title) if path.suffix.lower() in (".xlsx", ".xlsm") else set()
    index = None
    rows, matches = [], []

    for r in range(header_row + 1, ws.max_row + 1):
        cells = {fld: ws.cell(r, c + 1) for fld, c in cols.items()}
        values = {fld: cell.value for fld, cell in cells.items()}
        if all(v is None or str(v).strip() == "" for v in values.values()):
            continue
        where = lambda fld: f"{ws.title} > {cells[fld].coordinate}"  # noqa: E731
        for fld, cell in cells.items():
            if cell.coordinate in formula_cells and cell.value is None:
                add(where(fld), "formula with no saved result",
                    "open the workbook in Excel or LibreOffice and save it, so the result is stored", "warning")
        if ws.row_dimensions[r].hidden:
            add(f"{ws.title} > row {r}", "hidden row was read", "unhide it, or delete it if it should not count",
                "warning")
        # which requirement
        targets = _resolve_ref(values.get("ref"), values.get("framework"), catalogue, framework_ids)
        ref_given = str(values.get("ref") or "").strip() != ""
        text_given = str(values.get("requirement_text") or "").strip() != ""
        if ref_given and not targets and not text_given:
            add(where("ref"), f"reference '{values['ref']}' is not a requirement in the frameworks"
                + (f" ({values.get('framework')})" if values.get("framework") else ""),
                "use a requirement id from the template (for example P1 or E3)")
            continue
        if len(targets) > 1:
            add(where("ref"), f"reference '{values['ref']}' is ambiguous: {', '.join(f + ':' + i for f, i in targets)}",
                "add a Framework column or write framework:ref")
            continue
        if not targets:
            text = values.get("requirement_text")
            if text in (None, "") or not str(text).strip():
                add(f"{ws.title} > row {r}", "row has no requirement reference or text",
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
            add(where("status") if "status" in cells else f"{ws.title} > row {r}",
                "status is empty", "choose a status from the list")
            continue
        if state == "unknown":
            allowed = ", ".join(status_labels(scale))
            add(where("status"), f"status \"{values['status']}\" is not a known status",
                f"use one of: {allowed}; or add the word to data/config/status_vocabulary.yaml")
            continue
        na = state == "na"
        justification = str(values.get("na_justification") or "").strip()
        if na and not justification:
            add(where("na_justification") if "na_justification" in cells else where("status"),
                "not applicable needs a justification", "say why the requirement does not apply to the force")
            continue
        due = None
        if "due_date" in cells:
            dstate, due = parse_date(values.get("due_date"))
            if dstate == "bad":
                add(where("due_date"), f"due date \"{values['due_date']}\" is not a date",
                    "enter a date such as 31/03/2018")
                continue
        rows.append({"force": force, "round": str(round_id), "framework": fid, "requirement_id": rid,
                     "level": level, "not_applicable": na, "na_justification": justification,
                     "action": _text(values.get("action")) or _text(values.get("update")),
                     "evidence_refs": _text(values.get("evidence")), "owner": _text(values.get("owner")),
                     "due_date": due, "rationale": _text(values.get("update")),
                     "level_source": "force-reported", "cell": f"{ws.title} > row {r}"})
    wb.close()
    match_frame = pd.DataFrame(matches)
    if errors_only(issues):
        return SubmissionResult(path, None, issues, match_frame)
    return SubmissionResult(path, pd.DataFrame(rows, columns=ACTION_COLUMNS), issues, match_frame)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()
