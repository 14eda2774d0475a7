"""The one place the round model is written to disk and read back (CSV, one file per table, atomically).

A force's folder holds its own model; the round's folder holds every force's. Text from forces is neutralised for
spreadsheets on the way out and restored on the way in (gapkit.core.cells)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gapkit.core.cells import read_csv, safe_frame
from gapkit.core.errors import GapkitError
from gapkit.core.fileio import atomic_path
from gapkit.scoring.files import FILES
from gapkit.scoring.model import SCHEMAS, RoundModel, is_text

DATE_COLUMNS = ("due_date", "deadline")


def write_model(model: RoundModel, folder: Path) -> list[Path]:
    folder = Path(folder)
    written = []
    for name, frame in model.tables().items():
        target = folder / FILES[name]
        with atomic_path(target) as tmp:
            # CRLF line ends make the csv writer quote any text holding a lone CR, so every text reads back exactly
            safe_frame(frame).to_csv(tmp, index=False, lineterminator="\r\n")
        written.append(target)
    return written


def read_model(folder: Path, validate: bool = True) -> RoundModel:
    """Read a model gapkit wrote; an incomplete folder is an error naming what is missing.

    `validate=False` gives the schemas' types without their checks (RoundModel.typed): the runner reads every
    force's model and checks the round's once, and a force notebook reads what its run has just written."""
    folder = Path(folder)
    missing = [f for f in FILES.values() if not (folder / f).exists()]
    if missing:
        raise GapkitError.one(folder, "", f"no complete results here (missing {', '.join(missing)})",
                              "run 'gapkit run' for this round first")
    tables = {}
    for name, file in FILES.items():
        columns = SCHEMAS[name].columns
        text = {c: str for c, col in columns.items() if is_text(col)}
        frame = read_csv(folder / file, dtype=text, keep_default_na=False, na_values={c: [""] for c in columns
                                                                                        if c not in text})
        for col in DATE_COLUMNS:
            if col in frame:
                frame[col] = pd.to_datetime(frame[col], errors="coerce")
        tables[name] = frame
    return RoundModel.validated(tables) if validate else RoundModel.typed(tables)
