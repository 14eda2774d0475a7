"""Text matching shared by tracker reading and plan evidence: acronym expansion and a TF-IDF requirement index."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, field_validator

from gapkit.catalogue.frameworks import Catalogue
from gapkit.core import paths
from gapkit.core.yamlio import load_model

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

ACRONYMS_FILE = paths.CONFIG_DIR / "acronyms.yaml"
# Words every APSP document uses: they say nothing about which requirement a passage is about.
DOMAIN_WORDS = {"abuse", "position", "sexual", "purpose", "apsp", "force", "forces", "police", "officers",
                "officer", "staff", "plan", "plans", "national", "strategy", "work"}
# Words of scikit-learn's stop list that name a requirement here, kept when a passage is checked for the words of a
# requirement (named_words): "the crime system" names IT systems as "systems" does (the plural is not on the list)
NAMING_WORDS = frozenset({"system", "serious"})


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """English stop words (scikit-learn's list) and the domain's own."""
    # scikit-learn is imported where text is matched, not at the top: it takes about a second to import, and the
    # processes that only render reports (a run's warm kernels, the board pack) never match text
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # noqa: PLC0415

    return frozenset(ENGLISH_STOP_WORDS | DOMAIN_WORDS)


class AcronymFile(BaseModel):
    """data/config/acronyms.yaml: acronyms (matched with their case) and synonyms (ignoring case), each followed
    in the text by the words it stands for; every entry a non-empty string."""
    model_config = ConfigDict(extra="forbid")
    version: str
    acronyms: dict[str, str] = {}
    synonyms: dict[str, str] = {}

    @field_validator("acronyms", "synonyms")
    @classmethod
    def _words(cls, entries: dict[str, str]) -> dict[str, str]:
        for short, long in entries.items():
            if not short.strip() or not long.strip():
                raise ValueError(f"'{short}: {long}' needs both the words and what they stand for")
        return entries


def acronym_file(path: Path = ACRONYMS_FILE) -> AcronymFile:
    return load_model(path, AcronymFile)


@lru_cache(maxsize=2)
def _expansions(path: Path = ACRONYMS_FILE) -> tuple[re.Pattern | None, dict[str, str], re.Pattern | None,
                                                     dict[str, str]]:
    """One pattern for all acronyms (case-sensitive, with a plural s) and one for all synonyms (ignoring case),
    longest first, each with its long forms: a text is expanded in two passes, not one pass per entry."""
    data = acronym_file(path)
    acronyms = dict(data.acronyms)
    synonyms = {phrase.casefold(): meaning for phrase, meaning in data.synonyms.items()}

    def pattern(words: list[str], plural: str, flags: int) -> re.Pattern | None:
        if not words:
            return None
        alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        return re.compile(rf"\b(?:{alternatives}){plural}\b", flags)

    return (pattern(list(acronyms), "(?=s?\\b)s?", 0), acronyms,
            pattern(list(synonyms), "", re.IGNORECASE), synonyms)


def _stem(word: str) -> str:
    """A light folding of plurals and -ed/-ing: 'guides'/'guide', 'charities'/'charity', 'searches'/'search',
    'recorded'/'record', 'hearings'/'hearing'/'hear'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        word = word[:-2]
    elif len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            stem = word[: -len(suffix)]
            return stem[:-1] if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "ls" else stem
    return word


def tokens(text: str) -> list[str]:
    stop = stop_words()
    return [_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in stop]


def named_words(text: str) -> list[str]:
    """The words of a text as tokens() folds them, keeping the stop-listed words that name a requirement."""
    stop = stop_words() - NAMING_WORDS
    return [_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in stop]


def expand(text: str) -> str:
    """Append the long form after each known acronym, then after each known synonym."""
    acronyms, long_forms, synonyms, meanings = _expansions()
    if acronyms is not None:
        text = acronyms.sub(lambda m: f"{m.group(0)} {long_forms.get(m.group(0)) or long_forms[m.group(0)[:-1]]}", text)
    if synonyms is not None:
        text = synonyms.sub(lambda m: f"{m.group(0)} {meanings[m.group(0).casefold()]}", text)
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
        from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415  (start-up time: see stop_words)

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
