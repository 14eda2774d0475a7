"""The scoring rule (docs/methodology.md): worked examples and properties. Hypothesis example counts come from the
profile loaded in tests/conftest.py (HYPOTHESIS_PROFILE=ci|thorough)."""

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gapkit.assess.table import make_assessment
from gapkit.catalogue.frameworks import default_catalogue
from gapkit.catalogue.settings import default_config
from gapkit.scoring.rule import category_for, rag_for, score

NPCC = "npcc-apsp-2017"
PLANS = "hmicfrs-2017-plans"
NPCC_IDS = [r.id for r in default_catalogue().get(NPCC).requirements]
PLAN_IDS = [r.id for r in default_catalogue().get(PLANS).requirements]
TOP = default_config().scale(default_catalogue().get(NPCC).level_scale).maximum


def _score(catalogue, config, levels, framework=NPCC, frameworks=(NPCC,), as_of="2018-01-01", **extra):
    a = make_assessment("f", "r", framework, levels, **extra)
    return score(a, catalogue, config, as_of=as_of, framework_ids=list(frameworks))


def test_worked_example_from_methodology(catalogue, config):
    # docs/methodology.md, example 1
    s = _score(catalogue, config, {"P1": 3, "P2": 2, "P3": 0}, framework=PLANS, frameworks=(PLANS,))
    row = s.overall.iloc[0]
    assert row["score"] == pytest.approx(100 * (1 + 2 / 3 + 0) / 3)
    assert row["category"] == "insufficient information"
    assert row["rag"] == "amber"
    gaps = s.requirements.set_index("requirement_id")
    assert gaps.loc["P3", "gap"] == 3 and gaps.loc["P3", "gap_points"] == pytest.approx(100 / 3)


def test_not_applicable_leaves_denominator(catalogue, config):
    s = _score(catalogue, config, {"P1": 3, "P2": 3, "P3": None}, framework=PLANS, frameworks=(PLANS,))
    row = s.overall.iloc[0]
    assert row["score"] == 100 and row["not_applicable"] == 1
    assert row["category"] == "all elements in place"


def test_missing_requirements_count_as_no_information(catalogue, config):
    s = _score(catalogue, config, {"E1": 3})
    reqs = s.requirements.set_index("requirement_id")
    assert reqs.loc["E2", "level"] == 0 and reqs.loc["E2", "level_source"] == "not-assessed"
    assert len(reqs) == len(catalogue.get(NPCC).requirements)


def test_crosswalk_credit_full_and_partial(catalogue, config):
    a = pd.concat([make_assessment("f", "r", PLANS, {"P1": 2, "P2": 0, "P3": 0}),
                   make_assessment("f", "r", "hmic-2016-legitimacy", {"VET-2": 2})])
    s = score(a, catalogue, config, framework_ids=[NPCC, PLANS, "hmic-2016-legitimacy"])
    npcc = s.requirements[s.requirements["framework"] == NPCC].set_index("requirement_id")
    assert npcc.loc["E3", "level"] == 2  # P1 equal E3: full credit
    assert npcc.loc["E3", "credit_from"] == "hmicfrs-2017-plans:P1 (equal)"
    assert npcc.loc["E8", "level"] == pytest.approx(1.0)  # VET-2 subset of E8: half credit


def test_own_level_beats_lower_credit(catalogue, config):
    a = pd.concat([make_assessment("f", "r", PLANS, {"P1": 1}), make_assessment("f", "r", NPCC, {"E3": 3})])
    s = score(a, catalogue, config, framework_ids=[NPCC, PLANS])
    e3 = s.requirements.query("framework == @NPCC and requirement_id == 'E3'").iloc[0]
    assert e3["level"] == 3 and e3["credit_from"] == ""


def test_overdue_by_due_date_or_deadline(catalogue, config):
    a = make_assessment("f", "r", PLANS, {"P1": 2, "P2": 3, "P3": 1},
                        due_date={"P1": "2017-09-01", "P3": "2018-12-01"})
    early = score(a, catalogue, config, as_of="2017-05-01", framework_ids=[PLANS]).requirements.set_index("requirement_id")
    assert not early["overdue"].any()
    late = score(a, catalogue, config, as_of="2017-10-05", framework_ids=[PLANS]).requirements.set_index("requirement_id")
    assert late.loc["P1", "overdue"] and not late.loc["P2", "overdue"]  # in place is never overdue
    assert late.loc["P3", "overdue"] and late.loc["P3", "past_deadline"] and not late.loc["P3", "past_due_date"]


def test_category_rules(config):
    assert category_for([3, 3, 3], config) == "all elements in place"
    assert category_for([1, 2, 1], config) == "plan, started"
    assert category_for([1, 1, 1], config) == "plan, not started"
    assert category_for([0, 3, 3], config) == "insufficient information"
    assert category_for([], config) == "not assessed"


