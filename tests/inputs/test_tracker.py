import datetime as dt
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from gapkit.forces import lookup
from gapkit.scoring import score
from gapkit.submissions import (combine_level, parse_date, parse_status, read_submission, status_labels,
                                write_template)

FIXTURES = Path(__file__).parent / "fixtures"
PLANS = ["hmicfrs-2017-plans"]


@pytest.fixture
def template(tmp_path):
    return write_template(lookup("west-yorkshire"), "2017", tmp_path / "wyp.xlsx", framework_ids=PLANS + ["npcc-apsp-2017"])


def test_template_layout(template, catalogue):
    wb = load_workbook(template)
    assert wb.sheetnames == ["About", "Actions", "Lists"]
    assert wb["Lists"].sheet_state == "hidden"
    ws = wb["Actions"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Framework", "Ref", "Requirement"] and "Status" in header and "Due date" in header
    assert sum(1 for r in ws.iter_rows(min_row=2, values_only=True) if r[1]) == 3 + 12
    assert ws.freeze_panes == "C2"
    assert ws.protection.sheet
    assert ws["C2"].protection.locked and not ws["G2"].protection.locked  # requirement locked, input unlocked
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert kinds == {"list", "date"}
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    assert "OFFICIAL" in ws.oddHeader.center.text and "OFFICIAL" in ws.oddFooter.center.text
    about = [c.value for c in wb["About"]["A"]]
    assert "West Yorkshire Police" in [c.value for c in wb["About"]["B"]]
    assert any(str(v).startswith("HMICFRS plan review 2017") for v in about)


def test_template_filled_by_script_reads_back_into_expected_scores(template, catalogue, config):
    wb = load_workbook(template)
    ws = wb["Actions"]
    labels = status_labels(config)
    fills = {2: labels[0], 3: labels[1], 4: labels[3]}
    for row, label in fills.items():
        ws.cell(row, 10, label)
        ws.cell(row, 7, "action")
    wb.save(template)
    result = read_submission(template, "west-yorkshire", "2017", framework_ids=PLANS)
    assert result.ok, [str(i) for i in result.issues]
    overall = score(result.assessment, catalogue, config, framework_ids=PLANS).overall.iloc[0]
    assert overall["category"] == "insufficient information"
    assert overall["score"] == pytest.approx(100 * (0 + 1 / 3 + 1) / 3)


def test_workbook_saved_by_libreoffice(catalogue, config):
    """Filled by a script, then opened and saved by LibreOffice Calc (another program's XML)."""
    path = FIXTURES / "libreoffice-saved-west-yorkshire-2017.xlsx"
    assert b"LibreOffice" in zipfile.ZipFile(path).read("docProps/app.xml")
    result = read_submission(path, "west-yorkshire", "2017", framework_ids=PLANS)
    assert result.ok and not result.issues
    levels = result.assessment.set_index("requirement_id")
    assert list(levels["level"]) == [0, 1, 3]
    assert levels.loc["P2", "due_date"] == pd.Timestamp("2018-03-31")
    overall = score(result.assessment, catalogue, config, framework_ids=PLANS).overall.iloc[0]
    assert overall["category"] == "insufficient information"


def _tracker(path: Path, rows: list[list], header=None, title_row=True) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Tracker"
    if title_row:
        ws.append(["Force tracker of HMICFRS recommendations"])
    ws.append(header or ["Rec Ref", "Recommendation", "Action", "Lead", "Target date", "RAG", "Update", "Sponsor"])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_force_tracker_with_own_headers_and_rag_words(tmp_path):
    path = _tracker(tmp_path / "tracker.xlsx", [
        ["P1", "CCU review", "Review the CCU", "Supt A", "31/03/2018", "Amber", "Started", "ACC"],
        ["P2", "IT monitoring", "Procure software", "CIO", dt.datetime(2018, 6, 30), "Red", "", "ACC"],
        ["P3", "Partners", "Protocol with DA charities", "DCI B", 43100, "Complete", "Signed", "ACC"],
    ])
    result = read_submission(path, "x", "2017", framework_ids=PLANS)
    assert result.ok, [str(i) for i in result.issues]
    a = result.assessment.set_index("requirement_id")
    assert list(a["level"]) == [2, 1, 3]
    assert a.loc["P1", "due_date"] == pd.Timestamp("2018-03-31")
    assert a.loc["P3", "due_date"] == pd.Timestamp("2017-12-31")  # Excel serial 43100
    assert a.loc["P1", "owner"] == "Supt A"
    assert not [i for i in result.issues if i.severity == "error"]


def test_requirement_matched_by_text_reports_confidence(tmp_path):
    path = _tracker(tmp_path / "t.xlsx", [
        ["", "Build links with organisations that support vulnerable people such as domestic abuse charities",
         "Protocol", "DCI", "", "Green", "", ""],
        ["", "Monitor and audit IT systems to find misuse", "Software", "CIO", "", "Amber", "", ""],
    ])
    result = read_submission(path, "x", "2017", framework_ids=PLANS)
    assert result.ok
    assert set(result.matches["requirement_id"]) == {"P3", "P2"}
    assert result.matches["confidence"].between(0, 1).all()


def test_several_actions_merged_cells_and_combination(tmp_path):
    path = tmp_path / "merged.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["Ref", "Action", "Status", "Due date"])
    ws.append(["P2", "Buy software", "Complete", "2017-05-01"])
    ws.append([None, "Train auditors", "Not started", "2018-05-01"])
    ws.append(["P3", "Protocol", "Complete", "2017-05-01"])
    ws.append(["P3", "Briefings", "Closed", "2017-06-01"])
    ws.merge_cells("A2:A3")
    wb.save(path)
    result = read_submission(path, "x", "2017", framework_ids=PLANS)
    assert result.ok, [str(i) for i in result.issues]
    a = result.assessment.set_index("requirement_id")
    assert a.loc["P2", "level"] == 2  # one in place, one not started: started
    assert a.loc["P2", "due_date"] == pd.Timestamp("2018-05-01")  # the open action's date
    assert a.loc["P2", "action"] == "Buy software | Train auditors"
    assert a.loc["P3", "level"] == 3


def test_combine_level_rule():
    assert combine_level([3, 3], 3) == 3
    assert combine_level([3, 1], 3) == 2
    assert combine_level([1, 0], 3) == 1
    assert combine_level([2], 3) == 2


@pytest.mark.parametrize("value,expected", [
    ("2 - Started", ("ok", 2.0)), (3, ("ok", 3.0)), ("GREEN", ("ok", 3.0)), ("On track", ("ok", 2.0)),
    ("n/a", ("na", None)), ("", ("blank", None)), ("Purple", ("unknown", None)), (7, ("unknown", None)),
])
def test_parse_status(value, expected):
    assert parse_status(value, 3) == expected


@pytest.mark.parametrize("value,expected", [
    ("31/03/2018", "2018-03-31"), ("2018-03-31", "2018-03-31"), ("31 March 2018", "2018-03-31"),
    ("March 2018", "2018-03-31"), ("1st April 2018", "2018-04-01"), (43100, "2017-12-31"),
    (dt.date(2018, 1, 2), "2018-01-02"),
])
def test_parse_date(value, expected):
    state, parsed = parse_date(value)
    assert state == "ok" and parsed == pd.Timestamp(expected)


@pytest.mark.parametrize("value", ["next spring", "TBC", 99999999, "31/13/2018"])
def test_parse_date_rejects(value):
    assert parse_date(value)[0] == "bad"


def test_a_dozen_faults_in_one_report(tmp_path):
    path = tmp_path / "wyp-2017.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Actions"
    ws.append(["Framework", "Ref", "Requirement", "Action", "Owner", "Due date", "Status",
               "Not applicable justification", "Colour"])
    ws.append(["hmicfrs-2017-plans", "P1", "", "Review CCU", "A", "next spring", "Amber", "", "x"])     # 1 bad date
    ws.append(["hmicfrs-2017-plans", "P2", "", "Buy", "B", "2018-01-01", "Purple", "", ""])            # 2 bad status
    ws.append(["hmicfrs-2017-plans", "P3", "", "n/a", "C", "", "Not applicable", "", ""])             # 3 no justification
    ws.append(["hmicfrs-2017-plans", "Z9", "", "x", "D", "", "Green", "", ""])                        # 4 unknown ref
    ws.append(["hmicfrs-2017-plans", "P1", "", "Second action", "E", "", "", "", ""])                 # 5 empty status
    ws.append(["hmicfrs-2017-plans", "P2", "", "Third", "F", 99999999, "Green", "", ""])              # 6 number not a date
    ws.append(["", "", "", "An action with no requirement", "G", "", "Green", "", ""])                # 7 no ref or text
    ws.append(["nope-framework", "P1", "", "x", "H", "", "Green", "", ""])                            # 8 unknown framework
    ws.append(["hmicfrs-2017-plans", "P3", "", "x", "I", "", 7, "", ""])                              # 9 status out of range
    ws.append(["hmicfrs-2017-plans", "P3", "", "x", "J", "", "=1+1", "", ""])                         # 10 formula, no cache
    ws.row_dimensions[11].hidden = True                                                                # 11 hidden row
    hidden = wb.create_sheet("Old plan")                                                               # 12 hidden sheet
    hidden.append(["Ref", "Status"])
    hidden.sheet_state = "hidden"
    wb.save(path)
    result = read_submission(path, "west-yorkshire", "2017", framework_ids=PLANS)
    assert result.assessment is None  # a workbook with errors gives no assessment
    text = "\n".join(str(i) for i in result.issues)
    expected = ['wyp-2017.xlsx > Actions > F2: due date "next spring" is not a date',
                'Actions > G3: status "Purple" is not a known status',
                "Actions > H4: not applicable needs a justification",
                "Actions > B5: reference 'Z9' is not a requirement",
                "Actions > G6: status is empty",
                'Actions > F7: due date "99999999" is not a date',
                "Actions > row 8: row has no requirement reference or text",
                "Actions > B9: reference 'P1' is not a requirement in the frameworks (nope-framework)",
                'Actions > G10: status "7" is not a known status',
                "Actions > G11: formula with no saved result",
                "Actions > row 11: hidden row was read",
                "Old plan: this hidden sheet looks like an action plan",
                "columns not used by gapkit: Colour"]
    for fragment in expected:
        assert fragment in text, fragment
    assert len(result.issues) >= 13


@pytest.mark.parametrize("content,message", [
    (b"", "the file is empty"),
    (b"name,status\nP1,Green\n", "is not an Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "encrypted (password protected) or in the old .xls format"),
    (b"PK\x03\x04garbage-not-a-real-zip", "is not an Excel workbook"),
])
def test_files_that_are_not_readable_workbooks(tmp_path, content, message):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    result = read_submission(path, "x", "2017")
    assert result.assessment is None
    assert message in str(result.issues[0]) and "bad.xlsx" in str(result.issues[0])


def test_xlsm_and_extra_sheets(tmp_path):
    src = _tracker(tmp_path / "t.xlsx", [["P1", "", "a", "b", "", "Green", "", ""]], title_row=False)
    macro = tmp_path / "t.xlsm"
    macro.write_bytes(src.read_bytes())
    result = read_submission(macro, "x", "2017", framework_ids=PLANS)
    assert result.ok and result.assessment.iloc[0]["level"] == 3


def test_no_recognisable_sheet(tmp_path):
    path = tmp_path / "x.xlsx"
    wb = Workbook()
    wb.active.append(["Name", "Colour"])
    wb.save(path)
    result = read_submission(path, "x", "2017")
    assert not result.ok and "no sheet has a header row gapkit recognises" in str(result.issues[0])


def test_large_sheet(tmp_path):
    path = tmp_path / "big.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Actions")
    ws.append(["Ref", "Action", "Status"])
    for i in range(20000):
        ws.append(["P1" if i % 2 else "P2", f"action {i}", "Green" if i % 3 else "Amber"])
    wb.save(path)
    result = read_submission(path, "x", "2017", framework_ids=PLANS)
    assert result.ok
    assert set(result.assessment["level"]) == {2.0}


def test_input_file_is_never_modified(template):
    before = template.read_bytes()
    read_submission(template, "west-yorkshire", "2017")
    assert template.read_bytes() == before
