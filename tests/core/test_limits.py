"""Files are checked before they are opened (regular file, size) and Office zips before they are unpacked (parts,
sizes, ratio, XML DTDs). Each limit's message names the limit and where to raise it."""

import os
import re
import time
import zipfile
from pathlib import Path

import docx
import pytest
from openpyxl import Workbook, load_workbook

from gapkit.core.errors import GapkitError
from gapkit.core.limits import LIMITS_FILE, check_regular_file, check_zip_archive, default_limits

# The XML 'billion laughs': &lol9; is 10**9 times "lol" once expanded.
LOL = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
       + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
       + "]>")
FIXTURE = Path(__file__).parents[1] / "fixtures" / "libreoffice-saved-west-yorkshire-2017.xlsx"  # shared strings


def rebuild(src, dst, replace=None, extra=None):
    """A copy of an Office file with some parts replaced or added."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if replace and item.filename in replace:
                data = replace[item.filename](data)
            zout.writestr(item.filename, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


def with_entity_bomb(data: bytes, word: bytes | None) -> bytes:
    """The part with a 'billion laughs' DTD before its root element, and `word` (if given) replaced by the entity."""
    head, body = data.split(b"?>", 1) if data.startswith(b"<?xml") else (b"", data)
    body = body.replace(word, b"&lol9;", 1) if word else body
    return (head + b"?>" if head else b"") + LOL.encode() + body


def small_docx(path):
    d = docx.Document()
    d.add_paragraph("hello plan")
    d.save(path)
    return path


def small_xlsx(path):
    wb = Workbook()
    wb.active["A1"] = "hello plan"
    wb.save(path)
    return path


def _error(check, path, **kwargs) -> str:
    with pytest.raises(GapkitError) as exc:
        check(path, **kwargs)
    return str(exc.value)


def test_regular_files_only(tmp_path):
    real = tmp_path / "real.md"
    real.write_text("text")
    check_regular_file(real)
    (tmp_path / "link.md").symlink_to(real)
    assert "symbolic link" in _error(check_regular_file, tmp_path / "link.md")
    (tmp_path / "zero.md").symlink_to("/dev/zero")
    assert "symbolic link" in _error(check_regular_file, tmp_path / "zero.md")
    os.mkfifo(tmp_path / "pipe.md")
    assert "device, pipe or socket" in _error(check_regular_file, tmp_path / "pipe.md")
    assert "folder" in _error(check_regular_file, tmp_path)
    assert "file not found" in _error(check_regular_file, tmp_path / "missing.md")


def test_size_limit_names_max_file_mb(tmp_path):
    path = tmp_path / "big.pdf"
    path.write_bytes(b"x" * 3000)
    small = default_limits().model_copy(update={"max_file_mb": 1000 / 2**20})
    message = _error(check_regular_file, path, limits=small)
    assert "big.pdf" in message and "max_file_mb" in message and str(LIMITS_FILE) in message


def test_a_zip_bomb_is_refused_by_its_ratio_without_unpacking(tmp_path):
    bomb = rebuild(small_docx(tmp_path / "a.docx"), tmp_path / "bomb.docx",
                   extra={"word/media/pad.bin": b"\0" * (20 * 2**20)})
    started = time.monotonic()
    message = _error(check_zip_archive, bomb)
    assert time.monotonic() - started < 0.5
    assert "bomb.docx" in message and "word/media/pad.bin" in message and "max_zip_ratio" in message


def test_too_many_parts_and_too_large_unpacked(tmp_path):
    path = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(30):
            z.writestr(f"p{i}.bin", os.urandom(2000))
    assert "max_zip_members" in _error(check_zip_archive, path,
                                       limits=default_limits().model_copy(update={"max_zip_members": 20}))
    assert "max_unzipped_mb" in _error(check_zip_archive, path,
                                       limits=default_limits().model_copy(update={"max_unzipped_mb": 0.01}))


def test_a_damaged_zip_is_an_error_not_an_exception(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(small_docx(tmp_path / "a.docx").read_bytes()[:-200])
    assert "damaged" in _error(check_zip_archive, path)


def test_good_office_files_pass(tmp_path):
    check_zip_archive(small_docx(tmp_path / "a.docx"))
    check_zip_archive(small_xlsx(tmp_path / "a.xlsx"))
    check_zip_archive(FIXTURE)


def _refused_or_harmless(read) -> None:
    """`read()` either refuses the file because of its entities, or returns text that was never expanded; quickly."""
    started = time.monotonic()
    try:
        text = read()
        assert len(text) < 1000 and "lollol" not in text
    except Exception as exc:  # noqa: BLE001  (refusing is the other acceptable answer)
        chain = []
        while exc is not None:  # openpyxl wraps the parser's error in a ValueError
            chain.append(exc)
            exc = exc.__cause__ or exc.__context__
        reasons = {type(e).__name__ for e in chain} | {"amplification" for e in chain if "amplification" in str(e)}
        assert reasons & {"EntitiesForbidden", "DTDForbidden", "amplification"}, chain
    assert time.monotonic() - started < 5


def test_an_entity_bomb_docx_is_refused_and_python_docx_would_not_expand_it(tmp_path):
    bomb = rebuild(small_docx(tmp_path / "a.docx"), tmp_path / "lol.docx",
                   replace={"word/document.xml": lambda d: with_entity_bomb(d, b"hello plan")})
    started = time.monotonic()
    message = _error(check_zip_archive, bomb)
    assert time.monotonic() - started < 0.5
    assert "lol.docx > part word/document.xml" in message and "DTD" in message
    # unchecked, python-docx (lxml, entities not resolved, libxml2's amplification guard) refuses or keeps it small
    _refused_or_harmless(lambda: " ".join(p.text for p in docx.Document(str(bomb)).paragraphs))


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_an_entity_bomb_xlsx_is_refused_and_openpyxl_does_not_expand_it(tmp_path, part):
    src = FIXTURE if part == "xl/sharedStrings.xml" else small_xlsx(tmp_path / "a.xlsx")
    first_text = re.compile(rb"(<t[^>]*>)[^<]+")  # the first text of the part, where the entity goes

    def bomb_part(data: bytes) -> bytes:
        return first_text.sub(rb"\1&lol9;", with_entity_bomb(data, None), count=1)

    bomb = rebuild(src, tmp_path / "lol.xlsx", replace={part: bomb_part})
    message = _error(check_zip_archive, bomb)
    assert f"lol.xlsx > part {part}" in message and "DTD" in message
    # openpyxl on its own (defusedxml for strings and worksheets; lxml without entity resolution elsewhere)
    for read_only in (False, True):
        _refused_or_harmless(lambda: " ".join(str(c) for ws in load_workbook(bomb, read_only=read_only).worksheets
                                              for row in ws.iter_rows(values_only=True) for c in row))
