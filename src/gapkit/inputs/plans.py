"""Plan documents: a force's written plan read into passages, each with its file and place (page, paragraph, line).

A file that cannot be read (corrupt, encrypted, scanned with no text layer, empty, not text at all, a link or a
special file, over a limit in data/config/limits.yaml) gives a message and no passages; it never stops the run.
Every passage's text goes through gapkit.core.text.clean, so no writer downstream can be broken by it. Which
passages bear on which requirement is gapkit.assess.evidence's job."""

from __future__ import annotations

import codecs
import ctypes
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import docx
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pysbd
from docx.table import Table
from docx.text.paragraph import Paragraph
from openpyxl import load_workbook

from gapkit.core.errors import GapkitError, Issue
from gapkit.core.fileio import sha256, sha256_text, write_text
from gapkit.core.limits import Limits, check_regular_file, check_zip_archive, default_limits, raise_fix
from gapkit.core.text import clean, unreadable_share

PLAN_SUFFIXES = {".docx", ".pdf", ".md", ".txt", ".xlsx", ".xlsm"}
PASSAGE_CHARS = 700
# A text file with more than this share of control or undecodable characters (NUL bytes among them) is binary data,
# not a plan: real text has next to none (a stray one is cleaned away), random or compressed bytes read as
# Windows-1252 about 13%, a UTF-16 file without its byte-order mark about 50%.
MAX_UNREADABLE_SHARE = 0.05
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_PDF_LINE_HYPHEN = re.compile("\ufffe[ \t]*(?:\r\n|\r|\n)?")  # a hyphen PDFium found at a line end


@dataclass(frozen=True)
class Passage:
    """A block of a plan as its author laid it out: a paragraph, a list item or a table row (cells joined by
    ' | '). Headings are not passages: they are kept as each passage's context."""
    file: str
    location: str  # "page 3", "paragraph 12", "line 40", "Sheet1 > B4"
    heading: str
    text: str
    lead: str = ""  # for a list item, the sentence introducing its list ("By March 2019 this plan will deliver:")


_SEGMENTER: list[pysbd.Segmenter] = []


# a title in capitals run into the first sentence of its text ("APSP PLAN POSITION AT 30 SEPTEMBER 2017 The unit ..."),
# as a plain-text or markdown plan without a blank line after its title reads: the title is not part of the sentence
TITLE_RUN = re.compile(r"^(?:[A-Z0-9][A-Z0-9&'’,:/().-]*\s+){3,}?(?=[A-Z][a-z])")


def sentences(text: str) -> list[str]:
    """The sentences of a block, as a person would quote them (pysbd: rule-based, knows 'e.g.', 'Mr.', 'No. 3').
    A table row is one unit; a title in capitals run into the first sentence is left out."""
    text = TITLE_RUN.sub("", text.strip(), count=1) if " | " not in text else text.strip()
    if " | " in text or len(text) < 40 or not re.search(r"[.!?;]\s+\S", text):
        return [text] if text else []
    if not _SEGMENTER:
        _SEGMENTER.append(pysbd.Segmenter(language="en", clean=False))
    return [s.strip() for s in _SEGMENTER[0].segment(text) if s.strip()]


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


def _not_text(path: Path, where: str, why: str) -> Issue:
    return Issue(str(path), where, f"the file does not look like text ({why}); it was not read and counts as no "
                 "evidence", "save the plan as plain text (UTF-8), or send it as .docx or .pdf", "warning")


def _decode(raw: bytes, path: Path, issues: list[Issue]) -> str | None:
    """The text of a .md/.txt file: UTF-8 (or UTF-16/32 with a byte-order mark), else Windows-1252 with a warning;
    None, with a warning, when the bytes are not text at all."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            text = raw.decode(encoding, errors="replace")
            break
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            text = raw.decode("cp1252", errors="replace")
            if unreadable_share(text) <= MAX_UNREADABLE_SHARE:
                issues.append(Issue(str(path), f"byte {exc.start}", "text is not UTF-8; read as Windows-1252",
                                    "save the file as UTF-8 to be sure every character is right", "warning"))
    share = unreadable_share(text)
    if share > MAX_UNREADABLE_SHARE:
        return _fail(issues, _not_text(path, "", f"{share:.0%} of it is control or undecodable characters"))
    return text


def _cut(path: Path, where: str, limits: Limits) -> Issue:
    """The warning that a document's text was cut at max_plan_chars."""
    return Issue(str(path), where, f"only the first {limits.max_plan_chars:,} characters were read (max_plan_chars)",
                 raise_fix("max_plan_chars") + ", or split the document", "warning")


