"""The scoring rule's exact thresholds and the views every output shares (gapkit.scoring.rule, gapkit.scoring.views),
on small in-memory assessments: no files, no kernels."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gapkit.assess.table import empty_assessment, make_assessment, normalise
from gapkit.catalogue.frameworks import default_catalogue
from gapkit.catalogue.settings import default_config
from gapkit.scoring import views
from gapkit.scoring.rule import SCORE_DECIMALS, category_for, rag_for, score

PLANS = "hmicfrs-2017-plans"
NPCC = "npcc-apsp-2017"
LEGIT = "hmic-2016-legitimacy"
SALOB = "hmicfrs-2019-salob"
SYN = "t-fw"  # the synthetic framework of tests/scoring/conftest.py
CATEGORIES_WORST_FIRST = ["insufficient information", "plan, not started", "plan, started", "all elements in place"]

CAT = default_catalogue()
CFG = default_config()
# examples: the hypothesis profile (tests/conftest.py)
HYP = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def ids(fid: str) -> list[str]:
    return [r.id for r in CAT.get(fid).requirements]


def weights(fid: str) -> list[float]:
    return [r.weight for r in CAT.get(fid).requirements]


# ---- exact thresholds ------------------------------------------------------------------------------------------
# Blocks of (relative weight, level) whose weighted mean is exactly 75% (or 40%) of the maximum; any union of such
# blocks, each with its own weight unit, has a weighted mean of exactly 75 (or 40) in exact arithmetic.
BLOCKS_75 = [
    [(1, 3), (1, 3), (1, 3), (1, 0)],            # 9 of 12 levels, equal weights
    [(1, 3), (1, 3), (1, 2), (1, 1)],
    [(1, 3), (1, 2), (1, 2), (1, 2)],
    [(3, 3), (1, 0)],                            # 3/4 of the weight in place
    [(3, 2), (1, 3)],
    [(2, 3), (1, 3), (3, 3), (2, 0)],            # 6/8 of the maximum from weights
    [(6, 3), (2, 0)],
    [(1, 3)] * 6 + [(1, 2)] * 3 + [(1, 1)] * 3,  # 27 of 36 levels over twelve requirements
]
BLOCKS_40 = [
    [(1, 3), (1, 3), (1, 0), (1, 0), (1, 0)],    # 6 of 15 levels, equal weights
    [(1, 2), (1, 2), (1, 2), (1, 0), (1, 0)],
    [(1, 3), (1, 1), (1, 1), (1, 1), (1, 0)],
    [(1, 2), (1, 1), (1, 1), (1, 1), (1, 1)],
    [(1, 3), (1, 2), (1, 1), (1, 0), (1, 0)],
    [(2, 3), (3, 0)],
    [(3, 2), (2, 0)],
]
# Weight units that make the float arithmetic noisy (0.3 * 3 ... gives 74.99999999999999 unrounded).
UNITS = [0.05, 0.1, 0.2, 0.3, 0.35, 0.7, 1.0, 1.1, 1.3, 2.5, 3.0, 7.0, 16.0]


@st.composite
def exact_case(draw, blocks):
    """[(weight, level or None, theme)]: whole blocks per theme, plus up to two not-applicable requirements."""
    rows = []
    for b in draw(st.lists(st.sampled_from(range(len(blocks))), min_size=1, max_size=4)):
        unit, theme = draw(st.sampled_from(UNITS)), draw(st.sampled_from(["a", "b", "c"]))
        rows += [(rel * unit, level, theme) for rel, level in blocks[b]]
    for _ in range(draw(st.integers(0, 2))):  # not applicable: leaves the denominators, changes nothing
        rows.append((draw(st.sampled_from(UNITS)), None, draw(st.sampled_from(["a", "b", "c"]))))
    return draw(st.permutations(rows))


def score_case(make_catalogue, rows):
    cat = make_catalogue([w for w, _, _ in rows], themes=[t for _, _, t in rows])
    a = make_assessment("f", "r1", SYN, {f"R{i}": lv for i, (_, lv, _) in enumerate(rows, 1)})
    return score(a, cat, CFG, as_of="2020-01-01", framework_ids=[SYN]), cat, a


@HYP
@given(exact_case(BLOCKS_75))
def test_weighted_mean_of_exactly_75_is_75_and_green(make_catalogue, rows):
    s, _, _ = score_case(make_catalogue, rows)
    row = s.overall.iloc[0]
    assert row["score"] == 75.0  # exactly, not 74.99999999999999
    assert row["rag"] == "green"
    themes = s.themes.dropna(subset=["score"])  # a theme of only not-applicable rows has no score
    assert (themes["score"] == 75.0).all(), themes[["theme", "score"]]
    assert [rag_for(v, CFG) for v in themes["score"]] == ["green"] * len(themes)
    assert row["gap_points"] == pytest.approx(25.0, abs=1e-4)


@HYP
@given(exact_case(BLOCKS_40))
def test_weighted_mean_of_exactly_40_is_40_and_amber(make_catalogue, rows):
    s, _, _ = score_case(make_catalogue, rows)
    row = s.overall.iloc[0]
    assert row["score"] == 40.0
    assert row["rag"] == "amber"
    themes = s.themes.dropna(subset=["score"])
    assert (themes["score"] == 40.0).all() and {rag_for(v, CFG) for v in themes["score"]} == {"amber"}


def test_noisy_arithmetic_examples_are_exact(make_catalogue):
    # raw weighted means of these are 74.99999999999999 in floating point
    for rows in ([(0.3, 3, "a"), (0.3, 3, "a"), (0.3, 3, "a"), (0.3, 0, "a")],
                 [(1.0, 3, "a"), (1.0, 2, "a"), (1.0, 2, "a"), (1.0, 2, "a")]):
        ws = [w for w, _, _ in rows]
        raw = 100 * sum(w * lv / 3 for w, lv, _ in rows) / sum(ws)
        assert raw < 75  # what the rounding is there for
        s, _, _ = score_case(make_catalogue, rows)
        assert s.overall["score"].iloc[0] == 75.0 and s.overall["rag"].iloc[0] == "green"
        assert round(raw, SCORE_DECIMALS) == 75.0


def _combos(fid: str, total: float, na: tuple[str, ...] = ()) -> list[dict]:
    """Every level combination of a real framework whose weighted sum of levels is `total` (given NA items)."""
    reqs = [(r.id, r.weight) for r in CAT.get(fid).requirements if r.id not in na]
    out = []
    for levels in itertools.product(range(4), repeat=len(reqs)):
        if sum(w * lv for (_, w), lv in zip(reqs, levels)) == total:
            out.append({**{rid: lv for (rid, _), lv in zip(reqs, levels)}, **{rid: None for rid in na}})
    return out


NA_TEXT = make_assessment("x", "x", PLANS, {"P1": None})["na_justification"].iloc[0]  # what make_assessment writes


def batch_assessment(parts: list[tuple[str, str, str, dict]]) -> pd.DataFrame:
    """make_assessment for many (force, round, framework, {requirement: level}) at once: the same rows, one
    validation (make_assessment validates each call, which is slow for a thousand forces)."""
    rows = [{"force": force, "round": rnd, "framework": fid, "requirement_id": rid, "level": level,
             "not_applicable": level is None,
             "na_justification": NA_TEXT if level is None else "",
             "level_source": "inspector"}
            for force, rnd, fid, levels in parts for rid, level in levels.items()]
    return normalise(pd.DataFrame(rows)) if rows else empty_assessment()


def test_batch_assessment_is_what_make_assessment_makes():
    levels = {"P1": 3, "P2": None, "P3": 0}
    pd.testing.assert_frame_equal(batch_assessment([("f", "r1", PLANS, levels)]),
                                  make_assessment("f", "r1", PLANS, levels))


def _batch(fid: str, combos: list[dict]) -> pd.DataFrame:
    """All combinations scored at once, one fictional force per combination."""
    a = batch_assessment([(f"f{i:04d}", "r1", fid, lv) for i, lv in enumerate(combos)])
    return score(a, CAT, CFG, as_of="2020-01-01", framework_ids=[fid]).overall


@pytest.mark.parametrize("fid", [LEGIT, SALOB])
def test_every_real_combination_at_75_is_green(fid):
    # both frameworks weigh 8 in all: 18 weighted level points of 24 is exactly 75
    assert sum(weights(fid)) == 8
    combos = _combos(fid, 18)
    assert len(combos) > 20
    overall = _batch(fid, combos)
    assert len(overall) == len(combos)
    assert (overall["score"] == 75.0).all()
    assert (overall["rag"] == "green").all()
    below = _batch(fid, _combos(fid, 17))  # one weighted point less: 70.8, amber
    assert (below["rag"] == "amber").all()


def test_every_real_combination_at_40_with_not_applicable_items_is_amber():
    # legitimacy without CAP-1 (weight 2) and REF-1 (weight 1) weighs 5: 6 level points of 15 is exactly 40
    combos = _combos(LEGIT, 6, na=("CAP-1", "REF-1"))
    overall = _batch(LEGIT, combos)
    assert len(overall) == len(combos) > 5
    assert (overall["score"] == 40.0).all() and (overall["rag"] == "amber").all()
    assert (overall["not_applicable"] == 2).all()


def test_rag_bands_at_their_edges():
    assert [rag_for(v, CFG) for v in (100, 75.0, 74.9999, 40.0, 39.9999, 0)] == \
        ["green", "green", "amber", "amber", "red", "red"]
    assert rag_for(float("nan"), CFG) == "not assessed" and rag_for(None, CFG) == "not assessed"


# ---- gaps, open items, next steps ------------------------------------------------------------------------------

LEVEL = st.sampled_from([None, 0, 1, 2, 3])


@st.composite
def forces_levels(draw, fids=(PLANS, NPCC), n_max=3):
    """{force: {framework: {requirement: level or None}}} for one to three forces."""
    n = draw(st.integers(1, n_max))
    return {f"f{i}": {fid: {rid: draw(LEVEL) for rid in ids(fid)} for fid in fids} for i in range(n)}


def assessment_of(levels: dict, round_id: str = "r1") -> pd.DataFrame:
    """Several forces' assessments at once: the rows make_assessment makes, validated in one go (fast)."""
    return batch_assessment([(force, round_id, fid, lv) for force, by_fw in levels.items()
                             for fid, lv in by_fw.items()])


