"""Where gapkit's files live. Every path is resolved from this file, never from the current directory.

Round and force ids become folder and file names, so they are checked here (`check_id`) and every path built from
them is checked to stay inside its base folder (`inside`)."""

from __future__ import annotations

import re
from pathlib import Path

from gapkit.core.errors import GapkitError

PROJ_ROOT = Path(__file__).resolve().parents[3]  # src/gapkit/core/paths.py
DATA_DIR = PROJ_ROOT / "data"
FRAMEWORKS_DIR = DATA_DIR / "frameworks"
CONFIG_DIR = DATA_DIR / "config"
REFERENCE_DIR = DATA_DIR / "reference"
DEMO_DIR = DATA_DIR / "demo"
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
REPORTS_DIR = PROJ_ROOT / "reports"
FORCES_CSV = REFERENCE_DIR / "forces.csv"
CROSSWALK_FILE = FRAMEWORKS_DIR / "crosswalk.yaml"
SCORING_FILE = CONFIG_DIR / "scoring.yaml"
FORCE_NOTEBOOK = NOTEBOOKS_DIR / "force_assessment.ipynb"
NATIONAL_NOTEBOOK = NOTEBOOKS_DIR / "national_overview.ipynb"
INDEX_PAGE = "index.html"  # OUT/index.html: what a run made (gapkit.outputs.index)

# A round or force id: lower-case letters, digits and hyphens, starting with a letter or digit ("2019",
# "west-yorkshire"). It never holds a path separator, "..", a space or a leading "-" (which a shell reads as an
# option), so a folder or file name made from it stays where it is put.
ID_PATTERN = r"[a-z0-9][a-z0-9-]*"
MAX_ID_CHARS = 64
_ID = re.compile(ID_PATTERN)
ID_RULE = "lower-case letters, digits and hyphens, starting with a letter or digit"


def is_id(value: object) -> bool:
    return isinstance(value, str) and len(value) <= MAX_ID_CHARS and _ID.fullmatch(value) is not None


def check_id(value: object, kind: str, file: str | Path = "", where: str = "") -> str:
    """`value` if it is a valid round or force id (`kind` is "round" or "force"), else a GapkitError."""
    if is_id(value):
        return value  # type: ignore[return-value]
    example = "2019" if kind == "round" else "west-yorkshire"
    raise GapkitError.one(file or kind, where, f"{value!r} is not a valid {kind} id",
                          f"use {ID_RULE} (e.g. {example}), at most {MAX_ID_CHARS} characters")


def inside(base: str | Path, path: str | Path) -> bool:
    """Whether `path`, with every link followed, is `base` or lies under it."""
    base, path = Path(base).resolve(), Path(path).resolve()
    return path == base or base in path.parents


def check_inside(base: str | Path, path: str | Path, what: str) -> Path:
    """`path` if it stays inside `base` (links followed), else a GapkitError naming both."""
    if not inside(base, path):
        raise GapkitError.one(path, "", f"the {what} leads outside {base} (through a link or '..')",
                              f"put the {what} itself inside {base}, not a link to somewhere else")
    return Path(path)


def round_dir(data_dir: Path, round_id: str) -> Path:
    """The folder of one assessment round inside a dataset (see docs/dataset.md); the id is checked and the
    folder must not lead outside the dataset."""
    check_id(round_id, "round", Path(data_dir) / "rounds")
    return check_inside(data_dir, Path(data_dir) / "rounds" / round_id, "round folder")
