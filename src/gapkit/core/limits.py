"""Limits on what gapkit reads (data/config/limits.yaml), checked before a file is parsed.

Every message a limit gives names the limit and says where to raise it, so a genuine large input is one edit away
from being read."""

from __future__ import annotations

import stat
import zipfile
import zlib
from functools import lru_cache
from pathlib import Path
from xml.parsers import expat

import yaml
from pydantic import BaseModel, ConfigDict, Field

from gapkit.core import paths
from gapkit.core.errors import GapkitError

LIMITS_FILE = paths.CONFIG_DIR / "limits.yaml"
XML_PART_SUFFIXES = (".xml", ".rels", ".vml")  # the XML parts of an Office (OPC) package
_PROLOG_CHUNK = 1 << 16


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    max_file_mb: float = Field(gt=0)
    max_yaml_kb: float = Field(gt=0)
    max_yaml_aliases: int = Field(ge=0)
    max_yaml_depth: int = Field(gt=0)
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


def raise_fix(limit: str) -> str:
    """The fix of every limit's message: where to raise it."""
    return f"if the file is genuine, raise {limit} in {LIMITS_FILE}"


def _raise(path: Path, message: str, limit: str, where: str = "") -> None:
    raise GapkitError.one(path, where, message, raise_fix(limit))


def check_regular_file(path: Path, limits: Limits | None = None) -> None:
    """A regular file (not a link, device or pipe) within the size limit. Nothing is opened: a pipe or a device
    would block or never end."""
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
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a device, pipe or socket"
        raise GapkitError.one(path, "", f"not a regular file ({kind}); gapkit reads only regular files",
                              "put the file itself in the dataset")
    if info.st_size > limits.max_file_mb * 2**20:
        _raise(path, f"the file is {info.st_size / 2**20:.0f} MB, over the limit of {limits.max_file_mb:g} MB "
                     "(max_file_mb)", "max_file_mb")


def check_zip_archive(path: Path, limits: Limits | None = None) -> None:
    """An Office file's zip parts, checked before anything is unpacked: how many, how large, how compressed; then
    that no XML part declares a DTD (Office files never do; a DTD's entities are how an 'XML bomb' expands)."""
    limits = limits or default_limits()
    path = Path(path)
    try:
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
                    _raise(path, f"part {m.filename} unpacks {m.file_size / max(m.compress_size, 1):.0f} times "
                                 f"its packed size, over the limit of {limits.max_zip_ratio:g} (max_zip_ratio); "
                                 "it looks like a zip bomb", "max_zip_ratio")
            for m in members:
                if m.filename.lower().endswith(XML_PART_SUFFIXES) and not m.is_dir():
                    _check_no_dtd(archive, m, path)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise GapkitError.one(path, "", f"the file is damaged or not an Office (zip) file ({exc})",
                              "open it and save it again from Excel or Word") from None


class _Declared(Exception):
    """An XML part declares a DTD or entities."""


class _RootReached(Exception):
    """The root element began: no DTD can follow."""


def _check_no_dtd(archive: zipfile.ZipFile, member: zipfile.ZipInfo, path: Path) -> None:
    """Read a part only up to its root element (a DTD can only come before it), never expanding anything."""
    parser = expat.ParserCreate()

    def declared(*_args) -> None:
        raise _Declared

    def root(*_args) -> None:
        raise _RootReached

    parser.StartDoctypeDeclHandler = declared
    parser.EntityDeclHandler = declared
    parser.StartElementHandler = root
    try:
        with archive.open(member) as fh:
            while chunk := fh.read(_PROLOG_CHUNK):
                parser.Parse(chunk, False)
    except _RootReached:
        return
    except _Declared:
        raise GapkitError.one(path, f"part {member.filename}",
                              "the part declares an XML DTD or entities, which Office files never hold; it may be "
                              "an entity-expansion ('billion laughs') attack and was not read",
                              "open the original in Excel or Word and save it again") from None
    except expat.ExpatError:
        return  # not well-formed: the reader reports the damaged file
