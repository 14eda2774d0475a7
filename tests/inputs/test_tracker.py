"""Reading forces' action plans: filled templates and forces' own trackers, into action rows."""

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from gapkit.assess.combine import combine_actions
from gapkit.catalogue.forces import lookup
from gapkit.forms.template import write_template
from gapkit.inputs import tracker
from gapkit.inputs.tracker import ACTION_COLUMNS, TEXT_MATCH_ACCEPT, parse_date, read_submission
from gapkit.scoring.rule import score
from tests.helpers import maxima

FIXTURES = Path(__file__).parents[1] / "fixtures"
PLANS = ["hmicfrs-2017-plans"]


@pytest.fixture
def read(catalogue, config):
    """read_submission with the shipped catalogue and settings."""
    def _read(path, force="x", round_id="2017", framework_ids=None):
        return read_submission(path, force, round_id, catalogue=catalogue, settings=config,
                               framework_ids=framework_ids)
    return _read


@pytest.fixture
def combined(catalogue, config):
    """A submission's action rows combined into one row per requirement (gapkit.assess.combine)."""
    def _combined(result, framework_ids=PLANS):
        return combine_actions(result.actions, maxima(catalogue, config, framework_ids)).set_index("requirement_id")
    return _combined


def test_workbook_saved_by_libreoffice(catalogue, config, read, combined):
    """Filled by a script, then opened and saved by LibreOffice Calc (another program's XML)."""
    path = FIXTURES / "libreoffice-saved-west-yorkshire-2017.xlsx"
    assert b"LibreOffice" in zipfile.ZipFile(path).read("docProps/app.xml")
    result = read(path, "west-yorkshire", framework_ids=PLANS)
    assert result.ok and not result.issues
    assert list(result.actions.columns) == ACTION_COLUMNS
    levels = combined(result)
    assert list(levels["level"]) == [0, 1, 3]
    assert levels.loc["P2", "due_date"] == pd.Timestamp("2018-03-31")
    overall = score(levels.reset_index(), catalogue, config, framework_ids=PLANS).overall.iloc[0]
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


def test_force_tracker_with_own_headers_and_rag_words(tmp_path, read):
    path = _tracker(tmp_path / "tracker.xlsx", [
        ["P1", "CCU review", "Review the CCU", "Supt A", "31/03/2018", "Amber", "Started", "ACC"],
        ["P2", "IT monitoring", "Procure software", "CIO", dt.datetime(2018, 6, 30), "Red", "", "ACC"],
        ["P3", "Partners", "Protocol with DA charities", "DCI B", 43100, "Complete", "Signed", "ACC"],
    ])
    result = read(path, framework_ids=PLANS)
    assert result.ok, [str(i) for i in result.issues]
    a = result.actions.set_index("requirement_id")  # one action per requirement here
    assert list(a["level"]) == [2, 1, 3]
    assert list(a["level_source"].unique()) == ["force-reported"]
    assert a.loc["P1", "due_date"] == pd.Timestamp("2018-03-31")
    assert a.loc["P3", "due_date"] == pd.Timestamp("2017-12-31")  # Excel serial 43100
    assert a.loc["P1", "owner"] == "Supt A"
    assert not [i for i in result.issues if i.severity == "error"]


def test_requirement_matched_by_text_reports_confidence(tmp_path, read):
    path = _tracker(tmp_path / "t.xlsx", [
        ["", "Build links with organisations that support vulnerable people such as domestic abuse charities",
         "Protocol", "DCI", "", "Green", "", ""],
        ["", "Monitor and audit IT systems to find misuse", "Software", "CIO", "", "Amber", "", ""],
    ])
    result = read(path, framework_ids=PLANS)
    assert result.ok
    assert set(result.matches["requirement_id"]) == {"P3", "P2"}
    assert set(result.actions["requirement_id"]) == {"P3", "P2"}
    assert result.matches["confidence"].between(0, 1).all()


