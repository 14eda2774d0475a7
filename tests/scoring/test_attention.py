"""The rule for rows of a force's action plan that could not be read (docs/methodology.md, section 10), in the
scoring stage: every requirement such a row was about is marked "input needs attention" in the round model, its
score is what the rows that were read give, the rows are counted per force, and a force whose only errors are such
rows is still counted in the round's figures. Trackers are built with openpyxl (tests/outputs/test_attention.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from gapkit.assess.assess import assess_force
from gapkit.catalogue.frameworks import Mapping
from gapkit.inputs.context import RoundContext
from gapkit.scoring import views
from gapkit.scoring.compute import force_model, previous_model, previous_models
from gapkit.scoring.files import FILES
from gapkit.scoring.model import build_model, build_round_model, concat, counted
from gapkit.scoring.store import read_model, write_model
from tests.outputs.test_attention import (BAD_P2, BAD_P3, FORCE, GOOD, P3_ATTENTION, P3_GOOD, UNKNOWN,
                                          write_dataset)

KEY = ["framework", "requirement_id"]


def model_of(root, rows: list[list], round_id: str = "2019", previous: list[list] | None = None):
    """Northmoor's model for one round whose action plan holds `rows` (and `previous` in round 2017)."""
    subs = {"2019": {FORCE: rows}, **({"2017": {FORCE: previous}} if previous is not None else {})}
    data = write_dataset(root, subs)
    ctx = RoundContext.load(data, round_id)
    return ctx, force_model(ctx, FORCE)


@pytest.fixture(scope="module")
def partly(tmp_path_factory):
    """Good rows with a bad status about P3 (its only row), a bad status beside P2's good row, an unknown ref."""
    return model_of(tmp_path_factory.mktemp("partly") / "data", GOOD + [BAD_P3, BAD_P2, UNKNOWN])


@pytest.fixture(scope="module")
def read_only(tmp_path_factory):
    """The same action plan without the rows that cannot be read."""
    return model_of(tmp_path_factory.mktemp("good") / "data", GOOD)


def test_a_requirement_a_row_not_read_was_about_needs_attention(partly):
    _, model = partly
    reqs = model.requirements.set_index(KEY)
    p3, p2 = reqs.loc[("hmicfrs-2017-plans", "P3")], reqs.loc[("hmicfrs-2017-plans", "P2")]
    assert p3["attention"] == P3_ATTENTION
    assert p3["level_shown"] == "input needs attention (scored as No information until the row is read)"
    assert p2["attention"] == 'input needs attention: row Actions > F6 not read: status "Ambre" is not a known status'
    assert p2["level_shown"] == "input needs attention (scored as Started until the row is read)"
    untouched = reqs[reqs["rows_not_read"] == 0]
    assert (untouched["attention"] == "").all() and (untouched["level_shown"] == untouched["level_label"]).all()
    # a level left in doubt is never shown bare in the category's reason either
    reason = model.overall.set_index("framework").loc["hmicfrs-2017-plans", "category_reason"]
    assert "P2 Started (input needs attention), P3 No information (input needs attention)" in reason


def test_the_score_is_what_the_rows_read_give(partly, read_only):
    _, model = partly
    _, good = read_only
    cols = ["framework", "score", "category", "rag", "gap_points", "open_items", "overdue_items"]
    pd.testing.assert_frame_equal(model.overall[cols].reset_index(drop=True), good.overall[cols].reset_index(drop=True))
    levels = ["framework", "requirement_id", "level", "level_label", "level_source", "score", "gap_points"]
    pd.testing.assert_frame_equal(model.requirements[levels].reset_index(drop=True),
                                  good.requirements[levels].reset_index(drop=True))
    assert (good.requirements["attention"] == "").all() and int(good.forces["rows_not_read"].iloc[0]) == 0


def test_rows_are_counted_per_force_including_those_about_no_known_requirement(partly):
    _, model = partly
    assert int(model.forces["rows_not_read"].iloc[0]) == 3
    assert set(model.overall["force_rows_not_read"]) == {3}
    assert model.overall.set_index("framework")["rows_not_read"].to_dict() == {"hmicfrs-2017-plans": 2,
                                                                               "npcc-apsp-2017": 0}
    assert int(model.requirements["rows_not_read"].sum()) > 0


