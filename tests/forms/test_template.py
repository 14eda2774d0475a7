"""The action-plan template a force fills in, and what gapkit reads back from it."""

import pytest
from openpyxl import load_workbook

from gapkit.assess.combine import combine_actions
from gapkit.catalogue.forces import lookup
from gapkit.catalogue.vocabulary import status_labels
from gapkit.forms.template import EXTRA_ROWS, write_template
from gapkit.inputs.tracker import read_submission
from gapkit.scoring.rule import score
from tests.helpers import maxima, requirement_count

PLANS = ["hmicfrs-2017-plans"]
FRAMEWORKS = PLANS + ["npcc-apsp-2017"]


@pytest.fixture
def template(tmp_path, catalogue, config):
    return write_template(lookup("west-yorkshire"), "2017", tmp_path / "wyp.xlsx", catalogue=catalogue,
                          settings=config, framework_ids=FRAMEWORKS)


def test_template_layout(template, catalogue):
    wb = load_workbook(template)
    assert wb.sheetnames == ["About", "Actions", "Lists"]
    assert wb["Lists"].sheet_state == "hidden"
    ws = wb["Actions"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Framework", "Ref", "Requirement"] and "Status" in header and "Due date" in header
    assert sum(1 for r in ws.iter_rows(min_row=2, values_only=True) if r[1]) == requirement_count(catalogue, FRAMEWORKS)
    assert ws.freeze_panes == "C2"
    width = ws.column_dimensions["C"].width  # the requirement's statement wraps: its row is tall enough to print
    long_rows = [r for r in range(2, ws.max_row + 1) if len(str(ws.cell(r, 3).value or "")) > 2 * width]
    assert long_rows and all(ws.row_dimensions[r].height >= 30 for r in long_rows)
    assert ws.protection.sheet
    assert ws["C2"].protection.locked and not ws["G2"].protection.locked  # requirement locked, input unlocked
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert kinds == {"list", "date"}
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    assert "OFFICIAL" in ws.oddHeader.center.text and "OFFICIAL" in ws.oddFooter.center.text
    about = [c.value for c in wb["About"]["A"]]
    assert "West Yorkshire Police" in [c.value for c in wb["About"]["B"]]
    assert any(str(v).startswith(catalogue.get("hmicfrs-2017-plans").short_title) for v in about)
    versions = {a: b for a, b in wb["About"].iter_rows(values_only=True) if a and b}
    for fid in FRAMEWORKS:
        assert versions[f"{catalogue.get(fid).short_title} ({fid})"] == catalogue.get(fid).version


def test_status_list_is_the_scale_of_the_frameworks(template, catalogue, config):
    labels = status_labels(config.scale(catalogue.get("hmicfrs-2017-plans").level_scale))
    assert [c.value for c in load_workbook(template)["Lists"]["A"]] == labels


def test_template_filled_by_script_reads_back_into_expected_scores(template, catalogue, config):
    wb = load_workbook(template)
    ws = wb["Actions"]
    labels = status_labels(config.scale(catalogue.get("hmicfrs-2017-plans").level_scale))
    fills = {2: labels[0], 3: labels[1], 4: labels[3]}
    for row, label in fills.items():
        ws.cell(row, 10, label)
        ws.cell(row, 7, "action")
    wb.save(template)
    result = read_submission(template, "west-yorkshire", "2017", catalogue=catalogue, settings=config,
                             framework_ids=PLANS)
    assert result.ok, [str(i) for i in result.issues]
    assessment = combine_actions(result.actions, maxima(catalogue, config, PLANS))
    overall = score(assessment, catalogue, config, framework_ids=PLANS).overall.iloc[0]
    assert overall["category"] == "insufficient information"
    assert overall["score"] == pytest.approx(100 * (0 + 1 / 3 + 1) / 3)


def test_a_force_can_add_actions_in_the_blank_rows_and_they_are_read(template, catalogue, config):
    wb = load_workbook(template)
    ws = wb["Actions"]
    last = requirement_count(catalogue, FRAMEWORKS) + 1
    assert ws.cell(last, 1).protection.locked and ws.cell(last, 2).protection.locked  # a requirement's own row
    for row in (last + 1, last + EXTRA_ROWS):
        assert not ws.cell(row, 1).protection.locked and not ws.cell(row, 2).protection.locked
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list" and f"A{last + 1}" in str(dv.sqref)]
    assert lists and all(fid in lists[0].formula1 for fid in FRAMEWORKS)
    labels = status_labels(config.scale(catalogue.get("hmicfrs-2017-plans").level_scale))
    first = catalogue.get("hmicfrs-2017-plans").requirements[0].id
    ws.cell(2, 7, "first action")
    ws.cell(2, 10, labels[3])
    ws.cell(last + 1, 1, "hmicfrs-2017-plans")
    ws.cell(last + 1, 2, first)
    ws.cell(last + 1, 7, "a second action for the same requirement")
    ws.cell(last + 1, 10, labels[2])
    wb.save(template)
    result = read_submission(template, "west-yorkshire", "2017", catalogue=catalogue, settings=config,
                             framework_ids=PLANS)
    assert result.ok, [str(i) for i in result.issues]
    rows = result.actions[result.actions["requirement_id"] == first]
    assert sorted(rows["action"]) == ["a second action for the same requirement", "first action"]
    combined = combine_actions(result.actions, maxima(catalogue, config, PLANS)).set_index("requirement_id")
    assert combined.loc[first, "level"] == 2  # one action in place, one started: started (docs/methodology.md)


def test_frameworks_on_different_scales_are_refused(tmp_path, catalogue, config):
    other = catalogue.model_copy(deep=True)
    other.frameworks["npcc-apsp-2017"].level_scale = "another-scale"
    with pytest.raises(ValueError, match="one level scale"):
        write_template(lookup("west-yorkshire"), "2017", tmp_path / "x.xlsx", catalogue=other, settings=config,
                       framework_ids=FRAMEWORKS)
