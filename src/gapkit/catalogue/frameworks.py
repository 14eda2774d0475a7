"""The framework catalogue: requirements as versioned, cited data, validated on load."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from gapkit.core import paths
from gapkit.core.errors import GapkitError, Issue
from gapkit.core.yamlio import load_model, load_yaml, pydantic_issues, where

Kind = Literal["recommendation", "area for improvement", "strategy expectation", "referral rule"]
Verification = Literal["verified", "partial", "unverified"]
Relationship = Literal["equal", "subset", "superset", "intersect"]


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    publisher: str
    date: str = Field(description="ISO date, or YYYY-MM where the day is not known")
    url: str = ""
    reference: str = Field("", description="paragraph, recommendation or register reference")

    @field_validator("date")
    @classmethod
    def _date(cls, value: str) -> str:
        for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
            try:
                dt.datetime.strptime(value, fmt)
                return value
            except ValueError:
                continue
        raise ValueError(f"'{value}' is not a date: write YYYY-MM-DD, YYYY-MM or YYYY")


class Requirement(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    statement: str = Field(min_length=10)
    theme: str
    kind: Kind
    weight: float = Field(1.0, gt=0, le=100)
    key: bool = False
    target: int | None = None
    deadline: dt.date | None = None
    deadline_note: str = ""
    typical_evidence: list[str] = []
    keywords: list[str] = []
    # keywords that name the requirement only beside another of its keywords ("recorded" alone is any record)
    keywords_not_alone: list[str] = []
    sources: list[Source] = Field(min_length=1)
    verification: Verification
    note: str = ""
    groupings: dict[str, str] = {}

    @model_validator(mode="after")
    def _not_alone_are_keywords(self) -> "Requirement":
        if stray := [k for k in self.keywords_not_alone if k not in self.keywords]:
            raise ValueError(f"keywords_not_alone {stray} are not among the requirement's keywords: add them to "
                             f"keywords or remove them")
        return self


class Theme(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str


class Grouping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    verification: Verification
    note: str = ""


class Framework(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    short_title: str
    publisher: str
    version: str
    published: str
    verification_note: str = ""
    level_scale: str = "hmicfrs-2017"
    themes: list[Theme] = Field(min_length=1)
    groupings: dict[str, Grouping] = {}
    requirements: list[Requirement] = Field(min_length=1)

    def requirement(self, requirement_id: str) -> Requirement:
        for req in self.requirements:
            if req.id == requirement_id:
                return req
        raise KeyError(requirement_id)

    def theme_name(self, theme_id: str) -> str:
        return next(t.name for t in self.themes if t.id == theme_id)


class Citation(Source):
    """The publication a crosswalk mapping rests on, and where in it (crosswalk.yaml explains the rule): a source
    whose title and publisher may not be empty."""
    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    reference: str = Field("", description="the passage, paragraph or item that ties the two items together")


class Mapping(BaseModel):
    """One crosswalk route. Every mapping cites its source (`citation`). A mapping whose correspondence no source
    read for gapkit states is marked `unverified: true`, and its `note` says what could not be verified; a
    verified one says in `citation.reference` which passage ties the items together."""
    model_config = ConfigDict(extra="forbid")
    source: str = Field(description="framework-id:requirement-id")
    target: str
    relationship: Relationship
    citation: Citation
    unverified: bool = False
    note: str = ""

    @model_validator(mode="after")
    def _says_what_was_checked(self) -> Mapping:
        if self.unverified and not self.note.strip():
            raise ValueError("an unverified mapping needs a note saying what could not be verified")
        if not self.unverified and not self.citation.reference.strip():
            raise ValueError("a verified mapping needs citation.reference: the passage that ties the items "
                             "together (or mark it unverified: true with a note)")
        return self


class Crosswalk(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    note: str = ""
    mappings: list[Mapping]


def _framework_issues(path: Path, node, data: dict) -> list[Issue]:
    """Cross-field checks on the raw data, so they are reported even when other fields fail validation."""
    issues = []
    themes = data.get("themes") if isinstance(data.get("themes"), list) else []
    theme_ids = {t.get("id") for t in themes if isinstance(t, dict)}
    groupings = data.get("groupings") if isinstance(data.get("groupings"), dict) else {}
    requirements = data.get("requirements") if isinstance(data.get("requirements"), list) else []
    seen: dict[str, int] = {}
    for i, req in enumerate(requirements):
        if not isinstance(req, dict):
            continue
        rid = str(req.get("id"))
        if rid in seen:
            issues.append(Issue(str(path), where(node, ("requirements", i, "id")),
                                f"duplicate requirement id '{rid}' (first used by requirement {seen[rid] + 1})",
                                "give each requirement a unique id"))
        seen.setdefault(rid, i)
        if theme_ids and req.get("theme") not in theme_ids:
            issues.append(Issue(str(path), where(node, ("requirements", i, "theme")),
                                f"unknown theme '{req.get('theme')}'",
                                f"use one of: {', '.join(sorted(map(str, theme_ids)))}, or add the theme under 'themes'"))
        for gname in req.get("groupings") or {}:
            if gname not in groupings:
                issues.append(Issue(str(path), where(node, ("requirements", i, "groupings")),
                                    f"unknown grouping '{gname}'", "declare it under 'groupings' at the top"))
    return issues


def load_framework(path: Path) -> Framework:
    path = Path(path)
    data, node = load_yaml(path)
    if not isinstance(data, dict):
        raise GapkitError.one(path, "line 1", "a framework file must be a mapping of fields",
                              "start with 'id:', 'title:', 'version:' ... (see data/frameworks/README.md)")
    data = {k: v for k, v in data.items() if not str(k).startswith("x-")}  # x- keys hold YAML anchors
    issues = _framework_issues(path, node, data)
    try:
        fw = Framework.model_validate(data)
    except ValidationError as exc:
        issues = pydantic_issues(path, node, exc) + issues
    if issues:
        raise GapkitError(sorted(issues, key=lambda i: _line_number(i.where)))
    return fw


def _line_number(where_text: str) -> int:
    digits = where_text.split()[1] if where_text.startswith("line ") else ""
    return int(digits) if digits.isdigit() else 0


def _crosswalk_issues(path: Path, node, data: object, frameworks: dict[str, Framework]) -> list[Issue]:
    """Dangling references and repeated routes, on the raw data, so they are reported beside any other problem."""
    mappings = data.get("mappings") if isinstance(data, dict) else None
    issues: list[Issue] = []
    seen: dict[tuple[str, str], int] = {}
    for i, m in enumerate(mappings if isinstance(mappings, list) else []):
        if not isinstance(m, dict):
            continue
        for end in ("source", "target"):
            ref = m.get(end)
            if not isinstance(ref, str):
                continue
            fw_id, _, req_id = ref.partition(":")
            fw = frameworks.get(fw_id)
            if fw is None or req_id not in {r.id for r in fw.requirements}:
                issues.append(Issue(str(path), where(node, ("mappings", i, end)),
                                    f"dangling reference '{ref}': no such framework requirement",
                                    "write framework-id:requirement-id for a requirement that exists"))
        route = (str(m.get("source")), str(m.get("target")))
        if route in seen:
            issues.append(Issue(str(path), where(node, ("mappings", i)),
                                f"the route {route[0]} -> {route[1]} is mapped twice "
                                f"(first by mapping {seen[route] + 1})", "keep one mapping per source and target"))
        seen.setdefault(route, i)
    return issues


def load_crosswalk(path: Path, frameworks: dict[str, Framework]) -> Crosswalk:
    """The crosswalk, validated: every mapping cites its source; every problem at once, each with its line."""
    data, node = load_yaml(path)
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if not str(k).startswith("x-")}  # x- keys hold YAML anchors
    return load_model(path, Crosswalk, lambda p, n, d: _crosswalk_issues(p, n, d, frameworks), data, node)


class Catalogue(BaseModel):
    frameworks: dict[str, Framework]
    crosswalk: Crosswalk
    _index_cache: dict = PrivateAttr(default_factory=dict)

    @property
    def index_cache(self) -> dict:
        """Text indexes of this catalogue's requirements (gapkit.catalogue.textmatch), kept with what they index."""
        return self._index_cache

    def versions(self) -> dict[str, str]:
        out = {fid: fw.version for fid, fw in self.frameworks.items()}
        out["crosswalk"] = self.crosswalk.version
        return out

    def get(self, framework_id: str) -> Framework:
        try:
            return self.frameworks[framework_id]
        except KeyError:
            raise GapkitError.one(framework_id, "", "unknown framework",
                                  f"use one of: {', '.join(self.frameworks)}") from None


