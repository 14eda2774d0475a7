"""Plan documents read into passages with their places; a file that cannot be read gives a message, never an
exception, and the other files still count."""

from pathlib import Path

import pytest
from openpyxl import Workbook

import gapkit.inputs.plans as plans
from gapkit.assess.evidence import evidence_for_files
from gapkit.core.limits import default_limits
from gapkit.demo.plandocs import write_markdown_as, write_plan
from gapkit.inputs.plans import read_plan

SECTIONS = [("Counter-corruption unit", ["The review of the counter-corruption unit was completed in May 2017."]),
            ("IT systems", ["We will procure ICT protective monitoring software by March 2018."]),
            ("Partners", ["Work has started with VAWG partners; the first meetings have taken place."])]


@pytest.mark.parametrize("suffix", [".md", ".docx", ".pdf", ".txt"])
def test_each_format_gives_passages_with_locations(tmp_path, suffix):
    path = write_plan(tmp_path / f"plan{suffix}", "APSP plan", SECTIONS)
    plan = read_plan(path)
    assert not plan.issues
    text = " ".join(p.text for p in plan.passages)
    assert "counter-corruption unit" in text and "ICT protective monitoring" in text
    where = {p.location.split()[0] for p in plan.passages}
    assert where <= {"line", "paragraph", "page"}
    if suffix == ".docx":
        assert any(p.heading.endswith("IT systems") for p in plan.passages)
    if suffix == ".pdf":
        assert all(p.location == "page 1" for p in plan.passages)