def test_several_actions_merged_cells_and_combination(tmp_path, read, combined):
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
    result = read(path, framework_ids=PLANS)
    assert result.ok, [str(i) for i in result.issues]
    assert len(result.actions) == 4  # one row per action: the merged Ref cell gives both P2 actions their ref
    assert list(result.actions["requirement_id"]) == ["P2", "P2", "P3", "P3"]
    a = combined(result)
    assert a.loc["P2", "level"] == 2  # one in place, one not started: started
    assert a.loc["P2", "due_date"] == pd.Timestamp("2018-05-01")  # the open action's date
    assert a.loc["P2", "action"] == "Buy software | Train auditors"
    assert a.loc["P3", "level"] == 3


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


def test_a_dozen_faults_in_one_report(tmp_path, read):
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
    ws.append(["hmicfrs-2017-plans", "P1", "", "Secret", "K", "", "Green", "", ""])                   # 11 hidden row
    ws.row_dimensions[12].hidden = True
    hidden = wb.create_sheet("Old plan")                                                               # 12 hidden sheet
    hidden.append(["Ref", "Status"])
    hidden.sheet_state = "hidden"
    wb.save(path)
    result = read(path, "west-yorkshire", framework_ids=PLANS)
    # every row is at fault: each is reported and left out, none is read; the workbook itself is usable
    assert result.ok and result.actions.empty
    assert len(result.unread) == 10
    assert set(result.unread.loc[result.unread["requirement_id"] != "", "requirement_id"]) == {"P1", "P2", "P3"}
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
                "Actions: row 12 is hidden and was not read",
                "wyp-2017.xlsx: sheet 2 is hidden and was not read",
                "columns not used by gapkit: Colour"]
    for fragment in expected:
        assert fragment in text, fragment
    assert "Old plan" not in text and "Secret" not in text  # hidden things are named by position only
    assert len(result.issues) >= 13
    assert text.count("the row was not read") == 10


def test_rows_that_can_be_read_are_used_beside_rows_that_cannot(tmp_path, read):
    """Partial reading: a bad status on one row leaves that row out, names its cell, and keeps the others."""
    path = tmp_path / "partial.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Actions"
    ws.append(["Framework", "Ref", "Action", "Due date", "Status"])
    ws.append(["hmicfrs-2017-plans", "P1", "Review CCU", "31/03/2018", "In place"])
    ws.append(["hmicfrs-2017-plans", "P2", "Buy software", "31/03/2018", "Gren"])
    ws.append(["hmicfrs-2017-plans", "P3", "Partners", "TBC", "Started"])
    wb.save(path)
    result = read(path, "west-yorkshire", framework_ids=PLANS)
    assert list(result.actions["requirement_id"]) == ["P1", "P3"]
    assert result.unread.to_dict("records") == [{"cell": "Actions > E3", "framework": "hmicfrs-2017-plans",
                                                 "requirement_id": "P2", "why": 'status "Gren" is not a known status'}]
    errors = [i for i in result.issues if i.severity == "error"]
    assert len(errors) == 1 and errors[0].where == "Actions > E3" and "the row was not read" in errors[0].message
    assert any("TBC" in i.message and i.severity == "warning" for i in result.issues)  # a placeholder date: a warning


