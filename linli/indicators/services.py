"""Writes of the indicators module: values and their approval, plan adoption, targets, tasks.

Each write is one keyword-only function in a transaction. Bad input raises ``ValidationError``
with a Chinese message naming the field and a stable code (``indicator.value_locked`` …); a region
outside the account's scope, or a review by the wrong level, raises ``ScopeRefused`` (an
``OutOfScope`` with its code: ``indicator.out_of_scope``, ``indicator.review_not_allowed``). Both
doors (``api.py``, ``views.py``) call these functions and translate the errors.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from linli.core import data_elements
from linli.core.images import image_reencode
from linli.core.roles import REGISTRY_READERS, Role, effective_role
from linli.core.scope import OutOfScope, region_in_scope
from linli.core.tabular import Column, ErrorReport, TableError, read_table
from linli.indicators.engine import formula
from linli.indicators.models import (
    Comparison,
    DataElement,
    DataValue,
    ElementKind,
    Indicator,
    Plan,
    PlanAdoption,
    PlanTask,
    Target,
    TaskProgress,
    TaskStatus,
    ValueStatus,
)
from linli.indicators.selectors import SNAPSHOT, element_table
from linli.regions.models import CODE_LENGTH, Level, Region

CATALOGUE = Path(__file__).parent / "data" / "catalogue.json"
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {  # extension → accepted leading bytes
    ".pdf": [b"%PDF"],
    ".png": [b"\x89PNG"],
    ".jpg": [b"\xff\xd8\xff"],
    ".jpeg": [b"\xff\xd8\xff"],
    ".docx": [b"PK\x03\x04"],
    ".xlsx": [b"PK\x03\x04"],
}
IMAGE_EVIDENCE = {".png", ".jpg", ".jpeg"}
VALUE_LIMIT = Decimal("1e13")


class ScopeRefused(OutOfScope):
    """``OutOfScope`` with a stable code: the API answers 403 with it, a page shows the message."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def _is_admin(user: Any) -> bool:
    return effective_role(user) == Role.SYSTEM_ADMIN


def require_reader(user: Any, region: Region) -> None:
    """``user`` may read and report for ``region``; ``None`` is the system itself (demo, commands)."""
    if user is None:
        return
    if not (_is_admin(user) or (user.role in REGISTRY_READERS and region_in_scope(user, region))):
        raise ScopeRefused(
            f"{region.name}（{region.code}）不在本账号的数据范围内", code="indicator.out_of_scope"
        )


def parse_value(raw: Any, field: str = "数值") -> Decimal:
    try:
        v = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{field}：“{raw}”不是数字", code="indicator.not_a_number") from None
    if not v.is_finite() or abs(v) >= VALUE_LIMIT:
        raise ValidationError(f"{field}：“{raw}”超出可登记范围", code="indicator.out_of_range")
    return v


def _check_value(element: DataElement, region: Region, year: int, period: int, value: Decimal) -> None:
    if element.kind != ElementKind.REPORTED:
        raise ValidationError(
            f"数据元“{element.name}”由系统计算，不能填报", code="indicator.element_computed"
        )
    entry = CODE_LENGTH[Level(element.entry_level)]
    if len(region.code) != entry:
        raise ValidationError(
            f"区划：“{element.name}”由{Level(element.entry_level).label}填报，{region.name}是{region.level_label}",
            code="indicator.wrong_level",
        )
    if not 2000 <= year <= 2100:
        raise ValidationError(f"年度：{year} 不是有效年度", code="indicator.year_invalid")
    if element.monthly and not 1 <= period <= 12:
        raise ValidationError(
            f"月份：“{element.name}”按月填报，月份应为 1–12", code="indicator.month_required"
        )
    if not element.monthly and period != 0:
        raise ValidationError(f"月份：“{element.name}”按年填报，不填月份", code="indicator.month_not_allowed")
    if element.non_negative and value < 0:
        raise ValidationError(f"数值：“{element.name}”不能为负数（{value}）", code="indicator.negative_value")


