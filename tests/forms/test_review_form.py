"""The inspector review workbook: written by gapkit.forms.review_form, read back by gapkit.inputs.review.
Regenerating it keeps every inspector entry exactly."""

import datetime as dt
import functools

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from gapkit.assess.combine import combine_sources
from gapkit.assess.table import make_assessment
from gapkit.catalogue.forces import lookup
from gapkit.catalogue.frameworks import default_catalogue
from gapkit.catalogue.settings import default_config
from gapkit.forms import review_form
from gapkit.inputs.review import (COLUMNS, GENERATED_AFTER, GENERATED_COLUMNS, INSPECTOR_COLUMNS, KEPT_SHEET,
                                  REVIEW_SHEET, read_inspector_entries, read_review)
from tests.helpers import requirement_count

FORCE = lookup("west-yorkshire")
FRAMEWORKS = ["hmicfrs-2017-plans", "npcc-apsp-2017"]
FIRST_INSPECTOR_COL = len(GENERATED_COLUMNS) + 1  # L
CATALOGUE, SETTINGS = default_catalogue(), default_config()


def write_review(out, force, round_id, force_rows=None, suggestions=None, *, framework_ids):
    """gapkit.forms.review_form.write_review with the shipped catalogue and settings."""
    return review_form.write_review(out, force, round_id, force_rows, suggestions, catalogue=CATALOGUE,
                                    settings=SETTINGS, framework_ids=framework_ids)


def read(path, force, round_id):
    return read_review(path, force, round_id, catalogue=CATALOGUE, settings=SETTINGS)


def _suggestions(seed: int) -> pd.DataFrame:
    rows = [{"framework": "npcc-apsp-2017", "requirement_id": f"E{i}", "level": float((i + seed) % 4),
             "confidence": 0.5, "evidence_refs": f"plan.md, line {i + seed}", "rationale": "cue"} for i in range(1, 13)]
    return pd.DataFrame(rows)


def _force_rows(seed: int) -> pd.DataFrame:
    return _made_force_rows(seed).copy()


@functools.lru_cache(maxsize=None)
def _made_force_rows(seed: int) -> pd.DataFrame:
    """Made once per seed (make_assessment validates its table, which is a large part of a regeneration's time)."""
    return make_assessment("west-yorkshire", "2017", "hmicfrs-2017-plans",
                           {"P1": seed % 4, "P2": (seed + 1) % 4, "P3": None}, level_source="force-reported",
                           action={"P1": f"action {seed}"})


def test_review_workbook_layout(tmp_path):
    path = write_review(tmp_path / "r.xlsx", FORCE, "2017", _force_rows(1), _suggestions(0), framework_ids=FRAMEWORKS)
    ws = load_workbook(path)[REVIEW_SHEET]
    header = [c.value for c in ws[1]]
    assert header == COLUMNS and FIRST_INSPECTOR_COL == 12
    # the Inspector columns stay L:O (inspectors' habits, the demo's reviews); gapkit's flag column follows them
    assert header[FIRST_INSPECTOR_COL - 1:FIRST_INSPECTOR_COL + 3] == INSPECTOR_COLUMNS
    assert header[FIRST_INSPECTOR_COL + 3:] == [c for c, _ in GENERATED_AFTER]
    assert header[4] == "Force level" and header[7] == "Suggested level"
    assert ws.max_row == 1 + requirement_count(CATALOGUE, FRAMEWORKS)
    assert ws.column_dimensions["A"].hidden
    row = {c.value: v.value for c, v in zip(ws[1], ws[2])}
    assert row["Force level"] == "1 - Planned, not started" and row["Force action"] == "action 1"
    # printed readably: rows tall enough for their wrapped text
    statement = header.index("Requirement") + 1
    width = ws.column_dimensions[ws.cell(1, statement).column_letter].width
    long_rows = [r for r in range(2, ws.max_row + 1) if len(str(ws.cell(r, statement).value)) > 2 * width]
    assert long_rows and all(ws.row_dimensions[r].height >= 30 for r in long_rows)


def test_inspector_level_wins_and_is_recorded(tmp_path):
    path = write_review(tmp_path / "r.xlsx", FORCE, "2017", _force_rows(1), framework_ids=FRAMEWORKS)
    wb = load_workbook(path)
    ws = wb[REVIEW_SHEET]
    ws.cell(2, FIRST_INSPECTOR_COL, "0 - No information")
    ws.cell(2, FIRST_INSPECTOR_COL + 1, "No CCU review in the plan")
    ws.cell(2, FIRST_INSPECTOR_COL + 2, "A. Inspector")
    wb.save(path)
    inspector, issues = read(path, "west-yorkshire", "2017")
    assert not issues
    assert list(inspector["level_source"]) == ["inspector"] and "A. Inspector" in inspector["rationale"].iloc[0]
    final = combine_sources(inspector, _force_rows(1))
    p1 = final.set_index("requirement_id").loc["P1"]
    assert p1["level"] == 0 and p1["level_source"] == "inspector"
    assert p1["action"] == "action 1"  # the force's action stays with the inspector's level
    assert final.set_index("requirement_id").loc["P2", "level_source"] == "force-reported"


