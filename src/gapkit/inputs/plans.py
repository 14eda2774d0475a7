"""Plan documents: a force's written plan read into passages, each with its file and place (page, paragraph, line).

A file that cannot be read (corrupt, encrypted, scanned with no text layer, empty) gives a message and no
passages; it never stops the run. Which passages bear on which requirement is gapkit.assess.evidence's job."""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import docx
import pypdfium2 as pdfium
from docx.table import Table
from docx.text.paragraph import Paragraph
from openpyxl import load_workbook

from gapkit.core.errors import Issue
from gapkit.core.fileio import sha256, sha256_text, write_text

PLAN_SUFFIXES = {".docx", ".pdf", ".md", ".txt", ".xlsx", ".xlsm"}
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_CHARS = 5_000_000
PASSAGE_CHARS = 700


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
    """Text per page with PDFium (fast: a 100-page plan in well under a second)."""
    pages = _pdf_pages(path)
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


def _pdf_pages(path: Path) -> list[str] | None:
    """The text of each page; None when the PDF needs a password."""
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


def _read_xlsx(path: Path, issues: list[Issue]) -> list[Passage]:
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


READER_VERSION = sha256_text(Path(__file__).read_text(encoding="utf-8"))[:16]  # a change to the readers


class PlanCache:
    """Plan documents already read, kept by the SHA-256 of their bytes and the readers' version (the way
    jupyter-cache keys executed notebooks): a force whose workbook changed does not have its PDFs read again."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def read(self, path: Path) -> PlanText:
        path = Path(path)
        try:
            key = f"{sha256(path)}-{READER_VERSION}"
        except OSError:
            return read_plan(path)  # read_plan says what is wrong with it
        entry = self.folder / f"{key}.json"
        if entry.exists():
            try:
                return _from_json(json.loads(entry.read_text(encoding="utf-8")), path)
            except (ValueError, KeyError, TypeError):
                pass  # a damaged entry is read again and replaced
        plan = read_plan(path)
        write_text(entry, json.dumps(_to_json(plan)))
        return plan


def _to_json(plan: PlanText) -> dict:
    return {"passages": [[p.location, p.heading, p.text] for p in plan.passages],
            "issues": [[i.where, i.message, i.fix, i.severity] for i in plan.issues]}


def _from_json(data: dict, path: Path) -> PlanText:
    """The cached reading, told of the file's current name (the same bytes may come under another name)."""
    return PlanText([Passage(str(path), loc, heading, text) for loc, heading, text in data["passages"]],
                    [Issue(str(path), where, message, fix, severity) for where, message, fix, severity in data["issues"]])
