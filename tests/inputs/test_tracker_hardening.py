"""Inputs that cannot hurt: strict levels and dates, date placeholders, hidden content never read or shown, merged
header cells, and clear errors for workbooks gapkit does not read (.xls)."""

import datetime as dt
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from gapkit.catalogue.forces import lookup
from gapkit.catalogue.vocabulary import HEADERS_FILE, date_rules, parse_status
from gapkit.core.errors import GapkitError
from gapkit.demo.generate import generate
from gapkit.forms.template import write_template
from gapkit.inputs.tracker import parse_date, read_submission
from gapkit.run.runner import run
from tests.helpers import in_process_executor

PLANS = ["hmicfrs-2017-plans"]
SECRET = "ZEBRA-CONFIDENTIAL-7731"


@pytest.fixture
def read(catalogue, config):
    def _read(path):
        return read_submission(path, "x", "2017", catalogue=catalogue, settings=config, framework_ids=PLANS)
    return _read


@pytest.fixture(scope="module")
def scale(config, catalogue):
    return config.scale(catalogue.get("hmicfrs-2017-plans").level_scale)


def _book(path: Path, rows: list[list], header=("Ref", "Action", "Due date", "Status")) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Actions"
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _texts(result) -> str:
    """Everything a reader returns that a person or an output could see."""
    parts = [f"{i.file}|{i.where}|{i.message}|{i.fix}" for i in result.issues]
    if result.actions is not None:
        parts.append(result.actions.astype(str).to_csv())
    if not result.matches.empty:
        parts.append(result.matches.astype(str).to_csv())
    return "\n".join(parts)


# ---- 1. statuses, levels and dates parsed strictly -------------------------------------------------------------

@pytest.mark.parametrize("value", [-3, "-3", -1, "-1", 1.5, 2.7, "0.9", "1.5", "+2", "2,5", True, "3 apples",
                                   "2 - In place", float("nan"), float("inf"), dt.date(2018, 1, 2), "2018-01-01"])
def test_a_level_is_never_a_number_with_its_sign_or_fraction_stripped(value, scale):
    assert parse_status(value, scale) == ("unknown", None)


@pytest.mark.parametrize("value", [2, 2.0, "2", "2.0", " 2 ", "2 - Started", "2 Started", "Started", "amber",
                                   "2 - on track"])
def test_the_forms_of_a_level(value, scale):
    assert parse_status(value, scale) == ("ok", 2.0)


@pytest.mark.parametrize("status", [-3, "-1", 1.5, 2.7, "0.9"])
def test_tracker_rejects_a_level_with_sign_or_fraction(tmp_path, read, status):
    result = read(_book(tmp_path / "t.xlsx", [["P1", "Review", "", status]]))
    assert result.actions.empty and len(result.unread) == 1
    [issue] = [i for i in result.issues if i.severity == "error"]
    assert issue.where == "Actions > D2" and "is not a known status" in issue.message
    assert "2 - Started" in issue.fix and "Not applicable" in issue.fix  # the allowed values


@pytest.mark.parametrize("value", [dt.datetime(9999, 12, 31), dt.date(1989, 12, 31), dt.date(2101, 1, 1),
                                   "31/12/9999", "01/01/1900", 2958465, 1])
def test_dates_outside_the_window_are_out_of_range(value):
    assert parse_date(value) == ("range", None)


@pytest.mark.parametrize("value,expected", [(dt.date(1990, 1, 1), "1990-01-01"), ("31/12/2100", "2100-12-31"),
                                            ("February 2024", "2024-02-29")])
def test_dates_at_the_edges_of_the_window(value, expected):
    assert parse_date(value) == ("ok", pd.Timestamp(expected))


@pytest.mark.parametrize("due", [dt.datetime(9999, 12, 31), "31/12/9999", dt.date(1900, 1, 1)])
def test_tracker_date_out_of_range_is_an_error_with_its_cell_never_a_crash(tmp_path, read, due):
    result = read(_book(tmp_path / "t.xlsx", [["P1", "Review", due, "Amber"]]))
    assert result.actions.empty and len(result.unread) == 1
    [issue] = [i for i in result.issues if i.severity == "error"]
    assert issue.where == "Actions > C2"
    assert "outside the dates gapkit accepts (01/01/1990 to 31/12/2100)" in issue.message


def test_the_date_window_is_validated_on_load(tmp_path):
    text = HEADERS_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "tracker_headers.yaml"
    bad.write_text(text.replace("earliest: 1990-01-01", "earliest: 2200-01-01"), encoding="utf-8")
    with pytest.raises(GapkitError, match="earliest"):
        date_rules(bad)
    bad.write_text(text.replace("latest: 2100-12-31", "latest: soon"), encoding="utf-8")
    with pytest.raises(GapkitError, match=r"line \d+ \(dates.latest\)"):
        date_rules(bad)


