"""Exports of the registry: rows in the import template's column order, the audit record every
export of personal data writes (with its reason when values are unmasked), and the export run that
takes a large export to the background.

``export_begin`` is what every door calls (the page, ``POST /api/exports``, ``GET /api/persons/export``):
it checks the account may export, counts the rows in its scope as the list does (exact from the kept
counts, else up to ``COUNT_EXACT_MAX``) and audits the export when it is asked (with that count, marked
"at least" when the count stopped there). Up to ``settings.LINLI_EXPORT_BACKGROUND_ROWS`` rows (or unless
the caller asks for a run) the caller streams the rows at once; above, it records an ``ExportRun`` and
enqueues ``export_task`` on commit, which counts the rows exactly and writes the file with progress
(``linli.core.jobs``) for the page to poll and its owner to download.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import batched
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.tasks import task
from django.utils import timezone

from linli.core.engine.crypto import mask_id_number, mask_phone
from linli.core.errors import invalid
from linli.core.jobs import export_run_start, export_run_write, export_runs_purge
from linli.core.models import AuditAction, ExportRun, User
from linli.core.paging import bounded_count
from linli.core.scope import OutOfScope
from linli.core.services import EXPORT_PERMISSION, REVEAL_PERMISSION, audit_record
from linli.core.tabular import Column
from linli.registry.engine import rows as rowcheck
from linli.registry.models import Building, Household, Person, PersonTag
from linli.registry.selectors import (
    ListCount,
    PersonFilter,
    building_list,
    household_list,
    household_list_count,
    person_list,
    person_list_count,
)
from linli.registry.services.columns import BUILDING_COLUMNS, HOUSEHOLD_COLUMNS, PERSON_COLUMNS

TAG_CHUNK = 2000  # persons whose tags one query reads


def export_person_rows(persons: Iterable[Person], *, full: bool) -> Iterable[list[Any]]:
    """Rows in the import template's column order, masked unless ``full`` (the caller audits).

    The 标签 column holds the person's tags valid today as the update import reads them back (the
    derived age tags are not stored, so not written); they are read per chunk of persons, in one query.
    """
    relation = dict(rowcheck.RELATIONS.items())
    relation_label = {v: k for k, v in reversed(list(relation.items()))}
    residence_label = {v: k for k, v in rowcheck.RESIDENCE.items()}
    today = timezone.localdate()
    for chunk in batched(persons, TAG_CHUNK):
        tags: dict[int, list[str]] = defaultdict(list)
        for tag in (
            PersonTag.objects.valid_on(today)
            .filter(person_id__in=[p.pk for p in chunk])
            .order_by("person_id", "kind", "pk")
        ):
            tags[tag.person_id].append(str(tag))
        for p in chunk:
            idn = (p.id_number.reveal() if full else str(p.id_number)) if p.id_number else ""
            phone = (p.phone.reveal() if full else str(p.phone)) if p.phone else ""
            yield [
                p.name,
                idn,
                "男" if p.sex == "M" else "女",
                p.birth_date.isoformat(),
                phone,
                p.household.code if p.household is not None else "",
                relation_label.get(p.relation, ""),
                residence_label.get(p.residence_type, ""),
                p.ethnicity,
                p.region.code,
                p.note,
                "、".join(tags[p.pk]),
            ]


def export_household_rows(households: Iterable[Household]) -> Iterable[list[Any]]:
    for h in households:
        yield [
            h.code,
            h.region.code,
            h.building.code if h.building is not None else "",
            h.unit,
            h.room,
            h.address,
        ]


def export_building_rows(buildings: Iterable[Building]) -> Iterable[list[Any]]:
    kinds = {v: k for k, v in rowcheck.BUILDING_KINDS.items()}
    for b in buildings:
        yield [
            b.code,
            b.name,
            kinds[b.kind],
            b.region.code,
            b.parent.code if b.parent is not None else "",
            b.address,
            b.lat,
            b.lon,
            b.floors,
        ]


def export_record(
    *,
    by: User,
    kind: str,
    rows: int,
    full: bool,
    reason: str,
    filters: dict[str, Any],
    region_code: str,
    run: ExportRun | None = None,
    more: bool = False,
) -> None:
    """Audit an export of personal data (always; with reason when values are unmasked). ``more``: the
    count stopped at ``rows`` (at least that many); the run's exact count is on the run it names."""
    if not by.has_perm(EXPORT_PERMISSION):
        raise OutOfScope("本账号没有导出个人信息的权限")
    if full and not by.has_perm(REVEAL_PERMISSION):
        raise OutOfScope("本账号没有查看完整个人信息的权限，只能导出脱敏数据")
    if full and len(reason.strip()) < 2:
        raise invalid("reason", "导出完整信息须填写事由", "export.reason_required")
    audit_record(
        actor=by,
        action=AuditAction.EXPORT,
        subject_label=f"{kind} 导出{'（完整信息）' if full else '（脱敏）'}",
        field="id_number,phone" if full else "",
        reason=reason.strip(),
        region_code=region_code,
        row_count=rows,
        detail={
            "filters": filters,
            "full": full,
            **({"export_run": run.pk} if run is not None else {}),
            **({"rows_at_least": True} if more else {}),
        },
    )


