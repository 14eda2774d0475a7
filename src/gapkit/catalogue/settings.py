"""Scoring settings from data/config/scoring.yaml, validated on load."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gapkit.core import paths
from gapkit.core.yamlio import load_model


class Level(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: int = Field(ge=0)
    label: str
    description: str = ""


class Scale(BaseModel):
    model_config = ConfigDict(extra="forbid")
    levels: list[Level] = Field(min_length=2)

    @model_validator(mode="after")
    def _contiguous(self) -> "Scale":
        values = [lv.value for lv in self.levels]
        if values != list(range(len(values))):
            raise ValueError("level values must be 0, 1, 2, ... in order")
        return self

    @property
    def maximum(self) -> int:
        return self.levels[-1].value

    def label(self, value: float | None) -> str:
        if value is None:
            return "Not applicable"
        if float(value).is_integer():
            return self.levels[int(round(value))].label
        return f"{value:g} (part credit)"  # a level credited through the crosswalk (docs/methodology.md)


class CategoryRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    min_key_level: float = 0
    any_key_level: float | None = None


class RagBand(BaseModel):
    model_config = ConfigDict(extra="forbid")
    band: str
    min_score: float = Field(ge=0, le=100)


class ScoringConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    scales: dict[str, Scale]
    categories: list[CategoryRule] = Field(min_length=1)
    rag: list[RagBand] = Field(min_length=1)
    crosswalk_credit: dict[str, float]

    @model_validator(mode="after")
    def _complete(self) -> "ScoringConfig":
        if self.categories[-1].min_key_level != 0 or self.categories[-1].any_key_level is not None:
            raise ValueError("the last category must have no conditions, so every force gets one")
        if self.rag[-1].min_score != 0:
            raise ValueError("the last RAG band must start at min_score 0")
        for rel in ("equal", "superset", "subset", "intersect"):
            if not 0 <= self.crosswalk_credit.get(rel, -1) <= 1:
                raise ValueError(f"crosswalk_credit needs '{rel}' between 0 and 1")
        return self

    def scale(self, name: str) -> Scale:
        return self.scales[name]

    def category_names(self) -> list[str]:
        """Best first."""
        return [c.name for c in self.categories]


def load_scoring_config(path: Path = paths.SCORING_FILE) -> ScoringConfig:
    return load_model(path, ScoringConfig)


@lru_cache(maxsize=2)
def default_config() -> ScoringConfig:
    return load_scoring_config(paths.SCORING_FILE)
