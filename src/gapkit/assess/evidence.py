"""Plan evidence: find the passages of a force's plan documents that bear on each requirement, suggest a level.

Suggestions are for an inspector to confirm; they never override a force's or an inspector's level
(gapkit.assess.combine). Passages come from gapkit.inputs.plans."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from gapkit.assess.status import (QUESTION, Status, cues, goes_on, partly, rest_not_done, table_row_status,
                                  unit_status)
from gapkit.assess.table import normalise
from gapkit.catalogue.frameworks import Catalogue
from gapkit.catalogue.settings import ScoringConfig
from gapkit.catalogue.textmatch import expand, named_words, requirement_index
from gapkit.core import paths
from gapkit.core.errors import Issue
from gapkit.core.fileio import sha256_text, write_text
from gapkit.core.yamlio import load_model
from gapkit.inputs.plans import LIST_ITEM, Passage, PlanCache, read_plan, reading_key, sentences

CALIBRATION_FILE = paths.CONFIG_DIR / "evidence_calibration.yaml"
# Similarity thresholds, set on the tuning sets (docs/evidence.md). Blocks (paragraphs, list items, table rows) at
# or above BLOCK_THRESHOLD are candidates; their sentences are the units quoted; a unit at or above UNIT_THRESHOLD
# (its own words and its heading, against the requirement) is evidence; the best TOP_K units are kept.
BLOCK_THRESHOLD = 0.03
CANDIDATE_BLOCKS = 8
UNIT_THRESHOLD = 0.14
TOP_K = 3
# a unit whose own words name two or more of the requirement's keywords is evidence from this similarity: a long
# sentence ("We have not bought monitoring software ...: the audit tools built into our records system already flag
# ...") scores lower against the requirement than a short one that says the same
NAMED_UNIT_THRESHOLD = 0.10
NAMED_KEYWORDS = 2


PRONOUN_START = re.compile(r"^(it|they|this|these|that|those|its|their|the (unit|team|department|service|system|software|tool|"
                           r"board|group|line|review|protocol|agreement))\b", re.IGNORECASE)


@dataclass(frozen=True)
class Unit:
    passage: Passage
    text: str
    previous: str  # the sentence before it in its block: context for 'it' and 'they', never its status

    @property
    def answers(self) -> bool:
        """The sentence before it asks a question ("Has boundaries training started? Not yet: ...")."""
        return bool(QUESTION.search(self.previous))

    def match_text(self) -> str:
        context = self.previous if PRONOUN_START.match(self.text) or self.answers else ""
        return f"{self.text} {self.text} {self.passage.heading} {context}"

    def quote(self) -> str:
        return f"{Path(self.passage.file).name}, {self.passage.location}: \"{_clip(self.text)}\""


class _Calibration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    needs_inspector_below: float
    needs_inspector_kinds: list[str]
    most: float
    ceilings: dict[str, float] = {}  # kinds whose record allows them above `most`
    default: float
    kinds: dict[str, float]


@lru_cache(maxsize=2)
def calibration(path: Path = CALIBRATION_FILE) -> _Calibration:
    return load_model(path, _Calibration)


def _terms(catalogue: Catalogue, fid: str, rid: str) -> set[str]:
    """The requirement's keywords as folded words ('vetted' and 'vetting' are one)."""
    return {t for phrase in _phrases(catalogue, fid, rid) for t in phrase}


def _phrases(catalogue: Catalogue, fid: str, rid: str) -> list[tuple[str, ...]]:
    """Each keyword of the requirement as a sequence of folded words."""
    req = catalogue.get(fid).requirement(rid)
    return [p for p in (tuple(named_words(k)) for k in req.keywords) if p]


def _not_alone(catalogue: Catalogue, fid: str, rid: str) -> dict[tuple[str, ...], str]:
    """The keywords that name the requirement only beside another of its keywords: folded words -> the words with
    their acronyms spelt out ("ACU" and "counter-corruption unit" are one name)."""
    req = catalogue.get(fid).requirement(rid)
    return {p: _word_string(k) for k in req.keywords_not_alone if (p := tuple(named_words(k)))}


def names_more_than(unit: Unit, phrases: list[tuple[str, ...]], not_alone: dict[tuple[str, ...], str]) -> bool:
    """Whether the unit (with its heading) names a keyword that may stand alone, or two of the others that are not
    one name: "the analyst" alone is not threat analysis, "recorded" alone is not recording as serious corruption,
    and a sentence naming the ACU is not about its capability."""
    joined = _word_string(f"{unit.text} {unit.passage.heading}")
    named = {p for p in phrases if _names(joined, p)}
    if named - set(not_alone):
        return True
    names = {p for p in named if not any(q != p and _names(not_alone[q], p) for q in named)}
    return len(names) >= NAMED_KEYWORDS


