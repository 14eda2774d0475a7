"""Force submissions: write the action-plan template; read filled templates and forces' own trackers.

Reading reports every problem in one pass (file > sheet > cell). A workbook with errors produces no assessment."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from gapkit import paths
from gapkit.assessment import empty_assessment, normalise
from gapkit.config import ScoringConfig, default_config
from gapkit.errors import GapkitError, Issue, errors_only
from gapkit.frameworks import Catalogue, default_catalogue
from gapkit.workbooks import print_setup

HEADERS_FILE = paths.CONFIG_DIR / "tracker_headers.yaml"
VOCAB_FILE = paths.CONFIG_DIR / "status_vocabulary.yaml"
ACTIONS_SHEET = "Actions"
MAX_ROWS = 200_000
TEXT_MATCH_ACCEPT = 0.35  # below this, a requirement text is not matched (measured on the tracker fixtures)
TEXT_MATCH_CONFIRM = 0.6  # below this, a match is reported for the inspector to confirm

TEMPLATE_COLUMNS = [
    # (header, width, input?)
    ("Framework", 18, False), ("Ref", 7, False), ("Requirement", 50, False), ("Theme", 16, False),
    ("Deadline", 11, False), ("Typical evidence", 28, False), ("Action", 40, True), ("Owner", 16, True),
    ("Due date", 11, True), ("Status", 22, True), ("Evidence reference", 24, True),
    ("Not applicable justification", 24, True), ("Last updated", 11, True),
]
NOT_APPLICABLE = "Not applicable"


# ---- vocabularies -------------------------------------------------------------------------------------------

def _norm(text: object) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text).casefold()).strip()


@lru_cache(maxsize=4)
def header_aliases(path: Path = HEADERS_FILE) -> dict[str, tuple[str, int]]:
    """normalised header -> (field, rank); a lower rank is a closer name for the field."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, tuple[str, int]] = {}
    for fld, aliases in data["fields"].items():
        for rank, alias in enumerate([fld, *aliases]):
            out.setdefault(_norm(alias), (fld, rank))
    return out


