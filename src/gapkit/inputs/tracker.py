"""Forces' action plans: filled gapkit templates and forces' own trackers, read into action rows.

Reading reports every problem in one pass (file > sheet > cell) and returns the raw action rows (one per action,
several per requirement possible); combining them into one level per requirement is the assessment stage's job
(gapkit.assess.combine). A workbook with errors gives no rows."""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import math
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from defusedxml import ElementTree
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
    tracker_settings,
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
TEXT_MATCH_MARGIN = 0.1  # a runner-up this close to the best is reported too (restated recommendations: CAP-3, P3)
WORDING_MIN_WORDS = 4  # a reference cell of this many words or more that is no reference is read as wording
# How each row was matched to its requirement (SubmissionResult.matches, column matched_by):
#   id          the Ref cell holds gapkit's requirement id (P1, CAP-1, hmicfrs-2017-plans:P1, 'Rec P1')
#   own number  the Ref cell holds the publication's own number ('Recommendation 2', 'AFI 3', '2017 element 1'),
#               found in a requirement's source reference (frameworks' `sources: reference: recommendation 2`)
#   ref wording the Ref cell holds the recommendation's wording: matched by text
#   text        the requirement-text column (Recommendation, AFI, ...): matched by text
MATCHED_BY = ("id", "own number", "ref wording", "text")
MATCH_COLUMNS = ["cell", "text", "framework", "requirement_id", "matched_by", "confidence", "to_confirm",
                 "runner_up"]
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
    # how every row read was matched to its requirement (MATCH_COLUMNS): by id, own number, ref wording or text,
    # with its confidence (1.0 for an id or own number); to_confirm marks text matches for the inspector to confirm
    matches: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MATCH_COLUMNS))
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


_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_BRACKET_RANK = 1000  # a header matched only without its bracketed part ranks after every exact match


def _header_field(value: object, aliases: dict[str, tuple[str, int]]) -> tuple[str, int] | None:
    """(field, rank) of a header: its whole text compared as tracker_headers.yaml says (case, spacing and
    punctuation ignored), else without a bracketed part ('Target date (dd/mm/yyyy)'); never by a word inside it."""
    if value is None:
        return None
    hit = aliases.get(norm(value))
    if hit is None and isinstance(value, str) and _BRACKETED.search(value):
        stripped = aliases.get(norm(_BRACKETED.sub(" ", value)))
        hit = (stripped[0], stripped[1] + _BRACKET_RANK) if stripped else None
    return hit


def _header_map(values: list[object]) -> dict[str, int]:
    aliases = header_aliases()
    best: dict[str, tuple[int, int]] = {}  # field -> (rank, column)
    for idx, value in enumerate(values):
        hit = _header_field(value, aliases)
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
        rows: the visible row that names the most fields among those with the fields tracker_headers.yaml requires
        (a Status, and a Ref or Recommendation column; a header may sit under a title row, or span two rows
        merged)."""
        settings = tracker_settings()
        best = None
        for r in range(1, min(first_rows, self.max_row) + 1):
            if r in self.hidden_rows:
                continue
            values = [self.value(r, c) for c in range(1, self.max_column + 1)]
            mapping = _header_map(values)
            named = settings.names_a_table(set(mapping))
            if named and (best is None or len(mapping) > len(best[1])):
                best = (r, mapping, values)
        return best


def _formula_cells(path: Path, sheet: str) -> set[str]:
    """Coordinates of the sheet's formula cells, so that missing cached values can be reported. Read from the
    sheet's XML (a cell with a formula element): loading the whole workbook again without cached values took a
    sixth of the time of reading a force's inputs. A workbook laid out otherwise is loaded again, as before."""
    try:
        found = _formula_cells_in_xml(path, sheet)
    except (KeyError, OSError, ValueError, zipfile.BadZipFile, ElementTree.ParseError):
        found = None
    return found if found is not None else _formula_cells_loaded(path, sheet)


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _part_target(zf: zipfile.ZipFile, rels_part: str, base: str, wanted) -> str | None:
    """The part a relationship in `rels_part` points at (resolved against folder `base`), the first that
    `wanted(relationship)` accepts."""
    for rel in ElementTree.fromstring(zf.read(rels_part)).iter(f"{_PACKAGE_RELS}Relationship"):
        if wanted(rel):
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
    return None