def requirements_of(levels: dict, fids=(PLANS, NPCC), as_of="2018-01-01") -> pd.DataFrame:
    return score(assessment_of(levels), CAT, CFG, as_of=as_of, framework_ids=list(fids)).requirements


@HYP
@given(forces_levels())
def test_gaps_are_applicable_rows_below_target_largest_first(levels):
    reqs = requirements_of(levels)
    g = views.gaps(reqs)
    expected = reqs[reqs["applicable"] & (reqs["gap"] > 0)]
    assert sorted(g.index) == sorted(expected.index)
    assert g["applicable"].all() and (g["gap"] > 0).all() and (g["gap_points"] > 0).all()
    assert not g["level"].ge(g["target"]).any()
    for _, rows in g.groupby("force", sort=False):
        points = rows["gap_points"].tolist()
        assert points == sorted(points, reverse=True)
        # ties are broken by framework, then catalogue order
        keys = list(zip(-rows["gap_points"], rows["framework"], rows["order"]))
        assert keys == sorted(keys)
    assert list(g["force"]) == sorted(g["force"])


@HYP
@given(forces_levels(), st.sampled_from([PLANS, NPCC]), st.integers(1, 4))
def test_gaps_framework_filter_and_limit(levels, fid, limit):
    reqs = requirements_of(levels)
    every = views.gaps(reqs)
    one = views.gaps(reqs, fid)
    assert (one["framework"] == fid).all()
    assert list(one.index) == list(every[every["framework"] == fid].index)  # same rows, same order
    top = views.gaps(reqs, fid, limit=limit)
    assert list(top.index) == list(one.groupby("force").head(limit).index)
    assert top.groupby("force").size().le(limit).all()


