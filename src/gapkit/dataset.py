"""A dataset on disk (docs/dataset.md): rounds, each with submissions, plan documents and inspector reviews.

DATA/
  forces.csv                      optional: forces not in the reference registry (the demo's fictional ones)
  rounds/ROUND/round.yaml         as-of date, frameworks, headline framework, previous round, marking
  rounds/ROUND/submissions/FORCE.xlsx   the force's action plan: gapkit template or own tracker (.xlsx/.xlsm)
  rounds/ROUND/plans/FORCE/...    the force's written plan documents (.docx .pdf .md .txt .xlsx)
  rounds/ROUND/reviews/FORCE.xlsx the inspector review workbook (gapkit review writes it)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gapkit import paths
from gapkit.assessment import combine_sources, empty_assessment
from gapkit.config import ScoringConfig, default_config
from gapkit.errors import GapkitError, Issue, errors_only
from gapkit.fileio import sha256
from gapkit.frameworks import Catalogue, default_catalogue
from gapkit.yamlio import load_yaml, where

SUBMISSION_SUFFIXES = (".xlsx", ".xlsm")


class RoundConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    round: str
    title: str
    as_of: dt.date
    frameworks: list[str] = Field(min_length=1)
    headline_framework: str
    previous: str | None = None
    marking: str = "OFFICIAL"
    synthetic: bool = False
    forces: list[str] | None = None
    grouping: str | None = None  # an alternative theme grouping, e.g. four_p (unverified for the NPCC strategy)


def load_round(data_dir: Path, round_id: str, catalogue: Catalogue | None = None) -> RoundConfig:
    catalogue = catalogue or default_catalogue()
    path = paths.round_dir(data_dir, round_id) / "round.yaml"
    if not path.exists():
        raise GapkitError.one(path, "", f"round '{round_id}' has no round.yaml",
                              f"create it (see docs/dataset.md); rounds here: {', '.join(list_rounds(data_dir)) or 'none'}")
    data, node = load_yaml(path)
    try:
        cfg = RoundConfig.model_validate(data)
    except ValidationError as exc:
        raise GapkitError([Issue(str(path), where(node, tuple(e["loc"])), e["msg"], "correct the value")
                           for e in exc.errors()]) from None
    issues = []
    for i, fid in enumerate(cfg.frameworks):
        if fid not in catalogue.frameworks:
            issues.append(Issue(str(path), where(node, ("frameworks", i)), f"unknown framework '{fid}'",
                                f"use one of: {', '.join(catalogue.frameworks)}"))
    if cfg.headline_framework not in cfg.frameworks:
        issues.append(Issue(str(path), where(node, ("headline_framework",)),
                            f"headline framework '{cfg.headline_framework}' is not in this round's frameworks",
                            "add it to frameworks or choose one of them"))
    if issues:
        raise GapkitError(issues)
    return cfg


def list_rounds(data_dir: Path) -> list[str]:
    base = Path(data_dir) / "rounds"
    return sorted(p.name for p in base.iterdir() if (p / "round.yaml").exists()) if base.exists() else []


def submission_file(data_dir: Path, round_id: str, force: str) -> Path | None:
    folder = paths.round_dir(data_dir, round_id) / "submissions"
    for suffix in SUBMISSION_SUFFIXES:
        candidate = folder / f"{force}{suffix}"
        if candidate.exists():
            return candidate
    return None


def review_file(data_dir: Path, round_id: str, force: str) -> Path:
    return paths.round_dir(data_dir, round_id) / "reviews" / f"{force}.xlsx"


def plans_folder(data_dir: Path, round_id: str, force: str) -> Path:
    return paths.round_dir(data_dir, round_id) / "plans" / force


def list_forces(data_dir: Path, round_id: str) -> list[str]:
    """Forces with any input in the round (or the round's own list)."""
    rdir = paths.round_dir(data_dir, round_id)
    cfg_path = rdir / "round.yaml"
    if cfg_path.exists():
        listed = (load_yaml(cfg_path)[0] or {}).get("forces")
        if listed:
            return list(listed)
    found = set()
    for sub in ("submissions", "reviews"):
        folder = rdir / sub
        if folder.exists():
            found |= {p.stem for p in folder.iterdir() if p.suffix.lower() in SUBMISSION_SUFFIXES
                      and not p.name.startswith((".", "~$"))}
    plans = rdir / "plans"
    if plans.exists():
        found |= {p.name for p in plans.iterdir() if p.is_dir() and not p.name.startswith(".")}
    return sorted(found)


def force_inputs(data_dir: Path, round_id: str, force: str) -> list[Path]:
    """Every input file of one force in one round (for hashes and change detection)."""
    from gapkit.evidence import plan_files

    files = [submission_file(data_dir, round_id, force), review_file(data_dir, round_id, force)]
    files = [f for f in files if f is not None and f.exists()]
    return files + plan_files(plans_folder(data_dir, round_id, force))


def input_hashes(files: list[Path], root: Path) -> dict[str, str]:
    out = {}
    for f in files:
        try:
            key = str(Path(f).resolve().relative_to(Path(root).resolve()))
        except ValueError:
            key = str(f)
        out[key] = sha256(f)
    return out


@dataclass
class ForceAssessment:
    force: str
    round: str
    assessment: pd.DataFrame
    suggestions: pd.DataFrame
    issues: list[Issue] = field(default_factory=list)
    inputs: list[Path] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(errors_only(self.issues))


def assess_force(data_dir: Path, round_id: str, force: str, catalogue: Catalogue | None = None,
                 config: ScoringConfig | None = None) -> ForceAssessment:
    """Read one force's submission, plan documents and review, and combine them into its assessment.

    Errors in the submission or the review are returned as issues (and mean no assessment); plan documents that
    cannot be read only give warnings."""
    from gapkit.evidence import as_assessment, evidence_for_files, plan_files
    from gapkit.review import read_review
    from gapkit.submissions import read_submission

    catalogue = catalogue or default_catalogue()
    config = config or default_config()
    rcfg = load_round(data_dir, round_id, catalogue)
    issues: list[Issue] = []
    frames = []
    review_path = review_file(data_dir, round_id, force)
    if review_path.exists():
        try:
            inspector, review_issues = read_review(review_path, force, round_id, config, catalogue)
        except GapkitError as exc:
            inspector, review_issues = empty_assessment(), exc.issues
        issues += review_issues
        frames.append(inspector)
    sub_path = submission_file(data_dir, round_id, force)
    if sub_path is not None:
        result = read_submission(sub_path, force, round_id, catalogue, config, rcfg.frameworks)
        issues += result.issues
        if result.ok:
            frames.append(result.assessment)
    files = plan_files(plans_folder(data_dir, round_id, force))
    suggestions, plan_issues = evidence_for_files(files, catalogue, rcfg.frameworks, force, round_id)
    issues += plan_issues
    if files:
        frames.append(as_assessment(suggestions))
    if sub_path is None and not files and not review_path.exists():
        issues.append(Issue(str(paths.round_dir(data_dir, round_id)), force,
                            "no submission, plan documents or review for this force",
                            "add its files (see docs/dataset.md) or leave it out of --forces", "warning"))
    frames = [f[f["framework"].isin(rcfg.frameworks)] for f in frames]
    assessment = combine_sources(*frames) if frames else empty_assessment()
    if assessment.empty:
        assessment = empty_assessment()
    return ForceAssessment(force, round_id, assessment, suggestions, issues,
                           force_inputs(data_dir, round_id, force))
