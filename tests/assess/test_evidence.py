from pathlib import Path

import pytest
from openpyxl import Workbook

from gapkit.evidence import passage_level, read_plan, sentence_level, suggest, evidence_for_files
from gapkit.evidence_eval import evaluate
from gapkit.plandocs import write_plan

LABELS = Path(__file__).parent / "evidence_labels"
HOLDOUT = Path(__file__).parent / "evidence_holdout"
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


def test_suggestions_from_a_plan(tmp_path):
    path = write_plan(tmp_path / "plan.md", "APSP plan", SECTIONS)
    s, issues = evidence_for_files([path], framework_ids=["hmicfrs-2017-plans"])
    levels = s.set_index("requirement_id")["level"].to_dict()
    assert levels == {"P1": 3, "P2": 1, "P3": 2}
    p2 = s.set_index("requirement_id").loc["P2"]
    assert "plan.md, line" in p2["evidence_refs"] and "will" in p2["rationale"] and 0 < p2["confidence"] <= 1


def test_acronyms_are_expanded_before_matching():
    from gapkit.evidence import Passage

    passages = [Passage("p.md", "line 1", "", "ICT protective monitoring is live."),
                Passage("p.md", "line 2", "", "VAWG partners are briefed.")]
    s = suggest(passages, framework_ids=["hmicfrs-2017-plans"]).set_index("requirement_id")
    assert "line 1" in s.loc["P2", "evidence_refs"] and "line 2" in s.loc["P3", "evidence_refs"]


def test_we_will_review_the_ccu_next_year_is_planned_not_in_place(tmp_path):
    path = tmp_path / "plan.md"
    path.write_text("We will review the CCU next year.\n")
    s, _ = evidence_for_files([path], framework_ids=["hmicfrs-2017-plans"])
    assert s.set_index("requirement_id").loc["P1", "level"] == 1


@pytest.mark.parametrize("sentence,level", [
    ("Protective monitoring went live in March 2017.", 3),
    ("The system is now in place.", 3),
    ("A pilot is under way.", 2),
    ("Two investigators have been recruited.", 2),
    ("We will buy software by March 2018.", 1),
    ("The force has not yet started work on IT monitoring.", 1),
    ("There are no plans to change referral.", 0),
    ("The weather was fine.", None),
])
def test_sentence_cues_and_negation(sentence, level):
    assert sentence_level(sentence)[0] == level


def test_partly_in_place_is_started():
    assert passage_level("Partners are briefed; a protocol with partners is being drafted.", {"partners"})[0] == 2


def test_no_relevant_passage_gives_level_0():
    s = suggest([], framework_ids=["hmicfrs-2017-plans"])
    assert set(s["level"]) == {0} and s["rationale"].str.contains("no passage").all()


def test_labelled_set_meets_the_bar():
    metrics, table = evaluate(LABELS)
    assert metrics["pairs"] == 120
    assert metrics["coverage_recall"] >= 0.9
    assert metrics["weighted_kappa"] >= 0.7
    published = table[table["plan"] == "a-wyp-2017-rewrite.md"].set_index("requirement_id")
    assert published.loc["P1", "level_suggested"] == 0 and published.loc["P2", "level_suggested"] == 1


def test_held_out_plans_stay_above_the_bar():
    """Plans written after the threshold and cues were fixed; never used for tuning."""
    metrics, _ = evaluate(HOLDOUT)
    assert metrics["pairs"] == 45
    assert metrics["coverage_recall"] >= 0.9 and metrics["weighted_kappa"] >= 0.7


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
def test_bad_plan_documents_give_a_message_and_the_run_goes_on(tmp_path, monkeypatch, case, message):
    import gapkit.evidence as ev

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
        monkeypatch.setattr(ev, "MAX_FILE_BYTES", 1000)
    elif case == "latin1.txt":
        path.write_bytes("The CCU review is complete \u2013 caf\u00e9 budget agreed.".encode("cp1252"))
    else:
        path.write_bytes(b"odt")
    good = write_plan(tmp_path / "good.md", "Plan", SECTIONS)
    suggestions, issues = evidence_for_files([path, good], framework_ids=["hmicfrs-2017-plans"])
    assert any(message in str(i) and case in str(i) for i in issues), [str(i) for i in issues]
    assert suggestions.set_index("requirement_id").loc["P1", "level"] == 3  # the good file still counts
    if case == "latin1.txt":
        assert any("café" in p.text for p in read_plan(path).passages)
