"""Plan evidence: suggested levels from the passages of plan documents, and the labelled sets they are measured on."""

from pathlib import Path

import pandas as pd
import pytest

from gapkit.assess.evaluate import (CALIBRATION_SETS, LABELLED_SETS, TUNING_SETS, across_formats, evaluate, metrics,
                                    suggestions_table)
from gapkit.assess import evidence
from gapkit.assess.evidence import SuggestionCache, as_assessment, calibration, evidence_for_files, suggest
from gapkit.demo.plandocs import write_markdown_as, write_plan
from gapkit.inputs.plans import Passage

TESTS = Path(__file__).parents[1]
LABELS = TESTS / "evidence_labels"
HOLDOUT = TESTS / "evidence_holdout"
ADVERSARIAL = TESTS / "evidence_adversarial"
SECTIONS = [("Counter-corruption unit", ["The review of the counter-corruption unit was completed in May 2017."]),
            ("IT systems", ["We will procure ICT protective monitoring software by March 2018."]),
            ("Partners", ["Work has started with VAWG partners; the first meetings have taken place."])]


def test_suggestions_from_a_plan(tmp_path, catalogue, config):
    path = write_plan(tmp_path / "plan.md", "APSP plan", SECTIONS)
    s, issues = evidence_for_files([path], catalogue, ["hmicfrs-2017-plans"], "f", "2017", config)
    assert not issues
    levels = s.set_index("requirement_id")["level"].to_dict()
    assert levels == {"P1": 3, "P2": 1, "P3": 2}
    p2 = s.set_index("requirement_id").loc["P2"]
    assert "plan.md, line" in p2["evidence_refs"] and "will" in p2["rationale"] and 0 < p2["confidence"] <= 1
    assert not s["needs_inspector"].any()
    scale = config.scale(catalogue.get("hmicfrs-2017-plans").level_scale)
    assert p2["rationale"].startswith(f"{scale.label(1).lower()}:")  # the level in the words of the framework's scale
    rows = as_assessment(s)
    assert set(rows["level_source"]) == {"auto-suggested"} and set(rows["force"]) == {"f"}


def test_acronyms_are_expanded_before_matching(catalogue):
    passages = [Passage("p.md", "line 1", "", "ICT protective monitoring is live."),
                Passage("p.md", "line 2", "", "VAWG partners are briefed.")]
    s = suggest(passages, catalogue, ["hmicfrs-2017-plans"]).set_index("requirement_id")
    assert "line 1" in s.loc["P2", "evidence_refs"] and "line 2" in s.loc["P3", "evidence_refs"]


def test_we_will_review_the_ccu_next_year_is_planned_not_in_place(tmp_path, catalogue):
    path = tmp_path / "plan.md"
    path.write_text("We will review the CCU next year.\n")
    s, _ = evidence_for_files([path], catalogue, ["hmicfrs-2017-plans"])
    assert s.set_index("requirement_id").loc["P1", "level"] == 1


def test_no_relevant_passage_gives_level_0(catalogue):
    s = suggest([], catalogue, ["hmicfrs-2017-plans"])  # nothing read (an empty or scanned plan): no match,
    assert set(s["level"]) == {0} and set(s["decided_by"]) == {"no match"}  # never "not mentioned" at 0.95
    assert (s["confidence"] < 0.9).all()
    passage = Passage("plan.md", "line 1", "", "The weather at headquarters was fine all week.")
    s = suggest([passage], catalogue, ["hmicfrs-2017-plans"])  # read, and nothing in it shares a word
    assert set(s["decided_by"]) == {"not mentioned"}
    assert s["rationale"].str.contains("nothing in the plan documents shares a word").all()
    assert len(s) == len(catalogue.get("hmicfrs-2017-plans").requirements)


def test_every_requirement_of_the_catalogue_by_default(catalogue):
    s = suggest([], catalogue)
    assert len(s) == sum(len(fw.requirements) for fw in catalogue.frameworks.values())