def _fail(issues: list[Issue], issue: Issue) -> None:
    issues.append(issue)
    return None


def _read_bytes(path: Path, limits: Limits) -> bytes:
    """At most max_file_mb (+1 byte): a file that grows after it was checked is still read no further."""
    cap = int(limits.max_file_mb * 2**20)
    with path.open("rb") as fh:
        raw = fh.read(cap + 1)
    if len(raw) > cap:
        raise GapkitError.one(path, "", f"the file grew over the limit of {limits.max_file_mb:g} MB (max_file_mb) "
                              "while it was read", raise_fix("max_file_mb"))
    return raw


SENTENCE_END = re.compile(r"[.!?:;][\"'’”)\]]*$")  # as gapkit.demo.plandocs reads it


LABEL_WORDS = 8  # a line this short with no closing punctuation, before a list, labels it ("Already in place")


SENTENCE_HEADING_WORDS = 12  # a "heading" longer than this that ends a sentence is a paragraph


def sentence_set_as_heading(text: str) -> bool:
    """A heading of more than a dozen words that ends a sentence is a paragraph set in a heading's style (a title run
    into the first sentence of the text): read as text, as the PDF reader reads such lines (_heading_font)."""
    return len(text.split()) > SENTENCE_HEADING_WORDS and bool(re.search(r"[.!?;]$", text))


# a statement opening inside a title: "... APSP Plan 2018 The unit now ...", "... Q4 2017-18 Headline: the unit has ..."
RUN_IN_STATEMENT = re.compile(r"[a-z0-9)] (The|Our|We|This|It|All|Every) [a-z]|:\s+(?i:the|our|we|this|it|all|every)\s")


def heading_is_text(heading: str) -> bool:
    """A heading of more than a dozen words that heads nothing (the next heading follows at once) and has a
    statement run into it ("... APSP Plan 2018 The counter-corruption unit now seeks intelligence proactively"):
    read as text, or what it says is lost. A long title alone stays a title."""
    return len(heading.split()) > SENTENCE_HEADING_WORDS and bool(RUN_IN_STATEMENT.search(heading))


def introduces_list(text: str) -> bool:
    """The paragraph before a list introduces it: it ends with a colon ("By March 2019 this plan will deliver:"),
    or is a short label with no closing punctuation."""
    text = text.strip()
    return text.endswith(":") or 0 < len(text.split()) <= LABEL_WORDS and not re.search(r"[.!?;,]$", text)


def list_lead(text: str) -> str:
    """The words that introduce a list: the last sentence of the paragraph before it, when that introduces one
    (in a paragraph of one sentence per line, "Next year we will:" alone, not the sentences above it)."""
    if re.search(r"[.!?;,]$", text.strip()):  # ends a sentence: introduces nothing (and needs no splitting)
        return ""
    last = (sentences(text) or [""])[-1]
    return last if introduces_list(last) else ""


MARKDOWN_SUFFIXES = (".md", ".markdown")
_MARKDOWN_MARKS = re.compile(r"\*\*|__|`")