@pytest.mark.parametrize("content,message", [
    (b"", "the file is empty"),
    (b"name,status\nP1,Green\n", "is not an Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "encrypted (password protected) or in the old .xls format"),
    (b"PK\x03\x04garbage-not-a-real-zip", "is not an Excel workbook"),
])
def test_files_that_are_not_readable_workbooks(tmp_path, read, content, message):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    result = read(path)
    assert result.actions is None
    assert message in str(result.issues[0]) and "bad.xlsx" in str(result.issues[0])


def test_xlsm_and_extra_sheets(tmp_path, read):
    src = _tracker(tmp_path / "t.xlsx", [["P1", "", "a", "b", "", "Green", "", ""]], title_row=False)
    macro = tmp_path / "t.xlsm"
    macro.write_bytes(src.read_bytes())
    result = read(macro, framework_ids=PLANS)
    assert result.ok and result.actions.iloc[0]["level"] == 3


def test_no_recognisable_sheet(tmp_path, read):
    path = tmp_path / "x.xlsx"
    wb = Workbook()
    wb.active.append(["Name", "Colour"])
    wb.save(path)
    result = read(path)
    assert not result.ok and "no sheet has a header row gapkit recognises" in str(result.issues[0])


def test_large_sheet(tmp_path, read, combined):
    path = tmp_path / "big.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Actions")
    ws.append(["Ref", "Action", "Status"])
    for i in range(20000):
        ws.append(["P1" if i % 2 else "P2", f"action {i}", "Green" if i % 3 else "Amber"])
    wb.save(path)
    result = read(path, framework_ids=PLANS)
    assert result.ok
    assert len(result.actions) == 20000 and set(result.actions["level"]) == {2.0, 3.0}
    assert set(combined(result)["level"]) == {2.0}  # some Green, some Amber: started


@pytest.mark.parametrize("kind", ["template", "libreoffice"])
def test_input_file_is_never_modified(tmp_path, catalogue, config, read, kind):
    if kind == "template":
        path = write_template(lookup("west-yorkshire"), "2017", tmp_path / "wyp.xlsx", catalogue=catalogue,
                              settings=config, framework_ids=PLANS)
    else:
        path = shutil.copy(FIXTURES / "libreoffice-saved-west-yorkshire-2017.xlsx", tmp_path / "lo.xlsx")
    before = path.read_bytes()
    read(path, "west-yorkshire")
    assert path.read_bytes() == before


# ---- forces' own trackers: real header words, and how each row is matched to its requirement ------------------

ROUND = ["hmicfrs-2017-plans", "hmic-2016-legitimacy", "npcc-apsp-2017"]


def _own_tracker(path: Path, header: list, rows: list[list], title: str = "HMICFRS recommendations - APSP") -> Path:
    """A force's tracker as forces make them: a title merged over the first two rows, the header on row 3."""
    wb = Workbook()
    ws = wb.active
    ws.title = "HMICFRS tracker"
    ws.append([title])
    ws.append([None])
    ws.append(header)
    for row in rows:
        ws.append(row)
    ws.merge_cells(start_row=1, start_column=1, end_row=2, end_column=len(header))
    wb.save(path)
    return path


def test_real_tracker_headers_under_a_merged_title_read_every_field(tmp_path, read):
    header = ["Report", "Rec No", "Recommendation / AFI", "Action(s) required", "SRO", "Target completion date",
              "BRAG", "Progress update", "Evidence of completion", "Reason not applicable", "Last updated"]
    path = _own_tracker(tmp_path / "own.xlsx", header, [
        ["hmicfrs-2017-plans", "P1", "CCU review", "Review the CCU establishment", "D/Supt Shaw", "31/03/2018",
         "Amber", "Review under way", "EV-01", "", "01/09/2017"],
        ["hmicfrs-2017-plans", "P3", "Partners", "", "DCI Khan", "", "N/A", "", "", "Covered by the regional unit",
         ""],
        ["HMIC 2016", "CAP-2", "IT monitoring", "Buy protective monitoring", "Head of ICT", "30 June 2018", "Blue",
         "Live", "EV-02", "", ""],
    ])
    result = read(path, framework_ids=ROUND)
    assert result.ok, [str(i) for i in result.issues]
    assert not result.issues, [str(i) for i in result.issues]  # every column read: none reported as not used
    a = result.actions.set_index("requirement_id")
    assert a.loc["P1", "framework"] == "hmicfrs-2017-plans" and a.loc["P1", "level"] == 2
    assert (a.loc["P1", "action"], a.loc["P1", "owner"], a.loc["P1", "evidence_refs"]) == (
        "Review the CCU establishment", "D/Supt Shaw", "EV-01")
    assert a.loc["P1", "due_date"] == pd.Timestamp("2018-03-31") and a.loc["P1", "rationale"] == "Review under way"
    assert a.loc["P3", "not_applicable"] and a.loc["P3", "na_justification"] == "Covered by the regional unit"
    assert a.loc["CAP-2", "framework"] == "hmic-2016-legitimacy" and a.loc["CAP-2", "level"] == 3  # Blue: complete
    assert a.loc["CAP-2", "due_date"] == pd.Timestamp("2018-06-30")
    assert list(result.matches["matched_by"]) == ["id", "id", "id"]


