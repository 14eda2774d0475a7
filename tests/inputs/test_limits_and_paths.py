"""The dataset's readers: ids checked wherever they come from, paths that stay inside the dataset, hashes that
never open a pipe, plan documents read within the limits (data/config/limits.yaml) into clean text, and text from
outside written into workbooks as text only."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pandas as pd
import pypdfium2 as pdfium
import pytest
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from gapkit.assess.assess import assess_force
from gapkit.catalogue.frameworks import default_catalogue
from gapkit.core.errors import GapkitError
from gapkit.core.limits import default_limits
from gapkit.demo.generate import generate
from gapkit.inputs import plans
from gapkit.inputs.context import RoundContext
from gapkit.inputs.layout import (RoundConfig, force_inputs, input_hashes, list_forces, list_rounds, load_round,
                                  plan_files, plans_folder, review_file, submission_file)
from gapkit.inputs.plans import PlanCache, read_plan
from gapkit.outputs import force_report as report
from gapkit.outputs.pack import DATA_COL, build_pack
from gapkit.run.runner import collect
from gapkit.scoring.model import build_model
from tests.core.test_limits import rebuild, small_docx, with_entity_bomb
from tests.helpers import deadline

INJECTED = '=HYPERLINK("http://x","y")'
GOOD_ROUND = ('round: "2019"\ntitle: Test round\nas_of: 2019-09-27\nframeworks: [hmicfrs-2017-plans]\n'
              "headline_framework: hmicfrs-2017-plans\n")




def dataset(tmp_path: Path, round_yaml: str = GOOD_ROUND, round_id: str = "2019") -> Path:
    data = tmp_path / "data"
    folder = data / "rounds" / round_id
    folder.mkdir(parents=True)
    (folder / "round.yaml").write_text(round_yaml)
    return data


def round_error(data: Path, round_id: str = "2019") -> str:
    with pytest.raises(GapkitError) as exc:
        load_round(data, round_id, _catalogue())
    return str(exc.value)


def _catalogue():
    return default_catalogue()  # cached: loaded once


# ---- round.yaml ---------------------------------------------------------------------------------------------------

def test_a_good_round_and_an_unquoted_year(tmp_path):
    data = dataset(tmp_path, GOOD_ROUND.replace('round: "2019"', "round: 2019") + "previous: 2017\n")
    cfg = load_round(data, "2019", _catalogue())
    assert cfg.round == "2019" and cfg.previous == "2017"


@pytest.mark.parametrize("change,expected", [
    (('round: "2019"', 'round: "../escape"'), "round.yaml > line 1 (round): '../escape' is not a valid round id"),
    (('round: "2019"', 'round: "2018"'), "round.yaml > line 1 (round): round: '2018' differs from the name of the "
                                         "round's folder, '2019'"),
    (("title: Test round\n", 'title: Test round\nprevious: "../../etc"\n'), "line 3 (previous): '../../etc' is not"),
    (("title: Test round\n", "title: Test round\nforces: [northmoor, ../x]\n"), "line 3 (forces.1): '../x' is not "
                                                                                "a valid force id"),
    (("title: Test round\n", "title: Test round\nforces: [west-yorkshire, atlantis]\n"),
     "round.yaml > line 3 (forces.1): unknown force 'atlantis'"),
    (("as_of: 2019-09-27", "as_of: next spring"), "line 3 (as_of): Input should be a valid date"),
    (("as_of: 2019-09-27", "as_of: 2019-13-01"), "line 3: '2019-13-01' is not a valid date"),
    (("title:", "titel:"), "unknown key 'titel'"),
])
def test_round_yaml_errors_name_the_file_and_line(tmp_path, change, expected):
    data = dataset(tmp_path, GOOD_ROUND.replace(*change))
    message = round_error(data)
    assert expected in message and "Fix:" in message, message


def test_an_unknown_force_in_round_yaml_suggests_the_id(tmp_path):
    data = dataset(tmp_path, GOOD_ROUND + "forces: [west-yorkshir]\n")
    assert "did you mean west-yorkshire" in round_error(data)
    # and through the round context, with the dataset's registry
    with pytest.raises(GapkitError, match="unknown force 'west-yorkshir'"):
        RoundContext.load(data, "2019")


@pytest.mark.parametrize("content,expected", [
    ("", "round.yaml is empty; it should hold the round's settings"),
    ("# only a comment\n", "round.yaml is empty"),
    ("- 2019\n- 2017\n", "round.yaml holds a list, not the round's settings"),
])
def test_an_empty_round_yaml_says_what_it_should_hold(tmp_path, content, expected):
    message = round_error(dataset(tmp_path, content))
    assert expected in message and "docs/dataset.md" in message and "valid dictionary" not in message


def test_a_missing_data_folder_is_not_a_missing_round_yaml(tmp_path):
    message = round_error(tmp_path / "nowhere")
    assert "the data folder" in message and "does not exist" in message and "round.yaml" not in message.split(".")[0]
    with pytest.raises(GapkitError, match="does not exist"):
        RoundContext.load(tmp_path / "nowhere", "2019")


def test_round_ids_from_anywhere_are_checked(tmp_path):
    data = dataset(tmp_path)
    with pytest.raises(GapkitError, match="not a valid round id"):
        load_round(data, "../escape", _catalogue())
    with pytest.raises(ValueError):
        RoundConfig(round="../x", title="t", as_of="2019-01-01", frameworks=["a"], headline_framework="a")


# ---- folders and file names ---------------------------------------------------------------------------------------

def test_a_round_folder_that_is_not_an_id_is_named(tmp_path):
    data = dataset(tmp_path)
    (data / "rounds" / "Round 2020").mkdir()
    (data / "rounds" / "Round 2020" / "round.yaml").write_text(GOOD_ROUND)
    (data / "rounds" / ".hidden").mkdir()
    with pytest.raises(GapkitError) as exc:
        list_rounds(data)
    assert "Round 2020: the round folder name 'Round 2020' is not a valid round id" in str(exc.value)


def test_a_round_folder_linked_outside_the_dataset_is_refused(tmp_path):
    data = dataset(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "round.yaml").write_text(GOOD_ROUND.replace("2019", "2018", 1))
    (data / "rounds" / "2018").symlink_to(outside)
    with pytest.raises(GapkitError, match="leads outside"):
        load_round(data, "2018", _catalogue())


@pytest.mark.parametrize("name,expected", [
    ("submissions/West Yorkshire.xlsx", "West Yorkshire.xlsx: the name 'West Yorkshire' is not a force id"),
    ("submissions/atlantis.xlsx", "atlantis.xlsx: 'atlantis' is not a known force"),
    ("reviews/West-Yorkshire.xlsx", "rename it to west-yorkshire.xlsx"),
    ("plans/North Moor", "'North Moor' is not a force id"),
])
def test_file_names_that_are_not_force_ids_are_named(tmp_path, name, expected):
    data = dataset(tmp_path)
    path = data / "rounds" / "2019" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if name.startswith("plans/"):
        path.mkdir()
    else:
        path.write_bytes(b"x")
    (data / "rounds" / "2019" / "submissions").mkdir(exist_ok=True)
    (data / "rounds" / "2019" / "submissions" / "derbyshire.xlsx").write_bytes(b"x")
    with pytest.raises(GapkitError) as exc:
        list_forces(data, "2019")
    assert expected in str(exc.value) and "Fix:" in str(exc.value), str(exc.value)


def test_hidden_and_lock_files_are_left_out(tmp_path):
    data = dataset(tmp_path)
    sub = data / "rounds" / "2019" / "submissions"
    sub.mkdir()
    for name in ("derbyshire.xlsx", "~$derbyshire.xlsx", ".derbyshire.xlsx"):
        (sub / name).write_bytes(b"x")
    assert list_forces(data, "2019") == ["derbyshire"]


def test_force_paths_check_the_id_and_stay_inside(tmp_path):
    data = dataset(tmp_path)
    for build in (submission_file, review_file, plans_folder):
        with pytest.raises(GapkitError, match="not a valid force id"):
            build(data, "2019", "../../x")
    outside = tmp_path / "outside"
    outside.mkdir()
    (data / "rounds" / "2019" / "plans").mkdir()
    (data / "rounds" / "2019" / "plans" / "derbyshire").symlink_to(outside)
    with pytest.raises(GapkitError, match="leads outside"):
        plans_folder(data, "2019", "derbyshire")


# ---- hashes and plan files: nothing but regular files is opened ------------------------------------------------

def _odd_files(folder: Path, tmp_path: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    real = folder / "real.md"
    real.write_text("The CCU review is complete.\n")
    files = {"real": real, "link": folder / "link.md", "zero": folder / "zero.md", "dangling": folder / "gone.md",
             "fifo": folder / "pipe.txt"}
    files["link"].symlink_to(real)
    files["zero"].symlink_to("/dev/zero")
    files["dangling"].symlink_to(tmp_path / "missing.md")
    os.mkfifo(files["fifo"])
    return files


def test_input_hashes_never_open_a_pipe_or_follow_a_link(tmp_path):
    data = dataset(tmp_path)
    files = _odd_files(data / "rounds" / "2019" / "plans" / "derbyshire", tmp_path)
    with deadline():
        hashes = input_hashes(list(files.values()), data)
    key = lambda name: str(files[name].relative_to(data))  # noqa: E731
    assert re.fullmatch(r"[0-9a-f]{64}", hashes[key("real")])
    assert hashes[key("link")].startswith("not hashed: a symbolic link to ")
    assert "/dev/zero" in hashes[key("zero")]
    assert "which does not exist" in hashes[key("dangling")]
    assert hashes[key("fifo")].startswith("not hashed: not a regular file")
    # every odd file is listed as an input of the force, so it is reported rather than silently left out
    with deadline():
        assert set(force_inputs(data, "2019", "derbyshire")) == set(files.values())


def test_plan_files_list_links_and_pipes_without_following_them(tmp_path):
    files = _odd_files(tmp_path / "plans", tmp_path)
    (tmp_path / "plans" / "sub").mkdir()
    (tmp_path / "plans" / "sub" / "more.md").write_text("More.\n")
    (tmp_path / "plans" / "linked-dir").symlink_to(tmp_path)
    listed = plan_files(tmp_path / "plans")
    assert set(listed) == set(files.values()) | {tmp_path / "plans" / "sub" / "more.md",
                                                 tmp_path / "plans" / "linked-dir"}


def test_odd_plan_files_are_warnings_and_the_cache_never_blocks(tmp_path):
    files = _odd_files(tmp_path / "plans", tmp_path)
    cache = PlanCache(tmp_path / "cache")
    with deadline():
        for name, path in files.items():
            plan = cache.read(path)
            if name == "real":
                assert plan.passages and not plan.issues
                continue
            assert not plan.passages and len(plan.issues) == 1
            issue = plan.issues[0]
            assert issue.severity == "warning" and Path(issue.file).name == path.name
            assert ("symbolic link" in issue.message) or ("not a regular file" in issue.message)


# ---- plan documents: limits and clean text ----------------------------------------------------------------------

def _hyphenated_pdf(path: Path) -> Path:
    """A PDF whose words are split by hyphens at line ends: PDFium gives each as U+FFFE."""
    with PdfPages(path) as pdf:
        fig = Figure(figsize=(8.27, 11.69))
        for i, line in enumerate(["The counter-corruption unit review is com-", "plete and the recom-",
                                  "mendation on vetting is in place."]):
            fig.text(0.1, 0.9 - 0.02 * i, line, fontsize=11)
        pdf.savefig(fig)
    return path


def _assert_clean_and_writable(passages, tmp_path):
    text = " ".join(p.text + p.heading for p in passages)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", text), repr(text)
    wb = Workbook()
    for row, p in enumerate(passages, 1):  # openpyxl refused U+FFFE: "All strings must be XML compatible"
        wb.active.cell(row, 1).value = p.text
        wb.active.cell(row, 2).value = p.heading
    wb.save(tmp_path / "passages.xlsx")


def test_a_pdf_with_pdfium_hyphens_gives_clean_joined_words(tmp_path):
    path = _hyphenated_pdf(tmp_path / "plan.pdf")
    raw = pdfium.PdfDocument(str(path))[0].get_textpage().get_text_range()
    assert "\ufffe" in raw  # what the reader is given
    plan = read_plan(path)
    assert not plan.issues
    assert "review is complete and the recommendation on vetting" in plan.passages[0].text
    _assert_clean_and_writable(plan.passages, tmp_path)


def test_markdown_with_stray_control_characters_gives_clean_passages(tmp_path):
    path = tmp_path / "plan.md"
    path.write_text("# Vetting\x00 plan\n\nThe vetting review is com\ufffeplete\x00 and the \x07board monitors it "
                    "monthly; the counter-corruption unit is staffed.\ufeff\n", encoding="utf-8")
    plan = read_plan(path)
    assert not plan.issues and plan.passages[0].heading == "Vetting plan"
    assert plan.passages[0].text.startswith("The vetting review is complete and the board monitors")
    _assert_clean_and_writable(plan.passages, tmp_path)


def test_random_bytes_named_md_are_refused_not_quoted(tmp_path):
    path = tmp_path / "random.md"
    path.write_bytes(os.urandom(2 * 2**20))
    plan = read_plan(path)
    assert not plan.passages
    assert len(plan.issues) == 1 and "does not look like text" in str(plan.issues[0])
    assert "random.md" in str(plan.issues[0]) and plan.issues[0].severity == "warning"


def test_text_in_utf16_with_its_mark_is_read(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text("The vetting review is complete.", encoding="utf-16")
    assert read_plan(path).passages[0].text == "The vetting review is complete."


def test_plan_limits_come_from_limits_yaml(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    path.write_text("word " * 400)
    small = default_limits().model_copy(update={"max_file_mb": 1000 / 2**20})
    issue = read_plan(path, small).issues[0]
    assert "max_file_mb" in issue.message and "limits.yaml" in issue.fix and issue.severity == "warning"
    monkeypatch.setattr(plans, "default_limits", lambda: small)  # what a changed limits.yaml does
    assert "over the limit" in read_plan(path).issues[0].message
    assert not hasattr(plans, "MAX_FILE_BYTES") and not hasattr(plans, "MAX_CHARS")


def test_max_plan_chars_cuts_the_text_with_a_warning(tmp_path):
    path = tmp_path / "long.md"
    path.write_text("\n\n".join(f"Paragraph {i} about the vetting review and its progress." for i in range(200)))
    small = default_limits().model_copy(update={"max_plan_chars": 1000})
    plan = read_plan(path, small)
    assert sum(len(p.text) for p in plan.passages) <= 1000
    assert "max_plan_chars" in plan.issues[-1].message and "limits.yaml" in plan.issues[-1].fix


def test_max_pdf_pages_reads_only_the_first_pages(tmp_path):
    pdf = pdfium.PdfDocument.new()
    for _ in range(default_limits().max_pdf_pages + 5):
        pdf.new_page(100, 100)
    path = tmp_path / "many.pdf"
    pdf.save(str(path))
    plan = read_plan(path)
    limit = default_limits().max_pdf_pages
    assert any(f"over the limit of {limit:,} (max_pdf_pages)" in i.message and i.where.startswith(f"pages {limit + 1}")
               for i in plan.issues), [str(i) for i in plan.issues]


def test_a_docx_bomb_gives_a_warning_without_unpacking(tmp_path):
    zip_bomb = rebuild(small_docx(tmp_path / "a.docx"), tmp_path / "zip.docx",
                       extra={"word/media/pad.bin": b"\0" * (20 * 2**20)})
    lol = rebuild(small_docx(tmp_path / "b.docx"), tmp_path / "lol.docx",
                  replace={"word/document.xml": lambda d: with_entity_bomb(d, b"hello plan")})
    for path, words in ((zip_bomb, "max_zip_ratio"), (lol, "DTD")):
        plan = read_plan(path)
        assert not plan.passages and words in str(plan.issues[0]) and plan.issues[0].severity == "warning"


# ---- text from forces.csv in the workbooks ----------------------------------------------------------------------

def _formulas(book: Path) -> list[str]:
    with zipfile.ZipFile(book) as z:
        return [n for n in z.namelist() if n.startswith("xl/worksheets/") and b"<f>" in z.read(n)]


def test_a_formula_looking_force_name_is_text_in_the_pack_and_the_force_workbook(tmp_path):
    """forces.csv's official name '=HYPERLINK(...)' was a live formula on the pack's Contents and Charts sheets."""
    data = generate(tmp_path / "data", n_forces=2, seed=7, with_plans=False)
    registry = pd.read_csv(data / "forces.csv", dtype=str, keep_default_na=False)
    registry.loc[registry["force_id"] == "northmoor", "official_name"] = INJECTED
    registry.to_csv(data / "forces.csv", index=False)
    out = tmp_path / "reports"
    forces = list_forces(data, "2017")
    for force in forces:
        report.write_outputs(report.build_force_report(force, "2017", data, out_dir=out / "2017" / force))
    collect(out / "2017", [{"force": f, "status": "ok"} for f in forces])
    book = next(p for p in build_pack(out, "2017", data, pdf=False) if p.suffix == ".xlsx")
    assert _formulas(book) == []
    charts = load_workbook(book)["Charts"]
    names = [c.value for c in charts[get_column_letter(DATA_COL)] if c.value]  # the charts' data
    assert INJECTED in names
    force_book = out / "2017" / "northmoor" / "northmoor-2017.xlsx"
    assert _formulas(force_book) == []
    assert load_workbook(force_book)["Summary"]["A1"].value.startswith(INJECTED)


def test_a_raised_limit_reads_a_cached_document_again(tmp_path, monkeypatch):
    path = tmp_path / "long.md"
    path.write_text("\n\n".join(f"Paragraph {i} about the vetting review and its progress." for i in range(200)))
    cache = PlanCache(tmp_path / "cache")
    monkeypatch.setattr(plans, "default_limits", lambda: default_limits().model_copy(update={"max_plan_chars": 1000}))
    assert "max_plan_chars" in str(cache.read(path).issues)
    monkeypatch.setattr(plans, "default_limits", default_limits)  # limits.yaml raised again
    plan = cache.read(path)
    assert not plan.issues and len(plan.passages) == 200


def test_a_force_that_sent_only_an_xls_workbook_is_an_input_error_naming_it(tmp_path):
    """It used to run as 'ok' with no issue: the layout looked for .xlsx and .xlsm only."""
    data = generate(tmp_path / "data", n_forces=2, seed=7, with_plans=False)
    submissions = data / "rounds" / "2017" / "submissions"
    (submissions / "northmoor.xlsx").rename(submissions / "northmoor.xls")
    assert "northmoor" in list_forces(data, "2017")
    ctx = RoundContext.load(data, "2017")
    model = build_model(ctx, assess_force(ctx, "northmoor"))
    status = model.forces.iloc[0]
    assert status["status"] == "input errors" and "northmoor.xls" in status["status_detail"]
    assert ".xls" in status["status_detail"] and "97-2003" in status["status_detail"]
    assert model.issues["fix"].str.contains("save it as .xlsx").any()