def test_docx_tables_and_xlsx_text_cells(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("Plan", 1)
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "IT monitoring"
    table.rows[0].cells[1].text = "Protective monitoring software went live in March 2017."
    d.save(tmp_path / "t.docx")
    passages = read_plan(tmp_path / "t.docx").passages
    assert passages[0].location == "table 1 row 1" and "went live" in passages[0].text
    wb = Workbook()
    wb.active["B4"] = "Links with domestic abuse charities are in place and reviewed monthly."
    wb.save(tmp_path / "t.xlsx")
    assert read_plan(tmp_path / "t.xlsx").passages[0].location == "Sheet > B4"


# ---- bad input: a message and no evidence, never an exception ---------------------------------------------------

def _pdf_scan(path: Path) -> Path:
    """A PDF page that is only a picture: no text layer."""
    import numpy as np
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    with PdfPages(path) as pdf:
        fig = Figure(figsize=(8.27, 11.69))
        ax = fig.add_axes([0, 0, 1, 1])
        ax.imshow(np.random.default_rng(0).random((60, 40)), cmap="gray")
        ax.set_axis_off()
        pdf.savefig(fig)
    return path


def _encrypted_pdf(path: Path, tmp: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    source = write_plan(tmp / "open.pdf", "Plan", SECTIONS)
    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", algorithm="RC4-128")  # RC4 needs no extra crypto package
    with path.open("wb") as fh:
        writer.write(fh)
    return path


@pytest.mark.parametrize("case,message", [
    ("corrupt.docx", "damaged or not really a .docx"),
    ("corrupt.pdf", "cannot be read"),
    ("scan.pdf", "needs OCR"),
    ("locked.pdf", "encrypted"),
    ("empty.md", "empty"),
    ("huge.txt", "over the"),
    ("latin1.txt", "not UTF-8"),
    ("plan.odt", "not read"),
])
def test_bad_plan_documents_give_a_message_and_the_run_goes_on(tmp_path, monkeypatch, catalogue, case, message):
    path = tmp_path / case
    if case == "corrupt.docx":
        path.write_bytes(b"this is not a zip file")
    elif case == "corrupt.pdf":
        path.write_bytes(b"%PDF-1.4\n%garbage that is not a PDF body\n")
    elif case == "scan.pdf":
        _pdf_scan(path)
    elif case == "locked.pdf":
        _encrypted_pdf(path, tmp_path)
    elif case == "empty.md":
        path.write_bytes(b"")
    elif case == "huge.txt":
        path.write_text("x" * 2000)
        small = default_limits().model_copy(update={"max_file_mb": 1000 / 2**20})  # 1000 bytes
        monkeypatch.setattr(plans, "default_limits", lambda *args: small)
    elif case == "latin1.txt":
        path.write_bytes("The CCU review is complete \u2013 caf\u00e9 budget agreed.".encode("cp1252"))
    else:
        path.write_bytes(b"odt")
    good = write_plan(tmp_path / "good.md", "Plan", SECTIONS)
    own = read_plan(path)
    assert any(message in str(i) and case in str(i) for i in own.issues), [str(i) for i in own.issues]
    if case != "latin1.txt":  # a cp1252 file is still read, with a warning
        assert not own.passages
    suggestions, issues = evidence_for_files([path, good], catalogue, ["hmicfrs-2017-plans"])
    assert any(message in str(i) and case in str(i) for i in issues), [str(i) for i in issues]
    assert all(i.severity == "warning" for i in issues)  # no plan document stops the force's assessment
    assert suggestions.set_index("requirement_id").loc["P1", "level"] == 3  # the good file still counts
    if case == "latin1.txt":
        assert any("café" in p.text for p in read_plan(path).passages)


# ---- units a person would quote: tables, lists under their lead-in, headings, one sentence per line -------------

PLAN_MD = """# Vale Police: APSP plan

## Partners

| Area | Action | Status |
|---|---|---|
| Partners | Information Sharing Agreement with the Rape Crisis Centre, Refuge and the County ISVA Service signed | Complete |
| IT | Protective monitoring | Not started |

Already in place:

- a confidential reporting line for staff
- recording of every allegation as serious corruption

## Vetting

Every officer is vetted.
Re-vetting runs every five years.
Contractors are cleared before they start.
"""


def _read(tmp_path, suffix):
    from gapkit.demo.plandocs import write_markdown_as

    source = tmp_path / "plan.md"
    source.write_text(PLAN_MD, encoding="utf-8")
    return read_plan(write_markdown_as(source, tmp_path / f"plan{suffix}")).passages


@pytest.mark.parametrize("suffix", [".md", ".docx", ".pdf"])
def test_the_same_units_whatever_the_format(tmp_path, suffix):
    passages = _read(tmp_path, suffix)
    texts = [p.text for p in passages]
    # each table row is one unit, a long row that wrapped in the PDF joined again
    assert any(t.startswith("Partners | Information Sharing Agreement") and t.endswith("| Complete") for t in texts)
    assert "IT | Protective monitoring | Not started" in texts
    # list items keep the sentence that introduced their list; the lead-in is not their text
    item = next(p for p in passages if p.text.startswith("a confidential reporting line"))
    assert item.lead == "Already in place:"
    # headings are context, never units; the nearest one is each unit's heading
    assert not any(t in ("Partners", "Vetting", "Vale Police: APSP plan") for t in texts)
    assert next(p for p in passages if "Re-vetting" in p.text).heading == "Vetting"
    # one sentence per line: each line a unit of its own
    assert "Re-vetting runs every five years." in texts


def test_a_pdf_title_is_not_merged_into_the_paragraph_under_it(tmp_path):
    from gapkit.demo.plandocs import write_markdown_as

    source = tmp_path / "plan.md"
    source.write_text("Orrell Vale Police APSP plan 2017\n\n## Counter-corruption unit\n\nThe review was completed in "
                      "May 2017 and the unit now has four investigators.\n", encoding="utf-8")
    passages = read_plan(write_markdown_as(source, tmp_path / "plan.pdf")).passages
    unit = next(p for p in passages if "review was completed" in p.text)
    assert unit.heading == "Counter-corruption unit" and not unit.text.startswith("Orrell")


def test_sentences_are_split_as_a_person_would_quote_them():
    from gapkit.inputs.plans import sentences

    assert sentences("The CCU was reviewed by Mr. Smith, e.g. its capacity. It now has four analysts.") == [
        "The CCU was reviewed by Mr. Smith, e.g. its capacity.", "It now has four analysts."]
    assert sentences("CCU review | Complete; two DCs added. More to follow") == [
        "CCU review | Complete; two DCs added. More to follow"]  # a table row is one unit
    assert sentences("CALDERHOLT POLICE APSP PLAN POSITION AT 30 SEPTEMBER 2017 The unit took on two investigators.") == [
        "The unit took on two investigators."]  # a title in capitals run into the text is not part of it
    assert sentences("The ACU has two DCs and one DS. IT audit runs daily.") == [
        "The ACU has two DCs and one DS.", "IT audit runs daily."]


# Layouts a PDF copy used to read differently from its markdown source (a heading's type, space between
# paragraphs, where a line wrapped, a table row's empty or wrapped cells), and a Word copy too (equal cells).
LAYOUTS_MD = """# Ashcombe Constabulary: abuse of position for a sexual purpose, delivery plan and progress report to the board

## 1. Recording

## 2. Counter-corruption unit capability and capacity, reviewed in 2017

## 3. Monitoring

The counter-corruption unit was reviewed in May 2017 and the review made two main proposals: the unit now has four investigators and works proactively on intelligence from partners.

Every allegation of abuse of position is now recorded on the Centurion system as corruption. The Head of PSD checks each record within a week and reports to the board each month.

**Q1. Does the force monitor its systems?**
Yes. Every search of the crime system is audited each night.

a) Protective monitoring software: bought in 2016 and live on every system since January 2017.

b) Supervisors' toolkit: shelved.

The Head of PSD said: "We will continue to refer every allegation to the IOPC."

| Ref | Action | Owner | Due | Status |
|---|---|---|---|---|
| 1 | Review of the counter-corruption unit | D/Supt PSD | - | - |
| 2 | Links with the IDVA service and both SARCs, with a named contact in the anti-corruption unit since 2016 and referrals from them | DI ACU | Dec 2017 | Complete |
| 3 | Boundaries training | L&D | | |
"""

MOSTLY_TABLE_MD = """# Brook Vale Police: APSP delivery plan (template)

| Strand | Action | Owner | Due | Status |
|---|---|---|---|---|
| Intelligence | Review of counter-corruption unit capacity | TBC | TBC | |
| Intelligence | IT monitoring and audit | Head of ICT | TBC | |
| Partnerships | Links with IDVA, ISVA and refuge services | TBC | | |
| Prevention | Vetting compliance | Vetting Manager | | |

Status column to be completed by owners before the first meeting of the delivery group.
"""


WRAPS_MD = """# Lanmoor Constabulary short plan January 2018 The counter-corruption unit has been fully staffed since the autumn, with two investigators and a researcher seeking intelligence on officers who pursue victims.

Like Kent Police, we treat every allegation as serious corruption.
We do not yet monitor our systems.
Next year we will:
1. bring lawful business monitoring of email, Niche, PNC and Storm into use, with weekly dip samples by IT
   Security, hits to ACU
2. agree a protocol with the county's ISVA and IDVA services and the SARC, with a named contact for each
   partner

| No. | Area | Action | Status | RAG |
|---|---|---|---|---|
| 4 | Partner links | Engagement with the county's support organisations | To be confirmed | |
| 5 | Reporting routes | Public anonymous reporting page | Complete | Green |
"""


TITLE_RUN_IN_MD = """# Wrenmoor Police APSP Plan 2018 The counter-corruption unit now seeks intelligence on abuse of position proactively, with two researchers

## IT monitoring

Every search of Niche is audited each week, and the results go to the anti-corruption unit's researchers, who follow
up any search of a victim's record that has no policing purpose.
"""


SHORT_ITEMS_MD = """Ma'am,

- Protective monitoring: pilot on Niche since 8 January, forty users
- Boundaries e-learning: being drafted with L&D
- Supervisors: a PDR objective on their team's conduct, set for half the sergeants in January
"""


WRAPPED_FIRST_CELL_MD = """The board returned to IT audit. At present the unit audits a user's searches only when a complaint is raised.

| Action | Owner | Due | Status |
|---|---|---|---|
| Invite the ISVA service to join the VAWG partnership board | DCI Public Protection | March 2018 | Open |
| One-off e-mail to all supervisors on their responsibility for staff conduct under the Standards of Professional Behaviour | Head of PSD | February 2018 | Sent |
| Decide whether to publish misconduct outcomes online | Head of Communications | April 2018 | Open |
"""


@pytest.mark.parametrize("source", [LAYOUTS_MD, MOSTLY_TABLE_MD, WRAPS_MD, TITLE_RUN_IN_MD, SHORT_ITEMS_MD,
                                    WRAPPED_FIRST_CELL_MD],
                         ids=["layouts", "mostly-table", "wraps", "title-run-in", "short-items", "wrapped-first-cell"])
def test_md_docx_and_pdf_copies_read_into_the_same_units(tmp_path, source):
    from gapkit.demo.plandocs import write_markdown_as

    md = tmp_path / "plan.md"
    md.write_text(source, encoding="utf-8")
    units = {suffix: [(p.heading, p.text, p.lead) for p in read_plan(write_markdown_as(md, tmp_path / f"plan{suffix}")
                                                                      if suffix != ".md" else md).passages]
             for suffix in (".md", ".docx", ".pdf")}
    assert units[".docx"] == units[".md"]
    assert units[".pdf"] == units[".md"]
    texts = [text for _, text, _ in units[".md"]]
    if source is WRAPPED_FIRST_CELL_MD:  # in the PDF the second row's first cell wraps before its first " | "
        assert texts[-2].startswith("One-off e-mail") and texts[-2].endswith("| Sent")
        return
    if source is SHORT_ITEMS_MD:  # a short item is no lead-in for the items after it
        assert [lead for _, _, lead in units[".md"]] == [""] * 4
        return
    if source is TITLE_RUN_IN_MD:  # a title run into a statement, heading nothing: the statement is text
        assert units[".md"][0] == ("", TITLE_RUN_IN_MD.splitlines()[0].lstrip("# "), "")
        return
    if source is WRAPS_MD:
        # the title set as a heading is one paragraph in every copy, though its larger type wraps sooner; a list
        # item's short last line (under its text, not its number) stays in the item; the list's lead-in is the
        # line that introduces it, not the sentences above it
        assert texts[0].endswith("seeking intelligence on officers who pursue victims.")
        leads = [lead for _, text, lead in units[".md"] if text.startswith(("bring", "agree"))]
        assert leads == ["Next year we will:"] * 2
        assert any(t.endswith("hits to ACU") for t in texts) and "Security, hits to ACU" not in texts
        assert texts[-2].startswith("4 | Partner links") and texts[-1].startswith("5 | ")  # a row with an empty cell
        return
    if source is MOSTLY_TABLE_MD:
        assert texts[-1].startswith("Status column") and units[".md"][-1][0].startswith("Brook Vale Police")
        return
    headings = {heading for heading, _, _ in units[".md"]}
    assert headings == {"3. Monitoring"}  # the empty sections' headings head nothing; the title is not text
    # the PDF's lines wrapped after "proposals:" and after "corruption.": each paragraph is one unit still
    assert any(t.endswith("two main proposals: the unit now has four investigators and works proactively on "
                          "intelligence from partners.") for t in texts)
    assert any(t.startswith("Every allegation") and t.endswith("reports to the board each month.") for t in texts)
    assert "Q1. Does the force monitor its systems? Yes. Every search of the crime system is audited each night." in texts
    assert "b) Supervisors' toolkit: shelved." in texts
    assert "1 | Review of the counter-corruption unit | D/Supt PSD | - | -" in texts  # equal cells both kept
    assert any(t.startswith("2 | Links with the IDVA") and t.endswith("| DI ACU | Dec 2017 | Complete") for t in texts)
    assert "3 | Boundaries training | L&D" in texts


def test_a_paragraph_set_as_a_heading_is_read_as_text(tmp_path):
    """A title run into the first sentence and marked as a heading ("# Penmarrow ... Plan The force treats every
    report ...") is the text it is, in markdown and Word as in PDF (whose reader never takes a sentence for a title)."""
    source = tmp_path / "plan.md"
    source.write_text("# Penmarrow Constabulary Abuse of Position Plan The force treats every report of abuse of position "
                      "as serious corruption, and the Professional Standards Department records it that way.\n\n"
                      "## Vetting\n\nEvery officer has been vetted.\n", encoding="utf-8")
    for path in (source, write_markdown_as(source, tmp_path / "plan.docx")):
        passages = read_plan(path).passages
        assert passages[0].heading == "" and passages[0].text.startswith("Penmarrow Constabulary")
        assert passages[-1].heading == "Vetting"


def test_a_label_after_a_long_list_item_starts_the_next_list_in_pdf(tmp_path):
    """In a PDF copy a long last item and the label of the next list ("Next year we will:") are on consecutive
    lines; the label is not the item's wrapped end."""
    source = tmp_path / "plan.md"
    source.write_text("# Plan\n\nAlready in place:\n- Misconduct hearings held in public, with outcomes published on the "
                      "force website\n\nNext year we will:\n- Run an awareness campaign for all officers and staff\n",
                      encoding="utf-8")
    passages = read_plan(write_markdown_as(source, tmp_path / "plan.pdf")).passages
    last = passages[-1]
    assert last.lead == "Next year we will:" and last.text.startswith("Run an awareness campaign")
    assert not any("Next year" in p.text for p in passages if p.lead == "Already in place:")


def test_a_plan_that_is_mostly_a_table_keeps_its_one_paragraph_as_text_in_pdf(tmp_path):
    """The PDF copy sets table rows smaller than paragraphs; a plan that is mostly a table must not make its one
    paragraph a heading because it is set larger than most of the characters."""
    rows = "".join(f"| Action {n} with a fairly long description of what it is | Owner {n} | Due 2018 | Green |\n"
                   for n in range(12))
    source = tmp_path / "plan.md"
    source.write_text("Ystravel Police - APSP plan: changes agreed at the Change Board, 28 November 2017\n\n"
                      "| Action | Owner | Due | RAG |\n|---|---|---|---|\n" + rows, encoding="utf-8")
    passages = read_plan(write_markdown_as(source, tmp_path / "plan.pdf")).passages
    assert passages[0].text.startswith("Ystravel Police") and passages[0].heading == ""


def test_a_long_heading_that_ends_a_sentence_is_text_in_every_format(tmp_path):
    """"# Istwold Police action plan ... Audit, referral, capacity and partners are its four parts." is a title run into
    a sentence: text in markdown and Word, as in the PDF copy; a bold title over a table stays a heading."""
    source = tmp_path / "plan.md"
    source.write_text("# Istwold Police action plan on abuse of position for a sexual purpose Audit, referral, capacity "
                      "and partners are its four parts.\n\nReferral. PSD refers each case to the IOPC.\n", encoding="utf-8")
    for path in (source, write_markdown_as(source, tmp_path / "plan.docx"), write_markdown_as(source, tmp_path / "p.pdf")):
        assert read_plan(path).passages[0].text.startswith("Istwold Police"), path.suffix
    table = tmp_path / "tracker.md"
    table.write_text("# Fennick Cross Police - APSP action tracker, updated 30 November 2017\n\n| Ref | Action | Status |\n"
                     "|---|---|---|\n" + "".join(f"| {n} | An action with a long enough description {n} | Complete |\n"
                                                  for n in range(10)), encoding="utf-8")
    first = read_plan(write_markdown_as(table, tmp_path / "tracker.pdf")).passages[0]
    assert first.heading.startswith("Fennick Cross Police") and first.text.startswith("Ref | Action")
