"""Inspector entries survive anything: regenerating the review workbook (gapkit.forms.review_form.write_review) keeps
every value, formula, comment, fill, added column, inserted row and added sheet exactly, also after a LibreOffice
round trip; a workbook gapkit cannot recognise, or one that is open, is never replaced; inspector levels are
strict (gapkit.inputs.review).

"Exactly" for a formula means it reads the same cells: the comparison resolves each reference to the row's key (or
the marker of a row inserted without one) and the column's header, so a formula that moved with its row, or to
the Kept entries sheet, compares equal only if its references followed their cells."""

from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.styles import PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.formula import ArrayFormula

from gapkit.assess.table import make_assessment
from gapkit.catalogue.forces import lookup
from gapkit.catalogue.frameworks import default_catalogue
from gapkit.catalogue.settings import default_config
from gapkit.core.errors import GapkitError
from gapkit.forms import review_form
from gapkit.inputs.review import (COLUMNS, GENERATED_COLUMNS, GENERATED_NAMES, INSPECTOR_COLUMNS, INSPECTOR_FILL,
                                  KEPT_SHEET, REVIEW_SHEET, WHY_KEPT, check_review, inspector_level,
                                  read_inspector_entries, read_review)

FORCE = lookup("west-yorkshire")
FRAMEWORKS = ["hmicfrs-2017-plans", "npcc-apsp-2017"]
CATALOGUE, SETTINGS = default_catalogue(), default_config()
SCALE = SETTINGS.scale(CATALOGUE.get("hmicfrs-2017-plans").level_scale)
KEYS = [f"{fid}:{req.id}" for fid in FRAMEWORKS for req in CATALOGUE.get(fid).requirements]
EXTRA = "Inspector notes"
MARKER = "Inspector name"  # a row inserted without a key is told apart by this cell, which the edits leave alone
OWN_SHEET = "My working"


def write(path, seed=0, suggestion_seed=0, frameworks=FRAMEWORKS):
    return review_form.write_review(path, FORCE, "2017", _force_rows(seed),
                                    None if suggestion_seed is None else _suggestions(suggestion_seed),
                                    catalogue=CATALOGUE, settings=SETTINGS, framework_ids=frameworks)


def _force_rows(seed: int) -> pd.DataFrame:
    return _made_force_rows(seed).copy()


@functools.lru_cache(maxsize=None)
def _made_force_rows(seed: int) -> pd.DataFrame:
    """Made once per seed (make_assessment validates its table, which is a large part of a regeneration's time)."""
    return make_assessment("west-yorkshire", "2017", "hmicfrs-2017-plans",
                           {"P1": seed % 4, "P2": (seed + 1) % 4, "P3": None}, level_source="force-reported",
                           action={"P1": f"action {seed}", "P2": f"=SUM(A1) {seed}"})


def _suggestions(seed: int) -> pd.DataFrame:
    return pd.DataFrame([{"framework": "npcc-apsp-2017", "requirement_id": f"E{i}", "level": float((i + seed) % 4),
                          "confidence": 0.5, "evidence_refs": f"plan.md, line {i + seed}", "rationale": "cue"}
                         for i in range(1, 13)])


# ---- a canonical picture of everything the inspector put in the workbook ----------------------------------------

REF = re.compile(r"^(?:(?P<sheet>'(?:[^']|'')+'|[^'!]+)!)?(?P<a>\$?[A-Z]{1,3}\$?\d+)(?::(?P<b>\$?[A-Z]{1,3}\$?\d+))?$")


def _layout(ws) -> tuple[dict[int, str], dict[int, object]]:
    """Column -> header, row -> identity (the key, or the marker of a row with no key)."""
    header = {c.column: c.value for c in ws[1] if c.value is not None}
    cols = {name: col for col, name in header.items()}
    rows = {1: "<header>"}
    for r in range(2, ws.max_row + 1):
        key = ws.cell(r, cols["Key"]).value
        rows[r] = key if key else ("inserted", ws.cell(r, cols[MARKER]).value)
    return header, rows


