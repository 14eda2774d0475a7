"""The words gapkit understands in forces' and inspectors' workbooks: tracker headers, status words, level labels.

Headers and status words are data (data/config/tracker_headers.yaml, data/config/status_vocabulary.yaml); level
labels come from each framework's own level scale (data/config/scoring.yaml)."""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import lru_cache
from pathlib import Path

from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gapkit.catalogue.settings import Scale
from gapkit.core import paths
from gapkit.core.errors import Issue
from gapkit.core.text import clean
from gapkit.core.yamlio import load_model, where

HEADERS_FILE = paths.CONFIG_DIR / "tracker_headers.yaml"
VOCAB_FILE = paths.CONFIG_DIR / "status_vocabulary.yaml"
NOT_APPLICABLE = "Not applicable"


def norm(text: object) -> str:
    """Lower case, punctuation and spacing folded: how headers and status words are compared."""
    return re.sub(r"[^a-z0-9]+", " ", str(text).casefold()).strip()


@lru_cache(maxsize=4)
def header_aliases(path: Path = HEADERS_FILE) -> dict[str, tuple[str, int]]:
    """normalised header -> (field, rank); a lower rank is a closer name for the field. The field's own name is
    rank 0, then its words in the order listed. A word is never listed under two fields (checked on load)."""
    out: dict[str, tuple[str, int]] = {}
    for fld, aliases in tracker_settings(path).fields.items():
        for rank, alias in enumerate([fld, *aliases]):
            out.setdefault(norm(alias), (fld, rank))
    return out


@lru_cache(maxsize=4)
def ignored_headers(path: Path = HEADERS_FILE) -> frozenset[str]:
    return frozenset(norm(h) for h in tracker_settings(path).ignore)


class StatusVocabulary(BaseModel):
    """data/config/status_vocabulary.yaml: levels 0-3 and na, each a list of words; no word under two levels."""
    model_config = ConfigDict(extra="forbid")
    version: str
    levels: dict[Literal[0, 1, 2, 3, "na"], list[str]]

    @field_validator("levels")
    @classmethod
    def _one_level_per_word(cls, levels: dict) -> dict:
        seen: dict[str, object] = {}
        for level, words in levels.items():
            for word in words:
                if not isinstance(word, str) or not norm(word):
                    raise ValueError(f"{word!r} under {level} is not a word (quote words YAML reads as yes/no)")
                if norm(word) in seen and seen[norm(word)] != level:
                    raise ValueError(f"'{word}' is listed under {seen[norm(word)]} and {level}")
                seen[norm(word)] = level
        return levels


@lru_cache(maxsize=4)
def status_words(path: Path = VOCAB_FILE) -> dict[str, float | None]:
    """normalised status word -> level (None = not applicable); the file is checked as it is read."""
    data = load_model(path, StatusVocabulary)
    out: dict[str, float | None] = {}
    for level, words in data.levels.items():
        for word in words:
            out[norm(word)] = None if str(level) == "na" else float(level)
    return out


class DateRules(BaseModel):
    """The dates a tracker may hold (tracker_headers.yaml 'dates'): a window, and the words forces write when a
    date is not set (a warning and a blank date, not an error)."""
    model_config = ConfigDict(extra="forbid")
    earliest: dt.date
    latest: dt.date
    placeholders: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ordered(self) -> DateRules:
        if self.earliest >= self.latest:
            raise ValueError(f"earliest ({self.earliest}) must be before latest ({self.latest})")
        if dt.date(1900, 1, 1) > self.earliest or self.latest > dt.date(2262, 4, 11):
            raise ValueError("the window must lie within 1900-01-01 to 2262-04-11 (what Excel and pandas hold)")
        return self

    def placeholder(self, value: object) -> bool:
        """True for a word that stands in for a date not yet set ('TBC', 'n/a', '-')."""
        return isinstance(value, str) and _placeholder_key(value) in {_placeholder_key(p) for p in self.placeholders}


def _placeholder_key(text: str) -> str:
    return norm(clean(text)) or clean(text).strip()  # '-' has no letters: compared as written


# The fields a tracker's columns can give (gapkit.inputs.tracker reads them); tracker_headers.yaml lists the header
# words of each.
TrackerField = Literal["framework", "ref", "requirement_text", "action", "owner", "due_date", "status", "evidence",
                       "na_justification", "update", "updated"]


class TrackerSettings(BaseModel):
    """data/config/tracker_headers.yaml: the header words of each field, the fields a sheet must have, the header
    words known but not read, the dates a tracker may hold and gapkit's own hidden sheets."""
    model_config = ConfigDict(extra="forbid")
    version: str
    fields: dict[TrackerField, list[str]]
    required: list[TrackerField] = Field(default_factory=list)
    one_of: list[list[TrackerField]] = Field(default_factory=list)
    ignore: list[str] = Field(default_factory=list)
    dates: DateRules
    hidden_sheets_not_reported: list[str] = Field(default_factory=list)

    def names_a_table(self, found: set[str]) -> bool:
        """True when a header row naming `found` fields has every required field and one of each one_of group."""
        return set(self.required) <= found and all(set(group) & found for group in self.one_of)