@transaction.atomic
def value_submit(
    *,
    element: DataElement,
    region: Region,
    year: int,
    period: int = 0,
    value: Decimal,
    by: Any,
    source: str = "form",
) -> DataValue:
    """填报: a first value for (element, region, year, period); a later change is a correction."""
    require_reader(by, region)
    _check_value(element, region, year, period, value)
    existing = (
        DataValue.objects.select_for_update()
        .filter(element=element, region=region, year=year, period=period, current=True)
        .first()
    )
    if existing is not None:
        if existing.status == ValueStatus.APPROVED:
            raise ValidationError(
                f"{region.name} {year} 年“{element.name}”已审核锁定，如需修改请提交更正并说明原因",
                code="indicator.value_locked",
            )
        raise ValidationError(
            f"{region.name} {year} 年“{element.name}”已填报（{existing.value}），如需修改请提交更正并说明原因",
            code="indicator.value_exists",
        )
    return DataValue.objects.create(
        element=element, region=region, year=year, period=period, value=value, entered_by=by, source=source
    )


@transaction.atomic
def value_correct(
    *, value: DataValue, new_value: Decimal, reason: str, by: Any, source: str = "form"
) -> DataValue:
    """更正: a new version that replaces ``value`` (kept in the history), with its reason; to be approved again."""
    value = DataValue.objects.select_for_update().select_related("element", "region").get(pk=value.pk)
    require_reader(by, value.region)
    if not value.current:
        raise ValidationError("只能更正当前版本", code="indicator.not_current")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("更正原因：更正必须说明原因", code="indicator.reason_required")
    _check_value(value.element, value.region, value.year, value.period, new_value)
    value.current = False
    value.save(update_fields=["current"])
    return DataValue.objects.create(
        element=value.element,
        region=value.region,
        year=value.year,
        period=value.period,
        value=new_value,
        version=value.version + 1,
        replaces=value,
        reason=reason[:200],
        entered_by=by,
        source=source,
    )


def can_review(user: Any, value: DataValue) -> bool:
    """A street reviews its communities' values, a district its streets' (the parent level)."""
    if _is_admin(user):
        return True
    code = getattr(user, "region_code", "") or ""
    parent_len = {12: 9, 9: 6, 6: 4, 4: 2, 15: 12}.get(len(value.region.code))
    return (
        bool(code)
        and user.role in REGISTRY_READERS
        and len(code) == parent_len
        and value.region.code.startswith(code)
    )


@transaction.atomic
def value_review(*, value: DataValue, approve: bool, by: Any, note: str = "") -> DataValue:
    """审核: approve (locks the value) or send back with a note."""
    value = DataValue.objects.select_for_update().select_related("element", "region").get(pk=value.pk)
    if not can_review(by, value):
        raise ScopeRefused(
            f"{value.region.name}的填报值由其上一级（街道/乡镇或区县）审核，本账号不能审核",
            code="indicator.review_not_allowed",
        )
    if not value.current:
        raise ValidationError("该值已被更正，请审核当前版本", code="indicator.not_current")
    if value.status != ValueStatus.SUBMITTED:
        raise ValidationError(
            f"该值{value.get_status_display()}，不能再次审核", code="indicator.already_reviewed"
        )
    if value.entered_by_id and value.entered_by_id == by.pk and not _is_admin(by):
        raise ValidationError("不能审核本人填报的数据", code="indicator.own_value")
    if not approve and not note.strip():
        raise ValidationError("审核意见：退回时请写明原因", code="indicator.note_required")
    value.status = ValueStatus.APPROVED if approve else ValueStatus.REJECTED
    value.reviewed_by, value.reviewed_at, value.review_note = by, timezone.now(), note.strip()[:200]
    value.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    return value


VALUE_COLUMNS = [
    Column(
        "element", "数据元编码", required=True, help="见“数据元”页的编码", example="registered_volunteers"
    ),
    Column("region", "区划代码", required=True, example="350504001001"),
    Column("year", "年度", required=True, example="2025"),
    Column("period", "月份", help="按月填报的数据元填 1–12，其余留空"),
    Column("value", "数值", required=True, example="1200"),
    Column("reason", "更正原因", help="已有数值时必填，新的数值作为更正版本"),
]


