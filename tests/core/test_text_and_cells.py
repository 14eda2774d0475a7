"""Text from outside is cleaned where it is read (core.text.clean) and written only through core.cells.put, which
never writes a formula and never gives openpyxl a character it refuses."""

import zipfile

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from gapkit.core.cells import MAX_CELL_CHARS, put, read_csv, safe_cell, safe_frame
from gapkit.core.excel import header_text, print_setup, write_cell, write_table
from gapkit.core.text import clean, unreadable_share, xml_safe

INJECTED = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize("raw,kept", [
    ("com\ufffeplete", "complete"),           # what PDFium gives for a line-end hyphen
    ("a\x00b\x07c\x1bd", "abcd"),              # controls XML cannot hold
    ("x\ud800y\uffffz", "xyz"),               # a lone surrogate, a non-character
    ("in\u00adplace \u2013 done", "in-place - done"),
    ("line\r\nend\rthere", "line\nend\nthere"),
])
def test_clean_leaves_only_what_every_writer_takes(raw, kept):
    assert clean(raw) == kept
    wb = Workbook()
    wb.active["A1"] = clean(raw)  # openpyxl refuses U+FFFE, NUL and the like; the cleaned text it takes


def test_unreadable_share_tells_text_from_binary():
    assert unreadable_share("A plan.\n\tWith a tab and a page break\x0c.") == 0
    assert unreadable_share(bytes(range(256)).decode("cp1252", errors="replace")) > 0.1
    assert unreadable_share("") == 0


def test_put_never_writes_a_formula_or_a_character_openpyxl_refuses(tmp_path):
    wb = Workbook()
    ws = wb.active
    for row, value in enumerate([INJECTED, "+1", "-2", "@x", "ok", "bad\ufffe\x00text", "x" * (MAX_CELL_CHARS + 10),
                                 3.5, None], 1):
        put(ws.cell(row, 1), value)
    write_cell(ws, 10, 1, INJECTED).font = ws["A1"].font.copy(bold=True)
    path = tmp_path / "t.xlsx"
    wb.save(path)
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml
    back = load_workbook(path).active
    assert back["A1"].value == INJECTED and back["A1"].data_type == "s" and back["A1"].quotePrefix
    assert back["A6"].value == "badtext"
    assert len(back["A7"].value) == MAX_CELL_CHARS
    assert back["A8"].value == 3.5 and back["A10"].value == INJECTED


def test_xml_safe_changes_nothing_else():
    assert xml_safe("caf\u00e9 \u2013 \u00a0ok\x00") == "caf\u00e9 \u2013 \u00a0ok"


def test_page_headers_double_ampersands_and_stay_short():
    assert header_text("Police & Crime") == "Police && Crime"
    assert len(header_text("t" * 400)) <= 100
    wb = Workbook()
    print_setup(wb.active, "OFFICIAL & SENSITIVE", "A title")
    assert wb.active.oddHeader.center.text == "OFFICIAL && SENSITIVE"


_TEXT = st.one_of(st.none(), st.text(alphabet=st.sampled_from(list("=+-@'\t\rab1 ")), max_size=6))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_TEXT, _TEXT, st.one_of(_TEXT, st.integers(-5, 5))), min_size=1, max_size=8))
def test_frames_written_safe_read_back_as_they_were(tmp_path_factory, rows):
    """Every text cell is neutralised as safe_cell does it, whatever the column's type (str, string, mixed), and
    reading the CSV gives back every cell as it was."""
    frame = pd.DataFrame(rows, columns=["text", "string", "mixed"]).astype({"string": "string"})
    safe = safe_frame(frame)

    def cells(values):
        return [None if not isinstance(v, str) and pd.isna(v) else v for v in values]

    for col in frame.columns:
        assert cells(safe[col]) == cells(safe_cell(v) for v in frame[col])
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    safe.to_csv(path, index=False, lineterminator="\r\n")
    back = read_csv(path, dtype=str, keep_default_na=False)
    assert back["text"].tolist() == [v or "" for v in cells(frame["text"])]
    assert back["mixed"].tolist() == ["" if v is None else str(v) for v in cells(frame["mixed"])]


def test_table_text_wraps_when_longer_than_its_column():
    """Text longer than a fixed column width wraps (it was cut off in print: 'Chief Information Officer' in an
    18-character Owner column); text that fits stays on one line; long text always wraps."""
    ws = Workbook().active
    frame = pd.DataFrame({"Owner": ["Chief Information Officer", "DCC"], "Action": ["x" * 45, "short"]})
    write_table(ws, frame, widths={"Owner": 18})
    assert [bool(ws.cell(r, 1).alignment.wrap_text) for r in (2, 3)] == [True, False]
    assert [bool(ws.cell(r, 2).alignment.wrap_text) for r in (2, 3)] == [True, False]
    assert ws.column_dimensions["A"].width == 18