def test_bracketed_parts_of_a_header_are_tried_without_them(tmp_path, read):
    header = ["Ref", "Status (RAG)", "Target date (dd/mm/yyyy)", "Owner (name and rank)", "Colour (for printing)"]
    path = _own_tracker(tmp_path / "b.xlsx", header, [["P2", "Green", "01/02/2018", "Insp Lee", "x"]])
    result = read(path, framework_ids=PLANS)
    row = result.actions.iloc[0]
    assert (row["level"], row["due_date"], row["owner"]) == (3, pd.Timestamp("2018-02-01"), "Insp Lee")
    [unused] = [i.message for i in result.issues if "not used" in i.message]
    assert unused == "columns not used by gapkit: Colour (for printing) (column E)"


def test_every_row_records_how_it_was_matched(tmp_path, read):
    header = ["Rec No", "Recommendation", "Action", "RAG"]
    path = _own_tracker(tmp_path / "m.xlsx", header, [
        ["hmicfrs-2017-plans:P1", "", "Review", "Green"],                                               # id
        ["Rec P2", "", "Software", "Amber"],                                                            # id, labelled
        ["Build links with organisations that work with vulnerable people, such as domestic abuse charities",
         "", "Protocol", "Red"],                                                                        # ref wording
        ["1", "Have the capability to monitor and audit IT systems to identify people who misuse them",
         "Audit", "Green"],                                                                             # text
    ])
    result = read(path, framework_ids=PLANS)
    assert result.ok and len(result.actions) == 4
    m = result.matches
    assert list(m.columns) == ["cell", "text", "framework", "requirement_id", "matched_by", "confidence",
                               "to_confirm", "runner_up"]
    assert list(m["matched_by"]) == ["id", "id", "ref wording", "text"]
    assert list(m["requirement_id"]) == ["P1", "P2", "P3", "P2"]
    assert list(m["cell"]) == ["HMICFRS tracker > A4", "HMICFRS tracker > A5", "HMICFRS tracker > A6",
                               "HMICFRS tracker > B7"]
    assert (m.loc[:1, "confidence"] == 1.0).all() and not m.loc[:1, "to_confirm"].any()
    assert m.loc[2:, "confidence"].between(TEXT_MATCH_ACCEPT, 1).all()
    # '1' is the force's own number: no framework records the publication's numbering, so the text was used
    [note] = [i for i in result.issues if "own numbers" in i.message]
    assert note.severity == "warning" and note.where == "HMICFRS tracker > column A" and "A7" in note.message


