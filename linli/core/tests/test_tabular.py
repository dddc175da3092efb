"""Streaming readers: CSV in UTF-8 and GB18030, xlsx, header mapping and error reports; the writers'
formula neutralisation (OWASP CSV injection)."""

import csv
import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from linli.core.tabular import (
    Column,
    ErrorReport,
    TableError,
    csv_lines,
    neutralise,
    neutralise_workbook,
    read_table,
    unneutralise,
    xlsx_bytes,
)

COLS = [
    Column("name", "姓名", True),
    Column("id_number", "公民身份号码", sensitive="id_number"),
    Column("birth", "出生日期"),
]


def rows(data: bytes, name: str = "f.csv"):
    return list(read_table(io.BytesIO(data), COLS, name))


def test_csv_utf8_with_bom_and_required_star_in_header():
    data = "\ufeff姓名*,公民身份号码,出生日期\n张三,350504199001011234,1990-01-01\n,,\n李四,,\n".encode()
    assert rows(data) == [
        (2, {"name": "张三", "id_number": "350504199001011234", "birth": "1990-01-01"}),
        (4, {"name": "李四", "id_number": "", "birth": ""}),
    ]


def test_csv_gbk_as_excel_saves_it():
    data = "姓名,出生日期\n王五,1980-02-03\n".encode("gbk")
    assert rows(data) == [(2, {"name": "王五", "birth": "1980-02-03"})]


def test_xlsx_cells_become_text():
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "公民身份号码", "出生日期"])
    ws.append(["赵六", 350504199001011234.0, dt.datetime(1990, 1, 1)])
    buf = io.BytesIO()
    wb.save(buf)
    # An 18-digit number has lost digits in Excel: it stays recognisable as scientific notation.
    assert rows(buf.getvalue(), "f.xlsx") == [
        (2, {"name": "赵六", "id_number": "3.505042E+17", "birth": "1990-01-01"})
    ]


def test_missing_and_unknown_columns_are_named():
    with pytest.raises(TableError, match="缺少必填列：姓名"):
        rows("出生日期\n1990-01-01\n".encode())
    with pytest.raises(TableError, match="无法识别的列：年龄"):
        rows("姓名,年龄\n张三,3\n".encode())
    with pytest.raises(TableError, match="不是有效的 Excel"):
        rows(b"PK\x03\x04garbage", "f.xlsx")


def test_error_report_masks_sensitive_columns_and_counts_everything():
    report = ErrorReport.for_columns(COLS)
    report.limit = 1
    report.add(2, "公民身份号码", "校验位不符", "350504199001011234")
    report.add(3, "姓名", "必填")
    assert report.total == 2 and len(report.errors) == 1 and report.rows_with_errors == {2, 3}
    assert report.errors[0].value == "3505**********1234"


def test_writers_round_trip():
    text = b"".join(csv_lines(["姓名", "备注"], [["张三", None]])).decode("utf-8-sig")
    assert text.splitlines() == ["姓名,备注", "张三,"]
    body = xlsx_bytes(["姓名"], [["张三"]], notes=["说明"])
    assert list(read_table(io.BytesIO(body), [Column("name", "姓名")], "x.xlsx")) == [(2, {"name": "张三"})]


# --- formula neutralisation ------------------------------------------------------------------------

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_that_starts_like_a_formula_gets_a_leading_quote(payload):
    assert neutralise(payload) == "'" + payload
    assert unneutralise(neutralise(payload)) == payload


@pytest.mark.parametrize(
    "value", ["张三", "a=b", " =1", "'", "'张三", "", -2, 3.5, 0, None, dt.date(2024, 1, 2)]
)
def test_other_values_are_left_alone(value):
    assert neutralise(value) == value
    if isinstance(value, str):
        assert unneutralise(value) == value


def test_csv_cells_are_neutralised_and_numbers_stay_numbers():
    text = b"".join(csv_lines(["=表头"], [[*PAYLOADS, -2, 3.5]])).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text, newline="")))
    assert header == ["'=表头"]
    assert row == ["'" + p for p in PAYLOADS] + ["-2", "3.5"]


def test_xlsx_cells_are_text_not_formulas_and_numbers_stay_numbers():
    body = xlsx_bytes(["姓名"], [[*PAYLOADS, -2, 3.5]], notes=["=说明"])
    wb = load_workbook(io.BytesIO(body))
    cells = list(wb.worksheets[0].iter_rows(min_row=2))[0]
    assert [c.data_type for c in cells] == ["s"] * len(PAYLOADS) + ["n", "n"]
    assert [c.value for c in cells[:4]] == ["'" + p for p in PAYLOADS[:4]]
    assert [c.value for c in cells[-2:]] == [-2, 3.5]
    assert wb["填写说明"]["A1"].value == "'=说明"


def test_a_workbook_built_in_normal_mode_is_neutralised_before_saving():
    wb = Workbook()
    wb.active.append(["=1+1", "@A1", "正常", -5])
    assert wb.active["A1"].data_type == "f"  # what openpyxl does with text starting with "="
    neutralise_workbook(wb)
    buf = io.BytesIO()
    wb.save(buf)
    row = list(load_workbook(io.BytesIO(buf.getvalue())).active.iter_rows())[0]
    assert [(c.value, c.data_type) for c in row] == [("'=1+1", "s"), ("'@A1", "s"), ("正常", "s"), (-5, "n")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_file_imports_back_unchanged(fmt):
    columns = [Column("name", "姓名"), Column("note", "备注")]
    rows_out = [["=1+1", "@备注"], ["-", "普通"]]
    if fmt == "csv":
        body = b"".join(csv_lines(["姓名", "备注"], rows_out))
    else:
        body = xlsx_bytes(["姓名", "备注"], rows_out)
    back = list(read_table(io.BytesIO(body), columns, f"x.{fmt}"))
    assert back == [(2, {"name": "=1+1", "note": "@备注"}), (3, {"name": "-", "note": "普通"})]