def test_every_labelled_set_is_complete_and_no_held_out_set_tunes_anything():
    for name, folder in LABELLED_SETS.items():
        assert (folder / "labels.csv").is_file() and (folder / "plans").is_dir(), name
    assert set(CALIBRATION_SETS) <= set(TUNING_SETS) <= set(LABELLED_SETS)
    assert not {"held-out", "adversarial held-out"} & set(TUNING_SETS)


def test_labelled_set_meets_the_bar(catalogue):
    metrics, table = evaluate(LABELS, catalogue)
    assert metrics["pairs"] == len(pd.read_csv(LABELS / "labels.csv"))  # every labelled pair was scored
    assert metrics["coverage_recall"] >= 0.9
    assert metrics["weighted_kappa"] >= 0.85
    published = table[table["plan"] == "a-wyp-2017-rewrite.md"].set_index("requirement_id")
    assert published.loc["P1", "level_suggested"] == 0 and published.loc["P2", "level_suggested"] == 1


def test_held_out_plans_stay_above_the_bar(catalogue):
    """Plans written after the threshold and cues were first fixed; never used for tuning."""
    metrics, _ = evaluate(HOLDOUT, catalogue)
    assert metrics["pairs"] == len(pd.read_csv(HOLDOUT / "labels.csv"))
    assert metrics["coverage_recall"] >= 0.9 and metrics["weighted_kappa"] >= 0.85


@pytest.mark.parametrize("name", list(LABELLED_SETS))
def test_confidence_means_what_it_says_on_every_set(catalogue, name):
    """Calibration error at most 0.1 and no wrong answer at 0.9 or more, on the tuning and the held-out sets."""
    table = suggestions_table(LABELLED_SETS[name], catalogue)
    m = metrics(table)
    assert m["calibration_error"] <= 0.1 and m["wrong_at_0.9"] == 0
    assert ((table["confidence"] >= 0) & (table["confidence"] < 1)).all()
    # only a kind whose record allows it (data/config/evidence_calibration.yaml, ceilings) reaches 0.9
    assert set(table.loc[table["confidence"] >= 0.9, "decided_by"]) <= set(calibration().ceilings)


def test_the_adversarial_sets_hold_their_measured_level(catalogue):
    """Floors at the figures of docs/evidence.md (a fall means a change broke a kind of failure it had fixed); the
    adversarial held-out set's floor is its 0.8 target and more: it was measured, never tuned on."""
    floors = {"adversarial": 0.92, "adversarial 2": 0.92, "adversarial 3": 0.87, "adversarial 4": 0.89,
              "adversarial 5": 0.87, "adversarial 6": 0.88, "adversarial 7": 0.90, "adversarial 8": 0.92,
              "adversarial 9": 0.88, "adversarial 10": 0.82, "adversarial 11": 0.92, "adversarial 12": 0.86,
              "adversarial 13": 0.95, "adversarial 14": 0.92, "adversarial 15": 0.86, "adversarial 16": 0.86,
              "adversarial 17": 0.94, "adversarial 18": 0.86, "adversarial 19": 0.89, "adversarial 20": 0.80,
              "adversarial 21": 0.78, "adversarial 22": 0.83, "adversarial 23": 0.83, "adversarial 24": 0.87,
              "adversarial 25": 0.91, "adversarial 26": 0.75, "adversarial 27": 0.84, "adversarial 28": 0.83,
              "adversarial 29": 0.78, "adversarial 30": 0.84, "adversarial 31": 0.82, "adversarial 32": 0.82,
              "adversarial 33": 0.89, "adversarial 34": 0.84, "adversarial 35": 0.83, "adversarial 36": 0.80,
              "adversarial 37": 0.87, "adversarial 38": 0.82, "adversarial 39": 0.91, "adversarial 40": 0.94,
              "adversarial 41": 0.82, "adversarial 42": 0.81, "adversarial 43": 0.86, "adversarial 44": 0.84,
              "adversarial 45": 0.77, "adversarial 46": 0.90, "adversarial 47": 0.83, "adversarial 48": 0.83,
              "adversarial 49": 0.83, "adversarial 50": 0.87, "adversarial held-out": 0.83}
    for name, floor in floors.items():
        assert metrics(suggestions_table(LABELLED_SETS[name], catalogue))["weighted_kappa"] >= floor, name