@HYP
@given(forces_levels())
def test_open_items_are_applicable_rows_not_yet_in_place(levels):
    reqs = requirements_of(levels)
    opened = views.open_items(reqs)
    assert sorted(opened.index) == sorted(reqs[reqs["applicable"] & (reqs["level"] < reqs["max_level"])].index)
    assert not (opened["not_applicable"]).any()
    steps = views.next_steps(reqs, "2018-01-01")
    assert sorted(steps.index) == sorted(opened.index)
    assert set(steps["state"]) <= {"overdue", "due within 90 days", "open"}
    for _, rows in steps.groupby(["force", "framework"]):
        assert rows["gap_points"].tolist() == sorted(rows["gap_points"], reverse=True)


def test_gaps_respect_a_lower_target(make_catalogue):
    cat = make_catalogue([1, 1])
    fw = cat.frameworks[SYN]
    fw.requirements[0].target = 2  # R1 needs only "Started"
    a = make_assessment("f", "r1", SYN, {"R1": 2, "R2": 2})
    reqs = score(a, cat, CFG, as_of="2020-01-01", framework_ids=[SYN]).requirements
    assert list(views.gaps(reqs)["requirement_id"]) == ["R2"]
    assert list(views.open_items(reqs)["requirement_id"]) == ["R1", "R2"]  # open: not at the top of the scale


