"""A dataset on disk (docs/dataset.md): rounds, each with submissions, plan documents and inspector reviews.

DATA/
  forces.csv                      optional: forces not in the reference registry (the demo's fictional ones)
  rounds/ROUND/round.yaml         as-of date, frameworks, headline framework, previous round, marking
  rounds/ROUND/submissions/FORCE.xlsx   the force's action plan: gapkit template or own tracker (.xlsx/.xlsm)
  rounds/ROUND/plans/FORCE/...    the force's written plan documents (.docx .pdf .md .txt .xlsx)
  rounds/ROUND/reviews/FORCE.xlsx the inspector review workbook (gapkit review writes it)

ROUND and FORCE are ids (gapkit.core.paths.is_id: lower-case letters, digits and hyphens), checked wherever they
come from (round.yaml, folder and file names, the command line), and every folder built from them must stay inside
the dataset (`inside`)."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import stat
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from gapkit.catalogue.forces import registry
from gapkit.catalogue.frameworks import Catalogue
from gapkit.core import paths
from gapkit.core.errors import GapkitError, Issue
from gapkit.core.fileio import sha256
from gapkit.core.limits import default_limits
from gapkit.core.paths import ID_RULE, inside, is_id
from gapkit.core.yamlio import load_yaml, where

__all__ = ["RoundConfig", "load_round", "list_rounds", "list_forces", "submission_file", "review_file",
           "plans_folder", "plan_files", "force_inputs", "input_hashes", "inside"]

SUBMISSION_SUFFIXES = (".xlsx", ".xlsm", ".xls")  # .xls is found so that the reader can refuse it by name
ROUND_KEYS = "round, title, as_of, frameworks and headline_framework"
SKIPPED_NAMES = (".", "~$")  # hidden files and Office lock files


def _as_text(value: Any) -> Any:
    """`round: 2019` unquoted is a number in YAML; it means the round "2019"."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _id_check(kind: str):
    def check(value: str) -> str:
        if not is_id(value):
            raise ValueError(f"{value!r} is not a valid {kind} id ({ID_RULE})")
        return value
    return check


RoundId = Annotated[str, BeforeValidator(_as_text), AfterValidator(_id_check("round"))]
ForceId = Annotated[str, AfterValidator(_id_check("force"))]


class RoundConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    round: RoundId
    title: str
    as_of: dt.date
    frameworks: list[str] = Field(min_length=1)
    headline_framework: str
    focus_framework: str | None = None  # whose themes and requirements are charted; default: headline_framework
    previous: RoundId | None = None
    marking: str = "OFFICIAL"
    synthetic: bool = False
    forces: list[ForceId] | None = None
    grouping: str | None = None  # an alternative theme grouping, e.g. four_p (unverified for the NPCC strategy)

    @property
    def focus(self) -> str:
        """The framework whose themes and requirements the charts and gap tables show."""
        return self.focus_framework or self.headline_framework


# What to do about each field's validation error in round.yaml.
_FIXES = {
    "round": "write the round's id, the name of its folder under rounds/ (e.g. round: \"2019\")",
    "previous": "write the id of an earlier round of this dataset (e.g. previous: \"2017\"), or leave it out",
    "forces": "list force ids from 'gapkit forces' (e.g. [west-yorkshire, derbyshire]), or leave forces out",
    "as_of": "write the date as YYYY-MM-DD",
    "frameworks": "list framework ids from 'gapkit frameworks'",
}


def _round_issue(path: Path, node, error: dict) -> Issue:
    loc = tuple(error["loc"])
    field = str(loc[0]) if loc else ""
    kind, message = error["type"], error["msg"].removeprefix("Value error, ")
    if kind == "missing":
        return Issue(str(path), where(node, ()), f"'{field}' is missing", f"add it (round.yaml needs {ROUND_KEYS}; "
                     "see docs/dataset.md)")
    if kind == "extra_forbidden":
        return Issue(str(path), where(node, loc), f"unknown key '{field}'",
                     "remove it or correct its spelling (the keys are listed in docs/dataset.md)")
    return Issue(str(path), where(node, loc), message, _FIXES.get(field, "correct the value (see docs/dataset.md)"))