def test_no_cue_is_not_evidenced_and_needs_an_inspector(tmp_path, catalogue):
    path = tmp_path / "plan.md"
    path.write_text("# Areas of focus\n\n- Partnerships with refuges.\n- Protective monitoring of force systems.\n")
    s, _ = evidence_for_files([path], catalogue, ["hmicfrs-2017-plans"])
    row = s.set_index("requirement_id").loc["P3"]
    assert row["level"] == 0 and row["needs_inspector"] and row["rationale"].startswith("needs an inspector")
    assert as_assessment(s).query("requirement_id == 'P3'").empty  # it gives the requirement no level


def test_another_forces_arrangements_are_not_this_forces_evidence(tmp_path, catalogue):
    path = tmp_path / "plan.md"
    path.write_text("Kent Police's protective monitoring system audits every search on its systems.\n\n"
                    "Other forces have signed protocols with refuges.\n")
    s, _ = evidence_for_files([path], catalogue, ["hmicfrs-2017-plans"], force="north-yorkshire")
    rows = s.set_index("requirement_id")
    assert rows.loc["P2", "level"] == 0 and "another organisation" in rows.loc["P2", "rationale"]
    assert rows.loc["P3", "level"] == 0


def test_the_same_plan_in_md_docx_and_pdf_gives_the_same_levels(tmp_path, catalogue):
    """The layouts that differed between formats: a title run into its text, framed lists, trackers, one sentence
    per line, a document starting at Heading 2."""
    plans = ["adv07-saltmarsh-framed-list.md", "adv10-orrell-title-run.md", "adv16-pennock-sentences.md",
             "adv21-kelbrook-tracker.md", "adv04-eastmere-vocab.md"]
    folder = tmp_path / "set"
    (folder / "plans").mkdir(parents=True)
    labels = pd.read_csv(ADVERSARIAL / "labels.csv")
    labels[labels["plan"].isin(plans)].to_csv(folder / "labels.csv", index=False)
    for plan in plans:
        (folder / "plans" / plan).write_bytes((ADVERSARIAL / "plans" / plan).read_bytes())
    same, differences = across_formats(folder, catalogue, write_markdown_as)
    assert same == 1.0, differences.to_string()