# ---- action state ----------------------------------------------------------------------------------------------

AS_OF = "2017-10-05"


def test_action_state_values():
    # PLANS P1..P3 have a deadline of 2017-06-08; IPCC R1, R2 2017-05-22; NPCC has no deadlines
    a = pd.concat([
        make_assessment("f", "r1", NPCC, {"E1": 3, "E2": 2, "E3": 1, "E4": 0, "E5": 2, "E6": 1, "E7": None,
                                          "E8": 2, "E9": 2, "E10": 2},
                        due_date={"E1": "2017-01-01",      # in place: in place even though past its date
                                  "E2": "2017-09-30",      # past its due date: overdue
                                  "E3": "2017-11-01",      # within 90 days
                                  "E4": "2018-06-01",      # later: open
                                  "E6": "2017-10-05",      # due today: not yet overdue, due within 90 days
                                  "E8": "2018-01-03",      # the 90th day: within 90 days
                                  "E9": "2018-01-04",      # the 91st day: open
                                  "E10": "2017-10-04"}),   # yesterday: overdue
        make_assessment("g", "r1", PLANS, {"P1": 2, "P2": 3, "P3": 0}),  # past the deadline
    ], ignore_index=True)  # (P1..P3 are another force's: their crosswalk credit would change E3..E5)
    reqs = score(a, CAT, CFG, as_of=AS_OF, framework_ids=[NPCC, PLANS]).requirements
    state = views.action_state(reqs, AS_OF)
    mine = (((reqs["force"] == "f") & (reqs["framework"] == NPCC)) |
            ((reqs["force"] == "g") & (reqs["framework"] == PLANS)))
    got = dict(zip((reqs["framework"] + ":" + reqs["requirement_id"])[mine], state[mine]))
    assert got[f"{NPCC}:E1"] == "in place"
    assert got[f"{NPCC}:E2"] == "overdue"
    assert got[f"{NPCC}:E3"] == "due within 90 days"
    assert got[f"{NPCC}:E4"] == "open"
    assert got[f"{NPCC}:E5"] == "open"  # no due date, no deadline
    assert got[f"{NPCC}:E6"] == "due within 90 days"
    assert got[f"{NPCC}:E7"] == ""  # not applicable
    assert got[f"{NPCC}:E8"] == "due within 90 days"
    assert got[f"{NPCC}:E9"] == "open"
    assert got[f"{NPCC}:E10"] == "overdue"
    assert got[f"{NPCC}:E11"] == "open"  # not assessed: level 0, open
    assert got[f"{PLANS}:P1"] == "overdue" and got[f"{PLANS}:P3"] == "overdue"  # past the source's deadline
    assert got[f"{PLANS}:P2"] == "in place"
    why = views.why_overdue(reqs)
    assert why[reqs["requirement_id"] == "P1"].iloc[0] == "past deadline"
    assert why[reqs["requirement_id"] == "E2"].iloc[0] == "past due date"
    assert set(state) == {"in place", "overdue", "due within 90 days", "open", ""}


# ---- category counts -------------------------------------------------------------------------------------------

KEY_LEVEL = st.sampled_from([0, 1, 2, 3])


@HYP
@given(st.lists(st.tuples(LEVEL, KEY_LEVEL, KEY_LEVEL), min_size=1, max_size=12))
def test_category_counts_worst_first_and_sum_to_forces(rows):
    # P1 may be not applicable; P2 and P3 always have a level, so every force gets one of the four categories
    levels = {f"f{i:02d}": {PLANS: {"P1": p1, "P2": p2, "P3": p3}} for i, (p1, p2, p3) in enumerate(rows)}
    overall = score(assessment_of(levels), CAT, CFG, framework_ids=[PLANS]).overall
    counts = views.category_counts(overall, CFG)
    assert list(counts["category"]) == CATEGORIES_WORST_FIRST
    assert counts["forces"].sum() == len(rows)
    assert dict(zip(counts["category"], counts["forces"])) == \
        {c: int((overall["category"] == c).sum()) for c in CATEGORIES_WORST_FIRST}
    assert counts["forces"].dtype.kind == "i"