def test_each_row_not_read_is_its_error_in_issues(partly):
    _, model = partly
    issues = model.issues
    unread = issues[issues["row_not_read"]]
    assert len(unread) == 3 and (unread["severity"] == "error").all()
    assert unread["message"].str.endswith("; the row was not read").all()
    assert dict(zip(unread["where"], unread["requirement_id"])) == {"Actions > F5": "P3", "Actions > F6": "P2",
                                                                    "Actions > B7": ""}
    forces = model.forces.iloc[0]
    assert forces["status"] == "input errors" and forces["errors"] == 3
    assert 'row Actions > F5 not read: status "Gren" is not a known status' in forces["status_detail"]
    assert counted(model.forces).all()  # the round's figures count it, on the rows that were read
    assert set(model.included().forces["force"]) == {FORCE}


def test_a_workbook_that_cannot_be_used_is_not_counted(tmp_path):
    data = write_dataset(tmp_path / "data", {"2019": {FORCE: GOOD}})
    (data / "rounds" / "2019" / "submissions" / f"{FORCE}.xlsx").write_bytes(b"not a workbook")
    model = force_model(RoundContext.load(data, "2019"), FORCE)
    assert model.forces["status"].iloc[0] == "input errors" and int(model.forces["rows_not_read"].iloc[0]) == 0
    assert not counted(model.forces).any() and model.included().overall.empty


def test_counted_forces():
    forces = pd.DataFrame({"force": list("abcdef"), "status": ["ok", "input errors", "input errors", "failed",
                                                                "input errors", "ok"],
                           "errors": [0, 2, 3, 1, 1, 0], "rows_not_read": [0, 2, 2, 0, 0, 0]})
    assert list(counted(forces)) == [True, True, False, False, False, True]
    assert list(counted(forces.drop(columns="rows_not_read"))) == [True, False, False, False, False, True]


def test_the_assessment_carries_the_rows_not_read(partly):
    ctx, _ = partly
    assessed = assess_force(ctx, FORCE)
    assert list(assessed.unread.columns) == ["file", "cell", "framework", "requirement_id", "why"]
    assert sorted(assessed.unread["cell"]) == ["Actions > B7", "Actions > F5", "Actions > F6"]
    assert assessed.unread["file"].str.endswith(f"{FORCE}.xlsx").all()
    assert sorted(assessed.force_reported["requirement_id"]) == ["E1", "P1", "P2"]  # the rows read are used


def test_the_model_round_trips_and_an_earlier_model_still_reads(partly, tmp_path):
    _, model = partly
    write_model(model, tmp_path / "now")
    back = read_model(tmp_path / "now")
    for name in model.tables():
        pd.testing.assert_frame_equal(back.tables()[name].reset_index(drop=True),
                                      model.tables()[name].reset_index(drop=True), obj=name)
    # a model written before these columns existed reads with their defaults
    write_model(model, tmp_path / "before")
    dropped = {"requirements": ["rows_not_read", "attention", "level_shown"], "actions": ["attention", "level_shown"],
               "overall": ["rows_not_read", "force_rows_not_read", "previous_framework_version"],
               "issues": ["row_not_read", "framework", "requirement_id"], "forces": ["rows_not_read"]}
    for name, cols in dropped.items():
        path = tmp_path / "before" / FILES[name]
        pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=cols).to_csv(path, index=False)
    old = read_model(tmp_path / "before")
    assert (old.requirements["level_shown"] == old.requirements["level_label"]).all()
    assert (old.requirements["attention"] == "").all() and (old.forces["rows_not_read"] == 0).all()
    assert not old.issues["row_not_read"].any() and (old.overall["previous_framework_version"] == "").all()


def test_a_partly_read_previous_round_is_compared(tmp_path):
    ctx, model = model_of(tmp_path / "data", GOOD + [P3_GOOD], previous=GOOD + [BAD_P3])
    before = previous_model(ctx, FORCE)
    assert before is not None and int(before.forces["rows_not_read"].iloc[0]) == 1
    assert model.overall["change"].notna().all()
    p3 = model.requirements.set_index(KEY).loc[("hmicfrs-2017-plans", "P3")]
    assert p3["previous_label"] == "input needs attention (scored as No information until the row is read)"
    assert p3["level_shown"] == "Started"  # read this round


