"""The force registry: reference forces plus any a dataset adds (the demo's fictional forces)."""

from __future__ import annotations

import difflib
import functools
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from gapkit.core import paths
from gapkit.core.errors import GapkitError, Issue

FORCE_KINDS = ["territorial", "non-territorial", "fictional"]

ForcesSchema = pa.DataFrameSchema(
    {
        "force_id": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9-]+$"), unique=True),
        "pfa_code": pa.Column(str, pa.Check.str_matches(r"^([EW]\d{8})?$")),
        "pfa_name": pa.Column(str),
        "official_name": pa.Column(str, pa.Check.str_length(min_value=2)),
        "short_name": pa.Column(str),
        "region": pa.Column(str),
        "slug": pa.Column(str),
        "kind": pa.Column(str, pa.Check.isin(FORCE_KINDS)),
        "note": pa.Column(str),
    },
    strict=True,
    coerce=True,
)


def load_forces(path: Path = paths.FORCES_CSV) -> pd.DataFrame:
    """Read and validate a forces CSV; errors name the file and the CSV line. A file read before and not changed
    since is not read again (a run's worker and kernel load the registry for every force)."""
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise GapkitError.one(path, "", "file not found", "check the path") from None
    return _load_forces(str(path), stat.st_mtime_ns, stat.st_size).copy()


@functools.lru_cache(maxsize=16)
def _load_forces(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    """`mtime_ns` and `size` are the cache's key: a changed file is read again."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise GapkitError.one(path, "", "file not found", "check the path") from None
    try:
        return ForcesSchema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        issues = []
        for _, row in exc.failure_cases.iterrows():
            idx = row.get("index")
            line = f"line {int(idx) + 2}" if pd.notna(idx) else "header"
            issues.append(Issue(str(path), f"{line} (column {row['column']})",
                                f"fails check {row['check']}: {row['failure_case']!r}",
                                "correct the value (see data/reference/SOURCES.md for the columns)"))
        raise GapkitError(issues) from None


def registry(extra: Path | None = None) -> pd.DataFrame:
    """Reference forces, plus a dataset's own forces.csv when given."""
    frames = [load_forces(paths.FORCES_CSV)]
    if extra is not None and Path(extra).exists():
        frames.append(load_forces(extra))
    return pd.concat(frames, ignore_index=True).drop_duplicates("force_id", keep="last")


def _aliases(row: pd.Series) -> list[str]:
    return [v.casefold() for v in (row["force_id"], row["pfa_code"], row["pfa_name"], row["official_name"],
                                   row["short_name"], row["slug"]) if v]


def lookup(name: str, forces: pd.DataFrame | None = None) -> pd.Series:
    """Find a force by code, name, short name or slug, ignoring case. Unknown: error with the nearest names."""
    forces = registry() if forces is None else forces
    wanted = str(name).strip().casefold()
    for _, row in forces.iterrows():
        if wanted in _aliases(row):
            return row
    names = {alias: row["official_name"] for _, row in forces.iterrows() for alias in _aliases(row)}
    near = difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.5)
    suggestions = list(dict.fromkeys(names[n] for n in near))
    hint = f"did you mean {', '.join(suggestions)}?" if suggestions else "run 'gapkit forces' for the list"
    raise GapkitError([Issue("forces", "", f"unknown force '{name}'", hint)])