def _canonical_formula(formula: str, home: str, layouts: dict) -> str:
    tokens = Tokenizer(formula)
    out = []
    for token in tokens.items:
        text = token.value
        match = REF.match(text) if token.type == Token.OPERAND and token.subtype == Token.RANGE else None
        if match:
            quoted = match["sheet"]
            sheet = (quoted[1:-1].replace("''", "'") if quoted.startswith("'") else quoted) if quoted else home
            if sheet in (REVIEW_SHEET, KEPT_SHEET):
                header, rows = layouts[sheet]
                ends = []
                for part in filter(None, (match["a"], match["b"])):
                    m = re.match(r"(\$?)([A-Z]+)(\$?)(\d+)", part)
                    ends.append((m[1], header.get(column_index_from_string(m[2])), m[3], rows.get(int(m[4]))))
                text = f"<{ends}>"
        out.append(text)
    return "".join(out)


def _fill(cell, default: str | None) -> tuple | None:
    fill = cell.fill
    if fill is None or fill.fill_type in (None, "none"):
        return None
    rgb = fill.fgColor.rgb if isinstance(fill.fgColor.rgb, str) else str(fill.fgColor.theme)
    if default and fill.fill_type == "solid" and rgb[-6:].upper() == default:
        return None
    return fill.fill_type, rgb[-6:].upper()


def snapshot(path: Path, lenient: bool = False) -> dict:
    """Everything of the inspector's, wherever gapkit has put it: (row identity, column header) -> the cell.
    `lenient` leaves out what LibreOffice writes its own way (comment authors, number formats)."""
    wb = load_workbook(path, rich_text=True)
    layouts = {ws.title: _layout(ws) for ws in wb.worksheets if ws.title in (REVIEW_SHEET, KEPT_SHEET)}
    out = {}
    for sheet, (header, rows) in layouts.items():
        ws = wb[sheet]
        for r, identity in rows.items():
            for col, name in header.items():
                if name == WHY_KEPT or (r == 1 and name in COLUMNS):
                    continue
                cell = ws.cell(r, col)
                theirs = r == 1 or name not in GENERATED_NAMES or not isinstance(identity, str)
                value = cell.value
                if isinstance(value, ArrayFormula):
                    value = ("array", _canonical_formula(value.text, sheet, layouts))
                elif cell.data_type == "f":
                    value = ("formula", _canonical_formula(value, sheet, layouts))
                elif value is not None:
                    value = (type(value).__name__, str(value))
                comment = None if cell.comment is None else \
                    (cell.comment.text.strip(), None if lenient else cell.comment.author)
                fill = _fill(cell, INSPECTOR_FILL if name in INSPECTOR_COLUMNS else None)
                if theirs and value is not None:
                    fmt = None if lenient else cell.number_format  # LibreOffice formats a date formula as a date
                    out[(identity, name)] = (value, cell.data_type, fmt, comment, fill)
                elif comment or fill:
                    out[(identity, name)] = (None, None, None, comment, fill)
    for ws in wb.worksheets:
        if ws.title not in (REVIEW_SHEET, KEPT_SHEET, "About", "Lists"):
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        value = _canonical_formula(cell.value, ws.title, layouts) if cell.data_type == "f" \
                            else cell.value
                        out[(ws.title, cell.coordinate)] = (value, cell.data_type)
    wb.close()
    return out


# ---- random inspector edits ---------------------------------------------------------------------------------