def _read_text_file(path: Path, issues: list[Issue], limits: Limits) -> list[Passage]:
    text = _decode(_read_bytes(path, limits), path, issues)
    if text is None:
        return []
    text = clean(text)
    markdown = path.suffix.lower() in MARKDOWN_SUFFIXES
    passages: list[Passage] = []
    heading, buffer, start, lead, in_list = "", [], 1, "", False
    heading_at, heading_line = 0, 0  # passages read when the heading was, and its line

    def plain(words: str) -> str:
        """Bold and code marks are not words a person quotes (they still count where a line ends: a bold line
        is not a sentence that ends there, as the rendered page shows)."""
        return _MARKDOWN_MARKS.sub("", words) if markdown else words

    def add(where: str, words: str, context: str = "") -> None:
        passages.append(Passage(str(path), where, plain(heading), plain(words), plain(context)))

    def flush() -> None:
        if len(buffer) > 1 and all(SENTENCE_END.search(b) for b in buffer):
            for offset, line in enumerate(buffer):  # one sentence per line: each line is a paragraph of its own
                add(f"line {start + offset}", line, lead if in_list else "")
        else:
            for piece in _chunks(" ".join(buffer)):
                add(f"line {start}", piece, lead if in_list else "")
        buffer.clear()

    for no, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        # a pipe table: each row is a passage, its header row too (as a Word table's first row and a PDF's are)
        if stripped.startswith("|") and stripped.count("|") >= 2:
            flush()
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                continue  # the line under the header
            add(f"line {no}", " | ".join(c for c in cells if plain(c).strip()))
            start = no + 1
            continue
        if stripped.startswith("#") and sentence_set_as_heading(stripped.lstrip("#").strip()):
            flush()  # a paragraph marked as a heading: read as the text it is, a paragraph of its own
            start = no
            buffer.append(stripped.lstrip("#").strip())
            flush()
            start = no + 1
        elif stripped.startswith("#"):
            flush()
            if heading and len(passages) == heading_at and heading_is_text(plain(heading)):
                passages.append(Passage(str(path), f"line {heading_line}", "", plain(heading), ""))
            heading, lead, in_list = stripped.lstrip("#").strip(), "", False
            heading_at, heading_line = len(passages), no
            start = no + 1
        elif not stripped:
            if buffer and not in_list:
                lead = list_lead(plain(" ".join(buffer)))
            flush()
            start = no + 1
        else:
            item = re.match(r"^([-*+]|\d+[.)])\s", stripped)
            if item:  # each list item is a passage of its own, under the sentence that introduced the list
                if buffer and not in_list:
                    lead = list_lead(plain(" ".join(buffer)))
                flush()
                in_list = True
                start = no
            elif not buffer and in_list:
                in_list, lead = False, ""
            if not buffer:
                start = no
            buffer.append(re.sub(r"^([-*+]|\d+[.)])\s+", "", stripped))
    flush()
    return passages


def _read_docx(path: Path, issues: list[Issue], limits: Limits) -> list[Passage]:
    document = docx.Document(str(path))
    style_names = {s.style_id: s.name or "" for s in document.styles}  # looked up once, not per paragraph
    passages, headings = [], []
    para_no, table_no, lead, previous = 0, 0, "", ""
    heading_at, heading_para = 0, 0  # passages read when the last heading was, and its paragraph
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            para_no += 1
            text = block.text.strip()
            style = style_names.get(block._p.style or "", "")
            if (style.lower().startswith("heading") or style.lower() == "title") and text and not \
                    sentence_set_as_heading(text):
                if headings and len(passages) == heading_at and heading_is_text(headings[-1][1]):
                    passages.append(Passage(str(path), f"paragraph {heading_para}", "", headings[-1][1]))
                heading_at, heading_para = len(passages), para_no
                level = int(re.sub(r"\D", "", style) or 1) if style.lower() != "title" else 1
                # a heading replaces those at its level or deeper (a document may start at Heading 2); the nearest
                # is the passage's context, as in markdown and PDF
                headings = [h for h in headings if h[0] < level] + [(level, text)]
                lead = previous = ""
                continue
            listed = style.lower().startswith("list") or block._p.pPr is not None and block._p.pPr.numPr is not None
            if listed and not lead and (introduces := list_lead(previous)):
                lead = introduces
            elif not listed and text:
                lead = ""
            for piece in _chunks(text):
                passages.append(Passage(str(path), f"paragraph {para_no}", headings[-1][1] if headings else "", piece,
                                        lead if listed else ""))
            previous = "" if listed else text or previous  # an item never introduces the items after it
        elif isinstance(block, Table):
            table_no += 1
            for r, row in enumerate(block.rows, 1):
                # a merged cell is given once for each column it spans: read it once (equal cells stay)
                row_cells, cells = list(row.cells), []  # the list keeps each cell's element object alive
                for k, cell in enumerate(row_cells):
                    text = cell.text.strip()
                    if text and not any(cell._tc is other._tc for other in row_cells[:k]):
                        cells.append(text)
                for piece in _chunks(" | ".join(cells)):
                    passages.append(Passage(str(path), f"table {table_no} row {r}",
                                            headings[-1][1] if headings else "", piece))
    return passages


