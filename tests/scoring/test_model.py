"""The round model (gapkit.scoring.model, gapkit.scoring.store): exact thresholds carried into the model, the demo's
model for one force, the CSV round trip, and regression tests for three bugs that used to exist. No kernels."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from gapkit.assess.assess import ForceAssessment, assess_force
from gapkit.assess.combine import combine_level, combine_sources
from gapkit.assess.evidence import evidence_for_files, suggest
from gapkit.assess.table import empty_assessment, make_assessment
from gapkit.catalogue.forces import lookup
from gapkit.catalogue.frameworks import Catalogue, Crosswalk, load_catalogue
from gapkit.catalogue.vocabulary import level_choice
from gapkit.core import paths
from gapkit.forms.review_form import write_review
from gapkit.inputs.context import RoundContext
from gapkit.inputs.layout import plan_files, plans_folder, review_file, submission_file
from gapkit.inputs.plans import Passage
from gapkit.inputs.review import REVIEW_SHEET
from gapkit.inputs.tracker import read_submission
from gapkit.scoring import views
from gapkit.scoring.model import SCHEMAS, RoundModel, build_model, concat
from gapkit.scoring.store import read_model, write_model

from .conftest import context_for

SYN = "t-fw"
VMM = "hmicfrs-2022-vmm"
PLANS = "hmicfrs-2017-plans"
FORCE = "northmoor"
MODEL_HYP = settings(max_examples=8, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def assert_models_equal(a: RoundModel, b: RoundModel) -> None:
    assert list(a.tables()) == list(b.tables())
    for name, frame in a.tables().items():
        pd.testing.assert_frame_equal(frame.reset_index(drop=True), b.tables()[name].reset_index(drop=True),
                                      check_dtype=True, obj=name)


# ---- exact thresholds in the model -----------------------------------------------------------------------------
# (relative weight, level) blocks whose weighted mean is exactly 75% or 40% of the top level (see test_views.py)
BLOCKS = {75.0: [[(1, 3), (1, 3), (1, 3), (1, 0)], [(3, 3), (1, 0)], [(3, 2), (1, 3)],
                 [(2, 3), (1, 3), (3, 3), (2, 0)], [(1, 3), (1, 2), (1, 2), (1, 2)]],
          40.0: [[(1, 3), (1, 3), (1, 0), (1, 0), (1, 0)], [(2, 3), (3, 0)], [(3, 2), (2, 0)],
                 [(1, 2), (1, 1), (1, 1), (1, 1), (1, 1)]]}
UNITS = [0.1, 0.3, 0.7, 1.0, 1.1, 1.3, 2.5, 7.0]
BAND = {75.0: "green", 40.0: "amber"}


@st.composite
def threshold_case(draw):
    target = draw(st.sampled_from(sorted(BLOCKS)))
    rows = []
    for b in draw(st.lists(st.sampled_from(BLOCKS[target]), min_size=1, max_size=3)):
        unit = draw(st.sampled_from(UNITS))
        rows += [(rel * unit, level) for rel, level in b]
    return target, draw(st.permutations(rows))


@MODEL_HYP
@given(threshold_case())
def test_threshold_scores_are_exact_in_the_model_and_on_disk(make_catalogue, model_for, tmp_path_factory, case):
    target, rows = case
    cat = make_catalogue([w for w, _ in rows])
    a = make_assessment("f", "r1", SYN, {f"R{i}": lv for i, (_, lv) in enumerate(rows, 1)})
    model = model_for(cat, a, [SYN])
    row = model.overall.iloc[0]
    assert row["score"] == target and row["rag"] == BAND[target]
    assert (model.history["score"] == target).all() and (model.history["rag"] == BAND[target]).all()
    assert (model.themes["score"] == target).all()
    folder = tmp_path_factory.mktemp("threshold")
    write_model(model, folder)
    back = read_model(folder)
    assert back.overall["score"].iloc[0] == target and back.overall["rag"].iloc[0] == BAND[target]
    assert_models_equal(model, back)


def test_change_between_two_ways_to_75_is_zero(make_catalogue, model_for):
    cat = make_catalogue([0.3] * 4)  # 0.3-weights: the unrounded mean is 74.99999999999999
    before = model_for(cat, make_assessment("f", "r0", SYN, {"R1": 3, "R2": 3, "R3": 3, "R4": 0}), [SYN],
                       round_id="r0")
    model = model_for(cat, make_assessment("f", "r1", SYN, {"R1": 3, "R2": 2, "R3": 2, "R4": 2}), [SYN],
                      previous=before, round_id="r1", previous_round="r0")
    row = model.overall.iloc[0]
    assert row["score"] == 75.0 and row["previous_score"] == 75.0 and row["change"] == 0.0
    assert row["previous_round"] == "r0" and row["previous_category"] == before.overall["category"].iloc[0]
    assert list(model.history["round"]) == ["r0", "r1"] and (model.history["rag"] == "green").all()


# ---- the demo's model for one force ----------------------------------------------------------------------------

def test_every_table_validates_against_its_schema(demo_model):
    assert set(demo_model.tables()) == set(SCHEMAS)
    for name, frame in demo_model.tables().items():
        SCHEMAS[name].validate(frame)
    assert (demo_model.forces["status"] == "ok").all() and len(demo_model.inputs) > 0


def test_overdue_and_open_items_agree_with_the_requirements(demo_ctx, demo_model):
    m = demo_model
    reqs = m.requirements
    assert m.overall["force_overdue_items"].nunique() == 1  # the force's one overdue figure, on every row
    total = int(m.overall["force_overdue_items"].iloc[0])
    assert total == int(m.overall["overdue_items"].sum()) == int(reqs["overdue"].sum())
    assert total > 0  # the demo force has overdue items, so this is not vacuous
    per_framework = reqs.groupby("framework")["overdue"].sum()
    opened = views.open_items(reqs).groupby("framework").size()
    actions = m.actions.groupby("framework").size()
    for r in m.overall.itertuples():
        assert r.overdue_items == per_framework.get(r.framework, 0)
        assert r.open_items == opened.get(r.framework, 0) == actions.get(r.framework, 0)
    assert int((m.actions["state"] == "overdue").sum()) == total
    assert set(m.overall["framework"]) == set(demo_ctx.frameworks)


def test_history_and_change_include_the_previous_round(demo_ctx, demo_model, demo_previous_model):
    m, prev = demo_model, demo_previous_model
    assert demo_ctx.round.previous == "2017"
    hist = m.history.set_index(["round", "framework"])
    assert set(m.history["round"]) == {"2017", "2019"}
    for r in prev.overall.itertuples():
        h = hist.loc[("2017", r.framework)]
        assert (h["score"], h["category"], h["rag"]) == (r.score, r.category, r.rag)
    for r in m.overall.itertuples():
        h = hist.loc[("2019", r.framework)]
        assert (h["score"], h["category"], h["rag"]) == (r.score, r.category, r.rag)
    before = prev.overall.set_index("framework")
    for r in m.overall.itertuples():
        assert r.previous_round == "2017"
        if r.framework in before.index:  # change = this round's score - the named round's
            assert r.previous_score == before.loc[r.framework, "score"]
            assert r.previous_category == before.loc[r.framework, "category"]
            assert r.change == pytest.approx(r.score - r.previous_score, abs=1e-6)
        else:  # a framework the previous round did not have
            assert math.isnan(r.previous_score) and math.isnan(r.change) and r.previous_category == ""
    assert m.overall["change"].notna().sum() == len(before)


def test_previous_levels_are_the_previous_models(demo_model, demo_previous_model):
    now = demo_model.requirements.set_index(["framework", "requirement_id"])
    before = demo_previous_model.requirements.set_index(["framework", "requirement_id"])
    for key, r in now.iterrows():
        if key in before.index:
            assert r["previous_level"] == before.loc[key, "level"] or (
                math.isnan(r["previous_level"]) and math.isnan(before.loc[key, "level"]))
            assert r["previous_label"] == before.loc[key, "level_label"]
        else:
            assert math.isnan(r["previous_level"]) and r["previous_label"] == ""


def test_without_a_previous_model_history_is_this_round_only(demo_ctx, demo_assessed):
    m = build_model(demo_ctx, demo_assessed, None)
    assert set(m.history["round"]) == {"2019"}
    assert m.overall["change"].isna().all() and m.overall["previous_score"].isna().all()
    assert (m.overall["previous_category"] == "").all()


def test_write_and_read_round_trip_every_table_exactly(demo_model, demo_previous_model, tmp_path):
    for name, model in (("2019", demo_model), ("2017", demo_previous_model)):
        written = write_model(model, tmp_path / name)
        assert all(p.exists() for p in written)
        assert_models_equal(model, read_model(tmp_path / name))


def test_a_model_with_types_only_is_the_checked_model(demo_ctx, demo_assessed, demo_previous_model, demo_model,
                                                     tmp_path):
    """A run builds and reads models without the schemas' checks (it checks the round once): the tables are the
    same, types included, as the checked ones."""
    assert_models_equal(build_model(demo_ctx, demo_assessed, demo_previous_model, check=False), demo_model)
    write_model(demo_model, tmp_path)
    assert_models_equal(read_model(tmp_path, validate=False), demo_model)
    empty = RoundModel.typed({})
    assert all(frame.empty for frame in empty.tables().values())
    assert_models_equal(empty, RoundModel.validated({}))


@pytest.mark.parametrize("change", ["duplicate force", "unknown status", "text in a count"])
def test_the_checked_model_still_refuses_what_its_schemas_refuse(demo_model, change):
    """validated sets the types first and then checks without coercing again: every check still holds."""
    forces = demo_model.forces.copy()
    if change == "duplicate force":
        forces = pd.concat([forces, forces.iloc[:1]], ignore_index=True)
    elif change == "unknown status":
        forces.loc[0, "status"] = "fine"
    else:
        forces["errors"] = forces["errors"].astype(object)
        forces.loc[0, "errors"] = "several"
    with pytest.raises(Exception, match="(?i)schema|unique|isin|coerce|duplicate"):
        RoundModel.validated({**demo_model.tables(), "forces": forces})


TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="'") |
               st.sampled_from(["\n", "\t", "=", "+", "-", "@", ",", '"', " "]), max_size=25)


@MODEL_HYP
@given(st.lists(TEXT, min_size=4, max_size=4))
def test_round_trip_keeps_any_text_a_force_writes(demo_model, tmp_path_factory, texts):
    """Actions, owners and rationales come from forces: formula-like, multi-line, quoted or blank text survives."""
    reqs = demo_model.requirements.copy()
    actions = demo_model.actions.copy()
    reqs.loc[0, "action"], reqs.loc[1, "owner"], reqs.loc[2, "rationale"] = texts[:3]
    actions.loc[0, "action"] = texts[3]
    model = dataclasses.replace(demo_model, requirements=reqs, actions=actions)
    folder = tmp_path_factory.mktemp("text")
    write_model(model, folder)
    assert_models_equal(model, read_model(folder))


def test_round_trip_keeps_a_carriage_return(demo_model, tmp_path):
    reqs = demo_model.requirements.copy()
    reqs.loc[0, "action"] = "first line\rsecond line"
    model = dataclasses.replace(demo_model, requirements=reqs)
    write_model(model, tmp_path)
    assert_models_equal(model, read_model(tmp_path))


def test_round_trip_keeps_a_leading_apostrophe(demo_model, tmp_path):
    reqs = demo_model.requirements.copy()
    reqs.loc[0, "owner"] = "'=the force's own quote"
    model = dataclasses.replace(demo_model, requirements=reqs)
    write_model(model, tmp_path)
    assert read_model(tmp_path).requirements.loc[0, "owner"] == "'=the force's own quote"


def test_concat_is_a_valid_round_model(demo_model, make_catalogue, model_for):
    other = model_for(make_catalogue([1, 1]), make_assessment("f", "r1", SYN, {"R1": 1, "R2": 3}), [SYN])
    both = concat([demo_model, other])
    for name, frame in both.tables().items():
        assert len(frame) == len(demo_model.tables()[name]) + len(other.tables()[name])
        SCHEMAS[name].validate(frame)
    assert set(both.forces["force"]) == {FORCE, "f"}
    assert_models_equal(both.force(FORCE), demo_model)
    empty = concat([])
    assert all(frame.empty for frame in empty.tables().values())
    assert set(empty.overall.columns) >= set(SCHEMAS["overall"].columns)


# ---- regression tests for bugs that used to exist --------------------------------------------------------------

def test_regression_frameworks_override_reaches_the_assessment(demo_ctx):
    """The notebook's `frameworks` parameter (RoundContext.load(..., frameworks=...)) is honoured.

    The old gapkit.dataset.assess_force re-read round.yaml (`rcfg = load_round(...)`) and passed its frameworks to
    the plan-evidence step and the framework filter, so a framework added by the override got no suggestions and
    every one of its requirements was scored 'not-assessed', level 0: the `any(level > 0)` and the comparison with
    evidence_for_files below would both have failed."""
    frameworks = demo_ctx.frameworks + [VMM]
    ctx = RoundContext.load(paths.DEMO_DIR, "2019", frameworks=frameworks)
    assert ctx.frameworks == frameworks
    assessed = assess_force(ctx, FORCE)
    model = build_model(ctx, assessed)
    vmm = model.requirements[model.requirements["framework"] == VMM].set_index("requirement_id")
    assert list(vmm.index) == [r.id for r in ctx.catalogue.get(VMM).requirements]
    assert not ((vmm["level_source"] == "not-assessed") & (vmm["level"] == 0)).all()
    # the same suggestions as reading the force's plan documents directly
    files = plan_files(plans_folder(paths.DEMO_DIR, "2019", FORCE))
    assert files
    direct, _ = evidence_for_files(files, ctx.catalogue, frameworks, FORCE, "2019")
    direct = direct[direct["framework"] == VMM].set_index("requirement_id")
    suggested = vmm[vmm["level_source"] == "auto-suggested"]
    assert len(suggested) > 0 and (suggested["level"] > 0).any()
    for rid, r in suggested.iterrows():
        assert r["level"] == direct.loc[rid, "level"], rid
    assert (direct["level"] > 0).any()
    assert model.overall.set_index("framework").loc[VMM, "score"] > 0


def test_regression_force_reported_keeps_the_forces_level_where_the_inspector_judged(tmp_path):
    """ForceAssessment.force_reported keeps the force's own level where the inspector judged too.

    The old code had no force_reported: the review command took the combined assessment's 'force-reported' rows,
    from which every requirement the inspector judged had gone (the inspector's row wins), so those rows' 'Force
    level' was blank in the regenerated review workbook; both checks below would have failed."""
    ctx = RoundContext.load(paths.DEMO_DIR, "2017")
    assessed = assess_force(ctx, FORCE)
    judged = assessed.inspector[assessed.inspector["level"].notna()]
    assert len(judged) > 0  # the demo's northmoor 2017 has an inspector review
    sub = read_submission(submission_file(paths.DEMO_DIR, "2017", FORCE), FORCE, "2017", catalogue=ctx.catalogue,
                          settings=ctx.settings, framework_ids=ctx.frameworks)
    submitted = sub.actions[~sub.actions["not_applicable"] & sub.actions["level"].notna()]
    mine = assessed.force_reported.set_index(["framework", "requirement_id"])
    combined = assessed.assessment.set_index(["framework", "requirement_id"])
    both = []
    for r in judged.itertuples():
        key = (r.framework, r.requirement_id)
        assert combined.loc[key, "level_source"] == "inspector" and combined.loc[key, "level"] == r.level
        actions = submitted[(submitted["framework"] == r.framework) & (submitted["requirement_id"] == r.requirement_id)]
        if actions.empty:
            continue
        both.append(key)
        expected = combine_level(list(actions["level"]), ctx.scale(r.framework).maximum)
        assert key in mine.index, key
        assert mine.loc[key, "level"] == expected and mine.loc[key, "level_source"] == "force-reported"
    assert both  # the inspector judged at least one requirement the force gave a level for

    # the review workbook regenerated from it (as `gapkit review` does) shows the force's level beside the inspector's
    target = tmp_path / "northmoor.xlsx"
    target.write_bytes(review_file(paths.DEMO_DIR, "2017", FORCE).read_bytes())
    write_review(target, lookup(FORCE, ctx.forces), "2017", assessed.force_reported, assessed.suggestions,
                 catalogue=ctx.catalogue, settings=ctx.settings, framework_ids=ctx.frameworks,
                 marking=ctx.round.marking, synthetic=ctx.round.synthetic)
    ws = load_workbook(target)[REVIEW_SHEET]
    header = [c.value for c in ws[1]]
    rows = {row[header.index("Key")]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    for fid, rid in both:
        row = rows[f"{fid}:{rid}"]
        level = mine.loc[(fid, rid), "level"]
        assert row[header.index("Force level")] == level_choice(level, False, ctx.scale(fid))
        assert row[header.index("Force level")]  # not blank
        assert row[header.index("Inspector level")]  # the inspector's entry is kept


PASSAGES = [Passage("plan.md", "line 1", "", "The review of the counter-corruption unit's capacity is in place."),
            Passage("plan.md", "line 2", "", "Vetting of the whole workforce has started."),
            Passage("plan.md", "line 3", "", "We will audit IT systems for misuse next year.")]


def test_regression_text_index_belongs_to_its_catalogue():
    """gapkit.catalogue.textmatch.requirement_index caches in catalogue.index_cache.

    The old cache was a module dict keyed by (id(catalogue), framework ids). CPython reuses a freed object's id, so
    a fresh catalogue made after another was dropped could get the dead one's index: with the same framework ids
    asked for and different frameworks (or fewer requirements) in the catalogue, suggest() returned the other
    catalogue's rows (or failed on a requirement the new catalogue lacks). The loop below makes and drops dozens of
    catalogues of different sizes and content, asking for the same framework ids every time."""
    base = load_catalogue(paths.FRAMEWORKS_DIR)
    fids = sorted(base.frameworks)
    asked = list(fids)  # the same framework ids every time, whatever the catalogue holds
    for i in range(48):
        n = 1 + i % len(fids)
        chosen = fids[i % 3:][:n] or fids[:n]
        frameworks = {}
        for j, fid in enumerate(chosen):
            fw = base.frameworks[fid]
            keep = max(1, len(fw.requirements) - (i + j) % 3)  # some frameworks with fewer requirements
            frameworks[fid] = fw.model_copy(update={"requirements": fw.requirements[:keep]})
        cat = Catalogue(frameworks=frameworks, crosswalk=Crosswalk(version="none", mappings=[]))
        expected = [(fid, r.id) for fid, fw in cat.frameworks.items() for r in fw.requirements]
        for framework_ids in (asked, None):
            rows = suggest(PASSAGES, cat, framework_ids)
            got = list(zip(rows["framework"], rows["requirement_id"]))
            assert sorted(got) == sorted(expected), (i, framework_ids)
            assert len(got) == len(set(got))
        del cat, rows  # let the next catalogue reuse this one's memory (and, in CPython, its id)


def test_a_copied_catalogue_does_not_share_the_text_index():
    base = load_catalogue(paths.FRAMEWORKS_DIR)
    assert len(suggest(PASSAGES, base, [PLANS])) == 3  # builds and caches the index of P1..P3
    plans = base.frameworks[PLANS]
    copy = base.model_copy(update={"frameworks": {PLANS: plans.model_copy(
        update={"requirements": plans.requirements[:2]})}})
    rows = suggest(PASSAGES, copy, [PLANS])
    assert list(rows["requirement_id"]) == ["P1", "P2"]


# ---- provenance of evidence and contradictions in the model (issue 12) ---------------------------------------------

QUOTE = 'plan.pdf, page 3: "The review of the CCU has been in place since 2018."'
LABELLED = ("Force's action plan", "Inspector's review", "Found by gapkit")


def _flagged_model(needs_inspector=None):
    """A force that says P1 has no information while its plan document says in place (the case of issue 12), P2 in
    place with no evidence at all, P3 in place with evidence it cites and a passage that agrees."""
    force = make_assessment("f", "r1", PLANS, {"P1": 0, "P2": 3, "P3": 3}, level_source="force-reported",
                            evidence_refs={"P3": "Board minutes"},
                            evidence_place={"P3": "northmoor.xlsx, Actions > row 4"})
    rows = [{"force": "f", "round": "r1", "framework": PLANS, "requirement_id": "P1", "level": 3.0,
             "confidence": 0.8, "similarity": 0.4, "evidence_refs": QUOTE, "rationale": "cue",
             "level_source": "auto-suggested"},
            {"force": "f", "round": "r1", "framework": PLANS, "requirement_id": "P2", "level": 0.0,
             "confidence": 0.6, "similarity": 0.0, "evidence_refs": "", "rationale": "no passage",
             "level_source": "auto-suggested"},
            {"force": "f", "round": "r1", "framework": PLANS, "requirement_id": "P3", "level": 3.0,
             "confidence": 0.9, "similarity": 0.5, "evidence_refs": QUOTE, "rationale": "cue",
             "level_source": "auto-suggested"}]
    if needs_inspector is not None:
        for row in rows:
            row["needs_inspector"] = needs_inspector
    suggestions = pd.DataFrame(rows)
    assessment = combine_sources(force, suggestions[["force", "round", "framework", "requirement_id", "level",
                                                     "evidence_refs", "rationale", "level_source"]])
    ctx = context_for(load_catalogue(paths.FRAMEWORKS_DIR), [PLANS])  # one fictional force, 'f'
    assessed = ForceAssessment("f", "r1", assessment, empty_assessment(), force, suggestions)
    return build_model(ctx, assessed)


def test_the_model_labels_every_piece_of_evidence_and_flags_contradictions(tmp_path):
    model = _flagged_model()
    reqs = model.requirements.set_index("requirement_id")
    # P1: the force's level 0 wins; gapkit's quote is beside it, marked as gapkit's, and the contradiction is flagged
    assert reqs.loc["P1", "level_source"] == "force-reported" and reqs.loc["P1", "evidence_refs"] == ""
    assert reqs.loc["P1", "evidence_cited"] == ""
    assert reqs.loc["P1", "evidence_text"] == ('Found by gapkit (plan.pdf, page 3): "The review of the CCU has been '
                                               'in place since 2018."')
    assert reqs.loc["P1", "contradiction"] and reqs.loc["P1", "contradiction_reason"] == (
        "force says no information (0); its plan documents say in place (3): plan.pdf, page 3")
    assert reqs.loc["P2", "contradiction"] and "with no evidence" in reqs.loc["P2", "contradiction_reason"]
    assert not reqs.loc["P3", "contradiction"] and reqs.loc["P3", "contradiction_reason"] == ""
    assert reqs.loc["P3", "evidence_text"].split("\n")[0] == ("Force's action plan (northmoor.xlsx, Actions > row 4): "
                                                              "Board minutes")
    for text in reqs["evidence_text"]:
        assert all(line.startswith(LABELLED) for line in filter(None, text.split("\n")))
    assert model.evidence.set_index("requirement_id").loc["P1", "evidence_found"] == reqs.loc["P1", "evidence_found"]
    # the counts: per framework and the force's one figure
    assert list(model.overall["contradictions"]) == [2] and list(model.overall["force_contradictions"]) == [2]
    assert (~model.evidence["needs_inspector"]).all()  # not given by the suggestions: False
    write_model(model, tmp_path)
    assert_models_equal(model, read_model(tmp_path))


def test_a_suggestion_that_needs_an_inspector_is_not_counted():
    model = _flagged_model(needs_inspector=True)
    reqs = model.requirements.set_index("requirement_id")
    assert not reqs.loc["P1", "contradiction"]  # the plan document's reading is not confident
    assert reqs.loc["P2", "contradiction"]  # no evidence at all is a contradiction whatever the suggestions say
    assert int(model.overall["force_contradictions"].iloc[0]) == 1 and model.evidence["needs_inspector"].all()


def test_a_round_model_without_needs_inspector_reads_as_false(demo_model, tmp_path):
    write_model(dataclasses.replace(demo_model, evidence=demo_model.evidence.drop(columns="needs_inspector")),
                tmp_path)
    back = read_model(tmp_path)
    assert "needs_inspector" in back.evidence and not back.evidence["needs_inspector"].any()
    assert len(concat([back, _flagged_model(needs_inspector=True)]).evidence) == len(back.evidence) + 3


def test_the_demo_models_evidence_says_who_cited_it(demo_model):
    reqs = demo_model.requirements
    cited = reqs[reqs["evidence_cited"] != ""]
    assert len(cited) and cited["evidence_cited"].str.match(r"Force's action plan \(northmoor\.xlsx, \w+ > row \d+\)")\
        .all()
    found = reqs[reqs["evidence_found"] != ""]
    assert len(found) and found["evidence_found"].str.startswith("Found by gapkit (").all()
    assert demo_model.overall["force_contradictions"].nunique() == 1
    assert int(demo_model.overall["force_contradictions"].iloc[0]) == int(reqs["contradiction"].sum())
