"""Which level counts: several actions against one requirement, and several sources for one requirement."""

import pandas as pd
import pytest

from gapkit.assess.combine import combine_actions, combine_level, combine_sources
from gapkit.assess.table import LEVEL_SOURCES, make_assessment
from tests.helpers import maxima

PLANS = "hmicfrs-2017-plans"


def test_combine_level_rule():
    assert combine_level([3, 3], 3) == 3
    assert combine_level([3, 1], 3) == 2
    assert combine_level([1, 0], 3) == 1
    assert combine_level([2], 3) == 2


def _actions(rows):
    base = {"force": "f", "round": "2017", "framework": PLANS, "not_applicable": False, "na_justification": "",
            "action": "", "evidence_refs": "", "owner": "", "due_date": pd.NaT, "rationale": "",
            "level_source": "force-reported", "cell": ""}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_combine_actions_takes_each_frameworks_maximum(catalogue, config):
    top = maxima(catalogue, config, [PLANS])
    rows = _actions([
        {"requirement_id": "P1", "level": 3.0, "action": "a", "due_date": pd.Timestamp("2017-01-01")},
        {"requirement_id": "P1", "level": 1.0, "action": "b", "due_date": pd.Timestamp("2018-01-01")},
        {"requirement_id": "P2", "level": None, "not_applicable": True, "na_justification": "regional unit"},
    ])
    out = combine_actions(rows, top).set_index("requirement_id")
    assert out.loc["P1", "level"] == top[PLANS] - 1 and out.loc["P1", "action"] == "a | b"
    assert out.loc["P1", "due_date"] == pd.Timestamp("2018-01-01")  # the open action's date
    assert out.loc["P2", "not_applicable"] and out.loc["P2", "na_justification"] == "regional unit"
    assert set(out["level_source"]) == {"force-reported"}
    assert combine_actions(rows.iloc[0:0], top).empty


def test_inspector_over_force_over_suggestion():
    inspector = make_assessment("f", "2017", PLANS, {"P1": 0}, level_source="inspector")
    force = make_assessment("f", "2017", PLANS, {"P1": 3, "P2": 2}, level_source="force-reported",
                            action={"P1": "the force's action"})
    suggested = make_assessment("f", "2017", PLANS, {"P1": 1, "P2": 1, "P3": 1}, level_source="auto-suggested")
    final = combine_sources(suggested, force, inspector).set_index("requirement_id")
    assert final.loc["P1", "level"] == 0 and final.loc["P1", "level_source"] == "inspector"
    assert final.loc["P1", "action"] == "the force's action"  # the force's plan details stay with the winner
    assert final.loc["P2", "level"] == 2 and final.loc["P2", "level_source"] == "force-reported"
    assert final.loc["P3", "level_source"] == "auto-suggested"
    assert combine_sources().empty and combine_sources(None, inspector.iloc[0:0]).empty


@pytest.mark.parametrize("source", LEVEL_SOURCES[:3])
def test_a_single_source_is_kept_as_it_is(source):
    frame = make_assessment("f", "2017", PLANS, {"P1": 2, "P2": None}, level_source=source)
    pd.testing.assert_frame_equal(combine_sources(frame), frame)


def test_the_forces_evidence_keeps_its_file_sheet_and_row(catalogue, config):
    top = maxima(catalogue, config, [PLANS])
    rows = _actions([
        {"requirement_id": "P1", "level": 3.0, "evidence_refs": "EV-1", "cell": "Plan > row 7"},
        {"requirement_id": "P1", "level": 3.0, "evidence_refs": "EV-2", "cell": "Plan > row 9"},
        {"requirement_id": "P1", "level": 3.0, "evidence_refs": "EV-1", "cell": "Plan > row 12"},  # cited twice
        {"requirement_id": "P2", "level": 1.0, "evidence_refs": "", "cell": "Plan > row 8"},
    ])
    out = combine_actions(rows, top, source="tracker.xlsx").set_index("requirement_id")
    assert out.loc["P1", "evidence_refs"] == "EV-1 | EV-2"
    assert out.loc["P1", "evidence_place"] == "tracker.xlsx, Plan > row 7; Plan > row 12 | tracker.xlsx, Plan > row 9"
    assert out.loc["P1", "evidence_from"] == "force-reported"
    assert (out.loc["P2", "evidence_refs"], out.loc["P2", "evidence_place"], out.loc["P2", "evidence_from"]) == \
        ("", "", "")
    # without the file name (a caller that does not know it): the sheet and row alone
    assert combine_actions(rows, top).set_index("requirement_id").loc["P1", "evidence_place"].startswith(
        "Plan > row 7")


def test_the_combined_evidence_is_the_inspectors_or_the_forces_never_gapkits():
    """Issue 12: where the force's level won but it cited nothing, gapkit's quotes used to fill evidence_refs
    unmarked, beside a 'force-reported' level."""
    quote = 'plan.pdf, page 3: "has been in place since 2018"'
    suggested = make_assessment("f", "2017", PLANS, {"P1": 3, "P2": 3, "P3": 3}, level_source="auto-suggested",
                                evidence_refs={"P1": quote, "P2": quote, "P3": quote})
    force = make_assessment("f", "2017", PLANS, {"P1": 0, "P2": 2}, level_source="force-reported",
                            evidence_refs={"P2": "EV-2"}, evidence_place={"P2": "t.xlsx, Plan > row 3"})
    inspector = make_assessment("f", "2017", PLANS, {"P2": 1}, level_source="inspector")
    final = combine_sources(suggested, force, inspector).set_index("requirement_id")
    assert final.loc["P1", "level_source"] == "force-reported" and final.loc["P1", "evidence_refs"] == ""
    assert final.loc["P1", "evidence_from"] == ""
    # the inspector's level wins; the force's evidence stays, saying whose it is and where
    assert final.loc["P2", "level_source"] == "inspector"
    assert tuple(final.loc["P2", ["evidence_refs", "evidence_place", "evidence_from"]]) == \
        ("EV-2", "t.xlsx, Plan > row 3", "force-reported")
    # gapkit's own level: its quotes stay with its suggestion, not in the combined assessment
    assert final.loc["P3", "level_source"] == "auto-suggested" and final.loc["P3", "evidence_refs"] == ""
    assert "since 2018" not in " ".join(final["evidence_refs"])