def _read_pdf(path: Path, issues: list[Issue], limits: Limits) -> list[Passage]:
    """Text per page with PDFium (fast: a 100-page plan in well under a second). Headings are found by their font
    where the PDF has any in a larger or bold type than its body text, as Word and most writers make them."""
    pages = _pdf_pages(path, limits, issues)
    if pages is None:
        issues.append(Issue(str(path), "", "the PDF is encrypted (password protected); it was not read",
                            "send a copy without a password", "warning"))
        return []
    pages = [_join_hyphenated(lines) for lines in pages]
    body, spacing = _body_size(pages), _line_spacing(pages)
    # space between paragraphs: then a line ending a sentence with the next line close under it is not the end
    # of its paragraph (the wrap fell after a full stop)
    spaced = any(_gap_above(before, line, spacing) for lines in pages for before, line in zip(lines, lines[1:])
                 if before.size == line.size == body)
    # a PDF that says what type its lines are set in, none in a heading's: it has no headings (as a Word or
    # markdown file with no heading styles); one that does not say: short lines with no full stop may be headings
    marked = any(line.size for lines in pages for line in lines)
    passages, heading = [], ""
    for page_no, lines in enumerate(pages, 1):
        texts: list[str] = []
        headings: dict[int, tuple[float, float]] = {}
        row_lines: set[int] = set()
        row_starts: set[int] = set()
        item_lines: set[int] = set()
        full_lines: set[int] = set()
        row_left, item_left, before = None, None, None
        titles = _heading_lines(lines, body, spacing)
        for n, line in enumerate(lines):
            if before is not None and _gap_above(before, line, spacing):
                texts.append("")  # space above the line: a new paragraph, as a blank line in a text file
                item_left = None  # and the end of any list item above it
            if n in titles:
                headings[len(texts)] = (line.size, line.top)
            text = clean(line.text).strip()
            if row_left is not None and text and line.left > row_left + INDENT_POINTS:
                row_lines.add(len(texts))  # indented under a table row: the row's cells wrapped onto this line
            elif " | " in text:
                row_left = line.left or None
            elif (text and n + 1 < len(lines) and " | " in lines[n + 1].text and line.left
                  and lines[n + 1].left > line.left + INDENT_POINTS):
                row_starts.add(len(texts))  # a row whose first cell wrapped: its other cells follow, indented
                row_left = line.left or None
            elif text:
                row_left = None
            if LIST_ITEM.match(text):
                item_left = line.left or None
            elif item_left is not None and text and line.left > item_left + INDENT_POINTS:
                item_lines.add(len(texts))  # under a list item's text, not its bullet: the item wrapped
            elif text:
                item_left = None
            if len(text) * (line.size or body or 1) >= WRAPPED_CHARS * (body or line.size or 1):
                full_lines.add(len(texts))  # as long as a full line of body text, in its own type size
            texts.append(text)
            before = line
        blocks, heading = _pdf_blocks("\n".join(texts), heading, headings if marked else None, row_lines, spaced,
                                      item_lines, full_lines, row_starts)
        for block_heading, block, lead in blocks:
            for piece in _chunks(block):
                passages.append(Passage(str(path), f"page {page_no}", block_heading, piece, lead))
    if not passages and pages:
        issues.append(Issue(str(path), f"pages 1-{len(pages)}",
                            "the PDF has no text layer (a scan?); it needs OCR before gapkit can read it, "
                            "and counts as no evidence", "run OCR on it, or send the original document", "warning"))
    return passages


@dataclass(frozen=True)
class PdfLine:
    """One line of a PDF page as PDFium gives it, with the type of its first and last characters."""
    text: str
    size: float = 0.0   # font size in points; 0 when not known
    bold: bool = False  # set in a bold font
    top: float = 0.0    # its baseline, in points from the page's foot; 0 when not known
    left: float = 0.0   # where its first character starts, in points from the page's left; 0 when not known


def _join_hyphenated(lines: list[PdfLine]) -> list[PdfLine]:
    """PDFium gives a hyphen that split a word over two lines as U+FFFE at the line's end: join the word."""
    out: list[PdfLine] = []
    for line in lines:
        if out and out[-1].text.rstrip(" \t").endswith("\ufffe"):
            last = out[-1]
            out[-1] = PdfLine(last.text.rstrip(" \t")[:-1] + line.text.lstrip(), last.size, last.bold, last.top,
                              last.left)
        else:
            out.append(line)
    return out


def _body_size(pages: list[list[PdfLine]]) -> float:
    """The font size most of the text is set in (by characters), outside tables when there is text outside them (a
    plan that is mostly a table, set small, would otherwise make its one paragraph a heading)."""
    chars: Counter = Counter()
    prose: Counter = Counter()
    for lines in pages:
        for line in lines:
            if line.size:
                chars[line.size] += len(line.text)
                if " | " not in line.text and not line.bold:  # a bold line may be the heading being judged
                    prose[line.size] += len(line.text)
    sizes = prose if sum(prose.values()) >= PROSE_CHARS else chars
    return sizes.most_common(1)[0][0] if sizes else 0.0


PROSE_CHARS = 60  # characters of text outside tables enough to say what size the body text is set in


