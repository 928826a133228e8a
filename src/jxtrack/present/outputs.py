"""Text leaving the system: the one owner of how user-controlled text is made safe in the files we
write (CSV, Excel) and on the terminal.

Text that county users control -- file names, 偏差说明, withdrawal reasons, region names a working
group adds -- ends up in spreadsheets that officials open.  A cell beginning with = + - @ (ASCII or
full-width), a tab or a line break is read by Excel/WPS as a formula (formula or DDE injection,
``=HYPERLINK(...)``, ``=cmd|...``).  Every CSV and Excel writer goes through this module:

* ``neutralise(text)`` -- for CSV (and any plain-text cell): such text gets a leading apostrophe;
* ``put_cell(ws, ...)`` / ``xlsx_bytes(df)`` -- for Excel: every string is written as a *text* cell
  (never a formula) and formula-like text is marked "quote prefix", so Excel shows the county's text
  exactly, with no visible apostrophe, and keeps it text when the cell is edited;
* ``csv_text(df)`` / ``csv_bytes(df)`` -- a DataFrame as CSV with its strings neutralised.

Numbers stay numbers, negative ones included: only strings are neutralised, and a string that is a
plain number ('-10.4', '+3.5', '1,234', '-2%') is left alone, since spreadsheets read it as that
number and never as a formula.

``printable(text)`` is the terminal's counterpart: control characters (newlines inside a value,
ESC sequences that recolour or rewrite the terminal, bidi overrides) are shown escaped.
"""

from __future__ import annotations

import io
import re
import unicodedata
from typing import Any

import pandas as pd

# characters XML 1.0 (and so .docx/.xlsx) cannot hold
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# a leading character that makes a spreadsheet read text as a formula (or a DDE payload)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
# text a spreadsheet reads as a plain number (so it cannot be a formula)
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?")


def _missing(v: Any) -> bool:
    """None, NaN, NaT or pandas' NA (a scalar); anything else is a value."""
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def clean(text: Any) -> str:
    """Text safe for a .docx/.xlsx part: characters XML cannot hold are removed."""
    if _missing(text):
        return ""
    return _ILLEGAL.sub("", str(text))


def formula_like(text: str) -> bool:
    """Would a spreadsheet read this (cleaned) text as a formula?"""
    return text.startswith(FORMULA_START) and _PLAIN_NUMBER.fullmatch(text) is None


def neutralise(text: Any) -> str:
    """Cell text that no spreadsheet will read as a formula, for CSV and other plain text.

    Illegal control characters are removed first (so '\\x00=1' cannot slip through as '=1');
    formula-like text is then prefixed with an apostrophe, the usual guard against formula (CSV/DDE)
    injection."""
    s = clean(text)
    return "'" + s if formula_like(s) else s


def _map_strings(df: pd.DataFrame, fn) -> pd.DataFrame:
    """A copy of ``df`` with ``fn`` applied to every string cell and column name."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype) or isinstance(s.dtype, pd.CategoricalDtype):
            out[col] = s.astype(object).map(lambda v: fn(v) if isinstance(v, str) else v)
    out.columns = [fn(c) if isinstance(c, str) else c for c in out.columns]
    return out


def csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose string cells are neutralised (numbers, dates and blanks untouched)."""
    return _map_strings(df, neutralise)


def csv_text(df: pd.DataFrame) -> str:
    """``df`` as CSV text (no index), strings neutralised."""
    buf = io.StringIO()
    csv_frame(df).to_csv(buf, index=False)
    return buf.getvalue()


def csv_bytes(df: pd.DataFrame) -> bytes:
    """``df`` as CSV bytes with a UTF-8 BOM, so Excel opens the Chinese text correctly."""
    return csv_text(df).encode("utf-8-sig")


def put_cell(ws, row: int, col: int, value: Any, number_format: str | None = None):
    """Write one openpyxl cell.  A string becomes a text cell (never a formula; formula-like text
    marked quote-prefix, shown as typed); numbers stay numbers; NaN/None become empty."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        text = clean(value)
        cell.value = text
        cell.data_type = "s"          # openpyxl types any '=...' string as a formula: undo that
        if formula_like(text):
            cell.quotePrefix = True
        return cell
    cell.value = None if _missing(value) else value
    if cell.data_type == "f":         # belt and braces: nothing we write is ever a formula
        cell.data_type = "s"
        cell.quotePrefix = True
    if number_format:
        cell.number_format = number_format
    return cell


def xlsx_bytes(df: pd.DataFrame, sheet_name: str = "Sheet1") -> bytes:
    """``df`` as a one-sheet .xlsx (header row, no index) written through ``put_cell``."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = (clean(sheet_name).translate(str.maketrans("", "", "[]:*?/\\")) or "Sheet1")[:31]
    for j, name in enumerate(df.columns, start=1):
        put_cell(ws, 1, j, str(name))
    for i, row in enumerate(df.itertuples(index=False, name=None), start=2):
        for j, v in enumerate(row, start=1):
            if isinstance(v, pd.Timestamp):
                v = v.to_pydatetime()
            elif hasattr(v, "item") and not isinstance(v, str):  # numpy scalars -> Python numbers
                v = v.item()
            put_cell(ws, i, j, v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# what a terminal must not receive raw: C0/C1 controls and DEL, and the bidirectional overrides
# that make text display in another order than it is stored
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}


def printable_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose string cells are ``printable``."""
    return _map_strings(df, printable)


def printable(text: Any) -> str:
    """Text safe to print on a terminal: control characters are shown as escapes (``\\n``,
    ``\\e``, ``\\x07``, ``\\u202e``), so a file name cannot break a line, forge output or send
    terminal commands.  Everything else is kept as is."""
    s = "" if text is None else str(text)
    if s.isprintable() and not (_BIDI & set(s)):
        return s
    out = []
    for ch in s:
        if ch in _SHORT:
            out.append(_SHORT[ch])
        elif ch in _BIDI or unicodedata.category(ch) == "Cc":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


# inside JSON text a \\u escape is valid wherever such a character can occur (in strings); tab,
# CR and LF are left alone: between tokens they are layout, and inside strings encoders escape them
_JSON_ESCAPES = {c: f"\\u{c:04x}" for c in [*range(0x20), 0x7f, *range(0x80, 0xa0), *map(ord, _BIDI)]
                 if c not in (0x09, 0x0a, 0x0d)}


def printable_json(text: str) -> str:
    """JSON text safe to print on a terminal, meaning unchanged: raw control and bidi characters
    (JSON encoders leave some of them raw) are written as ``\\uXXXX`` escapes."""
    return text.translate(_JSON_ESCAPES)
