"""Exports of the indicator tables: CSV (UTF-8 with a byte-order mark, so that Excel shows
Khmer) and XLSX (XlsxWriter), with the place and office names beside their codes.

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
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    wb.set_properties({"title": title})
    bold, heading = wb.add_format({"bold": True}), wb.add_format({"bold": True, "font_size": 13})
    for table in tables:
        ws = wb.add_worksheet(table.key[:31])
        header, rows = header_and_rows(table, namer)
        ws.write_string(0, 0, f"{table.title_en} / {table.title_km}", heading)
        ws.write_string(1, 0, table.reading_en)
        ws.write_string(2, 0, table.reading_km)
        ws.write_row(3, 0, header, bold)
        for r, row in enumerate(rows, start=4):
            ws.write_row(r, 0, row)
        for i, text in enumerate(header):
            ws.set_column(i, i, min(max(12, len(text) * 0.6), 40))
        ws.freeze_panes(4, 0)
    wb.close()
    return buf.getvalue()