def _line_spacing(pages: list[list[PdfLine]]) -> dict[float, float]:
    """For each type size, the distance from one line to the next within a paragraph: the smallest distance
    between consecutive lines of that size seen twice (once, if none is). Empty when the PDF does not say where
    its lines are."""
    gaps: dict[float, Counter] = {}
    for lines in pages:
        for before, line in zip(lines, lines[1:]):
            if before.top and line.top and before.size == line.size and before.top > line.top:
                gaps.setdefault(line.size, Counter())[round(2 * (before.top - line.top)) / 2] += 1
    return {size: min((gap for gap, n in seen.items() if n >= 2), default=min(seen)) for size, seen in gaps.items()}


def _gap_above(before: PdfLine, line: PdfLine, spacing: dict[float, float]) -> bool:
    """More space between the two lines than between the lines of a paragraph (a blank line, space after a
    paragraph or before a heading): the line starts a new block."""
    usual = spacing.get(line.size)
    return bool(usual and before.top and line.top) and before.top - line.top > PARAGRAPH_GAP * usual


def _heading_lines(lines: list[PdfLine], body: float, spacing: dict[float, float]) -> set[int]:
    """The lines of a page set in a heading's type, but not a paragraph's first line that happens to be (a
    paragraph set larger than a page that is mostly table, say): its next line, in the same type and with no
    space between, is not one."""
    found: set[int] = set()
    for n in range(len(lines) - 1, -1, -1):
        line = lines[n]
        if not _heading_font(line, body):
            continue
        following = lines[n + 1] if n + 1 < len(lines) else None
        if (following is None or n + 1 in found or following.size != line.size
                or _gap_above(line, following, spacing) or not following.text.strip()):
            found.add(n)
    return found


def _heading_font(line: PdfLine, body: float) -> bool:
    """A line set larger than the body text, or short and bold at the body's size with no closing punctuation
    (a bold table header, set smaller, is not one)."""
    text = line.text.strip()
    if not text or not body or not line.size or " | " in text or len(text) > 2 * HEADING_CHARS:
        return False
    if re.search(r"[.!?;]$", text):  # a sentence, not a title
        return False
    return line.size >= body + 1 or (line.bold and line.size >= body - 0.1 and len(text) <= HEADING_CHARS
                                     and not text.endswith((":", ",")))


HEADING_CHARS = 70
WRAPPED_CHARS = 75  # a line at least this long may have been wrapped: the next line can continue it
WRAPPED_HEADING_CHARS = 45  # the same for a heading's line, in its larger type
PARAGRAPH_GAP = 1.3  # space above a line over this many times the usual line spacing starts a new block
INDENT_POINTS = 2.0  # a line starting this far right of a table row's (or list item's) first line continues it
HEADING_LINE_SPACING = 1.6  # a heading's wrapped line is at most this many times its type size below the first


def _cells(row: str) -> int:
    return row.count(" | ") + 1