def names_requirement(unit: Unit, phrases: list[tuple[str, ...]], context: bool = True) -> bool:
    """Whether the unit (with its heading, its list's lead-in, and the sentence before it when it opens with 'it' or
    'the unit', unless `context` is False) names one of the requirement's keywords: similarity alone lets a sentence
    about something else in through on shared words such as 'corruption'."""
    parts = [unit.text]
    if context:
        parts += [unit.passage.heading, unit.passage.lead]
        if PRONOUN_START.match(unit.text) or unit.answers:
            parts.append(unit.previous)
    joined = _word_string(" ".join(parts))
    return any(_names(joined, p) for p in phrases)


@lru_cache(maxsize=8192)  # a unit's text is looked at for each of the catalogue's requirements
def _word_string(text: str) -> str:
    """The text's folded words, space-separated with a space at each end, to look for a keyword's words in."""
    return " " + " ".join(named_words(expand(text))) + " "


def _names(word_string: str, phrase: tuple[str, ...]) -> bool:
    """Whether a keyword's folded words stand in a `_word_string` as a whole."""
    return f" {' '.join(phrase)} " in word_string


def keywords_named(text: str, phrases: list[tuple[str, ...]]) -> int:
    """How many of the requirement's keywords the text itself names."""
    joined = _word_string(text)
    return sum(_names(joined, p) for p in set(phrases))


SO_DOES = re.compile(r"\W*so (do|does|did|has|have|is|are|can)\b", re.IGNORECASE)
SHORT_ANSWER_WORDS = 2  # "Yes.", "Not yet.": read with the sentence after it, as a person would quote it


def _answers_joined(parts: list[str]) -> list[str]:
    out: list[str] = []
    for part in parts:
        # a number opening the item ("1. Counter-corruption unit.") is not a word: a PDF reads it as a list's
        if out and len(LIST_ITEM.sub("", out[-1]).split()) <= SHORT_ANSWER_WORDS and not QUESTION.search(out[-1]):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def _units(passage: Passage, before: Passage | None) -> list[Unit]:
    """The sentences of a passage; the first one's context is the end of the passage before it under the same
    heading, so a plan read as one paragraph or as one paragraph per sentence gives the same units."""
    parts = _answers_joined(sentences(passage.text))
    first = before.text[-300:] if before is not None and before.heading == passage.heading else ""
    return [Unit(passage, text, parts[i - 1] if i else first) for i, text in enumerate(parts)]


def decide(evidence: list[tuple[Unit, float, Status]], others: list[tuple[Unit, float, Status]],
           mentioned: bool = True) -> tuple[int, str, str, float]:
    """Level, decision kind (the calibration bucket), rationale, best similarity: from the evidence units of one
    requirement, best first; `mentioned`: some passage shares a word with the requirement. The rule is in
    docs/evidence.md."""
    if not evidence:
        if others:
            unit, sim, status = others[0]
            return 0, "only other organisations", (f"the only passages about this are about another organisation "
                                                   f"(\"{status.phrase}\"), not this force"), sim
        if not mentioned:
            return 0, "not mentioned", "nothing in the plan documents shares a word with this requirement", 0.0
        return 0, "no match", "no passage in the plan documents matches this requirement", 0.0
    best_sim = evidence[0][1]
    cued = [(u, sim, st) for u, sim, st in evidence if st.level is not None]
    if not cued:
        return 0, "no cue", "named without saying how far it has got (no information)", best_sim
    unit, sim, status = cued[0]  # the closest passage that says how far it has got
    dropped = (status.kind == "cancelled" or status.kind == "negated" and status.level == 0
               and not cues().undecided.search(status.clause)
               or status.kind == "planned" and bool(cues().replanned.search(status.phrase)))  # postponed to 2019
    if dropped and (
            practice := [c for c in cued[1:] if c[2].kind != "partly" and goes_on(c[2])
                         and c[0].passage is unit.passage]):
        # an improvement dropped, or not bought, while current practice goes on ("No monitoring software has been
        # bought. The existing audit tools already flag ..."): the practice's level
        unit, sim, status = practice[0]
    if status.level in (1, 2) and cues().remainder.search(status.clause or unit.text):
        # "RV for the remaining 212 staff is scheduled for June" beside "MV for all PSD posts: complete": partly
        done = [st for _, _, st in cued[1:] if st.level == 3 or st.kind == "partly"]
        if done:
            status = done[0] if done[0].kind == "partly" else partly(done[0], status, unit.text)
    return status.level, status.kind, f"\"{status.phrase}\" ({status.kind})", sim