def _formula_cells_in_xml(path: Path, sheet: str) -> set[str] | None:
    """None when the workbook is not laid out the way this reads it (transitional OOXML, every cell addressed)."""
    with zipfile.ZipFile(path) as zf:
        book = _part_target(zf, "_rels/.rels", "", lambda r: r.get("Type", "").endswith("/officeDocument"))
        if book is None:
            return None
        sheet_id = next((s.get(f"{_DOC_RELS}id") for s in ElementTree.fromstring(zf.read(book)).iter(f"{_MAIN}sheet")
                         if s.get("name") == sheet), None)
        folder, name = posixpath.split(book)
        part = _part_target(zf, posixpath.join(folder, "_rels", f"{name}.rels"), folder,
                            lambda r: r.get("Id") == sheet_id) if sheet_id else None
        if part is None:
            return None
        out = set()
        with zf.open(part) as fh:
            for _, elem in ElementTree.iterparse(fh):
                if elem.tag == f"{_MAIN}c":
                    if elem.find(f"{_MAIN}f") is not None:
                        if not elem.get("r"):
                            return None
                        out.add(elem.get("r"))
                    elem.clear()
        return out


def _formula_cells_loaded(path: Path, sheet: str) -> set[str]:
    wb = load_workbook(path, data_only=False, read_only=True)
    out = set()
    for row in wb[sheet].iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                out.add(cell.coordinate)
    wb.close()
    return out


# The publication's own numbering: a kind of item, then its number ('Recommendation 2', 'Rec. 2', 'AFI3',
# '2017 element 1', '(1)', '1.2'), perhaps followed by the item's wording ('Rec 2 - Forces should ...').
_KIND = r"(?P<kind>recommendations?|recs?|afis?|areas?\s+for\s+improvement|elements?|causes?\s+(?:of|for)\s+concern)"
_SEP = r"[\s.:;,)\-\u2013\u2014]"
_OWN_REF = re.compile(rf"^(?:(?P<year>(?:19|20)\d\d)\s+)?(?:{_KIND}\.?\s*(?:no\.?|number|ref\.?|#)?\s*)?"
                      rf"\(?(?P<num>\d{{1,3}}(?:\.\d{{1,3}})*)\)?(?=$|{_SEP}){_SEP}*(?P<rest>.*)$",
                      re.IGNORECASE | re.DOTALL)
_KIND_PREFIX = re.compile(rf"^{_KIND}\.?\s*(?:no\.?|number|ref\.?|#)?\s*(?P<id>\S+)$", re.IGNORECASE)
# A number in a requirement source's `reference` ('recommendation 2', 'AFI 3', 'element 1'): the publication's own
# number for that requirement. A register entry ('register entry 6084') is not one, nor is a bracketed number.
_SOURCE_NUMBER = re.compile(rf"\b{_KIND}\s+(?:no\.?\s*|number\s+)?(?P<num>\d{{1,3}}(?:\.\d{{1,3}})*)(?![\d.]*\d)",
                            re.IGNORECASE)
# Publishers a framework cell may name instead of a framework ('HMIC 2016', 'IPCC'): HMIC became HMICFRS in 2017
# and the IPCC the IOPC in 2018, and forces use either name for either period.
_BODIES = {"hmic": "inspectorate", "hmicfrs": "inspectorate", "ipcc": "ipcc", "iopc": "ipcc", "npcc": "npcc"}


def _kind(text: str | None) -> str | None:
    """'Recs' -> 'recommendation', 'areas for improvement' -> 'afi', 'Elements' -> 'element'."""
    if not text:
        return None
    key = norm(text)
    if key.startswith("rec"):
        return "recommendation"
    if key.startswith(("afi", "area")):
        return "afi"
    if key.startswith("element"):
        return "element"
    return "cause of concern"