@pytest.mark.parametrize("text,requirement,level,decided_by", [
    # the next sentence says the rest is not done: partly (needs an inspector, best guess started)
    ("IT auditing of the crime system happens every week. Other systems come next year.\n", "E4", 2, "partly"),
    # a list under a short label that says how far it has got, and under such a heading
    ("**Already in place**\n- Mandatory IOPC referral of all APSP allegations\n", "E2", 3, "framed"),
    ("## Complete\n\nMandatory IOPC referral of all APSP allegations\n", "E2", 3, "framed"),
    # an answer is read with the question it answers
    ("**Is every allegation referred to the IOPC?**\nYes. Every one has been, since 2016.\n", "E2", 3, "in place"),
    # a long sentence naming two of the requirement's keywords is evidence, though less like the requirement
    ("We have not bought any dedicated monitoring software, but not because we lack the capability: the audit tools "
     "built into our records system already flag every out-of-hours search on a vulnerable victim's record, and the "
     "ACU reviews those flags each morning.\n", "E4", 3, "in place"),
    # "So does ..." carries the status of the sentence before it
    ("The SARC passes concerns about officers straight to the ACU. So does the rape crisis helpline.\n", "E5", 3,
     "in place"),
    # the plan's own instruction under a label saying it is done
    ("Already done:\n\n1. Set up the Integrity Line, which staff can phone or email in confidence.\n", "E6", 3, "framed"),
    # under a label saying it is what the strategy asks: the strategy's words, not this force's instruction
    ("What the national strategy asks:\n\n- record every allegation as serious corruption\n", "E1", 0,
     "only other organisations"),
    # the rest still to do, beside a passage saying part of it is done
    ("Management vetting for all PSD and ACU posts: complete. Recruitment vetting for the remaining 212 staff is "
     "scheduled for completion by June 2018.\n", "E8", 2, "partly"),
    # a keyword that may not stand alone: an analyst post is not threat and trend analysis; a threat assessment is
    ("The unit's analyst joined in March and works on intelligence packages.\n", "E11", 0, "no match"),
    ("The unit's analyst has produced a corruption threat assessment every six months since 2016.\n", "E11", 3,
     "in place"),
])
def test_a_unit_is_read_with_what_frames_it(tmp_path, catalogue, text, requirement, level, decided_by):
    path = tmp_path / "plan.md"
    path.write_text(text, encoding="utf-8")
    s, _ = evidence_for_files([path], catalogue, ["npcc-apsp-2017"])
    row = s.set_index("requirement_id").loc[requirement]
    assert (row["level"], row["decided_by"]) == (level, decided_by), row["rationale"]


def test_suggestions_are_kept_by_what_made_them(tmp_path, catalogue, config, monkeypatch):
    """A second time, the same documents give the same suggestions and reading problems without being matched
    again; other bytes, another name, other code or other frameworks make them again; a damaged entry is made
    again."""
    plans = tmp_path / "plans"
    plans.mkdir()
    plan = plans / "plan.md"
    plan.write_text("# Plan\n\nThe counter-corruption unit review is complete and in place.\n")
    odd = plans / "notes.txt"
    odd.write_bytes(b"\x00\x01\x02 not text")
    cache = SuggestionCache(tmp_path / "cache", "code-1")
    args = (catalogue, ["hmicfrs-2017-plans"], "f", "2017", config)
    first, first_issues = evidence_for_files([plan, odd], *args, suggestions=cache)
    assert first_issues and len(list((tmp_path / "cache").glob("*.json"))) == 1
    matched = []
    real_suggest = evidence.suggest
    monkeypatch.setattr(evidence, "suggest", lambda *a, **k: matched.append(1) or real_suggest(*a, **k))
    again, again_issues = evidence_for_files([plan, odd], *args, suggestions=cache)
    assert not matched
    pd.testing.assert_frame_equal(again, first)
    assert again_issues == first_issues
    plan.write_text("# Plan\n\nThe counter-corruption unit review was deferred.\n")
    changed, _ = evidence_for_files([plan, odd], *args, suggestions=cache)
    assert len(matched) == 1 and not changed.equals(first)
    evidence_for_files([plan, odd], *args, suggestions=SuggestionCache(tmp_path / "cache", "code-2"))
    evidence_for_files([plan, odd], catalogue, ["npcc-apsp-2017"], "f", "2017", config, suggestions=cache)
    assert len(matched) == 3
    for entry in (tmp_path / "cache").glob("*.json"):
        entry.write_text("{not json")
    evidence_for_files([plan, odd], *args, suggestions=cache)
    assert len(matched) == 4


def test_a_numbered_label_is_read_with_the_sentence_after_it_as_a_pdf_list_item_is():
    # the PDF reader takes "1. " as a list's number and drops it; markdown and Word keep it in the text
    joined = evidence._answers_joined(["1. Counter-corruption unit.", "The review is under way."])
    assert joined == ["1. Counter-corruption unit. The review is under way."]
    assert len(evidence._answers_joined(["Counter-corruption unit.", "The review is under way."])) == 1