inspector_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    lambda s: s.strip() == s and s != "")
plain_value = st.one_of(
    inspector_text,
    st.sampled_from(["3 - In place", "0 - No information", "Not applicable", "-1", "1.5", "2 - In place",
                     '=HYPERLINK("http://x","y")', "=1+1", "+44 113", "@risk"]),  # text, even if it looks like more
    st.integers(-10**6, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32).filter(lambda f: abs(f) < 1e9),
    st.booleans(),
    st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)).map(lambda d: dt.datetime(d.year, d.month, d.day)),
)
# formulas: ('f', text) stands alone; ('ref', row, column) reads another entry's cell; ('count', row, row) counts the
# levels between two entries' rows (of one framework: a range whose rows end up in both sheets keeps its text)
formula = st.one_of(
    st.sampled_from(["=TODAY()", "=DATE(2019,9,27)", '="In place"&" (checked)"', "=1+2", '=LEN("x")']).map(
        lambda f: ("f", f)),
    st.tuples(st.just("ref"), st.integers(0, len(KEYS) - 1), st.sampled_from(COLUMNS[4:] + [EXTRA])),
    st.tuples(st.just("count"), st.integers(0, len(KEYS) - 1), st.integers(0, len(KEYS) - 1)),
)
columns = st.sampled_from(INSPECTOR_COLUMNS + [EXTRA])
edits = st.fixed_dictionaries({
    "values": st.dictionaries(st.tuples(st.integers(0, len(KEYS) - 1), columns), st.one_of(plain_value, formula),
                              max_size=12),
    "comments": st.dictionaries(st.tuples(st.integers(0, len(KEYS) - 1), st.sampled_from(COLUMNS[1:] + [EXTRA])),
                                inspector_text, max_size=4),
    "fills": st.dictionaries(st.tuples(st.integers(0, len(KEYS) - 1), st.sampled_from(COLUMNS[1:] + [EXTRA])),
                             st.sampled_from(["FFFF00", "FF0000", "00B0F0", INSPECTOR_FILL]), max_size=4),
    # before this column: any of the Inspector columns, gapkit's flag column after them, or at the end
    "extra_at": st.none() | st.integers(len(GENERATED_COLUMNS) + 1, len(COLUMNS) + 1),
    "inserted": st.lists(st.tuples(st.integers(2, len(KEYS) + 1),
                                   st.dictionaries(st.sampled_from([c for c in COLUMNS[1:] if c != MARKER]),
                                                   st.one_of(plain_value, st.just(("f", "=2*3"))),
                                                   max_size=3)),
                         max_size=3),
    "own_sheet": st.booleans(),
})
regenerations = st.lists(st.tuples(st.integers(0, 9), st.none() | st.integers(0, 9),
                                   st.sampled_from([FRAMEWORKS, FRAMEWORKS, ["npcc-apsp-2017"]])),
                         min_size=3, max_size=4)


def apply_edits(path: Path, e: dict) -> None:
    """What an inspector might do in Excel: add a column, insert rows without a key, type values and formulas,
    comment and colour cells, add a sheet of their own."""
    wb = load_workbook(path)
    ws = wb[REVIEW_SHEET]
    if e["extra_at"] is not None:
        if e["extra_at"] <= len(COLUMNS):
            ws.insert_cols(e["extra_at"])
        ws.cell(1, e["extra_at"], EXTRA)
    header = {c.value: c.column for c in ws[1] if c.value is not None}
    for i, (at, cells) in enumerate(e["inserted"]):
        ws.insert_rows(at)
        ws.cell(at, header[MARKER], f"inserted {i}").data_type = "s"
        for name, value in cells.items():
            _type(ws.cell(at, header[name]), value)
    row_of = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value}

    def coordinate(index: int, name: str) -> str:
        return f"{get_column_letter(header[name])}{row_of[KEYS[index]]}"

    for (index, name), value in e["values"].items():
        if name not in header:
            continue
        if isinstance(value, tuple) and value[0] == "ref":
            if value[2] in header:
                _type(ws[coordinate(index, name)], ("f", f"={coordinate(value[1], value[2])}"))
        elif isinstance(value, tuple) and value[0] == "count":
            a, b = sorted([value[1], value[2] if _framework(value[2]) == _framework(value[1]) else value[1]])
            level = INSPECTOR_COLUMNS[0]
            _type(ws[coordinate(index, name)], ("f", f"=COUNTA({coordinate(a, level)}:{coordinate(b, level)})"))
        else:
            _type(ws[coordinate(index, name)], value)
    for (index, name), text in e["comments"].items():
        if name in header:
            ws[coordinate(index, name)].comment = Comment(text, "A. Inspector")
    for (index, name), colour in e["fills"].items():
        if name in header:
            ws[coordinate(index, name)].fill = PatternFill("solid", fgColor=colour)
    if e["own_sheet"]:
        own = wb.create_sheet(OWN_SHEET)
        own["A1"] = "Levels counted"
        last = max(i for i in range(len(KEYS)) if _framework(i) == _framework(0))
        own["B1"] = f"=COUNTA(Review!{coordinate(0, 'Inspector level')}:{coordinate(last, 'Inspector level')})"
        own["B2"] = f"=Review!{coordinate(len(KEYS) - 1, 'Inspector rationale')}"
    wb.save(path)


