"""Plans, tasks and the work ledger, the annual report (JSON, Excel, PDF), the command, the API."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from linli.core.tabular import xlsx_bytes
from linli.indicators import report, services
from linli.indicators.models import Plan, PlanTask, TaskStatus
from linli.indicators.tests.conftest import CATALOGUE_INDICATORS

pytestmark = pytest.mark.django_db

TITLE = "城乡社区服务体系建设规划实施年度报告"


def test_all_five_seed_tables_are_shipped_with_their_own_targets(db):
    from linli.indicators.tests.conftest import CATALOGUE_PLANS

    plans = {p.seed: p for p in Plan.objects.filter(code__in=CATALOGUE_PLANS)}
    assert set(plans) == {"000", "001", "002", "003", "004"}

    def target(seed, code):
        return plans[seed].targets.get(indicator__code=code)

    per100 = {s: target(s, "csc_area_per_100_households").target_value for s in ("000", "001", "002", "004")}
    assert per100 == {"000": 30, "001": 32, "002": 33, "004": 30}
    assert target("002", "csc_area_per_100_households").attribute == "binding"
    assert target("002", "platform_coverage").target_value == 90
    assert float(target("002", "social_work_talent_permille").target_value) == 1.4
    assert target("001", "volunteer_share").target_value == 20
    assert target("000", "volunteer_share").target_value == 18
    t = target("004", "certified_per_urban_community")
    assert (t.comparison, t.target_value, float(t.baseline_value), t.baseline_year, t.attribute) == (
        "ge",
        3,
        2.7,
        2020,
        "binding",
    )
    assert float(target("004", "workers_per_10k_urban").baseline_value) == 14.6
    own = {
        s: plans[s].targets.filter(indicator__code__in=CATALOGUE_INDICATORS).count() for s in ("002", "004")
    }
    assert own == {"002": 9, "004": 8}


def test_adopting_the_seed_000_plan_creates_its_task_list(tree, users):
    plan = Plan.objects.get(seed="000")
    services.plan_adopt(plan=plan, region=tree.district, by=users["district"])
    tasks = list(PlanTask.objects.filter(region=tree.district).order_by("number"))
    assert len(tasks) == 16
    t = next(t for t in tasks if t.section.startswith("三（三）1"))
    assert t.lead_units == "区发改局" and "区自然资源局" in t.supporting_units
    assert {i.code for i in t.indicators.all()} == {"csc_coverage", "activity_share"}
    assert t.is_overdue(dt.date(2026, 1, 1)) and not t.is_overdue(dt.date(2025, 6, 1))
    with pytest.raises(Exception, match="不在本账号的数据范围内"):
        services.plan_adopt(plan=plan, region=tree.district, by=users["community_a"])


def test_progress_report_with_evidence_checks_type_and_size(tree, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    services.plan_adopt(plan=Plan.objects.get(seed="000"), region=tree.district, by=None)
    task = PlanTask.objects.get(region=tree.district, number=8)
    pdf = SimpleUploadedFile("验收报告.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    r = services.task_progress_report(
        task=task, by=users["district"], unit_name="区发改局", text="已完成", percent=100, evidence=pdf
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and not task.is_overdue(dt.date(2030, 1, 1))
    assert (tmp_path / r.evidence.name).read_bytes().startswith(b"%PDF")
    fake = SimpleUploadedFile("报告.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(ValidationError, match="文件内容与扩展名"):
        services.task_progress_report(
            task=task, by=users["district"], unit_name="x", text="x", percent=50, evidence=fake
        )
    exe = SimpleUploadedFile("run.exe", b"MZ")
    with pytest.raises(ValidationError, match="不支持"):
        services.task_progress_report(
            task=task, by=users["district"], unit_name="x", text="x", percent=50, evidence=exe
        )
    big = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (services.EVIDENCE_MAX_BYTES + 1))
    with pytest.raises(ValidationError, match="超过 10 MB"):
        services.task_progress_report(
            task=task, by=users["district"], unit_name="x", text="x", percent=50, evidence=big
        )


def _jpeg_with_gps() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (24.0, 56.0, 30.0), 3: "E", 4: (118.0, 40.0, 10.0)}  # GPSInfo
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_evidence_is_served_only_to_those_who_see_the_task_and_images_lose_metadata(
    tree, users, settings, tmp_path
):
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    services.plan_adopt(plan=Plan.objects.get(seed="000"), region=tree.district, by=None)
    task = PlanTask.objects.get(region=tree.district, number=8)
    photo = SimpleUploadedFile("现场照片.jpg", _jpeg_with_gps(), content_type="image/jpeg")
    r = services.task_progress_report(
        task=task, by=users["district"], unit_name="区发改局", text="已动工", percent=40, evidence=photo
    )
    assert "现场照片" not in r.evidence.name and r.evidence_name == "现场照片.jpg"
    stored = (tmp_path / r.evidence.name).read_bytes()
    with Image.open(io.BytesIO(stored)) as im:
        assert not im.getexif() and "exif" not in im.info
    pdf = SimpleUploadedFile("验收报告.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    r2 = services.task_progress_report(
        task=task, by=users["district"], unit_name="区发改局", text="已完成", percent=100, evidence=pdf
    )
    url, url2 = (
        f"/indicators/tasks/{task.pk}/evidence/{r.pk}/",
        f"/indicators/tasks/{task.pk}/evidence/{r2.pk}/",
    )
    c = Client()
    c.force_login(users["district"])
    page = c.get(f"/indicators/tasks/{task.pk}/").content.decode()
    assert url in page and "/media/" not in page
    got = c.get(url)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert got["X-Content-Type-Options"] == "nosniff" and "private" in got["Cache-Control"]
    assert b"".join(got.streaming_content) == stored
    doc = c.get(url2)
    assert doc.status_code == 200 and doc["Content-Disposition"].startswith("attachment")
    outsider = Client()
    outsider.force_login(users["community_a"])
    missing = outsider.get(f"/indicators/tasks/{task.pk}/evidence/999999/")
    assert outsider.get(url).status_code == missing.status_code == 404
    assert Client().get(url).status_code == 302  # not signed in: to the login page


def test_task_list_import(tree, users):
    plan = Plan.objects.get(seed="000")
    header = ["序号", "规划章节", "任务名称", "任务内容", "牵头单位", "配合单位", "完成时限", "关联指标"]
    rows = [
        [
            1,
            "三（三）1",
            "设施布局",
            "实现城乡社区综合服务设施覆盖率100%",
            "区发改局",
            "区民政局",
            "2025-12-31",
            "csc_coverage",
        ],
        [
            2,
            "三（五）2",
            "人才建设",
            "注册志愿者占比18%",
            "区委文明办",
            "",
            "2025-12-31",
            "注册志愿者人数占常住人口比例",
        ],
    ]
    n, rep = services.tasks_import(
        plan=plan,
        region=tree.district,
        raw=io.BytesIO(xlsx_bytes(header, rows)),
        filename="t.xlsx",
        by=users["district"],
    )
    assert n == 2 and not rep
    assert PlanTask.objects.get(region=tree.district, number=2).indicators.get().code == "volunteer_share"
    bad = rows + [[3, "", "", "x", "区民政局", "", "明年", "no_such"]]
    n, rep = services.tasks_import(
        plan=plan,
        region=tree.district,
        raw=io.BytesIO(xlsx_bytes(header, bad)),
        filename="t.xlsx",
        by=users["district"],
    )
    assert n == 0 and rep.errors[0].column == "完成时限"


def _render_pdf_text(body: bytes) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(body)
    return "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def test_report_in_three_formats_with_the_chinese_title(small):
    services.plan_adopt(plan=Plan.objects.get(seed="000"), region=small.tree.district, by=None)
    data = report.build(small.tree.district, small.year)
    assert TITLE in data["title"] and "洛江区" in data["title"]
    # the catalogue's 15 targets of 洛江's plan and those the modules add to it (议事厅覆盖率 …)
    assert (
        json.loads(report.to_json(data))["summary"]["indicators"]
        == Plan.objects.get(seed="000").targets.count()
    )
    assert Plan.objects.get(seed="000").targets.filter(indicator__code__in=CATALOGUE_INDICATORS).count() == 15
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(report.to_xlsx(data)))
    assert TITLE in wb["指标达标情况"]["A1"].value
    assert wb["指标达标情况"].cell(4, 2).value == "城乡社区综合服务设施覆盖率"
    pdf = report.to_pdf(data)
    assert pdf.startswith(b"%PDF")
    text = _render_pdf_text(pdf)
    assert TITLE in text and "每百户居民拥有社区综合服务设施面积" in text and "未达标" in text


def test_report_for_a_year_without_data_is_a_clear_error(small):
    services.plan_adopt(plan=Plan.objects.get(seed="000"), region=small.tree.district, by=None)
    with pytest.raises(report.ReportError, match="2019 年没有任何指标数据"):
        report.build(small.tree.district, 2019)
    with pytest.raises(CommandError, match="2019 年没有任何指标数据"):
        call_command("indicators_report", region="350504", year=2019, format="json", output="-")
    with pytest.raises(CommandError, match="未找到区划代码"):
        call_command("indicators_report", region="999999", year=2025)


def test_report_without_a_cjk_font_says_so(small, monkeypatch, tmp_path):
    services.plan_adopt(plan=Plan.objects.get(seed="000"), region=small.tree.district, by=None)
    monkeypatch.setattr(report, "FONT_CANDIDATES", [])
    monkeypatch.setattr(report.glob, "glob", lambda *a, **k: [])
    with pytest.raises(report.ReportError, match="未找到中文字体"):
        report.to_pdf(report.build(small.tree.district, small.year))


def test_report_command_writes_files(small, tmp_path):
    services.plan_adopt(plan=Plan.objects.get(seed="000"), region=small.tree.district, by=None)
    for fmt in ("json", "xlsx", "pdf"):
        out = tmp_path / f"r.{fmt}"
        call_command("indicators_report", region="350504", year=small.year, format=fmt, output=str(out))
        assert out.stat().st_size > 500
    assert TITLE in json.loads((tmp_path / "r.json").read_text())["title"]
