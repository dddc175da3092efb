"""An HSDS 3.0 folder read into the service directory: every file validated, every service planned,
then all written in one transaction or none. Providers are the registry's organisations, found or
added through the registry's own service."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from linli.regions.models import Region
from linli.registry.models import DERIVED_AGE_TAGS, OrganisationKind, TagKind
from linli.registry.services import organisation_get_or_create
from linli.services.engine import schedule
from linli.services.hsds.schema import (
    DAYS,
    STATUS_IN,
    TAX_BOOKING,
    TAX_CATEGORY,
    TAX_GROUP,
    TAX_KIND,
    HsdsError,
    validate_folder,
)
from linli.services.models import FeeKind, Service, ServiceKind, ServiceStatus, TaxonomyTerm


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    organisations_created: int = 0
    notes: list[str] = field(default_factory=list)


def _weekly_from(schedules: list[dict[str, Any]]) -> tuple[dict[str, list[list[str]]], list[dict[str, Any]]]:
    weekly: dict[str, list[list[str]]] = {}
    exceptions = []
    for sch in schedules:
        if sch.get("freq") == "WEEKLY" and sch.get("byday") and sch.get("opens_at") and sch.get("closes_at"):
            for code in str(sch["byday"]).split(","):
                code = code.strip()[-2:]
                if code in DAYS:
                    weekly.setdefault(str(DAYS.index(code) + 1), []).append(
                        [sch["opens_at"][:5], sch["closes_at"][:5]]
                    )
        elif sch.get("valid_from") and sch.get("valid_from") == sch.get("valid_to"):
            ex: dict[str, Any] = {"date": sch["valid_from"], "note": sch.get("description", "")[:40]}
            if sch.get("notes") == "closed" or not sch.get("opens_at"):
                ex["closed"] = True
            else:
                ex["hours"] = [[sch["opens_at"][:5], sch["closes_at"][:5]]]
            exceptions.append(ex)
    for intervals in weekly.values():
        intervals.sort()
    return weekly, exceptions


def import_folder(
    folder: Path, *, region: Region | None = None, directory: Path | None = None, source: str = "hsds"
) -> ImportResult:
    """Validate every file of ``folder`` and then write its services, all or nothing.

    A service's area comes from its ``service_areas`` statistical code, else ``region``.
    """
    docs, errors = validate_folder(folder, directory)
    if errors:
        raise HsdsError(f"HSDS 文件未通过 3.0 模式校验（{len(errors)} 处），未导入任何数据", errors)
    orgs = {o["id"]: o for o in docs.get("organizations.json", [])}
    locs = {loc["id"]: loc for loc in docs.get("locations.json", [])}
    terms = {t.code: t for t in TaxonomyTerm.objects.all()}
    terms_by_name = {t.name: t for t in terms.values()}
    group_keys = set(TagKind.values) | {k for k, _, _ in DERIVED_AGE_TAGS}
    result = ImportResult()
    problems: list[str] = []
    plans = []
    seen: dict[str, int] = {}
    for i, doc in enumerate(docs["services.json"]):
        label = f"services.json 第 {i + 1} 项（{doc.get('name')}）"
        key = str(doc["id"]).lower()
        if key in seen:  # one HSDS id is one service: a second item would silently overwrite the first
            problems.append(f"{label}：HSDS 标识 {doc['id']} 与第 {seen[key]} 项重复")
            continue
        seen[key] = i + 1
        area = next(
            (a for a in doc.get("service_areas", []) if a.get("extent_type") == "statistical_code"), None
        )
        svc_region = Region.objects.current().filter(code=area["extent"]).first() if area else None
        svc_region = svc_region or region
        if svc_region is None:
            problems.append(f"{label}：没有可识别的服务区域（service_areas 的统计代码），也未指定 --region")
            continue
        category = kind = None
        groups: list[str] = []
        booking: dict[str, Any] = {}
        for a in doc.get("attributes", []):
            t = a.get("taxonomy_term") or {}
            tax, code = t.get("taxonomy") or a.get("link_type"), t.get("code", "")
            if tax == TAX_CATEGORY:
                category = terms.get(code) or terms_by_name.get(t.get("name", ""))
            elif tax == TAX_KIND and code in ServiceKind.values:
                kind = code
            elif tax == TAX_GROUP and code in group_keys:
                groups.append(code)
            elif tax == TAX_BOOKING:
                try:
                    booking = json.loads(a.get("value") or "{}")
                except json.JSONDecodeError:
                    problems.append(f"{label}：预约规则不是有效的 JSON")
        if category is None:
            problems.append(f"{label}：缺少可识别的服务分类（{TAX_CATEGORY} 分类词）")
            continue
        weekly, exceptions = _weekly_from(doc.get("schedules", []))
        try:
            schedule.normalise(weekly)
        except schedule.ScheduleError as exc:
            problems.append(f"{label}：服务时间 {exc}")
            continue
        cost = (doc.get("cost_options") or [{}])[0]
        fee_kind = {"免费": FeeKind.FREE, "低偿": FeeKind.LOW, "收费": FeeKind.PAID}.get(
            cost.get("option", ""), FeeKind.FREE if not cost.get("amount") else FeeKind.PAID
        )
        sal = (doc.get("service_at_locations") or [{}])[0]
        loc = sal.get("location") or locs.get(sal.get("location_id", "")) or {}
        address = ((loc.get("addresses") or [{}])[0]).get("address_1", "")
        values: dict[str, Any] = {
            "name": doc["name"][:120],
            "description": doc.get("description", ""),
            "kind": kind or ServiceKind.PUBLIC,
            "category": category,
            "region": svc_region,
            "address": address[:200],
            "lat": loc.get("latitude"),
            "lon": loc.get("longitude"),
            "opening_hours": weekly,
            "exceptions": exceptions,
            "slot_minutes": int(booking.get("slot_minutes", 60)),
            "capacity": max(1, int(booking.get("capacity", 1))),
            "bookable": bool(booking.get("bookable", bool(weekly))) and bool(weekly),
            "eligible_tags": groups,
            "min_age": doc.get("minimum_age"),
            "max_age": doc.get("maximum_age"),
            "fee_kind": fee_kind,
            "fee_amount": Decimal(str(cost["amount"]))
            if fee_kind != FeeKind.FREE and cost.get("amount") is not None
            else None,
            "fee_note": (cost.get("amount_description") or "")[:200] if fee_kind != FeeKind.FREE else "",
            "status": STATUS_IN.get(doc["status"], ServiceStatus.ACTIVE),
            "contact_phone": ((doc.get("phones") or [{}])[0]).get("number", "")[:32],
            "contact_name": ((doc.get("contacts") or [{}])[0]).get("name", "")[:64],
        }
        org = orgs.get(doc.get("organization_id", ""))
        plans.append((doc["id"], values, org, label))
    if problems:
        raise HsdsError(f"HSDS 文件有 {len(problems)} 处无法导入，未导入任何数据", problems)
    try:
        _import_write(plans, result, source)
    except IntegrityError as exc:  # another import wrote one of these HSDS ids at the same moment
        raise HsdsError(
            "另一次导入同时写入了相同的 HSDS 标识，未导入任何数据；请稍后重新导入",
            [str(exc).splitlines()[0]],
        ) from exc
    return result


def _import_write(
    plans: list[tuple[str, dict[str, Any], Any, str]], result: ImportResult, source: str
) -> None:
    """Write the planned services in one transaction (the HSDS id, ``Service.uuid``, is unique)."""
    with transaction.atomic():
        for sid, values, org, label in plans:
            if org is not None:
                provider, created = organisation_get_or_create(
                    name=org["name"], region=values["region"], kind=OrganisationKind.OTHER
                )
                result.organisations_created += created
                values["provider"] = provider
            service = Service.objects.filter(uuid=sid).first()
            if service is None:
                service = Service(uuid=sid, source=source)
                result.created += 1
            else:
                result.updated += 1
            for k, v in values.items():
                setattr(service, k, v)
            try:
                service.full_clean(exclude=["uuid", "provider", "facility", "category", "region"])
            except ValidationError as exc:
                raise HsdsError(
                    f"{label}：{'；'.join(exc.messages)}（未导入任何数据）", exc.messages
                ) from exc
            service.save()
