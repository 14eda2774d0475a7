"""The board pack, made from a run's outputs. The run here is the stand-in run of the tiny dataset (the same
output files as a real run, without kernels: tests/helpers.py); the pack a real run makes is checked in
tests/e2e/test_run.py."""

import importlib.util
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from gapkit.cli import main
from gapkit.outputs.pack import build_pack
from gapkit.scoring.model import RoundModel, concat
from gapkit.scoring.store import read_model, write_model
from tests.helpers import INJECTED, TINY_FORCES


@pytest.fixture(scope="module")
def run_dir(standin_run, tmp_path_factory):
    """A copy of the stand-in run's outputs, so the pack (and the CLI) can write into it."""
    return Path(shutil.copytree(standin_run[0], tmp_path_factory.mktemp("pack") / "reports"))


@pytest.fixture(scope="module")
def pack_files(run_dir, tiny_data):
    target = run_dir.parent / "pack" / "board-pack-2017.xlsx"
    return {p.suffix: p for p in build_pack(run_dir, "2017", tiny_data, target=target, pdf=False)}


def test_workbook_sheets_tables_and_print_setup(pack_files):
    wb = load_workbook(pack_files[".xlsx"])
    assert wb.sheetnames == ["Contents", "Summary", "Heatmap", "Gaps", "Actions", "Contradictions", "Trend", "Charts",
                             "Method"]
    summary = wb["Summary"]
    assert "Summary" in summary.tables and summary.freeze_panes == "A2"
    assert summary.page_setup.orientation == "landscape" and summary.sheet_properties.pageSetUpPr.fitToPage
    assert "OFFICIAL" in summary.oddHeader.center.text and "&P" in summary.oddFooter.right.text
    assert summary.print_title_rows == "$1:$1"
    assert summary.conditional_formatting  # data bars, RAG fills, colour scale
    assert wb.properties.title.startswith("APSP board pack") and "gapkit" in wb.properties.creator
    assert "SYNTHETIC" in str(wb["Contents"]["A3"].value)


def test_every_included_force_is_in_the_summary(pack_files):
    ws = load_workbook(pack_files[".xlsx"])["Summary"]
    header = [c.value for c in ws[1]]
    assert sorted(r[header.index("Force id")] for r in ws.iter_rows(min_row=2, values_only=True)) == sorted(TINY_FORCES)


def test_charts_are_native_chart_objects(pack_files):
    names = zipfile.ZipFile(pack_files[".xlsx"]).namelist()
    charts = [n for n in names if re.match(r"xl/charts/chart\d+\.xml", n)]
    assert len(charts) == 3
    assert not [n for n in names if n.startswith("xl/media/")]  # no pictures
    xml = zipfile.ZipFile(pack_files[".xlsx"]).read(charts[0]).decode()
    assert "<barChart>" in xml and "'Charts'!" in xml  # reads its data from cells


def test_html_pack_is_self_contained(pack_files):
    html = pack_files[".html"].read_text()
    assert not re.search(r"(src|href)=[\"']https?://", html)
    assert "<script" not in html and "@import" not in html
    assert html.count("data:image/png;base64,") == 4
    assert "SYNTHETIC DEMONSTRATION DATA" in html and "@media print" in html


def test_each_force_name_in_the_html_pack_links_to_its_report(pack_files, run_dir):
    html = pack_files[".html"].read_text()
    links = dict((name, href) for href, name in re.findall(r'<td><a href="([^"]+)">([^<]+)</a></td>', html))
    names = set(pd.read_csv(run_dir / "2017" / "summary.csv")["force_name"])
    assert set(links) == names
    for href in links.values():
        assert (pack_files[".html"].parent / href).resolve().is_file(), href


