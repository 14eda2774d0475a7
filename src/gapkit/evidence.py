"""Plan evidence: read a force's written plan, find the passages that bear on each requirement, suggest a level.

Suggestions are for an inspector to confirm; they never override a force's or an inspector's level. A file that
cannot be read (corrupt, encrypted, scanned with no text layer, empty) gives a message and no evidence; it never
stops the run."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from gapkit import paths
from gapkit.errors import Issue
from gapkit.frameworks import Catalogue, default_catalogue

PLAN_SUFFIXES = {".docx", ".pdf", ".md", ".txt", ".xlsx", ".xlsm"}
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_CHARS = 5_000_000
PASSAGE_CHARS = 700
CUES_FILE = paths.CONFIG_DIR / "evidence_cues.yaml"
# Similarity thresholds, set from the labelled set (docs/evidence.md): a passage below MATCH_THRESHOLD is not
# evidence; the top TOP_K passages above it are kept per requirement.
MATCH_THRESHOLD = 0.16
TOP_K = 3


@dataclass(frozen=True)
class Passage:
    file: str
    location: str  # "page 3", "paragraph 12", "line 40", "Sheet1 > B4"
    heading: str
    text: str


@dataclass
class PlanText:
    passages: list[Passage] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


# ---- reading ------------------------------------------------------------------------------------------------

def _chunks(text: str, limit: int = PASSAGE_CHARS) -> list[str]:
    """Split a long paragraph at sentence ends into pieces of about `limit` characters."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return [text] if text else []
    sentences = re.split(r"(?<=[.!?;])\s+", text)
    out, current = [], ""
    for sentence in sentences:
        if current and len(current) + len(sentence) > limit:
            out.append(current)
            current = ""
        current = f"{current} {sentence}".strip()
    if current:
        out.append(current)
    return out


def _decode(raw: bytes, path: Path, issues: list[Issue]) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        issues.append(Issue(str(path), f"byte {exc.start}", "text is not UTF-8; read as Windows-1252",
                            "save the file as UTF-8 to be sure every character is right", "warning"))
        return raw.decode("cp1252", errors="replace")


def _read_text_file(path: Path, issues: list[Issue]) -> list[Passage]:
    text = _decode(path.read_bytes(), path, issues)
    passages, heading, buffer, start = [], "", [], 1

    def flush(line_no: int) -> None:
        for piece in _chunks(" ".join(buffer)):
            passages.append(Passage(str(path), f"line {start}", heading, piece))
        buffer.clear()

    for no, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("#"):
            flush(no)
            heading = stripped.lstrip("#").strip()
            start = no + 1
        elif not stripped:
            flush(no)
            start = no + 1
        else:
            if re.match(r"^([-*+]|\d+[.)])\s", stripped):  # each list item is a passage of its own
                flush(no)
                start = no
            if not buffer:
                start = no
            buffer.append(re.sub(r"^([-*+]|\d+[.)])\s+", "", stripped))
    flush(len(text.splitlines()))
    return passages


def _read_docx(path: Path, issues: list[Issue]) -> list[Passage]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    style_names = {s.style_id: s.name or "" for s in document.styles}  # looked up once, not per paragraph
    passages, headings = [], []
    para_no, table_no = 0, 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            para_no += 1
            text = block.text.strip()
            style = style_names.get(block._p.style or "", "")
            if style.lower().startswith("heading") and text:
                level = int(re.sub(r"\D", "", style) or 1)
                headings = headings[: level - 1] + [text]
                continue
            for piece in _chunks(text):
                passages.append(Passage(str(path), f"paragraph {para_no}", " > ".join(headings), piece))
        elif isinstance(block, Table):
            table_no += 1
            for r, row in enumerate(block.rows, 1):
                cells = list(dict.fromkeys(c.text.strip() for c in row.cells if c.text.strip()))
                for piece in _chunks(" | ".join(cells)):
                    passages.append(Passage(str(path), f"table {table_no} row {r}", " > ".join(headings), piece))
    return passages


def _read_pdf(path: Path, issues: list[Issue]) -> list[Passage]:
    """Text per page with PDFium (fast: a 100-page plan in well under a second); pypdf if PDFium is missing."""
    try:
        pages = _pdf_pages_pdfium(path)
    except ImportError:
        pages = _pdf_pages_pypdf(path)
    if pages is None:
        issues.append(Issue(str(path), "", "the PDF is encrypted (password protected); it was not read",
                            "send a copy without a password", "warning"))
        return []
    passages = []
    for page_no, text in enumerate(pages, 1):
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        for block in re.split(r"\n\s*\n|(?<=[.!?:])\n", text):
            for piece in _chunks(block):
                passages.append(Passage(str(path), f"page {page_no}", "", piece))
    if not passages and pages:
        issues.append(Issue(str(path), f"pages 1-{len(pages)}",
                            "the PDF has no text layer (a scan?); it needs OCR before gapkit can read it, "
                            "and counts as no evidence", "run OCR on it, or send the original document", "warning"))
    return passages