def suggest(passages: list[Passage], catalogue: Catalogue, framework_ids: list[str] | None = None,
            force: str = "", round_id: str = "", settings: ScoringConfig | None = None) -> pd.DataFrame:
    """One row per requirement: suggested level, confidence, whether it needs an inspector, quotes with their file
    and place, and a one-line rationale."""
    index = requirement_index(catalogue, framework_ids or sorted(catalogue.frameworks))
    block_sims = (index.similarity([f"{p.text} {p.heading}" for p in passages]) if passages
                  else np.zeros((0, len(index.keys))))
    candidates: dict[int, list[int]] = {}
    for j in range(len(index.keys)):
        col = block_sims[:, j]
        order = np.argsort(-col)[:CANDIDATE_BLOCKS] if col.size else []
        candidates[j] = [int(i) for i in order if col[i] >= BLOCK_THRESHOLD]
    blocks = sorted({i for c in candidates.values() for i in c})
    units_of = {i: _units(passages[i], passages[i - 1] if i and passages[i - 1].file == passages[i].file else None)
                for i in blocks}
    flat = [u for i in blocks for u in units_of[i]]
    following = {id(u): units_of[i][k + 1].text for i in blocks for k, u in enumerate(units_of[i][:-1])}
    position = {}
    for i in blocks:
        for u in units_of[i]:
            position[id(u)] = len(position)
    unit_sims = index.similarity([u.match_text() for u in flat]) if flat else np.zeros((0, len(index.keys)))
    cal = calibration()
    plan_words = ""  # the plan's words, read the first time a requirement has nothing close to it
    rows = []
    for j, (fid, rid) in enumerate(index.keys):
        terms, phrases = _terms(catalogue, fid, rid), _phrases(catalogue, fid, rid)
        not_alone = _not_alone(catalogue, fid, rid)
        scored = sorted(((u, float(unit_sims[position[id(u)], j])) for i in candidates[j] for u in units_of[i]),
                        key=lambda t: -t[1])
        evidence, others = [], []
        for unit, sim in scored:
            if sim < NAMED_UNIT_THRESHOLD or len(evidence) >= TOP_K:
                break
            if not names_requirement(unit, phrases):
                continue
            if sim < UNIT_THRESHOLD and keywords_named(unit.text, phrases) < NAMED_KEYWORDS:
                continue
            if not_alone and not names_more_than(unit, phrases, not_alone):
                continue
            if not names_requirement(unit, phrases, False) and unit.text.rstrip().endswith(":"):
                continue  # "Already in place:" introduces its list; it is no evidence itself
            status = unit_status(unit.text, terms, force)
            if status.level is None and SO_DOES.match(unit.text) and unit.previous:
                status = unit_status(unit.previous, None, force)  # "So does the rape crisis helpline."
            if (status.level is None or status.kind == "instruction") and not status.about_other:
                # "Already in place:" over a list of bare items, or a short heading that says it ("## Complete")
                for frame in (unit.passage.lead, _status_heading(unit.passage.heading)):
                    framed = (table_row_status([frame]) or unit_status(frame)) if frame else Status(None)
                    if framed.about_other:  # under "What the national strategy asks:": the strategy's words
                        status = Status(None, framed.phrase, "scope", frame)
                        break
                    if framed.level is not None:
                        status = Status(framed.level, framed.phrase, "framed", frame)
                        break
            if status.level is None and not status.about_other and not names_requirement(unit, phrases, False):
                continue  # only its heading names the requirement, and it says nothing of progress: not evidence
            if status.level == 3 and (rest := rest_not_done(following.get(id(unit), ""), terms, force)):
                status = partly(status, rest, unit.text)  # "... every week. Other systems come next year."
            (others if status.about_other else evidence).append((unit, sim, status))
        mentioned = not passages or bool(block_sims[:, j].any())  # no passages read: unread, not unmentioned
        if not mentioned and not evidence and not others:
            plan_words = plan_words or _word_string(" ".join(f"{p.text} {p.heading}" for p in passages))
            mentioned = any(_names(plan_words, p) for p in phrases)
        level, kind, rationale, sim = decide(evidence, others, mentioned)
        confidence = min(cal.ceilings.get(kind, cal.most), cal.kinds.get(kind, cal.default))
        needs = confidence < cal.needs_inspector_below or kind in cal.needs_inspector_kinds
        word = _level_word(level, fid, catalogue, settings)
        rationale = (f"needs an inspector (best guess {word}): {rationale}" if needs else f"{word}: {rationale}")
        rows.append({"force": force, "round": str(round_id), "framework": fid, "requirement_id": rid,
                     "level": float(level), "confidence": round(confidence, 2), "needs_inspector": needs,
                     "decided_by": kind, "similarity": round(sim, 3),
                     "evidence_refs": "\n".join(u.quote() for u, _, _ in evidence), "rationale": rationale,
                     "level_source": "auto-suggested"})
    return pd.DataFrame(rows)


