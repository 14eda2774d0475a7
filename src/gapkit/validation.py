"""`gapkit validate`: check any mix of framework folders, YAML files and workbooks in one pass."""

from __future__ import annotations

from pathlib import Path

from gapkit import paths
from gapkit.errors import GapkitError, Issue


def _validate_yaml(path: Path) -> None:
    from gapkit.config import load_scoring_config
    from gapkit.frameworks import load_catalogue, load_crosswalk, load_framework

    if path.name == "crosswalk.yaml":
        load_crosswalk(path, load_catalogue(path.parent).frameworks)
    elif path.name == "scoring.yaml":
        load_scoring_config(path)
    elif path.name == "round.yaml":  # DATA/rounds/ROUND/round.yaml
        from gapkit.dataset import load_round
        load_round(path.parent.parent.parent, path.parent.name)
    else:
        load_framework(path)


def validate_path(path: Path) -> list[Issue]:
    from gapkit.frameworks import load_catalogue

    path = Path(path)
    try:
        if path.is_dir():
            load_catalogue(path)
        elif not path.exists():
            return [Issue(str(path), "", "no such file or folder", "check the path")]
        elif path.suffix.lower() in (".yaml", ".yml"):
            _validate_yaml(path)
        elif path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods", ".csv"):
            from gapkit.submissions import check_workbook
            return check_workbook(path)
        else:
            return [Issue(str(path), "", f"gapkit cannot validate '{path.suffix}' files",
                          "give a framework folder, a .yaml file or an .xlsx/.xlsm workbook")]
    except GapkitError as exc:
        return exc.issues
    return []


def validate_paths(targets: list[Path]) -> list[Issue]:
    return [issue for target in targets for issue in validate_path(target)]


__all__ = ["validate_path", "validate_paths", "paths"]