def _pdf_pages_pdfium(path: Path) -> list[str] | None:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            return None
        raise
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def _pdf_pages_pypdf(path: Path) -> list[str] | None:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):
                return None
        except Exception:
            return None
    return [page.extract_text() or "" for page in reader.pages]


def _read_xlsx(path: Path, issues: list[Issue]) -> list[Passage]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    passages = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and len(cell.value.strip()) >= 20:
                    for piece in _chunks(cell.value):
                        passages.append(Passage(str(path), f"{ws.title} > {cell.coordinate}", ws.title, piece))
    wb.close()
    return passages


READERS = {".md": _read_text_file, ".txt": _read_text_file, ".docx": _read_docx, ".pdf": _read_pdf,
           ".xlsx": _read_xlsx, ".xlsm": _read_xlsx}


def read_plan(path: Path) -> PlanText:
    """Passages with locations from one plan document; problems become issues, never exceptions."""
    path = Path(path)
    issues: list[Issue] = []
    suffix = path.suffix.lower()
    if suffix not in READERS:
        return PlanText([], [Issue(str(path), "", f"'{suffix}' plan documents are not read",
                                   f"send one of: {', '.join(sorted(PLAN_SUFFIXES))}", "warning")])
    if not path.exists():
        return PlanText([], [Issue(str(path), "", "file not found", "check the path")])
    size = path.stat().st_size
    if size == 0:
        return PlanText([], [Issue(str(path), "", "the file is empty; it counts as no evidence",
                                   "send the document again", "warning")])
    if size > MAX_FILE_BYTES:
        return PlanText([], [Issue(str(path), "", f"the file is {size / 2**20:.0f} MB, over the "
                                   f"{MAX_FILE_BYTES // 2**20} MB gapkit reads; it counts as no evidence",
                                   "split it, or send the plan without embedded images", "warning")])
    if suffix in (".docx", ".xlsx", ".xlsm") and not zipfile.is_zipfile(path):
        head = path.read_bytes()[:8]
        why = ("is encrypted or in an old Office format" if head.startswith(b"\xd0\xcf\x11\xe0")
               else "is damaged or not really a " + suffix + " file")
        return PlanText([], [Issue(str(path), "", f"the document {why}; it counts as no evidence",
                                   "save it again from Word/Excel without a password", "warning")])
    try:
        passages = READERS[suffix](path, issues)
    except Exception as exc:  # damaged files raise many kinds of error in the readers
        return PlanText([], issues + [Issue(str(path), "", f"the document cannot be read ({type(exc).__name__}); "
                                            "it counts as no evidence", "open and save it again, or send a PDF",
                                            "warning")])
    total = 0
    kept = []
    for passage in passages:
        total += len(passage.text)
        if total > MAX_CHARS:
            issues.append(Issue(str(path), passage.location, f"only the first {MAX_CHARS:,} characters were read",
                                "split the document", "warning"))
            break
        kept.append(passage)
    return PlanText(kept, issues)


def plan_files(folder: Path) -> list[Path]:
    folder = Path(folder)
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith((".", "~$")))


# ---- levels from wording ------------------------------------------------------------------------------------

