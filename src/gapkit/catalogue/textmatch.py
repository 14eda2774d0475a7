"""Text matching shared by tracker reading and plan evidence: acronym expansion and a TF-IDF requirement index."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from gapkit.catalogue.frameworks import Catalogue
from gapkit.core import paths

ACRONYMS_FILE = paths.CONFIG_DIR / "acronyms.yaml"
# Words every APSP document uses: they say nothing about which requirement a passage is about.
DOMAIN_WORDS = {"abuse", "position", "sexual", "purpose", "apsp", "force", "forces", "police", "officers",
                "officer", "staff", "plan", "plans", "national", "strategy", "work"}
STOP_SET = frozenset(ENGLISH_STOP_WORDS | DOMAIN_WORDS)


@lru_cache(maxsize=2)
def _expansions(path: Path = ACRONYMS_FILE) -> tuple[tuple[re.Pattern, str], ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    pairs = []
    for short, long in (data.get("acronyms") or {}).items():
        pairs.append((re.compile(rf"\b{re.escape(short)}s?\b"), f"{short} {long}"))  # case-sensitive acronyms
    for phrase, meaning in (data.get("synonyms") or {}).items():
        pairs.append((re.compile(rf"\b{re.escape(phrase)}\b", re.IGNORECASE), f"{phrase} {meaning}"))
    return tuple(pairs)


def _stem(word: str) -> str:
    """A light folding of plurals and -ed/-ing: 'guides'/'guide', 'charities'/'charity', 'recorded'/'record'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    for suffix in ("ing", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            stem = word[: -len(suffix)]
            return stem[:-1] if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "ls" else stem
    return word


def tokens(text: str) -> list[str]:
    return [_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP_SET]


def expand(text: str) -> str:
    """Append the long form after each known acronym or synonym."""
    for pattern, replacement in _expansions():
        text = pattern.sub(replacement, text)
    return text


def requirement_document(catalogue: Catalogue, framework_id: str, requirement_id: str) -> str:
    req = catalogue.get(framework_id).requirement(requirement_id)
    return expand(" ".join([req.statement, " ".join(req.keywords), " ".join(req.keywords)]))


@dataclass
class RequirementIndex:
    keys: list[tuple[str, str]]  # (framework, requirement_id)
    vectorizer: TfidfVectorizer
    matrix: object

    @classmethod
    def build(cls, catalogue: Catalogue, framework_ids: list[str] | None = None) -> "RequirementIndex":
        keys = [(fid, r.id) for fid, fw in catalogue.frameworks.items()
                if not framework_ids or fid in framework_ids for r in fw.requirements]
        docs = [requirement_document(catalogue, f, r) for f, r in keys]
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, tokenizer=tokens, token_pattern=None,
                              lowercase=False, min_df=1)
        matrix = vec.fit_transform(docs)
        return cls(keys, vec, matrix)

    def similarity(self, texts: list[str]) -> np.ndarray:
        """Cosine similarity, texts x requirements."""
        if not texts:
            return np.zeros((0, len(self.keys)))
        q = self.vectorizer.transform([expand(t) for t in texts])
        return (q @ self.matrix.T).toarray()

    def best(self, text: str) -> tuple[tuple[str, str], float]:
        sims = self.similarity([text])[0]
        i = int(sims.argmax())
        return self.keys[i], float(sims[i])


def requirement_index(catalogue: Catalogue, framework_ids: list[str]) -> RequirementIndex:
    """The index of the chosen frameworks' requirements, built once and kept by the catalogue it indexes."""
    # keyed on what is indexed, not on the framework ids alone: a copy of a catalogue shares this cache
    key = tuple((fid, req.id, req.statement, tuple(req.keywords)) for fid, fw in catalogue.frameworks.items()
                if not framework_ids or fid in framework_ids for req in fw.requirements)
    cache = catalogue.index_cache
    if key not in cache:
        cache[key] = RequirementIndex.build(catalogue, list(framework_ids))
    return cache[key]