def _pdf_blocks(text: str, heading: str = "", headings: dict[int, tuple[float, float]] | None = None,
                row_lines: set[int] = frozenset(), spaced: bool = False,
                item_lines: set[int] = frozenset(), full_lines: set[int] | None = None,
                row_starts: set[int] = frozenset()) -> tuple[list[tuple[str, str, str]], str]:
    """A page's text as (heading, block, lead), and the heading in force at the page's end (for the next page):
    blocks end at a blank line or a line ending a sentence; a line with
    ' | ' is a table row on its own; a list item's lead is the last sentence of the block before its list, when
    that introduces it. `headings`:
    the lines set in a heading's type, with their size and top (consecutive ones of one size, a line apart, are
    one wrapped heading);
    without it, a short line with no closing punctuation followed by more text is a heading (a title is not merged
    into the paragraph under it). `row_lines`: lines that continue the table row above them. `spaced`: blank lines
    mark the ends of paragraphs, so a line ending a sentence does not. `item_lines`: lines set under a list item's
    text (a hanging indent), which continue the item however short they are. `full_lines`: the lines that run
    the width of the page, which may have been wrapped (a line in a larger type holds fewer characters); without
    it, lines of WRAPPED_CHARS or more. `row_starts`: lines that open a table row whose first cell wrapped (the rest
    of the row follows in `row_lines`)."""
    lines = [ln.strip() for ln in text.splitlines()]

    def full(k: int) -> bool:
        return k in full_lines if full_lines is not None else len(lines[k]) >= WRAPPED_CHARS

    out: list[tuple[str, str, str]] = []
    buffer: list[str] = []
    state: dict = {"lead": "", "item": False}
    out_len = [-1]  # len(out) when the last heading line was read

    def flush() -> None:
        if buffer:
            block = " ".join(buffer)
            out.append((heading, block, state["lead"] if state["item"] else ""))
            if not state["item"]:
                state["lead"] = list_lead(block)
            buffer.clear()

    for i, line in enumerate(lines):
        if headings is not None and i in headings:
            flush()
            wrapped = out_len[0] == len(out) and _heading_wrapped(headings.get(i - 1), headings[i], lines[i - 1])
            if not wrapped and heading and out_len[0] == len(out) and heading_is_text(heading):
                out.append(("", heading, ""))  # a title run into a statement, heading nothing: text
            heading = f"{heading} {line}" if wrapped else line
            state["lead"], state["item"], out_len[0] = "", False, len(out)
            continue
        if i in row_starts and not buffer:
            out.append((heading, line, ""))
            state["open_row"] = len(out) - 1
            continue
        if i in row_lines and out and (" | " in out[-1][1] or state.get("open_row") == len(out) - 1) and not buffer:
            out[-1] = (out[-1][0], f"{out[-1][1]} {line}", "")
            continue
        following = LIST_ITEM.sub("", next((ln for ln in lines[i + 1:] if ln), ""))
        bullet = LIST_ITEM.match(line)
        if buffer and line and i not in item_lines and not full(i - 1) and (
                not state["item"] or line[:1].isupper() and not bullet):
            flush()  # the line before was not wrapped: its paragraph ended there, with or without a full stop
            if state["item"]:
                state["item"], state["lead"] = False, ""  # and a short item followed by a capital ends its list
        if not line:
            flush()
        elif (out and " | " in out[-1][1] and not buffer and i and lines[i - 1] and " | " in lines[i - 1]
              and full(i - 1) and _cells(out[-1][1]) + _cells(line) - 1 <= state.get("cells", 0)):
            out[-1] = (out[-1][0], f"{out[-1][1]} {line}", "")  # a table row wrapped onto a second line
        elif " | " in line:
            flush()
            if not (i and lines[i - 1] and " | " in lines[i - 1]):
                state["cells"] = _cells(line)  # a table's first row says how many cells its rows have
            out.append((heading, line, ""))
        elif out and " | " in out[-1][1] and not buffer and i and lines[i - 1] and line[:1].islower():
            out[-1] = (out[-1][0], f"{out[-1][1]} {line}", "")  # the last cell of a row wrapped
        elif (headings is None and not buffer and len(line) <= HEADING_CHARS and not re.search(r"[.!?:;,]$", line)
              and following[:1].isupper() and not LIST_ITEM.match(line)):
            heading, state["lead"] = line, ""
        else:
            if LIST_ITEM.match(line):  # a list item starts a block of its own
                flush()
                state["item"] = True
                line = LIST_ITEM.sub("", line)
            elif state["item"] and i not in item_lines and (not buffer or line[:1].isupper() and (
                    not full(i - 1) or _labels_list(line, lines[i + 1:]))):
                flush()  # a short item line followed by a capital, or a label over the next list: the list has ended
                state["item"], state["lead"] = False, ""
            buffer.append(line)
            following_line = lines[i + 1] if i + 1 < len(lines) else ""
            # a line ends its block at a full stop or colon, unless it was wrapped there ("... works reactively:
            # / almost all ...")
            wrapped_after_stop = spaced and following_line and full(i)
            if _ENDS_BLOCK.search(line) and not wrapped_after_stop and not (
                    line.endswith(":") and full(i) and following_line[:1].islower()
                    and not _LETTER_ITEM.match(following_line)):
                flush()
    flush()
    # a row's empty cells are left out, as Word and markdown rows are read
    return [(h, " | ".join(c for c in _CELL_SPLIT.split(block.strip(" |")) if c) if " | " in block else block, lead)
            for h, block, lead in out], heading


LIST_ITEM = re.compile(r"^([-*•]|\d+[.)])\s+")  # a bullet or number opening a list item in a PDF's text


def _labels_list(line: str, rest: list[str]) -> bool:
    """A short line that introduces a list ("Next year we will:", "To be confirmed") with a list item next: a label
    of its own, not the wrapped end of the item above it."""
    following = next((ln for ln in rest if ln), "")
    return introduces_list(line) and bool(LIST_ITEM.match(following))