def test_same_numbers_everywhere(run_dir, pack_files, catalogue):
    out = run_dir
    summary = pd.read_csv(out / "2017" / "summary.csv")
    head = summary[summary["headline"]].set_index("force_name")["score"].round(1)
    assert set(summary.loc[summary["headline"], "framework"]) == {"hmicfrs-2017-plans"}  # round.yaml's headline
    ws = load_workbook(pack_files[".xlsx"])["Summary"]
    header = [c.value for c in ws[1]]
    score_col = header.index(f"Score: {catalogue.get('hmicfrs-2017-plans').short_title}")
    book = {r[header.index("Force")]: r[score_col] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert book == head.to_dict()
    html = pack_files[".html"].read_text()
    for name, value in head.items():
        assert re.search(rf"<td>(<a href=\"[^\"]+\">)?{re.escape(name)}(</a>)?</td>.*?<td class=\"num\">{value:.1f}</td>",
                         html, re.S), name
    for force in summary["force"].unique():  # the force reports wrote these
        own = pd.read_csv(out / "2017" / force / "summary.csv")
        mine = own[own["headline"]]["score"].round(1).iloc[0]
        assert mine == head[own["force_name"].iloc[0]]
    model = read_model(out / "2017")  # and the round model reads back the same
    assert model.overall[model.overall["headline"]].set_index("force_name")["score"].round(1).to_dict() == \
        head.to_dict()


def test_formula_text_from_a_force_arrives_as_text(run_dir, pack_files):
    out = run_dir
    # board pack: overdue actions sheet (the fifth), and no formula anywhere in the workbook
    book_zip = zipfile.ZipFile(pack_files[".xlsx"])
    wb = load_workbook(pack_files[".xlsx"])
    assert wb.sheetnames[4] == "Actions"
    assert all("<f>" not in book_zip.read(n).decode() for n in book_zip.namelist() if n.startswith("xl/worksheets/"))
    ws = wb["Actions"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == INJECTED]
    assert cells and all(c.data_type == "s" for c in cells)
    # the force's own workbook
    book = out / "2017" / "northmoor" / "northmoor-2017.xlsx"
    assert "<f>" not in "".join(zipfile.ZipFile(book).read(n).decode() for n in zipfile.ZipFile(book).namelist()
                                if n.startswith("xl/worksheets/"))
    # CSVs carry it with a leading apostrophe
    scores = pd.read_csv(out / "2017" / "scores.csv")
    assert ("'" + INJECTED) in set(scores["action"].dropna())
    # and HTML escapes it
    html = pack_files[".html"].read_text()
    assert INJECTED not in html and "=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)" in html


def test_pdf_needs_weasyprint_and_says_how(run_dir, tiny_data):
    if importlib.util.find_spec("weasyprint") is not None:
        pytest.skip("WeasyPrint is installed here: the PDF is made (tested below)")
    out = run_dir
    result = CliRunner().invoke(main, ["pack", "--round", "2017", "--runs", str(out), "--data", str(tiny_data)])
    assert result.exit_code == 0, result.output
    assert "python -m pip install -e '.[pdf]'" in result.output
    assert (out / "2017" / "board-pack-2017.xlsx").exists() and (out / "2017" / "board-pack-2017.html").exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_workbook_opens_in_libreoffice(pack_files, tmp_path):
    result = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                             str(pack_files[".xlsx"])], capture_output=True, text=True, timeout=180)
    pdf = tmp_path / pack_files[".xlsx"].with_suffix(".pdf").name
    assert result.returncode == 0 and pdf.exists() and pdf.stat().st_size > 10_000, result.stderr


def test_pdf_is_made_where_weasyprint_is_installed(run_dir, tiny_data, tmp_path):
    pytest.importorskip("weasyprint", reason="WeasyPrint (the optional 'pdf' extra) is not installed")
    out = run_dir
    written = build_pack(out, "2017", tiny_data, target=tmp_path / "pack.xlsx")
    pdf = tmp_path / "pack.pdf"
    assert pdf in written and pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 50_000


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_html_pack_renders_in_headless_chromium(pack_files, tmp_path):
    shot = tmp_path / "pack.png"
    result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                             "--no-first-run", "--disable-background-networking", "--disable-component-update",
                             "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,2000",
                             f"--screenshot={shot}", pack_files[".html"].as_uri()],
                            capture_output=True, text=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 20_000, result.stderr[-2000:]


# ---- printed through LibreOffice at 43 forces --------------------------------------------------------------------

PDFTOTEXT = shutil.which("pdftotext")


def _replicated_round(source: Path, target: Path, n_forces: int) -> Path:
    """A round of `n_forces` forces made from a small run's round model (each force copied under a new id and name),
    written where a run writes, with its run.json."""
    model = read_model(source)
    forces = list(model.forces["force"])
    copies = []
    for i in range(n_forces):
        force = forces[i % len(forces)]
        renamed = {}
        for name, frame in model.tables().items():
            frame = frame[frame["force"] == force].copy()
            frame["force"] = f"{force}-{i}"
            if "force_name" in frame:
                frame["force_name"] = f"Synthetic Force {i:02d} of {n_forces}"
            renamed[name] = frame
        copies.append(RoundModel(**renamed))
    write_model(concat(copies), target)
    shutil.copy(source / "run.json", target / "run.json")
    return target


@pytest.mark.skipif(shutil.which("soffice") is None or PDFTOTEXT is None,
                    reason="LibreOffice (soffice) or poppler-utils (pdftotext) is not installed")
def test_at_43_forces_the_league_chart_prints_on_one_page_naming_every_force(run_dir, tiny_data, tmp_path):
    out = tmp_path / "reports"
    _replicated_round(run_dir / "2017", out / "2017", 43)
    xlsx = {p.suffix: p for p in build_pack(out, "2017", tiny_data, pdf=False)}[".xlsx"]
    wb = load_workbook(xlsx)
    for name in wb.sheetnames:  # print only the Charts sheet
        wb[name].sheet_state = "visible" if name == "Charts" else "hidden"
    wb.active = wb.sheetnames.index("Charts")
    charts_only = tmp_path / "charts.xlsx"
    wb.save(charts_only)
    result = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                             str(charts_only)], capture_output=True, text=True, timeout=180)
    pdf = tmp_path / "charts.pdf"
    assert result.returncode == 0 and pdf.exists(), result.stderr
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    league = [p for p in pages if "Overall score by force" in p]
    assert len(league) == 1, f"the league chart is split over {len(league)} pages"
    names = [f"Synthetic Force {i:02d} of 43" for i in range(43)]
    missing = [n for n in names if n not in league[0]]
    assert not missing, f"{len(missing)} force names not printed, e.g. {missing[:3]}"
    assert len(pages) == 2 and "Forces in each category" in pages[1] and "Mean overall score by round" in pages[1]
    assert all("OFFICIAL" in p for p in pages)  # the marking on every printed page