def test_rag_bands(config):
    assert [rag_for(s, config) for s in (0, 39.9, 40, 74.9, 75, 100)] == ["red", "red", "amber", "amber", "green", "green"]
    assert rag_for(float("nan"), config) == "not assessed"


def test_score_records_versions(catalogue, config):
    s = _score(catalogue, config, {"E1": 1})
    row = s.overall.iloc[0]
    assert row["framework_version"] == catalogue.get(NPCC).version
    assert row["scoring_version"] == config.version


# ---- property tests -------------------------------------------------------------------------------------------

N = len(NPCC_IDS) + len(PLAN_IDS)
levels_strategy = st.lists(st.one_of(st.none(), st.integers(0, TOP)), min_size=N, max_size=N)


def _mixed(levels):
    """NPCC E1-E12 plus the three 2017 plan elements (which credit E3-E5 through the crosswalk)."""
    npcc = dict(zip(NPCC_IDS, levels[:len(NPCC_IDS)]))
    plans = dict(zip(PLAN_IDS, levels[len(NPCC_IDS):]))
    return pd.concat([make_assessment("f", "r", NPCC, npcc), make_assessment("f", "r", PLANS, plans)])


def _all_scores(catalogue, config, assessment):
    s = score(assessment, catalogue, config, as_of="2017-10-05", framework_ids=[NPCC, PLANS])
    return s


@given(levels_strategy)
def test_scores_stay_within_0_100(catalogue, config, levels):
    s = _all_scores(catalogue, config, _mixed(levels))
    for frame in (s.overall, s.themes):
        values = frame["score"].dropna()
        assert ((values >= 0) & (values <= 100)).all()


@given(levels_strategy, st.integers(0, N - 1))
def test_raising_one_level_never_lowers_any_score_or_category(catalogue, config, levels, which):
    if levels[which] is None or levels[which] == TOP:
        levels[which] = 0 if levels[which] is None else TOP - 1
    before = _all_scores(catalogue, config, _mixed(levels))
    raised = list(levels)
    raised[which] += 1
    after = _all_scores(catalogue, config, _mixed(raised))
    for name in ("overall", "themes", "requirements"):
        b, a = getattr(before, name), getattr(after, name)
        assert (a["score"].fillna(-1).values >= b["score"].fillna(-1).values - 1e-9).all()
    assert (after.overall["category_rank"].values >= before.overall["category_rank"].values).all()


@given(levels_strategy, st.integers(0, len(NPCC_IDS) - 1))
def test_not_applicable_changes_only_its_own_denominator(catalogue, config, levels, which):
    levels = [0 if lv is None else lv for lv in levels]
    before = _all_scores(catalogue, config, _mixed(levels)).requirements
    marked = list(levels)
    marked[which] = None
    scored = _all_scores(catalogue, config, _mixed(marked))
    after = scored.requirements
    target = (after["framework"] == NPCC) & (after["requirement_id"] == NPCC_IDS[which])
    # every other requirement keeps its level and score
    pd.testing.assert_series_equal(before.loc[~target, "score"], after.loc[~target, "score"])
    assert math.isnan(after.loc[target, "score"].iloc[0])
    # and the overall score is the weighted mean over the remaining applicable requirements
    npcc = after[(after["framework"] == NPCC) & after["applicable"]]
    expected = 100 * (npcc["weight"] * npcc["score"]).sum() / npcc["weight"].sum()
    assert scored.overall.set_index("framework").loc[NPCC, "score"] == pytest.approx(expected)


@given(levels_strategy, st.floats(0.1, 50))
def test_scaling_all_weights_changes_nothing(catalogue, config, levels, factor):
    scaled = catalogue.model_copy(deep=True)
    for fw in scaled.frameworks.values():
        for req in fw.requirements:
            req.weight = req.weight * factor
    a = _mixed(levels)
    base, other = _all_scores(catalogue, config, a), _all_scores(scaled, config, a)
    for name in ("overall", "themes"):
        pd.testing.assert_series_equal(getattr(base, name)["score"], getattr(other, name)["score"], rtol=1e-9)
    pd.testing.assert_series_equal(base.requirements["gap_points"], other.requirements["gap_points"], rtol=1e-9)
    assert list(base.overall["category"]) == list(other.overall["category"])


def test_alternative_grouping_changes_themes_not_overall(catalogue, config):
    a = make_assessment("f", "r", NPCC, {rid: i % (TOP + 1) for i, rid in enumerate(NPCC_IDS, 1)})
    default = score(a, catalogue, config, framework_ids=[NPCC])
    four_p = score(a, catalogue, config, framework_ids=[NPCC], grouping="four_p")
    assert set(four_p.themes["theme"]) == {"prepare", "prevent", "protect", "pursue"}
    assert four_p.overall["score"].iloc[0] == pytest.approx(default.overall["score"].iloc[0])
    assert four_p.overall["category"].iloc[0] == default.overall["category"].iloc[0]