def check_data_dir(data_dir: Path) -> Path:
    """The dataset folder, which must exist (a missing one is not a missing round.yaml)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        what = "is not a folder" if data_dir.exists() else "does not exist"
        raise GapkitError.one(data_dir, "", f"the data folder {data_dir} {what}",
                              "give the dataset folder, which holds rounds/ROUND/round.yaml (see docs/dataset.md)")
    return data_dir


def load_round(data_dir: Path, round_id: str, catalogue: Catalogue, forces: pd.DataFrame | None = None) -> RoundConfig:
    """The round's round.yaml, checked: its fields, its id (the folder's name), its frameworks and its forces
    (against `forces`, the registry; by default the reference forces and DATA/forces.csv)."""
    check_data_dir(data_dir)
    path = paths.round_dir(data_dir, round_id) / "round.yaml"
    if not path.exists():
        good, _ = _round_folders(data_dir)
        raise GapkitError.one(path, "", f"round '{round_id}' has no round.yaml",
                              f"create it (see docs/dataset.md); rounds here: {', '.join(good) or 'none'}")
    data, node = load_yaml(path)
    if data is None:
        raise GapkitError.one(path, "", "round.yaml is empty; it should hold the round's settings, one 'key: value' "
                              f"per line: {ROUND_KEYS} at least",
                              "see docs/dataset.md, or copy data/demo/rounds/2019/round.yaml and edit it")
    if not isinstance(data, dict):
        raise GapkitError.one(path, where(node, ()), f"round.yaml holds a {type(data).__name__}, not the round's "
                              f"settings as 'key: value' lines ({ROUND_KEYS} at least)",
                              "see docs/dataset.md, or copy data/demo/rounds/2019/round.yaml and edit it")
    try:
        cfg = RoundConfig.model_validate(data)
    except ValidationError as exc:
        raise GapkitError([_round_issue(path, node, e) for e in exc.errors()]) from None
    issues = []
    if cfg.round != round_id:
        issues.append(Issue(str(path), where(node, ("round",)),
                            f"round: '{cfg.round}' differs from the name of the round's folder, '{round_id}'",
                            f"write round: \"{round_id}\", or rename the folder rounds/{round_id} to {cfg.round}"))
    if cfg.previous == cfg.round:
        issues.append(Issue(str(path), where(node, ("previous",)), "previous names this round itself",
                            "write the id of an earlier round, or leave previous out"))
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
    if cfg.forces:
        known = set((forces if forces is not None else registry(Path(data_dir) / "forces.csv"))["force_id"])
        for i, force in enumerate(cfg.forces):
            if force not in known:
                issues.append(Issue(str(path), where(node, ("forces", i)), f"unknown force '{force}'",
                                    _unknown_force_fix(force, known)))
    if issues:
        raise GapkitError(issues)
    return cfg


def _unknown_force_fix(force: str, known: set[str]) -> str:
    near = difflib.get_close_matches(force, sorted(known), n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(near)}? " if near else ""
    return (f"{hint}use a force id from 'gapkit forces --data DATA'; a force that is not in the reference list "
            "goes in DATA/forces.csv")


def _round_folders(data_dir: Path) -> tuple[list[str], list[Path]]:
    """The round folders (those holding a round.yaml): (valid ids, folders whose name is not an id)."""
    base = Path(data_dir) / "rounds"
    if not base.is_dir():
        return [], []
    good, bad = [], []
    for p in sorted(base.iterdir()):
        if p.name.startswith(SKIPPED_NAMES) or not os.path.lexists(p / "round.yaml"):
            continue
        if is_id(p.name):
            good.append(p.name)
        else:
            bad.append(p)
    return good, bad


def list_rounds(data_dir: Path) -> list[str]:
    """The rounds of a dataset, sorted by name. A round folder whose name is not a valid id is an error naming it."""
    good, bad = _round_folders(data_dir)
    if bad:
        raise GapkitError([Issue(str(p), "", f"the round folder name '{p.name}' is not a valid round id",
                                 f"rename the folder ({ID_RULE}, e.g. 2019), or move it out of rounds/")
                           for p in bad])
    return good


def _round_subfolder(data_dir: Path, round_id: str, sub: str) -> Path:
    folder = paths.round_dir(data_dir, round_id) / sub
    return paths.check_inside(data_dir, folder, f"{sub} folder") if os.path.lexists(folder) else folder


def _force_path(data_dir: Path, round_id: str, sub: str, force: str, folder: Path | None = None) -> Path:
    """A force's file or folder in a round's `sub` folder, the id checked and the folder kept inside the dataset
    (`folder`: that folder, when the caller has already checked it)."""
    folder = folder if folder is not None else _round_subfolder(data_dir, round_id, sub)
    paths.check_id(force, "force", folder)
    return folder / force


def submission_file(data_dir: Path, round_id: str, force: str, folder: Path | None = None) -> Path | None:
    """The force's action plan (a link or a special file is returned too, for the reader to refuse by name)."""
    base = _force_path(data_dir, round_id, "submissions", force, folder)
    for suffix in SUBMISSION_SUFFIXES:
        candidate = base.with_name(f"{force}{suffix}")
        if os.path.lexists(candidate):
            return candidate
    return None


def review_file(data_dir: Path, round_id: str, force: str, folder: Path | None = None) -> Path:
    return _force_path(data_dir, round_id, "reviews", force, folder).with_name(f"{force}.xlsx")


def plans_folder(data_dir: Path, round_id: str, force: str, folder: Path | None = None) -> Path:
    path = _force_path(data_dir, round_id, "plans", force, folder)
    return paths.check_inside(data_dir, path, "plans folder") if os.path.lexists(path) else path


