"""Neutralise text that came from forces before it goes into a workbook, a CSV or HTML.

A cell beginning with =, +, -, @, tab or carriage return can be run as a formula by a spreadsheet (CSV/formula
injection). In workbooks such text is stored as a string with Excel's quote prefix, so it shows as typed; in CSVs
it gets a leading apostrophe. HTML escaping is left to jinja2's autoescape."""

from __future__ import annotations

import pandas as pd

from gapkit.core.text import xml_safe

MAX_CELL_CHARS = 32767  # Excel's limit: a longer text makes Excel "repair" the workbook and drop it
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_CARE = (*DANGEROUS_START, "'")  # what safe_cell changes


def is_dangerous(value: object) -> bool:
    return isinstance(value, str) and value.startswith(DANGEROUS_START)


def safe_cell(value: object) -> object:
    """For CSV: prefix dangerous text with an apostrophe (and text that already begins with one, so that
    restore_cell gives back exactly what was written)."""
    return "'" + value if is_dangerous(value) or (isinstance(value, str) and value.startswith("'")) else value


def put(cell, value: object) -> None:
    """Write a value into an openpyxl cell, never as a formula when it is text. Text loses only the characters
    XML cannot hold (openpyxl would refuse the whole workbook) and what is beyond Excel's cell limit."""
    if isinstance(value, str):
        value = xml_safe(value)
        if len(value) > MAX_CELL_CHARS:
            value = value[: MAX_CELL_CHARS - 3] + "..."
    if isinstance(value, float) and pd.isna(value):
        value = None
    if value is pd.NaT:
        value = None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if is_dangerous(value):
            cell.quotePrefix = True


def _texts(series: pd.Series) -> bool:
    return series.dtype == object or pd.api.types.is_string_dtype(series)


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell made safe for CSV (safe_cell). A column is only rewritten when one of its cells
    needs it, found by a plain scan of its values: almost none do, and pandas' per-column string methods cost more
    than the scan on the small tables of one force."""
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if _texts(series) and any(isinstance(v, str) and v.startswith(_NEEDS_CARE) for v in series.tolist()):
            out[col] = series.map(safe_cell)
    return out


def restore_cell(value: object) -> object:
    """Undo safe_cell on text gapkit wrote to CSV (an apostrophe before a dangerous first character or another
    apostrophe)."""
    if isinstance(value, str) and value.startswith("'") and (is_dangerous(value[1:]) or value[1:].startswith("'")):
        return value[1:]
    return value


def read_csv(path, **kwargs) -> pd.DataFrame:
    """Read a CSV gapkit wrote, restoring text that was neutralised for spreadsheets."""
    frame = pd.read_csv(path, **kwargs)
    for col in frame.columns:
        series = frame[col]
        if _texts(series) and any(isinstance(v, str) and v.startswith("'") for v in series.tolist()):
            frame[col] = series.map(restore_cell)
    return frame