def test_bad_inspector_level_names_cell(tmp_path):
    path = write_review(tmp_path / "r.xlsx", FORCE, "2017", framework_ids=FRAMEWORKS)
    wb = load_workbook(path)
    wb[REVIEW_SHEET].cell(3, FIRST_INSPECTOR_COL, "mostly fine")
    wb.save(path)
    _, issues = read(path, "x", "2017")
    assert "Review > L3" in str(issues[0]) and "mostly fine" in str(issues[0])


def test_entries_for_removed_requirements_are_kept(tmp_path):
    path = write_review(tmp_path / "r.xlsx", FORCE, "2017", framework_ids=FRAMEWORKS)
    wb = load_workbook(path)
    wb[REVIEW_SHEET].cell(2, FIRST_INSPECTOR_COL + 1, "note on P1")
    wb.save(path)
    write_review(path, FORCE, "2017", framework_ids=["npcc-apsp-2017"])  # P1 no longer in scope
    kept = read_inspector_entries(path)
    assert list(kept["sheet"]) == [KEPT_SHEET] and kept.iloc[0]["Inspector rationale"] == "note on P1"
    write_review(path, FORCE, "2017", framework_ids=FRAMEWORKS)  # back in scope: back in the Review sheet
    kept = read_inspector_entries(path)
    assert list(kept["sheet"]) == [REVIEW_SHEET] and kept.iloc[0]["key"] == "hmicfrs-2017-plans:P1"
    assert list((tmp_path / ".backup").glob("r-*.xlsx"))  # the previous versions were backed up


# Text an inspector could type: any printable characters, including ones that look like formulas.
inspector_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda s: s.strip() == s and s != "")
inspector_value = st.one_of(
    inspector_text,
    st.sampled_from(["3 - In place", "0 - No information", "Not applicable", "=HYPERLINK(\"http://x\",\"y\")",
                     "+44 113", "-", "@risk"]),
    st.integers(-10**6, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32).filter(lambda f: abs(f) < 1e9),
    st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)).map(lambda d: dt.datetime(d.year, d.month, d.day)),
)
edits = st.dictionaries(st.tuples(st.integers(2, 16), st.integers(0, 3)), inspector_value, min_size=1, max_size=25)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # examples: the profile (conftest)
@given(edits=edits, seed=st.integers(0, 50))
def test_regenerating_keeps_every_inspector_entry_exactly(tmp_path_factory, edits, seed):
    path = tmp_path_factory.mktemp("review") / "wyp.xlsx"
    write_review(path, FORCE, "2017", _force_rows(seed), _suggestions(seed), framework_ids=FRAMEWORKS)
    wb = load_workbook(path)
    ws = wb[REVIEW_SHEET]
    for (row, offset), value in edits.items():
        cell = ws.cell(row, FIRST_INSPECTOR_COL + offset)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # typed by a person: text, even if it starts with '='
    wb.save(path)
    before = read_inspector_entries(path).drop(columns=["sheet", "row", "formats"])
    # new force data and new suggestions, twice over
    write_review(path, FORCE, "2017", _force_rows(seed + 1), _suggestions(seed + 7), framework_ids=FRAMEWORKS)
    write_review(path, FORCE, "2017", _force_rows(seed + 2), None, framework_ids=FRAMEWORKS)
    after = read_inspector_entries(path).drop(columns=["sheet", "row", "formats"])
    key = lambda df: df.sort_values("key").reset_index(drop=True)  # noqa: E731
    b, a = key(before), key(after)
    assert len(a) == len(b) == len({r for r, _ in edits})
    for col in ["key", *INSPECTOR_COLUMNS]:
        assert list(a[col]) == list(b[col]), col
    # and the values are the ones typed, not just the ones read back the first time
    keys = {row: ws.cell(row, 1).value for (row, _) in edits}
    stored_by_key = a.set_index("key")
    for (row, offset), value in edits.items():
        stored = stored_by_key.loc[keys[row], INSPECTOR_COLUMNS[offset]]
        assert stored == value or (isinstance(value, float) and stored == pytest.approx(value))


def test_a_kept_review_date_and_time_fits_its_column(tmp_path):
    path = write_review(tmp_path / "r.xlsx", FORCE, "2017", _force_rows(1), framework_ids=FRAMEWORKS)
    wb = load_workbook(path)
    ws = wb[REVIEW_SHEET]
    date_col = COLUMNS.index("Review date") + 1
    ws.cell(2, date_col, dt.datetime(2019, 9, 27))  # as a script or an older gapkit wrote it: date and time
    wb.save(path)
    write_review(path, FORCE, "2017", _force_rows(1), framework_ids=FRAMEWORKS)
    ws = load_workbook(path)[REVIEW_SHEET]
    cell = ws.cell(2, date_col)
    assert cell.value == dt.datetime(2019, 9, 27) and cell.number_format == "yyyy-mm-dd h:mm:ss"  # kept as it was
    assert ws.column_dimensions[cell.column_letter].width >= len("2019-09-27 00:00:00")  # and wide enough: no ###