def _type(cell, value) -> None:
    """As typed: ('f', text) is a formula; any other text is text, even if it starts with '='."""
    if isinstance(value, tuple):
        cell.value, cell.data_type = value[1], "f"
    else:
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"


def _framework(index: int) -> str:
    return KEYS[index].split(":")[0]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(e=edits, steps=regenerations)
def test_every_inspector_edit_survives_regeneration(tmp_path_factory, e, steps):
    folder = tmp_path_factory.mktemp("review")
    path = write(folder / "wyp.xlsx")
    apply_edits(path, e)
    before = snapshot(path)
    for n, (seed, suggestion_seed, frameworks) in enumerate(steps, 1):
        write(path, seed, suggestion_seed, frameworks)
        assert snapshot(path) == before, f"after regeneration {n} ({frameworks})"
        assert len(list((folder / ".backup").glob("wyp-*.xlsx"))) == n  # the previous file, each time
    wb = load_workbook(path)
    kept = wb[KEPT_SHEET] if KEPT_SHEET in wb.sheetnames else None
    if e["inserted"]:  # rows inserted without a key are kept, saying why
        whys = [kept.cell(r, kept.max_column).value for r in range(2, kept.max_row + 1)]
        assert sum("no key" in str(w) for w in whys) == len(e["inserted"])
    assert (OWN_SHEET in wb.sheetnames) == e["own_sheet"]


# ---- the same after a LibreOffice round trip -----------------------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_round_trip(path: Path, work: Path) -> None:
    """Open and save the workbook in LibreOffice (as .xlsx), as an inspector using it would."""
    out = work / "lo-out"
    profile = work / "lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(out), str(path)], check=True, capture_output=True, timeout=180)
    shutil.copy(out / path.name, path)


FIXED_EDITS = {
    "values": {(0, "Inspector level"): "2 - Started", (0, "Inspector rationale"): ("f", '="Seen: "&N2'),
               (0, "Inspector name"): "A. Inspector", (0, "Review date"): dt.datetime(2019, 9, 27),
               (1, "Inspector level"): ("ref", 0, "Inspector level"), (1, "Review date"): ("f", "=DATE(2019,9,27)"),
               (2, "Inspector rationale"): "=not a formula, typed as text", (3, EXTRA): "a note of my own",
               (len(KEYS) - 1, "Inspector level"): 3, (5, EXTRA): ("count", 0, 2)},
    "comments": {(1, "Force level"): "the force overstates this", (2, "Inspector rationale"): "check again"},
    "fills": {(3, "Requirement"): "FFFF00", (4, "Inspector rationale"): "FF0000"},
    "extra_at": len(COLUMNS) + 1,
    "inserted": [(4, {"Inspector rationale": "a note about P2 and P3", "Requirement": "my own line"})],
    "own_sheet": True,
}


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_entries_survive_a_libreoffice_round_trip_and_three_regenerations(tmp_path):
    path = write(tmp_path / "wyp.xlsx")
    apply_edits(path, FIXED_EDITS)
    typed = snapshot(path, lenient=True)
    libreoffice_round_trip(path, tmp_path)
    saved = snapshot(path)
    assert snapshot(path, lenient=True) == typed  # LibreOffice kept everything (its own way)
    inspector_rows, issues = read(path)
    for seed in (1, 2, 3):
        write(path, seed, seed)
        assert snapshot(path) == saved, f"regeneration {seed}"
    again, again_issues = read(path)  # formulas' saved results are kept, so the levels read the same
    pd.testing.assert_frame_equal(again, inspector_rows)
    assert [str(i) for i in again_issues] == [str(i) for i in issues]
    # the second level is a formula reading the first: LibreOffice saved its result, and regenerating kept it
    assert list(inspector_rows["requirement_id"]) == [KEYS[0].split(":")[1], KEYS[1].split(":")[1],
                                                      KEYS[-1].split(":")[1]]
    assert list(inspector_rows["level"]) == [2.0, 2.0, 3.0] and not issues
    libreoffice_round_trip(path, tmp_path)  # and LibreOffice still opens what gapkit wrote
    assert snapshot(path, lenient=True) == typed


def read(path):
    return read_review(path, "west-yorkshire", "2017", catalogue=CATALOGUE, settings=SETTINGS)


# ---- workbooks gapkit must not write over ---------------------------------------------------------------------

