"""Excel helpers shared by every workbook gapkit writes: safe cells, tables, header style, print set-up."""

from __future__ import annotations

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from gapkit.core.cells import put

HEADER_FILL = PatternFill("solid", fgColor="1F3864")
HEADER_FONT = Font(bold=True, color="FFFFFF")
# one object for each alignment a table uses (styles are immutable; a new one for every cell took a tenth of the time
# of writing a force's workbook)
TOP, TOP_WRAPPED = Alignment(vertical="top"), Alignment(wrap_text=True, vertical="top")
HEADER_CHARS = 100  # Excel refuses a page header or footer over 255 characters, codes included


def write_cell(ws, row: int, column: int, value: object):
    """Write one cell through put (text never as a formula); the cell, for styling."""
    cell = ws.cell(row, column)
    put(cell, value)
    return cell


SIDE_CHARS = 48  # a left or right header section holds about this many 7-point characters before the centre


def header_text(text: str, limit: int = HEADER_CHARS) -> str:
    """Text for a page header or footer: '&' doubled (a single one starts a code such as &P), not too long."""
    text = str(text)
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return text.replace("&", "&&")


def print_setup(ws, marking: str, title: str, wide: bool = False) -> None:
    """Landscape, fit to width; the protective marking centred at the top and bottom of every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3 if wide else ws.PAPERSIZE_A4  # wide sheets stay legible on A3
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    # small and short enough to stay clear of the marking in the centre section
    ws.oddHeader.left.text = "&7 " + header_text(title, SIDE_CHARS)  # the space ends the size code
    ws.oddHeader.center.text = header_text(marking)
    ws.oddFooter.center.text = header_text(marking)
    ws.oddFooter.right.text = "Page &P of &N"


def fit_row_heights(ws, first_row: int, last_row: int, line_points: float = 15, most: float = 150) -> None:
    """Row heights for wrapped text, from each text's length and its column's width: spreadsheet programs do not
    always grow rows written by openpyxl, and then print wrapped text over the next row."""
    widths = {}
    for row in ws.iter_rows(min_row=first_row, max_row=last_row):
        lines = 1
        for cell in row:
            if not isinstance(cell.value, str) or not cell.value:
                continue
            letter = cell.column_letter
            if letter not in widths:
                dim = ws.column_dimensions.get(letter)
                widths[letter] = None if dim is not None and dim.hidden else \
                    (dim.width if dim is not None and dim.width else 8.43)
            if widths[letter] is None:  # a hidden column prints nothing
                continue
            chars = max(widths[letter] - 1, 1)
            lines = max(lines, sum(-(-max(len(part), 1) // int(chars)) for part in cell.value.split("\n")))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = min(line_points * lines, most)


def write_table(ws, frame: pd.DataFrame, start_row: int = 1, name: str | None = None,
                widths: dict[str, int] | None = None) -> tuple[int, int]:
    """Write a DataFrame as a header + rows (text never as formulas); optionally as a named Excel table.

    Returns (first data row, last row)."""
    col_widths = []
    for col, header in enumerate(frame.columns, 1):
        width = (widths or {}).get(header)
        if width is None:
            sample = [len(str(header))] + [len(str(v)) for v in frame.iloc[:200, col - 1]]
            width = min(max(sample) + 2, 60)
        col_widths.append(max(width, 8))
        ws.column_dimensions[get_column_letter(col)].width = col_widths[-1]
    for col, header in enumerate(frame.columns, 1):
        cell = ws.cell(start_row, col)
        put(cell, str(header))
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = TOP_WRAPPED
    # text wraps when it is long, or longer than its column is wide (a fixed width: 'Chief Information Officer' in
    # an 18-character Owner column was cut off in print)
    wrap_over = [min(40, w - 1) for w in col_widths]
    for r, row in enumerate(frame.itertuples(index=False), start_row + 1):
        for c, value in enumerate(row, 1):
            cell = ws.cell(r, c)
            put(cell, value)
            cell.alignment = TOP_WRAPPED if isinstance(value, str) and len(value) > wrap_over[c - 1] else TOP
            if isinstance(value, float):
                cell.number_format = "0.0"
            if isinstance(value, pd.Timestamp) or hasattr(value, "year"):
                cell.number_format = "yyyy-mm-dd"
    last = start_row + len(frame)
    fit_row_heights(ws, start_row + 1, last)
    if name and len(frame):
        ref = f"A{start_row}:{get_column_letter(len(frame.columns))}{last}"
        table = Table(displayName=name, ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(table)
    ws.print_title_rows = f"{start_row}:{start_row}"
    ws.freeze_panes = ws.cell(start_row + 1, 1)
    return start_row + 1, last
