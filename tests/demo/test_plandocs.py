"""Plan documents: one markdown plan written as md, docx and pdf keeps its headings, lists, tables and sentences."""

from pathlib import Path

import docx
import pypdfium2
import pytest

from gapkit.demo.plandocs import markdown_blocks, write_markdown_as, write_plan

PLANS = Path(__file__).parents[1] / "evidence_adversarial" / "plans"
TABLE_PLAN = PLANS / "adv09-fenwick-table.md"  # headings, a pipe table, a bullet list and a sentence
NUMBERED_PLAN = PLANS / "adv11-caldermouth-numbered.md"  # numbered items with indented continuation lines


def _pdf_text(path: Path) -> str:
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_docx_keeps_headings_lists_and_a_real_table(tmp_path):
    out = write_markdown_as(TABLE_PLAN, tmp_path / "plan.docx")
    document = docx.Document(str(out))
    styled = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Heading 1", "Fenwick Constabulary: APSP action plan (update, January 2018)") in styled
    assert ("Heading 2", "Notes") in styled
    assert ("List Bullet", "Deferred items have no new date.") in styled
    assert ("Normal", "Each line of the table is owned by a named chief inspector.") in styled
    assert document.core_properties.title == "Fenwick Constabulary: APSP action plan (update, January 2018)"
    [table] = document.tables
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    assert cells[0] == ["Requirement", "Action", "Status"]
    assert ["IT monitoring", "Procure protective monitoring for all systems", "Not started"] in cells
    assert len(cells) == 7 and all(len(row) == 3 for row in cells)
    assert all(run.bold for run in table.rows[0].cells[0].paragraphs[0].runs)
    assert not any("|" in text or "---" in text for _, text in styled)  # no markdown left in the text


def test_docx_numbered_items_join_their_continuation_lines(tmp_path):
    document = docx.Document(str(write_markdown_as(NUMBERED_PLAN, tmp_path / "plan.docx")))
    items = [p.text for p in document.paragraphs if p.style.name == "List Number"]
    assert len(items) == 5
    assert items[0].startswith("Recording and referral: the PSD assesses each allegation")
    assert "A retrospective review of cases since 2014 is half complete;" in items[0]
    assert items[0].endswith("referred to the IOPC as they are found.")


def test_pdf_has_each_table_row_on_a_line_and_the_sentences(tmp_path):
    out = write_markdown_as(TABLE_PLAN, tmp_path / "plan.pdf")
    text = _pdf_text(out)
    lines = [_squash(line) for line in text.splitlines()]
    assert "Requirement | Action | Status" in lines
    assert "IT monitoring | Procure protective monitoring for all systems | Not started" in lines
    assert "Each line of the table is owned by a named chief inspector." in lines
    assert "Fenwick Constabulary: APSP action plan (update, January 2018)" in lines
    assert any(line.startswith("\u2022") and "Deferred items have no new date." in line for line in lines)
    assert pypdfium2.PdfDocument(str(out)).get_metadata_dict()["Title"].startswith("Fenwick Constabulary")


def test_pdf_wraps_long_items_but_keeps_all_their_words(tmp_path):
    text = _squash(_pdf_text(write_markdown_as(NUMBERED_PLAN, tmp_path / "plan.pdf")))
    assert "1. Recording and referral: the PSD assesses each allegation" in text
    assert "5. Outcomes: gross misconduct hearings are announced in advance" in text
    assert "cases that meet the criteria are being referred to the IOPC as they are found." in text


def test_md_is_a_copy(tmp_path):
    out = write_markdown_as(TABLE_PLAN, tmp_path / "sub" / "plan.md")
    assert out.read_bytes() == TABLE_PLAN.read_bytes()
    with pytest.raises(ValueError, match="cannot write"):
        write_markdown_as(TABLE_PLAN, tmp_path / "plan.rtf")


def test_paragraph_rule_one_sentence_per_line_or_joined():
    text = (
        "# Title\n"
        "## Section\n"
        "Line one is a sentence.\n"
        "Line two is another!\n"
        "\n"
        "A paragraph wrapped at a fixed\n"
        "width joins into one.\n"
        "\n"
        "Title running on The force has a unit\n"
        "\n"
        "* starred item\n"
        "  continued here\n"
        "2) second\n"
        "\n"
        "| a | b |\n"
        "|:--|--:|\n"
        "| 1 | **2** |\n"
        "| x | y \\| z |\n"
        "\n"
        "| not a table |\n"
        "| no separator |\n"
    )
    blocks = [(b.kind, b.level or b.number, b.text, b.cells) for b in markdown_blocks(text)]
    assert blocks == [
        ("heading", 1, "Title", []),
        ("heading", 2, "Section", []),
        ("paragraph", 0, "Line one is a sentence.", []),
        ("paragraph", 0, "Line two is another!", []),
        ("paragraph", 0, "A paragraph wrapped at a fixed width joins into one.", []),
        ("paragraph", 0, "Title running on The force has a unit", []),
        ("bullet", 0, "starred item continued here", []),
        ("number", 2, "second", []),
        ("table", 0, "", [["a", "b"], ["1", "2"], ["x", "y | z"]]),
        ("paragraph", 0, "| not a table | | no separator |", []),
    ]


def test_every_adversarial_plan_converts(tmp_path):
    plans = sorted(PLANS.glob("*.md")) + sorted((PLANS.parents[1] / "evidence_adversarial_holdout" / "plans").glob("*.md"))
    assert len(plans) >= 24
    for plan in plans:
        blocks = markdown_blocks(plan.read_text(encoding="utf-8"))
        assert blocks and all(b.text or b.cells for b in blocks), plan.name
        document = docx.Document(str(write_markdown_as(plan, tmp_path / f"{plan.stem}.docx")))
        words = " ".join(p.text for p in document.paragraphs) + " ".join(
            c.text for t in document.tables for r in t.rows for c in r.cells)
        assert _squash(blocks[-1].text or blocks[-1].cells[-1][-1]) in _squash(words), plan.name


def test_write_plan_still_writes_all_three_formats(tmp_path):
    sections = [("Counter-corruption unit", ["The unit costs $5 and is reviewed."])]
    for suffix in (".md", ".docx", ".pdf"):
        write_plan(tmp_path / f"p{suffix}", "A plan", sections, footer="fictional")
    assert "## Counter-corruption unit" in (tmp_path / "p.md").read_text()
    assert [p.text for p in docx.Document(str(tmp_path / "p.docx")).paragraphs][:2] == ["A plan", "Counter-corruption unit"]
    assert "The unit costs $5 and is reviewed." in _pdf_text(tmp_path / "p.pdf")