def _is_wording(text: str) -> bool:
    return len(re.findall(r"[A-Za-z]{2,}", text)) >= WORDING_MIN_WORDS


@dataclass
class _RefKind:
    """What a Ref cell holds: 'id' or 'own number' (with the requirements found, maybe none or several),
    'wording', or '' (something else: a reference that matches nothing). `rest` is wording after an own number."""
    kind: str
    targets: list[tuple[str, str]]
    rest: str = ""


class _RefMatcher:
    """Finds the requirement a tracker row is about: by gapkit's id, by the publication's own number where a
    framework records it, or by the recommendation's wording (TF-IDF, gapkit.catalogue.textmatch)."""

    def __init__(self, catalogue: Catalogue, framework_ids: list[str]) -> None:
        self.catalogue, self.framework_ids = catalogue, framework_ids
        self._index: RequirementIndex | None = None
        self.numbers: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (kind, number) -> requirements
        for fid in framework_ids:
            fw = catalogue.frameworks.get(fid)
            for req in fw.requirements if fw else []:
                for source in req.sources:
                    for m in _SOURCE_NUMBER.finditer(source.reference or ""):
                        hits = self.numbers.setdefault((_kind(m.group("kind")), m.group("num")), [])
                        if (fid, req.id) not in hits:
                            hits.append((fid, req.id))

    def frameworks_named(self, value: object) -> list[str] | None:
        """The frameworks a Framework cell names: None when it is empty; a framework's id, title or short title;
        else the round's frameworks of the publishers and years it mentions ('HMIC 2016'); [] when none."""
        text = _text(value)
        if not text:
            return None
        key = norm(text)
        for fid, fw in self.catalogue.frameworks.items():
            if key in (norm(fid), norm(fw.title), norm(fw.short_title)):
                return [fid]
        words = key.split()
        years = {w for w in words if re.fullmatch(r"(?:19|20)\d\d", w)}
        bodies = {_BODIES[w] for w in words if w in _BODIES}
        if not years and not bodies:
            return []
        out = []
        for fid in self.framework_ids:
            fw = self.catalogue.frameworks.get(fid)
            fw_bodies = {_BODIES[w] for w in norm(fw.publisher).split() if w in _BODIES} if fw else set()
            if fw and (not years or fw.published[:4] in years) and (not bodies or bodies & fw_bodies):
                out.append(fid)
        return out

    def _by_id(self, text: str, scope: list[str]) -> list[tuple[str, str]]:
        head, sep, tail = text.partition(":")
        named = next((fid for fid in self.catalogue.frameworks if norm(fid) == norm(head)), None) if sep else None
        if named:  # framework-id:ref names its framework, whatever the Framework cell says
            scope, text = [named], tail.strip()
        hits = []
        for fid in scope:
            fw = self.catalogue.frameworks.get(fid)
            for req in fw.requirements if fw else []:
                if norm(req.id) == norm(text):
                    hits.append((fid, req.id))
        return hits

    def classify(self, ref: str, scope: list[str]) -> _RefKind:
        """What the Ref cell holds, and the requirements it names within the frameworks in `scope`."""
        if not ref:
            return _RefKind("", [])
        hits = self._by_id(ref, scope)
        prefixed = _KIND_PREFIX.match(ref)
        if not hits and prefixed:  # 'Rec P1', 'Element CAP-1'
            hits = self._by_id(prefixed.group("id"), scope)
        if hits:
            return _RefKind("id", hits)
        own = _OWN_REF.match(ref)
        if own:
            kind, year, num = _kind(own.group("kind")), own.group("year"), own.group("num")
            found = [(fid, rid) for (k, n), reqs in self.numbers.items() if n == num and (kind is None or k == kind)
                     for fid, rid in reqs
                     if fid in scope and (year is None or self.catalogue.frameworks[fid].published[:4] == year)]
            return _RefKind("own number", list(dict.fromkeys(found)), own.group("rest").strip())
        if _is_wording(ref):
            return _RefKind("wording", [])
        return _RefKind("", [])

    def by_text(self, text: str, scope: list[str]) -> tuple[tuple[str, str], float, tuple[str, str] | None, float]:
        """The requirement of the frameworks in `scope` closest to `text` and its confidence (cosine similarity),
        and the runner-up and its confidence (None, 0.0 when there is none)."""
        if self._index is None:
            self._index = RequirementIndex.build(self.catalogue, self.framework_ids)
        index = self._index
        sims = index.similarity([text])[0]
        allowed = [i for i, (fid, _) in enumerate(index.keys) if fid in scope] or list(range(len(index.keys)))
        ranked = sorted(allowed, key=lambda j: -sims[j])
        runner = (index.keys[ranked[1]], float(sims[ranked[1]])) if len(ranked) > 1 else (None, 0.0)
        return index.keys[ranked[0]], float(sims[ranked[0]]), *runner


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
    formula_cells: set[str] | None = None  # read only when a cell gapkit uses is empty (a second pass over the file)
    refs = _RefMatcher(catalogue, framework_ids)
    rows, matches, unread = [], [], []
    own_numbers: list[str] = []  # cells whose own numbering no framework records, matched by text instead
    unplaced: dict[str, str] = {}  # Framework cells naming no framework gapkit knows (prose, not ids) -> first cell

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
            if cell.value is not None:
                continue
            if formula_cells is None:
                formula_cells = _formula_cells(path, ws.title) if path.suffix.lower() in (".xlsx", ".xlsm") else set()
            if cell.coordinate in formula_cells:
                add(where(fld), "formula with no saved result",
                    "open the workbook in Excel or LibreOffice and save it, so the result is stored", "warning")
        # which requirement: by gapkit's id, the publication's own number, or the recommendation's wording
        ref_text, req_text = _ref_text(values.get("ref")), _text(values.get("requirement_text"))
        named = refs.frameworks_named(values.get("framework"))  # None: no Framework cell; []: none gapkit knows
        if named == [] and " " in _text(values.get("framework")):
            # a report's name gapkit cannot place ('Legitimacy inspection'): a hint ignored, unlike an unknown id
            unplaced.setdefault(_text(values.get("framework")), where("framework").rsplit(" > ", 1)[-1])
            named = None
        in_framework = f" ({values.get('framework')})" if named is not None else ""
        scope = framework_ids if named is None else named
        held, ref_field = refs.classify(ref_text, scope), "ref"
        if not ref_text and req_text and not _is_wording(req_text):  # 'P1' or 'Rec 2' in the Recommendation column
            as_ref = refs.classify(req_text, scope)
            if len(as_ref.targets) == 1:
                held, ref_field, ref_text, req_text = as_ref, "requirement_text", req_text, ""
        targets = held.targets
        if len(targets) > 1:
            numbering = "the publication's own number of " if held.kind == "own number" else ""
            skip(where(ref_field), f"reference '{ref_text}' is ambiguous: {numbering}"
                 f"{', '.join(f + ':' + i for f, i in targets)}", "add a Framework column or write framework:ref")
            continue
        if targets:
            match = {"cell": where(ref_field), "text": ref_text, "framework": targets[0][0],
                     "requirement_id": targets[0][1], "matched_by": held.kind, "confidence": 1.0,
                     "to_confirm": False, "runner_up": ""}
        else:
            if req_text:
                wording, from_field, matched_by = req_text, "requirement_text", "text"
            elif held.kind == "own number" and _is_wording(held.rest):
                wording, from_field, matched_by = held.rest, "ref", "ref wording"
            elif held.kind == "wording":
                wording, from_field, matched_by = ref_text, "ref", "ref wording"
            elif held.kind == "own number":
                skip(where("ref"), f"reference '{ref_text}' looks like the publication's own numbering, which no "
                     f"framework in the round records{in_framework}",
                     "give gapkit's ref (for example P1 or CAP-1), or the recommendation's text in a "
                     "Recommendation column")
                continue
            elif ref_text:
                skip(where("ref"), f"reference '{ref_text}' is not a requirement in the frameworks{in_framework}",
                     "use a requirement id from the template (for example P1 or E3)")
                continue
            else:
                skip(f"{ws.title} > row {r}", "row has no requirement reference or text",
                     "give the requirement's Ref, or its text")
                continue
            key, confidence, second, second_confidence = refs.by_text(wording, named or framework_ids)
            if confidence < TEXT_MATCH_ACCEPT:
                add(where(from_field), f"row not used: cannot match '{wording[:60]}' to a requirement "
                    f"(best {key[0]}:{key[1]}, confidence {confidence:.2f})",
                    "add the requirement's Ref if this row answers one", "warning")
                continue
            if held.kind == "own number":
                own_numbers.append(where("ref").rsplit(" > ", 1)[-1])
            elif ref_text and held.kind != "wording":
                add(where("ref"), f"reference '{ref_text}' is not a requirement; matched by its text instead",
                    "correct the reference", "warning")
            close = second is not None and confidence - second_confidence < TEXT_MATCH_MARGIN
            runner_up = f"{second[0]}:{second[1]} ({second_confidence:.2f})" if second is not None else ""
            match = {"cell": where(from_field), "text": wording, "framework": key[0], "requirement_id": key[1],
                     "matched_by": matched_by, "confidence": round(confidence, 2),
                     "to_confirm": confidence < TEXT_MATCH_CONFIRM or close, "runner_up": runner_up}
            if confidence < TEXT_MATCH_CONFIRM or close:
                how = "the reference's wording" if from_field == "ref" else "text"
                add(where(from_field), f"matched by {how} to {key[0]}:{key[1]} with confidence {confidence:.2f}"
                    + (f", close to {runner_up}" if close else ""), "confirm the match, or add the Ref", "warning")
            targets = [key]
        fid, rid = targets[0]
        scale = settings.scale(catalogue.get(fid).level_scale)
        # status
        state, level = parse_status(values.get("status"), scale)
        if state == "blank" and values.get("action") in (None, ""):
            continue  # an untouched template row: the requirement stays 'no information'
        matches.append(match)
        if state == "blank":
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
    if own_numbers:
        shown = ", ".join(own_numbers[:5]) + (f" and {len(own_numbers) - 5} more" if len(own_numbers) > 5 else "")
        add(f"{ws.title} > column {get_column_letter(cols['ref'] + 1)}",
            f"{len(own_numbers)} reference(s) are the publication's own numbers ({shown}), which no framework in the "
            "round records; those rows were matched by their text instead",
            "check each match (matched_by 'text' or 'ref wording'), or give gapkit's refs (P1, CAP-1, ...)", "warning")
    if unplaced:
        shown = ", ".join(f"'{v}' ({c})" for v, c in list(unplaced.items())[:5])
        add(f"{ws.title} > column {get_column_letter(cols['framework'] + 1)}",
            f"framework names gapkit cannot place were ignored, and those rows looked up in every framework of the "
            f"round: {shown}{' ...' if len(unplaced) > 5 else ''}",
            "write the framework's id (gapkit frameworks), its title, or a publisher and year such as 'HMIC 2016'",
            "warning")
    wb.close()
    return SubmissionResult(path, pd.DataFrame(rows, columns=ACTION_COLUMNS), issues,
                            pd.DataFrame(matches, columns=MATCH_COLUMNS), pd.DataFrame(unread, columns=UNREAD_COLUMNS))


def _text(value: object) -> str:
    return "" if value is None else clean(str(value)).strip()


def _ref_text(value: object) -> str:
    """A Ref cell as text: a whole number typed in Excel (2.0) is '2', as the force wrote it."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return _text(value)