# --- one export, at once or in the background ---------------------------------------------------------

EXPORT_FORMATS = ("xlsx", "csv")
EXPORT_LABELS = {"persons": "人员", "households": "户", "buildings": "楼栋"}
_COLUMNS: dict[str, list[Column]] = {
    "persons": PERSON_COLUMNS,
    "households": HOUSEHOLD_COLUMNS,
    "buildings": BUILDING_COLUMNS,
}
RUN_KIND = "registry.{kind}"  # ExportRun.kind of a registry export


@dataclass
class ExportPlan:
    """An export as asked: its rows to stream now (``rows``), or the run that makes it (``run``)."""

    kind: str
    label: str
    fmt: str
    full: bool
    header: list[str]
    total: int
    filename: str
    rows: Iterable[list[Any]] | None = None
    run: ExportRun | None = None


def audited_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters as written to the audit log: an ID or phone number searched for is masked there too."""
    out = {k: v for k, v in filters.items() if v not in ("", None, False)}
    q = str(out.get("q", "")).replace(" ", "")
    if len(q) == 18 and q[:17].isdigit():
        out["q"] = mask_id_number(q)
    elif q.isdigit() and len(q) in (11, 12):
        out["q"] = mask_phone(q)
    return out


def _source(
    *, by: User, kind: str, filters: dict[str, Any], full: bool
) -> tuple[QuerySet[Any], Callable[[Iterable[Any]], Iterable[list[Any]]]]:
    """The rows of an export in ``by``'s scope (the list's filters) and how each becomes a line."""
    if kind == "persons":
        f = PersonFilter(**{k: v for k, v in filters.items() if k in PersonFilter.__dataclass_fields__})
        return person_list(user=by, filters=f), (lambda it: export_person_rows(it, full=full))
    q, region = str(filters.get("q", "")), str(filters.get("region", ""))
    if kind == "households":
        return household_list(user=by, q=q, region=region), export_household_rows
    if kind == "buildings":
        return building_list(user=by, q=q, region=region), export_building_rows
    raise invalid("kind", "未知的导出类型", "export.unknown_kind")


def _list_count(*, by: User, kind: str, filters: dict[str, Any]) -> ListCount:
    """The rows of an export as its list counts them: exact from the kept counts when only the region
    and status are chosen, else counted up to ``COUNT_EXACT_MAX`` and then "at least" — never the whole
    city counted while the account waits (its run counts exactly, in the background)."""
    q, region = str(filters.get("q", "")), str(filters.get("region", ""))
    if kind == "persons":
        f = PersonFilter(**{k: v for k, v in filters.items() if k in PersonFilter.__dataclass_fields__})
        return person_list_count(user=by, filters=f)
    if kind == "households":
        return household_list_count(user=by, q=q, region=region)
    return ListCount(*bounded_count(building_list(user=by, q=q, region=region)))


def export_begin(
    *,
    by: User,
    kind: str,
    fmt: str = "xlsx",
    full: bool = False,
    reason: str = "",
    filters: PersonFilter | dict[str, Any] | None = None,
    background: bool | None = None,
) -> ExportPlan:
    """Ask for an export: check, count, audit; stream it now or start its run (``background=None``:
    in the background above ``LINLI_EXPORT_BACKGROUND_ROWS`` rows, or when the count stopped at its
    bound; ``True``: always a run). A run counts its rows exactly when it starts.

    Only persons carry unmasked values (``full``); households and buildings ignore it.
    """
    if kind not in EXPORT_LABELS:
        raise invalid("kind", "未知的导出类型", "export.unknown_kind")
    if fmt not in EXPORT_FORMATS:
        raise invalid("format", "只能导出为 xlsx 或 csv", "export.unknown_format")
    full = full and kind == "persons"
    given = dataclasses.asdict(filters) if isinstance(filters, PersonFilter) else dict(filters or {})
    qs, rows_of = _source(by=by, kind=kind, filters=given, full=full)
    label = EXPORT_LABELS[kind]
    stamp = "完整" if full else "脱敏"
    filename = f"{label}-{stamp}.{fmt}"
    counted = _list_count(by=by, kind=kind, filters=given)
    with transaction.atomic():
        total = counted.n
        if background is None:
            background = counted.more or total > settings.LINLI_EXPORT_BACKGROUND_ROWS
        run = None
        if background:
            run = export_run_start(
                kind=RUN_KIND.format(kind=kind),
                label=f"{label}导出（{stamp}）",
                by=by,
                region_code=str(given.get("region") or by.region_code),
                params={"kind": kind, "format": fmt, "full": full, "filters": given},
                total=total,
                filename=filename,
            )
        export_record(
            by=by,
            kind=label,
            rows=total,
            more=counted.more,
            full=full,
            reason=reason,
            filters=audited_filters(given),
            region_code=str(given.get("region") or by.region_code),
            run=run,
        )
        if run is not None:
            run_id = run.pk
            transaction.on_commit(lambda: export_task.enqueue(run_id))
    header = [c.header for c in _COLUMNS[kind]]
    rows = None if run is not None else rows_of(qs.iterator(chunk_size=2000))
    return ExportPlan(kind, label, fmt, full, header, total, filename, rows=rows, run=run)


def export_run_execute(*, run_id: int) -> ExportRun:
    """The background part: write the run's file, as its owner would see the rows now (their scope)."""
    export_runs_purge()  # every run clears the files past their day
    run = ExportRun.objects.select_related("actor").get(pk=run_id)
    if run.status == ExportRun.Status.DONE:  # a task run twice writes the file once
        return run
    p = run.params
    qs, rows_of = _source(
        by=run.actor, kind=p["kind"], filters=p.get("filters", {}), full=bool(p.get("full"))
    )
    run.rows_total = qs.count()  # exact, for the progress (the ask may have counted only so far)
    ExportRun.objects.filter(pk=run.pk).update(rows_total=run.rows_total)
    return export_run_write(
        run=run,
        header=[c.header for c in _COLUMNS[p["kind"]]],
        rows=rows_of(qs.iterator(chunk_size=2000)),
        fmt=p.get("format", "xlsx"),
        sheet=EXPORT_LABELS[p["kind"]],
    )


@task()
def export_task(run_id: int) -> dict[str, Any]:
    """Write an export run's file in the background (``manage.py db_worker``); safe to run twice."""
    run = export_run_execute(run_id=run_id)
    return {"run": run.pk, "status": run.status, "rows": run.rows_done}