@transaction.atomic
def values_import(
    *, raw: IO[bytes], filename: str, by: Any, source: str = "import"
) -> tuple[int, ErrorReport]:
    """Import reported values from .xlsx/CSV: all rows land or none (errors listed by row and column)."""
    report = ErrorReport.for_columns(VALUE_COLUMNS)
    elements = {e.code: e for e in DataElement.objects.all()}
    rows = []
    try:
        for n, row in read_table(raw, VALUE_COLUMNS, filename):
            rows.append((n, row))
    except TableError as exc:
        report.add(1, "", str(exc))
        return 0, report
    regions = {r.code: r for r in Region.objects.current().filter(code__in=[r["region"] for _, r in rows])}
    done = 0
    sid = transaction.savepoint_create()
    for n, row in rows:
        e = elements.get(row["element"])
        if e is None:
            report.add(n, "数据元编码", "未知的数据元", row["element"])
            continue
        region = regions.get(row["region"])
        if region is None:
            report.add(n, "区划代码", "未找到该区划", row["region"])
            continue
        try:
            year = int(row["year"])
            period = int(row["period"] or 0)
        except ValueError:
            report.add(n, "年度", "年度和月份应为整数", row["year"])
            continue
        try:
            value = parse_value(row["value"])
            current = DataValue.objects.filter(
                element=e, region=region, year=year, period=period, current=True
            ).first()
            if current is not None:
                value_correct(value=current, new_value=value, reason=row["reason"], by=by, source=source)
            else:
                value_submit(
                    element=e, region=region, year=year, period=period, value=value, by=by, source=source
                )
            done += 1
        except OutOfScope as exc:
            report.add(n, "区划代码", exc.message, row["region"])
        except ValidationError as exc:
            report.add(n, "", "；".join(exc.messages), row["value"])
    if report:
        transaction.savepoint_rollback(sid)
        return 0, report
    transaction.savepoint_commit(sid)
    return done, report


# --- plans and targets ------------------------------------------------------------------------


def catalogue() -> dict[str, Any]:
    return json.loads(CATALOGUE.read_text(encoding="utf-8"))


@transaction.atomic
def plan_adopt(
    *, plan: Plan, region: Region, by: Any, with_tasks: bool = True, source: str = ""
) -> PlanAdoption:
    """A region adopts a plan; the plan's task list (when it has one) is created for the region."""
    require_reader(by, region)
    adoption, _ = PlanAdoption.objects.get_or_create(plan=plan, region=region, defaults={"adopted_by": by})
    if with_tasks and not PlanTask.objects.filter(plan=plan, region=region).exists():
        spec = next((p for p in catalogue()["plans"] if p["code"] == plan.code), None)
        if spec and spec.get("tasks"):
            inds = {i.code: i for i in Indicator.objects.all()}
            for t in spec["tasks"]:
                task = PlanTask.objects.create(
                    plan=plan,
                    region=region,
                    number=t["number"],
                    section=t["section"][:120],
                    title=t["title"][:120],
                    text=t["text"],
                    lead_units=t["lead_units"][:200],
                    supporting_units=t["supporting_units"][:400],
                    deadline=dt.date.fromisoformat(t["deadline"]) if t.get("deadline") else None,
                    source=source or "plan",
                )
                task.indicators.set([inds[c] for c in t.get("indicators", []) if c in inds])
    return adoption


@transaction.atomic
def target_set(
    *,
    region: Region,
    indicator: Indicator,
    target_value: Decimal,
    comparison: str,
    by: Any,
    target_year: int = 2025,
    baseline_year: int | None = None,
    baseline_value: Decimal | None = None,
    attribute: str = "",
    note: str = "",
) -> Target:
    """A region's own target for an indicator (replaces its previous own target)."""
    require_reader(by, region)
    if comparison not in Comparison.values:
        raise ValidationError("比较：应为 ≥、≤ 或 =", code="indicator.comparison_invalid")
    t, _ = Target.objects.update_or_create(
        region=region,
        plan=None,
        indicator=indicator,
        defaults=dict(
            target_value=target_value,
            comparison=comparison,
            target_year=target_year,
            baseline_year=baseline_year,
            baseline_value=baseline_value,
            attribute=attribute,
            source_section="本级自定",
            note=note,
        ),
    )
    return t