def _rename_sheet(path):
    wb = load_workbook(path)
    wb[REVIEW_SHEET].title = "Review (mine)"
    wb.save(path)


def _delete_column(number):
    def edit(path):
        wb = load_workbook(path)
        wb[REVIEW_SHEET].delete_cols(number)
        wb.save(path)
    return edit


def _rename_header(path):
    wb = load_workbook(path)
    wb[REVIEW_SHEET]["L1"] = "Level"
    wb.save(path)


def _not_a_workbook(path):
    path.write_bytes(b"PK\x03\x04 not really a workbook")


def _picture(path):
    from openpyxl.drawing.image import Image
    from PIL import Image as PILImage

    PILImage.new("RGB", (4, 4), "red").save(path.with_suffix(".png"))
    wb = load_workbook(path)
    wb[REVIEW_SHEET].add_image(Image(str(path.with_suffix(".png"))), "Q2")
    wb.save(path)


def _libreoffice_lock(path):
    path.with_name(f".~lock.{path.name}#").write_text(",A. Inspector,host,27.09.2019 10:00,file:///x;")


def _excel_lock(path):
    path.with_name(f"~${path.name}").write_bytes(b"\x0bA. Inspector")


@pytest.mark.parametrize("edit,where,message", [
    (_rename_sheet, "sheets: Review (mine), About, Lists", "rename the sheet 'Review (mine)' back to 'Review'"),
    (_delete_column(1), "Review > A1", "the header has no 'Key' column"),
    (_delete_column(14), "Review > N1", "the header has no 'Inspector name' column"),
    (_rename_header, "Review > L1", "the header has no 'Inspector level' column (deleted or renamed? L1 now says "
                                    "'Level')"),
    (_not_a_workbook, "", "not a review workbook gapkit can open"),
    (_picture, "", "pictures, charts or shapes"),
    (_libreoffice_lock, "", "open in LibreOffice (its lock file .~lock.wyp.xlsx# is beside it)"),
    (_excel_lock, "", "open in Excel (its lock file ~$wyp.xlsx is beside it)"),
], ids=["sheet-renamed", "key-column-deleted", "inspector-column-deleted", "header-renamed", "not-a-workbook",
        "picture", "libreoffice-lock", "excel-lock"])
def test_a_workbook_gapkit_cannot_keep_is_never_replaced(tmp_path, edit, where, message):
    path = write(tmp_path / "wyp.xlsx")
    edit(path)
    before = path.read_bytes()
    with pytest.raises(GapkitError) as caught:
        write(path, 1, 1)
    issue = caught.value.issues[0]
    assert Path(issue.file) == path and issue.where == where and message in str(caught.value), str(caught.value)
    assert issue.fix  # and it says what to do
    assert path.read_bytes() == before and not (tmp_path / ".backup").exists()


def test_gapkit_review_stops_with_a_clear_message(tmp_path):
    """`gapkit review` on a workbook whose sheet was renamed: exit 2, the file, the place and the fix."""
    from click.testing import CliRunner

    from gapkit.cli import main
    from gapkit.demo.generate import generate

    data = generate(tmp_path / "data", n_forces=1, seed=7, with_plans=False)
    target = next((data / "rounds" / "2019" / "reviews").glob("*.xlsx"))
    force = target.stem
    _rename_sheet(target)
    before = target.read_bytes()
    result = CliRunner().invoke(main, ["review", "--force", force, "--round", "2019", "--data", str(data)])
    assert result.exit_code == 2, result.output
    assert f"{target.name} > sheets: Review (mine)" in result.output and "there is no 'Review' sheet" in result.output
    assert target.read_bytes() == before and "wrote" not in result.output


