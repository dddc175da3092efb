"""Streaming readers and writers for the tables Chinese offices exchange (Excel .xlsx and CSV).

Files are read row by row (csv on a text stream, openpyxl in read-only mode), so a file of a
million rows is never held in memory. Headers are Chinese; a ``Column`` maps each to a field.

Every file written here is safe to open in a spreadsheet: a text cell that Excel or WPS would read
as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with
a leading ``'`` (OWASP, CSV injection), in CSV and in xlsx alike; the reader takes that ``'`` off
again, so an exported file can be edited and imported unchanged.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from linli.core.engine.crypto import MASKERS

XLSX_MAGIC = b"PK\x03\x04"


class TableError(ValueError):
    """The file as a whole cannot be read (wrong format, missing columns); ``code`` for both doors."""

    code = "file.unreadable"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    help: str = ""
    example: str = ""
    sensitive: str = ""  # "id_number" or "phone": values are masked in error reports


@dataclass
class RowError:
    row: int  # 1-based row number as a spreadsheet shows it (header is row 1)
    column: str  # Chinese header, or "" for the whole row
    message: str
    value: str = ""


@dataclass
class ErrorReport:
    """All errors found in a file, in order. ``limit`` bounds what is kept in detail, never the count."""

    limit: int = 10_000
    errors: list[RowError] = field(default_factory=list)
    total: int = 0
    rows_with_errors: set[int] = field(default_factory=set)
    masks: dict[str, Any] = field(default_factory=dict)  # column header → masking function
    order: dict[str, int] = field(default_factory=dict)  # column header → its place in the template

    @classmethod
    def for_columns(cls, columns: list[Column]) -> ErrorReport:
        return cls(
            masks={c.header: MASKERS[c.sensitive] for c in columns if c.sensitive},
            order={c.header: i for i, c in enumerate(columns)},
        )

    def add(self, row: int, column: str, message: str, value: Any = "") -> None:
        self.total += 1
        self.rows_with_errors.add(row)
        if len(self.errors) < self.limit:
            mask = self.masks.get(column)
            text = mask(str(value)) if (mask and value) else value
            self.errors.append(RowError(row, column, message, _short(text)))

    def __bool__(self) -> bool:
        return self.total > 0

    def sorted(self) -> list[RowError]:
        """The errors by row, then by column in the template's order (a whole-row problem first)."""
        return sorted(
            self.errors, key=lambda e: (e.row, self.order.get(e.column, -1 if not e.column else 99))
        )

    def as_dicts(self) -> list[dict[str, Any]]:
        return [
            {"row": e.row, "column": e.column, "message": e.message, "value": e.value} for e in self.sorted()
        ]


def _short(value: Any) -> str:
    s = "" if value is None else str(value)
    return s if len(s) <= 60 else s[:57] + "…"


def sniff_format(head: bytes, filename: str = "") -> str:
    if head.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        return "xlsx"
    if filename.lower().endswith((".csv", ".txt")) or not filename:
        return "csv"
    raise TableError(f"不支持的文件类型：{filename}（请上传 .xlsx 或 .csv）")


def _text_stream(raw: IO[bytes]) -> IO[str]:
    """UTF-8 (with or without BOM) or GB18030 — Excel in China saves CSV as GBK by default."""
    head = raw.read(64 * 1024)
    raw.seek(0)
    try:
        head.decode("utf-8")
        encoding = "utf-8-sig"
    except UnicodeDecodeError as exc:
        # A cut multi-byte character at the end of the sample is still UTF-8.
        encoding = "utf-8-sig" if exc.start >= len(head) - 3 else "gb18030"
    return io.TextIOWrapper(raw, encoding=encoding, newline="")  # type: ignore[arg-type]


def cell_text(value: Any) -> str:
    """A cell as text: dates as YYYY-MM-DD, whole floats without '.0', None as ''."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and abs(value) >= 1e15:
        # Excel keeps 15 significant digits: an 18-digit ID typed as a number has lost its tail.
        # Keep it recognisable as such ("3.505042E+17") so validation can say what happened.
        return f"{value:.6E}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def estimate_rows(raw: IO[bytes], filename: str = "") -> int:
    """About how many data rows a file holds, read cheaply (an xlsx's declared size, a CSV's lines);
    it decides whether an import runs in the background and sizes its progress bar."""
    head = raw.read(8)
    raw.seek(0)
    try:
        fmt = sniff_format(head, filename)
    except TableError:
        return 0
    try:
        if fmt == "csv":
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b""))
            return max(lines - 1, 0)
        import zipfile

        from openpyxl import load_workbook

        try:
            wb = load_workbook(raw, read_only=True)
        except (zipfile.BadZipFile, KeyError, OSError):
            return 0
        try:
            return max((wb.worksheets[0].max_row or 1) - 1, 0)
        finally:
            wb.close()
    finally:
        raw.seek(0)


def read_table(
    raw: IO[bytes], columns: list[Column], filename: str = ""
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(row number, {key: text})`` for every non-empty data row; raise TableError on bad headers."""
    head = raw.read(8)
    raw.seek(0)
    fmt = sniff_format(head, filename)
    rows = _xlsx_rows(raw) if fmt == "xlsx" else _csv_rows(raw)
    try:
        header = next(rows)
    except StopIteration:
        raise TableError("文件是空的：第 1 行应为表头") from None
    index = list(_map_header([cell_text(h) for h in header], columns).items())
    for n, values in enumerate(rows, start=2):
        # CSV cells are already text; spreadsheet cells may be numbers or dates.
        cells = [v.strip() for v in values] if fmt == "csv" else [cell_text(v) for v in values]
        cells = [unneutralise(c) for c in cells]
        if not any(cells):
            continue
        width = len(cells)
        yield n, {key: (cells[i] if i < width else "") for key, i in index}


