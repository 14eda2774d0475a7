"""The words gapkit understands in forces' and inspectors' workbooks: tracker headers, status words, level labels.

Headers and status words are data (data/config/tracker_headers.yaml, data/config/status_vocabulary.yaml); level
labels come from each framework's own level scale (data/config/scoring.yaml)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from gapkit.catalogue.settings import Scale
from gapkit.core import paths

HEADERS_FILE = paths.CONFIG_DIR / "tracker_headers.yaml"
VOCAB_FILE = paths.CONFIG_DIR / "status_vocabulary.yaml"
NOT_APPLICABLE = "Not applicable"


def norm(text: object) -> str:
    """Lower case, punctuation and spacing folded: how headers and status words are compared."""
    return re.sub(r"[^a-z0-9]+", " ", str(text).casefold()).strip()


@lru_cache(maxsize=4)
def header_aliases(path: Path = HEADERS_FILE) -> dict[str, tuple[str, int]]:
    """normalised header -> (field, rank); a lower rank is a closer name for the field."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, tuple[str, int]] = {}
    for fld, aliases in data["fields"].items():
        for rank, alias in enumerate([fld, *aliases]):
            out.setdefault(norm(alias), (fld, rank))
    return out


@lru_cache(maxsize=4)
def ignored_headers(path: Path = HEADERS_FILE) -> frozenset[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return frozenset(norm(h) for h in data.get("ignore", []))


@lru_cache(maxsize=4)
def status_words(path: Path = VOCAB_FILE) -> dict[str, float | None]:
    """normalised status word -> level (None = not applicable)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, float | None] = {}
    for level, words in data["levels"].items():
        for word in words:
            out[norm(word)] = None if str(level) == "na" else float(level)
    return out


def status_labels(scale: Scale) -> list[str]:
    """The drop-down choices of a scale: '0 - No information', ..., 'Not applicable'."""
    return [f"{lv.value} - {lv.label}" for lv in scale.levels] + [NOT_APPLICABLE]


def parse_status(value: object, scale: Scale) -> tuple[str, float | None]:
    """('ok', level) / ('na', None) / ('blank', None) / ('unknown', None)."""
    maximum = scale.maximum
    if value is None or str(value).strip() == "":
        return "blank", None
    if isinstance(value, (int, float)) and float(value).is_integer() and 0 <= value <= maximum:
        return "ok", float(value)
    text = norm(value)
    lead = re.match(r"^(\d+)\b", text)
    if lead and 0 <= int(lead.group(1)) <= maximum:
        return "ok", float(lead.group(1))
    words = status_words()
    if text in words:
        return ("na", None) if words[text] is None else ("ok", words[text])
    return "unknown", None


def level_choice(level: float | None, not_applicable: bool, scale: Scale) -> str:
    """A level as its drop-down choice ('2 - Started'), for workbooks people fill in."""
    if not_applicable:
        return NOT_APPLICABLE
    if level is None or pd.isna(level):
        return ""
    return status_labels(scale)[int(level)] if float(level).is_integer() else f"{level:.1f}"
