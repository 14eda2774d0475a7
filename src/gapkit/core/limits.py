"""Limits on what gapkit reads (data/config/limits.yaml), checked before a file is parsed."""

from __future__ import annotations

import stat
import zipfile
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from gapkit.core import paths
from gapkit.core.errors import GapkitError

LIMITS_FILE = paths.CONFIG_DIR / "limits.yaml"


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    max_file_mb: float = Field(gt=0)
    max_yaml_kb: float = Field(gt=0)
    max_yaml_aliases: int = Field(ge=0)
    max_zip_members: int = Field(gt=0)
    max_unzipped_mb: float = Field(gt=0)
    max_zip_ratio: float = Field(gt=1)
    max_sheet_rows: int = Field(gt=0)
    max_sheet_columns: int = Field(gt=0)
    max_pdf_pages: int = Field(gt=0)
    max_plan_chars: int = Field(gt=0)


@lru_cache(maxsize=2)
def default_limits(path: Path = LIMITS_FILE) -> Limits:
    # plain safe_load: this file is gapkit's own and small; yamlio (which checks sizes) would need the limits first
    return Limits.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def _raise(path: Path, message: str, limit: str) -> None:
    raise GapkitError.one(path, "", message, f"if the file is genuine, raise {limit} in data/config/limits.yaml")


def check_regular_file(path: Path, limits: Limits | None = None) -> None:
    """A regular file (not a link, device or pipe) within the size limit."""
    limits = limits or default_limits()
    path = Path(path)
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise GapkitError.one(path, "", "file not found", "check the path") from None
    if stat.S_ISLNK(info.st_mode):
        raise GapkitError.one(path, "", "the file is a symbolic link; gapkit reads only regular files",
                              "put the file itself in the dataset instead of a link")
    if not stat.S_ISREG(info.st_mode):
        raise GapkitError.one(path, "", "not a regular file (a device, pipe or folder)",
                              "put the file itself in the dataset")
    if info.st_size > limits.max_file_mb * 2**20:
        _raise(path, f"the file is {info.st_size / 2**20:.0f} MB, over the limit of {limits.max_file_mb:g} MB "
                     "(max_file_mb)", "max_file_mb")


def check_zip_archive(path: Path, limits: Limits | None = None) -> None:
    """An Office file's zip parts, checked before anything is unpacked: how many, how large, how compressed."""
    limits = limits or default_limits()
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) > limits.max_zip_members:
            _raise(path, f"the file holds {len(members)} parts, over the limit of {limits.max_zip_members} "
                         "(max_zip_members)", "max_zip_members")
        total = sum(m.file_size for m in members)
        if total > limits.max_unzipped_mb * 2**20:
            _raise(path, f"the file unpacks to {total / 2**20:.0f} MB, over the limit of "
                         f"{limits.max_unzipped_mb:g} MB (max_unzipped_mb)", "max_unzipped_mb")
        for m in members:
            if m.file_size > 2**20 and m.file_size > limits.max_zip_ratio * max(m.compress_size, 1):
                _raise(path, f"part {m.filename} unpacks {m.file_size / max(m.compress_size, 1):.0f} times its "
                             f"packed size, over the limit of {limits.max_zip_ratio:g} (max_zip_ratio); "
                             "it looks like a zip bomb", "max_zip_ratio")