def test_a_reference_in_the_publications_own_numbering(tmp_path, read, catalogue, config):
    """'Recommendation 2', 'AFI 3', '2017 element 1' are resolved where a framework records its publication's own
    numbers (a source's reference: 'element 1'); the shipped frameworks record none, so they fall back to text."""
    numbered = catalogue.model_copy(deep=True)
    for i, req in enumerate(numbered.frameworks["hmicfrs-2017-plans"].requirements, 1):
        req.sources = [req.sources[0].model_copy(update={"reference": f"element {i}"})]
    numbered.frameworks["hmic-2016-legitimacy"].requirements[2].sources = [
        numbered.frameworks["hmic-2016-legitimacy"].requirements[2].sources[0].model_copy(
            update={"reference": "recommendation register entry 6084"})]  # a register entry is not a number
    header = ["Ref", "Recommendation", "Status"]
    rows = [["2017 element 1", "", "Green"], ["Element 2", "", "Amber"], ["element (3)", "", "Red"],
            ["Rec 2", "", "Green"], ["6084", "", "Green"]]
    path = _own_tracker(tmp_path / "n.xlsx", header, rows)
    result = read_submission(path, "x", "2019", catalogue=numbered, settings=config, framework_ids=ROUND)
    assert list(result.actions["requirement_id"]) == ["P1", "P2", "P3"]
    assert list(result.matches["matched_by"]) == ["own number"] * 3 and result.matches["confidence"].eq(1).all()
    errors = {i.where: i.message for i in result.issues if i.severity == "error"}
    assert "looks like the publication's own numbering" in errors["HMICFRS tracker > A7"]  # no recommendation 2
    assert "'6084' is not a requirement" in errors["HMICFRS tracker > A8"]
    # the shipped frameworks record no numbering: the same refs cannot be resolved, and say so at their cell
    plain = read(path, framework_ids=ROUND)
    assert plain.actions.empty and len(plain.unread) == 5
    assert all("the row was not read" in i.message for i in plain.issues if i.severity == "error")


def test_an_own_number_followed_by_the_wording_is_matched_by_the_wording(tmp_path, read):
    path = _own_tracker(tmp_path / "w.xlsx", ["Rec No", "RAG"], [
        ["Rec 2 - Have the capability to monitor and audit IT systems to identify people who misuse them", "Amber"]])
    result = read(path, framework_ids=PLANS)
    [m] = result.matches.to_dict("records")
    assert (m["requirement_id"], m["matched_by"], m["text"]) == (
        "P2", "ref wording", "Have the capability to monitor and audit IT systems to identify people who misuse them")


def test_the_framework_cell_narrows_a_text_match_to_its_publication(tmp_path, read):
    """The 2016 recommendation and the 2017 elements restate each other: the Report column says which is meant."""
    wording = "Build the capability and capacity to seek intelligence on abuse of position, reviewing the CCU"
    path = _own_tracker(tmp_path / "f.xlsx", ["Report", "Recommendation", "Status"], [
        ["PEEL legitimacy 2016", wording, "Amber"], ["HMICFRS 2017", wording, "Amber"], ["HMIC", "CAP-1", "Green"]],
    )
    result = read(path, framework_ids=ROUND)
    got = list(zip(result.matches["framework"], result.matches["requirement_id"]))
    assert got[:2] == [("hmic-2016-legitimacy", "CAP-1"), ("hmicfrs-2017-plans", "P1")]
    assert result.actions.iloc[2]["requirement_id"] == "CAP-1"  # requirement text in the Recommendation column


@pytest.mark.parametrize("margin", [0.0, 1.0])
def test_a_close_runner_up_is_reported_for_confirmation(tmp_path, read, monkeypatch, margin):
    """The 2016 recommendation (CAP-3) and the 2017 element (P3) say nearly the same: the runner-up is always shown,
    and one within TEXT_MATCH_MARGIN of the best makes the match one to confirm (the margin is set here so the test
    does not hang on the text index's exact figures)."""
    monkeypatch.setattr("gapkit.inputs.tracker.TEXT_MATCH_MARGIN", margin)
    path = _own_tracker(tmp_path / "c.xlsx", ["Recommendation", "RAG"], [
        ["Build links with organisations that work with vulnerable people, such as domestic abuse charities",
         "Green"]])
    result = read(path, framework_ids=ROUND)
    [m] = result.matches.to_dict("records")
    assert {m["requirement_id"], m["runner_up"].split(" ")[0].split(":")[1]} == {"CAP-3", "P3"}
    assert m["confidence"] >= 0.6  # a confident match, so only closeness can ask for confirmation
    assert m["to_confirm"] == (margin > 0)
    assert any("close to" in i.message for i in result.issues) == (margin > 0)