def framework_files(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.yaml") if p.name != "crosswalk.yaml")


def load_catalogue(directory: Path = paths.FRAMEWORKS_DIR) -> Catalogue:
    """Load every framework and the crosswalk, reporting all problems in all files at once."""
    frameworks: dict[str, Framework] = {}
    issues: list[Issue] = []
    for path in framework_files(directory):
        try:
            fw = load_framework(path)
        except GapkitError as exc:
            issues.extend(exc.issues)
            continue
        if fw.id in frameworks:
            issues.append(Issue(str(path), "line 1", f"framework id '{fw.id}' is used by another file",
                                "give each framework a unique id"))
        frameworks[fw.id] = fw
    if issues:
        raise GapkitError(issues)
    if not frameworks:
        raise GapkitError.one(directory, "", "no framework files (*.yaml) found", "point at data/frameworks")
    crosswalk_path = Path(directory) / "crosswalk.yaml"
    crosswalk = (load_crosswalk(crosswalk_path, frameworks) if crosswalk_path.exists()
                 else Crosswalk(version="none", mappings=[]))
    return Catalogue(frameworks=frameworks, crosswalk=crosswalk)


@lru_cache(maxsize=4)
def default_catalogue() -> Catalogue:
    return load_catalogue(paths.FRAMEWORKS_DIR)


def requirements_table(catalogue: Catalogue, framework_ids: list[str] | None = None) -> pd.DataFrame:
    """One row per requirement: the columns reports and templates show."""
    rows = []
    for fid, fw in catalogue.frameworks.items():
        if framework_ids and fid not in framework_ids:
            continue
        for order, req in enumerate(fw.requirements):
            rows.append({
                "framework": fid, "framework_version": fw.version, "requirement_id": req.id,
                "order": order, "statement": req.statement, "theme": req.theme,
                "theme_name": fw.theme_name(req.theme), "kind": req.kind, "weight": req.weight,
                "key": req.key, "target": req.target, "deadline": req.deadline,
                "typical_evidence": "; ".join(req.typical_evidence),
                "verification": req.verification,
                "source": "; ".join(f"{s.publisher}, {s.title} ({s.date}){' ' + s.reference if s.reference else ''}"
                                    for s in req.sources),
            })
    return pd.DataFrame(rows)


def catalogue_summary(catalogue: Catalogue) -> pd.DataFrame:
    rows = []
    for fid, fw in catalogue.frameworks.items():
        counts = pd.Series([r.verification for r in fw.requirements]).value_counts()
        rows.append({"framework": fid, "title": fw.short_title, "version": fw.version,
                     "requirements": len(fw.requirements),
                     "verified": int(counts.get("verified", 0)), "partial": int(counts.get("partial", 0)),
                     "unverified": int(counts.get("unverified", 0))})
    return pd.DataFrame(rows)
