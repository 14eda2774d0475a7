"""Write plan documents (md, docx, pdf) from headings and paragraphs: for the demo data and test fixtures."""

from __future__ import annotations

import textwrap
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
    document.core_properties.title = title
    document.save(str(path))


def _pdf(path: Path, title: str, sections: Sections, footer: str) -> None:
    lines: list[tuple[str, float, str]] = [(title, 14, "bold"), ("", 10, "normal")]
    for heading, paragraphs in sections:
        lines.append((heading, 12, "bold"))
        for para in paragraphs:
            lines += [(line, 10, "normal") for line in textwrap.wrap(para, 95)]
            lines.append(("", 10, "normal"))
    per_page = 52
    with PdfPages(path, metadata={"Title": title, "Creator": "gapkit"}) as pdf:
        for start in range(0, max(len(lines), 1), per_page):
            fig = Figure(figsize=(8.27, 11.69))
            y = 0.95
            for text, size, weight in lines[start:start + per_page]:
                if text:
                    fig.text(0.07, y, text, fontsize=size, fontweight=weight)
                y -= 0.017
            if footer:
                fig.text(0.07, 0.03, footer, fontsize=7)
            pdf.savefig(fig)
