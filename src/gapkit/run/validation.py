"""`gapkit validate`: check any mix of framework folders, YAML files and workbooks in one pass.

This is the one module that knows every kind of input, so it sits above the readers."""

from __future__ import annotations

import os
from pathlib import Path

from gapkit.assess.evidence import calibration
from gapkit.assess.status import cues
from gapkit.catalogue.frameworks import Catalogue, default_catalogue, load_catalogue, load_crosswalk, load_framework
from gapkit.catalogue.settings import ScoringConfig, default_config, load_scoring_config
from gapkit.catalogue.textmatch import acronym_file
from gapkit.catalogue.vocabulary import status_words, tracker_settings
from gapkit.core.errors import GapkitError, Issue
from gapkit.core.limits import default_limits
from gapkit.inputs.layout import load_round
from gapkit.inputs.review import check_review, is_review_workbook
from gapkit.inputs.tracker import read_submission


# the data/config files, each checked by the reader that uses it (cached readers are given the path, so a copy
# elsewhere is read afresh)
CONFIG_READERS = {
    "tracker_headers.yaml": tracker_settings,
    "status_vocabulary.yaml": status_words,
    "acronyms.yaml": acronym_file,
    "evidence_cues.yaml": cues,
    "evidence_calibration.yaml": calibration,
    "limits.yaml": default_limits,
}


def _validate_yaml(path: Path) -> None:
    if path.name in CONFIG_READERS:
        reader = CONFIG_READERS[path.name]
        reader.__wrapped__(path) if hasattr(reader, "__wrapped__") else reader(path)
    elif path.name == "crosswalk.yaml":
        load_crosswalk(path, load_catalogue(path.parent).frameworks)
    elif path.name == "scoring.yaml":
        load_scoring_config(path)
    elif path.name == "round.yaml":  # DATA/rounds/ROUND/round.yaml
        load_round(path.parent.parent.parent, path.parent.name, default_catalogue())
    else:
        load_framework(path)


def check_workbook(path: Path, catalogue: Catalogue, settings: ScoringConfig) -> list[Issue]:
    """Every problem in a submission or review workbook, errors and warnings."""
    if is_review_workbook(path):
        return check_review(path, catalogue=catalogue, settings=settings)
    return read_submission(path, force="unknown", round_id="check", catalogue=catalogue, settings=settings).issues


def validate_path(path: Path) -> list[Issue]:
    path = Path(os.path.abspath(path))  # a bare round.yaml still knows its round folder
    try:
        if path.is_dir():
            load_catalogue(path)
        elif not path.exists():
            return [Issue(str(path), "", "no such file or folder", "check the path")]
        elif path.suffix.lower() in (".yaml", ".yml"):
            _validate_yaml(path)
        elif path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods", ".csv"):
            return check_workbook(path, default_catalogue(), default_config())
        else:
            return [Issue(str(path), "", f"gapkit cannot validate '{path.suffix}' files",
                          "give a framework folder, a .yaml file or an .xlsx/.xlsm workbook")]
    except GapkitError as exc:
        return exc.issues
    return []


def validate_paths(targets: list[Path]) -> list[Issue]:
    return [issue for target in targets for issue in validate_path(target)]