# ---- 2. placeholders in a date column --------------------------------------------------------------------------

PLACEHOLDERS = ["TBC", "to be confirmed", "ongoing", "n/a", "not applicable", "tbd", "-", "N/A", "various",
                "When funded"]


def test_date_placeholders_are_a_warning_and_a_blank_date(tmp_path, read):
    rows = [["P1", f"action {i}", word, "Amber"] for i, word in enumerate(PLACEHOLDERS)]
    result = read(_book(tmp_path / "t.xlsx", rows))
    assert result.ok, [str(i) for i in result.issues]
    assert len(result.actions) == len(PLACEHOLDERS) and result.actions["due_date"].isna().all()
    warnings = [i for i in result.issues if "read as no due date" in i.message]
    assert [w.where for w in warnings] == [f"Actions > C{r}" for r in range(2, 2 + len(PLACEHOLDERS))]
    assert all(w.severity == "warning" for w in warnings)


def test_a_date_that_is_neither_a_date_nor_a_placeholder_is_still_an_error(tmp_path, read):
    result = read(_book(tmp_path / "t.xlsx", [["P1", "a", "next spring", "Amber"]]))
    assert result.actions.empty and len(result.unread) == 1 and 'due date "next spring" is not a date' in str(result.issues[0])


# ---- 3. hidden content never read and never shown --------------------------------------------------------------