@lru_cache(maxsize=2)
def _cues(path: Path = CUES_FILE) -> tuple[list[tuple[int, re.Pattern]], list[tuple[int, re.Pattern]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    neg = [(int(c["level"]), re.compile(c["pattern"], re.IGNORECASE)) for c in data["negations"]]
    cues = [(int(c["level"]), re.compile(c["pattern"], re.IGNORECASE)) for c in data["cues"]]
    return neg, cues


def sentence_level(sentence: str) -> tuple[int | None, str]:
    """The level a sentence's wording suggests, and the phrase that decided it (None: no cue)."""
    neg, cues = _cues()
    for level, pattern in neg:
        m = pattern.search(sentence)
        if m:
            return level, m.group(0)
    for level, pattern in cues:
        m = pattern.search(sentence)
        if m:
            return level, m.group(0)
    return None, ""


def passage_level(text: str, terms: set[str]) -> tuple[int | None, str]:
    """Level from the sentences of a passage that mention the requirement (all sentences if none do)."""
    sentences = [s for s in re.split(r"(?<=[.!?;])\s+", text) if s.strip()]
    relevant = [s for s in sentences if terms & set(re.findall(r"[a-z]+", s.lower()))] or sentences
    for group in (relevant, sentences):  # the sentences about it first; else the passage's other sentences
        cued = [(lv, ph) for lv, ph in map(sentence_level, group) if lv is not None]
        if cued:
            level, phrase = max(cued)
            if level == 3 and any(lv < 3 for lv, _ in cued):  # partly in place, partly not: started
                lower = max((c for c in cued if c[0] < 3))
                return 2, f"{phrase}\" ... \"{lower[1]}"
            return level, phrase
    return None, ""


# ---- matching -----------------------------------------------------------------------------------------------

def _terms(catalogue: Catalogue, fid: str, rid: str) -> set[str]:
    from gapkit.textmatch import expand

    req = catalogue.get(fid).requirement(rid)
    words = set(re.findall(r"[a-z]+", expand(" ".join(req.keywords)).lower()))
    return {w for w in words if len(w) > 3}


def suggest(passages: list[Passage], catalogue: Catalogue | None = None,
            framework_ids: list[str] | None = None, force: str = "", round_id: str = "") -> pd.DataFrame:
    """One row per requirement: suggested level, confidence, quotes with locations and a one-line rationale."""
    catalogue = catalogue or default_catalogue()
    index = _index(catalogue, tuple(framework_ids or sorted(catalogue.frameworks)))
    sims = index.similarity([p.text for p in passages]) if passages else np.zeros((0, len(index.keys)))
    rows = []
    for j, (fid, rid) in enumerate(index.keys):
        col = sims[:, j] if len(passages) else np.array([])
        order = np.argsort(-col)[:TOP_K] if col.size else []
        hits = [(int(i), float(col[i])) for i in order if col[i] >= MATCH_THRESHOLD]
        terms = _terms(catalogue, fid, rid)
        quotes, levels, phrases = [], [], []
        for i, sim in hits:
            p = passages[i]
            level, phrase = passage_level(p.text, terms)
            quotes.append(f"{Path(p.file).name}, {p.location}: \"{_clip(p.text)}\"")
            levels.append(level)
            phrases.append(phrase)
        if not hits:
            level, confidence = 0, 0.6
            rationale = "no passage in the plan documents matches this requirement"
        else:
            cued = [(lv, ph, s) for lv, ph, (_, s) in zip(levels, phrases, hits) if lv is not None]
            if cued:
                level, phrase, sim = max(cued, key=lambda t: (t[0], t[2]))
                rationale = f"best passage says \"{phrase}\" ({_level_word(level)})"
            else:
                level, phrase, sim = 1, "", hits[0][1]
                rationale = "mentioned in the plan without saying how far it has got; taken as planned"
            confidence = round(min(0.95, 0.35 + sim + (0.15 if cued else 0)), 2)
        rows.append({"force": force, "round": str(round_id), "framework": fid, "requirement_id": rid,
                     "level": float(level), "confidence": confidence,
                     "similarity": round(hits[0][1], 3) if hits else 0.0,
                     "evidence_refs": "\n".join(quotes), "rationale": rationale,
                     "level_source": "auto-suggested"})
    return pd.DataFrame(rows)


_INDEXES: dict[tuple[int, tuple[str, ...]], object] = {}


def _index(catalogue: Catalogue, framework_ids: tuple[str, ...]):
    """The requirement index, built once per catalogue and framework choice."""
    from gapkit.textmatch import RequirementIndex

    key = (id(catalogue), framework_ids)
    if key not in _INDEXES:
        _INDEXES[key] = RequirementIndex.build(catalogue, list(framework_ids))
    return _INDEXES[key]


def _clip(text: str, limit: int = 220) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _level_word(level: int) -> str:
    return {0: "no information", 1: "planned", 2: "started", 3: "in place"}.get(level, str(level))


def evidence_for_files(files: list[Path], catalogue: Catalogue | None = None,
                       framework_ids: list[str] | None = None, force: str = "",
                       round_id: str = "") -> tuple[pd.DataFrame, list[Issue]]:
    """Suggestions from several plan documents together, and every reading problem."""
    passages, issues = [], []
    for f in files:
        plan = read_plan(f)
        passages.extend(plan.passages)
        issues.extend(plan.issues)
    return suggest(passages, catalogue, framework_ids, force, round_id), issues


def as_assessment(suggestions: pd.DataFrame) -> pd.DataFrame:
    """Suggestions as assessment rows (level_source auto-suggested)."""
    from gapkit.assessment import normalise

    cols = ["force", "round", "framework", "requirement_id", "level", "evidence_refs", "rationale", "level_source"]
    return normalise(suggestions[cols].copy())