def test_category_counts_count_a_force_whose_key_elements_are_all_not_applicable():
    levels = {"f1": {PLANS: {"P1": None, "P2": None, "P3": None}}, "f2": {PLANS: {"P1": 1, "P2": 2, "P3": 3}}}
    overall = score(assessment_of(levels), CAT, CFG, framework_ids=[PLANS]).overall
    assert list(overall["category"]) == ["not assessed", "plan, started"]
    counts = views.category_counts(overall, CFG)
    assert counts["forces"].sum() == 2


# ---- change since the named previous round ---------------------------------------------------------------------

def _overall(levels: dict, round_id: str) -> pd.DataFrame:
    return score(assessment_of(levels, round_id), CAT, CFG, framework_ids=[PLANS, NPCC]).overall


def _same(a: float, b: float) -> bool:
    """Equal, or both blank; change may be rounded to SCORE_DECIMALS places, like the scores."""
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 10 ** -SCORE_DECIMALS


@HYP
@given(forces_levels(), forces_levels(), forces_levels())
def test_change_is_against_the_named_round_only(now_levels, prev_levels, other_levels):
    # one scoring of three rounds; 2015 is a round that is not the one named, and must be ignored
    a = pd.concat([assessment_of(now_levels, "2019"), assessment_of(prev_levels, "2017"),
                   assessment_of(other_levels, "2015")], ignore_index=True)
    overall = score(a, CAT, CFG, framework_ids=[PLANS, NPCC]).overall
    now, prev = overall[overall["round"] == "2019"], overall[overall["round"] == "2017"]
    out = views.with_change(now, overall[overall["round"] != "2019"], "2017")
    assert len(out) == len(now)
    assert (out["previous_round"] == "2017").all()
    before = prev.set_index(["force", "framework"])
    for r in out.itertuples():
        if (r.force, r.framework) in before.index:
            b = before.loc[(r.force, r.framework)]
            assert _same(r.previous_score, b["score"]) and r.previous_category == b["category"]
            assert _same(r.change, r.score - b["score"])
        else:
            assert math.isnan(r.previous_score) and math.isnan(r.change) and r.previous_category == ""


def test_change_is_blank_without_a_previous_round():
    now = _overall({"f1": {PLANS: {"P1": 3, "P2": 2, "P3": 1}}}, "2019")
    for previous, name in ((None, "2017"), (pd.DataFrame(), "2017"), (now, None), (now, "")):
        out = views.with_change(now, previous, name)
        assert out["change"].isna().all() and out["previous_score"].isna().all()
        assert (out["previous_category"] == "").all()
    # a previous table with only other rounds' rows gives no change either
    other = _overall({"f1": {PLANS: {"P1": 0, "P2": 0, "P3": 0}}}, "2015")
    out = views.with_change(now, other, "2017")
    assert out["change"].isna().all() and (out["previous_round"] == "2017").all()


def test_change_matches_when_the_previous_round_is_read_back_as_a_number():
    now = _overall({"f1": {PLANS: {"P1": 3, "P2": 3, "P3": 3}}}, "2019")
    prev = _overall({"f1": {PLANS: {"P1": 0, "P2": 0, "P3": 3}}}, "2017").assign(round=2017)
    out = views.with_change(now, prev, "2017").set_index("framework")
    assert out.loc[PLANS, "change"] == pytest.approx(100 - 100 / 3)


# ---- the category and its reason -------------------------------------------------------------------------------

