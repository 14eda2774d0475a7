"""Where a round model lives on disk: one CSV per table. Kept apart from the store (which needs pandas and
pandera) so that deciding whether there is work to do stays quick."""

from __future__ import annotations

from pathlib import Path

FILES = {"overall": "summary.csv", "requirements": "scores.csv", "themes": "themes.csv", "actions": "actions.csv",
         "evidence": "evidence.csv", "issues": "issues.csv", "history": "history.csv", "forces": "forces.csv",
         "inputs": "inputs.csv"}


def has_model(folder: Path) -> bool:
    return all((Path(folder) / f).exists() for f in FILES.values())


def model_files(folder: Path) -> list[Path]:
    return [Path(folder) / f for f in FILES.values()]
