"""Write plan documents (md, docx, pdf) from headings and paragraphs: for the demo data and test fixtures.

`write_plan` builds a plan from a title and (heading, paragraphs) sections. `write_markdown_as` takes a plan already
written in a small subset of markdown (headings, paragraphs, lists, pipe tables) and writes the same content as .md,
.docx or .pdf, so one labelled plan can be read in all three formats."""

from __future__ import annotations

import re
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import docx
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

Sections = list[tuple[str, list[str]]]


def write_plan(path: Path, title: str, sections: Sections, footer: str = "") -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = {".md": _md, ".txt": _md, ".docx": _docx, ".pdf": _pdf}[path.suffix.lower()]
    writer(path, title, sections, footer)
    return path


def _md(path: Path, title: str, sections: Sections, footer: str) -> None:
    lines = [f"# {title}", ""]
    for heading, paragraphs in sections:
        lines += [f"## {heading}", ""]
        for para in paragraphs:
            lines += [para, ""]
    if footer:
        lines += [f"_{footer}_", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def _docx(path: Path, title: str, sections: Sections, footer: str) -> None:
    document = docx.Document()
    document.add_heading(title, level=1)
    for heading, paragraphs in sections:
        document.add_heading(heading, level=2)
        for para in paragraphs:
            document.add_paragraph(para)
    if footer:
        document.sections[0].footer.paragraphs[0].text = footer
    document.core_properties.title = title[:255]  # Word's limit for a document property
    document.save(str(path))


def _pdf(path: Path, title: str, sections: Sections, footer: str) -> None:
    lines: list[tuple[str, float, str]] = [(title, 14, "bold"), ("", 10, "normal")]
    for heading, paragraphs in sections:
        lines.append((heading, 12, "bold"))
        for para in paragraphs:
            lines += [(line, 10, "normal") for line in textwrap.wrap(para, 95)]
            lines.append(("", 10, "normal"))
    _pdf_pages(path, title, lines, footer)


def _pdf_pages(path: Path, title: str, lines: list[tuple[str, float, str]], footer: str = "") -> None:
    """Write (text, size, weight) lines, 52 to an A4 page; an empty text is a blank line."""
    per_page = 52
    with PdfPages(path, metadata={"Title": title, "Creator": "gapkit"}) as pdf:
        for start in range(0, max(len(lines), 1), per_page):
            fig = Figure(figsize=(8.27, 11.69))
            y = 0.95
            for text, size, weight in lines[start:start + per_page]:
                if text:
                    fig.text(0.07, y, text, fontsize=size, fontweight=weight, parse_math=False)
                y -= 0.017
            if footer:
                fig.text(0.07, 0.03, footer, fontsize=7, parse_math=False)
            pdf.savefig(fig)


# --- one markdown plan written as md, docx or pdf -------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBER = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$")
# a line "ends a sentence" when it ends with . ! ? : ; possibly followed by closing quotes or brackets
_SENTENCE_END = re.compile(r"[.!?:;][\"'\u2019\u201d)\]]*$")


@dataclass
class Block:
    """One block of a markdown plan.

    kind is "heading" (level 1-6), "paragraph", "bullet", "number" (number is the item's number in the source) or
    "table" (cells is the header row followed by the body rows)."""

    kind: str
    text: str = ""
    level: int = 0
    number: int = 0
    cells: list[list[str]] = field(default_factory=list)


def _inline(text: str) -> str:
    """Plain text of a markdown fragment: drops bold markers, backticks and one pair of emphasis marks around it."""
    text = text.replace("**", "").replace("__", "").replace("`", "").replace("\\|", "|").strip()
    if len(text) > 2 and text[0] == text[-1] and text[0] in "*_" and text[1] != " " and text.count(text[0]) == 2:
        text = text[1:-1].strip()
    return text


def _table_cells(line: str) -> list[str]:
    line = line.strip().replace("\\|", "\x00").removeprefix("|").removesuffix("|")
    return [_inline(cell.replace("\x00", "\\|")) for cell in line.split("|")]


def _paragraphs(lines: list[str]) -> list[Block]:
    """Consecutive plain lines: one paragraph per line when every line ends a sentence, else one joined paragraph."""
    lines = [line.strip() for line in lines]
    if len(lines) > 1 and all(_SENTENCE_END.search(line) for line in lines):
        return [Block("paragraph", _inline(line)) for line in lines]
    return [Block("paragraph", _inline(" ".join(lines)))]


def markdown_blocks(text: str) -> list[Block]:
    """Read the markdown subset used for plans into blocks, in order.

    - `#` to `######` start a heading, whether or not blank lines surround it.
    - `-`, `*` or `+` start a bullet item and `1.` or `1)` a numbered item. A following line that is not blank and
      starts no other block (usually indented) continues the item; the lines join with single spaces.
    - Consecutive lines starting with `|` form a table when the second is a separator row (`|---|---|`); the first
      row is the header. Without a separator row the lines are read as ordinary text.
    - Any other consecutive lines form paragraphs. They join into one paragraph (a source wrapped at a fixed width)
      unless every one of them ends with sentence punctuation (. ! ? : ; optionally followed by a closing quote or
      bracket): then the source is taken to be one sentence per line and each line is its own paragraph. A single
      line without final punctuation (a title running into its first sentence) stays one paragraph as written.
    - Blank lines end a block. Inline markup is reduced to plain text: `**`, `__` and backticks are dropped, as is
      one pair of `*` or `_` wrapping a whole paragraph or item.
    """
    blocks: list[Block] = []
    para: list[str] = []
    lines = text.splitlines()
    i = 0

    def flush() -> None:
        if para:
            blocks.extend(_paragraphs(para))
            para.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            flush()
            i += 1
            continue
        heading = _HEADING.match(stripped)
        if heading:
            flush()
            blocks.append(Block("heading", _inline(heading.group(2)), level=len(heading.group(1))))
            i += 1
            continue
        if stripped.startswith("|"):
            j = i
            while j < len(lines) and lines[j].strip().startswith("|"):
                j += 1
            rows = lines[i:j]
            if len(rows) >= 2 and _TABLE_SEPARATOR.match(rows[1]):
                flush()
                blocks.append(Block("table", cells=[_table_cells(rows[0])] + [_table_cells(r) for r in rows[2:]]))
            else:
                para.extend(rows)
            i = j
            continue
        bullet, number = _BULLET.match(line), _NUMBER.match(line)
        if bullet or number:
            flush()
            item = [bullet.group(1) if bullet else number.group(2)]
            i += 1
            while i < len(lines):
                nxt = lines[i]
                if (not nxt.strip() or _HEADING.match(nxt.strip()) or nxt.strip().startswith("|")
                        or _BULLET.match(nxt) or _NUMBER.match(nxt)):
                    break
                item.append(nxt.strip())
                i += 1
            text_ = _inline(" ".join(part.strip() for part in item))
            if bullet:
                blocks.append(Block("bullet", text_))
            else:
                blocks.append(Block("number", text_, number=int(number.group(1))))
            continue
        para.append(line)
        i += 1
    flush()
    return blocks


def _title_of(blocks: list[Block], fallback: str) -> str:
    """The document title: the opening heading, else the fallback (a plan that opens with text has no title line)."""
    return blocks[0].text if blocks and blocks[0].kind == "heading" else fallback


def write_markdown_as(md_path: Path, out_path: Path) -> Path:
    """Write the markdown plan at md_path as out_path, in the format its suffix names (.md/.markdown/.txt, .docx, .pdf).

    .md (and .markdown/.txt) is a byte-for-byte copy. .docx: headings in the Heading 1-6 styles, bullet items in
    "List Bullet", numbered items in "List Number", pipe tables as Word tables (header row bold, "Table Grid" style),
    everything else as plain paragraphs. .pdf (matplotlib, A4): headings bold, paragraphs wrapped, bullet items
    behind "•", numbered items behind their number, each table row on its own line with its cells joined by " | "
    (a row longer than the page wraps onto indented lines), a blank line between blocks. The structure is read by
    `markdown_blocks`, whose docstring gives the rules for joining lines into paragraphs."""
    md_path, out_path = Path(md_path), Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    suffix = out_path.suffix.lower()
    if suffix in {".md", ".markdown", ".txt"}:
        if md_path.resolve() != out_path.resolve():
            shutil.copyfile(md_path, out_path)
        return out_path
    writers = {".docx": _blocks_docx, ".pdf": _blocks_pdf}
    if suffix not in writers:
        raise ValueError(f"cannot write a plan as {out_path.suffix!r}: use .md, .docx or .pdf")
    blocks = markdown_blocks(md_path.read_text(encoding="utf-8"))
    writers[suffix](out_path, _title_of(blocks, md_path.stem), blocks)
    return out_path


def _blocks_docx(path: Path, title: str, blocks: list[Block]) -> None:
    document = docx.Document()
    for block in blocks:
        if block.kind == "heading":
            document.add_heading(block.text, level=block.level)
        elif block.kind == "bullet":
            document.add_paragraph(block.text, style="List Bullet")
        elif block.kind == "number":
            document.add_paragraph(block.text, style="List Number")
        elif block.kind == "table":
            ncols = max(len(row) for row in block.cells)
            table = document.add_table(rows=len(block.cells), cols=ncols)
            table.style = "Table Grid"
            for r, row in enumerate(block.cells):
                for c in range(ncols):
                    cell = table.cell(r, c)
                    cell.text = row[c] if c < len(row) else ""
                    if r == 0:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True
        else:
            document.add_paragraph(block.text)
    document.core_properties.title = title[:255]  # Word's limit for a document property
    document.save(str(path))


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    wrapped = textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False)
    return wrapped or [first.rstrip()]


def _blocks_pdf(path: Path, title: str, blocks: list[Block]) -> None:
    lines: list[tuple[str, float, str]] = []
    heading_size = {1: 14, 2: 12}
    for block in blocks:
        if block.kind == "heading":
            lines += [(line, heading_size.get(block.level, 11), "bold") for line in _wrap(block.text, 80)]
        elif block.kind == "bullet":
            lines += [(line, 10, "normal") for line in _wrap(block.text, 95, "\u2022 ", "   ")]
        elif block.kind == "number":
            marker = f"{block.number}. "
            lines += [(line, 10, "normal") for line in _wrap(block.text, 95, marker, " " * (len(marker) + 1))]
        elif block.kind == "table":
            for r, row in enumerate(block.cells):
                weight = "bold" if r == 0 else "normal"
                lines += [(line, 8.5, weight) for line in _wrap(" | ".join(row), 110, "", "    ")]
        else:
            lines += [(line, 10, "normal") for line in _wrap(block.text, 95)]
        lines.append(("", 10, "normal"))
    _pdf_pages(path, title, lines)