def _header_word_issues(path: Path, node, data: object) -> list[Issue]:
    """A header word listed under two fields (compared as headers are: ignoring case, spacing and punctuation)
    would make a column mean two things: an error naming both fields and both lines. A word with no letters or
    digits can never match a header. Checked on the raw data, so they are reported beside any other problem."""
    fields = data.get("fields") if isinstance(data, dict) else None
    if not isinstance(fields, dict):
        return []
    issues: list[Issue] = []
    first: dict[str, tuple[str, str, str]] = {}  # normalised word -> (field, word as written, where)
    for fld, words in fields.items():
        entries = [(str(fld), where(node, ("fields", fld)))]
        if isinstance(words, list):
            entries += [(w, where(node, ("fields", fld, i))) for i, w in enumerate(words) if isinstance(w, str)]
        for word, place in entries:
            key = norm(word)
            if not key:
                issues.append(Issue(str(path), place, f"header word '{word}' under '{fld}' has no letters or digits, "
                                    "so no header can match it", "remove it, or write the header's words"))
                continue
            if key in first and first[key][0] != fld:
                other_fld, other_word, other_place = first[key]
                issues.append(Issue(
                    str(path), place,
                    f"header word '{word}' is listed under both '{other_fld}' ({other_place}: '{other_word}') and "
                    f"'{fld}': a column with this header could be either field",
                    f"keep it under the one field it means, '{other_fld}' or '{fld}'"))
            first.setdefault(key, (str(fld), str(word), place))
    return issues


@lru_cache(maxsize=4)
def tracker_settings(path: Path = HEADERS_FILE) -> TrackerSettings:
    """tracker_headers.yaml, validated on load: every problem at once, each naming the file and line."""
    return load_model(path, TrackerSettings, _header_word_issues)


def date_rules(path: Path = HEADERS_FILE) -> DateRules:
    return tracker_settings(path).dates


def quiet_hidden_sheets(path: Path = HEADERS_FILE) -> frozenset[str]:
    """Titles of hidden sheets that are gapkit's own (the template's drop-down lists): skipped without a warning."""
    return frozenset(tracker_settings(path).hidden_sheets_not_reported)


def status_labels(scale: Scale) -> list[str]:
    """The drop-down choices of a scale: '0 - No information', ..., 'Not applicable'."""
    return [f"{lv.value} - {lv.label}" for lv in scale.levels] + [NOT_APPLICABLE]


_LEVEL_TEXT = re.compile(r"^(\d+)(?:\.0*)?(?:\s*[-:–]\s*|\s+)?(.*)$", re.DOTALL)  # '2', '2.0', '2 - Started'


def parse_status(value: object, scale: Scale) -> tuple[str, float | None]:
    """('ok', level) / ('na', None) / ('blank', None) / ('unknown', None), strictly: a level is one of the scale's
    values (2, 2.0, '2'), a value with its own label ('2 - Started'), a label ('Started') or a status word
    (status_vocabulary.yaml) for a level the scale has. A number is never read with its sign or fraction
    stripped: -3, '-1', 1.5 and '0.9' are unknown, as are TRUE, dates and '3 apples'."""
    maximum = scale.maximum
    if value is None or (isinstance(value, str) and clean(value).strip() == ""):
        return "blank", None
    if isinstance(value, (bool, dt.date, dt.time, dt.timedelta)):
        return "unknown", None
    if isinstance(value, (int, float)):
        number = float(value)
        if math.isfinite(number) and number.is_integer() and 0 <= number <= maximum:
            return "ok", number
        return "unknown", None
    text = clean(str(value)).strip()
    words = status_words()
    lead = _LEVEL_TEXT.match(text)
    if lead:
        level, rest = int(lead.group(1)), norm(lead.group(2))
        if level > maximum:
            return "unknown", None
        if rest in ("", norm(scale.levels[level].label)) or words.get(rest, -1) == level:
            return "ok", float(level)
        return "unknown", None
    key = norm(text)
    for lv in scale.levels:
        if key == norm(lv.label):
            return "ok", float(lv.value)
    if key in words:
        level = words[key]
        if level is None:
            return "na", None
        if 0 <= level <= maximum:
            return "ok", level
    return "unknown", None


def level_choice(level: float | None, not_applicable: bool, scale: Scale) -> str:
    """A level as its drop-down choice ('2 - Started'), for workbooks people fill in."""
    if not_applicable:
        return NOT_APPLICABLE
    if level is None or pd.isna(level):
        return ""
    return status_labels(scale)[int(level)] if float(level).is_integer() else f"{level:.1f}"
