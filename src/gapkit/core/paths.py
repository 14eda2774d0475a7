"""Where gapkit's files live. Every path is resolved from this file, never from the current directory."""

from __future__ import annotations

from pathlib import Path

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


def round_dir(data_dir: Path, round_id: str) -> Path:
    """The folder of one assessment round inside a dataset (see docs/dataset.md)."""
    return Path(data_dir) / "rounds" / str(round_id)