# ---- strict levels ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,state,level,why", [
    ("2 - Started", "ok", 2, ""), (2, "ok", 2, ""), (2.0, "ok", 2, ""), ("2", "ok", 2, ""), ("3.0", "ok", 3, ""),
    ("In place", "ok", 3, ""), ("green", "ok", 3, ""), ("Planned, not started", "ok", 1, ""),
    ("Not applicable", "na", None, ""), ("n/a", "na", None, ""), ("", "blank", None, ""), (None, "blank", None, ""),
    ("-1", "bad", None, "out of range"), (-1, "bad", None, "out of range"), (7, "bad", None, "out of range"),
    ("4 - Beyond", "bad", None, "out of range"), ("1.5", "bad", None, "not a whole level"),
    (1.5, "bad", None, "not a whole level"), ("2,5", "bad", None, "not a whole level"),
    ("+2", "bad", None, "no sign"), (True, "bad", None, "TRUE is not a level"),
    ("2 - In place", "bad", None, 'level 2 is "Started", not "In place"'),
    ("3 apples", "bad", None, 'level 3 is "In place", not "apples"'), ("mostly fine", "bad", None, "not a level"),
    (dt.datetime(2019, 9, 1), "bad", None, "a date"), (float("nan"), "bad", None, "not a whole level"),
])
def test_inspector_levels_are_strict(value, state, level, why):
    got = inspector_level(value, SCALE)
    assert got[0] == state and got[1] == level and why in got[2], got


def test_level_problems_name_the_cell_and_the_allowed_values(tmp_path):
    path = write(tmp_path / "wyp.xlsx")
    wb = load_workbook(path)
    ws = wb[REVIEW_SHEET]
    ws["L2"], ws["L3"], ws["L4"] = "-1", 1.5, "=L2"  # the formula has no saved result (openpyxl wrote it)
    ws["L5"], ws["L6"] = "2 - Started", "3 - In place"
    ws["L7"], ws["M7"] = "Not applicable", ""
    ws["O5"] = "last week"
    ws.insert_rows(8)
    ws["L8"] = "3 - In place"  # a row with no key
    wb.save(path)
    rows, issues = read(path)
    text = {i.where: (i.severity, i.message, i.fix) for i in issues}
    allowed = "choose one of: 0 - No information, 1 - Planned, not started, 2 - Started, 3 - In place, Not applicable"
    assert text["Review > L2"] == ("error", 'inspector level "-1" is out of range (this scale\'s levels are 0 to 3)',
                                   allowed)
    assert text["Review > L3"][1] == "inspector level 1.5 is not a whole level"
    assert text["Review > L4"][0] == "error" and "formula (=L2) with no saved result" in text["Review > L4"][1]
    assert "not applicable needs a justification" in text["Review > L7"][1]
    assert "no key" in text["Review > L8"][1] and text["Review > L8"][0] == "error"
    assert text["Review > O5"][0] == "warning" and 'Review date "last week" is not a date' in text["Review > O5"][1]
    assert list(rows["requirement_id"]) == [KEYS[3].split(":")[1], KEYS[4].split(":")[1]]
    assert list(rows["level"]) == [2.0, 3.0]
    assert check_review(path, catalogue=CATALOGUE, settings=SETTINGS) == issues


def test_the_level_list_refuses_free_text(tmp_path):
    ws = load_workbook(write(tmp_path / "wyp.xlsx"))[REVIEW_SHEET]
    level = next(dv for dv in ws.data_validations.dataValidation if dv.type == "list")
    assert str(level.sqref) == f"L2:L{len(KEYS) + 1}"
    assert level.showErrorMessage and level.errorStyle == "stop" and level.errorTitle == "Not a level"
    assert "3 - In place" in level.error and level.formula1 == "Lists!$A$1:$A$5"
    date = next(dv for dv in ws.data_validations.dataValidation if dv.type == "date")
    assert str(date.sqref) == f"O2:O{len(KEYS) + 1}" and date.showErrorMessage


def test_dates_stay_dates_and_entries_stay_readable(tmp_path):
    path = write(tmp_path / "wyp.xlsx")
    wb = load_workbook(path)
    ws = wb[REVIEW_SHEET]
    ws["O2"] = dt.datetime(2019, 9, 27)
    ws["O2"].number_format = "dd/mm/yyyy"
    ws["O3"] = dt.date(2019, 9, 28)
    wb.save(path)
    for seed in range(3):
        write(path, seed, seed)
    ws = load_workbook(path)[REVIEW_SHEET]
    assert ws["O2"].value == dt.datetime(2019, 9, 27) and ws["O2"].number_format == "dd/mm/yyyy"
    assert ws["O2"].is_date and ws["O3"].is_date and ws["O3"].value == dt.datetime(2019, 9, 28)
    entries = read_inspector_entries(path).set_index("key")
    assert entries.loc["hmicfrs-2017-plans:P1", "Review date"] == dt.datetime(2019, 9, 27)
