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