_CELL_SPLIT = re.compile(r"\s*\|\s*")
_ENDS_BLOCK = re.compile(r"[.!?:][\"'\u2019\u201d)\]]*$")  # closing quotes and brackets may follow
_LETTER_ITEM = re.compile(r"^[a-z][.)]\s")  # "a) ", "b. "


def _heading_wrapped(before: tuple[float, float] | None, this: tuple[float, float], before_text: str) -> bool:
    """This heading line continues the one before it: the same type, one line below it (a new heading has space
    above it); where positions are not known, a long line before it."""
    if before is None or before[0] != this[0]:
        return False
    if before[1] and this[1]:
        return 0 < before[1] - this[1] <= HEADING_LINE_SPACING * this[0]
    return len(before_text) >= WRAPPED_HEADING_CHARS


def _pdf_pages(path: Path, limits: Limits, issues: list[Issue]) -> list[list[PdfLine]] | None:
    """The lines of each page, at most max_pdf_pages pages and about max_plan_chars characters; None when the PDF
    needs a password."""
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            return None
        raise
    try:
        count = len(pdf)
        if count > limits.max_pdf_pages:
            issues.append(Issue(str(path), f"pages {limits.max_pdf_pages + 1}-{count}",
                                f"the PDF has {count:,} pages, over the limit of {limits.max_pdf_pages:,} "
                                f"(max_pdf_pages); only the first {limits.max_pdf_pages:,} were read",
                                raise_fix("max_pdf_pages") + ", or split the document", "warning"))
        pages, total = [], 0
        for i in range(min(count, limits.max_pdf_pages)):
            page = pdf[i]
            textpage = page.get_textpage()
            pages.append(_page_lines(textpage))
            textpage.close()
            page.close()
            total += sum(len(line.text) for line in pages[-1])
            if total > limits.max_plan_chars and i + 1 < count:
                issues.append(_cut(path, f"page {i + 1}", limits))
                break
        return pages
    finally:
        pdf.close()


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FONT_NAME = ctypes.create_string_buffer(128)
_X, _Y = ctypes.c_double(), ctypes.c_double()