STATUS_HEADING_WORDS = 8  # a heading this short that says how far things have got frames the items under it


def _status_heading(heading: str) -> str:
    return heading if 0 < len(heading.split()) <= STATUS_HEADING_WORDS else ""


def _clip(text: str, limit: int = 220) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _level_word(level: int, framework_id: str, catalogue: Catalogue, settings: ScoringConfig | None) -> str:
    """The level in the words of the framework's own scale ('in place'), or 'level 3' without settings."""
    if settings is None:
        return f"level {level}"
    return settings.scale(catalogue.get(framework_id).level_scale).label(level).lower()


@lru_cache(maxsize=1)
def _reader_libraries() -> dict[str, str]:
    """The versions of the libraries that read and match plan documents (an upgrade makes suggestions again)."""
    out = {}
    for name in ("scikit-learn", "pysbd", "pypdfium2", "python-docx", "openpyxl"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


class SuggestionCache:
    """A force's suggestions and reading problems, kept by everything that made them: its documents' names and
    bytes, the frameworks and their versions, the settings, the reading limits, the force, the round, gapkit's
    code (the run's fingerprint of its code and data) and the reading libraries' versions, the way jupyter-cache
    keys executed notebooks. A force whose
    workbook changed has its unchanged plan documents neither read nor matched again."""

    def __init__(self, folder: Path, code: str) -> None:
        self.folder, self.code = Path(folder), code

    def key(self, files: list[Path], catalogue: Catalogue, framework_ids: list[str], force: str, round_id: str,
            settings: ScoringConfig | None) -> str | None:
        """None when a file cannot be hashed (then it is read, and its reader says what is wrong)."""
        readings = [reading_key(Path(f)) for f in files]  # each file's bytes, the readers' version, the limits
        if None in readings:
            return None
        try:
            frameworks = {f: catalogue.get(f).version for f in framework_ids}
        except KeyError:
            return None
        made_of = {"code": self.code, "files": [[str(f), k] for f, k in zip(files, readings)], "force": force,
                   "round": str(round_id), "frameworks": frameworks,
                   "settings": settings.model_dump_json() if settings else "", "libraries": _reader_libraries()}
        return sha256_text(json.dumps(made_of, sort_keys=True))

    def get(self, key: str) -> tuple[pd.DataFrame, list[Issue]] | None:
        entry = self.folder / f"{key}.json"
        try:
            kept = json.loads(entry.read_text(encoding="utf-8"))
            return pd.DataFrame(kept["rows"], columns=kept["columns"]), [Issue(*fields) for fields in kept["issues"]]
        except (OSError, ValueError, KeyError, TypeError):  # none yet, or damaged: made again and replaced
            return None

    def put(self, key: str, suggestions: pd.DataFrame, issues: list[Issue]) -> None:
        kept = {"columns": list(suggestions.columns), "rows": suggestions.to_dict(orient="records"),
                "issues": [[i.file, i.where, i.message, i.fix, i.severity] for i in issues]}
        write_text(self.folder / f"{key}.json", json.dumps(kept))


def evidence_for_files(files: list[Path], catalogue: Catalogue, framework_ids: list[str] | None = None,
                       force: str = "", round_id: str = "", settings: ScoringConfig | None = None,
                       cache: PlanCache | None = None,
                       suggestions: SuggestionCache | None = None) -> tuple[pd.DataFrame, list[Issue]]:
    """Suggestions from several plan documents together, and every reading problem. With a cache, a document
    whose bytes were read before is not read again; with a suggestion cache, documents whose suggestions were made
    before (SuggestionCache) are neither read nor matched again."""
    ids = framework_ids or sorted(catalogue.frameworks)
    key = suggestions.key(files, catalogue, ids, force, round_id, settings) if suggestions is not None else None
    if key is not None and (kept := suggestions.get(key)) is not None:
        return kept
    passages, issues = [], []
    for f in files:
        plan = cache.read(f) if cache is not None else read_plan(f)
        passages.extend(plan.passages)
        issues.extend(plan.issues)
    made = suggest(passages, catalogue, ids, force, round_id, settings)
    if key is not None:
        suggestions.put(key, made, issues)
    return made, issues


def as_assessment(suggestions: pd.DataFrame) -> pd.DataFrame:
    """Suggestions as assessment rows (level_source auto-suggested); one that needs an inspector gives no level."""
    cols = ["force", "round", "framework", "requirement_id", "level", "evidence_refs", "rationale", "level_source"]
    if "needs_inspector" in suggestions:
        suggestions = suggestions[~suggestions["needs_inspector"].astype(bool)]
    return normalise(suggestions[cols].copy(), validate=False)  # validated in combine_sources