def _map_header(header: list[str], columns: list[Column]) -> dict[str, int]:
    by_header = {c.header: c for c in columns}
    index: dict[str, int] = {}
    unknown = []
    for i, h in enumerate(header):
        name = h.strip().rstrip("*＊").strip()
        if not name:
            continue
        col = by_header.get(name)
        if col is None:
            unknown.append(name)
        elif col.key in index:
            raise TableError(f"表头“{name}”重复出现")
        else:
            index[col.key] = i
    missing = [c.header for c in columns if c.required and c.key not in index]
    if missing:
        raise TableError("缺少必填列：" + "、".join(missing) + "（请使用下载的模板）")
    if unknown:
        raise TableError("无法识别的列：" + "、".join(unknown) + "（请使用下载的模板）")
    return index


def _csv_rows(raw: IO[bytes]) -> Iterator[list[str]]:
    yield from csv.reader(_text_stream(raw))


def _xlsx_rows(raw: IO[bytes]) -> Iterator[tuple[Any, ...]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(raw, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise TableError("文件不是有效的 Excel（.xlsx）文件") from exc
    try:
        ws = wb.worksheets[0]
        yield from ws.iter_rows(values_only=True)
    finally:
        wb.close()


# --- writing -----------------------------------------------------------------------------------


# What makes a spreadsheet read a text cell as a formula (OWASP, "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A cell as written to a file: text a spreadsheet would run as a formula gets a leading ``'``.

    Only text is touched: a number stays a number (``-2`` is a value, ``"-2"`` is text and is escaped).
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    """A cell as read back: the ``'`` that ``neutralise`` put before a formula character is taken off."""
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def neutralise_workbook(wb: Any) -> None:
    """Neutralise every cell of a workbook built in openpyxl's normal mode, just before it is saved.

    openpyxl has already made a formula of each text starting with ``=``; it becomes text again here.
    """
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
                    cell.value = "'" + cell.value  # assigning text that starts with ' gives a text cell


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[bytes]:
    """CSV as UTF-8 with BOM (so Excel opens it correctly), one line at a time, for streaming.

    Every cell goes through ``neutralise``.
    """
    writer = csv.writer(_Echo())
    yield codecs.BOM_UTF8 + writer.writerow([neutralise(h) for h in header]).encode()
    for row in rows:
        yield writer.writerow(["" if v is None else neutralise(v) for v in row]).encode()


def _looks_like_code(value: Any) -> bool:
    """A text of digits (an ID number, a phone, a region or household code, masked or not) that a
    spreadsheet would turn into a number, losing digits or a leading zero."""
    return isinstance(value, str) and len(value) >= 5 and value[:1].isdigit()


def xlsx_bytes(
    header: list[str],
    rows: Iterable[Iterable[Any]],
    *,
    sheet: str = "数据",
    notes: list[str] | None = None,
    text_columns: Iterable[int] | None = None,
) -> bytes:
    """A workbook written in openpyxl's write-only mode (constant memory per row).

    Every cell goes through ``neutralise`` (openpyxl would write text starting with ``=`` as a formula).
    The ``text_columns`` (by default those whose first row holds digits as text: ID numbers, phones,
    codes) are formatted as text (``@``), the whole column too, so that Excel neither shows an ID
    number as 3.5E+17 nor turns one typed into a new row into a number.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    cells = []
    for h in header:
        c = WriteOnlyCell(ws, value=neutralise(h))
        c.font, c.fill = bold, fill
        cells.append(c)
    it = iter(rows)
    first = next(it, None)
    first_row = [] if first is None else list(first)
    text = (
        set(text_columns)
        if text_columns is not None
        else {i for i, v in enumerate(first_row) if _looks_like_code(v)}
    )
    for i in sorted(text):  # column styles must be set before the first row is written
        ws.column_dimensions[get_column_letter(i + 1)].number_format = "@"
    ws.append(cells)

    def written(row: Iterable[Any]) -> list[Any]:
        out: list[Any] = []
        for i, v in enumerate(row):
            v = neutralise(v)
            if i in text and v is not None and v != "":
                cell = WriteOnlyCell(ws, value=str(v))
                cell.number_format = "@"
                v = cell
            out.append(v)
        return out

    if first is not None:
        ws.append(written(first_row))
    for row in it:
        ws.append(written(row))
    if notes:
        info = wb.create_sheet("填写说明")
        for line in notes:
            info.append([neutralise(line)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_notes(columns: list[Column]) -> list[str]:
    lines = ["带 * 的列为必填。请勿修改表头。身份证号、电话请设置为文本格式，以免 Excel 丢失位数。"]
    lines += [f"{c.header}{'（必填）' if c.required else ''}：{c.help}" for c in columns if c.help]
    return lines


def template_header(columns: list[Column]) -> list[str]:
    return [c.header + ("*" if c.required else "") for c in columns]