# ---- the views ------------------------------------------------------------------------------------------------

def _unread(*rows):
    return pd.DataFrame([dict(zip(["file", "cell", "framework", "requirement_id", "why"], r)) for r in rows])


def test_attention_joins_every_row_about_a_requirement_and_follows_crosswalk_credit():
    unread = _unread(("t.xlsx", "Plan > E3", "f", "R1", 'status "Gren" is not a known status'),
                     ("t.xlsx", "Plan > G4", "f", "R1", 'due date "next spring" is not a date'),
                     ("t.xlsx", "Plan > B9", "", "", "reference 'ZZ' is not a requirement in the frameworks"))
    cross = [Mapping.model_validate({"source": "f:R1", "target": "g:E1", "relationship": "equal",
                                     "citation": {"title": "t", "publisher": "p", "date": "2020-01-01",
                                                  "reference": "item 1"}})]
    out = views.attention(unread, cross).set_index(KEY)
    assert out.loc[("f", "R1"), "rows_not_read"] == 2
    assert out.loc[("f", "R1"), "attention"] == ('input needs attention: row Plan > E3 not read: status "Gren" is not a '
                                                 'known status; row Plan > G4 not read: due date "next spring" is not '
                                                 'a date')
    assert out.loc[("g", "E1"), "attention"].startswith("input needs attention: takes crosswalk credit from f:R1; "
                                                        "row Plan > E3 not read")
    assert len(out) == 2  # the row about no known requirement marks none
    assert views.attention(None).empty and views.attention(unread.iloc[0:0]).empty


def test_shown_level_says_what_it_is_scored_as():
    assert views.shown_level("Started", 0) == "Started"
    assert views.shown_level("Started", 1) == "input needs attention (scored as Started until the row is read)"
    assert views.shown_level("In place", 2) == "input needs attention (scored as In place until the rows are read)"
    assert views.rows_not_read_text(1) == "1 row of the action plan was not read: see Input problems."
    assert views.rows_not_read_text(3) == "3 rows of the action plan were not read: see Input problems."


def test_a_model_built_without_rows_not_read_has_none(make_catalogue, model_for):
    from gapkit.assess.table import make_assessment
    from tests.scoring.conftest import SYNTHETIC_FW

    cat = make_catalogue([1, 1])
    model = model_for(cat, make_assessment("f", "r1", SYNTHETIC_FW, {"R1": 3, "R2": 1}), [SYNTHETIC_FW])
    assert (model.requirements["rows_not_read"] == 0).all() and (model.requirements["attention"] == "").all()
    assert list(model.requirements["level_shown"]) == ["In place", "Planned, not started"]
    assert int(model.forces["rows_not_read"].iloc[0]) == 0 and counted(model.forces).all()


def test_forces_built_together_are_each_as_built_alone(tmp_path):
    """A round's models built in one go (as a run builds them) hold exactly each force's model built alone: a force
    with rows not read, one whose previous round had some, one with no previous round, one with no inputs."""

    subs = {"2019": {FORCE: GOOD + [BAD_P3, BAD_P2, UNKNOWN], "lowmere": GOOD, "mercot": GOOD + [BAD_P2]},
            "2017": {FORCE: GOOD, "mercot": GOOD + [BAD_P3]}}
    ctx = RoundContext.load(write_dataset(tmp_path / "data", subs), "2019")
    forces = ["mercot", FORCE, "lowmere", "fenwold"]  # not in alphabetical order: the model keeps this order
    alone = [build_model(ctx, assess_force(ctx, f), previous_model(ctx, f)) for f in forces]
    previous = previous_models(ctx, forces)  # the forces with a model there, built together
    assert set(previous.forces["force"]) == {"mercot", FORCE}
    together = build_round_model(ctx, [assess_force(ctx, f) for f in forces], previous)
    assert list(together.forces["force"]) == forces
    assert together.requirements["rows_not_read"].sum() > 0 and together.requirements["previous_level"].notna().any()
    for name, frame in concat(alone).tables().items():
        pd.testing.assert_frame_equal(frame.reset_index(drop=True), together.tables()[name].reset_index(drop=True),
                                      obj=name)