def test_inspector_cell_formats_are_kept(tmp_path):
    path = write_review(tmp_path / "r.xlsx", FORCE, "2017", framework_ids=FRAMEWORKS)
    wb = load_workbook(path)
    cell = wb[REVIEW_SHEET].cell(2, FIRST_INSPECTOR_COL + 3, dt.datetime(2017, 10, 1))
    cell.number_format = "dd/mm/yyyy"
    wb.save(path)
    write_review(path, FORCE, "2017", _force_rows(3), framework_ids=FRAMEWORKS)
    again = load_workbook(path)[REVIEW_SHEET].cell(2, FIRST_INSPECTOR_COL + 3)
    assert again.value == dt.datetime(2017, 10, 1) and again.number_format == "dd/mm/yyyy"


# ---- evidence labelled with who cited it, and the contradiction flag (issue 12) ----------------------------------

FLAG = GENERATED_AFTER[0][0]
QUOTE = 'plan.pdf, page 3: "The CCU review has been in place since 2018."'


def _flagging_rows():
    force = make_assessment("west-yorkshire", "2017", "hmicfrs-2017-plans", {"P1": 3, "P2": 3, "P3": 3},
                            level_source="force-reported", evidence_refs={"P1": "EV-1", "P3": "EV-3"},
                            evidence_place={"P1": "wyp.xlsx, Plan > row 7", "P3": "wyp.xlsx, Plan > row 9"})
    suggestions = pd.DataFrame([
        {"framework": "hmicfrs-2017-plans", "requirement_id": "P1", "level": 1.0, "confidence": 0.8,
         "evidence_refs": 'plan.pdf, page 5: "We will review the CCU."', "rationale": "cue"},
        {"framework": "hmicfrs-2017-plans", "requirement_id": "P3", "level": 2.0, "confidence": 0.8,
         "evidence_refs": QUOTE, "rationale": "cue"}])
    return force, suggestions


def test_review_evidence_says_who_cited_it_and_the_flag_is_shown(tmp_path):
    force, suggestions = _flagging_rows()
    path = write_review(tmp_path / "r.xlsx", FORCE, "2017", force, suggestions, framework_ids=FRAMEWORKS)
    ws = load_workbook(path)[REVIEW_SHEET]
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    p1, p2, p3 = (rows[f"hmicfrs-2017-plans:{r}"] for r in ("P1", "P2", "P3"))
    assert p1["Force evidence"] == "Force's action plan (wyp.xlsx, Plan > row 7): EV-1"
    assert p1["Suggested evidence"] == 'Found by gapkit (plan.pdf, page 5): "We will review the CCU."'
    assert p1[FLAG] == ("force says in place (3); its plan documents say planned, not started (1): "
                        "plan.pdf, page 5")
    assert p2["Force evidence"] is None and p2[FLAG].startswith("force says in place (3) with no evidence")
    assert p3[FLAG] is None  # one level apart: not a contradiction
    flagged = ws.cell(2, header.index(FLAG) + 1)
    assert flagged.font.b and flagged.fill.fill_type in (None, "none")  # no fill: a fill would read as the inspector's
    # a column the inspector sees, not one of theirs: nothing in it is read as an inspector entry
    assert read_inspector_entries(path).empty
    inspector, issues = read(path, "west-yorkshire", "2017")
    assert inspector.empty and not issues


def test_a_review_workbook_without_the_flag_column_regenerates_keeping_every_entry(tmp_path):
    """A workbook written before the flag column existed (its Inspector columns last, then a column the inspector
    added): regenerated, the entries and the added column are kept, and the flag column comes between them."""
    force, suggestions = _flagging_rows()
    path = write_review(tmp_path / "r.xlsx", FORCE, "2017", _force_rows(1), framework_ids=FRAMEWORKS)
    wb = load_workbook(path)
    ws = wb[REVIEW_SHEET]
    flag_col = COLUMNS.index(FLAG) + 1
    ws.delete_cols(flag_col)  # the layout before the flag column
    ws.cell(1, flag_col, "My notes")  # the inspector's own column, right after Review date
    ws.cell(2, FIRST_INSPECTOR_COL, "2 - Started")
    ws.cell(2, FIRST_INSPECTOR_COL + 1, "Seen the minutes")
    ws.cell(3, flag_col, "ask about P2")
    wb.save(path)
    before = read_inspector_entries(path)
    assert list(before["extras"]) == [{}, {"My notes": "ask about P2"}]
    write_review(path, FORCE, "2017", force, suggestions, framework_ids=FRAMEWORKS)
    after = read_inspector_entries(path)
    pd.testing.assert_frame_equal(after, before)
    header = [c.value for c in load_workbook(path)[REVIEW_SHEET][1]]
    assert header == COLUMNS + ["My notes"]
    assert load_workbook(path)[REVIEW_SHEET].cell(2, flag_col).value.startswith("force says in place (3)")
