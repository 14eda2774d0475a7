"""Plan evidence: find the passages of a force's plan documents that bear on each requirement, suggest a level.

Suggestions are for an inspector to confirm; they never override a force's or an inspector's level
(gapkit.assess.combine). Passages come from gapkit.inputs.plans."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from gapkit.assess.table import normalise
from gapkit.catalogue.frameworks import Catalogue
from gapkit.catalogue.settings import ScoringConfig
from gapkit.catalogue.textmatch import expand, requirement_index
from gapkit.core import paths
from gapkit.core.errors import Issue
from gapkit.inputs.plans import Passage, PlanCache, read_plan

CUES_FILE = paths.CONFIG_DIR / "evidence_cues.yaml"
# Similarity thresholds, set from the labelled set (docs/evidence.md): a passage below MATCH_THRESHOLD is not
# evidence; the top TOP_K passages above it are kept per requirement.
MATCH_THRESHOLD = 0.16
TOP_K = 3


@lru_cache(maxsize=2)
def _cues(path: Path = CUES_FILE) -> tuple[list[tuple[int, re.Pattern]], list[tuple[int, re.Pattern]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    neg = [(int(c["level"]), re.compile(c["pattern"], re.IGNORECASE)) for c in data["negations"]]
    cues = [(int(c["level"]), re.compile(c["pattern"], re.IGNORECASE)) for c in data["cues"]]
    return neg, cues


def sentence_level(sentence: str) -> tuple[int | None, str]:
    """The level a sentence's wording suggests, and the phrase that decided it (None: no cue)."""
    neg, cues = _cues()
    for level, pattern in neg:
        m = pattern.search(sentence)
        if m:
            return level, m.group(0)
    for level, pattern in cues:
        m = pattern.search(sentence)
        if m:
            return level, m.group(0)
    return None, ""


def passage_level(text: str, terms: set[str]) -> tuple[int | None, str]:
    """Level from the sentences of a passage that mention the requirement (all sentences if none do)."""
    sentences = [s for s in re.split(r"(?<=[.!?;])\s+", text) if s.strip()]
    relevant = [s for s in sentences if terms & set(re.findall(r"[a-z]+", s.lower()))] or sentences
    for group in (relevant, sentences):  # the sentences about it first; else the passage's other sentences
        cued = [(lv, ph) for lv, ph in map(sentence_level, group) if lv is not None]
        if cued:
            level, phrase = max(cued)
            if level == 3 and any(lv < 3 for lv, _ in cued):  # partly in place, partly not: started
                lower = max((c for c in cued if c[0] < 3))
                return 2, f"{phrase}\" ... \"{lower[1]}"
            return level, phrase
    return None, ""


# ---- matching -----------------------------------------------------------------------------------------------

def _terms(catalogue: Catalogue, fid: str, rid: str) -> set[str]:
    req = catalogue.get(fid).requirement(rid)
    words = set(re.findall(r"[a-z]+", expand(" ".join(req.keywords)).lower()))
    return {w for w in words if len(w) > 3}


def suggest(passages: list[Passage], catalogue: Catalogue, framework_ids: list[str] | None = None,
            force: str = "", round_id: str = "", settings: ScoringConfig | None = None) -> pd.DataFrame:
    """One row per requirement: suggested level, confidence, quotes with locations and a one-line rationale."""
    index = requirement_index(catalogue, framework_ids or sorted(catalogue.frameworks))
    sims = index.similarity([p.text for p in passages]) if passages else np.zeros((0, len(index.keys)))
    rows = []
    for j, (fid, rid) in enumerate(index.keys):
        col = sims[:, j] if len(passages) else np.array([])
        order = np.argsort(-col)[:TOP_K] if col.size else []
        hits = [(int(i), float(col[i])) for i in order if col[i] >= MATCH_THRESHOLD]
        terms = _terms(catalogue, fid, rid)
        quotes, levels, phrases = [], [], []
        for i, sim in hits:
            p = passages[i]
            level, phrase = passage_level(p.text, terms)
            quotes.append(f"{Path(p.file).name}, {p.location}: \"{_clip(p.text)}\"")
            levels.append(level)
            phrases.append(phrase)
        if not hits:
            level, confidence = 0, 0.6
            rationale = "no passage in the plan documents matches this requirement"
        else:
            cued = [(lv, ph, s) for lv, ph, (_, s) in zip(levels, phrases, hits) if lv is not None]
            if cued:
                level, phrase, sim = max(cued, key=lambda t: (t[0], t[2]))
                rationale = f"best passage says \"{phrase}\" ({_level_word(level, fid, catalogue, settings)})"
            else:
                level, phrase, sim = 1, "", hits[0][1]
                rationale = "mentioned in the plan without saying how far it has got; taken as planned"
            confidence = round(min(0.95, 0.35 + sim + (0.15 if cued else 0)), 2)
        rows.append({"force": force, "round": str(round_id), "framework": fid, "requirement_id": rid,
                     "level": float(level), "confidence": confidence,
                     "similarity": round(hits[0][1], 3) if hits else 0.0,
                     "evidence_refs": "\n".join(quotes), "rationale": rationale,
                     "level_source": "auto-suggested"})
    return pd.DataFrame(rows)


def _clip(text: str, limit: int = 220) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _level_word(level: int, framework_id: str, catalogue: Catalogue, settings: ScoringConfig | None) -> str:
    """The level in the words of the framework's own scale ('in place'), or 'level 3' without settings."""
    if settings is None:
        return f"level {level}"
    return settings.scale(catalogue.get(framework_id).level_scale).label(level).lower()


def evidence_for_files(files: list[Path], catalogue: Catalogue, framework_ids: list[str] | None = None,
                       force: str = "", round_id: str = "", settings: ScoringConfig | None = None,
                       cache: PlanCache | None = None) -> tuple[pd.DataFrame, list[Issue]]:
    """Suggestions from several plan documents together, and every reading problem. With a cache, a document
    whose bytes were read before is not read again."""
    passages, issues = [], []
    for f in files:
        plan = cache.read(f) if cache is not None else read_plan(f)
        passages.extend(plan.passages)
        issues.extend(plan.issues)
    return suggest(passages, catalogue, framework_ids, force, round_id, settings), issues


def as_assessment(suggestions: pd.DataFrame) -> pd.DataFrame:
    """Suggestions as assessment rows (level_source auto-suggested)."""
    cols = ["force", "round", "framework", "requirement_id", "level", "evidence_refs", "rationale", "level_source"]
    return normalise(suggestions[cols].copy(), validate=False)  # validated in combine_sources