def indicator_check(*, numerator: str, denominator: str) -> None:
    """Validate a formula pair against the data elements; raises ValidationError naming the problem."""
    known = set(DataElement.objects.values_list("code", flat=True))
    for label, text in (("分子公式", numerator), ("分母公式", denominator)):
        if label == "分母公式" and not text.strip():
            continue
        try:
            formula.parse(text, known)
        except formula.FormulaError as exc:
            raise ValidationError(f"{label}：{exc}", code="indicator.formula_invalid") from None


# --- tasks ------------------------------------------------------------------------------------


def _check_evidence(f: UploadedFile) -> None:
    name = f.name or ""
    ext = Path(name).suffix.lower()
    if ext not in EVIDENCE_TYPES:
        raise ValidationError(
            f"佐证材料：不支持“{ext or name}”格式（可上传 PDF、图片、Word、Excel）",
            code="indicator.evidence_type",
        )
    if f.size is not None and f.size > EVIDENCE_MAX_BYTES:
        raise ValidationError("佐证材料：文件超过 10 MB", code="indicator.evidence_too_large")
    head = f.read(8)
    f.seek(0)
    if not any(head.startswith(m) for m in EVIDENCE_TYPES[ext]):
        raise ValidationError(f"佐证材料：文件内容与扩展名“{ext}”不符", code="indicator.evidence_mismatch")


def _evidence_file(f: UploadedFile) -> tuple[str, File]:
    """The stored form of a checked evidence file: images re-encoded without metadata (a photo's EXIF
    carries where it was taken), every file under an unguessable name that keeps only the extension."""
    ext = Path(f.name or "").suffix.lower()
    if ext in IMAGE_EVIDENCE:
        clean = image_reencode(f.read(), field="evidence", label=f"佐证材料“{Path(f.name or '').name}”")
        return str(clean.name), clean
    return f"{secrets.token_urlsafe(18)}{ext}", f


@transaction.atomic
def task_progress_report(
    *, task: PlanTask, by: Any, unit_name: str, text: str, percent: int, evidence: UploadedFile | None = None
) -> TaskProgress:
    require_reader(by, task.region)
    if not text.strip():
        raise ValidationError("进展情况：请填写", code="indicator.progress_text_required")
    if not 0 <= percent <= 100:
        raise ValidationError("完成进度：应为 0–100", code="indicator.percent_invalid")
    if not unit_name.strip():
        raise ValidationError("报送单位：请填写", code="indicator.unit_required")
    if evidence is not None:
        _check_evidence(evidence)
    report = TaskProgress(
        task=task, unit_name=unit_name.strip()[:60], text=text.strip(), percent=percent, reported_by=by
    )
    if evidence is not None:
        report.evidence_name = Path(evidence.name or "").name[:120]
        report.evidence.save(*_evidence_file(evidence), save=False)
    report.save()
    task.percent = percent
    task.status = TaskStatus.DONE if percent >= 100 else TaskStatus.IN_PROGRESS
    task.save(update_fields=["percent", "status"])
    return report


TASK_COLUMNS = [
    Column("number", "序号", required=True, example="1"),
    Column("section", "规划章节", example="三（三）1"),
    Column("title", "任务名称", example="科学规划社区服务设施布局"),
    Column("text", "任务内容", required=True),
    Column("lead", "牵头单位", required=True, example="区发改局"),
    Column("supporting", "配合单位", example="区民政局、区住建局"),
    Column("deadline", "完成时限", example="2025-12-31"),
    Column("indicators", "关联指标", help="指标编码或名称，多个用“、”分隔"),
]