def _scored_reasons(levels: dict, fids=(PLANS,)) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One scoring: the overall rows with their category reasons, and the requirement rows (the effective levels,
    after crosswalk credit) that the categories were decided on."""
    s = score(assessment_of(levels), CAT, CFG, framework_ids=list(fids))
    scales = {fid: CFG.scale(CAT.get(fid).level_scale) for fid in fids}
    return s.overall.merge(views.category_reasons(s.requirements, s.overall, CFG, scales),
                           on=["force", "round", "framework"]), s.requirements


def _reasons(levels: dict, fids=(PLANS,)) -> pd.DataFrame:
    return _scored_reasons(levels, fids)[0]


def test_category_reason_names_what_stands_in_the_way():
    row = _reasons({"f": {PLANS: {"P1": 0, "P2": 2, "P3": 3}}}).iloc[0]
    assert row["category"] == "insufficient information"
    assert row["key_elements"] == "P1, P2, P3"
    assert row["category_reason"] == ("insufficient information: key elements: P1 No information, P2 Started, "
                                      "P3 In place. Not 'plan, not started' because P1 is below Planned, not started.")


def test_category_reason_when_all_elements_are_in_place():
    row = _reasons({"f": {PLANS: {"P1": 3, "P2": 3, "P3": 3}}}).iloc[0]
    assert row["category"] == "all elements in place"
    assert row["category_reason"].startswith("all elements in place: key elements: P1 In place")
    assert "Not " not in row["category_reason"]


def test_category_reason_for_the_middle_categories():
    rows = _reasons({"a": {PLANS: {"P1": 1, "P2": 1, "P3": 1}},
                     "b": {PLANS: {"P1": 1, "P2": 2, "P3": 3}},
                     "c": {PLANS: {"P1": 0, "P2": 0, "P3": 3}},
                     "d": {PLANS: {"P1": None, "P2": 3, "P3": 3}}}).set_index("force")
    assert rows.loc["a", "category"] == "plan, not started"
    assert rows.loc["a", "category_reason"].endswith(
        "Not 'plan, started' because no key element is Started or better.")
    assert rows.loc["b", "category"] == "plan, started"
    assert rows.loc["b", "category_reason"].endswith("Not 'all elements in place' because P1, P2 are below In place.")
    assert "P1, P2 are below Planned, not started" in rows.loc["c", "category_reason"]
    # a not-applicable key element is not listed, and does not stand in the way
    assert rows.loc["d", "category"] == "all elements in place" and rows.loc["d", "key_elements"] == "P2, P3"
    assert "P1" not in rows.loc["d", "category_reason"]


@HYP
@given(forces_levels(fids=(PLANS, LEGIT)))
def test_category_reason_is_consistent_with_the_category(levels):
    rows, requirements = _scored_reasons(levels, fids=(PLANS, LEGIT))
    # the category is decided on effective levels: the crosswalk credits the 2017 elements from the 2016 items
    effective = requirements.set_index(["force", "framework", "requirement_id"])
    names = CFG.category_names()
    for r in rows.itertuples():
        assert r.category_reason.startswith(f"{r.category}: ")
        keys = [rid for rid in r.key_elements.split(", ") if rid]
        assert category_for([effective.loc[(r.force, r.framework, k), "level"] for k in keys], CFG) == r.category
        for k in keys:
            assert f"{k} " in r.category_reason
        if r.category in names[1:]:
            better = CFG.categories[names.index(r.category) - 1]
            assert f"Not '{better.name}' because" in r.category_reason
        else:
            assert " because " not in r.category_reason


def test_category_reason_says_when_no_element_is_key(make_catalogue):
    cat = make_catalogue([1, 1, 2])
    a = make_assessment("f", "r1", SYN, {"R1": 2, "R2": 1, "R3": 2})
    s = score(a, cat, CFG, framework_ids=[SYN])
    reasons = views.category_reasons(s.requirements, s.overall, CFG, {SYN: CFG.scale("hmicfrs-2017")})
    assert reasons["key_elements"].iloc[0] == "R1, R2, R3"
    assert "all requirements (none is marked key)" in reasons["category_reason"].iloc[0]
    assert s.overall["category"].iloc[0] == "plan, started"


def test_key_rows_are_key_elements_or_everything():
    reqs = requirements_of({"f": {PLANS: {"P1": 1, "P2": None, "P3": 3}}})
    keys = views.key_rows(reqs)
    assert set(keys.loc[keys["framework"] == PLANS, "requirement_id"]) == {"P1", "P3"}
    assert set(keys.loc[keys["framework"] == NPCC, "requirement_id"]) == {"E3", "E4", "E5"}


# ---- evidence: who cited it, and where -------------------------------------------------------------------------

SCALE = CFG.scale(CAT.get(PLANS).level_scale)
QUOTE_P3 = 'plan.pdf, page 3: "The CCU review has been in place since 2018."'
QUOTE_P5 = 'plan.pdf, page 5: "We will audit IT systems next year."'


def test_gapkits_quotes_say_gapkit_found_them_with_file_and_place():
    assert views.found_lines(f"{QUOTE_P3}\n{QUOTE_P5}") == (
        'Found by gapkit (plan.pdf, page 3): "The CCU review has been in place since 2018."\n'
        'Found by gapkit (plan.pdf, page 5): "We will audit IT systems next year."')
    assert views.quote_places(f"{QUOTE_P3}\n{QUOTE_P5}") == ["plan.pdf, page 3", "plan.pdf, page 5"]
    assert views.found_lines("") == "" and views.found_lines(None) == ""
    assert views.found_lines("plan.md, line 4") == "Found by gapkit: plan.md, line 4"  # no quote: still marked


def test_cited_evidence_says_who_cited_it_and_where():
    one = views.cited_lines("EV-1", "tracker.xlsx, Plan > row 7", "force-reported")
    assert one == "Force's action plan (tracker.xlsx, Plan > row 7): EV-1"
    two = views.cited_lines("EV-1 | EV-2", "tracker.xlsx, Plan > row 7 | tracker.xlsx, Plan > row 9",
                            "force-reported")
    assert two.split("\n") == ["Force's action plan (tracker.xlsx, Plan > row 7): EV-1",
                               "Force's action plan (tracker.xlsx, Plan > row 9): EV-2"]
    # pieces and places that cannot be paired stay together, with every place
    odd = views.cited_lines("A | B | C", "t.xlsx, Plan > row 2 | t.xlsx, Plan > row 3", "force-reported")
    assert odd == "Force's action plan (t.xlsx, Plan > row 2; t.xlsx, Plan > row 3): A | B | C"
    assert views.cited_lines("seen the minutes", "", "inspector") == "Inspector's review: seen the minutes"
    assert views.cited_lines("line one\nline two", "", "force-reported") == "Force's action plan: line one line two"
    assert views.cited_lines("", "t.xlsx, Plan > row 2", "force-reported") == ""
    assert views.cited_lines(QUOTE_P3, "", "auto-suggested").startswith("Found by gapkit (plan.pdf, page 3)")
    assert views.cited_lines("EV-9", "", "") == "Cited (who is not recorded): EV-9"  # never passed off as anyone's
    raw = pd.DataFrame([{"framework": PLANS, "requirement_id": "P1", "evidence_refs": "EV-1",
                         "level_source": "force-reported"}])  # no evidence_from: the row's own source's
    assert views.evidence_text(raw, None)["evidence_cited"].iloc[0] == "Force's action plan: EV-1"


def test_evidence_text_keeps_the_forces_and_gapkits_apart():
    rows = make_assessment("f", "r1", PLANS, {"P1": 0, "P2": 2, "P3": 3}, level_source="force-reported",
                           evidence_refs={"P2": "EV-2"}, evidence_place={"P2": "t.xlsx, Plan > row 3"})
    sugg = pd.DataFrame([{"framework": PLANS, "requirement_id": "P1", "level": 3.0, "evidence_refs": QUOTE_P3},
                         {"framework": PLANS, "requirement_id": "P2", "level": 2.0, "evidence_refs": QUOTE_P5}])
    out = views.evidence_text(rows, sugg).set_index("requirement_id")
    assert out.loc["P1", "evidence_cited"] == ""  # the force cited nothing: gapkit's quote is not put in its place
    assert out.loc["P1", "evidence_text"] == 'Found by gapkit (plan.pdf, page 3): "The CCU review has been in place ' \
        'since 2018."'
    assert out.loc["P2", "evidence_text"].split("\n") == [
        "Force's action plan (t.xlsx, Plan > row 3): EV-2",
        'Found by gapkit (plan.pdf, page 5): "We will audit IT systems next year."']
    assert out.loc["P3", "evidence_text"] == ""
    for text in out["evidence_text"]:  # every line is labelled
        assert all(line.startswith(("Force's action plan", "Inspector's review", "Found by gapkit"))
                   for line in filter(None, text.split("\n")))


# ---- contradictions --------------------------------------------------------------------------------------------

def _flags(force_level, cited="", suggested=None, quotes="", needs_inspector=None, na=False):
    force = make_assessment("f", "r1", PLANS, {"P1": None if na else force_level}, level_source="force-reported",
                            evidence_refs={"P1": cited}, evidence_place={"P1": "t.xlsx, Plan > row 2" if cited else ""})
    sugg = None
    if suggested is not None:
        row = {"framework": PLANS, "requirement_id": "P1", "level": float(suggested), "evidence_refs": quotes}
        if needs_inspector is not None:
            row["needs_inspector"] = needs_inspector
        sugg = pd.DataFrame([row])
    return views.contradictions(force, sugg, {PLANS: SCALE}).set_index("requirement_id")


def test_force_in_place_and_plan_documents_planned_is_a_contradiction():
    flags = _flags(3, cited="EV-1", suggested=1, quotes=QUOTE_P5)
    assert flags.loc["P1", "contradiction"]
    assert flags.loc["P1", "contradiction_reason"] == ("force says in place (3); its plan documents say planned, not "
                                                       "started (1): plan.pdf, page 5")


def test_force_in_place_with_no_evidence_at_all_is_a_contradiction():
    for flags in (_flags(3), _flags(3, suggested=0, quotes="")):  # no plan documents, or nothing in them
        assert flags.loc["P1", "contradiction"]
        assert flags.loc["P1", "contradiction_reason"] == (
            "force says in place (3) with no evidence: none cited in its action plan and no passage about it found "
            "in its plan documents")


@pytest.mark.parametrize("case", [
    dict(force_level=3, suggested=2, quotes=QUOTE_P3),                         # one level apart
    dict(force_level=3, suggested=1, quotes=QUOTE_P5, needs_inspector=True),   # not a confident suggestion
    dict(force_level=3, cited="EV-1"),                                          # cited evidence, nothing found
    dict(force_level=3, cited="EV-1", suggested=0, quotes=""),                  # no passage: not a reading
    dict(force_level=2),                                                        # below in place, no evidence
    dict(force_level=2, suggested=1, quotes=QUOTE_P5),
    dict(force_level=None, na=True, suggested=3, quotes=QUOTE_P3),              # not applicable
], ids=["one-level", "needs-inspector", "cited-only", "cited-no-passage", "started-no-evidence", "close",
        "not-applicable"])
def test_what_is_not_a_contradiction(case):
    flags = _flags(**case)
    assert flags.empty or (not flags.loc["P1", "contradiction"] and flags.loc["P1", "contradiction_reason"] == "")


def test_a_force_understating_its_plan_is_flagged_too_and_needs_inspector_defaults_to_false():
    flags = _flags(1, suggested=3, quotes=QUOTE_P3)  # no needs_inspector column at all: treated as False
    assert flags.loc["P1", "contradiction_reason"] == ("force says planned, not started (1); its plan documents say "
                                                       "in place (3): plan.pdf, page 3")
    assert _flags(1, suggested=3, quotes=QUOTE_P3, needs_inspector=False).loc["P1", "contradiction"]
    assert views.contradictions(None, None, {PLANS: SCALE}).empty
    assert list(views.contradictions(empty_assessment(), None, {PLANS: SCALE}).columns) == views.CONTRADICTION_COLUMNS


def test_a_suggestion_that_needs_an_inspector_is_never_shown_as_a_level(config, catalogue):
    scale = config.scale(catalogue.get("hmicfrs-2017-plans").level_scale)
    assert views.suggested_level_text(1.0, False, scale) == scale.label(1)
    shown = views.suggested_level_text(0.0, True, scale)
    assert shown.startswith("needs an inspector") and scale.label(0) in shown


def test_a_key_element_with_part_credit_says_where_it_came_from(config, catalogue):
    """Part credit through the crosswalk (1.5 from a 'subset' item at Started) is never shown as a bare '1.5'."""
    scale = config.scale(catalogue.get("hmicfrs-2017-plans").level_scale)
    text = views._key_level({"level": 1.5, "credit_from": "hmic-2016-legitimacy:CAP-3 (subset)"}, scale)
    assert text == "1.5 of 3, credit from hmic-2016-legitimacy:CAP-3 (subset)"
    assert views._key_level({"level": 1.5, "credit_from": ""}, scale) == "1.5 of 3, credit from the crosswalk"
    assert views._key_level({"level": 2.0, "credit_from": ""}, scale) == scale.label(2)
