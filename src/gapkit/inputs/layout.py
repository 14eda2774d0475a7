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
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gapkit.catalogue.frameworks import Catalogue
from gapkit.core import paths
from gapkit.core.errors import GapkitError, Issue
from gapkit.core.fileio import sha256
from gapkit.core.yamlio import load_yaml, where

SUBMISSION_SUFFIXES = (".xlsx", ".xlsm")


class RoundConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    round: str
    title: str
    as_of: dt.date
    frameworks: list[str] = Field(min_length=1)
    headline_framework: str
    focus_framework: str | None = None  # whose themes and requirements are charted; default: headline_framework
    previous: str | None = None
    marking: str = "OFFICIAL"
    synthetic: bool = False
    forces: list[str] | None = None
    grouping: str | None = None  # an alternative theme grouping, e.g. four_p (unverified for the NPCC strategy)


    @property
    def focus(self) -> str:
        """The framework whose themes and requirements the charts and gap tables show."""
        return self.focus_framework or self.headline_framework


def load_round(data_dir: Path, round_id: str, catalogue: Catalogue) -> RoundConfig:
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
    if cfg.focus_framework is not None and cfg.focus_framework not in cfg.frameworks:
        issues.append(Issue(str(path), where(node, ("focus_framework",)),
                            f"focus framework '{cfg.focus_framework}' is not in this round's frameworks",
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


def plan_files(folder: Path) -> list[Path]:
    folder = Path(folder)
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith((".", "~$")))




def force_inputs(data_dir: Path, round_id: str, force: str) -> list[Path]:
    """Every input file of one force in one round (for hashes and change detection)."""
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