@transaction.atomic
def tasks_import(
    *, plan: Plan, region: Region, raw: IO[bytes], filename: str, by: Any
) -> tuple[int, ErrorReport]:
    """Import a plan's task list for a region; all rows or none. Existing numbers are updated."""
    require_reader(by, region)
    report = ErrorReport.for_columns(TASK_COLUMNS)
    inds = {i.code: i for i in Indicator.objects.all()}
    inds.update({i.name: i for i in Indicator.objects.all()})
    parsed = []
    try:
        for n, row in read_table(raw, TASK_COLUMNS, filename):
            try:
                number = int(row["number"])
            except ValueError:
                report.add(n, "序号", "应为整数", row["number"])
                continue
            deadline = None
            if row["deadline"]:
                try:
                    deadline = dt.date.fromisoformat(row["deadline"][:10].replace("/", "-"))
                except ValueError:
                    report.add(n, "完成时限", "日期格式应为 2025-12-31", row["deadline"])
                    continue
            linked = []
            for name in [x.strip() for x in row["indicators"].replace(",", "、").split("、") if x.strip()]:
                if name not in inds:
                    report.add(n, "关联指标", "未知的指标", name)
                else:
                    linked.append(inds[name])
            parsed.append((number, row, deadline, linked))
    except TableError as exc:
        report.add(1, "", str(exc))
    if report:
        return 0, report
    for number, row, deadline, linked in parsed:
        task, _ = PlanTask.objects.update_or_create(
            plan=plan,
            region=region,
            number=number,
            defaults=dict(
                section=row["section"][:120],
                title=row["title"][:120],
                text=row["text"],
                lead_units=row["lead"][:200],
                supporting_units=row["supporting"][:400],
                deadline=deadline,
                source="import",
            ),
        )
        task.indicators.set(linked)
    return len(parsed), report


# --- snapshots of computed elements -------------------------------------------------------------


def snapshot_take(
    *, year: int, root_code: str, factor: dict[str, Decimal] | None = None, source: str = "snapshot"
) -> int:
    """Keep this year's computed values at their entry level (what the pages read, and what later
    years show as the trend); the number of values kept.

    Computed before the write (one pass of every source, at the finest entry level it serves, rolled
    up; on PostgreSQL the sources' grouped queries run side by side on their own connections), then
    the year's snapshot under ``root_code`` is replaced in one short transaction. ``factor`` scales
    values per element (used by the demo to make an earlier year); real snapshots leave it empty.
    """
    elements = [
        e for e in DataElement.objects.filter(kind=ElementKind.COMPUTED) if data_elements.source_of(e.code)
    ]
    today = timezone.localdate()
    lengths = {e.code: CODE_LENGTH[Level(e.entry_level)] for e in elements}
    regions = {r.code: r.pk for r in Region.objects.current().subtree(root_code)}
    table = element_table(
        elements, root_code, set(lengths.values()), today.year, today=today, from_sources=True
    )
    now = timezone.now()
    rows = []
    for e in elements:
        for prefix in table.prefixes.get(lengths[e.code], ()):
            region_id = regions.get(prefix)
            v = table.get(prefix, e.code)
            if region_id is None or v is None:
                continue
            if factor and e.code in factor:
                v = (v * factor[e.code]).quantize(Decimal("1"))
            rows.append(
                DataValue(
                    element_id=e.pk,
                    region_id=region_id,
                    year=year,
                    value=v,
                    status=ValueStatus.APPROVED,
                    source=SNAPSHOT,
                    entered_at=now,
                )
            )
    with transaction.atomic():
        DataValue.objects.filter(
            source=SNAPSHOT, year=year, region__code__gte=root_code, region__code__lt=root_code + ";"
        ).delete()
        DataValue.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@task()
def snapshot_nightly_task() -> dict[str, int]:
    """The nightly snapshot of this year's computed values, for every top region the database holds
    (a city deployment: the city)."""
    year = timezone.localdate().year
    roots = Region.objects.current().filter(parent__isnull=True).order_by("code")
    return {r.code: snapshot_take(year=year, root_code=r.code) for r in roots}