def _round_forces(cfg_path: Path) -> list[str] | None:
    """round.yaml's own list of forces, each a valid id (an error names the line); None when it has none."""
    data, node = load_yaml(cfg_path)
    listed = data.get("forces") if isinstance(data, dict) else None
    if not listed:
        return None
    if not isinstance(listed, list):
        raise GapkitError.one(cfg_path, where(node, ("forces",)), "forces should be a list of force ids",
                              _FIXES["forces"])
    bad = [Issue(str(cfg_path), where(node, ("forces", i)), f"{f!r} is not a valid force id ({ID_RULE})",
                 _FIXES["forces"]) for i, f in enumerate(listed) if not is_id(f)]
    if bad:
        raise GapkitError(bad)
    return list(listed)


def list_forces(data_dir: Path, round_id: str) -> list[str]:
    """Forces with any input in the round (or the round's own list). A file or folder whose name is not a known
    force id is an error naming it (it would otherwise be left out, or read as another force)."""
    rdir = paths.round_dir(data_dir, round_id)
    cfg_path = rdir / "round.yaml"
    if cfg_path.exists():
        listed = _round_forces(cfg_path)
        if listed:
            return listed
    found: dict[str, Path] = {}
    for sub in ("submissions", "reviews"):
        folder = rdir / sub
        if folder.is_dir():
            found.update({p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in SUBMISSION_SUFFIXES
                          and not p.name.startswith(SKIPPED_NAMES)})
    plans = rdir / "plans"
    if plans.is_dir():
        found.update({p.name: p for p in sorted(plans.iterdir())
                      if p.is_dir() and not p.name.startswith(SKIPPED_NAMES)})
    issues = []
    known: set[str] | None = None
    for name, p in sorted(found.items()):
        if not is_id(name):
            suggested = "-".join(name.lower().split())
            rename = f"rename it to {suggested}{p.suffix}" if is_id(suggested) else "rename it"
            issues.append(Issue(str(p), "", f"the name '{name}' is not a force id ({ID_RULE})",
                                f"{rename} after the force's id from 'gapkit forces', or move it out of {p.parent}"))
            continue
        if known is None:
            known = set(registry(Path(data_dir) / "forces.csv")["force_id"])
        if name not in known:
            issues.append(Issue(str(p), "", f"'{name}' is not a known force",
                                f"name the file after a force id ({_unknown_force_fix(name, known)}), or move it "
                                f"out of {p.parent}"))
    if issues:
        raise GapkitError(issues)
    return sorted(found)


def plan_files(folder: Path) -> list[Path]:
    """Every plan document in a force's plans folder and its subfolders, hidden and lock files left out. Links and
    special files are listed too (links are not followed), so that the reader names them instead of them being
    left out without a word."""
    folder = Path(folder)
    if not folder.is_dir():  # plans_folder() has checked that a linked force folder stays in the dataset
        return []
    found = []
    stack = [folder]
    while stack:
        current = stack.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                if entry.name.startswith(SKIPPED_NAMES):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                else:
                    found.append(Path(entry.path))
    return sorted(found)


def force_inputs(data_dir: Path, round_id: str, force: str) -> list[Path]:
    """Every input file of one force in one round (for hashes and change detection)."""
    return round_inputs(data_dir, round_id, [force])[force]


def round_inputs(data_dir: Path, round_id: str, forces: list[str]) -> dict[str, list[Path]]:
    """Every input file of each of these forces in one round, the round's folders checked once (a run looks at
    every force's files before it starts: at 200 forces, checking the folders for each took a second)."""
    folders = {sub: _round_subfolder(data_dir, round_id, sub) for sub in ("submissions", "reviews", "plans")}
    out = {}
    for force in forces:
        files = [submission_file(data_dir, round_id, force, folders["submissions"]),
                 review_file(data_dir, round_id, force, folders["reviews"])]
        files = [f for f in files if f is not None and os.path.lexists(f)]
        out[force] = files + plan_files(plans_folder(data_dir, round_id, force, folders["plans"]))
    return out


def input_hashes(files: list[Path], root: Path) -> dict[str, str]:
    """The SHA-256 of each regular file, by its path relative to `root`. Nothing else is opened (a pipe or a
    device would never end): a link, a special file, a missing file or one over max_file_mb gets a note saying
    so instead of a hash (with what identifies it, so that a change is still seen)."""
    out = {}
    root = Path(root).resolve()
    limit = default_limits().max_file_mb * 2**20
    for f in files:
        f = Path(f)
        own = f.parent.resolve() / f.name  # the link itself, not what it points at
        try:
            key = str(own.relative_to(root))
        except ValueError:
            key = str(f)
        out[key] = _hash_or_note(own, limit)
    return out


def _hash_or_note(path: Path, limit: float) -> str:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return "not hashed: file not found"
    if stat.S_ISLNK(info.st_mode):
        target = os.readlink(path)
        state = "" if path.exists() else ", which does not exist"
        return f"not hashed: a symbolic link to {target}{state} (gapkit reads only regular files)"
    if not stat.S_ISREG(info.st_mode):
        return "not hashed: not a regular file (a folder, device, pipe or socket)"
    if info.st_size > limit:
        return f"not hashed: {info.st_size} bytes, over max_file_mb (modified {info.st_mtime_ns})"
    return sha256(path)