def test_a_report_name_gapkit_cannot_place_is_a_hint_ignored_but_an_unknown_id_is_an_error(tmp_path, read):
    path = _own_tracker(tmp_path / "u.xlsx", ["Source", "Ref", "RAG"], [
        ["Legitimacy inspection", "P1", "Green"], ["nope-framework", "P2", "Green"]])
    result = read(path, framework_ids=PLANS)
    assert list(result.actions["requirement_id"]) == ["P1"]
    text = "\n".join(str(i) for i in result.issues)
    assert "framework names gapkit cannot place were ignored" in text and "'Legitimacy inspection' (A4)" in text
    assert "B5: reference 'P2' is not a requirement in the frameworks (nope-framework)" in text


def test_the_issues_own_tracker_is_read_with_its_levels_and_warnings_and_no_hidden_text(tmp_path, read):
    """The tracker issue 10 describes: a title merged over the header on row 3, the recommendation in a column headed
    in the force's words, RAG words, dates of mixed types with a placeholder, a formula, a hidden column of internal
    notes, a glossary sheet, and one row with a status nobody could read."""
    path = tmp_path / "own-tracker.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "HMICFRS recs"
    ws["A1"] = "Westshire Police: HMICFRS APSP recommendations tracker"
    ws.merge_cells("A1:H2")
    rows = [["HMICFRS ref", "Recommendation / AFI", "Action(s) required", "Action owner", "Target completion date",
             "BRAG", "Progress update", "Internal notes"],
            ["P1", "Review the CCU", "External review", "Supt PSD", dt.datetime(2018, 3, 31), "Green", "Done",
             "SECRET-NOTE-1"],
            ["P2", "IT monitoring", "Buy software", "Head of ICT", "TBC", "Red", "=\"Not\"&\" started\"",
             "SECRET-NOTE-2"],
            ["P3", "Partners", "Protocol with refuges", "DCI", 43190, "Amber", "Drafting", "SECRET-NOTE-3"],
            ["E3", "CCU capacity", "Two more DCs", "Supt PSD", "31/05/2018", "Purple", "", "SECRET-NOTE-4"]]
    for r, row in enumerate(rows, 3):  # the header on row 3, under the merged title
        for c, value in enumerate(row, 1):
            ws.cell(r, c, value)
    ws.column_dimensions["H"].hidden = True
    glossary = wb.create_sheet("Glossary")
    glossary.append(["Term", "Meaning"])
    glossary.append(["BRAG", "Blue, red, amber, green"])
    wb.save(path)

    result = read(path, framework_ids=["hmicfrs-2017-plans", "npcc-apsp-2017"])
    levels = result.actions.set_index("requirement_id")["level"].to_dict()
    assert levels == {"P1": 3, "P2": 1, "P3": 2}  # Green, Red, Amber; the Purple row is left out, not the workbook
    text = "\n".join(str(i) for i in result.issues)
    assert "HMICFRS recs > F7" in text and "the row was not read" in text  # the unread row, by cell
    assert "TBC" in text and "read as no due date" in text  # a placeholder date is a warning
    assert "column H is hidden and was not read" in text
    assert "SECRET" not in text and "Internal notes" not in text  # hidden text named by position only
    assert list(result.unread["requirement_id"]) == ["E3"]
    errors = [i for i in result.issues if i.severity == "error"]
    assert len(errors) == 1


def test_formula_cells_read_from_the_sheet_xml_match_openpyxls(tmp_path):
    """The sheet's formula cells found in its XML are those openpyxl finds loading the workbook without cached
    values, on a second sheet too."""
    path = tmp_path / "formulas.xlsx"
    wb = Workbook()
    wb.active.append(["Ref", "Status", "Sum"])
    wb.active.append(["P1", "=A1", "=1+1"])
    other = wb.create_sheet("Other")
    other["C7"] = "=SUM(A1:A3)"
    other["D2"] = "plain"
    wb.save(path)
    for sheet, expected in [("Sheet", {"B2", "C2"}), ("Other", {"C7"})]:
        assert tracker._formula_cells_in_xml(path, sheet) == expected
        assert tracker._formula_cells(path, sheet) == tracker._formula_cells_loaded(path, sheet) == expected
