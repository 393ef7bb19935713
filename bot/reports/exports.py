"""Exports of the indicator tables: CSV (UTF-8 with a byte-order mark, so that Excel shows
Khmer) and XLSX (openpyxl), with the place and office names beside their codes.

Only aggregates go out: the tables hold counts, shares and durations, never a phone number, a
name of a person or a message text. Every table passes through `Table.suppressed(scope)` before it
gets here (`bot.reports.build_report`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence

from intake.indicators import Table

BOM = "\ufeff"
NAMED_DIMENSIONS = {"office", "district", "province"}

# (dimension, code) -> name, e.g. ("district", "0203") -> "Battambang Municipality"
Namer = Callable[[str, str], str]


def _no_names(dim: str, code: str) -> str:
    return ""


def header_and_rows(table: Table, namer: Namer = _no_names) -> tuple[list[str], list[list]]:
    """Column titles (English / Khmer) and rows, with a name column after each named code."""
    header, named = [], []
    for i, col in enumerate(table.columns):
        header.append(f"{col.en} / {col.km}")
        if col.kind == "dim" and col.key in NAMED_DIMENSIONS:
            header.append(f"{col.key} name / ឈ្មោះ")
            named.append(i)
    rows = []
    for row in table.rows:
        out = []
        for i, value in enumerate(row):
            out.append("" if value is None else value)
            if i in named:
                out.append(namer(table.columns[i].key, str(value)) if value not in (None, "-") else "")
        rows.append(out)
    return header, rows


def to_csv(tables: Sequence[Table], namer: Namer = _no_names) -> bytes:
    """One CSV: a single table as it is; several one after another, each under its title and
    reading, separated by a blank line. UTF-8 with BOM."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for n, table in enumerate(tables):
        if len(tables) > 1:
            if n:
                writer.writerow([])
            writer.writerow([f"{table.title_en} / {table.title_km}"])
            writer.writerow([table.reading_en])
        header, rows = header_and_rows(table, namer)
        writer.writerow(header)
        writer.writerows(rows)
    return (BOM + out.getvalue()).encode("utf-8")


def to_xlsx(tables: Sequence[Table], namer: Namer = _no_names, title: str = "JSC reports") -> bytes:
    """A workbook with one sheet per table: its title, its reading, then the table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = title
    for table in tables:
        ws = wb.create_sheet(table.key[:31])
        ws.append([f"{table.title_en} / {table.title_km}"])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([table.reading_en])
        ws.append([table.reading_km])
        header, rows = header_and_rows(table, namer)
        ws.append(header)
        for cell in ws[4]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        ws.freeze_panes = "A5"
        for i, text in enumerate(header, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(max(12, len(text) * 0.6), 40)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
