"""Facility import (xlsx and CSV): template, good and bad files, dry run, all-or-nothing; export."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.test import Client
from openpyxl import load_workbook

from linli.core.models import AuditAction, AuditLog, ImportRun, User
from linli.core.tabular import xlsx_bytes
from linli.facilities import services
from linli.facilities.models import Facility
from linli.testing.factories import World

HEAD = [c.header for c in services.COLUMNS]


def row(**kw: str) -> list[str]:
    base = {
        "名称": "万福社区卫生服务站",
        "类型": "社区卫生服务站",
        "所在区划代码": "350504001001",
        "纬度": "24.961",
        "经度": "118.671",
        "总建筑面积": "150",
        "居民活动区域面积": "100",
        "周一开放时间": "08:00-12:00, 14:00-17:00",
        "周二开放时间": "08:00-12:00, 14:00-18:00",
    }
    base.update(kw)
    return [base.get(h, "") for h in HEAD]


def csv_file(rows: list[list[str]], header: list[str] | None = None) -> io.BytesIO:
    lines = [",".join(header or HEAD)] + [",".join(f'"{v}"' for v in r) for r in rows]
    return io.BytesIO(("\n".join(lines) + "\n").encode("gb18030"))  # as Excel in China saves CSV


def test_good_xlsx_lands_whole(world: World) -> None:
    body = xlsx_bytes(
        HEAD, [row(), row(名称="桥南社区卫生服务站", 所在区划代码="350504001002", 编码="QN-01")]
    )
    out = services.facilities_import(
        raw=io.BytesIO(body), filename="设施.xlsx", by=world.accounts.street_coordinator
    )
    assert out.run.status == ImportRun.Status.DONE and out.run.created == 2 and not out.report
    f = Facility.objects.get(code="QN-01")
    assert f.region == world.tree.community_b and f.type.code == "health_station"
    a = Facility.objects.get(region=world.tree.community_a)
    assert a.short_days == 1 and a.hours_per_week == 15 and a.source == "import"
    assert AuditLog.objects.filter(action=AuditAction.IMPORT, row_count=2).exists()


def test_bad_csv_names_row_and_column_and_lands_nothing(world: World) -> None:
    rows = [
        row(),  # good, but the file as a whole is rejected
        row(总建筑面积="-3"),
        row(类型="游乐场", 周三开放时间="18:00-09:00"),
        row(所在区划代码="350504001002"),  # another community: out of the worker's scope
        row(纬度="91", 居民活动区域面积="200"),
        row(编码="X1"),
        row(编码="X1"),
    ]
    out = services.facilities_import(
        raw=csv_file(rows), filename="设施.csv", by=world.accounts.community_worker
    )
    assert out.run.status == ImportRun.Status.REJECTED and out.run.created == 0
    assert not Facility.objects.exists()
    got = {(e.row, e.column, e.message) for e in out.report.errors}
    assert (3, "总建筑面积", "不能为负数") in got
    assert (4, "类型", "“游乐场”不是已启用的设施类型") in got
    assert (4, "周三开放时间", "“18:00-09:00”结束时间应晚于开始时间") in got
    assert (5, "所在区划代码", "找不到该街道、社区/村或网格，或不在本账号的数据范围内") in got
    assert any(r == 6 and c == "纬度" and "不在中国境内" in m for r, c, m in got)
    assert any(r == 6 and c == "总建筑面积" and "超过总建筑面积" in m for r, c, m in got)
    assert (8, "编码", "与文件第 7 行重复") in got
    assert out.run.error_rows == 5  # row 7 is the first X1, itself fine


def test_dry_run_writes_nothing(world: World) -> None:
    out = services.facilities_import(
        raw=csv_file([row()]), filename="设施.csv", by=world.accounts.community_worker, dry_run=True
    )
    assert out.run.status == ImportRun.Status.CHECKED and out.run.summary["would_create"] == 1
    assert not Facility.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件是空的"),
        ("名称,类型\n甲,乙\n".encode(), "缺少必填列：所在区划代码"),
        ("名称,类型,所在区划代码,颜色\n".encode(), "无法识别的列：颜色"),
        (",".join(HEAD).encode() + b"\n", "文件中没有数据行"),
    ],
)
def test_unreadable_files(world: World, content: bytes, message: str) -> None:
    out = services.facilities_import(
        raw=io.BytesIO(content), filename="x.csv", by=world.accounts.community_worker
    )
    assert out.run.status == ImportRun.Status.REJECTED
    assert message in out.report.errors[0].message


def test_pages_template_upload_errors_export(world: World, client_for: Callable[[User], Client]) -> None:
    c = client_for(world.accounts.community_worker)
    r = c.get("/facilities/import/template.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    header = [cell.value for cell in next(ws.iter_rows(max_row=1))]
    assert header[:4] == ["编码", "名称*", "类型*", "所在区划代码*"] and "周日开放时间" in header
    assert c.get("/facilities/import/template.csv").content.decode("utf-8-sig").startswith("编码,名称*,类型*")
    bad = csv_file([row(总建筑面积="-1")])
    bad.name = "坏.csv"
    r = c.post("/facilities/import/", {"file": bad, "dry_run": "0"})
    assert "未导入" in r.content.decode() and "不能为负数" in r.content.decode()
    run = ImportRun.objects.get(kind="facilities")
    r = c.get(f"/facilities/import/{run.pk}/errors.xlsx")
    report = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert [v for v in next(report.iter_rows(min_row=2, max_row=2, values_only=True))][:3] == [
        2,
        "总建筑面积",
        "不能为负数",
    ]
    good = csv_file([row()])
    good.name = "好.csv"
    r = c.post("/facilities/import/", {"file": good, "dry_run": "0"})
    assert "导入完成" in r.content.decode()
    r = c.get("/facilities/export/?format=csv")
    text = r.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("编码,名称,类型,所在区划代码") and "万福社区卫生服务站" in text
    # the export's columns are the template's: it imports again
    r = c.get("/facilities/export/")
    wb = load_workbook(io.BytesIO(r.content)).worksheets[0]
    values = list(wb.iter_rows(min_row=2, values_only=True))
    assert (
        len(values) == 1
        and values[0][1] == "万福社区卫生服务站"
        and values[0][HEAD.index("周一开放时间")] == "08:00-12:00, 14:00-17:00"
    )
    # a grid worker cannot import
    assert client_for(world.accounts.grid_worker).get("/facilities/import/").status_code == 403