def _secret_book(path: Path) -> Path:
    """A secret in a hidden row, in hidden columns (headed Status and Owner, and one with the secret as header),
    and in a hidden sheet (also in its title)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Actions"
    ws.append(["Ref", "Status", "Action", "Owner", "Status", "Owner", SECRET, "Colour"])
    ws.append(["P1", SECRET, "Review", SECRET, "Amber", "Supt A", SECRET, "blue"])
    ws.append(["P2", f"{SECRET} red", SECRET, SECRET, "Red", SECRET, SECRET, "red"])    # hidden row
    ws.append(["P3", SECRET, "Protocol", SECRET, "Green", "DCI B", SECRET, "green"])
    for col in "BDG":
        ws.column_dimensions[col].hidden = True
    ws.row_dimensions[3].hidden = True
    ws.merge_cells("F3:F4")  # a merged cell whose top-left is hidden shows nothing below it
    hidden = wb.create_sheet(f"{SECRET} plan")
    hidden.append(["Ref", "Status", "Action"])
    hidden.append(["P2", "Green", SECRET])
    hidden.sheet_state = "hidden"
    very = wb.create_sheet("Notes")
    very.append([SECRET])
    very.sheet_state = "veryHidden"
    wb.save(path)
    return path


def test_hidden_rows_columns_and_sheets_are_never_read_nor_shown(tmp_path, read):
    result = read(_secret_book(tmp_path / "secret.xlsx"))
    assert result.ok, [str(i) for i in result.issues]
    assert SECRET not in _texts(result)
    a = result.actions.set_index("requirement_id")
    assert list(a.index) == ["P1", "P3"]  # the hidden row P2 is not read
    assert list(a["level"]) == [2.0, 3.0]  # from the visible Status column
    assert a.loc["P1", "owner"] == "Supt A" and a.loc["P3", "owner"] == ""  # F4's merged top-left F3 is hidden
    messages = {(i.where, i.message) for i in result.issues}
    assert ("Actions", "column B is hidden and was not read") in messages
    assert ("Actions", "column D is hidden and was not read") in messages
    assert ("Actions", "column G is hidden and was not read") in messages
    assert ("Actions", "row 3 is hidden and was not read") in messages
    assert ("", "sheet 2 is hidden and was not read") in messages
    assert ("", "sheet 3 is hidden and was not read") in messages
    unused = [i for i in result.issues if "columns not used by gapkit" in i.message]
    assert [i.message for i in unused] == ["columns not used by gapkit: Colour (column H)"]


def test_hidden_content_reaches_no_output_file_of_a_whole_run(tmp_path):
    """The secret tracker as a force's submission, through a whole run (stand-in executor, national overview,
    board pack, index page): the secret is in no file the run wrote, whatever its kind (workbooks unzipped)."""
    data = generate(tmp_path / "data", n_forces=2, seed=7, with_plans=False)
    _secret_book(data / "rounds" / "2017" / "submissions" / "northmoor.xlsx")
    out = tmp_path / "reports"
    result = run(data, rounds=["2017"], out_dir=out, workers=1, progress=False, executor=in_process_executor)[0]
    forces = {f["force"]: f for f in result.forces}
    assert forces["northmoor"]["status"] in ("ok", "input errors") and forces["kestrel-vale"]["status"] == "ok"
    written = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".xlsx" for p in written) and any(p.name == "index.html" for p in written)
    leaks = []
    for path in written:
        if path.suffix in (".xlsx", ".xlsm"):
            with zipfile.ZipFile(path) as book:
                parts = [book.read(name) for name in book.namelist()]
        else:
            parts = [path.read_bytes()]
        if any(SECRET.encode() in part for part in parts):
            leaks.append(str(path.relative_to(out)))
    assert not leaks, f"the hidden secret reached {leaks}"
    assert any(b"Supt A" in p.read_bytes() for p in written if p.suffix == ".csv")  # the scan sees what is shown
    scores = pd.read_csv(out / "2017" / "northmoor" / "scores.csv")
    actions = scores[scores["framework"] == "hmicfrs-2017-plans"].set_index("requirement_id")["action"].fillna("")
    assert "Review" in actions["P1"] and "Protocol" in actions["P3"]  # the visible rows were read
    assert actions["P2"] == ""  # P2's row was hidden


def test_hidden_column_with_a_known_header_never_replaces_the_visible_one(tmp_path, read):
    """A hidden Status column before the visible one was read instead of it."""
    path = _book(tmp_path / "t.xlsx", [["P1", "Review", SECRET, "Amber"]], header=("Ref", "Action", "Status", "RAG"))
    wb = load_workbook(path)
    wb["Actions"].column_dimensions["C"].hidden = True
    wb.save(path)
    result = read(path)
    assert result.ok and result.actions.iloc[0]["level"] == 2.0
    assert SECRET not in _texts(result)


def test_hidden_runs_are_named_together(tmp_path, read):
    rows = [["P1", f"a{i}", "", "Amber"] for i in range(6)]
    path = tmp_path / "t.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Actions"
    ws.append(["Ref", "Action", "Due date", "Status", "x", "y"])
    for row in rows:
        ws.append(row)
    for r in (3, 4, 5):
        ws.row_dimensions[r].hidden = True
    ws.column_dimensions.group("E", "F", hidden=True)
    wb.save(path)
    result = read(path)
    assert result.ok and len(result.actions) == 3
    messages = [i.message for i in result.issues]
    assert "rows 3-5 are hidden and were not read" in messages
    assert "columns E-F are hidden and were not read" in messages
    assert not [m for m in messages if "not used" in m]


def test_template_lists_sheet_is_not_reported(tmp_path, read, catalogue, config):
    path = write_template(lookup("west-yorkshire"), "2017", tmp_path / "wyp.xlsx", catalogue=catalogue,
                          settings=config, framework_ids=PLANS)
    result = read(path)
    assert result.ok and not [i for i in result.issues if "hidden" in i.message]


# ---- 3b. merged header cells -----------------------------------------------------------------------------------

def test_header_under_a_merged_title_and_spanning_two_rows(tmp_path, read):
    path = tmp_path / "t.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Tracker"
    ws.append(["Force tracker of HMICFRS recommendations"])
    ws.append(["Ref", "Action", "Progress", None, "Owner"])
    ws.append([None, None, "Status", "Evidence", None])
    ws.append(["P1", "Review", "Amber", "EV-1", "Supt A"])
    ws.merge_cells("A1:E1")
    for rng in ("A2:A3", "B2:B3", "C2:D2", "E2:E3"):
        ws.merge_cells(rng)
    wb.save(path)
    result = read(path)
    assert result.ok, [str(i) for i in result.issues]
    row = result.actions.iloc[0]
    assert (row["requirement_id"], row["level"], row["evidence_refs"], row["owner"]) == ("P1", 2.0, "EV-1", "Supt A")
    assert not [i for i in result.issues if "not used" in i.message]


def test_a_header_merged_across_columns_names_its_first_column(tmp_path, read):
    path = tmp_path / "t.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["Ref", "Status", None, "Evidence"])
    ws.append(["P1", "Green", "note", "EV-9"])
    ws.merge_cells("B1:C1")
    wb.save(path)
    result = read(path)
    assert result.ok and result.actions.iloc[0]["level"] == 3.0 and result.actions.iloc[0]["evidence_refs"] == "EV-9"
    [unused] = [i.message for i in result.issues if "not used" in i.message]
    assert unused == "columns not used by gapkit: C (under the merged header of column B)"


# ---- 4. .xls and other files gapkit does not read --------------------------------------------------------------

@pytest.mark.parametrize("name,content,message", [
    ("plan.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "old Excel 97-2003 format (.xls)"),
    ("plan.ods", b"PK\x03\x04" + b"\0" * 64, "is a .ods file"),
    ("plan.csv", b"Ref,Status\nP1,Green\n", "is a .csv file"),
])
def test_unsupported_files_say_how_to_convert(tmp_path, read, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = read(path)
    assert not result.ok  # not a workbook gapkit can read: no rows at all
    [issue] = result.issues
    assert message in issue.message and name in issue.message and Path(issue.file).name == name
    assert "Excel or LibreOffice" in issue.fix and "save it as .xlsx" in issue.fix