def _page_lines(textpage: pdfium.PdfTextPage) -> list[PdfLine]:
    """A page's lines, each with the size and weight of the type of its first and last visible characters (two
    looks a line, not one a character: a 100-page plan stays well under a second)."""
    text = textpage.get_text_range()
    known = textpage.count_chars() == len(text)  # a character index is a position in the text (no astral chars)
    lines, start = [], 0
    for match in [*_LINE_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        line = text[start:end]
        size, bold, top, left = 0.0, False, 0.0, 0.0
        visible = [start + k for k, ch in enumerate(line) if not ch.isspace()]
        if known and visible:
            ends = (visible[0], visible[-1])
            sizes = {round(pdfium_c.FPDFText_GetFontSize(textpage.raw, k), 1) for k in ends}
            size = sizes.pop() if len(sizes) == 1 else 0.0  # mixed type: not a heading
            bold = all(_is_bold(textpage, k) for k in ends)
            pdfium_c.FPDFText_GetCharOrigin(textpage.raw, visible[0], _X, _Y)  # on the baseline: any glyph
            left, top = _X.value, _Y.value
        lines.append(PdfLine(line, size, bold, top, left))
        start = match.end() if match else len(text)
    return lines


def _is_bold(textpage: pdfium.PdfTextPage, index: int) -> bool:
    if pdfium_c.FPDFText_GetFontWeight(textpage.raw, index) >= 600:
        return True
    pdfium_c.FPDFText_GetFontInfo(textpage.raw, index, _FONT_NAME, len(_FONT_NAME), None)
    return b"bold" in _FONT_NAME.value.lower()


def _read_xlsx(path: Path, issues: list[Issue], limits: Limits) -> list[Passage]:
    wb = load_workbook(path, read_only=True, data_only=True)
    passages, total = [], 0
    try:
        for ws in wb.worksheets:
            rows = ws.iter_rows(max_row=limits.max_sheet_rows, max_col=limits.max_sheet_columns)
            for r, row in enumerate(rows, 1):
                for cell in row:
                    if isinstance(cell.value, str) and len(cell.value.strip()) >= 20:
                        for piece in _chunks(clean(cell.value)):
                            passages.append(Passage(str(path), f"{ws.title} > {cell.coordinate}", ws.title, piece))
                            total += len(piece)
                if total > limits.max_plan_chars:
                    issues.append(_cut(path, f"{ws.title} > row {r}", limits))
                    return passages
    finally:
        wb.close()
    return passages


READERS = {".md": _read_text_file, ".txt": _read_text_file, ".docx": _read_docx, ".pdf": _read_pdf,
           ".xlsx": _read_xlsx, ".xlsm": _read_xlsx}


def _warnings(exc: GapkitError) -> list[Issue]:
    """A check's errors as warnings: a plan document never stops the force's assessment."""
    return [Issue(i.file, i.where, f"{i.message}; it counts as no evidence", i.fix, "warning") for i in exc.issues]


def read_plan(path: Path, limits: Limits | None = None) -> PlanText:
    """Passages with locations from one plan document; problems become issues, never exceptions. Nothing but a
    regular file within the limits (data/config/limits.yaml) is opened."""
    path = Path(path)
    limits = limits or default_limits()
    issues: list[Issue] = []
    suffix = path.suffix.lower()
    if suffix not in READERS:
        return PlanText([], [Issue(str(path), "", f"'{suffix}' plan documents are not read",
                                   f"send one of: {', '.join(sorted(PLAN_SUFFIXES))}", "warning")])
    if not path.exists() and not path.is_symlink():
        return PlanText([], [Issue(str(path), "", "file not found", "check the path")])
    try:
        check_regular_file(path, limits)  # before anything is opened: a pipe or /dev/zero would never end
    except GapkitError as exc:
        return PlanText([], _warnings(exc))
    if path.stat().st_size == 0:
        return PlanText([], [Issue(str(path), "", "the file is empty; it counts as no evidence",
                                   "send the document again", "warning")])
    if suffix in (".docx", ".xlsx", ".xlsm"):
        if not zipfile.is_zipfile(path):
            with path.open("rb") as fh:
                head = fh.read(8)
            why = ("is encrypted or in an old Office format" if head.startswith(b"\xd0\xcf\x11\xe0")
                   else "is damaged or not really a " + suffix + " file")
            return PlanText([], [Issue(str(path), "", f"the document {why}; it counts as no evidence",
                                       "save it again from Word/Excel without a password", "warning")])
        try:
            check_zip_archive(path, limits)  # sizes, zip bombs, XML DTDs: before Word's or Excel's reader opens it
        except GapkitError as exc:
            return PlanText([], _warnings(exc))
    try:
        passages = READERS[suffix](path, issues, limits)
    except GapkitError as exc:
        return PlanText([], issues + _warnings(exc))
    except Exception as exc:  # damaged files raise many kinds of error in the readers
        return PlanText([], issues + [Issue(str(path), "", f"the document cannot be read ({type(exc).__name__}); "
                                            "it counts as no evidence", "open and save it again, or send a PDF",
                                            "warning")])
    total = 0
    kept = []
    for passage in passages:
        passage = Passage(passage.file, passage.location, clean(passage.heading), clean(passage.text),
                          clean(passage.lead))
        if not passage.text.strip():
            continue
        total += len(passage.text)
        if total > limits.max_plan_chars:
            if not any("(max_plan_chars)" in i.message for i in issues):  # the reader may have said so already
                issues.append(_cut(path, passage.location, limits))
            break
        kept.append(passage)
    return PlanText(kept, issues)


READER_VERSION = sha256_text(Path(__file__).read_text(encoding="utf-8"))[:16]  # a change to the readers


def reading_key(path: Path) -> str | None:
    """What a plan document's reading depends on: its bytes, the readers' version and the limits (a raised limit
    reads again what was cut at the old one). None when the file cannot be hashed."""
    try:
        check_regular_file(path)  # hashing a pipe or a device would never end
        return f"{sha256(path)}-{READER_VERSION}-{sha256_text(default_limits().model_dump_json())[:8]}"
    except (OSError, GapkitError):
        return None


class PlanCache:
    """Plan documents already read, kept by the SHA-256 of their bytes, the readers' version and the limits (the
    way jupyter-cache keys executed notebooks): a force whose workbook changed does not have its PDFs read again."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def read(self, path: Path) -> PlanText:
        path = Path(path)
        key = reading_key(path)
        if key is None:
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
    return {"passages": [[p.location, p.heading, p.text, p.lead] for p in plan.passages],
            "issues": [[i.where, i.message, i.fix, i.severity] for i in plan.issues]}


def _from_json(data: dict, path: Path) -> PlanText:
    """The cached reading, told of the file's current name (the same bytes may come under another name)."""
    return PlanText([Passage(str(path), *fields) for fields in data["passages"]],
                    [Issue(str(path), where, message, fix, severity) for where, message, fix, severity in data["issues"]])