@lru_cache(maxsize=4)
def ignored_headers(path: Path = HEADERS_FILE) -> frozenset[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return frozenset(_norm(h) for h in data.get("ignore", []))


@lru_cache(maxsize=4)
def status_words(path: Path = VOCAB_FILE) -> dict[str, float | None]:
    """normalised status word -> level (None = not applicable)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, float | None] = {}
    for level, words in data["levels"].items():
        for word in words:
            out[_norm(word)] = None if str(level) == "na" else float(level)
    return out


def status_labels(config: ScoringConfig, scale: str = "hmicfrs-2017") -> list[str]:
    return [f"{lv.value} - {lv.label}" for lv in config.scale(scale).levels] + [NOT_APPLICABLE]


def parse_status(value: object, maximum: int) -> tuple[str, float | None]:
    """('ok', level) / ('na', None) / ('blank', None) / ('unknown', None)."""
    if value is None or str(value).strip() == "":
        return "blank", None
    if isinstance(value, (int, float)) and float(value).is_integer() and 0 <= value <= maximum:
        return "ok", float(value)
    text = _norm(value)
    lead = re.match(r"^(\d+)\b", text)
    if lead and 0 <= int(lead.group(1)) <= maximum:
        return "ok", float(lead.group(1))
    words = status_words()
    if text in words:
        return ("na", None) if words[text] is None else ("ok", words[text])
    return "unknown", None


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


# ---- the template -------------------------------------------------------------------------------------------

def write_template(force: pd.Series, round_id: str, out: Path, catalogue: Catalogue | None = None,
                   config: ScoringConfig | None = None, framework_ids: list[str] | None = None,
                   marking: str = "OFFICIAL", synthetic: bool = False) -> Path:
    """Write the action-plan workbook a force fills in."""
    catalogue = catalogue or default_catalogue()
    config = config or default_config()
    framework_ids = framework_ids or sorted(catalogue.frameworks)
    wb = Workbook()
    about = wb.active
    about.title = "About"
    _write_about(about, force, round_id, catalogue, framework_ids, marking, synthetic)
    ws = wb.create_sheet(ACTIONS_SHEET)
    lists = wb.create_sheet("Lists")
    labels = status_labels(config)
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
    for row in ws.iter_rows(min_row=2, max_row=last + 50):
        for col, (_, _, is_input) in enumerate(TEMPLATE_COLUMNS, 1):
            cell = row[col - 1]
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if is_input:
                cell.protection = Protection(locked=False)
                cell.fill = input_fill
        row[4].number_format = "yyyy-mm-dd"
        row[8].number_format = "yyyy-mm-dd"
        row[12].number_format = "yyyy-mm-dd"
    status_col = get_column_letter(_col("Status"))
    dv_status = DataValidation(type="list", formula1=f"=Lists!$A$1:$A${len(labels)}", allow_blank=True,
                               showErrorMessage=True, errorTitle="Status",
                               error="Choose a status from the list.")
    dv_status.add(f"{status_col}2:{status_col}{last + 50}")
    dv_date = DataValidation(type="date", operator="between", formula1="DATE(2010,1,1)",
                             formula2="DATE(2040,12,31)", allow_blank=True, showErrorMessage=True,
                             errorTitle="Date", error="Enter a date, for example 31/03/2018.")
    for name in ("Due date", "Last updated"):
        letter = get_column_letter(_col(name))
        dv_date.add(f"{letter}2:{letter}{last + 50}")
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
        "6. Several actions for one requirement: insert rows below it and copy the Framework and Ref cells.",
        "7. Deadlines are those set by the source; a requirement past its deadline and not in place is flagged overdue.",
        "8. The Actions sheet prints landscape on A3, with the header row repeated on every page.",
    ]
    rows += [(s, None) for s in steps]
    for row in rows:
        ws.append(row)
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 100
    ws.column_dimensions["B"].width = 40
    for cell in ws["A"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    print_setup(ws, marking, f"{force['official_name']} - {round_id}")


# ---- reading ------------------------------------------------------------------------------------------------

@dataclass
class SubmissionResult:
    path: Path
    assessment: pd.DataFrame | None
    issues: list[Issue] = field(default_factory=list)
    matches: pd.DataFrame = field(default_factory=pd.DataFrame)  # text matches for the inspector to confirm

    @property
    def ok(self) -> bool:
        return self.assessment is not None


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
        hit = aliases.get(_norm(value)) if value is not None else None
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
            if _norm(req.id) == _norm(text):
                hits.append((fid, req.id))
    return hits


def read_submission(path: Path, force: str, round_id: str, catalogue: Catalogue | None = None,
                    config: ScoringConfig | None = None,
                    framework_ids: list[str] | None = None) -> SubmissionResult:
    """Read a filled template or a force's own tracker into assessment rows (level_source force-reported)."""
    from gapkit.textmatch import RequirementIndex

    catalogue = catalogue or default_catalogue()
    config = config or default_config()
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
             if v not in (None, "") and i not in known and _norm(v) not in ignored]
    if extra:
        add(f"{ws.title} > row {header_row}", f"columns not used by gapkit: {', '.join(extra)}",
            "add a header word to data/config/tracker_headers.yaml if one of these should be read", "warning")
    formula_cells = _formula_cells(path, ws.title) if path.suffix.lower() in (".xlsx", ".xlsm") else set()
    index = None
    scale_max = config.scale("hmicfrs-2017").maximum
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
        # status
        state, level = parse_status(values.get("status"), scale_max)
        if state == "blank":
            if values.get("action") in (None, ""):
                continue  # an untouched template row: the requirement stays 'no information'
            add(where("status") if "status" in cells else f"{ws.title} > row {r}",
                "status is empty", "choose a status from the list")
            continue
        if state == "unknown":
            allowed = ", ".join(status_labels(config))
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
    return SubmissionResult(path, combine_actions(pd.DataFrame(rows), config), issues, match_frame)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def combine_level(levels: list[float], maximum: int) -> float:
    """Several actions against one requirement (docs/methodology.md): in place only when every action is in place;
    otherwise the most advanced action's level, capped just below in place."""
    if all(lv >= maximum for lv in levels):
        return float(maximum)
    return float(min(max(levels), maximum - 1))


def combine_actions(rows: pd.DataFrame, config: ScoringConfig) -> pd.DataFrame:
    """One assessment row per requirement from one or more action rows."""
    if rows.empty:
        return empty_assessment()
    maximum = config.scale("hmicfrs-2017").maximum
    out = []
    for (force, rnd, fid, rid), grp in rows.groupby(["force", "round", "framework", "requirement_id"], sort=False):
        applicable = grp[~grp["not_applicable"]]
        join = lambda col: " | ".join(dict.fromkeys(v for v in grp[col] if v))  # noqa: E731
        if applicable.empty:
            level, na = None, True
            due = pd.NaT
        else:
            level, na = combine_level(list(applicable["level"]), maximum), False
            open_actions = applicable[applicable["level"] < maximum]
            due = open_actions["due_date"].max() if not open_actions.empty else applicable["due_date"].max()
        out.append({"force": force, "round": rnd, "framework": fid, "requirement_id": rid, "level": level,
                    "not_applicable": na, "na_justification": join("na_justification") if na else "",
                    "action": join("action"), "evidence_refs": join("evidence_refs"), "owner": join("owner"),
                    "due_date": due, "rationale": join("rationale"), "level_source": "force-reported"})
    return normalise(pd.DataFrame(out))


def check_workbook(path: Path) -> list[Issue]:
    """`gapkit validate` for a workbook: every problem, errors and warnings."""
    from gapkit.review import check_review, is_review_workbook

    if is_review_workbook(path):
        return check_review(path)
    return read_submission(path, force="unknown", round_id="check").issues
